import { BarWalk, closeKind, parseEnding, RepeatSigns, type RawBar } from './bars';
import { ChordSymbolReader } from './chord-symbols';
import { defaultGchord, gchordEndProblem } from './gchord';
import { BAR } from './lexer';
import { brokenFactors, chordMultiplier, chordNoteLength, lengthMultiplier, pitchKey, tupletSpec } from './durations';
import { allowedInBody, defaultUnitLength, fieldValue, isKnownField, isValidKey, parseMeter, parseUnitLength } from './fields';
import { ZERO, add, compare, div, equals, frac, mul, sub } from './fraction';
import { meterChoice } from './meter-choice';
import type { Fraction, Meter } from './types';

/**
 * The incremental ABC checker: fed a tune one symbol at a time (any string: a character, or a token of the
 * token vocabulary), it answers whether the text so far can still become a tune that `tunelab abc check`
 * accepts, and whether the tune may end here. A sampler asks it about every symbol of its vocabulary at
 * every step (see constraint.ts), so a step costs a few microseconds: it clones a small state and reads on.
 *
 * One definition of the rules: what the finished-tune checker decides, this one decides with the same code —
 * bar lengths by `BarWalk` (bars.ts: playing order through repeats and endings, anacrusis, bars carried
 * across section lines), lengths, tuplets and broken rhythm by durations.ts, chord symbols by the automaton in
 * chord-symbols.ts, fields by fields.ts, bar-line kinds by `closeKind`. Its own part is reading the text as it
 * grows, mirroring lexer.ts token by token (tested against it on every prefix of the Nottingham tunes).
 *
 * What it writes is a subset of what `abc check` accepts; the subset is what folk tunes use:
 * - the header: `X:<number>` first, then known fields, `M:` (a meter with a bar length) before the `K:` that
 *   ends it; the warnings `bad-x`, `bad-key`, `missing-meter`, `field-after-key`, `unknown-field` and
 *   `bad-parts` are refused like errors. `L:` is optional (ABC 2.1's default);
 * - note lengths `[1-9][0-9]?` and `/`, `/2`, `/4`, `/8`, `/16` (so a length can always be completed);
 * - no voices (V:), inline fields, overlays `&`, multi-bar rests, user symbols (U:, reserved letters);
 * - a tune ends at a blank line only when complete: after a closing bar line, with slurs, ties, tuplets and
 *   broken rhythm finished, and (mode `meter`) every bar accepted by the bar-length rule.
 * Mode `syntax` is everything but bar lengths.
 */

export type ConstrainMode = 'meter' | 'syntax' | 'off';
export const CONSTRAIN_MODES: readonly ConstrainMode[] = ['meter', 'syntax', 'off'];

/** Warnings of `abc check` that the structured sampler refuses as if they were errors. */
export const REFUSED_WARNINGS: readonly string[] = [
  'bad-x',
  'bad-key',
  'missing-meter',
  'field-after-key',
  'unknown-field',
  'bad-parts',
  'no-music',
  'repeat-structure',
  'odd-bar-line',
  'header-parts',
  'chord-tie',
  'chord-length',
  'gchord-end',
  'gchord-without-note',
  'gchord-run',
  'nested-slur',
  'part-mid-bar',
  'meter-mid-bar',
  'chord-unequal',
  'midi-directive',
  'bad-tempo',
  'instruction-field',
];

/**
 * The decorations the sampler writes, `!name!` or `+name+`: ABC 2.1's (§4.14). Others are legal text that
 * abc2midi ignores with a warning; written by a model they are noise.
 */
const DECORATIONS = new Set(
  (
    'trill trill( trill) lowermordent uppermordent mordent pralltriller roll turn turnx invertedturn invertedturnx arpeggio > accent ' +
    'emphasis fermata invertedfermata tenuto 0 1 2 3 4 5 + plus snap slide wedge upbow downbow open thumb breath pppp ppp pp p mp mf f ' +
    'ff fff ffff sfz crescendo( <( crescendo) <) diminuendo( >( diminuendo) >) segno coda D.S. D.C. dacoda dacapo fine shortphrase ' +
    'mediumphrase longphrase'
  ).split(' '),
);
const DECORATION_PREFIXES = new Set([...DECORATIONS].flatMap((d) => Array.from({ length: d.length + 1 }, (_, i) => d.slice(0, i))));

/** The characters a note can start with, and a rest. */
const NOTE_STARTS = ['^', '_', '=', ...'CDEFGABcdefgab'];
const NOTE_OR_REST_STARTS = [...NOTE_STARTS, 'z'];

/** Header fields the sampler writes: those the Nottingham tunes use (others, `F:` say, only invite music in a field line). */
const HEADER_FIELDS = new Set('LMNQRST'.split(''));
/** Fields the sampler may write on their own line in the body (not I:, which abc2midi mostly rejects: check's instruction-field; not R:, "Field not allowed in tune body"). */
const BODY_FIELDS = new Set('KLMPNQTW'.split(''));
const NOTE_LETTERS = 'ABCDEFGabcdefg';
const SINGLE_DECORATIONS = '~.HLMOPSTuv';
const KEY_MODES = ['', 'm', 'min', 'minor', 'maj', 'major', 'ion', 'ionian', 'dor', 'dorian', 'phr', 'phrygian', 'lyd', 'lydian', 'mix', 'mixolydian', 'aeo', 'aeolian', 'loc', 'locrian'];
/** Every bar line the sampler may write (`|||`-style odd bars are read by `abc check` with a warning). */
const BAR_LINES = ['|', '||', '|]', '[|', '|:', ':|', '::', ':|:', ':||:', ':||', '[|:', ':|]'];
const ENDING_BARS = ['|', ':|'];
/** Smallest length a note can still get from a length prefix, as a multiple of its written length (`/16`). */
const SMALLEST = frac(1, 16);

type LinePhase = 'start' | 'field' | 'comment' | 'music' | 'continued';

/** A symbol being read: its kind and text (a note's length may still grow, a quote may still close …). */
interface Pending {
  kind: 'note' | 'rest' | 'bar' | 'bracket' | 'chord' | 'quote' | 'decoration' | 'grace' | 'paren' | 'tuplet' | 'broken' | 'letter';
  text: string;
  /** Chord symbols: the grammar read so far. */
  reader?: ChordSymbolReader;
  /** Chords: the notes read so far; the index where the length after `]` starts. */
  notes?: string[];
  lengthAt?: number;
}

/**
 * A tuplet in progress: `(p` plays its p notes at `ratio`. The sampler gives all p notes the length of the
 * first (`multiplier`, once known), so a group lasts a whole number of sixteenth-units and the bar stays fillable.
 */
interface Tuplet {
  ratio: Fraction;
  left: number;
  multiplier: Fraction | null;
}

/**
 * The checker's state after the text read so far (see the file comment). `clone` copies it cheaply: what
 * changes in place is copied, the bar, the walk and the repeat signs are replaced when they change, so shared.
 */
export class TuneChecker {
  /** Why the text can no longer become an accepted tune; null while it can. */
  reason: string | null = null;
  /**
   * How hard to steer toward the end (set by the sampler as its budget runs out): 1 refuses what opens
   * something new (chord symbols, decorations, slurs, tuplets, chords, comments, fields, music once the tune
   * could end); 2 also wants each note to complete its bar (meter) or a bar line after each note (syntax).
   */
  finishing: 0 | 1 | 2 = 0;
  /** The tune ended at a blank line (accepted). */
  ended = false;

  private inHeader = true;
  private lineNo = 1;
  private line: LinePhase = 'start';
  /** The music line so far holds only spaces (a line of only spaces is blank: it ends the tune). */
  private lineBlank = true;
  private fieldLetter = '';
  private fieldValueText = '';
  private fieldComment = false;
  private pending: Pending | null = null;
  /** The tune so far holds an X: line, an M: with a bar length (header), a finished K: line. */
  private seenX = false;
  private seenHeaderMeter = false;
  private meter: Meter = { text: '', barLength: null };
  private unit: Fraction = defaultUnitLength(null);
  private unitSet = false;
  /** The comment after its `%` while it may be a `%%MIDI` directive (null once it cannot be, or is whole). */
  private commentHead: string | null = '';
  /** The last symbol was a note or chord (spaces aside): a tie may follow. */
  private afterNote = false;
  /** A chord symbol has been written (abc2midi then plays its accompaniment, in the `%%MIDI gchord` pattern if any). */
  private chordSymbols = false;
  private gchord: string | null = null;

  /** The accidental written on the last note (`^`, `=`, '' …; null for chords and rests), and on the tied one. */
  private lastAccidental: string | null = null;
  private tieAccidental: string | null = null;
  /** A decoration was just written: a note must come right after it. */
  private decorated = false;
  /** The last music line ended with a backslash (a P: then changes nothing). */
  private continued = false;
  // Durations, as DurationPass keeps them.
  private tuplet: Tuplet | null = null;
  /** Duration of the last note, rest or chord of this bar (broken rhythm changes it); null after a bar line. */
  private lastTimed: Fraction | null = null;
  /** Pitches of the last note or chord, when it is the last timed symbol (a tie may follow). */
  private lastPitches: string[] | null = null;
  private brokenNext: Fraction | null = null;
  private tiePitches: string[] | null = null;
  private slurs = 0;
  /** Chord symbols written since the last note, rest or chord (check's gchord-without-note and gchord-run). */
  private gchordsWaiting = 0;
  // Bars, as cutBars and BarWalk keep them.
  private bar: RawBar;
  private walk: BarWalk;
  /** Repeat signs and endings as abc2midi reads them (replaced, never changed: clones share it). */
  private repeats = new RepeatSigns();
  private musicBars = 0;
  /** What playing order leaves for the open bar before its own music: cached per bar. */
  private roomBase: Fraction | null | undefined = undefined;

