import { InputError } from '@tunelab/config';
import { lexTune } from './lexer';
import { fieldValue } from './fields';
import { splitFile } from './split';
import type { Token } from './types';

/**
 * Transposition: a tune moved by n semitones, spelled as a musician would.
 *
 * - The key: each K: (header, body line, inline `[K:…]`) moves its tonic by n semitones; of the spellings of
 *   the new tonic, the one whose signature (for the key's mode) has the fewest sharps or flats wins
 *   (a tie at six: sharps stay sharps, flats and C stay flats). The mode and everything after it are kept.
 * - The notes move by the interval from the old tonic to the new one (letters move by the same number of
 *   steps), so a note of the old key is a plain letter of the new key and a chromatic note keeps its
 *   function (D major's E♯ becomes E major's F𝄪). An accidental is written where the original wrote one
 *   (cautionary ones stay) and otherwise only where the new key signature and the accidentals already written
 *   in the bar (ABC 2.1: to the end of the bar, in that octave only) would give another pitch.
 *   Octaves are written as the corpus does: `C,` below middle C, `c'` above the second octave.
 * - Chord symbols (`"Am7"`, `"D7/F#"`, `"G/b"`): root and bass move by the same interval; a double sharp or
 *   flat there is respelled (guitarists read `"G"`, not `"F##"`). Annotations (`"^text"`) stay.
 * - Every other character stays: lengths, bar lines, decorations, grace notes, comments, other fields.
 */

/** The modes ABC 2.1 knows, folded: `aeolian` is `minor`, `ionian` is `major`. */
export type KeyMode = 'major' | 'minor' | 'dorian' | 'phrygian' | 'lydian' | 'mixolydian' | 'locrian';

/** A K: value read: tonic, mode, signature, and where the tonic stands in the value (to rewrite it). */
export interface KeyInfo {
  /** `F#`, `Bb`, `A`. */
  tonic: string;
  mode: KeyMode;
  /** Sharps (positive) or flats (negative) in the signature, e.g. 2 for D major and for E dorian. */
  sharps: number;
}

