import { createRng } from '@tunelab/dataset';

/**
 * Bradley–Terry ratings from pairwise listening votes.
 *
 * Model: player i has a log-strength θᵢ ("rating"); i is preferred to j with probability σ(θᵢ − θⱼ), σ the
 * logistic function, so a rating difference of 1 means odds of e ≈ 2.7 to 1. A "same" verdict counts as half a
 * win for each side (not Davidson's tie model: with few votes an extra tie parameter is poorly determined, and
 * half a win is what a listener who cannot tell means).
 *
 * Fit: maximum a posteriori by Newton's method on the log posterior, which is concave, with step halving as a
 * safeguard. A weak Gaussian prior θ ~ N(0, priorVariance) on every free player keeps a player with few votes
 * (or only wins) finite. An anchor player (the held-out human tunes) can be fixed at 0, so every other rating
 * reads "how much better to hear than the human tunes". Each rating's standard error comes from the observed
 * Fisher information (the negative Hessian of the log posterior at the optimum): sqrt of the diagonal of its inverse.
 */

/** One judgement between players a and b: score 1 when a was preferred, 0 when b was, 0.5 for "same". */
export interface Comparison {
  a: string;
  b: string;
  score: number;
}

export interface BradleyTerryOptions {
  /** Variance of the Gaussian prior on each free rating (default 4: ±2 logits); Infinity for plain maximum likelihood. */
  priorVariance?: number;
  /** A player fixed at rating 0 with stderr 0 (when it appears); the others are measured against it. */
  anchor?: string;
  /** Players to rate even without votes (they get the prior: rating 0). */
  players?: readonly string[];
  /** Stop when no rating moves more than this (default 1e-10). */
  tolerance?: number;
  maxIterations?: number;
}

export interface PlayerRating {
  player: string;
  /** Log-strength; relative to the anchor when there is one. */
  rating: number;
  /** Standard error from the observed Fisher information (0 for the anchor). */
  stderr: number;
  /** Comparisons the player took part in. */
  votes: number;
  /** Wins, a "same" counting half. */
  wins: number;
}

export interface BradleyTerryFit {
  /** Best first. */
  ratings: PlayerRating[];
  /** The anchor when it took part, else null. */
  anchor: string | null;
  iterations: number;
  converged: boolean;
}

/** σ(x), the probability that a player rated x above another is preferred. */
export function winProbability(ratingA: number, ratingB: number): number {
  const d = ratingA - ratingB;
  return d >= 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d));
}

/** Listening votes as comparisons: left preferred → 1, right → 0, same → 0.5. */
export function votesToComparisons(votes: readonly { leftPlayer: string; rightPlayer: string; verdict: 'left' | 'right' | 'same' }[]): Comparison[] {
  return votes.map((v) => ({ a: v.leftPlayer, b: v.rightPlayer, score: v.verdict === 'left' ? 1 : v.verdict === 'right' ? 0 : 0.5 }));
}

/** Solves A x = b for a symmetric positive definite A (Cholesky); null when A is not positive definite. */
function cholesky(a: number[][]): number[][] | null {
  const n = a.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(sum > 1e-300)) return null;
        l[i][i] = Math.sqrt(sum);
      } else {
        l[i][j] = sum / l[j][j];
      }
    }
  }
  return l;
}

function choleskySolve(l: number[][], b: readonly number[]): number[] {
  const n = l.length;
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
    y[i] = s / l[i][i];
  }
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
    x[i] = s / l[i][i];
  }
  return x;
}

