import { describe, expect, it } from 'vitest';
import { soundingPitches } from '@tunelab/abc';
import type { CorpusTune } from './types';
import { TransposedTunes } from './augment';
import { prepareData, trainIds } from './prepare';
import { NOTTINGHAM_DIR, NO_DATA } from '../testing/data';

const tune = (i: number, key = 'G'): CorpusTune => ({ file: 'f.abc', line: i * 6 + 1, index: i, text: `X:${i}\nM:6/8\nK:${key}\nGAB cde|"D7"fga g3|]\n` });

describe('TransposedTunes', () => {
  const tunes = Array.from({ length: 30 }, (_, i) => tune(i));

  it('draws one shift per tune per epoch in the range, the same for the same seed and epoch', () => {
    const t = TransposedTunes.of(tunes, { transpose: [-5, 6] })!;
    const a = t.shifts(1, 7);
    expect(a).toHaveLength(30);
    expect(a.every((s) => s >= -5 && s <= 6 && Number.isInteger(s))).toBe(true);
    expect(t.shifts(1, 7)).toEqual(a);
    expect(t.shifts(2, 7)).not.toEqual(a);
    expect(t.shifts(1, 8)).not.toEqual(a);
    expect(new Set(Array.from({ length: 20 }, (_, e) => t.shifts(e + 1, 7)).flat()).size).toBe(12);
  });

  it("an epoch's text is each tune moved by its shift, sounding that many semitones away", () => {
    const t = TransposedTunes.of(tunes, { transpose: [-5, 6] })!;
    const shifts = t.shifts(3, 1);
    const texts = t.text(3, 1).split('\n\n\n');
    expect(texts).toHaveLength(30);
    const original = soundingPitches(tunes[0].text);
    texts.forEach((text, i) => expect(soundingPitches(text)).toEqual(original.map((p) => p + shifts[i])));
  });

  it('is null for no range, and keeps a tune whose key cannot move as written', () => {
    expect(TransposedTunes.of(tunes, undefined)).toBeNull();
    expect(TransposedTunes.of(tunes, { transpose: [0, 0] })).toBeNull();
    const t = TransposedTunes.of([tune(1, 'none'), tune(2)], { transpose: [1, 1] })!;
    expect(t.fixed).toBe(1);
    expect(t.text(1, 1).split('\n\n\n')[0]).toBe(tune(1, 'none').text.trimEnd());
  });
});

describe.skipIf(!NOTTINGHAM_DIR)(`transposition in prepareData ${NO_DATA}`, () => {
  it('moves training tunes only, with a vocabulary that covers every key', async () => {
    const data = { corpus: 'nottingham', files: ['jigs'], preprocessing: 'raw' as const, vocabulary: 'token' as const, split: { val: 0.1, test: 0.1, seed: 1 } };
    const plain = await prepareData(data, { dataDir: NOTTINGHAM_DIR, env: {} });
    const moved = await prepareData({ ...data, augment: { transpose: [-5, 6] } }, { dataDir: NOTTINGHAM_DIR, env: {} });
    expect(moved.texts.val).toBe(plain.texts.val);
    expect(moved.vocab.size).toBeGreaterThan(plain.vocab.size); // new tokens such as _E, or ^a'
    const epoch2 = trainIds(moved, 2, 1);
    expect(moved.vocab.decode(epoch2)).toBe(moved.transposed!.text(2, 1));
    expect(trainIds(plain, 2, 1)).toBe(plain.ids.train);
    expect(moved.vocab.decode(trainIds(moved, 1, 1))).not.toBe(moved.vocab.decode(epoch2));
  });
});
