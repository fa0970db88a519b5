import { setTimeout as sleep } from 'node:timers/promises';

/** How long a store write on a trial's path is retried before the trial fails with the reason (ms). */
export const DEFAULT_STORE_RETRY_MS = 60_000;

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

/** SQLite result codes (better-sqlite3 `err.code`) that can pass: a lock, a full disk, an I/O hiccup. */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL|INTERRUPT)/;
/**
 * PostgreSQL SQLSTATE classes that can pass: 08 connection exception, 40 transaction rollback (serialization,
 * deadlock), 53 insufficient resources, 57 operator intervention (admin shutdown, a terminated backend,
 * cannot connect now), 58 system error.
 */
const PG_TRANSIENT = /^(08|40|53|57|58)[0-9A-Z]{3}$/;
/** Socket-level errors from node (a restarted server, a dropped connection). */
const NODE_TRANSIENT = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** pg's own errors carry no code: a socket closed under a query, a pool that cannot connect in time. */
const PG_CONNECTION_MESSAGE = /connection terminated|terminating connection|connection error|timeout exceeded when trying to connect|server closed the connection|Client was closed/i;

/**
 * Whether a store error may go away by itself (retry it) rather than say something is wrong with the write
 * (a foreign key or other constraint, a bad value, a read-only store: fail at once with the reason).
 */
export function isTransientStoreError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (SQLITE_TRANSIENT.test(code) || PG_TRANSIENT.test(code) || NODE_TRANSIENT.has(code)) return true;
    if (code.startsWith('SQLITE_')) return false;
  }
  return PG_CONNECTION_MESSAGE.test((err as Error | null)?.message ?? '');
}

/** A store write that failed for good: the last error, how many tries over how long. */
export class StoreWriteError extends Error {
  constructor(
    readonly what: string,
    cause: unknown,
    readonly attempts: number,
    readonly elapsedMs: number,
  ) {
    const reason = (cause as Error | null)?.message ?? String(cause);
    const code = (cause as { code?: unknown } | null)?.code;
    const tries = attempts > 1 ? ` (${attempts} tries over ${(elapsedMs / 1000).toFixed(1)} s)` : '';
    super(`store write failed: ${what}: ${typeof code === 'string' && !reason.includes(code) ? `${code}: ` : ''}${reason}${tries}`, { cause });
    this.name = 'StoreWriteError';
  }
}

export interface StoreRetryOptions {
  /** Give up once the next try would start later than this after the first (ms); default 60 s. */
  boundMs?: number;
  /** Told before each wait (a log line). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs a store call, retrying a transient failure (SQLITE_BUSY, a dropped PostgreSQL connection, …) with
 * exponential backoff for at most `boundMs`; then, or at once for an error that will not pass, throws a
 * {@link StoreWriteError} naming the call and the last error.
 */
export async function retryStore<T>(what: string, fn: () => Promise<T>, opts: StoreRetryOptions = {}): Promise<T> {
  const bound = opts.boundMs ?? DEFAULT_STORE_RETRY_MS;
  const started = Date.now();
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const elapsed = Date.now() - started;
      if (err instanceof StoreWriteError || !isTransientStoreError(err) || elapsed + delay > bound) {
        throw err instanceof StoreWriteError ? err : new StoreWriteError(what, err, attempt, elapsed);
      }
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
