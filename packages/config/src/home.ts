import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Finds tunelab's state folder (store + checkpoints).
 * Order: explicit `--home` → `TUNELAB_HOME` → `.tunelab` at the workspace root (the nearest folder above
 * `cwd` holding nx.json, so `nx run` targets and the CLI agree) → `./.tunelab`.
 */
export function resolveHome(explicit?: string, cwd: string = process.cwd()): string {
  if (explicit) return resolve(cwd, explicit);
  if (process.env.TUNELAB_HOME) return resolve(cwd, process.env.TUNELAB_HOME);
  const root = findWorkspaceRoot(cwd);
  return join(root ?? resolve(cwd), '.tunelab');
}

/** The nearest folder at or above `from` that holds nx.json, or undefined. */
export function findWorkspaceRoot(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
