import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runConfigToYaml } from '@tunelab/config';
import { tinyConfig, writeTinyCorpus } from '@tunelab/model/testing';
import { buildApp } from '@tunelab/dashboard';
import { openStore } from '@tunelab/store';
import { runTunelab } from './support/cli';

/** `tunelab promote --checkpoint <dir>`: a standalone run's checkpoint registered in the store and promoted. */

const tunelab = (args: string[]) => runTunelab(args);

let dir: string;
let home: string;
let ckpt: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tunelab-promote-ckpt-'));
  home = join(dir, 'home');
  const config = join(dir, 'tiny.yaml');
  writeFileSync(config, runConfigToYaml(tinyConfig(writeTinyCorpus(30))));
  const t = await tunelab(['train', '--config', config, '--epochs', '2', '--home', home, '--run-id', 'solo', '--json']);
  expect(t.code, t.stderr).toBe(0);
  ckpt = join(home, 'checkpoints/solo/epoch-2');
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tunelab promote --checkpoint', () => {
  test('registers the folder as a one-trial sweep, points champion at it, and generate --model champion samples from it', async () => {
    const p = await tunelab(['promote', '--checkpoint', ckpt, '--home', home, '--note', 'standalone', '--json']);
    expect(p.code, p.stderr).toBe(0);
    const out = JSON.parse(p.stdout);
    expect(out.alias).toMatchObject({ alias: 'champion', version: 1, note: 'standalone' });
    expect(out.registered).toMatchObject({ path: realpathSync(ckpt), createdSweep: true, createdCheckpoint: true });

    const store = await openStore({ home }, { readonly: true });
    try {
      const alias = await store.getAlias('champion');
      const row = await store.getCheckpoint(alias!.current!.checkpointId);
      expect(row).toMatchObject({ path: realpathSync(ckpt), epoch: 2, deletedAt: null });
      const sweeps = await store.listSweeps();
      expect(sweeps).toHaveLength(1);
      expect(sweeps[0]).toMatchObject({ id: out.sweepId, name: 'solo', method: 'grid', status: 'completed' });
      expect(sweeps[0].config).toMatchObject({ run_cap: 1, parameters: {} });
      const trials = await store.listTrials(out.sweepId);
      expect(trials).toHaveLength(1);
      expect(trials[0]).toMatchObject({ id: out.trialId, status: 'completed', bestCheckpointId: row!.id, bestStep: 2 });
      expect(trials[0].bestValue).toBe(row!.metrics[sweeps[0].metricName]);
      // Both epochs' metrics are there, at step = epoch, as a sweep's trial writes them.
      const metrics = await store.getMetrics(out.trialId, { names: [sweeps[0].metricName] });
      expect(metrics[sweeps[0].metricName].map((m) => m.step)).toEqual([1, 2]);
    } finally {
      await store.close();
    }

    const g = await tunelab(['generate', '--model', 'champion', '--home', home, '-n', '1', '--max-length', '120', '--allow-copies', '--json']);
    expect(g.code, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout).tunes).toHaveLength(1);
  }, 120_000);

  test('promoting the same folder again reuses its rows: no second sweep, trial or checkpoint', async () => {
    const p = await tunelab(['promote', '--checkpoint', ckpt, '--home', home, '--alias', 'candidate', '--json']);
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout).registered).toMatchObject({ createdSweep: false, createdCheckpoint: false });
    const store = await openStore({ home }, { readonly: true });
    try {
      const sweeps = await store.listSweeps();
      expect(sweeps).toHaveLength(1);
      expect(await store.listTrials(sweeps[0].id)).toHaveLength(1);
      expect(await store.listCheckpoints({ sweepId: sweeps[0].id })).toHaveLength(1);
      expect((await store.getAlias('candidate'))?.current?.checkpointId).toBe((await store.getAlias('champion'))?.current?.checkpointId);
      // The dashboard's API shows it like any sweep.
      const app = await buildApp({ reader: store, uiDir: null });
      try {
        const list = (await app.inject('/api/sweeps')).json() as { sweeps: { id: string }[] };
        expect(list.sweeps.map((s) => s.id)).toEqual([sweeps[0].id]);
        expect((await app.inject(`/api/sweeps/${sweeps[0].id}`)).statusCode).toBe(200);
        const { trials } = (await app.inject(`/api/sweeps/${sweeps[0].id}/trials?sort=best`)).json() as { trials: { status: string }[] };
        expect(trials.map((t) => t.status)).toEqual(['completed']);
      } finally {
        await app.close();
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  test('a folder that is not a checkpoint exits 1 naming it; --checkpoint with another way is a usage error', async () => {
    const broken = join(dir, 'broken', 'epoch-1');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'tunelab.json'), '{ not json');
    const b = await tunelab(['promote', '--checkpoint', broken, '--home', home]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(broken);
    const missing = await tunelab(['promote', '--checkpoint', join(dir, 'nowhere'), '--home', home]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(join(dir, 'nowhere'));
    for (const other of [['some-id'], ['--sweep', 'sw-000000', '--best'], ['--trial', 'sw-000000-t000']]) {
      const u = await tunelab(['promote', '--checkpoint', ckpt, ...other, '--home', home]);
      expect(u.code).toBe(1);
      expect(u.stderr).toMatch(/give one of .*--checkpoint <dir>/);
    }
  }, 60_000);
});
