import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { materializeCheckpoint, type CheckpointRow, type Store } from '@tunelab/store';

/**
 * The checkpoint with `path` naming a folder on this machine. On a PostgreSQL store the files live in the
 * database (the row's path is null, or names another machine's disk): they are written once into a cache
 * folder under the OS temp dir and reused. A checkpoint with neither a local folder nor stored files is
 * returned as it is, and the generator says it has no files here. Clients only name checkpoints by id.
 */
export async function localCheckpoint(store: Store, checkpoint: CheckpointRow): Promise<CheckpointRow> {
  if (checkpoint.path && existsSync(checkpoint.path)) return checkpoint;
  const stored = await store.getCheckpointFiles(checkpoint.id, ['tunelab.json']);
  if (stored.length === 0) return checkpoint;
  const dir = await materializeCheckpoint(store, checkpoint.id, join(tmpdir(), 'tunelab-dashboard-checkpoints', checkpoint.id));
  return { ...checkpoint, path: dir };
}
