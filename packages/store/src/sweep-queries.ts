import { InputError } from '@tunelab/config';
import { isFinalSweep, isSweepStatus, SWEEP_STATUSES } from '@tunelab/sweep';
import { newSweepId } from './ids';
import { assertWritable, checkPaging, dbNow, inTransaction, type QueryContext } from './query-context';
import { toSweepRow } from './rows';
import type { DeletedSweep, DeleteSweepOptions, NewSweep, SweepRow, SweepStatus } from './types';

// The lifecycle is @tunelab/sweep's; re-exported for the store's users.
export { SWEEP_STATUSES };

/** Unique-key violation on either backend (a generated id that collided). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Inserts a sweep (method, metric and seed copied out of its config for querying); see Store.createSweep. */
export async function createSweep(ctx: QueryContext, input: NewSweep): Promise<SweepRow> {
  assertWritable(ctx, 'create a sweep');
  const status = input.status ?? 'queued';
  if (!isSweepStatus(status)) throw new InputError(`Unknown sweep status ${JSON.stringify(status)}`, 'status');
  const { config } = input;
  const now = await dbNow(ctx);
  // A generated id may collide (16M of them); try a few before giving up. A given id must be free.
  for (let tries = 0; ; tries++) {
    const id = input.id ?? newSweepId();
    try {
      await ctx.db
        .insertInto('sweeps')
        .values({
          id,
          name: input.name ?? config.name,
          config_json: JSON.stringify(config),
          config_yaml: input.configYaml,
          method: config.method,
          metric_name: config.metric.name,
          metric_goal: config.metric.goal,
          status,
          seed: config.seed,
          distributed: input.distributed ? 1 : 0,
          created_at: now,
          started_at: status === 'running' ? now : null,
          finished_at: null,
        })
        .execute();
      return (await getSweep(ctx, id))!;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      if (input.id !== undefined) throw new InputError(`A sweep with id ${input.id} already exists`, 'id');
      if (tries >= 5) throw err;
    }
  }
}

/** One sweep, or null. */
export async function getSweep(ctx: QueryContext, id: string): Promise<SweepRow | null> {
  const row = await ctx.db.selectFrom('sweeps').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toSweepRow(row) : null;
}

/** Sweeps, newest first. */
export async function listSweeps(
  ctx: QueryContext,
  opts: { status?: SweepStatus; limit?: number; offset?: number } = {},
): Promise<SweepRow[]> {
  checkPaging(opts.limit, 'limit');
  checkPaging(opts.offset, 'offset');
  let q = ctx.db.selectFrom('sweeps').selectAll().orderBy('created_at', 'desc').orderBy('id');
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  if (opts.offset !== undefined) q = q.offset(opts.offset);
  return (await q.execute()).map(toSweepRow);
}

/** Sets the status and the start/finish times that go with it; see Store.updateSweepStatus. */
export async function updateSweepStatus(ctx: QueryContext, id: string, status: SweepStatus): Promise<SweepRow> {
  assertWritable(ctx, 'update a sweep');
  if (!isSweepStatus(status)) throw new InputError(`Unknown sweep status ${JSON.stringify(status)}`, 'status');
  // The database's clock: a sweep's start is compared with its max_minutes on every machine that serves it.
  const now = await dbNow(ctx);
  const result = await ctx.db
    .updateTable('sweeps')
    .set((eb) => ({
      status,
      // The first start counts; a resume keeps it. A resumed sweep is no longer finished.
      started_at: status === 'running' ? eb.fn.coalesce('started_at', eb.val(now)) : eb.ref('started_at'),
      finished_at: isFinalSweep(status) ? now : status === 'running' ? null : eb.ref('finished_at'),
    }))
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new InputError(`No sweep ${id}`, 'sweep');
  return (await getSweep(ctx, id))!;
}

/**
 * Deletes a sweep and, through foreign-key cascades, everything under it but aliases; returns checkpoint
 * directories to remove. Refuses a running sweep, and a sweep an alias points into unless `force` (so
 * deleting a sweep cannot silently take the champion with it). Alias rows that point into it stay, marked with what they pointed to.
 */
export async function deleteSweep(ctx: QueryContext, id: string, options: DeleteSweepOptions = {}): Promise<DeletedSweep> {
  assertWritable(ctx, 'delete a sweep');
  return inTransaction(ctx, async (tx) => {
    // Under the sweep's lock (withSweepLock's), so a sweeper starting it now waits, or has set it running.
    const sweep = (await tx.backend.lockSweep(tx.db, id)) ? await tx.db.selectFrom('sweeps').select(['id', 'status']).where('id', '=', id).executeTakeFirst() : undefined;
    if (!sweep) return { deleted: false, checkpointPaths: [], aliasesRemoved: [] };
    if (sweep.status === 'running') {
      throw new InputError(`sweep ${id} is running; stop it first (\`tunelab sweep cancel ${id}\`), then delete it`, 'sweep delete');
    }
    const pointing = await tx.db
      .selectFrom('aliases')
      .innerJoin('checkpoints', 'checkpoints.id', 'aliases.checkpoint_id')
      .innerJoin('trials', 'trials.id', 'checkpoints.trial_id')
      .select(['aliases.alias', 'aliases.version', 'aliases.superseded_at', 'checkpoints.id as checkpoint', 'checkpoints.epoch', 'trials.id as trial'])
      .where('trials.sweep_id', '=', id)
      .where('aliases.removed_at', 'is', null)
      .orderBy('aliases.alias')
      .execute();
    const current = pointing.filter((a) => a.superseded_at === null);
    if (current.length > 0 && !options.force) {
      const names = current.map((a) => `${a.alias} → checkpoint ${a.checkpoint} (trial ${a.trial}, epoch ${a.epoch})`).join('; ');
      throw new InputError(
        `alias${current.length > 1 ? 'es' : ''} ${names} point${current.length > 1 ? '' : 's'} into sweep ${id}; promote another checkpoint first, or delete with --force (the alias history keeps what it pointed to)`,
        'sweep delete',
      );
    }
    const now = Date.now();
    for (const a of pointing) {
      await tx.db
        .updateTable('aliases')
        .set({
          removed_at: now,
          removed_note: `checkpoint ${a.checkpoint} of trial ${a.trial} (sweep ${id}, epoch ${a.epoch}), deleted with sweep ${id}`,
          superseded_at: a.superseded_at ?? now,
        })
        .where('alias', '=', a.alias)
        .where('version', '=', a.version)
        .execute();
    }
    const paths = await tx.db
      .selectFrom('checkpoints')
      .innerJoin('trials', 'trials.id', 'checkpoints.trial_id')
      .select('checkpoints.path')
      .where('trials.sweep_id', '=', id)
      .where('checkpoints.path', 'is not', null)
      .execute();
    // Foreign keys cascade to trials, metrics, checkpoints, their files and samples (aliases have none: migration 2).
    const result = await tx.db.deleteFrom('sweeps').where('id', '=', id).executeTakeFirst();
    return {
      deleted: Number(result.numDeletedRows) > 0,
      checkpointPaths: paths.map((p) => p.path).filter((p): p is string => p !== null),
      aliasesRemoved: current.map((a) => a.alias),
    };
  });
}
