import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './open-store';
import { describeStoreContract } from '../testing/contract';
import { runConfig, sweepConfig } from '../testing/fixtures';

const root = mkdtempSync(join(tmpdir(), 'tunelab-store-'));
let files = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeStoreContract('SQLite', {
  async fresh() {
    return `sqlite:${join(root, `db-${files++}`, 'tunelab.db')}`;
  },
  async cleanup() {},
});

describe('SQLite specifics', () => {
  it('lives in the home folder, next to its checkpoints', async () => {
    const home = join(root, 'home');
    const store = await openStore({ home });
    try {
      expect(store.info).toEqual({
        kind: 'sqlite',
        location: join(home, 'tunelab.db'),
        schema: null,
        readonly: false,
        checkpointDir: join(home, 'checkpoints'),
      });
    } finally {
      await store.close();
    }
  });

  it('refuses a read-only open of a missing file, naming it', async () => {
    await expect(openStore(join(root, 'missing.db'), { readonly: true })).rejects.toThrow(/No tunelab store at .*missing\.db/);
  });

  it('lets a read-only connection read while the writer is inside a transaction', async () => {
    const path = join(root, 'concurrent.db');
    const writer = await openStore(path);
    const reader = await openStore(path, { readonly: true });
    try {
      const sweep = await writer.createSweep({ config: sweepConfig(), configYaml: '' });
      const t = await writer.createTrial({ sweepId: sweep.id, number: 0, params: {}, config: runConfig(), seed: 1 });
      await writer.appendMetrics([{ trialId: t.id, name: 'loss', step: 0, value: 3 }]);
      await writer.withSweepLock(sweep.id, async (tx) => {
        await tx.appendMetrics([{ trialId: t.id, name: 'loss', step: 1, value: 2 }]);
        await tx.updateTrial(t.id, { status: 'running' });
        // The writer holds the write lock with uncommitted rows; the reader sees the last commit at once.
        const seen = await reader.getMetrics(t.id);
        expect(seen.loss.map((p) => p.step)).toEqual([0]);
        expect((await reader.getTrial(t.id))?.status).toBe('queued');
      });
      expect((await reader.getMetrics(t.id)).loss.map((p) => p.step)).toEqual([0, 1]);
      expect((await reader.getTrial(t.id))?.status).toBe('running');
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('keeps the metric hot path out of a concurrent transaction', async () => {
    const store = await openStore(join(root, 'interleave.db'));
    try {
      const sweep = await store.createSweep({ config: sweepConfig(), configYaml: '' });
      const t = await store.createTrial({ sweepId: sweep.id, number: 0, params: {}, config: runConfig(), seed: 1 });
      let outside: Promise<unknown> = Promise.resolve();
      await expect(
        store.withSweepLock(sweep.id, async () => {
          // Issued while the transaction is open: it must wait for the end, not join (and die with) it.
          outside = store.appendMetrics([{ trialId: t.id, name: 'loss', step: 5, value: 1 }]);
          await new Promise((r) => setTimeout(r, 20));
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      await outside;
      expect(await store.lastStep(t.id)).toBe(5);
    } finally {
      await store.close();
    }
  });
});
