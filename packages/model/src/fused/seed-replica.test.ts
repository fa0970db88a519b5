/**
 * A reduced seed model (stateful Embedding → 2 × (LSTM, Dropout) → Dense, Adam) trained a few steps twice from
 * the same weights: once with tfjs-layers' Embedding and LSTM, tfjs cross-entropy and tf.train.adam, once with
 * every fused piece. Dropout is FusedDropout with the same seed in both, so the masks match.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '@tunelab/dataset';
import { tf, tfl } from './tfjs';
import { fusedDropoutLayer } from './dropout';
import { fusedEmbeddingLayer } from './embedding';
import { FusedAdamOptimizer } from './fused-adam';
import { fusedLstmLayer } from './fused-lstm-layer';
import { fusedProfile } from './profile';
import { denseSoftmaxCrossEntropy } from './softmax-ce';

const V = 11;
const E = 7;
const U = 6;
const B = 3;
const T = 5;

function build(fused: boolean) {
  const m = tfl.sequential();
  const embArgs = { inputDim: V, outputDim: E, batchInputShape: [B, T] };
  m.add(fused ? fusedEmbeddingLayer(embArgs) : tfl.layers.embedding(embArgs));
  for (let i = 0; i < 2; i++) {
    const args = { units: U, returnSequences: true, stateful: true, recurrentActivation: 'sigmoid' as const, recurrentInitializer: 'glorotUniform' as const };
    m.add(fused ? fusedLstmLayer(args) : tfl.layers.lstm(args));
    m.add(fusedDropoutLayer({ rate: 0.2, seed: 7 + i }));
  }
  const dense = tfl.layers.dense({ units: V });
  m.add(dense);
  return { m, dense };
}

describe('seed replica, fused vs tfjs-layers', () => {
  afterEach(() => tf.disposeVariables());

  it('trains to the same losses step for step', () => {
    const a = build(false);
    const b = build(true);
    b.m.setWeights(a.m.getWeights());
    const optA = tf.train.adam(0.01);
    const optB = new FusedAdamOptimizer(0.01);
    const r = createRng(3);
    const losses: Array<[number, number]> = [];
    fusedProfile.take();
    fusedProfile.enable(true);
    for (let step = 0; step < 6; step++) {
      const ids = Int32Array.from({ length: B * T }, () => r.int(V));
      const next = Int32Array.from({ length: B * T }, () => r.int(V));
      const x = tf.tensor2d(ids, [B, T], 'int32');
      const y = tf.tensor2d(next, [B, T], 'int32');
      const la = optA.minimize(() => {
        const logits = tf.reshape(a.m.apply(x, { training: true }) as tf.Tensor, [B * T, V]);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.reshape(y, [-1]), V), logits);
      }, true) as tf.Scalar;
      const lb = optB.minimize(() => {
        // Everything but the Dense layer, whose weights go to the fused loss.
        let h = x as tf.Tensor;
        for (const layer of b.m.layers.slice(0, -1)) h = layer.apply(h, { training: true }) as tf.Tensor;
        const [k, bias] = b.dense.trainableWeights.map((w) => w.read());
        return denseSoftmaxCrossEntropy(h, k as tf.Tensor2D, bias as tf.Tensor1D, y).loss;
      }, true) as tf.Scalar;
      losses.push([la.dataSync()[0], lb.dataSync()[0]]);
    }
    fusedProfile.enable(false);
    // The first FusedLSTM took the embedding shortcut, the second the plain path.
    const ops = fusedProfile.take();
    expect(ops['lstm.forward.embedded']?.calls).toBe(6);
    expect(ops['lstm.backward.embedded']?.calls).toBe(6);
    expect(ops['lstm.forward']?.calls).toBe(6);
    for (const [ref, fused] of losses) expect(Math.abs(fused - ref) / Math.abs(ref)).toBeLessThan(1e-4);
    // The models learnt: the last loss differs from the first (the comparison is not of constants).
    expect(losses[5][0]).not.toBeCloseTo(losses[0][0], 3);
    const wa = a.m.getWeights().map((w) => w.dataSync());
    const wb = b.m.getWeights().map((w) => w.dataSync());
    wa.forEach((w, i) => {
      let worst = 0;
      for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(w[j] - wb[i][j]));
      expect(worst, `weight ${i}`).toBeLessThan(1e-4);
    });
  });
});
