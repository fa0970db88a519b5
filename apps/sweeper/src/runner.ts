import type { SweepConfig } from '@tunelab/config';
import type { Store, SweepRow, TrialRow } from '@tunelab/store';
import {
  CHARACTERS_METRIC,
  finalSweepStatus,
  improves,
  intermediateValues,
  isFinalTrial,
  stopReason,
  WAITING_TRIAL_STATUSES,
  type IntermediateValue,
  type PruneTrial,
  type SweepDecision,
  type TrialHolder,
} from '@tunelab/sweep';
import { controlStep, holderAlive, reopen, type DriverFacts } from './control';
import { createProgressView, type ProgressView } from './progress';
import { DEFAULT_STORE_RETRY_MS, retryStore, StoreWriteError } from './store-retry';
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
  /**
   * The clock the controller and the time limit judge by (ms since the epoch). Default: the store's clock
   * ({@link Store.now}), which stamped the sweep's start and the heartbeats it is compared with. Tests pass
   * their own to move time on without waiting for it.
   */
  now?: () => number;
}

/**
 * What the local driver tells the controller: the trials its executor runs are its own, whatever their row
 * says; a holder on this host whose process is gone is stale at once (this process is the sweep's only runner,
 * see recover); the search reads the reports this process holds in memory.
 */
export function localFacts(opts: {
  staleAfterMs: number;
  parallel?: number;
  cancelled?: boolean;
  active: ReadonlySet<string>;
  intermediate: ReadonlyMap<string, IntermediateValue[]>;
  now?: number;
}): DriverFacts {
  return {
    now: opts.now,
    staleAfterMs: opts.staleAfterMs,
    deadAfterMs: 0,
    parallel: opts.parallel,
    cancelled: opts.cancelled,
    busy: opts.active,
    holderOf: (t): TrialHolder => (opts.active.has(t.id) ? 'own' : holderAlive(t.worker) ? 'alive' : 'dead'),
    series: () => Object.fromEntries(opts.intermediate),
  };
}

/**
 * Runs (or resumes) one sweep on this machine: the main thread owns the store, drives @tunelab/sweep's
 * controller (one step under the sweep's lock whenever a slot is free and something changed, see controlStep)
 * and starts the trials it says to run through a TrialExecutor (the piscina pool, the per-trial event
 * handling, pruning, checkpoints, heartbeats), so a killed sweeper's trials are found and resumed from their
 * last checkpoint. The distributed agent runs trials through the same executor, and its coordinator drives
 * the same controller.
 */
/** How many store-retry bounds of failing controller steps in a row the local runner waits out before it gives up. */
const STEP_DEFERRAL_BOUNDS = 10;

export class SweepRunner {
  private readonly store: Store;
  private sweep!: SweepRow;
  private config!: SweepConfig;
  private executor!: TrialExecutor;
  private readonly intermediate = new Map<string, IntermediateValue[]>();
  private readonly view: ProgressView;
  private stopping: 'cancelled' | 'time' | null = null;
  /** Something changed that the controller should see (a trial ended, a stop): take a step when a slot is free. */
  private dirty = true;
  /** Free slots right after the last step: more free slots than that means a trial ended. */
  private freeAfterStep = -1;
  /** When the controller's steps started failing on a busy store (null while they succeed). */
  private stepFailingSince: number | null = null;
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

  private get staleAfterMs(): number {
    return this.opts.staleAfterMs ?? 120_000;
  }

