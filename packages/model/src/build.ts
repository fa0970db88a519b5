import { InputError } from '@tunelab/config';
import { tf, tfl } from './tf';
import { OneHot, SeededDropout } from './layers';
import { MetricEmbedding } from './metric-embedding';
import { SeededOrthogonal } from './initializers';
import type { ModelSpec } from './spec';

type TflInitializer = ReturnType<typeof tfl.initializers.zeros>;
import { validateSpec } from './spec';
import { fusedLstmLayer, resolveCell, usesCpuKernels } from './cells';
import { activeEngine, type EngineInfo } from './engine';
import { fusedEmbeddingLayer } from './fused';

export interface BuildOptions {
  /** Rows per batch; fixed in the model because stateful layers keep one state row per stream. Default 1. */
  batchSize?: number;
  /** Characters per row; null = any length (inference steps one character at a time). Default null. */
  seqLen?: number | null;
  /** Seed of the weight initialisers and the dropout masks. Default 0. */
  seed?: number;
  /** The engine the model runs on (which layers it gets). Default: the process's ({@link activeEngine}). */
  engine?: EngineInfo;
}

const engines = new WeakMap<tfl.LayersModel, EngineInfo>();

/** The engine a model was built for (buildModel records it), so what steps the model follows the same choice. */
export function engineOf(model: tfl.LayersModel): EngineInfo {
  return engines.get(model) ?? activeEngine();
}

/** Layer names that the training loop, checkpoints and sampling look up. */
export const LOGITS_LAYER = 'logits';
export const SOFTMAX_LAYER = 'softmax';

/** A distinct, repeatable seed for each weight of each layer. */
function derive(seed: number, layer: number, slot: number): number {
  return (seed * 1009 + layer * 101 + slot) >>> 0;
}

/** The fused embedding has the same weight and output; its gradient is a scatter-add instead of UnsortedSegmentSum. */
function embeddingLayer(fused: boolean, args: Parameters<typeof tfl.layers.embedding>[0]): tfl.layers.Layer {
  return fused ? fusedEmbeddingLayer(args) : tfl.layers.embedding(args);
}

/**
 * Builds the tfjs model of a spec: int ids `[batch, time]` → probabilities `[batch, time, vocab]` (with
 * `spec.metricFeatures`, input ids `symbol + vocab · state`: MetricEmbedding).
 * Like Keras and PyTorch (and unlike tfjs' default hardSigmoid), gates use the logistic sigmoid; like Keras,
 * LSTMs start with forget-gate bias 1, glorot-uniform input kernels and orthogonal recurrent kernels.
 * The layer before the softmax is named `logits` so training can take the cross-entropy from logits.
 */
export function buildModel(spec: ModelSpec, vocabSize: number, options: BuildOptions = {}): tfl.LayersModel {
  validateSpec(spec);
  if (!Number.isInteger(vocabSize) || vocabSize < 2) {
    throw new InputError(`expected a vocabulary of at least 2 symbols, but got ${vocabSize}`, 'vocabSize');
  }
  const batchSize = options.batchSize ?? 1;
  const seqLen = options.seqLen ?? null;
  const seed = options.seed ?? 0;
  const engine = options.engine ?? activeEngine();
  const cell = resolveCell(spec, engine);

  // tfjs-layers' LSTM bias initializer with unitForgetBias leaves 4 temporaries untracked; the tidy frees
  // them (weights are variables and the initial states are kept, so both survive it).
  let model: tfl.LayersModel | undefined;
  tf.tidy(() => {
    model = build(spec, vocabSize, batchSize, seqLen, seed, cell, engine);
  });
  engines.set(model!, engine);
  return model!;
}

