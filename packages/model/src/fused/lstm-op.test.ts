import { afterEach, describe, expect, it } from 'vitest';
import { tf, tfl } from './tfjs';
import type { FusedKernels, LstmDims } from './kernels';
import { fusedEmbeddingLstm, fusedLstm } from './lstm-op';
import { getNativeKernels } from './native';
import { referenceKernels } from './reference';
import { mismatch, randomArray, values } from './compare';

const native = getNativeKernels();

function runKernels(k: FusedKernels, d: LstmDims, seed: number) {
  const { batch: B, time: T, inputSize: I, units: U } = d;
  const inp = {
    x: randomArray(B * T * I, seed),
    h0: randomArray(B * U, seed + 1, 0.5),
    c0: randomArray(B * U, seed + 2, 0.5),
    kernel: randomArray(I * 4 * U, seed + 3, 0.4),
    recurrentKernel: randomArray(U * 4 * U, seed + 4, 0.4),
    bias: randomArray(4 * U, seed + 5, 0.3),
  };
  const fwd = {
    ...inp,
    ys: new Float32Array(B * T * U),
    hT: new Float32Array(B * U),
    cT: new Float32Array(B * U),
    gates: new Float32Array(B * T * 4 * U),
    cells: new Float32Array(B * T * U),
  };
  k.lstmForward(d, fwd);
  const grads = {
    dx: new Float32Array(B * T * I),
    dh0: new Float32Array(B * U),
    dc0: new Float32Array(B * U),
    dKernel: new Float32Array(I * 4 * U),
    dRecurrentKernel: new Float32Array(U * 4 * U),
    dBias: new Float32Array(4 * U),
  };
  k.lstmBackward(d, {
    ...fwd,
    dys: randomArray(B * T * U, seed + 6),
    dhT: randomArray(B * U, seed + 7),
    dcT: randomArray(B * U, seed + 8),
    ...grads,
  });
  return { ...fwd, ...grads };
}

