import type { FastifyInstance } from 'fastify';
import { CheckpointList, ErrorBody, IdParams, MetricsQuery, MetricsResponse, TrialDetail } from '../../api/schemas';
import { notFound } from '../errors';
import type { DashboardContext } from '../context';
import { commaList } from './sweeps';
import { checkpointView, seriesView, trialView } from '../views';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

export async function trialRoutes(app: FastifyInstance, ctx: DashboardContext): Promise<void> {
  const store = ctx.reader;
  const requireTrial = async (id: string) => {
    const trial = await store.getTrial(id);
    if (!trial) throw notFound('trial', id);
    return trial;
  };

  app.get<{ Params: IdParams }>(
    '/api/trials/:id',
    { schema: { tags: ['trials'], summary: 'One trial: params, full run config, log tail', params: IdParams, response: { 200: TrialDetail, ...errors } } },
    async (req) => {
      const trial = await requireTrial(req.params.id);
      const [sweep, best] = await Promise.all([store.getSweep(trial.sweepId), trial.bestCheckpointId ? store.getCheckpoint(trial.bestCheckpointId) : null]);
      return {
        ...trialView(trial, best),
        config: trial.config,
        logTail: trial.logTail,
        seed: trial.seed,
        worker: trial.worker,
        metricName: sweep?.metricName ?? 'val_loss',
        metricGoal: sweep?.metricGoal ?? 'minimize',
      };
    },
  );

  app.get<{ Params: IdParams; Querystring: MetricsQuery }>(
    '/api/trials/:id/metrics',
    {
      schema: {
        tags: ['trials'],
        summary: "A trial's metric series (downsampled when long; `after` returns only newer steps)",
        params: IdParams,
        querystring: MetricsQuery,
        response: { 200: MetricsResponse, ...errors },
      },
    },
    async (req) => {
      const trial = await requireTrial(req.params.id);
      const series = await store.getMetrics(trial.id, {
        names: commaList(req.query.names),
        after: req.query.after,
        maxPoints: req.query.maxPoints ?? 500,
      });
      return { series: seriesView(series) };
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/trials/:id/checkpoints',
    { schema: { tags: ['trials'], summary: "A trial's checkpoints with their metrics and aliases", params: IdParams, response: { 200: CheckpointList, ...errors } } },
    async (req) => {
      const trial = await requireTrial(req.params.id);
      const [checkpoints, aliases] = await Promise.all([store.listCheckpoints({ trialId: trial.id, includeDeleted: true }), store.listAliases()]);
      return { checkpoints: checkpoints.sort((a, b) => a.epoch - b.epoch || a.id.localeCompare(b.id)).map((c) => checkpointView(c, aliases)) };
    },
  );
}
