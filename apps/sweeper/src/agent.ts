import { hostname } from 'node:os';
import { InputError } from '@tunelab/config';
import { openStore, parseStoreUrl, type Store, type SweepRow, type TrialRow } from '@tunelab/store';
import { CHARACTERS_METRIC, intermediateValues, isFinalSweep, isWaiting, stopReason, SWEEP_STATUSES, WAITING_TRIAL_STATUSES, type PruneTrial } from '@tunelab/sweep';
import { coordinate, type CoordinateOptions } from './coordinator';
import { createProgressView, type ProgressView } from './progress';
import { TrialExecutor, type ActiveTrial } from './trial-execution';
import { TrialQueue, type TrialJob } from './trial-queue';

export interface AgentOptions {
  /** `postgres://…[?schema=…]`: the shared store; its database also holds the pg-boss queue. */
  store: string;
  /** Where this machine keeps checkpoint folders while it trains (downloaded ones too). */
  home: string;
  /** Serve only this sweep (default: every distributed sweep that is not finished). */
  sweepId?: string;
  /** Trials at once on this machine (worker threads); default 1. */
  parallel?: number;
  /** Leave once the sweep(s) served are finished and nothing runs here. */
  exitWhenDone?: boolean;
  /** Stop: running trials go back to the queue for other agents. */
  signal?: AbortSignal;
  /** A trial whose heartbeat is older than this is taken from its holder (default 120 s). */
  staleAfterMs?: number;
  /** Heartbeats, stale checks and the controller role run this often (default: 2 s, at most staleAfterMs/4). */
  tickMs?: number;
  /**
   * A trial whose worker says nothing for this long is hung: its thread is terminated and the attempt counts
   * against the sweep's `retries` (default: staleAfterMs, at least 120 s, to cover a worker's start).
   */
  workerSilentAfterMs?: number;
  /**
   * TEST ONLY: this agent's clock runs this many ms off the true time (a machine whose clock is wrong), for
   * test/hostile/heartbeat-clock.test.ts. Heartbeats and staleness are judged on the database's clock, so it
   * must change nothing; leave it unset.
   */
  testClockOffsetMs?: number;
  /**
   * The clock the sweep's time limit and the controller role (stale trials) judge by, ms since the epoch.
   * Default: the store's clock ({@link Store.now}), which stamped the sweep's start and the heartbeats it is
   * compared with. Tests pass their own to move time on without waiting for it. A worker's silence is not
   * judged by it (see testClockOffsetMs): that interval is this machine's to measure.
   */
  now?: () => number;
  /** How often the queue is polled while slots are free (default 500 ms). */
  pollMs?: number;
  quiet?: boolean;
  view?: ProgressView;
}

export interface AgentReport {
  agent: string;
  /** Trials this agent ran (or took part in), with the status each ended with here. */
  trials: { id: string; status: TrialRow['status'] | 'left' }[];
  reason: 'done' | 'stopped';
}

/**
 * `tunelab sweep agent`: pulls trial jobs from the pg-boss queue whenever a slot is free, leases each trial
 * in the store (so a trial never runs twice at once), runs it through the same TrialExecutor as the local
 * runner (metrics straight to PostgreSQL, checkpoint files into the store, heartbeats in the trials table),
 * and takes the controller role after each trial and on every tick: stale trials are re-queued and further
 * trials proposed from the shared history (see coordinate).
 */
export async function runAgent(opts: AgentOptions): Promise<AgentReport> {
  if (parseStoreUrl(opts.store).kind !== 'postgres') throw new InputError('`sweep agent` needs a PostgreSQL store: --store postgres://…', '--store');
  const store = await openStore(opts.store);
  const view = opts.view ?? createProgressView(process.stderr, opts.quiet);
  let queue: TrialQueue | null = null;
  try {
    if (opts.sweepId) {
      const sweep = await store.getSweep(opts.sweepId);
      if (!sweep) throw new InputError(`no sweep with id ${JSON.stringify(opts.sweepId)} in ${store.info.location}`, '--sweep');
      if (!sweep.distributed) throw new InputError(`sweep ${sweep.id} is not distributed (run it with \`tunelab sweep resume ${sweep.id}\`)`, '--sweep');
    }
    queue = await TrialQueue.open(opts.store, (err) => view.note(`queue: ${err.message}`));
    return await new Agent(store, queue, view, opts).run();
  } finally {
    await queue?.close();
    await store.close();
    view.close();
  }
}

