import { describe, expect, it } from 'vitest';
import { parseTune } from './parse';
import { formatFraction } from './fraction';

/** A tune with the given header lines (X:, T: and K: added) and body. */
function tune(header: string, body: string) {
  return parseTune(`X:1\nT:t\n${header}\nK:G\n${body}\n`);
}

const barFindings = (header: string, body: string) =>
  tune(header, body)
    .findings.filter((f) => f.code === 'bar-length')
    .map((f) => `${f.line}:${f.col}`);

const durations = (header: string, body: string) => tune(header, body).bars.map((b) => formatFraction(b.duration));

describe('bar durations', () => {
  it('adds up a 6/8 jig bar by bar against M:6/8 and L:1/8', () => {
    const t = tune('M:6/8\nL:1/8', 'GAB c2d|e3 d2B|');
    expect(t.bars.map((b) => [formatFraction(b.duration), formatFraction(b.expected!), b.closedBy, b.status, b.line, b.col])).toEqual([
      ['3/4', '3/4', '|', 'ok', 6, 1],
      ['3/4', '3/4', '|', 'ok', 6, 9],
    ]);
    expect(t.findings).toEqual([]);
  });

  it('gives notes, rests and chords exact durations', () => {
    const t = tune('M:6/8\nL:1/8', 'A3/2B/2 c// z2 [CEG]2 [C3E3]/ x|');
    const d = t.tokens.filter((x) => x.duration).map((x) => `${x.text}=${formatFraction(x.duration!)}`);
    expect(d).toEqual(['A3/2=3/16', 'B/2=1/16', 'c//=1/32', 'z2=1/4', '[CEG]2=1/4', '[C3E3]/=3/16', 'x=1/8']);
  });

  it('counts tuplets: (3 in time of 2, (2 in time of 3, (5 in time of 3 in compound meter', () => {
    expect(durations('M:6/8\nL:1/8', '(3ABc d2e2|(2AB c d2|(5ABcde f3|(3:2:2A2B c d3|')).toEqual(['3/4', '3/4', '3/4', '3/4']);
    expect(durations('M:2/4\nL:1/8', '(5ABcde|(3ABc|')).toEqual(['1/4', '1/4']);
    expect(barFindings('M:6/8\nL:1/8', 'GAB GAB|(3ABc d2e2|')).toEqual([]);
  });

  it('counts broken rhythm: > dots the first note and halves the second, < the other way', () => {
    const t = tune('M:6/8\nL:1/8', 'A>B c A<B c|A>>B c A2 B|');
    expect(t.tokens.filter((x) => x.kind === 'note').slice(0, 2).map((x) => formatFraction(x.duration!))).toEqual(['3/16', '1/16']);
    expect(t.bars.map((b) => formatFraction(b.duration))).toEqual(['3/4', '3/4']);
    expect(t.findings).toEqual([]);
  });

  it('takes a chord as long as its first note, and gives grace notes no time', () => {
    expect(durations('M:6/8\nL:1/8', '[CEG]3 [C3E3]|{ag}G3 {/a}G2 {gfe}A|')).toEqual(['3/4', '3/4']);
  });

  it('reads M:C as 4/4, M:C| as 2/2, and M:none as no bar length', () => {
    expect(barFindings('M:C\nL:1/8', 'GABc defg|GABc def|')).toEqual(['6:11']);
    expect(tune('M:C|\nL:1/8', 'GABc defg|').bars[0].expected).toEqual({ num: 1, den: 1 });
    const free = tune('M:none\nL:1/8', 'GAB|GABcdefg|');
    expect(free.findings).toEqual([]);
    expect(free.bars.map((b) => b.status)).toEqual(['unchecked', 'unchecked']);
  });

  it('uses the ABC 2.1 default unit length without L: (1/16 below 3/4, else 1/8), from the header meter', () => {
    expect(tune('M:2/4', 'GABc defg|').unitLength).toEqual({ num: 1, den: 16 });
    expect(barFindings('M:2/4', 'GABc defg|GABc defg|')).toEqual([]);
    expect(barFindings('M:3/4', 'GABcde|GABcde|')).toEqual([]);
    expect(barFindings('M:6/8', 'GAB GAB|GAB GAB|')).toEqual([]);
    expect(tune('', 'GAB|').unitLength).toEqual({ num: 1, den: 8 });
    // A mid-tune M: changes the bar length but not the default unit length.
    expect(barFindings('M:6/8', 'GAB GAB|\nM:2/4\nGABc|GABc|')).toEqual([]);
  });
});

