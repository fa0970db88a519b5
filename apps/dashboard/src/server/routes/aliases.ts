import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { AliasRow, Store } from '@tunelab/store';
import { AliasDetail, AliasList, AliasParams, ErrorBody, PromoteRequest, PromoteResponse, type Alias } from '../../api/schemas';
import { notFound } from '../errors';
import type { DashboardContext } from '../context';
import { aliasView } from '../views';
import { promoteCheckpoint } from '../../promote';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

/** Adds the trial and sweep of each alias's checkpoint, so the UI can link and mark them. */
async function withOrigin(store: Store, rows: readonly AliasRow[]): Promise<Alias[]> {
  const origin = new Map<string, { trialId: string | null; sweepId: string | null }>();
  for (const id of new Set(rows.map((r) => r.checkpointId))) {
    const c = await store.getCheckpoint(id);
    const t = c ? await store.getTrial(c.trialId) : null;
    origin.set(id, { trialId: c?.trialId ?? null, sweepId: t?.sweepId ?? null });
  }
  return rows.map((r) => aliasView(r, origin.get(r.checkpointId)!));
}

export async function aliasRoutes(app: FastifyInstance, ctx: DashboardContext): Promise<void> {
  app.post<{ Body: PromoteRequest }>(
    '/api/promote',
    {
      schema: {
        tags: ['aliases'],
        summary: 'Point an alias (default champion) at a checkpoint, with a note; records the test-split loss when there is one',
        body: PromoteRequest,
        response: { 200: PromoteResponse, ...errors },
      },
    },
    async (req) => {
      const writer = await ctx.writer();
      const exists = await ctx.reader.getCheckpoint(req.body.checkpointId);
      if (!exists) throw notFound('checkpoint', req.body.checkpointId, 'body.checkpointId');
      const result = await promoteCheckpoint(writer, req.body, { testLoss: ctx.testLoss, checkpointCache: ctx.checkpointCache });
      const origin = { trialId: result.trialId, sweepId: result.sweepId };
      return { alias: aliasView(result.alias, origin), testLoss: result.testLoss, testLossNote: result.testLossNote };
    },
  );

  app.get('/api/aliases', { schema: { tags: ['aliases'], summary: 'The current checkpoint of every alias', response: { 200: AliasList, ...errors } } }, async () => ({
    aliases: await withOrigin(ctx.reader, await ctx.reader.listAliases()),
  }));

  app.get<{ Params: Static<typeof AliasParams> }>(
    '/api/aliases/:alias',
    { schema: { tags: ['aliases'], summary: "An alias's current checkpoint and its history, newest first", params: AliasParams, response: { 200: AliasDetail, ...errors } } },
    async (req) => {
      const found = await ctx.reader.getAlias(req.params.alias);
      if (!found) throw notFound('alias', req.params.alias, 'params.alias');
      const history = await withOrigin(ctx.reader, found.history);
      return { current: found.current ? history.find((h) => h.version === found.current!.version)! : null, history };
    },
  );
}
