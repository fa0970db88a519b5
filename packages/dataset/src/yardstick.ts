/**
 * The one yardstick every run is compared by: the held-out Nottingham jigs, each scored from a zero state,
 * bits summed over the symbols of its body and divided by the characters of that body as jigs.abc writes
 * it. The split is made per file (split.ts), so these are the same tunes whatever other files a run adds;
 * the denominator is the file's characters, so the figure is the same measure for any vocabulary or
 * preprocessing (a token model's bits per token summed over the body are still the body's bits).
 */
import type { CorpusTune } from './types';
import type { Vocabulary } from './vocabulary';

/** The file whose held-out tunes are the yardstick (the seed's jigs). */
export const YARDSTICK_FILE = 'nottingham/jigs.abc';

/** One tune ready to score: its symbols, where its body's symbols start, and its body's characters. */
export interface YardstickTune {
  /** The tune's text encoded, shape `[symbols]`; the first symbol is given, every later one is predicted. */
  ids: Int32Array;
  /** Index into `ids` of the body's first symbol (the header before it conditions the prediction). */
  bodyFrom: number;
  /** Characters of the body as the corpus file writes it (the bits' denominator). */
  bodyChars: number;
}

/**
 * Offset where a tune's body starts: just after its first line that starts with `K:` (the header's end);
 * the text's length when there is no such line (then the tune has no body).
 */
export function bodyStart(text: string): number {
  const m = /^K:.*(\n|$)/m.exec(text);
  return m ? m.index + m[0].length : text.length;
}

/**
 * The yardstick tunes among `tunes` (those from {@link YARDSTICK_FILE}), encoded with `vocab`: header and
 * body are encoded apart, so a tokenizer never merges across the header's last newline. Tunes with no body
 * are left out. Empty when the run's corpus does not hold the jigs.
 */
export function yardstickTunes(tunes: readonly CorpusTune[], vocab: Vocabulary): YardstickTune[] {
  const out: YardstickTune[] = [];
  for (const t of tunes) {
    if (t.file !== YARDSTICK_FILE) continue;
    const at = bodyStart(t.text);
    if (at >= t.text.length) continue;
    const header = vocab.encode(t.text.slice(0, at));
    const body = vocab.encode(t.text.slice(at));
    const ids = new Int32Array(header.length + body.length);
    ids.set(header);
    ids.set(body, header.length);
    out.push({ ids, bodyFrom: header.length, bodyChars: t.bodyChars ?? t.text.length - at });
  }
  return out;
}
