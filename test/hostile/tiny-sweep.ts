import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSweepConfig } from '@tunelab/config';
import type { Store, SweepRow, TrialRow } from '@tunelab/store';
import { SweepRunner, type RunSweepOptions } from '@tunelab/sweeper';
import { writeTinyCorpus } from '../support/tiny-corpus';

/**
 * A tiny sweep run in this process (SweepRunner on a real store, real piscina workers on the cpu engine, a
 * made-up corpus of a few tunes): each epoch takes a fraction of a second, so faults can be aimed at it.
 */

type ProgressView = NonNullable<RunSweepOptions['view']>;

export function tempDir(prefix: string, dirs: string[]): string {
  const d = mkdtempSync(join(tmpdir(), `tunelab-hostile-${prefix}-`));
  dirs.push(d);
  return d;
}

export function removeDirs(dirs: string[]): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function tinySweepYaml(
  dir: string,
  o: { name: string; epochs: number; runCap?: number; parallel?: number; keepLast?: number; retries?: number; tunes?: number },
): string {
  const runCap = o.runCap ?? 1;
  const lrs = [0.01, 0.003, 0.001, 0.0003].slice(0, runCap);
  return `name: ${o.name}
method: grid
metric: { name: val_loss, goal: minimize }
run_cap: ${runCap}
parallel: ${o.parallel ?? 1}
seed: 1
retries: ${o.retries ?? 0}
data: { corpus: ${JSON.stringify(writeTinyCorpus(dir, o.tunes ?? 30))}, files: [], split: { val: 0.2, seed: 1 } }
train: { epochs: ${o.epochs}, batch_size: 4, seq_len: 32, checkpoint_every: 1, backend: cpu }
model: { cell: lstm, embedding_dim: 8, layers: [16], dropout: 0 }
keep_checkpoints: { best: 1, last: ${o.keepLast ?? 1} }
parameters:
  train.optimizer.lr: { values: [${lrs.join(', ')}] }
`;
}

/** A progress view that keeps the notes (failures, retries) and tells `onNote`. */
export function recordingView(onNote?: (line: string) => void): ProgressView & { notes: string[] } {
  const notes: string[] = [];
  return {
    notes,
    update() {},
    note(line) {
      notes.push(line);
      onNote?.(line);
    },
    close() {},
  };
}

export interface TinySweep {
  sweepId: string;
  /** The runner's end: the sweep's final row, or the error that ended run(). */
  done: Promise<SweepRow | Error>;
}

/** Creates the sweep in `store` and starts running it here. */
export async function startTinySweep(
  store: Store,
  home: string,
  yaml: string,
  o: { view: ProgressView; storeRetryMs?: number; signal?: AbortSignal; sweepId?: string },
): Promise<TinySweep> {
  const sweepId = o.sweepId ?? (await store.createSweep({ config: parseSweepConfig(yaml, 'tiny.yaml'), configYaml: yaml })).id;
  const runner = new SweepRunner({ store, sweepId, home, view: o.view, storeRetryMs: o.storeRetryMs, signal: o.signal, tickMs: 500, staleAfterMs: 300_000 });
  const done = runner.run().catch((err: Error) => err);
  return { sweepId, done };
}

/** Polls until `check` gives a value (not undefined/false), or throws after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every metric of the trial has one row per epoch 1..epochs: none lost, none twice. */
export async function metricSteps(store: Store, trial: TrialRow): Promise<Record<string, number[]>> {
  const metrics = await store.getMetrics(trial.id);
  return Object.fromEntries(Object.entries(metrics).map(([name, points]) => [name, points.map((p) => p.step)]));
}

/**
 * Another process holding SQLite's write lock on `file` (BEGIN EXCLUSIVE on its own better-sqlite3
 * connection) until `release()` or `holdMs`.
 */
export async function holdSqliteLock(file: string, holdMs: number): Promise<{ release(): Promise<void>; exited: Promise<void>; child: ChildProcess }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1], { timeout: 60000 });
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    const release = () => { try { db.exec('COMMIT'); db.close(); } finally { process.stdout.write('released\\n'); process.exit(0); } };
    process.stdin.on('data', release);
    setTimeout(release, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, file, String(holdMs)], { cwd: join(import.meta.dirname, '../..'), stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin!.on('error', () => {}); // released already: it exited
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before locking`)));
  });
  return {
    child,
    exited,
    async release() {
      if (child.exitCode === null && child.signalCode === null) child.stdin!.write('release\n');
      await exited;
    },
  };
}
