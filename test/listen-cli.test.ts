import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeFixture, type Fixture } from '@tunelab/dashboard/testing';
import { sweepRatings } from '@tunelab/dashboard';
import { findAbc2midi } from '@tunelab/eval';
import { exportSweep } from '@tunelab/sweeper';

/** `tunelab listen` with piped stdin, `promote --best-by listen_rating` and the listening columns of `sweep export`. */

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'apps/cli/bin/tunelab.mjs');
let f: Fixture;
let bestCheckpoints: string[];

beforeAll(async () => {
  f = await makeFixture({ trials: 3, points: 8 });
  // Stored 6/8 samples for every trial's best checkpoint, so pairs need no model.
  bestCheckpoints = (await f.store.listTrials(f.sweepId)).map((t) => t.bestCheckpointId!);
  for (const [k, c] of bestCheckpoints.entries()) {
    for (let s = 0; s < 4; s++) {
      await f.store.addSample({ checkpointId: c, settings: { temperature: 1, seed: s, maxLength: 600, meter: '6/8', prime: null }, abc: `X:1\nT:Tune ${k}.${s} of ${c}\nM:6/8\nL:1/8\nK:D\n|:dfa afd|ecA A2e:|\n` });
    }
  }
}, 60_000);
afterAll(async () => f?.cleanup());

const tunelab = (args: string[], input: string) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', input, timeout: 60_000 });

describe('tunelab listen', () => {
  test('writes the pair to a temp folder, asks until it gets l/r/s, records the vote, then names the two', async () => {
    const r = tunelab(['listen', '--home', f.home, '--sweep', f.sweepId, '--meter', '6/8', '--voter', 'ann'], 'maybe\nl\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/which is better to hear\? \[l\]eft \/ \[r\]ight \/ \[s\]ame/);
    expect(r.stdout).toMatch(/please answer l, r or s/);
    const dir = /written to (\S+):/.exec(r.stdout)![1];
    expect(existsSync(join(dir, 'left.abc'))).toBe(true);
    expect(existsSync(join(dir, 'right.abc'))).toBe(true);
    if (await findAbc2midi()) expect(existsSync(join(dir, 'left.mid'))).toBe(true);
    else expect(r.stdout).toMatch(/abc2midi is not installed/);
    const votes = await f.store.listVotes({ sweepId: f.sweepId });
    expect(votes).toHaveLength(1);
    expect(votes[0]).toMatchObject({ voter: 'ann', verdict: 'left' });
    // The names come after the vote, and they are the players of the stored vote.
    expect(r.stdout.indexOf('left:  checkpoint')).toBeGreaterThan(r.stdout.indexOf('recorded left'));
    expect(r.stdout).toContain(`left:  checkpoint ${votes[0].leftPlayer}`);
    expect(r.stdout).toContain(`right: checkpoint ${votes[0].rightPlayer}`);
  }, 60_000);

  test('--json keeps stdout one document; no answer records nothing', async () => {
    const r = tunelab(['listen', '--home', f.home, '--sweep', f.sweepId, '--meter', '6/8', '--json'], 's\n');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.vote.verdict).toBe('same');
    expect(out.left.checkpointId).not.toBe(out.right.checkpointId);
    const none = tunelab(['listen', '--home', f.home, '--sweep', f.sweepId, '--meter', '6/8'], '');
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no answer/);
    expect(await f.store.listVotes({ sweepId: f.sweepId })).toHaveLength(2);
    const unknown = tunelab(['listen', '--home', f.home, '--sweep', 'sw-none', '--meter', '6/8'], 'l\n');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/No sweep sw-none/);
  }, 60_000);
});

describe('ratings beside the metrics', () => {
  test('promote --best-by listen_rating takes the best-rated checkpoint, not the best by the metric', async () => {
    const [metricBest] = await f.store.listTrials(f.sweepId, { sort: 'best', limit: 1 });
    const favourite = bestCheckpoints.find((c) => c !== metricBest.bestCheckpointId)!;
    const others = bestCheckpoints.filter((c) => c !== favourite);
    for (const other of others) {
      for (let k = 0; k < 3; k++) {
        await f.store.addVote({ sweepId: f.sweepId, leftSampleId: `sa-f${k}`, rightSampleId: `sa-o${k}`, leftPlayer: favourite, rightPlayer: other, verdict: 'left' });
      }
    }
    const { ratings } = await sweepRatings(f.store, f.sweepId);
    expect(ratings[0].checkpointId).toBe(favourite);
    const r = tunelab(['promote', '--home', f.home, '--sweep', f.sweepId, '--best-by', 'listen_rating', '--alias', 'by-ear', '--json'], '');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).alias).toMatchObject({ alias: 'by-ear', checkpointId: favourite });
    const byMetric = tunelab(['promote', '--home', f.home, '--sweep', f.sweepId, '--best-by', 'val_loss', '--alias', 'by-metric', '--json'], '');
    expect(byMetric.status, byMetric.stderr).toBe(0);
    expect(JSON.parse(byMetric.stdout).alias.checkpointId).toBe(metricBest.bestCheckpointId);
    const bad = tunelab(['promote', '--home', f.home, '--sweep', f.sweepId, '--best-by', 'loudness'], '');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--best-by takes the sweep's metric \(val_loss\) or listen_rating/);

    // sweep export: listen_rating, its stderr and votes per trial, as the ratings route gives them.
    const csv = (await exportSweep(f.store, f.sweepId, 'csv')).trim().split('\n');
    const header = csv[0].split(',');
    const col = (name: string) => header.indexOf(name);
    expect(col('listen_rating')).toBeGreaterThan(0);
    const trialOf = (c: string) => c.replace(/-e\d+.*$/, '');
    const row = csv.find((line) => line.startsWith(`${trialOf(favourite)},`))!.split(',');
    const rated = ratings.find((x) => x.checkpointId === favourite)!;
    expect(Number(row[col('listen_rating')])).toBeCloseTo(rated.rating, 9);
    expect(Number(row[col('listen_rating_stderr')])).toBeCloseTo(rated.stderr, 9);
    expect(Number(row[col('listen_votes')])).toBe(rated.votes);
    const json = JSON.parse(await exportSweep(f.store, f.sweepId, 'json'));
    expect(json.trials.find((t: { id: string }) => t.id === trialOf(favourite)).listen).toMatchObject({ votes: rated.votes });
  }, 90_000);
});
