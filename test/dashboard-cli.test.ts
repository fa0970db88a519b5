import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeFixture, type Fixture } from '@tunelab/dashboard/testing';
import { openStore } from '@tunelab/store';

/** `tunelab promote` and `tunelab dashboard` through the real bin, on a filled SQLite store. */

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'apps/cli/bin/tunelab.mjs');
let f: Fixture;

beforeAll(async () => {
  f = await makeFixture({ trials: 4, points: 10 });
});
afterAll(async () => f?.cleanup());

const tunelab = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('tunelab promote', () => {
  test('--sweep <id> --best promotes the best trial’s best checkpoint to champion', async () => {
    const r = tunelab(['promote', '--home', f.home, '--sweep', f.sweepId, '--best', '--note', 'best of sweep', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const [best] = await f.store.listTrials(f.sweepId, { sort: 'best', limit: 1 });
    expect(out.alias).toMatchObject({ alias: 'champion', version: 1, checkpointId: best.bestCheckpointId, note: 'best of sweep' });
    expect(out.testLoss).toBeNull();
  });

  test('<checkpoint-id> --alias moves another alias; history is kept', async () => {
    for (const id of [f.checkpointIds[0], f.checkpointIds[1]]) {
      const r = tunelab(['promote', id, '--alias', 'candidate', '--home', f.home]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`candidate v\\d → ${id}`));
    }
    const store = await openStore({ home: f.home }, { readonly: true });
    const alias = await store.getAlias('candidate');
    await store.close();
    expect(alias?.current?.checkpointId).toBe(f.checkpointIds[1]);
    expect(alias?.history).toHaveLength(2);
  });

  test('mistakes exit 1 with a message that names the place', () => {
    const none = tunelab(['promote', '--home', f.home]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/give a checkpoint id, or --sweep <id> --best/);
    const unknown = tunelab(['promote', 'sw-nope-t000-e001', '--home', f.home]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/checkpointId.*No checkpoint sw-nope-t000-e001/);
  });
});

describe('tunelab dashboard', () => {
  test('serves the API on the port it names', async () => {
    const child = spawn(process.execPath, [bin, 'dashboard', '--home', f.home, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let err = '';
        const timer = setTimeout(() => reject(new Error(`no URL in 50 s: ${err}`)), 50_000);
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /dashboard: (http:\/\/\S+) /.exec(err);
          if (m) {
            clearTimeout(timer);
            resolveUrl(m[1]);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const sweeps = (await (await fetch(`${url}/api/sweeps`)).json()) as { sweeps: { id: string }[] };
      expect(sweeps.sweeps.map((s) => s.id)).toEqual([f.sweepId]);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