describe('the bar-length rule', () => {
  it('reports a short and a long bar in the middle of a tune at the bar, with line:col', () => {
    const t = tune('M:6/8\nL:1/8', 'GAB GAB|GAB GA|GAB GAB|\nGAB GAB c|GAB GAB|');
    expect(t.findings.map((f) => `${f.code} ${f.line}:${f.col}`)).toEqual(['bar-length 6:9', 'bar-length 7:1']);
    expect(t.findings[0].message).toMatch(/bar 2 lasts 5\/8 \(5 × L:1\/8\) but M:6\/8 needs 3\/4/);
    expect(t.bars.map((b) => b.status)).toEqual(['ok', 'short', 'ok', 'long', 'ok']);
  });

  it('allows an anacrusis and a short last bar that completes it', () => {
    expect(barFindings('M:6/8\nL:1/8', 'd|GAB GAB|GAB G2|]')).toEqual([]);
    expect(barFindings('M:6/8\nL:1/8', 'd|GAB GAB|GAB G2')).toEqual([]);
    // but a first bar may not be too long
    expect(barFindings('M:6/8\nL:1/8', 'GAB GABc|GAB GAB|')).toEqual(['6:1']);
  });

  it('lets a repeat close mid-bar when the pickup completes the bar, in playing order', () => {
    // The repeat goes back to the start: d + GAB G2 make a bar.
    expect(barFindings('M:6/8\nL:1/8', 'd|GAB GAB|GAB G2:|\n|:e|GAB GAB|GAB G2:|')).toEqual([]);
    // No pickup, so the short last bar before :| is not completed by anything.
    expect(barFindings('M:6/8\nL:1/8', '|:GAB GAB|GAB G2:|')).toEqual(['6:11']);
  });

  it('follows variant endings: [1 [2, |1 |2, :|2, and an ending that starts mid-bar', () => {
    expect(barFindings('M:6/8\nL:1/8', 'd|GAB GAB|[1GAB G2:|[2GAB G2||')).toEqual([]);
    expect(barFindings('M:6/8\nL:1/8', 'd|GAB GAB|1GAB G2:|2GAB G2||')).toEqual([]);
    expect(barFindings('M:6/8\nL:1/8', 'd|GAB GAB|GAB G2:|2GAB G3||')).toEqual([]);
    expect(barFindings('M:6/8\nL:1/8', '|:GAB GAB|GAB [1A3:|[2ABc||')).toEqual([]);
    // A first ending that is too short for the repeat it goes back to.
    expect(barFindings('M:6/8\nL:1/8', '|:GAB GAB|[1GAB G:|[2GAB G3||')).toEqual(['6:13']);
  });

  it('treats a part label in the body as a section start, and || after the last ending as the end of a repeat', () => {
    expect(barFindings('M:6/8\nL:1/8', 'P:A\nd|GAB GAB|GAB G2:|\nP:B\ne|GAB GAB|GAB G2:|')).toEqual([]);
    expect(barFindings('M:6/8\nL:1/8', 'd|GAB GAB|[1GAB G2:|[2GAB G2||e|GAB GAB|GAB G2:|')).toEqual([]);
  });

  it('warns about a |: whose repeat is never closed before the next |:', () => {
    const t = tune('M:6/8\nL:1/8', '|:GAB GAB|GAB GAB|:GAB GAB|GAB GAB:|');
    expect(t.findings.map((f) => `${f.severity} ${f.code} ${f.line}:${f.col}`)).toEqual(['warning repeat-structure 6:18']);
    expect(tune('M:6/8\nL:1/8', '|:GAB GAB:|:GAB GAB::GAB GAB:|').findings).toEqual([]);
  });

  it('takes a multi-bar rest Zn as n bars', () => {
    expect(barFindings('M:6/8\nL:1/8', 'Z4|GAB GAB|Z|GAB GAB|')).toEqual([]);
    expect(tune('M:6/8\nL:1/8', 'Z4|').bars[0].duration).toEqual({ num: 3, den: 1 });
  });

  it('does not count the music after a voice overlay & twice', () => {
    expect(barFindings('M:6/8\nL:1/8', 'GAB GAB & c6|GAB GAB|')).toEqual([]);
  });

  it('follows each voice on its own', () => {
    expect(barFindings('M:6/8\nL:1/8', 'V:1\nGAB GAB|GAB GAB|\nV:2\nG6|G6|')).toEqual([]);
    expect(barFindings('M:6/8\nL:1/8', 'V:1\nGAB GAB|GAB GAB|\nV:2\nG6|G5|G6|')).toEqual(['9:4']);
  });
});
