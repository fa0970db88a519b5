import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  METRIC_FEATURES,
  METRIC_LAYOUT_V1,
  METRIC_STATES,
  MetricTracker,
  PHRASE_STATES,
  REPEAT_STATES,
  TIE_STATES,
  describeMetricState,
  isMetricLayout,
  metricStates,
  tiePitchName,
} from './metric';
import { pitchKey } from './durations';
import { closeKind } from './bars';
import { checkText } from './check';
import { ONE, ZERO, add, sub } from './fraction';
import { fieldValue, parseMeter } from './fields';
import { lexTune } from './lexer';
import { parseTune } from './parse';
import type { Meter } from './types';
import { splitTunes } from './split';
import { abcTokens } from './vocab';
import { ABCISH, seededRandom } from '../testing';

/** The state after the last character of the `n`-th occurrence (0-based) of `needle` in `text`, taken apart. */
function partsAfter(text: string, needle: string, n = 0): ReturnType<typeof describeMetricState> {
  let i = -1;
  for (let k = 0; k <= n; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`no ${needle} #${n} in the test tune`);
  }
  return describeMetricState(metricStates(text)[i + needle.length - 1]);
}

/** The metric part alone (music, remaining, pickup) of the state after `needle`. */
function after(text: string, needle: string, n = 0): { music: boolean; remaining: number; pickup: number } {
  const { music, remaining, pickup } = partsAfter(text, needle, n);
  return { music, remaining, pickup };
}

/** The metric part alone of a state. */
function metricOf(state: number): { music: boolean; remaining: number; pickup: number } {
  const { music, remaining, pickup } = describeMetricState(state);
  return { music, remaining, pickup };
}

/** The tie part (as its pitch, '' for none) and the repeat part of the state after `needle`. */
function tieAfter(text: string, needle: string, n = 0): string {
  return partsAfter(text, needle, n).tiePitch;
}
function repeatAfter(text: string, needle: string, n = 0): number {
  return partsAfter(text, needle, n).repeat;
}
function phraseAfter(text: string, needle: string, n = 0): number {
  return partsAfter(text, needle, n).phrase;
}

const music = (remaining: number, pickup: number) => ({ music: true, remaining, pickup });
const NOT_MUSIC = { music: false, remaining: 0, pickup: 0 };

const JIG = `X:1
T:Jig
M:6/8
L:1/8
K:D
|:A|d2e f2g|a3 a2f|d3 d2:|
`;

const REEL = `X:2
T:Reel
M:4/4
L:1/8
K:G
"G"GA/B/ c>d {ef}e2 d2|(3BcB [GB]2 A4|]
`;

const PARTS = `X:3
T:Parts
M:2/4
L:1/8
K:C
P:A
c|d2 e2|f3:|
P:B
e2 c2|d4|[M:3/4]e2 f2 g2|c6|1 d6:|2 c6||
`;

const ENDINGS = `X:4
T:Endings
M:4/4
L:1/4
K:C
|:c4|[1 d4:|[2 e4|]
`;

