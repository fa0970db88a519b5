/**
 * The canonical shapes of @tunelab/abc. Every module of tunelab that touches ABC speaks `Tune`
 * (as magenta speaks NoteSequence): the dataset builds vocabularies from its tokens, eval counts its
 * findings, the dashboard shows them with line:column. Everything here is plain data (structured-clone safe).
 */

/** An exact rational number, always reduced, `den > 0`. Durations are fractions of a whole note. */
export interface Fraction {
  readonly num: number;
  readonly den: number;
}

/** One tune cut out of a file: from its `X:` line up to (not including) the blank line that ends it. */
export interface SourceTune {
  /** The file it came from (a path, or `<text>` when parsed from a string). */
  file: string;
  /** 1-based line of the tune's `X:` field in that file. */
  line: number;
  /** 0-based position of the tune in the file. */
  index: number;
  /** The tune's exact lines, each with its line terminator (the last one may lack it at end of file). */
  text: string;
}

/**
 * A whole file split into tunes and the text between them, so it can be rebuilt byte for byte:
 * `gaps[0] + tunes[0].text + gaps[1] + tunes[1].text + … + gaps[n]` is the file (`gaps.length === tunes.length + 1`).
 * Gaps hold blank lines, the file header (comments, fields before the first `X:`) and free text.
 */
export interface SourceFile {
  file: string;
  tunes: SourceTune[];
  gaps: string[];
}

export type Severity = 'error' | 'warning';

/** A problem found in a tune. Positions are 1-based and relative to the file (line) and the line (col). */
export interface Finding {
  severity: Severity;
  /** Stable machine-readable code, e.g. `bar-length`, `missing-key`, `unclosed-chord`, `unknown-char`. */
  code: string;
  message: string;
  line: number;
  col: number;
}

/** A header field line (`T:Title`), a mid-tune field line (`K:D` in the body) or an inline field (`[K:D]`). */
export interface HeaderField {
  /** The field letter, e.g. `K`. */
  field: string;
  /** The value with surrounding whitespace and any trailing `%` comment removed. */
  value: string;
  line: number;
  col: number;
  /** The exact source text of the field (for inline fields including the brackets; no line terminator). */
  raw: string;
  /** Where it stands: in the header block, on its own line in the body, or inline `[K:…]` in a music line. */
  place: 'header' | 'body' | 'inline';
}

/**
 * The kinds of token. Tokens partition the tune's text: concatenating every token's `text` gives the
 * tune back byte for byte (that is how `formatTune` works).
 */
export type TokenKind =
  | 'field' // a whole field line `T:Title` (header or mid-tune), without its line terminator
  | 'inline-field' // `[K:D]`
  | 'comment' // `% …` to end of line (also `%%directives`)
  | 'newline' // `\n` or `\r\n`
  | 'space' // spaces and tabs
  | 'continuation' // `\` at the end of a music line
  | 'note' // `^=_` accidentals, pitch, octave marks `',`, length: `^c'3/2`
  | 'rest' // `z x` with length, `Z` multi-bar rest with count
  | 'chord' // `[CEG]2` a whole chord with its length (its notes are in `notes`)
  | 'guitar-chord' // `"Am"`, also annotations `"^text"`
  | 'decoration' // `!trill!`, `+trill+`, `~ . H L M O P S T u v`
  | 'grace' // `{ag}` a whole grace group (takes no time)
  | 'tuplet' // `(3`, `(3:2:3`
  | 'tie' // `-`
  | 'slur-open' // `(`
  | 'slur-close' // `)`
  | 'broken' // `>`, `<`, `>>`, `<<`
  | 'bar' // every bar line: `| || |] [| |: :| :: [1 [2 :|2 |1` …
  | 'ending' // a `[1` / `[2` (or `[1,3`) variant ending not attached to a bar line
  | 'spacer' // `y`, `$`, and the backquote beaming spacer
  | 'overlay' // `&`: the music after it, up to the bar line, sounds together with the music before it
  | 'unknown'; // characters ABC does not define here, or letters reserved for U: symbols (each run also a finding)

export interface Token {
  kind: TokenKind;
  /** The exact source slice. */
  text: string;
  /** 1-based line and column in the file, 0-based offset into the tune's text. */
  line: number;
  col: number;
  offset: number;
  /** Notes, rests, chords: the sounding duration as a fraction of a whole note, after L:, tuplets and broken rhythm. Grace notes: zero. */
  duration?: Fraction;
  /** Notes: the pitch spelled as written (`^c'`), without length. */
  pitch?: string;
  /** Chords and grace groups: their notes as written, with lengths (`['C2', 'E2']`). */
  notes?: string[];
  /** Multi-bar rests `Z4`: the number of bars. */
  bars?: number;
}

/** The meter in effect, as written (`6/8`, `C|`, `none`; empty when the tune has no M:). */
export interface Meter {
  text: string;
  /** Duration of a full bar as a fraction of a whole note; null for M:none or no M: (no bar-length check). */
  barLength: Fraction | null;
}

/** A bar: the music between two bar lines (or the tune's start/end and a bar line). */
export interface Bar {
  /** 0-based index in the tune. */
  index: number;
  /** Position of the bar's first musical token. */
  line: number;
  col: number;
  /** Total duration of its notes, rests and chords (a multi-bar rest `Z4` counts four bars). */
  duration: Fraction;
  /** The full-bar duration from the M: in effect where the bar starts (null under M:none or without M:). */
  expected: Fraction | null;
  /** The text of the bar line that closes it (`|`, `:|`, `||`, `|]` …) or null when the tune ends without one. */
  closedBy: string | null;
  /**
   * Bar-length verdict: see bars.ts for the rule (anacrusis, repeat halves, endings). A short bar that is
   * completed across a repeat or section line is `ok`; `short`/`long` bars each carry a `bar-length` finding.
   */
  status: 'ok' | 'short' | 'long' | 'unchecked';
}

/** A parsed tune: the one intermediate type of tunelab. */
export interface Tune {
  source: SourceTune;
  /** All fields, in order: the header block, then mid-tune and inline fields. */
  headers: HeaderField[];
  /** The values of the first `X:` and `T:`, if any. */
  number: string | null;
  title: string | null;
  /** The key, meter and unit note length in effect at the end of the header (K: value, or null if missing). */
  key: string | null;
  meter: Meter;
  unitLength: Fraction;
  tokens: Token[];
  bars: Bar[];
  findings: Finding[];
}
