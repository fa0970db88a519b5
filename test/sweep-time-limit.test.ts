import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { openStore } from '@tunelab/store';
import { startSweep } from '@tunelab/sweeper';
import { writeTinyCorpus } from './support/tiny-corpus';

/**
 * A sweep's `max_minutes` on one machine: once it has passed, no new trial starts and the running ones are
 * stopped as `cancelled` (resumable), each saying why; the sweep itself ends `completed`. Time is the
 * runner's injected clock (`now`), moved on by the test: the limit is a minute, which the wall clock never
 * reaches while these tests run. (The distributed form is tested in distributed.test.ts.)
 */

const MIN = 60_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function sweepFile(dir: string): string {
  const corpus = writeTinyCorpus(dir, 30);
  const file = join(dir, 'limit.yaml');
  // 2,000 epochs would take minutes (each writes a checkpoint): only the clock can end these trials in time.
  writeFileSync(
    file,
    `name: limit
method: grid
metric: { name: val_loss, goal: minimize }
run_cap: 4
parallel: 2
max_minutes: 1
data: { corpus: ${JSON.stringify(corpus)}, files: [], split: { val: 0.2, seed: 1 } }
train: { epochs: 2000, batch_size: 4, seq_len: 32, checkpoint_every: 1, backend: cpu }
model: { cell: lstm, embedding_dim: 16, layers: [32], dropout: 0 }
parameters:
  train.optimizer.lr: { values: [0.01, 0.003, 0.001, 0.0003] }
`,
  );
  return file;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-time-limit-'));
  dirs.push(dir);
  return dir;
}

/** Resolves once `count` trials of the (only) sweep in `dir` have each reported at least one epoch. */
async function trialsReported(dir: string, count: number, timeoutMs = 90_000): Promise<void> {
  const file = join(dir, 'tunelab.db');
  const until = Date.now() + timeoutMs;
  for (; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    if (!existsSync(file)) continue;
    // The sweeper may still be creating the schema: not readable yet.
    const store = await openStore(file, { readonly: true }).catch(() => null);
    if (!store) continue;
    try {
      const [sweep] = await store.listSweeps();
      if (!sweep) continue;
      const trials = await store.listTrials(sweep.id);
      let reported = 0;
      for (const t of trials) if (((await store.getMetrics(t.id)).val_loss?.length ?? 0) > 0) reported++;
      if (reported >= count) return;
    } finally {
      await store.close();
    }
  }
  throw new Error(`no ${count} trials reported an epoch within ${timeoutMs} ms`);
}

test('once the clock passes max_minutes the running trials are cancelled, saying why, and no trial starts', async () => {
  const dir = tempDir();
  let skew = 0;
  const run = startSweep(sweepFile(dir), { home: dir, quiet: true, now: () => Date.now() + skew });
  await trialsReported(dir, 2);
  skew = 2 * MIN;
  const summary = await run;
  expect(summary.status).toBe('completed');
  expect(summary.trials.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
  const store = await openStore(join(dir, 'tunelab.db'), { readonly: true });
  try {
    for (const t of summary.trials) {
      const row = (await store.getTrial(t.id))!;
      expect(row.logTail).toMatch(/max_minutes 1 reached/);
      expect((await store.getMetrics(t.id)).val_loss?.length ?? 0).toBeLessThan(2000);
    }
  } finally {
    await store.close();
  }
}, 120_000);

test('a sweep whose time is up by the clock when it starts runs no trial', async () => {
  const dir = tempDir();
  const summary = await startSweep(sweepFile(dir), { home: dir, quiet: true, now: () => Date.now() + 2 * MIN });
  expect(summary.status).toBe('completed');
  expect(summary.trials).toEqual([]);
}, 60_000);
