import type { ConstrainSetting, ParameterValue, RunConfig, SweepConfig } from '@tunelab/config';
import type { SweepStatus, TrialStatus } from '@tunelab/sweep';

/** The sweep and trial lifecycles are @tunelab/sweep's; the store holds them and checks each change. */
export type { SweepStatus, TrialStatus };

/** Why a checkpoint was written; retention keeps the best N and the last N. */
export type CheckpointKind = 'periodic' | 'best' | 'last';

export interface SweepRow {
  /** Short and human-friendly: `sw-3f9a2c`. */
  id: string;
  name: string;
  /** The parsed, validated sweep config. */
  config: SweepConfig;
  /** The YAML text the user wrote, kept verbatim so a sweep can be re-run or shown as written. */
  configYaml: string;
  method: string;
  metricName: string;
  metricGoal: 'minimize' | 'maximize';
  status: SweepStatus;
  seed: number;
  distributed: boolean;
  /** Milliseconds since the epoch, like every time in the store. */
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface TrialRow {
  /** `<sweepId>-t007`. */
  id: string;
  sweepId: string;
  /** 0-based index in proposal order. */
  number: number;
  params: Record<string, ParameterValue>;
  /** The full run config the trial trains with (base + params). */
  config: RunConfig;
  status: TrialStatus;
  /** 0 on the first run; +1 each time a failed or stale trial is run again. */
  attempt: number;
  seed: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  heartbeatAt: number | null;
  /** Who holds the trial: `host:pid:thread` or an agent name. */
  worker: string | null;
  bestValue: number | null;
  bestStep: number | null;
  bestCheckpointId: string | null;
  failureReason: string | null;
  pruneReason: string | null;
  /** The last lines of the trial's log (bounded, see {@link LOG_TAIL_MAX_LINES}). */
  logTail: string;
}

export interface MetricRow {
  trialId: string;
  name: string;
  step: number;
  /** NaN survives the round trip (a diverged loss is worth seeing). */
  value: number;
  /** Milliseconds since the epoch when the value was measured. */
  time: number;
}

/** A point of one metric series, as charts read it. */
export interface MetricPoint {
  step: number;
  value: number;
  time: number;
}

export interface CheckpointRow {
  /** `<trialId>-e012` for periodic checkpoints, `<trialId>-e012-best` / `-last` otherwise. */
  id: string;
  trialId: string;
  epoch: number;
  kind: CheckpointKind;
  /** The directory holding the tfjs files (SQLite stores); null when the files live in the store. */
  path: string | null;
  metrics: Record<string, number>;
  createdAt: number;
  /** Set by retention; the row stays so history and aliases keep their meaning. */
  deletedAt: number | null;
}

export interface CheckpointFile {
  /** `model.json`, `weights.bin`, `meta.json`. */
  name: string;
  data: Uint8Array;
}

export interface SampleSettings {
  temperature: number;
  topK?: number | null;
  topP?: number | null;
  prime?: string | null;
  /** The meter chosen for the tunes (absent on samples stored before it could be; null: the model's choice). */
  meter?: string | null;
  seed: number;
  maxLength: number;
  /**
   * What the ABC checker refused while sampling, and whether copies of training tunes were kept. Stored in
   * the settings JSON, so no migration: samples stored before these existed lack them (they were sampled
   * unconstrained, copies kept).
   */
  constrain?: ConstrainSetting;
  allowCopies?: boolean;
}

export interface SampleRow {
  id: string;
  checkpointId: string;
  createdAt: number;
  settings: SampleSettings;
  abc: string;
  /** Scores from @tunelab/eval (validity, novelty, …); null until evaluated. */
  eval: Record<string, unknown> | null;
}

export interface AliasRow {
  alias: string;
  /** 1 for the first promotion under this alias, then 2, 3, … */
  version: number;
  checkpointId: string;
  note: string | null;
  createdAt: number;
  /** Null for the current row; the time it was replaced otherwise. */
  supersededAt: number | null;
  /**
   * Set when the checkpoint was deleted with its sweep (`sweep delete --force`): when, and what the alias
   * pointed to (checkpoint, trial, sweep, epoch). The row stays in the history; the alias has no current row.
   */
  removed?: { at: number; what: string };
}

/** A listener's judgement of two tunes: which is better to hear. */
export type Verdict = 'left' | 'right' | 'same';

/**
 * What a human player's id starts with: `human:<corpus>-<files>-test`. The held-out test tunes of a sweep's
 * corpus take part in blind listening as one player, the anchor of the ratings.
 */
export const HUMAN_PLAYER_PREFIX = 'human:';

/**
 * A held-out human tune stored so it can be played blind and voted on. Its id has the form of a sample id
 * (`sa-…`) so the id does not give away that it is human.
 */
export interface HumanTuneRow {
  id: string;
  /** The player it belongs to: `human:nottingham-jigs-test`. */
  source: string;
  /** Its index in the source's list (the test split, in corpus order). */
  index: number;
  abc: string;
  createdAt: number;
}

export interface NewVote {
  /** The sweep whose checkpoints were compared; the vote goes with it when it is deleted. */
  sweepId: string;
  /** Who voted, when a name was given. */
  voter?: string | null;
  leftSampleId: string;
  rightSampleId: string;
  /** Who wrote each sample: a checkpoint id, or a human source (`human:…`). */
  leftPlayer: string;
  rightPlayer: string;
  verdict: Verdict;
}

export interface VoteRow {
  /** `vo-1b2c3d4e`. */
  id: string;
  /** The database's clock when the vote was stored. */
  createdAt: number;
  sweepId: string;
  voter: string | null;
  leftSampleId: string;
  rightSampleId: string;
  leftPlayer: string;
  rightPlayer: string;
  verdict: Verdict;
}

export interface NewSweep {
  /** Defaults to a fresh `sw-xxxxxx`. */
  id?: string;
  /** Defaults to config.name. */
  name?: string;
  config: SweepConfig;
  configYaml: string;
  status?: SweepStatus;
  distributed?: boolean;
}

export interface NewTrial {
  sweepId: string;
  number: number;
  params: Record<string, ParameterValue>;
  config: RunConfig;
  seed: number;
  /** Defaults to `<sweepId>-t<number, 3 digits>`. */
  id?: string;
  status?: TrialStatus;
  attempt?: number;
}

/** Fields updateTrial may change; omitted fields stay as they are, null clears a nullable field. */
export interface TrialPatch {
  status?: TrialStatus;
  attempt?: number;
  worker?: string | null;
  bestValue?: number | null;
  bestStep?: number | null;
  bestCheckpointId?: string | null;
  failureReason?: string | null;
  pruneReason?: string | null;
  /** Text appended to the log tail; the tail keeps its last lines only. */
  appendLog?: string;
  /** Defaults: set when the status becomes running (startedAt, heartbeatAt) or final (finishedAt). */
  startedAt?: number | null;
  finishedAt?: number | null;
  heartbeatAt?: number | null;
}

export interface UpdateTrialOptions {
  /**
   * Compare-and-set: update only while the trial's status is one of these, else return null.
   * An agent leasing a queued trial passes `['queued']` so two agents never both take it.
   */
  expectStatus?: readonly TrialStatus[];
}

export interface ListTrialsOptions {
  status?: TrialStatus | readonly TrialStatus[];
  /** `number` (default), `best` (by the sweep's goal, trials without a value last), `started`, `finished`. */
  sort?: 'number' | 'best' | 'started' | 'finished';
  /** Ignored for `best`, whose direction comes from the sweep's metric goal. */
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface NewMetric {
  trialId: string;
  name: string;
  step: number;
  value: number;
  /** Defaults to now. */
  time?: number;
}

export interface MetricQuery {
  /** Only these metric names (default: all). */
  names?: readonly string[];
  /** Only steps greater than this (polling: pass the last step you have). */
  after?: number;
  /** Downsample each series to at most this many points, evenly by rank; the last point is always kept. */
  maxPoints?: number;
}

export interface MetricSeriesQuery {
  name: string;
  /** The trials to read; give this or sweepId. */
  trialIds?: readonly string[];
  /** Every trial of this sweep. */
  sweepId?: string;
  after?: number;
  maxPoints?: number;
}

export interface NewCheckpoint {
  trialId: string;
  epoch: number;
  kind: CheckpointKind;
  /** Defaults to `<trialId>-e<epoch, 3 digits>` (+ `-best` / `-last` for those kinds). */
  id?: string;
  path?: string | null;
  metrics?: Record<string, number>;
  /**
   * The checkpoint's files, stored in the same transaction as the row (a store without a checkpoint folder):
   * a reader that sees the row sees its files.
   */
  files?: readonly CheckpointFile[];
}

export interface ListCheckpointsOptions {
  trialId?: string;
  sweepId?: string;
  kind?: CheckpointKind;
  includeDeleted?: boolean;
}

export interface NewSample {
  checkpointId: string;
  settings: SampleSettings;
  abc: string;
  eval?: Record<string, unknown> | null;
  /** Defaults to a fresh `sa-xxxxxxxx`. */
  id?: string;
}

export interface DeleteSweepOptions {
  /** Delete even when an alias points at one of the sweep's checkpoints (the alias history keeps a record). */
  force?: boolean;
}

export interface DeletedSweep {
  deleted: boolean;
  /** Checkpoint directories the caller should remove from disk. */
  checkpointPaths: string[];
  /** Aliases whose current checkpoint went with the sweep (only with `force`): they point at nothing now. */
  aliasesRemoved: string[];
}

export interface AliasHistory {
  current: AliasRow | null;
  /** Newest first, the current row included. */
  history: AliasRow[];
}

export interface StoreInfo {
  kind: 'sqlite' | 'postgres';
  /** The file path (SQLite) or the URL without its password (PostgreSQL). */
  location: string;
  /** PostgreSQL schema holding the tables; null for SQLite. */
  schema: string | null;
  readonly: boolean;
  /** Where checkpoint directories go on a SQLite store (`<home>/checkpoints`); null for PostgreSQL. */
  checkpointDir: string | null;
}

export interface MigrationResult {
  /** Versions applied by this call (empty when the schema was current). */
  applied: number[];
  version: number;
}

/**
 * The tracking store: one interface over SQLite and PostgreSQL. Every method is async so both fit.
 * Times are milliseconds since the epoch. Methods that write throw on a store opened read-only.
 */
export interface Store {
  readonly info: StoreInfo;

