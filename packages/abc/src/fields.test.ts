import { describe, expect, it } from 'vitest';
import { defaultUnitLength, isCompound, isKnownField, isValidKey, parseMeter, parseUnitLength } from './fields';
import { chordSymbolProblem } from './chord-symbols';

describe('fields', () => {
  it('reads meters: N/D, C, C|, none, additive', () => {
    expect(parseMeter('6/8')).toEqual({ text: '6/8', barLength: { num: 3, den: 4 } });
    expect(parseMeter('C')?.barLength).toEqual({ num: 1, den: 1 });
    expect(parseMeter('C|')?.barLength).toEqual({ num: 1, den: 1 });
    expect(parseMeter('none')?.barLength).toBeNull();
    expect(parseMeter('2+3/8')?.barLength).toEqual({ num: 5, den: 8 });
    expect(parseMeter('(2+2+3)/8')?.barLength).toEqual({ num: 7, den: 8 });
    expect(parseMeter('6/0')).toBeNull();
    expect(parseMeter('waltz')).toBeNull();
  });

  it('knows compound meters and the default unit length', () => {
    expect(isCompound(parseMeter('6/8')!)).toBe(true);
    expect(isCompound(parseMeter('3/4')!)).toBe(false);
    expect(defaultUnitLength(parseMeter('2/4'))).toEqual({ num: 1, den: 16 });
    expect(defaultUnitLength(parseMeter('3/4'))).toEqual({ num: 1, den: 8 });
    expect(defaultUnitLength(parseMeter('none'))).toEqual({ num: 1, den: 8 });
    expect(defaultUnitLength(null)).toEqual({ num: 1, den: 8 });
    expect(parseUnitLength('1/16')).toEqual({ num: 1, den: 16 });
  });

  it('knows ABC 2.1 field letters and keys', () => {
    expect(['X', 'T', 'M', 'L', 'K', 'P', 'w', 'W', 'N', 'H', 'Z', 'C', 'S', 'R', 'Q'].every(isKnownField)).toBe(true);
    expect(isKnownField('Y')).toBe(false);
    expect(['G', 'Em', 'F#m', 'Bb', 'Ador', 'Dmix', 'none', 'HP', 'D clef=bass', 'C exp ^f'].every(isValidKey)).toBe(true);
    expect(['', 'H', 'Q', 'Gfoo'].some(isValidKey)).toBe(false);
  });
});

describe('chord symbols', () => {
  it('accepts chord symbols and annotations', () => {
    for (const s of ['G', 'Am', 'D7', 'F#m7b5', 'Bbmaj7', 'Esus4', 'Cdim7', 'Gaug', 'D/F#', 'A/c+', '(D7)', 'f#', 'G D', '^above', '_below', '@10,0 text']) {
      expect(chordSymbolProblem(s), s).toBeNull();
    }
  });

  it('explains what is wrong with the rest', () => {
    expect(chordSymbolProblem('')).toBeNull(); // an empty "" is only a warning, given by the lexer
    expect(chordSymbolProblem(' Em')).toMatch(/starts with a space/);
    expect(chordSymbolProblem(' ')).toMatch(/starts with a space/);
    expect(chordSymbolProblem('Cd')).toMatch(/not a chord symbol/);
    expect(chordSymbolProblem('3')).toMatch(/does not start with a note/);
  });
});
