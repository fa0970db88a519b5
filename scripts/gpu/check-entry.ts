/**
 * The WebGPU check, one command: `npx tsx scripts/gpu/check-entry.ts [--out FILE]` here, or bundled as
 * gpu-check.mjs on a GPU machine without Node (see README.md beside this file). It runs the checks of
 * packages/model/src/webgpu/gpu.test.ts without vitest (the LSTM's outputs and gradients against the
 * TypeScript reference, the Adam programs against the same Adam as tfjs ops) and records the verdict, with the
 * adapter's name and the tunelab version, in the user's cache folder, where `backend: auto` reads it (see
 * docs/engines.md). One JSON line per check on stdout, a summary JSON to FILE; exit 1 when a check fails, 0 when
 * all pass or when there is no GPU adapter (said on stderr and in the summary; no verdict is recorded then).
 */
import { writeFileSync } from 'node:fs';
import { defaultCacheDir } from '@tunelab/dataset';
import { runWebgpuCheck, TUNELAB_VERSION } from '@tunelab/model';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outFile = outAt >= 0 ? args[outAt + 1] : undefined;
const summary: Record<string, unknown> = { adapter: null, passed: 0, failed: 0, results: [] as unknown[] };

const r = await runWebgpuCheck({
  cacheDir: defaultCacheDir(),
  version: TUNELAB_VERSION,
  onLine(line) {
    (summary.results as unknown[]).push(line);
    if (line.ok) summary.passed = (summary.passed as number) + 1;
    else summary.failed = (summary.failed as number) + 1;
    process.stdout.write(`${JSON.stringify(line)}\n`);
  },
});
if (r.verdict) {
  summary.adapter = r.verdict.adapter;
  summary.verdict = r.verdict;
  summary.verdictFile = r.file;
} else {
  process.stderr.write(`${r.reason}\n`);
  summary.skipped = r.reason;
}
summary.numTensors = r.numTensors;
if (outFile) writeFileSync(outFile, `${JSON.stringify(summary, null, 1)}\n`);
process.stderr.write(`gpu-check: ${String(summary.passed)} passed, ${String(summary.failed)} failed${r.file ? `; verdict in ${r.file}` : ''}\n`);
process.exit((summary.failed as number) > 0 ? 1 : 0);
