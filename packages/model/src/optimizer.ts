import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OptimizerConfig } from '@tunelab/config';
import { InputError } from '@tunelab/config';
import { tf } from './tf';
import { FusedAdamOptimizer } from './fused';
import { addNChunked, WebGpuAdamOptimizer } from './webgpu/adam';
import type { EngineInfo } from './engine';
import { usesCpuKernels } from './cells';
import { toArrayBuffer } from './file-io';

export const OPTIMIZER_JSON = 'optimizer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';

/** An optimizer and whether it clips gradients itself (the fused Adam clips inside its one pass). */
export interface TrainOptimizer {
  optimizer: tf.Optimizer;
  clipsInternally: boolean;
}

/**
 * Which Adam an engine gets: `fused` (FusedAdamOptimizer on the cpu fused kernels), `webgpu` (two GPU programs
 * per variable instead of tfjs Adam's ~12 ops, clipping on the GPU too) or `tfjs`.
 */
export type AdamFlavour = 'fused' | 'webgpu' | 'tfjs';

/** The Adam of an engine. */
export function adamFlavourOf(engine: Pick<EngineInfo, 'name' | 'kernels'>): AdamFlavour {
  if (engine.name === 'webgpu') return 'webgpu';
  return usesCpuKernels(engine) ? 'fused' : 'tfjs';
}

/**
 * The optimizer of a run config, with Keras' defaults (Adam β = 0.9 / 0.999, ε = 1e-7; RMSprop ρ = 0.9).
 * Adam is the flavour the engine gets ({@link adamFlavourOf}); all three have the same maths and state layout.
 */
export function createOptimizer(cfg: OptimizerConfig, clipNorm: number, adam: AdamFlavour): TrainOptimizer {
  if (!(cfg.lr > 0)) throw new InputError(`expected lr > 0, but got ${cfg.lr}`, 'train.optimizer.lr');
  switch (cfg.name) {
    case 'adam':
      if (adam === 'fused') return { optimizer: new FusedAdamOptimizer(cfg.lr, 0.9, 0.999, 1e-7, clipNorm > 0 ? clipNorm : undefined), clipsInternally: true };
      if (adam === 'webgpu') return { optimizer: new WebGpuAdamOptimizer(cfg.lr, 0.9, 0.999, 1e-7, clipNorm > 0 ? clipNorm : undefined), clipsInternally: true };
      return { optimizer: new ResumableAdam(cfg.lr, 0.9, 0.999, 1e-7), clipsInternally: false };
    case 'sgd':
      return { optimizer: tf.train.sgd(cfg.lr), clipsInternally: false };
    case 'rmsprop':
      return { optimizer: tf.train.rmsprop(cfg.lr, 0.9, 0, 1e-7), clipsInternally: false };
    default:
      throw new InputError(`expected optimizer adam, sgd or rmsprop, but got ${JSON.stringify((cfg as { name: unknown }).name)}`, 'train.optimizer.name');
  }
}

/**
 * tf.AdamOptimizer, except that restored state gives the beta powers the saved optimizer had: tfjs sets them to
 * beta^(iter+1) computed at once, but while training they are a running float32 product (accBeta · beta each
 * step), which differs in the last bits for most step counts, so a resumed run drifted from the uninterrupted
 * one. Same class name and state layout as tf.AdamOptimizer.
 */
class ResumableAdam extends tf.AdamOptimizer {
  override async setWeights(weightValues: Parameters<tf.AdamOptimizer['setWeights']>[0]): Promise<void> {
    await super.setWeights(weightValues);
    const self = this as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    // What `iterations` steps of `accBeta.assign(mul(accBeta, beta))` leave, from scalar(beta): float32 products
    // (the product of two float32 values is exact in a double, so fround gives the backend's rounding).
    const power = (beta: number) => {
      const b = Math.fround(beta);
      let acc = b;
      for (let t = 0; t < this.iterations; t++) acc = Math.fround(acc * b);
      return acc;
    };
    tf.tidy(() => {
      self.accBeta1.assign(tf.scalar(power(this.beta1)));
      self.accBeta2.assign(tf.scalar(power(this.beta2)));
    });
  }
}

