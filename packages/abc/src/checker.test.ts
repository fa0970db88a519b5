import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFile, parseTune } from './parse';
import { REFUSED_WARNINGS, TuneChecker } from './checker';
import { completeTune, SymbolConstraint } from './constraint';
import { ChordSymbolReader, chordSymbolProblem } from './chord-symbols';
import type { Tune } from './types';

const DATA = process.env.TUNELAB_DATA_DIR ?? '/work/shared/data/nottingham';
const present = existsSync(join(DATA, 'jigs.abc'));

/** What the sampler must never write: an error, or a warning it refuses. */
function refusedFindings(tune: Tune, mode: 'meter' | 'syntax' = 'meter') {
  // Syntax mode leaves bar lengths alone, and so where in its last bar a tune ends (gchord-end).
  return tune.findings.filter((f) => (f.severity === 'error' || REFUSED_WARNINGS.includes(f.code)) && !(mode === 'syntax' && (f.code === 'bar-length' || f.code === 'gchord-end')));
}

/** Feeds `text` one character at a time; returns the index where it stopped being viable, or -1. */
function deathIndex(text: string, mode: 'meter' | 'syntax' = 'meter'): { at: number; checker: TuneChecker } {
  const checker = new TuneChecker(mode);
  for (let i = 0; i < text.length; i++) if (!checker.push(text[i])) return { at: i, checker };
  return { at: -1, checker };
}

const HEAD = 'X:1\nT:t\nM:6/8\nL:1/8\nK:G\n';
/** Whether the body, after HEAD, ends a tune the checker accepts (a blank line after it). */
const accepts = (body: string, mode: 'meter' | 'syntax' = 'meter') => deathIndex(`${HEAD}${body}\n\n`, mode).checker.ended;
/** Whether the body, after HEAD, is still viable (no end). */
const viable = (body: string, mode: 'meter' | 'syntax' = 'meter') => deathIndex(`${HEAD}${body}`, mode).at < 0;

/** A seeded "model": random preferences over the allowed symbols, newline rarer so tunes have a body. */
function randomTunes(symbols: string[], mode: 'meter' | 'syntax', count: number, maxLength: number, seed: number, prime = 'X:') {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const mask = new Uint8Array(symbols.length);
  const tunes: { text: string; complete: boolean }[] = [];
  for (let n = 0; n < count; n++) {
    const constraint = new SymbolConstraint(symbols, mode);
    let text = '';
    for (const sym of prime) {
      expect(constraint.accept(symbols.indexOf(sym))).toBe(true);
      text += sym;
    }
    const weights = symbols.map(() => Math.exp(4 * rnd()));
    for (let k = 0; k < maxLength + 400 && !constraint.ended; k++) {
      const allowed = constraint.allowed(mask, maxLength - k);
      expect(allowed, `no symbol allowed after ${JSON.stringify(text)}`).toBeGreaterThan(0);
      const w = symbols.map((_, i) => (mask[i] ? weights[i] * (0.5 + rnd()) : 0));
      let r = rnd() * w.reduce((a, b) => a + b, 0);
      let id = mask.indexOf(1);
      for (let i = 0; i < symbols.length; i++) {
        if (!mask[i]) continue;
        id = i;
        if ((r -= w[i]) < 0) break;
      }
      text += symbols[id];
      expect(constraint.accept(id), constraint.reason ?? '').toBe(true);
    }
    tunes.push({ text, complete: constraint.ended });
  }
  return tunes;
}

const PRINTABLE = Array.from(new Set(Array.from(' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\n')));