describe('MetricTracker: hand-made tunes', () => {
  it('counts METRIC_STATES as (1 + 25 remaining values × 17 pickup values) × 43 tie values × 5 repeat values × 17 phrase values', () => {
    expect(METRIC_FEATURES).toEqual([1 + 25 * 17, TIE_STATES, REPEAT_STATES, PHRASE_STATES]);
    expect(TIE_STATES).toBe(43);
    expect(REPEAT_STATES).toBe(5);
    expect(PHRASE_STATES).toBe(17);
    expect(METRIC_STATES).toBe(426 * 43 * 5 * 17);
    const none = { tie: 0, tiePitch: '', repeat: 0, phrase: 0 };
    expect(describeMetricState(0)).toEqual({ ...NOT_MUSIC, ...none });
    expect(describeMetricState(1 + 24 * 17 + 16)).toEqual({ ...music(24, 16), ...none });
    expect(describeMetricState(METRIC_STATES)).toEqual({ ...NOT_MUSIC, ...none });
    expect(describeMetricState(-1)).toEqual({ ...NOT_MUSIC, ...none });
    // Mixed radix, the metric part fastest: A0 is 1 + 5 + 7 × 2 = 20.
    const a0 = 1 + 5 + 7 * 2;
    expect(tiePitchName(a0)).toBe('A0');
    expect(tiePitchName(1)).toBe('C-2');
    expect(tiePitchName(TIE_STATES - 1)).toBe('B3');
    expect(describeMetricState(3 + 426 * (a0 + 43 * (2 + 5 * 7)))).toEqual({ music: true, remaining: 0, pickup: 2, tie: a0, tiePitch: 'A0', repeat: 2, phrase: 7 });
    expect(describeMetricState(426 * (43 * 3))).toEqual({ ...NOT_MUSIC, tie: 0, tiePitch: '', repeat: 3, phrase: 0 });
    expect(describeMetricState(METRIC_STATES - 1)).toEqual({ music: true, remaining: 24, pickup: 16, tie: 42, tiePitch: 'B3', repeat: 4, phrase: 16 });
  });

  it('the first layout (a model trained before the phrase part) reads 426 × 43 × 4, and nothing else is a layout', () => {
    expect(isMetricLayout(METRIC_FEATURES)).toBe(true);
    expect(isMetricLayout(METRIC_LAYOUT_V1)).toBe(true);
    expect(METRIC_LAYOUT_V1).toEqual([426, 43, 4]);
    expect(isMetricLayout([426, 43])).toBe(false);
    expect(isMetricLayout([426, 43, 5])).toBe(false);
    expect(() => new MetricTracker([426, 43, 5])).toThrow(/expected the layout \[426, 43, 5, 17\] or \[426, 43, 4\], but got \[426,43,5\]/);
    const a0 = 1 + 5 + 7 * 2;
    expect(describeMetricState(3 + 426 * (a0 + 43 * 2), METRIC_LAYOUT_V1)).toEqual({ music: true, remaining: 0, pickup: 2, tie: a0, tiePitch: 'A0', repeat: 2, phrase: 0 });
    expect(describeMetricState(426 * 43 * 4, METRIC_LAYOUT_V1)).toEqual({ ...NOT_MUSIC, tie: 0, tiePitch: '', repeat: 0, phrase: 0 });
  });

  it('a 6/8 jig with a pickup: 0 through the header, the pickup decided by its bar line, the short last bar', () => {
    const states = metricStates(JIG);
    const bodyStart = JIG.indexOf('|:');
    // The header, K: line and its newline included, is not music.
    expect(Array.from(states.subarray(0, bodyStart)).every((s) => s === 0)).toBe(true);
    expect(after(JIG, '|')).toEqual(music(12, 0));
    expect(after(JIG, '|:')).toEqual(music(12, 0));
    expect(after(JIG, '|:A')).toEqual(music(10, 0)); // one eighth = 2 sixteenths
    expect(after(JIG, '|:A|')).toEqual(music(12, 2 + 2)); // a pickup of 2 sixteenths
    expect(after(JIG, 'd2e')).toEqual(music(6, 4));
    expect(after(JIG, 'f2g')).toEqual(music(0, 4));
    expect(after(JIG, 'a3')).toEqual(music(6, 4));
    // The last bar is 5/8 (d3 d2): 2 sixteenths left, the pickup's length, before the :|.
    expect(after(JIG, 'd3 d')).toEqual(music(4, 4));
    expect(after(JIG, 'd3 d2')).toEqual(music(2, 4));
    expect(after(JIG, 'd2:')).toEqual(music(2, 4)); // a lone `:` is not a bar line yet
    expect(after(JIG, ':|')).toEqual(music(12, 0)); // a new section: its pickup unknown
    expect(metricOf(states[JIG.length - 1])).toEqual(music(12, 0)); // the newline ending a music line
  });

  it('a 4/4 reel: /2 notes, a chord symbol, broken rhythm, grace notes, a triplet, a chord with a length', () => {
    expect(after(REEL, '"G"')).toEqual(music(16, 0)); // a chord symbol takes no time
    expect(after(REEL, 'GA')).toEqual(music(12, 0)); // A counts a unit as soon as it is read…
    expect(after(REEL, 'GA/')).toEqual(music(13, 0)); // …and half a unit after its `/`
    expect(after(REEL, 'B/')).toEqual(music(12, 0));
    expect(after(REEL, ' c')).toEqual(music(10, 0));
    expect(after(REEL, 'c>')).toEqual(music(9, 0)); // c dotted: 3 sixteenths
    expect(after(REEL, 'c>d')).toEqual(music(8, 0)); // d halved: 1 sixteenth
    expect(after(REEL, '{ef}')).toEqual(music(8, 0)); // grace notes take no time
    expect(after(REEL, 'e2')).toEqual(music(4, 0));
    expect(after(REEL, 'd2')).toEqual(music(0, 0));
    expect(after(REEL, 'd2|')).toEqual(music(16, 1)); // the first bar was full: no pickup
    expect(after(REEL, '(3')).toEqual(music(16, 1));
    expect(after(REEL, '(3B')).toEqual(music(15, 1)); // 2 × 2/3 = 4/3 sixteenths: 14 2/3 left, rounded up
    expect(after(REEL, '(3Bc')).toEqual(music(14, 1));
    expect(after(REEL, '(3BcB')).toEqual(music(12, 1));
    expect(after(REEL, '[G')).toEqual(music(10, 1)); // a chord counts from its first note
    expect(after(REEL, '[GB]')).toEqual(music(10, 1)); // the other notes add nothing
    expect(after(REEL, '[GB]2')).toEqual(music(8, 1));
    expect(after(REEL, 'A4')).toEqual(music(0, 1));
    expect(after(REEL, 'A4|')).toEqual(music(16, 1));
    expect(after(REEL, 'A4|]')).toEqual(music(16, 0)); // `|` became `|]`: a new section
  });

  it('a P: line is not music and starts a section; an ending :|2 does not; an inline [M:3/4] changes the bar', () => {
    const states = metricStates(PARTS);
    const p = PARTS.indexOf('P:A');
    // `P` in column 1 could be a decoration until the `:` shows a field line.
    expect(metricOf(states[p])).toEqual(music(8, 0));
    expect(metricOf(states[p + 1])).toEqual(NOT_MUSIC);
    expect(metricOf(states[p + 3])).toEqual(NOT_MUSIC); // its newline
    expect(after(PARTS, 'P:A\nc')).toEqual(music(6, 0));
    expect(after(PARTS, 'c|')).toEqual(music(8, 4));
    expect(after(PARTS, 'f3')).toEqual(music(2, 4));
    expect(after(PARTS, 'P:B\n')).toEqual(NOT_MUSIC);
    expect(after(PARTS, 'P:B\ne')).toEqual(music(6, 0)); // part B: its pickup unknown again
    expect(after(PARTS, 'e2 c2|')).toEqual(music(8, 1));
    expect(after(PARTS, '[M:3/4')).toEqual(music(8, 1));
    expect(after(PARTS, '[M:3/4]')).toEqual(music(12, 1));
    expect(after(PARTS, 'e2 f2 g2')).toEqual(music(0, 1));
    expect(after(PARTS, 'c6|1')).toEqual(music(12, 1)); // an ending on a plain bar line
    expect(after(PARTS, 'd6:|')).toEqual(music(12, 0)); // :| so far: a new section…
    expect(after(PARTS, 'd6:|2')).toEqual(music(12, 1)); // …until its ending number keeps the section
    expect(after(PARTS, 'c6||')).toEqual(music(12, 0));
  });

  it('an ending [2 right after :| keeps the section, as :|2 does', () => {
    expect(after(ENDINGS, 'c4|')).toEqual(music(16, 1));
    expect(after(ENDINGS, '[1')).toEqual(music(16, 1));
    expect(after(ENDINGS, 'd4')).toEqual(music(0, 1));
    expect(after(ENDINGS, 'd4:|')).toEqual(music(16, 0));
    expect(after(ENDINGS, 'd4:|[')).toEqual(music(16, 0)); // a chord, a [| or an ending: not known yet
    expect(after(ENDINGS, 'd4:|[2')).toEqual(music(16, 1));
    expect(after(ENDINGS, 'e4')).toEqual(music(0, 1));
  });

  it('a bar line turns into |: one character later; a bar line before any music does not decide the pickup', () => {
    const t = 'X:5\nM:3/4\nL:1/4\nK:C\nA3|B3|:c3|d2 e|\n';
    expect(after(t, 'A3|')).toEqual(music(12, 1));
    expect(after(t, 'B3|')).toEqual(music(12, 1)); // a plain bar line: the section goes on
    expect(after(t, 'B3|:')).toEqual(music(12, 0)); // now |: : a new section
    expect(after(t, 'c3|')).toEqual(music(12, 1));
    const u = 'X:6\nM:3/4\nL:1/4\nK:C\n|| |: A|B3|\n';
    expect(after(u, '|: ')).toEqual(music(12, 0));
    expect(after(u, 'A|')).toEqual(music(12, 2 + 4));
  });

  it('>> and < scale both notes; a > with no note after it in its bar is undone', () => {
    const t = 'X:9\nM:4/4\nL:1/8\nK:C\nA>>B A<B||C>|\n';
    expect(after(t, 'A>')).toEqual(music(13, 0)); // A × 3/2
    expect(after(t, 'A>>')).toEqual(music(13, 0)); // A × 7/4: 12 1/2 left, rounded up
    expect(after(t, 'A>>B')).toEqual(music(12, 0)); // B × 1/4
    expect(after(t, 'A<')).toEqual(music(11, 0)); // A × 1/2
    expect(after(t, 'A<B')).toEqual(music(8, 0)); // B × 3/2
    expect(after(t, 'A<B||')).toEqual(music(16, 0));
    expect(after(t, 'C>')).toEqual(music(13, 0));
    // The > finds no note after it: C keeps its length, a pickup of 2 sixteenths (not 3).
    expect(after(t, 'C>|')).toEqual(music(16, 2 + 2));
  });

  it('no meter means bars of 16 sixteenths and L:1/8; comments and body fields are not music', () => {
    const t = 'X:7\nT:Free\nK:C\nAB cd % a comment\nW:words\nef g2|\n';
    expect(after(t, 'AB')).toEqual(music(12, 0));
    expect(after(t, 'cd')).toEqual(music(8, 0));
    expect(after(t, '% a')).toEqual(NOT_MUSIC);
    expect(after(t, 'comment\n')).toEqual(NOT_MUSIC);
    expect(after(t, 'W:words\n')).toEqual(NOT_MUSIC);
    expect(after(t, 'W:words\ne')).toEqual(music(6, 0));
    expect(after(t, 'g2')).toEqual(music(0, 0));
    expect(after(t, 'g2|')).toEqual(music(16, 1));
  });

  it('a multi-bar rest fills the bar; an overfull bar reads 0; L: and M: in the body apply from there', () => {
    const t = 'X:8\nM:2/4\nK:C\nZ4|A8 B|\nL:1/4\nM:3/4\nA|\n';
    // 2/4 without L: has a unit of 1/16.
    expect(after(t, 'Z')).toEqual(music(0, 0));
    expect(after(t, 'Z4|')).toEqual(music(8, 1));
    expect(after(t, 'A8')).toEqual(music(0, 1));
    expect(after(t, 'A8 B')).toEqual(music(0, 1)); // over the bar
    expect(after(t, 'M:3/4\nA')).toEqual(music(8, 1));
  });
});