/**
 * Scales gradients so their global L2 norm is at most `clipNorm` (TensorFlow's clip_by_global_norm):
 * g · clipNorm / max(norm, clipNorm). Computed on the device without reading the norm back (WebGPU in Node
 * cannot read synchronously). Takes ownership of `grads` (disposes them when it returns new tensors).
 * 0 = no clipping.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  if (!(clipNorm > 0)) return grads;
  const names = Object.keys(grads);
  const out: tf.NamedTensorMap = {};
  tf.tidy(() => {
    // addNChunked: tfjs-webgpu's AddN puts every input in one shader and breaks past 8 storage buffers.
    const norm = tf.sqrt(addNChunked(names.map((n) => tf.sum(tf.square(grads[n])))));
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    for (const n of names) out[n] = tf.keep(tf.mul(grads[n], scale));
  });
  tf.dispose(Object.values(grads));
  return out;
}

interface OptimizerFile {
  className: string;
  /** Variable names when saved, in trainable-weights order: state entries are `<variable>/<slot>`. */
  variables: string[];
  specs: tf.io.WeightsManifestEntry[];
}

/** Writes the optimizer's state (`iter` + per-variable slots) so a run can resume. */
export async function saveOptimizerState(optimizer: tf.Optimizer, variables: string[], dir: string): Promise<void> {
  const weights = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(weights);
  // tf's optimizers hand out their slot variables themselves (disposing them would wipe the state); the
  // fused Adam and the `iter` entry are fresh tensors.
  tf.dispose(weights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  const file: OptimizerFile = { className: optimizer.getClassName(), variables, specs };
  const bytes = Array.isArray(data) ? Buffer.concat(data.map((d) => new Uint8Array(d))) : new Uint8Array(data);
  await writeFile(join(dir, OPTIMIZER_BIN), bytes);
  await writeFile(join(dir, OPTIMIZER_JSON), JSON.stringify(file));
}

/**
 * Restores optimizer state saved by {@link saveOptimizerState} into an optimizer of the same kind. Variables
 * are renamed by position: tfjs gives each new model's variables fresh unique names, and both Adam flavours
 * look their slots up by position or by the current name.
 */
export async function restoreOptimizerState(optimizer: tf.Optimizer, variables: string[], dir: string): Promise<void> {
  const file = JSON.parse(await readFile(join(dir, OPTIMIZER_JSON), 'utf8')) as OptimizerFile;
  const sameKind = (c: string) => (c === 'FusedAdam' ? 'Adam' : c);
  if (sameKind(file.className) !== sameKind(optimizer.getClassName())) {
    throw new InputError(`expected optimizer state of ${optimizer.getClassName()}, but the checkpoint holds ${file.className}`, join(dir, OPTIMIZER_JSON));
  }
  if (file.variables.length !== variables.length) {
    throw new InputError(`expected state for ${variables.length} variables, but the checkpoint has ${file.variables.length}`, join(dir, OPTIMIZER_JSON));
  }
  const rename = new Map(file.variables.map((v, i) => [v, variables[i]]));
  const data = toArrayBuffer(await readFile(join(dir, OPTIMIZER_BIN)));
  const decoded = tf.io.decodeWeights(data, file.specs);
  const named = file.specs.map((s) => {
    const cut = s.name.lastIndexOf('/');
    const base = cut < 0 ? s.name : s.name.slice(0, cut);
    const name = rename.has(base) ? `${rename.get(base)}${s.name.slice(cut)}` : s.name;
    return { name, tensor: decoded[s.name] };
  });
  await optimizer.setWeights(named);
  tf.dispose(Object.values(decoded));
}
