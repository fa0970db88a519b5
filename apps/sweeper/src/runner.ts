import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { applyParams, type SweepConfig } from '@tunelab/config';
import type { CheckpointKind, Store, SweepRow, TrialRow } from '@tunelab/store';
import { proposeNext, shouldPrune, type IntermediateValue, type TrialRecord } from '@tunelab/sweep';
import { MetricWriter } from './metric-writer';
import { createProgressView, type ProgressView, type TrialProgress } from './progress';
import { applyRetention } from './retention';
import type { TrialOutcome, TrialTask } from './task';
import type { TrainEvent } from '@tunelab/model';

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
}

interface ActiveTrial {
  row: TrialRow;
  slot: number;
  worker: string;
  sendAbort: (reason: string) => void;
  terminate: AbortController;
  /** Why the main thread stopped it (pruned, cancelled, stale); null while it runs on its own. */
  stopAs: { status: 'pruned' | 'cancelled' | 'stale'; reason: string } | null;
  progress: TrialProgress;
  lastSeen: number;
  lastBatchAt: number | null;
  bestValue: number | null;
  bestStep: number | null;
  bestCheckpointId: string | null;
  logBuffer: string[];
  finished: Promise<void>;
}

const FINAL = new Set(['completed', 'pruned', 'failed']);

/**
 * Runs (or resumes) one sweep on this machine: the main thread owns the store (the only writer), proposes
 * trials with @tunelab/sweep, hands them to a piscina pool, writes the metrics the workers stream back in
 * batched transactions, asks the early-termination rule after each report, applies checkpoint retention, and
 * keeps heartbeats so a killed sweeper's trials are found and resumed from their last checkpoint.
 */
export class SweepRunner {
  private readonly store: Store;
  private readonly home: string;
  private sweep!: SweepRow;
  private config!: SweepConfig;
  private readonly active = new Map<string, ActiveTrial>();
  private readonly intermediate = new Map<string, IntermediateValue[]>();
  private readonly metrics: MetricWriter;
  private readonly view: ProgressView;
  private pool: Piscina | null = null;
  private exhausted = false;
  private stopping: 'cancelled' | 'time' | null = null;
  private wake: (() => void) | null = null;
  private readonly freeSlots: number[] = [];
  /** Every trial's last known status, for the pruning rules and the progress bar. */
  private readonly statuses = new Map<string, TrialRow['status']>();