  /** Applies pending migrations (openStore already did for writers). Idempotent. */
  migrate(): Promise<MigrationResult>;

  createSweep(input: NewSweep): Promise<SweepRow>;
  getSweep(id: string): Promise<SweepRow | null>;
  listSweeps(opts?: { status?: SweepStatus; limit?: number; offset?: number }): Promise<SweepRow[]>;
  /** Sets startedAt on the first `running`, finishedAt on completed/failed/cancelled. */
  updateSweepStatus(id: string, status: SweepStatus): Promise<SweepRow>;
  /**
   * Deletes the sweep with its trials, metrics, checkpoints, files and samples. Refused (InputError) while the
   * sweep runs, and while an alias points at one of its checkpoints unless `force`: then the alias rows stay
   * as history with what they pointed to (`AliasRow.removed`). Returns the checkpoint directories to remove.
   */
  deleteSweep(id: string, options?: DeleteSweepOptions): Promise<DeletedSweep>;

  createTrial(input: NewTrial): Promise<TrialRow>;
  getTrial(id: string): Promise<TrialRow | null>;
  listTrials(sweepId: string, opts?: ListTrialsOptions): Promise<TrialRow[]>;
  /** Trials per status (every status present, zeros included). */
  countTrials(sweepId: string): Promise<Record<TrialStatus, number>>;
  /**
   * Changes a trial. A status change must follow @tunelab/sweep's TRIAL_TRANSITIONS (else InputError).
   * Returns null when opts.expectStatus did not match.
   */
  updateTrial(id: string, patch: TrialPatch, opts?: UpdateTrialOptions): Promise<TrialRow | null>;
  /**
   * Records that `worker` still runs the trial, stamped with the database's clock ({@link Store.now}; `now`
   * sets the stamp in tests). False when the trial is no longer running or is held by another worker: the
   * caller has lost its lease and should stop.
   */
  heartbeat(trialId: string, worker: string, now?: number): Promise<boolean>;
  /** Running trials whose last heartbeat (or start) is older than olderThanMs by the database's clock (or `now`). */
  findStaleTrials(olderThanMs: number, opts?: { sweepId?: string; now?: number }): Promise<TrialRow[]>;
  /**
   * The database's clock, ms since the epoch (PostgreSQL: clock_timestamp(); SQLite, whose every user runs on
   * the machine that holds the file: the system clock). Every time stamp the store writes for sweeps and trials
   * (heartbeats, starts, finishes) comes from it, so compare them with this, never with a machine's Date.now().
   */
  now(): Promise<number>;

