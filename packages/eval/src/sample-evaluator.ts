import type { PreparedData } from '@tunelab/dataset';
import type { SampleEvaluator } from '@tunelab/model';
import { evalMetrics, evaluateTunes, type EvalOptions } from './evaluate';
import { buildReference, type ReferenceCorpus } from './reference';

/**
 * The evaluator a training run calls every `eval.every` epochs (RunConfig `eval` block): it samples
 * `eval.samples` tunes at `eval.temperature` from the live model (prime `X:`, each tune ends at a blank line),
 * scores them against the run's training split and returns the sweep metrics `valid_rate`, `bar_ok_rate`,
 * `abc2midi_clean_rate` (when abc2midi is installed), `novelty_lcs_median`, `novelty_lcs_p95`, `copied_tunes`
 * and the extras of {@link evalMetrics}. The reference automaton is built once per run and reused.
 */
export function createSampleEvaluator(opts: EvalOptions & { maxLength?: number } = {}): SampleEvaluator {
  const references = new WeakMap<PreparedData, ReferenceCorpus>();
  return async ({ sampler, eval: settings, prepared, seed }) => {
    let reference = references.get(prepared);
    if (!reference) {
      reference = buildReference(prepared.split.train);
      references.set(prepared, reference);
    }
    const tunes = await sampler.generate({ n: settings.samples, temperature: settings.temperature, seed, prime: 'X:', maxLength: opts.maxLength ?? 1000 });
    return evalMetrics(await evaluateTunes(tunes, reference, opts));
  };
}
