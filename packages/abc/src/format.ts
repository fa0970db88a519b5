import { joinFile } from './split';
import type { ParsedFile } from './parse';
import type { Tune } from './types';

/**
 * Formatting is exact: a tune's tokens partition its source text, so writing them back gives the text byte
 * for byte (also for tunes with findings, whose odd characters sit in `unknown` tokens).
 */

/** The tune's text, rebuilt from its tokens: `formatTune(parseTune(s)) === s.text`. */
export function formatTune(tune: Tune): string {
  let out = '';
  for (const t of tune.tokens) out += t.text;
  return out;
}

/** A whole file, rebuilt from its parsed tunes and the text between them: `formatFile(parseFile(text)) === text`. */
export function formatFile(file: ParsedFile): string {
  return joinFile({ gaps: file.gaps, tunes: file.tunes.map((t) => ({ text: formatTune(t) })) });
}

/**
 * The tune with its reference number set to `n`: its first `X:` line becomes `X:<n>` (a tune without one is
 * given back unchanged). Files of generated tunes are numbered 1, 2, … this way, whatever numbers the model
 * wrote (a model trained on `unnumbered` text writes `X:1` for every tune).
 */
export function numberTune(text: string, n: number): string {
  return text.replace(/^X:[^\n]*/m, `X:${n}`);
}