const TIES = `X:11
T:Ties
M:4/4
L:1/8
K:D
"D"A3 -"G"A2 B2c|A3-|\\
"D"A2 B4 z|f3 -d2 [CE]2-|[CE]4 c'2-c'2|C,4- C,4-|
% a comment between tie and note
C,2 d2- z4|e4-
P:B
e4 A4-

X:12
K:C
A4 B4|
`;

const REPEATS = `X:13
T:Repeats
M:4/4
L:1/4
K:G
A4|B4:|c4|:d4|e4:|f4||
|:g4::a4:|
|:A4|1 B4:|2 c4||d4|
|:e4|[1 f4:|[2 g4|]
|:A4|:B4:|
P:C
|:c4|[1 d4
P:D
e4:|
`;

describe('MetricTracker: the pending tie', () => {
  it('a tie is pending from its `-` (a space before it is fine) through a chord symbol, up to the next note', () => {
    expect(tieAfter(TIES, '"D"A3')).toBe('');
    expect(tieAfter(TIES, '"D"A3 ')).toBe(''); // a `-` may still come
    expect(tieAfter(TIES, 'A3 -')).toBe('A0'); // causal: the `-` itself reads pending
    expect(tieAfter(TIES, 'A3 -"')).toBe('A0');
    expect(tieAfter(TIES, 'A3 -"G"')).toBe('A0');
    expect(tieAfter(TIES, 'A3 -"G"A')).toBe(''); // the tied note's letter ends it
    expect(tieAfter(TIES, 'A3 -"G"A2 B')).toBe('');
    // The metric part does not change.
    expect(after(TIES, 'A3 -"G"A2')).toEqual(music(6, 0));
  });

  it('through a bar line, a backslash continuation and a chord symbol on the next line', () => {
    expect(tieAfter(TIES, 'A3-')).toBe('A0');
    expect(tieAfter(TIES, 'A3-|')).toBe('A0');
    expect(tieAfter(TIES, 'A3-|\\')).toBe('A0');
    expect(tieAfter(TIES, 'A3-|\\\n')).toBe('A0');
    expect(tieAfter(TIES, 'A3-|\\\n"D"')).toBe('A0');
    expect(tieAfter(TIES, 'A3-|\\\n"D"A')).toBe('');
  });

  it('plain newlines of the body keep it; a comment line keeps it; a field line ends it', () => {
    const t = 'X:1\nM:4/4\nL:1/8\nK:C\nc4 g4-\ng4 c4-\n% comment\nc8|B8-\nP:B\nB8|\n';
    expect(tieAfter(t, 'g4-')).toBe('G1');
    expect(tieAfter(t, 'g4-\n')).toBe('G1');
    expect(tieAfter(t, 'g4-\ng')).toBe('');
    expect(tieAfter(t, '% comment\n')).toBe('C1');
    expect(after(t, '% comment\n')).toEqual(NOT_MUSIC); // the metric part says "not music", the tie part still knows
    expect(tieAfter(t, '% comment\nc')).toBe('');
    expect(tieAfter(t, 'B8-\n')).toBe('B0');
    expect(tieAfter(t, 'B8-\nP')).toBe('B0'); // `P` may be a decoration…
    expect(tieAfter(t, 'B8-\nP:')).toBe(''); // …until `:` makes it a field line
    expect(tieAfter(t, 'P:B\n')).toBe('');
  });

  it("the pitch is letter and octave as pitchKey reads them: f → F1, c' → C2, C, → C-1, clamped to -2..3", () => {
    expect(tieAfter(TIES, 'f3 -')).toBe('F1');
    expect(tieAfter(TIES, 'f3 -d')).toBe(''); // the model's mistake: a different note still ends the tie
    expect(tieAfter(TIES, "c'2-")).toBe('C2');
    expect(tieAfter(TIES, 'C,4-')).toBe('C-1');
    expect(tieAfter(TIES, 'C,4- ')).toBe('C-1');
    expect(tieAfter(TIES, 'C,4- C')).toBe('');
    expect(tieAfter(TIES, 'C,4- C,4-')).toBe('C-1');
    expect(tieAfter(TIES, 'C,4- C,4-|')).toBe('C-1');
    for (const note of ['A', 'c', "c'", 'C,', "e''", 'G,,', "b'''''", 'D,,,,']) {
      expect(tieAfter(`X:1\nK:C\n${note}2-`, `${note}2-`), note).toBe(pitchKey(note).replace(/-?\d+$/, (o) => String(Math.min(3, Math.max(-2, Number(o))))));
    }
    // Accidentals aside.
    expect(tieAfter('X:1\nK:C\n^F2-', '^F2-')).toBe('F0');
  });

  it("a chord tie takes the chord's last note; the next chord ends it at its first note", () => {
    expect(tieAfter(TIES, '[CE]2-')).toBe('E0');
    expect(tieAfter(TIES, '[CE]2-|')).toBe('E0');
    expect(tieAfter(TIES, '[CE]2-|[')).toBe('E0'); // `[` may still be a bar line, an ending or a field
    expect(tieAfter(TIES, '[CE]2-|[C')).toBe('');
    expect(tieAfter("X:1\nK:C\n[Ac'e,]-", "[Ac'e,]-")).toBe('E0');
    expect(tieAfter("X:1\nK:C\n[Ac'e,]-", "[Ac'")).toBe('');
    expect(tieAfter("X:1\nK:C\n[eAc']2-", "[eAc']2-")).toBe('C2');
    // `[K:G]` between a tie and its note is an inline field, not a chord.
    expect(tieAfter('X:1\nK:C\nA2-[K:G]A2', '[K:G]')).toBe('A0');
  });

  it('a rest ends it; a `-` after a rest, a bar line, a chord symbol or nothing ties nothing', () => {
    expect(tieAfter(TIES, 'd2-')).toBe('D1');
    expect(tieAfter(TIES, 'd2- z')).toBe('');
    const t = 'X:1\nK:C\nz2- A|- B "G"-C Z2- c x-\n';
    expect(tieAfter(t, 'z2-')).toBe('');
    expect(tieAfter(t, 'A|-')).toBe('');
    expect(tieAfter(t, '"G"-')).toBe('');
    expect(tieAfter(t, 'Z2-')).toBe('');
    expect(tieAfter(t, 'x-')).toBe('');
    expect(tieAfter('X:1\nK:C\nA--', 'A--')).toBe('A0'); // a second `-` leaves it pending
  });

  it('a blank line ends it with the tune; so does a new X: line', () => {
    expect(tieAfter(TIES, 'A4-')).toBe('A0');
    expect(tieAfter(TIES, 'A4-\n')).toBe('A0');
    expect(tieAfter(TIES, 'A4-\n\n')).toBe('');
    expect(partsAfter(TIES, 'A4-\n\n')).toEqual({ ...NOT_MUSIC, tie: 0, tiePitch: '', repeat: 0, phrase: 0 });
    expect(tieAfter(TIES, 'K:C\nA')).toBe('');
    const u = 'X:1\nK:C\nA4-\nX:2\nK:C\n';
    // `X` in column 1 reads as music (a multi-bar rest) until its `:` makes it a field line.
    expect(tieAfter(u, 'A4-\nX')).toBe('');
    expect(Array.from(metricStates(u)).slice(u.indexOf('X:2') + 1).every((s) => s === 0)).toBe(true);
  });
});

