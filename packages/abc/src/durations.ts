import { ONE, ZERO, frac, mul } from './fraction';
import { isCompound } from './fields';
import type { Finding, Fraction, Meter, Token } from './types';

const LENGTHS = new Map<string, Fraction>();

/**
 * Assigns every note, rest and chord its sounding duration (a fraction of a whole note) after the unit
 * length, tuplets and broken rhythm, and checks the things that pair symbols up: broken rhythm needs a note
 * on both sides, a tie needs the same pitch on both sides, slurs open and close.
 * Reads the unit length and meter in effect from `state` as the caller walks the body.
 */

/** `3/2`, `/`, `//`, `/4` → a multiple of the unit length. */
export function lengthMultiplier(text: string): Fraction {
  if (text === '') return ONE;
  // A tune uses a handful of distinct lengths; remembering them keeps the pattern off the hot path.
  const known = LENGTHS.get(text);
  if (known) return known;
  const m = /^(\d*)((?:\/\d*)*)$/.exec(text);
  if (!m) return ONE;
  const num = m[1] ? Number(m[1]) : 1;
  let den = 1;
  for (const part of m[2].split('/').slice(1)) den *= part ? Number(part) : 2;
  const f = frac(num, den);
  if (LENGTHS.size < 1000) LENGTHS.set(text, f);
  return f;
}

/** The length suffix of a note or rest token (`^c'3/2` → `3/2`). */
export function lengthText(token: Token): string {
  if (token.kind === 'note') return token.text.slice(token.pitch?.length ?? 0);
  if (token.kind === 'rest') return token.text.slice(1);
  if (token.kind === 'chord') return token.text.slice(token.text.lastIndexOf(']') + 1);
  return '';
}

