import type { Point } from '../api/schemas';

/**
 * Exponential moving average, as TensorBoard and W&B smooth: weight in [0, 1), debiased so the first
 * points are not pulled toward zero. Null (NaN) values pass through and do not enter the average.
 */
export function smooth(points: readonly Point[], weight: number): Point[] {
  if (weight <= 0) return points.slice();
  let last = 0;
  let n = 0;
  return points.map(([step, value]) => {
    if (value === null) return [step, null];
    last = last * weight + (1 - weight) * value;
    n++;
    return [step, last / (1 - Math.pow(weight, n))];
  });
}

/** Appends polled points to a series: steps already present are replaced, the result stays sorted. */
export function mergePoints(old: readonly Point[], fresh: readonly Point[]): Point[] {
  if (fresh.length === 0) return old as Point[];
  const firstNew = fresh[0][0];
  if (old.length === 0 || old[old.length - 1][0] < firstNew) return [...old, ...fresh];
  const byStep = new Map<number, Point>();
  for (const p of old) byStep.set(p[0], p);
  for (const p of fresh) byStep.set(p[0], p);
  return [...byStep.values()].sort((a, b) => a[0] - b[0]);
}

/** The last step of every series, or -1 when one is empty (so polling asks from the start). */
export function lastCommonStep(series: Record<string, readonly Point[]>, keys: readonly string[]): number {
  let min = Infinity;
  for (const k of keys) {
    const s = series[k];
    if (!s || s.length === 0) return -1;
    min = Math.min(min, s[s.length - 1][0]);
  }
  return min === Infinity ? -1 : min;
}

/** Log scale needs positive values; charts fall back to linear when a series has others. */
export const allPositive = (series: readonly (readonly Point[])[]): boolean =>
  series.every((s) => s.every(([, v]) => v === null || v > 0));
