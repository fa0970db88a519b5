/** Made-up tunes for tests: short, regular 6/8 jigs drawn with the project's seeded RNG, so every run sees the same text. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../src/rng';

export interface TinyTunesOptions {
  /** How many tunes (default 30). */
  tunes?: number;
  /** The RNG seed (default 11). */
  seed?: number;
  /** Write an `L:1/8` line (default true; 1/8 is also what a 6/8 tune gets without one). */
  unitLine?: boolean;
}

/** The text of `tunes` made-up jigs: X, T, M:6/8, (L:1/8,) K:G and two lines of four six-note bars. */
export function tinyTunes(o: TinyTunesOptions = {}): string {
  const notes = 'CDEFGABcdefg';
  const rng = createRng(o.seed ?? 11);
  const unit = o.unitLine === false ? '' : 'L:1/8\n';
  const texts = Array.from({ length: o.tunes ?? 30 }, (_, i) => {
    const bars = Array.from({ length: 8 }, () => Array.from({ length: 6 }, () => notes[rng.int(notes.length)]).join(''));
    return `X: ${i + 1}\nT:Tune ${i + 1}\nM:6/8\n${unit}K:G\n${bars.slice(0, 4).join('|')}|\n${bars.slice(4).join('|')}|]\n`;
  });
  return texts.join('\n');
}

/** Writes `tinyTunes(o)` to `<dir>/tiny.abc` (dir: a new temporary folder when not given) and returns the file's path. */
export function writeTinyCorpus(o: TinyTunesOptions & { dir?: string } = {}): string {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'tunelab-tiny-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'tiny.abc');
  writeFileSync(file, tinyTunes(o));
  return file;
}
