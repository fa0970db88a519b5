import { tf } from './tfjs';

/** tfjs-core's NamedTensor (not re-exported from its index). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * What every tunelab Adam shares, whatever runs its update (native kernels, WebGPU programs): tf.AdamOptimizer's
 * hyperparameters, its float32 rounding of beta1^t and beta2^t, its `iter` + `<var>/m` + `<var>/v` state
 * layout (so checkpoints resume across them), and optional global-norm clipping (`clipNorm` 0 or unset = off).
 */
export abstract class AdamBase extends tf.Optimizer {
  protected accBeta1: number;
  protected accBeta2: number;

  constructor(
    /** Read on every step: a schedule changes it between epochs (lr-schedule.ts). */
    public learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
    readonly clipNorm?: number,
  ) {
    super();
    this.accBeta1 = beta1;
    this.accBeta2 = beta2;
  }

  /** The gradients that are present, as [variable name, gradient] pairs. */
  protected presentGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): Array<[string, tf.Tensor]> {
    const entries: Array<[string, tf.Tensor | null]> = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    return entries.filter((e): e is [string, tf.Tensor] => e[1] != null);
  }

  /** After a step: beta powers advance (rounded to float32 as tf.AdamOptimizer's variables are) and iter + 1. */
  protected finishStep(): void {
    this.accBeta1 = Math.fround(this.accBeta1 * this.beta1);
    this.accBeta2 = Math.fround(this.accBeta2 * this.beta2);
    this.incrementIterations();
  }

  /**
   * Reads `iter` from saved state, sets the beta powers it implies, and returns the moments as pairs
   * `{ name, m, v }` (the state lists every `/m` first, then every `/v`, in the same order).
   */
  protected async restoreState(weightValues: NamedTensor[]): Promise<{ name: string; m: tf.Tensor; v: tf.Tensor }[]> {
    const rest = await this.extractIterations(weightValues);
    // The powers exactly as `iterations` calls of finishStep left them: the running product rounded to float32
    // at every step. fround(beta^(t+1)) differs from it in the last bits for most t (t = 24: beta2^25), which
    // made a resumed run drift from the uninterrupted one from its first step on.
    this.accBeta1 = this.beta1;
    this.accBeta2 = this.beta2;
    for (let t = 0; t < this.iterations; t++) {
      this.accBeta1 = Math.fround(this.accBeta1 * this.beta1);
      this.accBeta2 = Math.fround(this.accBeta2 * this.beta2);
    }
    const half = rest.length / 2;
    return rest.slice(0, half).map((w, i) => ({ name: w.name.replace(/\/m$/, ''), m: w.tensor, v: rest[half + i].tensor }));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, clipNorm: this.clipNorm ?? null };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const c = config as Record<string, number | null>;
    return new (cls as unknown as new (...a: unknown[]) => T)(c.learningRate, c.beta1, c.beta2, c.epsilon, c.clipNorm ?? undefined);
  }
}
