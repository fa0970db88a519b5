import { objectivesOf, type MetricGoal, type ParameterSpec, type ParameterValue, type SweepConfig } from '@tunelab/config';
import { goalSign } from './history';
import type { TrialStatus } from './lifecycle';
import { intBounds, quantizedSteps, valueKey, type TrialParams } from './space';
import { ndtr } from './tpe/normal';

/**
 * "What mattered": each searched parameter's importance for one metric over a sweep's completed trials.
 *
 * Method: PED-ANOVA (Watanabe, Bansal & Hutter, "PED-ANOVA: Efficiently Quantifying Hyperparameter
 * Importance in Arbitrary Subspaces", IJCAI 2023), the evaluator optuna-dashboard itself uses. A parameter's
 * importance is the Pearson divergence between its density among the top trials (the best `baselineQuantile`
 * of them, at least `minTopTrials`) and its density among all completed trials:
 * `Σ_bins p_all · (p_top / p_all − 1)²`. A parameter that does not matter is spread in the top trials as it
 * is in all of them (divergence ≈ 0); one that decides the metric is concentrated there.
 *
 * Why PED-ANOVA and not fANOVA on a random forest: it is closed-form (a few Parzen densities per parameter,
 * no forest to grow and no marginal variance decomposition over its leaves), so it answers in milliseconds for
 * a request, is small enough to test exhaustively, and needs no randomness at all — the same trials always give
 * the same importances, with no seed to thread through (fANOVA's forest would need the sweep's rng.ts streams).
 * Its caveat: it measures what it took to reach the top quantile by the metric's goal, so the goal matters
 * (fANOVA's variance split does not depend on it).
 *
 * Densities: each parameter is put on a grid — a categorical's choices (by @tunelab/config's canonical
 * key, so list and object choices work); an int_uniform's or q_uniform's values when there are at most
 * `gridSteps` of them; otherwise `gridSteps` evenly spaced points, in log space for log_uniform_values (a
 * learning rate's decades weigh the same, as the sampler draws them). On an ordinal grid the density is a
 * Parzen mixture of discretized normal kernels with Scott's-rule bandwidth plus one wide prior kernel; on a
 * categorical grid it is the choice frequencies blended with a uniform prior. The prior (weight
 * `priorWeight`, as one trial) keeps p_all above zero and damps a handful of top trials.
 */

/** Fewer completed trials than this, and importance is not computed (its answer has a `reason` instead). */
export const MIN_IMPORTANCE_TRIALS = 5;

/** One trial as importance reads it: its parameters, status, and the metric's value for it (if any). */
export interface ImportanceTrial {
  params: TrialParams;
  status: TrialStatus;
  /** The metric's value for the trial (see {@link valueAtStep} for metrics other than the sweep's). */
  value?: number | null;
}

export interface ImportanceOptions {
  /** The top trials are the best this fraction of the completed trials (Optuna's default 0.1). */
  baselineQuantile?: number;
  /** …but never fewer than this many (Optuna's 2). */
  minTopTrials?: number;
  /** Grid points of a continuous parameter (Optuna's 50). */
  gridSteps?: number;
  /** The prior kernel's weight, in trials (Optuna's 1). */
  priorWeight?: number;
}

export interface ParamImportance {
  param: string;
  importance: number;
}

export interface ImportanceResult {
  /** How importance was measured: always PED-ANOVA here (see the module comment). */
  method: 'ped-anova';
  metric: string;
  goal: MetricGoal['goal'];
  /** Completed trials with a finite value for the metric and a usable value for every parameter. */
  trials: number;
  /** Highest first; they sum to 1. Empty when `reason` says why. */
  importances: ParamImportance[];
  reason?: string;
}

const DEFAULTS: Required<ImportanceOptions> = { baselineQuantile: 0.1, minTopTrials: 2, gridSteps: 50, priorWeight: 1 };

/**
 * Each parameter's importance for `metric` over the completed trials (PED-ANOVA; see the module comment).
 * Constant parameters (and any whose spec admits one value) get importance 0 and come last; the others share
 * 1. With fewer than {@link MIN_IMPORTANCE_TRIALS} usable trials, or no searched parameter, `importances` is
 * empty and `reason` says why. When the top trials are spread like all of them for every parameter, the
 * searched parameters share equally.
 * @param parameters the sweep's parameter space (file order breaks ties)
 * @param trials every trial of the sweep; only completed ones with a finite `value` count
 */
