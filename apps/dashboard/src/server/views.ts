import type { AliasRow, CheckpointRow, MetricPoint, SweepRow, TrialRow } from '@tunelab/store';
import type { Alias, Checkpoint, Point, Sample, Trial, TuneScore } from '../api/schemas';
import type { SampleRow } from '@tunelab/store';

/** JSON has no NaN: a diverged value travels as null. */
export const finiteOrNull = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;

const finiteMetrics = (m: Record<string, number> | undefined): Record<string, number | null> =>
  Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, finiteOrNull(v)]));

/** A trial as the API shows it; `best` is its best checkpoint when known (for bestMetrics). */
export function trialView(t: TrialRow, best?: CheckpointRow | null): Trial {
  return {
    id: t.id,
    sweepId: t.sweepId,
    number: t.number,
    params: t.params as Record<string, unknown>,
    status: t.status,
    attempt: t.attempt,
    createdAt: t.createdAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    bestValue: finiteOrNull(t.bestValue),
    bestStep: t.bestStep,
    bestCheckpointId: t.bestCheckpointId,
    failureReason: t.failureReason,
    pruneReason: t.pruneReason,
    bestMetrics: finiteMetrics(best?.metrics),
  };
}

export function pointsView(points: readonly MetricPoint[]): Point[] {
  const out: Point[] = new Array(points.length);
  for (let i = 0; i < points.length; i++) out[i] = [points[i].step, finiteOrNull(points[i].value)];
  return out;
}

export function seriesView(series: Record<string, MetricPoint[]>): Record<string, Point[]> {
  const out: Record<string, Point[]> = {};
  for (const [k, v] of Object.entries(series)) out[k] = pointsView(v);
  return out;
}

export function checkpointView(c: CheckpointRow, aliases: readonly AliasRow[]): Checkpoint {
  const metrics: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(c.metrics)) metrics[k] = finiteOrNull(v);
  return {
    id: c.id,
    trialId: c.trialId,
    epoch: c.epoch,
    kind: c.kind,
    metrics,
    createdAt: c.createdAt,
    deleted: c.deletedAt !== null,
    aliases: aliases.filter((a) => a.checkpointId === c.id && a.supersededAt === null).map((a) => a.alias),
  };
}

export function aliasView(a: AliasRow, where: { trialId: string | null; sweepId: string | null }): Alias {
  return { ...a, trialId: where.trialId, sweepId: where.sweepId };
}

export function sampleView(s: SampleRow): Sample {
  return {
    id: s.id,
    checkpointId: s.checkpointId,
    createdAt: s.createdAt,
    settings: s.settings,
    abc: s.abc,
    eval: (s.eval as TuneScore | null) ?? null,
  };
}

export function sweepBase(s: SweepRow) {
  return {
    id: s.id,
    name: s.name,
    method: s.method,
    metricName: s.metricName,
    metricGoal: s.metricGoal,
    status: s.status,
    seed: s.seed,
    distributed: s.distributed,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
  };
}
