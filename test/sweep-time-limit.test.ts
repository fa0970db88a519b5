import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { openStore } from '@tunelab/store';
import { startSweep } from '@tunelab/sweeper';
import { writeTinyCorpus } from './support/tiny-corpus';

/**
 * A sweep's `max_minutes` on one machine: once it has passed, no new trial starts and the running ones are
 * stopped as `cancelled` (resumable), each saying why; the sweep itself ends `completed`.
 * (The distributed form is tested in distributed.test.ts.)
 */

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('past the sweep max_minutes no trial starts and the running ones are cancelled, saying why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-time-limit-'));
  dirs.push(dir);
  const corpus = writeTinyCorpus(dir, 30);
  const file = join(dir, 'limit.yaml');
  // 2,000 epochs would take minutes (each writes a checkpoint); the sweep may run for 0.05 min = 3 s.
  writeFileSync(
    file,
    `name: limit
method: grid
metric: { name: val_loss, goal: minimize }
run_cap: 4
parallel: 2
max_minutes: 0.05
data: { corpus: ${JSON.stringify(corpus)}, files: [], split: { val: 0.2, seed: 1 } }
train: { epochs: 2000, batch_size: 4, seq_len: 32, checkpoint_every: 1, backend: cpu }
model: { cell: lstm, embedding_dim: 16, layers: [32], dropout: 0 }
parameters:
  train.optimizer.lr: { values: [0.01, 0.003, 0.001, 0.0003] }
`,
  );
  const summary = await startSweep(file, { home: dir, quiet: true });
  expect(summary.status).toBe('completed');
  expect(summary.trials.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
  const store = await openStore(join(dir, 'tunelab.db'), { readonly: true });
  try {
    for (const t of summary.trials) {
      const row = (await store.getTrial(t.id))!;
      expect(row.logTail).toMatch(/max_minutes 0\.05 reached/);
      expect((await store.getMetrics(t.id)).val_loss?.length ?? 0).toBeLessThan(2000);
    }
  } finally {
    await store.close();
  }
}, 120_000);
