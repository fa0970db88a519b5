import type { SweepConfig } from '@tunelab/config';
import type { TrialRecord } from './history';
import { canRetry, isInFlight, isWaiting, type SweepStatus, type TrialStatus } from './lifecycle';
import { proposeBatch, type ProposalSource } from './propose';
import type { TrialParams } from './space';

/**
 * The sweep controller: one pure function from a sweep's config, its trials and the time to what happens
 * next. The local runner (one process runs every trial) and the distributed coordinator (agents on many
 * machines, under the sweep's lock) both drive it: each gathers the same facts from the store, applies the
 * store side of the decision, and starts the trials its own way (worker threads here, queue jobs there).
 */

/** What the controller reads of a sweep's config. */
export type ControllerConfig = Pick<SweepConfig, 'method' | 'metric' | 'objectives' | 'run_cap' | 'seed' | 'parameters' | 'parallel' | 'max_minutes'>;

/**
 * Who holds a running trial, as the driver can tell: its own process ('own': judged by its own executor, never
 * here), a live or unknown process ('alive': only its heartbeat can tell), a process known to be gone ('dead').
 */
export type TrialHolder = 'own' | 'alive' | 'dead';

/** One trial as the controller sees it: its record for the search, plus what staleness is judged by. */
export interface ControlledTrial extends TrialRecord {
  id: string;
  /** 0-based proposal order. */
  number: number;
  /** A running trial's last sign of life (heartbeat, else start, else creation), on the store's clock. */
  lastSeenAt?: number;
  /** Who holds a running trial (default 'alive'). */
  holder?: TrialHolder;
  /** The holder's name, for the log. */
  worker?: string | null;
}

export interface ControlInput {
  config: ControllerConfig;
  /** Every trial of the sweep (any order; decisions list them by number). */
  trials: readonly ControlledTrial[];
  /** The time to judge by, ms on the store's clock (which stamped heartbeats and startedAt). */
  now: number;
  /** When the sweep first started (its max_minutes counts from there); null while it has not. */
  startedAt: number | null;
  /** A running trial whose holder has said nothing for longer than this is stale. */
  staleAfterMs: number;
  /** A running trial whose holder is known dead is stale once silent this long (default staleAfterMs). */
  deadAfterMs?: number;
  /** Trials in flight at once; default config.parallel. */
  parallel?: number;
  /** The sweep was cancelled (`sweep cancel`, Ctrl-C): nothing new starts. */
  cancelled?: boolean;
}

/** A decision about one trial, with the reason its log gets. */
export interface TrialVerdict {
  trialId: string;
  reason: string;
}

/** A new trial to create. */
export interface TrialProposal {
  index: number;
  params: TrialParams;
  source: ProposalSource;
}

/** What to do next, applied in this order. */
export interface SweepDecision {
  /** running → stale: the holder stopped; the trial resumes from its last checkpoint wherever it runs next. */
  markStale: TrialVerdict[];
  /** Waiting trials that must not start (time is up): → cancelled, resumable with `sweep resume`. */
  cancel: TrialVerdict[];
  /** Trials waiting to run, by number (the ones just marked stale included): start them as slots free. */
  run: string[];
  /** New trials to create and run, in order (they fill `parallel` with the trials in flight). */
  propose: TrialProposal[];
  /** Why no further trial will be proposed (run_cap, search space, time), or null while more may come. */
  exhausted: string | null;
  /** Running trials must stop now, ending `cancelled`, for this reason; null when they may go on. */
  stop: string | null;
  timeUp: boolean;
  /** Nothing runs, waits or is left to propose: the sweep ends with this status. */
  finish: { status: SweepStatus; reason: string } | null;
}

/** The sweep's `max_minutes` has passed since it first started (max_minutes 0: never). */
export function isTimeUp(config: Pick<SweepConfig, 'max_minutes'>, startedAt: number | null, now: number): boolean {
  return config.max_minutes > 0 && startedAt !== null && now - startedAt > config.max_minutes * 60_000;
}

/**
 * Why the running trials of a sweep must stop now (it was cancelled, or its time is up), or null. Drivers ask
 * this on every tick, between decisions.
 */
export function stopReason(sweep: { cancelled: boolean; config: Pick<SweepConfig, 'max_minutes'>; startedAt: number | null }, now: number): string | null {
  if (sweep.cancelled) return 'sweep cancelled';
  if (isTimeUp(sweep.config, sweep.startedAt, now)) return `sweep max_minutes ${sweep.config.max_minutes} reached`;
  return null;
}

