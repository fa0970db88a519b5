import { InputError } from '@tunelab/config';
import { canTransition, isInFlight, isTrialStatus, TRIAL_STATUSES, TRIAL_TRANSITIONS } from '@tunelab/sweep';
import type { Updateable } from 'kysely';
import { trialId } from './ids';
import { appendLogTail } from './log-tail';
import { assertWritable, checkPaging, dbNow, inTransaction, type QueryContext } from './query-context';
import { toTrialRow } from './rows';
import type { TrialsTable } from './schema';
import { isUniqueViolation } from './sweep-queries';
import type { ListTrialsOptions, NewTrial, TrialPatch, TrialRow, TrialStatus, UpdateTrialOptions } from './types';

// The lifecycle is @tunelab/sweep's; re-exported for the store's users.
export { TRIAL_STATUSES, TRIAL_TRANSITIONS };

function checkStatus(status: string): asserts status is TrialStatus {
  if (!isTrialStatus(status)) {
    throw new InputError(`Expected one of ${TRIAL_STATUSES.join(', ')}, but got ${JSON.stringify(status)}`, 'status');
  }
}

/** Inserts a trial; its id defaults to `<sweepId>-t<number>`. */
export async function createTrial(ctx: QueryContext, input: NewTrial): Promise<TrialRow> {
  assertWritable(ctx, 'create a trial');
  const status = input.status ?? 'queued';
  checkStatus(status);
  if (!Number.isInteger(input.number) || input.number < 0) {
    throw new InputError(`Expected a non-negative integer, but got ${input.number}`, 'number');
  }
  const id = input.id ?? trialId(input.sweepId, input.number);
  const now = await dbNow(ctx);
  try {
    await ctx.db
      .insertInto('trials')
      .values({
        id,
        sweep_id: input.sweepId,
        number: input.number,
        params_json: JSON.stringify(input.params),
        config_json: JSON.stringify(input.config),
        status,
        attempt: input.attempt ?? 0,
        seed: input.seed,
        created_at: now,
        started_at: status === 'running' ? now : null,
        heartbeat_at: status === 'running' ? now : null,
        log_tail: '',
      })
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(`Trial ${input.number} of sweep ${input.sweepId} already exists`, 'number');
    throw err;
  }
  return (await getTrial(ctx, id))!;
}

/** One trial, or null. */
export async function getTrial(ctx: QueryContext, id: string): Promise<TrialRow | null> {
  const row = await ctx.db.selectFrom('trials').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toTrialRow(row) : null;
}

/** A sweep's trials, filtered and sorted; see ListTrialsOptions. */
export async function listTrials(ctx: QueryContext, sweepId: string, opts: ListTrialsOptions = {}): Promise<TrialRow[]> {
  checkPaging(opts.limit, 'limit');
  checkPaging(opts.offset, 'offset');
  let q = ctx.db.selectFrom('trials').selectAll().where('sweep_id', '=', sweepId);
  if (opts.status !== undefined) {
    const statuses = typeof opts.status === 'string' ? [opts.status] : [...opts.status];
    statuses.forEach(checkStatus);
    if (statuses.length === 0) return [];
    q = q.where('status', 'in', statuses);
  }
  const order = opts.order ?? 'asc';
  switch (opts.sort ?? 'number') {
    case 'number':
      q = q.orderBy('number', order);
      break;
    case 'best': {
      const sweep = await ctx.db.selectFrom('sweeps').select('metric_goal').where('id', '=', sweepId).executeTakeFirst();
      const dir = sweep?.metric_goal === 'maximize' ? 'desc' : 'asc';
      q = q.orderBy('best_value', (ob) => ob[dir]().nullsLast()).orderBy('number');
      break;
    }
    case 'started':
      q = q.orderBy('started_at', (ob) => ob[order]().nullsLast()).orderBy('number');
      break;
    case 'finished':
      q = q.orderBy('finished_at', (ob) => ob[order]().nullsLast()).orderBy('number');
      break;
    default:
      throw new InputError(`Expected number, best, started or finished, but got ${JSON.stringify(opts.sort)}`, 'sort');
  }
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  if (opts.offset !== undefined) q = q.offset(opts.offset);
  return (await q.execute()).map(toTrialRow);
}

/** Trials per status for one sweep, every status present. */
export async function countTrials(ctx: QueryContext, sweepId: string): Promise<Record<TrialStatus, number>> {
  const rows = await ctx.db
    .selectFrom('trials')
    .select((eb) => ['status', eb.fn.countAll().as('n')])
    .where('sweep_id', '=', sweepId)
    .groupBy('status')
    .execute();
  const counts = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as Record<TrialStatus, number>;
  for (const r of rows) counts[r.status as TrialStatus] = Number(r.n);
  return counts;
}

