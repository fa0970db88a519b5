import type { ConstrainSetting } from '@tunelab/config';
import { loadCorpus, splitCorpus, type LoadOptions } from '@tunelab/dataset';
import { loadCheckpoint, Sampler, type Checkpoint } from '@tunelab/model';
import { drawNovelTunes, type DrawnTune } from './draw';
import { evaluateTunes, type EvalOptions, type EvalReport } from './evaluate';
import { buildReference, referenceOfMeter, type ReferenceCorpus } from './reference';
import { mean } from './stats';

/** How to sample from a checkpoint before evaluating: the defaults are 50 tunes at T=1, seed 1, prime `X:`. */
export interface CheckpointEvalOptions extends EvalOptions {
  samples?: number;
  temperature?: number;
  seed?: number;
  prime?: string;
  /**
   * The meter of the sampled tunes (see the Sampler's `meter`). The distributions are then compared with the
   * reference tunes of that meter (novelty and copies with the whole reference); with none in that meter,
   * with the whole reference (`meterReference` says which).
   */
  meter?: string;
  /** Most symbols per sampled tune (the model's default when absent). */
  maxLength?: number;
  /** Compare with this reference (built once per trial); default: the checkpoint's training split. */
  reference?: ReferenceCorpus;
  /** Where the corpus files are found when the reference is rebuilt from the checkpoint's config. */
  dataOptions?: LoadOptions;
  /** What the ABC checker may refuse while sampling (default `meter`). */
  constrain?: ConstrainSetting;
  /**
   * Keep samples that copy a training tune. Default false: a copy is drawn again (up to 5 times per tune,
   * then the evaluation fails), so the report measures the tunes tunelab would hand out.
   */
  allowCopies?: boolean;
}

/** An evaluation of a checkpoint's samples: the report, what was sampled, and the samples themselves. */
export interface CheckpointEvalReport extends EvalReport {
  checkpoint: { dir: string; runId: string; epoch: number; samples: number; temperature: number; seed: number };
  /** The sampling mode. */
  constrain: ConstrainSetting;
  /** The meter the tunes were sampled in (null: the model chose). */
  meter: string | null;
  /**
   * With a meter: the reference tunes of that meter the distributions were compared with (`tunes: 0` when the
   * reference has none, and the distributions were compared with the whole reference). Null without a meter.
   */
  meterReference: { meter: string; tunes: number } | null;
  /** Mean over tunes of the share of probability mass the checker removed per symbol (0 with `off`). */
  maskedMassMean: number;
  /** The largest mass the checker removed at any one step of any tune. */
  maskedMassMax: number;
  /** Samples discarded as copies of training tunes and drawn again (0 with `allowCopies`). */
  copiesRedrawn: number;
  texts: string[];
}

/**
 * The reference a checkpoint's samples are judged against: the training split of the run that made it,
 * rebuilt from the run config stored in the checkpoint (same corpus, preprocessing and split seed).
 */
export async function checkpointReference(source: Checkpoint | string, dataOptions: LoadOptions = {}): Promise<ReferenceCorpus> {
  const ckpt = typeof source === 'string' ? await loadCheckpoint(source) : source;
  const data = ckpt.meta.config.data;
  const corpus = await loadCorpus(data, dataOptions);
  return buildReference(splitCorpus(corpus, data.split).train);
}

/**
 * Samples tunes from a checkpoint (a folder or a loaded Checkpoint) in `opts.constrain` mode, drawing copies
 * of training tunes again unless `opts.allowCopies` (see {@link drawNovelTunes}; a `CopiesError` after 5
 * copies in a row for one tune), and evaluates them against its training split, or against `opts.reference`
 * (which then also decides what a copy is). Uses whatever tfjs backend is active: pick one first
 * (`selectEngine`) as the CLI and the sweeper's workers do.
 */
export async function evaluateCheckpoint(source: Checkpoint | string, opts: CheckpointEvalOptions = {}): Promise<CheckpointEvalReport> {
  const ckpt = typeof source === 'string' ? await loadCheckpoint(source) : source;
  const samples = opts.samples ?? 50;
  const temperature = opts.temperature ?? 1;
  const seed = opts.seed ?? 1;
  const constrain = opts.constrain ?? 'meter';
  const reference = opts.reference ?? (await checkpointReference(ckpt, opts.dataOptions));
  const sampler = Sampler.fromCheckpoint(ckpt);
  let drawn: DrawnTune[];
  let copiesRedrawn: number;
  try {
    const stream = sampler.stream({
      temperature,
      seed,
      ...(opts.prime !== undefined ? { prime: opts.prime } : {}),
      ...(opts.meter !== undefined ? { meter: opts.meter } : {}),
      constrain,
      ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength } : {}),
    });
    ({ tunes: drawn, copiesRedrawn } = await drawNovelTunes(stream, reference, { n: samples, allowCopies: opts.allowCopies === true }));
  } finally {
    sampler.dispose();
  }
  const texts = drawn.map((t) => t.text);
  // copiedTunes is measured as for any set of tunes: 0 here unless copies were allowed, which is the point.
  const byMeter = opts.meter !== undefined ? referenceOfMeter(reference, opts.meter) : null;
  const distributionReference = byMeter && byMeter.tunes.length > 0 ? byMeter : undefined;
  const report = await evaluateTunes(texts, reference, { ...opts, ...(distributionReference ? { distributionReference } : {}) });
  return {
    checkpoint: { dir: ckpt.dir, runId: ckpt.meta.runId, epoch: ckpt.meta.epoch, samples, temperature, seed },
    ...report,
    constrain,
    meter: opts.meter !== undefined ? opts.meter.replace(/\s+/g, '') : null,
    meterReference: byMeter ? { meter: opts.meter!.replace(/\s+/g, ''), tunes: byMeter.tunes.length } : null,
    maskedMassMean: mean(drawn.map((t) => t.maskedMassMean)),
    maskedMassMax: Math.max(0, ...drawn.map((t) => t.maskedMassMax)),
    copiesRedrawn,
    texts,
  };
}
