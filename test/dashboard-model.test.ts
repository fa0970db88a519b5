import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { defaultRunConfig, type RunConfig, type SweepConfig } from '@tunelab/config';
import * as model from '@tunelab/model';
import { openStore, type Store } from '@tunelab/store';
import { buildApp, modelGenerator } from '@tunelab/dashboard';
import { writeTinyCorpus } from './support/tiny-corpus';

/**
 * Generation through the real model: a tiny LSTM trained for two epochs on made-up jigs writes real
 * checkpoints; the dashboard samples from them in its worker thread, scores the tunes and stores them.
 * Skipped while @tunelab/model cannot train and sample.
 */

const api = model as unknown as Record<string, unknown>;
const ready = typeof api.train === 'function' && typeof api.loadCheckpoint === 'function' && typeof api.Sampler === 'function';

let home: string;
let store: Store;
let checkpointId: string;
const generator = modelGenerator();
let app: FastifyInstance;

beforeAll(async () => {
  if (!ready) return;
  home = mkdtempSync(join(tmpdir(), 'tunelab-dash-model-'));
  const config: RunConfig = defaultRunConfig();
  config.data = { ...config.data, corpus: writeTinyCorpus(home), files: [], split: { val: 0.2, test: 0, seed: 1 } };
  config.model = { cell: 'lstm', embedding_dim: 8, layers: [16], dropout: 0 };
  config.train = { ...config.train, epochs: 2, batch_size: 4, seq_len: 16, checkpoint_every: 1, backend: 'cpu', optimizer: { name: 'adam', lr: 0.01 } };
  store = await openStore({ home });
  const sweep = await store.createSweep({
    config: { name: 'tiny', method: 'grid', metric: { name: 'val_loss', goal: 'minimize' }, seed: 1, run_cap: 1, parallel: 1, max_minutes: 0, retries: 0, keep_checkpoints: { best: 1, last: 1 }, parameters: {}, base: config } as unknown as SweepConfig,
    configYaml: 'name: tiny\n',
  });
  const trial = await store.createTrial({ sweepId: sweep.id, number: 0, params: {}, config, seed: 1 });
  const checkpoints: { epoch: number; dir: string; metrics: Record<string, number> }[] = [];
  // Through `api`, so this file typechecks before @tunelab/model exports train.
  const train = api.train as (o: { config: RunConfig; runId: string; home: string; onEvent(e: { type: string; epoch: number; dir: string; metrics: Record<string, number> }): void }) => Promise<unknown>;
  await train({
    config,
    runId: trial.id,
    home,
    onEvent: (e) => {
      if (e.type === 'checkpoint') checkpoints.push(e);
    },
  });
  const last = checkpoints.at(-1)!;
  checkpointId = (await store.addCheckpoint({ trialId: trial.id, epoch: last.epoch, kind: 'periodic', path: last.dir, metrics: last.metrics })).id;
  app = await buildApp({ reader: store, generator, uiDir: null, queue: { timeoutMs: 60_000 } });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!ready)('generate from a real checkpoint', () => {
  test('tunes come from the model, scored, stored, and the same seed gives the same tunes', async () => {
    const body = { checkpointId, n: 2, temperature: 1, seed: 3, maxLength: 200 };
    const r = await app.inject({ method: 'POST', url: '/api/generate', payload: body });
    expect(r.statusCode, r.body).toBe(200);
    const { samples } = r.json() as { samples: { abc: string; settings: { constrain?: string }; eval: { valid: boolean; novelty: { copy: boolean } | null; maskedMassMean?: number; redraws?: number } }[] };
    expect(samples).toHaveLength(2);
    for (const s of samples) {
      expect(s.abc.startsWith('X:')).toBe(true);
      expect(typeof s.eval.valid).toBe('boolean');
      expect(s.eval.novelty).not.toBeNull(); // the tiny corpus loads, so novelty is measured
      // Sampled as tunelab hands tunes out by default: checked against the meter, never a copy.
      expect(s.settings.constrain).toBe('meter');
      expect(s.eval.novelty!.copy).toBe(false);
      expect(s.eval.maskedMassMean).toBeGreaterThanOrEqual(0);
      expect(s.eval.redraws).toEqual(expect.any(Number));
    }
    const again = (await app.inject({ method: 'POST', url: '/api/generate', payload: body })).json() as { samples: { abc: string }[] };
    expect(again.samples.map((s) => s.abc)).toEqual(samples.map((s) => s.abc));

    const raw = await app.inject({ method: 'POST', url: '/api/generate', payload: { ...body, constrain: 'off', allowCopies: true } });
    expect(raw.statusCode, raw.body).toBe(200);
    for (const s of raw.json().samples) expect(s.eval).toMatchObject({ maskedMassMean: 0, maskedMassMax: 0, redraws: 0 });
  }, 60_000);

  test('a job past its deadline is stopped (the worker is terminated) and the next one works', async () => {
    // 1 ms: no job (a message to the worker, a checkpoint load, sampling) ends that soon, however short its tunes.
    const slow = await buildApp({ reader: store, generator, uiDir: null, queue: { timeoutMs: 1 } });
    const late = await slow.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId, n: 10, maxLength: 3000 } });
    expect(late.statusCode).toBe(503);
    expect(late.json().error).toMatch(/longer than/);
    await slow.close(); // closes the shared generator's worker too; the next job starts a new one
    const ok = await app.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId, n: 1, maxLength: 50, seed: 1 } });
    expect(ok.statusCode, ok.body).toBe(200);
  }, 60_000);
});
