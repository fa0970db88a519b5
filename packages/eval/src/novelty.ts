import { bodyBars, tuneBody } from './body';
import type { ReferenceCorpus } from './reference';

/**
 * A tune is a copy when one reference tune contains at least this share of its body as one verbatim span
 * (the model must learn patterns, not copy training tunes).
 */
export const COPY_SHARE = 0.8;

/** How new one tune is against the reference. Lengths are in characters of the body. */
export interface TuneNovelty {
  bodyLength: number;
  /** The longest span of the body found verbatim in a single reference tune. */
  lcs: number;
  /** That span (cut to 200 characters, for reports). */
  lcsText: string;
  /** lcs / bodyLength (0 for an empty body). */
  lcsShare: number;
  /** The reference tune that holds the longest span (null when nothing matched). */
  nearest: string | null;
  copy: boolean;
  /** Bars of the body, and how many of them occur (normalized) somewhere in the reference. */
  bars: number;
  barsInReference: number;
}

/**
 * Novelty of one tune: the longest span of its body found verbatim in any one reference tune (never across
 * two), the share of its bars the reference holds, its nearest reference tune, and whether it is a copy.
 * An empty body is never a copy.
 */
export function tuneNovelty(text: string, reference: ReferenceCorpus): TuneNovelty {
  const body = tuneBody(text);
  const m = reference.automaton.longestMatch(body);
  const bars = bodyBars(body);
  const barsInReference = bars.filter((b) => reference.bars.has(b)).length;
  return {
    bodyLength: body.length,
    lcs: m.length,
    lcsText: body.slice(m.start, m.start + Math.min(m.length, 200)),
    lcsShare: body.length === 0 ? 0 : m.length / body.length,
    nearest: m.doc >= 0 ? reference.tunes[m.doc].id : null,
    copy: body.length > 0 && m.length >= COPY_SHARE * body.length,
    bars: bars.length,
    barsInReference,
  };
}
