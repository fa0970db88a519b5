import { improves, type MetricGoal } from '@tunelab/config';
import type { IntermediateValue } from './history';
import type { TrialStatus } from './lifecycle';

/**
 * "Best" by the sweep's metric and goal, in one place: a trial's best step, the best trial, and a trial's
 * checkpoints ranked for retention and promotion. Every rule is built on @tunelab/config's `improves` (strictly
 * better, finite values only), which the trainer also uses to choose its `best` checkpoint, so the trainer,
 * the trial's best value, the summary, retention, `promote --best` and the dashboard agree.
 */
export { improves };

export interface ScoredTrial {
  id: string | number;
  status: TrialStatus;
  /** The trial's objective; when absent, its best intermediate value is used. */
  value?: number;
  intermediate?: IntermediateValue[];
}

/** The best reported value of a curve (earliest step on ties), or null if nothing finite was reported. */
export function bestStep(intermediate: readonly IntermediateValue[] | undefined, goal: MetricGoal['goal']): IntermediateValue | null {
  let best: IntermediateValue | null = null;
  for (const iv of intermediate ?? []) {
    const better = improves(iv.value, best?.value, goal) || (best !== null && iv.value === best.value && iv.step < best.step);
    if (better) best = iv;
  }
  return best;
}

/** Trial statuses whose results count towards the best trial. */
const SCORED_STATUSES: ReadonlySet<TrialStatus> = new Set(['completed', 'pruned', 'running']);

/**
 * The best trial by the sweep metric among completed, pruned and running trials (a pruned trial's best
 * epoch is a real result; a running one's is the best so far). Failed, queued, stale and cancelled trials
 * are left out. Ties go to the trial listed first.
 */
export function bestTrial(trials: readonly ScoredTrial[], metric: MetricGoal): { trialId: string | number; value: number } | null {
  let best: { trialId: string | number; value: number } | null = null;
  for (const t of trials) {
    if (!SCORED_STATUSES.has(t.status)) continue;
    const v = Number.isFinite(t.value) ? (t.value as number) : bestStep(t.intermediate, metric.goal)?.value;
    if (improves(v, best?.value, metric.goal)) best = { trialId: t.id, value: v as number };
  }
  return best;
}

/** A checkpoint as ranking needs it: its epoch and the metrics of that epoch. */
export interface ScoredCheckpoint {
  epoch: number;
  metrics: Readonly<Record<string, number>>;
}

/**
 * A trial's checkpoints that recorded the sweep metric, best first (earlier epoch on ties). A checkpoint of
 * an epoch that did not compute the metric (an eval-block metric between `eval.every` epochs) is no
 * candidate and is left out. Retention keeps the head of this list.
 */
export function rankCheckpoints<T extends ScoredCheckpoint>(checkpoints: readonly T[], metric: MetricGoal): T[] {
  const scored = checkpoints.filter((c) => improves(c.metrics[metric.name], null, metric.goal));
  return scored.sort((a, b) => {
    const va = a.metrics[metric.name];
    const vb = b.metrics[metric.name];
    if (improves(va, vb, metric.goal)) return -1;
    if (improves(vb, va, metric.goal)) return 1;
    return a.epoch - b.epoch;
  });
}

/** The best of a trial's checkpoints by the sweep metric (see rankCheckpoints), or null when none recorded it. */
export function bestCheckpoint<T extends ScoredCheckpoint>(checkpoints: readonly T[], metric: MetricGoal): T | null {
  return rankCheckpoints(checkpoints, metric)[0] ?? null;
}

/**
 * The checkpoint that stands for a trial (the one `promote --best` promotes and the dashboard shows) among
 * `checkpoints`: the one the trial recorded as its best (`bestCheckpointId`, at its best step) when it is
 * among them, else the best of them by the sweep metric (see bestCheckpoint), else the newest. Null when
 * there are none.
 */
export function trialCheckpoint<T extends ScoredCheckpoint & { id: string }>(
  checkpoints: readonly T[],
  metric: MetricGoal,
  bestCheckpointId?: string | null,
): T | null {
  const recorded = bestCheckpointId ? checkpoints.find((c) => c.id === bestCheckpointId) : undefined;
  if (recorded) return recorded;
  const newest = (): T | null => checkpoints.reduce<T | null>((a, c) => (a === null || c.epoch > a.epoch ? c : a), null);
  return bestCheckpoint(checkpoints, metric) ?? newest();
}
