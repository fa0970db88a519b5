import type { RunConfig, SweepConfig } from '@tunelab/config';

/** A small run config, shaped like the quickstart's; the store never interprets it. */
export function runConfig(overrides: { lr?: number } = {}): RunConfig {
  return {
    data: { corpus: 'nottingham', files: ['jigs'], preprocessing: 'raw', vocabulary: 'char', split: { val: 0.1, test: 0, seed: 1 } },
    model: { cell: 'lstm', embedding_dim: 64, layers: [128, 128], dropout: 0.2 },
    train: {
      epochs: 3,
      batch_size: 16,
      seq_len: 64,
      batching: 'stateful',
      optimizer: { name: 'adam', lr: overrides.lr ?? 0.002 },
      clip_norm: 0,
      checkpoint_every: 1,
      seed: 7,
      backend: 'cpu',
      max_minutes: 0,
    },
  };
}

export function sweepConfig(goal: 'minimize' | 'maximize' = 'minimize'): SweepConfig {
  return {
    name: 'jigs-lr',
    method: 'random',
    metric: { name: 'val_loss', goal },
    run_cap: 8,
    parallel: 2,
    seed: 42,
    max_minutes: 0,
    retries: 1,
    keep_checkpoints: { best: 1, last: 1 },
    parameters: { 'train.optimizer.lr': { kind: 'log_uniform_values', min: 0.0001, max: 0.01 } },
    base: runConfig(),
  };
}

export const SWEEP_YAML = 'name: jigs-lr\nmethod: random\nmetric: {name: val_loss, goal: minimize}\n';
