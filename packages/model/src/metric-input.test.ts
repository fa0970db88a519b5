import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { METRIC_FEATURES, METRIC_LAYOUT_V1 } from '@tunelab/abc';
import { metricInputIds, prepareData, YARDSTICK_FILE, yardstickTunes, type PreparedData, type YardstickTune } from '@tunelab/dataset';
import { buildModel, disposeModel } from './build';
import { loadCheckpoint, loadWeightsInto } from './checkpoint';
import { selectEngine } from './engine';
import { evaluateLoss } from './evaluate';
import { inputReader, splitMetricInputs } from './metric-embedding';
import { Sampler } from './sample';
import { FastLstmStepper } from './sampler-step';
import { specFromConfig, validateSpec, type ModelSpec } from './spec';
import { stepModels } from './step';
import { train, type TrainResult } from './train';
import { tuneBodyBits } from './yardstick';
import { tinyConfig, writeTinyCorpus } from '../testing';

/**
 * `model.metric_input`: the model reads each symbol's metric state beside it. What must hold: training, validation,
 * the yardstick and the sampler all read a text with the same states, and the states change what the model says.
 */

const config = tinyConfig(writeTinyCorpus(), { epochs: 2 });
config.model = { ...config.model, metric_input: true };
const spec: ModelSpec = specFromConfig(config.model);
let prepared: PreparedData;
let result: TrainResult;
let tunes: YardstickTune[];

beforeAll(async () => {
  await selectEngine('cpu');
  prepared = await prepareData(config.data);
  tunes = yardstickTunes(prepared.split.val.map((t) => ({ ...t, file: YARDSTICK_FILE })), prepared.vocab);
  const home = mkdtempSync(join(tmpdir(), 'tunelab-metric-input-'));
  result = await train({ config, runId: 'metric', home, prepared: { ...prepared, yardstick: { val: tunes, test: [] } } });
});

/** Body bits of tunes one symbol at a time through the batch-1 sampler, each tune from a fresh state. */
async function stepwiseBits(sampler: Sampler, list: YardstickTune[]): Promise<number> {
  let bits = 0;
  for (const t of list) {
    sampler.reset();
    for (let i = 0; i + 1 < t.ids.length; i++) {
      const probs = await sampler.step(t.ids.subarray(i, i + 1));
      if (i + 1 >= t.bodyFrom) bits -= Math.log2(probs[t.ids[i + 1]]);
    }
  }
  return bits;
}

