/**
 * Dispatch overhead of distributed sweeps: zero-epoch trials (the worker loads the corpus, builds the model
 * and returns at once) pushed through pg-boss to `tunelab sweep agent` processes, so what is measured is the
 * machinery: job fetch, lease, worker thread, events, final write, the controller role, the next proposal.
 *
 *   npm run bench -- dispatch [--json] [--trials 24] [--agents 2] [--parallel 1] [--pg URL]
 *
 * Figures: per trial, slot-seconds per trial in the steady state (agents × parallel × span / trials, the span
 * from the first trial's end to the last's, so agent start-up and the first worker's tfjs load are left out),
 * the median time a trial is held (lease → final status) and the median gap on one worker slot between one
 * trial's end and the next one's lease. Target: under 1 s per trial.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { parseSweepConfig } from '@tunelab/config';
import { openStore, type TrialRow } from '@tunelab/store';
import { coordinate, TrialQueue } from '@tunelab/sweeper';

export const description = 'distributed sweeps: dispatch overhead per zero-epoch trial through pg-boss agents (target < 1 s)';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'apps/cli/bin/tunelab.mjs');

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const trials = Number(arg(args, '--trials', '24'));
  const agents = Number(arg(args, '--agents', '2'));
  const parallel = Number(arg(args, '--parallel', '1'));
  const pgUrl = arg(args, '--pg', process.env.TUNELAB_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test');
  const schema = `tunelab_bench_${randomBytes(4).toString('hex')}`;
  const url = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`;
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-bench-dispatch-'));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    const corpus = join(dir, 'tiny.abc');
    writeFileSync(corpus, Array.from({ length: 6 }, (_, i) => `X:${i + 1}\nT:t${i}\nM:6/8\nL:1/8\nK:G\nGAB cde|dcB AGF|GAB cde|d3 G3|]\n`).join('\n'));
    const slots = agents * parallel;
    const lrs = Array.from({ length: trials }, (_, i) => Number((0.001 * (1 + i / trials)).toFixed(6)));
    const yaml = `name: dispatch-bench
method: grid
metric: { name: val_loss, goal: minimize }
run_cap: ${trials}
parallel: ${slots}
data: { corpus: ${JSON.stringify(corpus)}, files: [], split: { val: 0.2, seed: 1 } }
train: { epochs: 1, batch_size: 1, seq_len: 8, checkpoint_every: 1, backend: cpu }
model: { cell: lstm, embedding_dim: 4, layers: [4], dropout: 0 }
parameters:
  train.optimizer.lr: { values: [${lrs.join(', ')}] }
`;
    const config = parseSweepConfig(yaml, 'dispatch-bench.yaml');
    const store = await openStore(url);
    const queue = await TrialQueue.open(url);
    try {
      // Every trial exists up front with zero epochs (the config schema wants ≥ 1, so the rows are written
      // directly): run_cap is reached, so the controller role only marks the sweep completed at the end.
      const sweep = await store.createSweep({ config, configYaml: yaml, distributed: true, status: 'queued' });
      for (const [i, lr] of lrs.entries()) {
        const base = structuredClone(config.base);
        base.train.optimizer.lr = lr;
        base.train.epochs = 0;
        await store.createTrial({ sweepId: sweep.id, number: i, params: { 'train.optimizer.lr': lr }, config: base, seed: base.train.seed });
      }
      const t0 = Date.now();
      await coordinate(store, queue, sweep.id, { staleAfterMs: 120_000 });
      log(`${trials} zero-epoch trials queued in ${schema}; starting ${agents} agents × ${parallel} slots`);
      const exits = Array.from({ length: agents }, (_, i) =>
        new Promise<number | null>((res) => {
          const child = spawn(process.execPath, [bin, 'sweep', 'agent', '--store', url, '--sweep', sweep.id, '--home', join(dir, `home-${i}`), '--parallel', String(parallel), '--exit-when-done', '--json'], {
            cwd: root,
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let err = '';
          child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
          child.once('exit', (code) => {
            if (code !== 0) log(`agent ${i} exited ${code}:\n${err}`);
            res(code);
          });
        }),
      );
      await Promise.all(exits);
      const wall = (Date.now() - t0) / 1000;
      const rows = await store.listTrials(sweep.id);
      const done = rows.filter((t) => t.status === 'completed');
      if (done.length !== trials) throw new Error(`expected ${trials} completed trials, got ${done.length} (${rows.map((t) => t.status).join(', ')})`);
      const held = done.map((t) => (t.finishedAt! - t.startedAt!) / 1000);
      const gaps = slotGaps(done);
      const ends = done.map((t) => t.finishedAt!).sort((a, b) => a - b);
      const steadySpan = (ends[ends.length - 1] - ends[0]) / 1000;
      const perTrial = (slots * steadySpan) / Math.max(1, trials - slots);
      const result = {
        bench: 'dispatch',
        trials,
        agents,
        parallel,
        wallSeconds: round(wall),
        /** Slot-seconds per trial after the first round (start-up left out). */
        secondsPerTrial: round(perTrial),
        /** Including agent start-up and the first tfjs load per worker. */
        secondsPerTrialWithStartup: round((slots * wall) / trials),
        medianHeldSeconds: round(median(held)),
        medianGapSeconds: round(median(gaps)),
        firstTrialSeconds: round((Math.min(...done.map((t) => t.finishedAt!)) - t0) / 1000),
        target: '< 1 s per trial',
        sweepStatus: (await store.getSweep(sweep.id))!.status,
      };
      if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        log(`wall ${result.wallSeconds} s for ${trials} trials on ${slots} slots (first trial done after ${result.firstTrialSeconds} s)`);
        log(`dispatch overhead: ${result.secondsPerTrial} s per trial (steady state); ${result.secondsPerTrialWithStartup} s with start-up`);
        log(`median held ${result.medianHeldSeconds} s; median gap between trials on a slot ${result.medianGapSeconds} s`);
      }
    } finally {
      await queue.close();
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade; drop schema if exists "${schema}_boss" cascade`);
    await client.end();
  }
}

/** On each worker slot, the time from one trial's end to the next one's lease. */
function slotGaps(trials: TrialRow[]): number[] {
  const bySlot = new Map<string, TrialRow[]>();
  for (const t of trials) bySlot.set(t.worker!, [...(bySlot.get(t.worker!) ?? []), t]);
  const gaps: number[] = [];
  for (const list of bySlot.values()) {
    list.sort((a, b) => a.startedAt! - b.startedAt!);
    for (let i = 1; i < list.length; i++) gaps.push((list[i].startedAt! - list[i - 1].finishedAt!) / 1000);
  }
  return gaps;
}

function round(x: number): number {
  return Number(x.toFixed(3));
}
