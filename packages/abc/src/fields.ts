import { frac, parseFraction } from './fraction';
import type { Fraction, Meter } from './types';

/**
 * Information fields: which letters ABC 2.1 defines, where they may stand, and how the ones that drive
 * durations (M:, L:) and the key (K:) are read.
 */

/** Field letters of ABC 2.1 (§3.1) and whether they may also appear in the tune body (on their own line or inline). */
const FIELDS: Record<string, { name: string; body: boolean }> = {
  A: { name: 'area', body: false },
  B: { name: 'book', body: false },
  C: { name: 'composer', body: false },
  D: { name: 'discography', body: false },
  F: { name: 'file url', body: false },
  G: { name: 'group', body: false },
  H: { name: 'history', body: false },
  I: { name: 'instruction', body: true },
  K: { name: 'key', body: true },
  L: { name: 'unit note length', body: true },
  M: { name: 'meter', body: true },
  m: { name: 'macro', body: true },
  N: { name: 'notes', body: true },
  O: { name: 'origin', body: false },
  P: { name: 'parts', body: true },
  Q: { name: 'tempo', body: true },
  R: { name: 'rhythm', body: true },
  r: { name: 'remark', body: true },
  S: { name: 'source', body: false },
  s: { name: 'symbol line', body: true },
  T: { name: 'title', body: true },
  U: { name: 'user defined', body: true },
  V: { name: 'voice', body: true },
  W: { name: 'words', body: true },
  w: { name: 'words', body: true },
  X: { name: 'reference number', body: false },
  Z: { name: 'transcription', body: false },
  '+': { name: 'field continuation', body: true },
};

/** Whether ABC 2.1 defines the field letter. */
export function isKnownField(letter: string): boolean {
  return letter in FIELDS;
}

/** Whether the field may appear after K: (in the tune body). Unknown letters answer true (they only get a warning). */
export function allowedInBody(letter: string): boolean {
  return FIELDS[letter]?.body ?? true;
}

/** Drops a trailing `%` comment and surrounding whitespace from a field value. */
export function fieldValue(raw: string): string {
  const pct = raw.indexOf('%');
  return (pct >= 0 ? raw.slice(0, pct) : raw).trim();
}

/** Reads an M: value: `6/8`, `C` (4/4), `C|` (2/2), `none`, `2+3/8`, `(2+2+3)/8`. Null when unreadable. */
export function parseMeter(value: string): Meter | null {
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'none') return { text: v, barLength: null };
  if (v === 'C') return { text: v, barLength: frac(4, 4) };
  if (v === 'C|') return { text: v, barLength: frac(2, 2) };
  // One way to read each space (`\s*\)?\s*` could split a run of spaces many ways: quadratic on `1   …x`).
  const m = /^\(?\s*(\d+(?:\s*\+\s*\d+)*)\s*(?:\)\s*)?\/\s*(\d+)$/.exec(v);
  if (!m) return null;
  const num = m[1].split('+').reduce((a, b) => a + Number(b), 0);
  const den = Number(m[2]);
  if (num <= 0 || den <= 0) return null;
  return { text: v, barLength: frac(num, den) };
}

/**
 * Whether a meter is compound (6/8, 9/8, 12/8 …: the numerator a multiple of 3 above 3), which changes the
 * default of `(5`, `(7`, `(9` tuplets (ABC 2.1 §4.13).
 */
export function isCompound(meter: Meter): boolean {
  const m = /^(\d+)\s*\/\s*\d+$/.exec(meter.text);
  if (!m) return false;
  const n = Number(m[1]);
  return n > 3 && n % 3 === 0;
}

/** Reads an L: value: `1/8`, `1/16`, `1`. Null when unreadable. */
export function parseUnitLength(value: string): Fraction | null {
  return parseFraction(value);
}

/**
 * ABC 2.1 §3.1.7: without L:, the unit note length is 1/16 when the meter's value is below 0.75
 * (2/4, 3/8 …) and 1/8 otherwise (also for M:none, M:C and no M: at all).
 */
export function defaultUnitLength(meter: Meter | null): Fraction {
  const b = meter?.barLength;
  if (b && b.num * 4 < b.den * 3) return frac(1, 16);
  return frac(1, 8);
}

const KEY = /^(?:none|HP|Hp|[A-G][#b]?\s*(?:m|min|minor|maj|major|ion|ionian|dor|dorian|phr|phrygian|lyd|lydian|mix|mixolydian|aeo|aeolian|loc|locrian)?)(?:\s|$|(?=[\^_=]))/i;

/** Whether a K: value starts with a key ABC 2.1 knows (tonic + mode, `none`, `HP`); clefs and accidentals may follow. */
export function isValidKey(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  // Key values such as `clef=bass` alone also set no tonic; ABC 2.1 allows that (treated as C).
  if (/^(clef|middle|transpose|octave|stafflines)=/i.test(v)) return true;
  return KEY.test(v);
}
