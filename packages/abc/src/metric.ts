import { ONE, ZERO, add, compare, mul, sub } from './fraction';
import { brokenFactors, lengthMultiplier, tupletSpec } from './durations';
import { defaultUnitLength, fieldValue, parseMeter, parseUnitLength } from './fields';
import { closeKind, type CloseKind } from './bars';
import type { Fraction, Meter } from './types';

/**
 * The metric position of every symbol of an ABC text stream, for a char-RNN that is given it beside each input
 * character: how much of the bar is left, and how long the current section's first bar (its pickup) was, so
 * the model need not count note lengths itself to know where a bar line goes, or that the last bar of a
 * repeated part is shortened by the part's pickup; and, in two more parts of the same state number, the pitch a
 * pending tie `-` must go on with, and where it is in the repeat structure (`|:` open, first or second ending).
 *
 * The tracker is causal and incremental: the state after a symbol depends only on the symbols up to it, so
 * training (over the whole stream) and sampling (one written symbol at a time) see the same states. Where a
 * symbol's meaning shows only later (`P` at the start of a line may be a decoration or the field `P:B`; `[A`
 * a chord or the inline field `[A:…]`; `!` a decoration or a stray character; `|` a plain bar line or the start
 * of `|:`), the state is the best guess so far and is corrected when the deciding character arrives.
 *
 * It reads the text the way the lexer (lexer.ts) and the duration pass (durations.ts, as abc2midi and ABC 2.1
 * do) read it, and it never throws: on malformed input it keeps going with a best guess.
 */

/** Bar position is counted in sixteenth notes (1/16 of a whole note); what is left of a bar is clamped to this (12/8 = 24). */
const MAX_REMAINING = 24;
/** Pickup values: 0 unknown, 1 no pickup (full, over or empty first bar), 2 + k a first bar of k sixteenths (k = 1..15). */
const PICKUPS = 17;
const MAX_PICKUP_SIXTEENTHS = 15;

/**
 * Values of the metric part of a state (426): 0, and 25 × 17 music values. The layout (see `MetricTracker`):
 *   - 0: not in music — outside a tune, in the header (X: to the end of the K: line), in a field line of the
 *     body (`P:B`, `M:3/4`, `W:…`, its newline included) or in a comment (`%` to the end of the line, its
 *     newline included);
 *   - 1 + remaining × 17 + pickup otherwise, where `remaining` (0..24) is what is left of the current bar in
 *     sixteenth notes, rounded up (0 when the bar is full or over), and `pickup` (0..16) describes the
 *     current section's first bar: 0 not known yet (still inside it), 1 full (or over, or empty: no pickup),
 *     2 + k short, lasting k sixteenths rounded up (k clamped to 1..15).
 */
const METRIC_PART_STATES = 1 + (MAX_REMAINING + 1) * PICKUPS;

/** Octaves a pending tie's pitch can name: -2 (`C,,`) to 3 (`c''`); others are clamped to them. */
const MIN_OCTAVE = -2;
const MAX_OCTAVE = 3;
const PITCH_LETTERS = 'CDEFGAB';

/**
 * Values of the tie part of a state (43): 0 no tie pending; 1 + letter + 7 × (octave + 2) a tie `-` is pending
 * and the next note should have that pitch — letter C D E F G A B → 0..6 and octave as `pitchKey`
 * (durations.ts) reads them (`C` 0, `c` 1, `c'` 2, `C,` -1; accidentals aside), octave clamped to -2..3.
 */
export const TIE_STATES = 1 + PITCH_LETTERS.length * (MAX_OCTAVE - MIN_OCTAVE + 1);

/**
 * Values of the repeat part of a state (5), as abc2midi reads repeats (bars.ts `RepeatSigns`):
 *   - 0: no `|:` open, and no `:|` read yet (the tune's start: abc2midi repeats from it, `::` is fine);
 *   - 1: a `|:` (`::`, `:|:`, `[|:`) is open: a `:|` is expected to close it;
 *   - 2: inside a first ending (`|1`, `[1`, ` [1`, open repeat or not) until the `:|` that ends it;
 *   - 3: inside a second or later ending (`:|2`, `[2`, `|2` …) until `||`, `|]`, `[|`, `|:` or a part label;
 *   - 4: no `|:` open after a `:|` closed one (after a `:|`, after a second ending's `||`): abc2midi wants a
 *     `|:` before the next `::` or first ending.
 * The first layout (`METRIC_LAYOUT_V1`) reads 4 as 0.
 */
export const REPEAT_STATES = 5;

/**
 * Values of the phrase part of a state (17): how many bars of the current section are behind it, 0..15, and 16
 * for 16 or more — so the model knows it is in the 8th bar of a part, where the part's closing bar line goes. A
 * section starts where the metric part's does (the body, `|:`, `:|`, `::`, `||`, `|]`, `[|`, a part label); a
 * bar line that closes a bar with music counts one, except the section's short first bar (its pickup); a second
 * ending starts counting again where the first ending started.
 */
export const PHRASE_STATES = 17;

/** The radices of a state's parts, fastest first: metric (426), tie (43), repeat (5), phrase (17). */
export const METRIC_FEATURES: readonly number[] = Object.freeze([METRIC_PART_STATES, TIE_STATES, REPEAT_STATES, PHRASE_STATES]);

/**
 * The first layout (models trained with it still read their own): metric (426), tie (43), repeat (4: the
 * repeat part's 4 read as 0), no phrase part.
 */
export const METRIC_LAYOUT_V1: readonly number[] = Object.freeze([METRIC_PART_STATES, TIE_STATES, 4]);

