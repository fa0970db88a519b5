import type { MetricGoal, ParameterSpec } from '@tunelab/config';
import { goalSign, lastIntermediate, type TrialRecord } from '../history';
import { isInFlight } from '../lifecycle';
import { splitNonDominated } from '../pareto';
import { createRng, STREAM, type Rng } from '../rng';
import { intBounds, paramsKey, quantizedSteps, quantizedValue, valueKey, type TrialParams } from '../space';
import {
  buildCategorical,
  buildNumerical,
  logDensity,
  sampleEstimator,
  type ParzenEstimator,
  type ParzenOptions,
} from './parzen-estimator';

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), univariate as in Optuna's default TPESampler:
 * split the observed trials into a good group (the best γ(n)) and a bad group, model each parameter by a
 * Parzen estimator l(x) over the good and g(x) over the bad, draw candidates from l and keep the one that
 * maximises l(x)/g(x) — which maximises expected improvement under the TPE model.
 */

export interface TpeOptions {
  /** Random trials before TPE starts (counted in completed + pruned trials). See defaultStartupTrials. */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter (Optuna: 24). */
  nEiCandidates?: number;
  /** Size of the good group for n observations (Optuna: min(ceil(0.1 n), 25)). */
  gamma?: (n: number) => number;
  /** Prior kernel weight (Optuna: 1.0). */
  priorWeight?: number;
  /** Magic-clip bandwidths (Optuna: true). */
  considerMagicClip?: boolean;
  /**
   * Count queued / running / stale trials as the worst observations (Optuna's constant_liar), so that trials
   * proposed while others are in flight spread out instead of piling on the same spot. Default true: a sweep
   * runs `parallel` trials at once.
   */
  constantLiar?: boolean;
}

/** Optuna's default γ: the good group is the best 10 % of observations, at most 25. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * Startup length for a sweep of run_cap trials: Optuna's 10, but at most a quarter of the budget (at least
 * 2, the fewest that give TPE both a good and a bad group) — a 12-trial sweep should not be 10/12 random.
 */
export function defaultStartupTrials(runCap: number): number {
  return Math.min(10, Math.max(2, Math.floor(runCap / 4)));
}

/**
 * Optuna's default_weights: observations in trial order, all weight 1 up to 25; beyond that the oldest
 * n − 25 ramp linearly from 1/n to 1, so old observations fade as the search moves on.
 */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array(n).fill(1);
  const rampLen = n - 25;
  const ramp = Array.from({ length: rampLen }, (_, i) => (rampLen === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (rampLen - 1)));
  return [...ramp, ...new Array(25).fill(1)];
}

interface Observation {
  /** Position in the history = trial number; weights follow it. */
  index: number;
  params: TrialParams;
  /** Sort key, smaller is better: [group, ...]. */
  rank: number[];
  liar: boolean;
  /** Several objectives: a completed trial's full vector, every value signed so that smaller is better. */
  vector?: number[];
}

/**
 * Rank the history the way Optuna's _split_trials does: completed trials by objective; then pruned trials,
 * those that got further first, ties by their last intermediate value; then pruned trials that reported
 * nothing; then (constant liar) trials in flight. Failed and cancelled trials carry no information.
 * With several objectives (`signs` longer than one) a completed trial's objective is its vector (`values`):
 * those with a complete vector come first, ordered here only by trial (their split is by non-dominated
 * ranking, see splitObservations); completed trials lacking a value for some objective follow them; pruned
 * trials are ranked by the first objective, which early termination reads.
 */
function rankObservations(history: readonly TrialRecord[], signs: readonly number[], constantLiar: boolean): Observation[] {
  const obs: Observation[] = [];
  const sign = signs[0];
  const multi = signs.length > 1;
  history.forEach((t, index) => {
    if (t.status === 'completed' && multi) {
      const values = t.values ?? [];
      const full = values.length === signs.length && values.every((v) => typeof v === 'number' && Number.isFinite(v));
      if (full) obs.push({ index, params: t.params, rank: [0], liar: false, vector: values.map((v, i) => signs[i] * (v as number)) });
      // A completed trial with only part of its vector is still a finished result: worse than any full one.
      else obs.push({ index, params: t.params, rank: [0.5], liar: false });
    } else if (t.status === 'completed') {
      const v = Number.isFinite(t.value) ? (t.value as number) : lastIntermediate(t)?.value;
      if (v !== undefined && Number.isFinite(v)) obs.push({ index, params: t.params, rank: [0, sign * v], liar: false });
    } else if (t.status === 'pruned') {
      const last = lastIntermediate(t);
      obs.push({
        index,
        params: t.params,
        rank: last ? [1, -last.step, sign * last.value] : [2],
        liar: false,
      });
    } else if (constantLiar && isInFlight(t.status)) {
      obs.push({ index, params: t.params, rank: [3], liar: true });
    }
  });
  const cmp = (a: Observation, b: Observation): number => {
    for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
      const d = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
      if (d !== 0) return d;
    }
    return a.index - b.index;
  };
  return obs.sort(cmp);
}

