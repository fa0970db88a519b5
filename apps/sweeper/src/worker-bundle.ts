import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where a trial worker thread's code comes from.
 *
 * Through tsx (worker-boot.mjs) each worker thread starts its own module-loader thread and resolves, reads
 * and links ~180 modules one by one: 580 ms before a worker can train, 860 ms for two starting together (both
 * loaders and both workers compete for the cores). Prebuilt into one ES module, a worker is ready in 175 ms
 * (200 ms for two), and the loader thread's CPU time no longer competes with trials already training. The
 * bundle is built with esbuild (tsx's own compiler) when it is missing or stale, so there is still no build
 * step: edit a source file and the next sweep rebuilds it (~0.6 s).
 */
export interface WorkerFile {
  /** The module URL piscina loads. */
  href: string;
  kind: 'bundle' | 'tsx';
  /** Whether this call built the bundle. */
  built: boolean;
  /** Why the workers start through tsx instead (the bundle could not be built or read). */
  fallbackReason?: string;
  /**
   * The Node options a worker thread starts with (piscina's `execArgv`): for the bundle, this process's own less
   * any TypeScript loader ({@link bundleWorkerExecArgv}); undefined for tsx workers, which inherit them all.
   */
  execArgv?: string[];
}

export interface WorkerBundleOptions {
  /** The worker module to bundle; default apps/sweeper/src/worker.ts. */
  entry?: string;
  /**
   * Where the bundle, its source map and its manifest go; default apps/sweeper/dist. It must lie inside the
   * workspace: what the bundle loads at run time (the native LSTM addon, SQLite, optional engines) is found
   * through node_modules from there.
   */
  outDir?: string;
  /** Used when no bundle can be had; default worker-boot.mjs (tsx). */
  fallback?: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const MANIFEST_FORMAT = 1;

interface Manifest {
  format: number;
  /** Absolute path → signature of every file the bundle was built from, and of what built it. */
  inputs: Record<string, string>;
}

/**
 * What builds the bundle counts as an input too: this file (the build options) and esbuild's package.json (its
 * version), so a changed recipe or an upgraded esbuild rebuilds it.
 */
function recipeFiles(): string[] {
  return [fileURLToPath(import.meta.url), createRequire(import.meta.url).resolve('esbuild/package.json')];
}

/**
 * Size, mtime and inode: an edit changes the mtime; npm installs files with fixed mtimes, but a reinstall or an
 * upgraded package writes new files (new inodes, usually new sizes).
 */
function signature(file: string): string | null {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.size}:${s.mtimeNs}:${s.ino}`;
  } catch {
    return null;
  }
}

function readManifest(file: string): Manifest | null {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    return m?.format === MANIFEST_FORMAT && m.inputs && typeof m.inputs === 'object' ? m : null;
  } catch {
    return null;
  }
}

/** Whether the bundle exists and every file it was built from is as it was then. */
function fresh(bundle: string, manifest: Manifest | null): boolean {
  if (!manifest || !existsSync(bundle)) return false;
  const inputs = Object.entries(manifest.inputs);
  return inputs.length > 0 && inputs.every(([file, sig]) => signature(file) === sig);
}

/** Writes through a temporary file and a rename, so a concurrent reader sees the old file or the new one. */
function writeAtomically(file: string, contents: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

async function build(entry: string, bundle: string, manifestFile: string): Promise<void> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    metafile: true,
    // Stack traces of failed trials point into the TypeScript sources (read from disk, not embedded).
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'silent',
    // Native addons and optional GPU engines are loaded at run time from node_modules, as from the sources.
    external: ['better-sqlite3', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    // tfjs ships CommonJS: its requires need a real `require` inside the ES module (see packages/model/src/tf.ts).
    banner: { js: "import { createRequire as __tunelabCreateRequire } from 'node:module'; const require = __tunelabCreateRequire(import.meta.url);" },
  });
  const inputs: Record<string, string> = {};
  for (const file of [...Object.keys(result.metafile.inputs).map((input) => resolve(input)), ...recipeFiles()]) {
    const sig = signature(file);
    if (sig !== null) inputs[file] = sig;
  }
  mkdirSync(dirname(bundle), { recursive: true });
  // The map first and the manifest last: a reader that sees the new manifest also sees the new bundle.
  for (const out of [...result.outputFiles].sort((a, b) => Number(a.path.endsWith('.mjs')) - Number(b.path.endsWith('.mjs')))) {
    writeAtomically(out.path, out.contents);
  }
  // Source maps stay off in the workers: Node would parse the 2 MB map each time a worker loads the bundle
  // (~65 ms of its start). A failed trial's stack is mapped back to the .ts sources when it fails (stack-map.ts).
  const manifest: Manifest = { format: MANIFEST_FORMAT, inputs };
  writeAtomically(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`);
}

