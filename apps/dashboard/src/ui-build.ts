import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/dashboard: Vite's root (index.html lives here). */
const APP_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BuildUiOptions {
  /** Build even when dist is newer than the sources. */
  force?: boolean;
  outDir?: string;
  /** Print Vite's output (default: quiet). */
  verbose?: boolean;
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) {
    if (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) continue;
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

/** The UI's sources: what a build depends on. */
const SOURCES = ['index.html', 'src/ui', 'src/api'].map((p) => join(APP_ROOT, p));

/** True when dist/index.html is missing or older than any UI source. */
export function uiIsStale(outDir = join(APP_ROOT, 'dist')): boolean {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((p) => existsSync(p) && newestMtime(p) > built);
}

/**
 * Builds the React UI into apps/dashboard/dist with Vite's JS API when it is missing or stale; a fresh
 * clone's `npx nx run dashboard:serve` and the end-to-end test both go through here. Returns whether it built.
 */
export async function buildUi(opts: BuildUiOptions = {}): Promise<boolean> {
  const outDir = opts.outDir ?? join(APP_ROOT, 'dist');
  if (!opts.force && !uiIsStale(outDir)) return false;
  const [{ build }, { default: react }] = await Promise.all([import('vite'), import('@vitejs/plugin-react')]);
  // Build beside, then swap: a server (or a parallel test) reading dist never sees it half written.
  const tmp = `${outDir}.tmp-${process.pid}`;
  // Vite and the React plugin pick production React from NODE_ENV, which vitest sets to `test`: without
  // this, a build started from a test bundles development React (several times slower, effects run twice).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: APP_ROOT,
      mode: 'production',
      configFile: false,
      logLevel: opts.verbose ? 'info' : 'warn',
      plugins: [react()],
      build: { outDir: tmp, emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: false },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  const old = `${outDir}.old-${process.pid}`;
  try {
    if (existsSync(outDir)) renameSync(outDir, old);
    renameSync(tmp, outDir);
  } catch (err) {
    // Another process built and swapped at the same moment: its build is as good as ours.
    if (!existsSync(join(outDir, 'index.html'))) throw err;
  } finally {
    rmSync(old, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
  return true;
}
