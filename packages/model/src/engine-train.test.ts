/**
 * The engine through a training run: the checkpoint's metadata and the log carry the engine with the step path
 * the model took. Its own file: selectEngine switches the process's backend and kernels.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { prepareData } from '@tunelab/dataset';
import type { CheckpointMeta } from './checkpoint';
import { machineFacts, selectEngine } from './engine';
import { Sampler } from './sample';
import { loadCheckpoint } from './checkpoint';
import { train, type TrainEvent } from './train';
import { tinyConfig, writeTinyCorpus } from '../testing';

const config = tinyConfig(writeTinyCorpus(), { epochs: 1, checkpoint_every: 0 });
const prepared = await prepareData(config.data);

async function run(options: Partial<Parameters<typeof train>[0]> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'tunelab-engine-train-'));
  const events: TrainEvent[] = [];
  const result = await train({ config, runId: 'e', home, prepared, maxBatchesPerEpoch: 3, onEvent: (e) => events.push(e), ...options });
  const dir = result.checkpoints.at(-1)!.dir;
  const meta = JSON.parse(readFileSync(join(dir, 'tunelab.json'), 'utf8')) as CheckpointMeta;
  const line = events.find((e): e is Extract<TrainEvent, { type: 'log' }> => e.type === 'log' && e.line.startsWith('engine: '))?.line;
  return { result, meta, line, dir };
}

test('the checkpoint records the engine: backend, kernels, the fused step, the threads that ran, why', async () => {
  const { result, meta, line } = await run();
  const facts = machineFacts();
  const kernels = facts.native.available ? 'native' : 'reference';
  // train.threads: auto (the default) gives the native kernels every core; the reference runs one.
  const threads = kernels === 'native' && facts.native.threaded ? facts.cores : 1;
  expect(meta.engine).toMatchObject({ name: 'cpu', kernels, step: 'fused-step', threads, multiThreadSafe: true });
  expect(meta.engine.reason).toMatch(/cpu \(JavaScript\) with/);
  expect(result.engine).toEqual(meta.engine);
  expect(line).toBe(`engine: cpu + ${kernels} kernels, step fused-step, ${threads} thread${threads === 1 ? '' : 's'} — ${meta.engine.reason}`);
  const single = await run({ config: { ...config, train: { ...config.train, threads: 1 } } });
  expect(single.meta.engine.threads).toBe(1);
  expect(single.line).toMatch(/step fused-step, 1 thread — /);
});

test('fusedStep: false records the fused ops through tfjs autograd', async () => {
  const { meta } = await run({ fusedStep: false });
  expect(meta.engine.step).toBe('fused-autograd');
});

test('an engine passed in is the one used: without fused kernels the model trains with tfjs-layers', async () => {
  const engine = await selectEngine('cpu', machineFacts({ TUNELAB_FUSED: '0' }));
  const { meta, dir } = await run({ engine });
  expect(meta.engine).toMatchObject({ name: 'cpu', kernels: null, step: 'layers' });
  expect(meta.engine.reason).toMatch(/TUNELAB_FUSED/);
  // A sampler built while that engine is the process's steps through tfjs-layers too.
  const sampler = Sampler.fromCheckpoint(await loadCheckpoint(dir));
  try {
    expect(sampler.usesFastPath).toBe(false);
  } finally {
    sampler.dispose();
  }
  await selectEngine('cpu');
  const fast = Sampler.fromCheckpoint(await loadCheckpoint(dir));
  try {
    expect(fast.usesFastPath).toBe(true);
  } finally {
    fast.dispose();
  }
});
