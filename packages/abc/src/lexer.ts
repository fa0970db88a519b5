import { chordSymbolProblem } from './chord-symbols';
import type { Finding, Token, TokenKind } from './types';

/**
 * The ABC lexer. It cuts a tune's text into tokens that partition it exactly (every byte lands in one token,
 * so joining the tokens' text gives the tune back) and reports lexical problems as findings. It never throws:
 * a character it cannot place becomes an `unknown` token and an `unknown-char` finding.
 */

export interface LexResult {
  tokens: Token[];
  findings: Finding[];
}

/** `^c'3/2`: accidental, pitch letter, octave marks, length. */
// Sticky (`y`) patterns matched in place with `at()`: slicing the rest of the line for every token would
// make long lines quadratic.
const NOTE = /(\^\^|\^|__|_|=)?([A-Ga-g])([',]*)(\d*(?:\/\d*)*)/y;
const REST = /([zx])(\d*(?:\/\d*)*)/y;
const MULTI_REST = /([ZX])(\d*)/y;
const LENGTH = /\d*(?:\/\d*)*/y;
/** Every bar line ABC 2.1 knows (`| || |] [| |: :| :: :|: [|:` …) with an optional variant number (`:|2`, `|1`). */
export const BAR = /(?::*(?:\[\||\|\]|\|+)(?:\]|:+)?|:{2,})(\d+(?:[,-]\d+)*)?/y;
const ENDING = /\[\d+(?:[,-]\d+)*/y;
const TUPLET = /\((\d+)(?::(\d*)(?::(\d*))?)?/y;
const INLINE_FIELD = /\[[A-Za-z]:/y;
const LINE_END_BACKSLASH = /\\[ \t]*(%.*)?$/y;
/** A line that is a field: a letter (or `+` for a continued field) and a colon in column 1. */
export const FIELD_LINE = /^[A-Za-z+]:/;
const SINGLE_DECORATIONS = '~.HLMOPSTuv';

/** Matches a sticky pattern at position i of s. */
function at(re: RegExp, s: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(s);
}

interface Ctx {
  tokens: Token[];
  findings: Finding[];
  line: number;
  lineStart: number;
}

function push(ctx: Ctx, kind: TokenKind, text: string, i: number, extra?: Partial<Token>): Token {
  const token: Token = { kind, text, line: ctx.line, col: i + 1, offset: ctx.lineStart + i };
  if (extra) Object.assign(token, extra);
  ctx.tokens.push(token);
  return token;
}

function find(ctx: Ctx, code: string, message: string, i: number, severity: 'error' | 'warning' = 'error'): void {
  ctx.findings.push({ severity, code, message, line: ctx.line, col: i + 1 });
}

/** Splits a line into content and terminator (`\n`, `\r\n` or nothing). */
function cutTerminator(line: string): [string, string] {
  if (line.endsWith('\r\n')) return [line.slice(0, -2), '\r\n'];
  if (line.endsWith('\n')) return [line.slice(0, -1), '\n'];
  return [line, ''];
}

/**
 * Lexes a tune. `firstLine` is the file line of the text's first line (for positions).
 * Header lines and mid-tune field lines become one `field` token each; music lines are lexed symbol by symbol.
 */
export function lexTune(text: string, firstLine = 1): LexResult {
  const ctx: Ctx = { tokens: [], findings: [], line: firstLine, lineStart: 0 };
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl + 1;
    const [content, terminator] = cutTerminator(text.slice(start, end));
    ctx.lineStart = start;
    if (content.startsWith('%')) push(ctx, 'comment', content, 0);
    else if (FIELD_LINE.test(content)) push(ctx, 'field', content, 0);
    else lexMusicLine(ctx, content);
    if (terminator) push(ctx, 'newline', terminator, content.length);
    ctx.line++;
    start = end;
  }
  return { tokens: ctx.tokens, findings: ctx.findings };
}

/** Lexes one line of music (no terminator). */
function lexMusicLine(ctx: Ctx, s: string): void {
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i];
    let m: RegExpExecArray | null;
    if (c === ' ' || c === '\t') {
      let j = i + 1;
      while (j < n && (s[j] === ' ' || s[j] === '\t')) j++;
      push(ctx, 'space', s.slice(i, j), i);
      i = j;
    } else if (c === '%') {
      push(ctx, 'comment', s.slice(i), i);
      i = n;
    } else if (c === '\\') {
      push(ctx, 'continuation', c, i);
      if (!at(LINE_END_BACKSLASH, s, i)) find(ctx, 'stray-backslash', 'a backslash continues a line only at its end', i);
      i++;
    } else if (c === '"') {
      const j = s.indexOf('"', i + 1);
      if (j < 0) {
        find(ctx, 'unclosed-quote', 'unclosed guitar chord or annotation: no closing " on this line', i);
        push(ctx, 'guitar-chord', s.slice(i), i);
        i = n;
      } else {
        const inner = s.slice(i + 1, j);
        const problem = chordSymbolProblem(inner);
        if (problem) find(ctx, 'bad-chord-symbol', `chord symbol ${problem}`, i);
        else if (inner === '') find(ctx, 'empty-chord-symbol', 'empty chord symbol ""', i, 'warning');
        push(ctx, 'guitar-chord', s.slice(i, j + 1), i);
        i = j + 1;
      }
    } else if (c === '!' || c === '+') {
      const j = s.indexOf(c, i + 1);
      const body = j < 0 ? '' : s.slice(i + 1, j);
      if (j > i + 1 && !/[\s|"[\]]/.test(body)) {
        push(ctx, 'decoration', s.slice(i, j + 1), i);
        i = j + 1;
      } else {
        find(ctx, 'unclosed-decoration', `unclosed decoration: no closing ${c} on this line`, i);
        push(ctx, 'unknown', c, i);
        i++;
      }
    } else if (SINGLE_DECORATIONS.includes(c)) {
      push(ctx, 'decoration', c, i);
      i++;
    } else if (c === '{') {
      i = lexGrace(ctx, s, i);
    } else if (c === '(') {
      if ((m = at(TUPLET, s, i))) {
        push(ctx, 'tuplet', m[0], i);
        i += m[0].length;
      } else {
        push(ctx, 'slur-open', c, i);
        i++;
      }
    } else if (c === ')') {
      push(ctx, 'slur-close', c, i);
      i++;
    } else if (c === '-') {
      push(ctx, 'tie', c, i);
      i++;
    } else if (c === '>' || c === '<') {
      let j = i + 1;
      while (j < n && s[j] === c) j++;
      push(ctx, 'broken', s.slice(i, j), i);
      i = j;
    } else if (c === '[') {
      i = lexBracket(ctx, s, i);
    } else if ((m = at(BAR, s, i))) {
      if (/\|\|\|/.test(m[0])) find(ctx, 'odd-bar-line', `bar line ${m[0]} is not one ABC 2.1 defines (read here as a double bar)`, i, 'warning');
      push(ctx, 'bar', m[0], i);
      i += m[0].length;
    } else if ((m = at(NOTE, s, i))) {
      // `c,` and `C'` are ABC 2.1, but abc2midi stops at them ("Bad pitch specifier"): write `C` and `c`.
      if ((m[3].includes(',') && m[2] >= 'a') || (m[3].includes("'") && m[2] <= 'G')) {
        find(ctx, 'bad-octave', `${m[2]}${m[3]}: write octaves as c' (lower case, up) and C, (upper case, down)`, i);
      }
      push(ctx, 'note', m[0], i, { pitch: m[0].slice(0, m[0].length - m[4].length) });
      i += m[0].length;
    } else if ((m = at(REST, s, i))) {
      push(ctx, 'rest', m[0], i);
      i += m[0].length;
    } else if ((m = at(MULTI_REST, s, i))) {
      push(ctx, 'rest', m[0], i, { bars: m[2] ? Number(m[2]) : 1 });
      i += m[0].length;
    } else if (c === '&') {
      push(ctx, 'overlay', c, i);
      i++;
    } else if (c === 'y' || c === '`' || c === '$') {
      push(ctx, 'spacer', c, i);
      i++;
    } else {
      // One unknown token per run of unknown characters keeps the finding list short on garbage input.
      let j = i + 1;
      if (/[A-Za-z]/.test(c)) {
        // Letters that are not notes, rests or predefined decorations are reserved for user-defined symbols
        // (ABC 2.1 §4.16, `U:`): ignored with a warning, as abc2midi does.
        while (j < n && /[A-Za-z]/.test(s[j]) && isUnknownStart(s, j)) j++;
        const run = s.slice(i, j);
        find(ctx, 'reserved-symbol', `'${run}' is not music: letters other than notes and rests are reserved for symbols defined with U:; ignored`, i, 'warning');
        push(ctx, 'unknown', run, i);
        i = j;
        continue;
      }
      while (j < n && isUnknownStart(s, j) && !/[A-Za-z]/.test(s[j])) j++;
      const what = describe(c);
      find(ctx, 'unknown-char', `unexpected ${what} in the music`, i);
      push(ctx, 'unknown', s.slice(i, j), i);
      i = j;
    }
  }
}

function describe(c: string): string {
  if (/\d/.test(c)) return `number '${c}' (a length must follow a note, rest or chord)`;
  if (c === '^' || c === '_' || c === '=') return `accidental '${c}' without a note`;
  const code = c.charCodeAt(0);
  if (code < 32 || code > 126) return `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `character '${c}'`;
}

/** Characters that would start some token; used to end a run of unknown characters. */
function isUnknownStart(s: string, j: number): boolean {
  const c = s[j];
  if (/[\s%\\"!+{}()\-<>[\]|:zxZXy`$&]/.test(c) || SINGLE_DECORATIONS.includes(c)) return false;
  return !at(NOTE, s, j);
}

