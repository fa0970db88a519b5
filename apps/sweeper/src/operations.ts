import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, objectivesOf, parseSweepConfig } from '@tunelab/config';
import { openStore, parseStoreUrl, type CheckpointRow, type Store, type SweepRow, type TrialRow } from '@tunelab/store';
import { summarize, trialCheckpoint, type SweepStatus, type TrialParams } from '@tunelab/sweep';
import { createDistributedSweep, resumeDistributedSweep } from './distributed';
import { createProgressView } from './progress';
import { SweepRunner } from './runner';

/** Where a sweep's state lives: `--home` and `--store` mean the same in every command (see docs/architecture.md). */
export interface StoreOptions {
  home: string;
  /** A store URL (`sqlite:path`, a file path, `postgres://…`); default: `<home>/tunelab.db`. */
  store?: string;
}

export interface RunOptions extends StoreOptions {
  /** Overrides the config's `parallel`. */
  parallel?: number;
  /** No progress on stderr (the summary is still returned). */
  quiet?: boolean;
  signal?: AbortSignal;
  staleAfterMs?: number;
  /** Distributed sweeps: stay as the controller until the sweep ends (else return once trials are queued). */
  wait?: boolean;
  /** Local sweeps: the clock their time limit is judged by (see RunSweepOptions.now). */
  now?: () => number;
}

/** The shape `sweep start --json` and `sweep status <id> --json` print. */
export interface SweepSummary {
  sweepId: string;
  name: string;
  status: SweepStatus;
  /** The first objective: what `best` and `trials[].best` are by. */
  metric: { name: string; goal: 'minimize' | 'maximize' };
  /** Every objective, the first being `metric` (one for a sweep whose `metric` is a single mapping). */
  objectives: { name: string; goal: 'minimize' | 'maximize' }[];
  counts: Record<string, number>;
  trials: {
    id: string;
    status: TrialRow['status'];
    params: TrialRow['params'];
    best: { name: string; value: number | null; step: number | null };
    /** Each objective's value at the trial's best epoch by the first (`best.step`), by name; null where none. */
    objectives: Record<string, number | null> | null;
    bestCheckpoint: string | null;
    error: string | null;
  }[];
  /** The best trial by the first objective (completed, pruned or running). */
  best: { trialId: string; value: number } | null;
  /** The Pareto front: completed trials with every objective that no such trial dominates (see @tunelab/sweep's paretoFront). */
  pareto: string[];
}

/** Opens the store a command names; the caller closes it. */
export function openStoreFor(opts: StoreOptions, readonly = false): Promise<Store> {
  return openStore(opts.store ?? { home: opts.home }, { readonly });
}

/** Reads and validates a sweep config, creates the sweep and runs it to the end on this machine. */
export async function startSweep(configPath: string, opts: RunOptions): Promise<SweepSummary> {
  const yaml = await readFile(configPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read the sweep config (${err.code ?? err.message})`, configPath);
  });
  const config = parseSweepConfig(yaml, configPath);
  const store = await openStoreFor(opts);
  try {
    const sweep = await store.createSweep({ config, configYaml: yaml });
    return await runOn(store, sweep.id, opts);
  } finally {
    await store.close();
  }
}

/**
 * Creates a distributed sweep (PostgreSQL store only): its first trials become pg-boss jobs that
 * `tunelab sweep agent` on any machine runs. Returns at once (`{ sweepId, status: 'queued' }`), or with
 * `wait` once the sweep has ended, with its summary.
 */
export async function startDistributedSweep(configPath: string, opts: RunOptions): Promise<{ sweepId: string; status: SweepRow['status']; summary?: SweepSummary }> {
  const url = requirePostgres(opts);
  const yaml = await readFile(configPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read the sweep config (${err.code ?? err.message})`, configPath);
  });
  const config = parseSweepConfig(yaml, configPath);
  const store = await openStoreFor(opts);
  try {
    const sweep = await createDistributedSweep(store, url, config, yaml, { ...controllerOptions(opts) });
    return { sweepId: sweep.id, status: sweep.status, summary: opts.wait ? await summarizeSweep(store, sweep.id) : undefined };
  } finally {
    await store.close();
  }
}

