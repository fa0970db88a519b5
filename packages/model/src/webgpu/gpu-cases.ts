/** The sizes the GPU gradient checks run (vitest's gpu.test.ts and the bundled scripts/gpu check). */
import type { CheckCase, Tolerance } from './check';

export const GPU_CHECK_CASES: CheckCase[] = [
  { batch: 1, time: 1, inputSize: 3, units: 2 },
  { batch: 7, time: 5, inputSize: 19, units: 13 },
  // units past one workgroup (256 threads): two chunks per thread
  { batch: 3, time: 4, inputSize: 30, units: 300 },
  // the seed's layers: first fed by the embedding, then LSTM → LSTM
  { batch: 16, time: 64, inputSize: 512, units: 256, vocab: 86 },
  { batch: 16, time: 64, inputSize: 256, units: 256 },
  // several rows per workgroup
  { batch: 256, time: 8, inputSize: 64, units: 256 },
];

/** f32 sums in another order than the float64 reference, over up to 1,024 terms and 64 steps. */
export const GPU_TOLERANCE: Tolerance = { rtol: 2e-3, atol: 1e-5 };
