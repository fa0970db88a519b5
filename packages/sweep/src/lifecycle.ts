/**
 * The trial and sweep lifecycles: every status, the status changes the store allows, which statuses count as
 * in flight or final, and the retry rule. Everything else (the store's checks and column types, the
 * dashboard's schemas and filters, the controller) derives from these arrays.
 *
 * This module imports nothing: it is what `@tunelab/sweep` resolves to in a browser build (the package's
 * `browser` export), so the dashboard's UI can import the statuses without pulling Node code in.
 *
 *   queued ──▶ running ──▶ completed | pruned | failed | cancelled
 *     │          │  └──▶ queued (handed back: an agent leaving, a hung worker's retry)
 *     │          └──▶ stale (its process or agent died) ──▶ running (resumed from its last checkpoint)
 *     │                                                 ├──▶ queued (re-enqueued for another agent)
 *     └──▶ cancelled | failed                           └──▶ failed | cancelled
 *   failed ──▶ queued | running (a retry: a new attempt)
 *   cancelled ──▶ queued | running (a resume)
 *   completed, pruned: final.
 */

/** Every trial status, in lifecycle order. */
export const TRIAL_STATUSES = ['queued', 'running', 'completed', 'pruned', 'failed', 'stale', 'cancelled'] as const;

/** A trial's lifecycle state. */
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

/**
 * The status changes the store allows (staying in the same status is always allowed). Which of the allowed
 * changes to take is the controller's and the executor's decision, not the store's.
 */
export const TRIAL_TRANSITIONS: Readonly<Record<TrialStatus, readonly TrialStatus[]>> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['completed', 'pruned', 'failed', 'stale', 'cancelled', 'queued'],
  stale: ['queued', 'running', 'failed', 'cancelled'],
  failed: ['queued', 'running'],
  cancelled: ['queued', 'running'],
  completed: [],
  pruned: [],
};

/** Trials that hold a slot of the sweep's `parallel`: waiting to run, running, or waiting to be resumed. */
export const IN_FLIGHT_TRIAL_STATUSES: readonly TrialStatus[] = ['queued', 'running', 'stale'];

/** Trials waiting for a worker: queued, or stale (resumed from their last checkpoint). */
export const WAITING_TRIAL_STATUSES: readonly TrialStatus[] = ['queued', 'stale'];

/**
 * Final trials: the sweep keeps their result and runs them no more (a failed trial is failed only once its
 * retries are spent; `sweep retry-failed` may still queue it again on request). Cancelled is not final:
 * `sweep resume` runs it again.
 */
export const FINAL_TRIAL_STATUSES: readonly TrialStatus[] = ['completed', 'pruned', 'failed'];

/** Every sweep status, in lifecycle order. */
export const SWEEP_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;

/**
 * Where a sweep stands. A sweeper killed mid-sweep leaves it `running`; `cancelled` = stopped on purpose
 * (Ctrl-C, `sweep cancel`); `failed` = every trial failed. All are resumable with `tunelab sweep resume`.
 */
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

/** Sweeps that ended: nothing runs or is proposed until a resume. */
export const FINAL_SWEEP_STATUSES: readonly SweepStatus[] = ['completed', 'failed', 'cancelled'];

/** Whether `status` is a trial status. */
export function isTrialStatus(status: string): status is TrialStatus {
  return (TRIAL_STATUSES as readonly string[]).includes(status);
}

/** Whether `status` is a sweep status. */
export function isSweepStatus(status: string): status is SweepStatus {
  return (SWEEP_STATUSES as readonly string[]).includes(status);
}

/** Whether a trial may go from `from` to `to` (the same status always may). */
export function canTransition(from: TrialStatus, to: TrialStatus): boolean {
  if (from === to) return true;
  const next = TRIAL_TRANSITIONS[from];
  if (next === undefined) throw new Error(`Unknown trial status ${from}`);
  return next.includes(to);
}

/**
 * Throws unless `from → to` is allowed, saying what is.
 * @param trialId named in the message, for the log
 */
export function assertTransition(from: TrialStatus, to: TrialStatus, trialId?: string | number): void {
  if (!isTrialStatus(to)) throw new Error(`Unknown trial status ${to}`);
  if (canTransition(from, to)) return;
  const allowed = TRIAL_TRANSITIONS[from];
  const who = trialId === undefined ? '' : ` (trial ${trialId})`;
  throw new Error(
    `Illegal trial transition ${from} → ${to}${who}: from ${from} a trial may go to ${allowed.length ? allowed.join(', ') : 'nothing (it is final)'}`,
  );
}

/** Whether a trial in `status` holds one of the sweep's `parallel` slots. */
export function isInFlight(status: TrialStatus): boolean {
  return IN_FLIGHT_TRIAL_STATUSES.includes(status);
}

/** Whether a trial in `status` waits for a worker to (re)start it. */
export function isWaiting(status: TrialStatus): boolean {
  return WAITING_TRIAL_STATUSES.includes(status);
}

/** Whether a trial in `status` is final (see {@link FINAL_TRIAL_STATUSES}). */
export function isFinalTrial(status: TrialStatus): boolean {
  return FINAL_TRIAL_STATUSES.includes(status);
}

/** Whether a sweep in `status` has ended. */
export function isFinalSweep(status: SweepStatus): boolean {
  return FINAL_SWEEP_STATUSES.includes(status);
}

/**
 * The retry rule: an attempt that failed (its own worker's error, death or hang) runs again while retries are
 * left. `attempt` counts from 0, as the store's trial rows do: `retries: 1` allows attempts 0 and 1.
 */
export function canRetry(attempt: number, retries: number): boolean {
  return attempt < retries;
}
