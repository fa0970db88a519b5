import type { SweepConfig } from '@tunelab/config';
import type { TrialStatus } from './history';

/**
 * Scheduling decisions: given the trials as the store holds them and the clock, what should the sweeper
 * do next? Pure — the caller applies the actions (in order) and asks again after every event.
 */

/** One trial as the scheduler sees it (its latest attempt). */
export interface ScheduledTrial {
  id: string | number;
  status: TrialStatus;
  /** 1-based attempt number; a retry is a new attempt of the same trial. */
  attempt: number;
}

export type SweepStatus = 'queued' | 'running' | 'completed' | 'cancelled' | 'failed';

export type SchedulerConfig = Pick<SweepConfig, 'run_cap' | 'parallel' | 'max_minutes' | 'retries'>;

/** Facts from outside the trial rows. */
export interface SweepFlags {
  /** The search method reported that it has nothing left to propose (grid done, discrete space used up). */
  searchExhausted?: boolean;
  /** The max_minutes budget is spent (see isTimeUp). */
  timeUp?: boolean;
  /** The user cancelled the sweep. */
  cancelled?: boolean;
}

export interface ResumeFlags {
  /**
   * `tunelab sweep resume`: trials an interrupt (Ctrl-C) left cancelled are restarted from their last
   * checkpoint, like stale ones.
   */
  resuming?: boolean;
}

export interface SchedulerState extends SweepFlags, ResumeFlags {
  config: SchedulerConfig;
  /** One row per trial, in proposal order. */
  trials: readonly ScheduledTrial[];
  /** Now and when the sweep first started, in ms since the epoch (timeUp is derived from them). */
  now: number;
  startedAt: number;
}

export type SweepAction =
  /** failed → queued as attempt `attempt` (a fresh run: the failure may lie in its checkpoint). */
  | { type: 'requeue'; trialId: string | number; attempt: number; reason: string }
  /** queued → running; with resume, a stale trial restarts from its last checkpoint. */
  | { type: 'start'; trialId: string | number; attempt: number; resume: boolean }
  /** Ask the search for `count` new trials (proposeBatch) and start them. */
  | { type: 'propose'; count: number }
  /** → cancelled; for a running trial, abort its worker first. */
  | { type: 'cancel'; trialId: string | number; reason: string }
  /** Nothing is left to run or wait for. */
  | { type: 'finish'; status: SweepStatus; reason: string };

export interface SchedulePlan {
  actions: SweepAction[];
  /** The sweep's status before the actions are applied. */
  status: SweepStatus;
  done: boolean;
  timeUp: boolean;
}

/** max_minutes > 0 and at least that long since startedAt (wall clock, so time while stopped counts). */
export function isTimeUp(config: Pick<SweepConfig, 'max_minutes'>, now: number, startedAt: number): boolean {
  return config.max_minutes > 0 && now - startedAt >= config.max_minutes * 60_000;
}

/** A failed trial that still has retries: attempt ≤ retries (retries: 1 → attempts 1 and 2 run). */
export function canRetry(trial: ScheduledTrial, retries: number): boolean {
  return trial.status === 'failed' && trial.attempt <= retries;
}

/**
 * The sweep's status from its trials:
 * - queued: no trial has started yet (or none exists);
 * - running: a trial is running, stale (to be resumed), queued after others started, or failed with a
 *   retry left, or more trials will be proposed (below run_cap, search not exhausted, time left);
 * - failed: every trial failed for good;
 * - cancelled: the sweep was cancelled, or every trial was cancelled;
 * - completed: otherwise.
 */
export function sweepStatus(
  trials: readonly ScheduledTrial[],
  config: Pick<SweepConfig, 'run_cap' | 'retries'>,
  flags: SweepFlags = {},
): SweepStatus {
  const stopping = flags.cancelled === true;
  const active = trials.some(
    (t) => t.status === 'running' || t.status === 'stale' || t.status === 'queued' || (!stopping && !flags.timeUp && canRetry(t, config.retries)),
  );
  if (trials.length === 0 || trials.every((t) => t.status === 'queued' && t.attempt <= 1)) {
    return stopping ? 'cancelled' : 'queued';
  }
  if (active) return 'running';
  const moreToCome = !stopping && !flags.timeUp && !flags.searchExhausted && trials.length < config.run_cap;
  if (moreToCome) return 'running';
  if (stopping) return 'cancelled';
  if (trials.every((t) => t.status === 'failed')) return 'failed';
  if (trials.every((t) => t.status === 'cancelled')) return 'cancelled';
  return 'completed';
}