  /** Runs until the controller finishes the sweep (or it is cancelled); resolves to the sweep's final row. */
  async run(): Promise<SweepRow> {
    const sweep = await this.store.getSweep(this.opts.sweepId);
    if (!sweep) throw Object.assign(new Error(`No sweep ${this.opts.sweepId} in ${this.store.info.location}`), { userError: true });
    this.sweep = sweep;
    this.config = sweep.config;
    await this.loadIntermediate();
    await this.recover();
    await this.retry('reopen the sweep', () => reopen(this.store, sweep.id, this.opts.now?.()));
    for (const t of await this.store.listTrials(sweep.id)) this.statuses.set(t.id, t.status);
    this.runStartedAt = Date.now();
    this.doneAtStart = this.doneCount();
    this.executor = new TrialExecutor({
      store: this.store,
      home: this.opts.home,
      parallel: this.parallel,
      view: this.view,
      silentAfterMs: this.staleAfterMs,
      workerMemoryMb: this.opts.workerMemoryMb,
      storeRetryMs: this.opts.storeRetryMs,
      hooks: {
        reported: (trial) => void this.intermediate.set(trial.row.id, trial.intermediate),
        pruneHistory: () => this.pruneHistory(),
        ended: (trial, row) => {
          if (row) this.statuses.set(row.id, row.status);
          else this.statuses.delete(trial.row.id);
          this.dirty = true;
        },
        changed: () => {
          this.render();
          this.wake?.();
        },
      },
    });
    this.sweep = await this.store.updateSweepStatus(sweep.id, 'running');
    const onSignal = (): void => this.stop('cancelled', 'interrupted (Ctrl-C)');
    this.opts.signal?.addEventListener('abort', onSignal, { once: true });
    const ticker = setInterval(() => void this.tick(), this.opts.tickMs ?? 2_000);
    let decision: SweepDecision | null = null;
    try {
      for (;;) {
        // A step when a slot is free and something changed: a trial ended (its slot came back), or a stop.
        const free = this.executor.free;
        if (free > 0 && (this.dirty || free !== this.freeAfterStep)) {
          this.dirty = false;
          const stepped = await this.stepOrDefer();
          if (stepped === 'deferred') continue;
          decision = stepped;
          this.freeAfterStep = this.executor.free;
          continue;
        }
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
    if (decision?.finish) return this.sweep;
    // Nothing runs here, yet the controller did not finish: another process holds a trial. The sweep ends
    // here by the same rule as the controller's.
    const trials = await this.retry('list trials', () => this.store.listTrials(this.sweep.id));
    const status = this.stopping === 'cancelled' ? 'cancelled' : finalSweepStatus(trials);
    this.sweep = await this.retry('write the sweep status', () => this.store.updateSweepStatus(this.sweep.id, status));
    return this.sweep;
  }

  private get parallel(): number {
    return Math.max(1, this.opts.parallel ?? this.config.parallel);
  }

  /** The runner's own store calls get the bounded retry the trials' writes get (a dropped connection, a busy file). */
  private retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retryStore(what, fn, { boundMs: this.opts.storeRetryMs });
  }

  private facts(): DriverFacts {
    return localFacts({
      staleAfterMs: this.staleAfterMs,
      parallel: this.parallel,
      cancelled: this.stopping === 'cancelled',
      active: new Set(this.executor?.active.keys() ?? []),
      intermediate: this.intermediate,
      now: this.opts.now?.(),
    });
  }

  /** The time to judge by: the injected clock, else the store's. */
  private async now(): Promise<number> {
    return this.opts.now ? this.opts.now() : this.store.now();
  }

  /**
   * Trials left `running` by a sweeper that died (SIGKILL, power cut) are stale: their worker is gone. A trial
   * held by a live process on this host (another `sweep resume` of the same sweep) whose heartbeat is fresh
   * means the sweep is being run elsewhere: refused. Marked stale, not failed: a trial interrupted by its
   * sweeper's death uses up none of its retries.
   */
  private async recover(): Promise<void> {
    const vet: DriverFacts['vet'] = (decision, input) => {
      const stale = new Set(decision.markStale.map((v) => v.trialId));
      const held = input.trials.find((t) => t.status === 'running' && !stale.has(t.id));
      if (held) {
        const age = Math.round((input.now - (held.lastSeenAt ?? input.now)) / 1000);
        throw Object.assign(new Error(`Sweep ${this.sweep.id} is being run by ${held.worker} (trial ${held.id}, heartbeat ${age} s ago)`), { userError: true });
      }
    };
    await this.retry('recover interrupted trials', () => controlStep(this.store, this.sweep.id, { ...this.facts(), vet, apply: 'recover' }));
  }

  private async loadIntermediate(): Promise<void> {
    const [series, characters] = await Promise.all([
      this.store.getMetricSeries({ name: this.config.metric.name, sweepId: this.sweep.id }),
      this.store.getMetricSeries({ name: CHARACTERS_METRIC, sweepId: this.sweep.id }),
    ]);
    for (const [trialId, points] of Object.entries(series)) this.intermediate.set(trialId, intermediateValues(points, characters[trialId]));
  }

  /** This process is the sweep's only runner, so its memory holds the whole history. */
  private pruneHistory(): PruneTrial[] {
    const out: PruneTrial[] = [];
    for (const [id, intermediate] of this.intermediate) out.push({ id, status: this.statuses.get(id) ?? 'running', intermediate });
    return out;
  }

  /**
   * {@link step}, but a store that stays busy past the retry bound only defers it (the step is one transaction:
   * nothing of it was applied) while the trials' own writes decide their fate: the process stays up. Past
   * STEP_DEFERRAL_BOUNDS bounds of failing steps in a row, the sweep gives up.
   */
  private async stepOrDefer(): Promise<SweepDecision | null | 'deferred'> {
    try {
      const decision = await this.step();
      this.stepFailingSince = null;
      return decision;
    } catch (err) {
      if (!(err instanceof StoreWriteError)) throw err;
      const since = (this.stepFailingSince ??= Date.now());
      if (Date.now() - since > STEP_DEFERRAL_BOUNDS * (this.opts.storeRetryMs ?? DEFAULT_STORE_RETRY_MS)) throw err;
      this.view.note(`next step deferred, the store is busy: ${(err.cause as Error | undefined)?.message ?? err.message}`);
      this.dirty = true;
      await new Promise((resolve) => setTimeout(resolve, this.opts.tickMs ?? 2_000));
      return 'deferred';
    }
  }

  /** One controller step; then the trials it says to run start, as many as slots are free. */
  private async step(): Promise<SweepDecision | null> {
    const step = await this.retry('decide the next trials', () => controlStep(this.store, this.sweep.id, this.facts()));
    this.sweep = step.sweep;
    for (const row of [...step.markedStale, ...step.cancelled, ...step.proposed]) this.statuses.set(row.id, row.status);
    if (step.decision?.stop) this.stop(step.input?.cancelled ? 'cancelled' : 'time', step.decision.stop);
    for (const [i, row] of step.run.entries()) {
      if (this.executor.free === 0 || this.stopping) break;
      await this.launch(row, step.run.length - i);
    }
    return step.decision;
  }

  /** Starts one trial; `toStart` counts it and the trials after it in this step (their share of the cores). */
  private async launch(row: TrialRow, toStart: number): Promise<void> {
    const started = await this.executor.start(row, this.sweep, WAITING_TRIAL_STATUSES, toStart);
    if (!started) throw new Error(`Trial ${row.id} was taken by another process (is the sweep running elsewhere?)`);
    this.statuses.set(row.id, 'running');
  }

  /** Stops everything: Ctrl-C, `sweep cancel` from another process, or the sweep's time limit. */
  stop(kind: 'cancelled' | 'time', reason: string): void {
    if (this.stopping) return;
    this.stopping = kind;
    this.dirty = true;
    this.executor.stopAll('cancelled', reason);
    this.wake?.();
  }

  /** Heartbeats; a cancel from another process or the sweep's time limit stops the running trials. */
  private async tick(): Promise<void> {
    try {
      await this.executor.beat();
      const sweep = await this.store.getSweep(this.sweep.id);
      const reason = sweep && stopReason({ cancelled: sweep.status === 'cancelled', config: sweep.config, startedAt: sweep.startedAt }, await this.now());
      if (reason) this.stop(sweep?.status === 'cancelled' ? 'cancelled' : 'time', reason);
      this.render();
    } catch (err) {
      this.view.note(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  private bestSoFar: { trialId: string; value: number } | null = null;

  private doneCount(): number {
    return [...this.statuses.values()].filter(isFinalTrial).length;
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
