import type { MetricGoal, SweepConfig } from '@tunelab/config';
import { bestCheckpoint, bestStep, bestTrial } from './best';
import { objectiveVector, paretoFront } from './pareto';
import { sweepStatus } from './controller';
import type { IntermediateValue } from './history';
import type { SweepStatus, TrialStatus } from './lifecycle';
import type { TrialParams } from './space';

/** The JSON document `tunelab sweep status --json` prints, built from plain store rows. */

export interface SummaryTrialRow {
  id: string | number;
  status: TrialStatus;
  params: TrialParams;
  /** Latest attempt, counted from 0 as the store does; default 0. */
  attempt?: number;
  /** The sweep metric (the first objective) per step. */
  metrics?: IntermediateValue[];
  /** Several objectives: each objective's values per step, by metric name (the first may be left to `metrics`). */
  objectiveMetrics?: Readonly<Record<string, readonly { step: number; value: number }[] | undefined>>;
  /** Saved checkpoints (path or id as the store names them). */
  checkpoints?: { step: number; path: string }[];
  error?: string | null;
}

export interface SweepSummaryInput {
  sweepId: string;
  metric: MetricGoal;
  /** Every objective, the first being `metric` (default: `[metric]`; see @tunelab/config's objectivesOf). */
  objectives?: readonly MetricGoal[];
  trials: readonly SummaryTrialRow[];
  /** The sweep's status when the store knows it; otherwise derived by sweepStatus. */
  status?: SweepStatus;
  /** Lets the derived status know about run_cap and retries; without it, no more trials are expected. */
  config?: Pick<SweepConfig, 'run_cap' | 'retries'>;
}

export interface TrialSummary {
  id: string | number;
  status: TrialStatus;
  params: TrialParams;
  best: { name: string; value: number; step: number } | null;
  /**
   * The objective vector: each objective's value at `best.step` (null where that step has none), in the
   * objectives' order; null when the trial has no best step.
   */
  values: (number | null)[] | null;
  /** The saved checkpoint with the best metric at its step, or null if no checkpoint step has a value. */
  bestCheckpoint: string | null;
  error: string | null;
}

export interface SweepSummary {
  sweepId: string;
  status: SweepStatus;
  trials: TrialSummary[];
  best: { trialId: string | number; value: number } | null;
  /**
   * The Pareto front: completed trials with a value for every objective that no such trial dominates, in
   * trial order. With one objective, the completed trials tied at the best value.
   */
  pareto: (string | number)[];
}

/** The saved checkpoint whose step has the best metric value (bestCheckpoint's rule), or null. */
function bestCheckpointPath(row: SummaryTrialRow, metric: MetricGoal): string | null {
  const byStep = new Map<number, number>();
  for (const m of row.metrics ?? []) byStep.set(m.step, m.value);
  const scored = (row.checkpoints ?? [])
    .filter((c) => byStep.has(c.step))
    .map((c) => ({ epoch: c.step, metrics: { [metric.name]: byStep.get(c.step) as number }, path: c.path }));
  return bestCheckpoint(scored, metric)?.path ?? null;
}

/**
 * Summarise a sweep: per trial its best metric value and step, its objective vector at that step, the
 * checkpoint to keep, and its error; overall the best trial by the first objective (bestTrial's rules:
 * completed, pruned and running trials count) and the Pareto front of the completed trials.
 */
export function summarize(input: SweepSummaryInput): SweepSummary {
  const { metric } = input;
  const objectives = input.objectives && input.objectives.length > 0 ? input.objectives : [metric];
  const trials = input.trials.map((row): TrialSummary => {
    const b = bestStep(row.metrics, metric.goal);
    const vector = objectiveVector({ ...row.objectiveMetrics, [metric.name]: row.metrics }, objectives);
    return {
      id: row.id,
      status: row.status,
      params: row.params,
      best: b === null ? null : { name: metric.name, value: b.value, step: b.step },
      values: vector?.values ?? null,
      bestCheckpoint: bestCheckpointPath(row, metric),
      error: row.error ?? null,
    };
  });
  const scheduled = input.trials.map((t) => ({ status: t.status, attempt: t.attempt ?? 0 }));
  const status =
    input.status ?? sweepStatus(scheduled, input.config ?? { run_cap: input.trials.length, retries: 0 });
  const best = bestTrial(
    trials.map((t) => ({ id: t.id, status: t.status, value: t.best?.value })),
    metric,
  );
  const pareto = paretoFront(
    trials.filter((t) => t.status === 'completed'),
    objectives,
  ).map((t) => t.id);
  return { sweepId: input.sweepId, status, trials, best, pareto };
}
