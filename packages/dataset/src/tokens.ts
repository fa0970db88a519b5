/**
 * ABC tokens for the `token` vocabulary, folk-rnn style, on top of @tunelab/abc's lexer: a note with its
 * accidental, octave marks and length is one token (`^c'3/2`), a bar line is one token (`:|2`), a chord symbol
 * (`"Am"`), a decoration, a tuplet (`(3`), a run of spaces, a line end are one token each.
 *
 * Where this differs from `abcTokens` (whose tokens are whole lexemes), and why: a vocabulary needs symbols
 * that recur, so
 * - a K:/M:/L:/Q:/P:/R: field line stays one token (`K:D`, `M:6/8`: small sets of values), but any other
 *   field is its `T:` prefix then its text character by character, and a comment is `%` then characters —
 *   otherwise every title and source line would be a symbol seen once;
 * - a chord `[CEG]2` is `[`, its notes, then `]2` (the closing bracket with the chord's length), and a grace
 *   group `{ag}` is `{`, its notes, `}` — otherwise every chord voicing would be its own symbol.
 *
 * The tokens still partition the text: `abcSymbols(text).join('') === text` for any text (whole files, one
 * tune, a sample cut anywhere), so decode(encode(x)) gives x back. The lexer never fails: a character ABC does
 * not define is a token of its own.
 */
import { lexTune } from '@tunelab/abc';

/** Fields whose whole line is one token: their values come from small sets (keys, meters, lengths, parts). */
const WHOLE_FIELDS = new Set(['K', 'M', 'L', 'Q', 'P', 'R']);

/** Splits ABC text into vocabulary tokens (see the file comment); `abcSymbols(text).join('') === text`. */
export function abcSymbols(text: string): string[] {
  const out: string[] = [];
  for (const t of lexTune(text).tokens) {
    switch (t.kind) {
      case 'field':
        field(t.text, out);
        break;
      case 'comment':
      case 'unknown': // the lexer groups a run of odd characters; each is its own symbol here
        out.push(...Array.from(t.text));
        break;
      case 'chord':
      case 'grace':
        group(t.text, out);
        break;
      default:
        out.push(t.text);
    }
  }
  return out;
}

/** `K:D % key` → `K:D`, ` `, `%`, ` `, `k`, `e`, `y`; `T:Ab` → `T:`, `A`, `b`. */
function field(text: string, out: string[]): void {
  const m = /^([A-Za-z+]:)([^%]*?)([ \t]*)(%.*)?$/.exec(text);
  if (!m) {
    out.push(...Array.from(text));
    return;
  }
  const [, head, value, spaces, comment] = m;
  if (WHOLE_FIELDS.has(head[0])) out.push(head + value);
  else out.push(head, ...Array.from(value));
  if (spaces) out.push(spaces);
  if (comment) out.push(...Array.from(comment));
}

/** `[CE G]2` → `[`, `C`, `E`, ` `, `G`, `]2`; `{ag}` → `{`, `a`, `g`, `}`. */
function group(text: string, out: string[]): void {
  const close = text[0] === '[' ? ']' : '}';
  const end = text.lastIndexOf(close);
  if (end < 0) {
    out.push(text);
    return;
  }
  out.push(text[0]);
  for (const t of lexTune(text.slice(1, end)).tokens) out.push(t.text);
  out.push(text.slice(end));
}
