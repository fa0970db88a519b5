/**
 * Gradient check of a GPU LSTM op against the TypeScript reference kernels (packages/model/src/fused/reference.ts):
 * forward outputs, final state and every gradient (through tf.grads, so the op's autograd wiring is checked too),
 * plus the tensor count before and after. The tests run it on the cpu backend with the emulated kernels and, where
 * a GPU adapter exists, on the webgpu backend; scripts/gpu runs it on a GPU machine.
 */
import { tf } from '../tf';
import { referenceKernels } from '../fused/reference';
import { mismatch, randomArray } from '../fused/compare';
import type { LstmDims } from '../fused/kernels';
import type { GpuEmbeddingLstmFn, GpuLstmFn } from './lstm-op';
import { adamOpsKernels, type AdamGpuKernels, WebGpuAdamOptimizer } from './adam';

export interface CheckCase extends LstmDims {
  /** Feed the LSTM from an embedding table of this many rows (the embedded op). */
  vocab?: number;
}

export interface CheckResult {
  case: CheckCase;
  /** Per output, the largest error in units of the tolerance: ≤ 1 passes (see fused/compare mismatch). */
  worst: Record<string, number>;
  /** Tensors left behind by forward + gradients. */
  leakedTensors: number;
  ok: boolean;
}

/** Tolerances: rtol relative to the largest reference value, atol absolute. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

async function read(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from(await t.data());
}

/**
 * Runs the op on a seeded random problem and compares with the reference. loss = Σ dy · y, so every gradient
 * is the reference backward's with dys = dy (h and c are not differentiable, as in fusedLstm).
 */
export async function checkLstmOp(
  ops: { lstm: GpuLstmFn; embeddingLstm: GpuEmbeddingLstmFn },
  c: CheckCase,
  seed = 1,
  tol: Tolerance = { rtol: 1e-4, atol: 1e-6 },
): Promise<CheckResult> {
  const { batch: B, time: T, inputSize: I, units: U } = c;
  const V = c.vocab;
  const arrays = {
    source: randomArray((V ?? B * T) * I, seed),
    h0: randomArray(B * U, seed + 1, 0.5),
    c0: randomArray(B * U, seed + 2, 0.5),
    kernel: randomArray(I * 4 * U, seed + 3, 0.4),
    recurrentKernel: randomArray(U * 4 * U, seed + 4, 0.4),
    bias: randomArray(4 * U, seed + 5, 0.3),
    dy: randomArray(B * T * U, seed + 6),
  };
  const ids = V ? Int32Array.from({ length: B * T }, (_, i) => (i * 7 + seed) % V) : undefined;

  const before = tf.memory().numTensors;
  const t = {
    source: V ? tf.tensor2d(arrays.source, [V, I]) : tf.tensor3d(arrays.source, [B, T, I]),
    h0: tf.tensor2d(arrays.h0, [B, U]),
    c0: tf.tensor2d(arrays.c0, [B, U]),
    kernel: tf.tensor2d(arrays.kernel, [I, 4 * U]),
    recurrentKernel: tf.tensor2d(arrays.recurrentKernel, [U, 4 * U]),
    bias: tf.tensor1d(arrays.bias),
    dy: tf.tensor3d(arrays.dy, [B, T, U]),
    ids: ids ? tf.tensor2d(ids, [B, T], 'int32') : undefined,
  };
  const apply = (s: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, k: tf.Tensor, r: tf.Tensor, b: tf.Tensor) =>
    t.ids
      ? ops.embeddingLstm(s as tf.Tensor2D, t.ids as tf.Tensor2D, h0 as tf.Tensor2D, c0 as tf.Tensor2D, k as tf.Tensor2D, r as tf.Tensor2D, b as tf.Tensor1D)
      : ops.lstm(s as tf.Tensor3D, h0 as tf.Tensor2D, c0 as tf.Tensor2D, k as tf.Tensor2D, r as tf.Tensor2D, b as tf.Tensor1D);

  const out = apply(t.source, t.h0, t.c0, t.kernel, t.recurrentKernel, t.bias);
  const got: Record<string, Float32Array> = { ys: await read(out.y), hT: await read(out.h), cT: await read(out.c) };
  tf.dispose([out.y, out.h, out.c]);
  const grads = tf.grads((s, h0, c0, k, r, b) => tf.sum(tf.mul(apply(s, h0, c0, k, r, b).y, t.dy)))([
    t.source,
    t.h0,
    t.c0,
    t.kernel,
    t.recurrentKernel,
    t.bias,
  ]);
  const names = [V ? 'dTable' : 'dx', 'dh0', 'dc0', 'dKernel', 'dRecurrentKernel', 'dBias'];
  for (let i = 0; i < names.length; i++) got[names[i]] = await read(grads[i]);
  tf.dispose(grads);
  tf.dispose([t.source, t.h0, t.c0, t.kernel, t.recurrentKernel, t.bias, t.dy, ...(t.ids ? [t.ids] : [])]);
  const leakedTensors = tf.memory().numTensors - before;

  const d: LstmDims = { batch: B, time: T, inputSize: I, units: U };
  const fwd = {
    h0: arrays.h0,
    c0: arrays.c0,
    kernel: arrays.kernel,
    recurrentKernel: arrays.recurrentKernel,
    bias: arrays.bias,
    ys: new Float32Array(B * T * U),
    hT: new Float32Array(B * U),
    cT: new Float32Array(B * U),
    gates: new Float32Array(B * T * 4 * U),
    cells: new Float32Array(B * T * U),
  };
  const want: Record<string, Float32Array> = {
    dh0: new Float32Array(B * U),
    dc0: new Float32Array(B * U),
    dKernel: new Float32Array(I * 4 * U),
    dRecurrentKernel: new Float32Array(U * 4 * U),
    dBias: new Float32Array(4 * U),
  };
  if (V && ids) {
    want.dTable = new Float32Array(V * I);
    referenceKernels.lstmForwardEmbedded(d, V, { ...fwd, table: arrays.source, ids });
    referenceKernels.lstmBackwardEmbedded(d, V, {
      ...fwd,
      table: arrays.source,
      ids,
      dys: arrays.dy,
      dTable: want.dTable,
      dh0: want.dh0,
      dc0: want.dc0,
      dKernel: want.dKernel,
      dRecurrentKernel: want.dRecurrentKernel,
      dBias: want.dBias,
    });
  } else {
    want.dx = new Float32Array(B * T * I);
    referenceKernels.lstmForward(d, { ...fwd, x: arrays.source });
    referenceKernels.lstmBackward(d, {
      ...fwd,
      x: arrays.source,
      dys: arrays.dy,
      dx: want.dx,
      dh0: want.dh0,
      dc0: want.dc0,
      dKernel: want.dKernel,
      dRecurrentKernel: want.dRecurrentKernel,
      dBias: want.dBias,
    });
  }
  want.ys = fwd.ys;
  want.hT = fwd.hT;
  want.cT = fwd.cT;

  const worst: Record<string, number> = {};
  for (const key of Object.keys(got)) worst[key] = mismatch(got[key], want[key], tol.rtol, tol.atol);
  const ok = Object.values(worst).every((w) => w <= 1) && leakedTensors === 0;
  return { case: c, worst, leakedTensors, ok };
}