/** The number of states of a layout: the product of its radices (what an input id's state part ranges over). */
export function metricStateCount(layout: readonly number[]): number {
  return layout.reduce((a, b) => a * b, 1);
}

/** The layouts a tracker can write, newest first. */
const LAYOUTS: readonly (readonly number[])[] = [METRIC_FEATURES, METRIC_LAYOUT_V1];

/** Whether `features` is a layout this version's tracker writes (`METRIC_FEATURES` or `METRIC_LAYOUT_V1`). */
export function isMetricLayout(features: readonly number[]): boolean {
  return LAYOUTS.some((l) => l.length === features.length && l.every((v, i) => v === features[i]));
}

/**
 * Number of states (426 × 43 × 5 × 17 = 1,557,030). A state is one number, mixed radix, the metric part fastest:
 * `metric + 426 × (tie + 43 × (repeat + 5 × phrase))`. The parts are computed independently: the others may be
 * non-zero where the metric part is 0 (a comment or a `P:` line inside a repeat, a tie pending across a
 * comment line), so "not music" is not one state; outside a tune and in its header all are 0 (a tune's
 * start resets them), so state 0 still means "not in a tune's body".
 */
export const METRIC_STATES = metricStateCount(METRIC_FEATURES);

/** A state taken apart (for tests and debugging). `remaining` and `pickup` are 0 when `music` is false. */
export interface MetricStateParts {
  /** Whether the symbol is music (not outside a tune, in the header, in a field line or in a comment). */
  music: boolean;
  /** What is left of the bar, in sixteenth notes rounded up (0..24). */
  remaining: number;
  /** The section's first bar: 0 unknown, 1 no pickup, 2 + k a pickup of k sixteenths (0..16). */
  pickup: number;
  /** The pending tie: 0 none, else 1 + letter + 7 × (octave + 2) (`TIE_STATES`). */
  tie: number;
  /** The pending tie's pitch as `pitchKey` writes it (`A0`, `c'` → `C2`), '' when none is pending. */
  tiePitch: string;
  /** 0 no repeat open, 1 a `|:` open, 2 in a first ending, 3 in a second ending, 4 none open after a `:|` (`REPEAT_STATES`). */
  repeat: number;
  /** Bars of the section behind it, 0..16 (`PHRASE_STATES`); 0 in the first layout. */
  phrase: number;
}

/**
 * Takes a state of `MetricTracker` apart (of `layout`, default the current one). Out-of-range or non-integer
 * states read as state 0.
 */
export function describeMetricState(state: number, layout: readonly number[] = METRIC_FEATURES): MetricStateParts {
  if (!Number.isInteger(state) || state <= 0 || state >= metricStateCount(layout)) return { music: false, remaining: 0, pickup: 0, tie: 0, tiePitch: '', repeat: 0, phrase: 0 };
  const metric = state % METRIC_PART_STATES;
  let rest = Math.floor(state / METRIC_PART_STATES);
  const tie = rest % TIE_STATES;
  rest = Math.floor(rest / TIE_STATES);
  const repeat = rest % layout[2];
  const phrase = layout.length > 3 ? Math.floor(rest / layout[2]) : 0;
  const parts = metric === 0 ? { music: false, remaining: 0, pickup: 0 } : { music: true, remaining: Math.floor((metric - 1) / PICKUPS), pickup: (metric - 1) % PICKUPS };
  return { ...parts, tie, tiePitch: tiePitchName(tie), repeat, phrase };
}

/** A tie part's pitch as `pitchKey` (durations.ts) writes it: 1 → `C-2`, 1 + 5 + 7 × 2 → `A0`; '' for 0. */
export function tiePitchName(tie: number): string {
  if (!Number.isInteger(tie) || tie <= 0 || tie >= TIE_STATES) return '';
  const k = tie - 1;
  return `${PITCH_LETTERS[k % 7]}${Math.floor(k / 7) + MIN_OCTAVE}`;
}

function tieIndex(letter: number, octave: number): number {
  return 1 + letter + 7 * (Math.min(MAX_OCTAVE, Math.max(MIN_OCTAVE, octave)) - MIN_OCTAVE);
}

/** A note letter's index: C D E F G A B (either case) → 0..6. */
function letterIndex(c: string): number {
  return PITCH_LETTERS.indexOf(c.toUpperCase());
}

// Where the reader is in the stream.
const OUTSIDE = 0;
const HEADER = 1;
const BODY = 2;

// What the current line is. After a newline it keeps the ended line's kind (music or not) until the next
// character, so that the newline's state is that of the line it ends.
const LINE_MUSIC = 0;
const LINE_FIELD = 1;
const LINE_COMMENT = 2;
const LINE_OTHER = 3;

// The construct being read inside a music line.
const NORMAL = 0;
const QUOTE = 1; // "…" chord symbol or annotation
const DECORATION = 2; // !…! or +…+
const GRACE = 3; // {…}
const BRACKET = 4; // just after [: chord, inline field, [| or [1 — the next character tells
const CHORD = 5; // [CEG]
const INLINE = 6; // [M:3/4]
const ENDING = 7; // the number of [1
const BAR = 8; // a bar line token, which may still grow (| → |: → |:2 …)
const COLON = 9; // : that may start :| or ::
const TUPLET = 10; // (3:2:3
const MULTI_REST = 11; // the count of Z4

