import { afterEach, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { FusedAdamOptimizer } from '../fused';
import { mismatch, randomArray } from '../fused/compare';
import { adamOpsKernels, addNChunked, type AdamGpuKernels, WebGpuAdamOptimizer } from './adam';
import { checkAdam } from './check';

/** Runs `steps` updates of an optimizer on two variables with seeded gradients; returns the values. */
async function train(opt: tf.Optimizer, steps: number, gradScale = 1): Promise<Float32Array[]> {
  // Variables outlive the tidy; their initial values do not.
  const [a, b] = tf.tidy(() => [
    tf.variable(tf.tensor2d(randomArray(12, 1), [3, 4]), true, 'adamtest/a'),
    tf.variable(tf.tensor1d(randomArray(5, 2)), true, 'adamtest/b'),
  ]);
  for (let i = 0; i < steps; i++) {
    const ga = tf.tensor2d(randomArray(12, 10 + i, gradScale), [3, 4]);
    const gb = tf.tensor1d(randomArray(5, 20 + i, gradScale));
    opt.applyGradients({ 'adamtest/a': ga, 'adamtest/b': gb });
    tf.dispose([ga, gb]);
  }
  const out = [Float32Array.from(await a.data()), Float32Array.from(await b.data())];
  return out;
}

describe('WebGpuAdamOptimizer (kernel maths as tfjs ops, on the cpu backend)', () => {
  afterEach(() => tf.disposeVariables());

  it('addNChunked sums any number of tensors, 7 at a time', () => {
    for (const n of [1, 2, 7, 8, 15, 50]) {
      const xs = Array.from({ length: n }, (_, i) => tf.scalar(i + 1));
      const before = tf.memory().numTensors;
      const total = addNChunked(xs);
      expect(total.dataSync()[0]).toBe((n * (n + 1)) / 2);
      total.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(xs);
    }
  });

  it('matches tf.train.adam over several steps', async () => {
    const want = await train(tf.train.adam(0.01, 0.9, 0.999, 1e-7), 4);
    tf.disposeVariables();
    const opt = new WebGpuAdamOptimizer(0.01, 0.9, 0.999, 1e-7, undefined, adamOpsKernels);
    const got = await train(opt, 4);
    got.forEach((g, i) => expect(mismatch(g, want[i], 1e-5, 1e-7), `variable ${i}`).toBeLessThan(1));
    opt.dispose();
  });

  it('clips by the global norm as FusedAdam does, and leaves no tensors behind', async () => {
    const fused = new FusedAdamOptimizer(0.01, 0.9, 0.999, 1e-7, 0.5);
    const want = await train(fused, 3, 3);
    tf.disposeVariables();
    const opt = new WebGpuAdamOptimizer(0.01, 0.9, 0.999, 1e-7, 0.5, adamOpsKernels);
    const before = tf.memory().numTensors;
    const got = await train(opt, 3, 3);
    got.forEach((g, i) => expect(mismatch(g, want[i], 1e-5, 1e-7), `variable ${i}`).toBeLessThan(1));
    // two variables and their moments are what remains
    expect(tf.memory().numTensors - before).toBe(4);
    opt.dispose();
  });

  it('saves and restores its state under tf.AdamOptimizer names', async () => {
    const opt = new WebGpuAdamOptimizer(0.01, 0.9, 0.999, 1e-7, undefined, adamOpsKernels);
    await train(opt, 2);
    const weights = await opt.getWeights();
    expect(weights.map((w) => w.name)).toEqual(['iter', 'adamtest/a/m', 'adamtest/b/m', 'adamtest/a/v', 'adamtest/b/v']);
    expect(weights[1].tensor.shape).toEqual([3, 4]);
    const tfAdam = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
    await tfAdam.setWeights(weights);
    const restored = new WebGpuAdamOptimizer(0.01, 0.9, 0.999, 1e-7, undefined, adamOpsKernels);
    await restored.setWeights(await tfAdam.getWeights());
    const again = await restored.getWeights();
    again.slice(1).forEach((w, i) => expect(mismatch(w.tensor.dataSync(), weights[i + 1].tensor.dataSync())).toBeLessThan(1));
    tf.dispose([...weights.map((w) => w.tensor), ...again.map((w) => w.tensor)]);
    opt.dispose();
    restored.dispose();
    tfAdam.dispose();
  });

  it('checkAdam passes the ops against themselves and catches a wrong kernel (the GPU check can fail)', async () => {
    expect((await checkAdam(adamOpsKernels)).ok).toBe(true);
    const noBiasCorrection: AdamGpuKernels = { ...adamOpsKernels, params: (p, mv, s) => adamOpsKernels.params(p, mv, { ...s, c1: 1 }) };
    const r = await checkAdam(noBiasCorrection);
    expect(r.ok).toBe(false);
    expect(r.worst.big).toBeGreaterThan(1);
  });
});