/** Read-modify-write of one trial in a transaction (row-locked on PostgreSQL); see Store.updateTrial. */
export async function updateTrial(
  ctx: QueryContext,
  id: string,
  patch: TrialPatch,
  opts: UpdateTrialOptions = {},
): Promise<TrialRow | null> {
  assertWritable(ctx, 'update a trial');
  if (patch.status !== undefined) checkStatus(patch.status);
  return inTransaction(ctx, async (tx) => {
    // PostgreSQL: lock the row so a concurrent heartbeat or lease sees this update, not a mix.
    const current = await tx.db
      .selectFrom('trials')
      .select(['status', 'log_tail'])
      .where('id', '=', id)
      .$if(tx.backend.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    if (!current) throw new InputError(`No trial ${id}`, 'trial');
    const from = current.status as TrialStatus;
    if (opts.expectStatus && !opts.expectStatus.includes(from)) return null;
    // The database's clock (see dbNow): these stamps are compared with other machines' heartbeats.
    const now = await dbNow(tx);
    const set: Updateable<TrialsTable> = {};
    if (patch.status !== undefined && patch.status !== from) {
      if (!canTransition(from, patch.status)) {
        throw new InputError(`Trial ${id} cannot go from ${from} to ${patch.status}`, 'status');
      }
      set.status = patch.status;
      if (patch.status === 'running') {
        set.started_at = now;
        set.heartbeat_at = now;
        set.finished_at = null;
      } else if (!isInFlight(patch.status)) {
        // Its run ended, for good or until a retry or resume.
        set.finished_at = now;
      } else if (patch.status === 'queued') {
        // Back in the queue: nobody holds it.
        set.worker = null;
        set.heartbeat_at = null;
        set.finished_at = null;
      }
    }
    if (patch.attempt !== undefined) set.attempt = patch.attempt;
    if (patch.worker !== undefined) set.worker = patch.worker;
    if (patch.bestValue !== undefined) set.best_value = patch.bestValue;
    if (patch.bestStep !== undefined) set.best_step = patch.bestStep;
    if (patch.bestCheckpointId !== undefined) set.best_checkpoint_id = patch.bestCheckpointId;
    if (patch.failureReason !== undefined) set.failure_reason = patch.failureReason;
    if (patch.pruneReason !== undefined) set.prune_reason = patch.pruneReason;
    if (patch.startedAt !== undefined) set.started_at = patch.startedAt;
    if (patch.finishedAt !== undefined) set.finished_at = patch.finishedAt;
    if (patch.heartbeatAt !== undefined) set.heartbeat_at = patch.heartbeatAt;
    if (patch.appendLog !== undefined && patch.appendLog !== '') set.log_tail = appendLogTail(current.log_tail, patch.appendLog);
    if (Object.keys(set).length > 0) await tx.db.updateTable('trials').set(set).where('id', '=', id).execute();
    return getTrial(tx, id);
  });
}

/**
 * Renews a running trial's lease for `worker`, stamped with the database's clock (`now` only where a test
 * sets the stamp itself); false when the lease is gone.
 */
export async function heartbeat(ctx: QueryContext, id: string, worker: string, now?: number): Promise<boolean> {
  assertWritable(ctx, 'record a heartbeat');
  now ??= await dbNow(ctx);
  const result = await ctx.db
    .updateTable('trials')
    .set({ heartbeat_at: now, worker })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where((eb) => eb.or([eb('worker', 'is', null), eb('worker', '=', worker)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Running trials whose heartbeat (or start) is older than olderThanMs by the database's clock (or `now`). */
export async function findStaleTrials(
  ctx: QueryContext,
  olderThanMs: number,
  opts: { sweepId?: string; now?: number } = {},
): Promise<TrialRow[]> {
  if (!(olderThanMs >= 0)) throw new InputError(`Expected a non-negative number of milliseconds, but got ${olderThanMs}`, 'olderThanMs');
  const cutoff = (opts.now ?? (await dbNow(ctx))) - olderThanMs;
  let q = ctx.db
    .selectFrom('trials')
    .selectAll()
    .where('status', '=', 'running')
    // A trial that never beat counts from its start.
    .where((eb) => eb(eb.fn.coalesce('heartbeat_at', 'started_at', 'created_at'), '<', cutoff));
  if (opts.sweepId !== undefined) q = q.where('sweep_id', '=', opts.sweepId);
  return (await q.orderBy('sweep_id').orderBy('number').execute()).map(toTrialRow);
}
