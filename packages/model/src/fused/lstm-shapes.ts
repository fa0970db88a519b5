import type { tf } from './tfjs';

/** What a fused LSTM op returns, whichever backend ran it (native/reference kernels or WGSL). */
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
 * Checks the weights and initial state of an LSTM of `units` over inputs of `inputSize`, batch `batch`:
 * kernel `[in, 4u]`, recurrentKernel `[u, 4u]`, bias `[4u]`, h0 and c0 `[batch, u]` (Keras layout).
 */
export function checkLstmShapes(
  batch: number,
  inputSize: number,
  units: number,
  w: { kernel: tf.Tensor; recurrentKernel: tf.Tensor; bias: tf.Tensor; h0: tf.Tensor; c0: tf.Tensor },
): void {
  expectShape('kernel', w.kernel.shape, [inputSize, 4 * units]);
  expectShape('recurrentKernel', w.recurrentKernel.shape, [units, 4 * units]);
  expectShape('bias', w.bias.shape, [4 * units]);
  expectShape('h0', w.h0.shape, [batch, units]);
  expectShape('c0', w.c0.shape, [batch, units]);
}
