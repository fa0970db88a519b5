import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseSweepConfig } from '@tunelab/config';
import { openStore, type Store, type TrialRow } from '@tunelab/store';
import { usePostgres } from '@tunelab/store/testing';
import type { SweepDecision } from '@tunelab/sweep';
import { controlStep, reopen } from './control';
import { coordinate } from './coordinator';
import { localFacts } from './runner';
import { TrialQueue } from './trial-queue';

/**
 * The local runner and the distributed coordinator drive one controller. Over the same scripted history (the
 * same sweep in a SQLite store and in PostgreSQL, the same trial events, the same clock readings, injected),
 * the local runner's decision path (controlStep with the runner's facts: what its executor runs, what it holds
 * in memory) and the coordinator's (`coordinate` under the sweep lock, with pg-boss jobs) decide the same,
 * step by step, and leave the same rows behind.
 */

const pg = await usePostgres('the controller parity test');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SWEEP_ID = 'sw-parity';
const STALE_AFTER_MS = 30_000;
const MIN = 60_000;
const yaml = `name: parity
method: grid
metric: { name: val_loss, goal: minimize }
run_cap: 5
parallel: 2
max_minutes: 10
retries: 0
seed: 3
train: { epochs: 1 }
parameters:
  train.optimizer.lr: { values: [0.1, 0.03, 0.01, 0.003, 0.001, 0.0003] }
`;

/** A process id that was alive a moment ago and is not now: a holder on this host that died. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

interface Side {
  store: Store;
  /** When the sweep first started, on this store's clock: every injected time counts from it. */
  startedAt: number;
  decide(atMs: number): Promise<SweepDecision | null>;
}

/** The same event on both stores, with times given from each sweep's start. */
async function both(sides: Side[], fn: (store: Store, at: (ms: number) => number) => Promise<unknown>): Promise<void> {
  for (const s of sides) await fn(s.store, (ms) => s.startedAt + ms);
}

/** Starts a trial for `worker` and stamps its heartbeat at `atMs` (the injected clock, not the real one). */
async function run(store: Store, at: (ms: number) => number, id: string, worker: string, atMs: number): Promise<void> {
  await store.updateTrial(id, { status: 'running', worker });
  expect(await store.heartbeat(id, worker, at(atMs))).toBe(true);
}

const shape = (rows: TrialRow[]) => rows.map((t) => ({ number: t.number, params: t.params, status: t.status, attempt: t.attempt }));

