/**
 * Training on one thread and on two from the same seed gives the same run, bit for bit: losses, metrics and
 * every checkpoint's weights over three epochs. The model is small but big enough that the threaded paths
 * run (two tasks per recurrence step in each layer, GEMMs over the parallel threshold). Its own file: train()
 * selects the engine, which sets the process's kernels and threads.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { prepareData } from '@tunelab/dataset';
import { train } from './train';
import { fusedAvailable, setKernelThreads } from './fused/native';
import { tinyConfig, writeTinyCorpus } from '../testing';

const threaded = fusedAvailable().threaded === true;

describe.skipIf(!threaded)('threads', () => {
  test('1 and 2 threads train to bit-identical losses and weights over 3 epochs', async () => {
    const corpus = writeTinyCorpus();
    const base = tinyConfig(corpus, { epochs: 3, batch_size: 8, seq_len: 32, checkpoint_every: 1 });
    base.model = { cell: 'lstm', embedding_dim: 24, layers: [56, 40], dropout: 0.1 };
    const prepared = await prepareData(base.data);
    const run = async (threads: number) => {
      const home = mkdtempSync(join(tmpdir(), 'tunelab-threads-'));
      const config = { ...base, train: { ...base.train, threads } };
      const result = await train({ config, runId: 'r', home, prepared, maxBatchesPerEpoch: 6 });
      const timeless = result.history.map((h) => ({
        epoch: h.epoch,
        metrics: Object.fromEntries(Object.entries(h.metrics).filter(([k]) => k !== 'seconds' && k !== 'chars_per_sec')),
      }));
      const weights = [1, 2, 3].map((e) => new Uint8Array(readFileSync(join(home, 'checkpoints/r', `epoch-${e}`, 'weights.bin'))));
      return { engine: result.engine, timeless, weights };
    };
    try {
      const one = await run(1);
      const two = await run(2);
      expect(one.engine.threads).toBe(1);
      expect(two.engine.threads).toBe(2);
      expect(one.timeless.length).toBe(3);
      expect(two.timeless).toEqual(one.timeless);
      for (let e = 0; e < 3; e++) expect(Buffer.compare(two.weights[e], one.weights[e]), `weights after epoch ${e + 1}`).toBe(0);
    } finally {
      setKernelThreads(1);
    }
  });
});
