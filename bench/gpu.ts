/**
 * `npm run bench -- gpu [--json] [--out FILE] [--steps N] [--warmup N] [--batches 16,256] [--no-unfused]
 * [--no-pytorch] [--profile] [--tf-adam] [--rows-sweep]`: the seed model's training step (batch × 64) on a GPU: tfjs' webgpu
 * backend (Dawn) with tunelab's fused WebGPU LSTM and Adam (--tf-adam: tf.train.adam), with tfjs-layers'
 * unfused LSTM and tf.train.adam, and PyTorch cuDNN where `python3` has torch with CUDA (TUNELAB_BENCH_PYTHON
 * picks another interpreter). Medians of N timed steps after warm-up; every step
 * ends with the loss read back. JSON (stdout, with --json):
 * `{ "fused_ms": {"16": …, "256": …}, "unfused_ms": {…}, "pytorch_ms": {…}, "ratios": {…}, "adapter": …, … }`.
 * Without a GPU adapter it says so, reports nulls for the webgpu engines and exits 0. --profile adds, per engine
 * and batch, the tfjs kernels of one step by dispatch count (and GPU ms where the adapter has timestamp queries;
 * the fused LSTM's own programs run inside its op and are not listed). --rows-sweep times the fused engine with
 * 1, 2, 4 and 8 batch rows per LSTM workgroup (`fused_rows_ms`), to tune planLstm.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findGpuAdapter, fusedLstmLayer, tf, tfl, useWebgpuBackend, WebGpuAdamOptimizer } from '@tunelab/model';

export const description = 'seed-model training step on a GPU: webgpu fused vs webgpu unfused vs PyTorch cuDNN';

const SEED = { vocab: 86, embed: 512, units: 256, layers: 3, dropout: 0.2, seq: 64 } as const;
const log = (s: string) => process.stderr.write(`${s}\n`);
const here = dirname(fileURLToPath(import.meta.url));

type PerBatch = Record<string, number | null>;

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`Expected ${name} to be a non-negative integer, but got ${args[i + 1]}`);
  return v;
}

function batchesOf(args: string[]): number[] {
  const i = args.indexOf('--batches');
  const text = i < 0 ? '16,256' : (args[i + 1] ?? '');
  const list = text.split(',').map(Number);
  if (list.length === 0 || list.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new Error(`Expected --batches to be a comma-separated list of positive integers, but got ${JSON.stringify(text)}`);
  }
  return list;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The seed model at a batch size with softmax cross-entropy on logits: fused = tunelab's WebGPU LSTM and Adam
 * (tf.train.adam with `tfAdam`), unfused = tfjs-layers' LSTM and tf.train.adam.
 */
function seedTrainer(batch: number, fused: boolean, tfAdam = false): { step(): Promise<number>; dispose(): void; params: number } {
  const model = tfl.sequential();
  model.add(tfl.layers.embedding({ inputDim: SEED.vocab, outputDim: SEED.embed, batchInputShape: [batch, SEED.seq] }));
  for (let i = 0; i < SEED.layers; i++) {
    const args = { units: SEED.units, returnSequences: true, stateful: true, recurrentInitializer: 'glorotUniform' as const };
    model.add(fused ? fusedLstmLayer({ ...args, device: 'webgpu' }) : tfl.layers.lstm({ ...args, recurrentActivation: 'sigmoid' }));
    model.add(tfl.layers.dropout({ rate: SEED.dropout }));
  }
  model.add(tfl.layers.dense({ units: SEED.vocab }));
  const opt = fused && !tfAdam ? new WebGpuAdamOptimizer(1e-3) : tf.train.adam(1e-3);
  let s = 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % SEED.vocab;
  };
  const n = batch * SEED.seq;
  return {
    params: model.countParams(),
    async step() {
      const x = tf.tensor2d(Int32Array.from({ length: n }, next), [batch, SEED.seq], 'int32');
      const y = tf.tensor2d(Int32Array.from({ length: n }, next), [batch, SEED.seq], 'int32');
      const t0 = performance.now();
      const loss = opt.minimize(() => {
        const logits = model.apply(x, { training: true }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(y, SEED.vocab), logits);
      }, true) as tf.Scalar;
      await loss.data();
      const ms = performance.now() - t0;
      tf.dispose([x, y, loss]);
      return ms;
    },
    dispose() {
      opt.dispose();
      model.dispose();
    },
  };
}

