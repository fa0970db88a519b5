import { writeTinyCorpus as writeTunes } from '@tunelab/dataset/testing';

/**
 * Writes `count` made-up 6/8 tunes (seeded, so every run gets the same file) to `<dir>/tiny.abc` and returns
 * its path: a corpus small enough that a tiny model trains on it in a second.
 */
export function writeTinyCorpus(dir: string, count = 30): string {
  return writeTunes({ dir, tunes: count, seed: 11 });
}
