import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `count` made-up 6/8 tunes (seeded, so every run gets the same file) to `<dir>/tiny.abc` and returns
 * its path: a corpus small enough that a tiny model trains on it in a second.
 */
export function writeTinyCorpus(dir: string, count = 30): string {
  const notes = 'CDEFGABcdefg';
  let s = 11;
  const next = () => (s = (s * 1103515245 + 12345) >>> 0) % notes.length;
  const tunes = Array.from({ length: count }, (_, i) => {
    const bars = Array.from({ length: 8 }, () => Array.from({ length: 6 }, () => notes[next()]).join(''));
    return `X: ${i + 1}\nT:Tune ${i + 1}\nM:6/8\nL:1/8\nK:G\n${bars.slice(0, 4).join('|')}|\n${bars.slice(4).join('|')}|]\n`;
  });
  const file = join(dir, 'tiny.abc');
  writeFileSync(file, tunes.join('\n'));
  return file;
}