// Which length characters (digits, /) belong to the timed element just read.
const T_NONE = 0;
const T_NOTE = 1; // a note or rest: A3/2
const T_CHORD_FIRST = 2; // the first note of a chord: [C2EG]
const T_CHORD_REST = 3; // later notes of a chord: their lengths add nothing
const T_CHORD_AFTER = 4; // after the chord's ]: [CEG]2

const FREE_METER: Meter = { text: '', barLength: null };
const SECTION_KINDS = new Set<CloseKind>(['double', 'rep-start', 'rep-end', 'double-rep']);
/** A prefix of a bar line as lexer.ts's BAR reads it (a trailing `,` or `-` may still continue an ending list). */
const BAR_PREFIX = /^(?::*(?:\[\||\|\]|\|+)(?:\]|:+)?|:{2,})(?:\d+(?:[,-]\d+)*[,-]?)?$/;
/** A part label that starts a section, as bars.ts reads P: in the body (other P: text is a mark mid-bar). */
const PART_LABEL = /^[A-Z]\d*$/;
/** Field values the tracker reads are short; longer ones (W: lyrics) are not kept. */
const MAX_FIELD_TEXT = 100;

function isNoteLetter(c: string): boolean {
  return (c >= 'A' && c <= 'G') || (c >= 'a' && c <= 'g');
}

