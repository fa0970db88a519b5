/**
 * `npm run bench -- parity [--json] [--steps N]`: the full-size seed model trained N steps (default 3) twice from
 * the same weights on the same stateful batches — tfjs-layers Embedding/LSTM + tfjs cross-entropy +
 * tf.train.adam, and tunelab's fused layers + fused loss + FusedAdam — reporting both losses per step and the
 * largest relative difference. Dropout is FusedDropout with the same seeds in both, so masks match. The
 * unfused side runs tfjs-layers' LSTM on the cpu backend (~25 s a step on this machine).
 */
import { denseSoftmaxCrossEntropy, FusedAdamOptimizer, fusedDropoutLayer, fusedEmbeddingLayer, fusedLstmLayer, tf, tfl } from '@tunelab/model';
import { SEED } from './train/engines';

export const description = 'full-size seed model: fused vs tfjs-layers losses over N training steps';

function build(fused: boolean): { model: tfl.Sequential; dense: tfl.layers.Layer } {
  const model = tfl.sequential();
  const emb = { inputDim: SEED.vocab, outputDim: SEED.embed, batchInputShape: [SEED.batch, SEED.seq] };
  model.add(fused ? fusedEmbeddingLayer(emb) : tfl.layers.embedding(emb));
  for (let i = 0; i < SEED.layers; i++) {
    const args = { units: SEED.units, returnSequences: true, stateful: true, recurrentActivation: 'sigmoid' as const, recurrentInitializer: 'glorotUniform' as const };
    model.add(fused ? fusedLstmLayer(args) : tfl.layers.lstm(args));
    model.add(fusedDropoutLayer({ rate: SEED.dropout, seed: 100 + i }));
  }
  const dense = tfl.layers.dense({ units: SEED.vocab });
  model.add(dense);
  return { model, dense };
}

export async function main(args: string[]): Promise<void> {
  await tf.setBackend('cpu');
  const i = args.indexOf('--steps');
  const steps = i >= 0 ? Number(args[i + 1]) : 3;
  const ref = build(false);
  const fused = build(true);
  fused.model.setWeights(ref.model.getWeights());
  const optRef = tf.train.adam(1e-3);
  const optFused = new FusedAdamOptimizer(1e-3);
  let s = 7;
  const token = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % SEED.vocab;
  };
  const n = SEED.batch * SEED.seq;
  const rows: Array<{ step: number; layers: number; fused: number; rel: number; layers_ms: number; fused_ms: number }> = [];
  for (let step = 0; step < steps; step++) {
    const x = tf.tensor2d(Int32Array.from({ length: n }, token), [SEED.batch, SEED.seq], 'int32');
    const y = tf.tensor2d(Int32Array.from({ length: n }, token), [SEED.batch, SEED.seq], 'int32');
    let t0 = performance.now();
    const lr = optRef.minimize(() => {
      const logits = tf.reshape(ref.model.apply(x, { training: true }) as tf.Tensor, [n, SEED.vocab]);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.reshape(y, [-1]), SEED.vocab), logits);
    }, true) as tf.Scalar;
    const a = lr.dataSync()[0];
    const layersMs = performance.now() - t0;
    t0 = performance.now();
    const lf = optFused.minimize(() => {
      let h = x as tf.Tensor;
      for (const layer of fused.model.layers.slice(0, -1)) h = layer.apply(h, { training: true }) as tf.Tensor;
      const [k, b] = fused.dense.trainableWeights.map((w) => w.read());
      return denseSoftmaxCrossEntropy(h, k as tf.Tensor2D, b as tf.Tensor1D, y).loss;
    }, true) as tf.Scalar;
    const b = lf.dataSync()[0];
    const fusedMs = performance.now() - t0;
    tf.dispose([x, y, lr, lf]);
    rows.push({ step: step + 1, layers: a, fused: b, rel: Math.abs(a - b) / Math.abs(a), layers_ms: layersMs, fused_ms: fusedMs });
    process.stderr.write(`step ${step + 1}: tfjs-layers ${a.toFixed(6)} (${layersMs.toFixed(0)} ms), fused ${b.toFixed(6)} (${fusedMs.toFixed(0)} ms)\n`);
  }
  const maxRel = Math.max(...rows.map((r) => r.rel));
  // Losses of random tokens sit near ln 86 and hide small differences at float32 resolution; the weights after
  // N Adam steps show whether both sides computed the same gradients.
  const wr = ref.model.getWeights();
  const wf = fused.model.getWeights();
  let weightDiff = 0;
  let weightMax = 0;
  wr.forEach((w, k) => {
    const a = w.dataSync();
    const b = wf[k].dataSync();
    for (let j = 0; j < a.length; j++) {
      weightDiff = Math.max(weightDiff, Math.abs(a[j] - b[j]));
      weightMax = Math.max(weightMax, Math.abs(a[j]));
    }
  });
  process.stderr.write(`largest relative loss difference: ${maxRel.toExponential(2)}\n`);
  process.stderr.write(`largest weight difference after ${steps} steps: ${weightDiff.toExponential(2)} (largest weight ${weightMax.toFixed(3)})\n`);
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ steps: rows, max_rel_diff: maxRel, max_weight_diff: weightDiff })}\n`);
  }
}
