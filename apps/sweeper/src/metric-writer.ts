import type { NewMetric, Store } from '@tunelab/store';
import { isTransientStoreError, retryStore, type StoreRetryOptions } from './store-retry';

export interface MetricWriterOptions {
  flushEveryMs?: number;
  maxPending?: number;
  /** How a failed write is retried (SQLITE_BUSY, a dropped PostgreSQL connection) before it counts as failed. */
  retry?: StoreRetryOptions;
  /**
   * Rows of these trials could not be written (after the retries, or at once for an error that will not
   * pass, such as a foreign key): the trials must fail with the reason, since their metrics are incomplete.
   */
  onFailure?: (trialIds: string[], err: Error) => void;
}

/**
 * Buffers metric rows and writes them in batched transactions: one transaction per flush instead of one
 * per value, so a sweep of many trials never waits on the store. Rows are keyed (trial, name, step) in the
 * store, so a row written twice (a resumed trial re-reporting an epoch) changes nothing.
 *
 * A failed write is retried with a bound; a batch that still fails is split by trial (one trial's foreign-key
 * error does not sink the others' rows), and each trial whose rows could not be written is reported through
 * `onFailure` and remembered (see {@link failure}): rows are never dropped without the trial knowing.
 * The chain of flushes never stays rejected, so one failure does not stop every later write.
 */
export class MetricWriter {
  private pending: NewMetric[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private readonly failures = new Map<string, Error>();
  private readonly flushEveryMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly store: Store,
    private readonly opts: MetricWriterOptions = {},
  ) {
    this.flushEveryMs = opts.flushEveryMs ?? 250;
    this.maxPending = opts.maxPending ?? 5_000;
  }

  add(rows: readonly NewMetric[]): void {
    this.pending.push(...rows);
    if (this.pending.length >= this.maxPending) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.flushEveryMs);
  }

  /**
   * Writes everything buffered so far; resolves once it is in the store or has failed for good (never
   * rejects: a failure is reported through onFailure and {@link failure}).
   */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const rows = this.pending;
    this.pending = [];
    // Chain flushes so rows reach the store in the order they were reported.
    this.flushing = this.flushing.then(() => this.write(rows));
    return this.flushing;
  }

  /** Flushes, then throws the error that kept any of this trial's rows out of the store. */
  async flushTrial(trialId: string): Promise<void> {
    await this.flush();
    const failed = this.failures.get(trialId);
    if (failed) throw failed;
  }

  /** Why some of the trial's rows could not be written, or undefined. */
  failure(trialId: string): Error | undefined {
    return this.failures.get(trialId);
  }

  /** Forgets a trial's failure (it starts again, resuming from a checkpoint whose metrics are all stored). */
  clearFailure(trialId: string): void {
    this.failures.delete(trialId);
  }

  private async write(rows: NewMetric[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await retryStore('metrics', () => this.store.appendMetrics(rows), this.opts.retry);
      return;
    } catch (err) {
      const byTrial = new Map<string, NewMetric[]>();
      for (const r of rows) {
        const list = byTrial.get(r.trialId);
        if (list) list.push(r);
        else byTrial.set(r.trialId, [r]);
      }
      // The store stayed unreachable or locked: every trial in the batch lost rows.
      if (byTrial.size === 1 || isTransientStoreError((err as Error).cause)) return this.failed([...byTrial.keys()], err as Error);
      // One trial's rows may be what the store refuses (a deleted trial): write each trial's on its own.
      for (const [trialId, own] of byTrial) {
        try {
          await retryStore('metrics', () => this.store.appendMetrics(own), { ...this.opts.retry, boundMs: 0 });
        } catch (e) {
          this.failed([trialId], e as Error);
        }
      }
    }
  }

  private failed(trialIds: string[], err: Error): void {
    for (const id of trialIds) if (!this.failures.has(id)) this.failures.set(id, err);
    try {
      this.opts.onFailure?.(trialIds, err);
    } catch {
      // the listener's own trouble must not break the chain of flushes
    }
  }
}
