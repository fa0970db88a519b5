import { InputError } from '@tunelab/config';
import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';
import { sql } from './kysely';
import { assertWritable, type QueryContext } from './query-context';
import { metricValue } from './rows';
import type { Database } from './schema';
import type { MetricPoint, MetricQuery, MetricSeriesQuery, NewMetric } from './types';

/**
 * Validates rows and fills in missing times. A bad row rejects the whole batch before anything is
 * written, and the error names the row: `metrics[3].step`.
 */
export function checkMetrics(rows: readonly NewMetric[], now = Date.now()): Required<NewMetric>[] {
  const out: Required<NewMetric>[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (typeof r.trialId !== 'string' || r.trialId === '') throw new InputError('Expected a trial id', `metrics[${i}].trialId`);
    if (typeof r.name !== 'string' || r.name === '') throw new InputError('Expected a metric name', `metrics[${i}].name`);
    if (!Number.isInteger(r.step) || r.step < 0) throw new InputError(`Expected a non-negative integer step, but got ${r.step}`, `metrics[${i}].step`);
    if (typeof r.value !== 'number') throw new InputError(`Expected a number, but got ${typeof r.value}`, `metrics[${i}].value`);
    const time = r.time ?? now;
    if (!Number.isFinite(time)) throw new InputError(`Expected a time in milliseconds, but got ${time}`, `metrics[${i}].time`);
    out[i] = r.time === undefined ? { ...r, time } : (r as Required<NewMetric>);
  }
  return out;
}

