import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { materializeCheckpoint, uploadCheckpointDir } from './checkpoint-sync';
import { openStore } from './open-store';
import { runConfig, sweepConfig } from '../testing/fixtures';

const root = mkdtempSync(join(tmpdir(), 'tunelab-ckpt-sync-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function storeWithCheckpoint(path: string | null) {
  const store = await openStore('sqlite::memory:');
  const sweep = await store.createSweep({ config: sweepConfig(), configYaml: '' });
  const trial = await store.createTrial({ sweepId: sweep.id, number: 0, params: {}, config: runConfig(), seed: 0 });
  const ckpt = await store.addCheckpoint({ trialId: trial.id, epoch: 2, kind: 'best', path });
  return { store, ckpt };
}

function checkpointFolder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tunelab.json'), '{"epoch":2}');
  writeFileSync(join(dir, 'weights.bin'), Buffer.from([0, 1, 2, 255]));
  return dir;
}

describe('checkpoint files through the store', () => {
  it('uploads a folder and materializes it on a machine that lacks it', async () => {
    const { store, ckpt } = await storeWithCheckpoint(null);
    try {
      expect(await uploadCheckpointDir(store, ckpt.id, checkpointFolder('a'))).toBe(15);
      const target = join(root, 'elsewhere', 'epoch-2');
      expect(await materializeCheckpoint(store, ckpt.id, target)).toBe(target);
      expect(readFileSync(join(target, 'tunelab.json'), 'utf8')).toBe('{"epoch":2}');
      expect([...readFileSync(join(target, 'weights.bin'))]).toEqual([0, 1, 2, 255]);
      // Already there: reused, not written again.
      writeFileSync(join(target, 'marker'), '');
      expect(await materializeCheckpoint(store, ckpt.id, target)).toBe(target);
      expect(existsSync(join(target, 'marker'))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("returns the row's own folder when it is on this machine", async () => {
    const dir = checkpointFolder('b');
    const { store, ckpt } = await storeWithCheckpoint(dir);
    try {
      expect(await materializeCheckpoint(store, ckpt.id, join(root, 'unused'))).toBe(dir);
      expect(existsSync(join(root, 'unused'))).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('names the checkpoint when neither the folder nor stored files exist', async () => {
    const { store, ckpt } = await storeWithCheckpoint(join(root, 'gone'));
    try {
      await expect(materializeCheckpoint(store, ckpt.id, join(root, 'c'))).rejects.toThrow(/has no files in the store and .*gone is not on this machine/);
      await expect(materializeCheckpoint(store, 'nope', join(root, 'c'))).rejects.toThrow(/no checkpoint nope/);
      await expect(uploadCheckpointDir(store, ckpt.id, root)).rejects.toThrow(/tunelab\.json/);
    } finally {
      await store.close();
    }
  });
});
