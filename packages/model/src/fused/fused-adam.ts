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
import { tensorBuffer } from './buffer-pool';
import { f32 } from './tensor-data';
import { AdamBase, type NamedTensor } from './adam-base';

interface Moments {
  m: Float32Array;
  v: Float32Array;
}

/** Global-norm clipping is off when clipNorm is undefined or 0. */
export class FusedAdamOptimizer extends AdamBase {
  static className = 'FusedAdam';

  private readonly moments = new Map<string, Moments>();
  /** Global gradient norm (before clipping) seen by the last applyGradients, for logging. */
  lastGradNorm = 0;

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const registered = tf.engine().registeredVariables;
    this.applyRawGradients(
      this.presentGradients(variableGradients).map(([name, g]) => {
        const variable = registered[name];
        if (!variable) throw new Error(`FusedAdamOptimizer: no variable named ${name}`);
        return { variable, grad: f32(g) };
      }),
    );
  }

  /**
   * The same step from gradient arrays (the fused training step's, which never become tensors): global norm
   * over the gradients in the order given, clipping, one native Adam pass per variable.
   */
  applyRawGradients(entries: { variable: tf.Variable; grad: Float32Array }[]): void {
    const kernels = getKernels();
    let squares = 0;
    for (const s of kernels.sumSquaresEach(entries.map((e) => e.grad))) squares += s;
    this.lastGradNorm = Math.sqrt(squares);
    const clip = this.clipNorm ?? 0;
    const gradScale = clip > 0 && this.lastGradNorm > clip ? clip / this.lastGradNorm : 1;
    timed('adam', () => {
      for (const { variable, grad } of entries) this.updateOne(variable, grad, kernels, gradScale);
    });
    this.finishStep();
  }

  private updateOne(variable: tf.Variable, g: Float32Array, kernels: FusedKernels, gradScale: number): void {
    const name = variable.name;
    let mo = this.moments.get(name);
    if (!mo) {
      mo = { m: new Float32Array(g.length), v: new Float32Array(g.length) };
      this.moments.set(name, mo);
    }
    const out = tensorBuffer(g.length, { zero: false }); // every element; becomes the variable's value
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
    this.moments.clear();
    for (const { name, m, v } of await this.restoreState(weightValues)) {
      this.moments.set(name, { m: Float32Array.from(m.dataSync()), v: Float32Array.from(v.dataSync()) });
    }
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
