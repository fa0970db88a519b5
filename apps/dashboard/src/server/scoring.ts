import { meterLabel, parseTune } from '@tunelab/abc';
import type { RunConfig } from '@tunelab/config';
import { loadCorpus, splitCorpus, type Corpus } from '@tunelab/dataset';
import { buildReference, checkWithAbc2midi, tuneNovelty, tuneValidity, type ReferenceCorpus } from '@tunelab/eval';
import type { CorpusMeter, TuneScorer } from './generation';

/**
 * Scores samples with @tunelab/eval: validity from tunelab's checker and abc2midi, novelty against the
 * training tunes of the run that wrote the checkpoint. References are built once per data config; a corpus
 * that cannot be loaded (offline, no data folder) leaves novelty null rather than failing the request.
 */
export function evalScorer(opts: { abc2midi?: boolean } = {}): TuneScorer & { meters(config: RunConfig | null): Promise<CorpusMeter[] | null> } {
  const corpora = new Map<string, Promise<Corpus | null>>();
  const corpusFor = (config: RunConfig): Promise<Corpus | null> => {
    const key = JSON.stringify(config.data);
    let corpus = corpora.get(key);
    if (!corpus) {
      corpus = loadCorpus(config.data).catch(() => null);
      corpora.set(key, corpus);
    }
    return corpus;
  };
  const references = new Map<string, Promise<ReferenceCorpus | null>>();
  const referenceFor = (config: RunConfig | null): Promise<ReferenceCorpus | null> => {
    if (!config) return Promise.resolve(null);
    const key = JSON.stringify(config.data);
    let ref = references.get(key);
    if (!ref) {
      ref = corpusFor(config)
        .then((corpus) => corpus && buildReference(splitCorpus(corpus, config.data.split).train))
        .catch(() => null);
      references.set(key, ref);
    }
    return ref;
  };
  return {
    /** The meters of the run's training tunes (the meter in effect at the end of each header), most tunes first; null without the corpus. */
    async meters(config) {
      if (!config) return null;
      const corpus = await corpusFor(config);
      if (!corpus) return null;
      const counts = new Map<string, number>();
      for (const t of splitCorpus(corpus, config.data.split).train) {
        const meter = parseTune({ file: '<corpus>', line: 1, index: 0, text: t.text }).meter.text.replace(/\s+/g, '');
        if (meter !== '' && meter.toLowerCase() !== 'none') counts.set(meter, (counts.get(meter) ?? 0) + 1);
      }
      return [...counts]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([meter, tunes]) => ({ meter, label: meterLabel(meter), tunes }));
    },
    async score(tunes, config) {
      const [reference, abc2midi] = await Promise.all([
        referenceFor(config),
        opts.abc2midi === false ? null : checkWithAbc2midi(tunes).catch(() => null),
      ]);
      return tunes.map((text, index) => {
        const validity = tuneValidity(parseTune({ file: '<sample>', line: 1, index, text }));
        const novelty = reference ? tuneNovelty(text, reference) : null;
        return {
          valid: validity.valid,
          barsOk: validity.barsOk,
          headerOk: validity.headerOk,
          errorCodes: validity.errorCodes,
          abc2midiClean: abc2midi ? (abc2midi[index]?.clean ?? null) : null,
          novelty: novelty && {
            lcs: novelty.lcs,
            lcsShare: novelty.lcsShare,
            copy: novelty.copy,
            nearest: novelty.nearest,
            bars: novelty.bars,
            barsInReference: novelty.barsInReference,
          },
        };
      });
    },
  };
}
