/**
 * Scores whole tunes from a zero state: the measure behind `val_bpc_jigs` / `test_bpc_jigs` (see
 * @tunelab/dataset's yardstick.ts for what is scored and why it compares across runs).
 */
import type { YardstickTune } from '@tunelab/dataset';
import { resetStates } from './build';
import type { FusedTrainStep } from './fused-step';
import type { StepModels } from './step';
import { positionLossesStep } from './step';
import type { InputReader } from './metric-embedding';

/**
 * Bits per body character of `tunes`: each tune is read from a zero state, the bits of every body symbol
 * given all before it are summed over the tunes and divided by their body characters. Tunes are packed
 * `batchSize` at a time, longest first, one per row, and read in `seqLen`-symbol chunks with the state
 * carried between chunks (the training shapes, so the fused step reuses its arrays); a row's padding comes
 * after its tune and cannot change it. Null when there is nothing to score. The model's recurrent state
 * is reset before and after. Runs without dropout and changes no weight. `readInputs`: how the model reads a
 * tune's ids (default as they are; a model with metric input reads each tune's metric states from its start).
 */
export async function tuneBodyBits(
  sm: StepModels,
  tunes: readonly YardstickTune[],
  batchSize: number,
  seqLen: number,
  fused: FusedTrainStep | null = null,
  readInputs: InputReader = (ids) => ids,
): Promise<{ bpc: number; bits: number; chars: number; tunes: number } | null> {
  const scored = tunes.filter((t) => t.ids.length > t.bodyFrom && t.bodyFrom > 0);
  if (scored.length === 0) return null;
  const order = [...scored].sort((a, b) => b.ids.length - a.ids.length);
  const inputs = new Map(order.map((t) => [t, readInputs(t.ids)]));
  const B = batchSize;
  const T = seqLen;
  let nats = 0;
  let chars = 0;
  for (let g = 0; g < order.length; g += B) {
    const group = order.slice(g, g + B);
    const steps = group[0].ids.length - 1; // targets of the longest tune in the group
    resetStates(sm.model);
    for (let from = 0; from < steps; from += T) {
      const x = new Int32Array(B * T);
      const y = new Int32Array(B * T);
      group.forEach((tune, r) => {
        const read = inputs.get(tune)!;
        for (let t = 0; t < T && from + t + 1 < tune.ids.length; t++) {
          x[r * T + t] = read[from + t];
          y[r * T + t] = tune.ids[from + t + 1];
        }
      });
      const losses = fused ? fused.positionLosses(x, y, B, T) : await positionLossesStep(sm, x, y, B, T);
      group.forEach((tune, r) => {
        for (let t = 0; t < T; t++) {
          const target = from + t + 1;
          if (target >= tune.ids.length) break;
          if (target >= tune.bodyFrom) nats += losses[r * T + t];
        }
      });
    }
  }
  resetStates(sm.model);
  for (const t of scored) chars += t.bodyChars;
  const bits = nats / Math.LN2;
  return { bpc: bits / chars, bits, chars, tunes: scored.length };
}
