import { HttpError } from './errors';

export interface QueueOptions {
  /** Jobs run at once (default 1: generation is CPU-bound and shares the event loop's machine). */
  concurrency?: number;
  /** Jobs that may wait; one more is refused with 503 (default 8). */
  maxWaiting?: number;
  /** A job is aborted after this long, queueing included (default 60 s). */
  timeoutMs?: number;
}

interface Waiting {
  start: () => void;
}

/**
 * A bounded FIFO for generation: at most `concurrency` jobs run, `maxWaiting` wait, and each job gets an
 * AbortSignal that fires at its deadline, so one request cannot starve the server or hold it forever.
 */
export class GenerationQueue {
  readonly concurrency: number;
  readonly maxWaiting: number;
  readonly timeoutMs: number;
  private running = 0;
  private readonly waiting: Waiting[] = [];

  constructor(opts: QueueOptions = {}) {
    this.concurrency = opts.concurrency ?? 1;
    this.maxWaiting = opts.maxWaiting ?? 8;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  get size(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency && this.waiting.length >= this.maxWaiting) {
      throw new HttpError(503, 'The generator is busy; try again in a moment', undefined, { 'retry-after': '5' });
    }
    const controller = new AbortController();
    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(this.timeoutError()), { once: true }),
    );
    aborted.catch(() => {});
    const timer = setTimeout(() => controller.abort(new Error('deadline')), this.timeoutMs);
    try {
      if (this.running >= this.concurrency) {
        const entry: Waiting = { start: () => {} };
        const started = new Promise<void>((resolve) => (entry.start = resolve));
        this.waiting.push(entry);
        try {
          await Promise.race([started, aborted]);
        } catch (err) {
          // Timed out while waiting: leave the line without taking a slot.
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          else this.release(); // the slot was handed over at the same moment
          throw err;
        }
      } else {
        this.running++;
      }
      try {
        return await Promise.race([job(controller.signal), aborted]);
      } finally {
        this.release();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private timeoutError(): HttpError {
    return new HttpError(503, `Generation took longer than ${Math.round(this.timeoutMs / 1000)} s and was stopped; ask for fewer or shorter tunes`);
  }

  /** Hands the slot to the next waiting job, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.running--;
  }
}