describe('MetricTracker: the repeat part', () => {
  it('a first part without |: (Nottingham style): 0 before any :|, 4 after the :| (abc2midi wants |: before the next ::)', () => {
    expect(repeatAfter(REPEATS, 'A4|')).toBe(0);
    expect(repeatAfter(REPEATS, 'B4:')).toBe(0);
    expect(repeatAfter(REPEATS, 'B4:|')).toBe(4);
  });

  it('|: opens (1) from its `:` on, :| closes (4), :: closes and opens again (1)', () => {
    expect(repeatAfter(REPEATS, 'c4|')).toBe(4);
    expect(repeatAfter(REPEATS, 'c4|:')).toBe(1);
    expect(repeatAfter(REPEATS, 'd4|')).toBe(1);
    expect(repeatAfter(REPEATS, 'e4:')).toBe(1); // a lone `:` is no bar line yet
    expect(repeatAfter(REPEATS, 'e4:|')).toBe(4);
    expect(repeatAfter(REPEATS, 'f4||')).toBe(4);
    expect(repeatAfter(REPEATS, '|:g')).toBe(1);
    expect(repeatAfter(REPEATS, 'g4:')).toBe(1);
    expect(repeatAfter(REPEATS, 'g4::')).toBe(1);
    expect(repeatAfter(REPEATS, 'a4:|')).toBe(4);
    expect(repeatAfter(REPEATS, 'a4:|\n')).toBe(4);
    // The metric part is as before.
    expect(after(REPEATS, 'g4::')).toEqual(music(16, 0));
  });

  it('|1 … :|2 … ||: 2 in the first ending, 4 at its :|, 3 in the second ending, 4 after its ||', () => {
    expect(repeatAfter(REPEATS, '|:A4|')).toBe(1);
    expect(repeatAfter(REPEATS, '|:A4|1')).toBe(2);
    expect(repeatAfter(REPEATS, '|1 B4')).toBe(2);
    expect(repeatAfter(REPEATS, '|1 B4:|')).toBe(4);
    expect(repeatAfter(REPEATS, '|1 B4:|2')).toBe(3);
    expect(repeatAfter(REPEATS, ':|2 c4')).toBe(3);
    expect(repeatAfter(REPEATS, ':|2 c4|')).toBe(3);
    expect(repeatAfter(REPEATS, ':|2 c4||')).toBe(4);
    expect(repeatAfter(REPEATS, 'c4||d4|')).toBe(4);
  });

  it('[1 … :|[2 … |]: the same with endings after the bar line', () => {
    expect(repeatAfter(REPEATS, '|:e4|')).toBe(1);
    expect(repeatAfter(REPEATS, '|:e4|[')).toBe(1);
    expect(repeatAfter(REPEATS, '|:e4|[1')).toBe(2);
    expect(repeatAfter(REPEATS, '[1 f4')).toBe(2);
    expect(repeatAfter(REPEATS, '[1 f4:|')).toBe(4);
    expect(repeatAfter(REPEATS, '[1 f4:|[')).toBe(4);
    expect(repeatAfter(REPEATS, '[1 f4:|[2')).toBe(3);
    expect(repeatAfter(REPEATS, '[2 g4|')).toBe(3);
    expect(repeatAfter(REPEATS, '[2 g4|]')).toBe(4);
    // ` [2` after a space, and a first ending where no repeat is open.
    const t = 'X:1\nK:C\nA4 [1 B4 :| [2 c4 [|d4|\n';
    expect(repeatAfter(t, '[1')).toBe(2);
    expect(repeatAfter(t, ':|')).toBe(4);
    expect(repeatAfter(t, ':| [2')).toBe(3);
    expect(repeatAfter(t, 'c4 [|')).toBe(4);
    // Ending numbers: [1,3 counts as a first ending, [12 as a later one.
    expect(repeatAfter('X:1\nK:C\n|:A4|[1,3 B4', '[1,3')).toBe(2);
    expect(repeatAfter('X:1\nK:C\n|:A4|[12 B4', '[1')).toBe(2);
    expect(repeatAfter('X:1\nK:C\n|:A4|[12 B4', '[12')).toBe(3);
  });

  it('a |: inside an open repeat stays 1; a || inside a first ending stays 2 (abc2midi plays it on to its :|)', () => {
    expect(repeatAfter(REPEATS, '|:A4|:')).toBe(1);
    expect(repeatAfter(REPEATS, '|:A4|:B4:|')).toBe(4);
    const t = 'X:1\nK:C\n|:A4|1 B4||C4:|2 D4|]\n';
    expect(repeatAfter(t, 'B4||')).toBe(2);
    expect(repeatAfter(t, 'C4:|')).toBe(4);
    expect(repeatAfter(t, 'D4|]')).toBe(4);
    // `::` inside a first ending: a new repeat.
    expect(repeatAfter('X:1\nK:C\n[1 A4::B4', '::')).toBe(1);
  });

  it('a part label leaves an open |: open and ends an ending (as RepeatSigns.part): 1 if a |: was open, else 4 after a :|', () => {
    expect(repeatAfter(REPEATS, '|:c4|[1 d4')).toBe(2);
    expect(repeatAfter(REPEATS, 'P:D')).toBe(2); // the label is read at its line's end…
    expect(repeatAfter(REPEATS, 'P:D\n')).toBe(1); // …whose newline has the new repeat part (its metric part is 0)
    expect(repeatAfter(REPEATS, 'P:D\ne4')).toBe(1);
    expect(repeatAfter(REPEATS, 'P:D\ne4:|')).toBe(4);
    const t = 'X:1\nK:C\n|:A4:|\nP:B\n|:B4|\nP:C\nC4|1 D4\nP:D\nE4:|2 F4\nP:E\nG4|\n';
    expect(repeatAfter(t, 'P:B\n')).toBe(4);
    expect(repeatAfter(t, '|:B4|\nP:C\n')).toBe(1); // an open |: stays open
    expect(repeatAfter(t, 'P:C\nC4|1 D4')).toBe(2);
    expect(repeatAfter(t, 'P:D\n')).toBe(1);
    expect(repeatAfter(t, 'E4:|2 F4')).toBe(3);
    expect(repeatAfter(t, 'P:E\n')).toBe(4);
    // Before any :|, a label with no |: open reads 0.
    expect(repeatAfter('X:1\nK:C\nA4|1 B4\nP:B\nc4|\n', 'P:B\n')).toBe(0);
  });
});

