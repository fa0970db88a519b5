import type { MetricGoal } from '@tunelab/config';
import { goalSign, type IntermediateValue, type TrialStatus } from './history';

/** The best point of a trial's metric curve, and which trial is best overall. */

export interface ScoredTrial {
  id: string | number;
  status: TrialStatus;
  /** The trial's objective; when absent, its best intermediate value is used. */
  value?: number;
  intermediate?: IntermediateValue[];
}

/** The best reported value of a curve (earliest step on ties), or null if nothing finite was reported. */
export function bestStep(intermediate: readonly IntermediateValue[] | undefined, goal: MetricGoal['goal']): IntermediateValue | null {
  const sign = goalSign(goal);
  let best: IntermediateValue | null = null;
  for (const iv of intermediate ?? []) {
    if (!Number.isFinite(iv.value)) continue;
    const better = best === null || sign * iv.value < sign * best.value || (iv.value === best.value && iv.step < best.step);
    if (better) best = iv;
  }
  return best;
}

/**
 * The best trial by the sweep metric among completed, pruned and running trials (a pruned trial's best
 * epoch is a real result; a running one's is the best so far). Failed, queued, stale and cancelled trials
 * are left out. Ties go to the trial listed first.
 */
export function bestTrial(trials: readonly ScoredTrial[], metric: MetricGoal): { trialId: string | number; value: number } | null {
  const sign = goalSign(metric.goal);
  let best: { trialId: string | number; value: number } | null = null;
  for (const t of trials) {
    if (t.status !== 'completed' && t.status !== 'pruned' && t.status !== 'running') continue;
    const v = Number.isFinite(t.value) ? (t.value as number) : bestStep(t.intermediate, metric.goal)?.value;
    if (v === undefined) continue;
    if (best === null || sign * v < sign * best.value) best = { trialId: t.id, value: v };
  }
  return best;
}
