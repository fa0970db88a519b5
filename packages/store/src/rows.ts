import type { Selectable } from 'kysely';
import type { AliasesTable, CheckpointsTable, HumanTunesTable, SamplesTable, SweepsTable, TrialsTable, VotesTable } from './schema';
import type {
  AliasRow,
  CheckpointKind,
  CheckpointRow,
  HumanTuneRow,
  SampleRow,
  SweepRow,
  SweepStatus,
  TrialRow,
  TrialStatus,
  Verdict,
  VoteRow,
} from './types';

/** SQLite hands JSON columns back as text, PostgreSQL's `json` type as parsed values. */
export function fromJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Integer columns can come back as strings from PostgreSQL aggregates; times and seeds fit a double. */
function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

export function toSweepRow(r: Selectable<SweepsTable>): SweepRow {
  return {
    id: r.id,
    name: r.name,
    config: fromJson(r.config_json),
    configYaml: r.config_yaml,
    method: r.method,
    metricName: r.metric_name,
    metricGoal: r.metric_goal === 'maximize' ? 'maximize' : 'minimize',
    status: r.status as SweepStatus,
    seed: num(r.seed),
    distributed: num(r.distributed) !== 0,
    createdAt: num(r.created_at),
    startedAt: numOrNull(r.started_at),
    finishedAt: numOrNull(r.finished_at),
  };
}

export function toTrialRow(r: Selectable<TrialsTable>): TrialRow {
  return {
    id: r.id,
    sweepId: r.sweep_id,
    number: num(r.number),
    params: fromJson(r.params_json),
    config: fromJson(r.config_json),
    status: r.status as TrialStatus,
    attempt: num(r.attempt),
    seed: num(r.seed),
    createdAt: num(r.created_at),
    startedAt: numOrNull(r.started_at),
    finishedAt: numOrNull(r.finished_at),
    heartbeatAt: numOrNull(r.heartbeat_at),
    worker: r.worker,
    bestValue: numOrNull(r.best_value),
    bestStep: numOrNull(r.best_step),
    bestCheckpointId: r.best_checkpoint_id,
    failureReason: r.failure_reason,
    pruneReason: r.prune_reason,
    logTail: r.log_tail,
  };
}

export function toCheckpointRow(r: Selectable<CheckpointsTable>): CheckpointRow {
  return {
    id: r.id,
    trialId: r.trial_id,
    epoch: num(r.epoch),
    kind: r.kind as CheckpointKind,
    path: r.path,
    metrics: fromJson(r.metrics_json),
    createdAt: num(r.created_at),
    deletedAt: numOrNull(r.deleted_at),
  };
}

export function toSampleRow(r: Selectable<SamplesTable>): SampleRow {
  return {
    id: r.id,
    checkpointId: r.checkpoint_id,
    createdAt: num(r.created_at),
    settings: fromJson(r.settings_json),
    abc: r.abc,
    eval: r.eval_json === null ? null : fromJson(r.eval_json),
  };
}

export function toAliasRow(r: Selectable<AliasesTable>): AliasRow {
  return {
    alias: r.alias,
    version: num(r.version),
    checkpointId: r.checkpoint_id,
    note: r.note,
    createdAt: num(r.created_at),
    supersededAt: numOrNull(r.superseded_at),
    ...(r.removed_at != null ? { removed: { at: num(r.removed_at), what: r.removed_note ?? `checkpoint ${r.checkpoint_id}` } } : {}),
  };
}

/** A metric value as stored: SQLite turns NaN into NULL, so NULL reads back as NaN on both. */
export function metricValue(value: number | null): number {
  return value === null ? Number.NaN : num(value);
}

export function toHumanTuneRow(r: Selectable<HumanTunesTable>): HumanTuneRow {
  return { id: r.id, source: r.source, index: num(r.source_index), abc: r.abc, createdAt: num(r.created_at) };
}

export function toVoteRow(r: Selectable<VotesTable>): VoteRow {
  return {
    id: r.id,
    createdAt: num(r.created_at),
    sweepId: r.sweep_id,
    voter: r.voter,
    leftSampleId: r.left_sample_id,
    rightSampleId: r.right_sample_id,
    leftPlayer: r.left_player,
    rightPlayer: r.right_player,
    verdict: r.verdict as Verdict,
  };
}
