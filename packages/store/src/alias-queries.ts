import { InputError } from '@tunelab/config';
import { assertWritable, inTransaction, type QueryContext } from './query-context';
import { toAliasRow } from './rows';
import type { AliasHistory, AliasRow } from './types';

const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Points `alias` at a checkpoint: the current row gets superseded_at, a new row (next version) becomes
 * current, both in one transaction under a lock on the alias name. Promoting the checkpoint the alias
 * already points at changes nothing and returns the current row.
 */
export async function promote(ctx: QueryContext, checkpointId: string, alias: string, note?: string): Promise<AliasRow> {
  assertWritable(ctx, 'promote a checkpoint');
  if (!ALIAS_NAME.test(alias)) {
    throw new InputError(`Expected an alias of letters, digits, '.', '_' or '-', but got ${JSON.stringify(alias)}`, 'alias');
  }
  return inTransaction(ctx, async (tx) => {
    await tx.backend.lockKey(tx.db, `tunelab_alias:${alias}`);
    const checkpoint = await tx.db
      .selectFrom('checkpoints')
      .select(['id', 'deleted_at'])
      .where('id', '=', checkpointId)
      .executeTakeFirst();
    if (!checkpoint) throw new InputError(`No checkpoint ${checkpointId}`, 'checkpoint');
    if (checkpoint.deleted_at !== null) throw new InputError(`Checkpoint ${checkpointId} was deleted by retention`, 'checkpoint');
    const rows = await tx.db
      .selectFrom('aliases')
      .selectAll()
      .where('alias', '=', alias)
      .orderBy('version', 'desc')
      .limit(1)
      .execute();
    const latest = rows[0] ? toAliasRow(rows[0]) : null;
    if (latest && latest.supersededAt === null && latest.checkpointId === checkpointId) return latest;
    const now = Date.now();
    await tx.db
      .updateTable('aliases')
      .set({ superseded_at: now })
      .where('alias', '=', alias)
      .where('superseded_at', 'is', null)
      .execute();
    const row = {
      alias,
      version: (latest?.version ?? 0) + 1,
      checkpoint_id: checkpointId,
      note: note ?? null,
      created_at: now,
      superseded_at: null,
      removed_at: null,
      removed_note: null,
    };
    await tx.db.insertInto('aliases').values(row).execute();
    return toAliasRow(row);
  });
}

/** The current row and the history of an alias, or null when it was never used. */
export async function getAlias(ctx: QueryContext, alias: string): Promise<AliasHistory | null> {
  const rows = (await ctx.db.selectFrom('aliases').selectAll().where('alias', '=', alias).orderBy('version', 'desc').execute()).map(
    toAliasRow,
  );
  if (rows.length === 0) return null;
  return { current: rows.find((r) => r.supersededAt === null) ?? null, history: rows };
}

/** The current row of every alias, by name. */
export async function listAliases(ctx: QueryContext): Promise<AliasRow[]> {
  const rows = await ctx.db.selectFrom('aliases').selectAll().where('superseded_at', 'is', null).orderBy('alias').execute();
  return rows.map(toAliasRow);
}
