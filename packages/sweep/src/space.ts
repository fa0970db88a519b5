import {
  discreteValues,
  intBounds,
  paramsKey,
  quantizedSteps,
  quantizedValue,
  valueAt,
  valueCount,
  type ParameterSpec,
  type ParameterValue,
} from '@tunelab/config';
import type { Rng } from './rng';

/**
 * The search space: what values each parameter kind can take, a canonical key for a parameter assignment,
 * the grid in its deterministic order, and a uniform draw. Shared by grid, random and TPE so that the
 * three agree on bounds and quantization. Duplicate detection uses @tunelab/config's paramsKey (JSON with
 * keys sorted at every depth), the same key the config and the store use.
 */

// The values of each kind (bounds, quantization, grid lists) are @tunelab/config's, which counts grid points.
export { discreteValues, intBounds, paramsKey, quantizedSteps, quantizedValue };

/** One trial's parameter assignment: dotted path → value. */
export type TrialParams = Record<string, ParameterValue>;

/** Snap a number to the nearest value of a q_uniform parameter, within [min, max]. */
export function snapToQuantized(spec: { min: number; max: number; q: number }, x: number): number {
  const k = Math.min(quantizedSteps(spec), Math.max(0, Math.round((x - spec.min) / spec.q)));
  return quantizedValue(spec, k);
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
  const counts = names.map((name) => {
    const count = valueCount(parameters[name]);
    if (!Number.isFinite(count)) {
      throw new Error(`Grid search needs discrete parameters, but ${name} is ${parameters[name].kind}`);
    }
    return count;
  });
  const size = counts.reduce((n, c) => n * c, 1);
  if (!(Number.isInteger(i) && i >= 0 && i < size)) {
    throw new Error(`Expected a grid index in [0, ${size}), but got ${i}`);
  }
  const out: TrialParams = {};
  let rest = i;
  for (let p = names.length - 1; p >= 0; p--) {
    out[names[p]] = structuredClone(valueAt(parameters[names[p]], rest % counts[p]));
    rest = Math.floor(rest / counts[p]);
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
