import type { Rng } from '../rng';

/**
 * Normal-distribution helpers for the Parzen estimators, in log space so that far tails do not underflow
 * to log(0) (TPE ranks candidates by a difference of log densities; a −Infinity would break the ranking).
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log φ(z) for the standard normal density. */
export function logPhi(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/**
 * log erfc(z) for z ≥ 0, from the Chebyshev fit in Numerical Recipes (erfcc): fractional error below
 * 1.2e-7 everywhere, and written in log form so it stays finite for large z.
 */
function logErfcNonNeg(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
    t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - z * z + poly;
}

/** Standard normal CDF Φ(x). */
export function ndtr(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const tail = 0.5 * Math.exp(logErfcNonNeg(z));
  return x < 0 ? tail : 1 - tail;
}

/** log Φ(x), accurate in the lower tail. */
export function logNdtr(x: number): number {
  if (x < 0) return Math.log(0.5) + logErfcNonNeg(-x / Math.SQRT2);
  return Math.log1p(-0.5 * Math.exp(logErfcNonNeg(x / Math.SQRT2)));
}

/** log(1 − e^a) for a < 0 (Mächler's log1mexp: picks the accurate formula by magnitude). */
function log1mexp(a: number): number {
  return a > -Math.LN2 ? Math.log(-Math.expm1(a)) : Math.log1p(-Math.exp(a));
}

/**
 * log P(a ≤ Z ≤ b) for a standard normal Z. Works on the tail nearest the interval so that masses of
 * intervals far from the mean keep their relative precision.
 */
export function logGaussMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  if (b <= 0) {
    const lb = logNdtr(b);
    return lb + log1mexp(logNdtr(a) - lb);
  }
  if (a >= 0) return logGaussMass(-b, -a);
  // The interval holds 0: 1 − Φ(a) − Φ(−b), both subtracted terms below 1/2.
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/** Draw from N(mu, sigma²) truncated to [low, high], by rejection (mu lies inside, sigma ≤ range: cheap). */
export function sampleTruncatedNormal(mu: number, sigma: number, low: number, high: number, rng: Rng): number {
  for (let i = 0; i < 1000; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= low && x <= high) return x;
  }
  // Only reachable for a kernel centred far outside the range, which the estimator never builds.
  return Math.min(high, Math.max(low, mu));
}

/** log(Σ exp(xs)) without overflow. */
export function logSumExp(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}
