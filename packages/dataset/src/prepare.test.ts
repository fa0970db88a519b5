import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DataConfig } from '@tunelab/config';
import { prepareData } from './prepare';
import { StatefulBatcher } from './stateful-batcher';
import { joinTunes } from './corpus';
import { NOTTINGHAM_DIR, NO_DATA } from '../testing/data';

const jigs = (over: Partial<DataConfig> = {}): DataConfig => ({
  corpus: 'nottingham',
  files: ['jigs'],
  preprocessing: 'raw',
  vocabulary: 'char',
  split: { val: 0, test: 0, seed: 1 },
  ...over,
});
const opts = { dataDir: NOTTINGHAM_DIR, env: {} };

describe('data.train_tunes', () => {
  // Twelve jigs; tunes 3, 7 and 10 have what abc check calls an error (a short bar, a tie between two
  // pitches, a bar too long; a first or last bar may be short, so the bars are inner ones).
  const flawed: Record<number, string> = { 3: 'GAB c2d|dBG G2|e3 d3|]', 7: 'GAB c2d|e3-d3|]', 10: 'GAB c2d|e3 d2 cB|e3 d3|]' };
  const file = join(mkdtempSync(join(tmpdir(), 'tunelab-valid-')), 'jigs.abc');
  writeFileSync(
    file,
    Array.from({ length: 12 }, (_, i) => `X:${i + 1}\nT:Jig ${i + 1}\nM:6/8\nL:1/8\nK:G\n${flawed[i + 1] ?? 'GAB c2d|e3 d3|]'}\n`).join('\n\n'),
  );
  const data = (over: Partial<DataConfig>): DataConfig => ({ ...jigs(), corpus: file, files: 'all', preprocessing: 'normalized', ...over });
  const titles = (tunes: { text: string }[]) => tunes.map((t) => /T:(.*)/.exec(t.text)![1]);

  it('valid leaves out the training tunes abc check finds an error in, and never a held-out tune', async () => {
    const split = { val: 0.2, test: 0.2, seed: 3 };
    const all = await prepareData(data({ split }));
    const valid = await prepareData(data({ split, train_tunes: 'valid' }));
    expect(titles(valid.split.val)).toEqual(titles(all.split.val));
    expect(titles(valid.split.test)).toEqual(titles(all.split.test));
    const flawedTitles = Object.keys(flawed).map((n) => `Jig ${n}`);
    expect(titles(valid.split.train)).toEqual(titles(all.split.train).filter((t) => !flawedTitles.includes(t)));
    expect(valid.stats.split.leftOut).toBe(all.split.train.length - valid.split.train.length);
    expect(valid.stats.split.leftOut).toBeGreaterThan(0);
    expect(valid.texts.train).toBe(joinTunes(valid.split.train));
    expect(all.stats.split.leftOut).toBe(0);
  });

  it('with nothing held out, the training text is the valid tunes, not the whole file', async () => {
    const valid = await prepareData(data({ train_tunes: 'valid' }));
    expect(titles(valid.split.train)).toEqual(['Jig 1', 'Jig 2', 'Jig 4', 'Jig 5', 'Jig 6', 'Jig 8', 'Jig 9', 'Jig 11', 'Jig 12']);
    expect(valid.texts.train).toBe(joinTunes(valid.split.train));
    expect(valid.stats.split.leftOut).toBe(3);
  });
});

