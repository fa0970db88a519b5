import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { prepareData } from '@tunelab/dataset';
import type { PreparedData } from '@tunelab/dataset';
import { train } from './train';
import { evaluateLoss } from './evaluate';
import type { TrainEvent } from './train';
import { deleteCheckpoint, listCheckpoints, loadCheckpoint, loadWeightsInto, saveCheckpoint } from './checkpoint';
import type { CheckpointMeta } from './checkpoint';
import { buildModel, disposeModel } from './build';
import { sample } from './sample';
import { tf, tfl } from './tf';
import { fileLoadHandler } from './file-io';
import { tinyConfig, writeTinyCorpus } from './testing';

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
    expect(meta).toMatchObject({ runId: 'r1', epoch: 3, kinds: ['best', 'last'], seed: 1, preprocessing: 'raw' });
    expect(meta.vocabulary.symbols).toEqual(prepared.vocab.symbols);
    expect(meta.config).toEqual(config);
    expect(meta.engine.name).toBe('cpu');
    expect(meta.gitCommit === null || /^[0-9a-f]{40}$/.test(meta.gitCommit)).toBe(true);
    expect(result.best).toMatchObject({ epoch: 3, dir, metric: 'val_loss' });
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

  test('2 epochs straight = 1 epoch + resume for 1 (weights, optimizer state, epoch count)', async () => {
    const h = home();
    await train({ config: tinyConfig(corpus, { epochs: 2 }), runId: 'straight', home: h, prepared });
    await train({ config: tinyConfig(corpus, { epochs: 1 }), runId: 'resumed', home: h, prepared });
    const events: TrainEvent[] = [];
    const r = await train({
      config: tinyConfig(corpus, { epochs: 2 }),
      runId: 'resumed',
      home: h,
      prepared,
      resumeFrom: join(h, 'checkpoints/resumed/epoch-1'),
      onEvent: (e) => events.push(e),
    });
    expect(events.find((e) => e.type === 'start')).toMatchObject({ startEpoch: 1 });
    expect(r.history.map((x) => x.epoch)).toEqual([2]);
    const a = weightsOf(join(h, 'checkpoints/straight/epoch-2'));
    const b = weightsOf(join(h, 'checkpoints/resumed/epoch-2'));
    expect(b.length).toBe(a.length);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    // Without the optimizer state the second epoch would differ (Adam's moments restart).
    expect(weightsOf(join(h, 'checkpoints/resumed/epoch-1'))).not.toEqual(b);
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
