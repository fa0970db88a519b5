/**
 * The one place @tunelab/model loads TensorFlow.js, so every file sees the same `tf` with the cpu backend
 * registered. Node resolves these packages to their CommonJS bundles (the ESM `dist/*.js` files use
 * extensionless imports Node cannot load); tfjs-layers' bundle registers the gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';

/**
 * tfjs-core's CommonJS bundle does not attach the chained tensor methods (`t.flatten()`), which the
 * `@tensorflow/tfjs` union package normally registers and which tfjs-layers' orthogonal initializer calls.
 * The ESM file that registers them cannot be loaded by Node, so attach the ones in use, each delegating to
 * the op of the same name. Methods already present are left alone.
 */
function attachChainedOps(): void {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = tf as unknown as Record<string, (...args: unknown[]) => tf.Tensor>;
  const names = [
    'abs', 'add', 'argMax', 'cast', 'clipByValue', 'concat', 'div', 'exp', 'expandDims', 'gather', 'greater',
    'greaterEqual', 'less', 'log', 'matMul', 'max', 'mean', 'min', 'mul', 'neg', 'pow', 'relu', 'reshape',
    'sigmoid', 'sign', 'slice', 'softmax', 'sqrt', 'square', 'squeeze', 'stridedSlice', 'sub', 'sum', 'tanh',
    'tile', 'transpose',
  ];
  for (const name of names) {
    if (typeof proto[name] !== 'function' && typeof ops[name] === 'function') {
      proto[name] = function (this: tf.Tensor, ...args: unknown[]) {
        return ops[name](this, ...args);
      };
    }
  }
  if (typeof proto.flatten !== 'function') {
    proto.flatten = function (this: tf.Tensor) {
      return tf.reshape(this, [this.size]);
    };
  }
  if (typeof proto.toFloat !== 'function') {
    proto.toFloat = function (this: tf.Tensor) {
      return tf.cast(this, 'float32');
    };
  }
}
attachChainedOps();

// PROD silences tfjs' console notices (the cpu backend's "install tfjs-node" banner would otherwise land in
// every command's stderr); the engine reason already says which backend runs and why.
tf.env().set('PROD', true);

export { tf, tfl };
