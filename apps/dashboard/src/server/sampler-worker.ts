/**
 * The sampling worker: loads checkpoints with @tunelab/model (keeping the last two loaded) and generates
 * tunes, drawing copies of the run's training tunes again (@tunelab/eval's `drawNovelTunes`) unless the job
 * allows copies. Sampling is synchronous tfjs work, so it runs here, off the server's event loop; the server
 * stops a job past its deadline by terminating this thread.
 */
import { parentPort } from 'node:worker_threads';
import type { ConstrainSetting } from '@tunelab/config';
import { checkpointReference, CopiesError, drawNovelTunes, type ReferenceCorpus } from '@tunelab/eval';
import type { SampledTune } from '@tunelab/model';

export interface SampleJob {
  id: number;
  dir: string;
  options: {
    n: number;
    temperature: number;
    topK?: number;
    topP?: number;
    prime?: string;
    meter?: string;
    seed: number;
    maxLength: number;
    constrain: ConstrainSetting;
    allowCopies: boolean;
  };
}

/** One tune as the worker hands it out: its text, the mass the ABC checker removed, and the copies discarded before it. */
export interface GeneratedTune {
  text: string;
  maskedMassMean: number;
  maskedMassMax: number;
  redraws: number;
}

export type SampleReply =
  | { id: number; tunes: GeneratedTune[] }
  /** `kind`: `copies` when the model wrote only copies for one tune; `no-reference` when the training tunes cannot be loaded. */
  | { id: number; error: string; userError: boolean; where?: string; kind?: 'copies' | 'no-reference' }
  /** The worker cannot go on (a crash outside a job): every pending job fails with this. */
  | { id: 0; fatal: string };

const describe = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : typeof err === 'object' ? JSON.stringify(err) || String(err) : String(err));

// A native addon or tfjs failing outside a job would otherwise reach the server as an opaque error event.
process.on('uncaughtException', (err) => {
  parentPort?.postMessage({ id: 0, fatal: describe(err) } satisfies SampleReply);
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  parentPort?.postMessage({ id: 0, fatal: describe(err) } satisfies SampleReply);
  process.exit(1);
});

interface SamplerLike {
  /** Tunes one after another from one seeded random stream (`options.n` is ignored). */
  stream(options: Omit<SampleJob['options'], 'allowCopies'>): AsyncIterable<SampledTune>;
  dispose(): void;
}

interface Loaded {
  sampler: SamplerLike;
  /** The checkpoint, for its run's training tunes. */
  ckpt: unknown;
}

interface ModelApi {
  loadCheckpoint(dir: string): Promise<unknown>;
  Sampler: { fromCheckpoint(ckpt: unknown): SamplerLike };
}

const loaded = new Map<string, Loaded>();
let model: ModelApi | null = null;
/** Training tunes per checkpoint folder; a failed load is not kept, so a data folder put in place later is found. */
const references = new Map<string, Promise<ReferenceCorpus>>();

async function samplerFor(dir: string): Promise<Loaded> {
  const cached = loaded.get(dir);
  if (cached) return cached;
  model ??= (await import('@tunelab/model')) as unknown as ModelApi;
  const ckpt = await model.loadCheckpoint(dir);
  const entry = { sampler: model.Sampler.fromCheckpoint(ckpt), ckpt };
  loaded.set(dir, entry);
  for (const [key, old] of loaded) {
    if (loaded.size <= 2) break;
    old.sampler.dispose();
    loaded.delete(key);
    references.delete(key);
  }
  return entry;
}

/** The training tunes of the checkpoint's own run (the copy rule's reference), loaded once per checkpoint. */
function referenceFor(dir: string, ckpt: unknown): Promise<ReferenceCorpus> {
  let ref = references.get(dir);
  if (!ref) {
    ref = checkpointReference(ckpt as Parameters<typeof checkpointReference>[0]).catch((err: unknown) => {
      references.delete(dir);
      throw Object.assign(new Error(`cannot refuse copies: the training tunes of this checkpoint's run cannot be loaded (${(err as Error)?.message ?? String(err)})`), {
        kind: 'no-reference' as const,
      });
    });
    references.set(dir, ref);
  }
  return ref;
}

async function run(job: SampleJob): Promise<GeneratedTune[]> {
  const { sampler, ckpt } = await samplerFor(job.dir);
  const { allowCopies, ...options } = job.options;
  const reference = allowCopies ? null : await referenceFor(job.dir, ckpt);
  const { tunes } = await drawNovelTunes(sampler.stream(options), reference, { n: options.n, allowCopies });
  return tunes.map((t) => ({ text: t.text, maskedMassMean: t.maskedMassMean, maskedMassMax: t.maskedMassMax, redraws: t.redraws }));
}

parentPort?.on('message', async (job: SampleJob) => {
  let reply: SampleReply;
  try {
    reply = { id: job.id, tunes: await run(job) };
  } catch (err) {
    const e = err as Error & { userError?: boolean; where?: string; kind?: 'no-reference' };
    const kind = err instanceof CopiesError ? 'copies' : e?.kind;
    reply = { id: job.id, error: e?.message ?? String(err), userError: e?.userError === true, where: e?.where, ...(kind ? { kind } : {}) };
  }
  parentPort!.postMessage(reply);
});
