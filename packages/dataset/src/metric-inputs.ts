import { METRIC_FEATURES, MetricTracker, metricStateCount } from '@tunelab/abc';
import type { Vocabulary } from './vocabulary';

/**
 * Input ids for a model that reads metric states beside its symbols (`model.metric_input`): id
 * `symbol + vocab.size · state`, the state the MetricTracker gives after reading the symbol (where the text
 * stands in its bar, its section's pickup, a pending tie, the repeat it is in). The targets a model predicts stay plain symbol ids.
 *
 * One encoder for training and sampling: the training streams are encoded with {@link metricInputIds}; the sampler
 * pushes each symbol it feeds, so a symbol it writes is read with the state the same text would have had in training.
 */
export class MetricInputEncoder {
  private tracker: MetricTracker;

  /**
   * `layout`: the state parts the model reads (its spec's `metricFeatures`; default the tracker's current
   * `METRIC_FEATURES`). Throws when an input id could pass 2^31 (a vocabulary too large for the layout).
   */
  constructor(
    private readonly vocab: Vocabulary,
    layout: readonly number[] = METRIC_FEATURES,
    tracker?: MetricTracker,
  ) {
    const states = metricStateCount(layout);
    if (vocab.size * states > 2 ** 31) {
      throw new Error(`metric input: ${vocab.size} symbols × ${states} states pass the int32 range of an input id (use a smaller vocabulary)`);
    }
    this.tracker = tracker ?? new MetricTracker(layout);
  }

  /** The input id of symbol id `id` read next. */
  push(id: number): number {
    const state = this.tracker.push(this.vocab.symbols[id]);
    return id + this.vocab.size * state;
  }

  /** An encoder that goes on from the same text (for a sampler's saved start). */
  clone(): MetricInputEncoder {
    return new MetricInputEncoder(this.vocab, this.tracker.layout, this.tracker.clone());
  }

  /** The state parts it writes. */
  get layout(): readonly number[] {
    return this.tracker.layout;
  }
}

/**
 * The input ids of an encoded text read from its start (a training stream of tunes, or one tune): `[n]`, each
 * `ids[i] + vocab.size · state_i`, the states in `layout` (see {@link MetricInputEncoder}).
 */
export function metricInputIds(vocab: Vocabulary, ids: Int32Array, layout: readonly number[] = METRIC_FEATURES): Int32Array {
  const encoder = new MetricInputEncoder(vocab, layout);
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = encoder.push(ids[i]);
  return out;
}
