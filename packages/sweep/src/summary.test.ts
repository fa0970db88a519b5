import { describe, expect, it } from 'vitest';
import { bestCheckpoint, bestStep, bestTrial, improves, rankCheckpoints, trialCheckpoint } from './best';
import { summarize } from './summary';

const curve = (...values: number[]) => values.map((value, i) => ({ step: i + 1, value }));

describe('bestTrial', () => {
  const trials = [
    { id: 'a', status: 'completed' as const, value: 1.2 },
    { id: 'b', status: 'failed' as const, value: 0.1 },
    { id: 'c', status: 'pruned' as const, intermediate: curve(2, 1.1, 1.4) },
    { id: 'd', status: 'running' as const, value: 1.3 },
    { id: 'e', status: 'queued' as const, value: 99 },
    { id: 'f', status: 'cancelled' as const, value: -99 },
  ];
  it('picks the best of completed, pruned and running trials by the goal', () => {
    expect(bestTrial(trials, { name: 'val_loss', goal: 'minimize' })).toEqual({ trialId: 'c', value: 1.1 });
    expect(bestTrial(trials, { name: 'val_acc', goal: 'maximize' })).toEqual({ trialId: 'c', value: 2 });
    expect(bestTrial(trials.filter((x) => x.id !== 'c'), { name: 'val_acc', goal: 'maximize' })).toEqual({ trialId: 'd', value: 1.3 });
    expect(bestTrial([], { name: 'val_loss', goal: 'minimize' })).toBeNull();
  });
  it('bestStep takes the earliest step on ties', () => {
    expect(bestStep(curve(3, 1, 2, 1), 'minimize')).toEqual({ step: 2, value: 1 });
    expect(bestStep([{ step: 1, value: NaN }], 'minimize')).toBeNull();
  });
});

describe('improves, rankCheckpoints and bestCheckpoint', () => {
  it('improves is strict, by the goal, and only for finite values', () => {
    expect(improves(1, 2, 'minimize')).toBe(true);
    expect(improves(2, 1, 'minimize')).toBe(false);
    expect(improves(2, 1, 'maximize')).toBe(true);
    expect(improves(1, 1, 'maximize')).toBe(false);
    expect(improves(0.5, null, 'maximize')).toBe(true);
    expect(improves(0.5, NaN, 'minimize')).toBe(true);
    expect(improves(undefined, null, 'minimize')).toBe(false);
    expect(improves(NaN, null, 'minimize')).toBe(false);
  });
  // Epoch 1 and 3 checkpoints were written between eval epochs: they have val_loss but no bar_ok_rate.
  const ckpts: { id: string; epoch: number; metrics: Record<string, number> }[] = [
    { id: 'e1', epoch: 1, metrics: { val_loss: 1.4 } },
    { id: 'e2', epoch: 2, metrics: { val_loss: 1.3, bar_ok_rate: 0.6 } },
    { id: 'e3', epoch: 3, metrics: { val_loss: 1.2 } },
    { id: 'e4', epoch: 4, metrics: { val_loss: 1.1, bar_ok_rate: 0.4 } },
    { id: 'e6', epoch: 6, metrics: { val_loss: 1.0, bar_ok_rate: 0.6 } },
  ];
  it('ranks only checkpoints that recorded the metric, best first, earlier epoch on ties', () => {
    const bar = { name: 'bar_ok_rate', goal: 'maximize' } as const;
    expect(rankCheckpoints(ckpts, bar).map((c) => c.id)).toEqual(['e2', 'e6', 'e4']);
    expect(rankCheckpoints([...ckpts].reverse(), bar).map((c) => c.id)).toEqual(['e2', 'e6', 'e4']);
    expect(bestCheckpoint(ckpts, bar)?.id).toBe('e2');
    expect(bestCheckpoint(ckpts, { name: 'bar_ok_rate', goal: 'minimize' })?.id).toBe('e4');
    expect(bestCheckpoint(ckpts, { name: 'val_loss', goal: 'minimize' })?.id).toBe('e6');
    expect(bestCheckpoint(ckpts, { name: 'valid_rate', goal: 'maximize' })).toBeNull();
  });
  it("trialCheckpoint: the trial's recorded best when present, else the best by the metric, else the newest", () => {
    const bar = { name: 'bar_ok_rate', goal: 'maximize' } as const;
    expect(trialCheckpoint(ckpts, bar, 'e4')?.id).toBe('e4');
    expect(trialCheckpoint(ckpts, bar, 'gone')?.id).toBe('e2');
    expect(trialCheckpoint(ckpts, bar, null)?.id).toBe('e2');
    expect(trialCheckpoint(ckpts, { name: 'valid_rate', goal: 'maximize' })?.id).toBe('e6');
    expect(trialCheckpoint([ckpts[1], ckpts[0]], { name: 'valid_rate', goal: 'maximize' })?.id).toBe('e2');
    expect(trialCheckpoint([], bar, 'e4')).toBeNull();
  });
});

