import type { ParameterSpec, ParameterValue } from './sweep-types';

/**
 * The values each parameter kind can take, owned here so that the sweep file's checks (how many grid points,
 * hence the default run_cap) and @tunelab/sweep's search (grid order, random draws, TPE) agree on bounds and
 * quantization: int_uniform and q_uniform are finite, so they can be part of a grid as well as drawn from.
 */

// Quantized values are computed as min + k·q; rounding to 12 significant digits removes binary noise
// (0.30000000000000004 → 0.3) so that the same grid point always gets the same key.
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/** Integer bounds of an int_uniform parameter (config validation normally guarantees integers). */
export function intBounds(spec: { min: number; max: number }): [number, number] {
  const lo = Math.ceil(spec.min);
  const hi = Math.floor(spec.max);
  if (hi < lo) throw new Error(`Expected an int_uniform range holding an integer, but got [${spec.min}, ${spec.max}]`);
  return [lo, hi];
}

/** Number of steps k ≥ 0 such that min + k·q ≤ max for a q_uniform parameter. */
export function quantizedSteps(spec: { min: number; max: number; q: number }): number {
  if (!(spec.q > 0)) throw new Error(`Expected q_uniform q > 0, but got ${spec.q}`);
  if (spec.max < spec.min) throw new Error(`Expected q_uniform min <= max, but got [${spec.min}, ${spec.max}]`);
  return Math.floor((spec.max - spec.min) / spec.q + 1e-9);
}

/** The k-th value of a q_uniform parameter: `min + k·q` (the grid is anchored at min, so it stays in bounds). */
export function quantizedValue(spec: { min: number; q: number }, k: number): number {
  return clean(spec.min + k * spec.q);
}

/** How many values a parameter takes: Infinity for a continuous range (uniform, log_uniform_values, min < max). */
export function valueCount(spec: ParameterSpec): number {
  switch (spec.kind) {
    case 'constant':
      return 1;
    case 'categorical':
      return spec.values.length;
    case 'int_uniform': {
      const [lo, hi] = intBounds(spec);
      return hi - lo + 1;
    }
    case 'q_uniform':
      return quantizedSteps(spec) + 1;
    default:
      // A range of width zero is one value (so that such a space can be used up, not repeated forever).
      return spec.min === spec.max ? 1 : Infinity;
  }
}

/**
 * The finite list of values a parameter takes, in order (listed order for `values`, ascending for ranges), or
 * null for a continuous range. Materialises the list: count first with {@link valueCount} for big ranges.
 */
export function discreteValues(spec: ParameterSpec): ParameterValue[] | null {
  switch (spec.kind) {
    case 'constant':
      return [spec.value];
    case 'categorical':
      return spec.values;
    case 'int_uniform': {
      const [lo, hi] = intBounds(spec);
      return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    }
    case 'q_uniform':
      return Array.from({ length: quantizedSteps(spec) + 1 }, (_, k) => quantizedValue(spec, k));
    case 'uniform':
    case 'log_uniform_values':
      return spec.min === spec.max ? [spec.min] : null;
    default:
      throw new Error(`Unknown parameter kind ${(spec as { kind: string }).kind}`);
  }
}

/**
 * The j-th of a finite parameter's values (the order of {@link discreteValues}) without listing them, so a grid
 * over a wide int_uniform range capped by run_cap stays cheap.
 * @throws for a continuous range or j outside [0, valueCount)
 */
export function valueAt(spec: ParameterSpec, j: number): ParameterValue {
  const count = valueCount(spec);
  if (!(Number.isInteger(j) && j >= 0 && j < count)) {
    throw new Error(`Expected a value index in [0, ${count}) for a ${spec.kind} parameter, but got ${j}`);
  }
  switch (spec.kind) {
    case 'constant':
      return spec.value;
    case 'categorical':
      return spec.values[j];
    case 'int_uniform':
      return intBounds(spec)[0] + j;
    case 'q_uniform':
      return quantizedValue(spec, j);
    default:
      return spec.min;
  }
}
