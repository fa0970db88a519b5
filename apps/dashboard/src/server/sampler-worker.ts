/**
 * The sampling worker: loads checkpoints with @tunelab/model (keeping the last two loaded) and generates
 * tunes. Sampling is synchronous tfjs work, so it runs here, off the server's event loop; the server
 * stops a job past its deadline by terminating this thread.
 */
import { parentPort } from 'node:worker_threads';

export interface SampleJob {
  id: number;
  dir: string;
  options: { n: number; temperature: number; topK?: number; topP?: number; prime?: string; seed: number; maxLength: number };
}

export type SampleReply =
  | { id: number; tunes: string[] }
  | { id: number; error: string; userError: boolean; where?: string }
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
  /** Synchronous in early versions of @tunelab/model, async now: await either. */
  generate(options: SampleJob['options']): string[] | Promise<string[]>;
  dispose(): void;
}

interface ModelApi {
  loadCheckpoint(dir: string): Promise<unknown>;
  Sampler: { fromCheckpoint(ckpt: unknown): SamplerLike };
}

const samplers = new Map<string, SamplerLike>();
let model: ModelApi | null = null;

async function samplerFor(dir: string): Promise<SamplerLike> {
  const cached = samplers.get(dir);
  if (cached) return cached;
  model ??= (await import('@tunelab/model')) as unknown as ModelApi;
  const sampler = model.Sampler.fromCheckpoint(await model.loadCheckpoint(dir));
  samplers.set(dir, sampler);
  for (const [key, old] of samplers) {
    if (samplers.size <= 2) break;
    old.dispose();
    samplers.delete(key);
  }
  return sampler;
}

parentPort?.on('message', async (job: SampleJob) => {
  let reply: SampleReply;
  try {
    const sampler = await samplerFor(job.dir);
    reply = { id: job.id, tunes: await sampler.generate(job.options) };
  } catch (err) {
    const e = err as Error & { userError?: boolean; where?: string };
    reply = { id: job.id, error: e?.message ?? String(err), userError: e?.userError === true, where: e?.where };
  }
  parentPort!.postMessage(reply);
});
