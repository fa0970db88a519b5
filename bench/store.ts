/**
 * Store benchmark: metric writes in batched transactions (rows/s) and reading one metric of 100 trials (ms),
 * on SQLite and, when it answers, PostgreSQL.
 *
 *   npm run bench -- store [--json] [--rows 1000000] [--batch 10000] [--pg URL | --no-pg]
 *
 * The rows mimic a sweep: 100 trials × 10 metric names × (rows / 1000) steps, written step by step, so each
 * batch holds many trials' metrics as the sweeper's main thread collects them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStore, type NewMetric, type Store } from '@tunelab/store';
import pg from 'pg';

const TRIALS = 100;
const NAMES = ['loss', 'val_loss', 'acc', 'val_acc', 'lr', 'grad_norm', 'tokens_per_s', 'bits_per_char', 'validity', 'novelty'];

interface BackendResult {
  backend: 'sqlite' | 'postgres';
  rows: number;
  batch: number;
  writeSeconds: number;
  rowsPerSecond: number;
  /** Rows per second of this process's CPU time: steadier than wall time on a busy machine; for PostgreSQL
   *  it leaves out the server's work, so compare it only between SQLite runs. */
  rowsPerCpuSecond: number;
  /** Writing every row again: the idempotent path a resumed sweep takes. */
  rewriteRowsPerSecond: number;
  /** One metric of 100 trials, every point (100 × steps points), median of 5 reads. */
  readSeriesMs: number;
  readSeriesPoints: number;
  /** The same, downsampled to 200 points per trial in the database. */
  readSeriesDownsampledMs: number;
  /** All 10 metrics of one trial. */
  readTrialMs: number;
}

