/**
 * Dropout in one pass. tf.dropout on the cpu backend draws its mask through seedrandom and then runs add, floor,
 * div and mul with scalar broadcasting (tfjs's slow generic path): ~90 ms of a 16 × 64 seed step for 3 layers.
 * Here one kernel draws the mask from a hash of (seed, index) and one multiplies; the gradient is one multiply.
 */
import { tf, tfl } from './tfjs';
import { giveBuffer, takeBuffer, tensorBuffer } from './buffer-pool';
import { getKernels } from './native';
import { timed } from './profile';
import { f32 } from './tensor-data';

/** Advances a seeded generator state (mulberry32 step) and returns the 32-bit seed of one mask. */
export function maskSeed(state: { s: number }): number {
  state.s = (state.s + 0x6d2b79f5) >>> 0;
  let t = state.s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/**
 * Inverted dropout: each element is zeroed with probability `rate`, survivors scaled by 1 / (1 − rate).
 * @param x any shape
 * @param rate in [0, 1)
 * @param state generator state, advanced by one per call (a seeded run repeats)
 */
export function fusedDropout(x: tf.Tensor, rate: number, state: { s: number }): tf.Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`Expected dropout rate in [0, 1), but got ${rate}`);
  const kernels = getKernels();
  const n = x.size;
  const seed = maskSeed(state);
  const op = tf.customGrad((...args: unknown[]) => {
    const xs = f32(args[0] as tf.Tensor);
    const out = tensorBuffer(n, { zero: false }); // x · mask, every element
    let mask: Float32Array | undefined = takeBuffer(n); // fully written by dropoutMask
    const m = mask;
    timed('dropout.forward', () => {
      kernels.dropoutMask(seed, rate, m);
      kernels.multiply(xs, m, out);
    });
    const gradFunc = (dy: tf.Tensor): tf.Tensor => {
      if (!mask) throw new Error('fusedDropout: a second gradient through the same forward is not supported');
      const dx = tensorBuffer(n, { zero: false }); // dy · mask, every element
      const mk = mask;
      timed('dropout.backward', () => kernels.multiply(f32(dy), mk, dx));
      giveBuffer(mk);
      mask = undefined;
      return tf.tensor(dx, x.shape, 'float32');
    };
    return { value: tf.tensor(out, x.shape, 'float32'), gradFunc };
  });
  return op(x);
}

type DropoutArgs = Parameters<typeof tfl.layers.dropout>[0];
interface DropoutLike extends tfl.layers.Layer {
  readonly rate: number;
}
const DropoutBase = Object.getPrototypeOf(tfl.layers.dropout({ rate: 0.5 })).constructor as new (
  args: DropoutArgs,
) => DropoutLike;

/**
 * tfjs-layers' Dropout (same config, no weights) running {@link fusedDropout} in training; identity otherwise.
 * `seed` makes the masks repeat from run to run. className `FusedDropout`.
 */
export class FusedDropout extends DropoutBase {
  static className = 'FusedDropout';
  private readonly state: { s: number };

  constructor(args: DropoutArgs) {
    if (args.noiseShape) throw new Error('FusedDropout does not support noiseShape');
    super(args);
    this.state = { s: (args.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0 };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs.training !== true || this.rate <= 0 || this.rate >= 1) return x;
    return fusedDropout(x, this.rate, this.state);
  }
}

tf.serialization.registerClass(
  FusedDropout as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** A {@link FusedDropout} layer; same options as tf.layers.dropout. */
export function fusedDropoutLayer(args: DropoutArgs): FusedDropout {
  return new FusedDropout(args);
}