export function parameterImportance(
  parameters: Readonly<Record<string, ParameterSpec>>,
  trials: readonly ImportanceTrial[],
  metric: MetricGoal,
  options: ImportanceOptions = {},
): ImportanceResult {
  const opts = { ...DEFAULTS, ...options };
  if (!(opts.baselineQuantile > 0 && opts.baselineQuantile <= 1)) {
    throw new Error(`Expected baselineQuantile in (0, 1], but got ${opts.baselineQuantile}`);
  }
  if (!(Number.isInteger(opts.gridSteps) && opts.gridSteps >= 2)) throw new Error(`Expected gridSteps an integer >= 2, but got ${opts.gridSteps}`);
  const names = Object.keys(parameters);
  const grids = new Map(names.map((n) => [n, gridOf(parameters[n], opts.gridSteps)]));
  const searched = names.filter((n) => grids.get(n)!.size > 1);

  // A trial counts only when every searched parameter has a value on its grid (a trial from before the
  // space changed may not), so that every density is over the same trials.
  const usable: { bins: Map<string, number>; value: number }[] = [];
  for (const t of trials) {
    if (t.status !== 'completed' || typeof t.value !== 'number' || !Number.isFinite(t.value)) continue;
    const bins = new Map<string, number>();
    for (const n of searched) {
      const bin = grids.get(n)!.binOf(t.params[n]);
      if (bin === null) break;
      bins.set(n, bin);
    }
    if (bins.size === searched.length) usable.push({ bins, value: t.value });
  }

  const base = { method: 'ped-anova' as const, metric: metric.name, goal: metric.goal, trials: usable.length };
  if (usable.length < MIN_IMPORTANCE_TRIALS) {
    return {
      ...base,
      importances: [],
      reason: `importance needs at least ${MIN_IMPORTANCE_TRIALS} completed trials with a value for ${metric.name}; there ${usable.length === 1 ? 'is' : 'are'} ${usable.length}`,
    };
  }
  if (searched.length === 0) {
    return { ...base, importances: [], reason: 'the sweep searches no parameter (every parameter has one value)' };
  }

  const top = topTrials(usable, metric.goal, opts);
  const divergence = searched.map((n) => {
    const grid = grids.get(n)!;
    const pAll = grid.density(usable.map((u) => u.bins.get(n)!), opts.priorWeight);
    const pTop = grid.density(top.map((u) => u.bins.get(n)!), opts.priorWeight);
    let d = 0;
    for (let j = 0; j < pAll.length; j++) d += (pTop[j] - pAll[j]) ** 2 / pAll[j];
    return d;
  });
  const total = divergence.reduce((a, b) => a + b, 0);
  const shares = total > 0 ? divergence.map((d) => d / total) : divergence.map(() => 1 / searched.length);
  const order = new Map(names.map((n, i) => [n, i]));
  const importances: ParamImportance[] = [
    ...searched.map((param, i) => ({ param, importance: shares[i] })),
    ...names.filter((n) => !searched.includes(n)).map((param) => ({ param, importance: 0 })),
  ].sort((a, b) => b.importance - a.importance || order.get(a.param)! - order.get(b.param)!);
  return { ...base, importances };
}

/**
 * The top trials: those at least as good as the k-th best, k = max(minTopTrials, ⌈quantile·n⌉). Ties at the
 * cut all count, so equal values never split arbitrarily.
 */
function topTrials<T extends { value: number }>(trials: readonly T[], goal: MetricGoal['goal'], opts: Required<ImportanceOptions>): T[] {
  const sign = goalSign(goal);
  const sorted = trials.map((t) => sign * t.value).sort((a, b) => a - b);
  const k = Math.min(sorted.length, Math.max(opts.minTopTrials, Math.ceil(opts.baselineQuantile * sorted.length)));
  const cutoff = sorted[k - 1];
  return trials.filter((t) => sign * t.value <= cutoff);
}

/** A parameter's grid: how many points, which point a value falls on, and a smoothed density over them. */
interface Grid {
  size: number;
  /** The grid point of a value, or null when the value is not one this parameter can take. */
  binOf(value: ParameterValue | undefined): number | null;
  /** A probability for each grid point (all > 0, summing to 1) from the grid points of some trials. */
  density(bins: readonly number[], priorWeight: number): number[];
}

function gridOf(spec: ParameterSpec, steps: number): Grid {
  switch (spec.kind) {
    case 'constant':
      return categoricalGrid([spec.value]);
    case 'categorical':
      return categoricalGrid(spec.values);
    case 'int_uniform': {
      const [lo, hi] = intBounds(spec);
      return ordinalGrid(lo, hi, Math.min(steps, hi - lo + 1), (x) => x);
    }
    case 'q_uniform':
      return ordinalGrid(spec.min, spec.min + quantizedSteps(spec) * spec.q, Math.min(steps, quantizedSteps(spec) + 1), (x) => x);
    case 'uniform':
      return ordinalGrid(spec.min, spec.max, spec.max > spec.min ? steps : 1, (x) => x);
    case 'log_uniform_values':
      return ordinalGrid(spec.min, spec.max, spec.max > spec.min ? steps : 1, Math.log);
    default:
      throw new Error(`Unknown parameter kind ${(spec as { kind: string }).kind}`);
  }
}