/**
 * Decide the next actions:
 * 1. cancelled: cancel every queued, stale and running trial; finish once none is left.
 * 2. failed trials with attempt ≤ retries are re-queued as attempt + 1 (not once time is up);
 * 3. free slots (parallel − running) go first to stale trials (resumed from their last checkpoint; with
 *    `resuming`, also trials an interrupt cancelled), then to
 *    queued ones, re-queued retries last; after max_minutes, queued trials are cancelled instead, while
 *    stale ones (started before the limit) still resume;
 * 4. slots still free ask the search for new trials, up to run_cap trials in all, unless time is up or the
 *    search is exhausted;
 * 5. finish when nothing runs and nothing is left to start.
 */
export function nextActions(state: SchedulerState): SchedulePlan {
  const { config, trials } = state;
  if (!(Number.isInteger(config.parallel) && config.parallel >= 1)) {
    throw new Error(`Expected parallel to be a positive integer, but got ${config.parallel}`);
  }
  const timeUp = state.timeUp === true || isTimeUp(config, state.now, state.startedAt);
  const flags: SweepFlags = { searchExhausted: state.searchExhausted, timeUp, cancelled: state.cancelled };
  const status = sweepStatus(trials, config, flags);
  const actions: SweepAction[] = [];

  if (state.cancelled) {
    for (const t of trials) {
      if (t.status === 'queued' || t.status === 'stale' || t.status === 'running') {
        actions.push({ type: 'cancel', trialId: t.id, reason: 'sweep cancelled' });
      }
    }
    const done = actions.length === 0;
    if (done) actions.push({ type: 'finish', status: 'cancelled', reason: 'sweep cancelled' });
    return { actions, status, done, timeUp };
  }

  const running = trials.filter((t) => t.status === 'running').length;
  let free = Math.max(0, config.parallel - running);
  const stale = trials.filter((t) => t.status === 'stale' || (state.resuming === true && t.status === 'cancelled'));
  const queued = trials.filter((t) => t.status === 'queued');
  const retries = timeUp ? [] : trials.filter((t) => canRetry(t, config.retries));

  for (const t of retries) {
    actions.push({
      type: 'requeue',
      trialId: t.id,
      attempt: t.attempt + 1,
      reason: `attempt ${t.attempt} failed; retry ${t.attempt} of ${config.retries}`,
    });
  }
  for (const t of stale) {
    if (free === 0) break;
    actions.push({ type: 'start', trialId: t.id, attempt: t.attempt, resume: true });
    free--;
  }
  if (timeUp) {
    for (const t of queued) actions.push({ type: 'cancel', trialId: t.id, reason: `max_minutes ${config.max_minutes} reached` });
  } else {
    const startable = [...queued.map((t) => ({ t, attempt: t.attempt })), ...retries.map((t) => ({ t, attempt: t.attempt + 1 }))];
    for (const { t, attempt } of startable) {
      if (free === 0) break;
      actions.push({ type: 'start', trialId: t.id, attempt, resume: false });
      free--;
    }
  }
  const canPropose = !timeUp && !state.searchExhausted;
  const room = config.run_cap - trials.length;
  if (canPropose && free > 0 && room > 0) {
    actions.push({ type: 'propose', count: Math.min(free, room) });
  }

  const waiting = running > 0 || actions.some((a) => a.type !== 'cancel') || stale.length > 0 || (!timeUp && queued.length > 0);
  const done = !waiting;
  if (done) {
    const final = sweepStatus(trials.map((t) => (t.status === 'queued' ? { ...t, status: 'cancelled' as const } : t)), config, flags);
    const why = timeUp
      ? `max_minutes ${config.max_minutes} reached`
      : state.searchExhausted
        ? 'search space exhausted'
        : `run_cap ${config.run_cap} reached`;
    actions.push({ type: 'finish', status: final === 'running' || final === 'queued' ? 'completed' : final, reason: why });
  }
  return { actions, status, done, timeUp };
}