  /**
   * The meter chosen for the tune (`6/8`; null: the model's choice). Every `M:` line must then carry it: the
   * value is checked character by character, so a sampler asking this checker writes the chosen meter
   * wherever the model starts an `M:` line, and since `K:` cannot come before an `M:` the header always has it.
   */
  readonly fixedMeter: string | null;

  /**
   * `options.meter`: see `fixedMeter` (a meter with a bar length, e.g. `6/8`, `C`; spaces are ignored).
   * `copying`: the fields are about to be set by `clone`.
   */
  constructor(
    readonly mode: 'meter' | 'syntax' = 'meter',
    options: { meter?: string | null } = {},
    copying = false,
  ) {
    if (copying || options.meter === undefined || options.meter === null) this.fixedMeter = options.meter ?? null;
    else {
      this.fixedMeter = meterChoice(options.meter);
      if (this.fixedMeter === null) throw new Error(`TuneChecker: expected a meter like 6/8, but got ${JSON.stringify(options.meter)}`);
    }
    this.bar = copying ? (undefined as unknown as RawBar) : this.freshBar(null);
    this.walk = copying ? (undefined as unknown as BarWalk) : new BarWalk();
  }

  clone(): TuneChecker {
    // Field by field (an Object.assign copy leaves V8 a slow dictionary object): the sampler clones the
    // state once per vocabulary symbol per step. The bar and the walk are replaced, never changed, so
    // they are shared; the pending symbol is changed in place, so it is copied.
    const c = new TuneChecker(this.mode, { meter: this.fixedMeter }, true);
    c.reason = this.reason;
    c.finishing = this.finishing;
    c.ended = this.ended;
    c.inHeader = this.inHeader;
    c.lineNo = this.lineNo;
    c.line = this.line;
    c.lineBlank = this.lineBlank;
    c.fieldLetter = this.fieldLetter;
    c.fieldValueText = this.fieldValueText;
    c.fieldComment = this.fieldComment;
    const p = this.pending;
    c.pending = p && { kind: p.kind, text: p.text, reader: p.reader?.clone(), notes: p.notes && [...p.notes], lengthAt: p.lengthAt };
    c.seenX = this.seenX;
    c.seenHeaderMeter = this.seenHeaderMeter;
    c.meter = this.meter;
    c.unit = this.unit;
    c.unitSet = this.unitSet;
    c.continued = this.continued;
    c.decorated = this.decorated;
    c.afterNote = this.afterNote;
    c.chordSymbols = this.chordSymbols;
    c.gchord = this.gchord;
    c.commentHead = this.commentHead;
    c.lastAccidental = this.lastAccidental;
    c.tieAccidental = this.tieAccidental;
    c.tuplet = this.tuplet;
    c.lastTimed = this.lastTimed;
    c.lastPitches = this.lastPitches;
    c.brokenNext = this.brokenNext;
    c.tiePitches = this.tiePitches;
    c.slurs = this.slurs;
    c.gchordsWaiting = this.gchordsWaiting;
    c.bar = this.bar;
    c.walk = this.walk;
    c.repeats = this.repeats;
    c.musicBars = this.musicBars;
    c.roomBase = this.roomBase;
    return c;
  }

  /** Bars of music closed so far (a bar line after notes; what the sampler counts to redraw a bar). */
  get barsClosed(): number {
    return this.musicBars;
  }

  /** Whether the text so far can still become an accepted tune. */
  get viable(): boolean {
    return this.reason === null;
  }

  /** Reads a symbol (any text). Returns whether the tune is still viable; once not, it stays so. */
  push(text: string): boolean {
    for (let i = 0; i < text.length && this.reason === null; i++) this.char(text[i]);
    return this.reason === null;
  }

  /**
   * Short texts that may bring the tune closer to its end from here, most useful first (the search in
   * constraint.ts tries them through this checker, so a move that does not fit is simply refused): the
   * rest of the symbol being written, the note a tie, tuplet or decoration waits for, the note or rest that
   * fills the bar, closing bar lines, the end of the line.
   */
  completionMoves(): string[] {
    return this.moves().filter((m) => m !== '');
  }

  private moves(): string[] {
    const moves: string[] = [];
    const p = this.pending;
    if (this.line === 'field') {
      const v = this.fieldValueText.trim();
      const values = this.fieldLetter === 'M' && this.fixedMeter ? [this.fixedMeter] : (FIELD_COMPLETIONS[this.fieldLetter] ?? ['']);
      for (const full of values) if (full.startsWith(v) && (v !== '' || this.fieldValueText === '')) moves.push(`${full.slice(v.length)}\n`);
      moves.push('\n');
      return moves;
    }
    if (this.inHeader) {
      if (this.line !== 'start') return ['\n'];
      const meters = this.fixedMeter ? [this.fixedMeter] : FIELD_COMPLETIONS.M;
      const [letter, values] = !this.seenX ? ['X', FIELD_COMPLETIONS.X] : !this.seenHeaderMeter ? ['M', meters] : ['K', FIELD_COMPLETIONS.K];
      return values.map((v) => `${letter}:${v}\n`);
    }
    if (p?.kind === 'note' || p?.kind === 'rest') {
      const prefix = p.kind === 'rest' ? p.text.slice(1) : (NOTE_TEXT.exec(p.text)?.[4] ?? '');
      if (p.kind === 'rest' || NOTE_TEXT.exec(p.text)?.[2]) {
        // Each useful length by the first of its texts that the length written so far can still become.
        for (const m of this.fillLengths()) {
          const text = lengthTexts(m).find((t) => t.startsWith(prefix));
          if (text !== undefined) moves.push(text.slice(prefix.length));
        }
        // Or the note as written: what may follow it is worked out with it in the bar.
        const probe = this.clone();
        probe.finishPending();
        if (probe.reason === null) return [...new Set([...moves, ...probe.moves()])];
      } else {
        moves.push('B'); // an accidental waits for its letter
      }
    } else if (p?.kind === 'quote') moves.push('"', 'm"', '7"', ')"', 'G"', 'A"', 'B"', 'C"', 'D"', 'E"', 'F"');
    else if (p?.kind === 'chord') moves.push(']', 'B]', ' B]');
    else if (p?.kind === 'grace') moves.push('}', 'B}');
    else if (p?.kind === 'decoration') moves.push(p.text[0], `trill${p.text[0]}`);
    else if (p?.kind === 'bar') moves.push('|', ':|', ']', ':');
    // A full bar wants its bar line first; otherwise notes that fill it, then bar lines and the line's end.
    const full = this.mode === 'meter' && this.bar.timed && this.room()?.num === 0 && !this.tuplet && !this.brokenNext;
    const bars = [':|', '|', '|]', '||'];
    if (this.slurs > 0) moves.push(')'.repeat(this.slurs)); // every open slur at once
    if (full) moves.push(...bars);
    const notes = this.tiePitches ? this.tiePitches.map(pitchText) : ['B'];
    const lengths = this.fillLengths().map((m) => lengthTexts(m)[0]);
    for (const note of notes) for (const length of lengths) moves.push(`${note}${length}`);
    if (!this.tiePitches && !this.decorated) for (const length of lengths) moves.push(`z${length}`);
    if (!full) moves.push(...bars);
    moves.push('\n');
    return moves;
  }

  /** Lengths to try for the next note: the one that fills the bar, the tuplet's, then the plain ones. */
  private fillLengths(): Fraction[] {
    const out: Fraction[] = [];
    if (this.tuplet?.multiplier) out.push(this.tuplet.multiplier);
    const limit = this.mode === 'meter' ? this.durationLimit() : null;
    // (One value per length: its texts, `3`, `6/2`, `12/4` …, would crowd out the other lengths below.)
    if (limit && lengthTexts(limit.largest).length > 0) out.push(limit.largest);
    // With a repeat open: lengths that leave the bar ready for its `:|`.
    const repeatEnd = this.mode === 'meter' && this.repeats.finish() !== null ? this.durationLimit(true) : null;
    if (repeatEnd?.repeatEnd) {
      // Each length the bar could still take, longest first, by its shortest text; a bounded number of
      // probes of the walk (this runs inside the completion search).
      let probes = 0;
      let found = 0;
      for (const [m] of DISTINCT_LENGTHS) {
        if (compare(m, repeatEnd.largest) > 0 || mul(m, repeatEnd.scaleInGrid).den !== 1) continue;
        if (++probes > 64 || found >= 2) break;
        if (lengthProblem(repeatEnd, m) === null) {
          out.push(m);
          found++;
        }
      }
    }
    if (out.length === 0) out.push(frac(1), frac(1, 2), frac(2));
    const seen = new Set<string>();
    return out.filter((m) => !seen.has(`${m.num}/${m.den}`) && seen.add(`${m.num}/${m.den}`)).slice(0, 4);
  }

  /**
   * Whether the note or rest being written would be accepted if it ended here, with the length written so
   * far (true when no note or rest is being written). A token vocabulary writes a note's length in its
   * own symbol (`A2`, `e3/2`): it has no `/16` to finish an `A1` that only fits as `A1/16`.
   */
  get noteFinishesHere(): boolean {
    const p = this.pending;
    if (!p || (p.kind !== 'note' && p.kind !== 'rest')) return true;
    const probe = this.clone();
    probe.finishPending();
    return probe.reason === null;
  }

  /** Whether the next `\n` would be a blank line, that is, the end of the tune (refused unless `canEnd`). */
  get atTuneEnd(): boolean {
    return this.reason === null && !this.ended && !this.inHeader && this.line === 'start';
  }

  /** Whether a blank line could end the tune here (at the start of a line). */
  get canEnd(): boolean {
    return this.reason === null && !this.ended && this.line === 'start' && this.endProblem() === null;
  }

  private die(reason: string): false {
    if (this.reason === null) this.reason = `line ${this.lineNo}: ${reason}`;
    return false;
  }

