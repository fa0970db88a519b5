import { describe, expect, it } from 'vitest';
import { parseFile, parseTune } from './parse';
import { formatFile, formatTune } from './format';
import { splitTunes } from './split';

const codes = (text: string) => parseTune(text).findings.map((f) => `${f.severity} ${f.code} ${f.line}:${f.col}`);

describe('parseTune: headers', () => {
  it('reads fields with letter, value, position and raw text, and the key, meter and unit length in effect', () => {
    const tune = parseTune('X: 7\nT:The Title % a remark\nM:6/8\nL:1/8\nR:jig\nK:Ador\n[M:9/8]abc|\n');
    expect(tune.headers.map((h) => [h.field, h.value, h.line, h.col, h.place])).toEqual([
      ['X', '7', 1, 1, 'header'],
      ['T', 'The Title', 2, 1, 'header'],
      ['M', '6/8', 3, 1, 'header'],
      ['L', '1/8', 4, 1, 'header'],
      ['R', 'jig', 5, 1, 'header'],
      ['K', 'Ador', 6, 1, 'header'],
      ['M', '9/8', 7, 1, 'inline'],
    ]);
    expect(tune.headers[1].raw).toBe('T:The Title % a remark');
    expect(tune.headers[6].raw).toBe('[M:9/8]');
    expect([tune.number, tune.title, tune.key, tune.meter.text]).toEqual(['7', 'The Title', 'Ador', '6/8']);
    expect(tune.unitLength).toEqual({ num: 1, den: 8 });
  });

  it('keeps fields ABC 2.1 does not define (the Nottingham Y: play order) with a warning', () => {
    const tune = parseTune('X:1\nT:t\nY:AABB\nM:6/8\nK:G\nGAB GAB|\n');
    expect(tune.headers.find((h) => h.field === 'Y')?.value).toBe('AABB');
    expect(codes(tune.source.text)).toEqual(['warning unknown-field 3:1']);
  });

  it('reports a missing X: and a missing K:', () => {
    expect(codes('T:No number\nM:6/8\nK:G\nGAB GAB|\n')).toContain('error missing-x 1:1');
    expect(codes('X:1\nT:No key\nM:6/8\n')).toContain('error missing-key 3:1');
    expect(codes('X:1\nT:Music before key\nM:6/8\nGAB GAB|\nK:G\n')).toContain('error missing-key 4:1');
  });

  it('reports a header-only field after K: (K: must be the last header field)', () => {
    expect(codes('X:1\nT:t\nM:6/8\nK:G\nS:Source after the key\nGAB GAB|\n')).toEqual(['warning field-after-key 5:1']);
    // M:, L:, P:, K: and friends may change mid-tune: no finding.
    expect(codes('X:1\nT:t\nM:4/4\nK:G\nM:6/8\nP:A\nGAB GAB|\nK:D\nL:1/8\nDEF DEF|\n')).toEqual([]);
  });

  it('warns about a header P: that is not an order of parts', () => {
    expect(codes('X:1\nT:t\nP:A(AB)2C\nM:6/8\nK:G\nP:A\nGAB GAB|\n')).toEqual(['warning header-parts 3:1']);
    expect(codes('X:1\nT:t\nP:AABA last time\nM:6/8\nK:G\nGAB GAB|\n')).toEqual(['warning header-parts 3:1', 'warning bad-parts 3:1']);
  });

  it('reports bad M:, L: and K: values', () => {
    expect(codes('X:1\nT:t\nM:six-eight\nL:1/0\nK:Q\nGAB|\n')).toEqual(['error bad-meter 3:1', 'error bad-unit-length 4:1', 'warning bad-key 5:1', 'warning missing-meter 5:1']);
  });

  it('reports slurs, ties and broken rhythm that do not pair up, with positions', () => {
    expect(codes('X:1\nT:t\nM:6/8\nK:G\n(GAB GAB|GAB) GA)B|\n')).toEqual(['error unmatched-slur 5:17']);
    expect(codes('X:1\nT:t\nM:6/8\nK:G\n(GAB GAB|GAB GAB|\n')).toEqual(['error unclosed-slur 5:1']);
    expect(codes('X:1\nT:t\nM:6/8\nK:G\nGAB GA-B|GAB GAB-|-B6|\n')).toEqual(['error tie-pitch 5:7', 'error dangling-tie 5:19']);
    expect(codes('X:1\nT:t\nM:6/8\nK:G\n>GAB GAB|GAB GAB>|\n')).toEqual(['error dangling-broken-rhythm 5:1', 'error dangling-broken-rhythm 5:17']);
  });

  it('reports a note or rest of length 0', () => {
    expect(codes('X:1\nT:t\nM:6/8\nL:1/8\nK:G\nGAB F0 GA|z6|A/0 z5|\n')).toEqual(['error zero-length 6:5', 'error zero-length 6:14', 'error bar-length 6:14']);
  });

  it('never throws and always gives the text back, also for odd input', () => {
    for (const text of ['', '\n', 'X:', 'K:', '[', '"', '{', '(3', 'X:1\nK:G\n[K:', 'X:1\nK:G\n|:::|[1[2]]]', '\u0000\uffff']) {
      const tune = parseTune(text);
      expect(formatTune(tune)).toBe(text);
    }
  });
});

