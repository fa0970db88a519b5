/**
 * The fused LSTM op on the GPU: the same contract as packages/model/src/fused/lstm-op.ts (same arguments, maths,
 * weight layout and gradients; h and c not differentiable), built from big tfjs ops plus two custom kernels:
 *
 * forward:  xproj = x·kernel + bias                       one matmul for all steps (tf.fused.matMul)
 *           cache = LSTM recurrence over all steps          one dispatch (persistent kernel)
 * backward: dz, dh0, dc0 = recurrence in reverse            one dispatch (+ one transpose of rk)
 *           dKernel = xᵀ·dz, dRecurrentKernel = hprevᵀ·dz, dx = dz·kernelᵀ, dBias = Σ dz   big matmuls
 *
 * Fed by an embedding, xproj is table·kernel (one row per vocabulary entry) and the kernel picks rows by id;
 * the backward sums dz per id with a one-hot matmul, then dTable = dzᵥ·kernelᵀ and dKernel = tableᵀ·dzᵥ.
 * Nothing is read back to the CPU. The kernels are injected, so the whole op also runs on the cpu backend with
 * the CPU emulation of the kernels (./emulate), which is how it is tested without a GPU.
 */
import { tf } from '../tf';
import { checkLstmShapes, type FusedLstmOutput } from '../fused/lstm-shapes';

/** Arguments of the forward kernel; tensors live on the backend that runs it. */
export interface ForwardArgs {
  batch: number;
  time: number;
  units: number;
  /** `[rows, 4u]`: rows = batch·time, or vocab when `ids` is given. */
  xproj: tf.Tensor;
  /** `[u, 4u]` */
  rk: tf.Tensor;
  h0: tf.Tensor;
  c0: tf.Tensor;
  /** int32 `[batch·time]`: xproj row of each (b, t). */
  ids?: tf.Tensor;
}

/** Arguments of the backward kernel. */
export interface BackwardArgs {
  batch: number;
  time: number;
  units: number;
  /** `[batch, time, 6, u]` from the forward kernel. */
  cache: tf.Tensor;
  /** `[4u, u]` */
  rkT: tf.Tensor;
  c0: tf.Tensor;
  /** `[batch, time, u]` */
  dys: tf.Tensor;
  dhT: tf.Tensor;
  dcT: tf.Tensor;
}

/** The two custom kernels: cache `[batch, time, 6, u]` and grad `[batch, time + 1, 4, u]` (see ./layout). */
export interface LstmGpuKernels {
  readonly name: string;
  forward(a: ForwardArgs): tf.Tensor;
  backward(a: BackwardArgs): tf.Tensor;
}

/** What the op returns: the same as the CPU fused op. */
export type GpuLstmOutput = FusedLstmOutput;

interface Dims {
  B: number;
  T: number;
  I: number;
  U: number;
}

/** Slot `slot` of the cache as `[batch, time, u]`. */
function cacheSlot(cache: tf.Tensor, d: Dims, slot: number): tf.Tensor3D {
  return tf.reshape(tf.slice(cache, [0, 0, slot, 0], [d.B, d.T, 1, d.U]), [d.B, d.T, d.U]);
}

/** Slot `slot` of the last step, `[batch, u]`. */
function lastStep(t4: tf.Tensor, d: Dims, step: number, slot: number): tf.Tensor2D {
  return tf.reshape(tf.slice(t4, [0, step, slot, 0], [d.B, 1, 1, d.U]), [d.B, d.U]);
}

