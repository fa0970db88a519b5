import { hostname } from 'node:os';
import { applyParams, objectivesOf } from '@tunelab/config';
import type { Store, SweepRow, TrialRow } from '@tunelab/store';
import {
  decide,
  isFinalSweep,
  isInFlight,
  isTimeUp,
  objectiveVector,
  type ControlInput,
  type ControlledTrial,
  type IntermediateValue,
  type SweepDecision,
  type TrialHolder,
} from '@tunelab/sweep';

/**
 * The seam between @tunelab/sweep's pure controller (`decide`) and its two drivers, the local runner and the
 * distributed coordinator: both read the sweep under its lock, hand the controller the same facts, and apply
 * the store side of its decision here, in that one transaction. What differs between them is only what they
 * know (which trials are their own, how soon a dead holder counts as gone) and how they start trials.
 */

/** What a driver knows beyond the store's rows. */
export interface DriverFacts {
  /** The time to judge by; default the database's clock ({@link Store.now}), which stamped the heartbeats. */
  now?: number;
  staleAfterMs: number;
  /** A running trial whose holder is known dead is stale once silent this long. */
  deadAfterMs: number;
  /** Trials in flight at once; default the config's `parallel`. */
  parallel?: number;
  /** The sweep was cancelled (Ctrl-C or `sweep cancel`, as this driver saw it). */
  cancelled?: boolean;
  /** Leave a finished sweep (completed, failed, cancelled) alone: no decision. */
  skipFinished?: boolean;
  /** Who holds a running trial (see TrialHolder). */
  holderOf(row: TrialRow): TrialHolder;
  /** Trials this process is running: in flight whatever their row says now (a retry being handed back). */
  busy?: ReadonlySet<string>;
  /** The sweep metric reported so far, per trial (the search reads it; TPE ranks pruned trials by it). */
  series(tx: Store, sweep: SweepRow): Promise<Readonly<Record<string, IntermediateValue[] | undefined>>> | Readonly<Record<string, IntermediateValue[] | undefined>>;
  /** Called with the decision before anything is written; throwing aborts the step. */
  vet?(decision: SweepDecision, input: ControlInput): void;
  /** 'recover': write only the stale verdicts (a driver starting up, before it runs anything). */
  apply?: 'all' | 'recover';
}

export interface StepResult {
  sweep: SweepRow;
  /** Null when the sweep had finished and the driver asked to leave it alone. */
  decision: SweepDecision | null;
  /** The controller's input, as the driver's facts made it. */
  input: ControlInput | null;
  markedStale: TrialRow[];
  cancelled: TrialRow[];
  /** Rows of the trials to run (decision.run), then the newly proposed ones, in that order. */
  run: TrialRow[];
  proposed: TrialRow[];
}

/** Whether the process named in a `host:pid:slot` worker id is still alive (other hosts: assumed alive). */
export function holderAlive(worker: string | null): boolean {
  if (!worker) return false;
  const [host, pid] = worker.split(':');
  if (host !== hostname()) return true; // another machine: only its heartbeat can tell
  try {
    process.kill(Number(pid), 0);
    return Number(pid) !== process.pid;
  } catch {
    return false;
  }
}

/** A store row as the controller sees it. */
export function controlledTrial(
  row: TrialRow,
  facts: Pick<DriverFacts, 'holderOf' | 'busy'>,
  intermediate?: IntermediateValue[],
  values?: (number | null)[],
): ControlledTrial {
  const busy = facts.busy?.has(row.id) === true && isInFlight(row.status);
  return {
    id: row.id,
    number: row.number,
    params: row.params as ControlledTrial['params'],
    status: busy ? 'running' : row.status,
    value: row.bestValue ?? undefined,
    ...(values ? { values } : {}),
    intermediate,
    lastSeenAt: row.heartbeatAt ?? row.startedAt ?? row.createdAt,
    holder: busy ? 'own' : row.status === 'running' ? facts.holderOf(row) : undefined,
    worker: row.worker,
  };
}

/**
 * A multi-objective bayes sweep's objective vector per trial (what its TPE split reads; @tunelab/sweep's
 * objectiveVector over the stored series: each objective at the best epoch by the first). Empty for one
 * objective, and for grid and random, which read no results.
 */
export async function objectiveVectors(tx: Store, sweep: SweepRow): Promise<Record<string, (number | null)[]>> {
  const objectives = objectivesOf(sweep.config);
  if (objectives.length < 2 || sweep.config.method !== 'bayes') return {};
  const byName = await Promise.all(objectives.map((o) => tx.getMetricSeries({ name: o.name, sweepId: sweep.id })));
  const out: Record<string, (number | null)[]> = {};
  for (const trialId of Object.keys(byName[0])) {
    const series = Object.fromEntries(objectives.map((o, i) => [o.name, byName[i][trialId]]));
    const vector = objectiveVector(series, objectives);
    if (vector) out[trialId] = vector.values;
  }
  return out;
}

