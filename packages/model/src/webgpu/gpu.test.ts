/**
 * The WebGPU kernels on a real GPU against the TypeScript reference: outputs and every gradient. Runs where
 * Dawn finds a GPU adapter; elsewhere (machines without a GPU, CI) every test is skipped and says why.
 * On a GPU machine without Node see scripts/gpu/README.md (the same checks, bundled).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tf, tfl } from '../tf';
import { checkAdam, checkLstmOp } from './check';
import { adamWebgpuKernels } from './adam';
import { findGpuAdapter, useWebgpuBackend } from './device';
import { webgpuFusedEmbeddingLstm, webgpuFusedLstm } from './fused-lstm';
// The fused LSTM layer runs these kernels when built with device: 'webgpu' (as build.ts does on that engine).
import { fusedLstmLayer } from '../fused';
import { GPU_CHECK_CASES, GPU_TOLERANCE } from './gpu-cases';
import { mismatch } from '../fused/compare';

const adapter = await findGpuAdapter();
const skipped = adapter.found ? ` on ${adapter.description}` : ` (skipped: ${adapter.description})`;
if (adapter.found) await useWebgpuBackend();
else console.warn(`gpu.test.ts: ${adapter.description}`);
const ops = { lstm: webgpuFusedLstm, embeddingLstm: webgpuFusedEmbeddingLstm };

describe.skipIf(!adapter.found)(`WebGPU LSTM kernels on a GPU${skipped}`, () => {
  afterAll(() => tf.disposeVariables());

  for (const c of GPU_CHECK_CASES) {
    it(`outputs and gradients match the reference at ${JSON.stringify(c)}`, async () => {
      const r = await checkLstmOp(ops, c, 11, GPU_TOLERANCE);
      expect(r.leakedTensors, 'tensors left behind').toBe(0);
      for (const [k, w] of Object.entries(r.worst)) expect(w, k).toBeLessThan(1);
    });
  }

  it('WebGpuAdamOptimizer programs match the same Adam as tfjs ops (clipped, three steps)', async () => {
    const r = await checkAdam(adamWebgpuKernels);
    expect(r.leakedTensors).toBe(0);
    for (const [k, w] of Object.entries(r.worst)) expect(w, k).toBeLessThan(1);
  });

  it('FusedLSTM (on webgpu) gives tf.layers.lstm outputs with the same weights (stateful, two batches)', async () => {
    const [B, T, I, U] = [4, 7, 5, 9];
    const common = { units: U, returnSequences: true, stateful: true, recurrentActivation: 'sigmoid' as const, batchInputShape: [B, T, I] };
    const ref = tfl.sequential({ layers: [tfl.layers.lstm({ ...common, biasInitializer: 'randomNormal' })] });
    const gpu = tfl.sequential({ layers: [fusedLstmLayer({ ...common, device: 'webgpu' })] });
    gpu.setWeights(ref.getWeights());
    for (let i = 0; i < 2; i++) {
      const x = tf.randomNormal([B, T, I], 0, 1, 'float32', i + 1);
      const a = ref.predict(x) as tf.Tensor;
      const b = gpu.predict(x) as tf.Tensor;
      expect(mismatch(await b.data(), await a.data(), GPU_TOLERANCE.rtol, GPU_TOLERANCE.atol), `batch ${i}`).toBeLessThan(1);
      tf.dispose([x, a, b]);
    }
    ref.dispose();
    gpu.dispose();
  });
});
