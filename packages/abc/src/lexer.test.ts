import { describe, expect, it } from 'vitest';
import { lexTune } from './lexer';
import type { Token } from './types';

function music(line: string): Token[] {
  return lexTune(`X:1\nK:C\n${line}`).tokens.filter((t) => t.line === 3);
}

function kinds(line: string): string[] {
  return music(line)
    .filter((t) => t.kind !== 'space')
    .map((t) => `${t.kind} ${t.text}`);
}

describe('lexTune', () => {
  it('partitions the text: the tokens joined give it back, offsets and positions line up', () => {
    const text = 'X: 1\nT:Test % comment\nM:6/8\nK:G\n"G"^c\'3/2 d//e [CEG]2 {ag}B (3abc|]\n';
    const { tokens } = lexTune(text, 10);
    expect(tokens.map((t) => t.text).join('')).toBe(text);
    for (const t of tokens) expect(text.slice(t.offset, t.offset + t.text.length)).toBe(t.text);
    const note = tokens.find((t) => t.text === "^c'3/2")!;
    expect([note.kind, note.line, note.col, note.pitch]).toEqual(['note', 14, 4, "^c'"]);
  });

  it('lexes notes with accidentals, octaves and lengths as one token each', () => {
    expect(kinds("^^C,, __d' =e2 f/ g// a3/2 B/4")).toEqual([
      'note ^^C,,',
      "note __d'",
      'note =e2',
      'note f/',
      'note g//',
      'note a3/2',
      'note B/4',
    ]);
  });

  it('lexes rests, chords, guitar chords, decorations, graces, tuplets, ties, slurs and broken rhythm', () => {
    expect(kinds('z2 x Z4 [CEG]2 "Am7/G" !trill! ~ .  H {/ag} (3:2:3 A- A (B>c) d<<e')).toEqual([
      'rest z2',
      'rest x',
      'rest Z4',
      'chord [CEG]2',
      'guitar-chord "Am7/G"',
      'decoration !trill!',
      'decoration ~',
      'decoration .',
      'decoration H',
      'grace {/ag}',
      'tuplet (3:2:3',
      'note A',
      'tie -',
      'note A',
      'slur-open (',
      'note B',
      'broken >',
      'note c',
      'slur-close )',
      'note d',
      'broken <<',
      'note e',
    ]);
  });

  it('lexes every bar line, endings and inline fields', () => {
    expect(kinds('| || |] [| |: :| :: :|: [1 A :|2 B |1 C [K:D] D')).toEqual([
      'bar |',
      'bar ||',
      'bar |]',
      'bar [|',
      'bar |:',
      'bar :|',
      'bar ::',
      'bar :|:',
      'ending [1',
      'note A',
      'bar :|2',
      'note B',
      'bar |1',
      'note C',
      'inline-field [K:D]',
      'note D',
    ]);
  });

  it('reports unclosed chords, graces, quotes and decorations, and unknown characters, with line:col', () => {
    const { findings } = lexTune('X:1\nK:C\nA [CE B\n{ag B "Am C\n!trill C # 3\n');
    const at = findings.map((f) => `${f.code} ${f.line}:${f.col}`);
    expect(at).toEqual([
      'unclosed-chord 3:3',
      'unclosed-grace 4:1',
      'unclosed-quote 4:7',
      'unclosed-decoration 5:1',
      'reserved-symbol 5:2', // "trill": one finding for the run of letters that are not music
      'unknown-char 5:10',
      'unknown-char 5:12',
    ]);
    expect(findings.map((f) => f.severity)).toEqual(['error', 'error', 'error', 'error', 'warning', 'error', 'error']);
  });

  it('keeps field lines and comment lines whole', () => {
    const { tokens } = lexTune('X:1\n% a comment\nK:G\nA|\nP:B\nw: some words\n');
    expect(tokens.filter((t) => t.kind !== 'newline').map((t) => `${t.kind} ${t.text}`)).toEqual([
      'field X:1',
      'comment % a comment',
      'field K:G',
      'note A',
      'bar |',
      'field P:B',
      'field w: some words',
    ]);
  });

  it('marks a trailing backslash as a continuation and a stray one as an error', () => {
    const { tokens, findings } = lexTune('X:1\nK:C\nAB\\\nC\\D\n');
    expect(tokens.filter((t) => t.kind === 'continuation')).toHaveLength(2);
    expect(findings.map((f) => `${f.code} ${f.line}:${f.col}`)).toEqual(['stray-backslash 4:2']);
  });
});
