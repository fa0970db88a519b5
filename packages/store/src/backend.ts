import type { CompiledQuery, Kysely } from 'kysely';
import type { Dialect } from './migrations';
import type { Database } from './schema';
import type { NewMetric, StoreInfo } from './types';

/**
 * What differs between SQLite and PostgreSQL beneath the shared query layer: the metric hot path, the
 * locks, and the connection's lifetime. Everything else is one Kysely query that runs on both.
 */
export interface Backend {
  readonly dialect: Dialect;
  /** The root Kysely instance (not a transaction). */
  readonly db: Kysely<Database>;
  readonly info: StoreInfo;
  /**
   * Inserts metric rows (already validated, times filled in) in one transaction, skipping rows whose
   * (trial_id, name, step) exists. `executor` is the root or an open transaction. Returns rows inserted.
   */
  insertMetrics(executor: Kysely<Database>, rows: readonly Required<NewMetric>[]): Promise<number>;
  /**
   * Runs a compiled select and returns its rows as arrays in select-list order: the metric read path,
   * where building one object per point costs more than the query (SQLite: cached statements in raw mode).
   */
  selectArrays(executor: Kysely<Database>, query: CompiledQuery): Promise<unknown[][]>;
  /** Locks the sweep row inside an open transaction; false when there is no such sweep. */
  lockSweep(trx: Kysely<Database>, sweepId: string): Promise<boolean>;
  /** Serialises transactions that share `key` (PostgreSQL advisory lock); SQLite's IMMEDIATE begin already does. */
  lockKey(trx: Kysely<Database>, key: string): Promise<void>;
  destroy(): Promise<void>;
}
