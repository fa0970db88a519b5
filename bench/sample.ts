/**
 * `npm run bench -- sample [--json] [--chars N]`: one character at a time (batch 1 × 1, stateful), as sampling
 * runs, on the seed model's shape: FusedLSTM vs tfjs-layers LSTM on the cpu backend, interleaved in one process.
 * JSON: `{ fused_ms_per_char, layers_ms_per_char, ratio }`.
 */
import { tf, tfl } from '../packages/model/src/fused/tfjs';
import { fusedLstmLayer } from '../packages/model/src/fused/index';
import { SEED } from './train/engines';

export const description = 'sampling speed (batch 1, one step at a time): FusedLSTM vs tfjs-layers LSTM';

function build(fused: boolean): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.embedding({ inputDim: SEED.vocab, outputDim: SEED.embed, batchInputShape: [1, 1] }));
  for (let i = 0; i < SEED.layers; i++) {
    const args = { units: SEED.units, returnSequences: true, stateful: true, recurrentActivation: 'sigmoid' as const, recurrentInitializer: 'glorotUniform' as const };
    m.add(fused ? fusedLstmLayer(args) : tfl.layers.lstm(args));
  }
  m.add(tfl.layers.dense({ units: SEED.vocab, activation: 'softmax' }));
  return m;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(args: string[]): Promise<void> {
  await tf.setBackend('cpu');
  const i = args.indexOf('--chars');
  const chars = i >= 0 ? Number(args[i + 1]) : 30;
  const models = { fused: build(true), layers: build(false) };
  const x = tf.tensor2d([[5]], [1, 1], 'int32');
  const per: Record<string, number[]> = { fused: [], layers: [] };
  for (let round = 0; round < 6; round++) {
    for (const [name, m] of Object.entries(models)) {
      const t0 = performance.now();
      for (let c = 0; c < chars; c++) tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync());
      if (round > 0) per[name].push((performance.now() - t0) / chars);
    }
  }
  const fused = median(per.fused);
  const layers = median(per.layers);
  process.stderr.write(`fused ${fused.toFixed(2)} ms/char, tfjs-layers ${layers.toFixed(2)} ms/char (cpu backend)\n`);
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ fused_ms_per_char: fused, layers_ms_per_char: layers, ratio: fused / layers })}\n`);
  }
}
