import { execFile } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * An outside opinion on validity: `abc2midi -c` (Debian package abcmidi) checks tunes without writing MIDI.
 * tunelab's own checker decides validRate; abc2midi is a second opinion, stricter in rules of its own (305 of
 * the 340 human-written Nottingham jigs pass it), so its verdict is reported beside ours.
 */

/** What abc2midi said about one tune. */
export interface Abc2midiVerdict {
  /** No `Error` and no bar-length warning. */
  clean: boolean;
  errors: string[];
  barWarnings: string[];
  /** abc2midi did not finish within the time limit (counted as not clean). */
  timedOut: boolean;
}

export interface Abc2midiOptions {
  /** The program to run; default `abc2midi` found on PATH. */
  binary?: string;
  /** Limit per abc2midi process, in milliseconds (default 20 s). */
  timeoutMs?: number;
  /**
   * Tunes per abc2midi process (default 1). Batching saves forks, but a tune cut off inside a chord symbol (an
   * unfinished sample) makes abc2midi read the quote on into the tunes after it in the same file, which then
   * report nothing and look clean; one tune per process keeps each verdict its own.
   */
  batchSize?: number;
  /** abc2midi processes at once (default 4). */
  concurrency?: number;
  /** Most bytes of messages kept from one process (default 64 MiB): a garbled tune can make it print without end. */
  maxOutputBytes?: number;
}

const MESSAGE = /^(Error|Warning) in line-char (\d+)-(\d+) : (.*)$/;
const BAR_WARNING = /\bBar \d+ has .* time units\b/;

/**
 * What a verdict refuses, one reason per kind of message: abc2midi's errors and bar-length warnings with their
 * numbers written `N` ("Track 1 Bar 7 has 5 time units while the time signature has 6" → "Bar N has N time
 * units while the time signature has N"), and "timed out". Sorted, without repeats; empty for a clean tune.
 */
export function abc2midiReasons(verdict: Abc2midiVerdict): string[] {
  const reasons = [...verdict.errors, ...verdict.barWarnings].map((m) =>
    m
      .replace(/^Track \d+ /, '')
      .replace(/\d+(\/\d+)?/g, 'N')
      .trim(),
  );
  if (verdict.timedOut) reasons.push('timed out');
  return [...new Set(reasons)].sort();
}

/** The abc2midi program to run, or null when it is not installed. */
export async function findAbc2midi(binary = 'abc2midi'): Promise<string | null> {
  const candidates = binary.includes('/')
    ? [binary]
    : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, binary));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}

/**
 * Runs a program and resolves with its stdout+stderr, null when it ran past `timeoutMs`, or 'overflow' when
 * it printed more than `maxOutput` bytes.
 */
function run(binary: string, args: string[], cwd: string, timeoutMs: number, maxOutput: number): Promise<string | null | 'overflow'> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: maxOutput }, (err, stdout, stderr) => {
      if (err && (err as { code?: unknown }).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return resolve('overflow');
      if (err && (err as { killed?: boolean }).killed) return resolve(null);
      if (err && typeof (err as { code?: unknown }).code === 'string') return reject(err); // ENOENT, EACCES…
      resolve(`${stdout}\n${stderr}`); // a non-zero exit is abc2midi's verdict, not a failure to run
    });
  });
}

/**
 * One file with the tunes one after another. A tune whose text has no `X:` line first gets one (abc2midi
 * only reads tunes that start with X:), and blank lines inside a tune become `%` so that abc2midi does not
 * end the tune there while line numbers stay put. Returns the text and each tune's first line.
 */
function batchFile(tunes: readonly string[]): { text: string; starts: number[] } {
  const starts: number[] = [];
  let text = '';
  let line = 1;
  tunes.forEach((t, i) => {
    let body = t.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
    if (!body.startsWith('X:')) body = `X:${i + 1}\n${body}`;
    body = body.replace(/^[ \t]*$/gm, '%');
    starts.push(line);
    text += `${body}\n\n`;
    line += body.split('\n').length + 1;
  });
  return { text, starts };
}

/** Which tune a file line belongs to. */
function tuneAt(starts: readonly number[], line: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= line) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Reads abc2midi's messages into one verdict per tune. */
export function parseAbc2midiOutput(output: string, starts: readonly number[]): Abc2midiVerdict[] {
  const verdicts: Abc2midiVerdict[] = starts.map(() => ({ clean: true, errors: [], barWarnings: [], timedOut: false }));
  for (const raw of output.split('\n')) {
    const m = MESSAGE.exec(raw.trim());
    if (!m || verdicts.length === 0) continue;
    const v = verdicts[tuneAt(starts, Number(m[2]))];
    if (m[1] === 'Error') v.errors.push(m[4]);
    else if (BAR_WARNING.test(m[4])) v.barWarnings.push(m[4]);
    else continue;
    v.clean = false;
  }
  return verdicts;
}

interface Limits {
  timeoutMs: number;
  maxOutput: number;
}

async function checkBatch(binary: string, dir: string, name: string, tunes: readonly string[], limits: Limits): Promise<Abc2midiVerdict[]> {
  const { text, starts } = batchFile(tunes);
  const file = join(dir, `${name}.abc`);
  await writeFile(file, text);
  const output = await run(binary, [file, '-c'], dir, limits.timeoutMs, limits.maxOutput);
  if (output !== null && output !== 'overflow') return parseAbc2midiOutput(output, starts);
  if (tunes.length === 1) {
    if (output === 'overflow') return [{ clean: false, errors: [`abc2midi printed more than ${limits.maxOutput} bytes of messages`], barWarnings: [], timedOut: false }];
    return [{ clean: false, errors: [], barWarnings: [], timedOut: true }];
  }
  // One tune hung the batch or flooded its output: check them one by one, so only that one pays.
  const out: Abc2midiVerdict[] = [];
  for (let i = 0; i < tunes.length; i++) out.push(...(await checkBatch(binary, dir, `${name}-${i}`, [tunes[i]], limits)));
  return out;
}

/**
 * Checks tunes with `abc2midi -c`, in batches in a temporary folder that is removed afterwards.
 * Resolves to one verdict per tune, in order, or to null when abc2midi is not installed.
 * Bounded: at most `concurrency` processes, each killed after `timeoutMs`.
 */
export async function checkWithAbc2midi(tunes: readonly string[], opts: Abc2midiOptions = {}): Promise<Abc2midiVerdict[] | null> {
  const binary = await findAbc2midi(opts.binary);
  if (binary === null) return null;
  const limits: Limits = { timeoutMs: opts.timeoutMs ?? 20_000, maxOutput: opts.maxOutputBytes ?? 64 << 20 };
  const batchSize = Math.max(1, opts.batchSize ?? 1);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const dir = await mkdtemp(join(tmpdir(), 'tunelab-abc2midi-'));
  try {
    const batches: (readonly string[])[] = [];
    for (let i = 0; i < tunes.length; i += batchSize) batches.push(tunes.slice(i, i + batchSize));
    const results: Abc2midiVerdict[][] = new Array(batches.length);
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const b = next++;
        results[b] = await checkBatch(binary, dir, `batch-${b}`, batches[b], limits);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
    return results.flat();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