describe.skipIf(!NOTTINGHAM_DIR)(`prepareData on the real jigs ${NO_DATA}`, () => {
  it('val 0: the training ids are the whole file, giving the seed’s 126 batches of 16 × 64', async () => {
    const p = await prepareData(jigs(), opts);
    const file = readFileSync(join(NOTTINGHAM_DIR!, 'jigs.abc'), 'utf8');
    expect(p.texts.train).toBe(file);
    expect(p.vocab.size).toBe(86);
    expect(p.ids.train.length).toBe(129_665);
    expect(p.vocab.decode(p.ids.train)).toBe(file);
    expect(p.ids.val.length).toBe(0);
    expect(new StatefulBatcher(p.ids.train, 16, 64).batchesPerEpoch).toBe(126);
    expect(p.stats).toMatchObject({ tunes: 340, chars: 129_665, vocabSize: 86, batchesPerEpoch: { stateful: 126 } });
  });

  it('val 0.1: 306 / 34 tunes, vocabulary still over the whole corpus, parts encoded from their tunes', async () => {
    const p = await prepareData(jigs({ split: { val: 0.1, test: 0, seed: 1 } }), opts);
    expect([p.split.train.length, p.split.val.length]).toEqual([306, 34]);
    expect(p.vocab.size).toBe(86);
    expect(p.texts.val).toBe(joinTunes(p.split.val));
    expect(p.vocab.decode(p.ids.val)).toBe(p.texts.val);
    expect(p.stats.split.parts.val).toEqual({ tunes: 34, chars: p.texts.val.length, symbols: p.texts.val.length });
    const again = await prepareData(jigs({ split: { val: 0.1, test: 0, seed: 1 } }), opts);
    expect(again.split.val.map((t) => t.index)).toEqual(p.split.val.map((t) => t.index));
  });

  it('token vocabulary: <unk> at 0, and no <unk> in the corpus’s own ids', async () => {
    const p = await prepareData(jigs({ vocabulary: 'token', split: { val: 0.1, test: 0.1, seed: 2 } }), opts);
    expect(p.vocab.symbols[0]).toBe('<unk>');
    for (const part of [p.ids.train, p.ids.val, p.ids.test]) expect(part.includes(0)).toBe(false);
    expect(p.vocab.decode(p.ids.test)).toBe(p.texts.test);
    expect(p.stats.symbols).toBeLessThan(p.stats.chars);
  });
});

describe.skipIf(!NOTTINGHAM_DIR)(`the yardstick: held-out jigs that compare across runs ${NO_DATA}`, () => {
  const split = { val: 0.1, test: 0.1, seed: 1 };
  const bodies = (p: Awaited<ReturnType<typeof prepareData>>, part: 'val' | 'test') =>
    p.yardstick[part].map((t) => p.vocab.decode(t.ids.subarray(t.bodyFrom)));

  it('a jigs-only run and an all-files run hold out the same 34 test jigs and score the same characters', async () => {
    const jigsOnly = await prepareData(jigs({ split }), opts);
    const all = await prepareData(jigs({ files: 'all', split }), opts);
    expect(all.stats.files).toHaveLength(14);
    expect(jigsOnly.yardstick.test).toHaveLength(34);
    expect(jigsOnly.yardstick.val).toHaveLength(34);
    expect(bodies(all, 'test')).toEqual(bodies(jigsOnly, 'test'));
    expect(bodies(all, 'val')).toEqual(bodies(jigsOnly, 'val'));
    expect(all.yardstick.test.map((t) => t.bodyChars)).toEqual(jigsOnly.yardstick.test.map((t) => t.bodyChars));
    // Other files hold out their own tunes too, but only jigs are the yardstick.
    expect(all.split.test.length).toBeGreaterThan(100);
  });

  it("counts the body's characters as jigs.abc writes them, whatever the preprocessing and vocabulary", async () => {
    const raw = await prepareData(jigs({ split }), opts);
    const normalized = await prepareData(jigs({ split, preprocessing: 'normalized', vocabulary: 'token' }), opts);
    expect(normalized.yardstick.test.map((t) => t.bodyChars)).toEqual(raw.yardstick.test.map((t) => t.bodyChars));
    // Raw char: the body's symbols are its characters.
    for (const t of raw.yardstick.test) expect(t.ids.length - t.bodyFrom).toBe(t.bodyChars);
    const header = raw.vocab.decode(raw.yardstick.test[0].ids.subarray(0, raw.yardstick.test[0].bodyFrom));
    expect(header).toMatch(/^X:[^]*\nK:[^\n]*\n$/);
  });
});
