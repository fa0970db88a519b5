import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, isTerminal, TRIAL_STATUSES } from './trial-status';

describe('trial transitions', () => {
  it('allow the lifecycle and nothing else', () => {
    const allowed = TRIAL_STATUSES.flatMap((from) => TRIAL_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(
      [
        'queued→running',
        'queued→cancelled',
        'running→completed',
        'running→pruned',
        'running→failed',
        'running→stale',
        'running→cancelled',
        'stale→running',
        'stale→queued',
        'stale→failed',
        'stale→cancelled',
        'failed→queued',
        'cancelled→queued',
        'cancelled→running',
      ].sort(),
    );
  });

  it('throw on illegal ones, saying what is allowed', () => {
    expect(() => assertTransition('completed', 'running', 7)).toThrow(
      'Illegal trial transition completed → running (trial 7): from completed a trial may go to nothing (it is final)',
    );
    expect(() => assertTransition('pruned', 'queued')).toThrow(/pruned → queued/);
    expect(() => assertTransition('queued', 'completed')).toThrow('from queued a trial may go to running, cancelled');
    expect(() => assertTransition('running', 'bogus' as never)).toThrow('Unknown trial status bogus');
    expect(() => assertTransition('running', 'pruned')).not.toThrow();
  });

  it('mark completed, pruned and cancelled as terminal', () => {
    expect(TRIAL_STATUSES.filter(isTerminal)).toEqual(['completed', 'pruned', 'cancelled']);
  });
});
