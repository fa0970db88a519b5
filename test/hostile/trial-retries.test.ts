import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { parseSweepConfig } from '@tunelab/config';
import { openStore, type Store, type TrialRow } from '@tunelab/store';
import { usePostgres } from '@tunelab/store/testing';
import { runAgent, startDistributedSweep, SweepRunner } from '@tunelab/sweeper';
import { repoRoot, tunelabBin } from '../support/cli';
import { recordingView, removeDirs, tempDir, tinySweepYaml, waitFor } from './tiny-sweep';

/**
 * Issue 21, item 6 (first half): a trial whose own worker keeps dying must not run for ever. A worker that
 * goes silent (a hang: it is terminated) or whose thread dies counts as an attempt against the sweep's
 * `retries`, with a line in the trial's log; once they are used up the trial ends `failed` with the reason.
 * A sweeper process killed with SIGKILL and resumed uses up no retry: the interruption was not the trial's.
 *
 * The faults come from the worker's test-only hook `TUNELAB_TEST_TRIAL_FAULT` (apps/sweeper/src/worker.ts):
 * `hang` blocks the worker thread at its first epoch, `crash` ends the thread there, on every run.
 */

const FAULT = 'TUNELAB_TEST_TRIAL_FAULT';
const pg = await usePostgres('the distributed retry test');
const dirs: string[] = [];
afterEach(() => {
  delete process.env[FAULT];
});
afterAll(async () => {
  removeDirs(dirs);
});

/** Runs a one-trial sweep on SQLite in this process with `fault` in the workers; the trial's final row. */
async function runFaulty(name: string, fault: 'hang' | 'crash', retries: number): Promise<{ trial: TrialRow; notes: string[]; sweepStatus: string }> {
  const home = tempDir(name, dirs);
  const store = await openStore({ home });
  const view = recordingView();
  process.env[FAULT] = fault;
  try {
    const yaml = tinySweepYaml(home, { name, epochs: 3, retries });
    const sweepId = (await store.createSweep({ config: parseSweepConfig(yaml, 'tiny.yaml'), configYaml: yaml })).id;
    // A worker silent for 5 s is hung (the tiny trial reports several times a second once it trains).
    const runner = new SweepRunner({ store, sweepId, home, view, tickMs: 250, staleAfterMs: 5_000 });
    const done = runner.run();
    // Before the fix a hung trial ran again for ever as `stale`: give up after far more than its attempts need.
    const attempts = () => store.getTrial(`${sweepId}-t000`).then((t) => (t?.logTail.match(/starting on/g) ?? []).length);
    const ended = await Promise.race([done.then(() => 'ended' as const), waitFor('a runaway trial', async () => (await attempts()) > retries + 2 && 'runaway', 150_000)]);
    if (ended === 'runaway') runner.stop('cancelled', 'test: the trial ran more attempts than retries allow');
    await done;
    const trial = (await store.getTrial(`${sweepId}-t000`))!;
    expect(ended, `${trial.logTail}\n${view.notes.join('\n')}`).toBe('ended');
    return { trial, notes: view.notes, sweepStatus: (await store.getSweep(sweepId))!.status };
  } finally {
    delete process.env[FAULT];
    await store.close();
  }
}

describe('a trial whose worker keeps dying (local runner, SQLite)', () => {
  test('a worker that hangs every time: terminated, retried exactly `retries` times, then failed with the reason', async () => {
    const { trial, sweepStatus } = await runFaulty('hang', 'hang', 1);
    const log = trial.logTail;
    expect(trial.status, log).toBe('failed');
    expect(trial.attempt).toBe(1);
    expect((log.match(/starting on/g) ?? []).length, log).toBe(2);
    expect(log).toMatch(/attempt 1 of 2: the worker went silent \(no heartbeat for \d+ s\)/);
    expect(log).toMatch(/attempt 2 of 2: the worker went silent \(no heartbeat for \d+ s\)/);
    expect(trial.failureReason).toMatch(/^the worker went silent \(no heartbeat for \d+ s\)/);
    expect(sweepStatus).toBe('failed');
  }, 180_000);

  test('a worker thread that dies every time: retried exactly `retries` times, each attempt said so in the log', async () => {
    const { trial } = await runFaulty('crash', 'crash', 2);
    const log = trial.logTail;
    expect(trial.status, log).toBe('failed');
    expect(trial.attempt).toBe(2);
    expect((log.match(/starting on/g) ?? []).length, log).toBe(3);
    for (const k of [1, 2, 3]) expect(log).toMatch(new RegExp(`attempt ${k} of 3: the worker died`));
    expect(trial.failureReason).toMatch(/^worker died: worker exited with code: 70/);
  }, 180_000);
});

