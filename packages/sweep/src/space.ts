import { paramsKey, type ParameterSpec, type ParameterValue } from '@tunelab/config';
import type { Rng } from './rng';

/**
 * The search space: what values each parameter kind can take, a canonical key for a parameter assignment,
 * the grid in its deterministic order, and a uniform draw. Shared by grid, random and TPE so that the
 * three agree on bounds and quantization. Duplicate detection uses @tunelab/config's paramsKey (JSON with
 * keys sorted at every depth), the same key the config and the store use.
 */

export { paramsKey };

/** One trial's parameter assignment: dotted path → value. */
export type TrialParams = Record<string, ParameterValue>;

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

/** Snap a number to the nearest value of a q_uniform parameter, within [min, max]. */
export function snapToQuantized(spec: { min: number; max: number; q: number }, x: number): number {
  const k = Math.min(quantizedSteps(spec), Math.max(0, Math.round((x - spec.min) / spec.q)));
  return quantizedValue(spec, k);
}

/**
 * The finite list of values a parameter can take, or null for continuous kinds (uniform, log_uniform_values
 * with min < max).
 * int_uniform and q_uniform enumerate their range, so they can be part of a grid.
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
      // A range of width zero is one value (so that such a space can be used up, not repeated forever).
      return spec.min === spec.max ? [spec.min] : null;
    default:
      throw new Error(`Unknown parameter kind ${(spec as { kind: string }).kind}`);
  }
}

function valueCount(spec: ParameterSpec): number {
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
      return spec.min === spec.max ? 1 : Infinity;
  }
}

/** How many distinct assignments the space holds: a product of value counts, Infinity if any is continuous. */
export function spaceSize(parameters: Record<string, ParameterSpec>): number {
  let n = 1;
  for (const spec of Object.values(parameters)) n *= valueCount(spec);
  return n;
}

/**
 * The i-th grid point. Order: parameters in file order, the first varying slowest (like Python's
 * itertools.product), each parameter's values in their listed / ascending order. Computed by mixed-radix
 * decoding, so a large grid capped by run_cap is never materialised.
 * @throws when a parameter is continuous (uniform, log_uniform_values) or i is outside the grid
 */
export function gridPointAt(parameters: Record<string, ParameterSpec>, i: number): TrialParams {
  const names = Object.keys(parameters);
  const lists = names.map((name) => {
    const values = discreteValues(parameters[name]);
    if (values === null) {
      throw new Error(`Grid search needs discrete parameters, but ${name} is ${parameters[name].kind}`);
    }
    return values;
  });
  const size = lists.reduce((n, l) => n * l.length, 1);
  if (!(Number.isInteger(i) && i >= 0 && i < size)) {
    throw new Error(`Expected a grid index in [0, ${size}), but got ${i}`);
  }
  const out: TrialParams = {};
  let rest = i;
  for (let p = names.length - 1; p >= 0; p--) {
    const l = lists[p];
    out[names[p]] = l[rest % l.length];
    rest = Math.floor(rest / l.length);
  }
  // Rebuild in file order so that key order (and JSON output) follows the config.
  return Object.fromEntries(names.map((n) => [n, out[n]]));
}

/** Every grid point in grid order (see gridPointAt); for small grids and tests. */
export function gridPoints(parameters: Record<string, ParameterSpec>): TrialParams[] {
  const size = spaceSize(parameters);
  if (!Number.isFinite(size)) {
    const bad = Object.entries(parameters).find(([, s]) => discreteValues(s) === null);
    throw new Error(`Grid search needs discrete parameters, but ${bad?.[0]} is ${bad?.[1].kind}`);
  }
  return Array.from({ length: size }, (_, i) => gridPointAt(parameters, i));
}

/** The canonical string for one value (categorical choices that are lists or objects), via config's paramsKey. */
export function valueKey(value: ParameterValue): string {
  return paramsKey({ v: value });
}

/** Draw one value of a parameter uniformly from its prior (log-uniform for log_uniform_values). */
export function sampleParameter(spec: ParameterSpec, rng: Rng): ParameterValue {
  switch (spec.kind) {
    case 'constant':
      return spec.value;
    case 'categorical':
      if (spec.values.length === 0) throw new Error('Expected a categorical parameter with values, but got none');
      return spec.values[rng.int(0, spec.values.length - 1)];
    case 'int_uniform': {
      const [lo, hi] = intBounds(spec);
      return rng.int(lo, hi);
    }
    case 'uniform':
      return spec.min + rng.next() * (spec.max - spec.min);
    case 'log_uniform_values': {
      if (!(spec.min > 0 && spec.max >= spec.min)) {
        throw new Error(`Expected log_uniform_values 0 < min <= max, but got [${spec.min}, ${spec.max}]`);
      }
      const lo = Math.log(spec.min);
      const hi = Math.log(spec.max);
      return Math.min(spec.max, Math.max(spec.min, Math.exp(lo + rng.next() * (hi - lo))));
    }
    case 'q_uniform':
      return quantizedValue(spec, rng.int(0, quantizedSteps(spec)));
    default:
      throw new Error(`Unknown parameter kind ${(spec as { kind: string }).kind}`);
  }
}

/** Draw a whole assignment, parameters in file order. */
export function sampleParams(parameters: Record<string, ParameterSpec>, rng: Rng): TrialParams {
  const out: TrialParams = {};
  for (const [name, spec] of Object.entries(parameters)) out[name] = sampleParameter(spec, rng);
  return out;
}
