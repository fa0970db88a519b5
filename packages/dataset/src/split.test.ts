import { describe, expect, it } from 'vitest';
import type { Corpus } from './types';
import { splitCorpus } from './split';

const corpus = (n: number): Corpus => ({
  name: 'test',
  preprocessing: 'raw',
  text: '',
  tunes: Array.from({ length: n }, (_, i) => ({ file: 'f.abc', line: i * 5 + 1, index: i, text: `X:${i + 1}\nK:C\nC|\n` })),
});
const ids = (ts: { index: number }[]) => ts.map((t) => t.index);

describe('splitCorpus', () => {
  it('splits by tune: every tune in exactly one part, each part in corpus order', () => {
    const c = corpus(340);
    const s = splitCorpus(c, { val: 0.1, test: 0.05, seed: 1 });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([289, 34, 17]);
    const all = [...ids(s.train), ...ids(s.val), ...ids(s.test)];
    expect(new Set(all).size).toBe(340);
    for (const part of [s.train, s.val, s.test]) expect(ids(part)).toEqual([...ids(part)].sort((a, b) => a - b));
  });

  it('is the same for the same seed and different for another', () => {
    const c = corpus(100);
    const a = splitCorpus(c, { val: 0.1, test: 0, seed: 7 });
    expect(ids(splitCorpus(c, { val: 0.1, test: 0, seed: 7 }).val)).toEqual(ids(a.val));
    expect(ids(splitCorpus(c, { val: 0.1, test: 0, seed: 8 }).val)).not.toEqual(ids(a.val));
  });

  it('val 0 keeps every tune for training, in order, as the seed did', () => {
    const c = corpus(20);
    const s = splitCorpus(c, { val: 0, test: 0, seed: 3 });
    expect(s.train).toEqual(c.tunes);
    expect(s.val).toEqual([]);
    expect(s.test).toEqual([]);
  });

  it('holds out at least one tune for a share above 0', () => {
    expect(splitCorpus(corpus(5), { val: 0.01, test: 0, seed: 1 }).val).toHaveLength(1);
  });

  it('rejects shares outside [0, 1), shares that leave nothing to train on, and non-integer seeds', () => {
    expect(() => splitCorpus(corpus(10), { val: 1, test: 0, seed: 1 })).toThrow(/data\.split\.val: expected a share in \[0, 1\), but got 1/);
    expect(() => splitCorpus(corpus(10), { val: -0.1, test: 0, seed: 1 })).toThrow(/data\.split\.val/);
    expect(() => splitCorpus(corpus(10), { val: 0.5, test: 0.5, seed: 1 })).toThrow(/leave training tunes/);
    expect(() => splitCorpus(corpus(1), { val: 0.1, test: 0, seed: 1 })).toThrow(/hold out 1 of 1/);
    expect(() => splitCorpus(corpus(10), { val: 0.1, test: 0, seed: 1.5 })).toThrow(/integer seed/);
  });
});

describe('splitCorpus per file', () => {
  const two = (a: number, b: number): Corpus => ({
    name: 'two',
    preprocessing: 'raw',
    text: '',
    tunes: [
      ...Array.from({ length: a }, (_, i) => ({ file: 'jigs.abc', line: i, index: i, text: `X:${i}\n` })),
      ...Array.from({ length: b }, (_, i) => ({ file: 'reels.abc', line: i, index: i, text: `X:${i}\n` })),
    ],
  });
  const only = (c: Corpus, file: string): Corpus => ({ ...c, tunes: c.tunes.filter((t) => t.file === file) });
  const key = (ts: { file: string; index: number }[], file: string) => ts.filter((t) => t.file === file).map((t) => t.index);

  it("holds out the same tunes of a file whatever other files the corpus adds", () => {
    const both = splitCorpus(two(340, 120), { val: 0.1, test: 0.1, seed: 1 });
    const jigs = splitCorpus(only(two(340, 120), 'jigs.abc'), { val: 0.1, test: 0.1, seed: 1 });
    expect(key(both.val, 'jigs.abc')).toEqual(ids(jigs.val));
    expect(key(both.test, 'jigs.abc')).toEqual(ids(jigs.test));
    expect(jigs.test).toHaveLength(34);
    // Each file gives its own share.
    expect(key(both.val, 'reels.abc')).toHaveLength(12);
  });

  it('names the file that is too small to split', () => {
    expect(() => splitCorpus(two(100, 1), { val: 0.1, test: 0, seed: 1 })).toThrow(/hold out 1 of 1 tunes of reels\.abc/);
  });
});