describe('TuneChecker: the header', () => {
  it('wants X:<number> first, known fields, M: before the K: that ends the header', () => {
    expect(accepts('GAB c2d|')).toBe(true);
    expect(deathIndex('T:t\nX:1\n').at).toBe(0);
    expect(deathIndex('X:one\n').at).toBe(2); // bad-x
    expect(deathIndex('X:1\nY:AB\n').at).toBe(4); // unknown-field
    expect(deathIndex('X:1\nT:t\nK:G\n').checker.reason).toMatch(/M: must come before K:/); // missing-meter
    expect(deathIndex('X:1\nM:6/8\nK:Hx\n').checker.reason).toMatch(/K:H /); // bad-key
    expect(deathIndex('X:1\nM:6/8\nK:G\nA:area\n').checker.reason).toMatch(/belongs in the header/); // field-after-key
    expect(deathIndex('X:1\nM:6/8\nGAB').at).toBe(10); // music before K:
  });

  it('reads M: and L: as the body needs them: L: defaults by the meter, a body M: changes the bar', () => {
    // M:2/4 without L: → L:1/16, so a 2/4 bar is eight plain notes.
    expect(deathIndex('X:1\nM:2/4\nK:D\nABcd efga|\n\n').checker.ended).toBe(true);
    expect(deathIndex('X:1\nM:2/4\nK:D\nABcd efga|ABc|A').at).toBeGreaterThan(0);
    expect(deathIndex('X:1\nM:4/4\nK:A\nM:6/8\nP:A\nfcc c2f|\n\n').checker.ended).toBe(true);
  });

  it('refuses a value that cannot be completed as soon as it cannot', () => {
    const at = (text: string) => deathIndex(text).at;
    expect(at('X:1\nM:6/x')).toBe(8);
    expect(at('X:1\nM:6/8\nL:1/3')).toBe(14);
    expect(at('X:1\nM:6/8\nK:Gmiz')).toBe(15);
    expect(viable('')).toBe(true);
    expect(deathIndex('X:1\nM:6/8\nK:Gmi').at).toBe(-1);
  });
});

describe('TuneChecker: symbols that must close', () => {
  it('chord symbols follow the chord grammar, prefix by prefix, and close on their line', () => {
    expect(accepts('"Am7/G"GAB "D"c2d|')).toBe(true);
    expect(viable('"Am7/')).toBe(true);
    expect(viable('"Ax')).toBe(false);
    expect(viable('"Am7/G\nA')).toBe(false);
    // Annotations are legal ABC, but no Nottingham tune has one: the sampler writes chord symbols only.
    expect(viable('"^')).toBe(false);
  });

  it('chords, grace notes, decorations and slurs close where they must', () => {
    expect(accepts('[GB]AB {ag}c2d|(3GAB (c3d)|')).toBe(true);
    expect(accepts('!trill!GAB ~c2d|')).toBe(true);
    expect(viable('[GB')).toBe(true);
    expect(viable('[GB\n')).toBe(false);
    expect(viable('[]')).toBe(false);
    expect(viable('{ag\n')).toBe(false);
    expect(viable('!trill GAB')).toBe(false);
    expect(accepts('(GAB c2d|')).toBe(false); // the slur never closes
    expect(viable('GAB) c2d|')).toBe(false);
  });

  it('ties join equal pitches: refused at the letter that differs', () => {
    expect(accepts('GAB- Bcd|')).toBe(true);
    expect(accepts("GAc- c'2d|")).toBe(false);
    expect(deathIndex(`${HEAD}GAB- c`).at).toBe(HEAD.length + 5);
    expect(viable('GAB- z')).toBe(false);
    expect(accepts('GAB c2d-|d3 B3|')).toBe(true); // across a bar line
  });
});

