/**
 * Adam as one native loop per variable (tf.AdamOptimizer runs ~10 tensor ops per variable per step, each a full
 * pass over its memory), with optional global-norm gradient clipping fused in. Same hyperparameters, maths
 * and optimizer-state layout (`iter`, `<var>/m`…, `<var>/v`…) as tf.AdamOptimizer, so getWeights/setWeights
 * checkpoints resume.
 */
import { tf } from './tfjs';
import type { FusedKernels } from './kernels';
import { getKernels } from './native';
import { timed } from './profile';
import { f32 } from './tensor-data';

/** tfjs-core's NamedTensor (not re-exported from its index). */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

interface Moments {
  m: Float32Array;
  v: Float32Array;
}

/** Global-norm clipping is off when clipNorm is undefined or 0. */
export class FusedAdamOptimizer extends tf.Optimizer {
  static className = 'FusedAdam';

  private accBeta1: number;
  private accBeta2: number;
  private readonly moments = new Map<string, Moments>();
  /** Global gradient norm (before clipping) seen by the last applyGradients, for logging. */
  lastGradNorm = 0;

  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
    readonly clipNorm?: number,
  ) {
    super();
    this.accBeta1 = beta1;
    this.accBeta2 = beta2;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: Array<[string, tf.Tensor | null]> = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    const kernels = getKernels();
    const grads = entries
      .filter((e): e is [string, tf.Tensor] => e[1] != null)
      .map(([name, g]) => ({ name, g: f32(g) }));
    let squares = 0;
    for (const { g } of grads) squares += kernels.sumSquares(g);
    this.lastGradNorm = Math.sqrt(squares);
    const clip = this.clipNorm ?? 0;
    const gradScale = clip > 0 && this.lastGradNorm > clip ? clip / this.lastGradNorm : 1;
    const registered = tf.engine().registeredVariables;
    timed('adam', () => {
      for (const { name, g } of grads) this.updateOne(registered[name], name, g, kernels, gradScale);
    });
    // tf.AdamOptimizer keeps these in float32 variables; rounding the same way keeps the two in step.
    this.accBeta1 = Math.fround(this.accBeta1 * this.beta1);
    this.accBeta2 = Math.fround(this.accBeta2 * this.beta2);
    this.incrementIterations();
  }

  private updateOne(variable: tf.Variable | undefined, name: string, g: Float32Array, kernels: FusedKernels, gradScale: number): void {
    if (!variable) throw new Error(`FusedAdamOptimizer: no variable named ${name}`);
    let mo = this.moments.get(name);
    if (!mo) {
      mo = { m: new Float32Array(g.length), v: new Float32Array(g.length) };
      this.moments.set(name, mo);
    }
    const out = new Float32Array(g.length);
    kernels.adamStep(f32(variable), g, mo.m, mo.v, out, {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      oneMinusAccBeta1: 1 - this.accBeta1,
      oneMinusAccBeta2: 1 - this.accBeta2,
      gradScale,
    });
    const next = tf.tensor(out, variable.shape, 'float32');
    variable.assign(next);
    next.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const names = [...this.moments.keys()];
    return [
      await this.saveIterations(),
      ...names.map((n) => ({ name: `${n}/m`, tensor: tf.tensor(this.moments.get(n)!.m.slice(), this.shapeOf(n)) })),
      ...names.map((n) => ({ name: `${n}/v`, tensor: tf.tensor(this.moments.get(n)!.v.slice(), this.shapeOf(n)) })),
    ];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.accBeta1 = Math.fround(Math.pow(this.beta1, this.iterations + 1));
    this.accBeta2 = Math.fround(Math.pow(this.beta2, this.iterations + 1));
    this.moments.clear();
    const half = rest.length / 2;
    for (let i = 0; i < half; i++) {
      const name = rest[i].name.replace(/\/m$/, '');
      this.moments.set(name, {
        m: Float32Array.from(rest[i].tensor.dataSync()),
        v: Float32Array.from(rest[half + i].tensor.dataSync()),
      });
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      clipNorm: this.clipNorm ?? null,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const c = config as Record<string, number | null>;
    return new (cls as unknown as new (...a: unknown[]) => T)(
      c.learningRate,
      c.beta1,
      c.beta2,
      c.epsilon,
      c.clipNorm ?? undefined,
    );
  }

  override dispose(): void {
    this.moments.clear();
  }

  private shapeOf(name: string): number[] {
    const v = tf.engine().registeredVariables[name];
    return v ? v.shape : [this.moments.get(name)!.m.length];
  }
}

tf.serialization.registerClass(FusedAdamOptimizer);
