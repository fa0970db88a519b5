/** Helpers shared by the fused-op tests: seeded random arrays and tolerant comparisons. */
import { tf } from './tfjs';

/** Mulberry32: a tiny seeded generator so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [-scale, scale). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * scale;
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
