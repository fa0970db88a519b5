/**
 * The fused LSTM as a tfjs op: one kernel call runs the whole sequence forward, one runs it backward, wired into
 * tfjs autograd with `tf.customGrad`. Maths and weight layout are tfjs-layers' LSTM with
 * `recurrentActivation: 'sigmoid'` (gates i, f, c, o).
 */
import { tf } from './tfjs';
import { giveBuffer, takeBuffer, tensorBuffer } from './buffer-pool';
import type { FusedKernels, LstmDims } from './kernels';
import { getKernels } from './native';
import { checkLstmShapes, type FusedLstmOutput } from './lstm-shapes';
import { timed } from './profile';
import { f32, tapeOn } from './tensor-data';

export type { FusedLstmOutput } from './lstm-shapes';

/** Where the sequence comes from: a tensor `[batch, time, in]`, or rows of an embedding table picked by ids. */
type Source = { kind: 'dense'; x: tf.Tensor3D } | { kind: 'embedded'; table: tf.Tensor2D; ids: Int32Array };

interface Params {
  h0: tf.Tensor2D;
  c0: tf.Tensor2D;
  kernel: tf.Tensor2D;
  recurrentKernel: tf.Tensor2D;
  bias: tf.Tensor1D;
}

function run(source: Source, dims: LstmDims, p: Params): FusedLstmOutput {
  const { batch: B, time: T, inputSize: I, units: U } = dims;
  checkLstmShapes(B, I, U, p);
  const kernels: FusedKernels = getKernels();
  const keepCache = tapeOn();
  const hT = new Float32Array(B * U);
  const cT = new Float32Array(B * U);
  const first = source.kind === 'dense' ? source.x : source.table;
  const vocab = source.kind === 'embedded' ? source.table.shape[0] : 0;

  const op = tf.customGrad((...args: unknown[]) => {
    const [sv, h0v, c0v, kv, rv, bv] = args as tf.Tensor[];
    const common = {
      h0: f32(h0v),
      c0: f32(c0v),
      kernel: f32(kv),
      recurrentKernel: f32(rv),
      bias: f32(bv),
      ys: tensorBuffer(B * T * U, { zero: false }), // every step of every row is written
      hT,
      cT,
      // Fully overwritten by the forward, read by the backward, then recycled.
      gates: keepCache ? takeBuffer(B * T * 4 * U) : undefined,
      cells: keepCache ? takeBuffer(B * T * U) : undefined,
    };
    const input = f32(sv);
    if (source.kind === 'dense') {
      timed('lstm.forward', () => kernels.lstmForward(dims, { ...common, x: input }));
    } else {
      timed('lstm.forward.embedded', () => kernels.lstmForwardEmbedded(dims, vocab, { ...common, table: input, ids: source.ids }));
    }
    const value = tf.tensor3d(common.ys, [B, T, U]);
    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      if (!common.gates || !common.cells) {
        throw new Error('fusedLstm: gradient requested but the forward ran without a gradient tape');
      }
      const g = {
        // Weight gradients are sums over time: the kernels accumulate into zeroed arrays.
        dh0: tensorBuffer(B * U, { zero: true }),
        dc0: tensorBuffer(B * U, { zero: true }),
        dKernel: tensorBuffer(I * 4 * U, { zero: true }),
        dRecurrentKernel: tensorBuffer(U * 4 * U, { zero: true }),
        dBias: tensorBuffer(4 * U, { zero: true }),
      };
      const back = { ...common, gates: common.gates, cells: common.cells, dys: f32(dy), ...g };
      let dInput: tf.Tensor;
      if (source.kind === 'dense') {
        const dx = tensorBuffer(B * T * I, { zero: true });
        timed('lstm.backward', () => kernels.lstmBackward(dims, { ...back, x: input, dx }));
        dInput = tf.tensor3d(dx, [B, T, I]);
      } else {
        const dTable = tensorBuffer(vocab * I, { zero: true }); // rows are scatter-added
        timed('lstm.backward.embedded', () =>
          kernels.lstmBackwardEmbedded(dims, vocab, { ...back, table: input, ids: source.ids, dTable }),
        );
        dInput = tf.tensor2d(dTable, [vocab, I]);
      }
      giveBuffer(common.gates);
      giveBuffer(common.cells);
      // A second backward through this forward would read recycled memory: make it fail loudly instead.
      common.gates = undefined;
      common.cells = undefined;
      return [
        dInput,
        tf.tensor2d(g.dh0, [B, U]),
        tf.tensor2d(g.dc0, [B, U]),
        tf.tensor2d(g.dKernel, [I, 4 * U]),
        tf.tensor2d(g.dRecurrentKernel, [U, 4 * U]),
        tf.tensor1d(g.dBias),
      ];
    };
    return { value, gradFunc };
  });
  const y = op(first, p.h0, p.c0, p.kernel, p.recurrentKernel, p.bias) as tf.Tensor3D;
  return { y, h: tf.tensor2d(hT, [B, U]), c: tf.tensor2d(cT, [B, U]) };
}

/**
 * Runs an LSTM over a whole sequence in one fused kernel (the CPU kernels; webgpu/fused-lstm.ts has the WGSL op).
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
  const dims = { batch: B, time: T, inputSize: I, units: recurrentKernel.shape[0] };
  return run({ kind: 'dense', x }, dims, { h0, c0, kernel, recurrentKernel, bias });
}

/**
 * {@link fusedLstm} on x[b, t] = table[ids[b, t]] without materialising x's projection: the kernel multiplies
 * the table (`vocab` rows) by the input kernel once and picks rows, and the gradient flows to the table directly.
 * For the seed model's first layer this saves ~25% of the LSTM arithmetic (vocab 86 ≪ batch·time 1024).
 * @param table embedding table `[vocab, in]`
 * @param ids token ids `[batch, time]` (int32, each in [0, vocab))
 * @returns as fusedLstm; gradients go to table, h0, c0, kernel, recurrentKernel, bias
 */
export function fusedEmbeddingLstm(
  table: tf.Tensor2D,
  ids: tf.Tensor2D | { values: Int32Array; shape: [number, number] },
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
): FusedLstmOutput {
  const [B, T] = ids.shape;
  const values = ids instanceof tf.Tensor ? Int32Array.from(ids.dataSync(), (v) => Math.trunc(v)) : ids.values;
  const vocab = table.shape[0];
  for (let r = 0; r < values.length; r++) {
    if (!(values[r] >= 0 && values[r] < vocab)) throw new RangeError(`Expected ids in [0, ${vocab}), but got ${values[r]} at ${r}`);
  }
  const dims = { batch: B, time: T, inputSize: table.shape[1], units: recurrentKernel.shape[0] };
  return run({ kind: 'embedded', table, ids: values }, dims, { h0, c0, kernel, recurrentKernel, bias });
}
