import type { FastifyInstance } from 'fastify';
import type { CheckpointRow, MetricPoint, Store, SweepRow, TrialRow, TrialStatus as StoreTrialStatus } from '@tunelab/store';
import { objectivesOf } from '@tunelab/config';
import { bestTrial, configuredGoal, parameterImportance, summarize, trialCheckpoint, trialsWithMetric, TRIAL_STATUSES, type TrialParams } from '@tunelab/sweep';
import {
  ErrorBody,
  IdParams,
  ImportanceQuery,
  ImportanceResponse,
  SeriesQuery,
  SeriesResponse,
  SweepDetail,
  SweepList,
  TrialPage,
  TrialsQuery,
  TRIAL_STATUS_VALUES,
  type Sweep,
} from '../../api/schemas';
import { HttpError, notFound } from '../errors';
import type { DashboardContext } from '../context';
import type { SweepDetail as SweepDetailBody } from '../../api/schemas';
import { finiteOrNull, seriesView, sweepBase, trialView } from '../views';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

/** Every trial status but `queued`: a trial in any of them may have reported metrics. */
const PAST_QUEUED = TRIAL_STATUSES.filter((s) => s !== 'queued');

/** A sweep with its trial counts and best trial (@tunelab/sweep's bestTrial, as `sweep status` and `promote --best` pick it). */
async function sweepSummary(store: Store, s: SweepRow): Promise<Sweep> {
  const [counts, trials] = await Promise.all([store.countTrials(s.id), store.listTrials(s.id)]);
  const best = bestTrial(
    trials.map((t) => ({ id: t.id, status: t.status, value: finiteOrNull(t.bestValue) ?? undefined })),
    s.config.metric,
  );
  return { ...sweepBase(s), counts, best: best ? { trialId: String(best.trialId), value: best.value } : null };
}

/**
 * A multi-objective sweep's front as `tunelab sweep status --json` reports it: the store's rows through
 * @tunelab/sweep's `summarize` (objectiveVector at each trial's best epoch, paretoFront of the completed
 * trials), read the way the sweeper's summarizeSweep reads them. One objective: no front, `best` says it all,
 * and the page's polls do not read every series.
 */
async function sweepFront(store: Store, s: SweepRow): Promise<Pick<SweepDetailBody, 'objectives' | 'pareto' | 'objectiveVectors'>> {
  const objectives = objectivesOf(s.config).map((o) => ({ name: o.name, goal: o.goal }));
  if (objectives.length < 2) return { objectives, pareto: [], objectiveVectors: [] };
  const [trials, ...series] = await Promise.all([
    store.listTrials(s.id),
    ...objectives.map((o) => store.getMetricSeries({ name: o.name, sweepId: s.id })),
  ]);
  const byName = Object.fromEntries(objectives.map((o, i) => [o.name, series[i]]));
  const summary = summarize({
    sweepId: s.id,
    metric: objectives[0],
    objectives,
    status: s.status,
    trials: trials.map((t) => ({
      id: t.id,
      status: t.status,
      params: t.params as TrialParams,
      attempt: t.attempt,
      metrics: byName[objectives[0].name][t.id] ?? [],
      objectiveMetrics: Object.fromEntries(objectives.map((o) => [o.name, byName[o.name][t.id]])),
    })),
  });
  // summarize keeps the input order: summary.trials[i] is trials[i].
  const objectiveVectors = summary.trials.flatMap((t, i) =>
    t.values
      ? [{ trialId: trials[i].id, number: trials[i].number, status: trials[i].status, values: Object.fromEntries(objectives.map((o, k) => [o.name, finiteOrNull(t.values![k])])) }]
      : [],
  );
  return { objectives, pareto: summary.pareto.map(String), objectiveVectors };
}

async function requireSweep(store: Store, id: string): Promise<SweepRow> {
  const sweep = await store.getSweep(id);
  if (!sweep) throw notFound('sweep', id);
  return sweep;
}

/** Comma lists in query strings: `a,b,c` → ['a','b','c'], blanks dropped. */
export const commaList = (text: string | undefined): string[] | undefined =>
  text === undefined ? undefined : text.split(',').map((s) => s.trim()).filter(Boolean);