const LETTERS = 'CDEFGAB';
/** Semitones above C of each letter (C D E F G A B). */
const NATURAL = [0, 2, 4, 5, 7, 9, 11];
/** Position on the circle of fifths (C = 0) of each natural letter. */
const FIFTHS: Record<string, number> = { F: -1, C: 0, G: 1, D: 2, A: 3, E: 4, B: 5 };
/** Signature of each mode relative to major on the same tonic (A dorian has G major's: 3 − 2 = 1 sharp). */
const MODE_OFFSET: Record<KeyMode, number> = { major: 0, lydian: 1, mixolydian: -1, dorian: -2, minor: -3, phrygian: -4, locrian: -5 };
/** Mode words by their first three letters (ABC 2.1 §3.1.14: only those count, in any case). */
const MODE_WORDS: Record<string, KeyMode> = {
  maj: 'major',
  ion: 'major',
  min: 'minor',
  aeo: 'minor',
  dor: 'dorian',
  phr: 'phrygian',
  lyd: 'lydian',
  mix: 'mixolydian',
  loc: 'locrian',
};
const ACCIDENTAL_TEXT: Record<number, string> = { [-2]: '__', [-1]: '_', 0: '=', 1: '^', 2: '^^' };
/** A note's pitch part: accidental, letter, octave marks (the lexer's NOTE without the length). */
const PITCH = /(\^\^|\^|__|_|=)?([A-Ga-g])([',]*)/y;

const mod = (a: number, m: number) => ((a % m) + m) % m;

/** Splits a K: value into the tonic (with its place) and the rest. */
interface KeyParts {
  info: KeyInfo;
  /** Offset of the tonic in the value string and its length (`F#` is 2). */
  at: number;
  length: number;
}

function readKeyParts(value: string): KeyParts | { problem: string } {
  const m = /^(\s*)([A-G])([#b]?)/.exec(value);
  if (!m) {
    const v = fieldValue(value);
    if (v === '' || /^(none|clef=|middle=|transpose=|octave=|stafflines=)/i.test(v)) return { problem: `K:${v} sets no tonic` };
    if (/^h[p]/i.test(v)) return { problem: `K:${v} is a bagpipe key` };
    return { problem: `K:${v} does not start with a tonic A-G` };
  }
  const rest = value.slice(m[0].length);
  const w = /^\s*([A-Za-z]*)(.?)/.exec(rest)!;
  let mode: KeyMode = 'major';
  // `K:A clef=bass`: a word followed by `=` is a key=value pair, not a mode.
  if (w[1] !== '' && w[2] !== '=') {
    const word = w[1].toLowerCase();
    const found = word === 'm' ? 'minor' : MODE_WORDS[word.slice(0, 3)];
    if (!found) return { problem: `K:${fieldValue(value)}: unknown mode '${w[1]}'` };
    mode = found;
  }
  if (/(^|\s)[_^=]+[A-Ga-g]/.test(fieldValue(rest))) return { problem: `K:${fieldValue(value)}: explicit accidentals in a key signature are not transposed` };
  const fifths = FIFTHS[m[2]] + (m[3] === '#' ? 7 : m[3] === 'b' ? -7 : 0);
  return { info: { tonic: m[2] + m[3], mode, sharps: fifths + MODE_OFFSET[mode] }, at: m[1].length, length: m[2].length + m[3].length };
}

/**
 * Reads a K: value (`G`, `Em`, `A dor`, `F#mix % comment`, `Bb minor clef=bass`): tonic, mode and signature.
 * Null for values that set no tonic (`none`, `HP`, empty), an unknown mode, or explicit accidentals.
 */
export function readKey(value: string): KeyInfo | null {
  const r = readKeyParts(value);
  return 'info' in r ? r.info : null;
}

/** Accidental (−1, 0, +1 …) of each letter C…B under a signature of `sharps`. */
function signatureAccidentals(sharps: number): number[] {
  const acc = [0, 0, 0, 0, 0, 0, 0];
  const order = sharps >= 0 ? 'FCGDAEB' : 'BEADGCF';
  for (let i = 0; i < Math.abs(sharps); i++) acc[LETTERS.indexOf(order[i % 7])] += Math.sign(sharps);
  return acc;
}

/** Spelling of a tonic at a position on the circle of fifths (−7 … 7 → Cb … C#). */
function tonicAt(fifths: number): string {
  const letter = 'FCGDAEB'[mod(fifths + 1, 7)];
  const accidentals = Math.floor((fifths + 1) / 7);
  return letter + (accidentals > 0 ? '#'.repeat(accidentals) : 'b'.repeat(-accidentals));
}

/** A transposition in force under one key: semitones and the number of letter steps. */
interface Shift {
  semitones: number;
  steps: number;
}

/** The new key for a key moved by n semitones, and the letter steps that go with it. */
function transposeKey(info: KeyInfo, n: number): { tonic: string; sharps: number; shift: Shift } {
  const offset = MODE_OFFSET[info.mode];
  // Moving up a semitone is 7 steps on the circle of fifths; of the candidates (mod 12) keep the signature
  // with the fewest accidentals.
  const base = info.sharps + 7 * n;
  let best: number | null = null;
  for (let k = -20; k <= 20; k++) {
    const s = base + 12 * k;
    if (Math.abs(s) > 7) continue;
    if (
      best === null ||
      Math.abs(s) < Math.abs(best) ||
      // A tie (six sharps or six flats): keep the side the old key was on (C counts as flats).
      (Math.abs(s) === Math.abs(best) && (info.sharps > 0 ? s > 0 : s < 0))
    ) {
      best = s;
    }
  }
  const sharps = best!;
  const tonic = tonicAt(sharps - offset);
  const from = LETTERS.indexOf(info.tonic[0]);
  const to = LETTERS.indexOf(tonic[0]);
  const d0 = mod(to - from, 7);
  // Of the step counts congruent to d0, the one whose size in semitones is nearest n (n = 12 is 7 steps).
  const steps = d0 + 7 * Math.round(((n * 7) / 12 - d0) / 7);
  return { tonic, sharps, shift: { semitones: n, steps } };
}

/** A note read: letter index (C = 0), octave (C = 0 is middle C's octave, c = 1), written accidental or null. */
interface NoteName {
  letter: number;
  octave: number;
  accidental: number | null;
}

function readPitch(m: RegExpExecArray): NoteName {
  const [, acc, letter, marks] = m;
  let octave = letter >= 'a' ? 1 : 0;
  for (const c of marks) octave += c === "'" ? 1 : -1;
  const accidental = acc === undefined ? null : acc === '=' ? 0 : acc[0] === '^' ? acc.length : -acc.length;
  return { letter: LETTERS.indexOf(letter.toUpperCase()), octave, accidental };
}

function writePitch(letter: number, octave: number, accidental: number | null): string {
  const name = LETTERS[letter];
  const acc = accidental === null ? '' : ACCIDENTAL_TEXT[accidental];
  if (octave >= 1) return acc + name.toLowerCase() + "'".repeat(octave - 1);
  return acc + name + ','.repeat(-octave);
}

/** MIDI number of a letter, octave and accidental (middle C, `C`, is 60). */
const midi = (letter: number, octave: number, accidental: number) => 60 + NATURAL[letter] + 12 * octave + accidental;

/**
 * Accidentals in force: the key signature, and those written earlier in the bar (ABC 2.1 §4.2: to the end of
 * the bar, for notes of the same pitch letter in the same octave).
 */
class Accidentals {
  private signature = [0, 0, 0, 0, 0, 0, 0];
  private bar = new Map<number, number>();

  setKey(sharps: number): void {
    this.signature = signatureAccidentals(sharps);
    this.bar.clear();
  }

  newBar(): void {
    this.bar.clear();
  }

  get(letter: number, octave: number): number {
    return this.bar.get(letter + 7 * octave) ?? this.signature[letter];
  }

  /** The accidental a note sounds with (its own, or the one in force); records its own for the bar. */
  read(note: NoteName): number {
    if (note.accidental === null) return this.get(note.letter, note.octave);
    this.bar.set(note.letter + 7 * note.octave, note.accidental);
    return note.accidental;
  }
}

/** Where a problem stands, for `InputError`. */
interface Place {
  file: string;
  token: Token;
}

function fail(message: string, place: Place): never {
  throw new InputError(message, `${place.file}:${place.token.line}:${place.token.col}`);
}

/** Transposes one tune's worth of tokens; the state carries the keys in force. */
class Transposer {
  private readonly input = new Accidentals();
  private readonly output = new Accidentals();
  private shift: Shift | null = null;

  constructor(
    private readonly semitones: number,
    private readonly file: string,
  ) {}

  token(t: Token): string {
    switch (t.kind) {
      case 'field':
        return /^K:/.test(t.text) ? this.keyField(t, 2, t.text.length) : t.text;
      case 'inline-field':
        return /^\[K:/.test(t.text) ? this.keyField(t, 3, t.text.endsWith(']') ? t.text.length - 1 : t.text.length) : t.text;
      case 'bar':
        this.input.newBar();
        this.output.newBar();
        return t.text;
      case 'note':
      case 'grace':
        return this.notes(t, t.text, 0);
      case 'chord':
        return this.notes(t, t.text, 1);
      case 'guitar-chord':
        return this.chordSymbol(t);
      default:
        return t.text;
    }
  }

  /** Rewrites the tonic of a K: field whose value is `t.text.slice(from, to)`. */
  private keyField(t: Token, from: number, to: number): string {
    const value = t.text.slice(from, to);
    const parts = readKeyParts(value);
    if ('problem' in parts) fail(`cannot transpose: ${parts.problem}`, { file: this.file, token: t });
    const moved = transposeKey(parts.info, this.semitones);
    this.shift = moved.shift;
    this.input.setKey(parts.info.sharps);
    this.output.setKey(moved.sharps);
    const at = from + parts.at;
    return t.text.slice(0, at) + moved.tonic + t.text.slice(at + parts.length);
  }

  /** Rewrites every note in a note, grace or chord token's text (from `start`), skipping `!…!` decorations. */
  private notes(t: Token, text: string, start: number): string {
    const shift = this.shift ?? fail('cannot transpose: music before the first K: field', { file: this.file, token: t });
    let out = text.slice(0, start);
    let i = start;
    while (i < text.length) {
      const c = text[i];
      if (c === ']' && t.kind === 'chord') return out + text.slice(i);
      if (c === '!') {
        const j = text.indexOf('!', i + 1);
        const end = j < 0 ? text.length : j + 1;
        out += text.slice(i, end);
        i = end;
        continue;
      }
      PITCH.lastIndex = i;
      const m = PITCH.exec(text);
      if (!m) {
        out += c;
        i++;
        continue;
      }
      out += this.note(readPitch(m), shift);
      i += m[0].length;
      // A note token is one note: its length follows.
      if (t.kind === 'note') return out + text.slice(i);
    }
    return out;
  }

  private note(note: NoteName, shift: Shift): string {
    const pitch = midi(note.letter, note.octave, this.input.read(note)) + shift.semitones;
    const step = note.letter + 7 * note.octave + shift.steps;
    let letter = mod(step, 7);
    let octave = Math.floor(step / 7);
    let accidental = pitch - midi(letter, octave, 0);
    if (Math.abs(accidental) > 2) {
      // A triple sharp or flat (a double one moved further): the neighbouring letter, written out.
      const down = accidental > 0 ? 1 : -1;
      letter = mod(step + down, 7);
      octave = Math.floor((step + down) / 7);
      accidental = pitch - midi(letter, octave, 0);
    }
    const written = note.accidental !== null || this.output.get(letter, octave) !== accidental ? accidental : null;
    this.output.read({ letter, octave, accidental: written });
    return writePitch(letter, octave, written);
  }

  /** `"Am7/G"`: root and bass moved; annotations (`"^text"`) and words that start with no note kept. */
  private chordSymbol(t: Token): string {
    const inner = t.text.slice(1, t.text.endsWith('"') && t.text.length > 1 ? -1 : undefined);
    if (inner === '' || /^[\^_<>@]/.test(inner)) return t.text;
    const shift = this.shift ?? fail('cannot transpose: a chord symbol before the first K: field', { file: this.file, token: t });
    const parts = inner.split(/(\s+)/);
    const CHORD = /^(\(?)([A-Ga-g])([#b]?)([^/]*)(?:\/([A-Ga-g])([#b]?)(.*))?$/;
    // Each word that starts with a note is moved (`"D m"`, a stray space in the corpus, is D minor).
    const moved = parts.map((p, i) => {
      if (i % 2 === 1 || !CHORD.test(p)) return p;
      const [, open, root, rootAcc, type, bass, bassAcc, rest] = CHORD.exec(p)!;
      let s = open + this.chordNote(root, rootAcc, shift) + type;
      if (bass !== undefined) s += `/${this.chordNote(bass, bassAcc, shift)}${rest}`;
      return s;
    });
    return `"${moved.join('')}${t.text.endsWith('"') && t.text.length > 1 ? '"' : ''}`;
  }

  /** A chord symbol's root or bass (`F#`, `bb`) moved, in the same case; double accidentals respelled. */
  private chordNote(letter: string, acc: string, shift: Shift): string {
    const from = LETTERS.indexOf(letter.toUpperCase());
    const pc = NATURAL[from] + (acc === '#' ? 1 : acc === 'b' ? -1 : 0) + shift.semitones;
    let to = mod(from + shift.steps, 7);
    let a = mod(pc - NATURAL[to] + 6, 12) - 6;
    if (Math.abs(a) > 1) {
      to = mod(to + Math.sign(a), 7);
      a = mod(pc - NATURAL[to] + 6, 12) - 6;
    }
    const name = letter === letter.toLowerCase() ? LETTERS[to].toLowerCase() : LETTERS[to];
    return name + (a > 0 ? '#'.repeat(a) : 'b'.repeat(-a));
  }
}

/** Options of `transposeTune`: where the text comes from, for error positions. */
export interface TransposeOptions {
  /** File name in error positions; default `<text>`. */
  file?: string;
  /** File line of the text's first line; default 1. */
  line?: number;
}

/**
 * Moves one tune (its whole text, header included) by `semitones` (negative: down), spelled as a musician
 * would (see the module comment). `0` gives the text back unchanged. Every character other than notes,
 * accidentals, K: tonics and chord-symbol roots and basses is kept.
 *
 * @throws InputError naming `file:line:col` when a K: cannot be transposed (`K:none`, `K:HP`, an unknown
 *   mode, explicit accidentals) or music comes before any K:.
 */
export function transposeTune(text: string, semitones: number, options: TransposeOptions = {}): string {
  if (!Number.isInteger(semitones)) throw new InputError(`cannot transpose by ${semitones} semitones: a whole number is needed`);
  if (semitones === 0) return text;
  const transposer = new Transposer(semitones, options.file ?? '<text>');
  const { tokens } = lexTune(text, options.line ?? 1);
  return tokens.map((t) => transposer.token(t)).join('');
}

/**
 * Moves every tune of a file's text by `semitones` (see `transposeTune`); the text between tunes (file
 * header, blank lines, free text) is kept as it is.
 *
 * @throws InputError naming `file:line:col` of the first K: that cannot be transposed.
 */
export function transposeFile(text: string, semitones: number, file = '<text>'): string {
  const { tunes, gaps } = splitFile(text, file);
  let out = gaps[0];
  tunes.forEach((t, i) => {
    out += transposeTune(t.text, semitones, { file, line: t.line }) + gaps[i + 1];
  });
  return out;
}

/**
 * The MIDI pitches a tune's notes sound (grace notes and chord notes included, in the order written; middle
 * C = 60): letters and octave marks, the K: signature in force, and accidentals to the end of the bar in
 * their octave (ABC 2.1, as abc2midi plays them). Ties and `%%propagate-accidentals` are not read.
 *
 * @throws InputError when a K: sets no readable key (`K:none` reads as C) or music comes before any K:.
 */
export function soundingPitches(text: string, file = '<text>'): number[] {
  const state = new Accidentals();
  let keyed = false;
  const pitches: number[] = [];
  for (const t of lexTune(text).tokens) {
    const key = t.kind === 'field' && /^K:/.test(t.text) ? t.text.slice(2) : t.kind === 'inline-field' && /^\[K:/.test(t.text) ? t.text.slice(3, -1) : null;
    if (key !== null) {
      const info = readKey(key);
      if (!info && fieldValue(key).toLowerCase() !== 'none') fail(`cannot read the key K:${fieldValue(key)}`, { file, token: t });
      state.setKey(info?.sharps ?? 0);
      keyed = true;
    } else if (t.kind === 'bar') {
      state.newBar();
    } else if (t.kind === 'note' || t.kind === 'chord' || t.kind === 'grace') {
      if (!keyed) fail('music before the first K: field', { file, token: t });
      for (const written of t.kind === 'note' ? [t.text] : (t.notes ?? [])) {
        PITCH.lastIndex = 0;
        const m = PITCH.exec(written);
        if (!m) continue;
        const note = readPitch(m);
        pitches.push(midi(note.letter, note.octave, state.read(note)));
      }
    }
  }
  return pitches;
}
