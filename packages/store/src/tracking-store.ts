import { InputError } from '@tunelab/config';
import * as aliases from './alias-queries';
import type { Backend } from './backend';
import * as checkpoints from './checkpoint-queries';
import * as metrics from './metric-queries';
import { runMigrations } from './migrations';
import { assertWritable, dbNow, type QueryContext } from './query-context';
import * as sweeps from './sweep-queries';
import * as trials from './trial-queries';
import * as votes from './vote-queries';
import type {
  CheckpointFile,
  DeleteSweepOptions,
  ListCheckpointsOptions,
  ListTrialsOptions,
  MetricQuery,
  MetricSeriesQuery,
  MigrationResult,
  NewCheckpoint,
  NewMetric,
  NewSample,
  NewSweep,
  NewTrial,
  NewVote,
  Store,
  StoreInfo,
  SweepStatus,
  TrialPatch,
  UpdateTrialOptions,
} from './types';

/**
 * The Store over a Kysely executor: the root connection, or (inside withSweepLock) an open transaction,
 * in which case every method runs in that transaction. The queries live in *-queries.ts, one concept each,
 * and are the same for SQLite and PostgreSQL; the backend supplies what differs.
 */
export class TrackingStore implements Store {
  private readonly ctx: QueryContext;

  constructor(
    private readonly backend: Backend,
    ctx?: QueryContext,
  ) {
    this.ctx = ctx ?? { db: backend.db, backend };
  }

  get info(): StoreInfo {
    return this.backend.info;
  }

  migrate(): Promise<MigrationResult> {
    assertWritable(this.ctx, 'migrate');
    if (this.ctx.db.isTransaction) throw new Error('Cannot migrate inside withSweepLock');
    return runMigrations(this.backend.db, this.backend.dialect);
  }

  createSweep(input: NewSweep) {
    return sweeps.createSweep(this.ctx, input);
  }
  getSweep(id: string) {
    return sweeps.getSweep(this.ctx, id);
  }
  listSweeps(opts?: { status?: SweepStatus; limit?: number; offset?: number }) {
    return sweeps.listSweeps(this.ctx, opts);
  }
  updateSweepStatus(id: string, status: SweepStatus) {
    return sweeps.updateSweepStatus(this.ctx, id, status);
  }
  deleteSweep(id: string, options?: DeleteSweepOptions) {
    return sweeps.deleteSweep(this.ctx, id, options);
  }

  createTrial(input: NewTrial) {
    return trials.createTrial(this.ctx, input);
  }
  getTrial(id: string) {
    return trials.getTrial(this.ctx, id);
  }
  listTrials(sweepId: string, opts?: ListTrialsOptions) {
    return trials.listTrials(this.ctx, sweepId, opts);
  }
  countTrials(sweepId: string) {
    return trials.countTrials(this.ctx, sweepId);
  }
  updateTrial(id: string, patch: TrialPatch, opts?: UpdateTrialOptions) {
    return trials.updateTrial(this.ctx, id, patch, opts);
  }
  heartbeat(trialId: string, worker: string, now?: number) {
    return trials.heartbeat(this.ctx, trialId, worker, now);
  }
  findStaleTrials(olderThanMs: number, opts?: { sweepId?: string; now?: number }) {
    return trials.findStaleTrials(this.ctx, olderThanMs, opts);
  }
  now() {
    return dbNow(this.ctx);
  }

  appendMetrics(rows: readonly NewMetric[]) {
    return metrics.appendMetrics(this.ctx, rows);
  }
  getMetrics(trialId: string, query?: MetricQuery) {
    return metrics.getMetrics(this.ctx, trialId, query);
  }
  getMetricSeries(query: MetricSeriesQuery) {
    return metrics.getMetricSeries(this.ctx, query);
  }
  metricNames(trialId: string) {
    return metrics.metricNames(this.ctx, trialId);
  }
  lastStep(trialId: string, name?: string) {
    return metrics.lastStep(this.ctx, trialId, name);
  }

  addCheckpoint(input: NewCheckpoint) {
    return checkpoints.addCheckpoint(this.ctx, input);
  }
  getCheckpoint(id: string) {
    return checkpoints.getCheckpoint(this.ctx, id);
  }
  listCheckpoints(opts: ListCheckpointsOptions) {
    return checkpoints.listCheckpoints(this.ctx, opts);
  }
  markCheckpointDeleted(id: string, at?: number) {
    return checkpoints.markCheckpointDeleted(this.ctx, id, at);
  }
  putCheckpointFiles(checkpointId: string, files: readonly CheckpointFile[]) {
    return checkpoints.putCheckpointFiles(this.ctx, checkpointId, files);
  }
  getCheckpointFiles(checkpointId: string, names?: readonly string[]) {
    return checkpoints.getCheckpointFiles(this.ctx, checkpointId, names);
  }

  addSample(input: NewSample) {
    return checkpoints.addSample(this.ctx, input);
  }
  getSample(id: string) {
    return checkpoints.getSample(this.ctx, id);
  }
  listSamples(opts: { checkpointId: string; limit?: number; offset?: number }) {
    return checkpoints.listSamples(this.ctx, opts);
  }

  addHumanTunes(source: string, tunes: readonly { index: number; abc: string }[]) {
    return votes.addHumanTunes(this.ctx, source, tunes);
  }
  getHumanTune(id: string) {
    return votes.getHumanTune(this.ctx, id);
  }
  listHumanTunes(source: string) {
    return votes.listHumanTunes(this.ctx, source);
  }
  addVote(input: NewVote) {
    return votes.addVote(this.ctx, input);
  }
  listVotes(opts?: { sweepId?: string; limit?: number; offset?: number }) {
    return votes.listVotes(this.ctx, opts);
  }

  promote(checkpointId: string, alias: string, note?: string) {
    return aliases.promote(this.ctx, checkpointId, alias, note);
  }
  getAlias(alias: string) {
    return aliases.getAlias(this.ctx, alias);
  }
  listAliases() {
    return aliases.listAliases(this.ctx);
  }

  async withSweepLock<T>(sweepId: string, fn: (tx: Store) => Promise<T>): Promise<T> {
    assertWritable(this.ctx, 'lock a sweep');
    const run = async (ctx: QueryContext, store: Store): Promise<T> => {
      if (!(await this.backend.lockSweep(ctx.db, sweepId))) throw new InputError(`No sweep ${sweepId}`, 'sweep');
      return fn(store);
    };
    // Nested: the transaction is already open; on PostgreSQL take the row lock too (re-entrant).
    if (this.ctx.db.isTransaction) return run(this.ctx, this);
    return this.backend.db.transaction().execute((trx) => {
      const ctx = { db: trx, backend: this.backend };
      return run(ctx, new TrackingStore(this.backend, ctx));
    });
  }

  async close(): Promise<void> {
    // The transaction's store shares the root's connection; only the root closes it.
    if (this.ctx.db.isTransaction) return;
    await this.backend.destroy();
  }
}