export async function sweepRoutes(app: FastifyInstance, ctx: DashboardContext): Promise<void> {
  const store = ctx.reader;

  app.get('/api/sweeps', { schema: { tags: ['sweeps'], summary: 'Every sweep, newest first, with trial counts and the best trial', response: { 200: SweepList, ...errors } } }, async () => {
    const sweeps = await store.listSweeps();
    return { sweeps: await Promise.all(sweeps.map((s) => sweepSummary(store, s))) };
  });

  app.get<{ Params: IdParams }>(
    '/api/sweeps/:id',
    { schema: { tags: ['sweeps'], summary: 'One sweep: config, searched parameters, metric names, objectives; several objectives: the Pareto front and each trial\'s objective vector', params: IdParams, response: { 200: SweepDetail, ...errors } } },
    async (req) => {
      const sweep = await requireSweep(store, req.params.id);
      const [summary, front] = await Promise.all([sweepSummary(store, sweep), sweepFront(store, sweep)]);
      // Metric names: from the last point of a few trials that ran (one indexed read each).
      const ran = await store.listTrials(sweep.id, { status: PAST_QUEUED, limit: 3 });
      const names = new Set<string>([sweep.metricName]);
      for (const t of ran) for (const n of Object.keys(await store.getMetrics(t.id, { maxPoints: 1 }))) names.add(n);
      return {
        ...summary,
        configYaml: sweep.configYaml,
        parameters: Object.keys(sweep.config.parameters ?? {}),
        metricNames: [...names, ...front.objectives.map((o) => o.name).filter((n) => !names.has(n))],
        ...front,
      };
    },
  );

  app.get<{ Params: IdParams; Querystring: TrialsQuery }>(
    '/api/sweeps/:id/trials',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Trials of a sweep: params, status, best value, failure reason; sort, filter by status, page',
        params: IdParams,
        querystring: TrialsQuery,
        response: { 200: TrialPage, ...errors },
      },
    },
    async (req) => {
      const sweep = await requireSweep(store, req.params.id);
      const statuses = commaList(req.query.status);
      for (const s of statuses ?? []) {
        if (!(TRIAL_STATUS_VALUES as readonly string[]).includes(s)) {
          throw new HttpError(400, `Expected a status among ${TRIAL_STATUS_VALUES.join(', ')}, but got ${s}`, 'query.status');
        }
      }
      const limit = req.query.limit ?? 200;
      const offset = req.query.offset ?? 0;
      const status = statuses as StoreTrialStatus[] | undefined;
      const [trials, counts, bests] = await Promise.all([
        store.listTrials(sweep.id, { status, sort: req.query.sort ?? 'number', order: req.query.order, limit, offset }),
        store.countTrials(sweep.id),
        store.listCheckpoints({ sweepId: sweep.id, kind: 'best', includeDeleted: true }),
      ]);
      const byTrial = new Map<string, CheckpointRow[]>();
      for (const c of bests) {
        const list = byTrial.get(c.trialId);
        if (list) list.push(c);
        else byTrial.set(c.trialId, [c]);
      }
      const bestOf = (t: TrialRow) => trialCheckpoint(byTrial.get(t.id) ?? [], sweep.config.metric, t.bestCheckpointId);
      const total = Object.entries(counts).reduce((sum, [s, n]) => (!status || status.includes(s as StoreTrialStatus) ? sum + n : sum), 0);
      return { trials: trials.map((t) => trialView(t, bestOf(t))), total, offset, limit };
    },
  );

  app.get<{ Params: IdParams; Querystring: SeriesQuery }>(
    '/api/sweeps/:id/series',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'One metric of many trials, downsampled, for overlaid learning curves; `after` fetches only new steps',
        params: IdParams,
        querystring: SeriesQuery,
        response: { 200: SeriesResponse, ...errors },
      },
    },
    async (req) => {
      const sweep = await requireSweep(store, req.params.id);
      const trialIds = commaList(req.query.trialIds);
      if (trialIds && trialIds.length > 500) throw new HttpError(400, 'Expected at most 500 trial ids', 'query.trialIds');
      const series = await store.getMetricSeries({
        name: req.query.name,
        ...(trialIds ? { trialIds } : { sweepId: sweep.id }),
        after: req.query.after,
        maxPoints: req.query.maxPoints ?? 300,
      });
      return { name: req.query.name, series: seriesView(series) };
    },
  );

  app.get<{ Params: IdParams; Querystring: ImportanceQuery }>(
    '/api/sweeps/:id/importance',
    {
      schema: {
        tags: ['sweeps'],
        summary: "What mattered: each parameter's importance (PED-ANOVA) for a metric over the completed trials",
        params: IdParams,
        querystring: ImportanceQuery,
        response: { 200: ImportanceResponse, ...errors },
      },
    },
    async (req) => {
      const sweep = await requireSweep(store, req.params.id);
      const metric = req.query.metric ?? sweep.metricName;
      const goal = req.query.goal ?? configuredGoal(sweep.config, metric) ?? (metric === sweep.metricName ? sweep.metricGoal : 'minimize');
      const trials = await store.listTrials(sweep.id, { status: 'completed' });
      // The sweep metric is each trial's recorded best value; another metric is read at that best step.
      let series: Record<string, MetricPoint[]> = {};
      if (metric !== sweep.metricName) {
        series = await store.getMetricSeries({ name: metric, sweepId: sweep.id });
        if (!Object.values(series).some((points) => points.length > 0) && configuredGoal(sweep.config, metric) === undefined) {
          throw new HttpError(400, `No trial of sweep ${sweep.id} reported a metric ${metric} (the sweep's metric is ${sweep.metricName})`, 'query.metric');
        }
      }
      return parameterImportance(sweep.config.parameters, trialsWithMetric(trials, metric, sweep.metricName, series), { name: metric, goal });
    },
  );
}
