import { parseTune } from '@tunelab/abc';
import { bodyBars, tuneBody } from './body';
import { SuffixAutomaton } from './suffix-automaton';

/** A tune of the reference corpus as callers have it: a `CorpusTune`, a `SourceTune`, or just text. */
export interface ReferenceTuneInput {
  text: string;
  file?: string;
  index?: number;
}

/** One reference tune, named so that a report can say which tune a sample is nearest to. */
export interface ReferenceTune {
  /** `file#index` (index 0-based in its file), or `#i` (position in the reference) when no file was given. */
  id: string;
  file: string | null;
  index: number;
  body: string;
}

/**
 * The corpus samples are compared against (a run's training split), indexed once and reused for every
 * evaluation of a trial: a generalized suffix automaton over the tunes' bodies and the set of their bars.
 * Plain data plus the automaton; build it with `buildReference`.
 */
export interface ReferenceCorpus {
  readonly tunes: readonly ReferenceTune[];
  /** The original texts, for distributions (parsed lazily, once). */
  readonly texts: readonly string[];
  readonly automaton: SuffixAutomaton;
  readonly bars: ReadonlySet<string>;
}

/**
 * Indexes reference tunes for novelty. Cost is linear in the reference's size (about 0.1 s for the 340
 * Nottingham jigs); build it once per trial, not per evaluation.
 */
export function buildReference(tunes: readonly ReferenceTuneInput[]): ReferenceCorpus {
  const refs: ReferenceTune[] = tunes.map((t, i) => ({
    id: t.file !== undefined ? `${t.file}#${t.index ?? i}` : `#${i}`,
    file: t.file ?? null,
    index: t.index ?? i,
    body: tuneBody(t.text),
  }));
  const bars = new Set<string>();
  for (const r of refs) for (const b of bodyBars(r.body)) bars.add(b);
  return {
    tunes: refs,
    texts: tunes.map((t) => t.text),
    automaton: new SuffixAutomaton(refs.map((r) => r.body)),
    bars,
  };
}

/**
 * The tunes of a reference in one meter (`6/8`: the jigs of a corpus of every kind), as a reference of their
 * own. A tune's meter is the one in effect at the end of its header, as the distributions count it (spaces
 * ignored); an `M:` change in the body does not move a tune. Costs a parse of every tune and a new index.
 */
export function referenceOfMeter(reference: ReferenceCorpus, meter: string): ReferenceCorpus {
  const want = meter.replace(/\s+/g, '');
  const kept: ReferenceTuneInput[] = [];
  reference.texts.forEach((text, i) => {
    const tune = parseTune({ file: '<reference>', line: 1, index: i, text });
    if (tune.meter.text.replace(/\s+/g, '') !== want) return;
    const ref = reference.tunes[i];
    kept.push({ text, ...(ref.file !== null ? { file: ref.file } : {}), index: ref.index });
  });
  return buildReference(kept);
}
