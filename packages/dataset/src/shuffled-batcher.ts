/**
 * Shuffled windows: the text is cut into windows of seqLen + 1 symbols (x = the first seqLen, y = the last
 * seqLen) starting every seqLen symbols from an offset in [0, seqLen); each epoch draws the offset and the
 * window order from an RNG seeded by (seed, epoch). Rows are independent, so the model resets its state per
 * batch. Deterministic for a seed; a different epoch gives a different order and different window edges.
 */
import { InputError } from '@tunelab/config';
import type { Batch } from './types';
import { createRng, mixSeed } from './rng';
import { checkInputs, checkShape } from './stateful-batcher';

export class ShuffledBatcher {
  /** Windows per epoch: floor((n - seqLen) / seqLen), the same for every offset. */
  readonly windows: number;
  /** Full batches per epoch; windows that do not fill the last batch are left out of that epoch. */
  readonly batchesPerEpoch: number;

  /**
   * @param ids the encoded training text, shape `[symbols]`: the targets y
   * @param inputs what the model reads at each position (default `ids`; see StatefulBatcher)
   * @throws InputError when the text holds fewer than `batchSize` windows.
   */
  constructor(
    readonly ids: Int32Array,
    readonly batchSize: number,
    readonly seqLen: number,
    readonly seed: number,
    readonly inputs: Int32Array = ids,
  ) {
    checkInputs(ids, inputs);
    checkShape(batchSize, seqLen);
    // With offset o ≤ seqLen - 1 the last window must end (its last y) at index ≤ n - 1.
    this.windows = Math.max(0, Math.floor((ids.length - seqLen) / seqLen));
    this.batchesPerEpoch = Math.floor(this.windows / batchSize);
    if (this.batchesPerEpoch === 0) {
      throw new InputError(
        `expected at least ${(batchSize + 1) * seqLen} symbols for shuffled batches of ${batchSize} × ${seqLen}, but the text has ${ids.length}`,
        'train.batch_size',
      );
    }
  }

  /** The batches of one epoch; x and y are `[batchSize, seqLen]` row-major, y = the targets of x, one symbol on. */
  *batches(epoch = 0): Iterable<Batch> {
    const { ids, inputs, batchSize, seqLen } = this;
    const rng = createRng(mixSeed(this.seed, epoch));
    const offset = rng.int(seqLen);
    const order = rng.shuffle(Array.from({ length: this.windows }, (_, i) => i));
    for (let k = 0; k < this.batchesPerEpoch; k++) {
      const x = new Int32Array(batchSize * seqLen);
      const y = new Int32Array(batchSize * seqLen);
      for (let b = 0; b < batchSize; b++) {
        const from = offset + order[k * batchSize + b] * seqLen;
        x.set(inputs.subarray(from, from + seqLen), b * seqLen);
        y.set(ids.subarray(from + 1, from + seqLen + 1), b * seqLen);
      }
      yield { x, y, batchSize, seqLen, index: k };
    }
  }
}
