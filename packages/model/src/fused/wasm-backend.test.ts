/**
 * The fused layers on the wasm backend (kernels copy tensors in and out there): outputs match tfjs-layers' LSTM on
 * wasm, and a training step works although wasm lacks UnsortedSegmentSum (tf.gather's gradient).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf, tfl } from './tfjs';
import { fusedDropoutLayer } from './dropout';
import { fusedEmbeddingLayer } from './embedding';
import { FusedAdamOptimizer } from './fused-adam';
import { fusedLstmLayer } from './fused-lstm-layer';
import { denseSoftmaxCrossEntropy } from './softmax-ce';
import { mismatch } from './compare';

let previous = 'cpu';

beforeAll(async () => {
  previous = tf.getBackend() ?? 'cpu';
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

afterAll(async () => {
  tf.disposeVariables();
  await tf.setBackend(previous);
});

describe('fused layers on the wasm backend', () => {
  it('FusedLSTM matches tf.layers.lstm there', () => {
    expect(tf.getBackend()).toBe('wasm');
    const args = { units: 5, returnSequences: true, batchInputShape: [2, 3, 4] as [number, number, number], recurrentActivation: 'sigmoid' as const, recurrentInitializer: 'glorotUniform' as const };
    const a = tfl.sequential({ layers: [tfl.layers.lstm(args)] });
    const b = tfl.sequential({ layers: [fusedLstmLayer(args)] });
    b.setWeights(a.getWeights());
    const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 1);
    expect(mismatch((b.predict(x) as tf.Tensor).dataSync(), (a.predict(x) as tf.Tensor).dataSync())).toBeLessThan(1);
  });

  it('trains Embedding → FusedLSTM → Dropout → fused loss with FusedAdam', () => {
    const m = tfl.sequential();
    m.add(fusedEmbeddingLayer({ inputDim: 9, outputDim: 4, batchInputShape: [2, 3] }));
    m.add(fusedLstmLayer({ units: 5, returnSequences: true, stateful: true, recurrentInitializer: 'glorotUniform' }));
    m.add(fusedDropoutLayer({ rate: 0.2, seed: 1 }));
    const dense = tfl.layers.dense({ units: 9 });
    tf.dispose(dense.apply(tf.zeros([1, 5])) as tf.Tensor);
    const [k, b] = dense.trainableWeights.map((w) => w.read()) as [tf.Tensor2D, tf.Tensor1D];
    const opt = new FusedAdamOptimizer(0.05);
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
    const y = tf.tensor2d([[2, 3, 4], [5, 6, 7]], [2, 3], 'int32');
    const before = m.getWeights()[0].dataSync().slice();
    const losses: number[] = [];
    for (let s = 0; s < 3; s++) {
      const loss = opt.minimize(() => denseSoftmaxCrossEntropy(m.apply(x, { training: true }) as tf.Tensor, k, b, y).loss, true);
      losses.push(loss!.dataSync()[0]);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(Array.from(m.getWeights()[0].dataSync())).not.toEqual(Array.from(before));
  });
});
