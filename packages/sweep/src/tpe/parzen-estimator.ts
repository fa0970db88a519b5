import type { Rng } from '../rng';
import { logGaussMass, logPhi, logSumExp, sampleTruncatedNormal } from './normal';

/**
 * Univariate Parzen estimators for TPE (Bergstra et al. 2011, "Algorithms for Hyper-Parameter
 * Optimization"), with the bandwidth rules of Optuna's TPESampler (optuna/samplers/_tpe/parzen_estimator.py):
 * one Gaussian kernel per observation plus one prior kernel, truncated to the parameter's range.
 *
 * Numerical parameters live in a transformed space: log(x) for log_uniform_values, and the step index
 * k ∈ {0..K} for int_uniform / q_uniform, where each integer k owns the interval [k − ½, k + ½] — its
 * probability is the kernel mass over that interval (Optuna's discrete truncated normal).
 */

export interface ParzenOptions {
  /** Weight of the prior kernel relative to one observation (Optuna: 1.0). */
  priorWeight: number;
  /** Clip bandwidths from below at range / min(100, 1 + kernels) (Bergstra et al.'s "magic clip"). */
  considerMagicClip: boolean;
}

export interface NumericalEstimator {
  kind: 'numerical';
  /** Range in the transformed space (for discrete: [−½, K + ½]). */
  low: number;
  high: number;
  /** True for step-index spaces: draws round to integers, densities are interval masses. */
  discrete: boolean;
  mus: number[];
  sigmas: number[];
  logWeights: number[];
  /** log of each kernel's mass inside [low, high] (the truncation normaliser). */
  logZ: number[];
}

export interface CategoricalEstimator {
  kind: 'categorical';
  /** Mixture probability of each choice index. */
  probs: number[];
}

export type ParzenEstimator = NumericalEstimator | CategoricalEstimator;

function normalizeLog(weights: number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => Math.log(w / total));
}

/**
 * Kernel bandwidths: each observation's sigma is the larger gap to its sorted neighbours (the range ends
 * count as neighbours), except the two outermost whose gap to the range end is ignored (Optuna's
 * consider_endpoints=False), then clipped to [magic clip, range].
 */
function bandwidths(mus: number[], low: number, high: number, opts: ParzenOptions): number[] {
  const priorMu = 0.5 * (low + high);
  const withPrior = [...mus, priorMu];
  const order = withPrior.map((_, i) => i).sort((a, b) => withPrior[a] - withPrior[b]);
  const sorted = [low, ...order.map((i) => withPrior[i]), high];
  const n = withPrior.length;
  const sortedSigmas = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    sortedSigmas[i] = Math.max(sorted[i + 1] - sorted[i], sorted[i + 2] - sorted[i + 1]);
  }
  if (sorted.length >= 4) {
    sortedSigmas[0] = sorted[2] - sorted[1];
    sortedSigmas[n - 1] = sorted[n] - sorted[n - 1];
  }
  const sigmas = new Array<number>(n);
  order.forEach((idx, rank) => (sigmas[idx] = sortedSigmas[rank]));
  const range = high - low;
  const minSigma = opts.considerMagicClip ? range / Math.min(100, 1 + n) : 1e-12;
  return sigmas.slice(0, mus.length).map((s) => Math.min(range, Math.max(minSigma, s)));
}

/**
 * Build the mixture over a numerical range from observations (in the transformed space) and their weights.
 * With no observations the mixture is the prior alone: N(centre, range²) truncated to the range.
 */
export function buildNumerical(
  observations: number[],
  weights: number[],
  low: number,
  high: number,
  discrete: boolean,
  opts: ParzenOptions,
): NumericalEstimator {
  const range = high - low;
  if (!(range > 0)) throw new Error(`Expected a numerical range with high > low, but got [${low}, ${high}]`);
  const sigmas = [...bandwidths(observations, low, high, opts), range];
  const mus = [...observations, 0.5 * (low + high)];
  const logWeights = normalizeLog(observations.length === 0 ? [1] : [...weights, opts.priorWeight]);
  const logZ = mus.map((mu, i) => logGaussMass((low - mu) / sigmas[i], (high - mu) / sigmas[i]));
  return { kind: 'numerical', low, high, discrete, mus, sigmas, logWeights, logZ };
}

/**
 * Build the smoothed categorical distribution: each observation is a one-hot row plus priorWeight / kernels
 * on every choice, renormalised; the prior kernel is uniform; rows are mixed with the observation weights.
 */
export function buildCategorical(
  observations: number[],
  weights: number[],
  nChoices: number,
  opts: ParzenOptions,
): CategoricalEstimator {
  if (nChoices < 1) throw new Error(`Expected a categorical parameter with choices, but got ${nChoices}`);
  if (observations.length === 0) return { kind: 'categorical', probs: new Array(nChoices).fill(1 / nChoices) };
  const nKernels = observations.length + 1;
  const smoothing = opts.priorWeight / nKernels;
  const rowTotal = 1 + nChoices * smoothing;
  const mixture = normalizeLog([...weights, opts.priorWeight]).map(Math.exp);
  const probs = new Array<number>(nChoices).fill(0);
  observations.forEach((choice, i) => {
    for (let c = 0; c < nChoices; c++) probs[c] += (mixture[i] * (smoothing + (c === choice ? 1 : 0))) / rowTotal;
  });
  const prior = mixture[observations.length];
  for (let c = 0; c < nChoices; c++) probs[c] += prior / nChoices;
  return { kind: 'categorical', probs };
}

function pickIndex(logWeights: number[], rng: Rng): number {
  let u = rng.next();
  for (let i = 0; i < logWeights.length; i++) {
    u -= Math.exp(logWeights[i]);
    if (u < 0) return i;
  }
  return logWeights.length - 1;
}

/** Draw one value (transformed space; a step index for discrete, a choice index for categorical). */
export function sampleEstimator(est: ParzenEstimator, rng: Rng): number {
  if (est.kind === 'categorical') return pickIndex(est.probs.map(Math.log), rng);
  const k = pickIndex(est.logWeights, rng);
  const x = sampleTruncatedNormal(est.mus[k], est.sigmas[k], est.low, est.high, rng);
  if (!est.discrete) return x;
  return Math.min(est.high - 0.5, Math.max(est.low + 0.5, Math.round(x)));
}

/** log density (continuous) or log probability (discrete, categorical) of a transformed value. */
export function logDensity(est: ParzenEstimator, x: number): number {
  if (est.kind === 'categorical') return Math.log(est.probs[x]);
  const terms = est.mus.map((mu, k) => {
    const s = est.sigmas[k];
    const logKernel = est.discrete
      ? logGaussMass((x - 0.5 - mu) / s, (x + 0.5 - mu) / s)
      : logPhi((x - mu) / s) - Math.log(s);
    return est.logWeights[k] + logKernel - est.logZ[k];
  });
  return logSumExp(terms);
}
