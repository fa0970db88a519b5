import { sql, type Kysely } from 'kysely';
import { InputError } from '@tunelab/config';
import type { Backend } from './backend';
import type { Database } from './schema';

/** What every query function needs: where to run (the root or an open transaction) and the backend. */
export interface QueryContext {
  readonly db: Kysely<Database>;
  readonly backend: Backend;
}

/** Runs fn in a transaction, or in the caller's when one is open (Kysely transactions do not nest). */
export async function inTransaction<T>(ctx: QueryContext, fn: (tx: QueryContext) => Promise<T>): Promise<T> {
  if (ctx.db.isTransaction) return fn(ctx);
  return ctx.db.transaction().execute((trx) => fn({ db: trx, backend: ctx.backend }));
}

/**
 * The database's clock, ms since the epoch: the one clock every machine sharing a store agrees on. Heartbeats,
 * lease and status stamps are written with it and staleness is judged by it, so an agent whose clock is off
 * neither has its live trials taken nor keeps a dead one alive.
 *
 * PostgreSQL: `clock_timestamp()` (the time of the call, not of the transaction's start, so a long transaction
 * such as the coordinator's sweep lock stamps what it does when it does it).
 * SQLite: this process's `Date.now()`. A SQLite store is a file on one machine, and every process that opens it
 * runs on that machine and reads the same system clock that SQLite's own `strftime('%s','now')` would read;
 * Date.now() is that clock at millisecond precision, without a query.
 */
export async function dbNow(ctx: QueryContext): Promise<number> {
  if (ctx.backend.dialect !== 'postgres') return Date.now();
  const { rows } = await sql<{ ms: string | number }>`select floor(extract(epoch from clock_timestamp()) * 1000)::bigint as ms`.execute(ctx.db);
  return Number(rows[0].ms);
}

/** Write methods call this first, so a read-only store fails with a sentence rather than SQLITE_READONLY. */
export function assertWritable(ctx: QueryContext, what: string): void {
  if (ctx.backend.info.readonly) {
    throw new Error(`Cannot ${what}: the store at ${ctx.backend.info.location} was opened read-only`);
  }
}

/** Checks a limit/offset option: a non-negative integer or absent. */
export function checkPaging(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new InputError(`Expected a non-negative integer, but got ${value}`, name);
  }
}
