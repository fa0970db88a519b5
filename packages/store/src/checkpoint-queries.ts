import { InputError } from '@tunelab/config';
import { checkpointId, newSampleId } from './ids';
import { assertWritable, checkPaging, inTransaction, type QueryContext } from './query-context';
import { toCheckpointRow, toSampleRow } from './rows';
import type {
  CheckpointFile,
  CheckpointKind,
  CheckpointRow,
  ListCheckpointsOptions,
  NewCheckpoint,
  NewSample,
  SampleRow,
} from './types';

const KINDS: readonly CheckpointKind[] = ['periodic', 'best', 'last'];

/** Inserts or replaces a checkpoint row (a re-save after resume clears deleted_at). */
export async function addCheckpoint(ctx: QueryContext, input: NewCheckpoint): Promise<CheckpointRow> {
  assertWritable(ctx, 'add a checkpoint');
  if (!KINDS.includes(input.kind)) throw new InputError(`Expected periodic, best or last, but got ${JSON.stringify(input.kind)}`, 'kind');
  if (!Number.isInteger(input.epoch) || input.epoch < 0) throw new InputError(`Expected a non-negative integer, but got ${input.epoch}`, 'epoch');
  const id = input.id ?? checkpointId(input.trialId, input.epoch, input.kind);
  const values = {
    epoch: input.epoch,
    kind: input.kind,
    path: input.path ?? null,
    metrics_json: JSON.stringify(input.metrics ?? {}),
    created_at: Date.now(),
    deleted_at: null,
  };
  const upsert = (tx: QueryContext) =>
    tx.db
      .insertInto('checkpoints')
      .values({ id, trial_id: input.trialId, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  // A resumed trial saves the same epoch again: the new files replace the old, so the row does too.
  if (input.files === undefined) {
    await upsert(ctx);
  } else {
    checkFiles(input.files);
    // Row and files commit together: no reader (another agent resuming, the dashboard) sees a row without files.
    await inTransaction(ctx, async (tx) => {
      await upsert(tx);
      await writeFiles(tx, id, input.files!);
    });
  }
  return (await getCheckpoint(ctx, id))!;
}

/** One checkpoint, or null. */
export async function getCheckpoint(ctx: QueryContext, id: string): Promise<CheckpointRow | null> {
  const row = await ctx.db.selectFrom('checkpoints').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toCheckpointRow(row) : null;
}

/** Checkpoints of a trial or sweep, by trial and epoch; deleted ones only when asked. */
export async function listCheckpoints(ctx: QueryContext, opts: ListCheckpointsOptions): Promise<CheckpointRow[]> {
  let q = ctx.db.selectFrom('checkpoints').selectAll('checkpoints');
  if (opts.trialId !== undefined) q = q.where('checkpoints.trial_id', '=', opts.trialId);
  if (opts.sweepId !== undefined) {
    q = q.innerJoin('trials', 'trials.id', 'checkpoints.trial_id').where('trials.sweep_id', '=', opts.sweepId);
  }
  if (opts.kind !== undefined) q = q.where('checkpoints.kind', '=', opts.kind);
  if (!opts.includeDeleted) q = q.where('checkpoints.deleted_at', 'is', null);
  const rows = await q.orderBy('checkpoints.trial_id').orderBy('checkpoints.epoch').orderBy('checkpoints.id').execute();
  return rows.map(toCheckpointRow);
}

/** Marks a checkpoint deleted (retention) and drops its stored files; false when already marked or unknown. */
export async function markCheckpointDeleted(ctx: QueryContext, id: string, at = Date.now()): Promise<boolean> {
  assertWritable(ctx, 'mark a checkpoint deleted');
  // The stored files go (they are the bulk); the row stays so history and metrics keep their meaning.
  return inTransaction(ctx, async (tx) => {
    const result = await tx.db
      .updateTable('checkpoints')
      .set({ deleted_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    await tx.db.deleteFrom('checkpoint_files').where('checkpoint_id', '=', id).execute();
    return Number(result.numUpdatedRows) > 0;
  });
}

/** better-sqlite3 binds Buffers, not plain Uint8Arrays; wrapping shares the memory. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Stores (or replaces) a checkpoint's files as blobs, in one transaction. */
export async function putCheckpointFiles(ctx: QueryContext, checkpointId: string, files: readonly CheckpointFile[]): Promise<void> {
  assertWritable(ctx, 'store checkpoint files');
  checkFiles(files);
  await inTransaction(ctx, (tx) => writeFiles(tx, checkpointId, files));
}

function checkFiles(files: readonly CheckpointFile[]): void {
  for (const [i, f] of files.entries()) {
    if (typeof f.name !== 'string' || f.name === '') throw new InputError('Expected a file name', `files[${i}].name`);
    if (!(f.data instanceof Uint8Array)) throw new InputError('Expected bytes (Uint8Array)', `files[${i}].data`);
  }
}

async function writeFiles(tx: QueryContext, checkpointId: string, files: readonly CheckpointFile[]): Promise<void> {
  for (const f of files) {
    const data = asBuffer(f.data);
    await tx.db
      .insertInto('checkpoint_files')
      .values({ checkpoint_id: checkpointId, name: f.name, data })
      .onConflict((oc) => oc.columns(['checkpoint_id', 'name']).doUpdateSet({ data }))
      .execute();
  }
}

/** A checkpoint's stored files, by name. */
export async function getCheckpointFiles(
  ctx: QueryContext,
  checkpointId: string,
  names?: readonly string[],
): Promise<CheckpointFile[]> {
  if (names !== undefined && names.length === 0) return [];
  let q = ctx.db.selectFrom('checkpoint_files').select(['name', 'data']).where('checkpoint_id', '=', checkpointId);
  if (names !== undefined) q = q.where('name', 'in', [...names]);
  return (await q.orderBy('name').execute()).map((r) => ({ name: r.name, data: r.data }));
}

/** Inserts a sampled tune with its settings and scores. */
export async function addSample(ctx: QueryContext, input: NewSample): Promise<SampleRow> {
  assertWritable(ctx, 'add a sample');
  const id = input.id ?? newSampleId();
  await ctx.db
    .insertInto('samples')
    .values({
      id,
      checkpoint_id: input.checkpointId,
      created_at: Date.now(),
      settings_json: JSON.stringify(input.settings),
      abc: input.abc,
      eval_json: input.eval === undefined || input.eval === null ? null : JSON.stringify(input.eval),
    })
    .execute();
  return (await getSample(ctx, id))!;
}

/** One sample, or null. */
export async function getSample(ctx: QueryContext, id: string): Promise<SampleRow | null> {
  const row = await ctx.db.selectFrom('samples').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toSampleRow(row) : null;
}

/** A checkpoint's samples, newest first. */
export async function listSamples(
  ctx: QueryContext,
  opts: { checkpointId: string; limit?: number; offset?: number },
): Promise<SampleRow[]> {
  checkPaging(opts.limit, 'limit');
  checkPaging(opts.offset, 'offset');
  let q = ctx.db
    .selectFrom('samples')
    .selectAll()
    .where('checkpoint_id', '=', opts.checkpointId)
    .orderBy('created_at', 'desc')
    .orderBy('id');
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  if (opts.offset !== undefined) q = q.offset(opts.offset);
  return (await q.execute()).map(toSampleRow);
}