class Agent {
  readonly name = `${hostname()}:${process.pid}`;
  private readonly executor: TrialExecutor;
  private readonly staleAfterMs: number;
  private readonly ran = new Map<string, TrialRow['status'] | 'left'>();
  private wake: (() => void) | null = null;
  private stopping = false;
  private ticking: Promise<void> = Promise.resolve();
  /** This machine's clock (off by testClockOffsetMs in tests): for intervals measured here only (a worker's silence). */
  private readonly clock: () => number;

  constructor(
    private readonly store: Store,
    private readonly queue: TrialQueue,
    private readonly view: ProgressView,
    private readonly opts: AgentOptions,
  ) {
    this.staleAfterMs = opts.staleAfterMs ?? 120_000;
    const offset = opts.testClockOffsetMs ?? 0;
    this.clock = () => Date.now() + offset;
    this.executor = new TrialExecutor({
      store,
      home: opts.home,
      parallel: Math.max(1, opts.parallel ?? 1),
      view,
      // Heartbeats say the agent lives; a worker's silence is judged on its own, longer clock (start-up).
      silentAfterMs: opts.workerSilentAfterMs ?? Math.max(this.staleAfterMs, 120_000),
      clock: this.clock,
      // Threads live on between trials: the next trial skips loading tfjs again.
      idleTimeoutMs: 60_000,
      hooks: {
        pruneHistory: (trial) => this.pruneHistory(trial),
        ended: (trial, row) => this.ended(trial, row),
        changed: () => {
          this.render();
          this.wake?.();
        },
      },
    });
  }

