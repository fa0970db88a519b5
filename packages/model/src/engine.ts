/**
 * The engine: which tfjs backend runs, which fused kernels serve it, and which training step path follows from
 * that. It is decided once, by {@link resolveEngine} from `train.backend` and what the machine has (a
 * {@link MachineFacts}), and then passed down: `train()` takes it, `buildModel` records it on the model, the
 * optimizer, the step views and the sampler's stepper read it from there. The user overrides
 * (`TUNELAB_FUSED_IMPL`, `TUNELAB_FUSED`) are read here and nowhere else. See docs/engines.md.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { InputError } from '@tunelab/config';
import type { Backend, ThreadSetting } from '@tunelab/config';
import { defaultCacheDir } from '@tunelab/dataset';
import { tf } from './tf';
import { fusedAvailable, setKernelsImpl, setKernelThreads } from './fused/native';
import { registerWasmKernels } from './wasm-kernels';
import { findGpuAdapter, useWebgpuBackend } from './webgpu/device';
import { judgeWebgpuVerdict, readWebgpuVerdict, WEBGPU_CHECK_COMMAND, type WebgpuVerdict } from './webgpu/verdict';
import { TUNELAB_VERSION } from './version';

/** A backend that actually runs (everything `Backend` names but `auto`). */
export type EngineName = Exclude<Backend, 'auto'>;

/** Which implementation of the fused kernels (fused/kernels.ts) serves the cpu backend. */
export type KernelsImpl = 'native' | 'reference';

/**
 * How a training step runs:
 * - `fused-step`: forward, backward and Adam straight on the fused kernels, no tfjs in the loop (fused-step.ts);
 * - `fused-autograd`: the fused ops (LSTM, dropout, softmax cross-entropy) inside tfjs autograd;
 * - `layers`: tfjs-layers' own LSTM/GRU through tfjs autograd;
 * - `webgpu`: tfjs autograd on the webgpu backend with the fused WGSL LSTM and Adam programs.
 * The engine carries the path an LSTM model with Adam takes; `train()` records the one its model took.
 */
export type StepPath = 'fused-step' | 'fused-autograd' | 'layers' | 'webgpu';

/** The engine a run uses, and what the caller must know about it. Plain data (it crosses worker ports). */
export interface EngineInfo {
  /** The tfjs backend. */
  name: EngineName;
  /** The fused kernels on the cpu backend, else null. */
  kernels: KernelsImpl | null;
  step: StepPath;
  /**
   * Threads the native fused kernels run on (one training step's GEMMs and recurrence); 1 on every other
   * engine and kernel set. Any count gives the same numbers.
   */
  threads: number;
  /** Why this one: what runs, and for `auto` why each earlier candidate was skipped. */
  reason: string;
  /**
   * False for the native tfjs backends (tfjs-node, tfjs-node-gpu): they break when loaded in several worker
   * threads of one process (tensorflow/tfjs#8388), so a sweeper must run one trial per process with them.
   */
  multiThreadSafe: boolean;
  /** On webgpu: the check verdict found for this adapter and version, if any. */
  webgpuVerdict?: WebgpuVerdict;
}

/** What the machine has, as resolveEngine needs it. {@link machineFacts} reads the real one; tests inject. */
export interface MachineFacts {
  /** Whether the native addon loaded; why not when it did not; whether it can run several threads. */
  native: { available: boolean; reason?: string; kernel?: string; threaded?: boolean };
  /** Cores this process may use (os.availableParallelism()): what `threads: auto` gives a single run. */
  cores: number;
  /** The user's overrides (TUNELAB_FUSED_IMPL, TUNELAB_FUSED): the process environment by default. */
  env: Record<string, string | undefined>;
  /** The GPU adapter's name as the WebGPU check records it, or null with the reason there is none. */
  webgpuAdapter(): Promise<{ name: string | null; reason?: string }>;
  /** Where the WebGPU check keeps its verdict (the user's cache folder). */
  cacheDir: string;
  /** The tunelab version a verdict must name. */
  version: string;
  /** Starts a tfjs backend; throws {@link EngineUnavailable} with the reason when it cannot. Returns a description. */
  start(name: EngineName): Promise<string>;
}

/**
 * The order `auto` tries: WebGPU only with a passing check verdict for this adapter and version (see
 * docs/engines.md), libtensorflow on a GPU or CPU when installed, the cpu backend with the native fused
 * kernels, then with the TypeScript reference kernels (always available). `wasm` and tfjs-layers on `cpu`
 * (`TUNELAB_FUSED=0`) run only when asked for.
 */
export const AUTO_ORDER = ['webgpu (verified)', 'tfjs-node-gpu', 'tfjs-node', 'cpu+native', 'cpu+reference'] as const;

