import { describe, expect, it } from 'vitest';
import { bodyBars, tuneBody } from './body';
import { diversity } from './diversity';
import { COPY_SHARE, tuneNovelty } from './novelty';
import { buildReference } from './reference';

const JIG_A = 'X:1\nT:Test Jig A\nM:6/8\nL:1/8\nK:G\n|:GAB c2d|edc BAG|FGA DEF|G3 G3:|\n|:gfe dcB|cde dBG|AGF DEF|G3 G3:|\n';
const JIG_B = 'X:2\nT:Test Jig B\nM:6/8\nL:1/8\nK:D\nf2e dcB|A2F D3|faf ecA|d3 d3|\n';
const REFERENCE = buildReference([
  { text: JIG_A, file: 'tests.abc', index: 0 },
  { text: JIG_B, file: 'tests.abc', index: 1 },
]);

describe('tuneBody and bodyBars', () => {
  it('takes everything after the first K: line, and normalizes line ends', () => {
    expect(tuneBody('X:1\r\nT:t\r\nK:G\r\nGAB|\r\nK:D\r\nd|\r\n\r\n')).toBe('GAB|\nK:D\nd|');
    expect(tuneBody('X:1\nT:no key\nGAB|cde|\n')).toBe('GAB|cde|');
  });

  it('cuts bars at bar lines and drops repeat marks, variant numbers and field lines', () => {
    expect(bodyBars('|: GAB c2d :|[1 edc BAG :|2 "G"G3 ||\nP:B\nabc|]')).toEqual(['GABc2d', 'edcBAG', '"G"G3', 'abc']);
  });
});

describe('tuneNovelty', () => {
  it('counts a verbatim copy of a reference tune as a copy, whatever its header says', () => {
    const copied = JIG_A.replace('T:Test Jig A', 'T:Brand New Title').replace('X:1', 'X:99');
    const n = tuneNovelty(copied, REFERENCE);
    expect(n.copy).toBe(true);
    expect(n.lcs).toBe(n.bodyLength);
    expect(n.nearest).toBe('tests.abc#0');
    expect(n.barsInReference).toBe(n.bars);
  });

  it('counts a tune that keeps 80% of a reference tune as one span as a copy, and one that does not as new', () => {
    const body = tuneBody(JIG_A);
    const keep = Math.ceil(COPY_SHARE * body.length);
    // Same length as the body: the first `keep` characters copied, the rest changed.
    const mostly = `X:5\nK:G\n${body.slice(0, keep)}${'z'.repeat(body.length - keep)}`;
    expect(tuneNovelty(mostly, REFERENCE).copy).toBe(true);
    const less = `X:5\nK:G\n${body.slice(0, keep - 2)}${'z'.repeat(body.length - keep + 2)}`;
    expect(tuneNovelty(less, REFERENCE).copy).toBe(false);
  });

  it('does not join spans of two different reference tunes into one copy', () => {
    const a = tuneBody(JIG_A);
    const b = tuneBody(JIG_B);
    const patchwork = `X:7\nK:G\n${a.slice(0, a.length / 2)}${b}`;
    const n = tuneNovelty(patchwork, REFERENCE);
    expect(n.copy).toBe(false);
    expect(n.lcs).toBeLessThan(0.8 * n.bodyLength);
    expect(n.lcs).toBeGreaterThanOrEqual(Math.max(b.length, Math.floor(a.length / 2)));
  });

  it('reports a new tune as new, with its bars mostly outside the reference', () => {
    const n = tuneNovelty('X:3\nT:New\nM:6/8\nL:1/8\nK:A\nAce a2e|fed cBA|Bcd e2c|A3 A3|]\n', REFERENCE);
    expect(n.copy).toBe(false);
    expect(n.lcs).toBeLessThan(8);
    expect(n.barsInReference).toBe(0);
    expect(n.bars).toBe(4);
    expect(tuneNovelty('X:4\nK:G\n', REFERENCE)).toMatchObject({ bodyLength: 0, copy: false, nearest: null });
  });
});

describe('diversity', () => {
  it('counts duplicate tunes and lowers distinct n-gram ratios for repeated material', () => {
    const varied = diversity([JIG_A, JIG_B]);
    const repeated = diversity([JIG_A, JIG_A.replace('X:1', 'X:2'), JIG_B]);
    expect(varied.duplicateTunes).toBe(0);
    expect(repeated.duplicateTunes).toBe(1);
    expect(repeated.distinctNgrams['8']).toBeLessThan(varied.distinctNgrams['8']);
    expect(diversity([]).distinctNgrams['4']).toBe(0);
  });
});