describe('TuneChecker: bar durations by the bar-length rule', () => {
  it('allows a bar line only where the bar is full, and refuses a note that cannot fit', () => {
    expect(accepts('GAB c2d|e3 d2B|')).toBe(true);
    expect(viable('GAB c2d|GAB|A')).toBe(false); // a plain bar line after a short bar
    expect(viable('GAB c2d|GAB|')).toBe(true); // `||` could still carry it
    expect(viable('GAB c2d e')).toBe(false); // the bar is full
    expect(viable('GAB c2')).toBe(true);
    expect(viable('GAB c4')).toBe(false); // c4/2 would fit, but is written c2 (lengths in lowest terms)
    expect(viable('GAB c1/')).toBe(false); // c1/2 is written c/2
    expect(viable('GAB c2/')).toBe(false);
    expect(viable('GAB c/')).toBe(true);
    expect(viable('GAB c3/')).toBe(true); // 3/2 fits, and 3/4 would
    expect(deathIndex(`${HEAD}GAB cd4 `).at).toBe(HEAD.length + 6);
  });

  it('counts tuplets, broken rhythm and chord lengths', () => {
    expect(accepts('(3ABc d2e2|A>Bc A<Bc|[CE]3 [C3E3]|')).toBe(true);
    expect(viable('A>Bc z|>A')).toBe(false); // broken rhythm needs a note before it in the bar
    expect(viable('GAB c2> ')).toBe(false); // no room left for the note after >
    expect(viable('[CE]4')).toBe(true);
    expect(viable('[CE]4 GAB')).toBe(false);
  });

  it('lets the first bar be short (anacrusis) and the last complete it, and carries bars across repeats', () => {
    expect(accepts('D|GAB c2d|e3 d2:|')).toBe(true);
    expect(accepts('|:D|GAB c2d|e3 d2:|')).toBe(true);
    // Short bar at :| completed by the anacrusis on the repeat: fine. Without an anacrusis: the repeat
    // plays a full bar after it, so the short bar is refused where it closes.
    expect(accepts('|:GAB c2d|e3 d2:|')).toBe(false);
    expect(deathIndex(`${HEAD}|:GAB c2d|e3 d2:|`).at).toBe(HEAD.length + 15); // the `:` (`:|` and `::` both repeat)
    // First ending short, completed by the anacrusis on the repeat; the second ending is the last bar.
    expect(accepts('D|GAB c2d|[1 e3 d2:|[2 e3 d3||')).toBe(true);
    expect(accepts('GAB c2d|[1 e3 d2:|[2 e3 d3||')).toBe(false);
    expect(accepts('D|GAB c2d|[1e3 d3:|[2e3 d2||')).toBe(false);
  });

  it('ends a tune only after a closing bar line with everything finished', () => {
    expect(accepts('GAB c2d|e3 d3')).toBe(false);
    expect(accepts('GAB c2d|e3 (3d2')).toBe(false);
    expect(accepts('GAB c2d-|')).toBe(false);
    expect(accepts('GAB c2d|\n%a comment\n')).toBe(true);
  });

  it('measures nothing in syntax mode but still wants the closing bar line', () => {
    expect(accepts('GAB c2d e|GA|', 'syntax')).toBe(true);
    expect(accepts('GAB c2d e|GA', 'syntax')).toBe(false);
  });
});

