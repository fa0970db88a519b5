import type { MetricGoal } from './sweep-types';

/**
 * The one comparison behind every "best" in tunelab (the trainer's best checkpoint, a trial's best value,
 * the best trial, retention, promote): whether `value` is strictly better than `best` for the goal. A value
 * that is missing or not finite never improves; anything finite improves on no best (null) or a non-finite
 * one. Strict, so on ties the earlier value stays best. It lives here, at the bottom of the package layers,
 * so the trainer (@tunelab/model) can use it too; @tunelab/sweep builds the rest of "best" on it.
 */
export function improves(value: number | null | undefined, best: number | null | undefined, goal: MetricGoal['goal']): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (typeof best !== 'number' || !Number.isFinite(best)) return true;
  return goal === 'maximize' ? value > best : value < best;
}