/** Number of completed + pruned trials (the observations that count toward the startup phase). */
export function countObservations(history: readonly TrialRecord[]): number {
  return rankObservations(history, [1], false).length;
}

/**
 * The good (below) and bad (above) groups: the first `nBelow` of the ranking, except that with several
 * objectives, when the good group ends among the completed trials with a full vector, which of them are good
 * is decided as Optuna's multi-objective TPE does it (splitNonDominated: whole Pareto ranks, the last rank
 * cut by greedy hypervolume contribution).
 */
function splitObservations(ranked: readonly Observation[], nBelow: number): { below: Observation[]; above: Observation[] } {
  const withVector = ranked.filter((o) => o.vector !== undefined);
  if (withVector.length === 0 || nBelow >= withVector.length) {
    return { below: ranked.slice(0, nBelow), above: ranked.slice(nBelow) };
  }
  const good = new Set(splitNonDominated(withVector.map((o) => o.vector!), nBelow).map((i) => withVector[i]));
  return { below: ranked.filter((o) => good.has(o)), above: ranked.filter((o) => !good.has(o)) };
}

/** A parameter seen through its transformed space (see parzen-estimator.ts). */
interface ParamCodec {
  toSpace(v: unknown): number | undefined;
  fromSpace(x: number): TrialParams[string];
  build(obs: number[], weights: number[], opts: ParzenOptions): ParzenEstimator;
}

/** The parameter's codec, or its one value when it cannot vary (constant, or a range of width zero). */
function codecFor(spec: ParameterSpec): ParamCodec | { constant: TrialParams[string] } {
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  if (spec.kind === 'uniform' || spec.kind === 'log_uniform_values') {
    if (spec.min === spec.max) return { constant: spec.min };
  }
  if (spec.kind === 'int_uniform' && intBounds(spec)[0] === intBounds(spec)[1]) return { constant: intBounds(spec)[0] };
  if (spec.kind === 'q_uniform' && quantizedSteps(spec) === 0) return { constant: quantizedValue(spec, 0) };
  switch (spec.kind) {
    case 'constant':
      return { constant: spec.value };
    case 'categorical': {
      const keys = spec.values.map(valueKey);
      return {
        toSpace: (v) => {
          const i = v === undefined ? -1 : keys.indexOf(valueKey(v as TrialParams[string]));
          return i < 0 ? undefined : i;
        },
        fromSpace: (x) => spec.values[x],
        build: (obs, w, o) => buildCategorical(obs, w, spec.values.length, o),
      };
    }
    case 'uniform':
      return {
        toSpace: (v) => {
          const x = num(v);
          return x !== undefined && x >= spec.min && x <= spec.max ? x : undefined;
        },
        fromSpace: (x) => Math.min(spec.max, Math.max(spec.min, x)),
        build: (obs, w, o) => buildNumerical(obs, w, spec.min, spec.max, false, o),
      };
    case 'log_uniform_values': {
      const lo = Math.log(spec.min);
      const hi = Math.log(spec.max);
      return {
        toSpace: (v) => {
          const x = num(v);
          return x !== undefined && x >= spec.min && x <= spec.max ? Math.log(x) : undefined;
        },
        fromSpace: (x) => Math.min(spec.max, Math.max(spec.min, Math.exp(x))),
        build: (obs, w, o) => buildNumerical(obs, w, lo, hi, false, o),
      };
    }
    case 'int_uniform': {
      const [lo, hi] = intBounds(spec);
      return {
        toSpace: (v) => {
          const x = num(v);
          return x !== undefined && Number.isInteger(x) && x >= lo && x <= hi ? x - lo : undefined;
        },
        fromSpace: (k) => lo + k,
        build: (obs, w, o) => buildNumerical(obs, w, -0.5, hi - lo + 0.5, true, o),
      };
    }
    case 'q_uniform': {
      const steps = quantizedSteps(spec);
      return {
        toSpace: (v) => {
          const x = num(v);
          if (x === undefined) return undefined;
          const k = Math.round((x - spec.min) / spec.q);
          return k >= 0 && k <= steps && Math.abs(quantizedValue(spec, k) - x) <= 1e-9 * Math.max(1, Math.abs(x)) ? k : undefined;
        },
        fromSpace: (k) => quantizedValue(spec, k),
        build: (obs, w, o) => buildNumerical(obs, w, -0.5, steps + 0.5, true, o),
      };
    }
    default:
      throw new Error(`Unknown parameter kind ${(spec as { kind: string }).kind}`);
  }
}