/** Validates, orders and inserts metric rows in one transaction; existing keys are skipped. */
export async function appendMetrics(ctx: QueryContext, rows: readonly NewMetric[]): Promise<{ inserted: number }> {
  assertWritable(ctx, 'append metrics');
  if (rows.length === 0) return { inserted: 0 };
  const checked = sortByKey(checkMetrics(rows));
  try {
    return { inserted: await ctx.backend.insertMetrics(ctx.db, checked) };
  } catch (err) {
    // The likely cause: the trial (or its sweep) was deleted while a worker or agent still reported.
    if (!isForeignKeyViolation(err) || ctx.db.isTransaction) throw err;
    const ids = [...new Set(checked.map((r) => r.trialId))];
    const known = new Set((await ctx.db.selectFrom('trials').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length === 0) throw err;
    throw new InputError(`No trial ${missing.join(', ')}: nothing was written`, 'metrics');
  }
}

function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * Sorts rows into primary-key order. A sweeper's batch interleaves trials and names (step-major); in key
 * order consecutive inserts land on the same B-tree page, which measured ~20–30% faster on both backends.
 * The sort is stable, so of two rows with one key the first still wins.
 */
function sortByKey(rows: Required<NewMetric>[]): Required<NewMetric>[] {
  return rows.sort((a, b) =>
    a.trialId < b.trialId ? -1 : a.trialId > b.trialId ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : a.step - b.step,
  );
}

function checkMaxPoints(maxPoints: number | undefined): void {
  if (maxPoints !== undefined && (!Number.isInteger(maxPoints) || maxPoints < 1)) {
    throw new InputError(`Expected a positive integer, but got ${maxPoints}`, 'maxPoints');
  }
}

type MetricWhere = (eb: ExpressionBuilder<Database, 'metrics'>) => Expression<SqlBool>;

/** A point row as the backend returns it: [series key, step, value, time]. */
type PointRow = [string, number, number | null, number];

/**
 * Reads metric points grouped by `groupBy` (one series per metric name, or per trial), by step. With
 * maxPoints, each series keeps ranks 0, s, 2s, … (s = ceil((n-1)/(M-1))) plus its last point, which is at
 * most M points; the database does this with window functions so only the kept rows travel. The query is
 * built once for both dialects; the backend runs it returning arrays (the read hot path: no row objects).
 */
async function readPoints(
  ctx: QueryContext,
  groupBy: 'name' | 'trial_id',
  where: MetricWhere,
  maxPoints: number | undefined,
): Promise<PointRow[]> {
  const columns = [`${groupBy} as key`, 'step', 'value', 'time'] as const;
  if (maxPoints === undefined) {
    const query = ctx.db.selectFrom('metrics').select(columns).where(where).orderBy(groupBy).orderBy('step');
    return ctx.backend.selectArrays(ctx.db, query.compile()) as Promise<PointRow[]>;
  }
  const group = sql.ref(groupBy);
  const ranked = ctx.db
    .selectFrom('metrics')
    .select(columns)
    .select(sql<number>`row_number() over (partition by ${group} order by step) - 1`.as('rn'))
    .select(sql<number>`count(*) over (partition by ${group})`.as('n'))
    .where(where);
  const m = maxPoints;
  const keep =
    m === 1
      ? sql<SqlBool>`rn = n - 1`
      : sql<SqlBool>`n <= ${sql.lit(m)} or rn = n - 1 or rn % ((n + ${sql.lit(m - 3)}) / ${sql.lit(m - 1)}) = 0`;
  const query = ctx.db
    .selectFrom(ranked.as('d'))
    .select(['key', 'step', 'value', 'time'])
    .where(keep)
    .orderBy('key')
    .orderBy('step');
  return ctx.backend.selectArrays(ctx.db, query.compile()) as Promise<PointRow[]>;
}

function group(rows: PointRow[], into: Record<string, MetricPoint[]> = {}): Record<string, MetricPoint[]> {
  for (const [key, step, value, time] of rows) {
    (into[key] ??= []).push({ step: Number(step), value: metricValue(value), time: Number(time) });
  }
  return into;
}

/** One trial's metric series by name; see MetricQuery. */
export async function getMetrics(
  ctx: QueryContext,
  trialId: string,
  query: MetricQuery = {},
): Promise<Record<string, MetricPoint[]>> {
  checkMaxPoints(query.maxPoints);
  if (query.names !== undefined && query.names.length === 0) return {};
  const rows = await readPoints(
    ctx,
    'name',
    (eb) => {
      const conds = [eb('trial_id', '=', trialId)];
      if (query.names !== undefined) conds.push(eb('name', 'in', [...query.names]));
      if (query.after !== undefined) conds.push(eb('step', '>', query.after));
      return eb.and(conds);
    },
    query.maxPoints,
  );
  return group(rows);
}

/** One metric for many trials (given ids or a whole sweep), by trial id. */
export async function getMetricSeries(ctx: QueryContext, query: MetricSeriesQuery): Promise<Record<string, MetricPoint[]>> {
  checkMaxPoints(query.maxPoints);
  if ((query.trialIds === undefined) === (query.sweepId === undefined)) {
    throw new InputError('Expected either trialIds or sweepId', 'getMetricSeries');
  }
  const ids = query.trialIds ? [...new Set(query.trialIds)] : undefined;
  if (ids !== undefined && ids.length === 0) return {};
  const rows = await readPoints(
    ctx,
    'trial_id',
    (eb) => {
      const conds = [
        eb('name', '=', query.name),
        ids !== undefined
          ? eb('trial_id', 'in', ids)
          : eb('trial_id', 'in', eb.selectFrom('trials').select('id').where('sweep_id', '=', query.sweepId!)),
      ];
      if (query.after !== undefined) conds.push(eb('step', '>', query.after));
      return eb.and(conds);
    },
    query.maxPoints,
  );
  // Every trial asked for appears, with an empty series when it has no points yet.
  const start: Record<string, MetricPoint[]> = ids ? Object.fromEntries(ids.map((id) => [id, []])) : {};
  return group(rows, start);
}

/** The highest step written for a trial (optionally of one metric), or null. */
export async function lastStep(ctx: QueryContext, trialId: string, name?: string): Promise<number | null> {
  let q = ctx.db
    .selectFrom('metrics')
    .select((eb) => eb.fn.max('step').as('last'))
    .where('trial_id', '=', trialId);
  if (name !== undefined) q = q.where('name', '=', name);
  const row = await q.executeTakeFirst();
  return row?.last === null || row?.last === undefined ? null : Number(row.last);
}

/**
 * The metric names a trial has, sorted. A loose index scan (one index seek per name, a recursive CTE that
 * SQLite and PostgreSQL both run) instead of DISTINCT over every row of the trial.
 */
export async function metricNames(ctx: QueryContext, trialId: string): Promise<string[]> {
  const result = await sql<{ name: string }>`
    with recursive n(name) as (
      select min(name) from metrics where trial_id = ${trialId}
      union all
      select (select min(m.name) from metrics m where m.trial_id = ${trialId} and m.name > n.name)
      from n where n.name is not null
    )
    select name from n where name is not null`.execute(ctx.db);
  return result.rows.map((r) => r.name);
}
