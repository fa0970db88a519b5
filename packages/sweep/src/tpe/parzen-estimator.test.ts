import { describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { buildCategorical, buildNumerical, logDensity, sampleEstimator } from './parzen-estimator';

const opts = { priorWeight: 1, considerMagicClip: true };

describe('Parzen estimators', () => {
  it('continuous mixture is a density on its range', () => {
    const est = buildNumerical([0.1, 0.15, 0.8], [1, 1, 1], 0, 1, false, opts);
    let integral = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) integral += Math.exp(logDensity(est, (i + 0.5) / n)) / n;
    expect(integral).toBeCloseTo(1, 3);
    expect(logDensity(est, 0.12)).toBeGreaterThan(logDensity(est, 0.5));
  });

  it('uses Optuna bandwidths: larger neighbour gap, outermost ignore the range ends, prior = range', () => {
    const est = buildNumerical([0.1, 0.15, 0.8], [1, 1, 1], 0, 1, false, opts);
    // sorted with prior 0.5: [0.1, 0.15, 0.5, 0.8]; 0.1 → gap to 0.15 (0.05, clipped to 1/5);
    // 0.15 → max(0.05, 0.35); 0.8 → gap to 0.5 = 0.3 (range end ignored); prior sigma = 1.
    expect(est.sigmas).toEqual([0.2, 0.35, 0.3, 1].map((x) => expect.closeTo(x, 12)));
    expect(est.mus).toEqual([0.1, 0.15, 0.8, 0.5]);
  });

  it('discrete mixture gives masses summing to 1 and draws stay on integers in range', () => {
    const est = buildNumerical([0, 3, 3], [1, 1, 1], -0.5, 4.5, true, opts);
    const total = [0, 1, 2, 3, 4].reduce((s, k) => s + Math.exp(logDensity(est, k)), 0);
    expect(total).toBeCloseTo(1, 6);
    const rng = createRng(1);
    for (let i = 0; i < 500; i++) {
      const k = sampleEstimator(est, rng);
      expect(Number.isInteger(k) && k >= 0 && k <= 4).toBe(true);
    }
  });

  it('categorical estimator is smoothed toward uniform and favours observed choices', () => {
    const est = buildCategorical([2, 2, 0], [1, 1, 1], 4, opts);
    expect(est.probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
    expect(est.probs[2]).toBeGreaterThan(est.probs[0]);
    expect(est.probs[0]).toBeGreaterThan(est.probs[1]);
    expect(est.probs[1]).toBeGreaterThan(0);
    expect(buildCategorical([], [], 4, opts).probs).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});
