import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRIC_STATES, MetricTracker, describeMetricState, metricStates } from './metric';
import { closeKind } from './bars';
import { checkText } from './check';
import { ONE, ZERO, add, sub } from './fraction';
import { fieldValue, parseMeter } from './fields';
import { lexTune } from './lexer';
import { parseTune } from './parse';
import type { Meter } from './types';
import { splitTunes } from './split';
import { abcTokens } from './vocab';

/** The state after the last character of the `n`-th occurrence (0-based) of `needle` in `text`, taken apart. */
function after(text: string, needle: string, n = 0): ReturnType<typeof describeMetricState> {
  let i = -1;
  for (let k = 0; k <= n; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`no ${needle} #${n} in the test tune`);
  }
  return describeMetricState(metricStates(text)[i + needle.length - 1]);
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
  it('counts METRIC_STATES as 1 + 25 remaining values × 17 pickup values', () => {
    expect(METRIC_STATES).toBe(1 + 25 * 17);
    expect(describeMetricState(0)).toEqual(NOT_MUSIC);
    expect(describeMetricState(1 + 24 * 17 + 16)).toEqual(music(24, 16));
    expect(describeMetricState(METRIC_STATES)).toEqual(NOT_MUSIC);
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
    expect(describeMetricState(states[JIG.length - 1])).toEqual(music(12, 0)); // the newline ending a music line
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
    expect(describeMetricState(states[p])).toEqual(music(8, 0));
    expect(describeMetricState(states[p + 1])).toEqual(NOT_MUSIC);
    expect(describeMetricState(states[p + 3])).toEqual(NOT_MUSIC); // its newline
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
const TUNES = [JIG, REEL, PARTS, ENDINGS, MESSY];

/** mulberry32: a small seeded PRNG, so a failing input can be found again from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ABCISH = 'XTMLKPQ:|[]{}()"!+^_=,\'/<>-~.0123456789 \n\tABCDEFGabcdefgzxZyHuv%\\&#$*@;`';

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
    const next = rng(7);
    for (const tune of [...TUNES, randomText(next, 300), randomText(next, 300)]) {
      const whole = Array.from(metricStates(tune));
      const chars = Array.from(tune);
      for (let n = 0; n <= chars.length; n++) {
        expect(Array.from(metricStates(chars.slice(0, n).join(''))), `${JSON.stringify(tune.slice(0, 40))} prefix ${n}`).toEqual(whole.slice(0, n));
      }
    }
  });

  it('metricStates equals pushing the characters one by one, and `state` is the last push', () => {
    const next = rng(11);
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
    const next = rng(42);
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
    const next = rng(3);
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
    expect(describeMetricState(states[JIG.length - 1])).toEqual(music(12, 0)); // the tune's last newline is music
  });
});

describe('MetricTracker: tokens', () => {
  it('pushing a multi-character token equals pushing its characters', () => {
    const next = rng(5);
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
