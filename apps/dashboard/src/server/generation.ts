import { Worker } from 'node:worker_threads';
import type { ConstrainSetting, RunConfig } from '@tunelab/config';
import type { CheckpointRow, TrialRow } from '@tunelab/store';
import type { TuneScore } from '../api/schemas';
import { hideCheckpointDir, HttpError } from './errors';
import type { GeneratedTune, SampleJob, SampleReply } from './sampler-worker';

export type { GeneratedTune } from './sampler-worker';

/** What one generate request asks of a checkpoint (validated and bounded by the route). */
export interface GenerateSettings {
  n: number;
  temperature: number;
  topK: number | null;
  topP: number | null;
  prime: string | null;
  /** The tunes' meter (`6/8`), null for the model's choice. */
  meter: string | null;
  seed: number;
  maxLength: number;
  /** What the ABC checker refuses while sampling. */
  constrain: ConstrainSetting;
  /** Keep copies of training tunes; by default each is drawn again (up to 5 times per tune, then the request fails). */
  allowCopies: boolean;
}

export interface GenerateJob {
  checkpoint: CheckpointRow;
  /** The trial that wrote the checkpoint (its run config says which corpus and vocabulary). */
  trial: TrialRow | null;
  settings: GenerateSettings;
  /** Fires at the queue's deadline; a generator should stop between characters. */
  signal: AbortSignal;
}

/**
 * Samples tunes from a checkpoint, never handing out a copy of a training tune unless the settings allow
 * copies. The dashboard never hands out a checkpoint's path, only its id.
 */
export interface TuneGenerator {
  generate(job: GenerateJob): Promise<GeneratedTune[]>;
  /** Frees what it holds (a worker thread); called when the server closes. */
  close?(): Promise<void>;
}

/** A meter of a run's training tunes: its text, the kinds of tune in it (`jigs`, may be ''), how many tunes. */
export interface CorpusMeter {
  meter: string;
  label: string;
  tunes: number;
}

/** Scores tunes: validity and novelty against the run's training tunes. */
export interface TuneScorer {
  score(tunes: readonly string[], config: RunConfig | null): Promise<TuneScore[]>;
  /** The meters of the run's training tunes, most tunes first; null when its corpus cannot be read. */
  meters?(config: RunConfig | null): Promise<CorpusMeter[] | null>;
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

/** Whether @tunelab/model can sample in this build (its Sampler and loadCheckpoint are there). */
export async function modelCanSample(): Promise<boolean> {
  const mod = await modelModule().catch(() => ({}) as ModelModule);
  return typeof mod.loadCheckpoint === 'function' && typeof (mod.Sampler as { fromCheckpoint?: unknown } | undefined)?.fromCheckpoint === 'function';
}

/**
 * The generator over @tunelab/model, in a worker thread: tfjs sampling is synchronous, so on the main
 * thread one long request would stall every other one. The worker keeps the last checkpoints it loaded;
 * a job that passes its deadline is stopped by terminating the worker (the next job starts a fresh one).
 */
export function modelGenerator(): TuneGenerator & { close(): Promise<void> } {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (t: GeneratedTune[]) => void; reject: (e: Error) => void }>();
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const start = (): Worker => {
    const w = new Worker(new URL('./sampler-worker-boot.mjs', import.meta.url));
    w.unref();
    w.on('message', (reply: SampleReply) => {
      if ('fatal' in reply) {
        failAll(new Error(`the sampling worker crashed: ${reply.fatal}`));
        return;
      }
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if ('tunes' in reply) p.resolve(reply.tunes);
      else p.reject(replyError(reply));
    });
    w.on('error', (err) => {
      failAll(err instanceof Error ? err : new Error(`the sampling worker failed: ${JSON.stringify(err)}`));
      if (worker === w) worker = null;
    });
    w.on('exit', () => {
      failAll(new Error('the sampling worker stopped'));
      if (worker === w) worker = null;
    });
    return w;
  };
  return {
    async generate(job) {
      if (!(await modelCanSample())) {
        throw new GenerationUnavailable('This build of tunelab cannot sample yet: @tunelab/model has no Sampler/loadCheckpoint');
      }
      const dir = job.checkpoint.path;
      if (!dir) throw new GenerationUnavailable(`Checkpoint ${job.checkpoint.id} has no files on this machine`);
      if (job.signal.aborted) throw new Error('aborted before it started');
      const w = (worker ??= start());
      const id = nextId++;
      const s = job.settings;
      const options = {
        n: s.n,
        temperature: s.temperature,
        ...(s.topK !== null ? { topK: s.topK } : {}),
        ...(s.topP !== null ? { topP: s.topP } : {}),
        ...(s.prime !== null ? { prime: s.prime } : {}),
        ...(s.meter !== null ? { meter: s.meter } : {}),
        seed: s.seed,
        maxLength: s.maxLength,
        constrain: s.constrain,
        allowCopies: s.allowCopies,
      };
      return new Promise<GeneratedTune[]>((resolve, reject) => {
        // Errors name the checkpoint by id, never its folder on this machine (they reach 4xx bodies).
        pending.set(id, { resolve, reject: (err) => reject(hideCheckpointDir(err, dir, job.checkpoint.id)) });
        job.signal.addEventListener(
          'abort',
          () => {
            // Synchronous sampling cannot look at the signal: stop the thread.
            if (pending.has(id)) void w.terminate();
          },
          { once: true },
        );
        w.postMessage({ id, dir, options } satisfies SampleJob);
      });
    },
    async close() {
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}

/**
 * A failed job's error as the routes need it: the request's fault (400 at its field), only copies of
 * training tunes (422 at body.allowCopies), no training tunes to check against (501), or a bug (500).
 */
export function replyError(reply: Extract<SampleReply, { error: string }>): Error {
  if (reply.kind === 'copies') return new HttpError(422, `${reply.error}; tick "allow copies" (allowCopies: true) to accept them`, 'body.allowCopies');
  if (reply.kind === 'no-reference') return new GenerationUnavailable(`${reply.error}; tick "allow copies" (allowCopies: true) to sample without that check`);
  if (reply.userError) return Object.assign(new Error(reply.error), { userError: true, where: reply.where ? `body.${reply.where}` : undefined });
  return new Error(reply.error);
}

/** The test-split loss through @tunelab/model's `evaluateLoss(dir, config)`, when the package has one. */
export const modelTestLoss: TestLossEvaluator = async (checkpoint, config) => {
  if (!config || !(config.data.split.test > 0) || !checkpoint.path) return null;
  const mod = await modelModule();
  const evaluate = mod.evaluateLoss as ((dir: string, opts: Record<string, unknown>) => Promise<unknown>) | undefined;
  if (typeof evaluate !== 'function') return null;
  const dir = checkpoint.path;
  const result = await evaluate(dir, { config, split: 'test' }).catch((err: unknown) => {
    throw err instanceof Error ? hideCheckpointDir(err, dir, checkpoint.id, 'checkpointId') : err;
  });
  const value = typeof result === 'number' ? result : (result as { loss?: unknown } | null)?.loss;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};