describe('parseFile / formatFile', () => {
  it('gives every tune the M: and L: of the file header', () => {
    const text = '% header\nM:6/8\nL:1/16\n\nX:1\nT:a\nK:G\nGGAABB GGAABB|\n\nX:2\nT:b\nM:3/4\nK:D\nDDEEFF GGAABB|\n';
    const [a, b] = parseFile(text, 'f.abc').tunes;
    expect([a.meter.text, a.unitLength, a.findings]).toEqual(['6/8', { num: 1, den: 16 }, []]);
    expect([b.meter.text, b.unitLength, b.findings]).toEqual(['3/4', { num: 1, den: 16 }, []]);
    // Parsed alone, the first tune has neither.
    expect(parseTune(a.source).findings.map((f) => f.code)).toEqual(['missing-meter']);
  });

  it('round-trips a file with a header, comments and blank lines between tunes', () => {
    const text = '%abc-2.1\n% collection\n\nX:1\nT:a\nK:G\nGAB|\n\n\nX:2\nT:b\nK:D\nDEF|\n\n';
    const parsed = parseFile(text, 'f.abc');
    expect(parsed.tunes.map((t) => t.title)).toEqual(['a', 'b']);
    expect(parsed.tunes[1].source).toMatchObject({ file: 'f.abc', line: 10, index: 1 });
    expect(formatFile(parsed)).toBe(text);
  });

  it('gives file positions to findings of later tunes', () => {
    const [, second] = splitTunes('X:1\nT:a\nM:6/8\nK:G\nGAB GAB|\n\nX:2\nT:b\nM:6/8\nK:G\nGAB GA#B|\n');
    expect(parseTune(second).findings.map((f) => `${f.code} ${f.line}:${f.col}`)).toEqual(['unknown-char 11:7']);
  });
});

describe('parseTune: mid-tune changes and line endings', () => {
  it('applies inline and mid-tune L: and M: to the music after them', () => {
    const tune = parseTune('X:1\nT:t\nM:6/8\nL:1/8\nK:G\nGAB GAB|[L:1/16]GGAABB GGAABB|\nL:1/8\nM:3/4\nGAB GAB|\n');
    expect(tune.findings).toEqual([]);
    expect(tune.bars.map((b) => `${b.duration.num}/${b.duration.den}`)).toEqual(['3/4', '3/4', '3/4']);
  });

  it('parses CRLF text with the same findings and gives it back unchanged', () => {
    const lf = 'X:1\nT:t\nM:6/8\nL:1/8\nK:G\nGAB GAB|GAB G|\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    const a = parseTune(lf);
    const b = parseTune(crlf);
    expect(formatTune(b)).toBe(crlf);
    expect(b.findings).toEqual(a.findings);
  });

  it('warns about odd bar lines, tunes without music, and tunes without a title', () => {
    expect(codes('X:1\nT:t\nM:6/8\nK:G\nGAB GAB|||GAB GAB|\n')).toEqual(['warning odd-bar-line 5:8']);
    expect(codes('X:1\nT:t\nM:6/8\nK:G\n')).toEqual(['warning no-music 4:1']);
    expect(codes('X:1\nM:6/8\nK:G\nGAB GAB|\n')).toEqual(['warning missing-title 1:1']);
    expect(codes('X:1\nT:t\nM:6/8\nK:G\nGAB hAB c|"" GAB GAB|\n')).toEqual(['warning reserved-symbol 5:5', 'warning empty-chord-symbol 5:11']);
  });
});
