/**
 * @tunelab/model/testing: helpers for tests only (the package's code never imports them): a corpus of short,
 * regular tunes written to a temporary folder and a run config small enough to train in well under a second per epoch.
 */
import { defaultRunConfig } from '@tunelab/config';
import type { RunConfig } from '@tunelab/config';
import { writeTinyCorpus as writeTunes } from '@tunelab/dataset/testing';

/** Writes `tunes` made-up jigs (seeded, so every run sees the same text) to a new temporary folder; the file's path. */
export function writeTinyCorpus(tunes = 40): string {
  return writeTunes({ tunes, seed: 7, unitLine: false });
}

/** A one-layer LSTM(16) over the tiny corpus: 4 × 16 batches, 20% held out, cpu backend. */
export function tinyConfig(corpus: string, overrides: Partial<RunConfig['train']> = {}): RunConfig {
  const c = defaultRunConfig();
  c.data = { ...c.data, corpus, files: [], split: { val: 0.2, test: 0, seed: 1 } };
  c.model = { cell: 'lstm', embedding_dim: 8, layers: [16], dropout: 0.1 };
  c.train = { ...c.train, epochs: 2, batch_size: 4, seq_len: 16, checkpoint_every: 1, backend: 'cpu', optimizer: { name: 'adam', lr: 0.01 }, ...overrides };
  return c;
}
