import { cpSync, existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { verifyCheckpoint } from '@tunelab/model';
import { materializeCheckpoint, openStore } from '@tunelab/store';
import { usePostgres } from '@tunelab/store/testing';
import { metricSteps, recordingView, removeDirs, startTinySweep, tempDir, tinySweepYaml, waitFor } from './tiny-sweep';

/**
 * Crash-consistency of checkpoints (issue 21, item 7): a checkpoint that cannot be loaded is skipped (with a
 * line in the trial's log) and the one before it resumed from; half-written `.tmp-*` folders a crash left are
 * removed when the trial starts again; on PostgreSQL a checkpoint row never becomes visible before its files.
 */

const dirs: string[] = [];
afterAll(() => removeDirs(dirs));

describe('resuming past a corrupt checkpoint (SQLite store, files on disk)', () => {
  test('the newest checkpoint has truncated weights: the trial resumes from the one before, says so, and completes; leftovers go', async () => {
    const home = tempDir('ckpt', dirs);
    const store = await openStore({ home });
    const epochs = 8;
    const yaml = tinySweepYaml(home, { name: 'corrupt', epochs, keepLast: 3, tunes: 200 });
    try {
      // Run until the trial has two checkpoints on disk, then stop it (Ctrl-C: the trial is cancelled, resumable).
      const stop = new AbortController();
      const first = await startTinySweep(store, home, yaml, { view: recordingView(), signal: stop.signal });
      const trialId = `${first.sweepId}-t000`;
      await waitFor('two checkpoints', async () => {
        const epochsSaved = new Set((await store.listCheckpoints({ trialId })).map((c) => c.epoch));
        return epochsSaved.size >= 2;
      });
      stop.abort();
      expect(await first.done).not.toBeInstanceOf(Error);
      expect((await store.getTrial(trialId))!.status).toBe('cancelled');

      const rows = (await store.listCheckpoints({ trialId })).sort((a, b) => b.epoch - a.epoch);
      const newest = rows[0];
      const previous = rows.find((c) => c.epoch < newest.epoch)!;
      expect(previous, 'a checkpoint before the newest').toBeDefined();
      // A crash that lost the tail of the file (no fsync before the rename): half the weights are there.
      const weights = join(newest.path!, 'weights.bin');
      truncateSync(weights, Math.floor(readFileSync(weights).byteLength / 2));
      await expect(verifyCheckpoint(newest.path!)).rejects.toThrow(/weights\.bin/);
      // And a temporary folder a crash left mid-save.
      const leftover = join(home, 'checkpoints', trialId, `epoch-${newest.epoch + 1}.tmp-999999-1`);
      mkdirSync(leftover, { recursive: true });
      writeFileSync(join(leftover, 'weights.bin'), 'half');

      await store.updateSweepStatus(first.sweepId, 'running');
      const view = recordingView();
      const again = await startTinySweep(store, home, yaml, { view, sweepId: first.sweepId });
      expect(await again.done).not.toBeInstanceOf(Error);
      const trial = (await store.getTrial(trialId))!;
      expect(trial.status, `${trial.failureReason}\n${trial.logTail}`).toBe('completed');
      expect(trial.logTail).toMatch(new RegExp(`skipping checkpoint ${newest.id} \\(epoch ${newest.epoch}\\): it cannot be loaded .*weights\\.bin`));
      expect(trial.logTail).toContain(`resuming from ${previous.path}`);
      expect(view.notes.join('\n')).toMatch(/skipping checkpoint/);
      expect(existsSync(leftover)).toBe(false);
      // The epochs after the previous checkpoint were trained again: every metric has every epoch once.
      const steps = await metricSteps(store, trial);
      for (const [name, s] of Object.entries(steps)) expect(s, name).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
      // The re-saved checkpoint of the corrupt epoch is whole again.
      const resaved = (await store.listCheckpoints({ trialId })).find((c) => c.epoch === epochs)!;
      await expect(verifyCheckpoint(resaved.path!)).resolves.toMatchObject({ epoch: epochs });
    } finally {
      await store.close();
    }
  }, 240_000);

  test('verifyCheckpoint refuses bad JSON and a truncated optimizer state, naming the file', async () => {
    const home = tempDir('verify', dirs);
    const store = await openStore({ home });
    try {
      const run = await startTinySweep(store, home, tinySweepYaml(home, { name: 'verify', epochs: 1 }), { view: recordingView() });
      expect(await run.done).not.toBeInstanceOf(Error);
      const [ckpt] = await store.listCheckpoints({ trialId: `${run.sweepId}-t000` });
      await expect(verifyCheckpoint(ckpt.path!)).resolves.toMatchObject({ epoch: 1 });
      const cases: [string, (dir: string) => void, RegExp][] = [
        ['tunelab.json', (d) => writeFileSync(join(d, 'tunelab.json'), '{"format": "tunelab-checkpoint/1", "epo'), /tunelab\.json/],
        ['model.json', (d) => writeFileSync(join(d, 'model.json'), '{'), /model/],
        ['optimizer.json', (d) => writeFileSync(join(d, 'optimizer.json'), 'not json'), /optimizer\.json/],
        ['optimizer.bin', (d) => truncateSync(join(d, 'optimizer.bin'), 8), /optimizer\.bin/],
        ['weights.bin', (d) => writeFileSync(join(d, 'weights.bin'), Buffer.concat([readFileSync(join(d, 'weights.bin')), Buffer.alloc(4)])), /weights\.bin/],
      ];
      for (const [name, spoil, message] of cases) {
        const copy = join(home, `spoilt-${name}`);
        cpSync(ckpt.path!, copy, { recursive: true });
        spoil(copy);
        await expect(verifyCheckpoint(copy), name).rejects.toThrow(message);
      }
    } finally {
      await store.close();
    }
  }, 120_000);
});

const pg = await usePostgres('the PostgreSQL checkpoint test');

describe.skipIf(pg.skip)('PostgreSQL: a checkpoint row is never visible without its files', () => {
  const { name: schema, url } = pg.schema('tunelab_ckpt');

  test('a deferred constraint checks, at every commit that makes a live checkpoint row visible, that its files are there', async () => {
    const home = tempDir('pg-ckpt', dirs);
    const store = await openStore(url);
    try {
      // Checked at COMMIT: a transaction that inserts (or revives) a row must have stored its tunelab.json.
      await pg.admin(`
        create function "${schema}".checkpoint_files_first() returns trigger language plpgsql as $$
        begin
          if new.deleted_at is null and not exists (
            select 1 from "${schema}".checkpoint_files f where f.checkpoint_id = new.id and f.name = 'tunelab.json') then
            raise exception 'checkpoint % committed without its files', new.id;
          end if;
          return null;
        end $$;
        create constraint trigger checkpoint_files_first after insert or update on "${schema}".checkpoints
          deferrable initially deferred for each row execute function "${schema}".checkpoint_files_first();`);
      const view = recordingView();
      const epochs = 3;
      const run = await startTinySweep(store, home, tinySweepYaml(home, { name: 'pg-ckpt', epochs }), { view });
      expect(await run.done).not.toBeInstanceOf(Error);
      const trial = (await store.getTrial(`${run.sweepId}-t000`))!;
      expect(trial.status, `${trial.failureReason}\n${view.notes.join('\n')}`).toBe('completed');
      const live = (await store.listCheckpoints({ trialId: trial.id })).filter((c) => c.deletedAt === null);
      expect(live.map((c) => c.epoch)).toContain(epochs);
      expect(trial.bestCheckpointId).not.toBeNull();
      for (const c of live) {
        expect(c.path).toBeNull();
        const names = (await store.getCheckpointFiles(c.id)).map((f) => f.name).sort();
        expect(names, c.id).toEqual(expect.arrayContaining(['model.json', 'optimizer.bin', 'optimizer.json', 'tunelab.json', 'weights.bin']));
      }
      // Another machine materializes the best checkpoint from the store alone, and it loads.
      const dir = await materializeCheckpoint(store, trial.bestCheckpointId!, join(home, 'elsewhere', 'best'));
      await expect(verifyCheckpoint(dir)).resolves.toMatchObject({ runId: trial.id });
    } finally {
      await store.close();
    }
  }, 120_000);
});
