/**
 * Small fixtures for this package's tests: a corpus of short, regular tunes written to a temporary folder
 * and a run config small enough to train in well under a second per epoch.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRunConfig } from '@tunelab/config';
import type { RunConfig } from '@tunelab/config';

/** Writes `tunes` made-up jigs (seeded, so every run sees the same text) and returns the file path. */
export function writeTinyCorpus(tunes = 40): string {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-model-'));
  const notes = 'CDEFGABcdefg';
  let s = 7;
  const next = () => (s = (s * 1103515245 + 12345) >>> 0) % notes.length;
  const texts: string[] = [];
  for (let i = 1; i <= tunes; i++) {
    const bars = Array.from({ length: 8 }, () => Array.from({ length: 6 }, () => notes[next()]).join(''));
    texts.push(`X: ${i}\nT:Tune ${i}\nM:6/8\nK:G\n${bars.slice(0, 4).join('|')}|\n${bars.slice(4).join('|')}|]\n`);
  }
  const file = join(dir, 'tiny.abc');
  writeFileSync(file, texts.join('\n'));
  return file;
}

/** A one-layer LSTM(16) over the tiny corpus: 4 × 16 batches, 20% held out, cpu backend. */
export function tinyConfig(corpus: string, overrides: Partial<RunConfig['train']> = {}): RunConfig {
  const c = defaultRunConfig();
  c.data = { ...c.data, corpus, files: [], split: { val: 0.2, test: 0, seed: 1 } };
  c.model = { cell: 'lstm', embedding_dim: 8, layers: [16], dropout: 0.1 };
  c.train = { ...c.train, epochs: 2, batch_size: 4, seq_len: 16, checkpoint_every: 1, backend: 'cpu', optimizer: { name: 'adam', lr: 0.01 }, ...overrides };
  return c;
}
