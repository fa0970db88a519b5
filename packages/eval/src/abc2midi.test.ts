import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitTunes } from '@tunelab/abc';
import { checkWithAbc2midi, findAbc2midi, parseAbc2midiOutput } from './abc2midi';
import { HAND_CASES, inCI, nottinghamDir } from './test-support';

const binary = await findAbc2midi();
const MISSING = 'abc2midi is not installed (Debian package abcmidi): skipping the cross-check';
if (!binary && !inCI) console.warn(MISSING);

/** Skips with a message when abc2midi is missing, but fails in CI, where it must be installed. */
function needAbc2midi(skip: (note?: string) => void): void {
  if (binary) return;
  if (inCI) throw new Error('abc2midi is required in CI (CI=true) but was not found on PATH');
  skip(MISSING);
}

describe('parseAbc2midiOutput', () => {
  it('assigns errors and bar-length warnings to the tune whose lines they name, and ignores other warnings', () => {
    const out = [
      'Warning in line-char 2-0 : Ignoring text: Y:AB',
      'Warning in line-char 9-14 : Track 0 Bar 1 has 5 time units while the time signature has 6',
      'Error in line-char 21-3 : Unrecognized chord name "Hm"',
      'voice mapping:',
    ].join('\n');
    const v = parseAbc2midiOutput(out, [1, 8, 20]);
    expect(v.map((x) => x.clean)).toEqual([true, false, false]);
    expect(v[1].barWarnings).toHaveLength(1);
    expect(v[2].errors).toEqual(['Unrecognized chord name "Hm"']);
  });
});

describe('checkWithAbc2midi', () => {
  it('gives the expected verdict on hand-made tunes', async ({ skip }) => {
    needAbc2midi(skip);
    const v = await checkWithAbc2midi(HAND_CASES.map((c) => c.text), { batchSize: 3 });
    expect(v!.map((x) => x.clean)).toEqual(HAND_CASES.map((c) => c.clean));
  });

  it('checks tunes that lack an X: line, and answers null when the program is missing', async ({ skip }) => {
    expect(await checkWithAbc2midi(['K:C\nC|'], { binary: '/nonexistent/abc2midi' })).toBeNull();
    needAbc2midi(skip);
    const v = await checkWithAbc2midi(['T:no number\nM:2/4\nL:1/8\nK:C\nCDEF|G4|]', 'M:2/4\nL:1/8\nK:C\nCDEF|G3|C4|]']);
    expect(v!.map((x) => x.clean)).toEqual([true, false]);
  });

  it('passes 305 of the 340 Nottingham jigs (DESIGN.md)', async ({ skip }) => {
    needAbc2midi(skip);
    const dir = nottinghamDir();
    if (!dir) return skip('Nottingham data not found: set TUNELAB_DATA_DIR');
    const tunes = splitTunes(readFileSync(`${dir}/jigs.abc`, 'utf8')).map((t) => t.text);
    const v = await checkWithAbc2midi(tunes);
    expect(tunes).toHaveLength(340);
    expect(v!.filter((x) => x.clean)).toHaveLength(305);
  });
});
