import { describe, expect, it } from 'vitest';
import { logGaussMass, logNdtr, ndtr } from './normal';

describe('normal helpers', () => {
  it('match reference values of Φ', () => {
    expect(ndtr(0)).toBeCloseTo(0.5, 7);
    expect(ndtr(1.959963985)).toBeCloseTo(0.975, 6);
    expect(ndtr(-3)).toBeCloseTo(0.0013498980316301, 8);
    expect(Math.exp(logGaussMass(-1, 1))).toBeCloseTo(0.682689492, 6);
  });

  it('stay finite and accurate far in the tails', () => {
    // scipy.special.log_ndtr(-40) = -804.6084420137538
    expect(logNdtr(-40)).toBeCloseTo(-804.6084420137538, 3);
    expect(logNdtr(5)).toBeCloseTo(-2.866516e-7, 9);
    const far = logGaussMass(30, 31);
    expect(Number.isFinite(far)).toBe(true);
    expect(far).toBeCloseTo(logGaussMass(-31, -30), 10);
    expect(far).toBeCloseTo(logNdtr(-30), 2);
    expect(logGaussMass(1, 1)).toBe(-Infinity);
  });
});