describe('MetricTracker: the phrase part', () => {
  it('counts the bars of the section behind it; the pickup is not a bar; a section bar line starts again', () => {
    expect(phraseAfter(JIG, '|:')).toBe(0);
    expect(phraseAfter(JIG, '|:A')).toBe(0);
    expect(phraseAfter(JIG, '|:A|')).toBe(0); // the pickup's bar line decides it is short: not one of the bars
    expect(phraseAfter(JIG, 'f2g|')).toBe(1);
    expect(phraseAfter(JIG, 'a3 a2f|')).toBe(2);
    expect(phraseAfter(JIG, 'd3 d2')).toBe(2);
    expect(phraseAfter(JIG, 'd3 d2:|')).toBe(0);
    // Without a pickup the first bar counts; a part label starts a section.
    expect(phraseAfter(PARTS, 'f3:|')).toBe(0);
    expect(phraseAfter(PARTS, 'e2 c2|')).toBe(1);
    expect(phraseAfter(PARTS, 'd4|')).toBe(2);
    expect(phraseAfter(PARTS, 'P:B\n')).toBe(0);
  });

  it('a second ending starts from where the first ending started', () => {
    expect(phraseAfter(ENDINGS, '|:c4|')).toBe(1);
    expect(phraseAfter(ENDINGS, '[1')).toBe(1);
    expect(phraseAfter(ENDINGS, 'd4:|')).toBe(0);
    expect(phraseAfter(ENDINGS, 'd4:|[2')).toBe(1);
    expect(phraseAfter(ENDINGS, 'e4')).toBe(1);
    expect(phraseAfter(ENDINGS, 'e4|]')).toBe(0);
    // `|1 … :|2` in one bar-line token each.
    expect(phraseAfter(REPEATS, '|:A4|1')).toBe(1);
    expect(phraseAfter(REPEATS, '|1 B4:|')).toBe(0);
    expect(phraseAfter(REPEATS, '|1 B4:|2')).toBe(1);
    expect(phraseAfter(REPEATS, ':|2 c4||')).toBe(0);
    expect(phraseAfter(REPEATS, 'c4||d4|')).toBe(1);
  });

  it('is clamped at 16 bars', () => {
    const t = `X:1\nM:4/4\nL:1/4\nK:C\n${'A4|'.repeat(20)}\n`;
    const states = metricStates(t);
    const bars = [...t.matchAll(/\|/g)].map((m) => describeMetricState(states[m.index]).phrase);
    expect(bars).toEqual([...Array.from({ length: 16 }, (_, i) => i + 1), 16, 16, 16, 16]);
  });

  it('a new tune starts at 0', () => {
    const t = 'X:1\nK:C\n|:A4|1 B4\n\nX:2\nK:C\nA4|\n';
    expect(repeatAfter(t, '|1 B4\n')).toBe(2);
    expect(repeatAfter(t, 'X:2\nK:C\nA')).toBe(0);
    const u = 'X:1\nK:C\n|:A4|\nX:2\nK:C\nA4|\n';
    expect(repeatAfter(u, 'X:2\nK:C\nA')).toBe(0);
  });
});

// Tunes for the properties below: the hand-made ones, a messy one and plain garbage.
const MESSY = `%abc-2.1
garbage before X
X:9
T:Messy
K:D
"A [CE G|B>>c<d (3:2:2ab c'3/ {g}!trill!f +x y|:: [L:1/16]z//2 x3 Z2 X:|]
!trill A [K:G] {ab c d\\
"unclosed quote A4 |
[P:B] A & B | [1,3 ab :|2 c |[A:x] & &
\t 

X:10
M:9/8
K:A
B,>C D | A9 |
`;
const TUNES = [JIG, REEL, PARTS, ENDINGS, TIES, REPEATS, MESSY];


