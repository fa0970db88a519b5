import { describe, expect, it } from 'vitest';
import { add, compare, div, equals, frac, formatFraction, mul, parseFraction, sub } from './fraction';

describe('fraction', () => {
  it('keeps fractions reduced with a positive denominator', () => {
    expect(frac(6, 8)).toEqual({ num: 3, den: 4 });
    expect(frac(3, -6)).toEqual({ num: -1, den: 2 });
    expect(frac(1, 0)).toEqual({ num: 0, den: 1 });
  });

  it('adds triplets exactly where floats would drift', () => {
    const third = frac(1, 3);
    expect(add(add(third, third), third)).toEqual({ num: 1, den: 1 });
    let tenths = frac(0);
    for (let i = 0; i < 10; i++) tenths = add(tenths, frac(1, 10));
    expect(equals(tenths, frac(1))).toBe(true);
  });

  it('subtracts, multiplies, divides and compares', () => {
    expect(sub(frac(3, 4), frac(1, 8))).toEqual({ num: 5, den: 8 });
    expect(mul(frac(3, 2), frac(1, 8))).toEqual({ num: 3, den: 16 });
    expect(div(frac(5, 8), frac(1, 8))).toEqual({ num: 5, den: 1 });
    expect(compare(frac(5, 8), frac(3, 4))).toBe(-1);
    expect(compare(frac(6, 8), frac(3, 4))).toBe(0);
    expect(formatFraction(frac(6, 8))).toBe('3/4');
    expect(formatFraction(frac(4, 2))).toBe('2');
  });

  it('parses field fractions and rejects the rest', () => {
    expect(parseFraction('1/8')).toEqual({ num: 1, den: 8 });
    expect(parseFraction(' 1 ')).toEqual({ num: 1, den: 1 });
    expect(parseFraction('1/0')).toBeNull();
    expect(parseFraction('eighth')).toBeNull();
  });
});
