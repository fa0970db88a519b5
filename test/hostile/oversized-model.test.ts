import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { defaultRunConfig, estimateModelBytes, modelMemoryLimitBytes, parseRunConfig, parseSweepConfig } from '@tunelab/config';
import { CHECKPOINT_JSON, loadCheckpoint } from '@tunelab/model';

// Issue 21, item 6: a worker's heap limit does not bound tensor memory, so an oversized model.layers took
// the whole sweeper down. A model is estimated from its spec (weights, gradients and Adam moments, and the
// activations kept for backpropagation) and refused at config validation when it cannot fit: a config
// error naming the key. The limit is half of os.totalmem().

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a config error');
};

describe('oversized models are refused by config validation', () => {
  it('the limit is half the machine, and the default model is far below it', () => {
    expect(modelMemoryLimitBytes({})).toBe(totalmem() / 2);
    const small = estimateModelBytes({ cell: 'lstm', embedding_dim: 512, layers: [256, 256, 256], batch_size: 16, seq_len: 64, vocabulary: 'char' });
    expect(small).toBeGreaterThan(10 * 2 ** 20);
    expect(small).toBeLessThan(100 * 2 ** 20);
  });

  it('a run config whose model.layers cannot fit is a config error naming model.layers', () => {
    const msg = errorOf(() => parseRunConfig('model:\n  layers: [200000, 200000]\n', 'huge.yaml'));
    expect(msg).toMatch(/model\.layers \(line 2\): a model of 200000×200000 lstm units .* needs ~\d+ GiB, more than the [\d.]+ GiB this machine allows/);
    expect(msg).toContain('huge.yaml');
  });

  it('a sweep is checked at the largest point of its parameter space, not only value by value', () => {
    // Each value fits a 1 GiB limit on its own (the other keys at the base); 1024×1024 units with batch 512 do not.
    const yaml = [
      'name: huge',
      'method: grid',
      'metric: {name: val_loss, goal: minimize}',
      'parameters:',
      '  model.layers: {values: [[128], [1024, 1024]]}',
      '  train.batch_size: {values: [8, 512]}',
      '',
    ].join('\n');
    const saved = process.env.TUNELAB_MODEL_MEMORY_GIB;
    process.env.TUNELAB_MODEL_MEMORY_GIB = '1';
    try {
      const msg = errorOf(() => parseSweepConfig(yaml, 'sweep.yaml'));
      expect(msg).toMatch(/parameters\.model\.layers.*: at the largest point of the search, a model of 1024×1024 lstm units \(embedding 512, batch 512 × seq_len 64\) needs ~[\d.]+ GiB, more than the 1\.0 GiB/);
      // The same space without the large batch fits.
      expect(() => parseSweepConfig(yaml.replace('[8, 512]', '[8, 16]'), 'sweep.yaml')).not.toThrow();
    } finally {
      if (saved === undefined) delete process.env.TUNELAB_MODEL_MEMORY_GIB;
      else process.env.TUNELAB_MODEL_MEMORY_GIB = saved;
    }
  });
});

describe('a checkpoint with an absurd spec', () => {
  it('is refused before any weight is read or allocated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostile-ckpt-'));
    const meta = {
      format: 'tunelab-checkpoint/1',
      config: defaultRunConfig(),
      spec: { cell: 'lstm', embeddingDim: 64, layers: [50_000_000, 50_000_000], dropout: 0, stateful: false },
      vocabulary: { kind: 'char', symbols: ['a', 'b', 'c'] },
    };
    writeFileSync(join(dir, CHECKPOINT_JSON), JSON.stringify(meta));
    // Weight files that claim to be small: the spec alone must be enough to refuse.
    writeFileSync(join(dir, 'model.json'), '{}');
    writeFileSync(join(dir, 'weights.bin'), '');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/spec\.layers: a model of 50000000×50000000 lstm units .* needs ~\d+ GiB, more than the [\d.]+ GiB this machine allows/);
  });
});