function randomText(next: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = next();
    if (r < 0.75) s += ABCISH[Math.floor(next() * ABCISH.length)];
    else if (r < 0.8) s += '\nX:1\nM:6/8\nK:G\n';
    else if (r < 0.85) s += '\n\n';
    else if (r < 0.9) s += '[M:3/4]';
    else s += String.fromCharCode(Math.floor(next() * 0x10000)); // any UTF-16 unit, lone surrogates included
  }
  return s;
}

function pushAll(symbols: Iterable<string>): number[] {
  const t = new MetricTracker();
  return Array.from(symbols, (s) => t.push(s));
}

describe('MetricTracker: causal and incremental', () => {
  it('the states of every prefix are a prefix of the states of the whole text', () => {
    const next = seededRandom(7);
    for (const tune of [...TUNES, randomText(next, 300), randomText(next, 300)]) {
      const whole = Array.from(metricStates(tune));
      const chars = Array.from(tune);
      for (let n = 0; n <= chars.length; n++) {
        expect(Array.from(metricStates(chars.slice(0, n).join(''))), `${JSON.stringify(tune.slice(0, 40))} prefix ${n}`).toEqual(whole.slice(0, n));
      }
    }
  });

  it('metricStates equals pushing the characters one by one, and `state` is the last push', () => {
    const next = seededRandom(11);
    for (const tune of [...TUNES, randomText(next, 2000)]) {
      const t = new MetricTracker();
      const pushed = Array.from(tune, (c) => {
        const s = t.push(c);
        expect(t.state).toBe(s);
        return s;
      });
      expect(Array.from(metricStates(tune))).toEqual(pushed);
      expect(Array.from(metricStates(Array.from(tune)))).toEqual(pushed);
    }
  });

  it('a clone goes on exactly as the original, and apart from it', () => {
    for (const tune of TUNES) {
      const chars = Array.from(tune);
      const whole = Array.from(metricStates(tune));
      const t = new MetricTracker();
      for (let n = 0; n < chars.length; n++) {
        const c = t.clone();
        expect(chars.slice(n).map((ch) => c.push(ch)), `${JSON.stringify(tune.slice(0, 20))} clone at ${n}`).toEqual(whole.slice(n));
        t.push(chars[n]);
      }
      expect(t.state).toBe(whole[whole.length - 1]);
    }
  });

  it('reads 600k characters fast (the time is printed, not asserted)', () => {
    let text = '';
    while (text.length < 600_000) text += JIG + '\n' + REEL + '\n' + PARTS + '\n' + MESSY + '\n';
    const t0 = performance.now();
    const states = metricStates(text);
    const ms = performance.now() - t0;
    console.log(`metricStates: ${text.length} characters in ${ms.toFixed(0)} ms`);
    expect(states.length).toBe(text.length);
  });
});

describe('MetricTracker: lenient', () => {
  const inRange = (states: ArrayLike<number>) => Array.from(states).every((s) => Number.isInteger(s) && s >= 0 && s < METRIC_STATES);

  it('never throws on garbage, unbalanced quotes and brackets, random strings; every state is in range', () => {
    const cases = [
      MESSY,
      'X:1\nK:C\n"unclosed [CEG {ab !trill (3 |',
      'X:1\nK:C\n]]]]}}}}))))::::||||[[[[',
      'X:1\nK:C\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[A',
      'X:1\nK:C\n!+!+!+!+!+!+!+!+!+ A {{{{{{{ B',
      'X:1\nL:1/1000000000\nM:999999/1\nK:C\nA99999999999999999/99999999999999999999|A0 z0 (99999:1:99999 abc',
      'X:1\nM:\nL:0\nK:C\nA|[M:x/y][L:/]B|',
      '\uFEFFX:1\nK:C\nAB🎵cd|',
      '',
      '\n\n\n',
    ];
    const next = seededRandom(42);
    for (let i = 0; i < 50; i++) cases.push(randomText(next, 500));
    for (const text of cases) {
      let states: Int32Array = new Int32Array();
      expect(() => (states = metricStates(text))).not.toThrow();
      expect(inRange(states), JSON.stringify(text.slice(0, 60))).toBe(true);
      expect(states.length).toBe(Array.from(text).length);
    }
  });

  it('a tune without M: or K: still gets music states', () => {
    const noMeter = 'X:1\nT:t\nK:C\nABcd efga|';
    expect(after(noMeter, 'ABcd efga')).toEqual(music(0, 0));
    // Music before any K: ends the header, as parse.ts reads it.
    const noKey = 'X:1\nT:t\nL:1/4\nAB|\n';
    expect(after(noKey, 'L:1/4\nA')).toEqual(NOT_MUSIC); // in the header `A` may still open the field A:
    expect(after(noKey, 'L:1/4\nAB')).toEqual(music(8, 0)); // not a field: both notes count
    expect(after(noKey, 'AB|')).toEqual(music(16, 2 + 8)); // a first bar of 8 sixteenths
  });

  it('a blank line ends a tune and resets everything: the next tune reads as it does alone', () => {
    const next = seededRandom(3);
    const junk = [MESSY, 'X:1\nM:3/4\nL:1/16\nK:C\n"open [CE {a !x A2 (3 |: P', ...Array.from({ length: 20 }, () => randomText(next, 200))];
    for (const before of junk) {
      for (const blank of ['\n\n', '\n \t\n', '\r\n\r\n']) {
        for (const tune of [JIG, REEL, PARTS]) {
          const text = before + blank + tune;
          const states = Array.from(metricStates(text));
          const alone = Array.from(metricStates(tune));
          expect(states.slice(states.length - alone.length), JSON.stringify(before.slice(-40))).toEqual(alone);
        }
      }
    }
  });

  it('the blank line itself and the text between tunes are not music', () => {
    const text = `${JIG}\nfree text | A B C\n\n${REEL}`;
    const states = metricStates(text);
    const between = Array.from(states.subarray(JIG.length, text.indexOf('X:2')));
    expect(between.length).toBeGreaterThan(10);
    expect(between.every((s) => s === 0)).toBe(true);
    expect(metricOf(states[JIG.length - 1])).toEqual(music(12, 0)); // the tune's last newline is music
  });
});

