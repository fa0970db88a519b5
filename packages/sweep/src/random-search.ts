import type { ParameterSpec } from '@tunelab/config';
import { createRng, STREAM } from './rng';
import { gridPointAt, paramsKey, sampleParams, spaceSize, type TrialParams } from './space';

/**
 * Random search (Bergstra & Bengio 2012) without repeats. Trial number `index` draws from its own
 * generator createRng(seed, index, random, attempt), so the proposal does not depend on how many draws
 * earlier trials consumed: a resumed sweep and an uninterrupted one propose the same trial.
 */

const MAX_REJECTIONS = 100;
// Up to this many points a discrete space may be enumerated to pick among its unseen points.
const MAX_ENUMERATION = 1_000_000;

/**
 * Draw trial `index` uniformly, skipping assignments whose paramsKey is in `seen`. After 100 rejected draws
 * of a discrete space (nearly full), it picks uniformly among the unseen points instead. Returns null only
 * when a discrete space has no unseen point left.
 */
export function proposeRandom(
  parameters: Record<string, ParameterSpec>,
  seed: number,
  index: number,
  seen: ReadonlySet<string>,
): TrialParams | null {
  const size = spaceSize(parameters);
  let last: TrialParams | null = null;
  for (let attempt = 0; attempt < MAX_REJECTIONS; attempt++) {
    last = sampleParams(parameters, createRng(seed, index, STREAM.random, attempt));
    if (!seen.has(paramsKey(last))) return last;
  }
  if (Number.isFinite(size) && size <= MAX_ENUMERATION) {
    const unseen: number[] = [];
    for (let i = 0; i < size; i++) if (!seen.has(paramsKey(gridPointAt(parameters, i)))) unseen.push(i);
    if (unseen.length === 0) return null;
    const pick = createRng(seed, index, STREAM.dedupe).int(0, unseen.length - 1);
    return gridPointAt(parameters, unseen[pick]);
  }
  // A continuous space repeating 100 times is degenerate (e.g. uniform with min = max): repeat it.
  return last;
}
