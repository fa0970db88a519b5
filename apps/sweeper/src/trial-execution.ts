import { availableParallelism, hostname } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { checkpointDir, cleanCheckpointLeftovers, verifyCheckpoint, type TrainEvent } from '@tunelab/model';
import { materializeCheckpoint, readCheckpointFiles, type CheckpointKind, type CheckpointRow, type Store, type SweepRow, type TrialRow, type TrialStatus } from '@tunelab/store';
import { canRetry, CHARACTERS_METRIC, improves, intermediateValues, shouldPrune, type IntermediateValue, type PruneTrial } from '@tunelab/sweep';
import { MetricWriter } from './metric-writer';
import type { ProgressView, TrialProgress } from './progress';
import { applyRetention } from './retention';
import { DEFAULT_STORE_RETRY_MS, retryStore } from './store-retry';
import type { TrialOutcome, TrialTask } from './task';
import { trialThreads } from './threads';
import { trialWorkerFile } from './worker-bundle';

/** Each worker thread's JS heap limit, MiB. */
export const DEFAULT_WORKER_HEAP_MB = 4096;

/**
 * Why this process stopped a trial: pruned, cancelled (Ctrl-C, `sweep cancel`), stale (its worker went silent
 * and was terminated: an attempt that counts against `retries`), requeue (an agent leaving hands it back), lost
 * (another process took it over: write nothing).
 */
export type StopKind = 'pruned' | 'cancelled' | 'stale' | 'requeue' | 'lost';

export interface ActiveTrial {
  row: TrialRow;
  sweep: SweepRow;
  slot: number;
  worker: string;
  /** Threads its native kernels run on (see threads.ts), decided when it started. */
  threads: number;
  sendAbort: (reason: string) => void;
  terminate: AbortController;
  stopAs: { status: StopKind; reason: string } | null;
  progress: TrialProgress;
  lastSeen: number;
  /** When the last batch event came, and that batch's index counted from the first epoch. */
  lastBatchAt: { time: number; index: number } | null;
  bestValue: number | null;
  bestStep: number | null;
  bestCheckpointId: string | null;
  /** This trial's sweep metric by epoch, the earlier attempts' included (pruning compares whole series). */
  intermediate: IntermediateValue[];
  logBuffer: string[];
  finished: Promise<void>;
  /** Why a store write of this trial failed for good (after retries): the trial stops and fails with it. */
  storeFailure: string | null;
}

export interface ExecutorHooks {
  /** A trial reported the sweep metric for an epoch (`trial.intermediate` has it). */
  reported?(trial: ActiveTrial): void;
  /** The sweep's trials as the early-termination rule sees them, this trial's latest report included. */
  pruneHistory(trial: ActiveTrial): Promise<PruneTrial[]> | PruneTrial[];
  /** A trial ended its run here; `row` is its row now (null when the lease was lost). */
  ended?(trial: ActiveTrial, row: TrialRow | null): Promise<void> | void;
  /** Something worth redrawing the progress view for. */
  changed?(): void;
}

export interface ExecutorOptions {
  store: Store;
  home: string;
  /** Worker threads = trials at once in this process. */
  parallel: number;
  /** Cores the trials share (`train.threads: auto`); default os.availableParallelism(). */
  cores?: number;
  view: ProgressView;
  hooks: ExecutorHooks;
  /**
   * A trial whose worker says nothing for this long is hung: its thread is terminated and the attempt counts
   * against the sweep's `retries` (queued again while some are left, else failed). It must cover a worker's start (loading tfjs and the corpus), which takes seconds on a busy machine.
   */
  silentAfterMs: number;
  /**
   * This machine's clock (default Date.now), for intervals measured here only: a worker's silence. Whatever is
   * compared across machines (heartbeats, lease stamps) is stamped by the store with the database's clock.
   * Tests set it off the true time to play a machine whose clock is wrong.
   */
  clock?: () => number;
  /** V8 heap limit per worker thread (piscina resourceLimits); default {@link DEFAULT_WORKER_HEAP_MB}. */
  workerMemoryMb?: number;
  /** How long an idle worker thread lives (ms); a thread that lives on skips tfjs's start-up for the next trial. */
  idleTimeoutMs?: number;
  /**
   * How long a failing store write on a trial's path (metrics, trial updates, checkpoint rows) is retried
   * before the trial fails with the reason; default {@link DEFAULT_STORE_RETRY_MS}.
   */
  storeRetryMs?: number;
}

