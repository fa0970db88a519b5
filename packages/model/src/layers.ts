import { tf, tfl } from './tf';
import { fusedDropout } from './fused';

type Kwargs = Record<string, unknown>;
type LayerArgs = ConstructorParameters<typeof tfl.layers.Layer>[0];

function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** FNV-1a of a string: a 32-bit seed from (seed, step, call). */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Dropout whose masks are repeatable. tfjs-layers' Dropout with a `seed` draws the *same* mask on every call
 * (tf.randomUniform reseeds from the number each time), and without one it uses Math.random. Here the mask
 * of a call is a function of (seed, step, call within step): the training loop sets `step` to the global
 * batch number, so a run resumed from a checkpoint draws the masks the uninterrupted run would have drawn.
 * Identity outside training, like Keras' Dropout. Input and output `[batch, time, units]`.
 */
export class SeededDropout extends tfl.layers.Layer {
  static className = 'TunelabSeededDropout';
  readonly rate: number;
  readonly seed: number;
  /** Whether masks come from the fused kernels (one pass; the engine has them) rather than five tfjs ops. */
  readonly fusedKernels: boolean;
  private step = 0;
  private calls = 0;

  constructor(args: LayerArgs & { rate: number; seed: number; fusedKernels?: boolean }) {
    const { fusedKernels, ...layerArgs } = args;
    super(layerArgs);
    this.rate = args.rate;
    this.seed = args.seed;
    this.fusedKernels = fusedKernels ?? false;
    this.supportsMasking = true;
  }

  /** Sets the global batch number the next masks derive from. */
  setStep(step: number): void {
    this.step = step;
    this.calls = 0;
  }

  /** The key of the next mask in this step: (seed, step, call within the step). */
  private nextKey(): string {
    return `${this.seed}:${this.step}:${this.calls++}`;
  }

  /**
   * The generator state of the next mask the fused kernels draw (one per call in training). The fused training
   * step (fused-step.ts) draws its masks through this too, so both paths drop the same units.
   */
  nextMaskState(): { s: number } {
    return { s: hash32(this.nextKey()) };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      if (kwargs?.training !== true || this.rate === 0) return x;
      // The native kernel draws its mask from a hash of a 32-bit seed; one pass instead of five tensor ops.
      if (this.fusedKernels) return fusedDropout(x, this.rate, this.nextMaskState());
      const key = this.nextKey();
      const u = tf.randomUniform(x.shape, 0, 1, 'float32', key);
      const keep = tf.cast(tf.greaterEqual(u, this.rate), 'float32');
      return tf.mul(x, tf.mul(keep, 1 / (1 - this.rate)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);

/**
 * One-hot input for `embedding_dim: 0`: int ids `[batch, time]` → float `[batch, time, depth]`.
 * No weights; tfjs-layers has no one-hot layer that takes int ids.
 */
export class OneHot extends tfl.layers.Layer {
  static className = 'TunelabOneHot';
  readonly depth: number;

  constructor(args: LayerArgs & { depth: number }) {
    super(args);
    this.depth = args.depth;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...s, this.depth];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(one(inputs), 'int32'), this.depth), 'float32'));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), depth: this.depth };
  }
}
tf.serialization.registerClass(OneHot);
