/**
 * Loads the native addon (built by `node packages/model/native/build.mjs`, which `npm ci` runs) and serves the
 * kernels the engine chose (engine.ts); where no engine chose, native when it loaded, else the TypeScript
 * reference with one warning on stderr.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FusedKernels } from './kernels';
import { referenceKernels } from './reference';

interface Addon {
  lstmForward(...args: unknown[]): void;
  lstmBackward(...args: unknown[]): void;
  lstmForwardEmbedded(...args: unknown[]): void;
  lstmBackwardEmbedded(...args: unknown[]): void;
  sgemm(...args: unknown[]): void;
  denseSoftmaxCeForward(...args: unknown[]): number;
  denseSoftmaxCeBackward(...args: unknown[]): void;
  countCorrect(rows: number, classes: number, probs: Float32Array, labels: Int32Array): number;
  adamStep(...args: unknown[]): void;
  sumSquares(x: Float32Array): number;
  /** Absent in addons built before it: those sum one array at a time. */
  sumSquaresEach?(xs: Float32Array[], out: Float64Array): void;
  dropoutMask(seed: number, rate: number, mask: Float32Array): void;
  multiply(a: Float32Array, b: Float32Array, out: Float32Array): void;
  kernelName(): string;
  /** Absent in addons built before it: those get plain arrays. */
  alignedFloats?(n: number): Float32Array;
  lineOffset?(x: Float32Array): number;
  recurrencePath?(path?: 'auto' | 'units' | 'rows'): 'units' | 'rows';
  gemmKernel?(kernel?: 'auto' | 'avx2'): string;
  /** Absent in addons built before the thread pool: those run one thread. */
  setThreads?(n: number): number;
  threadsSupported?(): boolean;
  paceProbe?(threads: number, ms: number, pin: boolean, counts: Float64Array): void;
}

/**
 * packages/model: two folders up from this file in the sources; inside a bundle (the sweeper's prebuilt trial
 * worker) this file's URL is the bundle's, and the package is found by its name instead.
 */
function packageRoot(): string {
  const fromSource = fileURLToPath(new URL('../..', import.meta.url));
  if (existsSync(join(fromSource, 'native', 'binding.gyp'))) return fromSource;
  try {
    return dirname(dirname(createRequire(import.meta.url).resolve('@tunelab/model')));
  } catch {
    return fromSource;
  }
}

const addonPath = join(packageRoot(), 'native', 'build', 'Release', 'tunelab_lstm.node');

let loaded: { addon?: Addon; reason?: string } | undefined;

function loadAddon(): { addon?: Addon; reason?: string } {
  if (!loaded) {
    try {
      const addon = createRequire(import.meta.url)(addonPath) as Addon;
      // An addon built from older sources lacks the newer kernels: use the reference rather than fail midway.
      const missing = (['countCorrect'] as const).filter((k) => typeof addon[k] !== 'function');
      loaded = missing.length === 0
        ? { addon }
        : { reason: `${addonPath} was built from older sources (no ${missing.join(', ')}); rebuild it with \`npm run build:native -w @tunelab/model\`` };
    } catch (err) {
      loaded = {
        reason:
          `cannot load ${addonPath} (${(err as Error).message.split('\n')[0]}); ` +
          'build it with `node packages/model/native/build.mjs` (needs g++, make, python3)',
      };
    }
  }
  return loaded;
}

/**
 * Whether the native fused kernels are available, and why not when they are not; `threaded` says whether they
 * can run on more than one thread (an addon built without threads, or from older sources, runs one).
 */
export function fusedAvailable(): { native: boolean; reason?: string; kernel?: string; threaded?: boolean } {
  const { addon, reason } = loadAddon();
  if (!addon) return { native: false, reason };
  return { native: true, kernel: addon.kernelName(), threaded: addon.threadsSupported?.() ?? false };
}

/**
 * Sets how many threads the native kernels of this JavaScript thread run on (a pool made once in the addon
 * and reused by every call, until the count changes). The TypeScript reference kernels always run one.
 * @param threads ≥ 1.
 * @returns the count in force: `threads` with the native addon, 1 without it or where it has no threads.
 */
export function setKernelThreads(threads: number): number {
  if (!(Number.isInteger(threads) && threads >= 1)) throw new RangeError(`expected threads to be an integer >= 1, but got ${threads}`);
  const { addon } = loadAddon();
  if (!addon || typeof addon.setThreads !== 'function') return 1;
  return addon.setThreads(threads);
}

/**
 * Measures the cores' relative speed for the benchmark: `threads` threads (pinned to CPUs 0, 1, … when `pin`)
 * run the same loop of vector multiply-adds (FMA throughput, where the CPU has AVX2 + FMA) for `ms` milliseconds
 * at once. Returns the loops each finished, or
 * undefined without a threaded native addon.
 */
export function paceProbe(threads: number, ms: number, pin: boolean): number[] | undefined {
  const { addon } = loadAddon();
  if (!addon || typeof addon.paceProbe !== 'function') return undefined;
  const counts = new Float64Array(threads);
  addon.paceProbe(threads, ms, pin, counts);
  return [...counts];
}

/**
 * Bytes from the start of the 64-byte cache line x's first element lies on (0: x starts a line), or undefined
 * without an addon that can tell. For tests and diagnostics.
 */
export function cacheLineOffset(x: Float32Array): number | undefined {
  const { addon } = loadAddon();
  return addon?.lineOffset?.(x);
}

