import type { SampledTune } from '@tunelab/model';
import { COPY_SHARE, tuneNovelty } from './novelty';
import type { ReferenceCorpus } from './reference';

/** How many copies in a row one requested tune may draw before the request fails. */
export const MAX_COPY_TRIES = 5;

export interface DrawOptions {
  /** How many tunes to hand out. */
  n: number;
  /** Hand out copies of training tunes as they come (no reference is needed then). Default false. */
  allowCopies?: boolean;
  /** Draws per requested tune before giving up; default {@link MAX_COPY_TRIES}. */
  maxTries?: number;
}

/** A tune as handed out, with the copies drawn and discarded for its slot. */
export type DrawnTune<T extends { text: string } = SampledTune> = T & { redraws: number };

export interface DrawResult<T extends { text: string } = SampledTune> {
  tunes: DrawnTune<T>[];
  /** Copies discarded over all slots (the sum of the tunes' `redraws`). */
  copiesRedrawn: number;
}

/**
 * The model wrote only copies of training tunes for one requested tune, `tries` times in a row. The request
 * fails rather than hand one out. Carries what was drawn until then, so a caller that only measures (the
 * training-time eval) can still report it. The message ends without a remedy: each caller names its own
 * way to allow copies (`--allow-copies`, the dashboard's checkbox).
 */
export class CopiesError extends Error {
  constructor(
    /** 0-based slot that failed, of `n` requested. */
    readonly slot: number,
    readonly n: number,
    readonly tries: number,
    /** The reference tune the last copy came from. */
    readonly nearest: string | null,
    /** Copies discarded so far, the failing slot's included. */
    readonly copiesRedrawn: number,
    /** The tunes accepted before the failing slot. */
    readonly accepted: readonly DrawnTune<{ text: string }>[],
  ) {
    super(
      `tune ${slot + 1} of ${n}: ${tries} draws in a row were copies of training tunes (≥${Math.round(COPY_SHARE * 100)}% of the body ` +
        `as one span of ${nearest ?? 'a training tune'}); refusing to hand out a copy`,
    );
    this.name = 'CopiesError';
  }
}

type TuneSource<T> = AsyncIterable<T> | AsyncIterator<T>;

function iteratorOf<T>(source: TuneSource<T>): AsyncIterator<T> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source;
}

/**
 * Takes `n` tunes from a stream of samples (`Sampler.stream`: one seeded random stream, so a redrawn tune is
 * simply the next one and the whole result stays reproducible from the seed), never handing out a copy: a
 * tune the eval's copy rule flags (`tuneNovelty(text, reference).copy`, one training tune holds ≥80% of its
 * body as one span) is discarded and the next one drawn, up to `maxTries` draws per requested tune; after that
 * many copies in a row it throws a {@link CopiesError}. `allowCopies: true` hands out the first `n` tunes as
 * they are (`reference` may then be null). Closes the stream when done (its `return()`), so a sampler's state
 * is reset.
 */
export async function drawNovelTunes<T extends { text: string } = SampledTune>(
  source: TuneSource<T>,
  reference: ReferenceCorpus | null,
  options: DrawOptions,
): Promise<DrawResult<T>> {
  const { n, allowCopies = false, maxTries = MAX_COPY_TRIES } = options;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`drawNovelTunes: expected n to be an integer >= 0, but got ${n}`);
  if (!Number.isInteger(maxTries) || maxTries < 1) throw new RangeError(`drawNovelTunes: expected maxTries to be a positive integer, but got ${maxTries}`);
  if (!allowCopies && !reference) throw new Error('drawNovelTunes: a reference corpus is needed to refuse copies (or pass allowCopies: true)');
  const it = iteratorOf(source);
  const tunes: DrawnTune<T>[] = [];
  let copiesRedrawn = 0;
  const next = async (): Promise<T> => {
    const r = await it.next();
    if (r.done) throw new Error(`drawNovelTunes: the stream of tunes ended after ${tunes.length + copiesRedrawn} tunes, before ${n} were drawn`);
    return r.value;
  };
  try {
    for (let slot = 0; slot < n; slot++) {
      let redraws = 0;
      for (;;) {
        const tune = await next();
        const novelty = allowCopies ? null : tuneNovelty(tune.text, reference!);
        if (!novelty?.copy) {
          tunes.push({ ...tune, redraws });
          break;
        }
        redraws++;
        copiesRedrawn++;
        if (redraws >= maxTries) throw new CopiesError(slot, n, redraws, novelty.nearest, copiesRedrawn, tunes);
      }
    }
  } finally {
    await it.return?.();
  }
  return { tunes, copiesRedrawn };
}
