/**
 * Where a corpus's text comes from. A corpus is a file, a folder of .abc files, a glob, or the named corpus
 * `nottingham` (optionally `nottingham:jigs,hpps`). Files of the named corpus are found in this order:
 * the explicit data folder → `TUNELAB_DATA_DIR` → the cache (`$XDG_CACHE_HOME/tunelab`, default
 * `~/.cache/tunelab`) → a download of the public copy. Every copy of a named file is sha256-checked.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@tunelab/config';
import { globFiles, isGlob } from './glob';
import { NOTTINGHAM, NOTTINGHAM_FILES, NOTTINGHAM_FILE_NAMES, NOTTINGHAM_URL } from './nottingham';

/** How to find and fetch corpus files. Everything is optional; tests inject `fetch`, `env` and folders. */
export interface SourceOptions {
  /** A folder holding the named corpus's files (`jigs.abc`, …); looked at before `TUNELAB_DATA_DIR`. */
  dataDir?: string;
  /** Cache root; default `$XDG_CACHE_HOME/tunelab` or `~/.cache/tunelab`. Files go to `<cacheDir>/nottingham/`. */
  cacheDir?: string;
  /** The fetch used to download missing files (default: global fetch). */
  fetch?: typeof fetch;
  /** Progress lines (downloads, cache hits); the CLI sends them to stderr. */
  onProgress?: (msg: string) => void;
  /** Environment to read `TUNELAB_DATA_DIR` / `XDG_CACHE_HOME` / `HOME` from (default: process.env). */
  env?: Record<string, string | undefined>;
}

/** One file of a corpus: its display name (`nottingham/jigs.abc` or the path) and its exact text. */
export interface CorpusFile {
  name: string;
  text: string;
  /** Where it was read from: a path, or the URL it was downloaded from. */
  from: string;
}

/** The resolved corpus: the name to show (`nottingham:jigs`, a path, a glob) and its files in order. */
export interface CorpusSource {
  name: string;
  files: CorpusFile[];
}

/** The cache root: `$XDG_CACHE_HOME/tunelab`, else `~/.cache/tunelab`. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(env.HOME || homedir(), '.cache'), 'tunelab');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reads the files of a corpus. For the named corpus, `files` picks files by name (without `.abc`; empty = all
 * 14); a path corpus (a file, a folder's .abc files, a glob's matches) ignores `files`.
 * @throws InputError naming the corpus or file and how to fix it.
 */
export async function readCorpusSource(corpus: string, files: string[], opts: SourceOptions = {}): Promise<CorpusSource> {
  const named = parseNamed(corpus);
  if (named) {
    const wanted = [...new Set(files.length > 0 ? files.map(stripAbc) : named.length > 0 ? named : NOTTINGHAM_FILE_NAMES)];
    for (const f of wanted) {
      if (!(f in NOTTINGHAM_FILES)) {
        throw new InputError(
          `unknown file "${f}" in corpus ${NOTTINGHAM}: expected one of ${NOTTINGHAM_FILE_NAMES.join(', ')}`,
          'data.files',
        );
      }
    }
    const out: CorpusFile[] = [];
    for (const f of wanted) out.push(await resolveNottinghamFile(f, opts));
    const all = wanted.length === NOTTINGHAM_FILE_NAMES.length;
    return { name: all ? NOTTINGHAM : `${NOTTINGHAM}:${wanted.join(',')}`, files: out };
  }
  // `files` belongs to the named corpus (DataConfig's contract, whose default is [jigs]); a path already says
  // which files it means, so the default must not turn `corpus: my/folder` into "no jigs.abc in my/folder".
  return { name: corpus, files: listPaths(corpus).map((p) => ({ name: p, text: readCorpusFile(p, 'data.corpus').toString('utf8'), from: p })) };
}

/**
 * The largest corpus file tunelab reads (the Nottingham files are 30-700 KB; the whole of it is 2.4 MB). A
 * corpus is read whole into memory, and more than this is a mistake (a disk image, a log), not a corpus.
 */
export const MAX_CORPUS_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Reads a corpus file: a regular file (not a FIFO, a device such as /dev/zero, or a socket, whose read would
 * block or never end) of at most MAX_CORPUS_FILE_BYTES. Opened once, checked on the open descriptor and read
 * to the size it had then, so a file swapped after the check is not followed. Throws InputError naming it.
 */
export function readCorpusFile(path: string, where: string): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would block here before any check could run.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, where);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : st.isDirectory() ? 'a folder' : 'not a regular file';
      throw new InputError(`${path} is ${kind}; a corpus file must be a regular file`, where);
    }
    if (st.size > MAX_CORPUS_FILE_BYTES) {
      throw new InputError(`${path} is ${(st.size / 2 ** 20).toFixed(0)} MiB; a corpus file may hold at most ${MAX_CORPUS_FILE_BYTES / 2 ** 20} MiB`, where);
    }
    const bytes = Buffer.alloc(st.size);
    let at = 0;
    while (at < st.size) {
      const n = readSync(fd, bytes, at, st.size - at, at);
      if (n === 0) break;
      at += n;
    }
    return bytes.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** `nottingham` → [], `nottingham:jigs,hpps` → ['jigs', 'hpps'], anything else → null. */
