import { parseTune, type Tune } from '@tunelab/abc';
import { abc2midiReasons, checkWithAbc2midi, type Abc2midiOptions } from './abc2midi';
import { compareProfiles, musicProfile, type DistributionComparison, type MusicProfile } from './distributions';
import { diversity } from './diversity';
import { tuneNovelty, type TuneNovelty } from './novelty';
import type { ReferenceCorpus } from './reference';
import { mean, quantile, share } from './stats';
import { tuneValidity, type TuneValidity } from './validity';

export interface EvalOptions {
  /** Cross-check with `abc2midi -c`: `false` skips it; options tune it. Default: run it when installed. */
  abc2midi?: boolean | Abc2midiOptions;
  /** Keep one entry per tune in the report (default true). Sweeps that log only metrics can skip them. */
  perTune?: boolean;
  /**
   * Compare the distributions with these tunes instead of `reference` (novelty and copies still use
   * `reference`): samples of one meter against the reference tunes of that meter (see `referenceOfMeter`).
   */
  distributionReference?: ReferenceCorpus;
}

/** Everything measured about one tune. */
export interface TuneEval extends TuneValidity {
  index: number;
  title: string | null;
  /** abc2midi's verdict; null when abc2midi was not run. */
  abc2midiClean: boolean | null;
  /** What abc2midi refused in it (`abc2midiReasons`); empty when clean or not run. */
  abc2midiReasons: string[];
  novelty: TuneNovelty;
}

/** The evaluation of a set of tunes against a reference corpus. Rates are shares in [0, 1]. */
export interface EvalReport {
  tunes: number;
  referenceTunes: number;
  /** Share with no error-severity finding from @tunelab/abc. */
  validRate: number;
  /** Share whose every bar has the right length for its meter. */
  barOkRate: number;
  /** Share with a sane header (X, M, K present and legal; L legal or absent). */
  headerOkRate: number;
  /** Share with no abc2midi `Error` and no bar-length warning; null when abc2midi is not installed or was skipped. */
  abc2midiCleanRate: number | null;
  /**
   * Why the others were not clean: each reason abc2midi gave (`abc2midiReasons`) with the number of tunes it
   * refused for it, most tunes first (a tune counts once per reason); null when abc2midi did not run.
   */
  abc2midiRefusals: { reason: string; tunes: number }[] | null;
  /** Median and 95th percentile over tunes of the longest body span found verbatim in one reference tune (characters). */
  noveltyLcsMedian: number;
  noveltyLcsP95: number;
  /** Median over tunes of that span as a share of the tune's body. */
  noveltyLcsShareMedian: number;
  /** Mean over tunes of the share of their bars that occur in the reference. */
  barsInReferenceRate: number;
  /** Tunes of which one reference tune holds at least 80% of the body as one verbatim span. */
  copiedTunes: number;
  /** Tunes that repeat an earlier tune of the set, and distinct character n-gram ratios of the set. */
  duplicateTunes: number;
  distinctNgrams: Record<string, number>;
  distributions: DistributionComparison;
  perTune?: TuneEval[];
}

/** Reference profiles are costly (a parse of every reference tune): one per reference, computed on first use. */
const referenceProfiles = new WeakMap<ReferenceCorpus, MusicProfile>();

function referenceProfile(reference: ReferenceCorpus): MusicProfile {
  let p = referenceProfiles.get(reference);
  if (!p) {
    p = musicProfile(reference.texts.map((text, i) => parseTune({ file: '<reference>', line: 1, index: i, text })));
    referenceProfiles.set(reference, p);
  }
  return p;
}

/**
 * Evaluates tunes (one ABC tune per string, e.g. samples) against a reference corpus built once with
 * `buildReference`: validity, bar lengths, header sanity, abc2midi's opinion, novelty, diversity and
 * distributions. Never throws on bad ABC: bad tunes are what it measures.
 */
export async function evaluateTunes(tunes: readonly string[], reference: ReferenceCorpus, opts: EvalOptions = {}): Promise<EvalReport> {
  const abc2midiRun =
    opts.abc2midi === false ? Promise.resolve(null) : checkWithAbc2midi(tunes, opts.abc2midi === true || opts.abc2midi === undefined ? {} : opts.abc2midi);
  const parsed: Tune[] = tunes.map((text, index) => parseTune({ file: '<sample>', line: 1, index, text }));
  const abc2midi = await abc2midiRun;
  const perTune: TuneEval[] = parsed.map((tune, index) => ({
    index,
    title: tune.title,
    ...tuneValidity(tune),
    abc2midiClean: abc2midi ? abc2midi[index].clean : null,
    abc2midiReasons: abc2midi ? abc2midiReasons(abc2midi[index]) : [],
    novelty: tuneNovelty(tunes[index], reference),
  }));
  const lcs = perTune.map((t) => t.novelty.lcs);
  const div = diversity(tunes);
  return {
    tunes: tunes.length,
    referenceTunes: reference.tunes.length,
    validRate: share(perTune, (t) => t.valid),
    barOkRate: share(perTune, (t) => t.barsOk),
    headerOkRate: share(perTune, (t) => t.headerOk),
    abc2midiCleanRate: abc2midi ? share(abc2midi, (v) => v.clean) : null,
    abc2midiRefusals: abc2midi ? refusals(perTune) : null,
    noveltyLcsMedian: quantile(lcs, 0.5),
    noveltyLcsP95: quantile(lcs, 0.95),
    noveltyLcsShareMedian: quantile(
      perTune.map((t) => t.novelty.lcsShare),
      0.5,
    ),
    barsInReferenceRate: mean(perTune.filter((t) => t.novelty.bars > 0).map((t) => t.novelty.barsInReference / t.novelty.bars)),
    copiedTunes: perTune.filter((t) => t.novelty.copy).length,
    duplicateTunes: div.duplicateTunes,
    distinctNgrams: div.distinctNgrams,
    distributions: compareProfiles(musicProfile(parsed), referenceProfile(opts.distributionReference ?? reference)),
    ...(opts.perTune === false ? {} : { perTune }),
  };
}

/** Reasons over tunes, most tunes first, then by reason. */
function refusals(perTune: readonly TuneEval[]): { reason: string; tunes: number }[] {
  const counts = new Map<string, number>();
  for (const t of perTune) for (const r of t.abc2midiReasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([reason, tunes]) => ({ reason, tunes })).sort((a, b) => b.tunes - a.tunes || (a.reason < b.reason ? -1 : 1));
}

/**
 * The report as sweep metrics (snake_case names a sweep's `metric` can name). `abc2midi_clean_rate` is
 * left out when abc2midi did not run, rather than logged as a made-up number.
 */
export function evalMetrics(report: EvalReport): Record<string, number> {
  const metrics: Record<string, number> = {
    valid_rate: report.validRate,
    bar_ok_rate: report.barOkRate,
    header_ok_rate: report.headerOkRate,
    novelty_lcs_median: report.noveltyLcsMedian,
    novelty_lcs_p95: report.noveltyLcsP95,
    novelty_lcs_share_median: report.noveltyLcsShareMedian,
    bars_in_reference_rate: report.barsInReferenceRate,
    copied_tunes: report.copiedTunes,
    duplicate_tunes: report.duplicateTunes,
  };
  if (report.abc2midiCleanRate !== null) metrics.abc2midi_clean_rate = report.abc2midiCleanRate;
  for (const [n, v] of Object.entries(report.distinctNgrams)) metrics[`distinct_${n}grams`] = v;
  return metrics;
}
