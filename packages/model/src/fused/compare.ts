/**
 * Seeded random inputs and a tolerant comparison, for checking kernels against the TypeScript reference: used by
 * the fused-op tests and by the WebGPU check (webgpu/check.ts), which ships, so this is package code, not a test helper.
 */
import { createRng } from '@tunelab/dataset';
import { tf } from './tfjs';

/** Uniform values in [-scale, scale), from the project's seeded RNG so failures reproduce. */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r.next() * 2 - 1) * scale;
  return out;
}

/**
 * Largest |a - b| / (atol + rtol·max|b|) over the arrays: ≤ 1 means they agree. Scaling by the largest reference
 * value (not each element's) keeps tiny elements that are sums of cancelling terms from dominating.
 */
export function mismatch(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-4, atol = 1e-6): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let maxB = 0;
  for (let i = 0; i < b.length; i++) maxB = Math.max(maxB, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (atol + rtol * maxB));
  return worst;
}

export function values(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}
