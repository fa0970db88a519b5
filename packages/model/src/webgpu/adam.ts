/**
 * Adam for the webgpu backend: two dispatches per variable and step (moments, then parameters) instead of the
 * ~12 tensor ops of tf.AdamOptimizer, which make up most of a fused GPU step's dispatches (bench gpu --profile).
 * Global-norm clipping stays on the GPU: the norm is a few reductions and scales the gradients inside the
 * moments kernel, so nothing is read back. Same hyperparameters and maths as tf.AdamOptimizer and FusedAdam;
 * getWeights/setWeights use their state names (`iter`, `<var>/m`…, `<var>/v`…), so checkpoints move between them.
 * The two kernels are injected like the LSTM's: WebGPU programs on a GPU, the same maths as tfjs ops in tests.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { tf } from '../tf';
import { AdamBase, type NamedTensor } from '../fused/adam-base';
import { webgpuBackend } from './programs';

/** Scalars of one Adam step; c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ. */
export interface AdamStepScalars {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  c1: number;
  c2: number;
}

/** mv `[2, n]` holds m then v. */
export interface AdamGpuKernels {
  readonly name: string;
  /** New mv from mv, the gradient `[n]` and the gradient scale `[1]`. */
  moments(mv: tf.Tensor, g: tf.Tensor, scale: tf.Tensor, s: AdamStepScalars): tf.Tensor;
  /** New parameters `[n]` from p `[n]` and the new mv. */
  params(p: tf.Tensor, mv: tf.Tensor, s: AdamStepScalars): tf.Tensor;
}

/** The kernels' maths as tfjs ops (any backend): what the tests compare tf.AdamOptimizer and the programs with. */
export const adamOpsKernels: AdamGpuKernels = {
  name: 'tfjs-ops',
  moments(mv, g, scale, s) {
    return tf.tidy(() => {
      const [m, v] = tf.unstack(mv);
      const gs = tf.mul(g, scale);
      return tf.stack([tf.add(tf.mul(m, s.beta1), tf.mul(gs, 1 - s.beta1)), tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(gs), 1 - s.beta2))]);
    });
  },
  params(p, mv, s) {
    return tf.tidy(() => {
      const [m, v] = tf.unstack(mv);
      return tf.sub(p, tf.div(tf.mul(tf.div(m, s.c1), s.learningRate), tf.add(tf.sqrt(tf.div(v, s.c2)), s.epsilon)));
    });
  },
};

/**
 * tf.addN over any number of tensors on every backend. tfjs' webgpu AddN binds all inputs in one shader, and
 * WebGPU guarantees only 8 storage buffers per stage (tfjs asks for no more): with 8 or more inputs its pipeline
 * is invalid and the sum silently wrong. So sum at most 7 at a time.
 */
export function addNChunked(xs: tf.Tensor[]): tf.Tensor {
  if (xs.length === 0) throw new Error('Expected at least one tensor to add, but got none');
  return tf.tidy(() => {
    let level = xs;
    while (level.length > 1) {
      const next: tf.Tensor[] = [];
      for (let i = 0; i < level.length; i += 7) next.push(level.length - i === 1 ? level[i] : tf.addN(level.slice(i, i + 7)));
      level = next;
    }
    return level[0] === xs[0] ? tf.clone(level[0]) : level[0];
  });
}

const GROUP = 64;

class ElementwiseProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [GROUP, 1, 1];
  size = false;

  constructor(
    name: string,
    outputShape: number[],
    n: number,
    public variableNames: string[],
    public uniforms: string,
    private readonly body: string,
  ) {
    this.outputShape = outputShape;
    this.shaderKey = name;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(n / GROUP), 1, 1];
  }

  getUserCode(): string {
    return `
fn main(index : i32) {
  if (index < uniforms.n) {
${this.body}
  }
}
`;
  }
}

/** WGSL of the moments kernel (m then v in one output). */
export const MOMENTS_WGSL = `    let gs = g[index] * scale[0];
    result[index] = uniforms.beta1 * mv[index] + (1.0 - uniforms.beta1) * gs;
    result[uniforms.n + index] = uniforms.beta2 * mv[uniforms.n + index] + (1.0 - uniforms.beta2) * gs * gs;`;

/** WGSL of the parameter kernel (tf.AdamOptimizer's order of operations). */
export const PARAMS_WGSL = `    let m = mv[index] / uniforms.c1;
    let v = mv[uniforms.n + index] / uniforms.c2;
    result[index] = p[index] - (uniforms.lr * m) / (sqrt(v) + uniforms.eps);`;

