import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { referenceKernels } from '../fused/reference';
import { mismatch, randomArray } from '../fused/compare';
import { checkLstmOp } from './check';
import { emulatedKernels } from './emulated-kernels';
import { emulateForward } from './emulate';
import { cacheIndex, type LstmPlan, num, planLstm } from './layout';
import { makeGpuLstmOps } from './lstm-op';
import { fusedEmbeddingLstm, fusedLstm } from '../fused';
import { webgpuFusedEmbeddingLstm, webgpuFusedLstm } from './fused-lstm';

// fused/lstm-op dispatches to these when the webgpu backend is active: their signatures must be the same.
const asFusedLstm: (...a: Parameters<typeof fusedLstm>) => ReturnType<typeof fusedLstm> = webgpuFusedLstm;
const asFusedEmbeddingLstm: (...a: Parameters<typeof fusedEmbeddingLstm>) => ReturnType<typeof fusedEmbeddingLstm> =
  webgpuFusedEmbeddingLstm;

/** A deliberately awkward split: 4-thread groups (units dealt over several chunks), 3 rows per group. */
const tiny = (batch: number, units: number): LstmPlan => ({
  groupSize: 4,
  rowsPerGroup: 3,
  chunks: Math.ceil(units / 4),
  groups: Math.ceil(batch / 3),
});

describe('WebGPU LSTM kernels, emulated on the CPU', () => {
  afterAll(() => tf.disposeVariables());

  it('the forward cache holds the reference gates, cells and h at the layout addresses', () => {
    const [B, T, I, U] = [4, 3, 5, 6];
    const x = randomArray(B * T * I, 1);
    const kernel = randomArray(I * 4 * U, 2, 0.4);
    const rk = randomArray(U * 4 * U, 3, 0.4);
    const bias = randomArray(4 * U, 4, 0.3);
    const h0 = randomArray(B * U, 5, 0.5);
    const c0 = randomArray(B * U, 6, 0.5);
    const ref = {
      ys: new Float32Array(B * T * U),
      gates: new Float32Array(B * T * 4 * U),
      cells: new Float32Array(B * T * U),
    };
    referenceKernels.lstmForward({ batch: B, time: T, inputSize: I, units: U }, { x, h0, c0, kernel, recurrentKernel: rk, bias, ...ref });
    const xproj = new Float32Array(B * T * 4 * U);
    for (let row = 0; row < B * T; row++) {
      for (let j = 0; j < 4 * U; j++) {
        let s = bias[j];
        for (let k = 0; k < I; k++) s += x[row * I + k] * kernel[k * 4 * U + j];
        xproj[row * 4 * U + j] = s;
      }
    }
    for (const plan of [planLstm(B, U), tiny(B, U)]) {
      const cache = emulateForward({ batch: B, time: T, units: U, xproj, rk, h0, c0 }, plan);
      const d = { T, U };
      const pick = (slot: number) =>
        Float32Array.from({ length: B * T * U }, (_, n) => {
          const [b, t, j] = [Math.floor(n / (T * U)), Math.floor(n / U) % T, n % U];
          return cache[cacheIndex(num, d, b, t, slot, j)];
        });
      const gatesGot = Float32Array.from({ length: B * T * 4 * U }, (_, n) => {
        const [bt, gj] = [Math.floor(n / (4 * U)), n % (4 * U)];
        return pick(Math.floor(gj / U))[bt * U + (gj % U)];
      });
      expect(mismatch(gatesGot, ref.gates), `gates ${JSON.stringify(plan)}`).toBeLessThan(1);
      expect(mismatch(pick(4), ref.cells), 'cells').toBeLessThan(1);
      expect(mismatch(pick(5), ref.ys), 'h').toBeLessThan(1);
    }
  });

  const cases = [
    { batch: 1, time: 1, inputSize: 3, units: 2 },
    { batch: 7, time: 5, inputSize: 9, units: 13 },
    { batch: 4, time: 6, inputSize: 8, units: 10, vocab: 11 },
  ];
  for (const [name, plan] of [
    ['planLstm', undefined],
    ['4-thread groups, 3 rows each', tiny],
  ] as const) {
    for (const c of cases) {
      it(`the GPU op (${name}) matches the reference: outputs and every gradient at ${JSON.stringify(c)}`, async () => {
        const r = await checkLstmOp(makeGpuLstmOps(emulatedKernels(plan)), c, 3);
        expect(r.leakedTensors, 'tensors left behind').toBe(0);
        for (const [k, w] of Object.entries(r.worst)) expect(w, k).toBeLessThan(1);
      });
    }
  }

  it('planLstm fills about 64 groups, respects workgroup memory and a requested row count', () => {
    expect(planLstm(16, 256)).toEqual({ groupSize: 256, rowsPerGroup: 1, chunks: 1, groups: 16 });
    expect(planLstm(256, 256)).toEqual({ groupSize: 256, rowsPerGroup: 4, chunks: 1, groups: 64 });
    expect(planLstm(256, 256, { maxWorkgroupStorageBytes: 8192, maxInvocationsPerWorkgroup: 256 }).rowsPerGroup).toBe(2);
    expect(planLstm(16, 256, undefined, 3)).toMatchObject({ rowsPerGroup: 3, groups: 6 });
    expect(planLstm(5, 300)).toMatchObject({ groupSize: 256, chunks: 2 });
    expect(planLstm(5, 20)).toMatchObject({ groupSize: 32, chunks: 1 });
    expect(() => planLstm(4, 2048)).toThrow(/workgroup memory/);
  });

  it('the WebGPU op stands in for fusedLstm and refuses to run on another backend', () => {
    expect([asFusedLstm, asFusedEmbeddingLstm].every((f) => typeof f === 'function')).toBe(true);
    const z = tf.zeros([1, 4]) as tf.Tensor2D;
    expect(() => webgpuFusedLstm(tf.zeros([1, 2, 3]) as tf.Tensor3D, z, z, tf.zeros([3, 16]) as tf.Tensor2D, tf.zeros([4, 16]) as tf.Tensor2D, tf.zeros([16]) as tf.Tensor1D)).toThrow(
      /Expected the webgpu backend to be active, but got cpu/,
    );
  });

  it('a wrong layout is caught (the check can fail)', async () => {
    const broken = emulatedKernels();
    const ops = makeGpuLstmOps({
      ...broken,
      // rk where rkT belongs: same size, wrong layout.
      backward: (a) => broken.backward({ ...a, rkT: tf.transpose(a.rkT) }),
    });
    const r = await checkLstmOp(ops, { batch: 2, time: 3, inputSize: 4, units: 3 }, 5);
    expect(r.ok).toBe(false);
    expect(r.worst.dx).toBeGreaterThan(1);
    expect(r.worst.ys, "the forward is untouched").toBeLessThan(1);
  });
});
