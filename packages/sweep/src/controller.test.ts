import { describe, expect, it } from 'vitest';
import type { ParameterSpec } from '@tunelab/config';
import { decide, isTimeUp, stopReason, sweepStatus, type ControlInput, type ControlledTrial, type ControllerConfig, type ScheduledTrial } from './controller';
import { gridPointAt } from './space';

const parameters: Record<string, ParameterSpec> = { 'train.optimizer.lr': { kind: 'categorical', values: [0.1, 0.01, 0.001, 0.0001, 0.00001, 0.000001] } };
const config: ControllerConfig = { method: 'grid', metric: { name: 'val_loss', goal: 'minimize' }, run_cap: 6, seed: 1, parameters, parallel: 2, max_minutes: 0 };
const MIN = 60_000;

/** Trial `n` of the grid, in `status`; a running one was last seen at `seen` by `holder`. */
function t(n: number, status: ControlledTrial['status'], more: Partial<ControlledTrial> = {}): ControlledTrial {
  return { id: `t${n}`, number: n, params: gridPointAt(parameters, n), status, lastSeenAt: 0, holder: 'alive', worker: `other:1:w${n}`, ...more };
}
const input = (trials: ControlledTrial[], more: Partial<ControlInput> = {}): ControlInput => ({
  config,
  trials,
  now: 1_000,
  startedAt: 0,
  staleAfterMs: 60_000,
  ...more,
});

