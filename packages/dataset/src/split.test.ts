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
