/**
 * TensorFlow.js as the fused ops see it: @tunelab/model's single entry (packages/model/src/tf.ts: the same
 * module instances everywhere, cpu backend registered, chained tensor methods that tfjs-layers' orthogonal
 * initializer needs attached).
 */
export { tf, tfl } from '../tf';