/** Per kernel name: dispatches and (where the adapter has timestamp queries) GPU ms in one step. */
async function profileStep(step: () => Promise<number>): Promise<Array<{ kernel: string; count: number; ms: number | null }>> {
  const info = await tf.profile(async () => {
    await step();
  });
  const byName = new Map<string, { count: number; ms: number }>();
  // Settle every timing promise at once: one left waiting while another rejects would be an unhandled rejection.
  const times = await Promise.allSettled(info.kernels.map((k) => Promise.resolve(k.kernelTimeMs as unknown)));
  info.kernels.forEach((k, i) => {
    const e = byName.get(k.name) ?? { count: 0, ms: 0 };
    e.count += 1;
    const t = times[i];
    if (t.status === 'fulfilled' && typeof t.value === 'number') e.ms += t.value;
    byName.set(k.name, e);
  });
  // Without timestamp queries tfjs reports no (or meaningless) GPU times: then only the counts say anything.
  const timed = [...byName.values()].every((e) => e.ms >= 0) && [...byName.values()].some((e) => e.ms > 0);
  return [...byName.entries()]
    .map(([kernel, e]) => ({ kernel, count: e.count, ms: timed ? Number(e.ms.toFixed(3)) : null }))
    .sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0) || b.count - a.count);
}

async function timeEngine(
  name: string,
  batch: number,
  fused: boolean,
  steps: number,
  warmup: number,
  profile: boolean,
  tfAdam: boolean,
): Promise<{ ms: number | null; samples: number[]; profile?: Awaited<ReturnType<typeof profileStep>>; error?: string }> {
  const trainer = seedTrainer(batch, fused, tfAdam);
  try {
    for (let i = 0; i < warmup; i++) await trainer.step();
    const samples: number[] = [];
    for (let i = 0; i < steps; i++) {
      samples.push(await trainer.step());
      log(`  ${name} batch ${batch}: step ${i + 1}/${steps} ${samples[i].toFixed(1)} ms`);
    }
    return { ms: median(samples), samples, profile: profile ? (await profileStep(() => trainer.step())).slice(0, 25) : undefined };
  } catch (err) {
    const error = (err as Error).stack?.split('\n').slice(0, 4).join(' | ') ?? String(err);
    log(`  ${name} batch ${batch} failed: ${error}`);
    return { ms: null, samples: [], error };
  } finally {
    trainer.dispose();
  }
}