describe('TuneChecker and abc check agree on what abc2midi stops at or plays otherwise', () => {
  /** check's refused findings for HEAD + body (or a whole text), as codes. */
  const flagged = (body: string, head = HEAD) => [...new Set(refusedFindings(parseTune(`${head}${body}\n`)).map((f) => f.code))];
  /** The checker's verdict on the same text ended by a blank line. */
  const ends = (body: string, head = HEAD) => deathIndex(`${head}${body}\n\n`).checker.ended;

  it('chord-length: a chord with lengths on its notes and after ] (abc2midi takes the outer one alone)', () => {
    expect(flagged('[c/2e/2]2 GAB c2|')).toEqual(['chord-length']);
    expect(ends('[c/2e/2]2 GAB c2|')).toBe(false);
    expect(viable('[c/2e/2]')).toBe(true);
    expect(viable('[c/2e/2]2')).toBe(false);
    expect(flagged('[ce]2 GAB c|')).toEqual([]);
    expect(ends('[ce]2 GAB c|')).toBe(true);
    expect(ends('[c2e2] GAB c|')).toBe(true);
  });

  it('gchord-end: with chord symbols the last bar, in playing order, must not stop inside a note of the accompaniment', () => {
    // The anacrusis D/2 leaves 5 1/2 eighths for the last bar: inside the c of fzcfzc.
    expect(flagged('D/2|"G"GAB c2d|e3 d2 d/2:|')).toEqual(['gchord-end']);
    expect(ends('D/2|"G"GAB c2d|e3 d2 d/2:|')).toBe(false);
    // No chord symbol, or a pattern with a rest there: nothing sounds at the end.
    for (const body of ['D/2|GAB c2d|e3 d2 d/2:|']) {
      expect(flagged(body)).toEqual([]);
      expect(ends(body)).toBe(true);
    }
    const pattern = 'X:1\nT:t\nM:6/8\nL:1/8\n%%MIDI gchord fzzczz\nK:G\n';
    expect(flagged('D/2|"G"GAB c2d|e3 d2 d/2:|', pattern)).toEqual([]);
    expect(ends('D/2|"G"GAB c2d|e3 d2 d/2:|', pattern)).toBe(true);
    // Completing the carried bar after the repeat ends it where nothing sounds; the anacrusis D (5 eighths left) does too.
    expect(ends('D/2|"G"GAB c2d|e3 d2 d/2:|d/2|e6|]')).toBe(true);
    expect(ends('D|"G"GAB c2d|e3 d2:|')).toBe(true);
    // The completion search finds such an ending.
    const c = deathIndex(`${HEAD}D/2|"G"GAB c2d|e3 d2 d/2:|`).checker;
    const ending = completeTune(c);
    expect(ending).not.toBeNull();
    expect(flagged(`D/2|"G"GAB c2d|e3 d2 d/2:|${ending}`)).toEqual([]);
  });

  it('midi-directive, bad-tempo, instruction-field: %%MIDI without a space, a gchord abc2midi rejects, a Q: or I: it cannot read', () => {
    const head = (line: string) => `X:1\nT:t\nM:6/8\nL:1/8\n${line}\nK:G\n`;
    for (const [line, code] of [
      ['%%MIDIx program 1', 'midi-directive'],
      ['%%MIDI gchord 10', 'midi-directive'],
      ['Q:ole 144', 'bad-tempo'],
      ['I:linebreak $', 'instruction-field'],
    ]) {
      expect(flagged('GAB c2d|', head(line))).toEqual([code]);
      expect(ends('GAB c2d|', head(line))).toBe(false);
    }
    for (const line of ['%%MIDI gchord fzczcz', '%%MIDI program 74', 'Q:1/4=180', 'Q:120', '% MIDIx is a plain comment']) {
      expect(flagged('GAB c2d|', head(line))).toEqual([]);
      expect(ends('GAB c2d|', head(line))).toBe(true);
    }
  });

  it('gchord-without-note, gchord-run, nested-slur, part-mid-bar, meter-mid-bar, chord-unequal, chord-tie: what a stalled sampler writes and abc2midi measures its own way', () => {
    for (const [body, code] of [
      ['GAB "D"c2d|"G"|GAB c3|', 'gchord-without-note'],
      ['GAB c2d"G"|GAB c3|', 'gchord-without-note'],
      ['GAB c2d|"G""D""A7"GAB c3|', 'gchord-run'],
      ['(GA(B) c2d)|GAB c3|', 'nested-slur'],
      ['GAB c2d|GAB\nP:B\nc3|d6|', 'part-mid-bar'],
      ['GAB c2d|GAB\nM:3/4\nc3|d6|', 'meter-mid-bar'],
      ['[G2c]B c2d|GAB c3|', 'chord-unequal'],
      ['[Gc]3-[Gc]3|GAB c3|', 'chord-tie'],
    ]) {
      expect(flagged(body), body).toEqual([code]);
      expect(ends(body), body).toBe(false);
    }
    // A chord symbol before a bar line is refused at the bar line, one that no note could follow (a full
    // bar) as it starts; a slur allows a tuplet inside it.
    expect(viable('GA|')).toBe(true); // an anacrusis
    expect(viable('GA"G"')).toBe(true);
    expect(viable('GA"G"|')).toBe(false);
    expect(viable('GAB c2')).toBe(true);
    expect(viable('GAB c2"')).toBe(true);
    expect(viable('GAB c2d"')).toBe(false);
    // A chord symbol cannot stand before a variant ending either: `"D7"[` can only open a chord.
    expect(viable('GAB c2d|[1GAB c2"D7"[')).toBe(true);
    expect(viable('GAB c2d|[1GAB c2"D7"[d')).toBe(true);
    expect(viable('GAB c2d|GA"D7"[1')).toBe(false);
    expect(viable('GAB c2d|GA"D7"[|')).toBe(false);
    // One decoration per note, ~ or !name!; no tie after a chord.
    expect(viable('~G')).toBe(true);
    expect(viable('~~')).toBe(false);
    expect(viable('GT')).toBe(false);
    expect(viable('[Gc]3-')).toBe(false);
    // The notes of a chord have the first one's length, checked as it is written.
    expect(viable('[G2c2')).toBe(true);
    expect(viable('[G2c3')).toBe(false);
    expect(viable('[G2c]')).toBe(false);
    expect(viable('[G2c ')).toBe(false);
    for (const body of ['GAB c2d|\nP:B\nGAB c3|', 'GAB c2d|\nM:3/4\nGAB c3|d6|', 'GAB "G""D"c2d|GAB c3|', '"G"GAB c2 "D"\
d|GAB c3|', '(GA (3Bcd) c2|GAB c3|', 'GAB c2d-|"G"d6|']) {
      expect(flagged(body), body).toEqual([]);
      expect(ends(body), body).toBe(true);
    }
  });

  it('repeat-structure: a first ending runs to its :|, and a part label cannot split a |: … :| repeat', () => {
    for (const body of ['D|GAB c2d|[1 e3 d2|]', '|:D|GAB c2d|[1 e3 d2||e3 d2:|', '|:GAB c2d|\nP:B\ne3 d3:|']) {
      expect(flagged(body), body).toContain('repeat-structure');
      expect(ends(body), body).toBe(false);
    }
    expect(ends('D|GAB c2d|[1 e3 d2:|[2 e3 d3|]')).toBe(true);
    expect(ends('|:GAB c2d|e3 d3:|\nP:B\nGAB c2d|e3 d3|]')).toBe(true);
    // The completion search closes an open first ending with its :|.
    const c = deathIndex(`${HEAD}D|"G"GAB c2d|[1 e3`).checker;
    const ending = completeTune(c);
    expect(ending).toContain(':|');
    expect(flagged(`D|"G"GAB c2d|[1 e3${ending}`)).toEqual([]);
  });
});

