import { InputError } from '@tunelab/config';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/open-store';
import { SCHEMA_VERSION } from '../src/migrations';
import { runConfig, sweepConfig, SWEEP_YAML } from './fixtures';
import type { NewMetric, Store } from '../src/types';

/** Gives each test a fresh, empty store location (a new file or schema) and removes them all at the end. */
export interface StoreHarness {
  fresh(): Promise<string>;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The behaviour every backend must show, run once against SQLite and once against PostgreSQL so the
 * shared query layer cannot drift between them.
 */
export function describeStoreContract(label: string, harness: StoreHarness): void {
  describe(`${label} store`, () => {
    const open: Store[] = [];
    afterAll(async () => {
      for (const s of open) await s.close().catch(() => {});
      await harness.cleanup();
    });

    async function setup(url?: string) {
      const location = url ?? (await harness.fresh());
      const store = await openStore(location);
      open.push(store);
      const sweep = await store.createSweep({ config: sweepConfig(), configYaml: SWEEP_YAML });
      const trial = (n: number, lr = 0.001) =>
        store.createTrial({ sweepId: sweep.id, number: n, params: { 'train.optimizer.lr': lr }, config: runConfig({ lr }), seed: 100 + n });
      return { store, sweep, trial, location };
    }

    it('migrates once: opening twice changes nothing and keeps the data', async () => {
      const { store, sweep, location } = await setup();
      expect(await store.migrate()).toEqual({ applied: [], version: SCHEMA_VERSION });
      const again = await openStore(location);
      open.push(again);
      expect(await again.migrate()).toEqual({ applied: [], version: SCHEMA_VERSION });
      expect((await again.getSweep(sweep.id))?.name).toBe('jigs-lr');
    });

    it('creates, reads, lists and updates sweeps', async () => {
      const { store, sweep } = await setup();
      expect(sweep.id).toMatch(/^sw-[0-9a-f]{6}$/);
      expect(sweep).toMatchObject({ name: 'jigs-lr', method: 'random', metricName: 'val_loss', metricGoal: 'minimize', status: 'queued', seed: 42, distributed: false, startedAt: null });
      expect(sweep.config).toEqual(sweepConfig());
      expect(sweep.configYaml).toBe(SWEEP_YAML);
      const other = await store.createSweep({ id: 'sw-custom', name: 'other', config: sweepConfig('maximize'), configYaml: '', distributed: true });
      expect(other).toMatchObject({ id: 'sw-custom', name: 'other', metricGoal: 'maximize', distributed: true });
      await expect(store.createSweep({ id: 'sw-custom', config: sweepConfig(), configYaml: '' })).rejects.toThrow(InputError);
      expect((await store.listSweeps()).map((s) => s.id).sort()).toEqual([sweep.id, 'sw-custom'].sort());
      const running = await store.updateSweepStatus(sweep.id, 'running');
      expect(running.startedAt).toBeGreaterThan(0);
      expect((await store.listSweeps({ status: 'running' })).map((s) => s.id)).toEqual([sweep.id]);
      const done = await store.updateSweepStatus(sweep.id, 'completed');
      expect(done.finishedAt).toBeGreaterThanOrEqual(running.startedAt!);
      expect(done.startedAt).toBe(running.startedAt);
      expect(await store.getSweep('sw-nope')).toBeNull();
      await expect(store.updateSweepStatus('sw-nope', 'running')).rejects.toThrow(/No sweep/);
    });

    it('creates and lists trials, keeping params in their order', async () => {
      const { store, sweep, trial } = await setup();
      const t0 = await store.createTrial({
        sweepId: sweep.id,
        number: 0,
        params: { 'train.optimizer.lr': 0.003, 'model.layers': [256, 256], 'a.first': true },
        config: runConfig({ lr: 0.003 }),
        seed: 9,
      });
      expect(t0.id).toBe(`${sweep.id}-t000`);
      expect(Object.keys(t0.params)).toEqual(['train.optimizer.lr', 'model.layers', 'a.first']);
      expect(t0).toMatchObject({ status: 'queued', attempt: 0, seed: 9, logTail: '', worker: null });
      expect(t0.config.train.optimizer.lr).toBe(0.003);
      await expect(trial(0)).rejects.toThrow(/already exists/);
      for (const n of [1, 2, 3]) await trial(n);
      await store.updateTrial(`${sweep.id}-t001`, { status: 'running', bestValue: 1.5 });
      await store.updateTrial(`${sweep.id}-t002`, { bestValue: 1.2 });
      await store.updateTrial(`${sweep.id}-t003`, { bestValue: 2.0 });
      const best = await store.listTrials(sweep.id, { sort: 'best' });
      expect(best.map((t) => t.number)).toEqual([2, 1, 3, 0]);
      expect((await store.listTrials(sweep.id, { status: 'running' })).map((t) => t.number)).toEqual([1]);
      expect((await store.listTrials(sweep.id, { status: ['queued'], limit: 2, offset: 1 })).map((t) => t.number)).toEqual([2, 3]);
      expect((await store.listTrials(sweep.id, { order: 'desc', limit: 1 }))[0].number).toBe(3);
      expect(await store.countTrials(sweep.id)).toEqual({ queued: 3, running: 1, completed: 0, pruned: 0, failed: 0, stale: 0, cancelled: 0 });
    });

    it('follows the trial state machine and bounds the log tail', async () => {
      const { store, trial } = await setup();
      const t = await trial(0);
      const running = (await store.updateTrial(t.id, { status: 'running', worker: 'w1', appendLog: 'epoch 1\n' }))!;
      expect(running.startedAt).toBeGreaterThan(0);
      expect(running.heartbeatAt).toBe(running.startedAt);
      expect(running.logTail).toBe('epoch 1\n');
      // Compare-and-set: a second agent leasing the same trial gets nothing.
      expect(await store.updateTrial(t.id, { status: 'running', worker: 'w2' }, { expectStatus: ['queued'] })).toBeNull();
      const lines = Array.from({ length: 250 }, (_, i) => `line ${i}`).join('\n') + '\n';
      const logged = (await store.updateTrial(t.id, { appendLog: lines }))!;
      expect(logged.logTail.trimEnd().split('\n')).toHaveLength(200);
      expect(logged.logTail.endsWith('line 249\n')).toBe(true);
      const failed = (await store.updateTrial(t.id, { status: 'failed', failureReason: 'NaN loss' }))!;
      expect(failed).toMatchObject({ status: 'failed', failureReason: 'NaN loss' });
      expect(failed.finishedAt).toBeGreaterThan(0);
      const retry = (await store.updateTrial(t.id, { status: 'queued', attempt: 1 }))!;
      expect(retry).toMatchObject({ status: 'queued', attempt: 1, worker: null, finishedAt: null });
      await store.updateTrial(t.id, { status: 'running' });
      const done = (await store.updateTrial(t.id, { status: 'completed', bestValue: 1.1, bestStep: 3, bestCheckpointId: 'x' }))!;
      expect(done).toMatchObject({ bestValue: 1.1, bestStep: 3, bestCheckpointId: 'x' });
      await expect(store.updateTrial(t.id, { status: 'running' })).rejects.toThrow(/cannot go from completed to running/);
      await expect(store.updateTrial('nope', { status: 'running' })).rejects.toThrow(/No trial/);
      await expect(store.updateTrial(t.id, { status: 'bogus' as never })).rejects.toThrow(InputError);
    });

    it('keeps leases with heartbeats and finds stale trials', async () => {
      const { store, sweep, trial } = await setup();
      const a = await trial(0);
      const b = await trial(1);
      await trial(2);
      await store.updateTrial(a.id, { status: 'running', worker: 'agent-a' });
      await store.updateTrial(b.id, { status: 'running', worker: 'agent-b' });
      const now = Date.now();
      expect(await store.heartbeat(a.id, 'agent-a', now + 10_000)).toBe(true);
      expect(await store.heartbeat(a.id, 'agent-b', now + 10_000)).toBe(false);
      expect((await store.getTrial(a.id))?.heartbeatAt).toBe(now + 10_000);
      expect(await store.findStaleTrials(60_000, { now: now + 1_000 })).toEqual([]);
      // b last beat at its start; a beat later, so only b is stale 30 s after the start.
      const stale = await store.findStaleTrials(20_000, { now: now + 30_000 });
      expect(stale.map((t) => t.id)).toEqual([b.id]);
      expect((await store.findStaleTrials(0, { sweepId: 'sw-other', now: now + 99_000 })).length).toBe(0);
      await store.updateTrial(b.id, { status: 'stale' });
      expect(await store.heartbeat(b.id, 'agent-b')).toBe(false);
      expect((await store.findStaleTrials(0, { sweepId: sweep.id, now: now + 99_000 })).map((t) => t.id)).toEqual([a.id]);
    });

    it('stamps leases and heartbeats with its own clock (the database’s), which now() tells', async () => {
      const { store, sweep, trial } = await setup();
      const a = await trial(0);
      const t0 = await store.now();
      // The database runs on this machine in tests: its clock and this process's agree closely.
      expect(Math.abs(t0 - Date.now())).toBeLessThan(5_000);
      const leased = (await store.updateTrial(a.id, { status: 'running', worker: 'agent-a' }))!;
      expect(await store.heartbeat(a.id, 'agent-a')).toBe(true);
      const beat = (await store.getTrial(a.id))!;
      const t1 = await store.now();
      for (const at of [leased.startedAt!, leased.heartbeatAt!, beat.heartbeatAt!]) {
        expect(at).toBeGreaterThanOrEqual(t0);
        expect(at).toBeLessThanOrEqual(t1);
      }
      expect(beat.heartbeatAt!).toBeGreaterThanOrEqual(leased.heartbeatAt!);
      // Judged by the same clock: not stale a minute after, stale once its beat is older than asked.
      expect(await store.findStaleTrials(60_000, { sweepId: sweep.id })).toEqual([]);
      await new Promise((r) => setTimeout(r, 20));
      expect((await store.findStaleTrials(1, { sweepId: sweep.id })).map((t) => t.id)).toEqual([a.id]);
    });

    it('writes a metric row once: the same rows again change nothing', async () => {
      const { store, trial } = await setup();
      const t = await trial(0);
      const rows: NewMetric[] = [
        { trialId: t.id, name: 'loss', step: 0, value: 2.5, time: 1000 },
        { trialId: t.id, name: 'loss', step: 1, value: 2.1, time: 2000 },
        { trialId: t.id, name: 'val_loss', step: 1, value: 2.3, time: 2000 },
      ];
      expect(await store.appendMetrics(rows)).toEqual({ inserted: 3 });
      expect(await store.appendMetrics(rows)).toEqual({ inserted: 0 });
      // A rewrite with another value is ignored too: the first write wins, as a resumed run expects.
      expect(await store.appendMetrics([{ trialId: t.id, name: 'loss', step: 1, value: 9 }, { trialId: t.id, name: 'loss', step: 2, value: 1.9, time: 3000 }])).toEqual({ inserted: 1 });
      expect(await store.getMetrics(t.id)).toEqual({
        loss: [
          { step: 0, value: 2.5, time: 1000 },
          { step: 1, value: 2.1, time: 2000 },
          { step: 2, value: 1.9, time: 3000 },
        ],
        val_loss: [{ step: 1, value: 2.3, time: 2000 }],
      });
      expect(await store.appendMetrics([])).toEqual({ inserted: 0 });
      await expect(store.appendMetrics([...rows, { trialId: t.id, name: 'loss', step: 1.5, value: 1 }])).rejects.toThrow(/metrics\[3\]\.step/);
      await expect(store.appendMetrics([{ trialId: t.id, name: 'loss', step: 9, value: 1 }, { trialId: 'gone', name: 'loss', step: 0, value: 1 }])).rejects.toThrow(
        /No trial gone: nothing was written/,
      );
      expect(await store.lastStep(t.id)).toBe(2);
      await store.appendMetrics([{ trialId: t.id, name: 'loss', step: 3, value: Number.NaN, time: 4000 }]);
      expect((await store.getMetrics(t.id, { names: ['loss'], after: 2 })).loss[0].value).toBeNaN();
    });

    it('reads metrics after a step and downsampled, keeping the last point', async () => {
      const { store, trial } = await setup();
      const t = await trial(0);
      const rows: NewMetric[] = [];
      for (let step = 0; step < 1000; step++) {
        rows.push({ trialId: t.id, name: 'loss', step, value: 1000 - step, time: step });
        if (step % 100 === 0) rows.push({ trialId: t.id, name: 'val_loss', step, value: step, time: step });
      }
      await store.appendMetrics(rows);
      expect(await store.lastStep(t.id)).toBe(999);
      expect(await store.metricNames(t.id)).toEqual(['loss', 'val_loss']);
      expect(await store.metricNames('no-such-trial')).toEqual([]);
      expect(await store.lastStep(t.id, 'val_loss')).toBe(900);
      expect(await store.lastStep(t.id, 'nope')).toBeNull();
      const after = await store.getMetrics(t.id, { after: 990 });
      expect(after.loss.map((p) => p.step)).toEqual([991, 992, 993, 994, 995, 996, 997, 998, 999]);
      expect(after.val_loss).toBeUndefined();
      const down = await store.getMetrics(t.id, { maxPoints: 50 });
      expect(down.loss.length).toBeLessThanOrEqual(50);
      expect(down.loss.length).toBeGreaterThanOrEqual(45);
      expect(down.loss[0].step).toBe(0);
      expect(down.loss[down.loss.length - 1].step).toBe(999);
      const steps = down.loss.map((p) => p.step);
      expect([...steps].sort((x, y) => x - y)).toEqual(steps);
      // A series already short enough comes back whole.
      expect(down.val_loss.map((p) => p.step)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
      expect((await store.getMetrics(t.id, { names: ['loss'], maxPoints: 1 })).loss).toEqual([{ step: 999, value: 1, time: 999 }]);
      expect((await store.getMetrics(t.id, { names: ['loss'], after: 500, maxPoints: 2 })).loss.map((p) => p.step)).toEqual([501, 999]);
      await expect(store.getMetrics(t.id, { maxPoints: 0 })).rejects.toThrow(/maxPoints/);
    });

    it('reads one metric of many trials', async () => {
      const { store, sweep, trial } = await setup();
      const ids: string[] = [];
      for (let n = 0; n < 3; n++) ids.push((await trial(n)).id);
      const rows: NewMetric[] = [];
      for (const [i, id] of ids.slice(0, 2).entries()) {
        for (let step = 0; step < 20; step++) {
          rows.push({ trialId: id, name: 'val_loss', step, value: i + step / 100, time: step });
          rows.push({ trialId: id, name: 'loss', step, value: -1, time: step });
        }
      }
      await store.appendMetrics(rows);
      const series = await store.getMetricSeries({ name: 'val_loss', trialIds: ids });
      expect(Object.keys(series).sort()).toEqual([...ids].sort());
      expect(series[ids[0]]).toHaveLength(20);
      expect(series[ids[1]][19]).toEqual({ step: 19, value: 1.19, time: 19 });
      expect(series[ids[2]]).toEqual([]);
      const bySweep = await store.getMetricSeries({ name: 'val_loss', sweepId: sweep.id, after: 15, maxPoints: 2 });
      expect(bySweep[ids[0]].map((p) => p.step)).toEqual([16, 19]);
      expect(bySweep[ids[2]]).toBeUndefined();
      await expect(store.getMetricSeries({ name: 'val_loss' })).rejects.toThrow(/either trialIds or sweepId/);
    });

    it('records checkpoints, their files and samples', async () => {
      const { store, sweep, trial } = await setup();
      const t = await trial(0);
      const c1 = await store.addCheckpoint({ trialId: t.id, epoch: 1, kind: 'periodic', path: '/h/checkpoints/x/epoch-1', metrics: { val_loss: 1.5 } });
      expect(c1).toMatchObject({ id: `${t.id}-e001`, epoch: 1, kind: 'periodic', metrics: { val_loss: 1.5 }, deletedAt: null });
      const best = await store.addCheckpoint({ trialId: t.id, epoch: 1, kind: 'best' });
      expect(best.id).toBe(`${t.id}-e001-best`);
      expect(best.path).toBeNull();
      const again = await store.addCheckpoint({ trialId: t.id, epoch: 1, kind: 'periodic', path: '/new', metrics: { val_loss: 1.4 } });
      expect(again).toMatchObject({ id: c1.id, path: '/new', metrics: { val_loss: 1.4 } });
      const weights = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
      await store.putCheckpointFiles(best.id, [
        { name: 'model.json', data: new TextEncoder().encode('{"format":"layers-model"}') },
        { name: 'weights.bin', data: weights },
      ]);
      await store.putCheckpointFiles(best.id, [{ name: 'model.json', data: new TextEncoder().encode('{"v":2}') }]);
      const files = await store.getCheckpointFiles(best.id);
      expect(files.map((f) => f.name)).toEqual(['model.json', 'weights.bin']);
      expect(new TextDecoder().decode(files[0].data)).toBe('{"v":2}');
      expect(Buffer.compare(Buffer.from(files[1].data), Buffer.from(weights))).toBe(0);
      expect((await store.getCheckpointFiles(best.id, ['weights.bin'])).map((f) => f.name)).toEqual(['weights.bin']);
      expect((await store.listCheckpoints({ sweepId: sweep.id })).map((c) => c.id)).toEqual([c1.id, best.id]);
      expect((await store.listCheckpoints({ trialId: t.id, kind: 'best' })).map((c) => c.id)).toEqual([best.id]);
      expect(await store.markCheckpointDeleted(best.id, 1234)).toBe(true);
      expect(await store.markCheckpointDeleted(best.id)).toBe(false);
      expect((await store.getCheckpoint(best.id))?.deletedAt).toBe(1234);
      expect(await store.getCheckpointFiles(best.id)).toEqual([]);
      expect((await store.listCheckpoints({ trialId: t.id })).map((c) => c.id)).toEqual([c1.id]);
      expect(await store.listCheckpoints({ trialId: t.id, includeDeleted: true })).toHaveLength(2);

      // constrain and allowCopies ride in the settings JSON (no column of their own), the masked mass in the eval JSON.
      const settings = { temperature: 0.8, topK: null, topP: 0.9, prime: 'X:1', seed: 3, maxLength: 500, constrain: 'syntax' as const, allowCopies: false };
      const s1 = await store.addSample({ checkpointId: c1.id, settings, abc: 'X:1\nK:G\nGAB|', eval: { valid: true, novelty: 0.4, maskedMassMean: 0.125 } });
      expect(s1.id).toMatch(/^sa-[0-9a-f]{8}$/);
      expect(await store.getSample(s1.id)).toEqual(s1);
      expect(s1).toMatchObject({ settings, eval: { valid: true, novelty: 0.4, maskedMassMean: 0.125 } });
      await store.addSample({ id: 'sa-second', checkpointId: c1.id, settings, abc: 'X:2' });
      expect((await store.listSamples({ checkpointId: c1.id })).map((s) => s.id).sort()).toEqual([s1.id, 'sa-second'].sort());
      expect((await store.getSample('sa-second'))?.eval).toBeNull();
      expect(await store.listSamples({ checkpointId: c1.id, limit: 1 })).toHaveLength(1);
    });

    it('stores human tunes once under their source, with sample-like ids', async () => {
      const { store } = await setup();
      const source = 'human:nottingham-jigs-test';
      const first = await store.addHumanTunes(source, [
        { index: 4, abc: 'X:4\nK:D\nABc|' },
        { index: 1, abc: 'X:1\nK:G\nGAB|' },
      ]);
      expect(first.map((t) => t.index)).toEqual([4, 1]);
      expect(first[0].id).toMatch(/^sa-[0-9a-f]{8}$/);
      // Again, with one new tune: the stored ones keep their ids and text.
      const again = await store.addHumanTunes(source, [
        { index: 1, abc: 'changed' },
        { index: 7, abc: 'X:7\nK:A\nAce|' },
      ]);
      expect(again[0]).toEqual(first[1]);
      expect(again[1]).toMatchObject({ source, index: 7, abc: 'X:7\nK:A\nAce|' });
      expect((await store.listHumanTunes(source)).map((t) => t.index)).toEqual([1, 4, 7]);
      expect(await store.listHumanTunes('human:other')).toEqual([]);
      expect(await store.getHumanTune(first[0].id)).toEqual(first[0]);
      expect(await store.getHumanTune('sa-nothere')).toBeNull();
    });

    it('records votes with the database clock, lists them by sweep, and deletes them with the sweep', async () => {
      const { store, sweep, trial } = await setup();
      const other = await store.createSweep({ config: sweepConfig(), configYaml: '' });
      const t = await trial(0);
      const c = await store.addCheckpoint({ trialId: t.id, epoch: 1, kind: 'best' });
      const before = await store.now();
      const v1 = await store.addVote({ sweepId: sweep.id, leftSampleId: 'sa-a', rightSampleId: 'sa-b', leftPlayer: c.id, rightPlayer: 'human:jigs-test', verdict: 'left' });
      expect(v1).toMatchObject({ sweepId: sweep.id, voter: null, leftSampleId: 'sa-a', rightSampleId: 'sa-b', leftPlayer: c.id, rightPlayer: 'human:jigs-test', verdict: 'left' });
      expect(v1.id).toMatch(/^vo-[0-9a-f]{8}$/);
      expect(v1.createdAt).toBeGreaterThanOrEqual(before - 1);
      expect(v1.createdAt).toBeLessThanOrEqual((await store.now()) + 1);
      await sleep(2);
      const v2 = await store.addVote({ sweepId: sweep.id, voter: 'ann', leftSampleId: 'sa-c', rightSampleId: 'sa-a', leftPlayer: 'human:jigs-test', rightPlayer: c.id, verdict: 'same' });
      await store.addVote({ sweepId: other.id, leftSampleId: 'sa-x', rightSampleId: 'sa-y', leftPlayer: 'a', rightPlayer: 'b', verdict: 'right' });
      expect((await store.listVotes({ sweepId: sweep.id })).map((v) => [v.id, v.voter, v.verdict])).toEqual([
        [v1.id, null, 'left'],
        [v2.id, 'ann', 'same'],
      ]);
      expect(await store.listVotes()).toHaveLength(3);
      expect(await store.listVotes({ sweepId: sweep.id, limit: 1, offset: 1 })).toEqual([v2]);
      await expect(store.addVote({ sweepId: sweep.id, leftSampleId: 'sa-a', rightSampleId: 'sa-b', leftPlayer: 'a', rightPlayer: 'b', verdict: 'better' as never })).rejects.toThrow(InputError);
      await expect(store.addVote({ sweepId: sweep.id, leftSampleId: 'sa-a', rightSampleId: 'sa-a', leftPlayer: 'a', rightPlayer: 'b', verdict: 'left' })).rejects.toThrow(InputError);
      await expect(store.addVote({ sweepId: 'sw-none', leftSampleId: 'sa-a', rightSampleId: 'sa-b', leftPlayer: 'a', rightPlayer: 'b', verdict: 'left' })).rejects.toThrow();
      await store.deleteSweep(other.id);
      expect(await store.listVotes()).toHaveLength(2);
    });

    it('promotes with history: one current row per alias', async () => {
      const { store, trial } = await setup();
      const t = await trial(0);
      const c1 = await store.addCheckpoint({ trialId: t.id, epoch: 1, kind: 'periodic' });
      const c2 = await store.addCheckpoint({ trialId: t.id, epoch: 2, kind: 'periodic' });
      expect(await store.getAlias('champion')).toBeNull();
      const v1 = await store.promote(c1.id, 'champion', 'first');
      expect(v1).toMatchObject({ alias: 'champion', version: 1, checkpointId: c1.id, note: 'first', supersededAt: null });
      const v2 = await store.promote(c2.id, 'champion');
      expect(v2).toMatchObject({ version: 2, checkpointId: c2.id, note: null });
      expect(await store.promote(c2.id, 'champion', 'again')).toEqual(v2);
      const got = (await store.getAlias('champion'))!;
      expect(got.current).toEqual(v2);
      expect(got.history.map((r) => [r.version, r.checkpointId])).toEqual([[2, c2.id], [1, c1.id]]);
      expect(got.history[1].supersededAt).toBeGreaterThan(0);
      await store.promote(c1.id, 'baseline');
      expect((await store.listAliases()).map((a) => [a.alias, a.checkpointId])).toEqual([['baseline', c1.id], ['champion', c2.id]]);
      await expect(store.promote('nope', 'champion')).rejects.toThrow(/No checkpoint nope/);
      await expect(store.promote(c1.id, 'bad name')).rejects.toThrow(InputError);
      await store.markCheckpointDeleted(c1.id);
      await expect(store.promote(c1.id, 'champion')).rejects.toThrow(/deleted/);
    });

    it('deletes a sweep with everything under it', async () => {
      const { store, sweep, trial } = await setup();
      const keep = await store.createSweep({ config: sweepConfig(), configYaml: '' });
      const kept = await store.createTrial({ sweepId: keep.id, number: 0, params: {}, config: runConfig(), seed: 1 });
      await store.appendMetrics([{ trialId: kept.id, name: 'loss', step: 0, value: 1 }]);
      const t = await trial(0);
      await store.appendMetrics([{ trialId: t.id, name: 'loss', step: 0, value: 1 }]);
      const c = await store.addCheckpoint({ trialId: t.id, epoch: 1, kind: 'last', path: '/h/checkpoints/t0/epoch-1' });
      await store.putCheckpointFiles(c.id, [{ name: 'weights.bin', data: new Uint8Array([1, 2, 3]) }]);
      const s = await store.addSample({ checkpointId: c.id, settings: { temperature: 1, seed: 1, maxLength: 10 }, abc: 'X:1' });
      await store.promote(c.id, 'champion');
      // The champion points into the sweep: refused without force, and while the sweep runs even with it.
      await expect(store.deleteSweep(sweep.id)).rejects.toThrow(/alias champion → checkpoint .* points into sweep .*--force/);
      await store.updateSweepStatus(sweep.id, 'running');
      await expect(store.deleteSweep(sweep.id, { force: true })).rejects.toThrow(/is running/);
      await store.updateSweepStatus(sweep.id, 'cancelled');
      expect(await store.getCheckpoint(c.id)).not.toBeNull();
      expect(await store.deleteSweep(sweep.id, { force: true })).toEqual({
        deleted: true,
        checkpointPaths: ['/h/checkpoints/t0/epoch-1'],
        aliasesRemoved: ['champion'],
      });
      expect(await store.getSweep(sweep.id)).toBeNull();
      expect(await store.getTrial(t.id)).toBeNull();
      expect(await store.getMetrics(t.id)).toEqual({});
      expect(await store.getCheckpoint(c.id)).toBeNull();
      expect(await store.getCheckpointFiles(c.id)).toEqual([]);
      expect(await store.getSample(s.id)).toBeNull();
      // The alias points at nothing now, and its history keeps what it pointed to.
      const alias = (await store.getAlias('champion'))!;
      expect(alias.current).toBeNull();
      expect(alias.history).toHaveLength(1);
      expect(alias.history[0]).toMatchObject({ checkpointId: c.id, removed: { what: expect.stringContaining(`checkpoint ${c.id} of trial ${t.id} (sweep ${sweep.id}, epoch 1)`) } });
      expect(await store.getMetrics(kept.id)).toHaveProperty('loss');
      expect(await store.deleteSweep(sweep.id)).toEqual({ deleted: false, checkpointPaths: [], aliasesRemoved: [] });
      // Promoting again continues the history.
      const k = await store.addCheckpoint({ trialId: kept.id, epoch: 1, kind: 'last', path: '/h/checkpoints/k/epoch-1' });
      expect((await store.promote(k.id, 'champion')).version).toBe(2);
    });

    it('runs one holder of a sweep lock at a time and rolls back on error', async () => {
      const { store, sweep } = await setup();
      const events: string[] = [];
      // Each holder proposes the next trial number: without the lock both would read the same count.
      const propose = (who: string) =>
        store.withSweepLock(sweep.id, async (tx) => {
          events.push(`${who} in`);
          const n = (await tx.listTrials(sweep.id)).length;
          await sleep(30);
          await tx.createTrial({ sweepId: sweep.id, number: n, params: {}, config: runConfig(), seed: n });
          events.push(`${who} out`);
          return n;
        });
      const numbers = await Promise.all([propose('a'), propose('b'), propose('c')]);
      expect([...numbers].sort()).toEqual([0, 1, 2]);
      for (let i = 0; i < events.length; i += 2) expect(events[i].split(' ')[0]).toBe(events[i + 1].split(' ')[0]);
      await expect(
        store.withSweepLock(sweep.id, async (tx) => {
          await tx.createTrial({ sweepId: sweep.id, number: 7, params: {}, config: runConfig(), seed: 7 });
          await tx.appendMetrics([{ trialId: `${sweep.id}-t007`, name: 'loss', step: 0, value: 1 }]);
          throw new Error('controller crashed');
        }),
      ).rejects.toThrow('controller crashed');
      expect(await store.getTrial(`${sweep.id}-t007`)).toBeNull();
      expect(await store.getMetrics(`${sweep.id}-t007`)).toEqual({});
      // The store works normally after a rolled-back lock.
      expect(await store.appendMetrics([{ trialId: `${sweep.id}-t000`, name: 'loss', step: 0, value: 1 }])).toEqual({ inserted: 1 });
      expect(await store.withSweepLock(sweep.id, (tx) => tx.withSweepLock(sweep.id, async () => 'nested'))).toBe('nested');
      await expect(store.withSweepLock('sw-none', async () => 1)).rejects.toThrow(/No sweep sw-none/);
    });

    it('opens read-only: reads work, writes are refused', async () => {
      const { sweep, location } = await setup();
      const reader = await openStore(location, { readonly: true });
      open.push(reader);
      expect(reader.info.readonly).toBe(true);
      expect((await reader.getSweep(sweep.id))?.id).toBe(sweep.id);
      await expect(reader.createSweep({ config: sweepConfig(), configYaml: '' })).rejects.toThrow(/read-only/);
      await expect(reader.appendMetrics([{ trialId: 'x', name: 'loss', step: 0, value: 1 }])).rejects.toThrow(/read-only/);
    });
  });
}
