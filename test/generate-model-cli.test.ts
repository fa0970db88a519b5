import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defaultRunConfig, parseSweepConfig } from '@tunelab/config';
import { train } from '@tunelab/model';
import { openStore } from '@tunelab/store';
import { runTunelab } from './support/cli';

/** `tunelab generate --model <alias>`: the promoted checkpoint, found through the store, samples tunes. */

const home = mkdtempSync(join(tmpdir(), 'tunelab-generate-model-'));
let checkpointDir = '';

beforeAll(async () => {
  const corpus = join(home, 'tiny.abc');
  writeFileSync(corpus, Array.from({ length: 8 }, (_, i) => `X:${i + 1}\nT:T${i}\nM:6/8\nL:1/8\nK:G\nGAB cBA|G3 G2:|\n`).join('\n'));
  const config = defaultRunConfig();
  config.data = { ...config.data, corpus, files: [], split: { val: 0.25, test: 0, seed: 1 } };
  config.model = { cell: 'lstm', embedding_dim: 4, layers: [8], dropout: 0 };
  config.train = { ...config.train, epochs: 1, batch_size: 2, seq_len: 16, checkpoint_every: 1, backend: 'cpu' };
  const result = await train({ config, runId: 'tiny', home });
  checkpointDir = result.checkpoints[0].dir;

  const store = await openStore({ home });
  const yaml = `name: tiny\nmethod: grid\nmetric: { name: val_loss }\nparameters:\n  train.seed: { values: [1] }\n`;
  const sweep = await store.createSweep({ config: parseSweepConfig(yaml), configYaml: yaml });
  const trial = await store.createTrial({ sweepId: sweep.id, number: 0, params: { 'train.seed': 1 }, config, seed: 1 });
  const ckpt = await store.addCheckpoint({ trialId: trial.id, epoch: 1, kind: 'best', path: checkpointDir, metrics: {} });
  await store.promote(ckpt.id, 'champion', 'for the test');
  await store.close();
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

test('--model champion samples from the checkpoint the alias points at', async () => {
  const r = await runTunelab(['generate', '--model', 'champion', '--home', home, '-n', '2', '--max-length', '60', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.model).toBe('champion');
  expect(out.checkpoint).toBe(checkpointDir);
  expect(out.tunes).toHaveLength(2);
  for (const tune of out.tunes) {
    expect(tune.text.startsWith('X:')).toBe(true);
    expect(tune).toMatchObject({ maskedMassMean: expect.any(Number), maskedMassMax: expect.any(Number), redraws: expect.any(Number) });
  }
});

test('an alias nobody promoted, or both --model and --checkpoint, exit 1 with a message', async () => {
  const [missing, both] = await Promise.all([
    runTunelab(['generate', '--model', 'nobody', '--home', home]),
    runTunelab(['generate', '--model', 'champion', '--checkpoint', checkpointDir, '--home', home]),
  ]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/no model is promoted as "nobody"/);
  expect(both.code).toBe(1);
  expect(both.stderr).toMatch(/exactly one of --checkpoint <dir> and --model <alias>/);
});