describe('summarize', () => {
  it('builds the CLI document from plain rows', () => {
    const doc = summarize({
      sweepId: 'sw-1',
      metric: { name: 'val_loss', goal: 'minimize' },
      config: { run_cap: 3, retries: 0 },
      trials: [
        {
          id: 1,
          status: 'completed',
          params: { 'train.optimizer.lr': 0.002 },
          metrics: curve(1.6, 1.2, 1.07, 1.1),
          checkpoints: [
            { step: 2, path: 'checkpoints/1/epoch-2' },
            { step: 4, path: 'checkpoints/1/epoch-4' },
          ],
        },
        { id: 2, status: 'pruned', params: { 'train.optimizer.lr': 0.05 }, metrics: curve(2.4, 2.2) },
        { id: 3, status: 'failed', params: { 'train.optimizer.lr': 0.9 }, metrics: [], error: 'loss is NaN at step 3' },
      ],
    });
    expect(doc).toEqual({
      sweepId: 'sw-1',
      status: 'completed',
      trials: [
        {
          id: 1,
          status: 'completed',
          params: { 'train.optimizer.lr': 0.002 },
          best: { name: 'val_loss', value: 1.07, step: 3 },
          values: [1.07],
          bestCheckpoint: 'checkpoints/1/epoch-4',
          error: null,
        },
        { id: 2, status: 'pruned', params: { 'train.optimizer.lr': 0.05 }, best: { name: 'val_loss', value: 2.2, step: 2 }, values: [2.2], bestCheckpoint: null, error: null },
        { id: 3, status: 'failed', params: { 'train.optimizer.lr': 0.9 }, best: null, values: null, bestCheckpoint: null, error: 'loss is NaN at step 3' },
      ],
      best: { trialId: 1, value: 1.07 },
      pareto: [1],
    });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('uses the status the store gives', () => {
    expect(summarize({ sweepId: 's', metric: { name: 'm', goal: 'maximize' }, trials: [], status: 'cancelled' })).toEqual({
      sweepId: 's',
      status: 'cancelled',
      trials: [],
      best: null,
      pareto: [],
    });
  });

  it('with two objectives: each trial\'s vector at its best val_loss epoch, and the front of the completed ones', () => {
    const objectives = [
      { name: 'val_loss', goal: 'minimize' as const },
      { name: 'bar_ok_rate', goal: 'maximize' as const },
    ];
    const row = (id: string, status: 'completed' | 'pruned', loss: number[], bar: number[]) => ({
      id,
      status,
      params: {},
      metrics: curve(...loss),
      objectiveMetrics: { bar_ok_rate: curve(...bar) },
    });
    const doc = summarize({
      sweepId: 's',
      metric: objectives[0],
      objectives,
      status: 'completed',
      trials: [
        row('a', 'completed', [1.5, 1.2], [0.2, 0.5]), // (1.2, 0.5): the best by val_loss
        row('b', 'completed', [1.4, 1.3], [0.9, 0.6]), // (1.3, 0.6): bar_ok_rate at the val_loss-best epoch 2, not its own best 0.9
        row('c', 'completed', [1.5, 1.6], [0.4, 0.8]), // (1.5, 0.4): dominated by a
        row('d', 'pruned', [1.0], [1.0]), // (1.0, 1.0) dominates all, but only completed trials make the front
        { id: 'e', status: 'completed', params: {}, metrics: curve(1.1), objectiveMetrics: {} }, // no bar_ok_rate: not on the front
      ],
    });
    expect(doc.trials.map((t) => t.values)).toEqual([[1.2, 0.5], [1.3, 0.6], [1.5, 0.4], [1.0, 1.0], [1.1, null]]);
    expect(doc.best).toEqual({ trialId: 'd', value: 1.0 });
    expect(doc.pareto).toEqual(['a', 'b']);
  });
});