describe('MetricTracker: tokens', () => {
  it('pushing a multi-character token equals pushing its characters', () => {
    const next = seededRandom(5);
    for (const tune of [...TUNES, randomText(next, 1000)]) {
      const perChar = Array.from(metricStates(tune));
      // Lexer tokens (`^c'3/2`, `:|2`, `[CEG]2`, whole field lines …): the state after each is the state after its last character.
      const tokens = abcTokens(tune);
      expect(tokens.join('')).toBe(tune);
      const t = new MetricTracker();
      const expected: number[] = [];
      let end = 0;
      for (const tok of tokens) {
        end += Array.from(tok).length;
        expected.push(perChar[end - 1]);
        expect(t.push(tok), `${JSON.stringify(tok)}`).toBe(perChar[end - 1]);
      }
      expect(Array.from(metricStates(tokens))).toEqual(expected);
      // Random cuts too.
      const chars = Array.from(tune);
      const pieces: string[] = [];
      for (let i = 0; i < chars.length; ) {
        const n = 1 + Math.floor(next() * 6);
        pieces.push(chars.slice(i, i + n).join(''));
        i += n;
      }
      const byPiece = pushAll(pieces);
      let at = 0;
      pieces.forEach((p, i) => {
        at += Array.from(p).length;
        expect(byPiece[i]).toBe(perChar[at - 1]);
      });
    }
  });
});

/** For each UTF-16 index of `text`, the index of its code point (the states are per code point). */
function codePointIndex(text: string): Int32Array {
  const out = new Int32Array(text.length);
  let n = -1;
  for (let i = 0; i < text.length; i++) {
    const low = text.charCodeAt(i) >= 0xdc00 && text.charCodeAt(i) < 0xe000;
    const afterHigh = i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) < 0xdc00;
    if (!(low && afterHigh)) n++;
    out[i] = n;
  }
  return out;
}

// The Nottingham files are never copied into the repository: set TUNELAB_DATA_DIR to read them.
const DATA = process.env.TUNELAB_DATA_DIR;
const haveData = DATA !== undefined && existsSync(DATA);

describe('MetricTracker: agreement with the bar-length checker', () => {
  it.skipIf(!haveData)('every plain bar line in the middle of a section closes a full bar, in the tunes checkText finds clean', () => {
    const files = readdirSync(DATA!).filter((f) => f.endsWith('.abc')).sort();
    let bars = 0;
    let agree = 0;
    let clean = 0;
    const disagree: string[] = [];
    for (const f of files) {
      for (const source of splitTunes(readFileSync(join(DATA!, f), 'utf8'), f)) {
        const text = source.text;
        const check = checkText(text);
        if (check.errors + check.warnings > 0) continue;
        clean++;
        const states = metricStates(text);
        const cp = codePointIndex(text);
        // Which bar lines to ask about, from the lexer's tokens (independently of the tracker): a plain `|`
        // that closes a bar with music that is not the first bar of its section (after the body's start, a
        // section bar line without ending, a P: label) and does not start with an ending.
        let inBody = false;
        let closedInSection = 0;
        let timed = false;
        let endingBar = false;
        for (const t of lexTune(text).tokens) {
          if (t.kind === 'field') {
            if (t.text.startsWith('K:')) inBody = true;
            else if (inBody && t.text.startsWith('P:')) closedInSection = 0;
            continue;
          }
          if (!inBody) continue;
          if (t.kind === 'ending') endingBar = true;
          else if (t.kind === 'note' || t.kind === 'rest' || t.kind === 'chord') timed = true;
          else if (t.kind === 'bar') {
            const { kind, ending } = closeKind(t.text);
            if (t.text === '|' && timed && closedInSection > 0 && !endingBar) {
              bars++;
              const d = describeMetricState(states[cp[t.offset - 1]]);
              if (d.music && d.remaining === 0) agree++;
              else if (disagree.length < 10) disagree.push(`${f}:${source.line} …${text.slice(Math.max(0, t.offset - 30), t.offset + 1)} ${JSON.stringify(d)}`);
            }
            if (timed) closedInSection++;
            if (ending === null && kind !== 'single') closedInSection = 0;
            timed = false;
            endingBar = ending !== null;
          }
        }
      }
    }
    console.log(`metric agreement: ${agree}/${bars} bar lines (${((100 * agree) / bars).toFixed(2)}%) in ${clean} clean tunes${disagree.length ? `\n${disagree.join('\n')}` : ''}`);
    expect(clean).toBeGreaterThan(100);
    expect(bars).toBeGreaterThan(1000);
    expect(agree / bars).toBeGreaterThan(0.95);
  });

  it.skipIf(!haveData)('after every note, rest and chord, what is left of the bar agrees with the durations parse.ts assigns', () => {
    // Over-counting notes would still read 0 at the bar lines above (an overfull bar reads 0): this checks
    // each timed token against the parser's own durations (tuplets, chords, lengths), bar by bar.
    const files = readdirSync(DATA!).filter((f) => f.endsWith('.abc')).sort();
    let tokens = 0;
    let agree = 0;
    const disagree: string[] = [];
    for (const f of files) {
      for (const source of splitTunes(readFileSync(join(DATA!, f), 'utf8'), f)) {
        const tune = parseTune(source.text);
        // One voice, no overlays: the tracker follows one line of music.
        if (tune.headers.some((h) => h.field === 'V') || tune.tokens.some((t) => t.kind === 'overlay')) continue;
        const states = metricStates(source.text);
        const cp = codePointIndex(source.text);
        let meter: Meter = { text: '', barLength: null };
        let inBody = false;
        let pos = ZERO;
        const significant = tune.tokens.filter((t) => t.kind !== 'space');
        significant.forEach((t, i) => {
          if (t.kind === 'field' || t.kind === 'inline-field') {
            const body = t.kind === 'inline-field' ? t.text.slice(1, -1) : t.text;
            if (body.startsWith('M:')) meter = parseMeter(fieldValue(body.slice(2))) ?? meter;
            if (body.startsWith('K:')) inBody = true;
            if (inBody && /^P:\s*[A-Z]\d*\s*$/.test(body)) pos = ZERO;
            return;
          }
          if (!inBody) return;
          if (t.kind === 'bar') pos = ZERO;
          if (!t.duration || (t.kind !== 'note' && t.kind !== 'rest' && t.kind !== 'chord')) return;
          pos = add(pos, t.duration);
          // A broken rhythm after it changes it later.
          if (significant[i + 1]?.kind === 'broken') return;
          const bar = meter.barLength ?? ONE;
          const left = sub(bar, pos);
          const expected = left.num <= 0 ? 0 : Math.min(24, Math.ceil((16 * left.num) / left.den));
          tokens++;
          const d = describeMetricState(states[cp[t.offset + t.text.length - 1]]);
          if (d.music && d.remaining === expected) agree++;
          else if (disagree.length < 10) disagree.push(`${f}:${source.line} …${source.text.slice(Math.max(0, t.offset - 30), t.offset + t.text.length)} expected ${expected}, got ${JSON.stringify(d)}`);
        });
      }
    }
    console.log(`metric agreement with parse.ts durations: ${agree}/${tokens} notes, rests and chords (${((100 * agree) / tokens).toFixed(2)}%)${disagree.length ? `\n${disagree.join('\n')}` : ''}`);
    expect(tokens).toBeGreaterThan(10_000);
    expect(agree / tokens).toBeGreaterThan(0.999);
  });
});

