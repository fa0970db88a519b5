import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { defaultRunConfig } from '@tunelab/config';
import { train, type SampledTune, type SampleEvaluationContext, type SampleEvaluator, type SampleOptions, type TrainEvent } from '@tunelab/model';
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
  config.eval = { every: 2, samples: 2, temperature: 1, constrain: 'meter' };

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
    for (const name of ['valid_rate', 'bar_ok_rate', 'novelty_lcs_median', 'novelty_lcs_p95', 'copied_tunes', 'masked_mass_mean', 'copies_redrawn']) {
      expect(e.metrics[name], `${name} at epoch ${e.epoch}`).toEqual(expect.any(Number));
    }
    expect(e.metrics.valid_rate).toBeGreaterThanOrEqual(0);
    expect(e.metrics.valid_rate).toBeLessThanOrEqual(1);
  }
  const lastCheckpoint = events.filter((e) => e.type === 'checkpoint').at(-1) as Extract<TrainEvent, { type: 'checkpoint' }>;
  expect(lastCheckpoint.metrics.copied_tunes).toEqual(expect.any(Number));
});

/** A sampler stand-in: `generate` and `stream` give fixed texts and record the options they were called with. */
function fakeSampler(generated: string[], streamed: string[]) {
  const calls: { generate: SampleOptions[]; stream: SampleOptions[] } = { generate: [], stream: [] };
  const tune = (text: string, mass: number): SampledTune => ({ text, maskedMassMean: mass, maskedMassMax: 2 * mass, complete: true, barsRedrawn: 0 });
  const sampler = {
    async generate(o: SampleOptions) {
      calls.generate.push(o);
      return generated.map((t) => tune(t, 0));
    },
    async *stream(o: SampleOptions) {
      calls.stream.push(o);
      for (const t of streamed) yield tune(t, 0.1);
    },
  };
  return { sampler: sampler as unknown as SampleEvaluationContext['sampler'], calls };
}

const TRAIN_TUNE = 'X:1\nT:train\nM:6/8\nL:1/8\nK:G\nGAB c2d|edc BAG|FGA DEF|G3 G3|]\n';
const NEW_TUNE = 'X:1\nT:new\nM:6/8\nL:1/8\nK:D\nDFA dAF|GBd gdB|Ace agf|edc d3|]\n';

function context(sampler: SampleEvaluationContext['sampler'], constrain: 'meter' | 'syntax' | 'off'): SampleEvaluationContext {
  const prepared = { split: { train: [{ text: TRAIN_TUNE }] } } as unknown as SampleEvaluationContext['prepared'];
  return { sampler, epoch: 1, eval: { every: 1, samples: 2, temperature: 1, constrain }, prepared, seed: 3 };
}

it('the sweep metrics come from unconstrained samples; the constrained draw adds masked_mass_mean and copies_redrawn', async () => {
  const evaluator = createSampleEvaluator({ abc2midi: false });
  const { sampler, calls } = fakeSampler([TRAIN_TUNE, NEW_TUNE], [TRAIN_TUNE, NEW_TUNE, NEW_TUNE]);
  const metrics = await evaluator(context(sampler, 'syntax'));
  expect(calls.generate).toMatchObject([{ n: 2, constrain: 'off', seed: 3 }]);
  expect(calls.stream).toMatchObject([{ constrain: 'syntax', seed: 3 }]);
  expect(metrics.copied_tunes).toBe(1); // the unconstrained samples, copies kept
  expect(metrics.copies_redrawn).toBe(1);
  expect(metrics.masked_mass_mean).toBeCloseTo(0.1);

  const off = fakeSampler([NEW_TUNE, NEW_TUNE], []);
  const plain = await evaluator(context(off.sampler, 'off'));
  expect(off.calls.stream).toEqual([]);
  expect(plain.masked_mass_mean).toBeUndefined();
  expect(plain.copies_redrawn).toBeUndefined();
});

it('a model that writes only copies does not fail the run: copies_redrawn counts them', async () => {
  const evaluator = createSampleEvaluator({ abc2midi: false });
  const { sampler } = fakeSampler([NEW_TUNE, NEW_TUNE], [NEW_TUNE, ...Array.from({ length: 9 }, () => TRAIN_TUNE)]);
  const metrics = await evaluator(context(sampler, 'meter'));
  expect(metrics.copies_redrawn).toBe(5);
  expect(metrics.masked_mass_mean).toBeCloseTo(0.1); // over the one tune accepted before the failing slot
  expect(metrics.valid_rate).toEqual(expect.any(Number));
});
