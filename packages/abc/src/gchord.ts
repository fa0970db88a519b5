import { compare, div, frac, mul } from './fraction';
import type { Fraction } from './types';

/**
 * abc2midi's accompaniment ("gchord") track, as far as the end of a tune goes. Once a tune has a chord symbol,
 * abc2midi plays its chords in a pattern of equal slots per bar — `f` the fundamental, `c` the chord, `b` both,
 * `g`-`j`/`G`-`J` single chord notes, `z` a rest; a digit after a letter makes it last that many slots — and
 * starts the pattern again at each bar line. When the tune ends while one of those notes sounds (its last bar
 * stops inside a slot that plays), abc2midi reports "Sustained notes beyond end of track" (an error). Measured
 * with abc2midi 4.x on a last bar of every length in sixteenths of L: (see gchord.test.ts).
 */

/** abc2midi's default pattern for a meter (`6/8`, `C|`); null where it has none tunelab knows. */
export function defaultGchord(meterText: string): string | null {
  const t = meterText.replace(/\s+/g, '');
  const m = t === 'C' ? [4, 4] : t === 'C|' ? [2, 2] : /^(\d+)\/(\d+)$/.exec(t)?.slice(1).map(Number);
  if (!m) return null;
  const [num, den] = m;
  if (num === 2 && den === 2) return 'fzczfzcz';
  switch (num) {
    case 2:
      return 'fzcz';
    case 3:
      return den === 2 ? null : 'fzczcz';
    case 4:
      return 'fzczfzcz';
    case 6:
    case 9:
    case 12:
      return 'fzc'.repeat(num / 3);
    default:
      return null;
  }
}

/** A `%%MIDI gchord` pattern abc2midi reads: letters of the pattern, each with an optional count. */
const PATTERN = /^(?:[fbczghijGHIJ][1-9]?)+$/;

/** Whether `value` (the text after `%%MIDI gchord`) is a pattern abc2midi reads ("Bad gchord" otherwise). */
export function isGchordPattern(value: string): boolean {
  return PATTERN.test(value.trim());
}

/**
 * Why a tune whose last bar (in playing order: from its last bar line to the end) lasts `last` cannot end
 * there with pattern `pattern` over a bar of `barLength`; null when it can (no note of the pattern sounds
 * across the end).
 */
export function gchordEndProblem(last: Fraction, barLength: Fraction, pattern: string): string | null {
  if (!PATTERN.test(pattern) || last.num <= 0) return null;
  const slots: { sounds: boolean; units: number }[] = [];
  for (const m of pattern.matchAll(/([a-zA-Z])(\d?)/g)) slots.push({ sounds: m[1] !== 'z', units: m[2] ? Number(m[2]) : 1 });
  const total = slots.reduce((a, s) => a + s.units, 0);
  // Where the end falls, in slots from the bar's start (a bar longer than the meter's: the pattern repeats).
  const at = div(last, div(barLength, frac(total)));
  let start = 0;
  for (let k = 0; ; k++) {
    const s = slots[k % slots.length];
    const end = start + s.units;
    if (compare(frac(end), at) >= 0) {
      const inside = compare(frac(start), at) < 0 && compare(at, frac(end)) < 0;
      if (s.sounds && inside) {
        const beat = mul(div(barLength, frac(total)), frac(start));
        return `the tune ends ${describeFraction(last)} into its last bar, inside a note of abc2midi's accompaniment (the ${pattern} pattern's slot at ${describeFraction(beat)}): end the last bar where no accompaniment note sounds, or fill it`;
      }
      return null;
    }
    start = end;
  }
}

function describeFraction(f: Fraction): string {
  return f.den === 1 ? `${f.num}` : `${f.num}/${f.den}`;
}
