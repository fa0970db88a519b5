/**
 * Sweep scaling: the same 4 small trials run with `parallel: 1` and then `parallel: 2` (interleaved, R rounds),
 * on the real jigs; reports the wall time of each and the speed-up (target ≥ 1.8× on 2 cores).
 *
 *   npm run bench -- sweep [--json] [--rounds 1] [--epochs 4]
 *
 * The trials are identical (a grid over one repeated seed value would be deduplicated, so the grid is over
 * `train.seed` with 4 values: same model, same amount of work). Needs TUNELAB_DATA_DIR.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { openStore } from '@tunelab/store';
import { startSweep } from '@tunelab/sweeper';

export const description = 'sweep scaling: 4 identical small trials with parallel 1 vs 2 → speed-up';

function flag(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/**
 * The run config every trial starts from (the sweep varies only train.seed). One thread per trial: the bench
 * measures trials side by side against one at a time, and `threads: auto` would give the one-at-a-time trial
 * both cores (with `parallel: 2` on 2 cores auto gives each trial one, the same as here).
 */
function runYaml(epochs: number): string {
  return `data: { corpus: nottingham, files: [jigs], split: { val: 0.1, seed: 1 } }
train: { epochs: ${epochs}, batch_size: 16, seq_len: 64, checkpoint_every: 0, backend: auto, threads: 1 }
model: { cell: lstm, embedding_dim: 32, layers: [128], dropout: 0.2 }
`;
}

function configYaml(parallel: number, epochs: number): string {
  return `name: bench-scaling-p${parallel}
method: grid
metric: { name: val_loss, goal: minimize }
parallel: ${parallel}
seed: 1
${runYaml(epochs)}parameters:
  train.seed: { values: [1, 2, 3, 4] }
`;
}

interface SweepTiming {
  ms: number;
  /** Training seconds of each epoch after the first (the first also warms up the JIT; all when only one), all trials. */
  epochSeconds: number[];
  /** CPU seconds this process used in the sweep, all threads (user + system). */
  cpuSeconds: number;
}

async function timeSweep(parallel: number, epochs: number): Promise<SweepTiming> {
  const home = mkdtempSync(join(tmpdir(), 'tunelab-bench-sweep-'));
  try {
    const file = join(home, 'sweep.yaml');
    writeFileSync(file, configYaml(parallel, epochs));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const summary = await startSweep(file, { home, quiet: true });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    if (summary.trials.length !== 4 || summary.trials.some((t) => t.status !== 'completed')) {
      throw new Error(`bench sweep did not complete 4 trials: ${JSON.stringify(summary.counts)}`);
    }
    const store = await openStore(join(home, 'tunelab.db'), { readonly: true });
    try {
      const series = await store.getMetricSeries({ name: 'seconds', sweepId: summary.sweepId });
      const epochSeconds = Object.values(series).flatMap((points) => points.filter((p) => p.step > 1 || epochs === 1).map((p) => p.value));
      return { ms, epochSeconds, cpuSeconds };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// A memory-bound loop (two 64 MiB arrays, far beyond any cache) in a worker thread; posts its seconds.
const STREAM_LOOP = `
const { parentPort } = require('node:worker_threads');
const n = 16 * 1024 * 1024, a = new Float32Array(n).fill(1), b = new Float32Array(n).fill(2);
const t0 = performance.now();
for (let pass = 0; pass < 12; pass++) for (let i = 0; i < n; i++) a[i] = a[i] * 0.999 + b[i];
parentPort.postMessage((performance.now() - t0) / 1000 + a[7] * 0);
`;

async function streamSeconds(copies: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: copies }, () => new Promise<number>((resolve, reject) => {
      const w = new Worker(STREAM_LOOP, { eval: true });
      w.once('message', (s: number) => void w.terminate().then(() => resolve(s)));
      w.once('error', reject);
    })),
  );
}

/**
 * How much this machine's memory system slows one memory-bound loop when a second runs beside it (1 = not at
 * all). Compute-bound loops do not slow down here; this one does, and training a small LSTM sits in between:
 * it bounds what two trials at once can gain (`bench sweep` reports it next to the speed-up).
 */
