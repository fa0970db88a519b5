import { hostname } from 'node:os';
import type { Store, SweepRow, TrialRow } from '@tunelab/store';
import { intermediateValues, type SweepDecision, type TrialHolder } from '@tunelab/sweep';
import { controlStep, holderAlive, type DriverFacts } from './control';
import type { TrialQueue } from './trial-queue';

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
  /** The controller's decision; null for a finished sweep, which is left alone. */
  decision: SweepDecision | null;
}

/**
 * What the distributed driver tells the controller: its own process's trials are its executor's to judge (a
 * trial being leased has no slot yet); a holder on this host whose process is gone need not wait the whole
 * staleAfterMs, but a few missed beats (5 s) still guard against a live agent in another PID namespace under
 * the same host name; the search reads the shared reports only where it uses them (TPE ranks pruned trials by
 * how far they got, grid and random read none).
 */
export function distributedFacts(opts: CoordinateOptions): DriverFacts {
  const ownPrefix = `${hostname()}:${process.pid}:`;
  return {
    now: opts.now,
    staleAfterMs: opts.staleAfterMs,
    deadAfterMs: Math.min(opts.staleAfterMs, 5_000),
    skipFinished: true,
    holderOf: (t): TrialHolder => (t.worker?.startsWith(ownPrefix) ? 'own' : holderAlive(t.worker) ? 'alive' : 'dead'),
    series: async (tx, sweep) => {
      if (sweep.config.method !== 'bayes') return {};
      const series = await tx.getMetricSeries({ name: sweep.config.metric.name, sweepId: sweep.id });
      return Object.fromEntries(Object.entries(series).map(([id, points]) => [id, intermediateValues(points)]));
    },
  };
}

/**
 * The controller role of a distributed sweep, which any process may take (the `sweep start --distributed`
 * process, `sweep resume`, every agent after each trial and on its tick): one step of @tunelab/sweep's
 * controller under the sweep's lock (see controlStep), so two machines never decide at once and whoever holds
 * the lock proposes the same trials. After the lock, every trial waiting to run gets a job (idempotent, see
 * TrialQueue); agents start them. Running trials past the sweep's time are stopped by the agents that hold
 * them (their tick).
 */
export async function coordinate(store: Store, queue: TrialQueue, sweepId: string, opts: CoordinateOptions): Promise<CoordinateResult> {
  const step = await controlStep(store, sweepId, distributedFacts(opts));
  const enqueued = await queue.enqueue(step.run.map((t) => ({ sweepId, trialId: t.id })));
  return { sweep: step.sweep, proposed: step.proposed, markedStale: step.markedStale, enqueued, decision: step.decision };
}
