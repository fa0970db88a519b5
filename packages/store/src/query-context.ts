import type { Kysely } from 'kysely';
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
