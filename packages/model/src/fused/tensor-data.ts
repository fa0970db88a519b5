/**
 * Moving tensors in and out of fused kernels. On the tfjs `cpu` backend `dataSync()` returns the tensor's own
 * backing array and `tf.tensor(float32Array)` adopts the array, so kernels run zero-copy; other backends (wasm)
 * copy in and out. Kernels never write into what `f32` returns.
 */
import { tf } from './tfjs';

/** The tensor's values as a Float32Array (read-only by convention: may be the backend's own buffer). */
export function f32(t: tf.Tensor): Float32Array {
  const d = t.dataSync();
  return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
}

/** The tensor's values as an Int32Array (labels, token ids). */
export function i32(t: tf.Tensor): Int32Array {
  const d = t.dataSync();
  return d instanceof Int32Array ? d : Int32Array.from(d as ArrayLike<number>);
}

/** Whether tfjs is recording a gradient tape right now (outside any kernel). */
export function tapeOn(): boolean {
  const engine = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return engine.isTapeOn ? engine.isTapeOn() : true;
}