/** `{…}` grace notes: one token; their notes are recorded, they take no time. */
function lexGrace(ctx: Ctx, s: string, i: number): number {
  const j = s.indexOf('}', i + 1);
  const nested = s.indexOf('{', i + 1);
  if (j < 0 || (nested >= 0 && nested < j)) {
    find(ctx, 'unclosed-grace', 'unclosed grace notes: no closing } on this line', i);
    push(ctx, 'unknown', '{', i);
    return i + 1;
  }
  const body = s.slice(i + 1, j);
  const notes: string[] = [];
  let k = 0;
  if (body.startsWith('/')) k = 1; // acciaccatura
  while (k < body.length) {
    const m = at(NOTE, body, k);
    if (m) {
      notes.push(m[0]);
      k += m[0].length;
    } else if (body[k] === ' ' || body[k] === '-') {
      k++;
    } else {
      find(ctx, 'bad-grace', `unexpected '${body[k]}' in grace notes (only notes belong between { and })`, i + 1 + k);
      k++;
    }
  }
  if (notes.length === 0) find(ctx, 'bad-grace', 'empty grace notes {}', i);
  push(ctx, 'grace', s.slice(i, j + 1), i, { notes });
  return j + 1;
}

/** `[` starts a chord, an inline field `[K:D]`, a bar line `[|`, or a variant ending `[1`. */
function lexBracket(ctx: Ctx, s: string, i: number): number {
  let m: RegExpExecArray | null;
  if (at(INLINE_FIELD, s, i)) {
    const j = s.indexOf(']', i);
    if (j < 0) {
      find(ctx, 'unclosed-field', `unclosed inline field ${s.slice(i, i + 3)}: no closing ] on this line`, i);
      push(ctx, 'inline-field', s.slice(i), i);
      return s.length;
    }
    push(ctx, 'inline-field', s.slice(i, j + 1), i);
    return j + 1;
  }
  if ((m = at(BAR, s, i))) {
    push(ctx, 'bar', m[0], i);
    return i + m[0].length;
  }
  if ((m = at(ENDING, s, i))) {
    push(ctx, 'ending', m[0], i);
    return i + m[0].length;
  }
  // A chord: notes up to the closing bracket, then the chord's length.
  const notes: string[] = [];
  const problems: [number, string][] = [];
  let k = i + 1;
  while (k < s.length && s[k] !== ']') {
    const nm = at(NOTE, s, k);
    if (nm) {
      notes.push(nm[0]);
      k += nm[0].length;
    } else if (s[k] === '[' || s[k] === '|' || s[k] === '"' || s[k] === '%') {
      break;
    } else if (s[k] === '-') {
      // ABC 2.1 ties a chord's note this way; abc2midi often loses such ties ("Time mismatch at tie").
      find(ctx, 'chord-tie', 'a tie inside a chord: abc2midi may not find its note (tie single notes instead)', k, 'warning');
      k++;
    } else if (s[k] === ' ' || SINGLE_DECORATIONS.includes(s[k])) {
      k++;
    } else if (s[k] === '!') {
      const e = s.indexOf('!', k + 1);
      k = e < 0 ? k + 1 : e + 1;
    } else {
      problems.push([k, `unexpected '${s[k]}' in a chord (only notes belong between [ and ])`]);
      k++;
    }
  }
  if (s[k] !== ']') {
    find(ctx, 'unclosed-chord', 'unclosed chord: no closing ] before the end of the chord', i);
    push(ctx, 'unknown', '[', i);
    return i + 1;
  }
  for (const [at, message] of problems) find(ctx, 'bad-chord', message, at);
  if (notes.length === 0) find(ctx, 'bad-chord', 'empty chord []', i);
  const len = at(LENGTH, s, k + 1)![0].length;
  push(ctx, 'chord', s.slice(i, k + 1 + len), i, { notes });
  return k + 1 + len;
}
