import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore } from '@tunelab/store';
import { objectiveVectors } from '@tunelab/sweeper';
import { runTunelab } from './support/cli';
import { dataDirOrSkip } from './support/data';

/**
 * Issue 23's done-when for multi-objective sweeps, through the real `tunelab` command on the real jigs:
 * experiments/two-objectives.yaml (6 tiny bayes trials, val_loss minimize and bar_ok_rate maximize)
 * completes; `sweep status --json` lists as `pareto` exactly the completed trials that no completed trial
 * dominates, checked by brute force from the store's per-epoch metrics, and the front includes `best`.
 * `promote --trial` then promotes a front member's best checkpoint, `promote --sweep --best` still the
 * val_loss-best trial's.
 */

const dataDir = dataDirOrSkip();
const homes: string[] = [];

afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe.skipIf(!dataDir)('a two-objective sweep (end to end on jigs)', () => {
  test('completes; pareto is the brute-force front of the completed trials and includes best; promote --trial', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tunelab-pareto-e2e-'));
    homes.push(home);
    const env = { TUNELAB_HOME: home, TUNELAB_DATA_DIR: dataDir };
    const started = await runTunelab(['sweep', 'start', '--config', 'experiments/two-objectives.yaml', '--json'], { env });
    expect(started.code, started.stderr).toBe(0);
    const summary = JSON.parse(started.stdout);
    expect(summary.status).toBe('completed');
    expect(summary.trials).toHaveLength(6);
    expect(summary.objectives).toEqual([
      { name: 'val_loss', goal: 'minimize' },
      { name: 'bar_ok_rate', goal: 'maximize' },
    ]);

    const status = await runTunelab(['sweep', 'status', summary.sweepId, '--json'], { env });
    expect(status.code, status.stderr).toBe(0);
    const doc = JSON.parse(status.stdout);
    expect(doc).toEqual(summary);

    // Brute force from the stored per-epoch metrics: each completed trial's (val_loss, bar_ok_rate) at its
    // val_loss-best epoch (earliest on ties), then the trials no other completed trial dominates.
    const store = await openStore({ home }, { readonly: true });
    const vectors = new Map<string, [number, number] | null>();
    let tpeProposals = 0;
    try {
      for (const t of await store.listTrials(summary.sweepId)) {
        if (/proposed by tpe:/.test(t.logTail)) tpeProposals++;
        if (t.status !== 'completed') continue;
        const m = await store.getMetrics(t.id);
        const loss = m.val_loss ?? [];
        expect(loss.length, `${t.id} val_loss`).toBeGreaterThan(0);
        const best = loss.reduce((a, b) => (b.value < a.value ? b : a));
        const bar = (m.bar_ok_rate ?? []).find((p) => p.step === best.step);
        vectors.set(t.id, bar ? [best.value, bar.value] : null);
      }
      // What the controller hands TPE each step: the same vectors, read from the same rows.
      const forTpe = await objectiveVectors(store, (await store.getSweep(summary.sweepId))!);
      for (const [id, v] of vectors) expect(forTpe[id], id).toEqual(v);
    } finally {
      await store.close();
    }
    expect(vectors.size).toBe(6);
    // After the 2 startup trials, TPE proposed on the two-objective split.
    expect(tpeProposals).toBeGreaterThan(0);
    const complete = [...vectors].filter((e): e is [string, [number, number]] => e[1] !== null);
    const dominated = (a: [number, number]) => complete.some(([, b]) => b[0] <= a[0] && b[1] >= a[1] && (b[0] < a[0] || b[1] > a[1]));
    const brute = complete.filter(([, v]) => !dominated(v)).map(([id]) => id);
    console.info(`two-objective sweep: ${complete.map(([id, v]) => `${id} (${v[0].toFixed(3)}, ${v[1]})`).join(', ')}; front ${brute.join(', ')}`);
    expect(brute.length).toBeGreaterThan(0);
    expect([...doc.pareto].sort()).toEqual([...brute].sort());
    for (const t of doc.trials) {
      const v = vectors.get(t.id);
      expect(t.objectives, t.id).toEqual(v ? { val_loss: v[0], bar_ok_rate: v[1] } : t.objectives);
    }
    // best is by the first objective, unchanged, and lies on the front.
    const byLoss = complete.reduce((a, b) => (b[1][0] < a[1][0] ? b : a));
    expect(doc.best).toEqual({ trialId: byLoss[0], value: byLoss[1][0] });
    expect(doc.pareto).toContain(doc.best.trialId);

    // Any trial's best checkpoint can be promoted; --best still means the val_loss-best trial.
    const member = doc.pareto.find((id: string) => id !== doc.best.trialId) ?? doc.best.trialId;
    const memberRow = doc.trials.find((t: { id: string }) => t.id === member);
    const [byTrial, byBest] = [
      await runTunelab(['promote', '--trial', member, '--alias', 'clean', '--json'], { env }),
      await runTunelab(['promote', '--sweep', summary.sweepId, '--best', '--alias', 'lowest-loss', '--json'], { env }),
    ];
    expect(byTrial.code, byTrial.stderr).toBe(0);
    expect(JSON.parse(byTrial.stdout)).toMatchObject({ trialId: member, alias: { alias: 'clean', checkpointId: memberRow.bestCheckpoint } });
    expect(byBest.code, byBest.stderr).toBe(0);
    expect(JSON.parse(byBest.stdout)).toMatchObject({ trialId: doc.best.trialId, alias: { alias: 'lowest-loss' } });
    const both = await runTunelab(['promote', '--trial', member, '--sweep', summary.sweepId, '--best'], { env });
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/one of a checkpoint id, --sweep <id> --best, --trial <id> or --checkpoint <dir>/);
  }, 300_000);
});