describe('MetricTracker: ties and repeats in the Nottingham tunes', () => {
  /** The clean tunes (checkText finds no error or warning), with their states and code point indexes. */
  function* cleanTunes(): Generator<{ where: string; text: string; states: Int32Array; cp: Int32Array }> {
    const files = readdirSync(DATA!).filter((f) => f.endsWith('.abc')).sort();
    for (const f of files) {
      for (const source of splitTunes(readFileSync(join(DATA!, f), 'utf8'), f)) {
        const check = checkText(source.text);
        if (check.errors + check.warnings > 0) continue;
        yield { where: `${f}:${source.line}`, text: source.text, states: metricStates(source.text), cp: codePointIndex(source.text) };
      }
    }
  }

  it.skipIf(!haveData)('a note after a pending tie has the pending pitch; every tie the lexer finds reads pending', () => {
    let ties = 0;
    let pendingAtTie = 0;
    let notes = 0;
    let samePitch = 0;
    let chords = 0;
    let chordHas = 0;
    const disagree: string[] = [];
    for (const { where, text, states, cp } of cleanTunes()) {
      for (const t of lexTune(text).tokens) {
        if (t.kind === 'tie') {
          ties++;
          if (describeMetricState(states[cp[t.offset]]).tie > 0) pendingAtTie++;
          else if (disagree.length < 10) disagree.push(`${where} no tie pending at …${text.slice(Math.max(0, t.offset - 20), t.offset + 1)}`);
          continue;
        }
        if ((t.kind !== 'note' && t.kind !== 'chord') || t.offset === 0) continue;
        const before = describeMetricState(states[cp[t.offset - 1]]);
        if (before.tie === 0) continue;
        // The note's first character ends the tie.
        expect(describeMetricState(states[cp[t.offset + t.text.length - 1]]).tie, `${where} ${t.text}`).toBe(0);
        if (t.kind === 'note') {
          notes++;
          if (pitchKey(t.pitch ?? t.text) === before.tiePitch) samePitch++;
          else if (disagree.length < 10) disagree.push(`${where} …${text.slice(Math.max(0, t.offset - 20), t.offset + t.text.length)} pending ${before.tiePitch}`);
        } else {
          chords++;
          if ((t.notes ?? []).map(pitchKey).includes(before.tiePitch)) chordHas++;
        }
      }
    }
    console.log(
      `ties: ${pendingAtTie}/${ties} ties read pending; after them ${samePitch}/${notes} notes (${((100 * samePitch) / notes).toFixed(2)}%) have the pending pitch, ${chordHas}/${chords} chords hold it${disagree.length ? `\n${disagree.join('\n')}` : ''}`,
    );
    expect(ties).toBeGreaterThan(100);
    expect(pendingAtTie / ties).toBeGreaterThan(0.99);
    expect(notes).toBeGreaterThan(100);
    expect(samePitch / notes).toBeGreaterThan(0.95);
  });

  it.skipIf(!haveData)('just before every :|, the repeat part is 1 or 2, or 0 / 4 where no |: is open (4 after an earlier :|)', () => {
    // Open or not, read from the lexer's bar tokens independently of the tracker: |: and :: open, :| closes.
    const counts = { open1: 0, firstEnding2: 0, noneEver0: 0, closedBefore4: 0, wrong: 0 };
    const disagree: string[] = [];
    for (const { where, text, states, cp } of cleanTunes()) {
      let open = false;
      let closedOne = false;
      for (const t of lexTune(text).tokens) {
        if (t.kind !== 'bar') continue;
        const { kind } = closeKind(t.text);
        if (kind === 'rep-end' || kind === 'double-rep') {
          const r = describeMetricState(states[cp[t.offset - 1]]).repeat;
          if (r === 1) counts.open1++;
          else if (r === 2) counts.firstEnding2++;
          else if (r === 0 && !open && !closedOne) counts.noneEver0++;
          else if (r === 4 && !open && closedOne) counts.closedBefore4++;
          else {
            counts.wrong++;
            if (disagree.length < 10) disagree.push(`${where} …${text.slice(Math.max(0, t.offset - 30), t.offset + t.text.length)} repeat ${r}`);
          }
        }
        if (kind === 'rep-start' || kind === 'double-rep') open = true;
        else if (kind === 'rep-end') {
          open = false;
          closedOne = true;
        }
      }
    }
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(
      `repeats before ${total} :| and ::: 1 (|: open) ${counts.open1}, 2 (first ending) ${counts.firstEnding2}, 0 with no :| before in the tune ${counts.noneEver0}, 4 after an earlier :| closed its |: ${counts.closedBefore4}, wrong ${counts.wrong}${disagree.length ? `\n${disagree.join('\n')}` : ''}`,
    );
    expect(total).toBeGreaterThan(100);
    expect(counts.wrong).toBe(0);
  });

  it.skipIf(!haveData)('just before a :| the phrase part mostly reads 7 or 15: the 8th or 16th bar of the part', () => {
    const seen = new Map<number, number>();
    for (const { text, states, cp } of cleanTunes()) {
      for (const t of lexTune(text).tokens) {
        if (t.kind !== 'bar' || closeKind(t.text).kind !== 'rep-end') continue;
        const p = describeMetricState(states[cp[t.offset - 1]]).phrase;
        seen.set(p, (seen.get(p) ?? 0) + 1);
      }
    }
    const total = [...seen.values()].reduce((a, b) => a + b, 0);
    const eighth = (seen.get(7) ?? 0) + (seen.get(15) ?? 0);
    console.log(`phrase before ${total} :|: ${[...seen].sort((a, b) => a[0] - b[0]).map(([p, n]) => `${p}: ${n}`).join(', ')}`);
    expect(total).toBeGreaterThan(100);
    expect(eighth / total).toBeGreaterThan(0.6);
  });

  it.skipIf(!haveData)('the first layout is the current one with repeat 4 read as 0 and no phrase part', () => {
    let n = 0;
    for (const { where, text, states } of cleanTunes()) {
      const v1 = metricStates(text, METRIC_LAYOUT_V1);
      for (let i = 0; i < states.length; i++) {
        const now = describeMetricState(states[i]);
        const expected = { ...now, repeat: now.repeat === 4 ? 0 : now.repeat, phrase: 0 };
        const got = describeMetricState(v1[i], METRIC_LAYOUT_V1);
        if (JSON.stringify(got) !== JSON.stringify(expected)) expect(got, `${where} at ${i}`).toEqual(expected);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100_000);
  });
});
