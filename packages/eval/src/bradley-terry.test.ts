import { describe, expect, it } from 'vitest';
import { choosePair, fitBradleyTerry, pairCounter, votesToComparisons, winProbability } from './bradley-terry';

const games = (a: string, b: string, scores: number[]) => scores.map((score) => ({ a, b, score }));

describe('fitBradleyTerry', () => {
  it('matches a hand-computed fit on a small vote table (anchor fixed, no prior)', () => {
    // Votes (a "same" is half a win each):
    //   A–B: A, same, same → A 2, B 1 of 3      B–C: B, B, C → B 2, C 1 of 3      A–C: A ×4, C → A 4, C 1 of 5
    // Strengths π = (4, 2, 1) predict exactly these counts: P(A>B) = 4/6 = 2/3, P(B>C) = 2/3, P(A>C) = 4/5,
    // and the likelihood equations (wins_i = Σ_j n_ij p_ij) hold, so with C fixed at 0 the fit is
    //   θ_A = ln 4 = 1.386294, θ_B = ln 2 = 0.693147.
    // Observed information at the fit (w = n p (1 − p) per pair):
    //   w_AB = 3·(2/3)(1/3) = 2/3, w_BC = 2/3, w_AC = 5·(4/5)(1/5) = 4/5
    //   I = [[w_AB + w_AC, −w_AB], [−w_AB, w_AB + w_BC]] = [[22/15, −2/3], [−2/3, 4/3]], det = 88/45 − 20/45 = 68/45
    //   Var θ_A = (4/3)/(68/45) = 15/17 → se 0.939336;  Var θ_B = (22/15)/(68/45) = 33/34 → se 0.985184
    const comparisons = [...games('A', 'B', [1, 0.5, 0.5]), ...games('B', 'C', [1, 1, 0]), ...games('A', 'C', [1, 1, 1, 1, 0])];
    const fit = fitBradleyTerry(comparisons, { anchor: 'C', priorVariance: Infinity });
    expect(fit.converged).toBe(true);
    expect(fit.anchor).toBe('C');
    expect(fit.ratings.map((r) => r.player)).toEqual(['A', 'B', 'C']);
    const [a, b, c] = fit.ratings;
    expect(a.rating).toBeCloseTo(Math.log(4), 8);
    expect(b.rating).toBeCloseTo(Math.log(2), 8);
    expect(c).toEqual({ player: 'C', rating: 0, stderr: 0, votes: 8, wins: 2 });
    expect(a.stderr).toBeCloseTo(Math.sqrt(15 / 17), 6);
    expect(b.stderr).toBeCloseTo(Math.sqrt(33 / 34), 6);
    expect(a).toMatchObject({ votes: 8, wins: 6 });
    expect(b).toMatchObject({ votes: 6, wins: 3 });
  });

  it('keeps a player with only wins finite through the prior', () => {
    // A beats the anchor H twice; prior N(0, 1). The posterior's stationarity: 2 − 2σ(θ) − θ = 0, by hand
    // θ = 0.6: 0.109 > 0; θ = 0.7: −0.036 < 0; θ ≈ 0.675. Information 2σ(1 − σ) + 1.
    const fit = fitBradleyTerry(games('A', 'H', [1, 1]), { anchor: 'H', priorVariance: 1 });
    const a = fit.ratings.find((r) => r.player === 'A')!;
    expect(a.rating).toBeGreaterThan(0.67);
    expect(a.rating).toBeLessThan(0.68);
    const p = winProbability(a.rating, 0);
    expect(2 - 2 * p - a.rating).toBeCloseTo(0, 9);
    expect(a.stderr).toBeCloseTo(1 / Math.sqrt(2 * p * (1 - p) + 1), 9);
    // Without the prior the same votes have no finite answer: Newton runs off and does not converge.
    expect(fitBradleyTerry(games('A', 'H', [1, 1]), { anchor: 'H', priorVariance: Infinity, maxIterations: 30 }).converged).toBe(false);
  });

  it('centres unanchored ratings on the prior, rates players without votes at 0, and refuses no prior and no anchor', () => {
    const fit = fitBradleyTerry(games('A', 'B', [1, 0, 0.5]), { players: ['Z'] });
    expect(fit.anchor).toBeNull();
    for (const r of fit.ratings) expect(r.rating).toBeCloseTo(0, 12);
    expect(fit.ratings.find((r) => r.player === 'Z')).toMatchObject({ votes: 0, stderr: 2 });
    expect(() => fitBradleyTerry(games('A', 'B', [1]), { priorVariance: Infinity })).toThrow(/anchor/);
  });

  it('reads votes as comparisons: left 1, right 0, same ½', () => {
    expect(
      votesToComparisons([
        { leftPlayer: 'x', rightPlayer: 'y', verdict: 'left' },
        { leftPlayer: 'x', rightPlayer: 'y', verdict: 'right' },
        { leftPlayer: 'y', rightPlayer: 'x', verdict: 'same' },
      ]),
    ).toEqual([
      { a: 'x', b: 'y', score: 1 },
      { a: 'x', b: 'y', score: 0 },
      { a: 'y', b: 'x', score: 0.5 },
    ]);
  });
});

describe('choosePair', () => {
  const candidates = [
    { player: 'a', rating: 0 },
    { player: 'b', rating: 0.1 },
    { player: 'c', rating: 3 },
  ];

  it('prefers close ratings, then pairs with few votes', () => {
    expect(choosePair(candidates, () => 0, 1)).toMatchObject({ a: 'a', b: 'b' });
    // a–b after 5 votes: 0.2494/6 = 0.042; b–c: σ(2.9)(1 − σ(2.9)) = 0.0493 beats a–c's 0.0452.
    const counts = pairCounter(games('a', 'b', [1, 1, 0, 1, 0]));
    expect(counts('b', 'a')).toBe(5);
    const pair = choosePair(candidates, counts, 1)!;
    expect([pair.a, pair.b]).toEqual(['b', 'c']);
    expect(pair.score).toBeCloseTo(winProbability(0.1, 3) * (1 - winProbability(0.1, 3)), 12);
  });

  it('breaks ties with the seed: the same seed the same pair, several seeds several pairs', () => {
    const even = ['p', 'q', 'r', 's'].map((player) => ({ player, rating: 0 }));
    const pick = (seed: number) => {
      const p = choosePair(even, () => 0, seed)!;
      return `${p.a}-${p.b}`;
    };
    expect(pick(7)).toBe(pick(7));
    expect(new Set(Array.from({ length: 40 }, (_, s) => pick(s))).size).toBeGreaterThan(3);
    expect(choosePair([{ player: 'p', rating: 0 }], () => 0, 1)).toBeNull();
  });
});
