import { tf, tfl } from './tf';
import { engineOf, LOGITS_LAYER } from './build';
import { usesCpuKernels } from './cells';
import { denseSoftmaxCrossEntropy, withRecycledTensors } from './fused';
import type { TrainOptimizer } from './optimizer';
import { clipByGlobalNorm } from './optimizer';

/**
 * Views of one model for training and evaluation. With the fused kernels the output end (Dense + softmax +
 * cross-entropy) is one op, so the forward stops at the features under the `logits` layer; otherwise the
 * cross-entropy is taken from the logits with tfjs ops (never from the softmax output, for stability).
 */
export interface StepModels {
  model: tfl.LayersModel;
  /** ids `[batch, time]` → features `[batch, time, hidden]` (the last dropout's output). */
  features: tfl.LayersModel;
  /** ids `[batch, time]` → logits `[batch, time, vocab]`. */
  logits: tfl.LayersModel;
  dense: { kernel: tfl.LayerVariable; bias: tfl.LayerVariable };
  variables: tf.Variable[];
  fused: boolean;
}

/**
 * Builds the views; they share the model's layers, weights and recurrent state. `fused` (the output end as one
 * fused op) defaults to whether the engine the model was built for has the cpu fused kernels.
 */
export function stepModels(model: tfl.LayersModel, fused: boolean = usesCpuKernels(engineOf(model))): StepModels {
  const logitsLayer = model.getLayer(LOGITS_LAYER);
  const inner = (logitsLayer as unknown as { layer: { kernel: tfl.LayerVariable; bias: tfl.LayerVariable } }).layer;
  return {
    model,
    features: tfl.model({ inputs: model.inputs, outputs: logitsLayer.input as tfl.SymbolicTensor }),
    logits: tfl.model({ inputs: model.inputs, outputs: logitsLayer.output as tfl.SymbolicTensor }),
    dense: { kernel: inner.kernel, bias: inner.bias },
    variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
    fused,
  };
}

/**
 * Mean cross-entropy (nats) and the number of correct argmax predictions of one batch.
 * Must run inside a tidy or gradient scope; `correct` is a kept scalar tensor the caller disposes.
 */
function lossOf(sm: StepModels, xs: tf.Tensor2D, ys: tf.Tensor1D, training: boolean): { loss: tf.Scalar; correct: tf.Scalar | number } {
  if (sm.fused) {
    const feats = sm.features.apply(xs, { training }) as tf.Tensor;
    const { loss, correct } = denseSoftmaxCrossEntropy(
      feats,
      sm.dense.kernel.read() as tf.Tensor2D,
      sm.dense.bias.read() as tf.Tensor1D,
      ys,
    );
    return { loss, correct };
  }
  const logits3 = sm.logits.apply(xs, { training }) as tf.Tensor3D;
  const vocab = logits3.shape[2];
  const logits = tf.reshape(logits3, [-1, vocab]) as tf.Tensor2D;
  const logp = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logp, tf.oneHot(ys, vocab)), 1);
  const loss = tf.neg(tf.mean(picked)) as tf.Scalar;
  const correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), ys), 'float32')) as tf.Scalar);
  return { loss, correct };
}

/** Reads a scalar without blocking: WebGPU in Node has no synchronous readback (it needs OffscreenCanvas). */
async function readScalar(t: tf.Tensor | number): Promise<number> {
  if (typeof t === 'number') return t;
  const v = (await t.data())[0];
  t.dispose();
  return v;
}

/**
 * One optimisation step on a batch: forward with dropout, cross-entropy, gradients, optional global-norm
 * clipping, optimizer update. x, y: row-major int32 `[batch, time]`. Resolves to the batch's mean loss (nats)
 * and correct-prediction count. Creates no tensors that outlive it.
 */
export async function trainStep(
  sm: StepModels,
  opt: TrainOptimizer,
  clipNorm: number,
  x: Int32Array,
  y: Int32Array,
  batchSize: number,
  seqLen: number,
): Promise<{ loss: number; correct: number }> {
  const xs = tf.tensor2d(x, [batchSize, seqLen], 'int32');
  const ys = tf.tensor1d(y, 'int32');
  let correct: tf.Scalar | number = 0;
  let value: tf.Scalar | undefined;
  try {
    // Synchronous from the forward to the update, and every tensor it makes is disposed inside it except the
    // loss and accuracy scalars: the fused ops' arrays are recycled into the next step (see buffer-pool.ts).
    value = withRecycledTensors(() => {
      const out = tf.variableGrads(() => {
        const r = lossOf(sm, xs, ys, true);
        correct = r.correct;
        return r.loss;
      }, sm.variables);
      const clipped = opt.clipsInternally ? out.grads : clipByGlobalNorm(out.grads, clipNorm);
      opt.optimizer.applyGradients(sm.variables.map((v) => ({ name: v.name, tensor: clipped[v.name] })));
      tf.dispose(Object.values(clipped));
      return out.value;
    });
    const [loss, right] = await Promise.all([readScalar(value), readScalar(correct)]);
    return { loss, correct: right };
  } finally {
    xs.dispose();
    ys.dispose();
    if (value && !value.isDisposed) value.dispose();
    if (typeof correct !== 'number' && !(correct as tf.Scalar).isDisposed) (correct as tf.Scalar).dispose();
  }
}

/** Loss and accuracy of a batch without dropout or updates (the recurrent state still advances). */
export async function evalStep(sm: StepModels, x: Int32Array, y: Int32Array, batchSize: number, seqLen: number): Promise<{ loss: number; correct: number }> {
  let correct: tf.Scalar | number = 0;
  // Every tensor but the two scalars is disposed by the tidy, so the forward's arrays can be recycled too.
  const loss = withRecycledTensors(() =>
    tf.tidy(() => {
      const xs = tf.tensor2d(x, [batchSize, seqLen], 'int32');
      const ys = tf.tensor1d(y, 'int32');
      const out = lossOf(sm, xs, ys, false);
      correct = out.correct;
      return out.loss;
    }),
  );
  const [l, c] = await Promise.all([readScalar(loss), readScalar(correct)]);
  return { loss: l, correct: c };
}

/**
 * Cross-entropy (nats) of each position of a batch without dropout or updates, row-major `[batch, time]`
 * (the recurrent state still advances). The tfjs twin of `FusedTrainStep.positionLosses`.
 */
export async function positionLossesStep(sm: StepModels, x: Int32Array, y: Int32Array, batchSize: number, seqLen: number): Promise<Float32Array> {
  const losses = tf.tidy(() => {
    const xs = tf.tensor2d(x, [batchSize, seqLen], 'int32');
    const logits3 = sm.logits.apply(xs, { training: false }) as tf.Tensor3D;
    const vocab = logits3.shape[2];
    const logp = tf.logSoftmax(tf.reshape(logits3, [-1, vocab]) as tf.Tensor2D);
    return tf.neg(tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(y, 'int32'), vocab)), 1));
  });
  const out = (await losses.data()) as Float32Array;
  losses.dispose();
  return out;
}