function build(
  spec: ModelSpec,
  vocabSize: number,
  batchSize: number,
  seqLen: number | null,
  seed: number,
  cell: string,
  engine: EngineInfo,
): tfl.LayersModel {
  // The cpu fused kernels serve the embedding, dropout and loss too; on webgpu only the LSTM is fused.
  const kernels = usesCpuKernels(engine);
  const input = tfl.input({ batchShape: [batchSize, seqLen], dtype: 'int32', name: 'ids' });
  const embeddingsInitializer = tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: derive(seed, 0, 0) });
  let x: tfl.SymbolicTensor = spec.metricFeatures
    ? (new MetricEmbedding({
        name: 'embedding',
        inputDim: vocabSize,
        features: spec.metricFeatures,
        outputDim: spec.embeddingDim,
        initializers: [
          embeddingsInitializer,
          ...spec.metricFeatures.map((_, k) => tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: derive(seed, 0, 1 + k) })),
        ],
      }).apply(input) as tfl.SymbolicTensor)
    : spec.embeddingDim > 0
      ? (embeddingLayer(kernels && cell === 'fused', {
          name: 'embedding',
          inputDim: vocabSize,
          outputDim: spec.embeddingDim,
          embeddingsInitializer,
        }).apply(input) as tfl.SymbolicTensor)
      : (new OneHot({ name: 'one_hot', depth: vocabSize }).apply(input) as tfl.SymbolicTensor);

  spec.layers.forEach((units, i) => {
    const n = i + 1;
    const common = {
      name: `${cell === 'gru' ? 'gru' : 'lstm'}_${n}`,
      units,
      returnSequences: true,
      stateful: spec.stateful,
      recurrentActivation: 'sigmoid' as const,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: derive(seed, n, 0) }),
      recurrentInitializer: new SeededOrthogonal({ seed: derive(seed, n, 1) }) as unknown as TflInitializer,
      biasInitializer: 'zeros' as const,
    };
    const layer =
      cell === 'gru'
        ? tfl.layers.gru(common)
        : cell === 'fused'
          ? fusedLstmLayer({ ...common, unitForgetBias: true, device: engine.name === 'webgpu' ? 'webgpu' : 'cpu' })
          : tfl.layers.lstm({ ...common, unitForgetBias: true });
    x = layer.apply(x) as tfl.SymbolicTensor;
    x = new SeededDropout({ name: `dropout_${n}`, rate: spec.dropout, seed: derive(seed, n, 2), fusedKernels: kernels }).apply(x) as tfl.SymbolicTensor;
  });

  const dense = tfl.layers.dense({
    units: vocabSize,
    kernelInitializer: tfl.initializers.glorotUniform({ seed: derive(seed, spec.layers.length + 1, 0) }),
  });
  x = tfl.layers.timeDistributed({ name: LOGITS_LAYER, layer: dense }).apply(x) as tfl.SymbolicTensor;
  const probs = tfl.layers.activation({ name: SOFTMAX_LAYER, activation: 'softmax' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: probs, name: 'tunelab' });
}

/** The dropout layers of a model, so the training loop can set their mask step. */
export function dropoutLayers(model: tfl.LayersModel): SeededDropout[] {
  return model.layers.filter((l: tfl.layers.Layer): l is SeededDropout => l instanceof SeededDropout);
}

/** Resets the state of every stateful recurrent layer to zeros (no-op for stateless models). */
export function resetStates(model: tfl.LayersModel): void {
  for (const layer of model.layers) {
    const rnn = layer as unknown as { stateful?: boolean; resetStates?: () => void };
    if (rnn.stateful && typeof rnn.resetStates === 'function') rnn.resetStates();
  }
}

/** A one-line-per-layer description: name, class, output shape, parameter count. */
export interface LayerSummary {
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
}

/** Layers and parameter count of a model, for `tunelab model summary`. */
export function summarize(model: tfl.LayersModel): { layers: LayerSummary[]; params: number } {
  const layers = model.layers.map((l: tfl.layers.Layer) => ({
    name: l.name,
    type: l.getClassName(),
    outputShape: (Array.isArray(l.outputShape[0]) ? l.outputShape[0] : l.outputShape) as (number | null)[],
    params: l.countParams(),
  }));
  return { layers, params: model.countParams() };
}

/**
 * Disposes a model and what tfjs-layers' dispose leaves behind: the state tensors of stateful RNN layers
 * (current and those kept for backpropagation).
 */
export function disposeModel(model: tfl.LayersModel): void {
  for (const layer of model.layers) {
    const rnn = layer as unknown as { stateful?: boolean; states_?: tf.Tensor[] | null; keptStates?: tf.Tensor[][] };
    if (!rnn.stateful) continue;
    if (rnn.states_) tf.dispose(rnn.states_.filter((t) => t && !t.isDisposed));
    rnn.states_ = null;
    if (rnn.keptStates) {
      for (const kept of rnn.keptStates) tf.dispose(kept.filter((t) => t && !t.isDisposed));
      rnn.keptStates = [];
    }
  }
  model.dispose();
}

/**
 * The layers and parameter count of a run config's model for a vocabulary size, built at the config's batch
 * shape and disposed again (for `tunelab model summary`).
 */
export function describeModel(
  spec: ModelSpec,
  vocabSize: number,
  options: BuildOptions = {},
): { spec: ModelSpec; layers: LayerSummary[]; params: number } {
  const model = buildModel(spec, vocabSize, options);
  try {
    return { spec, ...summarize(model) };
  } finally {
    disposeModel(model);
  }
}