function pytorch(batches: number[], steps: number, warmup: number): { ms: PerBatch; note: string } {
  const python = process.env.TUNELAB_BENCH_PYTHON ?? 'python3';
  const candidates = [join(here, 'compare', 'pytorch_cuda_train.py'), join(process.cwd(), 'bench', 'compare', 'pytorch_cuda_train.py')];
  const script = candidates.find((p) => existsSync(p));
  const empty = Object.fromEntries(batches.map((b) => [String(b), null]));
  if (!script) return { ms: empty, note: `pytorch_cuda_train.py not found (looked in ${candidates.join(', ')})` };
  const r = spawnSync(python, [script, '--batches', batches.join(','), '--steps', String(steps), '--warmup', String(warmup)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.error) return { ms: empty, note: `${python} did not run: ${r.error.message}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const out = JSON.parse(line) as { ms?: Record<string, number>; error?: string; torch?: string; device?: string };
    if (out.error || !out.ms) return { ms: empty, note: `PyTorch cuDNN baseline unavailable: ${out.error ?? 'no timings'}` };
    return { ms: { ...empty, ...out.ms }, note: `torch ${out.torch} on ${out.device}` };
  } catch {
    return { ms: empty, note: `PyTorch baseline failed (exit ${r.status}): ${(r.stderr || line).trim().split('\n').slice(-3).join(' | ')}` };
  }
}

const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a != null && b != null && b > 0 ? Number((a / b).toFixed(3)) : null;

export async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const steps = option(args, '--steps', 10);
  const warmup = option(args, '--warmup', 3);
  const batches = batchesOf(args);
  const profile = args.includes('--profile');
  const nulls = (): PerBatch => Object.fromEntries(batches.map((b) => [String(b), null]));
  const result = {
    fused_ms: nulls(),
    unfused_ms: nulls(),
    pytorch_ms: nulls(),
    ratios: { unfused_over_fused: nulls(), fused_over_pytorch: nulls() },
    adapter: null as string | null,
    pytorch: '' as string,
    errors: {} as Record<string, string>,
    profile: profile ? ({} as Record<string, unknown>) : undefined,
    samples_ms: {} as Record<string, number[]>,
    /** With --rows-sweep: per batch, fused ms per LSTM rows-per-workgroup. */
    fused_rows_ms: undefined as Record<string, PerBatch> | undefined,
  };

  // A GPU error can surface as a rejection nobody awaits (a buffer map aborted); record it rather than die
  // before the document is written.
  let strays = 0;
  const stray = (err: unknown) => {
    strays += 1;
    result.errors.unhandled_rejections = `${strays}, the first: ${first ?? (first = String((err as Error)?.stack ?? err).slice(0, 400))}`;
    if (strays <= 3) log(`unhandled rejection: ${String(err)}`);
  };
  let first: string | undefined;
  process.on('unhandledRejection', stray);
  const adapter = await findGpuAdapter();
  if (!adapter.found) {
    log(adapter.description);
  } else {
    result.adapter = adapter.description;
    log(`GPU adapter: ${adapter.description}`);
    await useWebgpuBackend();
    const engines: Array<[string, boolean, keyof typeof result & ('fused_ms' | 'unfused_ms')]> = [['fused', true, 'fused_ms']];
    if (!args.includes('--no-unfused')) engines.push(['unfused', false, 'unfused_ms']);
    for (const batch of batches) {
      for (const [name, fused, key] of engines) {
        // The unfused engine is ~1 s a step: fewer steps keep the bench short.
        const n = fused ? steps : Math.max(1, Math.min(steps, 5));
        const r = await timeEngine(name, batch, fused, n, fused ? warmup : 1, profile, args.includes('--tf-adam'));
        result[key][String(batch)] = r.ms;
        result.samples_ms[`${name}_${batch}`] = r.samples;
        if (r.error) result.errors[`${name}_${batch}`] = r.error;
        if (r.profile && result.profile) result.profile[`${name}_${batch}`] = r.profile;
      }
    }
    if (args.includes('--rows-sweep')) {
      // The LSTM kernels' batch rows per workgroup (planLstm guesses; this measures), fused engine only.
      const saved = process.env.TUNELAB_WEBGPU_LSTM_ROWS;
      result.fused_rows_ms = {};
      for (const batch of batches) {
        const row: PerBatch = {};
        for (const rows of [1, 2, 4, 8].filter((r) => r <= batch)) {
          process.env.TUNELAB_WEBGPU_LSTM_ROWS = String(rows);
          const r = await timeEngine(`fused rows=${rows}`, batch, true, steps, warmup, false, args.includes('--tf-adam'));
          row[String(rows)] = r.ms;
          if (r.error) result.errors[`fused_${batch}_rows${rows}`] = r.error;
        }
        result.fused_rows_ms[String(batch)] = row;
      }
      if (saved === undefined) delete process.env.TUNELAB_WEBGPU_LSTM_ROWS;
      else process.env.TUNELAB_WEBGPU_LSTM_ROWS = saved;
    }
  }

  if (args.includes('--no-pytorch')) result.pytorch = 'skipped (--no-pytorch)';
  else {
    log('PyTorch cuDNN…');
    const p = pytorch(batches, steps * 2, warmup + 2);
    result.pytorch_ms = p.ms;
    result.pytorch = p.note;
  }
  for (const b of batches.map(String)) {
    result.ratios.unfused_over_fused[b] = ratio(result.unfused_ms[b], result.fused_ms[b]);
    result.ratios.fused_over_pytorch[b] = ratio(result.fused_ms[b], result.pytorch_ms[b]);
  }

  const fmt = (v: number | null) => (v == null ? 'n/a' : `${v.toFixed(1)} ms`);
  log('');
  log(`batch × 64   webgpu fused   webgpu unfused   PyTorch cuDNN   unfused/fused   fused/PyTorch`);
  for (const b of batches.map(String)) {
    log(
      `${b.padStart(9)}   ${fmt(result.fused_ms[b]).padStart(12)}   ${fmt(result.unfused_ms[b]).padStart(14)}   ` +
        `${fmt(result.pytorch_ms[b]).padStart(13)}   ${String(result.ratios.unfused_over_fused[b] ?? 'n/a').padStart(13)}   ` +
        `${String(result.ratios.fused_over_pytorch[b] ?? 'n/a').padStart(13)}`,
    );
  }
  log(`PyTorch: ${result.pytorch}`);
  process.off('unhandledRejection', stray);
  const doc = `${JSON.stringify(result)}\n`;
  const out = args.indexOf('--out');
  // Also to a file: Dawn prints its uncaptured device errors on stdout, which would break a piped document.
  if (out >= 0) writeFileSync(args[out + 1] ?? 'gpu-bench.json', doc);
  if (json) await new Promise<void>((resolve) => process.stdout.write(doc, () => resolve()));
}
