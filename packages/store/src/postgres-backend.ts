import { Kysely, PostgresDialect, sql } from './kysely';
import pg from 'pg';
import type { Backend } from './backend';
import type { Database } from './schema';
import type { NewMetric } from './types';

/** Rows per INSERT … SELECT FROM unnest(…): large enough to amortise a round trip, small enough for memory. */
const METRIC_CHUNK = 10_000;

const INT8_OID = 20;

/**
 * Opens a PostgreSQL store over a pg Pool. `schema` (from `?schema=`) becomes the connections' search_path,
 * so tables, the migration record and pg-boss's own schema stay apart; writers create it if missing.
 * BIGINT columns (times in milliseconds, counts) are read as numbers: they stay far below 2^53.
 */
export async function openPostgresBackend(
  connectionString: string,
  opts: { schema: string | null; readonly: boolean; display: string; poolSize?: number },
): Promise<Backend> {
  const options: string[] = [];
  if (opts.schema) options.push(`-c search_path=${opts.schema}`);
  if (opts.readonly) options.push('-c default_transaction_read_only=on');
  const pool = new pg.Pool({
    connectionString,
    max: opts.poolSize ?? 10,
    // A host that drops packets would otherwise hang the first query for minutes.
    connectionTimeoutMillis: 10_000,
    options: options.length > 0 ? options.join(' ') : undefined,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that dies (server restart) is dropped by the pool and replaced on the next query;
  // without a listener the pool's 'error' event would crash the process.
  pool.on('error', () => {});
  // A connection that dies while checked out (a query in flight, a transaction open) emits 'error' on its
  // client, where the pool does not listen: that would crash the process. The query fails instead (callers
  // on the sweeper's path retry it), and the pool drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    if (opts.schema && !opts.readonly) await createSchema(pool, opts.schema);
    else await pool.query('select 1');
  } catch (err) {
    await pool.end();
    throw new Error(`Cannot open the PostgreSQL store at ${opts.display}: ${(err as Error).message}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });

  const insertChunks = async (executor: Kysely<Database>, rows: readonly Required<NewMetric>[]): Promise<number> => {
    let inserted = 0;
    for (let start = 0; start < rows.length; start += METRIC_CHUNK) {
      const chunk = rows.slice(start, start + METRIC_CHUNK);
      // Five arrays, one statement: far fewer round trips and parameters than multi-row VALUES.
      const result = await sql`
        insert into metrics (trial_id, name, step, value, time)
        select * from unnest(
          ${chunk.map((r) => r.trialId)}::text[], ${chunk.map((r) => r.name)}::text[],
          ${chunk.map((r) => r.step)}::int[], ${chunk.map((r) => r.value)}::float8[],
          ${chunk.map((r) => r.time)}::float8[])
        on conflict do nothing`.execute(executor);
      inserted += Number(result.numAffectedRows ?? 0);
    }
    return inserted;
  };

  return {
    dialect: 'postgres',
    db,
    info: { kind: 'postgres', location: opts.display, schema: opts.schema ?? 'public', readonly: opts.readonly, checkpointDir: null },
    async insertMetrics(executor, rows) {
      if (executor.isTransaction || rows.length <= METRIC_CHUNK) return insertChunks(executor, rows);
      return executor.transaction().execute((trx) => insertChunks(trx, rows));
    },
    async selectArrays(executor, query) {
      // pg builds row objects in select-list order; Kysely offers no array row mode to skip them.
      const result = await executor.executeQuery<Record<string, unknown>>(query);
      return result.rows.map((r) => Object.values(r));
    },
    async lockSweep(trx, sweepId) {
      // NO KEY UPDATE: conflicts with another lock holder, but not with inserts of trials that reference
      // the sweep (those take KEY SHARE), so workers keep writing while the controller decides.
      const row = await trx.selectFrom('sweeps').select('id').where('id', '=', sweepId).forNoKeyUpdate().executeTakeFirst();
      return row !== undefined;
    },
    async lockKey(trx, key) {
      await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
    },
    async destroy() {
      await db.destroy();
    },
  };
}

async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (err) {
    // Two processes creating the same schema at once: one loses the race on the catalog, which is fine.
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw err;
  }
}
