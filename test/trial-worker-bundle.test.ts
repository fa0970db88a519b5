import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseRunConfig } from '@tunelab/config';
import { fusedStatus } from '@tunelab/model';
import { trialWorkerFile, type TrialTask } from '@tunelab/sweeper';
import { repoRoot } from './support/cli';
import { writeTinyCorpus } from './support/tiny-corpus';

/**
 * The sweeper's prebuilt trial worker (one esbuild bundle of apps/sweeper/src/worker.ts, tfjs and the packages
 * inlined) trains a real trial in a worker thread as the tsx-loaded sources do: the native fused kernels are
 * found from inside the bundle, and a failed trial's stack points at the TypeScript sources.
 */

let dir: string;
let outDir: string;
let href: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tunelab-trial-bundle-'));
  // A bundle of its own, built now (the sweeper's apps/sweeper/dist may be fresh already): inside the workspace,
  // where the bundle finds node_modules.
  mkdirSync(join(repoRoot, 'apps', 'sweeper', 'dist'), { recursive: true });
  outDir = mkdtempSync(join(repoRoot, 'apps', 'sweeper', 'dist', 'test-'));
  const file = await trialWorkerFile({ outDir });
  expect(file.fallbackReason).toBeUndefined();
  expect(file).toMatchObject({ kind: 'bundle', built: true });
  href = file.href;
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

interface Ran {
  outcome: string;
  events: { type: string; line?: string; metrics?: Record<string, number> }[];
  end: { outcome: string; error?: string; stack?: string };
}

/** Runs one task through the bundle's default export in a fresh worker thread, as piscina would. */
async function runInBundle(task: Omit<TrialTask, 'port'>, module = href): Promise<Ran> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.once('message', async (task) => parentPort.postMessage(await (await import(${JSON.stringify(module)})).default(task)));`,
    { eval: true },
  );
  const { port1, port2 } = new MessageChannel();
  const events: Ran['events'] = [];
  let end: Ran['end'] | undefined;
  port1.on('message', (m: Ran['events'][number] & Ran['end']) => (m.type === 'end' ? (end = m) : events.push(m)));
  try {
    const outcome = await new Promise<string>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage({ ...task, port: port2 }, [port2]);
    });
    await new Promise((r) => setTimeout(r, 50)); // the port's last messages
    return { outcome, events, end: end ?? { outcome: 'none' } };
  } finally {
    port1.close();
    await worker.terminate();
  }
}

function task(runId: string, resumeFrom: string | null = null): Omit<TrialTask, 'port'> {
  const corpus = writeTinyCorpus(dir);
  const config = parseRunConfig(`
data: { corpus: ${JSON.stringify(corpus)}, split: { val: 0.2, seed: 1 } }
train: { epochs: 1, batch_size: 4, seq_len: 16, checkpoint_every: 0, backend: auto }
model: { cell: lstm, embedding_dim: 8, layers: [16], dropout: 0 }
`);
  return { trialId: runId, runId, config, objective: { name: 'val_accuracy', goal: 'maximize' }, home: join(dir, 'home'), resumeFrom };
}

describe('the prebuilt trial worker', () => {
  test('trains a trial, with the same engine as the sources', async () => {
    const ran = await runInBundle(task('bundle-ok'));
    expect(ran.end).toMatchObject({ outcome: 'completed', epochs: 1 });
    expect(ran.outcome).toBe('completed');
    const engine = ran.events.find((e) => e.type === 'log' && e.line?.startsWith('engine:'))?.line ?? '';
    expect(engine.includes('with the native fused LSTM kernels'), engine).toBe(fusedStatus().native);
    const epoch = ran.events.find((e) => e.type === 'epoch');
    expect(Number.isFinite(epoch?.metrics?.val_loss)).toBe(true);
    // The task's objective reaches the trainer.
    expect(ran.events.some((e) => e.type === 'log' && e.line === 'the best checkpoint is chosen by val_accuracy (maximize)')).toBe(true);
  });

  test('where no bundle can be written, trials run through tsx and the reason names the place', async () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const file = await trialWorkerFile({ outDir: join(blocker, 'dist') });
    expect(file.kind).toBe('tsx');
    expect(file.href).toMatch(/apps\/sweeper\/src\/worker-boot\.mjs$/);
    expect(file.fallbackReason).toMatch(/not-a-folder/);
    const ran = await runInBundle(task('tsx-ok'), file.href);
    expect(ran.end).toMatchObject({ outcome: 'completed', epochs: 1 });
  });

  test("a failed trial's stack names the TypeScript file it failed in", async () => {
    const ran = await runInBundle(task('bundle-fail', join(dir, 'no-such-checkpoint')));
    expect(ran.end.outcome).toBe('failed');
    expect(ran.end.error).toMatch(/no-such-checkpoint/);
    expect(ran.end.stack).toMatch(/packages\/model\/src\/[a-z-]+\.ts:\d+/);
  });
});