/** Letter + octave, case folded (`c` → `C1`, `C,` → `C-1`): the pitch a tie must keep (accidentals aside). */
export function pitchKey(note: string): string {
  const m = /([A-Ga-g])([',]*)/.exec(note);
  if (!m) return '';
  let octave = m[1] === m[1].toLowerCase() ? 1 : 0;
  for (const c of m[2]) octave += c === "'" ? 1 : -1;
  return `${m[1].toUpperCase()}${octave}`;
}

/**
 * A tuplet `(p:q:r`: p notes in the time of q, for the next r notes (ABC 2.1 §4.13; q defaults by p and by
 * whether the meter is compound). `valid` is false for p outside 2..9 (`bad-tuplet`).
 */
export function tupletSpec(text: string, meter: Meter): { p: number; ratio: Fraction; notes: number; valid: boolean } | null {
  const m = /^\((\d+)(?::(\d*)(?::(\d*))?)?/.exec(text);
  if (!m) return null;
  const p = Number(m[1]);
  const compound = isCompound(meter);
  const defaultQ = [2, 4, 8].includes(p) ? 3 : [3, 6].includes(p) ? 2 : compound ? 3 : 2;
  const q = m[2] ? Number(m[2]) : defaultQ;
  const r = m[3] ? Number(m[3]) : p;
  const valid = p >= 2 && p <= 9;
  if (p <= 0 || q <= 0 || r <= 0) return { p, ratio: ONE, notes: 0, valid };
  return { p, ratio: frac(q, p), notes: r, valid };
}

/**
 * Broken rhythm `>` dots the first note and halves the second; `>>` and `>>>` go on (7/4 + 1/4, 15/8 + 1/8);
 * `<` the other way. Returns the factors for the note before and the note after; null beyond three marks.
 */
export function brokenFactors(text: string): [Fraction, Fraction] | null {
  const k = text.length;
  if (k > 3) return null;
  const small = frac(1, 2 ** k);
  const big = frac(2 ** (k + 1) - 1, 2 ** k);
  return text[0] === '>' ? [big, small] : [small, big];
}

/** ABC 2.1 §4.17: a chord lasts as long as its first note, times the length after the bracket (in units of L:). */
/** The length written on a note of a chord (`c3/2` → `3/2`; `c` → ''). */
export function chordNoteLength(note: string): string {
  return note.slice(/^[\^_=]*[A-Ga-g][',]*/.exec(note)?.[0].length ?? 0);
}

export function chordMultiplier(notes: readonly string[], chordLength: string): Fraction {
  let len = lengthMultiplier(chordLength);
  if (notes.length > 0) {
    const first = notes[0];
    len = mul(len, lengthMultiplier(first.slice(/^[\^_=]*[A-Ga-g][',]*/.exec(first)?.[0].length ?? 0)));
  }
  return len;
}

export interface DurationState {
  unitLength: Fraction;
  meter: Meter;
}

interface Tuplet {
  ratio: Fraction;
  left: number;
  token: Token;
}

/** Walks the body tokens in order; `onField` is called for fields so the caller can update `state`. */
export class DurationPass {
  private tuplet: Tuplet | null = null;
  private lastTimed: Token | null = null;
  private lastNoteOrChord: Token | null = null;
  private broken: { next: Fraction; token: Token; prev: Token; prevDuration: Fraction } | null = null;
  private tie: { from: Token; tie: Token } | null = null;
  private slurs: Token[] = [];
  /** Chord symbols (not annotations) since the last note, rest or chord. */
  private gchords: Token[] = [];
  private decoration: Token | null = null;
  /** The last token that is not a space, line end or comment. */
  private previous: Token | null = null;
  constructor(
    private readonly state: DurationState,
    private readonly findings: Finding[],
  ) {}

  private find(code: string, message: string, at: Token, severity: 'error' | 'warning' = 'error'): void {
    this.findings.push({ severity, code, message, line: at.line, col: at.col });
  }

  /** Processes one body token. */
  step(t: Token): void {
    this.decorates(t);
    this.stepKind(t);
    if (t.kind !== 'space' && t.kind !== 'newline' && t.kind !== 'comment' && t.kind !== 'continuation') this.previous = t;
  }

  private stepKind(t: Token): void {
    switch (t.kind) {
      case 'note':
      case 'rest':
      case 'chord':
        this.timed(t);
        break;
      case 'grace':
        t.duration = ZERO;
        break;
      case 'tuplet':
        this.startTuplet(t);
        break;
      case 'broken':
        this.startBroken(t);
        break;
      case 'tie':
        // Right after its note (spaces aside): abc2midi finds no note before a tie after a chord symbol,
        // a decoration or another tie.
        if (!this.lastNoteOrChord || this.lastTimed !== this.lastNoteOrChord || this.previous !== this.lastNoteOrChord) {
          this.find('dangling-tie', 'tie - without a note right before it', t);
        } else {
          if (this.lastNoteOrChord.kind === 'chord') {
            this.find('chord-tie', `tie after the chord ${this.lastNoteOrChord.text}: abc2midi cannot always find the notes it joins (tie single notes)`, t, 'warning');
          }
          this.tie = { from: this.lastNoteOrChord, tie: t };
        }
        break;
      case 'slur-open':
        // abc2midi: "Slur within slur"; no Nottingham tune opens one inside another.
        if (this.slurs.length > 0) this.find('nested-slur', 'slur ( opens inside an open slur', t, 'warning');
        this.slurs.push(t);
        break;
      case 'guitar-chord':
        if (!isAnnotation(t.text)) {
          this.gchords.push(t);
          // Two name an alternative harmony for one note (171 times in the Nottingham tunes); three never.
          if (this.gchords.length === 3) this.find('gchord-run', `three chord symbols in a row (${this.gchords.map((g) => g.text).join('')}) with no note between`, t, 'warning');
        }
        break;
      case 'slur-close':
        if (!this.slurs.pop()) this.find('unmatched-slur', 'slur end ) without a slur start (', t);
        break;
      case 'bar':
      case 'ending':
        this.gchordWithoutNote();
        if (t.kind === 'ending') break;
        if (this.broken) {
          this.find('dangling-broken-rhythm', `broken rhythm ${this.broken.token.text} needs a note after it in the same bar`, this.broken.token);
          this.undoBroken();
        }
        this.lastTimed = null;
        break;
      default:
        break;
    }
  }

  /**
   * A decoration (`~`, `.`, `!trill!` …) belongs to the note right after it, with nothing between but more
   * decorations; abc2midi stops with "Malformed note" otherwise (`~ G`, `~"D"G`, `~|`).
   */
  private decorates(t: Token): void {
    const d = this.decoration;
    if (!d) {
      if (t.kind === 'decoration') this.decoration = t;
      return;
    }
    const adjacent = t.line === d.line && t.offset === d.offset + d.text.length;
    if (adjacent && t.kind === 'decoration') this.decoration = t;
    else {
      if (!adjacent || t.kind !== 'note') this.danglingDecoration();
      this.decoration = null;
    }
  }

  /** A chord symbol names the harmony of the note after it; one before a bar line or the end has none. */
  private gchordWithoutNote(): void {
    if (this.gchords.length > 0) this.find('gchord-without-note', `chord symbol ${this.gchords[0].text} has no note after it in its bar`, this.gchords[0], 'warning');
    this.gchords = [];
  }

  private danglingDecoration(): void {
    this.find('dangling-decoration', `decoration ${this.decoration!.text} must come right before a note`, this.decoration!);
    this.decoration = null;
  }

  private timed(t: Token): void {
    const multiRest = t.kind === 'rest' && t.bars !== undefined;
    let d: Fraction;
    if (multiRest) {
      d = this.state.meter.barLength ? mul(this.state.meter.barLength, frac(t.bars ?? 1)) : ZERO;
    } else {
      const len = t.kind === 'chord' ? chordMultiplier(t.notes ?? [], lengthText(t)) : lengthMultiplier(lengthText(t));
      if (t.kind === 'chord' && new Set((t.notes ?? []).map(chordNoteLength)).size > 1) {
        // abc2midi: "unequal notes in chord", and a tie after such a chord finds no note to tie.
        this.find('chord-unequal', `${t.text}: the notes of a chord have different lengths`, t, 'warning');
      }
      if (t.kind === 'chord' && lengthText(t) !== '' && chordNoteLength(t.notes?.[0] ?? '') !== '') {
        // ABC 2.1 multiplies the two (what tunelab counts); abc2midi takes the length after ] alone.
        this.find('chord-length', `${t.text}: a chord has its length after ] or on its notes, not both (abc2midi ignores the notes' lengths then)`, t, 'warning');
      }
      if (len.num === 0) this.find('zero-length', `${t.text} has length 0 (a length is a positive number, as in A2 or A/2)`, t);
      d = mul(len, this.state.unitLength);
      if (this.broken) {
        d = mul(d, this.broken.next);
        this.broken = null;
      }
      if (this.tuplet) {
        d = mul(d, this.tuplet.ratio);
        if (--this.tuplet.left <= 0) this.tuplet = null;
      }
    }
    t.duration = d;
    this.gchords = [];
    if (this.tie) {
      const from = this.tie.from;
      if (t.kind === 'rest') {
        this.find('tie-to-rest', 'tie - ends on a rest; a tie joins two notes of the same pitch', this.tie.tie);
      } else if (!samePitch(from, t)) {
        this.find('tie-pitch', `tie joins ${pitchText(from)} to ${pitchText(t)}: a tie joins notes of the same pitch (a slur joins different ones)`, this.tie.tie);
      }
      this.tie = null;
    }
    this.lastTimed = t;
    this.lastNoteOrChord = t.kind === 'rest' ? null : t;
  }

  private startTuplet(t: Token): void {
    const spec = tupletSpec(t.text, this.state.meter)!;
    if (!spec.valid) this.find('bad-tuplet', `tuplet (${spec.p} is not one ABC defines (2 to 9 notes)`, t);
    if (this.tuplet) this.find('unfinished-tuplet', `a new tuplet starts before ${this.tuplet.token.text} has its ${this.tuplet.left} remaining notes`, this.tuplet.token, 'warning');
    this.tuplet = spec.notes > 0 ? { ratio: spec.ratio, left: spec.notes, token: t } : null;
  }

  private startBroken(t: Token): void {
    const prev = this.lastTimed;
    const factors = brokenFactors(t.text);
    if (!prev || !prev.duration || !factors) {
      this.find('dangling-broken-rhythm', `broken rhythm ${t.text} needs a note before it in the same bar`, t);
      return;
    }
    const [before, after] = factors;
    this.broken = { next: after, token: t, prev, prevDuration: prev.duration };
    prev.duration = mul(prev.duration, before);
  }

  /** A broken rhythm with nothing after it changes nothing: the note before it keeps its length. */
  private undoBroken(): void {
    if (this.broken) this.broken.prev.duration = this.broken.prevDuration;
    this.broken = null;
  }

  /** Reports what is still open at the end of the tune. */
  finish(): void {
    if (this.decoration) this.danglingDecoration();
    this.gchordWithoutNote();
    for (const s of this.slurs) this.find('unclosed-slur', 'slur ( is never closed', s);
    if (this.broken) {
      this.find('dangling-broken-rhythm', `broken rhythm ${this.broken.token.text} needs a note after it`, this.broken.token);
      this.undoBroken();
    }
    if (this.tuplet) this.find('unfinished-tuplet', `tuplet ${this.tuplet.token.text} ends with ${this.tuplet.left} notes missing`, this.tuplet.token, 'warning');
    if (this.tie) this.find('dangling-tie', 'tie - without a note after it', this.tie.tie);
  }
}

/** `"^text"`, `"_text"`, `"<text"`, `">text"`, `"@text"`: text printed by the staff, not a chord symbol. */
function isAnnotation(text: string): boolean {
  return text.length > 1 && '^_<>@'.includes(text[1]);
}

/** The pitches a note or chord sounds, as `pitchKey`s. */
export function pitches(t: Pick<Token, 'kind' | 'notes' | 'pitch' | 'text'>): string[] {
  if (t.kind === 'chord') return (t.notes ?? []).map(pitchKey);
  return [pitchKey(t.pitch ?? t.text)];
}

/** Whether two notes or chords share a pitch (letter and octave; what a tie must keep). */
export function samePitch(a: Token, b: Token): boolean {
  const pa = pitches(a);
  return pitches(b).some((p) => pa.includes(p));
}

function pitchText(t: Token): string {
  return t.kind === 'chord' ? t.text : (t.pitch ?? t.text);
}
