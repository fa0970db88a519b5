import { randomBytes } from 'node:crypto';
import type { RunConfig, SweepConfig } from '@tunelab/config';
import pg from 'pg';

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

/** The PostgreSQL the tests use: TUNELAB_TEST_PG, else the local trust-auth server. */
export const TEST_PG_URL = process.env.TUNELAB_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers; the error message when it does not. */
export async function probePostgres(url = TEST_PG_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema name per test file run, so parallel runs never meet. */
export function testSchemaName(): string {
  return `tunelab_test_${randomBytes(5).toString('hex')}`;
}

export async function dropSchema(schema: string, url = TEST_PG_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
