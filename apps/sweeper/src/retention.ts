import { rm } from 'node:fs/promises';
import type { CheckpointRow, Store } from '@tunelab/store';
import { rankCheckpoints } from '@tunelab/sweep';

/**
 * `keep_checkpoints: { best: B, last: L }`: after each new checkpoint of a trial, keep its B best (by the
 * sweep metric, as @tunelab/sweep's rankCheckpoints orders them: a checkpoint without the metric is no
 * candidate) and its L latest, delete the other directories (and their files in the store) and mark their
 * rows deleted. Rows stay, so history and aliases keep their meaning; a checkpoint
 * an alias points at is never deleted.
 */
export async function applyRetention(
  store: Store,
  trialId: string,
  keep: { best: number; last: number },
  metric: { name: string; goal: 'minimize' | 'maximize' },
  protectedIds: ReadonlySet<string>,
  /** The folder of a checkpoint on this machine (a PostgreSQL store's rows have no path). */
  localDirOf: (c: CheckpointRow) => string | null = (c) => c.path,
): Promise<CheckpointRow[]> {
  const rows = (await store.listCheckpoints({ trialId })).filter((c) => c.deletedAt === null);
  const keepIds = new Set<string>(protectedIds);
  const byEpoch = [...rows].sort((a, b) => b.epoch - a.epoch);
  for (const c of byEpoch.slice(0, keep.last)) keepIds.add(c.id);
  for (const c of rankCheckpoints(rows, metric).slice(0, keep.best)) keepIds.add(c.id);
  const deleted: CheckpointRow[] = [];
  for (const c of rows) {
    if (keepIds.has(c.id)) continue;
    // Another row may share the directory (one epoch saved as both periodic and best).
    const dir = localDirOf(c);
    const shared = rows.some((o) => o.id !== c.id && localDirOf(o) === dir && keepIds.has(o.id));
    if (dir && !shared) await rm(dir, { recursive: true, force: true });
    await store.markCheckpointDeleted(c.id);
    deleted.push(c);
  }
  return deleted;
}
