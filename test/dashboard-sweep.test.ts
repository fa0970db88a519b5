import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import * as model from '@tunelab/model';
import { openStore, type Store } from '@tunelab/store';
import { startSweep, type SweepSummary } from '@tunelab/sweeper';
import { buildApp, modelGenerator } from '@tunelab/dashboard';
import { writeTinyCorpus } from './support/tiny-corpus';

/**
 * The dashboard's API on a store written by a real tiny sweep (the sweeper's piscina workers training
 * LSTMs on made-up jigs): what the sweeper wrote is what the dashboard shows, and a checkpoint it saved
 * can be sampled and promoted. Skipped while @tunelab/model cannot train and sample.
 */

const api = model as unknown as Record<string, unknown>;
const ready = typeof api.train === 'function' && typeof api.Sampler === 'function';

let home: string;
let summary: SweepSummary;
let reader: Store;
let writer: Store;
let app: FastifyInstance;

beforeAll(async () => {
  if (!ready) return;
  home = mkdtempSync(join(tmpdir(), 'tunelab-dash-sweep-'));
  const yaml = `name: dash-tiny
method: grid
metric: { name: val_loss, goal: minimize }
run_cap: 2
parallel: 2
seed: 1
data: { corpus: ${JSON.stringify(writeTinyCorpus(home))}, files: [], split: { val: 0.2, seed: 1 } }
train: { epochs: 2, batch_size: 4, seq_len: 16, checkpoint_every: 1, backend: cpu }
model: { cell: lstm, embedding_dim: 8, layers: [16], dropout: 0 }
keep_checkpoints: { best: 1, last: 1 }
parameters:
  train.optimizer.lr: { values: [0.01, 0.003] }
`;
  const config = join(home, 'sweep.yaml');
  writeFileSync(config, yaml);
  summary = await startSweep(config, { home, quiet: true });
  reader = await openStore({ home }, { readonly: true });
  writer = await openStore({ home });
  app = await buildApp({ reader, writer: async () => writer, generator: modelGenerator(), uiDir: null });
}, 240_000);

afterAll(async () => {
  await app?.close();
  await reader?.close();
  await writer?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const get = async (url: string) => {
  const r = await app.inject(url);
  expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
  return r.json();
};

describe.skipIf(!ready)('dashboard on a real tiny sweep', () => {
  test('sweeps, trials, curves and checkpoints are what the sweeper wrote', async () => {
    expect(summary.status).toBe('completed');
    const { sweeps } = await get('/api/sweeps');
    expect(sweeps.map((s: { id: string }) => s.id)).toEqual([summary.sweepId]);
    expect(sweeps[0].counts.completed).toBe(2);
    expect(sweeps[0].best.trialId).toBe(summary.best?.trialId);

    const detail = await get(`/api/sweeps/${summary.sweepId}`);
    expect(detail.parameters).toEqual(['train.optimizer.lr']);
    expect(detail.metricNames).toContain('val_loss');

    const { trials, total } = await get(`/api/sweeps/${summary.sweepId}/trials?sort=best`);
    expect(total).toBe(2);
    expect(trials[0].bestValue).toBeLessThanOrEqual(trials[1].bestValue);

    const { series } = await get(`/api/sweeps/${summary.sweepId}/series?name=val_loss`);
    for (const t of trials) expect(series[t.id].map((p: number[]) => p[0])).toEqual([1, 2]);

    const { checkpoints } = await get(`/api/trials/${trials[0].id}/checkpoints`);
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(JSON.stringify(checkpoints)).not.toContain(home);
  });

  test('a checkpoint the sweep kept can be sampled and promoted', async () => {
    const [best] = (await get(`/api/sweeps/${summary.sweepId}/trials?sort=best&limit=1`)).trials;
    const checkpointId = best.bestCheckpointId ?? (await get(`/api/trials/${best.id}/checkpoints`)).checkpoints.find((c: { deleted: boolean }) => !c.deleted).id;
    const gen = await app.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId, n: 2, seed: 1, maxLength: 150 } });
    expect(gen.statusCode, gen.body).toBe(200);
    expect(gen.json().samples).toHaveLength(2);
    const promoted = await app.inject({ method: 'POST', url: '/api/promote', payload: { checkpointId, note: 'best of the tiny sweep' } });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect((await get('/api/aliases/champion')).current.checkpointId).toBe(checkpointId);
  }, 60_000);
});
