import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '@tunelab/config';
import type { CheckpointFile, Store } from './types';

/** The file every tunelab checkpoint folder holds (@tunelab/model's CHECKPOINT_JSON); its presence marks a whole one. */
const MARKER = 'tunelab.json';

/**
 * Copies a checkpoint folder's files (model.json, weights.bin, tunelab.json, optimizer files) into the
 * store, so machines without a shared filesystem can resume from it or sample it. The folder is flat.
 */
export async function uploadCheckpointDir(store: Store, checkpointId: string, dir: string): Promise<number> {
  const files = await readCheckpointFiles(dir);
  await store.putCheckpointFiles(checkpointId, files);
  return files.reduce((n, f) => n + f.data.byteLength, 0);
}

/**
 * A checkpoint folder's files, to store with its row (`addCheckpoint({ …, files })`, one transaction).
 * Throws when the folder is not a whole checkpoint.
 */
export async function readCheckpointFiles(dir: string): Promise<CheckpointFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: CheckpointFile[] = [];
  for (const e of entries) if (e.isFile()) files.push({ name: e.name, data: await readFile(join(dir, e.name)) });
  if (!files.some((f) => f.name === MARKER)) throw new InputError(`expected a checkpoint folder with ${MARKER}`, dir);
  return files;
}

/**
 * A local folder holding the checkpoint's files: the row's own `path` when that folder exists on this
 * machine, else `dir` (reused when a whole checkpoint is already there), filled from the files stored in
 * the store. Written to a temporary sibling and renamed, so a reader never sees half a checkpoint.
 * Throws when the folder is elsewhere and the store holds no files for it.
 */
export async function materializeCheckpoint(store: Store, checkpointId: string, dir: string): Promise<string> {
  const row = await store.getCheckpoint(checkpointId);
  if (!row) throw new InputError(`no checkpoint ${checkpointId} in ${store.info.location}`, 'checkpoint');
  if (row.path && existsSync(join(row.path, MARKER))) return row.path;
  if (existsSync(join(dir, MARKER))) return dir;
  const files = await store.getCheckpointFiles(checkpointId);
  if (!files.some((f) => f.name === MARKER)) {
    throw new InputError(`checkpoint ${checkpointId} has no files in the store${row.path ? ` and ${row.path} is not on this machine` : ''}`, 'checkpoint');
  }
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    for (const f of files) {
      // Names come from the store: refuse anything that would leave the folder.
      if (f.name.includes('/') || f.name.includes('\\') || f.name === '..' || f.name === '.') {
        throw new InputError(`unexpected checkpoint file name ${JSON.stringify(f.name)}`, checkpointId);
      }
      await writeFile(join(tmp, f.name), f.data);
    }
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return dir;
}