describe('a sweeper killed with SIGKILL and resumed', () => {
  test('uses up no retry: a trial with `retries: 0` still completes, at attempt 0', async () => {
    const home = tempDir('kill', dirs);
    const config = join(home, 'kill.yaml');
    writeFileSync(config, tinySweepYaml(home, { name: 'kill', epochs: 5, retries: 0, tunes: 200 }));
    const env: NodeJS.ProcessEnv = { ...process.env, TUNELAB_HOME: home };
    delete env[FAULT];
    const child = spawn(process.execPath, [tunelabBin, 'sweep', 'start', '--config', config, '--json'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let store: Store | null = null;
    try {
      store = await waitFor('the store', async () => {
        try {
          const s = await openStore({ home }, { readonly: true });
          const [sweep] = await s.listSweeps();
          if (sweep) return s;
          await s.close();
        } catch {
          // not there yet
        }
        return undefined;
      });
      const [sweep] = await store.listSweeps();
      const id = `${sweep.id}-t000`;
      await waitFor(`a checkpoint of ${id}\n${stderr}`, async () => (await store!.listCheckpoints({ trialId: id })).length > 0);
      child.kill('SIGKILL');
      await exited;
      expect((await store.getTrial(id))!.status).toBe('running');
      const resumed = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const r = spawn(process.execPath, [tunelabBin, 'sweep', 'resume', sweep.id, '--json'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        r.stdout.on('data', (d) => (out += d));
        r.stderr.on('data', (d) => (out += d));
        r.once('close', (code) => resolve({ code, out }));
      });
      expect(resumed.code, resumed.out).toBe(0);
      const trial = (await store.getTrial(id))!;
      expect(trial.status, trial.logTail).toBe('completed');
      expect(trial.attempt).toBe(0);
      expect(trial.logTail).toMatch(/marked stale/);
      expect(trial.logTail).not.toMatch(/went silent|of 1:/);
      expect((await store.getSweep(sweep.id))!.status).toBe('completed');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await store?.close();
    }
  }, 240_000);
});

describe.skipIf(pg.skip)('a trial whose worker keeps hanging (distributed agent, PostgreSQL)', () => {
  test('the agent terminates the silent worker; the trial is retried exactly `retries` times, then failed', async () => {
    const dir = tempDir('agent-hang', dirs);
    const url = pg.freshUrl();
    const config = join(dir, 'hang.yaml');
    writeFileSync(config, tinySweepYaml(dir, { name: 'agent-hang', epochs: 3, retries: 1 }));
    const home = join(dir, 'home');
    const { sweepId } = await startDistributedSweep(config, { home, store: url, quiet: true });
    process.env[FAULT] = 'hang';
    const notes: string[] = [];
    const controller = new AbortController();
    const agent = runAgent({ store: url, home, sweepId, exitWhenDone: true, staleAfterMs: 15_000, workerSilentAfterMs: 5_000, tickMs: 250, signal: controller.signal, view: recordingView((l) => notes.push(l)) });
    const store = await openStore(url, { readonly: true });
    try {
      const id = `${sweepId}-t000`;
      const attempts = () => store.getTrial(id).then((t) => (t?.logTail.match(/starting on/g) ?? []).length);
      const ended = await Promise.race([agent.then(() => 'ended' as const), waitFor('a runaway trial', async () => (await attempts()) > 3 && 'runaway', 150_000)]);
      if (ended === 'runaway') controller.abort();
      await agent;
      const trial = (await store.getTrial(id))!;
      expect(ended, `${trial.logTail}\n${notes.join('\n')}`).toBe('ended');
      expect(trial.status, trial.logTail).toBe('failed');
      expect(trial.attempt).toBe(1);
      expect((trial.logTail.match(/starting on/g) ?? []).length).toBe(2);
      expect(trial.logTail).toMatch(/attempt 2 of 2: the worker went silent \(no heartbeat for \d+ s\)/);
      expect(trial.failureReason).toMatch(/the worker went silent/);
      expect((await store.getSweep(sweepId))!.status).toBe('failed');
    } finally {
      delete process.env[FAULT];
      controller.abort();
      await agent.catch(() => {});
      await store.close();
    }
  }, 200_000);
});
