import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '@tunelab/config';
import type { Backend } from '@tunelab/config';
import { tf } from './tf';
import { fusedStatus } from './cells';
import { registerWasmKernels } from './wasm-kernels';

/** A backend that actually runs (everything `Backend` names but `auto`). */
export type EngineName = Exclude<Backend, 'auto'>;

/** What `selectBackend` chose, and what the caller must know about it. */
export interface EngineInfo {
  name: EngineName;
  /** Why this one: for `auto`, why each earlier candidate was skipped. */
  reason: string;
  /** Whether the native fused LSTM kernel runs on it (the fast path on cpu). */
  fused: boolean;
  /**
   * False for the native tfjs backends (tfjs-node, tfjs-node-gpu): they break when loaded in several worker
   * threads of one process (tensorflow/tfjs#8388), so a sweeper must run one trial per process with them.
   */
  multiThreadSafe: boolean;
}

/**
 * The order `auto` tries. Fastest first: a GPU through WebGPU (Dawn), libtensorflow on a GPU or CPU, the cpu
 * backend when the native fused LSTM makes it fast, then wasm (SIMD, about 4× the plain cpu backend on the
 * seed model), then the plain cpu backend, which always works.
 */
export const AUTO_ORDER: readonly (EngineName | 'cpu+fused')[] = ['webgpu', 'tfjs-node-gpu', 'tfjs-node', 'cpu+fused', 'wasm', 'cpu'];

const BACKENDS: readonly Backend[] = ['auto', 'webgpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

/** Raised inside a candidate's setup; the message is the reason it is skipped. */
class Unavailable extends Error {}

const require = createRequire(import.meta.url);

/** Imports a package that may not be installed, without the bundler or TypeScript resolving it. */
async function optionalImport(name: string): Promise<Record<string, unknown>> {
  try {
    return (await import(/* @vite-ignore */ name)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Unavailable(`${name} is not installed (npm install ${name})`);
    }
    throw new Unavailable(`${name} failed to load: ${(err as Error).message.split('\n')[0]}`);
  }
}

async function activate(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    throw new Unavailable(`the ${name} backend failed to start: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!ok || tf.getBackend() !== name) throw new Unavailable(`the ${name} backend failed to start`);
}

/**
 * Whether the Vulkan loader (libvulkan.so.1), which Dawn needs on Linux, can be found. Without it Dawn prints a
 * warning to stderr on every probe; checking first keeps `backend: auto` quiet on machines without a GPU stack.
 */
function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1');
  } catch {
    // No cache to read (an unusual system): let Dawn itself decide.
    return true;
  }
}

async function setupWebgpu(): Promise<string> {
  if (!vulkanLoaderPresent()) throw new Unavailable('webgpu: no Vulkan loader (libvulkan.so.1; install libvulkan1 and the GPU driver)');
  const g = globalThis as Record<string, unknown>;
  const nav = g.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined;
  if (!nav?.gpu) {
    const webgpu = await optionalImport('webgpu');
    Object.assign(globalThis, webgpu.globals as object);
    const gpu = (webgpu.create as (flags: string[]) => unknown)([]);
    // Node 20 has no navigator; newer Nodes have one whose properties we keep.
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else g.navigator = { gpu, userAgent: 'node' };
  }
  const adapter = await (g.navigator as { gpu: { requestAdapter(): Promise<unknown> } }).gpu.requestAdapter();
  if (!adapter) throw new Unavailable('webgpu: no GPU adapter (navigator.gpu.requestAdapter() returned null)');
  await optionalImport('@tensorflow/tfjs-backend-webgpu');
  await activate('webgpu');
  const info = (adapter as { info?: { vendor?: string; description?: string } }).info;
  return `webgpu on ${info?.description || info?.vendor || 'a GPU adapter'}`;
}

async function setupTfjsNode(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Promise<string> {
  await optionalImport(pkg);
  // The package registers backend `tensorflow` in the tfjs-core it resolves; if that is another copy than
  // ours (a different version), our engine never sees it.
  if (!tf.findBackendFactory('tensorflow')) {
    throw new Unavailable(`${pkg} loaded a different @tensorflow/tfjs-core than @tunelab/model (${tf.version_core}); install ${pkg}@${tf.version_core}`);
  }
  await activate('tensorflow');
  return `${pkg} (libtensorflow)`;
}

let wasmPathsSet = false;
async function setupWasm(): Promise<string> {
  const wasm = (await optionalImport('@tensorflow/tfjs-backend-wasm')) as { setWasmPaths(prefix: string): void };
  if (!wasmPathsSet) {
    // The .wasm files sit beside the package's main bundle; load them from disk, never from a CDN.
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    wasmPathsSet = true;
  }
  registerWasmKernels();
  await activate('wasm');
  return 'wasm (SIMD) with UnsortedSegmentSum added for embedding gradients';
}

async function setupCpu(): Promise<string> {
  await activate('cpu');
  // The cpu backend prints a banner advertising tfjs-node on its first tensor; the engine reason says it.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return 'cpu (JavaScript)';
}

/** Runs one candidate; returns its info or throws Unavailable with the reason. */
async function trySetup(name: EngineName | 'cpu+fused'): Promise<EngineInfo> {
  const fused = fusedStatus();
  switch (name) {
    case 'webgpu':
      return { name, reason: await setupWebgpu(), fused: false, multiThreadSafe: true };
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return { name, reason: await setupTfjsNode(`@tensorflow/${name}`), fused: false, multiThreadSafe: false };
    case 'cpu+fused':
      if (!fused.native) throw new Unavailable(`cpu+fused: ${fused.reason ?? 'native fused kernels unavailable'}`);
      return { name: 'cpu', reason: `${await setupCpu()} with the native fused LSTM kernels`, fused: true, multiThreadSafe: true };
    case 'wasm':
      return { name, reason: await setupWasm(), fused: false, multiThreadSafe: true };
    case 'cpu':
      return {
        name,
        reason: `${await setupCpu()}${fused.native ? ' with the native fused LSTM kernels' : ''}`,
        fused: fused.native,
        multiThreadSafe: true,
      };
  }
}

/**
 * Makes a TensorFlow.js backend the active one. A named backend either starts or throws InputError with the
 * reason; `auto` tries AUTO_ORDER and reports in `reason` which one runs and why the earlier ones did not.
 */
export async function selectBackend(name: Backend = 'auto'): Promise<EngineInfo> {
  if (!BACKENDS.includes(name)) {
    throw new InputError(`expected backend to be one of ${BACKENDS.join(', ')}, but got ${JSON.stringify(name)}`, 'train.backend');
  }
  if (name !== 'auto') {
    try {
      return await trySetup(name);
    } catch (err) {
      if (err instanceof Unavailable) throw new InputError(`backend ${name} is not available: ${err.message}`, 'train.backend');
      throw err;
    }
  }
  const skipped: string[] = [];
  for (const candidate of AUTO_ORDER) {
    try {
      const info = await trySetup(candidate);
      return { ...info, reason: `auto → ${info.reason}${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''}` };
    } catch (err) {
      if (!(err instanceof Unavailable)) throw err;
      skipped.push(err.message);
    }
  }
  throw new Error(`no backend could start: ${skipped.join('; ')}`);
}
