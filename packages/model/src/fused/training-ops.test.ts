import { afterEach, describe, expect, it } from 'vitest';
import { tf, tfl } from './tfjs';
import { embeddingLookup, fusedEmbeddingLayer } from './embedding';
import { fusedDropout, fusedDropoutLayer } from './dropout';
import { FusedAdamOptimizer } from './fused-adam';
import { getNativeKernels } from './native';
import { referenceKernels } from './reference';
import { denseSoftmaxCrossEntropy, softmaxCrossEntropyFromLogits } from './softmax-ce';
import { mismatch, randomArray, values } from './compare';

afterEach(() => tf.disposeVariables());

/** Mean CE from tfjs ops, the yardstick. */
function tfCe(logits: tf.Tensor, labels: tf.Tensor, classes: number): tf.Scalar {
  const flat = tf.reshape(logits, [-1, classes]);
  const oneHot = tf.oneHot(tf.reshape(labels, [-1]), classes);
  return tf.mean(tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(flat)), -1))) as tf.Scalar;
}

describe('embeddingLookup', () => {
  it('matches tf.gather and its gradient, repeated ids included', () => {
    const table = tf.tensor2d(randomArray(7 * 4, 1), [7, 4]);
    const ids = tf.tensor2d([[0, 3, 3], [6, 0, 2]], [2, 3], 'int32');
    const dy = tf.tensor(randomArray(2 * 3 * 4, 2), [2, 3, 4]);
    expect(mismatch(values(embeddingLookup(table, ids)), values(tf.reshape(tf.gather(table, tf.reshape(ids, [-1])), [2, 3, 4])))).toBeLessThan(1);
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t as tf.Tensor2D, ids), dy)))([table]);
    const [r] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.reshape(tf.gather(t, tf.reshape(ids, [-1])), [2, 3, 4]), dy)))([table]);
    expect(mismatch(values(g), values(r))).toBeLessThan(1);
    expect(() => embeddingLookup(table, tf.tensor1d([7], 'int32'))).toThrow(/\[0, 7\)/);
  });

  it('FusedEmbedding shares tf.layers.embedding weights and outputs', () => {
    const a = tfl.layers.embedding({ inputDim: 9, outputDim: 3, name: 'emb' });
    const b = fusedEmbeddingLayer({ inputDim: 9, outputDim: 3, name: 'emb' });
    const ids = tf.tensor2d([[1, 2, 8]], [1, 3], 'int32');
    a.apply(ids);
    b.apply(ids);
    b.setWeights(a.getWeights());
    expect(b.weights.map((w) => w.originalName)).toEqual(a.weights.map((w) => w.originalName));
    expect(mismatch(values(b.apply(ids) as tf.Tensor), values(a.apply(ids) as tf.Tensor))).toBeLessThan(1);
  });
});

