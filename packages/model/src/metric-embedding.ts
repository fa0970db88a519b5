import { tf, tfl } from './tf';
import { embeddingLookup } from './fused';
import { metricInputIds, type Vocabulary } from '@tunelab/dataset';
import type { ModelSpec } from './spec';

type LayerArgs = ConstructorParameters<typeof tfl.layers.Layer>[0];
type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/** What a model reads for an encoded text `[n]`, from the text's start: the ids, or with metric input their metric input ids. */
export type InputReader = (ids: Int32Array) => Int32Array;

/**
 * How a model of this spec reads a text of this vocabulary (see {@link InputReader}). Remembers what it read per
 * array, so the held-out texts a run scores every epoch are tracked once.
 */
export function inputReader(spec: ModelSpec, vocab: Vocabulary): InputReader {
  const layout = spec.metricFeatures;
  if (!layout) return (ids) => ids;
  const read = new WeakMap<Int32Array, Int32Array>();
  return (ids) => {
    let inputs = read.get(ids);
    if (!inputs) read.set(ids, (inputs = metricInputIds(vocab, ids, layout)));
    return inputs;
  };
}

/**
 * The symbol ids and the state parts of input ids `[n]` (`symbol + vocab · state`, the state in mixed radix over
 * `features`, first part fastest): `symbols[n]` and `parts[k][n]`, into `out` when given (arrays of length n).
 */
export function splitMetricInputs(
  ids: Int32Array,
  vocab: number,
  features: readonly number[],
  out: { symbols: Int32Array; parts: Int32Array[] } = { symbols: new Int32Array(ids.length), parts: features.map(() => new Int32Array(ids.length)) },
): { symbols: Int32Array; parts: Int32Array[] } {
  const { symbols, parts } = out;
  for (let n = 0; n < ids.length; n++) {
    let state = Math.floor(ids[n] / vocab);
    symbols[n] = ids[n] - state * vocab;
    for (let k = 0; k < features.length; k++) {
      const rest = Math.floor(state / features[k]);
      parts[k][n] = state - rest * features[k];
      state = rest;
    }
  }
  return { symbols, parts };
}

/**
 * The embedding of a model that reads metric states: input ids `[batch, time]` (`symbol + vocab · state`) →
 * `embeddings[symbol] + Σ_k metric_k[part k of state]`, `[batch, time, dim]`. A table per part (where the bar
 * stands, a pending tie, the repeat), so what each part means is learnt once for every symbol and every value
 * of the other parts. Lookups and gradients by {@link embeddingLookup} (a scatter-add, any backend).
 * Weights in this order: `embeddings` `[vocab, dim]`, then `metric_<k>` `[features[k], dim]`.
 */
export class MetricEmbedding extends tfl.layers.Layer {
  static className = 'TunelabMetricEmbedding';
  readonly inputDim: number;
  readonly features: readonly number[];
  readonly outputDim: number;
  embeddings!: tfl.LayerVariable;
  metricEmbeddings: tfl.LayerVariable[] = [];
  private readonly initializers: Initializer[];

  /** `initializers`: the symbol table's, then one per part. */
  constructor(args: LayerArgs & { inputDim: number; features: readonly number[]; outputDim: number; initializers: Initializer[] }) {
    super(args);
    this.inputDim = args.inputDim;
    this.features = [...args.features];
    this.outputDim = args.outputDim;
    this.initializers = args.initializers;
  }

  override build(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], 'float32', this.initializers[0], undefined, true);
    this.metricEmbeddings = this.features.map((size, k) =>
      this.addWeight(`metric_${k}`, [size, this.outputDim], 'float32', this.initializers[1 + k], undefined, true),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...s, this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const input = Array.isArray(inputs) ? inputs[0] : inputs;
      const ids = input.dtype === 'int32' ? (input.dataSync() as Int32Array) : Int32Array.from(input.dataSync(), (v) => Math.trunc(v));
      const { symbols, parts } = splitMetricInputs(ids, this.inputDim, this.features);
      const shape = input.shape;
      // Summed in this order (symbol, then each part): the fused step sums in the same order, to the same floats.
      let x = embeddingLookup(this.embeddings.read() as tf.Tensor2D, tf.tensor(symbols, shape, 'int32'));
      parts.forEach((part, k) => {
        x = tf.add(x, embeddingLookup(this.metricEmbeddings[k].read() as tf.Tensor2D, tf.tensor(part, shape, 'int32')));
      });
      return x;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inputDim: this.inputDim, features: [...this.features], outputDim: this.outputDim };
  }
}
tf.serialization.registerClass(MetricEmbedding as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