/**
 * The execution of trials in this process's piscina pool, shared by the local runner and the distributed
 * agent: leasing a trial (compare-and-set on its status), resuming it from its last stored checkpoint
 * (downloaded from the store when the folder is not on this machine), streaming the worker's events into
 * the store (metrics in batched transactions, best value, checkpoint rows, files and retention), pruning
 * through @tunelab/sweep, heartbeats, hung workers and the trial's final status.
 */
export class TrialExecutor {
  readonly active = new Map<string, ActiveTrial>();
  readonly metrics: MetricWriter;
  private readonly store: Store;
  /** Created with the first trial, once the worker module is known (built when missing or stale). */
  private pool: Promise<Piscina> | null = null;
  private readonly parallel: number;
  private readonly freeSlots: number[] = [];
  /** Set by stopAll: a failed trial is not queued for a retry while this process is stopping. */
  stopping = false;

  constructor(private readonly opts: ExecutorOptions) {
    this.store = opts.store;
    this.metrics = new MetricWriter(opts.store, {
      retry: this.retryOptions('metrics'),
      onFailure: (trialIds, err) => {
        for (const id of trialIds) {
          const trial = this.active.get(id);
          if (trial) this.failTrial(trial, err);
        }
      },
    });
    this.parallel = Math.max(1, opts.parallel);
    for (let s = this.parallel - 1; s >= 0; s--) this.freeSlots.push(s);
  }

  private now(): number {
    return this.opts.clock ? this.opts.clock() : Date.now();
  }

  private retryOptions(what: string) {
    return {
      boundMs: this.opts.storeRetryMs ?? DEFAULT_STORE_RETRY_MS,
      onRetry: (err: unknown, attempt: number) => {
        if (attempt === 1) this.opts.view.note(`! store: ${what} failed (${(err as Error)?.message ?? err}); retrying`);
      },
    };
  }

