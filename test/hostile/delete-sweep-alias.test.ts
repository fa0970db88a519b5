import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { openStore, type Store } from '@tunelab/store';
import { runConfig, sweepConfig, usePostgres } from '@tunelab/store/testing';
import { runTunelab } from '../support/cli';

// Issue 21, item 5: `sweep delete` removed aliases through a cascade (the champion went with its sweep) and
// deleted a running sweep. Through the real CLI, on both databases: refused while it runs; refused while an
// alias points into it unless --force (exit 1, the alias named on stderr); with --force the alias history
// keeps what it pointed to.

const pg = await usePostgres('the PostgreSQL case of `sweep delete`');

interface Backend {
  name: string;
  skip: boolean;
  /** A fresh, empty store: its URL for --store, and the home folder the CLI uses. */
  fresh(): { url: string; home: string };
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    skip: false,
    fresh() {
      const home = mkdtempSync(join(tmpdir(), 'hostile-delete-'));
      return { url: join(home, 'tunelab.db'), home };
    },
  },
  {
    name: 'PostgreSQL',
    skip: pg.skip,
    fresh() {
      return { url: pg.freshUrl(), home: mkdtempSync(join(tmpdir(), 'hostile-delete-')) };
    },
  },
];

/** A sweep with one trial and a checkpoint folder on disk, and `champion` promoted to that checkpoint. */
async function sweepWithChampion(store: Store, home: string) {
  const sweep = await store.createSweep({ config: sweepConfig(), configYaml: '' });
  const trial = await store.createTrial({ sweepId: sweep.id, number: 0, params: {}, config: runConfig(), seed: 1 });
  const dir = join(home, 'checkpoints', trial.id, 'epoch-3');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'weights.bin'), 'w');
  const ckpt = await store.addCheckpoint({ trialId: trial.id, epoch: 3, kind: 'best', path: dir });
  await store.promote(ckpt.id, 'champion', 'the best so far');
  return { sweep, trial, ckpt, dir };
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`tunelab sweep delete on ${backend.name}`, () => {
    it('refuses a running sweep, refuses one the champion points into, and with --force keeps the alias history', async () => {
      const { url, home } = backend.fresh();
      const store = await openStore(url);
      let ids: Awaited<ReturnType<typeof sweepWithChampion>>;
      try {
        ids = await sweepWithChampion(store, home);
        await store.updateSweepStatus(ids.sweep.id, 'running');
      } finally {
        await store.close();
      }
      const { sweep, trial, ckpt, dir } = ids;
      const cli = (...args: string[]) => runTunelab(['sweep', 'delete', sweep.id, '--store', url, ...args], { env: { TUNELAB_HOME: home } });

      // Running: refused, --force or not.
      for (const r of [await cli(), await cli('--force')]) {
        expect(r.code, r.stdout).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`sweep ${sweep.id} is running; stop it first`));
      }

      // Stopped, but the champion points into it: refused, naming the alias.
      const again = await openStore(url);
      await again.updateSweepStatus(sweep.id, 'cancelled');
      await again.close();
      const refused = await cli();
      expect(refused.code, refused.stdout).toBe(1);
      expect(refused.stderr).toContain(`alias champion → checkpoint ${ckpt.id} (trial ${trial.id}, epoch 3) points into sweep ${sweep.id}`);
      expect(refused.stderr).toContain('--force');
      expect(existsSync(dir)).toBe(true);

      // --force: deleted; the alias points at nothing and its history says what it pointed to.
      const forced = await cli('--force', '--json');
      expect(forced.code, forced.stderr).toBe(0);
      expect(JSON.parse(forced.stdout)).toMatchObject({ sweepId: sweep.id, deleted: true, aliasesRemoved: ['champion'] });
      expect(forced.stderr).toContain(`alias champion pointed into sweep ${sweep.id}`);
      expect(existsSync(dir)).toBe(false);

      const after = await openStore(url);
      try {
        expect(await after.getSweep(sweep.id)).toBeNull();
        const alias = (await after.getAlias('champion'))!;
        expect(alias.current).toBeNull();
        expect(alias.history).toEqual([
          expect.objectContaining({
            version: 1,
            checkpointId: ckpt.id,
            note: 'the best so far',
            removed: { at: expect.any(Number), what: `checkpoint ${ckpt.id} of trial ${trial.id} (sweep ${sweep.id}, epoch 3), deleted with sweep ${sweep.id}` },
          }),
        ]);
      } finally {
        await after.close();
      }

      // generate --model champion says what the alias pointed to.
      const gen = await runTunelab(['generate', '--model', 'champion', '--store', url], { env: { TUNELAB_HOME: home } });
      expect(gen.code).not.toBe(0);
      expect(gen.stderr).toContain(`it pointed at checkpoint ${ckpt.id} of trial ${trial.id}`);
    });
  });
}