describe('fused LSTM kernels', () => {
  it.skipIf(!native)('native agrees with the TypeScript reference (forward, cache and every gradient)', () => {
    // Sizes off the 6 × 16 micro-tile and crossing the 256-deep K blocks exercise the GEMM's edges.
    for (const [i, d] of [
      { batch: 1, time: 1, inputSize: 3, units: 2 },
      { batch: 7, time: 5, inputSize: 19, units: 13 },
      { batch: 3, time: 4, inputSize: 300, units: 70 },
    ].entries()) {
      const a = runKernels(native as FusedKernels, d, 10 * i);
      const b = runKernels(referenceKernels, d, 10 * i);
      for (const key of ['ys', 'hT', 'cT', 'gates', 'cells', 'dx', 'dh0', 'dc0', 'dKernel', 'dRecurrentKernel', 'dBias'] as const) {
        expect(mismatch(a[key], b[key]), `${key} at ${JSON.stringify(d)}`).toBeLessThan(1);
      }
    }
  });

  it.skipIf(!native)('lets NaN through, as tfjs does (a diverging run must show it)', () => {
    const d = { batch: 2, time: 3, inputSize: 20, units: 9 };
    const x = randomArray(2 * 3 * 20, 1);
    x[5] = NaN;
    const ys = new Float32Array(2 * 3 * 9);
    const zeros = new Float32Array(2 * 9);
    native!.lstmForward(d, { x, h0: zeros, c0: zeros, kernel: randomArray(20 * 36, 2), recurrentKernel: randomArray(9 * 36, 3), bias: randomArray(36, 4), ys });
    expect(ys.slice(0, 3 * 9).every(Number.isNaN)).toBe(true);
    expect(ys.slice(3 * 9).some(Number.isNaN)).toBe(false);
  });

  it('gradients match central finite differences of a float64 LSTM', () => {
    const d = { batch: 2, time: 3, inputSize: 3, units: 2 };
    const { batch: B, time: T, inputSize: I, units: U } = d;
    const dys = randomArray(B * T * U, 99);
    const k = runKernels(referenceKernels, d, 40);
    const withDy = (() => {
      const g = {
        dx: new Float32Array(B * T * I),
        dh0: new Float32Array(B * U),
        dc0: new Float32Array(B * U),
        dKernel: new Float32Array(I * 4 * U),
        dRecurrentKernel: new Float32Array(U * 4 * U),
        dBias: new Float32Array(4 * U),
      };
      (native ?? referenceKernels).lstmBackward(d, { ...k, dys, dhT: undefined, dcT: undefined, ...g });
      return g;
    })();
    // loss = Σ dys · ys computed in float64 from scratch.
    const loss = (p: Record<string, Float64Array>): number => {
      const sig = (z: number) => 1 / (1 + Math.exp(-z));
      let total = 0;
      for (let n = 0; n < B; n++) {
        const h = p.h0.slice(n * U, (n + 1) * U);
        const c = p.c0.slice(n * U, (n + 1) * U);
        for (let t = 0; t < T; t++) {
          const z = new Float64Array(4 * U);
          for (let j = 0; j < 4 * U; j++) {
            let s = p.bias[j];
            for (let q = 0; q < I; q++) s += p.x[(n * T + t) * I + q] * p.kernel[q * 4 * U + j];
            for (let q = 0; q < U; q++) s += h[q] * p.recurrentKernel[q * 4 * U + j];
            z[j] = s;
          }
          for (let j = 0; j < U; j++) {
            c[j] = sig(z[U + j]) * c[j] + sig(z[j]) * Math.tanh(z[2 * U + j]);
            h[j] = sig(z[3 * U + j]) * Math.tanh(c[j]);
            total += dys[(n * T + t) * U + j] * h[j];
          }
        }
      }
      return total;
    };
    const params: Record<string, Float64Array> = {};
    for (const key of ['x', 'h0', 'c0', 'kernel', 'recurrentKernel', 'bias'] as const) params[key] = Float64Array.from(k[key]);
    const gradOf = { x: withDy.dx, h0: withDy.dh0, c0: withDy.dc0, kernel: withDy.dKernel, recurrentKernel: withDy.dRecurrentKernel, bias: withDy.dBias };
    const eps = 1e-5;
    for (const [key, analytic] of Object.entries(gradOf)) {
      const fd = new Float64Array(analytic.length);
      for (let i = 0; i < analytic.length; i++) {
        const saved = params[key][i];
        params[key][i] = saved + eps;
        const up = loss(params);
        params[key][i] = saved - eps;
        const down = loss(params);
        params[key][i] = saved;
        fd[i] = (up - down) / (2 * eps);
      }
      expect(mismatch(analytic, fd, 1e-3, 1e-5), key).toBeLessThan(1);
    }
  });
});

