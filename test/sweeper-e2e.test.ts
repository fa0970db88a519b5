import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore } from '@tunelab/store';
import { repoRoot as root, tunelabBin as bin } from './support/cli';
import { dataDirOrSkip } from './support/data';

/**
 * The sweeper end to end, through the real `tunelab` command in child processes, on the real jigs:
 * a grid sweep runs to completion, and a sweeper killed with SIGKILL mid-trial is resumed without running
 * finished trials again or writing any metric row twice.
 */

const dataDir = dataDirOrSkip();
const homes: string[] = [];

afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'tunelab-sweep-e2e-'));
  homes.push(home);
  return home;
}

function sweepYaml(name: string, epochs: number, extra = ''): string {
  return `name: ${name}
method: grid
metric: { name: val_loss, goal: minimize }
run_cap: 2
parallel: 2
seed: 1
data: { corpus: nottingham, files: [jigs], split: { val: 0.1, seed: 1 } }
train: { epochs: ${epochs}, batch_size: 16, seq_len: 32, checkpoint_every: 1, backend: auto }
model: { cell: lstm, embedding_dim: 16, layers: [32], dropout: 0 }
keep_checkpoints: { best: 1, last: 1 }
parameters:
  train.optimizer.lr: { values: [0.003, 0.001] }
${extra}`;
}

function env(home: string): NodeJS.ProcessEnv {
  return { ...process.env, TUNELAB_HOME: home, TUNELAB_DATA_DIR: dataDir ?? '' };
}

function tunelab(args: string[], home: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, env: env(home), encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!dataDir)('tunelab sweep (end to end on jigs)', () => {
  test('a grid sweep of 2 trials × 1 epoch completes both trials and reports a best trial', () => {
    const home = newHome();
    const config = join(home, 'grid.yaml');
    writeFileSync(config, sweepYaml('e2e-grid', 1));
    const r = tunelab(['sweep', 'start', '--config', config, '--json'], home);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.status).toBe('completed');
    expect(summary.trials).toHaveLength(2);
    for (const t of summary.trials) {
      expect(t.status).toBe('completed');
      expect(t.best.name).toBe('val_loss');
      expect(t.best.value).toBeGreaterThan(0);
      expect(t.bestCheckpoint).toEqual(expect.any(String));
    }
    expect(summary.best.trialId).toBe(summary.trials.reduce((a: any, b: any) => (a.best.value <= b.best.value ? a : b)).id);

    // `sweep status --json` prints the same shape from the store.
    const status = tunelab(['sweep', 'status', summary.sweepId, '--json'], home);
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual(summary);
  });

  test('with an eval block, the music metrics are logged per epoch and can be the sweep metric', async () => {
    const home = newHome();
    const config = join(home, 'eval.yaml');
    const yaml = sweepYaml('e2e-eval', 2)
      .replace('metric: { name: val_loss, goal: minimize }', 'metric: { name: bar_ok_rate, goal: maximize }')
      .replace('run_cap: 2', 'run_cap: 1')
      .replace('  train.optimizer.lr: { values: [0.003, 0.001] }', '  train.optimizer.lr: { values: [0.003] }\neval: { every: 1, samples: 2, temperature: 1 }');
    writeFileSync(config, yaml);
    const r = tunelab(['sweep', 'start', '--config', config, '--json'], home);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.trials[0].status).toBe('completed');
    expect(summary.trials[0].best.name).toBe('bar_ok_rate');
    const store = await openStore({ home }, { readonly: true });
    try {
      const metrics = await store.getMetrics(summary.trials[0].id);
      for (const name of ['valid_rate', 'bar_ok_rate', 'novelty_lcs_median', 'novelty_lcs_p95', 'copied_tunes']) {
        expect(metrics[name]?.map((p) => p.step), name).toEqual([1, 2]);
      }
      expect(summary.trials[0].best.value).toBe(Math.max(...metrics.bar_ok_rate.map((p) => p.value)));
    } finally {
      await store.close();
    }
  });

  test('SIGKILL mid-trial, then `sweep resume`: finished trials stay, the killed one resumes from its checkpoint, no metric row twice', async () => {
    const home = newHome();
    const config = join(home, 'kill.yaml');
    // One worker, so trial 0 finishes before trial 1 starts and the kill lands inside trial 1.
    writeFileSync(config, sweepYaml('e2e-kill', 3).replace('parallel: 2', 'parallel: 1'));
    const child = spawn(process.execPath, [bin, 'sweep', 'start', '--config', config, '--json'], { cwd: root, env: env(home), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const store = await waitForStore(home);
    let killedTrial: string | null = null;
    try {
      // Wait until trial 1 has written a checkpoint (epoch ≥ 1) and is still running, then kill -9.
      const deadline = Date.now() + 200_000;
      while (Date.now() < deadline && killedTrial === null) {
        const [sweep] = await store.listSweeps();
        if (sweep) {
          const trials = await store.listTrials(sweep.id);
          const t1 = trials.find((t) => t.number === 1);
          if (t1?.status === 'running' && (await store.listCheckpoints({ trialId: t1.id })).length > 0) {
            child.kill('SIGKILL');
            killedTrial = t1.id;
          }
        }
        if (child.exitCode !== null) throw new Error(`sweeper exited before it could be killed:\n${stderr}`);
        await sleep(200);
      }
      expect(killedTrial, `no checkpoint of trial 1 appeared in time:\n${stderr}`).not.toBeNull();
      await waitExit(child);
      const [sweep] = await store.listSweeps();
      const before = await store.listTrials(sweep.id);
      expect(before.find((t) => t.number === 0)?.status).toBe('completed');
      expect(before.find((t) => t.id === killedTrial)?.status).toBe('running');
      const t0 = before.find((t) => t.number === 0)!;
      const t0Metrics = await store.getMetrics(t0.id);

      const r = tunelab(['sweep', 'resume', sweep.id, '--json'], home);
      expect(r.status, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary.status).toBe('completed');
      expect(summary.trials.map((t: any) => t.status)).toEqual(['completed', 'completed']);

      const after = await store.listTrials(sweep.id);
      const killed = after.find((t) => t.id === killedTrial)!;
      expect(killed.logTail).toMatch(/marked stale/);
      expect(killed.logTail).toMatch(/resuming from .*epoch-\d+/);
      // The finished trial was not run again: its metrics are untouched.
      expect(await store.getMetrics(t0.id)).toEqual(t0Metrics);
      // Every metric of every trial has exactly one row per epoch 1..3.
      for (const t of after) {
        const metrics = await store.getMetrics(t.id);
        expect(metrics.val_loss.map((p) => p.step)).toEqual([1, 2, 3]);
        for (const points of Object.values(metrics)) {
          expect(new Set(points.map((p) => p.step)).size).toBe(points.length);
        }
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await store.close();
    }
  });
});

async function waitForStore(home: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const store = await openStore({ home }, { readonly: true });
      await store.listSweeps().catch(async (err) => {
        await store.close();
        throw err;
      });
      return store;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
