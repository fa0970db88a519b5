/**
 * The one place @tunelab/model loads TensorFlow.js, so every file sees the same `tf` with the cpu backend
 * registered. tfjs ships CommonJS bundles for Node (its ESM `dist/*.js` files use extensionless imports Node
 * cannot load), and they are loaded with `require`, not `import`: an ESM import of a CommonJS module has Node
 * lex the whole 1.2 MB bundle for its export names, and tsx's hooks (on in every `tunelab` process and sweep
 * worker) also read and parse each bundle's multi-megabyte source map. Measured here, loading tfjs-core,
 * -layers and -backend-cpu through tsx took 678 ms as `import` and 155 ms as `require` with source maps off,
 * and every sweep worker thread pays it once. tfjs-layers' bundle registers the gradients.
 *
 * The `tf` and `tfl` values are the modules; the namespaces of the same names carry the types the rest of
 * the package writes as `tf.Tensor2D`, `tfl.LayersModel`, … (a value and a type-only namespace may share a name).
 */
import { createRequire } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';

function loadTfjs(): { core: typeof TfCore; layers: typeof TfLayers } {
  // A bundle (scripts/gpu/prepare.sh: esbuild defines `require`) takes the literal requires, which esbuild
  // inlines; tsx and vitest run this file as ESM, where `require` is undefined, and take createRequire.
  if (typeof require === 'function') {
    /* eslint-disable @typescript-eslint/no-require-imports -- literal requires are what esbuild inlines */
    require('@tensorflow/tfjs-backend-cpu');
    return { core: require('@tensorflow/tfjs-core') as typeof TfCore, layers: require('@tensorflow/tfjs-layers') as typeof TfLayers };
    /* eslint-enable @typescript-eslint/no-require-imports */
  }
  const load = createRequire(import.meta.url);
  const sourceMaps = process.sourceMapsEnabled;
  // Stack traces inside tfjs point into its bundles either way; our own files keep their source maps.
  if (sourceMaps) process.setSourceMapsEnabled(false);
  try {
    const core = load('@tensorflow/tfjs-core') as typeof TfCore;
    const layers = load('@tensorflow/tfjs-layers') as typeof TfLayers;
    load('@tensorflow/tfjs-backend-cpu');
    return { core, layers };
  } finally {
    if (sourceMaps) process.setSourceMapsEnabled(true);
  }
}

const loaded = loadTfjs();
const tf = loaded.core;
const tfl = loaded.layers;

/* eslint-disable @typescript-eslint/no-namespace -- type-only namespaces merged with the module values */
declare namespace tf {
  type Rank = TfCore.Rank;
  type Tensor<R extends Rank = Rank> = TfCore.Tensor<R>;
  type Scalar = TfCore.Scalar;
  type Tensor1D = TfCore.Tensor1D;
  type Tensor2D = TfCore.Tensor2D;
  type Tensor3D = TfCore.Tensor3D;
  type Tensor4D = TfCore.Tensor4D;
  type Variable<R extends Rank = Rank> = TfCore.Variable<R>;
  type Optimizer = TfCore.Optimizer;
  type AdamOptimizer = TfCore.AdamOptimizer;
  type NamedTensorMap = TfCore.NamedTensorMap;
  type NamedTensorInfoMap = TfCore.NamedTensorInfoMap;
  type NamedAttrMap = TfCore.NamedAttrMap;
  type TensorInfo = TfCore.TensorInfo;
  type DataType = TfCore.DataType;
  type TypedArray = TfCore.TypedArray;
  type KernelFunc = TfCore.KernelFunc;
  type GradSaveFunc = TfCore.GradSaveFunc;
  namespace io {
    type IOHandler = TfCore.io.IOHandler;
    type ModelArtifacts = TfCore.io.ModelArtifacts;
    type ModelJSON = TfCore.io.ModelJSON;
    type SaveResult = TfCore.io.SaveResult;
    type WeightsManifestConfig = TfCore.io.WeightsManifestConfig;
    type WeightsManifestEntry = TfCore.io.WeightsManifestEntry;
  }
  namespace serialization {
    type ConfigDict = TfCore.serialization.ConfigDict;
    type Serializable = TfCore.serialization.Serializable;
    type SerializableConstructor<T extends Serializable> = TfCore.serialization.SerializableConstructor<T>;
  }
}

declare namespace tfl {
  type LayersModel = TfLayers.LayersModel;
  type Sequential = TfLayers.Sequential;
  type SymbolicTensor = TfLayers.SymbolicTensor;
  type Shape = TfLayers.Shape;
  type LayerVariable = TfLayers.LayerVariable;
  type RNN = TfLayers.RNN;
  namespace layers {
    type Layer = TfLayers.layers.Layer;
  }
}
/* eslint-enable @typescript-eslint/no-namespace */

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
