/**
 * The seed's batches (char-rnn-keras read_batches): the text is cut into `batchSize` contiguous streams of
 * floor(n / batchSize) symbols; batch k takes symbols [k·T, k·T + T) of every stream, so row b of batch k+1
 * continues row b of batch k and a stateful LSTM can carry its state across batches. The seed loops
 * `for start in range(0, streamLen - T, T)`, i.e. floor((streamLen - 1) / T) batches: jigs, 129,665 chars,
 * 16 × 64 → streams of 8,104 → 126 batches. The tail of each stream that does not fill a batch is unused.
 */
import { InputError } from '@tunelab/config';
import type { Batch } from './types';

export class StatefulBatcher {
  /** Symbols per stream: floor(ids.length / batchSize). */
  readonly streamLength: number;
  readonly batchesPerEpoch: number;

  /**
   * @param ids the encoded training text, shape `[symbols]`: the targets y
   * @param inputs what the model reads at each position, shape `[symbols]`: the inputs x (default `ids`; with
   *   metric input, `metricInputIds` of them)
   * @throws InputError when the text is too short for one batch of `batchSize × seqLen` (+1 for the targets).
   */
  constructor(
    readonly ids: Int32Array,
    readonly batchSize: number,
    readonly seqLen: number,
    readonly inputs: Int32Array = ids,
  ) {
    checkInputs(ids, inputs);
    checkShape(batchSize, seqLen);
    this.streamLength = Math.floor(ids.length / batchSize);
    this.batchesPerEpoch = Math.max(0, Math.floor((this.streamLength - 1) / seqLen));
    if (this.batchesPerEpoch === 0) {
      throw new InputError(
        `expected at least ${batchSize * (seqLen + 1)} symbols for stateful batches of ${batchSize} × ${seqLen}, but the text has ${ids.length}`,
        'train.batch_size',
      );
    }
  }

  /**
   * The batches of one epoch, in order; x and y are `[batchSize, seqLen]` row-major, y = the targets of x, one symbol on.
   * Every epoch is the same (as in the seed): `epoch` is accepted so both batchers share one interface.
   */
  *batches(_epoch = 0): Iterable<Batch> {
    const { ids, inputs, batchSize, seqLen, streamLength } = this;
    for (let k = 0; k < this.batchesPerEpoch; k++) {
      const x = new Int32Array(batchSize * seqLen);
      const y = new Int32Array(batchSize * seqLen);
      for (let b = 0; b < batchSize; b++) {
        const from = b * streamLength + k * seqLen;
        x.set(inputs.subarray(from, from + seqLen), b * seqLen);
        y.set(ids.subarray(from + 1, from + seqLen + 1), b * seqLen);
      }
      yield { x, y, batchSize, seqLen, index: k };
    }
  }
}

/** The inputs must pair up with the targets' text, one per symbol. */
export function checkInputs(ids: Int32Array, inputs: Int32Array): void {
  if (inputs.length !== ids.length) throw new Error(`expected one input per symbol (${ids.length}), but got ${inputs.length}`);
}

export function checkShape(batchSize: number, seqLen: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InputError(`expected batch_size to be a positive integer, but got ${batchSize}`, 'train.batch_size');
  }
  if (!Number.isInteger(seqLen) || seqLen < 1) {
    throw new InputError(`expected seq_len to be a positive integer, but got ${seqLen}`, 'train.seq_len');
  }
}
