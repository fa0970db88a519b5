import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '@tunelab/dashboard';
import { openStore, type CheckpointRow, type Store, type TrialRow } from '@tunelab/store';
import { startSweep, type SweepSummary } from '@tunelab/sweeper';
import { runTunelab } from './support/cli';
import { writeTinyCorpus } from './support/tiny-corpus';

/**
 * "Best" is the sweep metric's best, everywhere: a real tiny sweep (piscina workers training LSTMs on
 * made-up jigs) whose metric is bar_ok_rate, which only the eval block computes (every 3 epochs and at the
 * last), and the trainer's best checkpoint, the trial's best value and checkpoint, `sweep status`, retention,
 * `promote --sweep --best` and the dashboard all pick the bar_ok_rate-best epoch. The validation loss falls
 * every epoch, so its best is the last; the test needs some trial whose bar_ok_rate is best earlier (which
 * trial that is moves whenever the sampler changes, so it is not pinned to the winner).
 */
const GOAL: 'minimize' | 'maximize' = 'maximize';

let home: string;
let summary: SweepSummary;
let store: Store;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'tunelab-best-e2e-'));
  const yaml = `name: best-by-bar-ok
method: grid
metric: { name: bar_ok_rate, goal: ${GOAL} }
run_cap: 2
parallel: 2
seed: 1
data: { corpus: ${JSON.stringify(writeTinyCorpus(home))}, files: [], split: { val: 0.2, seed: 1 } }
train: { epochs: 4, batch_size: 4, seq_len: 16, checkpoint_every: 1, backend: cpu }
model: { cell: lstm, embedding_dim: 8, layers: [16], dropout: 0 }
eval: { every: 3, samples: 4, temperature: 1 }
keep_checkpoints: { best: 1, last: 1 }
parameters:
  train.optimizer.lr: { values: [0.01, 0.03] }
`;
  const config = join(home, 'sweep.yaml');
  writeFileSync(config, yaml);
  summary = await startSweep(config, { home, quiet: true });
  store = await openStore({ home }, { readonly: true });
}, 300_000);

afterAll(async () => {
  await store?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The epochs where a series beats every earlier value (by GOAL). */
function improvingSteps(points: { step: number; value: number }[]): number[] {
  const sign = GOAL === 'minimize' ? 1 : -1;
  let best = Infinity;
  return points.filter((p) => sign * p.value < best && ((best = sign * p.value), true)).map((p) => p.step);
}

/** The epoch with the best value of a series (earliest on ties). */
function argBest(points: { step: number; value: number }[], goal: 'minimize' | 'maximize'): number {
  const sorted = [...points].sort((a, b) => (goal === 'maximize' ? b.value - a.value : a.value - b.value) || a.step - b.step);
  return sorted[0].step;
}

describe('the best checkpoint is the sweep metric’s best (bar_ok_rate)', () => {
  test('trainer, trial, summary, retention, promote --best and the dashboard pick the same epoch', async () => {
    expect(summary.status).toBe('completed');
    const trials: TrialRow[] = await store.listTrials(summary.sweepId);
    expect(trials.map((t) => t.status)).toEqual(['completed', 'completed']);

    const winner = trials.find((t) => t.id === summary.best?.trialId)!;
    const disagreeing: string[] = [];
    expect(winner, 'the summary names a best trial').toBeDefined();
    for (const t of trials) {
      const metrics = await store.getMetrics(t.id);
      // bar_ok_rate exists only on eval epochs (3 and the last, 4); val_loss on every epoch.
      expect(metrics.bar_ok_rate.map((p) => p.step)).toEqual([3, 4]);
      expect(metrics.val_loss.map((p) => p.step)).toEqual([1, 2, 3, 4]);
      const metricBest = argBest(metrics.bar_ok_rate, GOAL);
      const valLossBest = argBest(metrics.val_loss, 'minimize');
      const bestValue = metrics.bar_ok_rate.find((p) => p.step === metricBest)!.value;

      // The trial: its best value and step, and its best checkpoint, are bar_ok_rate's.
      expect(t.bestStep).toBe(metricBest);
      expect(t.bestValue).toBe(bestValue);
      const all: CheckpointRow[] = await store.listCheckpoints({ trialId: t.id, includeDeleted: true });
      const best = all.find((c) => c.id === t.bestCheckpointId)!;
      expect(best.epoch).toBe(metricBest);
      // The trainer wrote `best` only where bar_ok_rate improved: never on an epoch without it.
      expect(all.filter((c) => c.kind === 'best').map((c) => c.epoch)).toEqual(improvingSteps(metrics.bar_ok_rate));
      expect(best.kind).toBe('best');
      expect(best.metrics.bar_ok_rate).toBe(bestValue);

      // Retention (best: 1, last: 1): the bar_ok_rate-best and the last checkpoint stay, the rest are gone.
      const kept = all.filter((c) => c.deletedAt === null).map((c) => c.epoch);
      expect(kept).toEqual([...new Set([metricBest, 4])].sort());
      for (const c of all) expect(existsSync(c.path!), `epoch ${c.epoch}`).toBe(c.deletedAt === null);

      // The summary (`sweep status --json`).
      const row = summary.trials.find((x) => x.id === t.id)!;
      expect(row.best).toEqual({ name: 'bar_ok_rate', value: bestValue, step: metricBest });
      expect(row.bestCheckpoint).toBe(best.id);

      if (valLossBest !== metricBest) {
        disagreeing.push(t.id);
        expect(all.find((c) => c.epoch === valLossBest)?.id).not.toBe(t.bestCheckpointId);
      }
    }
    // The scenario: for some trial val_loss would pick another epoch, so this test can fail.
    expect(disagreeing.length, 'a trial whose val_loss-best and bar_ok_rate-best epochs differ').toBeGreaterThan(0);
    expect(summary.best).toEqual({ trialId: winner.id, value: winner.bestValue });

    // `tunelab promote --sweep <id> --best`, as a user runs it.
    const promoted = await runTunelab(['promote', '--sweep', summary.sweepId, '--best', '--json'], { env: { TUNELAB_HOME: home } });
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(JSON.parse(promoted.stdout).alias.checkpointId).toBe(winner.bestCheckpointId);

    // The dashboard: the sweep's best trial, and each trial's best checkpoint and its metrics.
    const app = await buildApp({ reader: store, writer: async () => store, uiDir: null });
    try {
      const sweeps = (await app.inject('/api/sweeps')).json();
      expect(sweeps.sweeps[0].best).toEqual({ trialId: winner.id, value: winner.bestValue });
      const page = (await app.inject(`/api/sweeps/${summary.sweepId}/trials`)).json();
      for (const t of page.trials) {
        const row = trials.find((x) => x.id === t.id)!;
        expect(t.bestCheckpointId).toBe(row.bestCheckpointId);
        expect(t.bestStep).toBe(row.bestStep);
        expect(t.bestMetrics.bar_ok_rate).toBe(row.bestValue);
      }
    } finally {
      await app.close();
    }
  });
});