async function memoryContention(): Promise<number> {
  const alone = (await streamSeconds(1))[0];
  const pair = await streamSeconds(2);
  const again = (await streamSeconds(1))[0];
  return (pair[0] + pair[1]) / (alone + again);
}

const TRIAL_SPEED = fileURLToPath(new URL('./_trial-speed.ts', import.meta.url));

/**
 * The trial's training speed on each CPU alone (batches/s; `taskset -c N` runs bench/_trial-speed.ts there),
 * or null without taskset or with one CPU. On this VM the two vCPUs are not always equal: when another tenant
 * keeps the sibling hyperthread of one vCPU's physical core busy, that vCPU has ~half the FMA throughput (an
 * FMA-only loop took 3.1 s on cpu0 and 1.65 s on cpu1, a scalar loop the same on both) and trains 6–32% slower
 * (today's measurements: this check's rounds, and the kernels alone in a loop).
 */
function cpuSpeeds(): number[] | null {
  const cpus = availableParallelism();
  if (cpus < 2 || spawnSync('taskset', ['--version']).error) return null;
  const speeds: number[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) {
    const r = spawnSync('taskset', ['-c', String(cpu), process.execPath, '--single-threaded-gc', '--import', 'tsx', TRIAL_SPEED, runYaml(4)], {
      encoding: 'utf8',
      env: process.env,
    });
    if (r.status !== 0) throw new Error(`bench/_trial-speed.ts on cpu ${cpu} failed: ${r.stderr}`);
    speeds.push((JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { batchesPerSec: number }).batchesPerSec);
  }
  return speeds;
}


/**
 * The best speed-up `trials` identical trials can get from one worker per CPU at these speeds, when a trial
 * stays on one CPU (as a thread does: Linux does not move one busy thread per CPU around): each trial goes to
 * the worker that would finish it first, which for identical trials is the optimal schedule and is what the
 * sweeper's pool does. Against one trial at a time on the fastest CPU.
 */
export function wholeTrialCeiling(speeds: number[], trials: number): number {
  const finish = speeds.map(() => 0);
  for (let t = 0; t < trials; t++) {
    let best = 0;
    for (let w = 1; w < speeds.length; w++) if (finish[w] + 1 / speeds[w] < finish[best] + 1 / speeds[best]) best = w;
    finish[best] += 1 / speeds[best];
  }
  return trials / Math.max(...speeds) / Math.max(...finish);
}

