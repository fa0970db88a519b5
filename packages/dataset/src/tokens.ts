/**
 * ABC tokens for the `token` vocabulary, folk-rnn style: a note with its accidental, octave marks and length
 * is one token (`^c'3/2`), a chord is its notes between `[` and `]2` (its length), a bar line is one token (`:|`, `||`, `|:`), a chord symbol is one token (`"Am"`),
 * a key/meter/length/part field is one token (`K:D`, `M:6/8`). Free text (titles, sources, comments) is
 * spelled character by character so that no title becomes a symbol seen once.
 *
 * The tokens partition the text: `tokens.join('') === text` for any input, so decode(encode(x)) gives x back
 * and the lexer never fails — a character ABC does not define becomes a token of its own.
 */

/** Fields whose whole line is one token: their values come from small sets (keys, meters, lengths, parts). */
const WHOLE_FIELDS = new Set(['K', 'M', 'L', 'Q', 'P', 'R']);

// Tried in order at each position of a music line; the first that matches wins. Sticky regexes (`y`).
const MUSIC: RegExp[] = [
  /\[[A-Za-z]:[^\]\n]*\]/y, // inline field [K:D]
  /"[^"\n]*"/y, // chord symbol or annotation
  /![^!\n]*!/y, // decoration !trill!
  /(?:\[\||:*\|[|\]]?):*(?:[0-9]+(?:[,-][0-9]+)*)?|::+/y, // bar lines, with a repeat number: |: :| || |] :|2
  /\[[0-9]+(?:[,-][0-9]+)*/y, // variant ending [1 [2
  /[\^=_]*[A-Ga-g][,']*[0-9]*\/*[0-9]*/y, // note with accidental, octave and length
  /[zx][0-9]*\/*[0-9]*|Z[0-9]*/y, // rests
  /\([2-9](?::[0-9]*){0,2}/y, // tuplet (3 (3:2:3
  /[<>]+/y, // broken rhythm
  /\][0-9]*\/*[0-9]*/y, // end of a chord with the chord's length: [CEG]2 is `[` `C` `E` `G` `]2`
  /[ \t]+/y, // a run of spaces
  /\r?\n/y,
];

const FIELD = /[A-Za-z]:/y;
const WHOLE_FIELD = /[A-Za-z]:[^\n%]*?(?=[ \t]*(?:%|\r?\n|$))/y;

/**
 * Splits ABC text into tokens (see the file comment). Works on any text: whole files, one tune, a sample
 * cut anywhere; `abcSymbols(text).join('') === text`.
 */
export function abcSymbols(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  let freeText = false; // rest of a line that is a comment or a free-text field
  while (i < text.length) {
    const lineStart = i === 0 || text[i - 1] === '\n';
    if (lineStart) freeText = false;
    if (freeText) {
      if (text[i] === '\n' || text.startsWith('\r\n', i)) freeText = false;
      else {
        out.push(String.fromCodePoint(text.codePointAt(i)!));
        i += out[out.length - 1].length;
        continue;
      }
    }
    if (text[i] === '%') {
      out.push('%');
      i++;
      freeText = true;
      continue;
    }
    if (lineStart && matchAt(FIELD, text, i)) {
      if (WHOLE_FIELDS.has(text[i])) {
        const m = matchAt(WHOLE_FIELD, text, i)!;
        out.push(m);
        i += m.length;
      } else {
        out.push(text.slice(i, i + 2));
        i += 2;
        freeText = true;
      }
      continue;
    }
    let matched: string | null = null;
    for (const re of MUSIC) {
      matched = matchAt(re, text, i);
      if (matched) break;
    }
    if (!matched) matched = String.fromCodePoint(text.codePointAt(i)!);
    out.push(matched);
    i += matched.length;
  }
  return out;
}

function matchAt(re: RegExp, text: string, at: number): string | null {
  re.lastIndex = at;
  const m = re.exec(text);
  return m && m[0].length > 0 ? m[0] : null;
}
