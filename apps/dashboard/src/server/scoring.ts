import { parseTune } from '@tunelab/abc';
import type { RunConfig } from '@tunelab/config';
import { loadCorpus, splitCorpus } from '@tunelab/dataset';
import { buildReference, checkWithAbc2midi, tuneNovelty, tuneValidity, type ReferenceCorpus } from '@tunelab/eval';
import type { TuneScorer } from './generation';

/**
 * Scores samples with @tunelab/eval: validity from tunelab's checker and abc2midi, novelty against the
 * training tunes of the run that wrote the checkpoint. References are built once per data config; a corpus
 * that cannot be loaded (offline, no data folder) leaves novelty null rather than failing the request.
 */
export function evalScorer(opts: { abc2midi?: boolean } = {}): TuneScorer {
  const references = new Map<string, Promise<ReferenceCorpus | null>>();
  const referenceFor = (config: RunConfig | null): Promise<ReferenceCorpus | null> => {
    if (!config) return Promise.resolve(null);
    const key = JSON.stringify(config.data);
    let ref = references.get(key);
    if (!ref) {
      ref = loadCorpus(config.data)
        .then((corpus) => buildReference(splitCorpus(corpus, config.data.split).train))
        .catch(() => null);
      references.set(key, ref);
    }
    return ref;
  };
  return {
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