  private freshBar(ending: number[] | null): RawBar {
    return {
      start: null,
      duration: ZERO,
      timed: false,
      restBars: 0,
      expected: this.meter.barLength,
      unit: this.unit,
      meterText: this.meter.text,
      close: null,
      closeKind: null,
      ending,
    };
  }

  // ---- characters -------------------------------------------------------------------------------------

  private char(c: string): void {
    if (this.ended) return void this.die('the tune has ended');
    if (c === '\r') return void this.die('carriage return (lines end with \\n)');
    if (c === '\n') return this.newline();
    if (this.finishing > 0 && (c === ' ' || c === '\t' || (c === '%' && this.line === 'start'))) return void this.die('free text while the tune must finish');
    if (this.line === 'start') {
      this.lineBlank = true;
      if (c === '%') this.startComment();
      else if (/[A-Za-z+]/.test(c)) {
        // A letter in column 1 starts a field line if a colon follows, else music (FIELD_LINE in lexer.ts).
        const problem = this.lineStartProblem(c);
        if (problem) return void this.die(problem);
        this.line = 'music';
        this.pending = { kind: 'letter', text: c };
      } else if (this.inHeader) return void this.die(`the header holds field lines (X:, T:, M:, K: …), not ${JSON.stringify(c)}`);
      else {
        this.line = 'music';
        this.musicChar(c);
      }
      this.lineBlank = c === ' ' || c === '\t';
      return;
    }
    if (c !== ' ' && c !== '\t') this.lineBlank = false;
    if (this.finishing > 0 && (this.line === 'comment' || this.line === 'continued' || (this.line === 'field' && (this.fieldComment || c === '%' || !'XMLK'.includes(this.fieldLetter))))) {
      return void this.die('free text while the tune must finish');
    }
    if (this.line === 'comment') {
      // `%%MIDI …` is a directive abc2midi acts on (and stops at when it does not know the command).
      if (this.commentHead !== null) {
        if (this.commentHead.length >= MAX_LINE_TEXT) return void this.die(`a %%MIDI directive longer than ${MAX_LINE_TEXT} characters`);
        this.commentHead += c;
        const problem = midiDirectiveProblem(this.commentHead);
        if (problem === 'done') this.commentHead = null;
        else if (problem) return void this.die(problem);
      }
      return;
    }
    if (this.line === 'field') return this.fieldChar(c);
    if (this.line === 'continued') {
      if (c === '%') this.startComment();
      else if (c !== ' ' && c !== '\t') this.die('a backslash continues a line only at its end');
      return;
    }
    this.musicChar(c);
  }

  private newline(): void {
    if (this.line === 'start') {
      // A blank line ends the tune.
      const problem = this.endProblem();
      if (problem) return void this.die(`the tune cannot end here: ${problem}`);
      this.finishBarsAtEnd();
      if (this.reason === null) this.ended = true;
      return;
    }
    if (this.line === 'comment' && this.commentHead !== null && /^%MIDI /.test(this.commentHead)) {
      const gchord = /^%MIDI gchord ([fbcz]+)[ \t]*$/.exec(this.commentHead);
      if (!gchord) return void this.die('a %%MIDI directive needs its command and a value');
      this.gchord = gchord[1];
    }
    if (this.line === 'field') this.endField();
    else if (this.line === 'music' || this.line === 'continued') {
      if (this.pending) this.finishPending();
      if (this.reason !== null) return;
      if (this.decorated) return void this.die('a decoration must come right before a note');
      if (this.line === 'music' && this.lineBlank) {
        // A whitespace-only line is blank: it ends the tune.
        this.line = 'start';
        return this.newline();
      }
      this.continued = this.line === 'continued';
    }
    this.line = 'start';
    this.lineNo++;
  }

  /** Why a letter cannot start this line (as a field or as music); null when it can. */
  private lineStartProblem(c: string): string | null {
    const field = this.fieldProblem(c) === null;
    if (this.inHeader) return field ? null : this.fieldProblem(c);
    if (field) return null;
    // Music: the symbol it starts must be able to come here.
    const probe = this.clone();
    probe.line = 'music';
    probe.startSymbol(c);
    return probe.reason;
  }

  /** Why a field line with this letter cannot come here; null when it can. */
  private fieldProblem(letter: string): string | null {
    if (this.finishing > 0 && (!this.inHeader || !'XMK'.includes(letter))) return `${letter}: would add a field while the tune must finish`;
    if (this.inHeader) {
      if (!this.seenX && letter !== 'X') return 'a tune starts with its X: line';
      if (this.seenX && letter === 'X') return 'X: comes once, first';
      if (letter === 'K' && !this.seenHeaderMeter) return 'M: must come before K: (the body needs a meter)';
      if (letter !== 'X' && letter !== 'K' && !HEADER_FIELDS.has(letter)) {
        return isKnownField(letter) ? `${letter}: is not written by the sampler` : `${letter}: is not an ABC 2.1 field`;
      }
      return null;
    }
    if (!isKnownField(letter)) return `${letter}: is not an ABC 2.1 field`;
    if (!allowedInBody(letter)) return `${letter}: belongs in the header, before K:`;
    if (!BODY_FIELDS.has(letter)) return `${letter}: is not written in the body by the sampler`;
    // check's part-mid-bar (any P: line in the body: the sampler writes them as part labels).
    if (letter === 'P' && this.bar.timed && !this.continued) return 'a part label P: comes after a bar line, not in the middle of a bar';
    if (letter === 'M' && this.bar.timed) return 'a meter change M: comes after a bar line, not in the middle of a bar';
    if (this.tiePitches || this.brokenNext) return 'a field line cannot come while a tie or broken rhythm waits for its note';
    return null;
  }

  // ---- fields ----------------------------------------------------------------------------------------

  private startField(letter: string): void {
    const problem = this.fieldProblem(letter);
    if (problem) return void this.die(problem);
    this.line = 'field';
    this.fieldLetter = letter;
    this.fieldValueText = '';
    this.fieldComment = false;
  }

  /** Which value rules apply: a P: in the body is a free label, in the header an order of parts. */
  private valueRules(): string {
    return this.fieldLetter === 'P' && !this.inHeader ? 'N' : this.fieldLetter;
  }

  private fieldChar(c: string): void {
    if (this.fieldComment) return;
    if (c === '%') {
      if (valuePrefixState(this.valueRules(), this.fieldValueText) !== 'complete') return void this.die(`${this.fieldLetter}:${this.fieldValueText} is not finished`);
      this.fieldComment = true;
      return;
    }
    // `T:|…` reads to abc2midi as a repeat sign as much as a field ("potentially ambiguous line").
    if (this.fieldValueText === '' && (c === '|' || c === ':')) return void this.die(`${this.fieldLetter}:${c} reads as a bar line, not a field value`);
    // Each character re-reads the value so far: bounded, so a line of any length is read in linear time.
    if (this.fieldValueText.length >= MAX_LINE_TEXT) return void this.die(`${this.fieldLetter}: value longer than ${MAX_LINE_TEXT} characters`);
    this.fieldValueText += c;
    if (valuePrefixState(this.valueRules(), this.fieldValueText) === 'dead') {
      return void this.die(`${this.fieldLetter}:${this.fieldValueText} cannot become a valid ${this.fieldLetter}: value`);
    }
    if (this.fieldLetter === 'M' && this.fixedMeter !== null) {
      // The chosen meter as written (spaces only before it and after all of it): `M:6/8`, `M: 6/8 `.
      const v = this.fieldValueText.trimStart();
      const written = v.trimEnd();
      if (written === v ? !this.fixedMeter.startsWith(v) : written !== this.fixedMeter) {
        this.die(`M:${written} is not the meter chosen for this tune (M:${this.fixedMeter})`);
      }
    }
  }

  private endField(): void {
    const letter = this.fieldLetter;
    const raw = this.fieldValueText;
    if (valuePrefixState(this.valueRules(), raw) !== 'complete') return void this.die(`${letter}:${raw} is not a valid ${letter}: value`);
    const value = fieldValue(raw);
    if (letter === 'X') this.seenX = true;
    else if (letter === 'M') {
      const m = parseMeter(value);
      if (!m || (this.mode === 'meter' && !m.barLength)) return void this.die(`M:${value} is not a meter with a bar length`);
      if (this.fixedMeter !== null && value.replace(/\s+/g, '') !== this.fixedMeter) return void this.die(`M:${value} is not the meter chosen for this tune (M:${this.fixedMeter})`);
      this.meter = m;
      if (this.inHeader) this.seenHeaderMeter = true;
      if (!this.unitSet && this.inHeader) this.unit = defaultUnitLength(m);
      this.roomBase = undefined;
    } else if (letter === 'L') {
      const l = parseUnitLength(value);
      if (!l) return void this.die(`L:${value} is not a note length`);
      this.unit = l;
      this.unitSet = true;
    } else if (letter === 'K') {
      if (!isValidKey(value)) return void this.die(`K:${value} is not a key`);
      if (this.inHeader) {
        if (!this.seenHeaderMeter) return void this.die('M: must come before K: (the body needs a meter)');
        this.inHeader = false;
      }
    } else if (letter === 'P' && !this.inHeader && !this.continued && /^[A-Z]\d*$/.test(value)) {
      // A part label ends a section like `||` (bars.ts).
      this.repeats = this.repeats.clone();
      const problem = this.repeats.part();
      if (problem) return void this.die(problem);
      this.closeBar('part', null, null);
      if (this.reason !== null) return;
    }
    if (!this.bar.timed) {
      this.bar = { ...this.bar, expected: this.meter.barLength, meterText: this.meter.text, unit: this.unit };
      this.roomBase = undefined;
    }
  }

  // ---- music -----------------------------------------------------------------------------------------

  private musicChar(c: string): void {
    if (this.pending) {
      if (this.extend(c) || this.reason !== null) return;
      // The pending symbol is finished (or already handed over, as a slur's `(` is).
      if (this.pending) this.finishPending();
      if (this.reason !== null) return;
    }
    this.startSymbol(c);
  }