export async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const rounds = flag(argv, '--rounds', 1);
  const epochs = flag(argv, '--epochs', 4);
  const p1: number[] = [];
  const p2: number[] = [];
  const epochs1: number[] = [];
  const epochs2: number[] = [];
  const cpu1: number[] = [];
  const cpu2: number[] = [];
  const contention: number[] = [];
  const ceilings: number[] = [];
  const wholeCeilings: number[] = [];
  const cpuRatios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // The host's state drifts within minutes: the machine checks run in every round, beside the sweeps they explain.
    contention.push(await memoryContention());
    const speeds = cpuSpeeds();
    if (speeds) {
      // Two trials at once get both vCPUs' speed; one trial at a time at best the faster one's.
      ceilings.push(speeds.reduce((a, b) => a + b, 0) / Math.max(...speeds));
      wholeCeilings.push(wholeTrialCeiling(speeds, 4));
      cpuRatios.push(Math.min(...speeds) / Math.max(...speeds));
    }
    // Interleaved so that a change in machine load hits both settings alike, and the order alternates so
    // that neither setting always runs second (warm page cache, warm tsx cache).
    for (const parallel of r % 2 === 0 ? [1, 2] : [2, 1]) {
      process.stderr.write(`round ${r + 1}/${rounds}: parallel ${parallel} …\n`);
      const timing = await timeSweep(parallel, epochs);
      (parallel === 1 ? p1 : p2).push(timing.ms);
      (parallel === 1 ? epochs1 : epochs2).push(...timing.epochSeconds);
      (parallel === 1 ? cpu1 : cpu2).push(timing.cpuSeconds);
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  // Each round's ratio pairs two sweeps run back to back, so a slow minute on this shared VM hits both
  // settings of that round; the median over rounds is the figure to quote, the range shows the noise.
  const ratios = p1.map((ms, i) => ms / p2[i]);
  const result = {
    bench: 'sweep',
    load: { avg1: loadavg()[0], cores: availableParallelism() },
    trials: 4,
    epochs,
    parallel1_ms: Math.round(median(p1)),
    parallel2_ms: Math.round(median(p2)),
    speedup: Number(median(ratios).toFixed(2)),
    speedup_range: [Number(Math.min(...ratios).toFixed(2)), Number(Math.max(...ratios).toFixed(2))],
    rounds,
    target: 1.8,
    // Where a shortfall comes from: an epoch of a trial that shares the machine with another, against one that
    // has it alone (same work; > 1 means the two slow each other: memory, caches, the host), and the rest
    // of the wall time (worker start-up, loading tfjs, JIT warm-up, validation, the store), per setting.
    epoch_ms: { parallel1: Math.round(median(epochs1) * 1000), parallel2: Math.round(median(epochs2) * 1000) },
    epoch_slowdown_parallel2: Number((median(epochs2) / median(epochs1)).toFixed(3)),
    memory_stream_slowdown_parallel2: Number(median(contention).toFixed(3)),
    // The process's CPU seconds per sweep: a ratio above 1 is the same work costing more CPU when two trials
    // share the machine (caches, memory, the host); cores busy below 2 is the sweeper leaving a core idle.
    // Together they bound the speed-up: p1 wall / (p2 CPU / 2), per round.
    cpu_seconds: { parallel1: Number(median(cpu1).toFixed(2)), parallel2: Number(median(cpu2).toFixed(2)) },
    cpu_work_ratio_parallel2: Number(median(cpu2.map((c, i) => c / cpu1[i])).toFixed(3)),
    cores_busy_parallel2: Number(median(cpu2.map((c, i) => c / (p2[i] / 1000))).toFixed(2)),
    speedup_cpu_bound: Number(median(p1.map((ms, i) => ms / 1000 / (cpu2[i] / 2))).toFixed(2)),
    // The slower vCPU's training speed over the faster one's (1 = equal), and what the two vCPUs allow at most:
    // their summed speed (1 + that ratio), and with each trial on one vCPU from start to end (4 whole trials
    // cannot be shared out evenly between unequal vCPUs: at a ratio r < 0.9 the best is max(2r, 4/3)).
    // The sweeper can only be judged against what the machine offers.
    slow_cpu_speed_ratio: ceilings.length ? Number(median(cpuRatios).toFixed(3)) : null,
    speedup_ceiling: ceilings.length ? Number(median(ceilings).toFixed(2)) : null,
    speedup_ceiling_whole_trials: wholeCeilings.length ? Number(median(wholeCeilings).toFixed(2)) : null,
    // Each round's speed-up over that round's whole-trial ceiling (median).
    scaling_efficiency: wholeCeilings.length ? Number(median(ratios.map((x, i) => x / wholeCeilings[i])).toFixed(3)) : null,
  };
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else
    process.stderr.write(
      `4 trials × ${epochs} epoch(s): parallel 1 ${result.parallel1_ms} ms, parallel 2 ${result.parallel2_ms} ms → speed-up ${result.speedup}× (median of ${rounds} round(s), range ${result.speedup_range.join('–')}; target ≥ ${result.target}×; load ${result.load.avg1.toFixed(1)} on ${result.load.cores} cores)\n` +
        `median epoch ${result.epoch_ms.parallel1} ms alone, ${result.epoch_ms.parallel2} ms beside another trial (×${result.epoch_slowdown_parallel2}); a memory-streaming loop beside another: ×${result.memory_stream_slowdown_parallel2}\n` +
        `CPU ${result.cpu_seconds.parallel1} s one at a time, ${result.cpu_seconds.parallel2} s two at a time (×${result.cpu_work_ratio_parallel2}), ${result.cores_busy_parallel2} of 2 cores busy → at most ${result.speedup_cpu_bound}× for that CPU work\n` +
        (result.speedup_ceiling === null
          ? 'per-CPU speeds not measured (needs taskset and 2 CPUs)\n'
          : `the slower vCPU trains at ${result.slow_cpu_speed_ratio}× the faster one's speed → at most ${result.speedup_ceiling}× from both vCPUs, ${result.speedup_ceiling_whole_trials}× with each trial on one vCPU; scaling efficiency against that: ${result.scaling_efficiency}\n`),
    );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
