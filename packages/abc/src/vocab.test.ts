import { describe, expect, it } from 'vitest';
import { abcTokens } from './vocab';

describe('abcTokens', () => {
  const tune = 'X: 1\nT:Jig\nM:6/8\nK:G\n"G"^c\'3/2d/ (3efg [CE]2 {ag}B|:d>e z2 :|2 g3 |]\n';

  it('makes one token of each musical symbol and of each field line, keeping spaces and newlines', () => {
    const tokens = abcTokens(tune);
    expect(tokens.join('')).toBe(tune);
    expect(tokens.slice(0, 8)).toEqual(['X: 1', '\n', 'T:Jig', '\n', 'M:6/8', '\n', 'K:G', '\n']);
    expect(tokens.slice(8).filter((t) => t.trim() !== '')).toEqual([
      '"G"', "^c'3/2", 'd/', '(3', 'e', 'f', 'g', '[CE]2', '{ag}', 'B', '|:', 'd', '>', 'e', 'z2', ':|2', 'g3', '|]',
    ]);
  });

  it('drops runs of spaces on request and keeps line terminators', () => {
    const tokens = abcTokens('X:1\nK:C\nA  B\tc\n', { spaces: false });
    expect(tokens).toEqual(['X:1', '\n', 'K:C', '\n', 'A', 'B', 'c', '\n']);
  });
});
