import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prepareData, YARDSTICK_FILE, yardstickTunes, type PreparedData, type YardstickTune } from '@tunelab/dataset';
import { buildModel, disposeModel } from './build';
import { selectEngine, type EngineInfo } from './engine';
import { fusedTrainStep } from './fused-step';
import { createOptimizer } from './optimizer';
import { Sampler } from './sample';
import { specFromConfig } from './spec';
import { stepModels, type StepModels } from './step';
import { tfl } from './tf';
import { tinyConfig, writeTinyCorpus } from '../testing';
import { tuneBodyBits } from './yardstick';
import { train } from './train';
import { evaluateLoss, evaluateYardstick } from './evaluate';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const config = tinyConfig(writeTinyCorpus(), { batch_size: 4, seq_len: 16 });
let prepared: PreparedData;
let model: tfl.LayersModel;
let sm: StepModels;
let tunes: YardstickTune[];
let engine: EngineInfo;

beforeAll(async () => {
  engine = await selectEngine('cpu');
  prepared = await prepareData(config.data);
  // The tiny corpus is a path, not jigs.abc: label its held-out tunes as the yardstick's file.
  tunes = yardstickTunes(prepared.split.val.map((t) => ({ ...t, file: YARDSTICK_FILE })), prepared.vocab);
  model = buildModel(specFromConfig(config.model), prepared.vocab.size, { batchSize: 4, seqLen: null, seed: 3 });
  sm = stepModels(model);
});
afterAll(() => disposeModel(model));

/** The same bits, one symbol at a time through the batch-1 sampler, each tune from a fresh state. */
async function stepwiseBits(list: YardstickTune[]): Promise<number> {
  const sampler = Sampler.fromModel(model, specFromConfig(config.model), prepared.vocab, 3);
  let bits = 0;
  try {
    for (const t of list) {
      sampler.reset();
      for (let i = 0; i + 1 < t.ids.length; i++) {
        const probs = await sampler.step(t.ids.subarray(i, i + 1));
        if (i + 1 >= t.bodyFrom) bits -= Math.log2(probs[t.ids[i + 1]]);
      }
    }
  } finally {
    sampler.dispose();
  }
  return bits;
}

describe('tuneBodyBits', () => {
  test('sums each body symbol\'s bits from a zero state, as stepping one symbol at a time does', async () => {
    expect(tunes.length).toBeGreaterThan(4); // more tunes than rows: several groups
    const expected = await stepwiseBits(tunes);
    const chars = tunes.reduce((s, t) => s + t.bodyChars, 0);
    const r = await tuneBodyBits(sm, tunes, 4, 16);
    expect(r).not.toBeNull();
    expect(r!.chars).toBe(chars);
    expect(r!.tunes).toBe(tunes.length);
    expect(r!.bits).toBeCloseTo(expected, 2);
    expect(r!.bpc).toBeCloseTo(expected / chars, 5);
    // Chunk length and packing do not change a tune's bits.
    expect((await tuneBodyBits(sm, tunes, 4, 5))!.bits).toBeCloseTo(expected, 2);
    const one = await tuneBodyBits(sm, tunes.slice(0, 1), 4, 16);
    expect(one!.bits).toBeCloseTo(await stepwiseBits(tunes.slice(0, 1)), 3);
  });

  test('the fused step gives the same bits as tfjs', async () => {
    const fused = fusedTrainStep(sm, createOptimizer(config.train.optimizer, config.train.clip_norm, sm.fused ? 'fused' : 'tfjs'));
    if (!fused) return expect(engine.kernels).toBe(null);
    const a = await tuneBodyBits(sm, tunes, 4, 16, fused);
    const b = await tuneBodyBits(sm, tunes, 4, 16);
    expect(a!.bits).toBeCloseTo(b!.bits, 2);
  });

  test('counts only the body: the header conditions but is not scored', async () => {
    const whole = tunes.map((t) => ({ ...t, bodyFrom: 1 }));
    const body = (await tuneBodyBits(sm, tunes, 4, 16))!.bits;
    expect((await tuneBodyBits(sm, whole, 4, 16))!.bits).toBeGreaterThan(body + 1);
    expect(await tuneBodyBits(sm, [], 4, 16)).toBeNull();
  });
});

describe('train reports the yardstick', () => {
  test('val_bpc_jigs every epoch, test_bpc_jigs at the last; none without jigs', async () => {
    const c = tinyConfig(writeTinyCorpus(), { epochs: 2 });
    c.data.split = { val: 0.2, test: 0.2, seed: 1 };
    const data = await prepareData(c.data);
    expect(data.yardstick.val).toEqual([]); // a path corpus holds no jigs.abc
    const home = mkdtempSync(join(tmpdir(), 'tunelab-yardstick-'));
    const plain = await train({ config: c, runId: 'plain', home, prepared: data });
    expect(plain.history[0].metrics.val_bpc_jigs).toBeUndefined();
    const asJigs = (part: 'val' | 'test') => yardstickTunes(data.split[part].map((t) => ({ ...t, file: YARDSTICK_FILE })), data.vocab);
    const labelled = { ...data, yardstick: { val: asJigs('val'), test: asJigs('test') } };
    const r = await train({ config: c, runId: 'jigs', home, prepared: labelled });
    const [first, last] = r.history.map((h) => h.metrics);
    expect(first.val_bpc_jigs).toBeGreaterThan(0);
    expect(last.val_bpc_jigs).toBeLessThan(first.val_bpc_jigs);
    expect(first.test_bpc_jigs).toBeUndefined();
    expect(last.test_bpc_jigs).toBeGreaterThan(0);
    // The last checkpoint re-scored later (as `tunelab eval --checkpoint` does) gives the loop's figures.
    const dir = r.checkpoints[r.checkpoints.length - 1].dir;
    expect((await evaluateLoss(dir, { prepared: labelled }))!.bpcJigs).toBeCloseTo(last.val_bpc_jigs, 4);
    expect((await evaluateLoss(dir, { prepared: labelled, split: 'test' }))!.bpcJigs).toBeCloseTo(last.test_bpc_jigs, 4);
  });
});

const DATA = process.env.TUNELAB_DATA_DIR;

describe.skipIf(!DATA)('evaluateYardstick on the real jigs (needs TUNELAB_DATA_DIR)', () => {
  test("re-scores a transposed run's checkpoint to its training figures, without its transposition", async () => {
    const c = tinyConfig(writeTinyCorpus(), { epochs: 1 });
    c.data = { corpus: 'nottingham', files: ['jigs'], preprocessing: 'raw', vocabulary: 'char', split: { val: 0.1, test: 0.1, seed: 1 }, augment: { transpose: [-1, 1] } };
    const home = mkdtempSync(join(tmpdir(), 'tunelab-yardstick-jigs-'));
    const r = await train({ config: c, runId: 'jigs', home, dataOptions: { dataDir: DATA, env: {} }, maxBatchesPerEpoch: 3 });
    const m = r.history[0].metrics;
    const scores = await evaluateYardstick(r.checkpoints[0].dir, { dataOptions: { dataDir: DATA, env: {} } });
    expect(scores.tunes).toEqual({ val: 34, test: 34 });
    expect(scores.val_bpc_jigs).toBeCloseTo(m.val_bpc_jigs, 4);
    expect(scores.test_bpc_jigs).toBeCloseTo(m.test_bpc_jigs, 4);
  });
});