  async run(): Promise<AgentReport> {
    const onSignal = (): void => {
      this.stopping = true;
      this.executor.stopAll('requeue', `agent ${this.name} stopping`);
      this.wake?.();
    };
    if (this.opts.signal?.aborted) onSignal();
    this.opts.signal?.addEventListener('abort', onSignal, { once: true });
    const tickMs = this.opts.tickMs ?? Math.max(200, Math.min(2_000, this.staleAfterMs / 4));
    const ticker = setInterval(() => {
      this.ticking = this.ticking.then(() => this.tick()).catch((err) => this.view.note(`tick failed: ${(err as Error).message}`));
    }, tickMs);
    this.view.note(`agent ${this.name} on ${this.store.info.location}${this.opts.sweepId ? ` serving ${this.opts.sweepId}` : ''}`);
    let reason: AgentReport['reason'] = 'stopped';
    try {
      // Take the controller role once at start: a sweep whose controller died before enqueueing still runs.
      await this.tick();
      for (;;) {
        if (this.stopping) break;
        await this.pull().catch((err) => this.view.note(`pull failed: ${(err as Error).message}`));
        if (this.opts.exitWhenDone && this.executor.active.size === 0 && (await this.allDone())) {
          reason = 'done';
          break;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.executor.free > 0 ? (this.opts.pollMs ?? 500) : 60_000);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    } finally {
      clearInterval(ticker);
      this.opts.signal?.removeEventListener('abort', onSignal);
      await this.executor.close();
      await this.ticking;
    }
    return { agent: this.name, trials: [...this.ran].map(([id, status]) => ({ id, status })), reason };
  }

  /** Fetches as many jobs as slots are free and starts the trials it can lease. */
  private async pull(): Promise<void> {
    const jobs = await this.queue.fetch(this.executor.free);
    for (const job of jobs) {
      try {
        await this.take(job);
      } catch (err) {
        this.view.note(`job ${job.id} (${job.data.trialId}): ${(err as Error).message}`);
        await this.queue.done(job.id).catch(() => {});
      }
    }
  }

  private async take(job: { id: string; data: TrialJob }): Promise<void> {
    const { sweepId, trialId } = job.data;
    if (this.opts.sweepId && sweepId !== this.opts.sweepId) return this.queue.putBack(job);
    if (this.stopping || this.executor.free === 0) return this.queue.putBack(job);
    const sweep = await this.store.getSweep(sweepId);
    const row = await this.store.getTrial(trialId);
    // A job for a trial that is no longer waiting (taken by another agent, cancelled, deleted) is spent.
    if (sweep && row && sweep.status !== 'cancelled' && isWaiting(row.status)) {
      const started = await this.executor.start(row, sweep, WAITING_TRIAL_STATUSES);
      if (started) {
        this.ran.set(trialId, 'running');
        if (sweep.status === 'queued') started.sweep = await this.store.updateSweepStatus(sweepId, 'running');
      }
    }
    await this.queue.done(job.id);
  }

  private async ended(trial: ActiveTrial, row: TrialRow | null): Promise<void> {
    this.ran.set(trial.row.id, row?.status ?? 'left');
    // A trial handed back (agent leaving, retry, hung worker) needs a job for whoever takes it next.
    if (row && isWaiting(row.status)) await this.queue.enqueue([{ sweepId: row.sweepId, trialId: row.id }]);
    // The controller role: a slot just freed in the sweep, so propose what comes next.
    await coordinate(this.store, this.queue, trial.sweep.id, this.coordinateOptions()).catch((err) =>
      this.view.note(`coordinating ${trial.sweep.id} failed: ${(err as Error).message}`),
    );
  }

  /** The early-termination rule's view of the sweep: every agent's reports, from the shared store. */
  private async pruneHistory(trial: ActiveTrial): Promise<PruneTrial[]> {
    const sweepId = trial.sweep.id;
    const [series, characters, trials] = await Promise.all([
      this.store.getMetricSeries({ name: trial.sweep.config.metric.name, sweepId }),
      this.store.getMetricSeries({ name: CHARACTERS_METRIC, sweepId }),
      this.store.listTrials(sweepId),
    ]);
    return trials.map((t) =>
      t.id === trial.row.id
        ? { id: t.id, status: 'running', intermediate: trial.intermediate }
        : { id: t.id, status: t.status, intermediate: intermediateValues(series[t.id] ?? [], characters[t.id]) },
    );
  }

  /** Heartbeats; cancelled sweeps stop their trials; the controller role for every sweep served. */
  private async tick(): Promise<void> {
    await this.executor.beat();
    const sweeps = new Map<string, SweepRow>();
    for (const s of await this.served()) sweeps.set(s.id, s);
    // Sweep start times are the database's stamps: judged by its clock (or the injected one), not this machine's.
    const now = this.executor.active.size > 0 ? await this.now() : 0;
    for (const t of this.executor.active.values()) {
      const s = sweeps.get(t.sweep.id) ?? (await this.store.getSweep(t.sweep.id));
      const reason = s ? stopReason({ cancelled: s.status === 'cancelled', config: s.config, startedAt: s.startedAt }, now) : 'sweep cancelled';
      if (reason !== null) this.executor.stop(t, 'cancelled', reason);
    }
    if (this.stopping) return;
    for (const s of sweeps.values()) {
      if (isFinalSweep(s.status)) continue;
      const r = await coordinate(this.store, this.queue, s.id, this.coordinateOptions());
      for (const t of r.markedStale) this.view.note(`↺ ${t.id} marked stale (its holder stopped); queued again`);
    }
    this.render();
  }

  /** The time to judge by: the injected clock, else the store's. */
  private async now(): Promise<number> {
    return this.opts.now ? this.opts.now() : this.store.now();
  }

  /** The controller role judges by the same clock as the time limit here (coordinate's default: the store's). */
  private coordinateOptions(): CoordinateOptions {
    return { staleAfterMs: this.staleAfterMs, now: this.opts.now?.() };
  }

  private async served(): Promise<SweepRow[]> {
    if (this.opts.sweepId) {
      const s = await this.store.getSweep(this.opts.sweepId);
      return s ? [s] : [];
    }
    const out: SweepRow[] = [];
    for (const status of SWEEP_STATUSES.filter((s) => !isFinalSweep(s))) out.push(...(await this.store.listSweeps({ status })).filter((s) => s.distributed));
    return out;
  }

  private async allDone(): Promise<boolean> {
    return (await this.served()).every((s) => isFinalSweep(s.status));
  }

  private render(): void {
    const done = [...this.ran.values()].filter((s) => s !== 'running').length;
    this.view.update({
      name: `agent ${this.name}`,
      done,
      total: done + this.executor.active.size,
      best: null,
      metricName: '',
      running: [...this.executor.active.values()].map((t) => t.progress),
    });
  }
}
