/**
 * `normalized` preprocessing: a tune rebuilt from its parse (@tunelab/abc) without what a model should not
 * spend capacity on. Dropped: comments (`%` lines and trailing `% …`), the fields S: (source),
 * Z: (transcriber), N: (notes), H: (history) — free text that differs per tune — and fields ABC 2.1 does not
 * define (the Nottingham files' `Y:AABB` part orders): a model that learns them writes tunes `abc check` refuses. Kept fields are written
 * `X:1`, not `X: 1` (letter, colon, value trimmed); spaces at either end of a line (which ABC ignores there)
 * and lines left empty go. Every token
 * of the music itself is kept as written.
 */
import { isKnownField, parseTune, type SourceTune, type Token } from '@tunelab/abc';

const DROPPED_FIELDS = new Set(['S', 'Z', 'N', 'H']);

/**
 * The normalized text of one tune, ending with its newline (empty when nothing is left). `numbered: false`
 * writes its `X:` as `X:1` (preprocessing `unnumbered`): the numbers are the file's bookkeeping, not music.
 */
export function normalizeTune(tune: SourceTune, options: { numbered?: boolean } = {}): string {
  const lines: Token[][] = [[]];
  for (const t of parseTune(tune).tokens) {
    if (t.kind === 'newline') lines.push([]);
    else lines[lines.length - 1].push(t);
  }
  const out: string[] = [];
  for (const line of lines) {
    const field = line.find((t) => t.kind === 'field');
    let text: string;
    if (field) {
      const m = /^([A-Za-z+]):([^%]*)/.exec(field.text);
      if (!m || DROPPED_FIELDS.has(m[1]) || !isKnownField(m[1])) continue;
      text = m[1] === 'X' && options.numbered === false ? 'X:1' : `${m[1]}:${m[2].trim()}`;
    } else {
      text = line
        .filter((t) => t.kind !== 'comment')
        .map((t) => t.text)
        .join('')
        .trim();
    }
    if (text.length > 0) out.push(text);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
