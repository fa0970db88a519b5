import { describe, expect, test } from 'vitest';
import { allPositive, lastCommonStep, mergePoints, smooth } from './curves';

describe('curves', () => {
  test('smoothing 0 keeps the points; EMA is debiased and skips nulls', () => {
    const pts: [number, number | null][] = [
      [1, 2],
      [2, null],
      [3, 4],
    ];
    expect(smooth(pts, 0)).toEqual(pts);
    const s = smooth(pts, 0.5);
    expect(s[0]).toEqual([1, 2]); // debiased: the first point is itself
    expect(s[1]).toEqual([2, null]);
    expect(s[2][1]).toBeCloseTo((0.5 * 1 + 0.5 * 4) / (1 - 0.25)); // (0.5·(0.5·2) + 0.5·4) / 0.75
  });

  test('merge appends new steps and replaces repeated ones', () => {
    expect(mergePoints([[1, 1], [2, 2]], [[3, 3]])).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(mergePoints([[1, 1], [2, 2]], [[2, 5], [3, 3]])).toEqual([[1, 1], [2, 5], [3, 3]]);
    expect(mergePoints([[1, 1]], [])).toEqual([[1, 1]]);
  });

  test('polling asks from the smallest last step, or from the start when a series is empty', () => {
    expect(lastCommonStep({ a: [[1, 1], [5, 1]], b: [[3, 1]] }, ['a', 'b'])).toBe(3);
    expect(lastCommonStep({ a: [[1, 1]] }, ['a', 'b'])).toBe(-1);
  });

  test('log scale only for positive series', () => {
    expect(allPositive([[[1, 1], [2, null]]])).toBe(true);
    expect(allPositive([[[1, 0]]])).toBe(false);
  });
});
