import { tf, tfl } from './tf';
import { embeddingLookup } from './fused';
import { metricInputIds, type Vocabulary } from '@tunelab/dataset';
import type { ModelSpec } from './spec';

type LayerArgs = ConstructorParameters<typeof tfl.layers.Layer>[0];
type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/** What a model reads for an encoded text `[n]`, from the text's start: the ids, or with metric input their metric input ids. */
export type InputReader = (ids: Int32Array) => Int32Array;

/** How a model of this spec reads a text of this vocabulary (see {@link InputReader}). */
export function inputReader(spec: ModelSpec, vocab: Vocabulary): InputReader {
  return spec.metricStates ? (ids) => metricInputIds(vocab, ids) : (ids) => ids;
}

/**
 * An input id of a model that reads metric states (spec.metricStates > 0): `symbol + vocab · state`. One int per
 * position keeps every batcher, stateful stream and step unchanged; the targets stay plain symbol ids.
 */
export function metricInputId(symbol: number, state: number, vocab: number): number {
  return symbol + vocab * state;
}

/** The symbol ids and the state ids of metric input ids (`[n]` each). */
export function splitMetricInputs(ids: Int32Array, vocab: number): { symbols: Int32Array; states: Int32Array } {
  const symbols = new Int32Array(ids.length);
  const states = new Int32Array(ids.length);
  for (let n = 0; n < ids.length; n++) {
    const s = Math.floor(ids[n] / vocab);
    states[n] = s;
    symbols[n] = ids[n] - s * vocab;
  }
  return { symbols, states };
}

/**
 * The embedding of a model that reads metric states: input ids `[batch, time]` (see {@link metricInputId}) →
 * `embeddings[symbol] + metric_embeddings[state]`, `[batch, time, dim]`. Two tables, so what a state means is
 * learnt once for every symbol. Lookups and gradients by {@link embeddingLookup} (a scatter-add, any backend).
 * Weights in this order: `embeddings` `[vocab, dim]`, `metric_embeddings` `[states, dim]`.
 */
export class MetricEmbedding extends tfl.layers.Layer {
  static className = 'TunelabMetricEmbedding';
  readonly inputDim: number;
  readonly states: number;
  readonly outputDim: number;
  embeddings!: tfl.LayerVariable;
  metricEmbeddings!: tfl.LayerVariable;
  private readonly initializers: [Initializer, Initializer];

  constructor(args: LayerArgs & { inputDim: number; states: number; outputDim: number; initializers: [Initializer, Initializer] }) {
    super(args);
    this.inputDim = args.inputDim;
    this.states = args.states;
    this.outputDim = args.outputDim;
    this.initializers = args.initializers;
  }

  override build(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], 'float32', this.initializers[0], undefined, true);
    this.metricEmbeddings = this.addWeight('metric_embeddings', [this.states, this.outputDim], 'float32', this.initializers[1], undefined, true);
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
      const { symbols, states } = splitMetricInputs(ids, this.inputDim);
      const shape = input.shape;
      const a = embeddingLookup(this.embeddings.read() as tf.Tensor2D, tf.tensor(symbols, shape, 'int32'));
      const b = embeddingLookup(this.metricEmbeddings.read() as tf.Tensor2D, tf.tensor(states, shape, 'int32'));
      return tf.add(a, b);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inputDim: this.inputDim, states: this.states, outputDim: this.outputDim };
  }
}
tf.serialization.registerClass(MetricEmbedding as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
