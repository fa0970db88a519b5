import type { TrialStatus } from './history';

/**
 * The trial lifecycle. The store writer checks every status change against it, so a bug or a race
 * (two agents finishing one trial) surfaces as an error instead of a trial that is both pruned and running.
 *
 *   queued ──▶ running ──▶ completed | pruned | failed | cancelled
 *     │           │
 *     │           └──▶ stale (its process or agent died) ──▶ running (resumed from its last checkpoint)
 *     │                                                  └──▶ queued (re-enqueued for another agent)
 *     └──▶ cancelled                                     └──▶ failed | cancelled
 *   failed ──▶ queued (a retry: a new attempt, while attempt ≤ retries)
 *   cancelled ──▶ queued | running (only by `tunelab sweep resume`: the sweeper marks the trials an
 *                                   interrupt stopped as cancelled, and resume restarts them)
 */

export const TRIAL_STATUSES: readonly TrialStatus[] = ['queued', 'running', 'completed', 'pruned', 'failed', 'stale', 'cancelled'];

const ALLOWED: Record<TrialStatus, readonly TrialStatus[]> = {
  queued: ['running', 'cancelled'],
  running: ['completed', 'pruned', 'failed', 'stale', 'cancelled'],
  stale: ['running', 'queued', 'failed', 'cancelled'],
  failed: ['queued'],
  completed: [],
  pruned: [],
  cancelled: ['queued', 'running'],
};

const FINAL: readonly TrialStatus[] = ['completed', 'pruned', 'cancelled'];

/** The statuses a trial may move to from `from`. */
export function allowedTransitions(from: TrialStatus): readonly TrialStatus[] {
  const next = ALLOWED[from];
  if (next === undefined) throw new Error(`Unknown trial status ${from}`);
  return next;
}

export function canTransition(from: TrialStatus, to: TrialStatus): boolean {
  return allowedTransitions(from).includes(to);
}

/**
 * Throw unless `from → to` is allowed.
 * @param trialId named in the message, for the log
 */
export function assertTransition(from: TrialStatus, to: TrialStatus, trialId?: string | number): void {
  if (!TRIAL_STATUSES.includes(to)) throw new Error(`Unknown trial status ${to}`);
  if (canTransition(from, to)) return;
  const allowed = allowedTransitions(from);
  const who = trialId === undefined ? '' : ` (trial ${trialId})`;
  throw new Error(
    `Illegal trial transition ${from} → ${to}${who}: from ${from} a trial may go to ${allowed.length ? allowed.join(', ') : 'nothing (it is final)'}`,
  );
}

/**
 * Final while the sweep runs: completed, pruned, cancelled (cancelled comes back only through an explicit
 * resume; failed is final once its retries are spent, see canRetry).
 */
export function isTerminal(status: TrialStatus): boolean {
  allowedTransitions(status);
  return FINAL.includes(status);
}
