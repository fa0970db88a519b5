import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveHome } from '@tunelab/config';
import { materializeCheckpoint, type CheckpointRow, type Store } from '@tunelab/store';

/** Where checkpoints stored in the database are written to be loaded: under the tunelab home, not a shared /tmp. */
export const checkpointCacheOf = (home: string): string => join(home, 'cache', 'checkpoints');

/**
 * The checkpoint with `path` naming a folder on this machine. On a PostgreSQL store the files live in the
 * database (the row's path is null, or names another machine's disk): they are written once into
 * `<cache>/<id>` and reused. The cache is `<home>/cache/checkpoints` (default: the tunelab home), made
 * private to this user: another user of a shared machine can neither read the weights nor plant a
 * checkpoint there. A checkpoint with neither a local folder nor stored files is returned as it is, and the
 * generator says it has no files here. Clients only name checkpoints by id.
 */
export async function localCheckpoint(store: Store, checkpoint: CheckpointRow, cache?: string): Promise<CheckpointRow> {
  if (checkpoint.path && existsSync(checkpoint.path)) return checkpoint;
  const stored = await store.getCheckpointFiles(checkpoint.id, ['tunelab.json']);
  if (stored.length === 0) return checkpoint;
  const root = cache ?? checkpointCacheOf(resolveHome());
  await mkdir(root, { recursive: true, mode: 0o700 });
  const dir = await materializeCheckpoint(store, checkpoint.id, join(root, checkpoint.id));
  return { ...checkpoint, path: dir };
}
