import { describe, expect, it } from 'vitest';
import { nextActions, sweepStatus, type ScheduledTrial, type SchedulerState } from './scheduler';

const t = (id: number, status: ScheduledTrial['status'], attempt = 1): ScheduledTrial => ({ id, status, attempt });
const config = { run_cap: 6, parallel: 2, max_minutes: 0, retries: 1 };
const state = (trials: ScheduledTrial[], more: Partial<SchedulerState> = {}): SchedulerState => ({
  config,
  trials,
  now: 1_000_000,
  startedAt: 0,
  ...more,
});

describe('sweepStatus', () => {
  it('follows the trials', () => {
    expect(sweepStatus([], config)).toBe('queued');
    expect(sweepStatus([t(1, 'queued'), t(2, 'queued')], config)).toBe('queued');
    expect(sweepStatus([t(1, 'completed'), t(2, 'queued')], config)).toBe('running');
    expect(sweepStatus([t(1, 'stale')], config)).toBe('running');
    // Below run_cap, more trials are still to come.
    expect(sweepStatus([t(1, 'completed')], config)).toBe('running');
    expect(sweepStatus([t(1, 'completed')], config, { searchExhausted: true })).toBe('completed');
    expect(sweepStatus([t(1, 'completed'), t(2, 'pruned')], { run_cap: 2, retries: 0 })).toBe('completed');
  });

  it('is failed only when every trial failed for good', () => {
    const c = { run_cap: 2, retries: 1 };
    expect(sweepStatus([t(1, 'failed', 2), t(2, 'failed', 2)], c)).toBe('failed');
    expect(sweepStatus([t(1, 'failed', 2), t(2, 'failed', 1)], c)).toBe('running'); // trial 2 has a retry left
    expect(sweepStatus([t(1, 'failed', 2), t(2, 'completed')], c)).toBe('completed');
  });

  it('is cancelled when the sweep was cancelled or every trial was', () => {
    expect(sweepStatus([t(1, 'completed'), t(2, 'running')], config, { cancelled: true })).toBe('running');
    expect(sweepStatus([t(1, 'completed'), t(2, 'cancelled')], config, { cancelled: true })).toBe('cancelled');
    expect(sweepStatus([t(1, 'cancelled'), t(2, 'cancelled')], { run_cap: 2, retries: 0 })).toBe('cancelled');
  });
});

