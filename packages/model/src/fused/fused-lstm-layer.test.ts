import { afterEach, describe, expect, it } from 'vitest';
import { tf, tfl } from './tfjs';
import { FusedLSTM, fusedLstmLayer } from './fused-lstm-layer';
import { mismatch, values } from './compare';

const B = 2;
const T = 4;
const I = 5;
const U = 3;

function stack(fused: boolean, opts: { stateful?: boolean; returnSequences?: boolean } = {}) {
  const args = {
    units: U,
    returnSequences: opts.returnSequences ?? true,
    stateful: opts.stateful ?? false,
    batchInputShape: [B, null, I] as [number, null, number],
    recurrentActivation: 'sigmoid' as const,
    recurrentInitializer: 'glorotUniform' as const,
    name: 'rnn',
  };
  const layer = fused ? fusedLstmLayer(args) : tfl.layers.lstm(args);
  return { layer, model: tfl.sequential({ layers: [layer] }) };
}

describe('FusedLSTM layer', () => {
  afterEach(() => tf.disposeVariables());

  it('takes weights from tf.layers.lstm and gives its outputs, and back', () => {
    const x = tf.randomNormal([B, T, I], 0, 1, 'float32', 3);
    for (const from of [false, true]) {
      const a = stack(from);
      const b = stack(!from);
      b.model.setWeights(a.model.getWeights());
      expect(b.layer.weights.map((w) => w.originalName)).toEqual(a.layer.weights.map((w) => w.originalName));
      expect(mismatch(values(b.model.predict(x) as tf.Tensor), values(a.model.predict(x) as tf.Tensor))).toBeLessThan(1);
    }
  });

  it('is stateful like tf.layers.lstm: two calls continue one sequence, resetStates starts over', () => {
    const x = tf.randomNormal([B, 2 * T, I], 0, 1, 'float32', 4);
    const whole = stack(true);
    const parts = stack(true, { stateful: true });
    parts.model.setWeights(whole.model.getWeights());
    const full = values(whole.model.predict(x) as tf.Tensor);
    const first = values(parts.model.predict(tf.slice(x, [0, 0, 0], [B, T, I])) as tf.Tensor);
    const second = values(parts.model.predict(tf.slice(x, [0, T, 0], [B, T, I])) as tf.Tensor);
    const joined = new Float32Array(full.length);
    for (let b = 0; b < B; b++) {
      joined.set(first.subarray(b * T * U, (b + 1) * T * U), b * 2 * T * U);
      joined.set(second.subarray(b * T * U, (b + 1) * T * U), b * 2 * T * U + T * U);
    }
    expect(mismatch(joined, full)).toBeLessThan(1);
    parts.model.resetStates();
    const again = values(parts.model.predict(tf.slice(x, [0, 0, 0], [B, T, I])) as tf.Tensor);
    expect(mismatch(again, first)).toBeLessThan(1);
    // A stateful call keeps exactly its two state tensors.
    const before = tf.memory().numTensors;
    tf.dispose(parts.model.predict(tf.slice(x, [0, 0, 0], [B, T, I])) as tf.Tensor);
    expect(tf.memory().numTensors).toBe(before + 1); // the input slice made for this call
  });

  it('returns the last step when returnSequences is false, with gradients', () => {
    const f = stack(true, { returnSequences: false });
    const r = stack(false, { returnSequences: false });
    r.model.setWeights(f.model.getWeights());
    const x = tf.randomNormal([B, T, I], 0, 1, 'float32', 5);
    expect((f.model.predict(x) as tf.Tensor).shape).toEqual([B, U]);
    const gf = tf.variableGrads(() => tf.sum(tf.square(f.model.apply(x) as tf.Tensor)) as tf.Scalar).grads;
    const gr = tf.variableGrads(() => tf.sum(tf.square(r.model.apply(x) as tf.Tensor)) as tf.Scalar).grads;
    const fv = f.layer.weights.map((w) => gf[w.name]);
    r.layer.weights.forEach((w, i) => expect(mismatch(values(fv[i]), values(gr[w.name])), w.originalName).toBeLessThan(1));
  });

  it('serializes as FusedLSTM and deserializes to one', async () => {
    const { model } = stack(true, { stateful: true });
    const json = model.toJSON(undefined, false) as unknown as tf.io.ModelJSON['modelTopology'];
    expect(JSON.stringify(json)).toContain('"class_name":"FusedLSTM"');
    const back = await tfl.models.modelFromJSON(json as never);
    expect(back.layers[0]).toBeInstanceOf(FusedLSTM);
    expect((back.layers[0] as FusedLSTM).stateful).toBe(true);
  });

  it('leaks no tensors: predict, a gradient step, and a stateful step keep tf.memory().numTensors', () => {
    const { model } = stack(true, { stateful: true });
    const x = tf.randomNormal([B, T, I], 0, 1, 'float32', 6);
    tf.dispose(model.predict(x) as tf.Tensor); // builds the states once
    const before = tf.memory().numTensors;
    tf.dispose(model.predict(x) as tf.Tensor);
    const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses what the fused kernel does not compute', () => {
    expect(() => fusedLstmLayer({ units: 2, recurrentActivation: 'hardSigmoid' })).toThrow(/recurrentActivation/);
    expect(() => fusedLstmLayer({ units: 2, dropout: 0.2 })).toThrow(/Dropout layer/);
  });
});
