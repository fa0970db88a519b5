import { tf } from './tf';

interface WasmBackendLike {
  readSync(dataId: object): tf.TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

/**
 * UnsortedSegmentSum for the wasm backend, which lacks it. It is the gradient of tf.gather, so without it an
 * Embedding layer cannot train on wasm. Computed in JavaScript from the input data into a wasm-heap output:
 * out[s, …] = Σ x[i, …] over i with segmentIds[i] = s (ids outside [0, numSegments) are dropped, as in
 * TensorFlow). x: `[n, …rest]`, segmentIds: `[n]`, output `[numSegments, …rest]`.
 */
function unsortedSegmentSum({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as WasmBackendLike;
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const rowSize = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const xs = wasm.readSync(x.dataId);
  const ids = wasm.readSync(segmentIds.dataId);
  const out = wasm.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
  const dst = wasm.typedArrayFromHeap(out);
  dst.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * rowSize;
    const to = s * rowSize;
    for (let j = 0; j < rowSize; j++) dst[to + j] += xs[from + j];
  }
  return out;
}

/** Registers the kernels tunelab adds to the wasm backend; safe to call more than once. */
export function registerWasmKernels(): void {
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as tf.KernelFunc });
  }
}
