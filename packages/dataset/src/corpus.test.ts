import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataConfig } from '@tunelab/config';
import { joinTunes, loadCorpus } from './corpus';
import { normalizeTune } from './normalize';
import { NOTTINGHAM_DIR, NO_DATA } from '../testing/data';

const TWO_TUNES = [
  'X: 1',
  'T:First',
  '% Nottingham Music Database',
  'S:Trad, via EF',
  'M:6/8',
  'K:G',
  ' "G"GAB c2d|e3 d3:|   ',
  '',
  '',
  'X: 2',
  'T:Second',
  'N:a note',
  'Z:someone',
  'H:history',
  'M:6/8',
  'K:D',
  '"D"DFA d2A|"A"c3 "D"d3 % end comment',
  '',
].join('\n');

const dir = mkdtempSync(join(tmpdir(), 'tunelab-corpus-'));
const file = join(dir, 'two.abc');
writeFileSync(file, TWO_TUNES);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (over: Partial<DataConfig> = {}): DataConfig => ({
  corpus: file,
  files: [],
  preprocessing: 'raw',
  vocabulary: 'char',
  split: { val: 0, test: 0, seed: 1 },
  ...over,
});

describe('loadCorpus', () => {
  it('raw: the text is the file, tunes are cut at X: and end with their newline', async () => {
    const c = await loadCorpus(config());
    expect(c.text).toBe(TWO_TUNES);
    expect(c.tunes.map((t) => [t.line, t.index])).toEqual([
      [1, 0],
      [10, 1],
    ]);
    expect(c.tunes[0].text).toBe(TWO_TUNES.split('\n\n\n')[0] + '\n');
    expect(c.tunes[1].text.endsWith('d3 % end comment\n')).toBe(true);
    expect(c.files).toEqual([{ name: file, from: file, chars: TWO_TUNES.length, tunes: 2 }]);
  });

  it('normalized: drops comments, S:/Z:/N:/H: and fields ABC 2.1 does not define, writes X:1, trims lines', async () => {
    const c = await loadCorpus(config({ preprocessing: 'normalized' }));
    expect(c.tunes.map((t) => t.text)).toEqual([
      'X:1\nT:First\nM:6/8\nK:G\n"G"GAB c2d|e3 d3:|\n',
      'X:2\nT:Second\nM:6/8\nK:D\n"D"DFA d2A|"A"c3 "D"d3\n',
    ]);
    expect(c.text).toBe(joinTunes(c.tunes));
  });

  it('unnumbered: normalized with every X: written 1; the body characters are counted from the raw text', async () => {
    const c = await loadCorpus(config({ preprocessing: 'unnumbered' }));
    expect(c.tunes.map((t) => t.text.split('\n')[0])).toEqual(['X:1', 'X:1']);
    expect(c.tunes[1].text).toBe('X:1\nT:Second\nM:6/8\nK:D\n"D"DFA d2A|"A"c3 "D"d3\n');
    const raw = await loadCorpus(config());
    expect(c.tunes.map((t) => t.bodyChars)).toEqual(raw.tunes.map((t) => t.bodyChars));
  });

  it('joinTunes separates tunes by two blank lines, as the seed’s file', async () => {
    const c = await loadCorpus(config());
    expect(joinTunes(c.tunes)).toBe(`${c.tunes[0].text}\n\n${c.tunes[1].text}`);
    expect(joinTunes([])).toBe('');
  });

  it('drops fields ABC 2.1 does not define (Y:), keeps the ones it does', () => {
    expect(normalizeTune({ file: 'f', line: 1, index: 0, text: 'X:1\nT:t\nY:AABB\nR:jig\nM:6/8\nK:G\nGAB c3|\n' })).toBe('X:1\nT:t\nR:jig\nM:6/8\nK:G\nGAB c3|\n');
  });

  it('keeps a % inside a chord symbol', () => {
    expect(normalizeTune({ file: 'f', line: 1, index: 0, text: 'X:1\nK:C\n"50%"C2 % real comment\n' })).toBe('X:1\nK:C\n"50%"C2\n');
  });

  it('joins several files so that their tunes never touch', async () => {
    const other = join(dir, 'one.abc');
    writeFileSync(other, 'X:3\nK:A\nA4|');
    const c = await loadCorpus(config({ corpus: `${dir}/*.abc` }));
    expect(c.tunes).toHaveLength(3);
    expect(c.text).toBe('X:3\nK:A\nA4|\n\n\n' + TWO_TUNES);
    rmSync(other);
  });

  it('rejects a corpus without tunes and an unknown preprocessing', async () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, 'no tunes here\n');
    await expect(loadCorpus(config({ corpus: empty }))).rejects.toThrow(/holds no tunes/);
    await expect(loadCorpus(config({ preprocessing: 'cooked' as never }))).rejects.toThrow(/expected preprocessing raw, normalized or unnumbered, but got "cooked"/);
  });

  it.skipIf(!NOTTINGHAM_DIR)(`seed facts: jigs has 340 tunes and 129,665 characters ${NO_DATA}`, async () => {
    const c = await loadCorpus(
      { ...config(), corpus: 'nottingham', files: ['jigs'] },
      { dataDir: NOTTINGHAM_DIR, env: {} },
    );
    expect(c.name).toBe('nottingham:jigs');
    expect(c.tunes).toHaveLength(340);
    expect(c.text.length).toBe(129_665);
    expect(c.tunes[0].text.startsWith('X: 1\nT:A and D\n')).toBe(true);
    // The file's gaps are mostly two blank lines: joining its tunes comes within a few characters of it.
    expect(Math.abs(joinTunes(c.tunes).length - c.text.length)).toBeLessThan(10);
    const n = await loadCorpus(
      { ...config(), corpus: 'nottingham', files: ['jigs'], preprocessing: 'normalized' },
      { dataDir: NOTTINGHAM_DIR, env: {} },
    );
    expect(n.tunes).toHaveLength(340);
    expect(n.text).not.toMatch(/^(%|S:|X: )/m);
    expect(n.text.length).toBeLessThan(c.text.length);
  });
});
