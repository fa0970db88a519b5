import type { MetricGoal } from '@tunelab/config';
import { bestStep } from './best';
import type { IntermediateValue } from './history';

/**
 * Several objectives: Pareto dominance, the front, non-dominated sorting, and a trial's objective vector.
 * Plain functions of numbers, so the sweep status, the TPE split and tests all use one definition.
 */

export type Goal = MetricGoal['goal'];

/** A vector with every value finite (the only kind that can dominate or be on the front). */
function complete(v: readonly (number | null | undefined)[] | null | undefined, length: number): v is readonly number[] {
  return !!v && v.length === length && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/**
 * Whether objective vector `a` Pareto-dominates `b`: no worse on every objective and strictly better on at
 * least one, each by its goal. Equal vectors do not dominate each other (ties share a front).
 * @param goals one per objective, in the vectors' order
 */
export function dominates(a: readonly number[], b: readonly number[], goals: readonly Goal[]): boolean {
  if (a.length !== goals.length || b.length !== goals.length) {
    throw new Error(`Expected vectors of ${goals.length} objectives, but got ${a.length} and ${b.length}`);
  }
  let better = false;
  for (let i = 0; i < goals.length; i++) {
    const d = goals[i] === 'maximize' ? b[i] - a[i] : a[i] - b[i];
    if (d > 0) return false;
    if (d < 0) better = true;
  }
  return better;
}

/**
 * Non-dominated sorting (Deb et al.'s NSGA-II ranking): rank 0 is the set no vector dominates, rank 1 what
 * only rank 0 dominates, and so on. O(M·N²), fine for a sweep's hundreds of trials.
 * @returns each vector's rank, in input order
 */
export function nonDominatedRanks(vectors: readonly (readonly number[])[], goals: readonly Goal[]): number[] {
  const n = vectors.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const dominatesList: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(vectors[i], vectors[j], goals)) {
        dominatesList[i].push(j);
        dominatedBy[j]++;
      } else if (dominates(vectors[j], vectors[i], goals)) {
        dominatesList[j].push(i);
        dominatedBy[i]++;
      }
    }
  }
  const ranks = new Array<number>(n).fill(-1);
  let current = vectors.map((_, i) => i).filter((i) => dominatedBy[i] === 0);
  for (let rank = 0; current.length > 0; rank++) {
    const next: number[] = [];
    for (const i of current) {
      ranks[i] = rank;
      for (const j of dominatesList[i]) if (--dominatedBy[j] === 0) next.push(j);
    }
    current = next;
  }
  return ranks;
}

/** Anything with an objective vector: a trial as the front reads it. */
export interface VectorTrial {
  /** One value per objective, in the objectives' order; null or missing where the trial has none. */
  values?: readonly (number | null | undefined)[] | null;
}

/**
 * The Pareto front: the items whose vector is complete (a finite value for every objective) and that no
 * other complete vector dominates. Items lacking a value for some objective are never on it (and dominate
 * nothing). Ties are all kept. Input order is kept. Filter by status first: the sweep's front is over its
 * completed trials.
 */
export function paretoFront<T extends VectorTrial>(trials: readonly T[], objectives: readonly Pick<MetricGoal, 'goal'>[]): T[] {
  const goals = objectives.map((o) => o.goal);
  const scored = trials.filter((t) => complete(t.values, goals.length));
  const ranks = nonDominatedRanks(
    scored.map((t) => t.values as readonly number[]),
    goals,
  );
  return scored.filter((_, i) => ranks[i] === 0);
}

/**
 * A trial's objective vector: each objective's value at the trial's best step by the first objective (the
 * epoch whose checkpoint `promote` takes; bestStep's rule, earliest on ties). A value the trial did not
 * report at that step (an eval-block metric between `eval.every` epochs) is null. Null when the first
 * objective has no finite value at all.
 * @param series each objective's reported values by step, keyed by metric name
 */
