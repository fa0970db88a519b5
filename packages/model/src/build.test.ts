import { describe, expect, test } from 'vitest';
import { InputError } from '@tunelab/config';
import { buildModel, describeModel, disposeModel, summarize } from './build';
import { SEED_SPEC, specFromConfig } from './spec';
import type { ModelSpec } from './spec';
import { tf } from './tf';

describe('buildModel', () => {
  test('the seed replica (embedding 512, 3 × LSTM 256, dropout 0.2, 86 symbols) has 1,904,214 parameters', () => {
    const { params, layers } = describeModel(SEED_SPEC, 86, { batchSize: 16, seqLen: 64, seed: 1 });
    expect(params).toBe(1_904_214);
    expect(layers.map((l) => l.name)).toEqual([
      'ids', 'embedding', 'lstm_1', 'dropout_1', 'lstm_2', 'dropout_2', 'lstm_3', 'dropout_3', 'logits', 'softmax',
    ]);
    expect(layers.find((l) => l.name === 'lstm_1')!.params).toBe(787_456);
    expect(layers.find((l) => l.name === 'logits')!.outputShape).toEqual([16, 64, 86]);
  });

  test('every LSTM layer uses the logistic sigmoid for its gates (tfjs defaults to hardSigmoid)', () => {
    for (const cell of ['lstm', 'lstm-layers', 'gru'] as const) {
      const model = buildModel({ cell, embeddingDim: 4, layers: [3, 3], dropout: 0, stateful: false }, 5, { seed: 1 });
      const recurrent = model.layers.filter((l) => /^(lstm|gru)_/.test(l.name));
      expect(recurrent).toHaveLength(2);
      for (const l of recurrent) expect((l.getConfig() as { recurrentActivation: string }).recurrentActivation).toBe('sigmoid');
      disposeModel(model);
    }
  });

  test('embedding 0 means one-hot input; output is [batch, time, vocab] probabilities', () => {
    const spec: ModelSpec = { cell: 'lstm-layers', embeddingDim: 0, layers: [4], dropout: 0, stateful: false };
    const model = buildModel(spec, 6, { batchSize: 2, seqLen: 3, seed: 1 });
    // LSTM(4) on 6 one-hot inputs: 4·4·(6 + 4 + 1); Dense: 4·6 + 6.
    expect(summarize(model).params).toBe(4 * 4 * 11 + 30);
    const probs = tf.tidy(() => (model.predict(tf.tensor2d([[0, 1, 2], [3, 4, 5]], [2, 3], 'int32')) as tf.Tensor).arraySync() as number[][][]);
    expect(probs.length).toBe(2);
    expect(probs[0][0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    disposeModel(model);
  });

  test('the same seed gives the same initial weights; another seed does not', () => {
    const spec: ModelSpec = { cell: 'lstm-layers', embeddingDim: 4, layers: [5], dropout: 0, stateful: false };
    const read = (seed: number) => {
      const m = buildModel(spec, 7, { seed });
      const w = m.getWeights().map((t) => Array.from(t.dataSync()));
      disposeModel(m);
      return w;
    };
    expect(read(3)).toEqual(read(3));
    expect(read(3)).not.toEqual(read(4));
  });

  test('the recurrent kernel starts orthogonal (Keras default)', () => {
    const m = buildModel({ cell: 'lstm-layers', embeddingDim: 2, layers: [4], dropout: 0, stateful: false }, 3, { seed: 2 });
    const rk = m.getLayer('lstm_1').getWeights()[1]; // [4, 16]: orthonormal rows
    const gram = tf.tidy(() => tf.matMul(rk, rk, false, true).arraySync() as number[][]);
    gram.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 5)));
    disposeModel(m);
  });

  test('bad specs throw InputError naming the field', () => {
    expect(() => buildModel({ ...SEED_SPEC, cell: 'rnn' } as unknown as ModelSpec, 86)).toThrow(/cell/);
    expect(() => buildModel({ ...SEED_SPEC, layers: [] }, 86)).toThrow(InputError);
    expect(() => buildModel({ ...SEED_SPEC, dropout: 1 }, 86)).toThrow(/dropout/);
    expect(() => buildModel(SEED_SPEC, 1)).toThrow(/vocabulary/);
  });

  test('specFromConfig: stateful follows the batching', () => {
    const model = { cell: 'gru' as const, embedding_dim: 3, layers: [2], dropout: 0.1 };
    expect(specFromConfig(model, 'stateful')).toEqual({ cell: 'gru', embeddingDim: 3, layers: [2], dropout: 0.1, stateful: true });
    expect(specFromConfig(model, 'shuffled').stateful).toBe(false);
  });
});
