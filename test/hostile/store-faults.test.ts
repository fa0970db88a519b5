import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { applyParams, parseSweepConfig } from '@tunelab/config';
import { openStore, type Store } from '@tunelab/store';
import { testSchemaName, usePostgres } from '@tunelab/store/testing';
import { MetricWriter } from '../../apps/sweeper/src/metric-writer';
import { holdSqliteLock, metricSteps, recordingView, removeDirs, startTinySweep, tempDir, tinySweepYaml, waitFor } from './tiny-sweep';

/**
 * Store faults during a sweep (issue 21, item 3): a store write that fails (SQLITE_BUSY behind another
 * process's lock, a PostgreSQL connection killed or refused) is retried with a bound; the rows arrive once the
 * store is back, or the trial fails with the reason. The process never dies of an unhandled rejection and
 * never keeps training while dropping rows.
 */

const dirs: string[] = [];
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

// A rejection nobody handles, or an 'error' event nobody listens to (a pg client whose connection died),
// would end a sweeper process: collected here, so the test fails on them itself.
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});
afterAll(() => removeDirs(dirs));

const EPOCHS = 6;

describe('SQLite: another process holds the write lock mid-sweep', () => {
  test('held past the busy timeout, then released: the sweep goes on and every metric row arrives', async () => {
    const home = tempDir('busy', dirs);
    const store = await openStore({ home });
    const view = recordingView();
    try {
      // Enough tunes that the trial is still training while the lock is held.
      const yaml = tinySweepYaml(home, { name: 'busy', epochs: EPOCHS, tunes: 400 });
      const { sweepId, done } = await startTinySweep(store, home, yaml, { view, storeRetryMs: 60_000 });
      // Once the first epoch is stored, lock the database for five times SQLite's 5 s busy timeout: the
      // writes of several epochs (metrics, the best value, checkpoint rows) each wait out the timeout and fail.
      await waitFor('epoch 1 stored', async () => {
        const [t] = await store.listTrials(sweepId);
        return t && (await store.lastStep(t.id)) !== null;
      });
      expect((await store.listTrials(sweepId))[0].status).toBe('running');
      const lock = await holdSqliteLock(join(home, 'tunelab.db'), 25_000);
      await lock.exited;
      const end = await done;
      expect(end, String(end)).not.toBeInstanceOf(Error);
      const [trial] = await store.listTrials(sweepId);
      expect(trial.status, `${trial.failureReason}\n${view.notes.join('\n')}`).toBe('completed');
      const steps = await metricSteps(store, trial);
      expect(Object.keys(steps).length).toBeGreaterThan(3);
      for (const [name, s] of Object.entries(steps)) expect(s, name).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
      // The trial's best and its checkpoint rows were written too (none of those writes was given up).
      const valLoss = (await store.getMetrics(trial.id, { names: ['val_loss'] })).val_loss;
      const best = valLoss.reduce((a, b) => (b.value < a.value ? b : a));
      expect([trial.bestValue, trial.bestStep]).toEqual([best.value, best.step]);
      const checkpoints = await store.listCheckpoints({ trialId: trial.id, includeDeleted: true });
      expect([...new Set(checkpoints.map((c) => c.epoch))].sort((a, b) => a - b)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
      expect(trial.bestCheckpointId).toBe(checkpoints.find((c) => c.epoch === best.step && c.kind === 'best')?.id ?? checkpoints.find((c) => c.epoch === best.step)?.id);
      // The lock did bite (a retry was noted) and nothing was left unhandled.
      expect(view.notes.some((n) => /SQLITE_BUSY|locked/.test(n)), view.notes.join('\n')).toBe(true);
      expect(unhandled.map(String)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 180_000);

  test('held beyond the retry bound: the trial fails with the reason, the process stays up, stored rows stay', async () => {
    const home = tempDir('busy-long', dirs);
    const store = await openStore({ home });
    let release: (() => void) | null = null;
    // Let the lock go once the trial has given up, so its final status can be written.
    const view = recordingView((line) => {
      if (/store write failed/.test(line)) release?.();
    });
    try {
      const { sweepId, done } = await startTinySweep(store, home, tinySweepYaml(home, { name: 'busy-long', epochs: 30 }), { view, storeRetryMs: 2_000 });
      const trial0 = await waitFor('epoch 1 and its checkpoint stored', async () => {
        const [t] = await store.listTrials(sweepId);
        return t && (await store.listCheckpoints({ trialId: t.id })).length > 0 ? t : undefined;
      });
      const before = await store.getMetrics(trial0.id);
      const checkpointsBefore = await store.listCheckpoints({ trialId: trial0.id });
      const lock = await holdSqliteLock(join(home, 'tunelab.db'), 90_000);
      release = () => void lock.release();
      const end = await done;
      await lock.release();
      expect(end, String(end)).not.toBeInstanceOf(Error);
      const trial = (await store.getTrial(trial0.id))!;
      expect(trial.status, view.notes.join('\n')).toBe('failed');
      expect(trial.failureReason).toMatch(/store write failed: .*(SQLITE_BUSY|locked)/);
      expect(trial.logTail).toMatch(/failed: store write failed/);
      // What was stored before the lock is all still there.
      const after = await store.getMetrics(trial0.id);
      for (const [name, points] of Object.entries(before)) expect(after[name]?.slice(0, points.length), name).toEqual(points);
      const ids = new Set((await store.listCheckpoints({ trialId: trial0.id, includeDeleted: true })).map((c) => c.id));
      for (const c of checkpointsBefore) expect(ids.has(c.id), c.id).toBe(true);
      expect(unhandled.map(String)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 180_000);
});

describe('the metric writer on a refused write', () => {
  test("a foreign-key error loses only that trial's rows, says so, and later writes go on", async () => {
    const home = tempDir('fk', dirs);
    const store = await openStore({ home });
    try {
      const yaml = tinySweepYaml(home, { name: 'fk', epochs: 1 });
      const config = parseSweepConfig(yaml, 'fk.yaml');
      const sweep = await store.createSweep({ config, configYaml: yaml });
      const trial = await store.createTrial({ sweepId: sweep.id, number: 0, params: {}, config: applyParams(config.base, {}), seed: 1 });
      const failed: [string[], string][] = [];
      const writer = new MetricWriter(store, { retry: { boundMs: 1_000 }, onFailure: (ids, err) => void failed.push([ids, err.message]) });
      // One batch: rows of a trial that exists and of one that does not (deleted under a running sweep).
      writer.add([{ trialId: trial.id, name: 'loss', step: 1, value: 1 }]);
      writer.add([{ trialId: `${sweep.id}-t999`, name: 'loss', step: 1, value: 1 }]);
      await writer.flush();
      writer.add([{ trialId: trial.id, name: 'loss', step: 2, value: 0.5 }]);
      await writer.flush();
      expect((await store.getMetrics(trial.id)).loss.map((p) => p.step)).toEqual([1, 2]);
      expect(failed).toEqual([[[`${sweep.id}-t999`], expect.stringMatching(/store write failed: metrics: .*(No trial .*t999|FOREIGN KEY)/)]]);
      await expect(writer.flushTrial(`${sweep.id}-t999`)).rejects.toThrow(/No trial .*t999|FOREIGN KEY/);
      await expect(writer.flushTrial(trial.id)).resolves.toBeUndefined();
      expect(unhandled.map(String)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

const pg = await usePostgres('the PostgreSQL store-fault test');

describe.skipIf(pg.skip)('PostgreSQL: the sweeper loses its connections mid-sweep', () => {
  const role = testSchemaName('tunelab_fault');
  const schema = `${role}_s`;

  afterAll(async () => {
    await pg.admin(`select pg_terminate_backend(pid) from pg_stat_activity where usename = $1`, [role]).catch(() => {});
    await pg.admin(`drop schema if exists "${schema}" cascade`).catch(() => {});
    await pg.admin(`drop owned by "${role}"`).catch(() => {});
    await pg.admin(`drop role if exists "${role}"`).catch(() => {});
  });

  test('pg_terminate_backend on every connection, and none allowed for 3 s: the pool reconnects and every row arrives', async () => {
    // The sweeper connects as a role of its own, so only its connections are cut (the database is shared).
    await pg.admin(`create role "${role}" login`);
    await pg.admin(`create schema "${schema}" authorization "${role}"`);
    const { rows } = await pg.admin<{ db: string }>('select current_database() as db');
    await pg.admin(`grant create on database "${rows[0].db}" to "${role}"`);
    const url = new URL(pg.url);
    url.username = role;
    url.password = '';
    url.searchParams.set('schema', schema);
    const home = tempDir('pg', dirs);
    const store = await openStore(url.toString());
    const view = recordingView();
    let reader: Store | undefined;
    try {
      const epochs = 8;
      const { sweepId, done } = await startTinySweep(store, home, tinySweepYaml(home, { name: 'pg-cut', epochs, runCap: 2, parallel: 2 }), { view, storeRetryMs: 60_000 });
      await waitFor('epoch 1 stored', async () => {
        for (const t of await store.listTrials(sweepId)) if ((await store.lastStep(t.id)) !== null) return true;
        return false;
      });
      // An outage: no new connection for the role, and every open one terminated (in flight or idle).
      await pg.admin(`alter role "${role}" connection limit 0`);
      const cut = await pg.admin(`select pg_terminate_backend(pid) from pg_stat_activity where usename = $1`, [role]);
      expect(cut.rowCount).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 3_000));
      await pg.admin(`select pg_terminate_backend(pid) from pg_stat_activity where usename = $1`, [role]);
      await pg.admin(`alter role "${role}" connection limit -1`);
      // And once more while it runs: connections cut, reconnects allowed.
      await new Promise((r) => setTimeout(r, 500));
      await pg.admin(`select pg_terminate_backend(pid) from pg_stat_activity where usename = $1`, [role]);

      const end = await done;
      expect(end, `${String(end)}\n${view.notes.join('\n')}`).not.toBeInstanceOf(Error);
      // Read what arrived through a store of its own, as the dashboard would: the sweeper's pool may still hold a
      // connection whose backend the last cut is terminating, and a read on it fails once (the sweeper retries
      // its own writes; this check is not the sweeper).
      reader = await openStore(url.toString());
      const trials = await reader.listTrials(sweepId);
      expect(trials).toHaveLength(2);
      for (const t of trials) {
        // Rows arrive, or the trial fails with a reason that says the store failed: never a silent gap.
        if (t.status === 'failed') {
          expect(t.failureReason).toMatch(/store write failed/);
          continue;
        }
        expect(t.status, `${t.failureReason}\n${view.notes.join('\n')}`).toBe('completed');
        const steps = await metricSteps(reader, t);
        for (const [name, s] of Object.entries(steps)) expect(s, `${t.id} ${name}`).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
      }
      expect(trials.some((t) => t.status === 'completed'), view.notes.join('\n')).toBe(true);
      expect(view.notes.some((n) => /retrying/.test(n)), view.notes.join('\n')).toBe(true);
      expect(unhandled.map(String)).toEqual([]);
    } finally {
      await reader?.close();
      await store.close();
    }
  }, 180_000);
});
