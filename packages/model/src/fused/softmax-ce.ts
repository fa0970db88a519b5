/**
 * The output end of the model fused: dense projection + softmax + cross-entropy as one op with one backward,
 * instead of tfjs's matMul, softmax, log, mul, sum and their gradients (each a pass over [rows, classes]).
 */
import { tf } from './tfjs';
import { getKernels } from './native';
import { referenceKernels } from './reference';
import { timed } from './profile';
import { giveBuffer, stepScratch, takeBuffer, tensorBuffer } from './buffer-pool';
import { f32, i32 } from './tensor-data';

export interface SoftmaxCeOutput {
  /** Mean cross-entropy over all rows, nats; differentiable. */
  loss: tf.Scalar;
  /** Rows whose most probable class is the label (for accuracy), counted in the forward. */
  correct: number;
}

function labelsOf(labels: tf.Tensor, rows: number): Int32Array {
  if (labels.size !== rows) {
    throw new Error(`Expected ${rows} labels (one per row), but got shape [${labels.shape.join(', ')}]`);
  }
  return labels.dtype === 'int32' ? i32(labels) : Int32Array.from(labels.dataSync(), (v) => Math.trunc(v));
}

/**
 * Mean softmax cross-entropy of a dense layer's logits, in one fused kernel.
 * @param x features `[..., hidden]` (e.g. `[batch, time, hidden]`)
 * @param kernel `[hidden, classes]`
 * @param bias `[classes]`
 * @param labels integer class ids `[...]`, one per feature row
 * @returns the mean loss (gradients to x, kernel, bias) and the count of correct argmax predictions
 */
export function denseSoftmaxCrossEntropy(
  x: tf.Tensor,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  labels: tf.Tensor,
): SoftmaxCeOutput {
  const [H, C] = kernel.shape;
  if (x.shape[x.rank - 1] !== H) {
    throw new Error(`Expected x's last dimension to be ${H} (kernel rows), but got shape [${x.shape.join(', ')}]`);
  }
  const N = x.size / H;
  const lab = labelsOf(labels, N);
  const dims = { rows: N, hidden: H, classes: C };
  const kernels = getKernels();
  let correct = 0;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xv, kv, bv] = args as tf.Tensor[];
    const xs = f32(xv);
    const ks = f32(kv);
    // Fully written here and read by the backward; recycled when the training step ends.
    const probs = stepScratch(N * C);
    const total = timed('denseCe.forward', () => kernels.denseSoftmaxCeForward(dims, xs, ks, f32(bv), lab, probs));
    correct = kernels.countCorrect(probs, lab, C);
    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const dx = tensorBuffer(N * H, { zero: true });
      const dk = tensorBuffer(H * C, { zero: true });
      const db = tensorBuffer(C, { zero: true });
      // The kernel turns probs into dlogits in place; a copy keeps this gradFunc repeatable.
      const scale = f32(dy)[0] / N;
      const dlogits = takeBuffer(probs.length);
      dlogits.set(probs);
      timed('denseCe.backward', () => kernels.denseSoftmaxCeBackward(dims, xs, ks, lab, dlogits, scale, dx, dk, db));
      giveBuffer(dlogits);
      return [tf.tensor(dx, x.shape, 'float32'), tf.tensor2d(dk, [H, C]), tf.tensor1d(db)];
    };
    return { value: tf.scalar(total / N), gradFunc };
  });
  const loss = op(x, kernel, bias) as tf.Scalar;
  return { loss, correct };
}

/**
 * Mean softmax cross-entropy from logits `[..., classes]` and integer labels `[...]` (nats), with a fused
 * gradient softmax(logits) − onehot(labels). Runs in TypeScript: it is one pass over [rows, classes].
 */
export function softmaxCrossEntropyFromLogits(logits: tf.Tensor, labels: tf.Tensor): SoftmaxCeOutput {
  const C = logits.shape[logits.rank - 1];
  const N = logits.size / C;
  const lab = labelsOf(labels, N);
  let correct = 0;
  const op = tf.customGrad((...args: unknown[]) => {
    const z = f32(args[0] as tf.Tensor);
    const probs = new Float32Array(N * C);
    let total = 0;
    for (let n = 0; n < N; n++) {
      const o = n * C;
      if (!(lab[n] >= 0 && lab[n] < C)) throw new RangeError(`label ${lab[n]} at row ${n} is outside [0, ${C})`);
      let max = -Infinity;
      for (let j = 0; j < C; j++) max = Math.max(max, z[o + j]);
      let sum = 0;
      for (let j = 0; j < C; j++) sum += (probs[o + j] = Math.exp(z[o + j] - max));
      for (let j = 0; j < C; j++) probs[o + j] /= sum;
      total += max + Math.log(sum) - z[o + lab[n]];
    }
    correct = referenceKernels.countCorrect(probs, lab, C);
    const gradFunc = (dy: tf.Tensor): tf.Tensor => {
      const scale = f32(dy)[0] / N;
      const g = new Float32Array(N * C);
      for (let n = 0; n < N; n++) {
        for (let j = 0; j < C; j++) g[n * C + j] = probs[n * C + j] * scale;
        g[n * C + lab[n]] -= scale;
      }
      return tf.tensor(g, logits.shape, 'float32');
    };
    return { value: tf.scalar(total / N), gradFunc };
  });
  const loss = op(logits) as tf.Scalar;
  return { loss, correct };
}