/**
 * How the native LSTM recurrence shares a step out over threads (the addon's lstm.h): `units` (each thread a
 * slice of every row's units, exchanging h_t every step) or `rows` (each thread its own batch rows for the whole
 * sequence, where the CPU has AVX-512F). Both give the same bits; `auto`, the default, takes rows where it can.
 * Sets the path when given; returns the one calls take now, or undefined without an addon that has both.
 * For tests and benchmarks.
 */
export function setRecurrencePath(path?: 'auto' | 'units' | 'rows'): 'units' | 'rows' | undefined {
  const { addon } = loadAddon();
  return addon?.recurrencePath?.(path);
}

/**
 * Which micro-kernel the native GEMMs run: `auto` (the default) takes the AVX-512 panel-pair kernel where the CPU
 * has AVX-512F, `avx2` keeps the AVX2 one. Both give the same bits. Sets the choice when given; returns the kernel
 * calls run now (`avx512f`, `avx2-fma` or `generic`), or undefined without an addon that has the switch. For tests
 * and benchmarks.
 */
export function setGemmKernel(kernel?: 'auto' | 'avx2'): string | undefined {
  const { addon } = loadAddon();
  return addon?.gemmKernel?.(kernel);
}

function wrap(a: Addon): FusedKernels {
  const n = (x: Float32Array | undefined): Float32Array | null => x ?? null;
  return {
    name: 'native',
    floats: (size) => (a.alignedFloats ? a.alignedFloats(size) : new Float32Array(size)),
    lstmForward(d, b) {
      a.lstmForward(d.batch, d.time, d.inputSize, d.units, b.x, b.h0, b.c0, b.kernel, b.recurrentKernel, b.bias,
        b.ys, n(b.hT), n(b.cT), n(b.gates), n(b.cells));
    },
    lstmBackward(d, b) {
      a.lstmBackward(d.batch, d.time, d.inputSize, d.units, b.x, b.h0, b.c0, b.kernel, b.recurrentKernel, b.ys,
        b.gates, b.cells, n(b.dys), n(b.dhT), n(b.dcT), n(b.dx), n(b.dh0), n(b.dc0), n(b.dKernel),
        n(b.dRecurrentKernel), n(b.dBias));
    },
    lstmForwardEmbedded(d, vocab, b) {
      a.lstmForwardEmbedded(d.batch, d.time, d.inputSize, d.units, vocab, b.table, b.ids, b.h0, b.c0, b.kernel,
        b.recurrentKernel, b.bias, b.ys, n(b.hT), n(b.cT), n(b.gates), n(b.cells));
    },
    lstmBackwardEmbedded(d, vocab, b) {
      a.lstmBackwardEmbedded(d.batch, d.time, d.inputSize, d.units, vocab, b.table, b.ids, b.h0, b.c0, b.kernel,
        b.recurrentKernel, b.ys, b.gates, b.cells, n(b.dys), n(b.dhT), n(b.dcT), n(b.dTable), n(b.dh0), n(b.dc0),
        n(b.dKernel), n(b.dRecurrentKernel), n(b.dBias));
    },
    denseSoftmaxCeForward(d, x, kernel, bias, labels, probs) {
      return a.denseSoftmaxCeForward(d.rows, d.hidden, d.classes, x, kernel, bias, labels, probs, null);
    },
    denseSoftmaxCeBackward(d, x, kernel, labels, probs, scale, dx, dKernel, dBias) {
      a.denseSoftmaxCeBackward(d.rows, d.hidden, d.classes, x, kernel, labels, probs, null, scale, dx, dKernel, dBias);
    },
    adamStep(p, g, m, v, out, s) {
      a.adamStep(p, g, m, v, out, s.learningRate, s.beta1, s.beta2, s.epsilon, s.oneMinusAccBeta1,
        s.oneMinusAccBeta2, s.gradScale);
    },
    countCorrect: (probs, labels, classes) => a.countCorrect(labels.length, classes, probs, labels),
    sumSquares: (x) => a.sumSquares(x),
    sumSquaresEach: (xs) => {
      if (!a.sumSquaresEach) return xs.map((x) => a.sumSquares(x));
      const out = new Float64Array(xs.length);
      a.sumSquaresEach(xs, out);
      return [...out];
    },
    dropoutMask: (seed, rate, mask) => a.dropoutMask(seed >>> 0, rate, mask),
    multiply: (x, y, out) => a.multiply(x, y, out),
  };
}

let nativeKernels: FusedKernels | undefined;
let warned = false;
let chosen: 'native' | 'reference' | undefined;

/** The native kernels, or undefined when the addon is not available. */
export function getNativeKernels(): FusedKernels | undefined {
  const { addon } = loadAddon();
  if (addon && !nativeKernels) nativeKernels = wrap(addon);
  return nativeKernels;
}

/**
 * Sets which kernels the fused ops use from now on (the engine's choice, see engine.ts `useEngine`);
 * undefined returns to the default (native when it loaded, else the reference).
 * @throws Error when `native` is asked for and the addon is not available.
 */
export function setKernelsImpl(impl: 'native' | 'reference' | undefined): void {
  if (impl === 'native' && !getNativeKernels()) throw new Error(`the native fused kernels are not available: ${loadAddon().reason}`);
  chosen = impl;
}

/** The kernels fused ops use: the engine's choice, else native when available, else the reference (warning once). */
export function getKernels(): FusedKernels {
  if (chosen === 'reference') return referenceKernels;
  const native = getNativeKernels();
  if (native) return native;
  if (!warned) {
    warned = true;
    process.stderr.write(`[tunelab] warning: fused kernels fall back to the TypeScript reference: ${loadAddon().reason}\n`);
  }
  return referenceKernels;
}