describe('fusedLstm op vs tf.layers.lstm', () => {
  afterEach(() => tf.disposeVariables());

  for (const [B, T, I, U] of [
    [3, 5, 4, 6],
    [4, 9, 33, 20],
  ]) {
    it(`matches outputs and gradients at [${B}, ${T}, ${I}] → ${U}`, () => {
      const lstm = tfl.layers.lstm({ units: U, returnSequences: true, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform', biasInitializer: 'randomNormal' });
      const x = tf.randomNormal([B, T, I], 0, 1, 'float32', 7) as tf.Tensor3D;
      const dy = tf.randomNormal([B, T, U], 0, 1, 'float32', 8);
      const ref = lstm.apply(x) as tf.Tensor;
      const [kernel, rk, bias] = lstm.getWeights() as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const h0 = tf.zeros([B, U]) as tf.Tensor2D;
      const refLast = tf.slice(ref, [0, T - 1, 0], [B, 1, U]);
      const before = tf.memory().numTensors;
      const fused = fusedLstm(x, h0, h0, kernel, rk, bias);
      expect(mismatch(values(fused.y), values(ref))).toBeLessThan(1);
      expect(mismatch(values(fused.h), values(refLast))).toBeLessThan(1);
      tf.dispose([fused.y, fused.h, fused.c]);
      expect(tf.memory().numTensors).toBe(before);

      const refGrads = tf.grads((xx: tf.Tensor) => tf.sum(tf.mul(lstm.apply(xx) as tf.Tensor, dy)))([x]);
      const { grads: refVarGrads } = tf.variableGrads(() => tf.sum(tf.mul(lstm.apply(x) as tf.Tensor, dy)) as tf.Scalar);
      const fusedGrads = tf.grads((xx, k, r, b) =>
        tf.sum(tf.mul(fusedLstm(xx as tf.Tensor3D, h0, h0, k as tf.Tensor2D, r as tf.Tensor2D, b as tf.Tensor1D).y, dy)),
      )([x, kernel, rk, bias]);
      expect(mismatch(values(fusedGrads[0]), values(refGrads[0])), 'dx').toBeLessThan(1);
      const names = lstm.weights.map((w) => w.name);
      names.forEach((name, i) => {
        expect(mismatch(values(fusedGrads[i + 1]), values(refVarGrads[name])), name).toBeLessThan(1);
      });
    });
  }
});

describe('LSTM fed by an embedding', () => {
  it.skipIf(!native)('native embedded kernels agree with the reference', () => {
    const d = { batch: 5, time: 7, inputSize: 20, units: 9 };
    const V = 13;
    const { batch: B, time: T, inputSize: I, units: U } = d;
    const table = randomArray(V * I, 1);
    const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 5) % V);
    const run = (k: FusedKernels) => {
      const f = {
        table,
        ids,
        h0: randomArray(B * U, 2),
        c0: randomArray(B * U, 3),
        kernel: randomArray(I * 4 * U, 4, 0.4),
        recurrentKernel: randomArray(U * 4 * U, 5, 0.4),
        bias: randomArray(4 * U, 6),
        ys: new Float32Array(B * T * U),
        gates: new Float32Array(B * T * 4 * U),
        cells: new Float32Array(B * T * U),
      };
      k.lstmForwardEmbedded(d, V, f);
      const g = {
        dTable: new Float32Array(V * I),
        dKernel: new Float32Array(I * 4 * U),
        dRecurrentKernel: new Float32Array(U * 4 * U),
        dBias: new Float32Array(4 * U),
        dh0: new Float32Array(B * U),
      };
      k.lstmBackwardEmbedded(d, V, { ...f, dys: randomArray(B * T * U, 7), ...g });
      return { ys: f.ys, ...g };
    };
    const a = run(native as FusedKernels);
    const b = run(referenceKernels);
    for (const key of ['ys', 'dTable', 'dKernel', 'dRecurrentKernel', 'dBias', 'dh0'] as const) {
      expect(mismatch(a[key], b[key]), key).toBeLessThan(1);
    }
  });

  it('fusedEmbeddingLstm equals tf.gather + fusedLstm, gradients to the table included', () => {
    const [V, E, U, B, T] = [9, 6, 4, 3, 5];
    const table = tf.tensor2d(randomArray(V * E, 11), [V, E]);
    const ids = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 4) % V), [B, T], 'int32');
    const kernel = tf.tensor2d(randomArray(E * 4 * U, 12, 0.5), [E, 4 * U]);
    const rk = tf.tensor2d(randomArray(U * 4 * U, 13, 0.5), [U, 4 * U]);
    const bias = tf.tensor1d(randomArray(4 * U, 14));
    const h0 = tf.tensor2d(randomArray(B * U, 15), [B, U]);
    const dy = tf.tensor(randomArray(B * T * U, 16), [B, T, U]);
    const viaGather = (t: tf.Tensor, k: tf.Tensor) =>
      tf.sum(tf.mul(fusedLstm(tf.reshape(tf.gather(t, tf.reshape(ids, [-1])), [B, T, E]) as tf.Tensor3D, h0, h0, k as tf.Tensor2D, rk, bias).y, dy));
    const fused = (t: tf.Tensor, k: tf.Tensor) =>
      tf.sum(tf.mul(fusedEmbeddingLstm(t as tf.Tensor2D, ids as tf.Tensor2D, h0, h0, k as tf.Tensor2D, rk, bias).y, dy));
    expect(mismatch(values(fused(table, kernel)), values(viaGather(table, kernel)))).toBeLessThan(1);
    const gf = tf.grads(fused)([table, kernel]);
    const gr = tf.grads(viaGather)([table, kernel]);
    expect(mismatch(values(gf[0]), values(gr[0])), 'dTable').toBeLessThan(1);
    expect(mismatch(values(gf[1]), values(gr[1])), 'dKernel').toBeLessThan(1);
  });
});