describe('ChordSymbolReader', () => {
  it('decides whole texts as chordSymbolProblem does, and reads a long hostile text to its end', () => {
    for (const ok of ['A', 'Am7', 'F#m7b5', 'Bbmaj7/D', 'D7sus4', 'Edim', '(G)', 'A/c#', 'G C']) expect(chordSymbolProblem(ok)).toBeNull();
    for (const bad of ['H', 'Amx', 'A/', ' A', 'A//B']) expect(chordSymbolProblem(bad)).not.toBeNull();
    const reader = new ChordSymbolReader();
    const long = `A${'m'.repeat(200_000)}x`;
    let alive = true;
    for (const c of long) alive = reader.push(c) && alive;
    expect(alive).toBe(false);
    expect(reader.viable).toBe(false);
  });
});

describe('SymbolConstraint', () => {
  it('masks what cannot continue and leaves the rest (one step, by hand)', () => {
    const symbols = ['X', ':', '1', '\n', 'M', 'K', 'G', '|', '6', '/', '8', 'A', '3'];
    const c = new SymbolConstraint(symbols, 'meter');
    for (const s of 'X:1\nM:6/8\nK:G\nA') c.accept(symbols.indexOf(s));
    const mask = new Uint8Array(symbols.length);
    c.allowed(mask, 1000);
    const allowed = symbols.filter((_, i) => mask[i]);
    // After `A` in a 6/8 bar: another note, a length, a bar line (the anacrusis), a new line … but no `:`.
    expect(allowed).toEqual(expect.arrayContaining(['A', 'G', '3', '/', '|', '6', '\n']));
    expect(allowed).not.toContain(':');
    expect(allowed).not.toContain('X');
  });

  it('a random model constrained by meter or syntax writes tunes abc check accepts, and every one ends', () => {
    for (const mode of ['meter', 'syntax'] as const) {
      const tunes = randomTunes(PRINTABLE, mode, 12, 300, mode === 'meter' ? 1 : 2);
      for (const t of tunes) {
        expect(t.complete, t.text).toBe(true);
        expect(refusedFindings(parseTune(t.text), mode), t.text).toEqual([]);
      }
    }
  });

  it('ends the tune within a small budget', () => {
    const tunes = randomTunes(PRINTABLE, 'meter', 12, 50, 3);
    for (const t of tunes) {
      expect(t.complete).toBe(true);
      expect(refusedFindings(parseTune(t.text)), t.text).toEqual([]);
      expect(t.text.length).toBeLessThanOrEqual(50 + 2 + 256); // the sampler lets a tune run MAX_OVERRUN (256) past its budget
    }
  });
});

