import type { ColumnType } from 'kysely';

/**
 * The tables as Kysely sees them, shared by both dialects. Times are integer milliseconds (SQLite INTEGER,
 * PostgreSQL BIGINT read back as a number). JSON columns are TEXT on SQLite and `json` on PostgreSQL (`json`
 * keeps key order, unlike `jsonb`); the driver hands back a string on one and an object on the other, so
 * they read as `unknown` and rows.ts parses them. Flags are integers 0/1 on both, because better-sqlite3
 * cannot bind booleans.
 */

type Json = ColumnType<unknown, string, string>;
type NullableJson = ColumnType<unknown, string | null, string | null>;

export interface SweepsTable {
  id: string;
  name: string;
  config_json: Json;
  config_yaml: string;
  method: string;
  metric_name: string;
  metric_goal: string;
  status: string;
  seed: number;
  distributed: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface TrialsTable {
  id: string;
  sweep_id: string;
  number: number;
  params_json: Json;
  config_json: Json;
  status: string;
  attempt: number;
  seed: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  heartbeat_at: number | null;
  worker: string | null;
  best_value: number | null;
  best_step: number | null;
  best_checkpoint_id: string | null;
  failure_reason: string | null;
  prune_reason: string | null;
  log_tail: string;
}

export interface MetricsTable {
  trial_id: string;
  name: string;
  step: number;
  /** Null on SQLite stands for NaN, which SQLite cannot store. */
  value: number | null;
  time: number;
}

export interface CheckpointsTable {
  id: string;
  trial_id: string;
  epoch: number;
  kind: string;
  path: string | null;
  metrics_json: Json;
  created_at: number;
  deleted_at: number | null;
}

export interface CheckpointFilesTable {
  checkpoint_id: string;
  name: string;
  data: Uint8Array;
}

export interface SamplesTable {
  id: string;
  checkpoint_id: string;
  created_at: number;
  settings_json: Json;
  abc: string;
  eval_json: NullableJson;
}

export interface AliasesTable {
  alias: string;
  version: number;
  checkpoint_id: string;
  note: string | null;
  created_at: number;
  superseded_at: number | null;
  /** When the checkpoint was deleted with its sweep (`sweep delete --force`); the row stays as history. */
  removed_at: number | null;
  /** What the alias pointed to then: checkpoint, trial, sweep and epoch, in words. */
  removed_note: string | null;
}

export interface HumanTunesTable {
  id: string;
  source: string;
  source_index: number;
  abc: string;
  created_at: number;
}

export interface VotesTable {
  id: string;
  created_at: number;
  sweep_id: string;
  voter: string | null;
  left_sample_id: string;
  right_sample_id: string;
  left_player: string;
  right_player: string;
  verdict: string;
}

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface Database {
  sweeps: SweepsTable;
  trials: TrialsTable;
  metrics: MetricsTable;
  checkpoints: CheckpointsTable;
  checkpoint_files: CheckpointFilesTable;
  samples: SamplesTable;
  aliases: AliasesTable;
  human_tunes: HumanTunesTable;
  votes: VotesTable;
  tunelab_migrations: MigrationsTable;
}