export function objectiveVector(
  series: Readonly<Record<string, readonly { step: number; value: number }[] | undefined>>,
  objectives: readonly MetricGoal[],
): { step: number; values: (number | null)[] } | null {
  const [first] = objectives;
  if (!first) return null;
  const best = bestStep(series[first.name] as IntermediateValue[] | undefined, first.goal);
  if (best === null) return null;
  const values = objectives.map((o) => {
    // The last report of a step counts, as everywhere a step repeats (a resumed attempt).
    const at = (series[o.name] ?? []).filter((p) => p.step === best.step).at(-1)?.value;
    return typeof at === 'number' && Number.isFinite(at) ? at : null;
  });
  return { step: best.step, values };
}

/**
 * The hypervolume dominated by `points` up to `reference`, all objectives minimized (points not strictly
 * better than the reference on every objective add nothing). Exact, by slicing along the last objective
 * (HSO); O(N^(M−1)·N log N), meant for the small sets a TPE split ties on.
 */
export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const inside = points.filter((p) => p.every((x, i) => x < reference[i]));
  if (inside.length === 0) return 0;
  const m = reference.length;
  if (m === 1) return reference[0] - Math.min(...inside.map((p) => p[0]));
  const sorted = [...inside].sort((a, b) => a[m - 1] - b[m - 1]);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1][m - 1] : reference[m - 1];
    const depth = top - sorted[i][m - 1];
    if (depth <= 0) continue;
    volume += depth * hypervolume(sorted.slice(0, i + 1).map((p) => p.slice(0, m - 1)), reference.slice(0, m - 1));
  }
  return volume;
}

/**
 * Greedy hypervolume subset selection (Optuna's `_solve_hssp` tie-break): pick `size` of `points` (all
 * minimized) one at a time, each time the one adding the most hypervolume to those already picked (lowest
 * index on ties). Greedy is within 1 − 1/e of the best subset.
 * @returns indices into `points`, in the order picked
 */
export function selectByHypervolume(points: readonly (readonly number[])[], size: number, reference: readonly number[]): number[] {
  const picked: number[] = [];
  const left = new Set(points.map((_, i) => i));
  let base = 0;
  while (picked.length < Math.min(size, points.length)) {
    let best = -1;
    let bestGain = -Infinity;
    for (const i of left) {
      const gain = hypervolume([...picked.map((j) => points[j]), points[i]], reference) - base;
      if (gain > bestGain) {
        best = i;
        bestGain = gain;
      }
    }
    picked.push(best);
    left.delete(best);
    base += bestGain;
  }
  return picked;
}

/**
 * The good group of a multi-objective TPE split, as Optuna's `_split_complete_trials_multi_objective`
 * makes it: whole non-domination ranks while they fit in `size`; the rank that does not fit is cut by greedy
 * hypervolume contribution (selectByHypervolume), with Optuna's reference point: 1.1 × the rank's worst
 * value per objective (0.9 × when negative; a small ε where 0).
 * @param vectors complete objective vectors, all minimized (multiply maximized values by −1 first)
 * @returns indices into `vectors` of the good group (size of them, or all when fewer)
 */
export function splitNonDominated(vectors: readonly (readonly number[])[], size: number): number[] {
  if (size <= 0 || vectors.length === 0) return [];
  if (size >= vectors.length) return vectors.map((_, i) => i);
  const m = vectors[0].length;
  const ranks = nonDominatedRanks(vectors, new Array<Goal>(m).fill('minimize'));
  const chosen: number[] = [];
  for (let rank = 0; chosen.length < size; rank++) {
    const members = ranks.flatMap((r, i) => (r === rank ? [i] : []));
    if (chosen.length + members.length <= size) {
      chosen.push(...members);
      continue;
    }
    const points = members.map((i) => vectors[i]);
    const reference = Array.from({ length: m }, (_, k) => {
      const worst = Math.max(...points.map((p) => p[k]));
      const ref = Math.max(1.1 * worst, 0.9 * worst);
      return ref === 0 ? 1e-12 : ref;
    });
    chosen.push(...selectByHypervolume(points, size - chosen.length, reference).map((j) => members[j]));
  }
  return chosen;
}
