import type { PreparedData } from '@tunelab/dataset';
import type { SampleEvaluationContext, SampleEvaluator } from '@tunelab/model';
import { CopiesError, drawNovelTunes, type DrawnTune } from './draw';
import { evalMetrics, evaluateTunes, type EvalOptions } from './evaluate';
import { buildReference, type ReferenceCorpus } from './reference';
import { mean } from './stats';

/**
 * The evaluator a training run calls every `eval.every` epochs (RunConfig `eval` block): it samples
 * `eval.samples` tunes at `eval.temperature` from the live model (prime `X:`, each tune ends at a blank line),
 * scores them against the run's training split and returns the sweep metrics `valid_rate`, `bar_ok_rate`,
 * `abc2midi_clean_rate` (when abc2midi is installed), `novelty_lcs_median`, `novelty_lcs_p95`, `copied_tunes`
 * and the extras of {@link evalMetrics}. Those come from unconstrained samples (`constrain: off`, copies
 * kept), so they keep measuring the model itself from one sweep to the next. When `eval.constrain` is not
 * `off`, as many tunes are drawn again in that mode, the way tunelab hands them out (copies redrawn), for two
 * more metrics: `masked_mass_mean` (the mean share of probability mass the checker removed per symbol) and
 * `copies_redrawn`. The reference automaton is built once per run and reused.
 */
export function createSampleEvaluator(opts: EvalOptions & { maxLength?: number } = {}): SampleEvaluator {
  const references = new WeakMap<PreparedData, ReferenceCorpus>();
  return async (ctx) => {
    let reference = references.get(ctx.prepared);
    if (!reference) {
      reference = buildReference(ctx.prepared.split.train);
      references.set(ctx.prepared, reference);
    }
    const { eval: settings, sampler, seed } = ctx;
    const maxLength = opts.maxLength ?? 1000;
    const tunes = await sampler.generate({ n: settings.samples, temperature: settings.temperature, seed, prime: 'X:', maxLength, constrain: 'off' });
    const metrics = evalMetrics(await evaluateTunes(tunes.map((t) => t.text), reference, opts));
    // A config saved before eval.constrain existed has none: the default, meter.
    const constrain = settings.constrain ?? 'meter';
    if (constrain !== 'off') Object.assign(metrics, await constrainedMetrics(ctx, constrain, reference, maxLength));
    return metrics;
  };
}

/** `masked_mass_mean` and `copies_redrawn` of `eval.samples` tunes drawn as tunelab hands them out. */
async function constrainedMetrics(
  { sampler, eval: settings, seed }: SampleEvaluationContext,
  constrain: 'meter' | 'syntax',
  reference: ReferenceCorpus,
  maxLength: number,
): Promise<Record<string, number>> {
  const stream = sampler.stream({ temperature: settings.temperature, seed, prime: 'X:', maxLength, constrain });
  let tunes: readonly DrawnTune<{ text: string; maskedMassMean?: number }>[];
  let copiesRedrawn: number;
  try {
    ({ tunes, copiesRedrawn } = await drawNovelTunes(stream, reference, { n: settings.samples }));
  } catch (err) {
    // A model that writes only copies for one tune (5 in a row) would fail a request for tunes, but here it
    // is measured, not failed: a run must not die because its model memorised the corpus. The copies counted
    // until then are the metric, and the mass is averaged over the tunes accepted before it.
    if (!(err instanceof CopiesError)) throw err;
    ({ accepted: tunes, copiesRedrawn } = err);
  }
  const metrics: Record<string, number> = { copies_redrawn: copiesRedrawn };
  if (tunes.length > 0) metrics.masked_mass_mean = mean(tunes.map((t) => t.maskedMassMean ?? 0));
  return metrics;
}
