import { describe, expect, test } from 'vitest';
import { TuneChecker } from './checker';
import { completeTune, SymbolConstraint } from './constraint';
import { meterChoice, meterLines } from './meter-choice';

describe('meterChoice', () => {
  test('meters with a bar length, spaces removed; anything else is null', () => {
    expect(meterChoice('6/8')).toBe('6/8');
    expect(meterChoice(' 3 / 4 ')).toBe('3/4');
    expect(meterChoice('C')).toBe('C');
    expect(meterChoice('C|')).toBe('C|');
    expect(meterChoice('2+3/8')).toBe('2+3/8');
    for (const bad of ['', 'none', '7', 'jig', '6/0', '0/8', '6/8x']) expect(meterChoice(bad)).toBeNull();
  });
  test('meterLines reads the M: values of whole lines', () => {
    expect(meterLines('X:1\nM:6/8\nK:G\nM: 9/8 % slip\nM:3')).toEqual(['6/8', '9/8']);
  });
});

describe('a checker with a chosen meter', () => {
  const read = (text: string, meter = '6/8') => {
    const c = new TuneChecker('meter', { meter });
    c.push(text);
    return c;
  };
  test('takes a tune in that meter, the model’s own header fields around it', () => {
    const c = read('X:1\nT:A jig\nM:6/8\nL:1/8\nK:G\nGAB cBA|G3 G3|]\n\n');
    expect(c.reason).toBeNull();
    expect(c.ended).toBe(true);
  });
  test('refuses another meter at its first character that cannot lead to the chosen one, in the header and the body', () => {
    expect(read('X:1\nM:4').reason).toBe('line 2: M:4 is not the meter chosen for this tune (M:6/8)');
    expect(read('X:1\nM:6/4').reason).toMatch(/M:6\/4 is not the meter chosen/);
    expect(read('X:1\nM:6/8\nK:G\nGAB cBA|\nM:3/4\n').reason).toBe('line 5: M:3 is not the meter chosen for this tune (M:6/8)');
    // A prefix of the chosen meter is not a meter yet: the line cannot end there.
    expect(read('X:1\nM:6/\n').reason).toMatch(/M:6\/ is not a valid M: value/);
    expect(read('X:1\nM:6/8 % a jig\nK:G\n').reason).toBeNull();
    expect(read('X:1\nM: C| \nK:G\n', 'C|').reason).toBeNull();
    // Spaces inside it would leave a value the field cannot finish as the chosen meter.
    expect(read('X:1\nM:C ', 'C|').reason).toBe('line 2: M:C is not the meter chosen for this tune (M:C|)');
    expect(read('X:1\nM:6 /8', '6/8').reason).toMatch(/^line 2: M:6 /);
  });
  test('the header still needs its M: line before K:, so a finished header always holds the chosen meter', () => {
    expect(read('X:1\nT:x\nK:G').reason).toMatch(/M: must come before K:/);
  });
  test('without a chosen meter any meter is taken (the default)', () => {
    const c = new TuneChecker('meter');
    expect(c.push('X:1\nM:4/4\nK:G\nABcd ABcd|]\n')).toBe(true);
  });
  test('the completion search writes the chosen meter, even one outside its usual list', () => {
    const c = read('X:1\nT:x\n', '5/4');
    const ending = completeTune(c);
    expect(ending).toMatch(/^M:5\/4\nK:/);
    expect(read(`X:1\nT:x\n${ending}`, '5/4').ended).toBe(true);
  });
  test('a character constraint allows only the next character of the chosen meter on an M: line', () => {
    const symbols = [...new Set('X:1\nT:Ab\nM:6/84 3\nK:G\nGABcd|]'.split(''))];
    const constraint = new SymbolConstraint(symbols, 'meter', { meter: '6/8' });
    for (const ch of 'X:1\nM:') expect(constraint.accept(symbols.indexOf(ch))).toBe(true);
    constraint.begin(100);
    const allowed = symbols.filter((_, i) => constraint.allows(i));
    expect(allowed).toEqual(['6', ' ']);
  });
  test('a meter that is not one is refused when the checker is made', () => {
    expect(() => new TuneChecker('meter', { meter: 'jig' })).toThrow(/expected a meter like 6\/8, but got "jig"/);
  });
});
