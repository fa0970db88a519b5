/**
 * TensorFlow.js as the fused ops see it: the same module instances as the rest of @tunelab/model (Node resolves
 * these packages to one CommonJS bundle each), with the cpu backend registered. Kept here so packages/model/src/
 * fused depends on nothing else in the package.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';

export { tf, tfl };