/**
 * WebGpuAdamOptimizer with the given kernels against the same optimizer with the kernels' maths as tfjs ops, on
 * the active backend: three clipped steps on two variables (one big enough for many workgroups).
 */
export async function checkAdam(kernels: AdamGpuKernels, tol: Tolerance = { rtol: 1e-5, atol: 1e-7 }): Promise<CheckResult> {
  const run = async (k: AdamGpuKernels): Promise<Float32Array[]> => {
    const shapes: number[][] = [[300, 257], [7]];
    const vars = tf.tidy(() => shapes.map((s, i) => tf.variable(tf.tensor(randomArray(s.reduce((a, b) => a * b), i + 1), s), true, `adamcheck/${i}`)));
    const opt = new WebGpuAdamOptimizer(0.01, 0.9, 0.999, 1e-7, 1, k);
    for (let step = 0; step < 3; step++) {
      const grads = shapes.map((s, i) => tf.tensor(randomArray(s.reduce((a, b) => a * b), 10 * step + i, 0.1), s));
      opt.applyGradients(Object.fromEntries(grads.map((g, i) => [`adamcheck/${i}`, g])));
      tf.dispose(grads);
    }
    const out = await Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
    opt.dispose();
    tf.dispose(vars);
    return out;
  };
  const before = tf.memory().numTensors;
  const got = await run(kernels);
  const want = await run(adamOpsKernels);
  const worst = { big: mismatch(got[0], want[0], tol.rtol, tol.atol), small: mismatch(got[1], want[1], tol.rtol, tol.atol) };
  const leakedTensors = tf.memory().numTensors - before;
  return { case: { batch: 0, time: 0, inputSize: 0, units: 0 }, worst, leakedTensors, ok: worst.big <= 1 && worst.small <= 1 && leakedTensors === 0 };
}
