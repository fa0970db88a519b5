/**
 * The fused LSTM as a tfjs op: one kernel call runs the whole sequence forward, one runs it backward, wired into
 * tfjs autograd with `tf.customGrad`. Maths and weight layout are tfjs-layers' LSTM with
 * `recurrentActivation: 'sigmoid'` (gates i, f, c, o).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LstmDims } from './kernels';
import { getKernels } from './native';
import { timed } from './profile';
import { f32, tapeOn } from './tensor-data';

export interface FusedLstmOutput {
  /** Hidden state at every step, `[batch, time, units]`; differentiable. */
  y: tf.Tensor3D;
  /** Final hidden state `[batch, units]` (equals y[:, -1]); not differentiable. */
  h: tf.Tensor2D;
  /** Final cell state `[batch, units]`; not differentiable. */
  c: tf.Tensor2D;
}

function expectShape(name: string, got: number[], want: number[]): void {
  if (got.length !== want.length || got.some((g, i) => g !== want[i])) {
    throw new Error(`Expected ${name} to have shape [${want.join(', ')}], but got [${got.join(', ')}]`);
  }
}

/**
 * Runs an LSTM over a whole sequence in one fused kernel.
 * @param x inputs `[batch, time, in]`
 * @param h0 initial hidden state `[batch, units]`
 * @param c0 initial cell state `[batch, units]`
 * @param kernel `[in, 4·units]`
 * @param recurrentKernel `[units, 4·units]`
 * @param bias `[4·units]`
 * @returns outputs `[batch, time, units]` (with gradients to x, h0, c0, kernel, recurrentKernel, bias) and the
 *   final state. The gate cache for the backward is kept only while a gradient tape is recording.
 */
export function fusedLstm(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
): FusedLstmOutput {
  const [B, T, I] = x.shape;
  const U = recurrentKernel.shape[0];
  expectShape('kernel', kernel.shape, [I, 4 * U]);
  expectShape('recurrentKernel', recurrentKernel.shape, [U, 4 * U]);
  expectShape('bias', bias.shape, [4 * U]);
  expectShape('h0', h0.shape, [B, U]);
  expectShape('c0', c0.shape, [B, U]);
  const dims: LstmDims = { batch: B, time: T, inputSize: I, units: U };
  const kernels = getKernels();
  const keepCache = tapeOn();
  const hT = new Float32Array(B * U);
  const cT = new Float32Array(B * U);

  const op = tf.customGrad((...args: unknown[]) => {
    const [xv, h0v, c0v, kv, rv, bv] = args as tf.Tensor[];
    const fwd = {
      x: f32(xv),
      h0: f32(h0v),
      c0: f32(c0v),
      kernel: f32(kv),
      recurrentKernel: f32(rv),
      bias: f32(bv),
      ys: new Float32Array(B * T * U),
      hT,
      cT,
      gates: keepCache ? new Float32Array(B * T * 4 * U) : undefined,
      cells: keepCache ? new Float32Array(B * T * U) : undefined,
    };
    timed('lstm.forward', () => kernels.lstmForward(dims, fwd));
    const value = tf.tensor3d(fwd.ys, [B, T, U]);
    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      if (!fwd.gates || !fwd.cells) {
        throw new Error('fusedLstm: gradient requested but the forward ran without a gradient tape');
      }
      const g = {
        dx: new Float32Array(B * T * I),
        dh0: new Float32Array(B * U),
        dc0: new Float32Array(B * U),
        dKernel: new Float32Array(I * 4 * U),
        dRecurrentKernel: new Float32Array(U * 4 * U),
        dBias: new Float32Array(4 * U),
      };
      const b = { ...fwd, gates: fwd.gates, cells: fwd.cells, dys: f32(dy), ...g };
      timed('lstm.backward', () => kernels.lstmBackward(dims, b));
      return [
        tf.tensor3d(g.dx, [B, T, I]),
        tf.tensor2d(g.dh0, [B, U]),
        tf.tensor2d(g.dc0, [B, U]),
        tf.tensor2d(g.dKernel, [I, 4 * U]),
        tf.tensor2d(g.dRecurrentKernel, [U, 4 * U]),
        tf.tensor1d(g.dBias),
      ];
    };
    return { value, gradFunc };
  });
  const y = op(x, h0, c0, kernel, recurrentKernel, bias) as tf.Tensor3D;
  return { y, h: tf.tensor2d(hT, [B, U]), c: tf.tensor2d(cT, [B, U]) };
}