/** Whether a running trial is stale at `now`, and why (for its log); null while its holder may still be at work. */
export function staleReason(trial: ControlledTrial, now: number, staleAfterMs: number, deadAfterMs = staleAfterMs): string | null {
  if (trial.status !== 'running' || trial.holder === 'own') return null;
  const age = now - (trial.lastSeenAt ?? now);
  const dead = trial.holder === 'dead' && age >= deadAfterMs;
  if (!dead && !(age > staleAfterMs)) return null;
  return `worker ${trial.worker ?? '(none)'} stopped (heartbeat ${Math.round(age / 1000)} s ago)`;
}

/** The status a sweep ends with once nothing is left: failed when every trial failed, else completed. */
export function finalSweepStatus(trials: readonly { status: TrialStatus }[]): 'completed' | 'failed' {
  return trials.length > 0 && trials.every((t) => t.status === 'failed') ? 'failed' : 'completed';
}

/**
 * Decides what the sweep does next:
 * 1. running trials whose holder went silent for staleAfterMs (or is known dead for deadAfterMs) → stale;
 * 2. cancelled: running trials stop, nothing starts; the sweep finishes `cancelled` once none runs;
 * 3. past max_minutes: running trials stop, waiting ones are cancelled, nothing is proposed;
 * 4. waiting trials (queued, stale) run first; free slots (parallel − in flight) get new proposals from the
 *    search (proposeBatch over the history), until run_cap or the space is used up;
 * 5. with nothing in flight and nothing left to propose the sweep finishes (failed when every trial failed).
 */
export function decide(input: ControlInput): SweepDecision {
  const { config, now } = input;
  const parallel = input.parallel ?? config.parallel;
  if (!(Number.isInteger(parallel) && parallel >= 1)) throw new Error(`Expected parallel to be a positive integer, but got ${parallel}`);
  const trials = [...input.trials].sort((a, b) => a.number - b.number).map((t) => ({ ...t }));
  const timeUp = isTimeUp(config, input.startedAt, now);
  const decision: SweepDecision = { markStale: [], cancel: [], run: [], propose: [], exhausted: null, stop: null, timeUp, finish: null };

  for (const t of trials) {
    const reason = staleReason(t, now, input.staleAfterMs, input.deadAfterMs);
    if (reason === null) continue;
    decision.markStale.push({ trialId: t.id, reason });
    t.status = 'stale';
  }

  if (input.cancelled) {
    decision.stop = stopReason({ cancelled: true, config, startedAt: input.startedAt }, now);
    decision.exhausted = 'sweep cancelled';
    if (!trials.some((t) => t.status === 'running')) decision.finish = { status: 'cancelled', reason: 'sweep cancelled' };
    return decision;
  }

  if (timeUp) {
    decision.stop = stopReason({ cancelled: false, config, startedAt: input.startedAt }, now);
    decision.exhausted = decision.stop;
    for (const t of trials) {
      if (!isWaiting(t.status)) continue;
      decision.cancel.push({ trialId: t.id, reason: `${decision.stop} before it ran again` });
      t.status = 'cancelled';
    }
  }

  decision.run = trials.filter((t) => isWaiting(t.status)).map((t) => t.id);
  const inFlight = trials.filter((t) => isInFlight(t.status)).length;
  if (!timeUp && inFlight < parallel) {
    for (const p of proposeBatch(config, trials, parallel - inFlight)) {
      if (p.kind === 'exhausted') decision.exhausted = p.reason;
      else decision.propose.push({ index: p.index, params: p.params, source: p.source });
    }
  }
  if (inFlight === 0 && decision.propose.length === 0 && decision.exhausted !== null) {
    decision.finish = { status: finalSweepStatus(trials), reason: decision.exhausted };
  }
  return decision;
}

/** One trial as sweepStatus reads it: its status and its attempt (from 0, as the store counts). */
export interface ScheduledTrial {
  status: TrialStatus;
  attempt: number;
}

/**
 * A sweep's status derived from its trials, for a summary without a stored status:
 * - queued: no trial has started yet (or none exists);
 * - running: a trial is in flight or failed with a retry left, or more trials will be proposed (below run_cap);
 * - failed: every trial failed for good;
 * - cancelled: every trial was cancelled;
 * - completed: otherwise.
 */
export function sweepStatus(trials: readonly ScheduledTrial[], config: Pick<SweepConfig, 'run_cap' | 'retries'>): SweepStatus {
  if (trials.length === 0 || trials.every((t) => t.status === 'queued' && t.attempt === 0)) return 'queued';
  const active = trials.some((t) => isInFlight(t.status) || (t.status === 'failed' && canRetry(t.attempt, config.retries)));
  if (active || trials.length < config.run_cap) return 'running';
  if (trials.every((t) => t.status === 'cancelled')) return 'cancelled';
  return finalSweepStatus(trials);
}
