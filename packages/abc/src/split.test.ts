import { describe, expect, it } from 'vitest';
import { joinFile, splitFile, splitTunes } from './split';

const FILE = ['% header comment', '', 'X: 1', 'T:One', 'K:G', 'GABc|', '', '', 'X: 2', 'T:Two', 'K:D', 'DEF|', 'X:3', 'K:C', 'C'].join('\n');

describe('splitTunes', () => {
  it('cuts tunes at X: and blank lines, keeping file, line and exact text', () => {
    const tunes = splitTunes(FILE, 'f.abc');
    expect(tunes.map((t) => [t.file, t.line, t.index])).toEqual([
      ['f.abc', 3, 0],
      ['f.abc', 9, 1],
      ['f.abc', 13, 2],
    ]);
    expect(tunes[0].text).toBe('X: 1\nT:One\nK:G\nGABc|\n');
    expect(tunes[1].text).toBe('X: 2\nT:Two\nK:D\nDEF|\n');
    expect(tunes[2].text).toBe('X:3\nK:C\nC');
  });

  it('keeps the text between tunes so the file can be rebuilt byte for byte', () => {
    const parts = splitFile(FILE, 'f.abc');
    expect(parts.gaps).toEqual(['% header comment\n\n', '\n\n', '', '']);
    expect(joinFile(parts)).toBe(FILE);
  });

  it('handles CRLF, whitespace-only separators and empty input', () => {
    const text = 'X:1\r\nK:C\r\nC|\r\n  \t\r\nX:2\r\nK:C\r\nD|\r\n';
    const parts = splitFile(text);
    expect(parts.tunes.map((t) => t.text)).toEqual(['X:1\r\nK:C\r\nC|\r\n', 'X:2\r\nK:C\r\nD|\r\n']);
    expect(joinFile(parts)).toBe(text);
    expect(splitFile('')).toEqual({ file: '<text>', tunes: [], gaps: [''] });
    const bom = splitFile('\uFEFFX:1\nK:C\nC|\n');
    expect(bom.tunes.map((t) => [t.line, t.text])).toEqual([[1, 'X:1\nK:C\nC|\n']]);
    expect(joinFile(bom)).toBe('\uFEFFX:1\nK:C\nC|\n');
  });
});
