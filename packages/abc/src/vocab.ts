import { lexTune } from './lexer';

/**
 * ABC tokens for a token-level vocabulary (folk-rnn style): one token per musical symbol rather than per
 * character. A note with its accidental, octave marks and length is one token (`^c'3/2`), so is a bar line
 * (`:|2`), a chord with its length (`[CEG]2`), a grace group (`{ag}`), a guitar chord (`"Am"`), a decoration
 * (`!trill!`), a tuplet (`(3`), a broken-rhythm mark (`>`), a comment, and a whole field line (`M:6/8`).
 *
 * Whitespace policy: by default every run of spaces is a token (`' '`, `'  '`) and every line terminator is a
 * token (`'\n'`), so `abcTokens(text).join('') === text` exactly. With `{ spaces: false }` the runs of spaces and
 * tabs are dropped (terminators stay), so the join gives the text without spaces, which reads back as the same
 * music except where a space separates beamed groups.
 */
export function abcTokens(tuneText: string, options: { spaces?: boolean } = {}): string[] {
  const keepSpaces = options.spaces ?? true;
  const out: string[] = [];
  for (const t of lexTune(tuneText).tokens) {
    if (!keepSpaces && t.kind === 'space') continue;
    out.push(t.text);
  }
  return out;
}
