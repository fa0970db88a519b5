/**
 * FusedLSTM running the WebGPU kernels: same options, weights, checkpoints and stateful behaviour as FusedLSTM
 * (it is one; only `call` differs). Until the fused op dispatches to the WebGPU kernels by itself when the
 * webgpu backend is active, this is how a model uses them (bench/gpu.ts does).
 */
import { FusedLSTM, type FusedLSTMArgs } from '../fused';
import { tf } from '../tf';
import { webgpuFusedLstm } from './fused-lstm';

interface LstmCellLike {
  units: number;
  kernel: { read(): tf.Tensor };
  recurrentKernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
}

/** An LSTM layer whose whole sequence runs in two WebGPU dispatches per call (forward) and two more backward. */
export class WebGpuFusedLSTM extends FusedLSTM {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    if (kwargs.mask != null) throw new Error('WebGpuFusedLSTM does not support masking');
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const x = list[0] as tf.Tensor3D;
      const [B, T] = x.shape;
      const cell = (this as unknown as { cell: LstmCellLike }).cell;
      const U = cell.units;
      let initial: tf.Tensor[] | undefined;
      if (list.length === 3) initial = list.slice(1);
      else if (Array.isArray(kwargs.initialState)) initial = kwargs.initialState as tf.Tensor[];
      else if (this.stateful) initial = this.states;
      const h0 = (initial?.[0] ?? tf.zeros([B, U])) as tf.Tensor2D;
      const c0 = (initial?.[1] ?? tf.zeros([B, U])) as tf.Tensor2D;
      const bias = (cell.bias?.read() ?? tf.zeros([4 * U])) as tf.Tensor1D;
      const { y, h, c } = webgpuFusedLstm(x, h0, c0, cell.kernel.read() as tf.Tensor2D, cell.recurrentKernel.read() as tf.Tensor2D, bias);
      if (this.stateful) this.resetStates([h, c], false);
      const out = this.returnSequences ? y : (tf.reshape(tf.slice(y, [0, T - 1, 0], [B, 1, U]), [B, U]) as tf.Tensor);
      return this.returnState ? [out, h, c] : out;
    });
  }
}

/** A {@link WebGpuFusedLSTM} layer; same options as tf.layers.lstm (recurrentActivation defaults to sigmoid). */
export function webgpuFusedLstmLayer(args: FusedLSTMArgs): WebGpuFusedLSTM {
  return new WebGpuFusedLSTM(args);
}
