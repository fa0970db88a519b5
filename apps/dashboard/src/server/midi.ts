import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
      execFile(binary, [abcPath, '-o', midPath], { timeout: opts.timeoutMs ?? 10_000 }, () => resolve());
    });
    const data = await readFile(midPath).catch(() => null);
    if (!data || data.length === 0) throw new HttpError(422, 'abc2midi could not turn this tune into MIDI', 'params.file');
    return data;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