/** One point per choice; a value that is none of the choices is unusable. */
function categoricalGrid(choices: readonly ParameterValue[]): Grid {
  const index = new Map<string, number>();
  for (const c of choices) if (!index.has(valueKey(c))) index.set(valueKey(c), index.size);
  const size = index.size;
  return {
    size,
    binOf: (value) => (value === undefined ? null : (index.get(valueKey(value)) ?? null)),
    // Frequencies blended with a uniform prior: a mixture of the trials' one-hot kernels and a uniform kernel.
    density: (bins, w) => {
      const p = new Array<number>(size).fill(w / size);
      for (const b of bins) p[b] += 1;
      return p.map((x) => x / (bins.length + w));
    },
  };
}

/**
 * `size` points evenly spaced from lo to hi after `scale` (identity, or log for log-uniform). A value snaps
 * to the nearest point; one outside [lo, hi] (the space was narrowed after it ran) to the nearest end.
 */
function ordinalGrid(lo: number, hi: number, size: number, scale: (x: number) => number): Grid {
  const a = scale(lo);
  const span = scale(hi) - a;
  return {
    size,
    binOf: (value) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) return null;
      const x = scale(value);
      if (Number.isNaN(x)) return null; // log of a non-positive value
      if (size === 1 || !(span > 0)) return 0;
      return Math.min(size - 1, Math.max(0, Math.round(((x - a) / span) * (size - 1))));
    },
    density: (bins, w) => parzenOnGrid(bins, size, w),
  };
}

/**
 * A Parzen density over grid points 0…size−1: one discretized normal kernel per trial, its width by Scott's
 * rule in grid units (at least 0.5/1.64, so a lone trial keeps ~90% of its kernel within half a step), plus
 * a prior kernel of weight w centred on the grid, as wide as the grid, so no point gets zero density.
 */
function parzenOnGrid(bins: readonly number[], size: number, w: number): number[] {
  const n = bins.length;
  const counts = new Array<number>(size).fill(0);
  for (const b of bins) counts[b]++;
  const mean = bins.reduce((s, b) => s + b, 0) / n;
  const sd = Math.sqrt(bins.reduce((s, b) => s + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const sorted = [...bins].sort((x, y) => x - y);
  const iqr = sorted[Math.min(n - 1, Math.floor((3 * n) / 4))] - sorted[Math.floor(n / 4)];
  const sigma = Math.max(0.5 / 1.64, 1.059 * Math.min(iqr / 1.34, sd) * n ** -0.2);

  const p = new Array<number>(size).fill(0);
  const addKernel = (mu: number, s: number, weight: number): void => {
    // The kernel truncated to the grid's extent [−0.5, size − 0.5], each point taking its cell's mass.
    const mass = Array.from({ length: size }, (_, j) => ndtr((j + 0.5 - mu) / s) - ndtr((j - 0.5 - mu) / s));
    const total = mass.reduce((x, y) => x + y, 0);
    if (!(total > 0)) {
      p[Math.min(size - 1, Math.max(0, Math.round(mu)))] += weight;
      return;
    }
    for (let j = 0; j < size; j++) p[j] += (weight * mass[j]) / total;
  };
  for (let j = 0; j < size; j++) if (counts[j] > 0) addKernel(j, sigma, counts[j]);
  addKernel((size - 1) / 2, size, w);
  return p.map((x) => x / (n + w));
}

/**
 * A metric's value for a trial at a given step (the trial's best epoch by the sweep metric, the checkpoint
 * `promote --best` takes): the last finite report of exactly that step, else null — pareto.ts's
 * objectiveVector rule, so an objective's importance and the front read the same values. A metric computed
 * every few epochs that skipped the best epoch leaves the trial out.
 */
export function valueAtStep(points: readonly { step: number; value: number }[] | undefined, step: number | null | undefined): number | null {
  if (step === null || step === undefined) return null;
  let at: number | null = null;
  for (const p of points ?? []) if (p.step === step && Number.isFinite(p.value)) at = p.value;
  return at;
}

/** A trial as a store lists it: enough to give it a value for any metric. */
export interface StoredTrialLike {
  id: string;
  status: TrialStatus;
  params: TrialParams;
  bestValue: number | null;
  bestStep: number | null;
}

/**
 * The trials of a sweep with their value for `metric`: the sweep's own metric is each trial's recorded best
 * value; any other metric is read from `series` (trial id → points) at the trial's best step by the sweep
 * metric (see {@link valueAtStep}), as a multi-objective sweep reads a trial's objective vector.
 */
export function trialsWithMetric(
  trials: readonly StoredTrialLike[],
  metric: string,
  sweepMetric: string,
  series: Readonly<Record<string, readonly { step: number; value: number }[]>> = {},
): ImportanceTrial[] {
  return trials.map((t) => ({
    params: t.params,
    status: t.status,
    value: metric === sweepMetric ? t.bestValue : valueAtStep(series[t.id], t.bestStep),
  }));
}

/**
 * The goal a sweep config gives metric `name` when it is one of the sweep's objectives (@tunelab/config's
 * objectivesOf: the `metric` mapping, or every item of a `metric` list); undefined otherwise.
 */
export function configuredGoal(config: Pick<SweepConfig, 'metric' | 'objectives'>, name: string): MetricGoal['goal'] | undefined {
  return objectivesOf(config).find((o) => o.name === name)?.goal;
}
