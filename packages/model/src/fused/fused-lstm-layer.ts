/**
 * FusedLSTM: tfjs-layers' LSTM layer with its `call` replaced by the fused op. Subclassing LSTM keeps everything
 * else identical — the LSTMCell's weights (`<layer>/kernel`, `<layer>/recurrent_kernel`, `<layer>/bias`, same
 * shapes and gate order), initializers, `unitForgetBias`, `getConfig`, `stateful` + `resetStates()` — so
 * checkpoints move between FusedLSTM and tf.layers.lstm, and a saved model records className `FusedLSTM`.
 * Dropout belongs in a separate Dropout layer; masking, goBackwards and non-default activations are refused.
 */
import { tf, tfl } from './tfjs';
import { embeddingSourceOf } from './embedding';
import { fusedEmbeddingLstm, fusedLstm } from './lstm-op';
import { webgpuFusedEmbeddingLstm, webgpuFusedLstm } from '../webgpu/fused-lstm';

type LstmArgs = Parameters<typeof tfl.layers.lstm>[0];

interface LstmCellLike {
  units: number;
  kernel: tfl.LayerVariable;
  recurrentKernel: tfl.LayerVariable;
  bias: tfl.LayerVariable | null;
}

// tfjs-layers exports the lstm() factory but not the LSTM class; its instances carry the constructor.
const LSTMBase = Object.getPrototypeOf(tfl.layers.lstm({ units: 1 })).constructor as new (args: LstmArgs) => tfl.RNN;

function activationName(a: LstmArgs['activation'] | LstmArgs['recurrentActivation']): string | undefined {
  return typeof a === 'string' ? a : undefined;
}

/** Options of {@link FusedLSTM}: those of tf.layers.lstm, with recurrentActivation defaulting to sigmoid. */
/**
 * tf.layers.lstm's options, plus where the fused kernels run: `cpu` (the fused kernels on tensor memory read
 * on the JavaScript side; default) or `webgpu` (the WGSL programs, on the webgpu backend). The engine decides
 * (build.ts); the layer never guesses from the active backend.
 */
export type FusedLSTMArgs = LstmArgs & { device?: 'cpu' | 'webgpu' };

/**
 * An LSTM layer running the whole sequence in one fused kernel per call.
 * Input `[batch, time, in]`; output `[batch, time, units]` with returnSequences, else `[batch, units]`.
 */
export class FusedLSTM extends LSTMBase {
  static className = 'FusedLSTM';

  readonly device: 'cpu' | 'webgpu';

  constructor(fusedArgs: FusedLSTMArgs) {
    const { device, ...args } = fusedArgs;
    const withDefaults = { ...args, recurrentActivation: args.recurrentActivation ?? 'sigmoid' };
    const problems: string[] = [];
    if (activationName(withDefaults.activation) !== undefined && activationName(withDefaults.activation) !== 'tanh') {
      problems.push(`activation ${String(withDefaults.activation)} (only tanh)`);
    }
    if (activationName(withDefaults.recurrentActivation) !== 'sigmoid') {
      problems.push(`recurrentActivation ${String(withDefaults.recurrentActivation)} (only sigmoid)`);
    }
    if ((args.dropout ?? 0) !== 0 || (args.recurrentDropout ?? 0) !== 0) {
      problems.push('dropout / recurrentDropout (put a Dropout layer after the FusedLSTM)');
    }
    if (args.goBackwards) problems.push('goBackwards');
    if (args.unroll) problems.push('unroll');
    if (problems.length > 0) throw new Error(`FusedLSTM does not support ${problems.join(', ')}`);
    super(withDefaults);
    this.device = device ?? 'cpu';
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    if (kwargs.mask != null) throw new Error('FusedLSTM does not support masking');
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
      const kernel = cell.kernel.read() as tf.Tensor2D;
      const recurrentKernel = cell.recurrentKernel.read() as tf.Tensor2D;
      // Straight after a FusedEmbedding, project the table instead of the looked-up sequence (same result).
      const source = embeddingSourceOf(x);
      const gpu = this.device === 'webgpu';
      const { y, h, c } =
        source && source.table.shape[1] === kernel.shape[0]
          ? (gpu ? webgpuFusedEmbeddingLstm : fusedEmbeddingLstm)(source.table, source.ids, h0, c0, kernel, recurrentKernel, bias)
          : (gpu ? webgpuFusedLstm : fusedLstm)(x, h0, c0, kernel, recurrentKernel, bias);
      // The carried state is not differentiated (as in Keras' truncated BPTT), so old states can go at once.
      if (this.stateful) this.resetStates([h, c], false);
      const out = this.returnSequences ? y : (tf.reshape(tf.slice(y, [0, T - 1, 0], [B, 1, U]), [B, U]) as tf.Tensor);
      return this.returnState ? [out, h, c] : out;
    });
  }
}

// Static fromConfig is inherited from Layer at run time; the cast only restores what the base-class cast hid.
tf.serialization.registerClass(FusedLSTM as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** A {@link FusedLSTM} layer; same options as tf.layers.lstm (recurrentActivation defaults to sigmoid). */
export function fusedLstmLayer(args: FusedLSTMArgs): FusedLSTM {
  return new FusedLSTM(args);
}
