import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from '@tunelab/dashboard/testing';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'apps/cli/bin/tunelab.mjs');

function tunelab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Stores shaped like real sweeps: 12 trials (10 completed) and 6 trials (4 completed, too few).
let big: Fixture;
let small: Fixture;

beforeAll(async () => {
  // Loaded lazily, as the CLI loads the dashboard (the lint keeps one way of importing a library).
  const { makeFixture } = await import('@tunelab/dashboard/testing');
  big = await makeFixture({ trials: 12, points: 6 });
  small = await makeFixture({ trials: 6, points: 6 });
});

afterAll(async () => {
  await big?.cleanup();
  await small?.cleanup();
});

describe('tunelab sweep importance', () => {
  it('--json prints the importances of the sweep metric over the completed trials', async () => {
    const r = await tunelab(['sweep', 'importance', big.sweepId, '--home', big.home, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ method: 'ped-anova', metric: 'val_loss', goal: 'minimize', trials: 10 });
    expect(out.reason).toBeUndefined();
    expect(out.importances.map((x: { param: string }) => x.param).sort()).toEqual(['model.layers', 'train.optimizer.lr']);
    expect(out.importances[0].importance).toBeGreaterThanOrEqual(out.importances[1].importance);
    expect(out.importances.reduce((s: number, x: { importance: number }) => s + x.importance, 0)).toBeCloseTo(1, 9);

    const other = JSON.parse((await tunelab(['sweep', 'importance', big.sweepId, '--home', big.home, '--metric', 'val_accuracy', '--goal', 'maximize', '--json'])).stdout);
    expect(other).toMatchObject({ metric: 'val_accuracy', goal: 'maximize', trials: 10 });
    expect(other.importances).toHaveLength(2);
  }, 60_000);

  it('prints a table with bars; below 5 completed trials it prints the reason', async () => {
    const r = await tunelab(['sweep', 'importance', big.sweepId, '--home', big.home]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/val_loss \(minimize\) over 10 completed trials/);
    expect(r.stdout).toMatch(/^param\s+importance/m);
    expect(r.stdout).toMatch(/^(model\.layers|train\.optimizer\.lr)\s+0\.\d{3}\s+▇+$/m);

    const few = await tunelab(['sweep', 'importance', small.sweepId, '--home', small.home, '--json']);
    expect(few.code, few.stderr).toBe(0);
    expect(JSON.parse(few.stdout)).toMatchObject({ trials: 4, importances: [], reason: expect.stringMatching(/at least 5 completed trials/) });
  }, 60_000);

  it('refuses a metric no trial reported, and an unknown sweep', async () => {
    const bad = await tunelab(['sweep', 'importance', big.sweepId, '--home', big.home, '--metric', 'no_such_metric', '--json']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--metric: no trial of sweep .* reported "no_such_metric"/);
    expect(bad.stdout).toBe('');
    const missing = await tunelab(['sweep', 'importance', 'sw-nope', '--home', big.home, '--json']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no sweep with id "sw-nope"/);
  }, 60_000);
});
