import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTune, splitTunes } from '@tunelab/abc';
import { evalMetrics, evaluateTunes } from './evaluate';
import { buildReference } from './reference';
import { findAbc2midi } from './abc2midi';
import { HAND_CASES, inCI, nottinghamDir } from '../testing';
import { tuneValidity } from './validity';

const TRAIN = [
  'X:1\nT:Training Jig\nM:6/8\nL:1/8\nK:G\n|:GAB c2d|edc BAG|FGA DEF|G3 G3:|\n|:gfe dcB|cde dBG|AGF DEF|G3 G3:|\n',
  'X:2\nT:Training Slide\nM:12/8\nL:1/8\nK:D\nf2e dcB A2F D3|faf ecA d3 d3|]\n',
];
const REFERENCE = buildReference(TRAIN.map((text, index) => ({ text, file: 'train.abc', index })));

const parse = (text: string) => parseTune({ file: 'test.abc', line: 1, index: 0, text });

describe('tuneValidity', () => {
  it('flags a bar of the wrong length, and passes the same tune with the bar fixed', () => {
    const bad = tuneValidity(parse('X:1\nT:t\nM:6/8\nL:1/8\nK:G\nGAB c2d|edc BA|FGA DEF|G3 G3|]\n'));
    expect(bad.barsOk).toBe(false);
    expect(bad.badBars).toBe(1);
    const good = tuneValidity(parse('X:1\nT:t\nM:6/8\nL:1/8\nK:G\nGAB c2d|edc BAG|FGA DEF|G3 G3|]\n'));
    expect(good).toMatchObject({ barsOk: true, valid: true, headerOk: true, badBars: 0 });
  });

  it('checks the header: X first and numeric, M and K present and legal, L legal when present', () => {
    expect(tuneValidity(parse('X:1\nM:6/8\nK:G\nGAB c2d|]\n')).headerOk).toBe(true);
    expect(tuneValidity(parse('T:no number\nM:6/8\nK:G\nGAB c2d|]\n')).headerProblems).toContain('X: is not the first field');
    expect(tuneValidity(parse('X:1\nK:G\nGAB c2d|]\n')).headerProblems).toContain('M: missing');
    expect(tuneValidity(parse('X:1\nM:6/8\nL:eighth\nK:G\nGAB c2d|]\n')).headerOk).toBe(false);
    expect(tuneValidity(parse('X:1\nM:6/8\nK:H\nGAB c2d|]\n')).headerOk).toBe(false);
    expect(tuneValidity(parse('X:1\nM:6/8\nK:F#m\nGAB c2d|]\n')).headerOk).toBe(true);
  });
});

