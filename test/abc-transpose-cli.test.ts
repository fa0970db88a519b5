import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { soundingPitches, splitFile } from '@tunelab/abc';

import { runAll, type CliResult as Result } from './support/cli';
import { dataDirOrSkip } from './support/data';

// `tunelab abc transpose` end to end, through the real bin.
const dataDir = dataDirOrSkip();

const dir = mkdtempSync(join(tmpdir(), 'abc-transpose-cli-'));
const good = join(dir, 'good.abc');
const bad = join(dir, 'bad.abc');
const goodText = '% file header\n\nX:1\nT:G tune\nM:6/8\nL:1/8\nK:G\n"G"GAB "D7/F#"^cde|[K:Em]e2^d e3|]\n\n\nX:2\nT:Dorian\nK:Ador\n"Am"A^F=F G2|\n';
writeFileSync(good, goodText);
writeFileSync(bad, 'X:1\nT:Fine\nK:D\nDEF|\n\nX:2\nT:No key\nK:none\nABc|\n');

const RUNS = {
  up: ['abc', 'transpose', good, '--semitones', '2'],
  down: ['abc', 'transpose', good, '--semitones', '-5'],
  bad: ['abc', 'transpose', bad, '--semitones', '1'],
  notNumber: ['abc', 'transpose', good, '--semitones', 'two'],
  corpus: dataDir ? ['abc', 'transpose', join(dataDir, 'hpps.abc'), '--semitones', '3'] : null,
};
let results: Partial<Record<keyof typeof RUNS, Result>> = {};

beforeAll(async () => {
  results = await runAll(RUNS);
}, 120_000);

describe('tunelab abc transpose', () => {
  it('prints every tune of the file moved up, and the text between tunes as it was', () => {
    const r = results.up!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      '% file header\n\nX:1\nT:G tune\nM:6/8\nL:1/8\nK:A\n"A"ABc "E7/G#"^def|[K:F#m]f2^e f3|]\n\n\nX:2\nT:Dorian\nK:Bdor\n"Bm"B^G=G A2|\n',
    );
  });

  it('moves down with a negative number', () => {
    const r = results.down!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('K:D\n"D"DEF "A7/C#"^GAB|[K:Bm]B2^A B3|]');
    expect(r.stdout).toContain('K:Edor\n"Em"E^C=C D2|');
  });

  it('names file:line:col of a key it cannot move, prints nothing and exits 1', () => {
    const r = results.bad!;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:8:1: cannot transpose: K:none sets no tonic`);
    expect(r.stdout).toBe('');
  });

  it('refuses a number of semitones that is not a whole number', () => {
    expect(results.notNumber!.code).toBe(1);
    expect(results.notNumber!.stderr).toContain('--semitones two: expected a whole number');
  });

  it.skipIf(!dataDir)('moves every tune of a Nottingham file, pitch by pitch', () => {
    const r = results.corpus!;
    expect(r.code, r.stderr).toBe(0);
    const before = splitFile(readFileSync(join(dataDir!, 'hpps.abc'), 'utf8')).tunes;
    const after = splitFile(r.stdout).tunes;
    expect(after).toHaveLength(before.length);
    after.forEach((t, i) => expect(soundingPitches(t.text)).toEqual(soundingPitches(before[i].text).map((p) => p + 3)));
  });
});
