import { hostname } from 'node:os';
import { applyParams } from '@tunelab/config';
import type { Store, SweepRow, TrialRow } from '@tunelab/store';
import { proposeNext, type TrialRecord } from '@tunelab/sweep';
import { holderAlive } from './runner';
import type { TrialJob, TrialQueue } from './trial-queue';

export interface CoordinateOptions {
  /** A running trial whose heartbeat is older than this is stale: marked so and queued again. */
  staleAfterMs: number;
  /**
   * The time to judge by; default the database's clock ({@link Store.now}), which stamped the heartbeats: never
   * this machine's Date.now(), which may be minutes off another agent's.
   */
  now?: number;
}

export interface CoordinateResult {
  sweep: SweepRow;
  proposed: TrialRow[];
  markedStale: TrialRow[];
  /** Jobs newly sent (trials already waiting in the queue are not sent twice). */
  enqueued: number;
}

const FINAL_SWEEP = new Set<SweepRow['status']>(['completed', 'failed', 'cancelled']);
const IN_FLIGHT = new Set<TrialRow['status']>(['queued', 'running', 'stale']);

/**
 * The controller role of a distributed sweep, which any process may take (the `sweep start --distributed`
 * process, `sweep resume`, every agent after each trial and on its tick). Under the sweep's lock, so two
 * machines never decide at once: running trials whose heartbeat stopped are marked stale; new trials are
 * proposed from the shared history (`proposeNext` is a pure function of it, so whoever holds the lock
 * proposes the same trial) until `parallel` are in flight or `run_cap` is reached; a sweep with nothing in
 * flight and nothing left to propose is marked completed (failed when every trial failed). After the lock,
 * every queued or stale trial gets a job (idempotent, see TrialQueue).
 */
export async function coordinate(store: Store, queue: TrialQueue, sweepId: string, opts: CoordinateOptions): Promise<CoordinateResult> {
  const ownPrefix = `${hostname()}:${process.pid}:`;
  const { sweep, proposed, markedStale, jobs } = await store.withSweepLock(sweepId, async (tx) => {
    const now = opts.now ?? (await tx.now());
    let sweep = (await tx.getSweep(sweepId))!;
    const proposed: TrialRow[] = [];
    const markedStale: TrialRow[] = [];
    if (FINAL_SWEEP.has(sweep.status)) return { sweep, proposed, markedStale, jobs: [] as TrialJob[] };
    const stale = new Map((await tx.findStaleTrials(opts.staleAfterMs, { sweepId, now })).map((t) => [t.id, t]));
    // A holder on this host whose process is gone need not wait the whole staleAfterMs; a few missed beats
    // (5 s) still guard against a live agent in another PID namespace under the same host name.
    const deadAfter = Math.min(opts.staleAfterMs, 5_000);
    for (const t of await tx.listTrials(sweepId, { status: 'running' })) {
      if (!holderAlive(t.worker) && now - (t.heartbeatAt ?? t.startedAt ?? now) > deadAfter) stale.set(t.id, t);
    }
    for (const t of stale.values()) {
      // This process's own trials are its executor's to judge (a trial being leased has no slot yet).
      if (t.worker?.startsWith(ownPrefix)) continue;
      const age = Math.round((now - (t.heartbeatAt ?? t.startedAt ?? now)) / 1000);
      const row = await tx.updateTrial(t.id, { status: 'stale', appendLog: `marked stale: worker ${t.worker} stopped (heartbeat ${age} s ago)` }, { expectStatus: ['running'] });
      if (row) markedStale.push(row);
    }
    const trials = await tx.listTrials(sweepId);
    const { config } = sweep;
    const timeUp = sweepTimeUp(sweep, now);
    if (timeUp) {
      // As on one machine: past the sweep's max_minutes nothing new starts. Waiting trials are cancelled here
      // (resumable with `sweep resume`); running ones are stopped by the agents that hold them (their tick).
      for (const [i, t] of trials.entries()) {
        if (t.status !== 'queued' && t.status !== 'stale') continue;
        const appendLog = `cancelled: sweep max_minutes ${config.max_minutes} reached before it ran again`;
        const row = await tx.updateTrial(t.id, { status: 'cancelled', appendLog }, { expectStatus: [t.status] });
        if (row) trials[i] = row;
      }
    }
    let inFlight = trials.filter((t) => IN_FLIGHT.has(t.status)).length;
    let exhausted = timeUp;
    // TPE ranks pruned trials by how far they got: it needs their reports (grid and random do not).
    let series: Record<string, { step: number; value: number }[]> | null = null;
    while (!exhausted && inFlight < config.parallel) {
      if (config.method === 'bayes') series ??= await tx.getMetricSeries({ name: config.metric.name, sweepId });
      const proposal = proposeNext(config, history(trials, series));
      if (proposal.kind === 'exhausted') {
        exhausted = true;
        break;
      }
      const runConfig = applyParams(config.base, proposal.params);
      const row = await tx.createTrial({ sweepId, number: proposal.index, params: proposal.params, config: runConfig, seed: runConfig.train.seed });
      const logged = (await tx.updateTrial(row.id, { appendLog: `proposed by ${proposal.source}: ${JSON.stringify(proposal.params)}` }))!;
      trials.push(logged);
      proposed.push(logged);
      inFlight++;
    }
    if (inFlight === 0 && exhausted) {
      const status = trials.length > 0 && trials.every((t) => t.status === 'failed') ? 'failed' : 'completed';
      sweep = await tx.updateSweepStatus(sweepId, status);
    }
    const jobs = trials.filter((t) => t.status === 'queued' || t.status === 'stale').map((t) => ({ sweepId, trialId: t.id }));
    return { sweep, proposed, markedStale, jobs };
  });
  const enqueued = await queue.enqueue(jobs);
  return { sweep, proposed, markedStale, enqueued };
}

/**
 * Whether a sweep has run past its `max_minutes` (counted from when its first trial started); `now` is the
 * database's clock ({@link Store.now}), which stamped `startedAt`.
 */
export function sweepTimeUp(sweep: SweepRow, now: number): boolean {
  const { max_minutes: maxMinutes } = sweep.config;
  return maxMinutes > 0 && sweep.startedAt !== null && now - sweep.startedAt > maxMinutes * 60_000;
}

/** The shared history as @tunelab/sweep reads it: every trial in proposal order, with its reports when known. */
function history(trials: TrialRow[], series: Record<string, { step: number; value: number }[]> | null): TrialRecord[] {
  return [...trials]
    .sort((a, b) => a.number - b.number)
    .map((t) => ({
      params: t.params as TrialRecord['params'],
      status: t.status,
      value: t.bestValue ?? undefined,
      intermediate: series?.[t.id]?.map((p) => ({ step: p.step, value: p.value })),
    }));
}
