import { hostname } from 'node:os';
import { applyParams, type SweepConfig } from '@tunelab/config';
import type { Store, SweepRow, TrialRow } from '@tunelab/store';
import { CHARACTERS_METRIC, improves, intermediateValues, proposeNext, type IntermediateValue, type PruneTrial, type TrialRecord } from '@tunelab/sweep';
import { createProgressView, type ProgressView } from './progress';
import { retryStore } from './store-retry';
import { TrialExecutor } from './trial-execution';

export interface RunSweepOptions {
  store: Store;
  sweepId: string;
  home: string;
  /** Worker threads; defaults to the sweep config's `parallel`. */
  parallel?: number;
  /** Ctrl-C: running trials are cancelled (resumable) and the sweep stops. */
  signal?: AbortSignal;
  view?: ProgressView;
  /** A running trial whose worker says nothing for this long is stale: stopped and run again. */
  staleAfterMs?: number;
  /** How often heartbeats are written and `sweep cancel` from another process is noticed. */
  tickMs?: number;
  /** V8 heap limit per worker thread (piscina resourceLimits). */
  workerMemoryMb?: number;
  /** How long a failing store write on a trial's path is retried before the trial fails (ms; default 60 s). */
  storeRetryMs?: number;
}

const FINAL = new Set(['completed', 'pruned', 'failed']);

/**
 * Runs (or resumes) one sweep on this machine: the main thread owns the store (the only writer), proposes
 * trials with @tunelab/sweep and starts them through a TrialExecutor (the piscina pool, the per-trial event
 * handling, pruning, checkpoints, heartbeats), so a killed sweeper's trials are found and resumed from their
 * last checkpoint. The distributed agent runs trials through the same executor.
 */
export class SweepRunner {
  private readonly store: Store;
  private sweep!: SweepRow;
  private config!: SweepConfig;
  private executor!: TrialExecutor;
  private readonly intermediate = new Map<string, IntermediateValue[]>();
  private readonly view: ProgressView;
  private exhausted = false;
  private stopping: 'cancelled' | 'time' | null = null;
  private wake: (() => void) | null = null;
  /** Every trial's last known status, for the pruning rules and the progress bar. */
  private readonly statuses = new Map<string, TrialRow['status']>();
  /** When this process started on the sweep and how many trials were final then (the progress line's clock). */
  private runStartedAt = Date.now();
  private doneAtStart = 0;

  constructor(private readonly opts: RunSweepOptions) {
    this.store = opts.store;
    this.view = opts.view ?? createProgressView();
  }

  /** Runs until every trial is final (or the sweep is cancelled); resolves to the sweep's final row. */
  async run(): Promise<SweepRow> {
    const sweep = await this.store.getSweep(this.opts.sweepId);
    if (!sweep) throw Object.assign(new Error(`No sweep ${this.opts.sweepId} in ${this.store.info.location}`), { userError: true });
    this.sweep = sweep;
    this.config = sweep.config;
    await this.recoverInterruptedTrials();
    await this.loadIntermediate();
    for (const t of await this.store.listTrials(sweep.id)) this.statuses.set(t.id, t.status);
    this.runStartedAt = Date.now();
    this.doneAtStart = this.doneCount();
    this.executor = new TrialExecutor({
      store: this.store,
      home: this.opts.home,
      parallel: Math.max(1, this.opts.parallel ?? this.config.parallel),
      view: this.view,
      silentAfterMs: this.opts.staleAfterMs ?? 120_000,
      workerMemoryMb: this.opts.workerMemoryMb,
      storeRetryMs: this.opts.storeRetryMs,
      hooks: {
        reported: (trial) => void this.intermediate.set(trial.row.id, trial.intermediate),
        pruneHistory: () => this.pruneHistory(),
        ended: (trial, row) => {
          if (row) this.statuses.set(row.id, row.status);
          else this.statuses.delete(trial.row.id);
        },
        changed: () => {
          this.render();
          this.wake?.();
        },
      },
    });
    this.sweep = await this.store.updateSweepStatus(sweep.id, 'running');
    const startedAt = this.sweep.startedAt ?? (await this.store.now());
    const onSignal = (): void => this.stop('cancelled', 'interrupted (Ctrl-C)');
    this.opts.signal?.addEventListener('abort', onSignal, { once: true });
    const ticker = setInterval(() => void this.tick(startedAt), this.opts.tickMs ?? 2_000);
    try {
      for (;;) {
        if (!this.stopping) await this.fillSlots(startedAt);
        if (this.executor.active.size === 0) break;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      clearInterval(ticker);
      this.opts.signal?.removeEventListener('abort', onSignal);
      await this.executor.close();
      this.view.close();
    }
    return this.finish();
  }

  /** The runner's own store calls get the bounded retry the trials' writes get (a dropped connection, a busy file). */
  private retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retryStore(what, fn, { boundMs: this.opts.storeRetryMs });
  }

  private async finish(): Promise<SweepRow> {
    const trials = await this.retry('list trials', () => this.store.listTrials(this.sweep.id));
    let status: SweepRow['status'];
    if (this.stopping === 'cancelled') status = 'cancelled';
    else if (trials.length > 0 && trials.every((t) => t.status === 'failed')) status = 'failed';
    else status = 'completed';
    this.sweep = await this.retry('write the sweep status', () => this.store.updateSweepStatus(this.sweep.id, status));
    return this.sweep;
  }