/** The controller's input for a sweep's rows and a driver's facts (`vectors`: see objectiveVectors). */
export function controlInput(
  sweep: SweepRow,
  rows: readonly TrialRow[],
  facts: DriverFacts,
  now: number,
  series: Readonly<Record<string, IntermediateValue[] | undefined>>,
  vectors: Readonly<Record<string, (number | null)[] | undefined>> = {},
): ControlInput {
  return {
    config: sweep.config,
    trials: rows.map((r) => controlledTrial(r, facts, series[r.id], vectors[r.id])),
    now,
    startedAt: sweep.startedAt,
    staleAfterMs: facts.staleAfterMs,
    deadAfterMs: facts.deadAfterMs,
    parallel: facts.parallel,
    cancelled: facts.cancelled,
  };
}

/**
 * One controller step under the sweep's lock: read the sweep and its trials, decide, and write the decision's
 * store side in the same transaction (stale verdicts, cancellations, the proposed trials, the final status).
 * Starting the trials to run is the driver's. All or nothing, so a failed step can simply be tried again.
 */
export async function controlStep(store: Store, sweepId: string, facts: DriverFacts): Promise<StepResult> {
  return store.withSweepLock(sweepId, async (tx) => {
    let sweep = (await tx.getSweep(sweepId))!;
    const out: StepResult = { sweep, decision: null, input: null, markedStale: [], cancelled: [], run: [], proposed: [] };
    if (facts.skipFinished && isFinalSweep(sweep.status)) return out;
    const now = facts.now ?? (await tx.now());
    const rows = await tx.listTrials(sweepId);
    // A `sweep cancel` from another process counts as soon as the store says so.
    const cancelled = facts.cancelled === true || sweep.status === 'cancelled';
    const input = controlInput(sweep, rows, { ...facts, cancelled }, now, await facts.series(tx, sweep), await objectiveVectors(tx, sweep));
    const decision = decide(input);
    facts.vet?.(decision, input);
    out.decision = decision;
    out.input = input;
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const v of decision.markStale) {
      const row = await tx.updateTrial(v.trialId, { status: 'stale', appendLog: `marked stale: ${v.reason}` }, { expectStatus: ['running'] });
      if (row) {
        out.markedStale.push(row);
        byId.set(row.id, row);
      }
    }
    if (facts.apply === 'recover') return out;
    for (const v of decision.cancel) {
      const from = byId.get(v.trialId)!.status;
      const row = await tx.updateTrial(v.trialId, { status: 'cancelled', appendLog: `cancelled: ${v.reason}` }, { expectStatus: [from] });
      if (row) out.cancelled.push(row);
    }
    for (const id of decision.run) out.run.push(byId.get(id)!);
    for (const p of decision.propose) {
      const runConfig = applyParams(sweep.config.base, p.params);
      const row = await tx.createTrial({ sweepId, number: p.index, params: p.params, config: runConfig, seed: runConfig.train.seed });
      out.proposed.push((await tx.updateTrial(row.id, { appendLog: `proposed by ${p.source}: ${JSON.stringify(p.params)}` }))!);
    }
    out.run.push(...out.proposed);
    if (decision.finish) sweep = await tx.updateSweepStatus(sweepId, decision.finish.status);
    out.sweep = sweep;
    return out;
  });
}

/**
 * Puts an interrupted sweep back in play, for `sweep resume` on one machine or many: trials an interrupt or
 * `sweep cancel` left cancelled are queued again (unless the sweep's time is up: they would be cancelled again
 * at once), and a cancelled or finished sweep with trials to run is running again (queued if it never started).
 * `now` is the time to judge the limit by; default the database's clock.
 */
export async function reopen(store: Store, sweepId: string, now?: number): Promise<SweepRow> {
  return store.withSweepLock(sweepId, async (tx) => {
    let sweep = (await tx.getSweep(sweepId))!;
    if (!isTimeUp(sweep.config, sweep.startedAt, now ?? (await tx.now()))) {
      for (const t of await tx.listTrials(sweepId, { status: 'cancelled' })) {
        await tx.updateTrial(t.id, { status: 'queued', appendLog: 'queued again by resume' });
      }
    }
    const waiting = (await tx.listTrials(sweepId)).filter((t) => isInFlight(t.status)).length;
    if (sweep.status === 'cancelled' || (isFinalSweep(sweep.status) && waiting > 0)) {
      sweep = await tx.updateSweepStatus(sweepId, sweep.startedAt === null ? 'queued' : 'running');
    }
    return sweep;
  });
}
