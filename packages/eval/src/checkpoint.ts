import { loadCorpus, splitCorpus, type LoadOptions } from '@tunelab/dataset';
import { loadCheckpoint, sample, type Checkpoint } from '@tunelab/model';
import { evaluateTunes, type EvalOptions, type EvalReport } from './evaluate';
import { buildReference, type ReferenceCorpus } from './reference';

/** How to sample from a checkpoint before evaluating: the defaults are 50 tunes at T=1, seed 1, prime `X:`. */
export interface CheckpointEvalOptions extends EvalOptions {
  samples?: number;
  temperature?: number;
  seed?: number;
  prime?: string;
  /** Most symbols per sampled tune (the model's default when absent). */
  maxLength?: number;
  /** Compare with this reference (built once per trial); default: the checkpoint's training split. */
  reference?: ReferenceCorpus;
  /** Where the corpus files are found when the reference is rebuilt from the checkpoint's config. */
  dataOptions?: LoadOptions;
}

/** An evaluation of a checkpoint's samples: the report, what was sampled, and the samples themselves. */
export interface CheckpointEvalReport extends EvalReport {
  checkpoint: { dir: string; runId: string; epoch: number; samples: number; temperature: number; seed: number };
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
 * Samples tunes from a checkpoint (a folder or a loaded Checkpoint) and evaluates them against its
 * training split, or against `opts.reference`. Uses whatever tfjs backend is active: pick one first
 * (`selectBackend`) as the CLI and the sweeper's workers do.
 */
export async function evaluateCheckpoint(source: Checkpoint | string, opts: CheckpointEvalOptions = {}): Promise<CheckpointEvalReport> {
  const ckpt = typeof source === 'string' ? await loadCheckpoint(source) : source;
  const samples = opts.samples ?? 50;
  const temperature = opts.temperature ?? 1;
  const seed = opts.seed ?? 1;
  const reference = opts.reference ?? (await checkpointReference(ckpt, opts.dataOptions));
  const texts = await sample(ckpt, {
    n: samples,
    temperature,
    seed,
    prime: opts.prime ?? 'X:',
    ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength } : {}),
  });
  const report = await evaluateTunes(texts, reference, opts);
  return {
    checkpoint: { dir: ckpt.dir, runId: ckpt.meta.runId, epoch: ckpt.meta.epoch, samples, temperature, seed },
    ...report,
    texts,
  };
}