describe('nextActions', () => {
  it('fills the free slots with new proposals, up to run_cap', () => {
    expect(nextActions(state([])).actions).toEqual([{ type: 'propose', count: 2 }]);
    const five = [t(1, 'completed'), t(2, 'completed'), t(3, 'completed'), t(4, 'completed'), t(5, 'pruned')];
    expect(nextActions(state(five)).actions).toEqual([{ type: 'propose', count: 1 }]);
    expect(nextActions(state([...five, t(6, 'running')])).actions).toEqual([]);
  });

  it('resumes stale trials from their checkpoint first, then starts queued ones', () => {
    const plan = nextActions(state([t(1, 'queued'), t(2, 'stale'), t(3, 'queued')]));
    expect(plan.actions).toEqual([
      { type: 'start', trialId: 2, attempt: 1, resume: true },
      { type: 'start', trialId: 1, attempt: 1, resume: false },
    ]);
    expect(plan.status).toBe('running');
  });

  it('on resume, restarts trials an interrupt cancelled, from their checkpoint', () => {
    const trials = [t(1, 'completed'), t(2, 'cancelled'), t(3, 'cancelled')];
    expect(nextActions(state(trials, { resuming: true })).actions).toEqual([
      { type: 'start', trialId: 2, attempt: 1, resume: true },
      { type: 'start', trialId: 3, attempt: 1, resume: true },
    ]);
    expect(nextActions(state(trials)).actions).toEqual([{ type: 'propose', count: 2 }]);
  });

  it('re-queues a failed trial while attempt ≤ retries, as a new attempt', () => {
    const plan = nextActions(state([t(1, 'failed', 1), t(2, 'failed', 2), t(3, 'running')]));
    expect(plan.actions).toEqual([
      { type: 'requeue', trialId: 1, attempt: 2, reason: 'attempt 1 failed; retry 1 of 1' },
      { type: 'start', trialId: 1, attempt: 2, resume: false },
    ]);
  });

  it('finishes when nothing runs and nothing is left', () => {
    const trials = [t(1, 'completed'), t(2, 'failed', 2), t(3, 'pruned'), t(4, 'completed'), t(5, 'completed'), t(6, 'completed')];
    const plan = nextActions(state(trials));
    expect(plan.done).toBe(true);
    expect(plan.actions).toEqual([{ type: 'finish', status: 'completed', reason: 'run_cap 6 reached' }]);
    const failed = nextActions(state([t(1, 'failed', 2), t(2, 'failed', 2)], { searchExhausted: true }));
    expect(failed.actions).toEqual([{ type: 'finish', status: 'failed', reason: 'search space exhausted' }]);
  });

  it('stops proposing and cancels queued trials after max_minutes, but lets started ones finish', () => {
    const c = { ...config, max_minutes: 10 };
    const trials = [t(1, 'running'), t(2, 'queued'), t(3, 'failed', 1)];
    expect(nextActions({ ...state(trials), config: c, now: 9 * 60_000 }).actions).toEqual([
      { type: 'requeue', trialId: 3, attempt: 2, reason: 'attempt 1 failed; retry 1 of 1' },
      { type: 'start', trialId: 2, attempt: 1, resume: false },
    ]);
    const late = nextActions({ ...state([...trials, t(4, 'stale')]), config: c, now: 10 * 60_000 });
    expect(late.timeUp).toBe(true);
    expect(late.actions).toEqual([
      { type: 'start', trialId: 4, attempt: 1, resume: true },
      { type: 'cancel', trialId: 2, reason: 'max_minutes 10 reached' },
    ]);
    const end = nextActions({ ...state([t(1, 'completed'), t(2, 'queued')]), config: c, now: 11 * 60_000 });
    expect(end.actions).toEqual([
      { type: 'cancel', trialId: 2, reason: 'max_minutes 10 reached' },
      { type: 'finish', status: 'completed', reason: 'max_minutes 10 reached' },
    ]);
  });

  it('cancels everything unfinished when the sweep is cancelled, then finishes', () => {
    const plan = nextActions(state([t(1, 'running'), t(2, 'queued'), t(3, 'completed'), t(4, 'failed', 1)], { cancelled: true }));
    expect(plan.actions).toEqual([
      { type: 'cancel', trialId: 1, reason: 'sweep cancelled' },
      { type: 'cancel', trialId: 2, reason: 'sweep cancelled' },
    ]);
    expect(nextActions(state([t(1, 'cancelled'), t(3, 'completed')], { cancelled: true })).actions).toEqual([
      { type: 'finish', status: 'cancelled', reason: 'sweep cancelled' },
    ]);
  });

  it('drives a whole sweep to completion when its actions are applied', () => {
    const trials: ScheduledTrial[] = [];
    let finished = '';
    for (let tick = 0; tick < 100 && !finished; tick++) {
      // Each tick, the oldest running trial ends: trial 2 fails once, the rest complete.
      const r = trials.find((x) => x.status === 'running');
      if (r) r.status = r.id === 2 && r.attempt === 1 ? 'failed' : 'completed';
      for (const a of nextActions(state(trials)).actions) {
        if (a.type === 'propose') for (let i = 0; i < a.count; i++) trials.push(t(trials.length + 1, 'running'));
        if (a.type === 'requeue') Object.assign(trials.find((x) => x.id === a.trialId) as ScheduledTrial, { status: 'queued', attempt: a.attempt });
        if (a.type === 'start') (trials.find((x) => x.id === a.trialId) as ScheduledTrial).status = 'running';
        if (a.type === 'finish') finished = a.status;
        expect(trials.filter((x) => x.status === 'running').length).toBeLessThanOrEqual(config.parallel);
      }
    }
    expect(finished).toBe('completed');
    expect(trials.map((x) => [x.id, x.status, x.attempt])).toEqual([
      [1, 'completed', 1],
      [2, 'completed', 2],
      [3, 'completed', 1],
      [4, 'completed', 1],
      [5, 'completed', 1],
      [6, 'completed', 1],
    ]);
  });
});
