import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunConfig, SweepConfig } from '@tunelab/config';
import { startDashboard, type RunningDashboard, type TuneGenerator } from '@tunelab/dashboard';
import { fakeGenerator } from '@tunelab/dashboard/testing';
import { openStore, type Store } from '@tunelab/store';
import { usePostgres } from '@tunelab/store/testing';

/**
 * Issue 21, item 8: on PostgreSQL a checkpoint's files live in the database, and the dashboard wrote them to
 * `/tmp/tunelab-dashboard-checkpoints/<id>`, a folder any user of the machine can read or plant first. They
 * now go under the tunelab home (`<home>/cache/checkpoints/<id>`, private to the user). Live server, real
 * PostgreSQL store; a generator that records the folder it is handed.
 */

const pg = await usePostgres('the dashboard checkpoint-cache test');
const url = pg.freshUrl('tunelab_hostile');
const home = mkdtempSync(join(tmpdir(), 'tunelab-hostile-cache-'));
let store: Store;
let dash: RunningDashboard;
let checkpointId: string;
const seen: (string | null)[] = [];

const runConfig: RunConfig = {
  data: { corpus: 'nottingham', files: ['jigs'], preprocessing: 'raw', vocabulary: 'char', split: { val: 0.1, test: 0, seed: 1 } },
  model: { cell: 'lstm', embedding_dim: 16, layers: [32], dropout: 0 },
  train: { epochs: 1, batch_size: 4, seq_len: 16, batching: 'stateful', optimizer: { name: 'adam', lr: 0.01 }, clip_norm: 5, checkpoint_every: 1, seed: 1, backend: 'cpu', max_minutes: 0 },
};

beforeAll(async () => {
  if (pg.skip) return;
  store = await openStore(url);
  await store.migrate();
  const sweep = await store.createSweep({
    config: { name: 'cache', method: 'random', metric: { name: 'val_loss', goal: 'minimize' }, run_cap: 1, parallel: 1, seed: 1, max_minutes: 0, retries: 0, keep_checkpoints: { best: 1, last: 1 }, parameters: {}, base: runConfig } as SweepConfig,
    configYaml: 'name: cache\n',
  });
  const trial = await store.createTrial({ sweepId: sweep.id, number: 0, params: {}, config: runConfig, seed: 1 });
  // Written on another machine: its folder is not here, its files are in the database.
  const c = await store.addCheckpoint({ trialId: trial.id, epoch: 1, kind: 'best', path: '/elsewhere/agent-2/checkpoints/e001', metrics: { val_loss: 2 } });
  checkpointId = c.id;
  await store.putCheckpointFiles(c.id, [
    { name: 'tunelab.json', data: new TextEncoder().encode('{"format":"stub"}') },
    { name: 'weights.bin', data: new Uint8Array([1, 2, 3]) },
  ]);
  const fake = fakeGenerator();
  const generator: TuneGenerator = {
    async generate(job) {
      seen.push(job.checkpoint.path);
      return fake.generate(job);
    },
  };
  dash = await startDashboard({ home, store: url, port: 0, overrides: { generator } });
}, 60_000);

afterAll(async () => {
  await dash?.close();
  await store?.close();
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(pg.skip)('checkpoint cache', () => {
  test('a PostgreSQL checkpoint is written under <home>/cache/checkpoints, private, not in a shared /tmp folder', async () => {
    const r = await fetch(`${dash.url}/api/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ checkpointId, n: 1, seed: 1 }) });
    expect(r.status, await r.clone().text()).toBe(200);
    const cache = join(home, 'cache', 'checkpoints');
    expect(seen).toEqual([join(cache, checkpointId)]);
    expect(existsSync(join(cache, checkpointId, 'tunelab.json'))).toBe(true);
    expect(statSync(cache).mode & 0o077).toBe(0);
    expect(existsSync(join(tmpdir(), 'tunelab-dashboard-checkpoints', checkpointId))).toBe(false);
    // The answer names the checkpoint, never the folder.
    expect(await r.text()).not.toContain(home);
  });
});
