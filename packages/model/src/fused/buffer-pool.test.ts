import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { tf } from './tfjs';
import { setTensorRecycling, tensorArraysReused, tensorBuffer, withRecycledTensors } from './buffer-pool';
import { train } from '../train';
import { tinyConfig, writeTinyCorpus } from '../../testing';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => setTensorRecycling(true));

describe('tensor-data recycling', () => {
  test('an array disposed inside a step is handed out again only in a later step, zeroed when asked', () => {
    const first = withRecycledTensors(() => {
      const b = tensorBuffer(1000, { zero: false });
      b.fill(7);
      const t = tf.tensor1d(b);
      expect(t.dataSync()).toBe(b); // the cpu backend adopts the array
      t.dispose();
      // Disposed, but the step is not over: a view of it could still be alive.
      expect(tensorBuffer(1000, { zero: false })).not.toBe(b);
      return b;
    });
    const again = withRecycledTensors(() => tensorBuffer(1000, { zero: true }));
    expect(again).toBe(first);
    expect(again.every((v) => v === 0)).toBe(true);
  });

  test('an array whose tensor outlives the step, or that is disposed outside a step, is never reused', () => {
    const kept = withRecycledTensors(() => tf.tensor1d(tensorBuffer(1001, { zero: false }).fill(3)));
    const other = withRecycledTensors(() => tensorBuffer(1001, { zero: false }));
    expect(other).not.toBe(kept.dataSync());
    kept.dispose(); // outside a step: left to the garbage collector
    const next = withRecycledTensors(() => tensorBuffer(1001, { zero: false }));
    expect(next).not.toBe(other);
    expect(next.length).toBe(1001);
  });

  test('outside a step, or switched off, every array is new', () => {
    const a = withRecycledTensors(() => {
      const b = tensorBuffer(1002, { zero: false });
      tf.tensor1d(b).dispose();
      return b;
    });
    expect(tensorBuffer(1002, { zero: false })).not.toBe(a);
    setTensorRecycling(false);
    expect(withRecycledTensors(() => tensorBuffer(1002, { zero: false }))).not.toBe(a);
  });

  test('a seeded training run is bit-identical with and without recycling, and recycling happened', async () => {
    const corpus = writeTinyCorpus();
    const config = tinyConfig(corpus, { epochs: 2, checkpoint_every: 0 });
    config.model = { ...config.model, layers: [16, 16], dropout: 0.2 };
    const run = async (recycle: boolean) => {
      setTensorRecycling(recycle);
      const home = mkdtempSync(join(tmpdir(), 'tunelab-recycle-'));
      const before = tensorArraysReused();
      // Through tfjs autograd: the fused training step (fused-step.ts) keeps its own arrays and makes no tensors.
      const result = await train({ config, runId: 'r', home, maxBatchesPerEpoch: 12, fusedStep: false });
      const weights = readFileSync(join(result.checkpoints.at(-1)!.dir, 'weights.bin'));
      return { history: result.history, weights, reused: tensorArraysReused() - before };
    };
    const plain = await run(false);
    const recycled = await run(true);
    expect(plain.reused).toBe(0);
    expect(recycled.reused).toBeGreaterThan(12);
    expect(recycled.history.map((r) => [r.metrics.loss, r.metrics.val_loss, r.metrics.accuracy])).toEqual(
      plain.history.map((r) => [r.metrics.loss, r.metrics.val_loss, r.metrics.accuracy]),
    );
    expect(recycled.weights.equals(plain.weights)).toBe(true);
  }, 60_000);
});