describe('decide', () => {
  it('fills the free slots with new proposals, in grid order, up to run_cap', () => {
    const first = decide(input([]));
    expect(first.propose.map((p) => [p.index, p.params, p.source])).toEqual([
      [0, gridPointAt(parameters, 0), 'grid'],
      [1, gridPointAt(parameters, 1), 'grid'],
    ]);
    expect(first.finish).toBeNull();
    const five = [0, 1, 2, 3].map((n) => t(n, 'completed')).concat(t(4, 'pruned'));
    expect(decide(input(five)).propose.map((p) => p.index)).toEqual([5]);
    const full = decide(input([...five, t(5, 'running')]));
    expect(full.propose).toEqual([]);
    expect(full.finish).toBeNull();
  });

  it('runs waiting trials first and proposes only for the slots they leave', () => {
    const d = decide(input([t(0, 'completed'), t(2, 'queued'), t(1, 'stale')]));
    expect(d.run).toEqual(['t1', 't2']);
    expect(d.propose).toEqual([]);
    const one = decide(input([t(0, 'running'), t(1, 'completed')], { parallel: 3 }));
    expect(one.propose.map((p) => p.index)).toEqual([2, 3]);
  });

  it('marks a running trial stale when its heartbeat is older than staleAfterMs, never its own', () => {
    const trials = [t(0, 'running', { lastSeenAt: 0 }), t(1, 'running', { lastSeenAt: 50_000 }), t(2, 'running', { lastSeenAt: 0, holder: 'own' })];
    const d = decide(input(trials, { now: 70_000 }));
    expect(d.markStale).toEqual([{ trialId: 't0', reason: 'worker other:1:w0 stopped (heartbeat 70 s ago)' }]);
    expect(d.run).toEqual(['t0']);
    // t0 (now stale), t1 and t2 fill parallel 2 and more: nothing new.
    expect(d.propose).toEqual([]);
  });

  it('marks a trial whose holder is known dead stale after deadAfterMs', () => {
    const trials = [t(0, 'running', { lastSeenAt: 0, holder: 'dead' })];
    expect(decide(input(trials, { now: 4_000, deadAfterMs: 5_000 })).markStale).toEqual([]);
    expect(decide(input(trials, { now: 5_000, deadAfterMs: 5_000 })).markStale.map((v) => v.trialId)).toEqual(['t0']);
    expect(decide(input(trials, { now: 0, deadAfterMs: 0 })).markStale.map((v) => v.trialId)).toEqual(['t0']);
  });

  it('finishes when nothing is in flight and nothing is left to propose: completed, or failed when every trial failed', () => {
    const done = [0, 1, 2, 3, 4].map((n) => t(n, 'completed')).concat(t(5, 'failed'));
    expect(decide(input(done)).finish).toEqual({ status: 'completed', reason: 'run_cap 6 reached' });
    const small: ControllerConfig = { ...config, run_cap: 2 };
    expect(decide(input([t(0, 'failed'), t(1, 'failed')], { config: small })).finish).toEqual({ status: 'failed', reason: 'run_cap 2 reached' });
    expect(decide(input([t(0, 'failed'), t(1, 'queued')], { config: small })).finish).toBeNull();
  });

  it('past max_minutes: running trials stop, waiting ones are cancelled, nothing is proposed, and the sweep finishes once none runs', () => {
    const c = { ...config, max_minutes: 10 };
    const trials = [t(0, 'running', { lastSeenAt: 10 * MIN }), t(1, 'queued'), t(2, 'stale')];
    const before = decide(input(trials, { config: c, now: 10 * MIN }));
    expect(before.timeUp).toBe(false);
    expect(before.stop).toBeNull();
    expect(before.run).toEqual(['t1', 't2']);
    const late = decide(input(trials, { config: c, now: 10 * MIN + 1 }));
    expect(late.timeUp).toBe(true);
    expect(late.stop).toBe('sweep max_minutes 10 reached');
    expect(late.cancel).toEqual([
      { trialId: 't1', reason: 'sweep max_minutes 10 reached before it ran again' },
      { trialId: 't2', reason: 'sweep max_minutes 10 reached before it ran again' },
    ]);
    expect(late.run).toEqual([]);
    expect(late.propose).toEqual([]);
    expect(late.finish).toBeNull();
    const end = decide(input([t(0, 'cancelled'), t(1, 'cancelled'), t(2, 'completed')], { config: c, now: 11 * MIN }));
    expect(end.finish).toEqual({ status: 'completed', reason: 'sweep max_minutes 10 reached' });
  });

  it('counts max_minutes from the sweep’s first start, and not before it started', () => {
    const c = { ...config, max_minutes: 1 };
    expect(isTimeUp(c, null, 1e12)).toBe(false);
    expect(isTimeUp(c, 5 * MIN, 6 * MIN)).toBe(false);
    expect(isTimeUp(c, 5 * MIN, 6 * MIN + 1)).toBe(true);
    expect(isTimeUp({ max_minutes: 0 }, 0, 1e12)).toBe(false);
    expect(stopReason({ cancelled: true, config: c, startedAt: null }, 0)).toBe('sweep cancelled');
  });

  it('a cancelled sweep starts and proposes nothing, stops its running trials, and finishes once none runs', () => {
    const running = decide(input([t(0, 'running'), t(1, 'queued')], { cancelled: true }));
    expect(running).toMatchObject({ run: [], propose: [], stop: 'sweep cancelled', finish: null });
    const idle = decide(input([t(0, 'cancelled'), t(1, 'queued')], { cancelled: true }));
    expect(idle.finish).toEqual({ status: 'cancelled', reason: 'sweep cancelled' });
    // A trial whose holder died is still marked stale (a resume runs it again), and holds nothing up.
    const orphan = decide(input([t(0, 'running', { holder: 'dead' })], { cancelled: true, deadAfterMs: 0 }));
    expect(orphan.markStale.map((v) => v.trialId)).toEqual(['t0']);
    expect(orphan.finish).toEqual({ status: 'cancelled', reason: 'sweep cancelled' });
  });

  it('drives a whole sweep to its end when its decisions are applied', () => {
    const trials: ControlledTrial[] = [];
    let finished: string | null = null;
    for (let tick = 0; tick < 100 && finished === null; tick++) {
      // Each tick the oldest running trial ends: trial 2 fails, the rest complete.
      const r = trials.find((x) => x.status === 'running');
      if (r) r.status = r.number === 2 ? 'failed' : 'completed';
      const d = decide(input(trials, { now: tick }));
      for (const id of d.run) (trials.find((x) => x.id === id) as ControlledTrial).status = 'running';
      for (const p of d.propose) trials.push(t(p.index, 'running', { params: p.params }));
      expect(trials.filter((x) => x.status === 'running').length).toBeLessThanOrEqual(config.parallel);
      finished = d.finish?.status ?? null;
    }
    expect(finished).toBe('completed');
    expect(trials.map((x) => x.status)).toEqual(['completed', 'completed', 'failed', 'completed', 'completed', 'completed']);
  });

  it('rejects a parallel that is not a positive integer', () => {
    expect(() => decide(input([], { parallel: 0 }))).toThrow('Expected parallel to be a positive integer, but got 0');
  });
});

describe('sweepStatus', () => {
  const s = (status: ScheduledTrial['status'], attempt = 0): ScheduledTrial => ({ status, attempt });
  const c = { run_cap: 6, retries: 1 };

  it('follows the trials', () => {
    expect(sweepStatus([], c)).toBe('queued');
    expect(sweepStatus([s('queued'), s('queued')], c)).toBe('queued');
    expect(sweepStatus([s('completed'), s('queued')], c)).toBe('running');
    expect(sweepStatus([s('stale')], c)).toBe('running');
    // Below run_cap, more trials are still to come.
    expect(sweepStatus([s('completed')], c)).toBe('running');
    expect(sweepStatus([s('completed'), s('pruned')], { run_cap: 2, retries: 0 })).toBe('completed');
  });

  it('is failed only when every trial failed for good', () => {
    const two = { run_cap: 2, retries: 1 };
    expect(sweepStatus([s('failed', 1), s('failed', 1)], two)).toBe('failed');
    expect(sweepStatus([s('failed', 1), s('failed', 0)], two)).toBe('running'); // the second has a retry left
    expect(sweepStatus([s('failed', 1), s('completed')], two)).toBe('completed');
  });

  it('is cancelled when every trial was', () => {
    expect(sweepStatus([s('cancelled'), s('cancelled')], { run_cap: 2, retries: 0 })).toBe('cancelled');
  });
});
