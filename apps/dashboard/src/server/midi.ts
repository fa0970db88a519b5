import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAbc2midi } from '@tunelab/eval';
import { HttpError } from './errors';

/**
 * ABC → Standard MIDI File through abc2midi, in a private temporary folder. Without abc2midi the answer
 * is 501 with a message that says how to get it (the page can still play the tune through abcjs).
 */
export async function abcToMidi(abc: string, opts: { timeoutMs?: number } = {}): Promise<Buffer> {
  const binary = await findAbc2midi();
  if (!binary) throw new HttpError(501, 'MIDI export needs abc2midi (Debian/Ubuntu: apt install abcmidi); play the tune in the page instead');
  const dir = await mkdtemp(join(tmpdir(), 'tunelab-midi-'));
  try {
    const abcPath = join(dir, 'tune.abc');
    const midPath = join(dir, 'tune.mid');
    await writeFile(abcPath, abc.includes('X:') ? abc : `X:1\n${abc}`);
    await new Promise<void>((resolve) => {
      execFile(binary, [abcPath, '-o', midPath], { timeout: opts.timeoutMs ?? 10_000, killSignal: 'SIGKILL' }, () => resolve());
    });
    const data = await readFile(midPath).catch(() => null);
    if (!data || data.length === 0) throw new HttpError(422, 'abc2midi could not turn this tune into MIDI', 'params.file');
    return data;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface MidiOptions {
  /** abc2midi processes at once (default 2, or 1 on a one-CPU machine). */
  concurrency?: number;
  /** Requests that may wait for one; the next is answered 503 with Retry-After (default 8). */
  maxWaiting?: number;
  /** Seconds a refused client is told to wait (default 2). */
  retryAfterS?: number;
  /** One abc2midi run's limit (default 10 s). */
  timeoutMs?: number;
}

/**
 * `.mid` downloads through a small semaphore: a burst of downloads (or a page that asks for thousands)
 * starts at most `concurrency` abc2midi processes, queues `maxWaiting` more, and refuses the rest with 503.
 */
export class MidiRenderer {
  readonly concurrency: number;
  readonly maxWaiting: number;
  private readonly retryAfterS: number;
  private readonly timeoutMs: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(opts: MidiOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? Math.min(2, availableParallelism()));
    this.maxWaiting = Math.max(0, opts.maxWaiting ?? 8);
    this.retryAfterS = opts.retryAfterS ?? 2;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  get size(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async render(abc: string): Promise<Buffer> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new HttpError(503, 'MIDI rendering is busy; try again in a moment', undefined, { 'retry-after': String(this.retryAfterS) });
      }
      // release() hands its slot straight to the first waiter, so `running` stays counted.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await abcToMidi(abc, { timeoutMs: this.timeoutMs });
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