describe('softmax cross-entropy', () => {
  it('denseSoftmaxCrossEntropy matches matMul + logSoftmax, loss and gradients', () => {
    const [B, T, H, C] = [3, 5, 7, 11];
    const x = tf.tensor(randomArray(B * T * H, 3), [B, T, H]);
    const k = tf.tensor2d(randomArray(H * C, 4), [H, C]);
    const b = tf.tensor1d(randomArray(C, 5));
    const labels = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 7) % C), [B, T], 'int32');
    const ref = (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) =>
      tfCe(tf.add(tf.matMul(tf.reshape(xx, [-1, H]), kk), bb), labels, C);
    const fused = denseSoftmaxCrossEntropy(x, k, b, labels);
    expect(fused.loss.dataSync()[0]).toBeCloseTo(ref(x, k, b).dataSync()[0], 5);
    const logits = values(tf.add(tf.matMul(tf.reshape(x, [-1, H]), k), b));
    const argmax = tf.argMax(tf.tensor2d(logits, [B * T, C]), -1).dataSync();
    expect(fused.correct).toBe(Array.from(argmax).filter((p, i) => p === (i * 7) % C).length);
    const gf = tf.grads((xx, kk, bb) => denseSoftmaxCrossEntropy(xx, kk as tf.Tensor2D, bb as tf.Tensor1D, labels).loss)([x, k, b]);
    const gr = tf.grads(ref)([x, k, b]);
    gf.forEach((g, i) => expect(mismatch(values(g), values(gr[i])), `input ${i}`).toBeLessThan(1));
  });

  it.skipIf(!getNativeKernels())('native dense-softmax-CE agrees with the reference', () => {
    const d = { rows: 37, hidden: 21, classes: 86 };
    const x = randomArray(d.rows * d.hidden, 6);
    const k = randomArray(d.hidden * d.classes, 7);
    const b = randomArray(d.classes, 8);
    const labels = Int32Array.from({ length: d.rows }, (_, i) => (i * 13) % d.classes);
    const run = (impl: typeof referenceKernels) => {
      const probs = new Float32Array(d.rows * d.classes);
      const loss = impl.denseSoftmaxCeForward(d, x, k, b, labels, probs);
      const g = { dx: new Float32Array(d.rows * d.hidden), dk: new Float32Array(d.hidden * d.classes), db: new Float32Array(d.classes) };
      impl.denseSoftmaxCeBackward(d, x, k, labels, probs, 0.5, g.dx, g.dk, g.db);
      return { loss, ...g };
    };
    const a = run(getNativeKernels()!);
    const r = run(referenceKernels);
    expect(a.loss).toBeCloseTo(r.loss, 3);
    for (const key of ['dx', 'dk', 'db'] as const) expect(mismatch(a[key], r[key]), key).toBeLessThan(1);
  });

  it('softmaxCrossEntropyFromLogits matches logSoftmax, loss and gradient', () => {
    const logits = tf.tensor(randomArray(4 * 2 * 6, 9, 4), [4, 2, 6]);
    const labels = tf.tensor2d([0, 5, 2, 2, 1, 3, 4, 0], [4, 2], 'int32');
    expect(softmaxCrossEntropyFromLogits(logits, labels).loss.dataSync()[0]).toBeCloseTo(tfCe(logits, labels, 6).dataSync()[0], 5);
    const [g] = tf.grads((z: tf.Tensor) => softmaxCrossEntropyFromLogits(z, labels).loss)([logits]);
    const [r] = tf.grads((z: tf.Tensor) => tfCe(z, labels, 6))([logits]);
    expect(mismatch(values(g), values(r))).toBeLessThan(1);
  });
});

describe('FusedAdamOptimizer', () => {
  const target = tf.tensor1d([0.5, -1, 2, 0.25]);
  const lossOf = (a: tf.Variable, m: tf.Variable) => () =>
    tf.add(tf.sum(tf.square(tf.sub(tf.matMul(m, tf.reshape(a, [4, 1])), 1))), tf.sum(tf.square(tf.sub(a, target)))) as tf.Scalar;
  const vars = (seed: number, tag: string) =>
    [tf.variable(tf.tensor1d(randomArray(4, seed)), true, `a${tag}`), tf.variable(tf.tensor2d(randomArray(12, seed + 1), [3, 4]), true, `m${tag}`)] as const;

  it('follows tf.train.adam step for step', () => {
    const [a1, m1] = vars(10, 'ours');
    const [a2, m2] = vars(10, 'theirs');
    const ours = new FusedAdamOptimizer(0.05, 0.9, 0.999, 1e-7);
    const theirs = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    for (let step = 0; step < 5; step++) {
      ours.minimize(lossOf(a1, m1));
      theirs.minimize(lossOf(a2, m2));
    }
    expect(mismatch(values(a1), values(a2), 1e-5)).toBeLessThan(1);
    expect(mismatch(values(m1), values(m2), 1e-5)).toBeLessThan(1);
  });

  it('resumes from getWeights/setWeights exactly, and its config round-trips', async () => {
    const [a1, m1] = vars(20, 'straight');
    const [a2, m2] = vars(20, 'resumed');
    const straight = new FusedAdamOptimizer(0.02, 0.8, 0.99, 1e-7, 1.5);
    for (let s = 0; s < 6; s++) straight.minimize(lossOf(a1, m1));
    const first = new FusedAdamOptimizer(0.02, 0.8, 0.99, 1e-7, 1.5);
    for (let s = 0; s < 3; s++) first.minimize(lossOf(a2, m2));
    const saved = await first.getWeights();
    expect(saved[0].name).toBe('iter');
    const resumed = FusedAdamOptimizer.fromConfig(FusedAdamOptimizer, first.getConfig()) as FusedAdamOptimizer;
    await resumed.setWeights(saved);
    for (let s = 0; s < 3; s++) resumed.minimize(lossOf(a2, m2));
    expect(mismatch(values(a2), values(a1), 1e-6)).toBeLessThan(1);
    expect(mismatch(values(m2), values(m1), 1e-6)).toBeLessThan(1);
  });

  it('clips by global norm', async () => {
    const v = tf.variable(tf.tensor1d([0, 0]), true, 'clipme');
    const opt = new FusedAdamOptimizer(0.1, 0.9, 0.999, 1e-7, 1);
    opt.applyGradients({ clipme: tf.tensor1d([30, 40]) });
    expect(opt.lastGradNorm).toBeCloseTo(50, 4);
    // Adam's first step moves every coordinate by lr whatever the scale; the moments show the clipped gradient.
    const [, m] = await opt.getWeights();
    expect(Array.from(m.tensor.dataSync()).map((x) => x / 0.1)).toEqual([expect.closeTo(0.6, 5), expect.closeTo(0.8, 5)]);
    expect(Array.from(v.dataSync())).toEqual([expect.closeTo(-0.1, 5), expect.closeTo(-0.1, 5)]);
  });
});