function requirePostgres(opts: StoreOptions): string {
  if (!opts.store || parseStoreUrl(opts.store).kind !== 'postgres') {
    throw new InputError('a distributed sweep needs a PostgreSQL store: --store postgres://…', '--store');
  }
  return opts.store;
}

function controllerOptions(opts: RunOptions) {
  return { wait: opts.wait, signal: opts.signal, staleAfterMs: opts.staleAfterMs, quiet: opts.quiet };
}

/** Continues a sweep: finished trials stay finished; interrupted ones restart from their last checkpoint. */
export async function resumeSweep(sweepId: string, opts: RunOptions): Promise<SweepSummary> {
  const store = await openStoreFor(opts);
  try {
    const sweep = await requireSweep(store, sweepId);
    if (sweep.distributed) {
      // Agents run the trials; this re-queues what needs it and (with wait) stays as the controller.
      await resumeDistributedSweep(store, requirePostgres(opts), sweepId, controllerOptions(opts));
      return await summarizeSweep(store, sweepId);
    }
    // The runner reopens it: trials an interrupt or `sweep cancel` left cancelled are queued again.
    return await runOn(store, sweepId, opts);
  } finally {
    await store.close();
  }
}

async function runOn(store: Store, sweepId: string, opts: RunOptions): Promise<SweepSummary> {
  const runner = new SweepRunner({
    store,
    sweepId,
    home: opts.home,
    parallel: opts.parallel,
    signal: opts.signal,
    staleAfterMs: opts.staleAfterMs,
    now: opts.now,
    view: createProgressView(process.stderr, opts.quiet),
  });
  await runner.run();
  return summarizeSweep(store, sweepId);
}

/** Marks a sweep cancelled; a sweeper running it notices within seconds and stops its trials. */
export async function cancelSweep(sweepId: string, opts: StoreOptions): Promise<SweepRow> {
  const store = await openStoreFor(opts);
  try {
    await requireSweep(store, sweepId);
    for (const t of await store.listTrials(sweepId, { status: 'queued' })) {
      await store.updateTrial(t.id, { status: 'cancelled', appendLog: 'cancelled with the sweep' });
    }
    return await store.updateSweepStatus(sweepId, 'cancelled');
  } finally {
    await store.close();
  }
}

/** Queues every failed trial again (attempt + 1); `sweep resume` then runs them (distributed: agents do). */
export async function retryFailed(sweepId: string, opts: StoreOptions): Promise<string[]> {
  const store = await openStoreFor(opts);
  try {
    const sweep = await requireSweep(store, sweepId);
    const failed = await store.listTrials(sweepId, { status: 'failed' });
    for (const t of failed) {
      await store.updateTrial(t.id, { status: 'queued', attempt: t.attempt + 1, failureReason: null, appendLog: 'queued again by retry-failed' });
    }
    if (sweep.distributed && failed.length > 0) await resumeDistributedSweep(store, requirePostgres(opts), sweepId);
    return failed.map((t) => t.id);
  } finally {
    await store.close();
  }
}

/**
 * Deletes a sweep, its rows and its checkpoint directories. The store refuses a running sweep, and one an
 * alias points into unless `force` (then the alias history keeps what it pointed to).
 */
export async function deleteSweep(sweepId: string, opts: StoreOptions, options: { force?: boolean } = {}): Promise<{ checkpointDirs: number; aliasesRemoved: string[] }> {
  const store = await openStoreFor(opts);
  try {
    await requireSweep(store, sweepId);
    const trials = await store.listTrials(sweepId);
    const { checkpointPaths, aliasesRemoved } = await store.deleteSweep(sweepId, options);
    for (const p of checkpointPaths) await rm(p, { recursive: true, force: true });
    // A PostgreSQL store's rows have no path: the folders this machine trained or downloaded are under home.
    for (const t of trials) await rm(join(opts.home, 'checkpoints', t.id), { recursive: true, force: true });
    return { checkpointDirs: checkpointPaths.length, aliasesRemoved };
  } finally {
    await store.close();
  }
}