  /** The first character of a symbol. */
  private startSymbol(c: string): void {
    if (c !== ' ' && c !== '\t' && c !== '-') this.afterNote = false;
    if (this.decorated) {
      // A decoration belongs to the note right after it (DurationPass's `dangling-decoration`).
      if (c !== '^' && c !== '_' && c !== '=' && !NOTE_LETTERS.includes(c)) {
        // One decoration per note, as every decorated Nottingham note has.
        return void this.die(c === '!' || c === '+' || SINGLE_DECORATIONS.includes(c) ? 'one decoration per note' : 'a decoration must come right before a note');
      }
      this.decorated = false;
    }
    if (c === ' ' || c === '\t') return;
    if (this.finishing > 0 && !this.finishingAllows(c)) return void this.die(`${JSON.stringify(c)} would open something new while the tune must finish`);
    this.touchContinued(c);
    if (c === '%') {
      this.startComment();
      return;
    }
    if (c === '\\') {
      this.line = 'continued';
      return;
    }
    if (c === '"') {
      // A chord symbol names the harmony of a note to come in this bar (check's gchord-without-note, gchord-run).
      if (this.gchordsWaiting >= 2) return void this.die('a third chord symbol in a row: chord symbols stand before notes (two give an alternative)');
      if (!this.noteCanStart(true)) return void this.die('a chord symbol with no room left in the bar for its note');
      return void (this.pending = { kind: 'quote', text: c, reader: new ChordSymbolReader() });
    }
    if (c === '!' || c === '+') {
      if (!this.noteCanStart()) return void this.die(`decoration ${c} with no room for the note it belongs to`);
      return void (this.pending = { kind: 'decoration', text: c });
    }
    if (SINGLE_DECORATIONS.includes(c)) {
      // Of the one-character decorations the Nottingham tunes use ~ alone; the letters (H, T, …) at a line's
      // start read to abc2midi as field lines.
      if (c !== '~') return void this.die(`decoration ${c} is not written by the sampler (~ and !name! are)`);
      if (!this.noteCanStart()) return void this.die(`decoration ${c} with no room for the note it belongs to`);
      this.decorated = true;
      return;
    }
    if (c === '{') return void (this.pending = { kind: 'grace', text: c, notes: [] });
    if (c === '(') {
      this.pending = { kind: 'paren', text: c };
      // Inside a slur a `(` can only start a tuplet (openSlur).
      if (this.slurs > 0 && ![...'23456789'].some((d) => {
        const probe = this.clone();
        probe.char(d);
        return probe.reason === null;
      })) this.die('a slur opens inside an open slur, and no tuplet fits here');
      return;
    }
    if (c === ')') {
      if (this.slurs === 0) return void this.die('slur end ) without a slur start (');
      this.slurs--;
      return;
    }
    if (c === '-') {
      if (!this.lastPitches || !this.afterNote) return void this.die('tie - without a note right before it');
      // check's chord-tie: abc2midi cannot always find the notes a tie after a chord joins.
      if (this.lastPitches.length > 1) return void this.die('a tie after a chord');
      this.tiePitches = this.lastPitches;
      this.tieAccidental = this.lastAccidental;
      this.afterNote = false;
      return;
    }
    if (c === '>' || c === '<') {
      const problem = this.brokenProblem(c);
      if (problem) return void this.die(problem);
      return void (this.pending = { kind: 'broken', text: c });
    }
    if (c === '[') {
      // A chord, `[|` or an ending: none may come between broken rhythm and its note, or inside a tuplet.
      if (this.brokenNext) return void this.die('broken rhythm needs a note after it');
      if (this.tuplet && this.mode === 'meter') return void this.die('a tuplet is missing notes');
      this.pending = { kind: 'bracket', text: c };
      // Something must be able to follow it here: a chord's note, `[|`, `[1` or `[2`.
      const next = ['|', '1', '2', 'B'].some((n) => {
        const probe = this.clone();
        probe.char(n);
        return probe.reason === null;
      });
      if (!next) this.die('[ can start no chord, bar line or ending here');
      return;
    }
    if (c === '|' || c === ':') {
      if (this.gchordsWaiting > 0) return void this.die('a chord symbol has no note after it before the bar line');
      this.pending = { kind: 'bar', text: c };
      return void this.checkBarViable();
    }
    if (c === '^' || c === '_' || c === '=' || NOTE_LETTERS.includes(c)) {
      this.pending = { kind: 'note', text: c };
      return void this.checkRoom();
    }
    if (c === 'z' || c === 'x') {
      if (this.tiePitches) return void this.die('a tie ends on a rest; a tie joins two notes of the same pitch');
      this.pending = { kind: 'rest', text: c };
      return void this.checkRoom();
    }
    if (c === 'y' || c === '`' || c === '$') return;
    if (/[A-Za-z]/.test(c)) return void this.die(`'${c}' is not music (letters other than notes and rests are reserved for U: symbols)`);
    if (c === '&') return void this.die('voice overlays & are not written by the sampler');
    this.die(`unexpected ${JSON.stringify(c)} in the music`);
  }

  /** Near the end of the budget: only what closes the tune. */
  private finishingAllows(c: string): boolean {
    // Close what is open first: a slur can close anywhere; an open repeat wants its :| rather than a |.
    if (this.finishing === 2 && this.slurs > 0) return c === ')';
    if (this.finishing === 2 && c === '|' && this.repeats.finish() !== null) return false;
    if ('"!+{(<>[%\\~.HLMOPSTuv-y`$'.includes(c)) return false;
    // A bar line closes music: after an empty bar it only loops.
    if ((c === '|' || c === ':') && !this.bar.timed) return false;
    const music = c === '^' || c === '_' || c === '=' || c === 'z' || c === 'x' || NOTE_LETTERS.includes(c);
    if (!music) return true;
    // A new bar only when the tune could not end without it (a bar carried across a section line).
    if (!this.bar.timed && this.musicBars > 0 && this.endProblem() === null) return false;
    // No bar length to fill (syntax mode, or a variant ending not played yet): a bar line after one note.
    if (this.finishing === 2 && this.bar.timed && (this.mode === 'syntax' || this.room() === null)) return false;
    return true;
  }

  private startComment(): void {
    this.line = 'comment';
    this.commentHead = '';
  }

  /**
   * Whether a note (or, `orRest`, a rest) could start here: a decoration needs one right after it, a chord
   * symbol one before the bar line. Every first character is tried: a tie waiting for its note allows only
   * that pitch, and how it may be spelled.
   */
  private noteCanStart(orRest = false): boolean {
    return (orRest ? NOTE_OR_REST_STARTS : NOTE_STARTS).some((c) => {
      const probe = this.clone();
      probe.decorated = false;
      probe.pending = null;
      probe.startSymbol(c);
      return probe.reason === null;
    });
  }

  /** `continued` is cleared by any symbol but spaces and comments (as cutBars does). */
  private touchContinued(c: string): void {
    if (c !== '%' && c !== '\\') this.continued = false;
  }

