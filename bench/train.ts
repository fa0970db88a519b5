/**
 * `npm run bench -- train [--json] [--steps N] [--wasm-steps N] [--no-wasm] [--no-pytorch] [--layers-cpu]
 * [--profile] [--threads N] [--burst N] [--settle-ms N]`: the seed model's training step (16 × 64) on tunelab's
 * fused step (what `tunelab train` runs: native kernels, no tfjs autograd), the same fused ops through tfjs
 * autograd, tfjs-layers on the wasm backend, and PyTorch CPU, one thread each, interleaved in one run so that load
 * from other processes hits every engine alike: `--steps` rounds (default 7), in each of which every engine runs
 * `--burst` steps back to back (default 3; the tfjs-layers engines one, they take seconds). Reports medians over
 * every timed step. Training runs its steps back to back, while the first step after another engine pays for the
 * caches that engine evicted and for idle vCPUs waking up (an engine on several threads most), so bursts time what
 * training sees; the first step of each burst is also reported alone.
 *
 * JSON (stdout, with --json): `{ tunelab_ms, tunelab_tfjs_autograd_ms, pytorch_ms, ratio, wasm_ms, … }`;
 * pytorch_ms and ratio are null when PyTorch is missing. With `--threads N` (N > 1) the fused step and PyTorch also
 * run on N threads in the same rounds: `tunelab_Nt_ms`, `speedup_Nt` (tunelab_ms / tunelab_Nt_ms),
 * `speedup_Nt_first_step` (the same from the first step of each burst only), `pytorch_Nt_ms`, and `vcpu_pace`: the
 * same loop of vector multiply-adds (FMA throughput, what the kernels are bound by) on N threads at once, pinned to
 * one CPU each and unpinned, with the slowest / fastest ratio (a VM's vCPUs need not run at the same speed, and a
 * thread count cannot beat the slower ones' pace).
 *
 * `--settle-ms N` (default 100) waits that long before each burst: an engine's work can outlast its reply (V8's
 * concurrent GC threads after the tfjs engines, OpenMP threads that spin on after PyTorch's parallel regions), and
 * landing on the second core it would slow only the engines that use it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fusedAvailable, paceProbe } from '@tunelab/model';
import { SEED } from './train/engines';

export const description = 'seed-model training step: tunelab fused vs tfjs-layers wasm vs PyTorch CPU';

const here = dirname(fileURLToPath(import.meta.url));
// Debian's python3 with python3-torch; TUNELAB_BENCH_PYTHON points elsewhere (or at nothing, to test the fallback).
const PYTHON = process.env.TUNELAB_BENCH_PYTHON ?? '/usr/bin/python3';
const CHARS_PER_STEP = SEED.batch * SEED.seq;
const log = (s: string) => process.stderr.write(`${s}\n`);

/** A child engine speaking the `@@ {json}` line protocol of bench/train/serve.ts and compare/pytorch_train.py. */
class Server {
  private readonly lines: AsyncIterator<string>;
  readonly ready: Promise<Record<string, unknown>>;

  constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
    prefix: string,
  ) {
    proc.stderr?.on('data', () => undefined); // tfjs banners and warnings: not ours to print
    const rl = createInterface({ input: proc.stdout! });
    const it = rl[Symbol.asyncIterator]();
    this.lines = {
      next: async () => {
        for (;;) {
          const r = await it.next();
          if (r.done) throw new Error(`${name} engine exited (code ${proc.exitCode ?? 'unknown'})`);
          if (r.value.startsWith(prefix)) return { done: false, value: r.value.slice(prefix.length) };
        }
      },
    };
    this.ready = this.read();
  }

  async read(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    return JSON.parse(r.value) as Record<string, unknown>;
  }

  async ask(cmd: string): Promise<Record<string, unknown>> {
    this.proc.stdin!.write(`${cmd}\n`);
    return this.read();
  }

  close(): void {
    this.proc.stdin!.end();
    this.proc.kill();
  }
}

const envFor = (threads: number) => ({ ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) });
const threadEnv = envFor(1);

/** A node engine server; `threads` > 1 runs the fused step's native kernels on that many threads. */
function nodeEngine(name: string, threads = 1): Server {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'train', 'serve.ts'), name, String(threads)], {
    env: threadEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Server(threads > 1 ? `${name}-${threads}t` : name, proc, '@@ ');
}

function pytorchMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { env: threadEnv, encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found`;
  if (r.status !== 0) return `PyTorch is not importable by ${PYTHON} (${r.stderr.trim().split('\n').pop()})`;
  return undefined;
}

function pytorchEngine(threads = 1): Server {
  const proc = spawn(PYTHON, [join(here, 'compare', 'pytorch_train.py'), String(threads)], { env: envFor(threads), stdio: ['pipe', 'pipe', 'pipe'] });
  return new Server(threads > 1 ? `pytorch-${threads}t` : 'pytorch', proc, '');
}

/**
 * The vCPUs' relative pace: the same FMA-throughput loop on `threads` threads at once for `ms`, pinned one per CPU and
 * unpinned; ratio = slowest / fastest thread. Null without a threaded native addon.
 */
function vcpuPace(threads: number, ms: number) {
  const pinned = paceProbe(threads, ms, true);
  const unpinned = paceProbe(threads, ms, false);
  if (!pinned || !unpinned) return null;
  const ratio = (xs: number[]) => Number((Math.min(...xs) / Math.max(...xs)).toFixed(3));
  return { pinned, unpinned, pinned_ratio: ratio(pinned), unpinned_ratio: ratio(unpinned), ms };
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`Expected ${name} to be a non-negative integer, but got ${args[i + 1]}`);
  return v;
}

export async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const steps = option(args, '--steps', 7);
  const wasmSteps = args.includes('--no-wasm') ? 0 : option(args, '--wasm-steps', 2);
  const layersCpuSteps = args.includes('--layers-cpu') ? option(args, '--layers-cpu-steps', 1) : 0;
  const threads = Math.max(1, option(args, '--threads', 1));
  const settleMs = option(args, '--settle-ms', 100);
  const burst = Math.max(1, option(args, '--burst', 3));
  const nt = `${threads}t`;
  const native = fusedAvailable();
  if (!native.native) log(`warning: native fused kernels unavailable, tunelab runs the TypeScript reference: ${native.reason}`);

  // fused-step is what `tunelab train` runs; fused is the same kernels through tfjs autograd.
  const servers: Array<{ s: Server; steps: number }> = [
    { s: nodeEngine('fused-step'), steps },
    { s: nodeEngine('fused'), steps },
  ];
  if (threads > 1) servers.push({ s: nodeEngine('fused-step', threads), steps });
  let pytorchReason: string | undefined = args.includes('--no-pytorch') ? 'skipped (--no-pytorch)' : pytorchMissing();
  if (pytorchReason === undefined) servers.push({ s: pytorchEngine(), steps });
  if (pytorchReason === undefined && threads > 1) servers.push({ s: pytorchEngine(threads), steps });
  else if (!args.includes('--no-pytorch')) {
    log(`PyTorch baseline unavailable: ${pytorchReason}.`);
    log('  To compare, install Debian\'s PyTorch and OpenBLAS: apt-get install python3-torch libopenblas0-pthread');
  }
  if (wasmSteps > 0) servers.push({ s: nodeEngine('wasm'), steps: wasmSteps });
  if (layersCpuSteps > 0) servers.push({ s: nodeEngine('layers-cpu'), steps: layersCpuSteps });

  const ms: Record<string, number[]> = {};
  // The first step of each burst alone: what a step costs straight after another engine ran.
  const firstMs: Record<string, number[]> = {};
  // The tfjs-layers engines take seconds a step: one a round.
  const burstOf = (name: string) => (name === 'wasm' || name === 'layers-cpu' ? 1 : burst);
  const info: Record<string, Record<string, unknown>> = {};
  try {
    log(`starting ${servers.map((x) => x.s.name).join(', ')} (warm-up)…`);
    for (const { s } of servers) {
      try {
        info[s.name] = await s.ready;
        ms[s.name] = [];
        firstMs[s.name] = [];
        log(`  ${s.name} ready (${String(info[s.name].params)} parameters)`);
      } catch (err) {
        if (!s.name.startsWith('pytorch')) throw err;
        pytorchReason = (err as Error).message;
        log(`PyTorch baseline failed: ${pytorchReason}`);
      }
    }
    const live = servers.filter(({ s }) => ms[s.name] !== undefined);
    const rounds = Math.max(...live.map((x) => x.steps));
    for (let r = 0; r < rounds; r++) {
      // Rotate who goes first so no engine always runs right after the same neighbour.
      const order = live.map((_, i) => live[(i + r) % live.length]).filter((x) => r < x.steps);
      const line: string[] = [];
      for (const { s } of order) {
        await new Promise((resolve) => setTimeout(resolve, settleMs));
        const replyMs = (await s.ask(String(burstOf(s.name)))).ms as number[];
        ms[s.name].push(...replyMs);
        firstMs[s.name].push(replyMs[0]);
        line.push(`${s.name} ${replyMs.map((t) => t.toFixed(0)).join('/')} ms`);
      }
      log(`round ${r + 1}/${rounds}: ${line.join(', ')}`);
    }
    let profile: Record<string, number> | null = null;
    if (args.includes('--profile')) {
      profile = (await servers[0].s.ask('profile 3')).profile as Record<string, number>;
      log('profile of a tunelab fused step (ms per step):');
      for (const [k, v] of Object.entries(profile)) log(`  ${k.padEnd(32)} ${v.toFixed(1)}`);
    }

    const tunelab = median(ms['fused-step']);
    const tunelabN = threads > 1 ? median(ms[`fused-step-${nt}`] ?? []) : null;
    const pytorchN = threads > 1 && ms[`pytorch-${nt}`] ? median(ms[`pytorch-${nt}`]) : null;
    // After the rounds, so the probe's threads never share the cores with a timed step.
    const pace = threads > 1 ? vcpuPace(threads, 300) : null;
    const speedupOf = (one: number | null, many: number | null) => (one !== null && many ? Number((one / many).toFixed(3)) : null);
    const speedup = speedupOf(tunelab, tunelabN);
    const speedupFirst = threads > 1 ? speedupOf(median(firstMs['fused-step']), median(firstMs[`fused-step-${nt}`] ?? [])) : null;
    const tfjsAutograd = median(ms.fused);
    const pytorch = ms.pytorch ? median(ms.pytorch) : null;
    const wasm = ms.wasm ? median(ms.wasm) : null;
    const layersCpu = ms['layers-cpu'] ? median(ms['layers-cpu']) : null;
    const cps = (m: number | null) => (m ? Math.round((CHARS_PER_STEP / m) * 1000) : null);
    const epochs = (m: number | null, batches: number) => (m ? Math.round((m * batches * 100) / 1000) : null);
    const result = {
      tunelab_ms: tunelab,
      tunelab_tfjs_autograd_ms: tfjsAutograd,
      pytorch_ms: pytorch,
      ratio: tunelab !== null && pytorch !== null ? Number((tunelab / pytorch).toFixed(3)) : null,
      ...(threads > 1
        ? {
            threads,
            [`tunelab_${nt}_ms`]: tunelabN,
            [`speedup_${nt}`]: speedup,
            [`speedup_${nt}_first_step`]: speedupFirst,
            [`pytorch_${nt}_ms`]: pytorchN,
            vcpu_pace: pace,
          }
        : {}),
      wasm_ms: wasm,
      layers_cpu_ms: layersCpu,
      chars_per_s: { tunelab: cps(tunelab), pytorch: cps(pytorch), wasm: cps(wasm) },
      seed_100_epochs_s: {
        tunelab_126_batches: epochs(tunelab, 126),
        tunelab_113_batches: epochs(tunelab, 113),
        pytorch_126_batches: epochs(pytorch, 126),
      },
      burst,
      samples_ms: ms,
      native: native.native,
      native_kernel: native.kernel ?? null,
      cpu: cpus()[0]?.model ?? 'unknown',
      profile,
    };
    log('');
    log(`tunelab fused step                 ${tunelab?.toFixed(1)} ms/step  (${cps(tunelab)} chars/s)`);
    log(`tunelab fused ops, tfjs autograd   ${tfjsAutograd?.toFixed(1)} ms/step  (${cps(tfjsAutograd)} chars/s)`);
    log(`PyTorch CPU     ${pytorch === null ? `n/a (${pytorchReason})` : `${pytorch.toFixed(1)} ms/step  (${cps(pytorch)} chars/s)`}`);
    if (wasm !== null) log(`tfjs-layers wasm ${wasm.toFixed(1)} ms/step  (${cps(wasm)} chars/s)`);
    if (layersCpu !== null) log(`tfjs-layers cpu ${layersCpu.toFixed(1)} ms/step`);
    if (result.ratio !== null) log(`ratio tunelab / PyTorch = ${result.ratio}`);
    if (threads > 1) {
      log(`tunelab fused step, ${threads} threads ${tunelabN?.toFixed(1)} ms/step  (speedup ${speedup}×; first step of a burst alone ${speedupFirst}×)`);
      log(`PyTorch CPU, ${threads} threads ${pytorchN === null ? `n/a (${pytorchReason ?? 'failed'})` : `${pytorchN.toFixed(1)} ms/step`}`);
      if (pace) log(`vCPU pace (slowest / fastest thread): pinned ${pace.pinned_ratio}, unpinned ${pace.unpinned_ratio}`);
    }
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const { s } of servers) s.close();
  }
}
