import type { Fraction } from './types';

/**
 * Exact rational arithmetic for durations. Floats would make `1/3 + 1/3 + 1/3 === 1` false and turn
 * triplet bars into false bar-length findings; every Fraction is kept reduced with a positive denominator.
 */

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Makes a reduced fraction. A zero denominator gives 0/1 rather than throwing: parsing never throws. */
export function frac(num: number, den = 1): Fraction {
  if (den === 0 || !Number.isFinite(num) || !Number.isFinite(den)) return ZERO;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den) || 1;
  return { num: num / g, den: den / g };
}

export const ZERO: Fraction = Object.freeze({ num: 0, den: 1 });
export const ONE: Fraction = Object.freeze({ num: 1, den: 1 });

export function add(a: Fraction, b: Fraction): Fraction {
  return frac(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Fraction, b: Fraction): Fraction {
  return frac(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mul(a: Fraction, b: Fraction): Fraction {
  return frac(a.num * b.num, a.den * b.den);
}

export function div(a: Fraction, b: Fraction): Fraction {
  return frac(a.num * b.den, a.den * b.num);
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compare(a: Fraction, b: Fraction): number {
  return Math.sign(a.num * b.den - b.num * a.den);
}

export function equals(a: Fraction, b: Fraction): boolean {
  return a.num === b.num && a.den === b.den;
}

export function isZero(a: Fraction): boolean {
  return a.num === 0;
}

/** `3/8`, or `2` for whole numbers. */
export function formatFraction(a: Fraction): string {
  return a.den === 1 ? String(a.num) : `${a.num}/${a.den}`;
}

/** Parses `3/8`, `1`, `/2`… as written in ABC fields; null when it is not a positive fraction. */
export function parseFraction(text: string): Fraction | null {
  // The spaces after the number are read once: a pattern like `\s*(?:…)?\s*$` is quadratic on `1   …x`.
  const m = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*)?$/.exec(text);
  if (!m) return null;
  const num = Number(m[1]);
  const den = m[2] === undefined ? 1 : Number(m[2]);
  if (num <= 0 || den <= 0) return null;
  return frac(num, den);
}