function parseNamed(corpus: string): string[] | null {
  if (corpus === NOTTINGHAM) return [];
  if (corpus.startsWith(`${NOTTINGHAM}:`)) return corpus.slice(NOTTINGHAM.length + 1).split(',').filter(Boolean).map(stripAbc);
  return null;
}

function stripAbc(name: string): string {
  return name.replace(/\.abc$/i, '');
}

/** The .abc files a path, folder or glob stands for, sorted. */
function listPaths(corpus: string): string[] {
  const hint = `expected a file, a folder of .abc files, a glob, or the named corpus "${NOTTINGHAM}"`;
  if (isGlob(corpus) && !existsSync(corpus)) {
    const found = globFiles(corpus).filter((p) => statSync(p).isFile());
    if (found.length === 0) throw new InputError(`corpus glob ${corpus} matches no files (${hint})`, 'data.corpus');
    return found;
  }
  if (!existsSync(corpus)) throw new InputError(`corpus ${corpus} not found (${hint})`, 'data.corpus');
  if (statSync(corpus).isDirectory()) {
    const found = readdirSync(corpus)
      .filter((n) => n.toLowerCase().endsWith('.abc'))
      .sort()
      .map((n) => join(corpus, n))
      .filter((p) => statSync(p).isFile());
    if (found.length === 0) throw new InputError(`corpus folder ${corpus} holds no .abc files (${hint})`, 'data.corpus');
    return found;
  }
  return [corpus];
}

/**
 * Finds one file of the named corpus: data folder → TUNELAB_DATA_DIR → cache → download (then cached).
 * A local copy whose sha256 differs is rejected; a cached one is replaced by a fresh download.
 */
export async function resolveNottinghamFile(file: string, opts: SourceOptions = {}): Promise<CorpusFile> {
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? (() => {});
  const expected = NOTTINGHAM_FILES[file];
  if (!expected) throw new InputError(`unknown file "${file}" in corpus ${NOTTINGHAM}`, 'data.files');
  const name = `${NOTTINGHAM}/${file}.abc`;
  const looked: string[] = [];

  const local: [string, string | undefined][] = [
    ['data folder', opts.dataDir],
    ['TUNELAB_DATA_DIR', env.TUNELAB_DATA_DIR || undefined],
  ];
  for (const [label, dir] of local) {
    if (!dir) continue;
    const path = join(dir, `${file}.abc`);
    looked.push(`${label} ${path}`);
    if (!existsSync(path)) continue;
    const bytes = readCorpusFile(path, label === 'data folder' ? 'dataDir' : 'TUNELAB_DATA_DIR');
    const got = sha256(bytes);
    if (got !== expected.sha256) {
      throw new InputError(
        `${path} is not the cleaned Nottingham ${file}.abc: expected sha256 ${expected.sha256}, got ${got}; ` +
          `point ${label} at a copy of ABC_cleaned/ (or use the file as a corpus path to train on it as it is)`,
        label === 'data folder' ? 'dataDir' : 'TUNELAB_DATA_DIR',
      );
    }
    return { name, text: bytes.toString('utf8'), from: path };
  }

  if (!opts.dataDir && !env.TUNELAB_DATA_DIR) looked.push('TUNELAB_DATA_DIR (not set)');
  const cacheRoot = opts.cacheDir ?? defaultCacheDir(env);
  const cached = join(cacheRoot, NOTTINGHAM, `${file}.abc`);
  looked.push(`cache ${cached}`);
  if (existsSync(cached)) {
    const bytes = readFileSync(cached);
    if (sha256(bytes) === expected.sha256) return { name, text: bytes.toString('utf8'), from: cached };
    progress(`cached ${cached} has the wrong sha256; downloading it again`);
  }

  const url = `${NOTTINGHAM_URL}${file}.abc`;
  const fix =
    `point at a copy: set TUNELAB_DATA_DIR to a folder holding ${file}.abc ` +
    `(the cleaned Nottingham files), or set data.corpus (--corpus) to its path`;
  let bytes: Uint8Array;
  try {
    progress(`downloading ${url}`);
    const res = await (opts.fetch ?? fetch)(url, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    const reason = (err as Error)?.message ?? String(err);
    throw new InputError(`cannot get ${name}: not found in ${looked.join(', ')}; download of ${url} failed (${reason}); ${fix}`);
  }
  const got = sha256(bytes);
  if (got !== expected.sha256) {
    throw new InputError(
      `download of ${url} was rejected: expected sha256 ${expected.sha256}, got ${got} (${bytes.length} bytes); not cached; ${fix}`,
    );
  }
  try {
    mkdirSync(join(cacheRoot, NOTTINGHAM), { recursive: true });
    // Write then rename, so a crash or a parallel worker never leaves half a file in the cache.
    const tmp = `${cached}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, cached);
    progress(`cached ${cached}`);
  } catch (err) {
    progress(`could not cache ${cached}: ${(err as Error).message}`);
  }
  return { name, text: Buffer.from(bytes).toString('utf8'), from: url };
}