  /** Writes metric rows in one transaction; a row already present is left as it is. */
  appendMetrics(rows: readonly NewMetric[]): Promise<{ inserted: number }>;
  /** One trial's metrics, per name, by step. */
  getMetrics(trialId: string, query?: MetricQuery): Promise<Record<string, MetricPoint[]>>;
  /** One metric of many trials, per trial id, by step. */
  getMetricSeries(query: MetricSeriesQuery): Promise<Record<string, MetricPoint[]>>;
  /** The metric names the trial has written, sorted (cheap: one index seek per name). */
  metricNames(trialId: string): Promise<string[]>;
  /** The highest step written for the trial (of one metric name, or of any); null when none. */
  lastStep(trialId: string, name?: string): Promise<number | null>;

  /** Adds a checkpoint; writing the same id again replaces it (a resumed trial re-saves). */
  addCheckpoint(input: NewCheckpoint): Promise<CheckpointRow>;
  getCheckpoint(id: string): Promise<CheckpointRow | null>;
  listCheckpoints(opts: ListCheckpointsOptions): Promise<CheckpointRow[]>;
  markCheckpointDeleted(id: string, at?: number): Promise<boolean>;
  /** Stores the checkpoint's files in the store (for machines without a shared filesystem); replaces same names. */
  putCheckpointFiles(checkpointId: string, files: readonly CheckpointFile[]): Promise<void>;
  getCheckpointFiles(checkpointId: string, names?: readonly string[]): Promise<CheckpointFile[]>;

