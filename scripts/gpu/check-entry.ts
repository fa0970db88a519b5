/**
 * Bundle entry: the WebGPU checks of packages/model/src/webgpu/gpu.test.ts without vitest (the LSTM's outputs
 * and gradients against the TypeScript reference, the Adam programs against the same Adam as tfjs ops).
 * `node gpu-check.mjs [--out FILE]`: one JSON line per case on stdout, a summary JSON to FILE; exit 1 when a
 * check fails, 0 when all pass or when there is no GPU adapter (said on stderr and in the summary).
 */
import { writeFileSync } from 'node:fs';
import { tf } from '../../packages/model/src/tf';
import {
  adamWebgpuKernels,
  checkAdam,
  checkLstmOp,
  findGpuAdapter,
  useWebgpuBackend,
  webgpuFusedEmbeddingLstm,
  webgpuFusedLstm,
} from '../../packages/model/src/webgpu/index';
import { GPU_CHECK_CASES, GPU_TOLERANCE } from '../../packages/model/src/webgpu/gpu-cases';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outFile = outAt >= 0 ? args[outAt + 1] : undefined;
const summary: Record<string, unknown> = { adapter: null, passed: 0, failed: 0, results: [] as unknown[] };
const finish = (code: number) => {
  if (outFile) writeFileSync(outFile, `${JSON.stringify(summary, null, 1)}\n`);
  process.stderr.write(`gpu-check: ${String(summary.passed)} passed, ${String(summary.failed)} failed\n`);
  process.exit(code);
};

const adapter = await findGpuAdapter();
if (!adapter.found) {
  process.stderr.write(`${adapter.description}\n`);
  summary.skipped = adapter.description;
  finish(0);
}
summary.adapter = adapter.description;
await useWebgpuBackend();
const ops = { lstm: webgpuFusedLstm, embeddingLstm: webgpuFusedEmbeddingLstm };
const checks: Array<[string, () => ReturnType<typeof checkAdam>]> = [
  ...GPU_CHECK_CASES.map((c) => [`lstm ${JSON.stringify(c)}`, () => checkLstmOp(ops, c, 11, GPU_TOLERANCE)] as [string, () => ReturnType<typeof checkAdam>]),
  ['adam', () => checkAdam(adamWebgpuKernels)],
];
for (const [name, run] of checks) {
  const t0 = performance.now();
  let line: Record<string, unknown>;
  try {
    const r = await run();
    line = { name, ...r, ms: Math.round(performance.now() - t0) };
  } catch (err) {
    line = { name, ok: false, error: (err as Error).stack?.split('\n').slice(0, 5).join(' | ') };
  }
  (summary.results as unknown[]).push(line);
  if (line.ok) summary.passed = (summary.passed as number) + 1;
  else summary.failed = (summary.failed as number) + 1;
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
summary.numTensors = tf.memory().numTensors;
finish((summary.failed as number) > 0 ? 1 : 0);
