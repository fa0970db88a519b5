import type { RunConfig } from '@tunelab/config';
import type { CheckpointRow, TrialRow } from '@tunelab/store';
import type { TuneScore } from '../api/schemas';

/** What one generate request asks of a checkpoint (validated and bounded by the route). */
export interface GenerateSettings {
  n: number;
  temperature: number;
  topK: number | null;
  topP: number | null;
  prime: string | null;
  seed: number;
  maxLength: number;
}

export interface GenerateJob {
  checkpoint: CheckpointRow;
  /** The trial that wrote the checkpoint (its run config says which corpus and vocabulary). */
  trial: TrialRow | null;
  settings: GenerateSettings;
  /** Fires at the queue's deadline; a generator should stop between characters. */
  signal: AbortSignal;
}

/** Samples tunes from a checkpoint. The dashboard never hands out a checkpoint's path, only its id. */
export interface TuneGenerator {
  generate(job: GenerateJob): Promise<string[]>;
}

/** Scores tunes: validity and novelty against the run's training tunes. */
export interface TuneScorer {
  score(tunes: readonly string[], config: RunConfig | null): Promise<TuneScore[]>;
}

/** Mean loss of a checkpoint on its run's test split (nats per symbol), or null when it cannot be measured. */
export type TestLossEvaluator = (checkpoint: CheckpointRow, config: RunConfig | null) => Promise<number | null>;

/** A failure the user can act on (no sampler in this build, no files for the checkpoint). */
export class GenerationUnavailable extends Error {
  readonly userError = false;
  constructor(message: string) {
    super(message);
    this.name = 'GenerationUnavailable';
  }
}

type ModelModule = Record<string, unknown>;

async function modelModule(): Promise<ModelModule> {
  return (await import('@tunelab/model')) as unknown as ModelModule;
}

/**
 * The generator over @tunelab/model: `loadCheckpoint(dir)` then `sample(model, options)`. The model package
 * is loaded on first use (tfjs is heavy), and loaded checkpoints are kept (a few) so repeated requests on
 * one checkpoint skip the load.
 */
export function modelGenerator(opts: { cacheSize?: number } = {}): TuneGenerator {
  const cache = new Map<string, Promise<unknown>>();
  const cacheSize = opts.cacheSize ?? 2;
  return {
    async generate(job) {
      const mod = await modelModule();
      const load = mod.loadCheckpoint as ((dir: string) => Promise<unknown>) | undefined;
      const sample = mod.sample as ((model: unknown, options: Record<string, unknown>) => Promise<unknown> | unknown) | undefined;
      if (typeof load !== 'function' || typeof sample !== 'function') {
        throw new GenerationUnavailable('This build of tunelab cannot sample yet: @tunelab/model has no loadCheckpoint/sample');
      }
      const dir = job.checkpoint.path;
      if (!dir) throw new GenerationUnavailable(`Checkpoint ${job.checkpoint.id} has no files on this machine`);
      let loaded = cache.get(job.checkpoint.id);
      if (!loaded) {
        loaded = load(dir);
        loaded.catch(() => cache.delete(job.checkpoint.id));
        cache.set(job.checkpoint.id, loaded);
        while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
      }
      const model = await loaded;
      const s = job.settings;
      const out = await sample(model, {
        n: s.n,
        temperature: s.temperature,
        topK: s.topK ?? undefined,
        topP: s.topP ?? undefined,
        prime: s.prime ?? undefined,
        seed: s.seed,
        maxLength: s.maxLength,
        signal: job.signal,
      });
      const tunes = Array.isArray(out) ? out : [out];
      return tunes.map((t) => (typeof t === 'string' ? t : String((t as { text?: unknown; abc?: unknown }).text ?? (t as { abc?: unknown }).abc ?? '')));
    },
  };
}

/** The test-split loss through @tunelab/model's `evaluateLoss(dir, config)`, when the package has one. */
export const modelTestLoss: TestLossEvaluator = async (checkpoint, config) => {
  if (!config || !(config.data.split.test > 0) || !checkpoint.path) return null;
  const mod = await modelModule();
  const evaluate = mod.evaluateLoss as ((dir: string, opts: Record<string, unknown>) => Promise<unknown>) | undefined;
  if (typeof evaluate !== 'function') return null;
  const result = await evaluate(checkpoint.path, { config, split: 'test' });
  const value = typeof result === 'number' ? result : (result as { loss?: unknown } | null)?.loss;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};
