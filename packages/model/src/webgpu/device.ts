/**
 * Getting a WebGPU device in Node: Dawn from the optional npm package `webgpu` installed as `navigator.gpu`
 * (before tfjs' WebGPU backend is imported: it registers itself only where navigator.gpu exists), then tfjs'
 * `webgpu` backend started on it. Dawn's flags come from the caller or `TUNELAB_DAWN_FLAGS` (comma-separated):
 * `backend=null` gives Dawn's null adapter, which compiles and validates shaders but computes nothing.
 */
import { tf } from '../tf';

/** What requestAdapter gave, in words. */
export interface AdapterReport {
  found: boolean;
  /** vendor / architecture / description when found, else why not. */
  description: string;
}

/** The message GPU tests and benches print where no adapter exists. */
export const NO_ADAPTER =
  'no GPU adapter found (navigator.gpu.requestAdapter() returned null): GPU checks skipped. ' +
  'A GPU needs its Vulkan driver plus libvulkan1 and libglvnd (see README, "Training on a GPU").';

type Gpu = { requestAdapter(options?: Record<string, unknown>): Promise<Adapter | null> };
type Adapter = { info?: { vendor?: string; architecture?: string; description?: string } };

function envFlags(): string[] {
  return (process.env.TUNELAB_DAWN_FLAGS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Installs Dawn as navigator.gpu unless one is there already. Returns the GPU object, or the reason it could
 * not (the `webgpu` package missing or failing to load).
 */
export async function installNavigatorGpu(flags: string[] = envFlags()): Promise<{ gpu?: Gpu; reason?: string }> {
  const g = globalThis as Record<string, unknown>;
  const existing = (g.navigator as { gpu?: Gpu } | undefined)?.gpu;
  if (existing) return { gpu: existing };
  let webgpu: { create(flags: string[]): Gpu; globals: object };
  try {
    webgpu = (await import('webgpu')) as unknown as typeof webgpu;
  } catch (err) {
    return { reason: `the webgpu package (Dawn for Node) did not load: ${(err as Error).message.split('\n')[0]}` };
  }
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create(flags);
  // Node 20 has no navigator; newer Nodes have one whose other properties we keep.
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else g.navigator = { gpu, userAgent: 'node' };
  return { gpu };
}

/** Asks for an adapter; `found: false` with the reason where there is none (as on machines without a GPU). */
export async function findGpuAdapter(flags?: string[]): Promise<AdapterReport> {
  const { gpu, reason } = await installNavigatorGpu(flags);
  if (!gpu) return { found: false, description: reason ?? 'no navigator.gpu' };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { found: false, description: NO_ADAPTER };
  const info = adapter.info ?? {};
  const text = [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ');
  return { found: true, description: text || 'an adapter with no description (Dawn null backend?)' };
}

/** Starts tfjs' webgpu backend (after findGpuAdapter found one). */
export async function useWebgpuBackend(): Promise<void> {
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu')) || tf.getBackend() !== 'webgpu') throw new Error('the tfjs webgpu backend failed to start');
  await tf.ready();
}