  constructor(private readonly opts: RunSweepOptions) {
    this.store = opts.store;
    this.home = opts.home;
    this.metrics = new MetricWriter(opts.store);
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
    const parallel = Math.max(1, this.opts.parallel ?? this.config.parallel);
    for (let s = parallel - 1; s >= 0; s--) this.freeSlots.push(s);
    this.pool = new Piscina({
      filename: new URL('./worker-boot.mjs', import.meta.url).href,
      minThreads: 0,
      maxThreads: parallel,
      idleTimeout: 1_000,
      concurrentTasksPerWorker: 1,
      resourceLimits: this.opts.workerMemoryMb ? { maxOldGenerationSizeMb: this.opts.workerMemoryMb } : undefined,
    });
    this.sweep = await this.store.updateSweepStatus(sweep.id, 'running');
    const startedAt = this.sweep.startedAt ?? Date.now();
    const onSignal = (): void => this.stop('cancelled', 'interrupted (Ctrl-C)');
    this.opts.signal?.addEventListener('abort', onSignal, { once: true });
    const ticker = setInterval(() => void this.tick(startedAt), this.opts.tickMs ?? 2_000);
    try {
      for (;;) {
        if (!this.stopping) await this.fillSlots(startedAt);
        if (this.active.size === 0) break;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      clearInterval(ticker);
      this.opts.signal?.removeEventListener('abort', onSignal);
      await this.metrics.flush();
      await this.pool.destroy();
      this.view.close();
    }
    return this.finish();
  }

  private async finish(): Promise<SweepRow> {
    const trials = await this.store.listTrials(this.sweep.id);
    let status: SweepRow['status'];
    if (this.stopping === 'cancelled') status = 'cancelled';
    else if (trials.length > 0 && trials.every((t) => t.status === 'failed')) status = 'failed';
    else status = 'completed';
    this.sweep = await this.store.updateSweepStatus(this.sweep.id, status);
    return this.sweep;
  }

  /**
   * Trials left `running` by a sweeper that died (SIGKILL, power cut) are stale: their worker is gone.
   * A trial held by a live process on this host (another `sweep resume` of the same sweep) is not touched.
   */
  private async recoverInterruptedTrials(): Promise<void> {
    const staleAfter = this.opts.staleAfterMs ?? 120_000;
    for (const t of await this.store.listTrials(this.sweep.id, { status: 'running' })) {
      const age = Date.now() - (t.heartbeatAt ?? t.startedAt ?? 0);
      if (holderAlive(t.worker) && age < staleAfter) {
        throw Object.assign(new Error(`Sweep ${this.sweep.id} is being run by ${t.worker} (trial ${t.id}, heartbeat ${Math.round(age / 1000)} s ago)`), { userError: true });
      }
      await this.store.updateTrial(t.id, { status: 'stale', appendLog: `marked stale: worker ${t.worker} stopped (heartbeat ${Math.round(age / 1000)} s ago)` });
    }
  }

  private async loadIntermediate(): Promise<void> {
    const series = await this.store.getMetricSeries({ name: this.config.metric.name, sweepId: this.sweep.id });
    for (const [trialId, points] of Object.entries(series)) {
      this.intermediate.set(trialId, points.map((p) => ({ step: p.step, value: p.value })));
    }
  }

  private async history(trials: TrialRow[]): Promise<TrialRecord[]> {
    return trials
      .sort((a, b) => a.number - b.number)
      .map((t) => ({
        params: t.params as TrialRecord['params'],
        status: t.status,
        value: t.bestValue ?? undefined,
        intermediate: this.intermediate.get(t.id),
      }));
  }

  /** Starts trials while slots are free: interrupted and retried trials first, then new proposals. */
  private async fillSlots(startedAt: number): Promise<void> {
    while (this.freeSlots.length > 0) {
      const trials = await this.store.listTrials(this.sweep.id);
      const waiting = trials
        .filter((t) => (t.status === 'queued' || t.status === 'stale' || t.status === 'cancelled') && !this.active.has(t.id))
        .sort((a, b) => a.number - b.number)[0];
      if (waiting) {
        await this.start(waiting);
        continue;
      }
      const maxMinutes = this.config.max_minutes;
      if (this.exhausted || (maxMinutes > 0 && Date.now() - startedAt > maxMinutes * 60_000)) return;
      const proposal = proposeNext(this.config, await this.history(trials));
      if (proposal.kind === 'exhausted') {
        this.exhausted = true;
        return;
      }
      const config = applyParams(this.config.base, proposal.params);
      const row = await this.store.createTrial({
        sweepId: this.sweep.id,
        number: proposal.index,
        params: proposal.params,
        config,
        seed: config.train.seed,
      });
      await this.store.updateTrial(row.id, { appendLog: `proposed by ${proposal.source}: ${JSON.stringify(proposal.params)}` });
      await this.start(row);
    }
  }

  private async start(row: TrialRow): Promise<void> {
    const slot = this.freeSlots.pop()!;
    const worker = `${hostname()}:${process.pid}:w${slot}`;
    const resumeFrom = await this.lastCheckpointDir(row.id);
    const running = await this.store.updateTrial(row.id, {
      status: 'running',
      worker,
      heartbeatAt: Date.now(),
      appendLog: resumeFrom ? `attempt ${row.attempt}: resuming from ${resumeFrom}` : `attempt ${row.attempt}: starting on ${worker}`,
    });
    const { port1, port2 } = new MessageChannel();
    const terminate = new AbortController();
    const trial: ActiveTrial = {
      row: running ?? row,
      slot,
      worker,
      sendAbort: (reason) => port1.postMessage({ type: 'abort', reason }),
      terminate,
      stopAs: null,
      progress: { trialId: row.id, label: labelOf(row.params), epoch: 0, epochs: row.config.train.epochs, batch: 0, batches: 0, loss: null, charsPerSec: null, metric: null, epochsDone: 0 },
      lastSeen: Date.now(),
      lastBatchAt: null,
      bestValue: row.bestValue,
      bestStep: row.bestStep,
      bestCheckpointId: row.bestCheckpointId,
      logBuffer: [],
      finished: Promise.resolve(),
    };
    this.active.set(row.id, trial);
    this.statuses.set(row.id, 'running');
    const task: Omit<TrialTask, 'port'> & { port: typeof port2 } = {
      trialId: row.id,
      runId: row.id,
      config: row.config,
      home: this.home,
      resumeFrom,
      port: port2,
    };
    let outcome: TrialOutcome | null = null;
    // Events are handled one at a time, in order, so store writes for a trial never interleave.
    let chain = Promise.resolve();
    const ended = new Promise<void>((resolve) => {
      port1.on('message', (message: TrainEvent | TrialOutcome) => {
        trial.lastSeen = Date.now();
        if (message.type === 'end') {
          outcome = message;
          resolve();
          return;
        }
        chain = chain.then(() => this.onEvent(trial, message)).catch((err) => this.noteError(trial, err));
      });
      port1.on('close', () => resolve());
    });
    const run = this.pool!.run(task, { transferList: [port2], signal: terminate.signal }).catch((err: Error) => {
      // The worker thread died (out of memory, a native crash) or was terminated as stale.
      outcome ??= { type: 'end', outcome: 'failed', error: `worker died: ${err?.message ?? err}` };
    });
    trial.finished = Promise.all([ended, run])
      .then(() => chain)
      .then(() => this.onEnd(trial, outcome ?? { type: 'end', outcome: 'failed', error: 'worker ended without a result' }))
      .catch((err) => this.noteError(trial, err))
      .finally(() => {
        port1.close();
        this.active.delete(row.id);
        this.freeSlots.push(slot);
        this.wake?.();
      });
  }

  private async onEvent(trial: ActiveTrial, event: TrainEvent): Promise<void> {
    const p = trial.progress;
    switch (event.type) {
      case 'start':
        p.batches = event.batchesPerEpoch;
        p.epoch = event.startEpoch;
        trial.logBuffer.push(`engine ${event.engine.name} (${event.engine.reason}); ${event.params.toLocaleString('en-US')} parameters; ${event.batchesPerEpoch} batches/epoch`);
        break;
      case 'batch':
        p.epoch = event.epoch;
        p.batch = event.batch + 1;
        p.loss = event.loss;
        {
          // Throughput from the batch rhythm, smoothed: the trainer reports it per epoch only.
          const now = Date.now();
          const chars = trial.row.config.train.batch_size * trial.row.config.train.seq_len;
          if (trial.lastBatchAt !== null && now > trial.lastBatchAt) {
            const rate = (chars * 1000) / (now - trial.lastBatchAt);
            p.charsPerSec = p.charsPerSec === null ? rate : 0.8 * p.charsPerSec + 0.2 * rate;
          }
          trial.lastBatchAt = now;
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
    this.render();
  }

  private async onEpoch(trial: ActiveTrial, epoch: number, metrics: Record<string, number>): Promise<void> {
    const now = Date.now();
    this.metrics.add(Object.entries(metrics).map(([name, value]) => ({ trialId: trial.row.id, name, step: epoch, value, time: now })));
    const p = trial.progress;
    p.epoch = epoch;
    p.batch = p.batches;
    p.epochsDone = epoch;
    if (metrics.chars_per_sec !== undefined) p.charsPerSec = metrics.chars_per_sec;
    const { name, goal } = this.config.metric;
    const value = metrics[name];
    trial.logBuffer.push(`epoch ${epoch}: ${Object.entries(metrics).map(([k, v]) => `${k} ${round(v)}`).join(', ')}`);
    if (value === undefined) return;
    p.metric = value;
    const series = this.intermediate.get(trial.row.id) ?? [];
    series.push({ step: epoch, value });
    this.intermediate.set(trial.row.id, series);
    const better = trial.bestValue === null || !Number.isFinite(trial.bestValue) || (goal === 'minimize' ? value < trial.bestValue : value > trial.bestValue);
    if (better && Number.isFinite(value)) {
      trial.bestValue = value;
      trial.bestStep = epoch;
      await this.store.updateTrial(trial.row.id, { bestValue: value, bestStep: epoch });
    }
    if (trial.stopAs || epoch >= trial.row.config.train.epochs) return;
    const decision = shouldPrune(this.config.early_terminate, goal, trial.row.id, epoch, this.pruneHistory());
    if (decision.prune) this.stopTrial(trial, 'pruned', decision.reason);
  }

  private pruneHistory(): { id: string; status: TrialRow['status']; intermediate?: IntermediateValue[] }[] {
    const out: { id: string; status: TrialRow['status']; intermediate?: IntermediateValue[] }[] = [];
    for (const [id, intermediate] of this.intermediate) {
      out.push({ id, status: this.statuses.get(id) ?? 'running', intermediate });
    }
    return out;
  }

  private async onCheckpoint(trial: ActiveTrial, epoch: number, dir: string, kinds: CheckpointKind[], metrics: Record<string, number>): Promise<void> {
    // The metrics of every epoch up to this one must be durable before the checkpoint is: a sweeper killed
    // right after would resume from this checkpoint and never report those epochs again.
    await this.metrics.flush();
    // One row per directory; its kind says the most important reason it was written.
    const kind: CheckpointKind = kinds.includes('best') ? 'best' : kinds.includes('last') ? 'last' : 'periodic';
    const row = await this.store.addCheckpoint({ trialId: trial.row.id, epoch, kind, path: dir, metrics });
    if (kind === 'best') {
      trial.bestCheckpointId = row.id;
      await this.store.updateTrial(trial.row.id, { bestCheckpointId: row.id });
    }
    const aliases = await this.store.listAliases();
    const protectedIds = new Set([...aliases.map((a) => a.checkpointId), ...(trial.bestCheckpointId ? [trial.bestCheckpointId] : [])]);
    await applyRetention(this.store, trial.row.id, this.config.keep_checkpoints, this.config.metric, protectedIds);
  }

  private async onEnd(trial: ActiveTrial, outcome: TrialOutcome): Promise<void> {
    await this.metrics.flush();
    const appendLog = [...trial.logBuffer.splice(0)].join('\n');
    const id = trial.row.id;
    let note: string;
    if (outcome.outcome === 'completed') {
      await this.store.updateTrial(id, { status: 'completed', appendLog: `${appendLog}\ncompleted after ${outcome.epochs} epochs` });
      note = `✓ ${id} completed  best ${this.config.metric.name} ${round(trial.bestValue)} at epoch ${trial.bestStep ?? '–'}`;
    } else if (outcome.outcome === 'aborted' || trial.stopAs) {
      const stop = trial.stopAs ?? { status: 'cancelled' as const, reason: outcome.outcome === 'aborted' ? outcome.reason : 'stopped' };
      await this.store.updateTrial(id, {
        status: stop.status,
        pruneReason: stop.status === 'pruned' ? stop.reason : undefined,
        appendLog: `${appendLog}\n${stop.status}: ${stop.reason}`,
      });
      note = `${stop.status === 'pruned' ? '✂' : '■'} ${id} ${stop.status}: ${stop.reason}`;
    } else {
      const retry = trial.row.attempt < this.config.retries;
      await this.store.updateTrial(id, {
        status: 'failed',
        failureReason: outcome.error,
        appendLog: `${appendLog}\nfailed: ${outcome.error}${outcome.stack ? `\n${outcome.stack}` : ''}`,
      });
      if (retry && !this.stopping) {
        await this.store.updateTrial(id, { status: 'queued', attempt: trial.row.attempt + 1, appendLog: `retry ${trial.row.attempt + 1} of ${this.config.retries}` });
      }
      note = `✗ ${id} failed: ${outcome.error}${retry ? ' (will retry)' : ''}`;
    }
    const final = await this.store.getTrial(id);
    if (final) this.statuses.set(id, final.status);
    this.view.note(note);
  }

  private stopTrial(trial: ActiveTrial, status: 'pruned' | 'cancelled' | 'stale', reason: string): void {
    if (trial.stopAs) return;
    trial.stopAs = { status, reason };
    trial.sendAbort(reason);
  }

  /** Stops everything: Ctrl-C, `sweep cancel` from another process, or the sweep's time limit. */
  stop(kind: 'cancelled' | 'time', reason: string): void {
    if (this.stopping) return;
    this.stopping = kind;
    for (const t of this.active.values()) this.stopTrial(t, 'cancelled', reason);
    this.wake?.();
  }

  private async tick(startedAt: number): Promise<void> {
    try {
      const now = Date.now();
      const staleAfter = this.opts.staleAfterMs ?? 120_000;
      for (const t of this.active.values()) {
        if (now - t.lastSeen > staleAfter && !t.stopAs) {
          // A worker that says nothing is hung: terminate its thread and run the trial again.
          t.stopAs = { status: 'stale', reason: `no word from the worker for ${Math.round((now - t.lastSeen) / 1000)} s` };
          t.terminate.abort();
        } else if (!t.stopAs) {
          await this.store.heartbeat(t.row.id, t.worker, now);
        }
      }
      const sweep = await this.store.getSweep(this.sweep.id);
      if (sweep?.status === 'cancelled') this.stop('cancelled', 'sweep cancelled');
      const maxMinutes = this.config.max_minutes;
      if (maxMinutes > 0 && now - startedAt > maxMinutes * 60_000) this.stop('time', `sweep max_minutes ${maxMinutes} reached`);
      this.render();
    } catch (err) {
      this.view.note(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  private bestSoFar: { trialId: string; value: number } | null = null;

  private render(): void {
    const { goal } = this.config.metric;
    for (const t of this.active.values()) {
      if (t.bestValue === null || !Number.isFinite(t.bestValue)) continue;
      const b = this.bestSoFar;
      if (!b || (goal === 'minimize' ? t.bestValue < b.value : t.bestValue > b.value)) this.bestSoFar = { trialId: t.row.id, value: t.bestValue };
    }
    this.view.update({
      name: this.sweep.name,
      done: [...this.statuses.values()].filter((s) => FINAL.has(s)).length,
      total: this.config.run_cap,
      best: this.bestSoFar,
      metricName: this.config.metric.name,
      running: [...this.active.values()].map((t) => t.progress),
    });
  }

  private async lastCheckpointDir(trialId: string): Promise<string | null> {
    const rows = (await this.store.listCheckpoints({ trialId })).filter((c) => c.deletedAt === null && c.path && existsSync(c.path));
    rows.sort((a, b) => b.epoch - a.epoch);
    return rows[0]?.path ?? null;
  }

  private async noteError(trial: ActiveTrial, err: unknown): Promise<void> {
    this.view.note(`! ${trial.row.id}: ${(err as Error)?.message ?? err}`);
  }
}

/** Whether the process named in a `host:pid:slot` worker id is still alive on this host. */
function holderAlive(worker: string | null): boolean {
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

function labelOf(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'number' ? round(v) : JSON.stringify(v)}`)
    .join(' ');
}

function round(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

export { FINAL as FINAL_TRIAL_STATUSES };