describe('FusedDropout', () => {
  it('drops about rate of the elements, scales survivors, and its gradient is the same mask', () => {
    const layer = fusedDropoutLayer({ rate: 0.25, seed: 5 });
    const x = tf.ones([40, 50]);
    const y = values(layer.apply(x, { training: true }) as tf.Tensor);
    const kept = y.filter((v) => v !== 0);
    expect(Math.abs(kept.length / y.length - 0.75)).toBeLessThan(0.03);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    const again = values(fusedDropoutLayer({ rate: 0.25, seed: 5 }).apply(x, { training: true }) as tf.Tensor);
    expect(Array.from(again)).toEqual(Array.from(y));
    const state = { s: 9 };
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(fusedDropout(t, 0.5, state)))([x]);
    const replay = values(fusedDropout(x, 0.5, { s: 9 }));
    expect(Array.from(values(g))).toEqual(Array.from(replay));
    expect(values(layer.apply(x) as tf.Tensor).every((v) => v === 1)).toBe(true);
  });
});

describe.skipIf(!getNativeKernels())('native elementwise kernels', () => {
  it('draw the same dropout mask as the reference and multiply alike', () => {
    const a = new Float32Array(1001);
    const b = new Float32Array(1001);
    getNativeKernels()!.dropoutMask(0xdeadbeef, 0.3, a);
    referenceKernels.dropoutMask(0xdeadbeef, 0.3, b);
    expect(Array.from(a)).toEqual(Array.from(b));
    const out = new Float32Array(1001);
    getNativeKernels()!.multiply(a, randomArray(1001, 1), out);
    const ref = new Float32Array(1001);
    referenceKernels.multiply(a, randomArray(1001, 1), ref);
    expect(Array.from(out)).toEqual(Array.from(ref));
  });
});

describe('countCorrect', () => {
  it('counts rows whose first most probable class is the label, the same in every implementation', () => {
    // Row 0: argmax 2 (label 2, correct). Row 1: tie between 0 and 3, the first wins (label 3: wrong).
    // Row 2: argmax 1 (label 1, correct). Row 3: all equal → class 0 (label 0, correct).
    const probs = Float32Array.from([0.1, 0.2, 0.6, 0.1, 0.4, 0.1, 0.1, 0.4, 0.2, 0.5, 0.2, 0.1, 0.25, 0.25, 0.25, 0.25]);
    const labels = Int32Array.from([2, 3, 1, 0]);
    const native = getNativeKernels();
    for (const k of [referenceKernels, ...(native ? [native] : [])]) expect(k.countCorrect(probs, labels, 4)).toBe(3);
    if (!native) return;
    const big = randomArray(1000 * 86, 3).map((v) => Math.round(v * 8) / 8); // coarse values: many ties
    const lab = Int32Array.from({ length: 1000 }, (_, i) => (i * 37) % 86);
    for (let n = 0; n < 1000; n += 7) lab[n] = big.subarray(n * 86, n * 86 + 86).indexOf(Math.max(...big.subarray(n * 86, n * 86 + 86)));
    const expected = referenceKernels.countCorrect(big, lab, 86);
    expect(expected).toBeGreaterThan(100);
    expect(native.countCorrect(big, lab, 86)).toBe(expected);
  });
});