const BACKENDS: readonly Backend[] = ['auto', 'webgpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

/** Raised when an engine cannot start; the message is the reason. */
export class EngineUnavailable extends Error {}

/** The user's override of the fused kernels: TUNELAB_FUSED_IMPL=native|reference|off, or TUNELAB_FUSED=0 (off). */
export function kernelsOverride(env: Record<string, string | undefined>): KernelsImpl | 'off' | null {
  if (env.TUNELAB_FUSED === '0') return 'off';
  const want = env.TUNELAB_FUSED_IMPL ?? '';
  if (want === '') return null;
  if (want === 'native' || want === 'reference' || want === 'off') return want;
  throw new InputError(`expected TUNELAB_FUSED_IMPL to be native, reference or off, but got ${JSON.stringify(want)}`, 'TUNELAB_FUSED_IMPL');
}

const REFERENCE_NOTE = 'the TypeScript reference fused kernels (about 50× slower than the native addon)';

/**
 * Threads for a `train.threads` setting: N is N; `auto` is every core this process may use. (A sweep decides
 * its trials' counts itself, from its `parallel`, and passes a number.)
 * @throws InputError for anything but `auto` or a positive integer.
 */
export function resolveThreads(setting: ThreadSetting, cores: number): number {
  if (setting === 'auto') return Math.max(1, Math.floor(cores));
  if (Number.isInteger(setting) && setting >= 1) return setting;
  throw new InputError(`expected threads to be auto or a positive integer, but got ${JSON.stringify(setting)}`, 'train.threads');
}

/** The cpu engine with the kernels the facts allow: forced by the override, else native, else the reference. */
function cpuEngine(facts: MachineFacts, started: string, threads: ThreadSetting = 1): Omit<EngineInfo, 'reason'> & { reason: string } {
  const override = kernelsOverride(facts.env);
  const base = { name: 'cpu' as const, threads: 1, multiThreadSafe: true };
  if (override === 'off') return { ...base, kernels: null, step: 'layers', reason: `${started}, tfjs-layers without fused kernels (TUNELAB_FUSED)` };
  if (override === 'reference') return { ...base, kernels: 'reference', step: 'fused-step', reason: `${started} with ${REFERENCE_NOTE} (TUNELAB_FUSED_IMPL=reference)` };
  if (facts.native.available) {
    const kernel = facts.native.kernel ? ` (${facts.native.kernel})` : '';
    // Only the native kernels share work out; an addon built without threads runs one.
    const count = facts.native.threaded ? resolveThreads(threads, facts.cores) : 1;
    const single = !facts.native.threaded && resolveThreads(threads, facts.cores) > 1 ? '; one thread: the addon was built without threads' : '';
    return { ...base, threads: count, kernels: 'native', step: 'fused-step', reason: `${started} with the native fused LSTM kernels${kernel}${single}` };
  }
  if (override === 'native') throw new EngineUnavailable(`TUNELAB_FUSED_IMPL=native but ${facts.native.reason ?? 'the native addon is unavailable'}`);
  return { ...base, kernels: 'reference', step: 'fused-step', reason: `${started} with ${REFERENCE_NOTE}: ${facts.native.reason ?? 'the native addon is unavailable'}` };
}

/** The WebGPU engine's verdict: passed for this adapter and version, or why not. */
async function webgpuStanding(facts: MachineFacts): Promise<{ verdict?: WebgpuVerdict; ok: boolean; why: string }> {
  const verdict = readWebgpuVerdict(facts.cacheDir);
  if (!verdict) return { ok: false, why: `not checked on this machine (run \`${WEBGPU_CHECK_COMMAND}\`)` };
  const adapter = await facts.webgpuAdapter();
  if (adapter.name === null) return { verdict, ok: false, why: adapter.reason ?? 'no GPU adapter' };
  const judged = judgeWebgpuVerdict(verdict, adapter.name, facts.version);
  return { verdict, ok: judged.ok, why: judged.reason };
}

async function tryEngine(candidate: EngineName | 'cpu+native' | 'cpu+reference', facts: MachineFacts, forced: boolean, threads: ThreadSetting): Promise<EngineInfo> {
  switch (candidate) {
    case 'webgpu': {
      const standing = await webgpuStanding(facts);
      if (!forced && !standing.ok) throw new EngineUnavailable(`webgpu: ${standing.why}`);
      const started = await facts.start('webgpu');
      const note = standing.ok ? `verified: ${standing.why}` : `unverified: ${standing.why}`;
      return {
        name: 'webgpu',
        kernels: null,
        step: 'webgpu',
        threads: 1,
        multiThreadSafe: true,
        reason: `${started} (${note})`,
        ...(standing.verdict ? { webgpuVerdict: standing.verdict } : {}),
      };
    }
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return { name: candidate, kernels: null, step: 'layers', threads: 1, multiThreadSafe: false, reason: await facts.start(candidate) };
    case 'wasm':
      return { name: 'wasm', kernels: null, step: 'layers', threads: 1, multiThreadSafe: true, reason: await facts.start('wasm') };
    case 'cpu+native': {
      const override = kernelsOverride(facts.env);
      if (override === 'off' || override === 'reference') throw new EngineUnavailable(`cpu+native: turned off by the environment (${override})`);
      if (!facts.native.available) throw new EngineUnavailable(`cpu+native: ${facts.native.reason ?? 'the native addon is unavailable'}`);
      return cpuEngine(facts, await facts.start('cpu'), threads);
    }
    case 'cpu+reference':
    case 'cpu':
      return cpuEngine(facts, await facts.start('cpu'), threads);
  }
}

/**
 * Chooses the engine for a `train.backend` value from what the machine has, starting its tfjs backend. A
 * named backend either starts or throws InputError with the reason (`webgpu` starts without a verdict, and
 * says so); `auto` tries {@link AUTO_ORDER} and says in `reason` which one runs and why earlier ones did not.
 * The fused kernels are not switched here: {@link selectEngine} does both.
 * @param threads `train.threads`, or a sweep's count for its trial: how many threads the native kernels get
 *   (`auto` = `facts.cores`). Default 1: sampling, generation and evaluation want latency, not throughput.
 */
export async function resolveEngine(backend: Backend = 'auto', facts: MachineFacts = machineFacts(), threads: ThreadSetting = 1): Promise<EngineInfo> {
  resolveThreads(threads, facts.cores);
  if (!BACKENDS.includes(backend)) {
    throw new InputError(`expected backend to be one of ${BACKENDS.join(', ')}, but got ${JSON.stringify(backend)}`, 'train.backend');
  }
  if (backend !== 'auto') {
    try {
      return await tryEngine(backend, facts, true, threads);
    } catch (err) {
      if (err instanceof EngineUnavailable) throw new InputError(`backend ${backend} is not available: ${err.message}`, 'train.backend');
      throw err;
    }
  }
  const skipped: string[] = [];
  for (const candidate of ['webgpu', 'tfjs-node-gpu', 'tfjs-node', 'cpu+native', 'cpu+reference'] as const) {
    try {
      const info = await tryEngine(candidate, facts, false, threads);
      return { ...info, reason: `auto → ${info.reason}${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''}` };
    } catch (err) {
      if (!(err instanceof EngineUnavailable)) throw err;
      skipped.push(err.message);
    }
  }
  throw new Error(`no engine could start: ${skipped.join('; ')}`);
}

let active: EngineInfo | undefined;

/**
 * Makes an engine this thread's: its fused kernels serve the fused ops from now on, on `engine.threads`
 * threads (its backend is started). Records the count actually in force (1 where the addon has no threads).
 */
export function useEngine(engine: EngineInfo): void {
  setKernelsImpl(engine.kernels ?? undefined);
  if (engine.kernels === 'native') {
    const inForce = setKernelThreads(engine.threads);
    if (inForce !== engine.threads) engine = { ...engine, threads: inForce };
  } else if (fusedAvailable().native) {
    setKernelThreads(1);
  }
  active = engine;
}

/**
 * Resolves the engine for a `train.backend` value on this machine and makes it the process's (tfjs backend
 * and fused kernels, on `threads` threads: see {@link resolveEngine}). The one call the CLI, the sweeper's
 * workers and benches make before building models.
 */
export async function selectEngine(backend: Backend = 'auto', facts: MachineFacts = machineFacts(), threads: ThreadSetting = 1): Promise<EngineInfo> {
  const engine = await resolveEngine(backend, facts, threads);
  useEngine(engine);
  return active ?? engine;
}

const TFJS_BACKEND: Record<EngineName, string> = { cpu: 'cpu', wasm: 'wasm', webgpu: 'webgpu', 'tfjs-node': 'tensorflow', 'tfjs-node-gpu': 'tensorflow' };

/**
 * The engine models are built for when the caller names none: the one {@link selectEngine} chose, while its
 * backend is still tfjs' active one; else (a script or test that set no engine) the cpu engine this machine
 * gives, starting tfjs' cpu backend when no backend runs yet.
 */
export function activeEngine(): EngineInfo {
  tf.backend();
  const running = tf.getBackend();
  if (active && TFJS_BACKEND[active.name] === running) return active;
  const facts = machineFacts();
  switch (running) {
    case 'cpu':
      return cpuEngine(facts, 'cpu (JavaScript, started without selectEngine)');
    case 'webgpu':
      return { name: 'webgpu', kernels: null, step: 'webgpu', threads: 1, multiThreadSafe: true, reason: 'webgpu (started without selectEngine)' };
    case 'wasm':
      return { name: 'wasm', kernels: null, step: 'layers', threads: 1, multiThreadSafe: true, reason: 'wasm (started without selectEngine)' };
    default:
      return { name: 'tfjs-node', kernels: null, step: 'layers', threads: 1, multiThreadSafe: false, reason: `${running} (started without selectEngine)` };
  }
}

/** One line for logs: backend, kernels, step path, threads, and why. */
export function engineLine(engine: EngineInfo): string {
  const kernels = engine.kernels ? ` + ${engine.kernels} kernels` : '';
  return `${engine.name}${kernels}, step ${engine.step}, ${engine.threads} thread${engine.threads === 1 ? '' : 's'} — ${engine.reason}`;
}

/**
 * Whether the native fused kernels serve the cpu engine here (the addon loaded and no override turns them
 * off), and why not when they do not.
 */
export function fusedStatus(env: Record<string, string | undefined> = process.env): { native: boolean; reason?: string } {
  const override = kernelsOverride(env);
  if (override === 'off' || override === 'reference') return { native: false, reason: `turned off by the environment (${override})` };
  const s = fusedAvailable();
  return s.native ? { native: true } : { native: false, reason: s.reason ?? 'the native addon is unavailable' };
}

// ---- the real machine ----

const require = createRequire(import.meta.url);

/** Imports a package that may not be installed, without the bundler or TypeScript resolving it. */
async function optionalImport(name: string): Promise<Record<string, unknown>> {
  try {
    return (await import(/* @vite-ignore */ name)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new EngineUnavailable(`${name} is not installed (npm install ${name})`);
    }
    throw new EngineUnavailable(`${name} failed to load: ${(err as Error).message.split('\n')[0]}`);
  }
}

async function activate(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    throw new EngineUnavailable(`the ${name} backend failed to start: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!ok || tf.getBackend() !== name) throw new EngineUnavailable(`the ${name} backend failed to start`);
}

/**
 * Whether the Vulkan loader (libvulkan.so.1), which Dawn needs on Linux, can be found. Without it Dawn prints a
 * warning to stderr on every probe; checking first keeps machines without a GPU stack quiet.
 */
function vulkanLoaderPresent(env: Record<string, string | undefined>): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1');
  } catch {
    // No cache to read (an unusual system): let Dawn itself decide.
    return true;
  }
}

async function realAdapter(env: Record<string, string | undefined>): Promise<{ name: string | null; reason?: string }> {
  if (!vulkanLoaderPresent(env)) return { name: null, reason: 'no Vulkan loader (libvulkan.so.1; install libvulkan1 and the GPU driver)' };
  const report = await findGpuAdapter();
  return report.found ? { name: report.description } : { name: null, reason: report.description };
}

async function startWebgpu(env: Record<string, string | undefined>): Promise<string> {
  const adapter = await realAdapter(env);
  if (adapter.name === null) throw new EngineUnavailable(`webgpu: ${adapter.reason}`);
  try {
    await useWebgpuBackend();
  } catch (err) {
    throw new EngineUnavailable(`webgpu: ${(err as Error).message.split('\n')[0]}`);
  }
  return `webgpu on ${adapter.name}`;
}

async function startTfjsNode(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Promise<string> {
  await optionalImport(pkg);
  // The package registers backend `tensorflow` in the tfjs-core it resolves; if that is another copy than
  // ours (a different version), our engine never sees it.
  if (!tf.findBackendFactory('tensorflow')) {
    throw new EngineUnavailable(`${pkg} loaded a different @tensorflow/tfjs-core than @tunelab/model (${tf.version_core}); install ${pkg}@${tf.version_core}`);
  }
  await activate('tensorflow');
  return `${pkg} (libtensorflow)`;
}

let wasmPathsSet = false;
async function startWasm(): Promise<string> {
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

async function startCpu(): Promise<string> {
  await activate('cpu');
  // The cpu backend prints a banner advertising tfjs-node on its first tensor; the engine reason says it.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return 'cpu (JavaScript)';
}

/** This machine: the native addon, the environment, the GPU adapter, the user's cache folder, tfjs' backends. */
export function machineFacts(env: Record<string, string | undefined> = process.env): MachineFacts {
  const native = fusedAvailable();
  return {
    native: { available: native.native, reason: native.reason, kernel: native.kernel, threaded: native.threaded },
    cores: availableParallelism(),
    env,
    webgpuAdapter: () => realAdapter(env),
    cacheDir: defaultCacheDir(env),
    version: TUNELAB_VERSION,
    start(name) {
      switch (name) {
        case 'webgpu':
          return startWebgpu(env);
        case 'tfjs-node':
        case 'tfjs-node-gpu':
          return startTfjsNode(`@tensorflow/${name}`);
        case 'wasm':
          return startWasm();
        case 'cpu':
          return startCpu();
      }
    },
  };
}