  /** A store call on a trial's path, retried while the error may pass (a lock, a dropped connection). */
  private retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retryStore(what, fn, this.retryOptions(what));
  }

  /**
   * Handling one of the trial's events failed (a store write that did not go through after its retries):
   * the trial cannot go on with a partial record, so it is stopped and ends `failed` with the reason.
   */
  private failTrial(trial: ActiveTrial, err: unknown): void {
    const reason = (err as Error)?.message ?? String(err);
    this.noteError(trial, err);
    if (trial.storeFailure) return;
    trial.storeFailure = reason;
    trial.sendAbort(reason);
  }

  private workers(): Promise<Piscina> {
    this.pool ??= trialWorkerFile().then((file) => {
      if (file.fallbackReason) this.opts.view.note(`! trial workers start through tsx (slower): could not bundle them: ${file.fallbackReason}`);
      return new Piscina({
        filename: file.href,
        minThreads: 0,
        maxThreads: this.parallel,
        idleTimeout: this.opts.idleTimeoutMs ?? 1_000,
        concurrentTasksPerWorker: 1,
        execArgv: file.execArgv,
        // A runaway trial (a huge model, a leak) fails alone with "worker died" instead of taking the sweeper
        // and its other trials down. Tensor data lives outside the V8 heap, so the JS heap needs little.
        resourceLimits: { maxOldGenerationSizeMb: this.opts.workerMemoryMb ?? DEFAULT_WORKER_HEAP_MB },
      });
    });
    return this.pool;
  }

  get free(): number {
    return this.freeSlots.length;
  }

  /**
   * Leases the trial (only while its status is one of `expect`) and starts it in a free slot, with its share
   * of the cores for the native kernels ({@link trialThreads}; `toStart`: the trials this round starts, this
   * one and those after it, when the caller knows). Null when another process took it first or no slot is free.
   */
  async start(row: TrialRow, sweep: SweepRow, expect: readonly TrialStatus[], toStart = Infinity): Promise<ActiveTrial | null> {
    if (this.freeSlots.length === 0 || this.active.has(row.id)) return null;
    const threads = trialThreads({
      setting: row.config.train.threads ?? 'auto',
      cores: this.opts.cores ?? availableParallelism(),
      parallel: this.parallel,
      busyThreads: [...this.active.values()].reduce((sum, t) => sum + t.threads, 0),
      freeSlots: this.freeSlots.length,
      toStart,
    });
    const slot = this.freeSlots.pop()!;
    const worker = `${hostname()}:${process.pid}:w${slot}`;
    let leased: TrialRow | null;
    try {
      leased = await this.retry('lease the trial', () =>
        this.store.updateTrial(
          row.id,
          { status: 'running', worker, appendLog: `attempt ${row.attempt}: starting on ${worker}, ${threads} thread${threads === 1 ? '' : 's'}` },
          { expectStatus: expect },
        ),
      );
    } catch (err) {
      this.freeSlots.push(slot);
      throw err;
    }
    if (!leased) {
      this.freeSlots.push(slot);
      return null;
    }
    const { port1, port2 } = new MessageChannel();
    const trial: ActiveTrial = {
      row: leased,
      sweep,
      slot,
      worker,
      threads,
      sendAbort: (reason) => port1.postMessage({ type: 'abort', reason }),
      terminate: new AbortController(),
      stopAs: null,
      progress: { trialId: row.id, label: labelOf(row.params), epoch: 0, epochs: row.config.train.epochs, batch: 0, batches: 0, loss: null, charsPerSec: null, metric: null, epochsDone: 0 },
      lastSeen: this.now(),
      lastBatchAt: null,
      bestValue: leased.bestValue,
      bestStep: leased.bestStep,
      bestCheckpointId: leased.bestCheckpointId,
      intermediate: [],
      logBuffer: [],
      finished: Promise.resolve(),
      storeFailure: null,
    };
    this.metrics.clearFailure(row.id);
    this.active.set(row.id, trial);
    let outcome: TrialOutcome | null = null;
    // Events are handled one at a time, in order, so store writes for a trial never interleave.
    let chain = Promise.resolve();
    const launch = async (): Promise<void> => {
      const metric = sweep.config.metric.name;
      const earlier = await this.retry('read metrics', () => this.store.getMetrics(row.id, { names: [metric, CHARACTERS_METRIC] }));
      trial.intermediate = intermediateValues(earlier[metric] ?? [], earlier[CHARACTERS_METRIC]);
      // Half-written checkpoint folders of a run that crashed (this trial holds the lease: nobody writes them).
      await cleanCheckpointLeftovers(this.opts.home, row.id);
      const resumeFrom = await this.resumePoint(trial);
      if (resumeFrom) await this.retry('log', () => this.store.updateTrial(row.id, { appendLog: `attempt ${row.attempt}: resuming from ${resumeFrom}` }));
      const { name, goal } = sweep.config.metric;
      const task: TrialTask = { trialId: row.id, runId: row.id, config: row.config, objective: { name, goal }, home: this.opts.home, resumeFrom, threads, port: port2 };
      const pool = await this.workers();
      const ended = new Promise<void>((resolve) => {
        port1.on('message', (message: TrainEvent | TrialOutcome) => {
          trial.lastSeen = this.now();
          if (message.type === 'end') {
            outcome = message;
            resolve();
            return;
          }
          chain = chain.then(() => this.onEvent(trial, message)).catch((err) => this.failTrial(trial, err));
        });
        port1.on('close', () => resolve());
      });
      const run = pool.run(task, { transferList: [port2], signal: trial.terminate.signal }).catch((err: Error) => {
        // The worker thread died (out of memory, a native crash) or was terminated as stale.
        outcome ??= { type: 'end', outcome: 'failed', error: `worker died: ${err?.message ?? err}` };
      });
      await Promise.all([ended, run]);
    };
    trial.finished = launch()
      .catch((err: Error) => {
        outcome ??= { type: 'end', outcome: 'failed', error: `could not start: ${err?.message ?? err}` };
      })
      .then(() => chain)
      .then(() => this.onEnd(trial, outcome ?? { type: 'end', outcome: 'failed', error: 'worker ended without a result' }))
      .catch((err) => this.noteError(trial, err))
      .finally(() => {
        port1.close();
        this.active.delete(row.id);
        this.freeSlots.push(slot);
        this.opts.hooks.changed?.();
      });
    this.opts.hooks.changed?.();
    return trial;
  }

  /** Stops one trial through its AbortSignal (the trainer stops within a batch). */
  stop(trial: ActiveTrial, status: StopKind, reason: string): void {
    if (trial.stopAs) return;
    trial.stopAs = { status, reason };
    trial.sendAbort(reason);
  }

  /** Stops every running trial as `status` (Ctrl-C: cancelled; an agent leaving: requeue). */
  stopAll(status: StopKind, reason: string): void {
    this.stopping = true;
    for (const t of this.active.values()) this.stop(t, status, reason);
  }

  /**
   * One heartbeat round: renews each running trial's lease (stamped with the database's clock); a worker silent
   * for silentAfterMs (by this machine's clock, against its own last event) is terminated, an attempt that
   * counts against `retries`; a trial whose lease another process took is stopped quietly.
   */
  async beat(now = this.now()): Promise<void> {
    for (const t of this.active.values()) {
      if (t.stopAs?.status === 'stale') continue;
      if (now - t.lastSeen > this.opts.silentAfterMs) {
        t.stopAs = { status: 'stale', reason: `the worker went silent (no heartbeat for ${Math.round((now - t.lastSeen) / 1000)} s)` };
        t.terminate.abort();
      } else if (!t.stopAs || t.stopAs.status !== 'lost') {
        // A heartbeat that fails is not retried here: the next round is the retry (and a long outage makes the
        // trial stale for other processes, whose takeover this process sees as a lost lease).
        let held: boolean;
        try {
          held = await this.store.heartbeat(t.row.id, t.worker);
        } catch (err) {
          this.opts.view.note(`! ${t.row.id}: heartbeat failed: ${(err as Error)?.message ?? err}`);
          continue;
        }
        if (!held) this.stop(t, 'lost', 'another process holds the trial now');
      }
    }
  }

  /** Waits for every running trial to end, then closes the pool. */
  async close(): Promise<void> {
    await Promise.all([...this.active.values()].map((t) => t.finished));
    await this.metrics.flush();
    if (this.pool) await (await this.pool).destroy();
  }

  /**
   * The newest stored checkpoint of the trial as a local folder: its own folder when it is on this machine,
   * else downloaded from the store into `<home>/checkpoints/<trial>/epoch-<n>/`. A checkpoint whose files
   * cannot be had (a process killed between its row and its files) gives way to the one before it, and so
   * does one that cannot be loaded (truncated weights, bad JSON), with a line in the trial's log.
   */
  private async resumePoint(trial: ActiveTrial): Promise<string | null> {
    const trialId = trial.row.id;
    const rows = (await this.retry('list checkpoints', () => this.store.listCheckpoints({ trialId }))).sort((a, b) => b.epoch - a.epoch);
    for (const c of rows) {
      let dir: string;
      try {
        dir = await materializeCheckpoint(this.store, c.id, this.localDir(c));
      } catch {
        // not on this machine and not in the store: try an older one
        continue;
      }
      try {
        await verifyCheckpoint(dir);
        return dir;
      } catch (err) {
        const line = `attempt ${trial.row.attempt}: skipping checkpoint ${c.id} (epoch ${c.epoch}): it cannot be loaded (${(err as Error)?.message ?? err}); trying an older one`;
        this.opts.view.note(`! ${trialId}: ${line}`);
        await this.retry('log', () => this.store.updateTrial(trialId, { appendLog: line }));
      }
    }
    return null;
  }

  private localDir(c: Pick<CheckpointRow, 'trialId' | 'epoch' | 'path'>): string {
    return c.path ?? checkpointDir(this.opts.home, c.trialId, c.epoch);
  }

  private async onEvent(trial: ActiveTrial, event: TrainEvent): Promise<void> {
    const p = trial.progress;
    switch (event.type) {
      case 'start':
        p.batches = event.batchesPerEpoch;
        p.epoch = event.startEpoch;
        // The engine is in the log already: the trainer's own `engine: …` line (engineLine), as the CLI prints it.
        trial.logBuffer.push(`${event.params.toLocaleString('en-US')} parameters; ${event.batchesPerEpoch} batches/epoch`);
        break;
      case 'batch':
        p.epoch = event.epoch;
        p.batch = event.batch + 1;
        p.loss = event.loss;
        {
          // Throughput from the batch rhythm, smoothed (the trainer reports it per epoch only). Batch events are
          // thinned out in the worker (batch-throttle.ts), so the rate counts the batches between two of them.
          const now = Date.now();
          const chars = trial.row.config.train.batch_size * trial.row.config.train.seq_len;
          const at = (event.epoch - 1) * p.batches + event.batch;
          if (trial.lastBatchAt !== null && now > trial.lastBatchAt.time && at > trial.lastBatchAt.index) {
            const rate = ((at - trial.lastBatchAt.index) * chars * 1000) / (now - trial.lastBatchAt.time);
            p.charsPerSec = p.charsPerSec === null ? rate : 0.8 * p.charsPerSec + 0.2 * rate;
          }
          trial.lastBatchAt = { time: now, index: at };
        }
        break;
      case 'epoch':
        await this.onEpoch(trial, event.epoch, event.metrics);
        break;
      case 'checkpoint':
        await this.onCheckpoint(trial, event.epoch, event.dir, event.kinds, event.metrics);
        break;
      case 'log':
        trial.logBuffer.push(event.line);
        break;
    }
    this.opts.hooks.changed?.();
  }

  private async onEpoch(trial: ActiveTrial, epoch: number, metrics: Record<string, number>): Promise<void> {
    const now = Date.now();
    this.metrics.add(Object.entries(metrics).map(([name, value]) => ({ trialId: trial.row.id, name, step: epoch, value, time: now })));
    const p = trial.progress;
    p.epoch = epoch;
    p.batch = p.batches;
    p.epochsDone = epoch;
    if (metrics.chars_per_sec !== undefined) p.charsPerSec = metrics.chars_per_sec;
    const { name, goal } = trial.sweep.config.metric;
    const value = metrics[name];
    trial.logBuffer.push(`epoch ${epoch}: ${Object.entries(metrics).map(([k, v]) => `${k} ${round(v)}`).join(', ')}`);
    if (value === undefined) return;
    p.metric = value;
    trial.intermediate = [
      ...trial.intermediate.filter((iv) => iv.step !== epoch),
      ...intermediateValues([{ step: epoch, value }], metrics[CHARACTERS_METRIC] === undefined ? [] : [{ step: epoch, value: metrics[CHARACTERS_METRIC] }]),
    ];
    this.opts.hooks.reported?.(trial);
    if (improves(value, trial.bestValue, goal)) {
      trial.bestValue = value;
      trial.bestStep = epoch;
      await this.retry('best value', () => this.store.updateTrial(trial.row.id, { bestValue: value, bestStep: epoch }));
    }
    if (trial.stopAs || epoch >= trial.row.config.train.epochs) return;
    const decision = shouldPrune(trial.sweep.config.early_terminate, goal, trial.row.id, epoch, await this.opts.hooks.pruneHistory(trial));
    if (decision.prune) this.stop(trial, 'pruned', decision.reason);
  }

  private async onCheckpoint(trial: ActiveTrial, epoch: number, dir: string, kinds: CheckpointKind[], metrics: Record<string, number>): Promise<void> {
    // The metrics of every epoch up to this one must be durable before the checkpoint is: a process killed
    // right after would resume from this checkpoint and never report those epochs again. Metrics that could
    // not be written fail the trial here, before a checkpoint row could hide their loss.
    await this.metrics.flushTrial(trial.row.id);
    // One row per directory; its kind says the most important reason it was written. The trainer writes
    // `best` on each epoch where the sweep metric improves, as onEpoch moves the trial's best step.
    const kind: CheckpointKind = kinds.includes('best') ? 'best' : kinds.includes('last') ? 'last' : 'periodic';
    // A store without a checkpoint folder (PostgreSQL) keeps the files itself: the row has no path, and any
    // machine (another agent, the dashboard) materializes the folder from the store.
    // The files are durable before the row exists: on disk, the trainer synced them before announcing the
    // checkpoint; in the store, they go in the same transaction as the row.
    const inStore = this.store.info.checkpointDir === null;
    const files = inStore ? await readCheckpointFiles(dir) : undefined;
    const row = await this.retry('checkpoint', () => this.store.addCheckpoint({ trialId: trial.row.id, epoch, kind, path: inStore ? null : dir, metrics, files }));
    // The trial's best checkpoint is the one at its best step (the same epoch the trainer marked best, except
    // after resuming a checkpoint that chose its best by another metric).
    if (epoch === trial.bestStep) {
      trial.bestCheckpointId = row.id;
      await this.retry('best checkpoint', () => this.store.updateTrial(trial.row.id, { bestCheckpointId: row.id }));
    }
    const aliases = await this.retry('list aliases', () => this.store.listAliases());
    const protectedIds = new Set([...aliases.map((a) => a.checkpointId), ...(trial.bestCheckpointId ? [trial.bestCheckpointId] : [])]);
    await this.retry('retention', () =>
      applyRetention(this.store, trial.row.id, trial.sweep.config.keep_checkpoints, trial.sweep.config.metric, protectedIds, (c) => this.localDir(c)),
    );
  }

  private async onEnd(trial: ActiveTrial, outcome: TrialOutcome): Promise<void> {
    await this.metrics.flush();
    const id = trial.row.id;
    // Rows that never reached the store: the trial cannot count as completed (or pruned) on a partial record.
    // It fails with the reason; a retry resumes from its last checkpoint, whose epochs' metrics are all stored.
    const lostRows = this.metrics.failure(id);
    if (lostRows && !trial.storeFailure) trial.storeFailure = lostRows.message;
    if (trial.storeFailure && trial.stopAs?.status !== 'lost') {
      outcome = { type: 'end', outcome: 'failed', error: trial.storeFailure };
      trial.stopAs = null;
    }
    const appendLog = [...trial.logBuffer.splice(0)].join('\n');
    const { config } = trial.sweep;
    // Every final write is a compare-and-set on `running`: a trial another process marked stale is its now.
    const write = (patch: Parameters<Store['updateTrial']>[1]) => this.retry('final status', () => this.store.updateTrial(id, patch, { expectStatus: ['running'] }));
    let row: TrialRow | null;
    let note: string;
    // Attempts are counted from 1 in the log (the row's `attempt` from 0): `retries: 1` allows attempts 1 and 2.
    // An attempt ends this trial's way when its own worker failed it: an error, a thread that died, a worker
    // that went silent. A sweeper process that died (resume marks its trials stale) or an agent leaving costs
    // no attempt: that interruption was not the trial's.
    const attemptOf = `attempt ${trial.row.attempt + 1} of ${config.retries + 1}`;
    const retriesLeft = canRetry(trial.row.attempt, config.retries);
    if (trial.stopAs?.status === 'lost') {
      row = null;
      note = `■ ${id} left: ${trial.stopAs.reason}`;
    } else if (outcome.outcome === 'completed') {
      row = await write({ status: 'completed', appendLog: `${appendLog}\ncompleted after ${outcome.epochs} epochs` });
      note = `✓ ${id} completed  best ${config.metric.name} ${round(trial.bestValue)} at epoch ${trial.bestStep ?? '–'}`;
    } else if (trial.stopAs?.status === 'stale') {
      // Its worker went silent (a hang) and was terminated. Were such attempts free, a trial that hangs every
      // time would run for ever; they count like a failure. Queued again even while this process stops (an
      // agent leaving, Ctrl-C): it starts nowhere here, and whoever runs the sweep next resumes it.
      const reason = trial.stopAs.reason;
      if (retriesLeft) {
        const next = trial.row.attempt + 1;
        row = await write({ status: 'queued', attempt: next, appendLog: `${appendLog}\n${attemptOf}: ${reason}; terminated, it runs again (retry ${next} of ${config.retries})` });
        note = `↺ ${id} ${attemptOf}: ${reason}; will retry`;
      } else {
        row = await write({ status: 'failed', failureReason: reason, appendLog: `${appendLog}\n${attemptOf}: ${reason}; terminated, no retries left` });
        note = `✗ ${id} failed: ${reason} (${attemptOf}, no retries left)`;
      }
    } else if (outcome.outcome === 'aborted' || trial.stopAs) {
      const stop = trial.stopAs ?? { status: 'cancelled' as const, reason: outcome.outcome === 'aborted' ? outcome.reason : 'stopped' };
      const status: TrialStatus = stop.status === 'requeue' ? 'queued' : (stop.status as Exclude<StopKind, 'requeue' | 'lost' | 'stale'>);
      row = await write({ status, pruneReason: status === 'pruned' ? stop.reason : undefined, appendLog: `${appendLog}\n${stop.status}: ${stop.reason}` });
      note = `${status === 'pruned' ? '✂' : '■'} ${id} ${stop.status}: ${stop.reason}`;
    } else {
      const retry = retriesLeft && !this.stopping;
      const what = outcome.error.startsWith('worker died: ') ? `the worker died (${outcome.error.slice('worker died: '.length)})` : `failed (${outcome.error})`;
      row = await write({
        status: 'failed',
        failureReason: outcome.error,
        appendLog: `${appendLog}\nfailed: ${outcome.error}${outcome.stack ? `\n${outcome.stack}` : ''}\n${attemptOf}: ${what}${retry ? '' : retriesLeft ? '; not retried while the sweep stops' : '; no retries left'}`,
      });
      if (row && retry) {
        row = await this.retry('queue a retry', () => this.store.updateTrial(id, { status: 'queued', attempt: trial.row.attempt + 1, appendLog: `retry ${trial.row.attempt + 1} of ${config.retries}` }));
      }
      note = `✗ ${id} failed: ${outcome.error}${retry ? ' (will retry)' : ''}`;
    }
    if (row === null && trial.stopAs?.status !== 'lost') note = `■ ${id} left: another process holds the trial now`;
    this.opts.view.note(note);
    await this.opts.hooks.ended?.(trial, row);
  }

  private noteError(trial: ActiveTrial, err: unknown): void {
    this.opts.view.note(`! ${trial.row.id}: ${(err as Error)?.message ?? err}`);
  }
}

export function labelOf(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'number' ? round(v) : JSON.stringify(v)}`)
    .join(' ');
}

export function round(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}
