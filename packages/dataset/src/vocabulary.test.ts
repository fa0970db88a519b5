import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Vocabulary, UNK } from './vocabulary';
import { NOTTINGHAM_DIR, NO_DATA } from '../testing/data';

const TEXT = 'X:1\nK:G\n|:GAB c2d|e3 d3:|\n';

describe('Vocabulary (char)', () => {
  const v = Vocabulary.build(TEXT, 'char');

  it('is the sorted unique characters; encode/decode round-trip', () => {
    expect(v.symbols).toEqual([...new Set(TEXT)].sort());
    expect(v.size).toBe(v.symbols.length);
    expect(v.decode(v.encode(TEXT))).toBe(TEXT);
    expect(Array.from(v.encode('GA'))).toEqual([v.symbols.indexOf('G'), v.symbols.indexOf('A')]);
  });

  it('OOV: encode throws naming the character and its line:column, unless oov skip', () => {
    expect(() => v.encode('GA\nB>c')).toThrow(/line 2, column 2: character ">" \(U\+003E\) is not in the vocabulary of \d+ characters/);
    expect(v.decode(v.encode('GA\nB>c', { oov: 'skip' }))).toBe('GA\nBc');
    expect(() => v.encode('G', { oov: 'unk' })).toThrow(/no <unk>/);
  });

  it('decode rejects ids outside the vocabulary', () => {
    expect(() => v.decode([0, v.size])).toThrow(/Expected ids in \[0, \d+\), but got \d+ at index 1/);
  });

  it('survives toData / fromData', () => {
    const back = Vocabulary.fromData(JSON.parse(JSON.stringify(v.toData())));
    expect(back.symbols).toEqual(v.symbols);
    expect(back.kind).toBe('char');
    expect(() => Vocabulary.fromData({ kind: 'char', symbols: ['a', 'a'] })).toThrow(/distinct/);
    expect(() => Vocabulary.fromData({ kind: 'token', symbols: ['a'] })).toThrow(/start with <unk>/);
  });

  it.skipIf(!NOTTINGHAM_DIR)(`seed fact: 86 characters on raw jigs ${NO_DATA}`, () => {
    const jigs = readFileSync(join(NOTTINGHAM_DIR!, 'jigs.abc'), 'utf8');
    const vj = Vocabulary.build(jigs, 'char');
    expect(vj.size).toBe(86);
    expect(vj.symbols[0]).toBe('\n');
    expect(vj.symbols.at(-1)).toBe('~');
    expect(vj.encode(jigs).length).toBe(129_665);
  });
});

describe('Vocabulary (token)', () => {
  const v = Vocabulary.build(TEXT, 'token');

  it('puts <unk> at id 0 and sorts the ABC tokens after it', () => {
    expect(v.symbols[0]).toBe(UNK);
    expect(v.symbols).toContain('c2');
    expect(v.symbols).toContain(':|');
    expect(v.symbols).toContain('K:G');
    expect(v.symbolsOf('e3 d3:|')).toEqual(['e3', ' ', 'd3', ':|']);
  });

  it('OOV: an unknown token encodes to <unk> (0), which decodes to nothing', () => {
    const ids = v.encode('GA ^f2 B');
    expect(Array.from(ids)).toContain(0);
    expect(v.decode(ids)).toBe('GA  B');
    expect(() => v.encode('^f2', { oov: 'error' })).toThrow(/token "\^f2" .* is not in the vocabulary/);
    expect(v.decode(v.encode('GA ^f2 B', { oov: 'skip' }))).toBe('GA  B');
    expect(v.decode(v.encode(TEXT))).toBe(TEXT);
  });
});