export async function requireSweep(store: Store, sweepId: string): Promise<SweepRow> {
  const sweep = await store.getSweep(sweepId);
  if (!sweep) throw new InputError(`no sweep with id ${JSON.stringify(sweepId)} in ${store.info.location} (see \`tunelab sweep list\`)`, 'sweep id');
  return sweep;
}

/** The summary of a sweep as stored now (@tunelab/sweep's `summarize` over the store's rows). */
export async function summarizeSweep(store: Store, sweepId: string): Promise<SweepSummary> {
  const sweep = await requireSweep(store, sweepId);
  const trials = await store.listTrials(sweepId);
  const { name, goal } = sweep.config.metric;
  const objectives = objectivesOf(sweep.config).map((o) => ({ name: o.name, goal: o.goal }));
  const series = await store.getMetricSeries({ name, sweepId });
  const others = Object.fromEntries(
    await Promise.all(objectives.slice(1).map(async (o) => [o.name, await store.getMetricSeries({ name: o.name, sweepId })] as const)),
  );
  const checkpoints = (await store.listCheckpoints({ sweepId })).filter((c) => c.deletedAt === null);
  const summary = summarize({
    sweepId,
    metric: { name, goal },
    objectives,
    status: sweep.status,
    config: sweep.config,
    trials: trials.map((t) => ({
      id: t.id,
      status: t.status,
      params: t.params as TrialParams,
      attempt: t.attempt,
      metrics: (series[t.id] ?? []).map((p) => ({ step: p.step, value: p.value })),
      objectiveMetrics: Object.fromEntries(Object.entries(others).map(([metric, byTrial]) => [metric, byTrial[t.id]])),
      checkpoints: checkpoints.filter((c) => c.trialId === t.id).map((c) => ({ step: c.epoch, path: c.id })),
      error: t.failureReason,
    })),
  });
  const counts: Record<string, number> = {};
  for (const t of trials) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return {
    sweepId,
    name: sweep.name,
    status: summary.status,
    metric: { name, goal },
    objectives,
    counts,
    trials: summary.trials.map((t) => ({
      id: String(t.id),
      status: t.status,
      params: t.params,
      best: { name, value: t.best?.value ?? null, step: t.best?.step ?? null },
      objectives: t.values ? Object.fromEntries(objectives.map((o, i) => [o.name, t.values![i]])) : null,
      bestCheckpoint: t.bestCheckpoint,
      error: t.error,
    })),
    best: summary.best ? { trialId: String(summary.best.trialId), value: summary.best.value } : null,
    pareto: summary.pareto.map(String),
  };
}

/**
 * The checkpoint `promote --trial <id>` means: among the trial's checkpoints still on disk, the one
 * @tunelab/sweep's trialCheckpoint picks (its recorded best, else the best by the sweep's first objective,
 * else the newest), the same rule `promote --sweep <id> --best` applies to the best trial. Any trial of a
 * multi-objective front can be promoted this way.
 */
export async function trialCheckpointOf(store: Store, trialId: string): Promise<CheckpointRow> {
  const trial = await store.getTrial(trialId);
  if (!trial) throw new InputError(`no trial with id ${JSON.stringify(trialId)} in ${store.info.location}`, '--trial');
  const sweep = await requireSweep(store, trial.sweepId);
  const kept = (await store.listCheckpoints({ trialId })).filter((c) => c.deletedAt === null);
  const pick = trialCheckpoint(kept, sweep.config.metric, trial.bestCheckpointId);
  if (!pick) throw new InputError(`trial ${trialId} has no checkpoint left`, '--trial');
  return pick;
}
