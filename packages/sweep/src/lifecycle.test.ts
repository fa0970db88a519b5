import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  canRetry,
  canTransition,
  FINAL_SWEEP_STATUSES,
  isFinalTrial,
  isInFlight,
  isTrialStatus,
  isWaiting,
  SWEEP_STATUSES,
  TRIAL_STATUSES,
  TRIAL_TRANSITIONS,
} from './lifecycle';

describe('trial transitions', () => {
  it('allow the lifecycle and nothing else', () => {
    const allowed = TRIAL_STATUSES.flatMap((from) => TRIAL_STATUSES.filter((to) => to !== from && canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(
      [
        'queued→running',
        'queued→cancelled',
        'queued→failed',
        'running→completed',
        'running→pruned',
        'running→failed',
        'running→stale',
        'running→cancelled',
        'running→queued',
        'stale→running',
        'stale→queued',
        'stale→failed',
        'stale→cancelled',
        'failed→queued',
        'failed→running',
        'cancelled→queued',
        'cancelled→running',
      ].sort(),
    );
  });

  it('allow staying in the same status', () => {
    for (const s of TRIAL_STATUSES) expect(canTransition(s, s)).toBe(true);
  });

  it('throw on illegal ones, saying what is allowed', () => {
    expect(() => assertTransition('completed', 'running', 7)).toThrow(
      'Illegal trial transition completed → running (trial 7): from completed a trial may go to nothing (it is final)',
    );
    expect(() => assertTransition('pruned', 'queued')).toThrow(/pruned → queued/);
    expect(() => assertTransition('queued', 'completed')).toThrow('from queued a trial may go to running, cancelled, failed');
    expect(() => assertTransition('running', 'bogus' as never)).toThrow('Unknown trial status bogus');
    expect(() => assertTransition('running', 'pruned')).not.toThrow();
  });

  it('has a row for every status and names only statuses', () => {
    expect(Object.keys(TRIAL_TRANSITIONS).sort()).toEqual([...TRIAL_STATUSES].sort());
    for (const next of Object.values(TRIAL_TRANSITIONS)) for (const s of next) expect(isTrialStatus(s)).toBe(true);
    expect(isTrialStatus('bogus')).toBe(false);
  });
});

describe('status sets', () => {
  it('in flight: queued, running, stale; waiting: queued, stale', () => {
    expect(TRIAL_STATUSES.filter(isInFlight)).toEqual(['queued', 'running', 'stale']);
    expect(TRIAL_STATUSES.filter(isWaiting)).toEqual(['queued', 'stale']);
  });

  it('final trials are completed, pruned and failed; a final trial is never in flight', () => {
    expect(TRIAL_STATUSES.filter(isFinalTrial)).toEqual(['completed', 'pruned', 'failed']);
    for (const s of TRIAL_STATUSES) expect(isFinalTrial(s) && isInFlight(s)).toBe(false);
  });

  it('final sweeps are completed, failed and cancelled', () => {
    expect(SWEEP_STATUSES.filter((s) => FINAL_SWEEP_STATUSES.includes(s))).toEqual(['completed', 'failed', 'cancelled']);
  });
});

describe('canRetry', () => {
  it('allows attempts 0 … retries (counted from 0, as the store does)', () => {
    expect(canRetry(0, 0)).toBe(false);
    expect(canRetry(0, 1)).toBe(true);
    expect(canRetry(1, 1)).toBe(false);
    expect(canRetry(1, 2)).toBe(true);
  });
});
