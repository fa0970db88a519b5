import { InputError, type RunConfig } from '@tunelab/config';
import type { AliasRow, CheckpointRow, Store } from '@tunelab/store';
import { bestTrial, trialCheckpoint } from '@tunelab/sweep';
import type { TestLossEvaluator } from './server/generation';
import { localCheckpoint } from './checkpoint-files';

export const DEFAULT_ALIAS = 'champion';

export interface PromoteInput {
  checkpointId: string;
  /** Default `champion`. */
  alias?: string;
  note?: string | null;
}

export interface PromoteResult {
  alias: AliasRow;
  checkpoint: CheckpointRow;
  trialId: string | null;
  sweepId: string | null;
  /** Test-split loss in nats per symbol; null when the run has no test split or it could not be measured. */
  testLoss: number | null;
  testLossNote: string;
}

/**
 * Points an alias (default `champion`) at a checkpoint, in one short write transaction. When the run held
 * out a test split, its loss on it is measured first and written into the alias note, so the promotion
 * records how good the champion is on tunes no selection ever saw.
 */
export async function promoteCheckpoint(store: Store, input: PromoteInput, opts: { testLoss?: TestLossEvaluator; checkpointCache?: string } = {}): Promise<PromoteResult> {
  const alias = input.alias ?? DEFAULT_ALIAS;
  const checkpoint = await store.getCheckpoint(input.checkpointId);
  if (!checkpoint) throw new InputError(`No checkpoint ${input.checkpointId}`, 'checkpointId');
  if (checkpoint.deletedAt !== null) throw new InputError(`Checkpoint ${checkpoint.id} was deleted by retention`, 'checkpointId');
  const trial = await store.getTrial(checkpoint.trialId);
  const config: RunConfig | null = trial?.config ?? null;
  let testLoss: number | null = null;
  let testLossNote: string;
  if (!config || !(config.data?.split?.test > 0)) {
    testLossNote = 'the run has no test split';
  } else if (!opts.testLoss) {
    testLossNote = 'not measured: no test-loss evaluator';
  } else {
    testLoss = await opts.testLoss(await localCheckpoint(store, checkpoint, opts.checkpointCache), config);
    testLossNote = testLoss === null ? 'not measured: @tunelab/model has no evaluateLoss for this checkpoint' : 'measured on the test split';
  }
  const parts = [input.note?.trim() || null, testLoss !== null ? `test loss ${testLoss.toFixed(4)} nats/symbol` : null].filter(Boolean);
  const row = await store.promote(checkpoint.id, alias, parts.length > 0 ? parts.join(' · ') : undefined);
  return { alias: row, checkpoint, trialId: trial?.id ?? null, sweepId: trial?.sweepId ?? null, testLoss, testLossNote };
}

/**
 * The checkpoint `promote --sweep <id> --best` means: the sweep's best trial (@tunelab/sweep's bestTrial, as
 * `sweep status` reports it) and, among its checkpoints still on disk, the one @tunelab/sweep's
 * trialCheckpoint picks (its recorded best, else the best by the sweep's metric, else the newest).
 */
export async function bestCheckpointOf(store: Store, sweepId: string): Promise<CheckpointRow> {
  const sweep = await store.getSweep(sweepId);
  if (!sweep) throw new InputError(`No sweep ${sweepId}`, '--sweep');
  const metric = sweep.config.metric;
  const trials = await store.listTrials(sweepId);
  const winner = bestTrial(
    trials.map((t) => ({ id: t.id, status: t.status, value: t.bestValue ?? undefined })),
    metric,
  );
  const best = winner && trials.find((t) => t.id === winner.trialId);
  if (!best) throw new InputError(`Sweep ${sweepId} has no trial with a ${sweep.metricName} yet`, '--sweep');
  const kept = (await store.listCheckpoints({ trialId: best.id })).filter((c) => c.deletedAt === null);
  const pick = trialCheckpoint(kept, metric, best.bestCheckpointId);
  if (!pick) throw new InputError(`Trial ${best.id}, the best of ${sweepId}, has no checkpoint left`, '--sweep');
  return pick;
}
