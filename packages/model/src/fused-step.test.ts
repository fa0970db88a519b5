import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { prepareData, type PreparedData } from '@tunelab/dataset';
import type { RunConfig } from '@tunelab/config';
import { fusedStatus } from './engine';
import { tensorArraysReused } from './fused/buffer-pool';
import { tf } from './tf';
import { train, type TrainEvent, type TrainResult } from './train';
import { tinyConfig, writeTinyCorpus } from '../testing';

/**
 * The fused training step (fused-step.ts) against the tfjs autograd step it replaces: the same run config trained
 * both ways must give the same numbers, bit for bit — every epoch's losses, accuracies and validation metrics,
 * and the final weights and optimizer state.
 */

const corpus = writeTinyCorpus();
let prepared: PreparedData;
beforeAll(async () => {
  prepared = await prepareData(tinyConfig(corpus).data);
});

interface Run {
  result: TrainResult;
  steps: string[];
  weights: Buffer;
  optimizer: Buffer;
  losses: number[];
}

async function run(config: RunConfig, fusedStep: boolean): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), 'tunelab-fused-step-'));
  const steps: string[] = [];
  const losses: number[] = [];
  const result = await train({
    config,
    runId: 'r',
    home,
    prepared,
    fusedStep,
    onEvent: (e: TrainEvent) => {
      if (e.type === 'start') steps.push(e.engine.step);
      if (e.type === 'batch') losses.push(e.loss);
    },
  });
  const last = result.checkpoints[result.checkpoints.length - 1].dir;
  return { result, steps, losses, weights: readFileSync(join(last, 'weights.bin')), optimizer: readFileSync(join(last, 'optimizer.bin')) };
}

/** Every metric but the timings. */
function numbers(r: TrainResult): Record<string, number>[] {
  return r.history.map((h) => Object.fromEntries(Object.entries(h.metrics).filter(([k]) => k !== 'seconds' && k !== 'chars_per_sec')));
}

describe.skipIf(!fusedStatus().native)('the fused training step', () => {
  const cases: [string, RunConfig][] = [
    [
      'stateful, two layers, dropout, clipping that bites',
      (() => {
        const c = tinyConfig(corpus, { epochs: 3, clip_norm: 0.5, seed: 3 });
        c.model = { ...c.model, layers: [16, 12], dropout: 0.2 };
        return c;
      })(),
    ],
    [
      'shuffled windows (stateless), one layer, no dropout, no clipping',
      (() => {
        const c = tinyConfig(corpus, { epochs: 2, clip_norm: 0, batching: 'shuffled', seed: 5 });
        c.model = { ...c.model, dropout: 0 };
        return c;
      })(),
    ],
    [
      'metric input (two embedding tables), two layers, dropout',
      (() => {
        const c = tinyConfig(corpus, { epochs: 2, seed: 7 });
        c.model = { ...c.model, layers: [16, 12], dropout: 0.2, metric_input: true };
        return c;
      })(),
    ],
  ];

  test.each(cases)('%s: bit-identical to tfjs autograd', async (_name, config) => {
    const fused = await run(config, true);
    const tfjs = await run(config, false);
    expect(fused.steps).toEqual(['fused-step']);
    expect(tfjs.steps).toEqual(['fused-autograd']);
    expect(fused.losses.length).toBeGreaterThan(4);
    expect(fused.losses).toEqual(tfjs.losses);
    expect(numbers(fused.result)).toEqual(numbers(tfjs.result));
    expect(Number.isFinite(fused.result.history[0].metrics.val_loss)).toBe(true);
    expect(fused.weights.equals(tfjs.weights)).toBe(true);
    expect(fused.optimizer.equals(tfjs.optimizer)).toBe(true);
    // Once tfjs' own first-use caches exist (the runs above), a fused run leaves no tensor behind.
    const before = tf.memory().numTensors;
    const reused = tensorArraysReused();
    const again = await run(config, true);
    expect(tf.memory().numTensors).toBe(before);
    // Adam's new weights live in the arrays of the weights they replaced a step before (buffer-pool.ts).
    expect(tensorArraysReused() - reused).toBeGreaterThanOrEqual(again.losses.length - 1);
    expect(again.weights.equals(fused.weights)).toBe(true);
  });

  test('models it does not cover train through tfjs autograd', async () => {
    const gru = tinyConfig(corpus, { epochs: 1 });
    gru.model = { ...gru.model, cell: 'gru' };
    const sgd = tinyConfig(corpus, { epochs: 1, optimizer: { name: 'sgd', lr: 0.1 } });
    for (const config of [gru, sgd]) expect((await run(config, true)).steps).toEqual(['fused-autograd']);
  });
});