function runProgram(program: WebGPUProgram, inputs: tf.Tensor[], uniforms: Array<{ type: string; data: number[] }>): tf.Tensor {
  const info = webgpuBackend().runWebGPUProgram(program, inputs, 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** The kernels as WebGPU programs on the active webgpu backend. */
export const adamWebgpuKernels: AdamGpuKernels = {
  name: 'webgpu',
  moments(mv, g, scale, s) {
    const n = g.size;
    const program = new ElementwiseProgram('tunelabAdamMoments', [2, n], n, ['mv', 'g', 'scale'], 'n : i32, beta1 : f32, beta2 : f32,', MOMENTS_WGSL);
    return runProgram(program, [mv, g, scale], [
      { type: 'int32', data: [n] },
      { type: 'float32', data: [s.beta1] },
      { type: 'float32', data: [s.beta2] },
    ]);
  },
  params(p, mv, s) {
    const n = p.size;
    const program = new ElementwiseProgram('tunelabAdamParams', [n], n, ['p', 'mv'], 'n : i32, lr : f32, c1 : f32, c2 : f32, eps : f32,', PARAMS_WGSL);
    return runProgram(program, [p, mv], [
      { type: 'int32', data: [n] },
      { type: 'float32', data: [s.learningRate] },
      { type: 'float32', data: [s.c1] },
      { type: 'float32', data: [s.c2] },
      { type: 'float32', data: [s.epsilon] },
    ]);
  },
};

/** Adam whose update runs as two GPU kernels per variable; global-norm clipping is off when clipNorm is 0 or unset. */
export class WebGpuAdamOptimizer extends AdamBase {
  static className = 'WebGpuAdam';

  /** Per variable, `[2, n]`: m then v. */
  private readonly moments = new Map<string, tf.Tensor>();

  constructor(
    learningRate: number,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon = 1e-7,
    clipNorm?: number,
    private readonly kernels: AdamGpuKernels = adamWebgpuKernels,
  ) {
    super(learningRate, beta1, beta2, epsilon, clipNorm);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const grads = this.presentGradients(variableGradients);
    const registered = tf.engine().registeredVariables;
    const s: AdamStepScalars = {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      c1: 1 - this.accBeta1,
      c2: 1 - this.accBeta2,
    };
    tf.tidy(() => {
      const clip = this.clipNorm ?? 0;
      // clip / max(norm, clip): 1 below the threshold, as FusedAdam's gradScale.
      const scale =
        clip > 0 && grads.length > 0
          ? tf.reshape(tf.div(clip, tf.maximum(tf.sqrt(addNChunked(grads.map(([, g]) => tf.sum(tf.square(g))))), clip)), [1])
          : tf.ones([1]);
      for (const [name, g] of grads) {
        const variable = registered[name];
        if (!variable) throw new Error(`WebGpuAdamOptimizer: no variable named ${name}`);
        const n = variable.size;
        const old = this.moments.get(name);
        const mv = this.kernels.moments(old ?? tf.zeros([2, n]), tf.reshape(g, [n]), scale, s);
        const p = this.kernels.params(tf.reshape(variable, [n]), mv, s);
        variable.assign(tf.reshape(p, variable.shape));
        this.moments.set(name, tf.keep(mv));
        old?.dispose();
      }
    });
    this.finishStep();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const names = [...this.moments.keys()];
    const part = (n: string, i: number) =>
      tf.tidy(() => tf.reshape(tf.slice(this.moments.get(n)!, [i, 0], [1, -1]), this.shapeOf(n)));
    return [
      await this.saveIterations(),
      ...names.map((n) => ({ name: `${n}/m`, tensor: part(n, 0) })),
      ...names.map((n) => ({ name: `${n}/v`, tensor: part(n, 1) })),
    ];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const state = await this.restoreState(weightValues);
    this.dispose();
    for (const { name, m, v } of state) {
      const n = m.size;
      this.moments.set(name, tf.keep(tf.tidy(() => tf.stack([tf.reshape(m, [n]), tf.reshape(v, [n])]))));
    }
  }

  override dispose(): void {
    for (const t of this.moments.values()) t.dispose();
    this.moments.clear();
  }

  private shapeOf(name: string): number[] {
    const v = tf.engine().registeredVariables[name];
    return v ? v.shape : [this.moments.get(name)!.shape[1] as number];
  }
}

tf.serialization.registerClass(WebGpuAdamOptimizer);
