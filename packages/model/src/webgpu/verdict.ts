/**
 * The WebGPU check's verdict, kept in the user's cache folder: `backend: auto` uses WebGPU only where the
 * check ({@link runWebgpuCheck}: the fused LSTM's outputs and gradients and the Adam programs against the
 * TypeScript reference on the GPU) passed on this adapter with this tunelab version.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../tf';
import { adamWebgpuKernels } from './adam';
import { checkAdam, checkLstmOp } from './check';
import { findGpuAdapter, useWebgpuBackend } from './device';
import { webgpuFusedEmbeddingLstm, webgpuFusedLstm } from './fused-lstm';
import { GPU_CHECK_CASES, GPU_TOLERANCE } from './gpu-cases';

/** The file under the cache folder. */
export const WEBGPU_VERDICT_FILE = 'webgpu-verdict.json';

/** The command that runs the check and records the verdict (from the repository root). */
export const WEBGPU_CHECK_COMMAND = 'npx tsx scripts/gpu/check-entry.ts';

/** What the check concluded, on which adapter, with which tunelab version. */
export interface WebgpuVerdict {
  passed: boolean;
  /** The adapter's name as findGpuAdapter describes it (vendor / architecture / description). */
  adapter: string;
  version: string;
  /** ISO 8601. */
  checkedAt: string;
  /** Checks run, and the names of those that failed. */
  checks: number;
  failed: string[];
}

/** The verdict in a cache folder, or null when there is none (or it cannot be read as one). */
export function readWebgpuVerdict(cacheDir: string): WebgpuVerdict | null {
  try {
    const v = JSON.parse(readFileSync(join(cacheDir, WEBGPU_VERDICT_FILE), 'utf8')) as Partial<WebgpuVerdict>;
    if (typeof v.passed !== 'boolean' || typeof v.adapter !== 'string' || typeof v.version !== 'string') return null;
    return { passed: v.passed, adapter: v.adapter, version: v.version, checkedAt: String(v.checkedAt ?? ''), checks: Number(v.checks ?? 0), failed: v.failed ?? [] };
  } catch {
    return null;
  }
}

/** Writes a verdict into a cache folder (whole or not at all). */
export function writeWebgpuVerdict(cacheDir: string, verdict: WebgpuVerdict): string {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, WEBGPU_VERDICT_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(verdict, null, 1)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Whether a verdict lets `auto` use WebGPU on this adapter with this version, and why (or why not). */
export function judgeWebgpuVerdict(verdict: WebgpuVerdict | null, adapter: string, version: string): { ok: boolean; reason: string } {
  const rerun = `run \`${WEBGPU_CHECK_COMMAND}\``;
  if (!verdict) return { ok: false, reason: `not checked on this machine (${rerun})` };
  if (verdict.adapter !== adapter) return { ok: false, reason: `the check ran on another adapter (${verdict.adapter}, not ${adapter}); ${rerun}` };
  if (verdict.version !== version) return { ok: false, reason: `the check ran with tunelab ${verdict.version}, this is ${version}; ${rerun}` };
  if (!verdict.passed) return { ok: false, reason: `the check failed on ${adapter} (${verdict.failed.join(', ') || 'see its log'})` };
  return { ok: true, reason: `check passed on ${adapter} with tunelab ${version} at ${verdict.checkedAt}` };
}

/** One check's outcome, as the check command prints it. */
export interface WebgpuCheckLine {
  name: string;
  ok: boolean;
  ms?: number;
  error?: string;
  [key: string]: unknown;
}

/**
 * Runs the WebGPU checks on this machine's adapter (starting tfjs' webgpu backend) and, when an adapter
 * exists, records the verdict in `cacheDir`. `onLine` receives each check as it finishes. Returns the
 * verdict, or null with the reason when there is no adapter (nothing is recorded then).
 */
export async function runWebgpuCheck(options: {
  cacheDir: string;
  version: string;
  onLine?: (line: WebgpuCheckLine) => void;
}): Promise<{ verdict: WebgpuVerdict | null; reason?: string; file?: string; numTensors: number }> {
  const adapter = await findGpuAdapter();
  if (!adapter.found) return { verdict: null, reason: adapter.description, numTensors: tf.memory().numTensors };
  await useWebgpuBackend();
  const ops = { lstm: webgpuFusedLstm, embeddingLstm: webgpuFusedEmbeddingLstm };
  const checks: Array<[string, () => ReturnType<typeof checkAdam>]> = [
    ...GPU_CHECK_CASES.map((c) => [`lstm ${JSON.stringify(c)}`, () => checkLstmOp(ops, c, 11, GPU_TOLERANCE)] as [string, () => ReturnType<typeof checkAdam>]),
    ['adam', () => checkAdam(adamWebgpuKernels)],
  ];
  const failed: string[] = [];
  for (const [name, run] of checks) {
    const t0 = performance.now();
    let line: WebgpuCheckLine;
    try {
      const r = await run();
      line = { name, ...r, ms: Math.round(performance.now() - t0) };
    } catch (err) {
      line = { name, ok: false, error: (err as Error).stack?.split('\n').slice(0, 5).join(' | ') };
    }
    if (!line.ok) failed.push(name);
    options.onLine?.(line);
  }
  const verdict: WebgpuVerdict = {
    passed: failed.length === 0,
    adapter: adapter.description,
    version: options.version,
    checkedAt: new Date().toISOString(),
    checks: checks.length,
    failed,
  };
  const file = writeWebgpuVerdict(options.cacheDir, verdict);
  return { verdict, file, numTensors: tf.memory().numTensors };
}