/** Fits ratings to comparisons (see the module's comment for the model, the prior and the errors). */
export function fitBradleyTerry(comparisons: readonly Comparison[], opts: BradleyTerryOptions = {}): BradleyTerryFit {
  const priorVariance = opts.priorVariance ?? 4;
  const tolerance = opts.tolerance ?? 1e-10;
  const maxIterations = opts.maxIterations ?? 100;
  if (!(priorVariance > 0)) throw new RangeError(`Expected priorVariance > 0, but got ${priorVariance}`);
  const names = new Set(opts.players ?? []);
  for (const c of comparisons) {
    if (!(c.score >= 0 && c.score <= 1)) throw new RangeError(`Expected a comparison's score in [0, 1], but got ${c.score}`);
    if (c.a === c.b) throw new RangeError(`A comparison needs two players, but both are ${c.a}`);
    names.add(c.a);
    names.add(c.b);
  }
  const players = [...names].sort();
  const anchor = opts.anchor !== undefined && names.has(opts.anchor) ? opts.anchor : null;
  if (anchor === null && priorVariance === Infinity && players.length > 0) {
    throw new RangeError('Ratings without a prior need an anchor: they are defined only up to a constant');
  }
  // Free players get indexes 0..n-1; the anchor is -1 (fixed at 0).
  const free = players.filter((p) => p !== anchor);
  const index = new Map(free.map((p, i) => [p, i]));
  const idx = (p: string) => index.get(p) ?? -1;
  const games = comparisons.map((c) => ({ i: idx(c.a), j: idx(c.b), s: c.score }));
  const n = free.length;
  const precision = priorVariance === Infinity ? 0 : 1 / priorVariance;
  let theta = new Array<number>(n).fill(0);
  const at = (t: readonly number[], i: number) => (i < 0 ? 0 : t[i]);

  const logPosterior = (t: readonly number[]): number => {
    let sum = 0;
    for (const g of games) {
      const p = winProbability(at(t, g.i), at(t, g.j));
      sum += g.s * Math.log(p) + (1 - g.s) * Math.log(1 - p);
    }
    for (const x of t) sum -= 0.5 * precision * x * x;
    return sum;
  };
  /** The gradient of the log posterior and the observed information (its negative Hessian). */
  const derivatives = (t: readonly number[]) => {
    const grad = t.map((x) => -precision * x);
    const info = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? precision : 0)));
    for (const g of games) {
      const p = winProbability(at(t, g.i), at(t, g.j));
      const w = p * (1 - p);
      if (g.i >= 0) {
        grad[g.i] += g.s - p;
        info[g.i][g.i] += w;
      }
      if (g.j >= 0) {
        grad[g.j] -= g.s - p;
        info[g.j][g.j] += w;
      }
      if (g.i >= 0 && g.j >= 0) {
        info[g.i][g.j] -= w;
        info[g.j][g.i] -= w;
      }
    }
    return { grad, info };
  };

  let iterations = 0;
  let converged = n === 0;
  let current = logPosterior(theta);
  while (!converged && iterations < maxIterations) {
    iterations++;
    const { grad, info } = derivatives(theta);
    const l = cholesky(info);
    if (!l) break; // a player with no information and no prior: nothing to solve for
    const step = choleskySolve(l, grad);
    // Newton's step, halved until the posterior does not fall (it seldom needs to: the posterior is concave).
    let scale = 1;
    let next = theta.map((x, i) => x + step[i]);
    let value = logPosterior(next);
    while (!(value >= current - 1e-12) && scale > 1e-6) {
      scale /= 2;
      next = theta.map((x, i) => x + scale * step[i]);
      value = logPosterior(next);
    }
    const moved = Math.max(0, ...step.map((s) => Math.abs(scale * s)));
    theta = next;
    current = value;
    if (moved < tolerance) converged = true;
  }

  const { info } = derivatives(theta);
  const l = cholesky(info);
  const variances = new Array<number>(n).fill(Infinity);
  if (l) {
    for (let i = 0; i < n; i++) {
      const e = new Array<number>(n).fill(0);
      e[i] = 1;
      variances[i] = choleskySolve(l, e)[i];
    }
  }
  const votes = new Map<string, number>();
  const wins = new Map<string, number>();
  for (const c of comparisons) {
    votes.set(c.a, (votes.get(c.a) ?? 0) + 1);
    votes.set(c.b, (votes.get(c.b) ?? 0) + 1);
    wins.set(c.a, (wins.get(c.a) ?? 0) + c.score);
    wins.set(c.b, (wins.get(c.b) ?? 0) + 1 - c.score);
  }
  const ratings = players.map((player) => {
    const i = idx(player);
    return {
      player,
      rating: i < 0 ? 0 : theta[i],
      stderr: i < 0 ? 0 : Math.sqrt(variances[i]),
      votes: votes.get(player) ?? 0,
      wins: wins.get(player) ?? 0,
    };
  });
  ratings.sort((x, y) => y.rating - x.rating || x.player.localeCompare(y.player));
  return { ratings, anchor, iterations, converged };
}

/** A player that may be paired next: its current rating (0 when unrated, the prior's mean). */
export interface PairCandidate {
  player: string;
  rating: number;
}

export interface ChosenPair {
  a: string;
  b: string;
  /** p(1 − p) / (1 + n): the expected information of one more vote, discounted by the votes the pair already has. */
  score: number;
}

/**
 * The pair whose next vote teaches most: close ratings (p = σ(rₐ − r_b) near ½, so p(1 − p) is largest) and few
 * votes between them (n), scored p(1 − p) / (1 + n). Pairs that tie for the best score are chosen among with
 * a seeded RNG, so a fresh sweep does not always start with its first two players. Null with fewer than two candidates.
 */
export function choosePair(candidates: readonly PairCandidate[], pairVotes: (a: string, b: string) => number, seed: number): ChosenPair | null {
  if (candidates.length < 2) return null;
  let best: ChosenPair[] = [];
  let bestScore = -Infinity;
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      const a = candidates[i];
      const b = candidates[j];
      const p = winProbability(a.rating, b.rating);
      const score = (p * (1 - p)) / (1 + pairVotes(a.player, b.player));
      // A relative tolerance, so rounding in the ratings does not decide between pairs that score the same.
      if (score > bestScore * (1 + 1e-9)) {
        best = [{ a: a.player, b: b.player, score }];
        bestScore = score;
      } else if (score >= bestScore * (1 - 1e-9)) {
        best.push({ a: a.player, b: b.player, score });
      }
    }
  }
  return best[createRng(seed).int(best.length)];
}

/** Counts comparisons per unordered pair, for {@link choosePair}. */
export function pairCounter(comparisons: readonly { a: string; b: string }[]): (a: string, b: string) => number {
  const key = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
  const counts = new Map<string, number>();
  for (const c of comparisons) counts.set(key(c.a, c.b), (counts.get(key(c.a, c.b)) ?? 0) + 1);
  return (a, b) => counts.get(key(a, b)) ?? 0;
}

/**
 * Ratings of listening votes: comparisons from the verdicts, anchored on the player whose id starts with
 * `anchorPrefix` (the held-out human tunes, `human:`; the one with most votes if several), else centred by the prior.
 */
export function rateVotes(
  votes: readonly { leftPlayer: string; rightPlayer: string; verdict: 'left' | 'right' | 'same' }[],
  opts: { anchorPrefix?: string; priorVariance?: number } = {},
): BradleyTerryFit {
  const comparisons = votesToComparisons(votes);
  let anchor: string | undefined;
  if (opts.anchorPrefix !== undefined) {
    const counts = new Map<string, number>();
    for (const c of comparisons) for (const p of [c.a, c.b]) if (p.startsWith(opts.anchorPrefix)) counts.set(p, (counts.get(p) ?? 0) + 1);
    anchor = [...counts].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]?.[0];
  }
  return fitBradleyTerry(comparisons, { anchor, priorVariance: opts.priorVariance });
}