function isLetter(c: string): boolean {
  return c.length === 1 && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

function isDigit(c: string): boolean {
  return c.length === 1 && c >= '0' && c <= '9';
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r';
}

/**
 * The whole reading state. Plain fields (numbers, strings, frozen fractions and meters), so a snapshot is an
 * `Object.assign`: taken where a character's meaning may change with the next one (a letter in column 0, a
 * `[`), restored when it does.
 */
class Reader {
  mode = OUTSIDE;
  lineKind = LINE_OTHER;
  /** Only spaces and tabs on this line so far: at its newline the tune ends. */
  lineBlank = true;
  /** The column-0 character while it may still open a field line (`P` of `P:B`), else ''. */
  col0 = '';
  fieldLetter = '';
  fieldText = '';

  meter: Meter = FREE_METER;
  unit: Fraction = defaultUnitLength(null);
  unitSet = false;

  /** Time since the last bar line, in whole notes. */
  pos: Fraction = ZERO;
  /** Whether a note, rest or chord has been read since the last bar line. */
  timed = false;
  pickup = 0;

  sub = NORMAL;
  /** Text of the open construct: the chord, decoration or grace group (to read it again if it is not one), the inline field, the tuplet, the bar line. */
  text = '';
  decorationClose = '';
  chordNotes = 0;
  chordDecoration = false;

  /** The timed element being read, or the last one: its duration without its length, its lengths, its duration. */
  phase = T_NONE;
  base: Fraction = ZERO;
  lengthA = '';
  lengthB = '';
  duration: Fraction = ZERO;
  /** A timed element was read in this bar (`duration` is it): what broken rhythm lengthens. */
  hasLast = false;

  brokenChar = '';
  brokenRun = 0;
  brokenValid = false;
  brokenBefore: Fraction = ZERO;
  brokenNext: Fraction | null = null;

  tupletRatio: Fraction = ONE;
  tupletLeft = 0;
  /** After `&` in this bar: the overlaid music takes no more time. */
  overlay = false;

  /** The bar the open bar line closed, and the pickup it decided (before a section start resets it). */
  preBarPos: Fraction = ZERO;
  preBarTimed = false;
  preBarPickup = 0;
  barDecided = 0;
  /** Only spaces, newlines and comments since the last bar line: an ending `[2` here belongs to it (`:| [2`). */
  afterBar = false;

  /** The pending tie (`TIE_STATES`): set by a `-` after a note or chord, cleared by the next note, rest or chord. */
  tie = 0;
  /** The note or chord a `-` would tie now (only spaces, line ends and comments since it): letter index, or -1. */
  tieLetter = -1;
  tieOctave = 0;
  /** The last note read inside the open chord (its letter index, or -1) and whether octave marks may still follow it. */
  chordLetter = -1;
  chordOctave = 0;
  chordMarks = false;

  /**
   * The repeat part (`REPEAT_STATES`, 0..3: 4 is 0 with `closed`); `explicit`: a `|:` or `::` is open (kept
   * through a first ending, for a P: label); `closed`: a `:|` has closed a repeat and none has opened since.
   */
  repeat = 0;
  explicit = false;
  closed = false;
  preBarRepeat = 0;
  preBarExplicit = false;
  preBarClosed = false;
  /** Bars of the section behind the open bar (the phrase part, unclamped), and before the open bar line. */
  bars = 0;
  preBarBars = 0;
  /** The count the open bar line made before a section start reset it (an ending right after it takes it back). */
  barCounted = 0;
  /** The count where the last first ending started: a later ending starts from it again. */
  endingBars = 0;
  /** The number of an ending `[12` read so far, and whether a `,` or `-` has ended its first number. */
  endingDigits = '';
  endingListed = false;

  snap: Reader | null = null;

  save(): void {
    const s = this.snap ?? new Reader();
    Object.assign(s, this);
    s.snap = null;
    this.snap = s;
  }

  restore(): void {
    const s = this.snap;
    if (!s) return;
    Object.assign(this, s);
    this.snap = s;
  }

  clone(): Reader {
    const c = new Reader();
    Object.assign(c, this);
    if (this.snap) {
      c.snap = new Reader();
      Object.assign(c.snap, this.snap);
    }
    return c;
  }

  /** Back to the start: `mode` OUTSIDE or HEADER (an `X:` line). Line fields are left to the caller. */
  resetTune(mode: number): void {
    const { lineKind, lineBlank, col0, snap } = this;
    Object.assign(this, BLANK);
    this.mode = mode;
    this.lineKind = lineKind;
    this.lineBlank = lineBlank;
    this.col0 = col0;
    this.snap = snap;
  }

  /** The state in the current layout (`METRIC_FEATURES`), or in the first (`METRIC_LAYOUT_V1`). */
  state(v1: boolean): number {
    const metric = this.metricPart();
    if (v1) return metric + METRIC_PART_STATES * (this.tie + TIE_STATES * this.repeat);
    const repeat = this.repeat === 0 && this.closed ? 4 : this.repeat;
    const phrase = Math.min(PHRASE_STATES - 1, this.bars);
    return metric + METRIC_PART_STATES * (this.tie + TIE_STATES * (repeat + REPEAT_STATES * phrase));
  }

  /** The metric part: 0 outside music, else 1 + remaining × 17 + pickup. */
  private metricPart(): number {
    if (this.mode !== BODY || this.lineKind !== LINE_MUSIC) return 0;
    const bar = this.barLength();
    const pos = this.pos;
    const left = ((bar.num * pos.den - pos.num * bar.den) * 16) / (bar.den * pos.den);
    // `left > 0` is false for NaN (absurd lengths in garbage): read as a full bar.
    const remaining = left > 0 ? Math.min(MAX_REMAINING, Math.ceil(left)) : 0;
    return 1 + remaining * PICKUPS + this.pickup;
  }

  /** M:none and no M: count bars of 4/4 (16 sixteenths). */
  private barLength(): Fraction {
    return this.meter.barLength ?? ONE;
  }

  /** One character (a code point); `col` is its column (0-based, in code points). */
  feed(c: string, col: number): void {
    if (c === '\n') {
      this.newline();
      return;
    }
    if (col === 0) {
      this.lineKind = LINE_OTHER;
      this.col0 = '';
    }
    if (!isSpace(c)) this.lineBlank = false;
    if (this.lineKind === LINE_FIELD) {
      if (this.fieldText.length < MAX_FIELD_TEXT) this.fieldText += c;
      return;
    }
    if (this.lineKind === LINE_COMMENT) return;
    if (this.mode === OUTSIDE) this.outsideChar(c, col);
    else if (this.mode === HEADER) this.headerChar(c, col);
    else this.bodyChar(c, col);
  }

  private outsideChar(c: string, col: number): void {
    if (col === 0 && c === 'X') this.col0 = c;
    else if (col === 1 && this.col0 === 'X' && c === ':') {
      this.resetTune(HEADER);
      this.startField('X');
    } else this.col0 = '';
  }

  /** The header ends with its K: line; music before a K: ends it too (as parse.ts reads a tune without K:). */
  private headerChar(c: string, col: number): void {
    if (col === 1 && this.col0 !== '') {
      const letter = this.col0;
      this.col0 = '';
      if (c === ':') {
        if (letter === 'X') this.resetTune(HEADER);
        this.startField(letter);
        return;
      }
      // `Tune` in the header is music: the tune has no K: line.
      this.startBody();
      this.bodyChar(letter, 0);
      this.bodyChar(c, 1);
      return;
    }
    if (c === '%') this.lineKind = LINE_COMMENT;
    else if (col === 0 && (isLetter(c) || c === '+')) this.col0 = c;
    else if (!isSpace(c)) {
      // Music after spaces (or at column 0) ends the header.
      this.startBody();
      this.lineKind = LINE_MUSIC;
      this.bodyChar(c, col);
    }
  }

  private bodyChar(c: string, col: number): void {
    if (col === 0) {
      this.lineKind = LINE_MUSIC;
      if (c === '%') {
        this.lineKind = LINE_COMMENT;
        return;
      }
      if (isLetter(c) || c === '+') {
        // `P` may be a decoration or open `P:B`: read it as music now, and take it back if `:` follows.
        this.save();
        this.col0 = c;
      }
    } else if (col === 1 && this.col0 !== '') {
      const letter = this.col0;
      this.col0 = '';
      if (c === ':') {
        this.restore();
        if (letter === 'X') this.resetTune(HEADER);
        this.startField(letter);
        return;
      }
    }
    this.music(c);
  }

  private startField(letter: string): void {
    // A field line in the body ends a pending tie (a choice, not a rule read from abc2midi).
    this.tie = 0;
    this.tieLetter = -1;
    this.lineKind = LINE_FIELD;
    this.col0 = '';
    this.fieldLetter = letter;
    this.fieldText = '';
  }

  private startBody(): void {
    this.mode = BODY;
    this.sectionStart();
  }

  /** A new section: the body's start, a P: label. Its first bar is not known yet. */
  private sectionStart(): void {
    this.pos = ZERO;
    this.timed = false;
    this.hasLast = false;
    this.overlay = false;
    this.pickup = 0;
    this.bars = 0;
    this.afterBar = false;
    this.phase = T_NONE;
  }

  private newline(): void {
    if (this.mode === OUTSIDE) {
      this.lineKind = LINE_OTHER;
      this.lineBlank = true;
      this.col0 = '';
      return;
    }
    if (this.lineKind === LINE_FIELD) this.endField();
    else if (this.mode === HEADER && this.col0 !== '') {
      // A lone letter on a header line is music too (no K:).
      const letter = this.col0;
      this.startBody();
      this.bodyChar(letter, 0);
      this.endMusicLine();
    } else if (this.lineKind === LINE_MUSIC || this.lineKind === LINE_COMMENT) this.endMusicLine();
    if (this.lineBlank) {
      // A blank line (spaces and tabs only) ends the tune.
      this.resetTune(OUTSIDE);
      this.lineKind = LINE_OTHER;
    } else if (this.lineKind !== LINE_MUSIC || this.mode !== BODY) this.lineKind = LINE_OTHER;
    this.lineBlank = true;
    this.col0 = '';
  }

  /** What is open at the end of a line ends there, as the lexer reads it. */
  private endMusicLine(): void {
    // Reading an unclosed chord, decoration or grace group again may open another one: at most a few rounds.
    for (let guard = 0; guard < 8; guard++) {
      const s = this.sub;
      if (s === CHORD || s === BRACKET) this.abortChord();
      else if (s === DECORATION) this.abortRun();
      else if (s === GRACE) this.abortRun();
      else break;
    }
    if (this.sub === INLINE) this.applyField(this.text[0] ?? '', this.text.slice(2), true);
    else if (this.sub === TUPLET) this.endTuplet();
    this.sub = NORMAL;
    this.phase = T_NONE;
    this.brokenRun = 0;
  }

  private endField(): void {
    const letter = this.fieldLetter;
    if (this.mode === HEADER) {
      if (letter === 'K') this.startBody();
      else this.applyField(letter, this.fieldText, false);
    } else {
      this.afterBar = false;
      this.applyField(letter, this.fieldText, false);
    }
  }

  /** M:, L: and P: (header, body line or inline). Without L:, the header's M: sets the unit length (ABC 2.1 §3.1.7); a later M: leaves it. */
  private applyField(letter: string, raw: string, inline: boolean): void {
    if (letter === 'M') {
      const m = parseMeter(fieldValue(raw));
      if (m) {
        this.meter = m;
        if (!this.unitSet && this.mode === HEADER) this.unit = defaultUnitLength(m);
      }
    } else if (letter === 'L') {
      const l = parseUnitLength(fieldValue(raw));
      if (l) {
        this.unit = l;
        this.unitSet = true;
      }
    } else if (letter === 'P' && this.mode === BODY && PART_LABEL.test(fieldValue(raw))) {
      this.partLabel();
    }
    if (inline) this.text = '';
  }

  /** `P:B` in the body ends a section like `||` and starts a new one (bars.ts closes the bar there too). */
  private partLabel(): void {
    // The bar it closes needs no pickup decision: the new section's pickup is unknown either way.
    this.undoBroken();
    this.sectionStart();
    // As RepeatSigns.part(): a label ends a variant ending, and leaves an open |: open.
    if (this.repeat >= 2) this.repeat = this.explicit ? 1 : 0;
  }

  /** One character of a music line. */
  private music(c: string): void {
    if (this.lineKind === LINE_COMMENT) return;
    if (this.brokenRun > 0 && c !== this.brokenChar) this.brokenRun = 0;
    switch (this.sub) {
      case QUOTE:
        if (c === '"') this.sub = NORMAL;
        return;
      case GRACE:
        if (c === '}') this.sub = NORMAL;
        else if (c === '{') {
          // `{` before the `}`: the first `{` is a stray character and what followed it is music.
          this.abortRun();
          this.music(c);
        } else this.text += c;
        return;
      case DECORATION:
        if (c === this.decorationClose) {
          if (this.text !== '') this.sub = NORMAL;
          else {
            this.abortRun();
            this.music(c);
          }
        } else if (isSpace(c) || c === '|' || c === '"' || c === '[' || c === ']') {
          // Not a decoration after all (the lexer needs `!name!` with no space, bar, quote or bracket in it).
          this.abortRun();
          this.music(c);
        } else this.text += c;
        return;
      case INLINE:
        if (c === ']') {
          this.sub = NORMAL;
          this.applyField(this.text[0] ?? '', this.text.slice(2), true);
        } else if (this.text.length < MAX_FIELD_TEXT) this.text += c;
        return;
      case BRACKET:
        if (c === '|') {
          this.startBar('[|');
          return;
        }
        if (isDigit(c)) {
          // An ending. Right after a bar line it belongs to it: `:| [2` is `:|2`, which starts no section.
          this.sub = ENDING;
          if (this.afterBar) {
            this.pickup = this.barDecided;
            this.bars = this.barCounted;
          }
          this.afterBar = false;
          this.endingDigits = c;
          this.endingListed = false;
          this.endingRepeat();
          return;
        }
        this.afterBar = false;
        this.sub = CHORD;
        this.text = '';
        this.chordNotes = 0;
        this.chordDecoration = false;
        this.chordLetter = -1;
        this.chordMarks = false;
        this.chordChar(c);
        return;
      case CHORD:
        this.chordChar(c);
        return;
      case ENDING:
        if (isDigit(c)) {
          if (!this.endingListed && this.endingDigits.length < 4) {
            this.endingDigits += c;
            this.endingRepeat();
          }
          return;
        }
        if (c === ',' || c === '-') {
          this.endingListed = true;
          return;
        }
        this.sub = NORMAL;
        break;
      case BAR:
        if (BAR_PREFIX.test(this.text + c)) {
          this.text += c;
          this.applyBar();
          return;
        }
        this.sub = NORMAL;
        break;
      case COLON:
        this.sub = NORMAL;
        if (c === ':' || c === '|') {
          this.startBar(':' + c);
          return;
        }
        break;
      case TUPLET:
        if (isDigit(c) || (c === ':' && this.text !== '(' && this.text.split(':').length < 3)) {
          this.text += c;
          return;
        }
        // `(` not followed by a number is a slur.
        if (this.text !== '(') this.endTuplet();
        this.sub = NORMAL;
        break;
      case MULTI_REST:
        if (isDigit(c)) return;
        this.sub = NORMAL;
        break;
      default:
        break;
    }
    if (this.phase === T_NOTE || this.phase === T_CHORD_AFTER) {
      if (isDigit(c) || c === '/') {
        if (this.phase === T_NOTE) this.lengthA += c;
        else this.lengthB += c;
        this.retime();
        return;
      }
      if (this.phase === T_NOTE && (c === "'" || c === ',') && this.lengthA === '') {
        if (this.tieLetter >= 0) this.tieOctave += c === "'" ? 1 : -1;
        return;
      }
      this.phase = T_NONE;
    }
    this.normal(c);
  }

  private normal(c: string): void {
    switch (c) {
      case ' ':
      case '\t':
      case '\r':
        return;
      case '%':
        this.lineKind = LINE_COMMENT;
        return;
      case '-':
        // A tie right after a note or chord (spaces, line ends and comments between are fine).
        if (this.tieLetter >= 0) this.tie = tieIndex(this.tieLetter, this.tieOctave);
        this.tieLetter = -1;
        this.afterBar = false;
        return;
      default:
        break;
    }
    // Anything else comes between a note and a `-`: the `-` would tie nothing (as durations.ts reads it).
    this.tieLetter = -1;
    if (c === '[') {
      this.save();
      this.sub = BRACKET;
      this.text = '';
      return;
    }
    this.afterBar = false;
    switch (c) {
      case '"':
        this.sub = QUOTE;
        return;
      case '!':
      case '+':
        this.sub = DECORATION;
        this.decorationClose = c;
        this.text = '';
        return;
      case '{':
        this.sub = GRACE;
        this.text = '';
        return;
      case '(':
        this.sub = TUPLET;
        this.text = '(';
        return;
      case '|':
        this.startBar('|');
        return;
      case ':':
        this.sub = COLON;
        return;
      case '>':
      case '<':
        this.broken(c);
        return;
      case '&':
        this.overlay = true;
        return;
      case 'z':
      case 'x':
        this.startTimed();
        this.phase = T_NOTE;
        return;
      case 'Z':
      case 'X':
        this.multiRest();
        return;
      default:
        if (isNoteLetter(c)) {
          this.startTimed();
          this.phase = T_NOTE;
          this.tieLetter = letterIndex(c);
          this.tieOctave = c >= 'a' ? 1 : 0;
        }
      // Everything else takes no time: accidentals, decorations ~.HLMOPSTuv, ties, slur ends, y, \, stray characters.
    }
  }

  /** A character inside `[…]` once it is known not to be a bar line or an ending. */
  private chordChar(c: string): void {
    if (c === '[' || c === '|' || c === '"' || c === '%') {
      // The lexer ends a chord there: the `[` is a stray character and what followed it is music.
      this.abortChord();
      this.music(c);
      return;
    }
    this.text += c;
    if (this.chordDecoration) {
      if (c === '!') this.chordDecoration = false;
      return;
    }
    if ((c === "'" || c === ',') && this.chordMarks) this.chordOctave += c === "'" ? 1 : -1;
    else this.chordMarks = false;
    if (c === ']') {
      this.sub = NORMAL;
      this.phase = this.chordNotes > 0 ? T_CHORD_AFTER : T_NONE;
      // A `-` after the chord ties its last note (a chord tie: abc2midi may tie any of its notes).
      if (this.chordNotes > 0) {
        this.tieLetter = this.chordLetter;
        this.tieOctave = this.chordOctave;
      }
      return;
    }
    if (c === ':' && this.text.length === 2 && isLetter(this.text[0])) {
      // `[K:` is an inline field, not a chord: take back the note `[A` may have counted.
      const text = this.text;
      this.restore();
      this.sub = INLINE;
      this.text = text;
      return;
    }
    if (c === '!') {
      this.chordDecoration = true;
      return;
    }
    if (isNoteLetter(c)) {
      this.chordLetter = letterIndex(c);
      this.chordOctave = c >= 'a' ? 1 : 0;
      this.chordMarks = true;
      // The chord lasts as long as its first note (ABC 2.1 §4.17): the other notes add nothing.
      if (this.chordNotes === 0) {
        this.startTimed();
        this.phase = T_CHORD_FIRST;
      } else this.phase = T_CHORD_REST;
      this.chordNotes++;
      return;
    }
    if (this.phase === T_CHORD_FIRST) {
      if (isDigit(c) || c === '/') {
        this.lengthA += c;
        this.retime();
      } else if (!((c === "'" || c === ',') && this.lengthA === '')) this.phase = T_CHORD_REST;
    }
  }

  /** Not a chord (no `]` before a bar, quote, bracket, comment or the line's end): read what followed `[` again. */
  private abortChord(): void {
    const text = this.sub === CHORD ? this.text : '';
    this.restore();
    this.sub = NORMAL;
    this.afterBar = false;
    for (const ch of text) this.music(ch);
  }

  /** Not a decoration or grace group: its opening character is a stray one; read what followed it again. */
  private abortRun(): void {
    const text = this.text;
    this.sub = NORMAL;
    this.text = '';
    for (const ch of text) this.music(ch);
  }

  private endTuplet(): void {
    const spec = tupletSpec(this.text, this.meter);
    if (spec && spec.notes > 0) {
      this.tupletRatio = spec.ratio;
      this.tupletLeft = spec.notes;
    } else this.tupletLeft = 0;
    this.text = '';
  }

  /** A note, rest or chord starts: it counts one unit (times tuplet and broken rhythm) until its length arrives. */
  private startTimed(): void {
    this.tie = 0;
    let base = this.overlay ? ZERO : this.unit;
    if (this.brokenNext) {
      base = mul(base, this.brokenNext);
      this.brokenNext = null;
    }
    if (this.tupletLeft > 0) {
      base = mul(base, this.tupletRatio);
      this.tupletLeft--;
    }
    this.base = base;
    this.lengthA = '';
    this.lengthB = '';
    this.duration = base;
    this.pos = add(this.pos, base);
    if (!this.overlay) this.timed = true;
    this.hasLast = true;
  }

  /** A length character arrived: the element's duration is its base times its lengths so far (`3` then `3/` then `3/2`). */
  private retime(): void {
    let d = this.lengthA === '' ? this.base : mul(this.base, lengthMultiplier(this.lengthA));
    if (this.lengthB !== '') d = mul(d, lengthMultiplier(this.lengthB));
    this.pos = add(sub(this.pos, this.duration), d);
    this.duration = d;
  }

  /** `Z4`: a multi-bar rest fills the bar. */
  private multiRest(): void {
    this.tie = 0;
    this.pos = add(this.pos, this.barLength());
    this.timed = true;
    this.hasLast = false;
    this.brokenNext = null;
    this.phase = T_NONE;
    this.sub = MULTI_REST;
  }

  /** `>` lengthens the note before (×3/2) and shortens the next (×1/2); `>>` 7/4 and 1/4; `<` the other way. */
  private broken(c: string): void {
    if (this.brokenRun > 0 && c === this.brokenChar) this.brokenRun++;
    else {
      this.brokenChar = c;
      this.brokenRun = 1;
      this.brokenValid = this.hasLast;
      this.brokenBefore = this.duration;
    }
    if (!this.brokenValid) return;
    const factors = brokenFactors(c.repeat(this.brokenRun));
    if (!factors) return;
    const before = mul(this.brokenBefore, factors[0]);
    this.pos = add(sub(this.pos, this.duration), before);
    this.duration = before;
    this.brokenNext = factors[1];
  }

  /** A broken rhythm with no note after it in its bar changes nothing (as durations.ts undoes it). */
  private undoBroken(): void {
    if (!this.brokenNext) return;
    this.pos = add(sub(this.pos, this.duration), this.brokenBefore);
    this.duration = this.brokenBefore;
    this.brokenNext = null;
  }

  /** A bar line begins (`|`, `[|`, `:|`, `::`): it closes the bar; later characters may change its kind. */
  private startBar(text: string): void {
    this.undoBroken();
    this.phase = T_NONE;
    this.preBarPos = this.pos;
    this.preBarTimed = this.timed;
    this.preBarPickup = this.pickup;
    this.preBarRepeat = this.repeat;
    this.preBarExplicit = this.explicit;
    this.preBarClosed = this.closed;
    this.preBarBars = this.bars;
    this.sub = BAR;
    this.text = text;
    this.applyBar();
  }

  /** The state after the bar line read so far, from the state before it: `|` then `|:` then `|:2` … */
  private applyBar(): void {
    let p = this.preBarPickup;
    // The section's first bar with music decides the pickup; a bar line with nothing timed before it waits.
    if (p === 0 && this.preBarTimed) p = this.decidePickup(this.preBarPos);
    this.barDecided = p;
    this.pos = ZERO;
    this.timed = false;
    this.hasLast = false;
    this.overlay = false;
    const text = this.text.endsWith(',') || this.text.endsWith('-') ? this.text.slice(0, -1) : this.text;
    const { kind, ending } = closeKind(text);
    // The bar that decided a short first bar (a pickup) is not one of the section's bars.
    this.barCounted = this.preBarBars + (this.preBarTimed && !(this.preBarPickup === 0 && p >= 2) ? 1 : 0);
    const sectionStarts = ending === null && SECTION_KINDS.has(kind);
    this.pickup = sectionStarts ? 0 : p;
    this.bars = sectionStarts ? 0 : this.barCounted;
    this.afterBar = true;
    this.barRepeat(kind, ending);
  }

  /** The repeat part after the bar line read so far, from the one before it (as `RepeatSigns.bar` reads it). */
  private barRepeat(kind: CloseKind, ending: number[] | null): void {
    let repeat = this.preBarRepeat;
    let explicit = this.preBarExplicit;
    let closed = this.preBarClosed;
    if (kind === 'rep-start' || kind === 'double-rep') {
      // `|:` opens a repeat (one already open is replaced, as abc2midi does); `::` closes one and opens the next.
      repeat = 1;
      explicit = true;
      closed = false;
    } else if (kind === 'rep-end') {
      // `:|` closes the repeat, or the first ending (the `[2` that usually follows makes it 3).
      repeat = 0;
      explicit = false;
      closed = true;
    } else if (kind === 'double' && repeat === 3) {
      // `||`, `|]`, `[|` end a second ending; a first ending runs on to its `:|` in abc2midi, an open `|:` stays open.
      repeat = 0;
    }
    this.repeat = repeat;
    this.explicit = explicit;
    this.closed = closed;
    if (ending !== null && ending.length > 0) this.startEnding(ending[0] === 1);
  }

  /** An ending `[1` (first: 2) or `[2`, `[3` … (later: 3). */
  private endingRepeat(): void {
    this.startEnding(Number(this.endingDigits) === 1);
  }

  /** A first ending marks where its bars start; a later one goes back there. */
  private startEnding(first: boolean): void {
    this.repeat = first ? 2 : 3;
    if (first) this.endingBars = this.bars;
    else this.bars = this.endingBars;
  }

  private decidePickup(first: Fraction): number {
    if (first.num <= 0 || compare(first, this.barLength()) >= 0) return 1;
    const k = Math.ceil((first.num * 16) / first.den);
    return 2 + Math.min(MAX_PICKUP_SIXTEENTHS, Math.max(1, k));
  }
}

const BLANK = new Reader();

/**
 * Reads an ABC text stream one symbol at a time and gives the metric state after each (`METRIC_STATES` for the
 * layout): whether the symbol is music, what is left of the current bar in sixteenth notes, the pickup of
 * the current section, the pitch of a pending tie, the repeat structure and the bars of the section behind it.
 *
 * Rules, as abc2midi and ABC 2.1 read durations:
 *   - a tune starts at an `X:` line in column 1; a blank line (spaces and tabs only) ends it and resets
 *     everything; the header ends with its K: line (or with music before any K:);
 *   - the unit length comes from L: (header, body or inline `[L:1/16]`), else the header's meter; the bar
 *     from M: (4/4 for none);
 *   - a note or rest counts one unit from its letter on and is corrected as its length arrives (`A`, `A3`,
 *     `A3/2`); a chord lasts as long as its first note times the length after `]`; tuplets, `>` and `<` scale
 *     as durations.ts does; grace notes, quoted text, decorations, spaces take no time; `Z4` fills the bar;
 *   - every bar line empties the bar. A section starts at the body's start, at `|:`, `:|`, `::`, `||`, `|]`,
 *     `[|` without an ending number (`:|2`, and `:| [2`, stay in the section) and at a part label `P:B`; the
 *     first bar line after it that closes a bar with music decides its pickup;
 *   - tie part: a `-` right after a note or a chord (spaces, line ends and comments between are fine; a chord
 *     ties its last note) makes the note's letter and octave pending, from the `-` on; bar lines, chord
 *     symbols, decorations, line ends and inline fields keep it; the next note, rest or chord ends it at its
 *     first letter, as do a field line in the body and the tune's end. A `-` after anything else ties nothing;
 *   - repeat part: `|:`, `::` → 1; `:|` → 4 (0 before any `:|`); an ending 1 (`|1`, `[1`, `:| [1`) → 2, any other
 *     (`:|2`, `[2`) → 3; `||`, `|]`, `[|` end a second ending (→ 4) but leave a first ending (abc2midi plays it on
 *     to its `:|`) and an open `|:`; a part label `P:B` ends an ending (→ 1 if a `|:` was open before it, else 0
 *     or 4, as `RepeatSigns.part` reads it) and leaves an open `|:` open. The tune's start resets it;
 *   - phrase part: each bar line that closes a bar with music counts one, but not the one that decides a short
 *     pickup; a section start resets the count to 0; a first ending remembers the count it starts at and a later
 *     ending starts from it again (`|: … [1 …:| [2 …`: both endings are the same bars of the part).
 * Never throws, whatever it reads.
 */
export class MetricTracker {
  private reader = new Reader();
  private col = 0;
  /** Writes the first layout's states (`METRIC_LAYOUT_V1`). */
  private readonly v1: boolean;

  /** `layout`: the states to write, `METRIC_FEATURES` (default) or `METRIC_LAYOUT_V1` (what a model was trained with). */
  constructor(readonly layout: readonly number[] = METRIC_FEATURES) {
    if (!isMetricLayout(layout)) {
      throw new Error(`MetricTracker: expected the layout [${METRIC_FEATURES.join(', ')}] or [${METRIC_LAYOUT_V1.join(', ')}], but got ${JSON.stringify(layout)}`);
    }
    this.v1 = layout.length === METRIC_LAYOUT_V1.length;
  }

  /**
   * Reads one symbol — usually one character; a longer token is read character by character — and returns the
   * state after it.
   */
  push(symbol: string): number {
    if (symbol.length === 1) this.char(symbol);
    else for (const c of symbol) this.char(c);
    return this.reader.state(this.v1);
  }

  /** The state after the last symbol read (0 before any). */
  get state(): number {
    return this.reader.state(this.v1);
  }

  /** An independent copy that goes on from here (a sampler's beam, a look-ahead). */
  clone(): MetricTracker {
    const c = new MetricTracker(this.layout);
    c.reader = this.reader.clone();
    c.col = this.col;
    return c;
  }

  private char(c: string): void {
    // A byte-order mark belongs to the file, not to the line it starts.
    if (c === '\uFEFF' && this.col === 0) return;
    this.reader.feed(c, this.col);
    this.col = c === '\n' ? 0 : this.col + 1;
  }
}

/**
 * The state after each symbol, as pushing them one by one into a fresh `MetricTracker` gives. A string is read
 * as its code points (one state per code point, as `Array.from(text)` cuts a character vocabulary).
 */
export function metricStates(symbols: readonly string[] | string, layout: readonly number[] = METRIC_FEATURES): Int32Array {
  const tracker = new MetricTracker(layout);
  if (typeof symbols !== 'string') {
    const out = new Int32Array(symbols.length);
    for (let i = 0; i < symbols.length; i++) out[i] = tracker.push(symbols[i]);
    return out;
  }
  const s = symbols;
  const out = new Int32Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    // A surrogate pair is one code point.
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) {
        out[n++] = tracker.push(s.slice(i, i + 2));
        i++;
        continue;
      }
    }
    out[n++] = tracker.push(s[i]);
  }
  return n === s.length ? out : out.slice(0, n);
}