describe.skipIf(!present)('TuneChecker on the Nottingham Music Database', () => {
  const files = present ? readdirSync(DATA).filter((f) => f.endsWith('.abc')).sort() : [];
  const tunes = files.flatMap((f) => parseFile(readFileSync(join(DATA, f), 'utf8'), f).tunes);

  it('agrees with abc check on every prefix of every tune', () => {
    let accepted = 0;
    let refused = 0;
    for (const tune of tunes) {
      const body = tune.source.text.replace(/\s+$/, '');
      const problems = refusedFindings(tune);
      // The sampler ends a tune only after a bar line; a tune that ends without one is checked up to its end.
      const closed = /[|:\]]$/.test(body);
      const { at, checker } = deathIndex(closed ? `${body}\n\n` : `${body}\n`);
      const verdict = closed ? checker.ended : at < 0;
      if (problems.length === 0) {
        expect(at, `${tune.source.file}:${tune.source.line} ${checker.reason}`).toBe(-1);
        expect(verdict).toBe(true);
        accepted++;
      } else {
        expect(verdict, `${tune.source.file}:${tune.source.line} ${problems[0].code} accepted`).toBe(false);
        // Not late: it stops before the end of the line after the first problem (a short bar carried
        // across a section line is decided where it is completed, which may be lines later).
        const first = problems[0];
        const lines = tune.source.text.split('\n');
        const endOfLine = lines.slice(0, first.line - tune.source.line + 2).join('\n').length;
        if (first.code !== 'bar-length') expect(at, `${tune.source.file}:${tune.source.line} ${first.code}`).toBeLessThanOrEqual(endOfLine);
        refused++;
      }
    }
    expect(accepted).toBeGreaterThan(550);
    expect(refused).toBeGreaterThan(300);
  });

  it('from random prefixes of real tunes, constrained completion always writes a tune abc check accepts', () => {
    let s = 17;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const good = tunes.filter((t) => refusedFindings(t).length === 0);
    for (let k = 0; k < 40; k++) {
      const tune = good[Math.floor(rnd() * good.length)];
      const prime = tune.source.text.slice(0, 1 + Math.floor(rnd() * (tune.source.text.trimEnd().length - 1)));
      const symbols = Array.from(new Set([...PRINTABLE, ...prime]));
      const [done] = randomTunes(symbols, 'meter', 1, prime.length + 200, 100 + k, prime);
      if (!done.complete) console.log("INCOMPLETE", k, JSON.stringify(prime), JSON.stringify(done.text.slice(prime.length, prime.length + 300)));
      expect(done.complete, done.text).toBe(true);
      expect(refusedFindings(parseTune(done.text)), done.text).toEqual([]);
    }
  });
});
