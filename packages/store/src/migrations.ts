import type { Kysely } from 'kysely';
import { sql } from './kysely';
import type { Database } from './schema';

export type Dialect = 'sqlite' | 'postgres';

/**
 * One schema change. Migrations are code, in order, applied once each; a store records the versions it has
 * in `tunelab_migrations`. Never edit a released migration: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

/** Column types that differ between the dialects; everything else is spelled the same. */
function types(dialect: Dialect) {
  const pg = dialect === 'postgres';
  return {
    // Milliseconds since the epoch overflow a 32-bit PostgreSQL integer; SQLite integers are 64-bit anyway.
    millis: pg ? ('bigint' as const) : ('integer' as const),
    float: pg ? ('double precision' as const) : ('real' as const),
    json: pg ? sql`json` : sql`text`,
    blob: pg ? ('bytea' as const) : ('blob' as const),
  };
}

async function createTables(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = types(dialect);
  await db.schema
    .createTable('sweeps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('config_json', t.json, (c) => c.notNull())
    .addColumn('config_yaml', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('metric_name', 'text', (c) => c.notNull())
    .addColumn('metric_goal', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('seed', t.millis, (c) => c.notNull())
    .addColumn('distributed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.millis, (c) => c.notNull())
    .addColumn('started_at', t.millis)
    .addColumn('finished_at', t.millis)
    .execute();
  await db.schema.createIndex('sweeps_created_at').on('sweeps').column('created_at').execute();

  await db.schema
    .createTable('trials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sweep_id', 'text', (c) => c.notNull().references('sweeps.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('params_json', t.json, (c) => c.notNull())
    .addColumn('config_json', t.json, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('seed', t.millis, (c) => c.notNull())
    .addColumn('created_at', t.millis, (c) => c.notNull())
    .addColumn('started_at', t.millis)
    .addColumn('finished_at', t.millis)
    .addColumn('heartbeat_at', t.millis)
    .addColumn('worker', 'text')
    .addColumn('best_value', t.float)
    .addColumn('best_step', 'integer')
    // No foreign key: checkpoints already reference trials, and a cycle would make cascades order-dependent.
    .addColumn('best_checkpoint_id', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('prune_reason', 'text')
    .addColumn('log_tail', 'text', (c) => c.notNull().defaultTo(''))
    .addUniqueConstraint('trials_sweep_number', ['sweep_id', 'number'])
    .execute();
  // Stale detection scans running trials by heartbeat.
  await db.schema.createIndex('trials_status_heartbeat').on('trials').columns(['status', 'heartbeat_at']).execute();

  // The primary key makes a repeated write a no-op (resume never doubles a point) and is the index every
  // read uses: one trial, one name, a step range. On SQLite the table *is* that index (WITHOUT ROWID).
  let metrics = db.schema
    .createTable('metrics')
    .addColumn('trial_id', 'text', (c) => c.notNull().references('trials.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('value', t.float)
    .addColumn('time', t.float, (c) => c.notNull())
    .addPrimaryKeyConstraint('metrics_pk', ['trial_id', 'name', 'step']);
  if (dialect === 'sqlite') metrics = metrics.modifyEnd(sql`without rowid`);
  await metrics.execute();

  await db.schema
    .createTable('checkpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('trial_id', 'text', (c) => c.notNull().references('trials.id').onDelete('cascade'))
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('path', 'text')
    .addColumn('metrics_json', t.json, (c) => c.notNull())
    .addColumn('created_at', t.millis, (c) => c.notNull())
    .addColumn('deleted_at', t.millis)
    .execute();
  await db.schema.createIndex('checkpoints_trial').on('checkpoints').columns(['trial_id', 'epoch']).execute();

  // Checkpoint files live here when machines share no filesystem (PostgreSQL); SQLite keeps directories.
  await db.schema
    .createTable('checkpoint_files')
    .addColumn('checkpoint_id', 'text', (c) => c.notNull().references('checkpoints.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('data', t.blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('checkpoint_files_pk', ['checkpoint_id', 'name'])
    .execute();

  await db.schema
    .createTable('samples')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('checkpoint_id', 'text', (c) => c.notNull().references('checkpoints.id').onDelete('cascade'))
    .addColumn('created_at', t.millis, (c) => c.notNull())
    .addColumn('settings_json', t.json, (c) => c.notNull())
    .addColumn('abc', 'text', (c) => c.notNull())
    .addColumn('eval_json', t.json)
    .execute();
  await db.schema.createIndex('samples_checkpoint').on('samples').columns(['checkpoint_id', 'created_at']).execute();

  await db.schema
    .createTable('aliases')
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('checkpoint_id', 'text', (c) => c.notNull().references('checkpoints.id').onDelete('cascade'))
    .addColumn('note', 'text')
    .addColumn('created_at', t.millis, (c) => c.notNull())
    .addColumn('superseded_at', t.millis)
    .addPrimaryKeyConstraint('aliases_pk', ['alias', 'version'])
    .execute();
  await createAliasIndexes(db);
}

/** The aliases table's indexes (migration 1 made them; migration 2 rebuilds the table and makes them again). */
async function createAliasIndexes(db: Kysely<any>): Promise<void> {
  // At most one current row per alias, whatever races happen.
  await db.schema
    .createIndex('aliases_current')
    .on('aliases')
    .column('alias')
    .unique()
    .where(sql.ref('superseded_at'), 'is', null)
    .execute();
  await db.schema.createIndex('aliases_checkpoint').on('aliases').column('checkpoint_id').execute();
}

/**
 * Aliases outlive their checkpoints: the row of an alias whose checkpoint is deleted with its sweep
 * stays in the history, with `removed_at` and `removed_note` saying what it pointed to. The foreign key to
 * checkpoints (ON DELETE CASCADE, which would delete the champion with its sweep) goes: the table is rebuilt,
 * the same way on both dialects (SQLite cannot drop a constraint).
 */
async function aliasesOutliveCheckpoints(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = types(dialect);
  await db.schema
    .createTable('aliases_v2')
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('checkpoint_id', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', t.millis, (c) => c.notNull())
    .addColumn('superseded_at', t.millis)
    .addColumn('removed_at', t.millis)
    .addColumn('removed_note', 'text')
    .addPrimaryKeyConstraint('aliases_v2_pk', ['alias', 'version'])
    .execute();
  const columns = sql.raw('alias, version, checkpoint_id, note, created_at, superseded_at');
  await sql`insert into aliases_v2 (${columns}) select ${columns} from aliases`.execute(db);
  await db.schema.dropTable('aliases').execute();
  await db.schema.alterTable('aliases_v2').renameTo('aliases').execute();
  await createAliasIndexes(db);
}

/**
 * Blind listening: `votes`, one row per judgement of two samples, and `human_tunes`, the held-out
 * human tunes that take part as a player. A human tune cannot be a `samples` row (samples reference a
 * checkpoint, which references a trial), so it has its own table; its ids look like sample ids (`sa-…`) so a
 * listener cannot tell a human tune from a model's by its id. Each vote keeps who played each side (a checkpoint
 * id, or the human source such as `human:nottingham-jigs-test`) as text without a foreign key: the vote is
 * evidence that outlives retention's deletions, and goes only with its sweep.
 */
async function listeningTables(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = types(dialect);
  await db.schema
    .createTable('human_tunes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_index', 'integer', (c) => c.notNull())
    .addColumn('abc', 'text', (c) => c.notNull())
    .addColumn('created_at', t.millis, (c) => c.notNull())
    .addUniqueConstraint('human_tunes_source_index', ['source', 'source_index'])
    .execute();

  await db.schema
    .createTable('votes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', t.millis, (c) => c.notNull())
    .addColumn('sweep_id', 'text', (c) => c.notNull().references('sweeps.id').onDelete('cascade'))
    .addColumn('voter', 'text')
    .addColumn('left_sample_id', 'text', (c) => c.notNull())
    .addColumn('right_sample_id', 'text', (c) => c.notNull())
    .addColumn('left_player', 'text', (c) => c.notNull())
    .addColumn('right_player', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull().check(sql`verdict in ('left', 'right', 'same')`))
    .execute();
  // Ratings read one sweep's votes in order.
  await db.schema.createIndex('votes_sweep').on('votes').columns(['sweep_id', 'created_at']).execute();
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'tracking tables', up: createTables },
  { version: 2, name: 'aliases outlive their checkpoints', up: aliasesOutliveCheckpoints },
  { version: 3, name: 'votes and human tunes for blind listening', up: listeningTables },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Applies pending migrations in one transaction that holds a lock, so two processes opening the same store
 * at once apply each migration once: PostgreSQL takes an advisory lock keyed by the schema; SQLite's
 * transactions here begin IMMEDIATE, which takes the write lock. DDL is transactional on both, so a failed
 * migration leaves the previous version intact.
 */
export async function runMigrations(
  db: Kysely<Database>,
  dialect: Dialect,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ applied: number[]; version: number }> {
  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(hashtext('tunelab_migrations:' || current_schema()))`.execute(trx);
    }
    await trx.schema
      .createTable('tunelab_migrations')
      .ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('applied_at', types(dialect).millis, (c) => c.notNull())
      .execute();
    const done = new Set((await trx.selectFrom('tunelab_migrations').select('version').execute()).map((r) => r.version));
    const latest = migrations[migrations.length - 1]?.version ?? 0;
    const newest = Math.max(0, ...done);
    if (newest > latest) {
      throw new Error(`The store's schema is version ${newest}, newer than this tunelab knows (${latest}); upgrade tunelab`);
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await m.up(trx, dialect);
      await trx.insertInto('tunelab_migrations').values({ version: m.version, name: m.name, applied_at: Date.now() }).execute();
      applied.push(m.version);
    }
    return { applied, version: Math.max(newest, ...applied) };
  });
}

/** The version a store is at without changing it (read-only opens); 0 when it was never migrated. */
export async function schemaVersion(db: Kysely<Database>): Promise<number> {
  try {
    const row = await db.selectFrom('tunelab_migrations').select((eb) => eb.fn.max('version').as('v')).executeTakeFirst();
    return Number(row?.v ?? 0);
  } catch {
    return 0;
  }
}
