/**
 * Chord symbols ("guitar chords") and annotations in double quotes (ABC 2.1 §4.18 and §4.19).
 * `"Am7/G"` is a chord symbol: <note><accidental><type></bass>. Text that starts with ^ _ < > @ is an
 * annotation placed around the note. Anything else in quotes is neither; tunelab reports it, as abc2midi does.
 * Like abc2midi, tunelab also accepts a lower-case note (`"f#"`): the original Nottingham files write bass
 * notes that way.
 *
 * The grammar is one small automaton, read a character at a time in linear time (no backtracking, whatever
 * the input). The checker of finished tunes asks whether a whole text is a chord symbol; the incremental
 * checker a sampler uses asks whether a text written so far can still become one. One definition serves both.
 *
 *   symbols := part (space+ part)* space*        part := "("? root type? ("/" bass)? ")"?
 *   root    := [A-Ga-g] [#b]?                    bass := [A-Ga-g] [#b]? [,']* "+"?
 *   type    := one of CHORD_TYPES
 *
 * ABC 2.1 leaves the chord types open; the ones here are those abc2midi plays (found by asking abc2midi 4.x
 * about each candidate: `"Gadd9"`, `"G13"`, `"Gmin"`, `"G7b9"` … are "Unrecognized chord name" errors there).
 * The Nottingham files use '', 7, m, m7, 6, m6 and, three times, 7b9.
 */

const ANNOTATION = /^[\^_<>@]/;
/** The chord types abc2midi knows (and the empty type, a major triad). */
export const CHORD_TYPES: readonly string[] = ['m', '7', 'm7', 'm7b5', 'maj7', 'M7', '6', 'm6', 'aug', '+', 'aug7', 'dim', 'dim7', '9', 'm9', 'maj9', 'M9', '11', 'dim9', 'sus', 'sus2', 'sus4', 'sus9', '7sus2', '7sus4', '7sus9', '5'];
const TYPE_PREFIXES = new Set(CHORD_TYPES.flatMap((t) => Array.from({ length: t.length }, (_, i) => t.slice(0, i + 1))));
const NOTE_LETTER = /[A-Ga-g]/;

/**
 * Where the automaton can be: a stage of `part` and, inside a type word, the letters read so far.
 * Stages: 0 before a part ("(" allowed), 1 before the root letter, 2 after the root (accidental allowed),
 * 3 in the type, 4 after "/", 5 after the bass letter (accidental allowed), 6 after the bass accidental or
 * octave marks, 7 after "+", 8 after ")", 9 spaces after a part.
 * In stage 3 `word` is the type read so far (a prefix of one of CHORD_TYPES).
 */
interface ChordPosition {
  stage: number;
  word: string;
}

/** The positions after reading `c` from one position (none when `c` cannot come there). */
function stepPosition(p: ChordPosition, c: string, out: ChordPosition[]): void {
  const { stage, word } = p;
  if (stage === 0 && c === '(') return void out.push({ stage: 1, word: '' });
  if ((stage === 0 || stage === 1) && NOTE_LETTER.test(c)) return void out.push({ stage: 2, word: '' });
  if (stage === 9) {
    if (c === ' ' || c === '\t') out.push(p);
    else stepPosition({ stage: 0, word: '' }, c, out);
    return;
  }
  if (stage === 2 && (c === '#' || c === 'b')) out.push({ stage: 3, word: '' });
  if (stage === 2 || stage === 3) {
    const w = word + c;
    if (TYPE_PREFIXES.has(w)) out.push({ stage: 3, word: w });
    if (word === '' || CHORD_TYPES.includes(word)) {
      if (c === '/') out.push({ stage: 4, word: '' });
      if (c === ')') out.push({ stage: 8, word: '' });
      if (c === ' ' || c === '\t') out.push({ stage: 9, word: '' });
    }
    return;
  }
  if (stage === 4) {
    if (NOTE_LETTER.test(c)) out.push({ stage: 5, word: '' });
    return;
  }
  if (stage >= 5 && stage <= 8) {
    if (stage === 5 && (c === '#' || c === 'b')) out.push({ stage: 6, word: '' });
    if ((stage === 5 || stage === 6) && (c === ',' || c === "'")) out.push({ stage: 6, word: '' });
    if (stage <= 6 && c === '+') out.push({ stage: 7, word: '' });
    if (stage <= 7 && c === ')') out.push({ stage: 8, word: '' });
    if (c === ' ' || c === '\t') out.push({ stage: 9, word: '' });
  }
}

