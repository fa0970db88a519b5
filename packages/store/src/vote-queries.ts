import { InputError } from '@tunelab/config';
import { newSampleId, newVoteId } from './ids';
import { assertWritable, checkPaging, dbNow, inTransaction, type QueryContext } from './query-context';
import { toHumanTuneRow, toVoteRow } from './rows';
import type { HumanTuneRow, NewVote, Verdict, VoteRow } from './types';

const VERDICTS: readonly Verdict[] = ['left', 'right', 'same'];

/** Stores the tunes not stored yet under (source, index) and returns the rows of every given index, in order. */
export async function addHumanTunes(ctx: QueryContext, source: string, tunes: readonly { index: number; abc: string }[]): Promise<HumanTuneRow[]> {
  assertWritable(ctx, 'add human tunes');
  if (tunes.length === 0) return [];
  return inTransaction(ctx, async (tx) => {
    const now = Date.now();
    const indexes = tunes.map((t) => t.index);
    const have = new Set(
      (await tx.db.selectFrom('human_tunes').select('source_index').where('source', '=', source).where('source_index', 'in', indexes).execute()).map((r) =>
        Number(r.source_index),
      ),
    );
    for (const t of tunes) {
      if (have.has(t.index)) continue;
      have.add(t.index);
      // The same id space as samples, so an id shown to a listener says nothing of who wrote the tune.
      await tx.db.insertInto('human_tunes').values({ id: newSampleId(), source, source_index: t.index, abc: t.abc, created_at: now }).execute();
    }
    const rows = (await tx.db.selectFrom('human_tunes').selectAll().where('source', '=', source).where('source_index', 'in', indexes).execute()).map(toHumanTuneRow);
    const byIndex = new Map(rows.map((r) => [r.index, r]));
    return indexes.map((i) => byIndex.get(i)!);
  });
}

/** One human tune, or null. */
export async function getHumanTune(ctx: QueryContext, id: string): Promise<HumanTuneRow | null> {
  const row = await ctx.db.selectFrom('human_tunes').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toHumanTuneRow(row) : null;
}

/** A source's stored tunes, by index. */
export async function listHumanTunes(ctx: QueryContext, source: string): Promise<HumanTuneRow[]> {
  return (await ctx.db.selectFrom('human_tunes').selectAll().where('source', '=', source).orderBy('source_index').execute()).map(toHumanTuneRow);
}

/** Stores one vote, stamped with the database's clock. */
export async function addVote(ctx: QueryContext, input: NewVote): Promise<VoteRow> {
  assertWritable(ctx, 'add a vote');
  if (!VERDICTS.includes(input.verdict)) throw new InputError(`Expected a verdict of left, right or same, but got ${JSON.stringify(input.verdict)}`, 'verdict');
  if (input.leftSampleId === input.rightSampleId) throw new InputError(`A vote compares two samples, but both sides are ${input.leftSampleId}`, 'right');
  const id = newVoteId();
  await ctx.db
    .insertInto('votes')
    .values({
      id,
      created_at: await dbNow(ctx),
      sweep_id: input.sweepId,
      voter: input.voter ?? null,
      left_sample_id: input.leftSampleId,
      right_sample_id: input.rightSampleId,
      left_player: input.leftPlayer,
      right_player: input.rightPlayer,
      verdict: input.verdict,
    })
    .execute();
  const row = await ctx.db.selectFrom('votes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return toVoteRow(row);
}

/** Votes oldest first (ties by id), of one sweep or all. */
export async function listVotes(ctx: QueryContext, opts: { sweepId?: string; limit?: number; offset?: number } = {}): Promise<VoteRow[]> {
  checkPaging(opts.limit, 'limit');
  checkPaging(opts.offset, 'offset');
  let q = ctx.db.selectFrom('votes').selectAll();
  if (opts.sweepId !== undefined) q = q.where('sweep_id', '=', opts.sweepId);
  q = q.orderBy('created_at').orderBy('id');
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  if (opts.offset !== undefined) q = q.offset(opts.offset);
  return (await q.execute()).map(toVoteRow);
}
