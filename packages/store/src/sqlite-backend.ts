import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { DatabaseConnection, Driver } from 'kysely';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver } from './kysely';
import { InputError } from '@tunelab/config';
import type { Backend } from './backend';
import type { Database } from './schema';
import type { NewMetric } from './types';

/** How long a reader (or a second writer) waits for a lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Kysely's SQLite driver begins transactions DEFERRED; a deferred transaction that reads and then writes
 * fails with SQLITE_BUSY when another process wrote in between. IMMEDIATE takes the write lock up front
 * (waiting up to the busy timeout), which is what the sweep lock and read-modify-write updates need.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: BetterSqlite3.Database) {
    super({ database });
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

type MetricTuple = [string, string, number, number, number];

/**
 * Opens a SQLite store: WAL, one writer, foreign keys on; a reader opens the file read-only and waits on
 * locks instead of failing. The metric hot path is a raw prepared statement in a better-sqlite3
 * transaction, run while holding Kysely's connection so it never interleaves with another transaction.
 */
export function openSqliteBackend(path: string, opts: { readonly: boolean; memory: boolean }): Backend {
  let raw: BetterSqlite3.Database;
  if (opts.readonly && !opts.memory) {
    try {
      raw = new BetterSqlite3(path, { readonly: true, fileMustExist: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
    } catch (err) {
      throw new InputError(`No tunelab store at ${path} (${(err as Error).message})`, '--store');
    }
  } else {
    if (!opts.memory) mkdirSync(dirname(path), { recursive: true });
    raw = new BetterSqlite3(opts.memory ? ':memory:' : path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    raw.pragma('journal_mode = WAL');
    // NORMAL is safe with WAL (no corruption); a power cut may lose the last commits, which resume redoes.
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    // Metric batches touch one page per (trial, name) series; the default 2 MiB cache misses constantly.
    raw.pragma('cache_size = -65536');
    // Checkpoint the WAL every ~40 MiB instead of 4 MiB: a million-row metric write spends ~20% less CPU.
    raw.pragma('wal_autocheckpoint = 10000');
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(raw) });

  let insertOne: BetterSqlite3.Statement<MetricTuple> | undefined;
  const insertRows = (rows: readonly Required<NewMetric>[]): number => {
    insertOne ??= raw.prepare<MetricTuple>(
      'insert into metrics (trial_id, name, step, value, time) values (?, ?, ?, ?, ?) on conflict do nothing',
    );
    let inserted = 0;
    for (const r of rows) inserted += insertOne.run(r.trialId, r.name, r.step, r.value, r.time).changes;
    return inserted;
  };
  const insertInTransaction = raw.transaction(insertRows);

  // Statements for the read path, by SQL text; the texts are few (one per query shape and id-list length).
  const rawStatements = new Map<string, BetterSqlite3.Statement>();
  const selectRaw = (query: CompiledQuery): unknown[][] => {
    let stmt = rawStatements.get(query.sql);
    if (!stmt) {
      if (rawStatements.size >= 200) rawStatements.clear();
      stmt = raw.prepare(query.sql).raw(true);
      rawStatements.set(query.sql, stmt);
    }
    return stmt.all(...(query.parameters as unknown[])) as unknown[][];
  };

  return {
    dialect: 'sqlite',
    db,
    info: {
      kind: 'sqlite',
      location: opts.memory ? ':memory:' : path,
      schema: null,
      readonly: opts.readonly,
      checkpointDir: opts.memory ? null : join(dirname(path), 'checkpoints'),
    },
    async insertMetrics(executor, rows) {
      // Inside a transaction this caller already holds the one connection.
      if (executor.isTransaction) return insertRows(rows);
      return db.connection().execute(async () => insertInTransaction.immediate(rows));
    },
    async selectArrays(executor, query) {
      // Through Kysely's connection, so a read never sees another caller's open transaction.
      if (executor.isTransaction) return selectRaw(query);
      return db.connection().execute(async () => selectRaw(query));
    },
    async lockSweep(trx, sweepId) {
      const row = await trx.selectFrom('sweeps').select('id').where('id', '=', sweepId).executeTakeFirst();
      return row !== undefined;
    },
    async lockKey() {},
    async destroy() {
      await db.destroy();
    },
  };
}