export interface StoreBenchResult {
  bench: 'store';
  /** 1-minute load average and cores when the bench ran: figures from a busy machine read low. */
  load: { avg1: number; cores: number };
  results: BackendResult[];
  skipped: string[];
  targetSqliteRowsPerSecond: number;
  sqliteMeetsTarget: boolean | null;
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

async function median(times: number, fn: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

async function measure(backend: 'sqlite' | 'postgres', store: Store, rows: number, batch: number): Promise<BackendResult> {
  const sweep = await store.createSweep({
    config: { name: 'bench', method: 'random', metric: { name: 'val_loss', goal: 'minimize' }, seed: 1 } as never,
    configYaml: '',
  });
  const trialIds: string[] = [];
  for (let n = 0; n < TRIALS; n++) {
    trialIds.push((await store.createTrial({ sweepId: sweep.id, number: n, params: {}, config: {} as never, seed: n })).id);
  }
  const steps = Math.ceil(rows / (TRIALS * NAMES.length));
  const t0 = Date.now();
  // Build batches lazily so row generation stays out of the timing as little as possible but memory stays flat.
  function* batches(): Generator<NewMetric[]> {
    let buf: NewMetric[] = [];
    let count = 0;
    for (let step = 0; step < steps; step++) {
      for (const trialId of trialIds) {
        for (const name of NAMES) {
          if (count++ >= rows) break;
          buf.push({ trialId, name, step, value: Math.sin(step + name.length) + trialId.length, time: t0 + step });
          if (buf.length === batch) {
            yield buf;
            buf = [];
          }
        }
      }
    }
    if (buf.length > 0) yield buf;
  }
  const all = [...batches()];

  let start = performance.now();
  const cpu = process.cpuUsage();
  let inserted = 0;
  for (const b of all) inserted += (await store.appendMetrics(b)).inserted;
  const writeSeconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  if (inserted !== rows) throw new Error(`Expected ${rows} rows inserted, but got ${inserted}`);
  log(`  ${backend}: wrote ${rows.toLocaleString()} rows in ${writeSeconds.toFixed(2)} s`);

  start = performance.now();
  let again = 0;
  for (const b of all) again += (await store.appendMetrics(b)).inserted;
  const rewriteSeconds = (performance.now() - start) / 1000;
  if (again !== 0) throw new Error(`Expected the rewrite to insert nothing, but it inserted ${again}`);

  let points = 0;
  const readSeriesMs = await median(5, async () => {
    const series = await store.getMetricSeries({ name: 'val_loss', trialIds });
    points = Object.values(series).reduce((n, s) => n + s.length, 0);
  });
  const readSeriesDownsampledMs = await median(5, () => store.getMetricSeries({ name: 'val_loss', trialIds, maxPoints: 200 }));
  const readTrialMs = await median(5, () => store.getMetrics(trialIds[0]));
  return {
    backend,
    rows,
    batch,
    writeSeconds: round(writeSeconds, 3),
    rowsPerSecond: Math.round(rows / writeSeconds),
    rowsPerCpuSecond: Math.round(rows / cpuSeconds),
    rewriteRowsPerSecond: Math.round(rows / rewriteSeconds),
    readSeriesMs: round(readSeriesMs, 1),
    readSeriesPoints: points,
    readSeriesDownsampledMs: round(readSeriesDownsampledMs, 1),
    readTrialMs: round(readTrialMs, 1),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const description = 'metric writes (rows/s, 1M rows in batched transactions) and one metric × 100 trials reads: SQLite, PostgreSQL';

/** Runs the store benchmark; prints a table (or nothing on stdout with --json) and returns the figures. */
export default async function storeBench(args: { json: boolean; argv: string[] }): Promise<StoreBenchResult> {
  const rows = Number(flag(args.argv, '--rows') ?? 1_000_000);
  const batch = Number(flag(args.argv, '--batch') ?? 10_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`Expected --rows to be a positive integer, but got ${rows}`);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`Expected --batch to be a positive integer, but got ${batch}`);
  const pgUrl = args.argv.includes('--no-pg')
    ? null
    : (flag(args.argv, '--pg') ?? process.env.TUNELAB_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test');
  const results: BackendResult[] = [];
  const skipped: string[] = [];

  const dir = mkdtempSync(join(tmpdir(), 'tunelab-bench-store-'));
  try {
    log(`store bench: ${rows.toLocaleString()} rows, batches of ${batch.toLocaleString()}`);
    const store = await openStore(join(dir, 'tunelab.db'));
    try {
      results.push(await measure('sqlite', store, rows, batch));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (pgUrl) {
    const schema = `tunelab_bench_${randomBytes(4).toString('hex')}`;
    let store: Store | null = null;
    try {
      store = await openStore(`${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`);
    } catch (err) {
      skipped.push(`postgres: ${(err as Error).message}`);
      log(`  postgres skipped: ${(err as Error).message}`);
    }
    if (store) {
      try {
        results.push(await measure('postgres', store, rows, batch));
      } finally {
        await store.close();
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
    }
  }

  const sqlite = results.find((r) => r.backend === 'sqlite');
  const result: StoreBenchResult = {
    bench: 'store',
    load: { avg1: round(loadavg()[0], 2), cores: availableParallelism() },
    results,
    skipped,
    targetSqliteRowsPerSecond: 200_000,
    sqliteMeetsTarget: sqlite ? sqlite.rowsPerSecond >= 200_000 : null,
  };
  if (!args.json) {
    for (const r of results) {
      process.stdout.write(
        `${r.backend.padEnd(9)} write ${r.rowsPerSecond.toLocaleString()} rows/s (${r.rowsPerCpuSecond.toLocaleString()} per CPU-s; rewrite ${r.rewriteRowsPerSecond.toLocaleString()} rows/s)` +
          ` | one metric × ${TRIALS} trials: ${r.readSeriesMs} ms for ${r.readSeriesPoints.toLocaleString()} points,` +
          ` ${r.readSeriesDownsampledMs} ms at ≤200 points each | one trial, all metrics: ${r.readTrialMs} ms\n`,
      );
    }
    for (const s of skipped) process.stdout.write(`skipped ${s}\n`);
    process.stdout.write(`load average ${result.load.avg1} on ${result.load.cores} cores\n`);
  }
  return result;
}

/** The bench dispatcher's entry (bench/run.ts): `--json` prints the result as one JSON document on stdout. */
export async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const result = await storeBench({ json, argv });
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

// Runnable on its own too: `node --import tsx bench/store.ts [--json]`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
