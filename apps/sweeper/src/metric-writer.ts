import type { NewMetric, Store } from '@tunelab/store';

/**
 * Buffers metric rows and writes them in batched transactions: one transaction per flush instead of one
 * per value, so a sweep of many trials never waits on the store. Rows are keyed (trial, name, step) in the
 * store, so a row written twice (a resumed trial re-reporting an epoch) changes nothing.
 */
export class MetricWriter {
  private pending: NewMetric[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly flushEveryMs = 250,
    private readonly maxPending = 5_000,
  ) {}

  add(rows: readonly NewMetric[]): void {
    this.pending.push(...rows);
    if (this.pending.length >= this.maxPending) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.flushEveryMs);
  }

  /** Writes everything buffered so far; resolves once it is in the store. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const rows = this.pending;
    this.pending = [];
    // Chain flushes so rows reach the store in the order they were reported.
    this.flushing = this.flushing.then(async () => {
      if (rows.length > 0) await this.store.appendMetrics(rows);
    });
    return this.flushing;
  }
}
