import { join } from 'node:path';
import type { RunConfig, SweepConfig } from '@tunelab/config';
import type { Store } from '@tunelab/store';

/**
 * Each trial's (val_loss, bar_ok_rate) at its best val_loss epoch (epoch 4 of 6), by trial number. With
 * val_loss minimized and bar_ok_rate maximized, the completed trials' front is 0, 1, 3 and 5; 2, 4 and 6 are
 * dominated; 7 would be on it but was pruned (the front is over completed trials).
 */
export const TWO_OBJECTIVE_VECTORS: readonly (readonly [number, number])[] = [
  [1.0, 0.5],
  [1.1, 0.7],
  [1.2, 0.65],
  [1.3, 0.85],
  [1.4, 0.6],
  [1.55, 0.9],
  [1.6, 0.8],
  [1.8, 0.95],
];
export const TWO_OBJECTIVE_FRONT = [0, 1, 3, 5];
const BEST_EPOCH = 4;
const EPOCHS = 6;

/**
 * Adds to `store` a finished sweep of two objectives (val_loss minimize, bar_ok_rate maximize) over lr and
 * embedding_dim: 8 trials, 7 completed and 1 pruned, whose vectors at the best epoch are
 * TWO_OBJECTIVE_VECTORS (bar_ok_rate keeps rising after that epoch: the vector is read at the best
 * epoch, not the last). Each trial has a best and a last checkpoint (paths under `home`, not on disk).
 */
export async function addTwoObjectiveSweep(store: Store, home: string): Promise<{ sweepId: string; trialIds: string[] }> {
  const objectives = [
    { name: 'val_loss', goal: 'minimize' as const },
    { name: 'bar_ok_rate', goal: 'maximize' as const },
  ];
  const base: RunConfig = {
    data: { corpus: 'nottingham', files: ['jigs'], preprocessing: 'raw', vocabulary: 'char', split: { val: 0.1, test: 0, seed: 1 } },
    model: { cell: 'lstm', embedding_dim: 16, layers: [32], dropout: 0 },
    train: { epochs: EPOCHS, batch_size: 16, seq_len: 32, batching: 'stateful', optimizer: { name: 'adam', lr: 0.003 }, clip_norm: 5, checkpoint_every: 1, seed: 1, backend: 'cpu', max_minutes: 0 },
  };
  const config = {
    name: 'two-objectives',
    method: 'random',
    metric: objectives[0],
    objectives,
    run_cap: TWO_OBJECTIVE_VECTORS.length,
    parallel: 2,
    seed: 1,
    max_minutes: 0,
    retries: 0,
    keep_checkpoints: { best: 1, last: 1 },
    parameters: {
      'train.optimizer.lr': { kind: 'log_uniform_values', min: 0.001, max: 0.02 },
      'model.embedding_dim': { kind: 'categorical', values: [8, 16, 32] },
    },
    base,
  } as unknown as SweepConfig;
  const sweep = await store.createSweep({
    config,
    configYaml: 'name: two-objectives\nmetric:\n  - { name: val_loss, goal: minimize }\n  - { name: bar_ok_rate, goal: maximize }\n',
  });
  await store.updateSweepStatus(sweep.id, 'running');
  const trialIds: string[] = [];
  for (const [i, [loss, bar]] of TWO_OBJECTIVE_VECTORS.entries()) {
    const lr = 0.001 * Math.pow(20, i / (TWO_OBJECTIVE_VECTORS.length - 1));
    const dim = [8, 16, 32][i % 3];
    const t = await store.createTrial({
      sweepId: sweep.id,
      number: i,
      params: { 'train.optimizer.lr': lr, 'model.embedding_dim': dim },
      config: { ...base, model: { ...base.model, embedding_dim: dim }, train: { ...base.train, optimizer: { name: 'adam', lr } } },
      seed: 100 + i,
    });
    trialIds.push(t.id);
    await store.updateTrial(t.id, { status: 'running', worker: 'host:1:0' });
    const rows = [];
    for (let step = 1; step <= EPOCHS; step++) {
      // val_loss falls to its minimum at BEST_EPOCH and rises after; bar_ok_rate rises throughout.
      const valLoss = loss + 0.1 * (step - BEST_EPOCH) ** 2;
      const barOk = Math.min(1, bar + 0.02 * (step - BEST_EPOCH));
      const time = 1_700_000_000_000 + step * 1000;
      rows.push({ trialId: t.id, name: 'loss', step, value: valLoss - 0.2, time });
      rows.push({ trialId: t.id, name: 'val_loss', step, value: valLoss, time });
      rows.push({ trialId: t.id, name: 'bar_ok_rate', step, value: barOk, time });
    }
    await store.appendMetrics(rows);
    const best = await store.addCheckpoint({
      trialId: t.id,
      epoch: BEST_EPOCH,
      kind: 'best',
      path: join(home, 'checkpoints', t.id, `epoch-${BEST_EPOCH}`),
      metrics: { val_loss: loss, bar_ok_rate: bar },
    });
    await store.addCheckpoint({ trialId: t.id, epoch: EPOCHS, kind: 'periodic', path: join(home, 'checkpoints', t.id, `epoch-${EPOCHS}`), metrics: { val_loss: loss + 0.4 } });
    const pruned = i === TWO_OBJECTIVE_VECTORS.length - 1;
    await store.updateTrial(t.id, {
      status: pruned ? 'pruned' : 'completed',
      bestValue: loss,
      bestStep: BEST_EPOCH,
      bestCheckpointId: best.id,
      pruneReason: pruned ? 'ASHA: pruned at rung 6' : null,
    });
  }
  await store.updateSweepStatus(sweep.id, 'completed');
  return { sweepId: sweep.id, trialIds };
}
