/**
 * Recycled Float32Arrays for the fused ops, so that a training step works in the same memory every step.
 *
 * Why: a `new Float32Array` is zero-filled, lands on fresh addresses and is freed only when V8 next collects
 * garbage (every few hundred ms, driven by this very external-memory pressure). On the small sweep model that is
 * ~3.6 MB of new arrays per step: the step never finds its buffers in cache, and two trials side by side compete
 * for memory bandwidth. Measured on this 2-core VM with epochs alternating recycling on/off in one process: the
 * small sweep model (LSTM-128, batch 16 × 64) ran 4–7% faster alone and 8–9% faster with a second trial beside
 * it (a first version of this file; the final one: 6% alone), the seed model 7% faster.
 *
 * Two kinds of arrays:
 * - scratch ({@link takeBuffer} / {@link giveBuffer}): lives from a forward to its backward and never reaches tfjs
 *   (the LSTM's gate and cell caches, dropout masks, softmax probabilities);
 * - tensor data ({@link tensorBuffer}): becomes a tensor's backing array on the cpu backend, which adopts arrays
 *   without copying. It comes back when tfjs disposes that data, but only inside {@link withRecycledTensors}
 *   (one training step), and it is reused only after that scope ends: the cpu backend's `slice` returns
 *   `subarray` views that share memory without counting references, and by the end of a step every tensor the
 *   step made is disposed, views included.
 */
import { tf } from './tfjs';
import { getKernels } from './native';

// A step of the seed model returns ~12 arrays of its most common size (outputs and gradients of [batch·time, units]).
const MAX_PER_SIZE = 16;
const free = new Map<number, Float32Array[]>();

/** An array of n floats, recycled when one is free: its contents are arbitrary, the caller overwrites all. */
export function takeBuffer(n: number): Float32Array {
  // New ones from the kernels: the native kernels' arrays start on a cache line (kernels.ts, `floats`).
  return free.get(n)?.pop() ?? getKernels().floats(n);
}

/** Hands an array back; the caller must not touch it afterwards. */
export function giveBuffer(b: Float32Array): void {
  let list = free.get(b.length);
  if (!list) {
    list = [];
    free.set(b.length, list);
  }
  if (list.length < MAX_PER_SIZE && !list.includes(b)) list.push(b);
}

/** Arrays handed to tfjs by tensorBuffer inside a scope, not yet disposed. */
const lent = new WeakSet<Float32Array>();
/** Arrays tfjs disposed inside the current scope: free once it ends. */
let returned: Float32Array[] = [];
let scopeDepth = 0;
let enabled = true;
let hookedBackend: object | null = null;
let reused = 0;

interface CpuBackendData {
  data: { get(id: object): { values?: unknown } | undefined; has(id: object): boolean };
  disposeData(id: object, force?: boolean): boolean;
}

/** Wraps the cpu backend's disposeData (once per backend instance) to catch lent arrays coming back. */
function hookCpuBackend(): boolean {
  const backend = tf.findBackend('cpu') as unknown as CpuBackendData | null;
  if (!backend || typeof backend.disposeData !== 'function' || !backend.data) return false;
  if (hookedBackend === backend) return true;
  const dispose = backend.disposeData.bind(backend);
  backend.disposeData = (id: object, force?: boolean): boolean => {
    const values = backend.data.get(id)?.values;
    const done = dispose(id, force);
    if (done && values instanceof Float32Array && lent.has(values) && !backend.data.has(id)) {
      lent.delete(values);
      // Disposed outside a step (a model freed after training): left to the garbage collector.
      if (scopeDepth > 0) returned.push(values);
    }
    return done;
  };
  hookedBackend = backend;
  return true;
}

/**
 * An array of n floats that will become a tensor's data. Inside {@link withRecycledTensors} on the cpu backend it
 * is recycled (zeroed only when asked: pass `zero` for outputs a kernel accumulates into); anywhere else it is a
 * plain new array (other backends copy tensor data, and outside a step nobody would give it back).
 */
export function tensorBuffer(n: number, opts: { zero: boolean }): Float32Array {
  if (scopeDepth === 0 || !enabled || tf.getBackend() !== 'cpu' || !hookCpuBackend()) return new Float32Array(n);
  const pooled = free.get(n)?.length ?? 0;
  const b = takeBuffer(n);
  if (pooled > 0) reused++;
  if (opts.zero) b.fill(0);
  lent.add(b);
  return b;
}

/**
 * Runs one synchronous training step with tensor data recycled (see the module comment); everything the step
 * creates must be disposed by the time `step` returns, except what it returns that is not built on a lent array
 * (a loss scalar). Nested scopes join the outer one.
 */
export function withRecycledTensors<T>(step: () => T): T {
  scopeDepth++;
  try {
    return step();
  } finally {
    scopeDepth--;
    if (scopeDepth === 0) {
      for (const b of returned) giveBuffer(b);
      returned = [];
    }
  }
}

/**
 * Scratch for a forward whose backward may run later in the same step (or never): inside a
 * {@link withRecycledTensors} scope it is recycled when the scope ends; outside, it is left to the collector.
 * Contents arbitrary: the caller overwrites all.
 */
export function stepScratch(n: number): Float32Array {
  const b = takeBuffer(n);
  if (scopeDepth > 0 && enabled) returned.push(b);
  return b;
}

/** Turns tensor-data recycling off or on (on by default); for tests that compare the two. */
export function setTensorRecycling(on: boolean): void {
  enabled = on;
}

/** How many tensor arrays were handed out again from the pool so far (tests, profiling). */
export function tensorArraysReused(): number {
  return reused;
}
