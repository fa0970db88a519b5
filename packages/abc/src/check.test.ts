import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, checkText, summarizeChecks } from './check';

const GOOD = 'X:1\nT:Good\nM:6/8\nL:1/8\nK:G\nd|GAB GAB|GAB G2:|\n';
const SHORT = 'X:2\nT:Short bars\nM:6/8\nL:1/8\nK:G\nGAB GAB|GAB G|GAB GA|GAB GAB|\n';
const NOKEY = 'X:3\nT:No key\nM:6/8\n';

describe('checkText', () => {
  it('counts tunes, tunes with errors and bar-length findings, and lists the tunes with errors', () => {
    const r = checkText(`${GOOD}\n${SHORT}\n${NOKEY}`, 'three.abc');
    expect([r.file, r.tunes, r.tunesWithErrors, r.barLengthFindings]).toEqual(['three.abc', 3, 2, 2]);
    expect(r.problems.map((p) => [p.line, p.number, p.title])).toEqual([
      [8, '2', 'Short bars'],
      [15, '3', 'No key'],
    ]);
    expect(r.problems[0].findings.map((f) => `${f.line}:${f.col}`)).toEqual(['13:9', '13:15']);
  });

  it('lists tunes with only warnings when asked', () => {
    const text = 'X:1\nT:t\nY:AB\nM:6/8\nK:G\nGAB GAB|\n';
    expect(checkText(text, 'w.abc').problems).toEqual([]);
    expect(checkText(text, 'w.abc', { warnings: true }).problems.map((p) => p.findings.map((f) => f.code))).toEqual([['unknown-field']]);
  });

  it('sums files', () => {
    const s = summarizeChecks([checkText(GOOD, 'a'), checkText(SHORT, 'b')]);
    expect([s.files, s.tunes, s.tunesWithErrors, s.barLengthFindings]).toEqual([2, 2, 1, 2]);
  });
});

describe('checkFile', () => {
  it('reads a file, and names the file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'abc-check-'));
    writeFileSync(join(dir, 'good.abc'), GOOD);
    expect(checkFile(join(dir, 'good.abc')).tunes).toBe(1);
    const missing = join(dir, 'missing.abc');
    expect(() => checkFile(missing)).toThrow(`${missing}: cannot read ABC file: no such file`);
    expect(() => checkFile(dir)).toThrow(/it is a directory/);
  });
});