function run(
  kernels: LstmGpuKernels,
  d: Dims,
  source: tf.Tensor,
  ids: tf.Tensor1D | undefined,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
): GpuLstmOutput {
  const { B, T, I, U } = d;
  checkLstmShapes(B, I, U, { kernel, recurrentKernel, bias, h0, c0 });
  // The last step's cell and h, [B, 1, 2, u]: kept out of the op's own tidy, turned into h and c below.
  let last: tf.Tensor | undefined;

  const op = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [sv, h0v, c0v, kv, rv, bv] = args as [tf.Tensor, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const cache = tf.tidy(() => {
      const rows = ids ? sv : tf.reshape(sv, [B * T, I]);
      const xproj = tf.fused.matMul({ a: rows as tf.Tensor2D, b: kv, bias: bv });
      return kernels.forward({ batch: B, time: T, units: U, xproj, rk: rv, h0: h0v, c0: c0v, ids });
    });
    // The tape keeps clones of what the backward reads; without a tape save does nothing.
    save([cache, sv, h0v, c0v, kv, rv, ...(ids ? [ids] : [])]);
    const value = cacheSlot(cache, d, 5);
    last = tf.keep(tf.slice(cache, [0, T - 1, 4, 0], [B, 1, 2, U]));
    cache.dispose();

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      if (saved.length === 0) throw new Error('webgpuFusedLstm: gradient requested but the forward ran without a gradient tape');
      const [savedCache, x, sh0, sc0, sk, srk, savedIds] = saved;
      return tf.tidy(() => {
        const zeros = tf.zeros([B, U]);
        const grad = kernels.backward({
          batch: B,
          time: T,
          units: U,
          cache: savedCache,
          rkT: tf.transpose(srk),
          c0: sc0,
          dys: dy,
          dhT: zeros,
          dcT: zeros,
        });
        const dz = tf.reshape(tf.slice(grad, [0, 0, 0, 0], [B, T, 4, U]), [B * T, 4 * U]) as tf.Tensor2D;
        const dh0 = lastStep(grad, d, T, 0);
        const dc0 = lastStep(grad, d, T, 1);
        const dBias = tf.sum(dz, 0);
        const h0row = tf.reshape(sh0, [B, 1, U]);
        const hPrev = T > 1 ? tf.concat([h0row, tf.slice(cacheSlot(savedCache, d, 5), [0, 0, 0], [B, T - 1, U])], 1) : h0row;
        const dRecurrent = tf.matMul(tf.reshape(hPrev, [B * T, U]), dz, true, false);
        let dSource: tf.Tensor;
        let dKernel: tf.Tensor;
        if (savedIds) {
          const vocab = x.shape[0];
          const perId = tf.matMul(tf.oneHot(savedIds as tf.Tensor1D, vocab, 1, 0, 'float32'), dz, true, false);
          dKernel = tf.matMul(x as tf.Tensor2D, perId, true, false);
          dSource = tf.matMul(perId, sk, false, true);
        } else {
          const rows = tf.reshape(x, [B * T, I]) as tf.Tensor2D;
          dKernel = tf.matMul(rows, dz, true, false);
          dSource = tf.reshape(tf.matMul(dz, sk, false, true), [B, T, I]);
        }
        return [dSource, dh0, dc0, dKernel, dRecurrent, dBias];
      });
    };
    return { value, gradFunc };
  });
  const y = op(source, h0, c0, kernel, recurrentKernel, bias) as tf.Tensor3D;
  const state = last!;
  const [h, c] = tf.tidy(() => [lastStep(state, { ...d, T: 1 }, 0, 1), lastStep(state, { ...d, T: 1 }, 0, 0)]);
  state.dispose();
  return { y, h, c };
}

/**
 * Makes the op for a pair of kernels: {@link webgpuFusedLstm} with the WebGPU programs, the same op on the cpu
 * backend with the emulated kernels in tests.
 */
export function makeGpuLstmOps(kernels: LstmGpuKernels): { lstm: GpuLstmFn; embeddingLstm: GpuEmbeddingLstmFn } {
  return {
    lstm(x, h0, c0, kernel, recurrentKernel, bias) {
      const [B, T, I] = x.shape;
      return run(kernels, { B, T, I, U: recurrentKernel.shape[0] }, x, undefined, h0, c0, kernel, recurrentKernel, bias);
    },
    embeddingLstm(table, ids, h0, c0, kernel, recurrentKernel, bias) {
      const [B, T] = ids.shape;
      const [V, I] = table.shape;
      let flat: tf.Tensor1D;
      if (ids instanceof tf.Tensor) {
        // Left on the device: ids out of range read a clamped row there, they are not checked.
        flat = tf.tidy(() => tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [B * T]) as tf.Tensor1D);
      } else {
        for (let r = 0; r < ids.values.length; r++) {
          if (!(ids.values[r] >= 0 && ids.values[r] < V)) throw new RangeError(`Expected ids in [0, ${V}), but got ${ids.values[r]} at ${r}`);
        }
        flat = tf.tensor1d(ids.values, 'int32');
      }
      try {
        return run(kernels, { B, T, I, U: recurrentKernel.shape[0] }, table, flat, h0, c0, kernel, recurrentKernel, bias);
      } finally {
        // The tape saved its own reference when it needs the ids.
        flat.dispose();
      }
    },
  };
}

/** The op's signature: fusedLstm's. */
export type GpuLstmFn = (
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
) => GpuLstmOutput;

/** The embedded op's signature: fusedEmbeddingLstm's (ids may also stay on the device as a tensor). */
export type GpuEmbeddingLstmFn = (
  table: tf.Tensor2D,
  ids: tf.Tensor2D | { values: Int32Array; shape: [number, number] },
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
) => GpuLstmOutput;