describe('evaluateTunes', () => {
  it('counts a verbatim copy of a training tune as a copy, and a new tune as new', async () => {
    const copy = TRAIN[0].replace('T:Training Jig', 'T:Renamed');
    const fresh = 'X:3\nT:Fresh\nM:6/8\nL:1/8\nK:A\nAce a2e|fed cBA|Bcd e2c|A3 A3|]\n';
    const report = await evaluateTunes([copy, fresh], REFERENCE, { abc2midi: false });
    expect(report.copiedTunes).toBe(1);
    expect(report.perTune![0].novelty).toMatchObject({ copy: true, nearest: 'train.abc#0' });
    expect(report.perTune![1].novelty.copy).toBe(false);
    expect(report.abc2midiCleanRate).toBeNull();
    expect(report.validRate).toBe(1);
    expect(report.barOkRate).toBe(1);
    expect(report.tunes).toBe(2);
  });

  it('maps a report to the sweep metric names', async () => {
    const report = await evaluateTunes([TRAIN[1]], REFERENCE, { abc2midi: false, perTune: false });
    const m = evalMetrics(report);
    for (const name of ['valid_rate', 'bar_ok_rate', 'novelty_lcs_median', 'novelty_lcs_p95', 'copied_tunes']) {
      expect(typeof m[name]).toBe('number');
    }
    expect(m.copied_tunes).toBe(1);
    expect(m).not.toHaveProperty('abc2midi_clean_rate');
    expect(report.perTune).toBeUndefined();
    expect(evalMetrics({ ...report, abc2midiCleanRate: 0.5 }).abc2midi_clean_rate).toBe(0.5);
  });

  it('measures nothing as zero rather than NaN', async () => {
    const m = evalMetrics(await evaluateTunes([], REFERENCE, { abc2midi: false }));
    expect(Object.values(m).every((v) => Number.isFinite(v))).toBe(true);
  });

  it('agrees with abc2midi -c on hand-made cases', async ({ skip }) => {
    if (!(await findAbc2midi())) {
      if (inCI) throw new Error('abc2midi is required in CI (CI=true) but was not found on PATH');
      return skip('abc2midi is not installed (Debian package abcmidi): skipping the agreement check');
    }
    const report = await evaluateTunes(
      HAND_CASES.map((c) => c.text),
      REFERENCE,
    );
    const ours = report.perTune!.map((t) => t.valid && t.barsOk);
    const theirs = report.perTune!.map((t) => t.abc2midiClean);
    expect(theirs).toEqual(HAND_CASES.map((c) => c.clean));
    expect(ours).toEqual(theirs);
    // Every unclean tune has a reason, a clean one none; the report counts the tunes per reason.
    for (const t of report.perTune!) expect(t.abc2midiReasons.length > 0).toBe(t.abc2midiClean === false);
    const counted = new Map<string, number>();
    for (const t of report.perTune!) for (const r of t.abc2midiReasons) counted.set(r, (counted.get(r) ?? 0) + 1);
    expect(report.abc2midiRefusals).toEqual(
      [...counted].map(([reason, tunes]) => ({ reason, tunes })).sort((a, b) => b.tunes - a.tunes || (a.reason < b.reason ? -1 : 1)),
    );
    expect(report.abc2midiRefusals!.length).toBeGreaterThan(0);
  });

  it('names what abc2midi refused: a bar of the wrong length and a tie between two pitches', async ({ skip }) => {
    if (!(await findAbc2midi())) {
      if (inCI) throw new Error('abc2midi is required in CI (CI=true) but was not found on PATH');
      return skip('abc2midi is not installed (Debian package abcmidi)');
    }
    const head = 'X:1\nT:t\nM:6/8\nL:1/8\nK:G\n';
    const report = await evaluateTunes([`${head}GAB c2d|edc BA|G6|]\n`, `${head}G3 -F2A|B6|]\n`, `${head}GAB c2d|edc BAG|G6|]\n`, `${head}G3 -F2A|B6|G6|]\n`], REFERENCE);
    expect(report.perTune!.map((t) => t.abc2midiReasons)).toEqual([
      ['Bar N has N time units while the time signature has N'],
      ['Could not find note to be tied'],
      [],
      ['Could not find note to be tied'],
    ]);
    expect(report.abc2midiRefusals).toEqual([
      { reason: 'Could not find note to be tied', tunes: 2 },
      { reason: 'Bar N has N time units while the time signature has N', tunes: 1 },
    ]);
    expect((await evaluateTunes([`${head}G6|]\n`], REFERENCE, { abc2midi: false })).abc2midiRefusals).toBeNull();
  });

  it('finds every Nottingham jig a copy of itself', async ({ skip }) => {
    const dir = nottinghamDir();
    if (!dir) return skip('Nottingham data not found: set TUNELAB_DATA_DIR');
    const tunes = splitTunes(readFileSync(`${dir}/jigs.abc`, 'utf8'), 'jigs.abc');
    const report = await evaluateTunes(
      tunes.map((t) => t.text),
      buildReference(tunes),
      { abc2midi: false, perTune: false },
    );
    expect(report.copiedTunes).toBe(340);
    // Three jigs of the file repeat the music of an earlier one under another title.
    expect(report.duplicateTunes).toBe(3);
    expect(report.distributions.distance.key).toBe(0);
  });
});
