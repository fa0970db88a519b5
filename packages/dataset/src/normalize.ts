/**
 * `normalized` preprocessing: a tune rebuilt without what a model should not spend capacity on.
 * Dropped: comment lines and trailing `%` comments, and the fields S: (source), Z: (transcriber),
 * N: (notes), H: (history) — free text that differs per tune. Kept fields are written `X:1`, not `X: 1`;
 * trailing whitespace goes; every other character of the music is kept as written.
 */
import type { SourceTune } from '@tunelab/abc';

const DROPPED_FIELDS = new Set(['S', 'Z', 'N', 'H']);

/** The normalized text of one tune, ending with its newline (empty when nothing is left). */
export function normalizeTune(tune: SourceTune): string {
  const out: string[] = [];
  for (const rawLine of tune.text.split('\n')) {
    const line = stripComment(rawLine.replace(/\r$/, '')).replace(/[ \t]+$/, '');
    if (line.length === 0) continue;
    const field = /^([A-Za-z]):(.*)$/.exec(line);
    if (field) {
      if (DROPPED_FIELDS.has(field[1])) continue;
      out.push(`${field[1]}:${field[2].trim()}`);
    } else out.push(line);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** Drops a `%` comment; a `%` inside a "quoted" chord or annotation, or escaped `\%`, is text. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\') i++;
    else if (c === '%' && !quoted) return line.slice(0, i);
  }
  return line;
}