  addSample(input: NewSample): Promise<SampleRow>;
  getSample(id: string): Promise<SampleRow | null>;
  listSamples(opts: { checkpointId: string; limit?: number; offset?: number }): Promise<SampleRow[]>;

  /**
   * Stores held-out human tunes of one source (idempotent: a tune already stored under its source and index
   * keeps its row and id). Returns the rows of the given indexes, in the given order.
   */
  addHumanTunes(source: string, tunes: readonly { index: number; abc: string }[]): Promise<HumanTuneRow[]>;
  getHumanTune(id: string): Promise<HumanTuneRow | null>;
  /** A source's stored tunes by index. */
  listHumanTunes(source: string): Promise<HumanTuneRow[]>;

  /** Stores a listening vote, stamped by the database's clock; InputError for a bad verdict or one sample twice. */
  addVote(input: NewVote): Promise<VoteRow>;
  /** Votes, oldest first: of one sweep, or all. */
  listVotes(opts?: { sweepId?: string; limit?: number; offset?: number }): Promise<VoteRow[]>;

  /** Points the alias at the checkpoint in one transaction; the previous row is kept as history. */
  promote(checkpointId: string, alias: string, note?: string): Promise<AliasRow>;
  /** Null when the alias was never used. */
  getAlias(alias: string): Promise<AliasHistory | null>;
  /** The current row of every alias. */
  listAliases(): Promise<AliasRow[]>;

  /**
   * Runs fn in a transaction that holds the sweep's lock (PostgreSQL: the sweep row FOR NO KEY UPDATE;
   * SQLite: BEGIN IMMEDIATE, which holds the database's write lock). Use the `tx` it passes, not this
   * store, inside fn: on SQLite this store waits until the transaction ends.
   */
  withSweepLock<T>(sweepId: string, fn: (tx: Store) => Promise<T>): Promise<T>;

  close(): Promise<void>;
}
