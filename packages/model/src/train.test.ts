import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { prepareData } from '@tunelab/dataset';
import type { PreparedData } from '@tunelab/dataset';
import { train } from './train';
import { evaluateLoss } from './evaluate';
import type { SampleEvaluator, TrainEvent } from './train';
import type { LrScheduleConfig, RunConfig } from '@tunelab/config';
import { deleteCheckpoint, listCheckpoints, loadCheckpoint, loadWeightsInto, saveCheckpoint } from './checkpoint';
import type { CheckpointMeta } from './checkpoint';
import { buildModel, disposeModel } from './build';
import { sample } from './sample';
import { tf, tfl } from './tf';
import { fileLoadHandler } from './file-io';
import { tinyConfig, writeTinyCorpus } from '../testing';

const corpus = writeTinyCorpus();
let prepared: PreparedData;
const home = () => mkdtempSync(join(tmpdir(), 'tunelab-home-'));

beforeAll(async () => {
  prepared = await prepareData(tinyConfig(corpus).data);
});

function weightsOf(dir: string): Float32Array {
  return new Float32Array(readFileSync(join(dir, 'weights.bin')).buffer.slice(0));
}

describe('train', () => {
  test('trains, reports events in order, and writes one checkpoint folder per epoch with every kind', async () => {
    const events: TrainEvent[] = [];
    const h = home();
    const config = tinyConfig(corpus, { epochs: 3, checkpoint_every: 2 });
    const result = await train({ config, runId: 'r1', home: h, prepared, onEvent: (e) => events.push(e) });

    const types = events.map((e) => e.type).filter((t) => t !== 'batch' && t !== 'log');
    expect(types).toEqual(['start', 'epoch', 'checkpoint', 'epoch', 'checkpoint', 'epoch', 'checkpoint']);
    const start = events.find((e) => e.type === 'start')!;
    expect(start).toMatchObject({ params: result.params, startEpoch: 0, epochs: 3 });
    const batchesPerEpoch = (start as { batchesPerEpoch: number }).batchesPerEpoch;
    expect(events.filter((e) => e.type === 'batch')).toHaveLength(3 * batchesPerEpoch);
    expect(JSON.parse(JSON.stringify(events))).toEqual(events); // plain data: crosses a MessagePort

    const m = result.history.map((r) => r.metrics);
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'val_bpc', 'chars_per_sec']) expect(m[0][k]).toBeGreaterThan(0);
    expect(m[0].val_bpc).toBeCloseTo(m[0].val_loss / Math.LN2, 10);
    expect(m[2].val_loss).toBeLessThan(m[0].val_loss);

    // The validation loss falls every epoch here, so each epoch is a new best.
    expect(result.checkpoints.map((c) => [c.epoch, c.kinds])).toEqual([
      [1, ['best']],
      [2, ['periodic', 'best']],
      [3, ['best', 'last']],
    ]);
    expect(readdirSync(join(h, 'checkpoints', 'r1')).sort()).toEqual(['epoch-1', 'epoch-2', 'epoch-3']);
    const dir = join(h, 'checkpoints', 'r1', 'epoch-3');
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'optimizer.bin', 'optimizer.json', 'tunelab.json', 'weights.bin']);
    const meta = JSON.parse(readFileSync(join(dir, 'tunelab.json'), 'utf8')) as CheckpointMeta;
    expect(meta).toMatchObject({ runId: 'r1', epoch: 3, kinds: ['best', 'last'], seed: 1, preprocessing: 'unnumbered' });
    expect(meta.vocabulary.symbols).toEqual(prepared.vocab.symbols);
    expect(meta.config).toEqual(config);
    expect(meta.engine.name).toBe('cpu');
    expect(meta.gitCommit === null || /^[0-9a-f]{40}$/.test(meta.gitCommit)).toBe(true);
    expect(result.best).toMatchObject({ epoch: 3, dir, metric: 'val_loss', goal: 'minimize' });
    expect(meta.state).toMatchObject({ bestValue: m[2].val_loss, bestEpoch: 3, bestMetric: 'val_loss', bestGoal: 'minimize' });
    // Evaluating the checkpoint again measures what the loop reported for that epoch.
    const again = await evaluateLoss(dir, { prepared });
    expect(again!.loss).toBeCloseTo(m[2].val_loss, 5);
    expect(again!.accuracy).toBeCloseTo(m[2].val_accuracy, 5);
    expect(await evaluateLoss(dir, { prepared, split: 'test' })).toBeNull();

    const listed = await listCheckpoints(h, 'r1');
    expect(listed.map((c) => [c.epoch, c.kinds])).toEqual(result.checkpoints.map((c) => [c.epoch, c.kinds]));
    await deleteCheckpoint(listed[0].dir);
    expect((await listCheckpoints(h, 'r1')).map((c) => c.epoch)).toEqual([2, 3]);
    await expect(deleteCheckpoint(h)).rejects.toThrow(/refusing/);
  });

  test.each([
    ['gru', 'sgd', 'shuffled', 0],
    ['lstm-layers', 'rmsprop', 'stateful', 1],
    ['lstm', 'adam', 'shuffled', 0.5],
  ] as const)('%s with %s, %s batches, clip_norm %s trains (loss falls)', async (cell, name, batching, clip) => {
    const config = tinyConfig(corpus, { epochs: 2, batching, clip_norm: clip, checkpoint_every: 0, optimizer: { name, lr: name === 'sgd' ? 0.5 : 0.01 } });
    config.model.cell = cell;
    const r = await train({ config, runId: 'v', home: home(), prepared, maxBatchesPerEpoch: 12 });
    const [a, b] = r.history.map((x) => x.metrics.val_loss);
    expect(b).toBeLessThan(a);
  });

  test('the same seed trains to the same weights', async () => {
    const config = tinyConfig(corpus, { epochs: 1 });
    const [a, b] = [home(), home()];
    await train({ config, runId: 'x', home: a, prepared });
    await train({ config, runId: 'x', home: b, prepared });
    expect(weightsOf(join(a, 'checkpoints/x/epoch-1'))).toEqual(weightsOf(join(b, 'checkpoints/x/epoch-1')));
  });

  describe('resume is exact: killed at any batch and resumed from the newest checkpoint, a run is bit-identical', () => {
    /** Metrics that do not depend on the clock. */
    const timeless = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'seconds' && k !== 'chars_per_sec'));
    const bytes = (dir: string, file: string) => new Uint8Array(readFileSync(join(dir, file)));
    // Scores a few tunes the live model samples (so it depends on the weights and on the evaluator's seed), and
    // a scripted objective, best at epochs 1 and 3: with checkpoint_every 0 a later kill resumes from an old best.
    const script: Record<number, number> = { 1: 0.5, 2: 0.4, 3: 0.9, 4: 0.1, 5: 0.2, 6: 0.3 };
    const sampled: SampleEvaluator = async ({ sampler, seed, epoch }) => {
      const tunes = await sampler.generate({ n: 2, seed, maxLength: 30, prime: 'X:' });
      let codes = 0;
      for (const t of tunes) for (const ch of t.text) codes = (codes * 31 + ch.charCodeAt(0)) % 1_000_003;
      return { sample_hash: codes, peak: script[epoch] };
    };
    const objective = { name: 'peak', goal: 'maximize' as const };

    type Variant = {
      batching: 'stateful' | 'shuffled';
      fusedStep: boolean;
      transpose?: boolean;
      optimizer?: 'adam' | 'rmsprop';
      checkpoint_every?: number;
      every?: number;
      layers?: number[];
      schedule?: LrScheduleConfig;
    };
    const configOf = (v: Variant): RunConfig => {
      const c = tinyConfig(corpus, {
        epochs: 6,
        batching: v.batching,
        checkpoint_every: v.checkpoint_every ?? 0,
        clip_norm: 1,
        optimizer: { name: v.optimizer ?? 'adam', lr: 0.02 },
      });
      c.model.dropout = 0.3;
      if (v.layers) c.model.layers = v.layers;
      c.eval = { every: v.every ?? 1, samples: 2, temperature: 1, constrain: 'off' };
      if (v.transpose) c.data.augment = { transpose: [-2, 2] };
      if (v.schedule) c.train.lr_schedule = v.schedule;
      return c;
    };

    test.each<[string, Variant, [number, number][]]>([
      ['fused step, two layers, stateful batches, exponential lr', { batching: 'stateful', fusedStep: true, layers: [16, 12], schedule: { name: 'exponential', gamma: 0.7, min_lr: 0 } }, [[1, 3], [2, 3], [4, 0], [5, 5], [5, 2], [6, 1]]],
      ['tfjs autograd, shuffled batches', { batching: 'shuffled', fusedStep: false }, [[2, 4], [5, 0], [6, 5]]],
      ['fused step, shuffled, transposed, periodic checkpoints', { batching: 'shuffled', fusedStep: true, transpose: true, checkpoint_every: 2, every: 2 }, [[2, 1], [3, 5], [5, 2]]],
      ['tfjs autograd, rmsprop, stateful, cosine lr', { batching: 'stateful', fusedStep: false, optimizer: 'rmsprop', schedule: { name: 'cosine', gamma: 1, min_lr: 0.001 } }, [[3, 2], [5, 4]]],
    ])('%s', async (_label, v, kills) => {
      const config = configOf(v);
      const data = v.transpose ? await prepareData(config.data) : prepared;
      const common = { config, home: home(), prepared: data, objective, evaluateSamples: sampled, fusedStep: v.fusedStep, maxBatchesPerEpoch: 7 };
      const straight = await train({ ...common, runId: 'straight' });
      expect(straight.history.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]);

      // Killed (aborted) at each [epoch, batch] in turn, resumed from the newest checkpoint each time. An epoch
      // run again after a resume from an older checkpoint must report what it reported the first time (the
      // sweeper's store keeps the first row of a step).
      const reported = new Map<number, Record<string, number>[]>();
      const resumedFrom: number[] = [];
      for (let attempt = 0; ; attempt++) {
        const kill = kills[attempt];
        const ac = new AbortController();
        const newest = (await listCheckpoints(common.home, 'killed')).at(-1);
        resumedFrom.push(newest?.epoch ?? 0);
        const run = train({
          ...common,
          runId: 'killed',
          resumeFrom: newest?.dir,
          signal: ac.signal,
          onEvent: (e) => {
            if (e.type === 'epoch') reported.set(e.epoch, [...(reported.get(e.epoch) ?? []), e.metrics]);
            if (kill && e.type === 'batch' && e.epoch === kill[0] && e.batch === kill[1]) ac.abort();
          },
        });
        if (!kill) {
          await run;
          break;
        }
        await expect(run).rejects.toMatchObject({ name: 'AbortError' });
      }
      // The scenario: some resumes start from an older best, not from the epoch before the kill.
      if (!v.checkpoint_every) expect(resumedFrom.some((e, i) => i > 0 && e < kills[i - 1][0] - 1)).toBe(true);

      expect([...reported.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6]);
      for (const { epoch, metrics } of straight.history) {
        for (const again of reported.get(epoch)!) expect({ epoch, ...timeless(again) }).toEqual({ epoch, ...timeless(metrics) });
      }
      const a = await listCheckpoints(common.home, 'straight');
      const b = await listCheckpoints(common.home, 'killed');
      expect(b.map((c) => [c.epoch, c.kinds, timeless(c.metrics)])).toEqual(a.map((c) => [c.epoch, c.kinds, timeless(c.metrics)]));
      for (let i = 0; i < a.length; i++) {
        for (const f of ['weights.bin', 'optimizer.bin']) expect(bytes(b[i].dir, f)).toEqual(bytes(a[i].dir, f));
        const [ma, mb] = [a[i], b[i]].map((c) => JSON.parse(readFileSync(join(c.dir, 'tunelab.json'), 'utf8')) as CheckpointMeta);
        expect(mb.state).toEqual(ma.state);
      }
    });
  });

  test.each([true, false])('a learning-rate schedule sets each epoch\'s rate (fused step: %s): epoch 1 as constant, later epochs apart', async (fusedStep) => {
    const base = tinyConfig(corpus, { epochs: 3, checkpoint_every: 1, optimizer: { name: 'adam', lr: 0.02 } });
    const decayed: RunConfig = { ...base, train: { ...base.train, lr_schedule: { name: 'exponential', gamma: 0.5, min_lr: 0 } } };
    const [a, b] = [home(), home()];
    const constant = await train({ config: base, runId: 'c', home: a, prepared, fusedStep, maxBatchesPerEpoch: 5 });
    const scheduled = await train({ config: decayed, runId: 's', home: b, prepared, fusedStep, maxBatchesPerEpoch: 5 });
    expect(constant.history.map((r) => r.metrics.lr)).toEqual([0.02, 0.02, 0.02]);
    expect(scheduled.history.map((r) => r.metrics.lr)).toEqual([0.02, 0.01, 0.005]);
    expect(weightsOf(join(b, 'checkpoints/s/epoch-1'))).toEqual(weightsOf(join(a, 'checkpoints/c/epoch-1')));
    expect(weightsOf(join(b, 'checkpoints/s/epoch-2'))).not.toEqual(weightsOf(join(a, 'checkpoints/c/epoch-2')));
  });

  test('with transposition each epoch trains on its own keys, and a resumed run draws the same ones', async () => {
    const augmented = (epochs: number) => {
      const c = tinyConfig(corpus, { epochs });
      c.data.augment = { transpose: [-3, 3] };
      return c;
    };
    const data = await prepareData(augmented(1).data);
    const h = home();
    const events: TrainEvent[] = [];
    const straight = await train({ config: augmented(2), runId: 'moved', home: h, prepared: data, onEvent: (e) => events.push(e) });
    expect(events.some((e) => e.type === 'log' && /transposing training tunes by -3…3 semitones/.test(e.line))).toBe(true);
    const [one, two] = straight.history.map((r) => r.metrics);
    expect(two.characters).toBeGreaterThan(one.characters);
    await train({ config: augmented(1), runId: 'moved-resumed', home: h, prepared: data });
    const resumed = await train({ config: augmented(2), runId: 'moved-resumed', home: h, prepared: data, resumeFrom: join(h, 'checkpoints/moved-resumed/epoch-1') });
    expect(resumed.history[0].metrics.loss).toBeCloseTo(two.loss, 5);
    expect(resumed.history[0].metrics.characters).toBe(two.characters);
    // Unmoved, the second epoch's text (and so its loss) differs.
    const plain = await train({ config: tinyConfig(corpus, { epochs: 2 }), runId: 'unmoved', home: h, prepared });
    expect(plain.history[1].metrics.loss).not.toBeCloseTo(two.loss, 5);
  });

  test('an AbortSignal stops between batches with an AbortError and leaves no checkpoint behind', async () => {
    const h = home();
    const ac = new AbortController();
    let batches = 0;
    const run = train({
      config: tinyConfig(corpus, { epochs: 2 }),
      runId: 'stopped',
      home: h,
      prepared,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'batch' && ++batches === 3) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(batches).toBe(3);
    expect(existsSync(join(h, 'checkpoints', 'stopped'))).toBe(false);
  });

  test('max_minutes ends the run early with a last checkpoint', async () => {
    const h = home();
    const r = await train({ config: tinyConfig(corpus, { epochs: 5, max_minutes: 1e-9 }), runId: 'short', home: h, prepared });
    expect(r.stoppedBy).toBe('max_minutes');
    expect(r.epochs).toBe(1);
    expect(r.checkpoints.at(-1)?.kinds).toContain('last');
  });

  describe('the best checkpoint by an objective', () => {
    // A metric only the eval block computes (every 2 epochs and at the last), maximized, from a script: it
    // peaks at epoch 2 while the validation loss keeps falling to epoch 4.
    const script: Record<number, number> = { 2: 0.8, 3: 0.9, 4: 0.5 };
    const scripted: SampleEvaluator = async ({ epoch }): Promise<Record<string, number>> => (script[epoch] === undefined ? {} : { bar_ok_rate: script[epoch] });
    const objective = { name: 'bar_ok_rate', goal: 'maximize' as const };
    const evalConfig = (epochs: number): RunConfig => ({
      ...tinyConfig(corpus, { epochs, checkpoint_every: 1 }),
      eval: { every: 2, samples: 1, temperature: 1, constrain: 'off' },
    });
    const metaOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'tunelab.json'), 'utf8')) as CheckpointMeta;

    test('keeps a best checkpoint on each epoch where a maximize metric improves, and only where it was computed', async () => {
      const h = home();
      const r = await train({ config: evalConfig(4), runId: 'obj', home: h, prepared, objective, evaluateSamples: scripted, maxBatchesPerEpoch: 6 });
      const valLoss = r.history.map((x) => x.metrics.val_loss);
      // The scenario: by val_loss the last epoch would be best.
      expect(valLoss.indexOf(Math.min(...valLoss)) + 1).toBe(4);
      expect(r.history.map((x) => x.metrics.bar_ok_rate)).toEqual([undefined, 0.8, undefined, 0.5]);
      // Epoch 3 has no bar_ok_rate (script[3] is never asked for: 3 is no eval epoch), so it is no candidate.
      expect(r.checkpoints.map((c) => [c.epoch, c.kinds])).toEqual([
        [1, ['periodic']],
        [2, ['periodic', 'best']],
        [3, ['periodic']],
        [4, ['periodic', 'last']],
      ]);
      expect(r.best).toEqual({ epoch: 2, dir: join(h, 'checkpoints', 'obj', 'epoch-2'), metric: 'bar_ok_rate', goal: 'maximize', value: 0.8 });
      expect(metaOf(join(h, 'checkpoints', 'obj', 'epoch-4')).state).toMatchObject({ bestValue: 0.8, bestEpoch: 2, bestMetric: 'bar_ok_rate', bestGoal: 'maximize' });

      // The same run minimizing the metric: epoch 4's 0.5 beats epoch 2's 0.8.
      const min = await train({ config: evalConfig(4), runId: 'objmin', home: h, prepared, objective: { ...objective, goal: 'minimize' }, evaluateSamples: scripted, maxBatchesPerEpoch: 6 });
      expect(min.checkpoints.filter((c) => c.kinds.includes('best')).map((c) => c.epoch)).toEqual([2, 4]);
    });

    test('resuming keeps the best so far by the objective; an older checkpoint (bestLoss, by val_loss) still resumes', async () => {
      const h = home();
      await train({ config: evalConfig(2), runId: 'res', home: h, prepared, objective, evaluateSamples: scripted, maxBatchesPerEpoch: 6 });
      const from = join(h, 'checkpoints', 'res', 'epoch-2');
      expect(metaOf(from).state).toMatchObject({ bestValue: 0.8, bestEpoch: 2 });
      const r = await train({ config: evalConfig(4), runId: 'res', home: h, prepared, objective, evaluateSamples: scripted, maxBatchesPerEpoch: 6, resumeFrom: from });
      // Epoch 4's 0.5 is no improvement on the restored 0.8 (a fresh best would have taken it).
      expect(r.checkpoints.map((c) => [c.epoch, c.kinds])).toEqual([
        [3, ['periodic']],
        [4, ['periodic', 'last']],
      ]);
      expect(r.best).toMatchObject({ epoch: 2, dir: null, metric: 'bar_ok_rate', value: 0.8 });

      // A checkpoint written before objectives: state { step, bestLoss, bestEpoch, bestMetric: 'val_loss' }.
      const meta = metaOf(from);
      const { step } = meta.state;
      meta.state = { step, bestLoss: 1e-6, bestEpoch: 2, bestMetric: 'val_loss' };
      writeFileSync(join(from, 'tunelab.json'), JSON.stringify(meta));
      const plain = await train({ config: tinyConfig(corpus, { epochs: 3 }), runId: 'res-old', home: h, prepared, maxBatchesPerEpoch: 6, resumeFrom: from });
      expect(plain.best).toMatchObject({ epoch: 2, metric: 'val_loss', goal: 'minimize', value: 1e-6 });
      // The same checkpoint under another objective: its val_loss best does not count, the next eval epoch is best.
      const other = await train({ config: evalConfig(4), runId: 'res-other', home: h, prepared, objective, evaluateSamples: scripted, maxBatchesPerEpoch: 6, resumeFrom: from });
      expect(other.best).toMatchObject({ epoch: 4, metric: 'bar_ok_rate', value: 0.5 });
    });
  });

  test('no tensor leaks: numTensors is the same before and after training and after sampling', async () => {
    const h = home();
    const config = tinyConfig(corpus, { epochs: 1 });
    await train({ config, runId: 'warm', home: h, prepared }); // first use creates tfjs' own caches
    const before = tf.memory().numTensors;
    await train({ config, runId: 'leak', home: h, prepared });
    expect(tf.memory().numTensors).toBe(before);
    await sample(join(h, 'checkpoints/leak/epoch-1'), { n: 2, maxLength: 50 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('checkpoints', () => {
  test('a loaded checkpoint predicts exactly what the saved model predicted', async () => {
    const h = home();
    const spec = { cell: 'lstm' as const, embeddingDim: 4, layers: [6, 5], dropout: 0.2, stateful: true };
    const model = buildModel(spec, 9, { batchSize: 2, seqLen: null, seed: 5 });
    const x = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]], [2, 4], 'int32');
    const before = tf.tidy(() => (model.predict(x) as tf.Tensor).arraySync());
    const meta = { format: 'tunelab-checkpoint/1', runId: 'p', epoch: 1, kinds: ['last'], spec, seed: 5, vocabulary: { kind: 'char', symbols: 'abcdefghi'.split('') } } as unknown as CheckpointMeta;
    const dir = await saveCheckpoint(join(h, 'ckpt'), model, null, meta);
    disposeModel(model);

    const ckpt = await loadCheckpoint(dir);
    const again = buildModel(spec, 9, { batchSize: 2, seqLen: null, seed: 99 }); // other seed: weights must come from disk
    loadWeightsInto(again, ckpt);
    const after = tf.tidy(() => (again.predict(x) as tf.Tensor).arraySync());
    expect(after).toEqual(before);
    disposeModel(again);

    // The folder is also a plain tfjs layers model (tunelab's layer classes are registered on import).
    const plain = await tfl.loadLayersModel(fileLoadHandler(dir));
    expect(tf.tidy(() => (plain.predict(x) as tf.Tensor).arraySync())).toEqual(before);
    disposeModel(plain);
    x.dispose();
  });

  test('loading a folder that is not a checkpoint names it', async () => {
    const h = home();
    await expect(loadCheckpoint(h)).rejects.toThrow(h);
  });
});