  /**
   * Trials left `running` by a sweeper that died (SIGKILL, power cut) are stale: their worker is gone.
   * A trial held by a live process on this host (another `sweep resume` of the same sweep) is not touched.
   */
  private async recoverInterruptedTrials(): Promise<void> {
    const staleAfter = this.opts.staleAfterMs ?? 120_000;
    // Heartbeats are the store's stamps (the database's clock): judged by the same clock. Marked stale, not
    // failed: a trial interrupted by its sweeper's death uses up none of its retries.
    const now = await this.store.now();
    for (const t of await this.store.listTrials(this.sweep.id, { status: 'running' })) {
      const age = now - (t.heartbeatAt ?? t.startedAt ?? 0);
      if (holderAlive(t.worker) && age < staleAfter) {
        throw Object.assign(new Error(`Sweep ${this.sweep.id} is being run by ${t.worker} (trial ${t.id}, heartbeat ${Math.round(age / 1000)} s ago)`), { userError: true });
      }
      await this.store.updateTrial(t.id, { status: 'stale', appendLog: `marked stale: worker ${t.worker} stopped (heartbeat ${Math.round(age / 1000)} s ago)` });
    }
  }

  private async loadIntermediate(): Promise<void> {
    const [series, characters] = await Promise.all([
      this.store.getMetricSeries({ name: this.config.metric.name, sweepId: this.sweep.id }),
      this.store.getMetricSeries({ name: CHARACTERS_METRIC, sweepId: this.sweep.id }),
    ]);
    for (const [trialId, points] of Object.entries(series)) this.intermediate.set(trialId, intermediateValues(points, characters[trialId]));
  }

  private history(trials: TrialRow[]): TrialRecord[] {
    return trials
      .sort((a, b) => a.number - b.number)
      .map((t) => ({
        params: t.params as TrialRecord['params'],
        status: t.status,
        value: t.bestValue ?? undefined,
        intermediate: this.intermediate.get(t.id),
      }));
  }

  /** This process is the sweep's only runner, so its memory holds the whole history. */
  private pruneHistory(): PruneTrial[] {
    const out: PruneTrial[] = [];
    for (const [id, intermediate] of this.intermediate) out.push({ id, status: this.statuses.get(id) ?? 'running', intermediate });
    return out;
  }

  /** Starts trials while slots are free: interrupted and retried trials first, then new proposals. */
  private async fillSlots(startedAt: number): Promise<void> {
    while (this.executor.free > 0) {
      const trials = await this.retry('list trials', () => this.store.listTrials(this.sweep.id));
      const waiting = trials
        .filter((t) => (t.status === 'queued' || t.status === 'stale' || t.status === 'cancelled') && !this.executor.active.has(t.id))
        .sort((a, b) => a.number - b.number)[0];
      if (waiting) {
        await this.launch(waiting);
        continue;
      }
      const maxMinutes = this.config.max_minutes;
      // startedAt is the store's stamp: compared on the database's clock.
      if (this.exhausted || (maxMinutes > 0 && (await this.retry('read the clock', () => this.store.now())) - startedAt > maxMinutes * 60_000)) return;
      const proposal = proposeNext(this.config, this.history(trials));
      if (proposal.kind === 'exhausted') {
        this.exhausted = true;
        return;
      }
      const config = applyParams(this.config.base, proposal.params);
      const row = await this.retry('create a trial', () =>
        this.store.createTrial({ sweepId: this.sweep.id, number: proposal.index, params: proposal.params, config, seed: config.train.seed }),
      );
      await this.retry('log the proposal', () => this.store.updateTrial(row.id, { appendLog: `proposed by ${proposal.source}: ${JSON.stringify(proposal.params)}` }));
      await this.launch(row);
    }
  }

  private async launch(row: TrialRow): Promise<void> {
    const started = await this.executor.start(row, this.sweep, ['queued', 'stale', 'cancelled']);
    if (!started) throw new Error(`Trial ${row.id} was taken by another process (is the sweep running elsewhere?)`);
    this.statuses.set(row.id, 'running');
  }

  /** Stops everything: Ctrl-C, `sweep cancel` from another process, or the sweep's time limit. */
  stop(kind: 'cancelled' | 'time', reason: string): void {
    if (this.stopping) return;
    this.stopping = kind;
    this.executor.stopAll('cancelled', reason);
    this.wake?.();
  }

  private async tick(startedAt: number): Promise<void> {
    try {
      await this.executor.beat();
      const sweep = await this.store.getSweep(this.sweep.id);
      if (sweep?.status === 'cancelled') this.stop('cancelled', 'sweep cancelled');
      const maxMinutes = this.config.max_minutes;
      // startedAt is the store's stamp: compared on the database's clock.
      if (maxMinutes > 0 && (await this.store.now()) - startedAt > maxMinutes * 60_000) this.stop('time', `sweep max_minutes ${maxMinutes} reached`);
      this.render();
    } catch (err) {
      this.view.note(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  private bestSoFar: { trialId: string; value: number } | null = null;

  private doneCount(): number {
    return [...this.statuses.values()].filter((s) => FINAL.has(s)).length;
  }

  private render(): void {
    const { goal } = this.config.metric;
    for (const t of this.executor.active.values()) {
      if (t.bestValue !== null && improves(t.bestValue, this.bestSoFar?.value, goal)) this.bestSoFar = { trialId: t.row.id, value: t.bestValue };
    }
    this.view.update({
      name: this.sweep.name,
      done: this.doneCount(),
      clock: { elapsedMs: Date.now() - this.runStartedAt, doneAtStart: this.doneAtStart },
      total: this.config.run_cap,
      best: this.bestSoFar,
      metricName: this.config.metric.name,
      running: [...this.executor.active.values()].map((t) => t.progress),
    });
  }
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

export { FINAL as FINAL_TRIAL_STATUSES };