describe.skipIf(pg.skip)('the local runner and the distributed coordinator', () => {
  test('decide the same over the same scripted history, step by step', async () => {
    const config = parseSweepConfig(yaml, 'parity.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'tunelab-parity-'));
    dirs.push(dir);
    const local = await openStore(join(dir, 'tunelab.db'));
    const distUrl = pg.freshUrl('tunelab_parity');
    const dist = await openStore(distUrl);
    const jobs = await TrialQueue.open(distUrl);
    try {
      const sides: Side[] = [];
      for (const store of [local, dist]) {
        await store.createSweep({ id: SWEEP_ID, config, configYaml: yaml, distributed: store === dist });
        const startedAt = (await store.updateSweepStatus(SWEEP_ID, 'running')).startedAt!;
        sides.push({
          store,
          startedAt,
          decide:
            store === local
              ? async (atMs) =>
                  (await controlStep(local, SWEEP_ID, localFacts({ staleAfterMs: STALE_AFTER_MS, active: new Set(), intermediate: new Map(), now: startedAt + atMs }))).decision
              : async (atMs) => (await coordinate(dist, jobs, SWEEP_ID, { staleAfterMs: STALE_AFTER_MS, now: startedAt + atMs })).decision,
        });
      }
      const t = (n: number) => `${SWEEP_ID}-t00${n}`;
      const decisions: SweepDecision[] = [];
      /** Both drivers decide at `atMs`; their decisions must be equal, and so must the rows they leave. */
      const step = async (atMs: number): Promise<SweepDecision> => {
        const [a, b] = [await sides[0].decide(atMs), await sides[1].decide(atMs)];
        expect(a, `local and distributed at ${atMs} ms`).toEqual(b);
        expect(shape(await local.listTrials(SWEEP_ID))).toEqual(shape(await dist.listTrials(SWEEP_ID)));
        decisions.push(a!);
        return a!;
      };

      // An empty sweep: two proposals, the grid's first points, fill parallel.
      const first = await step(0);
      expect(first.propose.map((p) => p.index)).toEqual([0, 1]);
      expect(first.run).toEqual([]);

      // Both run on agents elsewhere: nothing to do.
      await both(sides, async (s, at) => {
        await run(s, at, t(0), 'agent-a:11:w0', 1_000);
        await run(s, at, t(1), 'agent-b:22:w0', 1_000);
      });
      expect(await step(2_000)).toMatchObject({ markStale: [], run: [], propose: [], finish: null, stop: null });

      // Trial 0 completes: its slot gets the next grid point.
      await both(sides, (s) => s.updateTrial(t(0), { status: 'completed', bestValue: 1.5, bestStep: 1 }));
      expect((await step(3_000)).propose.map((p) => p.index)).toEqual([2]);

      // Trial 1's agent goes silent past staleAfterMs: stale, and it runs again first.
      const stale = await step(1_000 + STALE_AFTER_MS + 1_000);
      expect(stale.markStale).toEqual([{ trialId: t(1), reason: 'worker agent-b:22:w0 stopped (heartbeat 31 s ago)' }]);
      expect(stale.run).toEqual([t(1), t(2)]);
      expect(stale.propose).toEqual([]);

      // Trial 1 resumes and fails for good, trial 2 is pruned: two more proposals reach run_cap.
      await both(sides, async (s, at) => {
        await run(s, at, t(1), 'agent-a:11:w1', 40_000);
        await s.updateTrial(t(1), { status: 'failed', failureReason: 'NaN loss' });
        await run(s, at, t(2), 'agent-a:11:w0', 40_000);
        await s.updateTrial(t(2), { status: 'pruned', pruneReason: 'median' });
      });
      expect((await step(50_000)).propose.map((p) => p.index)).toEqual([3, 4]);

      // Trial 3's holder on this host died: stale once it has been silent a few seconds, on either driver.
      const dead = `${hostname()}:${deadPid()}:w0`;
      await both(sides, async (s, at) => {
        await run(s, at, t(3), dead, 55_000);
        await run(s, at, t(4), 'agent-b:22:w0', 55_000);
      });
      expect((await step(62_000)).markStale.map((v) => v.trialId)).toEqual([t(3)]);
      // It waits to run again; trial 4 holds the other slot.
      expect(await step(63_000)).toMatchObject({ markStale: [], run: [t(3)], propose: [], exhausted: null, finish: null });

      // Past max_minutes: the waiting trial is cancelled, the running one must stop; no finish while it runs.
      await both(sides, (s, at) => s.heartbeat(t(4), 'agent-b:22:w0', at(10 * MIN - 1_000)));
      const late = await step(10 * MIN + 1);
      expect(late).toMatchObject({ timeUp: true, stop: 'sweep max_minutes 10 reached', run: [], propose: [], finish: null });
      expect(late.cancel).toEqual([{ trialId: t(3), reason: 'sweep max_minutes 10 reached before it ran again' }]);

      // Its agent stops it: nothing is in flight, and the sweep finishes.
      await both(sides, (s) => s.updateTrial(t(4), { status: 'cancelled' }));
      expect((await step(10 * MIN + 5_000)).finish).toEqual({ status: 'completed', reason: 'sweep max_minutes 10 reached' });
      for (const s of sides) expect((await s.store.getSweep(SWEEP_ID))!.status).toBe('completed');
      expect(shape(await local.listTrials(SWEEP_ID)).map((r) => r.status)).toEqual(['completed', 'failed', 'pruned', 'cancelled', 'cancelled']);
      // The coordinator gave every trial it said to run a job; the local runner starts them itself.
      expect(await jobs.waiting()).toBeGreaterThan(0);
      expect(decisions.length).toBe(9);
    } finally {
      await jobs.close();
      await local.close();
      await dist.close();
    }
  }, 60_000);
});

describe('the local runner’s steps', () => {
  test('see a `sweep cancel` from another process, mark a dead holder’s trial stale, and a resume queues the cancelled ones again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunelab-local-cancel-'));
    dirs.push(dir);
    const store = await openStore(join(dir, 'tunelab.db'));
    try {
      const config = parseSweepConfig(yaml, 'parity.yaml');
      await store.createSweep({ id: SWEEP_ID, config, configYaml: yaml });
      const startedAt = (await store.updateSweepStatus(SWEEP_ID, 'running')).startedAt!;
      const facts = (atMs: number, active: string[]) =>
        localFacts({ staleAfterMs: STALE_AFTER_MS, active: new Set(active), intermediate: new Map(), now: startedAt + atMs });
      const first = await controlStep(store, SWEEP_ID, facts(0, []));
      const [a, b] = first.proposed.map((r) => r.id);
      // This process runs trial a; trial b was held by a process on this host that died.
      await store.updateTrial(a, { status: 'running', worker: `${hostname()}:${process.pid}:w0` });
      const dead = `${hostname()}:${deadPid()}:w1`;
      await store.updateTrial(b, { status: 'running', worker: dead });
      expect(await store.heartbeat(b, dead, startedAt + 1_000)).toBe(true);

      await store.updateSweepStatus(SWEEP_ID, 'cancelled');
      const seen = await controlStep(store, SWEEP_ID, facts(2_000, [a]));
      expect(seen.decision).toMatchObject({ stop: 'sweep cancelled', run: [], propose: [], finish: null });
      expect(seen.markedStale.map((r) => r.id)).toEqual([b]);
      // Its own trial ends cancelled: nothing runs, and the step finishes the sweep.
      await store.updateTrial(a, { status: 'cancelled' });
      const done = await controlStep(store, SWEEP_ID, facts(3_000, []));
      expect(done.decision?.finish).toEqual({ status: 'cancelled', reason: 'sweep cancelled' });
      expect(done.sweep.status).toBe('cancelled');

      // A resume: the cancelled trial is queued again, the stale one waits, and both run first.
      expect((await reopen(store, SWEEP_ID)).status).toBe('running');
      const resumed = await controlStep(store, SWEEP_ID, facts(4_000, []));
      expect(resumed.run.map((r) => [r.id, r.status])).toEqual([
        [a, 'queued'],
        [b, 'stale'],
      ]);
      expect(resumed.proposed).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
