import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { defaultRunConfig } from '@tunelab/config';
import { train, type SampleEvaluator, type TrainEvent } from '@tunelab/model';
import { createSampleEvaluator } from './sample-evaluator';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-eval-during-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a run with an eval block logs the music metrics at every `every`-th epoch and at the last, in its epoch events and checkpoints', async () => {
  const tunes = Array.from({ length: 12 }, (_, i) => `X:${i + 1}\nT:T${i}\nM:6/8\nL:1/8\nK:G\nGAB ${'cde'.slice(i % 3)}${'dBG'.slice(0, 3 - (i % 3))}|GAB c2d|\n`);
  const corpus = join(dir, 'tiny.abc');
  writeFileSync(corpus, tunes.join('\n'));
  const config = defaultRunConfig();
  config.data = { ...config.data, corpus, files: [], split: { val: 0.25, test: 0, seed: 1 } };
  config.model = { cell: 'lstm', embedding_dim: 4, layers: [8], dropout: 0 };
  config.train = { ...config.train, epochs: 3, batch_size: 2, seq_len: 16, checkpoint_every: 0, backend: 'cpu' };
  config.eval = { every: 2, samples: 2, temperature: 1 };

  const evaluator = createSampleEvaluator({ abc2midi: false, maxLength: 120 });
  const calls: number[] = [];
  const counting: SampleEvaluator = (ctx) => {
    calls.push(ctx.epoch);
    return evaluator(ctx);
  };
  const events: TrainEvent[] = [];
  await train({ config, runId: 'eval-during', home: dir, evaluateSamples: counting, onEvent: (e) => events.push(e) });

  expect(calls).toEqual([2, 3]);
  const epochs = events.filter((e): e is Extract<TrainEvent, { type: 'epoch' }> => e.type === 'epoch');
  expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
  expect(epochs[0].metrics.valid_rate).toBeUndefined();
  for (const e of epochs.slice(1)) {
    for (const name of ['valid_rate', 'bar_ok_rate', 'novelty_lcs_median', 'novelty_lcs_p95', 'copied_tunes']) {
      expect(e.metrics[name], `${name} at epoch ${e.epoch}`).toEqual(expect.any(Number));
    }
    expect(e.metrics.valid_rate).toBeGreaterThanOrEqual(0);
    expect(e.metrics.valid_rate).toBeLessThanOrEqual(1);
  }
  const lastCheckpoint = events.filter((e) => e.type === 'checkpoint').at(-1) as Extract<TrainEvent, { type: 'checkpoint' }>;
  expect(lastCheckpoint.metrics.copied_tunes).toEqual(expect.any(Number));
});