/** Whether a position ends a whole chord symbol. */
function accepting(p: ChordPosition): boolean {
  return (p.stage >= 2 && p.stage <= 3 && (p.word === '' || CHORD_TYPES.includes(p.word))) || p.stage >= 5;
}

/** The fewest characters from a position to an accepting one. */
function charsToAccept(p: ChordPosition): number {
  if (accepting(p)) return 0;
  if (p.stage === 3) return Math.min(...CHORD_TYPES.filter((t) => t.startsWith(p.word)).map((t) => t.length - p.word.length));
  return 1; // a root or bass letter
}

/**
 * Reads the text between the quotes one character at a time; `undefined` once no chord symbol can start
 * with what has been read. Positions are deduplicated, so each step costs a small constant.
 */
export class ChordSymbolReader {
  private positions: ChordPosition[] | undefined = [{ stage: 0, word: '' }];
  /** The text is an annotation (`"^text"`): anything may follow. */
  private annotation = false;
  private empty = true;

  /** Reads one character; returns whether the text can still become a chord symbol or an annotation. */
  push(c: string): boolean {
    if (this.empty) {
      this.empty = false;
      if (ANNOTATION.test(c)) {
        this.annotation = true;
        return true;
      }
    }
    if (this.annotation) return true;
    if (!this.positions) return false;
    const next: ChordPosition[] = [];
    for (const p of this.positions) stepPosition(p, c, next);
    const unique = new Map(next.map((p) => [`${p.stage}:${p.word}`, p]));
    this.positions = unique.size > 0 ? [...unique.values()] : undefined;
    return this.positions !== undefined;
  }

  /** Whether the text read so far, closed now, is a chord symbol (or several) or an annotation. Empty counts. */
  get complete(): boolean {
    return this.empty || this.annotation || (this.positions?.some(accepting) ?? false);
  }

  /** The fewest characters that finish the text read so far as a chord symbol (0 when it is one). */
  get charsToComplete(): number {
    if (this.empty || this.annotation) return 0;
    if (!this.positions) return Infinity;
    return Math.min(...this.positions.map(charsToAccept));
  }

  /** Whether the text read so far can still become one. */
  get viable(): boolean {
    return this.annotation || this.positions !== undefined;
  }

  clone(): ChordSymbolReader {
    const c = new ChordSymbolReader();
    c.positions = this.positions;
    c.annotation = this.annotation;
    c.empty = this.empty;
    return c;
  }
}

/**
 * Checks the text between the quotes. Returns null when it is a chord symbol (or several, space-separated)
 * or an annotation, else a reason.
 */
export function chordSymbolProblem(inner: string): string | null {
  if (inner === '') return null; // `""` says nothing; reported apart, as a warning
  if (ANNOTATION.test(inner)) return null;
  if (/^\s/.test(inner)) return `"${inner}" starts with a space (the note must come first)`;
  const reader = new ChordSymbolReader();
  for (const c of inner) if (!reader.push(c)) break;
  if (reader.viable && reader.complete) return null;
  if (!/^\(?[A-Ga-g]/.test(inner)) return `"${inner}" does not start with a note A-G or a-g (an annotation would start with ^ _ < > or @)`;
  return `"${inner}" is not a chord symbol abc2midi can play (note, accidental, a type of ${CHORD_TYPES.join(' ')}, then /bass)`;
}
