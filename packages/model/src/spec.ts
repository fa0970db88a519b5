import { InputError } from '@tunelab/config';
import type { ModelConfig } from '@tunelab/config';
import { isMetricLayout, METRIC_FEATURES, METRIC_LAYOUT_V1 } from '@tunelab/abc';

/**
 * What to build, independent of where the numbers come from. A discriminated union on `cell`:
 * - `lstm`: the fused LSTM when its native kernel is available, else the tfjs-layers LSTM (same weights);
 * - `lstm-fused` / `lstm-layers`: force one of the two;
 * - `gru`: the tfjs-layers GRU.
 * Every variant: input → (Embedding | one-hot) → N × (recurrent layer → Dropout) → TimeDistributed Dense → softmax.
 */
export type ModelSpec = LstmSpec | LstmFusedSpec | LstmLayersSpec | GruSpec;

interface RecurrentSpecBase {
  /** Embedding width; 0 = one-hot input (no embedding layer). */
  embeddingDim: number;
  /** Units per recurrent layer, bottom first. */
  layers: number[];
  /** Dropout rate after each recurrent layer, in [0, 1). */
  dropout: number;
  /** Carry the recurrent state from one batch to the next (the seed's stateful streams). */
  stateful: boolean;
  /**
   * The parts of the metric state read beside each symbol, by their sizes (`@tunelab/abc` METRIC_FEATURES, or
   * METRIC_LAYOUT_V1 for a model trained before the phrase part; absent = symbols only). With them an input id
   * is `symbol + vocab · state` (the state in mixed radix, first part fastest) and the embedding adds one row per
   * part to the symbol's (MetricEmbedding); the output is still over the symbols. Kept in the spec so a checkpoint says how its inputs were read.
   */
  metricFeatures?: number[];
}

export interface LstmSpec extends RecurrentSpecBase {
  cell: 'lstm';
}
export interface LstmFusedSpec extends RecurrentSpecBase {
  cell: 'lstm-fused';
}
export interface LstmLayersSpec extends RecurrentSpecBase {
  cell: 'lstm-layers';
}
export interface GruSpec extends RecurrentSpecBase {
  cell: 'gru';
}

export type CellKind = ModelSpec['cell'];
const CELLS: readonly CellKind[] = ['lstm', 'lstm-fused', 'lstm-layers', 'gru'];

/** The seed model: Embedding(512) → 3 × stateful LSTM(256) + Dropout(0.2) (1,904,214 parameters at 86 symbols). */
export const SEED_SPEC: ModelSpec = { cell: 'lstm', embeddingDim: 512, layers: [256, 256, 256], dropout: 0.2, stateful: true };

/**
 * The model part of a run config as a spec. Stateful follows the batching: the seed's contiguous streams
 * carry state between batches, shuffled windows do not.
 */
export function specFromConfig(model: ModelConfig, batching: 'stateful' | 'shuffled' = 'stateful'): ModelSpec {
  return validateSpec(
    {
      cell: model.cell,
      embeddingDim: model.embedding_dim,
      layers: [...model.layers],
      dropout: model.dropout,
      stateful: batching === 'stateful',
      ...(model.metric_input ? { metricFeatures: [...METRIC_FEATURES] } : {}),
    } as ModelSpec,
    'model',
  );
}

/** Checks a spec's fields (it may come from a JSON file); returns it unchanged or throws InputError. */
export function validateSpec(spec: ModelSpec, where = 'spec'): ModelSpec {
  if (!CELLS.includes(spec.cell)) {
    throw new InputError(`expected cell to be one of ${CELLS.join(', ')}, but got ${JSON.stringify(spec.cell)}`, `${where}.cell`);
  }
  if (!Number.isInteger(spec.embeddingDim) || spec.embeddingDim < 0) {
    throw new InputError(`expected embedding_dim to be an integer ≥ 0, but got ${spec.embeddingDim}`, `${where}.embedding_dim`);
  }
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new InputError(`expected layers to be a non-empty list of unit counts, but got ${JSON.stringify(spec.layers)}`, `${where}.layers`);
  }
  spec.layers.forEach((u, i) => {
    if (!Number.isInteger(u) || u <= 0) {
      throw new InputError(`expected a positive integer number of units, but got ${u}`, `${where}.layers[${i}]`);
    }
  });
  if (spec.metricFeatures !== undefined) {
    if (!Array.isArray(spec.metricFeatures) || !isMetricLayout(spec.metricFeatures)) {
      throw new InputError(
        `expected the metric state parts of this version's MetricTracker, [${METRIC_FEATURES.join(', ')}] (or the first layout, [${METRIC_LAYOUT_V1.join(', ')}]), but got ${JSON.stringify(spec.metricFeatures)}`,
        `${where}.metricFeatures`,
      );
    }
    if (spec.embeddingDim === 0) throw new InputError('expected embedding_dim > 0 with metric_input: the metric states are embedded', `${where}.embedding_dim`);
  }
  if (typeof spec.dropout !== 'number' || !(spec.dropout >= 0 && spec.dropout < 1)) {
    throw new InputError(`expected dropout in [0, 1), but got ${spec.dropout}`, `${where}.dropout`);
  }
  return spec;
}