describe('metric input', () => {
  test('the spec and the checkpoint say the model reads metric states', async () => {
    expect(spec.metricFeatures).toEqual(METRIC_FEATURES);
    const dir = result.best!.dir!;
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.meta.spec.metricFeatures).toEqual(METRIC_FEATURES);
    // A table per part of the state, after the symbols' table: [size, embedding_dim].
    const shapes = ckpt.weightSpecs.map((w) => w.shape);
    expect(shapes.slice(1, 1 + METRIC_FEATURES.length)).toEqual(METRIC_FEATURES.map((size) => [size, config.model.embedding_dim]));
  });

  test('training, the yardstick and the sampler read a tune with the same states', async () => {
    const dir = result.best!.dir!;
    const ckpt = await loadCheckpoint(dir);
    const last = result.history.find((h) => h.epoch === result.best!.epoch)!.metrics;
    // The loop's val_loss and val_bpc_jigs again from the checkpoint, and one symbol at a time through the sampler.
    expect((await evaluateLoss(dir, { prepared }))!.loss).toBeCloseTo(last.val_loss, 5);
    const model = buildModel(ckpt.meta.spec, prepared.vocab.size, { batchSize: 4, seqLen: null, seed: 1 });
    try {
      loadWeightsInto(model, ckpt);
      const sm = stepModels(model);
      const batched = await tuneBodyBits(sm, tunes, 4, 16, null, inputReader(spec, prepared.vocab));
      expect(batched!.bpc).toBeCloseTo(last.val_bpc_jigs, 5);
      for (const fast of [true, false]) {
        const sampler = Sampler.fromCheckpoint(ckpt, { fast });
        try {
          expect(sampler.usesFastPath).toBe(fast);
          expect(await stepwiseBits(sampler, tunes)).toBeCloseTo(batched!.bits, 2);
        } finally {
          sampler.dispose();
        }
      }
      // The states are read: the same symbols with every state 0 cost other bits.
      const stateless = await tuneBodyBits(sm, tunes, 4, 16, null, (ids) => ids);
      expect(Math.abs(stateless!.bits - batched!.bits)).toBeGreaterThan(1);
    } finally {
      disposeModel(model);
    }
  });

  test('the fast stepper reads input ids: other states, other probabilities', async () => {
    const ckpt = await loadCheckpoint(result.best!.dir!);
    const model = buildModel({ ...ckpt.meta.spec, stateful: true }, prepared.vocab.size, { batchSize: 1, seqLen: null, seed: 1 });
    try {
      loadWeightsInto(model, ckpt);
      const stepper = FastLstmStepper.tryCreate(model)!;
      const ids = tunes[0].ids.subarray(0, 40);
      const inputs = metricInputIds(prepared.vocab, ids);
      expect(Array.from(inputs)).not.toEqual(Array.from(ids));
      const withStates = stepper.step(inputs);
      stepper.reset();
      const without = stepper.step(ids);
      expect(Array.from(withStates)).not.toEqual(Array.from(without));
      stepper.dispose();
    } finally {
      disposeModel(model);
    }
  });

  test('a model of the first layout (before the phrase part) reads its own states, batched and in the sampler', async () => {
    const v1: ModelSpec = { ...spec, metricFeatures: [...METRIC_LAYOUT_V1] };
    expect(validateSpec(v1)).toBe(v1);
    expect(() => validateSpec({ ...spec, metricFeatures: [426, 43, 5] })).toThrow(/metricFeatures: .*\[426, 43, 5, 17\] \(or the first layout, \[426, 43, 4\]\), but got \[426,43,5\]/);
    const read = inputReader(v1, prepared.vocab);
    const ids = tunes[0].ids;
    expect(Array.from(read(ids))).toEqual(Array.from(metricInputIds(prepared.vocab, ids, METRIC_LAYOUT_V1)));
    expect(Array.from(read(ids))).not.toEqual(Array.from(metricInputIds(prepared.vocab, ids)));
    const model = buildModel(v1, prepared.vocab.size, { batchSize: 4, seqLen: null, seed: 5 });
    try {
      const batched = await tuneBodyBits(stepModels(model), tunes, 4, 16, null, read);
      for (const fast of [true, false]) {
        const sampler = Sampler.fromModel(model, v1, prepared.vocab, 5, { fast });
        try {
          expect(await stepwiseBits(sampler, tunes)).toBeCloseTo(batched!.bits, 2);
        } finally {
          sampler.dispose();
        }
      }
    } finally {
      disposeModel(model);
    }
  });

  test('samples tunes, unconstrained and constrained', async () => {
    const sampler = Sampler.fromCheckpoint(await loadCheckpoint(result.best!.dir!));
    try {
      for (const constrain of ['off', 'meter'] as const) {
        const out = await sampler.generate({ n: 2, seed: 3, maxLength: 300, constrain });
        expect(out).toHaveLength(2);
        for (const t of out) expect(t.text.startsWith('X:')).toBe(true);
      }
    } finally {
      sampler.dispose();
    }
  });

  test('input ids take apart into the symbol and each part of the state (mixed radix, first part fastest)', () => {
    const vocab = 7;
    const features = [5, 3, 2];
    const cases = [
      [0, 0, 0, 0],
      [6, 4, 2, 1],
      [3, 1, 0, 1],
      [2, 0, 2, 0],
    ];
    const ids = Int32Array.from(cases, ([sy, a, b, c]) => sy + vocab * (a + 5 * (b + 3 * c)));
    const { symbols, parts } = splitMetricInputs(ids, vocab, features);
    expect(Array.from(symbols)).toEqual(cases.map((c) => c[0]));
    expect(parts.map((p) => Array.from(p))).toEqual([1, 2, 3].map((k) => cases.map((c) => c[k])));
  });

  test('needs an embedding', () => {
    expect(() => specFromConfig({ ...config.model, embedding_dim: 0 })).toThrow(/embedding_dim > 0 with metric_input/);
  });
});
