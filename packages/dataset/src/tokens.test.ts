import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { abcSymbols } from './tokens';
import { NOTTINGHAM_DIR, NO_DATA } from '../testing/data';

describe('abcSymbols', () => {
  it('makes a note with accidental, octave and length one token, and a bar line one token', () => {
    expect(abcSymbols("^c'3/2 _B,2 =f/ |: A>B :|2 ||")).toEqual([
      "^c'3/2", ' ', '_B,2', ' ', '=f/', ' ', '|:', ' ', 'A', '>', 'B', ' ', ':|2', ' ', '||',
    ]);
  });

  it('keeps chord symbols, inline fields, endings, tuplets and chords apart', () => {
    expect(abcSymbols('"Am"(3ABc [1[K:D] [CEG]2 z2|]')).toEqual([
      '"Am"', '(3', 'A', 'B', 'c', ' ', '[1', '[K:D]', ' ', '[', 'C', 'E', 'G', ']2', ' ', 'z2', '|]',
    ]);
  });

  it('makes K:/M:/L: lines one token and spells free text (titles, comments) by character', () => {
    expect(abcSymbols('X: 1\nT:Ab\nM:6/8\nK:D % key\n')).toEqual([
      'X:', ' ', '1', '\n', 'T:', 'A', 'b', '\n', 'M:6/8', '\n', 'K:D', ' ', '%', ' ', 'k', 'e', 'y', '\n',
    ]);
  });

  it('partitions any text, even characters ABC does not define', () => {
    const text = 'X:1\nK:G\n|:GAB @#$ é😀 c2:|\n\n';
    expect(abcSymbols(text).join('')).toBe(text);
    expect(abcSymbols(text)).toContain('😀');
  });

  it.skipIf(!NOTTINGHAM_DIR)(`gives jigs.abc back byte for byte ${NO_DATA}`, () => {
    const text = readFileSync(join(NOTTINGHAM_DIR!, 'jigs.abc'), 'utf8');
    const tokens = abcSymbols(text);
    expect(tokens.join('')).toBe(text);
    expect(tokens.length).toBeLessThan(text.length * 0.75);
  });
});
