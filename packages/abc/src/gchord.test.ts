import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultGchord, gchordEndProblem, isGchordPattern } from './gchord';
import { frac } from './fraction';
import { parseMeter } from './fields';
import { parseTune } from './parse';

const eighths = (n: number, d = 1) => frac(n, 8 * d);

describe('gchordEndProblem', () => {
  it('6/8 (fzcfzc): the end may fall on a slot boundary or inside a rest slot, not inside f or c', () => {
    const bar = frac(6, 8);
    const ends = (n: number, d = 1) => gchordEndProblem(eighths(n, d), bar, 'fzcfzc') === null;
    expect([0, 1, 1.5, 2, 3, 4, 4.5, 5, 6].every((x) => ends(x * 2, 2))).toBe(true);
    expect([0.5, 2.5, 3.5, 5.5].some((x) => ends(x * 2, 2))).toBe(false);
    expect(ends(1, 16)).toBe(false);
  });

  it('knows abc2midi default patterns and reads %%MIDI gchord patterns', () => {
    expect(defaultGchord('6/8')).toBe('fzcfzc');
    expect(defaultGchord('C|')).toBe('fzczfzcz');
    expect(defaultGchord('3/4')).toBe('fzczcz');
    expect(defaultGchord('5/4')).toBeNull();
    expect(isGchordPattern(' fzczcz')).toBe(true);
    expect(isGchordPattern('f2c2')).toBe(true);
    expect(isGchordPattern('10')).toBe(false);
  });
});

const abc2midi = spawnSync('abc2midi', ['-ver'], { encoding: 'utf8' }).error === undefined;

describe.skipIf(!abc2midi)('gchord-end against abc2midi ("Sustained notes beyond end of track")', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-gchord-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** Whether abc2midi reports notes sounding past the end of the track. */
  const sustained = (text: string) => {
    const file = join(dir, 't.abc');
    writeFileSync(file, text);
    let out: string;
    try {
      out = execFileSync('abc2midi', [file, '-o', join(dir, 't.mid')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? '');
    }
    return /Sustained notes beyond end of track/.test(out);
  };

  it('decides as abc2midi does for a last bar of every length on a grid, in several meters, with and without %%MIDI gchord', () => {
    const cases: [string, number, string][] = [
      ['6/8', 6, ''],
      ['3/4', 6, ''],
      ['2/4', 4, ''],
      ['C|', 8, ''],
      ['6/8', 6, '%%MIDI gchord fzzczz\n'],
    ];
    let checked = 0;
    for (const [meter, barEighths, directive] of cases) {
      const step = meter === '6/8' && !directive ? 16 : 4; // sixteenths of an eighth for the jig, quarters elsewhere
      for (let n = 1; n <= barEighths * step; n++) {
        const last = `C${(n * 16) / step}/16`;
        const text = `X:1\nT:t\nM:${meter}\nL:1/8\n${directive}K:G\n"C"c${barEighths}|"D7"${last}||\n\n`;
        const flagged = parseTune(text).findings.some((f) => f.code === 'gchord-end');
        expect(flagged, `${meter} ${directive.trim()} last bar ${last}`).toBe(sustained(text));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
    // No chord symbol, no accompaniment: nothing sounds past the end.
    const plain = 'X:1\nT:t\nM:6/8\nL:1/8\nK:G\nc6|C3/2||\n\n';
    expect(sustained(plain)).toBe(false);
    expect(parseTune(plain).findings.map((f) => f.code)).not.toContain('gchord-end');
    expect(parseMeter('6/8')?.barLength).toEqual(frac(3, 4));
  });

  it('measures the last bar in playing order: a short bar carried across section lines counts with what it carried', () => {
    // 5 eighths at ||, then 1/2 + 1/2 more: a whole bar at the end for abc2midi and for the bar-length rule.
    const text = 'X:1\nT:t\nM:6/8\nL:1/8\nK:G\n"C"G3 G2||\nD/2||\nC/2:|\n\n';
    expect(sustained(text)).toBe(false);
    expect(parseTune(text).findings.map((f) => f.code)).not.toContain('gchord-end');
  });
});
