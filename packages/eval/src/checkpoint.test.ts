import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '@tunelab/config';
import { writeTinyCorpus } from '@tunelab/dataset/testing';
import { sample, train } from '@tunelab/model';
import { checkpointReference, evaluateCheckpoint } from './checkpoint';
import { evalMetrics } from './evaluate';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-eval-ckpt-'));
let checkpoint: string;

/** 20 made-up jigs (seeded) and a model small enough to train one epoch in well under a second. */
beforeAll(async () => {
  const corpus = writeTinyCorpus({ dir, tunes: 20 });
  const config = defaultRunConfig();
  config.data = { ...config.data, corpus, files: [], split: { val: 0.2, test: 0, seed: 1 } };
  config.model = { cell: 'lstm', embedding_dim: 4, layers: [8], dropout: 0 };
  config.train = { ...config.train, epochs: 1, batch_size: 4, seq_len: 16, checkpoint_every: 1, backend: 'cpu' };
  const result = await train({ config, runId: 'tiny', home: dir });
  checkpoint = result.checkpoints.at(-1)!.dir;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('evaluateCheckpoint', () => {
  it('samples from a checkpoint and compares the samples with its training split, repeatably for a seed', async () => {
    const reference = await checkpointReference(checkpoint);
    expect(reference.tunes).toHaveLength(16); // 20 tunes, 20% held out
    const opts = { samples: 3, seed: 5, maxLength: 200, abc2midi: false, reference } as const;
    const report = await evaluateCheckpoint(checkpoint, opts);
    expect(report.tunes).toBe(3);
    expect(report.texts).toHaveLength(3);
    expect(report.referenceTunes).toBe(16);
    expect(report.checkpoint).toMatchObject({ epoch: 1, samples: 3, temperature: 1, seed: 5 });
    expect(Object.keys(evalMetrics(report))).toEqual(expect.arrayContaining(['valid_rate', 'copied_tunes', 'novelty_lcs_p95']));
    expect((await evaluateCheckpoint(checkpoint, opts)).texts).toEqual(report.texts);
  });

  it('samples in meter mode by default, redraws copies, and reports the masked mass and the copies redrawn', async () => {
    const reference = await checkpointReference(checkpoint);
    const report = await evaluateCheckpoint(checkpoint, { samples: 3, seed: 5, maxLength: 200, abc2midi: false, reference });
    expect(report.constrain).toBe('meter');
    expect(report.copiedTunes).toBe(0);
    expect(report.copiesRedrawn).toEqual(expect.any(Number));
    expect(report.maskedMassMean).toBeGreaterThanOrEqual(0);
    expect(report.maskedMassMax).toBeGreaterThanOrEqual(report.maskedMassMean);
    expect(report.maskedMassMax).toBeLessThanOrEqual(1);
  });

  it('constrain off with copies allowed samples exactly what sample() writes, and masks nothing', async () => {
    const reference = await checkpointReference(checkpoint);
    const report = await evaluateCheckpoint(checkpoint, { samples: 3, seed: 5, maxLength: 200, abc2midi: false, reference, constrain: 'off', allowCopies: true });
    expect(report).toMatchObject({ constrain: 'off', maskedMassMean: 0, maskedMassMax: 0, copiesRedrawn: 0 });
    expect(report.texts).toEqual((await sample(checkpoint, { n: 3, seed: 5, maxLength: 200, constrain: 'off' })).map((t) => t.text));
  });
});