/** Transformed observations of one parameter with their weights (trials lacking a usable value are skipped). */
function encode(group: Observation[], name: string, codec: ParamCodec): { xs: number[]; ws: number[] } {
  const byTrial = [...group].sort((a, b) => a.index - b.index);
  const weights = defaultWeights(byTrial.length);
  const xs: number[] = [];
  const ws: number[] = [];
  byTrial.forEach((o, i) => {
    const x = codec.toSpace(o.params[name]);
    if (x !== undefined) {
      xs.push(x);
      ws.push(weights[i]);
    }
  });
  return { xs, ws };
}

/** Draw one assignment by TPE from the split history; `rng` supplies the candidate draws. */
function tpeSample(parameters: Record<string, ParameterSpec>, below: Observation[], above: Observation[], rng: Rng, o: Required<TpeOptions>): TrialParams {
  const parzen: ParzenOptions = { priorWeight: o.priorWeight, considerMagicClip: o.considerMagicClip };
  const out: TrialParams = {};
  for (const [name, spec] of Object.entries(parameters)) {
    const codec = codecFor(spec);
    if ('constant' in codec) {
      out[name] = codec.constant;
      continue;
    }
    const b = encode(below, name, codec);
    const a = encode(above, name, codec);
    const l = codec.build(b.xs, b.ws, parzen);
    const g = codec.build(a.xs, a.ws, parzen);
    let best = NaN;
    let bestScore = -Infinity;
    for (let i = 0; i < o.nEiCandidates; i++) {
      const x = sampleEstimator(l, rng);
      const score = logDensity(l, x) - logDensity(g, x);
      if (Number.isNaN(best) || score > bestScore) {
        best = x;
        bestScore = score;
      }
    }
    out[name] = codec.fromSpace(best);
  }
  return out;
}

/** Options with defaults applied. */
export function resolveTpeOptions(runCap: number, options: TpeOptions = {}): Required<TpeOptions> {
  return {
    nStartupTrials: options.nStartupTrials ?? defaultStartupTrials(runCap),
    nEiCandidates: options.nEiCandidates ?? 24,
    gamma: options.gamma ?? defaultGamma,
    priorWeight: options.priorWeight ?? 1,
    considerMagicClip: options.considerMagicClip ?? true,
    constantLiar: options.constantLiar ?? true,
  };
}

/**
 * Propose trial number `index` by TPE; `goal` is one goal, or one per objective (several objectives: the
 * split reads each completed trial's `values`, see rankObservations). Returns 'startup' while fewer than nStartupTrials trials are
 * completed or pruned (the caller then draws at random). Deterministic in (parameters, goal, history, seed,
 * index). When TPE's choice repeats a trial already in the history (possible in discrete spaces), it redraws
 * with fresh candidate streams up to 5 times and then returns 'duplicate', so the caller falls back to an
 * unseen random point.
 */
export function proposeTpe(
  parameters: Record<string, ParameterSpec>,
  goal: MetricGoal['goal'] | readonly MetricGoal['goal'][],
  history: readonly TrialRecord[],
  seed: number,
  index: number,
  options: Required<TpeOptions>,
): TrialParams | 'startup' | 'duplicate' {
  const goals = typeof goal === 'string' ? [goal] : goal;
  const ranked = rankObservations(history, goals.map(goalSign), options.constantLiar);
  const informative = ranked.filter((o) => !o.liar).length;
  if (informative < options.nStartupTrials || informative === 0) return 'startup';
  // The good group holds only real observations: a lie says "bad", never "good".
  const nBelow = Math.max(1, Math.min(options.gamma(ranked.length), informative));
  const { below, above } = splitObservations(ranked, nBelow);
  const seen = new Set(history.map((t) => paramsKey(t.params)));
  for (let attempt = 0; attempt < 5; attempt++) {
    const params = tpeSample(parameters, below, above, createRng(seed, index, STREAM.tpe, attempt), options);
    if (!seen.has(paramsKey(params))) return params;
  }
  return 'duplicate';
}