/**
 * The trial worker module for piscina: the prebuilt bundle (building it when missing or stale), or the tsx
 * boot file with the reason when the bundle cannot be built (no esbuild, a read-only install).
 */
export async function trialWorkerFile(options: WorkerBundleOptions = {}): Promise<WorkerFile> {
  const entry = options.entry ?? join(HERE, 'worker.ts');
  const outDir = options.outDir ?? join(HERE, '..', 'dist');
  const fallback = options.fallback ?? join(HERE, 'worker-boot.mjs');
  const name = basename(entry).replace(/\.[cm]?[jt]s$/, '');
  const bundle = join(outDir, `${name}.mjs`);
  const manifestFile = join(outDir, `${name}.inputs.json`);
  const href = pathToFileURL(bundle).href;
  const execArgv = bundleWorkerExecArgv();
  if (fresh(bundle, readManifest(manifestFile))) return { href, kind: 'bundle', built: false, execArgv };
  try {
    await build(entry, bundle, manifestFile);
    return { href, kind: 'bundle', built: true, execArgv };
  } catch (err) {
    forget(manifestFile);
    return { href: pathToFileURL(fallback).href, kind: 'tsx', built: false, fallbackReason: describe(err) };
  }
}

// Options that take a module to preload or a loader: the ones that may name tsx.
const MODULE_OPTIONS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
// Per-thread Node options a worker may be given and that still mean something in one; everything else in a
// process's execArgv is either process-wide (V8 flags such as --single-threaded-gc or --max-old-space-size,
// which a Worker refuses in its execArgv but which apply to every thread anyway) or about the main thread.
const THREAD_OPTIONS = /^--(?:conditions|enable-source-maps|no-warnings|no-deprecation|trace-warnings|trace-deprecation|trace-uncaught|cpu-prof|heap-prof)/;
// Those of them that take a value, which may come as the next argument.
const VALUE_OPTIONS = new Set(['--conditions', '--cpu-prof-dir', '--cpu-prof-name', '--cpu-prof-interval', '--heap-prof-dir', '--heap-prof-name', '--heap-prof-interval']);
const TSX = /^(?:tsx(?:\/.*)?|.*[\\/]node_modules[\\/]tsx[\\/].*)$/;

/**
 * The execArgv for a worker thread that runs the bundle: `parent` without TypeScript loaders (tsx) and without
 * the options a Worker refuses. A worker inherits its parent's loaders otherwise, and under `--import tsx` (the
 * benches, `tsx script.ts`) tsx's require hook then recompiles the 2.9 MB bundle with esbuild before piscina
 * falls back to import() (measured: 0.72 s until two workers had loaded it, 0.34 s without the loader). Other
 * preloaded modules (instrumentation, say) are kept.
 */
export function bundleWorkerExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const arg = parent[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (MODULE_OPTIONS.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : parent[++i];
      if (value !== undefined && !TSX.test(value)) out.push(`${name === '-r' ? '--require' : name}=${value}`);
    } else if (THREAD_OPTIONS.test(name) || name === '-C') {
      const value = eq < 0 && (VALUE_OPTIONS.has(name) || name === '-C') ? parent[++i] : undefined;
      out.push(value === undefined ? arg : `${name === '-C' ? '--conditions' : name}=${value}`);
    }
  }
  return out;
}

/** Removes a stale manifest, so the next sweep tries to build again; where there is none to remove, nothing. */
function forget(manifestFile: string): void {
  try {
    rmSync(manifestFile, { force: true });
  } catch {
    // its folder cannot exist (a file stands in the way): there is no manifest
  }
}

/** An esbuild failure as `file:line:col: message` (its first error), anything else as its first line. */
function describe(err: unknown): string {
  const first = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] })?.errors?.[0];
  if (first) return first.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ${first.text}` : first.text;
  return ((err as Error)?.message ?? String(err)).split('\n')[0];
}

