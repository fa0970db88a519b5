import { parseTune } from '@tunelab/abc';
import type { RunConfig } from '@tunelab/config';
import { loadCorpus, splitCorpus } from '@tunelab/dataset';
import { HUMAN_PLAYER_PREFIX } from '@tunelab/store';

/**
 * The held-out human tunes of a run's corpus: its test split, which no trial trained on. In blind listening
 * they are one player (`human:<corpus>-<files>-test`), the anchor every checkpoint's rating is measured against.
 */
export interface HumanTuneSet {
  /** The player's id: `human:nottingham-jigs-test`. */
  source: string;
  /** The tunes' ABC, in corpus order (a tune's index is its place here). */
  tunes: readonly string[];
}

/** The human tunes for a run config; null when it holds out no test tunes or its corpus cannot be read. */
export type HumanTuneProvider = (config: RunConfig) => Promise<HumanTuneSet | null>;

/** `human:nottingham-jigs-test`: the player name of a data config's test split. */
export function humanSource(config: RunConfig): string {
  const d = config.data as { corpus?: unknown; files?: unknown };
  const files = Array.isArray(d.files) ? d.files.join('+') : '';
  return `${HUMAN_PLAYER_PREFIX}${String(d.corpus ?? 'corpus')}${files ? `-${files}` : ''}-test`;
}

/** The test split through @tunelab/dataset, one load per data config (offline or no corpus: null). */
export function corpusHumanTunes(): HumanTuneProvider {
  const cache = new Map<string, Promise<HumanTuneSet | null>>();
  return (config) => {
    if (!(config.data.split.test > 0)) return Promise.resolve(null);
    const key = JSON.stringify(config.data);
    let set = cache.get(key);
    if (!set) {
      set = loadCorpus(config.data)
        .then((corpus) => {
          const tunes = splitCorpus(corpus, config.data.split).test.map((t) => t.text);
          return tunes.length > 0 ? { source: humanSource(config), tunes } : null;
        })
        .catch(() => null);
      cache.set(key, set);
    }
    return set;
  };
}

/** A tune's meter (`6/8`), spaces removed; '' when it has none. */
export function tuneMeter(abc: string): string {
  return parseTune({ file: '<tune>', line: 1, index: 0, text: abc }).meter.text.replace(/\s+/g, '');
}

/**
 * A tune as a blind listener gets it: no title, composer, origin, notes or other words that could say who
 * wrote it (T: C: O: A: B: D: F: G: H: N: R: S: W: w: Z: lines and % comments); the music and its M: L: Q: K: stay.
 */
export function blindAbc(abc: string): string {
  return abc
    .split('\n')
    .filter((line) => !/^\s*[TCOABDFGHNRSWwZ]:/.test(line) && !/^\s*%/.test(line))
    .join('\n');
}
