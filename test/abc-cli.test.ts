import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { runAll, type CliResult as Result } from './support/cli';
import { dataDirOrSkip } from './support/data';

// `tunelab abc check` end to end, through the real bin.
const dataDir = dataDirOrSkip();

const dir = mkdtempSync(join(tmpdir(), 'abc-cli-'));
const good = join(dir, 'good.abc');
const bad = join(dir, 'bad.abc');
const missing = join(dir, 'missing.abc');
writeFileSync(good, 'X:1\nT:Good\nM:6/8\nL:1/8\nK:G\nd|GAB GAB|GAB G2:|\n\nX:2\nT:Also good\nM:2/4\nK:D\nDEFG ABcd|\n');
writeFileSync(bad, 'X:1\nT:Short\nM:6/8\nL:1/8\nK:G\nGAB GAB|GAB G|GAB GAB|\n');

const RUNS = {
  json: ['abc', 'check', good, bad, '--json'],
  strict: ['abc', 'check', bad, '--strict', '--json'],
  strictGood: ['abc', 'check', good, '--strict'],
  text: ['abc', 'check', good, bad],
  missing: ['abc', 'check', good, missing, '--json'],
  corpus: dataDir ? ['abc', 'check', ...['jigs', 'hpps', 'reelsa-c', 'ashover', 'morris', 'playford', 'reelsd-g', 'reelsh-l', 'reelsm-q', 'reelsr-t', 'reelsu-z', 'slip', 'waltzes', 'xmas'].map((f) => join(dataDir, `${f}.abc`)), '--json'] : null,
};
let results: Partial<Record<keyof typeof RUNS, Result>> = {};

beforeAll(async () => {
  results = await runAll(RUNS);
}, 120_000);

describe('tunelab abc check', () => {
  it('--json prints exactly one JSON document with the counts, and exits 0', () => {
    const r = results.json!;
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect([doc.files, doc.tunes, doc.tunesWithErrors, doc.barLengthFindings]).toEqual([2, 3, 1, 1]);
    expect(doc.perFile.map((f: { file: string; tunes: number }) => [f.file, f.tunes])).toEqual([
      [good, 2],
      [bad, 1],
    ]);
    expect(doc.perFile[1].problems[0].findings[0]).toMatchObject({ severity: 'error', code: 'bar-length', line: 6, col: 9 });
  });

  it('--strict exits 1 when a tune has an error, 0 when none has', () => {
    expect(results.strict!.code).toBe(1);
    expect(JSON.parse(results.strict!.stdout).tunesWithErrors).toBe(1);
    expect(results.strictGood!.code).toBe(0);
  });

  it('prints errors as file:line:col, a table per file and a total line', () => {
    const r = results.text!;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${bad}:6:9: error bar-length: bar 2 lasts 1/2 (4 × L:1/8) but M:6/8 needs 3/4`);
    expect(r.stdout).toMatch(/file\s+tunes\s+with errors\s+bar-length/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('total: 2 files, 3 tunes, 1 with errors, 1 bar-length finding');
  });

  it('names a file it cannot read and exits 1', () => {
    const r = results.missing!;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${missing}: cannot read ABC file: no such file`);
    expect(r.stdout).toBe('');
  });

  it.skipIf(!dataDir)('reports 1,034 tunes over the Nottingham files and exits 0', () => {
    const r = results.corpus!;
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect([doc.files, doc.tunes]).toEqual([14, 1034]);
    expect(doc.perFile.find((f: { file: string }) => f.file.endsWith('jigs.abc')).tunes).toBe(340);
  });
});