  /** Offers `c` to the pending symbol; true when it belongs to it. */
  private extend(c: string): boolean {
    const p = this.pending!;
    switch (p.kind) {
      case 'letter':
        this.pending = null;
        if (c === ':') {
          this.startField(p.text);
          return true;
        }
        if (this.inHeader) return this.die(`the header holds field lines (X:, T:, M:, K: …), not music`);
        // Not a field: the letter is music, and `c` comes after it (maybe as part of it: \`A2\`).
        this.startSymbol(p.text);
        return this.pending !== null && this.reason === null && this.extend(c);
      case 'note':
      case 'rest': {
        const next = p.text + c;
        if (!noteTextViable(next, p.kind)) return false;
        p.text = next;
        this.checkRoom();
        return true;
      }
      case 'bar': {
        // Greedy, as the lexer's BAR pattern reads: `::|` is one bar line, `::` then `|` is not.
        const next = p.text + c;
        if (!BAR_READ_PREFIXES.has(next) && !readsWhole(next)) return false;
        p.text = next;
        if (!barPrefixes.has(next)) return this.die(`${next} is not a bar line the sampler writes`);
        this.checkBarViable();
        return true;
      }
      case 'bracket':
        return this.extendBracket(c);
      case 'chord':
        return this.extendChord(c);
      case 'quote':
        // No Nottingham tune has an annotation (`"^text"`): the sampler writes chord symbols only.
        if (p.text === '"' && '^_<>@'.includes(c)) return this.die('annotations ("^text") are not written by the sampler');
        if (c === '"') {
          if (!p.reader!.complete) return this.die(`chord symbol ${p.text}" is not one ABC 2.1 knows`);
          if (p.text === '"') return this.die('empty chord symbol ""');
          if (!'^_<>@'.includes(p.text[1])) {
            this.chordSymbols = true;
            this.gchordsWaiting++;
          }
          this.pending = null;
          return true;
        }
        p.text += c;
        if (!p.reader!.push(c)) return this.die(`${p.text}" cannot become a chord symbol or an annotation`);
        if (p.text.length + p.reader!.charsToComplete > MAX_QUOTED) return this.die(`a chord symbol or annotation longer than ${MAX_QUOTED} characters`);
        return true;
      case 'decoration':
        if (c === p.text[0]) {
          if (p.text.length === 1) return this.die(`empty decoration ${c}${c}`);
          if (!DECORATIONS.has(p.text.slice(1))) return this.die(`${p.text}${c} is not an ABC 2.1 decoration`);
          this.pending = null;
          this.decorated = true;
          return true;
        }
        if (/[\s|"[\]]/.test(c) || p.text.length > 20) return this.die(`unclosed decoration ${p.text}`);
        p.text += c;
        if (!DECORATION_PREFIXES.has(p.text.slice(1))) return this.die(`${p.text} cannot become an ABC 2.1 decoration`);
        return true;
      case 'grace':
        return this.extendGrace(c);
      case 'paren':
        if (/[2-9]/.test(c)) {
          if (this.tuplet) return this.die('a new tuplet starts before the last one has its notes');
          if (this.brokenNext) return this.die('a tuplet cannot follow broken rhythm');
          if (this.mode === 'meter') {
            // Room for the group at its shortest: p sixteenth-notes at the tuplet's ratio.
            const spec = tupletSpec(`(${c}`, this.meter)!;
            const room = this.room();
            if (room !== null && compare(mul(mul(mul(SMALLEST, this.unit), spec.ratio), frac(spec.notes)), room) > 0) return this.die(`tuplet (${c} has no room left in the bar`);
          }
          p.kind = 'tuplet';
          p.text += c;
          return true;
        }
        // A slur opens; `c` is the next symbol.
        this.pending = null;
        this.openSlur();
        return false;
      case 'tuplet': {
        // `(p`, `(p:q`, `(p:q:r`: q and r one digit each.
        // The sampler writes plain `(p` (p notes in the time ABC 2.1 gives them).
        if (/[\d:]/.test(c)) return this.die(`tuplet ${p.text + c} is not one the sampler writes`);
        return false;
      }
      case 'broken':
        if (c !== p.text[0]) return false;
        p.text += c;
        {
          const problem = this.brokenProblem(p.text);
          if (problem) return this.die(problem);
        }
        return true;
    }
  }

  /** The pending symbol is complete (the next character is not part of it, or the line ends). */
  private finishPending(): void {
    const p = this.pending!;
    this.pending = null;
    switch (p.kind) {
      case 'letter':
        if (this.inHeader) return void this.die(`the header holds field lines (X:, T:, M:, K: …), not music`);
        this.startSymbol(p.text);
        if (this.pending) this.finishPending();
        return;
      case 'note':
      case 'rest': {
        const m = NOTE_TEXT.exec(p.text);
        if (!m || (p.kind === 'note' && !m[2])) return void this.die(`${p.text} is not a note`);
        const length = p.kind === 'rest' ? p.text.slice(1) : m[4];
        if (!LENGTH_COMPLETE.test(length)) return void this.die(`${p.text}: the length is not finished`);
        const pitchesOf = p.kind === 'note' ? [pitchKey(p.text)] : null;
        return this.timed(lengthMultiplier(length), pitchesOf, p.text);
      }
      case 'bar':
        return this.finishBar(p.text);
      case 'bracket':
        if (p.text === '[') return void this.die('[ must start a chord, a bar line [| or an ending [1');
        if (/^\[\d+$/.test(p.text)) return this.ending(p.text);
        return this.finishBar(p.text);
      case 'chord':
        return this.finishChord(p);
      case 'quote':
        return void this.die(`unclosed chord symbol ${p.text}: no closing " on this line`);
      case 'decoration':
        return void this.die(`unclosed decoration ${p.text}: no closing ${p.text[0]} on this line`);
      case 'grace':
        return void this.die('unclosed grace notes: no closing } on this line');
      case 'paren':
        return this.openSlur();
      case 'tuplet': {
        const spec = tupletSpec(p.text, this.meter)!;
        if (!spec.valid) return void this.die(`tuplet ${p.text} is not one ABC defines`);
        if (this.tuplet) return void this.die(`a new tuplet starts before the last one has its notes`);
        if (this.brokenNext) return void this.die('a tuplet cannot follow broken rhythm');
        this.tuplet = { ratio: spec.ratio, left: spec.notes, multiplier: null };
        return;
      }
      case 'broken': {
        const problem = this.brokenProblem(p.text);
        if (problem) return void this.die(problem);
        const [before, after] = brokenFactors(p.text)!;
        const grown = mul(this.lastTimed!, before);
        this.bar = { ...this.bar, duration: add(sub(this.bar.duration, this.lastTimed!), grown) };
        this.lastTimed = grown;
        this.brokenNext = after;
        return;
      }
    }
  }

  /** Why broken rhythm `text` (`>`, `<<` …) cannot come here; null when it can. */
  private brokenProblem(text: string): string | null {
    const factors = brokenFactors(text);
    if (!factors) return `broken rhythm ${text} is longer than three marks`;
    if (this.lastTimed === null || this.brokenNext) return `broken rhythm ${text} needs a note before it in the same bar`;
    if (this.mode !== 'meter') return null;
    if (this.tuplet) return `broken rhythm ${text} inside a tuplet is not written by the sampler`;
    const [before, after] = factors;
    const room = this.room();
    if (room === null) return null;
    // The note before it changes length (and must stay on the sixteenth grid); the note after it needs
    // room: the shortest note on the grid after the factor lasts `after`'s numerator sixteenths.
    const grown = mul(this.lastTimed, before);
    if (!this.onGrid(grown)) return `broken rhythm ${text} makes the note before it a length no note can complete`;
    const left = sub(room, sub(grown, this.lastTimed));
    if (compare(left, mul(mul(SMALLEST, this.unit), frac(after.num))) < 0) return `broken rhythm ${text} leaves no room in the bar for the note after it`;
    return null;
  }

  /** A note, rest or chord of `multiplier` × L: (before tuplet and broken rhythm). */
  private timed(multiplier: Fraction, pitches: string[] | null, text: string): void {
    if (multiplier.num === 0) return void this.die(`${text} has length 0`);
    this.gchordsWaiting = 0;
    const problem = this.durationProblem(multiplier);
    if (problem) return void this.die(`${text} ${problem}`);
    let d = mul(multiplier, this.unit);
    if (this.brokenNext) {
      d = mul(d, this.brokenNext);
      this.brokenNext = null;
    }
    if (this.tuplet) {
      d = mul(d, this.tuplet.ratio);
      // A new object: clones share the old one.
      this.tuplet = this.tuplet.left > 1 ? { ratio: this.tuplet.ratio, left: this.tuplet.left - 1, multiplier } : null;
    }
    if (this.tiePitches) {
      if (!pitches) return void this.die('a tie ends on a rest');
      if (!pitches.some((p) => this.tiePitches!.includes(p))) return void this.die(`a tie joins different pitches (${text})`);
      // No accidental, or the same one again: another accidental makes the same letter another pitch.
      const accidental = /^(\^\^|\^|__|_|=)?/.exec(text)?.[0] ?? '';
      const same = accidental === this.tieAccidental || accidental === '';
      if (this.tieAccidental !== null && !text.startsWith('[') && !same) return void this.die(`a tie joins ${text} to a note with another accidental`);
      this.tiePitches = null;
    }
    // Copied, not changed: clones share the bar (the meter is the one where its first note stands).
    this.bar = this.bar.timed
      ? { ...this.bar, duration: add(this.bar.duration, d) }
      : { ...this.bar, timed: true, expected: this.meter.barLength, meterText: this.meter.text, unit: this.unit, duration: add(this.bar.duration, d) };
    this.lastTimed = d;
    this.lastPitches = pitches;
    this.afterNote = pitches !== null;
    this.lastAccidental = pitches !== null && !text.startsWith('[') ? (/^(\^\^|\^|__|_|=)?/.exec(text)?.[0] ?? '') : null;
  }

  /**
   * Why a note of `multiplier` × L: cannot come next (meter mode); null when it can. It must fit in what is
   * left of the bar, and leave a rest that notes can still fill: a whole number of sixteenths of L: (the
   * smallest length the sampler writes). Tuplet notes follow the first note's length.
   */
  private durationProblem(multiplier: Fraction): string | null {
    if (this.mode !== 'meter') return null;
    if (this.tuplet?.multiplier && !equals(multiplier, this.tuplet.multiplier)) return 'differs in length from the first note of its tuplet';
    const limit = this.durationLimit();
    return limit ? lengthProblem(limit, multiplier) : null;
  }

  /**
   * What limits the next note's length, worked out once for all the lengths a sampler step tries (see
   * `DurationLimit`). Null when nothing does.
   */
  private durationLimit(forRepeatEnd = false): DurationLimit | null {
    const room = this.room();
    if (room === null || (this.tuplet && this.tuplet.multiplier)) return null; // a group's first note made room for it
    let scale = this.unit;
    if (this.brokenNext) scale = mul(scale, this.brokenNext);
    if (this.tuplet) scale = mul(mul(scale, this.tuplet.ratio), frac(this.tuplet.left)); // the whole group
    const limit: DurationLimit = { largest: div(room, scale), scaleInGrid: div(scale, mul(this.unit, SMALLEST)), exact: this.finishing === 2 };
    if ((limit.exact || forRepeatEnd) && !this.tuplet && this.repeats.finish() !== null) {
      // The budget is spent and a repeat is open: the note must leave the bar ready for its `:|` (which
      // replays the repeat: a short bar there completes the anacrusis).
      limit.exact = false;
      limit.repeatEnd = { walk: this.walk, bar: this.bar, scale };
    }
    return limit;
  }

  /** Whether a duration is a whole number of sixteenths of L: (the grid notes fill). */
  private onGrid(d: Fraction): boolean {
    return div(d, mul(this.unit, SMALLEST)).den === 1;
  }

  /** While a note's length is being written: refuse it once no completion of it fits in the bar. */
  private checkRoom(): void {
    const p = this.pending!;
    if (this.tiePitches && (p.kind === 'note' || (p.kind === 'chord' && p.notes!.length > 0))) {
      // A tied note keeps the pitch (a tied chord: its first note does, as the sampler writes them).
      const first = p.kind === 'note' ? p.text : p.notes![0];
      const done = p.kind === 'chord' && (p.notes!.length > 1 || !p.text.endsWith(first));
      if (!tieReachable(first, this.tiePitches, done)) return void this.die(`a tie joins different pitches (${p.text})`);
      const accidental = /^(\^\^|\^|__|_|=)?/.exec(first)?.[0] ?? '';
      const letter = /[A-Ga-g]/.test(first);
      const tied = this.tieAccidental;
      if (p.kind === 'note' && tied !== null && accidental !== '' && !(letter ? accidental === tied : tied.startsWith(accidental))) {
        return void this.die(`a tie joins ${p.text} to a note with another accidental`);
      }
    }
    if (this.mode !== 'meter') return;
    if (p.kind === 'chord') {
      // The chord lasts as long as its first note (fixed once another symbol follows it) times the
      // whole-number length after `]`.
      const room = this.room();
      if (room === null) return;
      const first = p.notes?.[0];
      const firstDone = p.lengthAt !== undefined || (p.notes?.length ?? 0) > 1 || (first !== undefined && !p.text.endsWith(first));
      const firstLength = first ? (NOTE_TEXT.exec(first)?.[4] ?? '') : '';
      const inner = !first ? SMALLEST : firstDone ? lengthMultiplier(firstLength) : smallestMultiplier(firstLength);
      const outer = p.lengthAt !== undefined && p.text.length > p.lengthAt ? lengthMultiplier(p.text.slice(p.lengthAt)) : frac(1);
      if (compare(mul(mul(inner, outer), this.unit), room) > 0) this.die(`${p.text} cannot fit in what is left of the bar`);
      return;
    }
    if (p.kind !== 'note' && p.kind !== 'rest') return;
    // Some way to finish the length must be a duration the bar can take.
    const length = p.kind === 'rest' ? p.text.slice(1) : (NOTE_TEXT.exec(p.text)?.[4] ?? '');
    if (this.tuplet?.multiplier) {
      const m = this.tuplet.multiplier;
      if (!(LENGTHS_BY_PREFIX.get(length) ?? []).some((x) => equals(x, m))) this.die(`${p.text} differs in length from the first note of its tuplet`);
      return;
    }
    const limit = this.durationLimit();
    if (!limit) return;
    if (compare(smallestMultiplier(length), limit.largest) > 0) return void this.die(`${p.text} cannot fit in what is left of the bar`);
    const lengths = LENGTHS_BY_PREFIX.get(length) ?? [];
    if (!lengths.some((m) => lengthProblem(limit, m) === null)) this.die(`${p.text} cannot fit in what is left of the bar`);
  }

  /** What is left of the open bar; null when nothing limits it. */
  private room(): Fraction | null {
    // The bar's meter is the one in effect where its first note stands (fields update an empty bar's).
    if (this.roomBase === undefined) this.roomBase = this.walk.room({ ...this.bar, timed: true, duration: ZERO });
    return this.roomBase === null ? null : sub(this.roomBase, this.bar.duration);
  }

  // ---- brackets: chords, [| and endings ---------------------------------------------------------------

  private extendBracket(c: string): boolean {
    const p = this.pending!;
    if (p.text === '[') {
      if ((c === '|' || /[1-9]/.test(c)) && this.gchordsWaiting > 0) return this.die(`a chord symbol has no note after it before [${c}`);
      if (c === '|') {
        p.text += c;
        p.kind = 'bar';
        this.checkBarViable();
        return true;
      }
      if (/[1-9]/.test(c)) {
        // One ending per bar; one that starts mid-bar needs room left in the bar for its own music.
        if (this.bar.ending) return this.die(`[${c} follows another variant ending`);
        if (this.finishing > 0 && c === '1') return this.die('a first ending would open something new while the tune must finish');
        const room = this.bar.timed && this.mode === 'meter' ? this.room() : null;
        if (room !== null && room.num <= 0) return this.die(`[${c} starts a variant ending in a full bar`);
        const problem = this.repeats.clone().ending([Number(c)], `[${c}`);
        if (problem) return this.die(problem);
        p.text += c;
        return true;
      }
      // A chord: `c` is its first character.
      if (this.brokenNext || this.tuplet) return this.die('the sampler writes chords outside tuplets and broken rhythm');
      p.kind = 'chord';
      p.notes = [];
      return this.extendChord(c);
    }
    // An ending `[1`: one digit.
    return false;
  }

  private extendChord(c: string): boolean {
    const p = this.pending!;
    const inner = p.text.slice(1);
    if (p.lengthAt !== undefined) {
      // After `]`: the chord's length.
      const next = p.text.slice(p.lengthAt) + c;
      if (!/^[1-9]\d?$/.test(next)) return false; // a whole number: the chord stays on the grid
      // check's chord-length: abc2midi takes the length after ] alone, ABC 2.1 multiplies it by the first note's.
      if (chordNoteLength(p.notes![0]) !== '') return this.die(`${p.text}${c}: a chord has its length after ] or on its notes, not both`);
      p.text += c;
      this.checkRoom();
      return true;
    }
    if (c === ']') {
      const last = lastChordNote(inner);
      if (last !== null && !noteFinished(last)) return this.die(`${p.text}]: a note is not finished`);
      if (last !== null && p.notes!.length > 1 && chordNoteLength(last) !== chordNoteLength(p.notes![0])) return this.die(`${p.text}]: the notes of a chord have one length`);
      if (p.notes!.length === 0) return this.die('empty chord []');
      if (this.tiePitches && !p.notes!.some((n) => this.tiePitches!.includes(pitchKey(n)))) return this.die(`a tie joins different pitches (${p.text}])`);
      p.text += c;
      p.lengthAt = p.text.length;
      this.checkRoom();
      return true;
    }
    if (inner === '' && c === ':') return this.die(`inline fields [${p.text.slice(1)}: are not written by the sampler`);
    // Inside: notes (accidental, letter, octave marks, length), spaces.
    const last = lastChordNote(inner);
    const viableNext = last !== null && noteTextViable(last + c, 'note');
    // check's chord-unequal: every note of a chord has the first one's length (as written: one spelling each).
    const firstLength = p.notes!.length > 0 ? chordNoteLength(p.notes![0]) : '';
    const unequal = (note: string) => p.notes!.length > 1 && chordNoteLength(note) !== firstLength;
    if (viableNext && p.notes!.length > 1 && !firstLength.startsWith(chordNoteLength(last + c))) return this.die(`${p.text}${c}: the notes of a chord have one length`);
    if (viableNext) {
      p.text += c;
      p.notes![p.notes!.length - 1] = last + c;
      this.checkRoom();
      return true;
    }
    if (last !== null && !noteFinished(last)) return this.die(`${p.text}: a note is not finished`);
    if (last !== null && unequal(last)) return this.die(`${p.text}: the notes of a chord have one length`);
    if (c === '^' || c === '_' || c === '=' || NOTE_LETTERS.includes(c)) {
      if (p.notes!.length >= MAX_CHORD_NOTES) return this.die(`a chord of more than ${MAX_CHORD_NOTES} notes`);
      p.text += c;
      p.notes!.push(c);
      this.checkRoom();
      return true;
    }
    if (c === ' ') {
      // A space ends the note before it; the next note starts fresh (one between two notes). Ties inside a
      // chord are not written (check's chord-tie), nor ties after the chord.
      if (last === null) return this.die(`${JSON.stringify(c)} in a chord comes after a note`);
      p.text += c;
      this.checkRoom(); // the first note's length is now fixed
      return true;
    }
    return this.die(`${JSON.stringify(c)} in a chord (only notes belong between [ and ])`);
  }

  private finishChord(p: Pending): void {
    if (p.lengthAt === undefined) return void this.die(`unclosed chord ${p.text}`);
    const length = p.text.slice(p.lengthAt);
    if (!LENGTH_COMPLETE.test(length)) return void this.die(`${p.text}: the length is not finished`);
    const notes = p.notes!;
    const pitches = notes.map((n) => pitchKey(n));
    this.timed(chordMultiplier(notes, length), pitches, p.text);
    // The notes tied inside the chord (`[c-e]`): the next note or chord must sound one of them.
    const tied = [...p.text.matchAll(/((?:\^\^|\^|__|_|=)?[A-Ga-g][',]*)[0-9/]*-/g)].map((m) => pitchKey(m[1]));
    if (this.reason === null && tied.length > 0) {
      this.tiePitches = tied;
      this.tieAccidental = null;
    }
  }

  private extendGrace(c: string): boolean {
    const p = this.pending!;
    if (c === '}') {
      const last = lastChordNote(p.text.slice(1));
      if (last !== null && !noteFinished(last)) return this.die(`${p.text}}: a grace note is not finished`);
      if (p.notes!.length === 0) return this.die('empty grace notes {}');
      this.pending = null;
      return true;
    }
    if (c === '/' && p.text === '{') {
      p.text += c; // acciaccatura
      return true;
    }
    const inner = p.text.slice(1).replace(/^\//, '');
    const last = lastChordNote(inner);
    if (last !== null && noteTextViable(last + c, 'note')) {
      p.text += c;
      p.notes![p.notes!.length - 1] = last + c;
      return true;
    }
    if (last !== null && !noteFinished(last)) return this.die(`${p.text}: a grace note is not finished`);
    if (c === '^' || c === '_' || c === '=' || NOTE_LETTERS.includes(c)) {
      if (p.notes!.length >= MAX_CHORD_NOTES) return this.die(`grace notes of more than ${MAX_CHORD_NOTES} notes`);
      p.text += c;
      p.notes!.push(c);
      return true;
    }
    if (c === ' ' || c === '-') {
      if (last === null) return this.die(`${JSON.stringify(c)} in grace notes comes after a note`);
      p.text += c;
      return true;
    }
    return this.die(`${JSON.stringify(c)} in grace notes (only notes belong between { and })`);
  }

  // ---- bar lines ------------------------------------------------------------------------------------

  /** A variant ending `[1` not attached to a bar line. */
  private ending(text: string): void {
    if (this.gchordsWaiting > 0) return void this.die('a chord symbol has no note after it before the variant ending');
    if (this.bar.timed) this.closeBar('split', null, null);
    if (this.reason !== null) return;
    const numbers = parseEnding(text.slice(1));
    this.repeats = this.repeats.clone();
    const problem = this.repeats.ending(numbers, text);
    if (problem) return void this.die(problem);
    this.bar = { ...this.bar, ending: numbers };
    this.roomBase = undefined;
  }

  /** check's nested-slur: abc2midi reads a slur inside a slur as an error of the writer ("Slur within slur"). */
  private openSlur(): void {
    if (this.slurs > 0) return void this.die('a slur opens inside an open slur');
    this.slurs++;
  }

  private finishBar(text: string): void {
    if (this.gchordsWaiting > 0) return void this.die('a chord symbol has no note after it before the bar line');
    if (!BAR_SET.has(text)) return void this.die(`${text} is not a bar line the sampler writes`);
    const { kind, ending } = closeKind(text);
    this.repeats = this.repeats.clone();
    const problem = this.repeats.bar(text);
    if (problem) return void this.die(problem);
    this.closeBar(kind, ending, text);
  }

  /** Closes the open bar as a bar line of `kind` would; `ending` numbers the next bar's variant ending. */
  private closeBar(kind: RawBar['closeKind'], ending: number[] | null, text: string | null): void {
    if (this.brokenNext) return void this.die('broken rhythm needs a note after it in the same bar');
    this.lastTimed = null;
    this.lastPitches = null;
    // Every bar line closes a bar, empty ones too: they carry the repeat structure (cutBars does the same).
    if (this.mode === 'meter') {
      this.walk = this.walk.clone(); // clones share the walk
      this.walk.push({ ...this.bar, closeKind: kind });
      if (this.walk.flagged > 0) return void this.die(`the bar before ${text ?? 'the part label'} has the wrong length for M:${this.meter.text}`);
    }
    if (this.bar.timed) this.musicBars++;
    this.bar = this.freshBar(ending);
    this.roomBase = undefined;
  }

  /** A bar line being written is viable when some bar line it can still become accepts the bar. */
  private checkBarViable(): void {
    const text = this.pending!.text;
    if (this.brokenNext) return void this.die('broken rhythm needs a note after it in the same bar');
    if (this.tuplet && this.mode === 'meter') return void this.die('a tuplet ends within its bar');
    // Some bar line it can still become must suit the repeats, and (meter) the bar-length rule, which
    // measures empty bars too: a repeat sign replays bars already written.
    const opens = (b: string) => OPENS_REPEAT.has(closeKind(b).kind) || /[|:]1$/.test(b);
    const candidates = [...BAR_SET].filter((b) => b.startsWith(text) && this.repeats.clone().bar(b) === null && (this.finishing === 0 || !opens(b)));
    if (candidates.length === 0) return void this.die(`${text}: no bar line that starts so suits the repeats before it`);
    if (this.mode !== 'meter') return;
    for (const kind of new Set(candidates.map((b) => closeKind(b).kind))) {
      if (this.walk.flaggedWith({ ...this.bar, closeKind: kind }) === 0) return;
    }
    this.die(`no bar line can close this bar: it has the wrong length for M:${this.meter.text}`);
  }

  // ---- the end ------------------------------------------------------------------------------------

  /** Why the tune cannot end here (at the start of a line); null when it can. */
  private endProblem(): string | null {
    if (this.inHeader) return 'the header has no K: line yet';
    if (this.musicBars === 0) return 'the tune has no music yet';
    if (this.bar.timed) return 'the last bar has no closing bar line';
    if (this.bar.ending) return 'a variant ending has no music';
    if (this.slurs > 0) return 'a slur is still open';
    if (this.gchordsWaiting > 0) return 'a chord symbol has no note after it';
    if (this.decorated) return 'a decoration has no note after it';
    const repeats = this.repeats.finish();
    if (repeats) return repeats;
    if (this.tiePitches) return 'a tie has no note after it';
    if (this.tuplet) return 'a tuplet is missing notes';
    if (this.continued) return 'the last line ends with a backslash';
    if (this.mode === 'meter') {
      const walk = this.walk.clone();
      walk.finish();
      if (walk.flagged > 0) return 'a bar carried across a section line is never completed';
      const problem = this.gchordEnd(walk.carried);
      if (problem) return problem;
    }
    return null;
  }

  /** check's gchord-end: the last bar must not stop inside a note of abc2midi's accompaniment (gchord.ts). */
  private gchordEnd(carried: Fraction): string | null {
    if (!this.chordSymbols || !this.meter.barLength) return null;
    const pattern = this.gchord ?? defaultGchord(this.meter.text);
    return pattern ? gchordEndProblem(carried, this.meter.barLength, pattern) : null;
  }

  private finishBarsAtEnd(): void {
    if (this.mode !== 'meter') return;
    this.walk = this.walk.clone();
    this.walk.finish();
  }
}

// ---- note text ------------------------------------------------------------------------------------------

/** A note or rest as the sampler writes it: accidental, letter, octave marks, length (lexer.ts's NOTE). */
const NOTE_TEXT = /^(\^\^|\^|__|_|=)?([A-Ga-gzx])([',]*)([0-9/]*)$/;
/** A length being written, and a finished one (see COMPLETE_LENGTHS): `3`, `3/2`, `/`, `/4`, `12`. */
const LENGTH_PREFIX = { test: (text: string) => LENGTHS_BY_PREFIX.has(text) };
const LENGTH_COMPLETE = { test: (text: string) => LENGTH_TEXTS.has(text) };

/** The longest chord `[CEGc]` and chord symbol or annotation (`"Am7/G"`, quotes included) the sampler writes. */
const MAX_CHORD_NOTES = 4;
const MAX_QUOTED = 24;
/**
 * The longest field value or `%%MIDI` directive the sampler writes (Nottingham's longest field line has 65
 * characters). Both are re-read at each character, so the bound keeps a hostile line linear.
 */
const MAX_LINE_TEXT = 256;

/**
 * The finished lengths each length prefix can still become, as multiples of L:, shortest text first (the
 * search for one that fits usually stops at the first).
 */
const LENGTHS_BY_PREFIX = new Map<string, Fraction[]>();

/**
 * The next note's length, as a multiple m of L:, may be at most `largest`; m × `scaleInGrid` must be a
 * whole number of grid steps (sixteenths of L:) so what is left can be filled; `exact`: m must fill the bar.
 */
interface DurationLimit {
  largest: Fraction;
  scaleInGrid: Fraction;
  exact: boolean;
  /** The note must make the bar one that `:|` accepts (the walk so far, the bar so far, m's scale). */
  repeatEnd?: { walk: BarWalk; bar: RawBar; scale: Fraction };
}

function lengthProblem(limit: DurationLimit, m: Fraction): string | null {
  if (compare(m, limit.largest) > 0) return 'does not fit in the bar';
  if (mul(m, limit.scaleInGrid).den !== 1) return 'leaves a part of the bar no note can fill';
  if (limit.exact && !equals(m, limit.largest)) return 'does not complete the bar';
  if (limit.repeatEnd) {
    const { walk, bar, scale } = limit.repeatEnd;
    const probe = walk.clone();
    probe.push({ ...bar, timed: true, duration: add(bar.duration, mul(m, scale)), closeKind: 'rep-end' });
    if (probe.flagged > 0) return 'does not leave the bar ready for the :| the open repeat needs';
  }
  return null;
}

/** Octave marks on one note (`c''`, `C,,`): the sampler writes two at most. */
const MAX_OCTAVE_MARKS = 2;

/**
 * Every finished length the sampler writes, with its multiple of L:: whole numbers up to 99, and fractions
 * with denominators 2 to 16 written as people write them: in lowest terms with a one-digit numerator (`3/2`,
 * `/4`, `7/8`; never `6/4`, `2/8`, `1/2` or `23/16`), `/2` or `/` for a half. The Nottingham tunes use ten
 * lengths, all of this form. A sixteenth of L: is one of them, so any bar can still be filled, if need be
 * with several notes.
 */
const COMPLETE_LENGTHS: [string, Fraction][] = [];
for (const num of ['', ...Array.from({ length: 99 }, (_, i) => String(i + 1))]) {
  for (const den of ['', '/', '/2', '/4', '/8', '/16']) {
    if (den === '/' && num !== '') continue;
    if (den !== '' && num === '1') continue;
    if (den !== '' && num !== '' && (Number(num) % 2 === 0 || Number(num) > 9)) continue;
    COMPLETE_LENGTHS.push([num + den, lengthMultiplier(num + den)]);
  }
}
const LENGTH_TEXTS = new Set(COMPLETE_LENGTHS.map(([text]) => text));
COMPLETE_LENGTHS.sort((a, b) => a[0].length - b[0].length);
for (const [text, m] of COMPLETE_LENGTHS) {
  for (let i = 0; i <= text.length; i++) {
    const prefix = text.slice(0, i);
    let list = LENGTHS_BY_PREFIX.get(prefix);
    if (!list) LENGTHS_BY_PREFIX.set(prefix, (list = []));
    list.push(m);
  }
}

const SMALLEST_BY_PREFIX = new Map([...LENGTHS_BY_PREFIX].map(([prefix, lengths]) => [prefix, lengths.reduce((a, b) => (compare(b, a) < 0 ? b : a))]));

/** Every multiple of L: the sampler writes, longest first, with its shortest text. */
const DISTINCT_LENGTHS: [Fraction, string][] = (() => {
  const byValue = new Map<string, [Fraction, string]>();
  for (const [text, m] of COMPLETE_LENGTHS) {
    const key = `${m.num}/${m.den}`;
    if (!byValue.has(key)) byValue.set(key, [m, text]);
  }
  return [...byValue.values()].sort((a, b) => compare(b[0], a[0]));
})();


/**
 * Whether a note being written can still sound one of `pitches` (`pitchKey`s): its letter must match; octave
 * marks may still move it, two at most, until its length begins or (`done`) it is finished.
 */
function tieReachable(note: string, pitches: readonly string[], done: boolean): boolean {
  const m = NOTE_TEXT.exec(note);
  if (!m || !/[A-Ga-g]/.test(m[2])) return true; // only an accidental so far
  const key = pitchKey(note);
  const octave = Number(key.slice(1));
  const marksLeft = done || m[4] !== '' ? 0 : MAX_OCTAVE_MARKS - m[3].length;
  // Lower case goes up with ', upper case down with , (the other marks are bad-octave).
  const up = m[2] >= 'a';
  return pitches.some((t) => {
    const shift = Number(t.slice(1)) - octave;
    return t[0] === key[0] && (up ? shift >= 0 : shift <= 0) && Math.abs(shift) <= marksLeft;
  });
}

/** A `%%MIDI gchord` pattern as the sampler writes it, while it is written: letters f, b, c, z, spaces after them. */
const GCHORD_VALUE = /^[fbcz]{0,16}[ \t]*$/;

/** The `%%MIDI` commands the sampler writes (those in the Nottingham files). */
const MIDI_COMMANDS = ['program', 'gchord', 'bassprog', 'bassvol', 'chordprog', 'chordvol'];

/**
 * A comment being written after its `%`: null while it is fine, 'done' once it is plain text or a directive
 * with a known command, else why it is refused.
 */
function midiDirectiveProblem(head: string): string | null | 'done' {
  const directive = '%MIDI ';
  // abc2midi reads `%%MIDI` followed by anything as a directive (`%%MIDIx`: command "" not recognized).
  if (head.length === directive.length && head.startsWith('%MIDI') && head !== directive) return 'check\'s midi-directive: %%MIDI is followed by a space and its command';
  if (head.length <= directive.length) return directive.startsWith(head) ? null : 'done';
  const m = /^%MIDI (\S*)(\s?)/.exec(head)!;
  if (m[2] && m[1] === 'gchord') {
    // The pattern is read on to the end of the line (see GCHORD_VALUE); check's midi-directive otherwise.
    return GCHORD_VALUE.test(head.slice('%MIDI gchord '.length)) ? null : `%%MIDI gchord ${head.slice(13)} is not a pattern the sampler writes (letters f, b, c, z)`;
  }
  if (m[2]) return MIDI_COMMANDS.includes(m[1]) ? 'done' : `%%MIDI ${m[1]} is not a command the sampler writes`;
  return MIDI_COMMANDS.some((w) => w.startsWith(m[1])) ? null : `%%MIDI ${m[1]} is not a command the sampler writes`;
}

/** Values the completion search tries for a field being written. */
const FIELD_COMPLETIONS: Record<string, string[]> = {
  X: ['1'],
  M: ['6/8', '4/4', '3/4', '2/4', '9/8', '12/8', '2/2', 'C', 'C|'],
  L: ['1/8', '1/4', '1/16', '1/2'],
  Q: ['120', '1/4=120', '1/8=120', '3/8=120'],
  K: ['C', 'G', 'D', 'A', 'E', 'F', 'Am', 'Em', 'Dm', 'Bm', 'Gm'],
};

/** Length texts the sampler writes for a multiple of L: (`3/2` → `3/2`, `3/`); none when it has none. */
function lengthTexts(m: Fraction): string[] {
  return COMPLETE_LENGTHS.filter(([, x]) => equals(x, m)).map(([text]) => text);
}

/** A `pitchKey` written as a note (`C1` → `c`, `C2` → `c'`, `F0` → `F`, `D-1` → `D,`). */
function pitchText(key: string): string {
  const octave = Number(key.slice(1));
  if (octave >= 1) return key[0].toLowerCase() + "'".repeat(octave - 1);
  return key[0] + ','.repeat(-octave);
}

/** Whether a note's text is whole: a letter, and a finished length. */
function noteFinished(text: string): boolean {
  const m = NOTE_TEXT.exec(text);
  return m !== null && /[A-Ga-g]/.test(m[2]) && LENGTH_COMPLETE.test(m[4]);
}

/** Whether `text` can still grow into a note (or rest) the sampler writes. */
function noteTextViable(text: string, kind: 'note' | 'rest'): boolean {
  if (kind === 'rest') return /^[zx]/.test(text) && LENGTH_PREFIX.test(text.slice(1));
  const m = /^(\^\^|\^|__|_|=)?([A-Ga-g])?([',]*)([0-9/]*)$/.exec(text);
  if (!m) return /^(\^|_)$/.test(text);
  if (!m[2]) return !m[3] && !m[4] && text.length <= 2 && /^(\^\^?|__?|=)$/.test(text);
  // `c,` and `C'` are read by abc check as bad-octave (abc2midi stops at them).
  if (m[3].includes(',') && m[2] >= 'a') return false;
  if (m[3].includes("'") && m[2] <= 'G') return false;
  return m[3].length <= MAX_OCTAVE_MARKS && LENGTH_PREFIX.test(m[4]);
}

/** The smallest multiple of L: a length prefix can still become (`3` → 3/16 via `3/16`; `3/2` → 3/2). */
function smallestMultiplier(prefix: string): Fraction {
  return SMALLEST_BY_PREFIX.get(prefix) ?? SMALLEST;
}

/** The last note being written in a chord or grace group's text, or null after a space or tie. */
function lastChordNote(inner: string): string | null {
  const m = /(\^\^|\^|__|_|=)?([A-Ga-g])?([',]*)([0-9/]*)$/.exec(inner);
  if (!m || m[0] === '') return null;
  return m[0];
}

// ---- field values -----------------------------------------------------------------------------------------

/**
 * Every text the lexer's BAR pattern reads whole, up to six characters, and their prefixes: a bar line being
 * written grows while the lexer would read it as one symbol.
 */
const BAR_READ_PREFIXES = new Set<string>();
{
  const alphabet = ['|', ':', ']', '['];
  let layer = [''];
  for (let len = 1; len <= 6; len++) {
    layer = layer.flatMap((s) => alphabet.map((a) => s + a));
    for (const s of layer) {
      const m = new RegExp(BAR.source, '').exec(s);
      if (m && m.index === 0 && m[0] === s) for (let i = 1; i <= s.length; i++) BAR_READ_PREFIXES.add(s.slice(0, i));
    }
  }
  for (const b of ENDING_BARS) for (const d of '123456789') BAR_READ_PREFIXES.add(b + d);
}
/** Bar lines that open a repeat: not written while the tune must finish. */
const OPENS_REPEAT = new Set<RawBar['closeKind']>(['rep-start', 'double-rep']);
/** Whether the lexer's BAR pattern reads all of `text` as one bar line (`:||::`, any run of colons). */
function readsWhole(text: string): boolean {
  BAR.lastIndex = 0;
  return BAR.exec(text)?.[0] === text;
}

const barPrefixes = new Set<string>();
const BAR_SET = new Set<string>();
for (const b of BAR_LINES) {
  BAR_SET.add(b);
  for (let i = 1; i <= b.length; i++) barPrefixes.add(b.slice(0, i));
}
for (const b of ENDING_BARS) {
  for (const d of '12') {
    BAR_SET.add(b + d);
    barPrefixes.add(b + d);
  }
}
/** Every key the sampler writes, lower-cased without spaces: tonic, accidental, mode. */
const KEYS: string[] = [];
for (const t of 'abcdefg') for (const a of ['', '#', 'b']) for (const m of KEY_MODES) KEYS.push(t + a + m);
const KEY_PREFIXES = new Set<string>();
for (const k of KEYS) for (let i = 1; i <= k.length; i++) KEY_PREFIXES.add(k.slice(0, i));

/**
 * Whether a field value being written (`6/` of `M:6/8`) is finished, may still become a valid value, or
 * cannot. Values are what the sampler writes: `X:` a number, `M:` C, C| or n/d with d a power of two, `L:`
 * 1/d, `K:` tonic, accidental and mode, header `P:` an order of parts; other fields free text.
 */
function valuePrefixState(letter: string, raw: string): 'complete' | 'prefix' | 'dead' {
  const v = raw.replace(/^[ \t]+/, '');
  const trailing = /[ \t]+$/.test(v);
  const core = v.replace(/[ \t]+$/, '');
  const done = (complete: boolean, prefix: boolean) => (complete ? 'complete' : prefix && !trailing ? 'prefix' : 'dead');
  switch (letter) {
    case 'X':
      return done(/^\d{1,6}$/.test(core), core === '');
    case 'M':
      return done(/^(?:C\|?|(?:[1-9]|1[0-2])\/(?:2|4|8|16))$/.test(core), /^(?:(?:[1-9]|1[0-2])\/?|(?:[1-9]|1[0-2])\/1)?$/.test(core));
    case 'L':
      return done(/^1\/(?:2|4|8|16)$/.test(core), /^(?:1\/?|1\/1)?$/.test(core));
    case 'Q':
      // A tempo abc2midi reads (check's bad-tempo): `120` or `1/4=120`.
      return done(
        /^(?:[1-9]\d{0,2}|[1-9]\d?\/(?:2|4|8|16)=[1-9]\d{0,2})$/.test(core),
        /^(?:[1-9]\d{0,2}|[1-9]\d?(?:\/(?:1|2|4|8|16)?)?|[1-9]\d?\/(?:2|4|8|16)=(?:[1-9]\d{0,2})?)?$/.test(core),
      );
    case 'K': {
      const k = core.toLowerCase().replace(/^([a-g][#b]?)\s+/, '$1');
      if (/\s/.test(k)) return 'dead';
      return done(KEYS.includes(k) && /^[A-G]/.test(core), k === '' || (KEY_PREFIXES.has(k) && /^[A-G]/.test(core)));
    }
    case 'P':
      return /^[A-Z0-9().\s]*$/.test(v) ? 'complete' : 'dead';
    default:
      return 'complete';
  }
}
