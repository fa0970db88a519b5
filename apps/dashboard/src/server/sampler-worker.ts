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

export type SampleReply = { id: number; tunes: string[] } | { id: number; error: string; userError: boolean; where?: string };

interface SamplerLike {
  generate(options: SampleJob['options']): string[];
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
    reply = { id: job.id, tunes: sampler.generate(job.options) };
  } catch (err) {
    const e = err as Error & { userError?: boolean; where?: string };
    reply = { id: job.id, error: e?.message ?? String(err), userError: e?.userError === true, where: e?.where };
  }
  parentPort!.postMessage(reply);
});
