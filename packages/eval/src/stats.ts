/** Small summary statistics shared by the metrics. */

/** The q-quantile (0 ≤ q ≤ 1) of `values` by linear interpolation between order statistics; 0 for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The share of items for which `pred` holds; 0 for no items (a sweep metric must stay a number). */
export function share<T>(items: readonly T[], pred: (item: T) => boolean): number {
  if (items.length === 0) return 0;
  let n = 0;
  for (const it of items) if (pred(it)) n++;
  return n / items.length;
}

/** The mean of `values`; 0 for no values. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Counts → shares that sum to 1 (an empty histogram stays empty). */
export function normalize(counts: ReadonlyMap<string, number>): Record<string, number> {
  let total = 0;
  for (const v of counts.values()) total += v;
  const out: Record<string, number> = {};
  if (total === 0) return out;
  for (const [k, v] of [...counts.entries()].sort((a, b) => b[1] - a[1])) out[k] = v / total;
  return out;
}

/** Total variation distance between two distributions given as shares: 0 = identical, 1 = disjoint. */
export function totalVariation(p: Record<string, number>, q: Record<string, number>): number {
  const keys = new Set([...Object.keys(p), ...Object.keys(q)]);
  let sum = 0;
  for (const k of keys) sum += Math.abs((p[k] ?? 0) - (q[k] ?? 0));
  return sum / 2;
}
