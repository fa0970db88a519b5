import { describe, expect, it } from 'vitest';
import { parseTune } from '@tunelab/abc';
import { distanceIntervals, musicProfile } from './distributions';

const tune = (body: string, key = 'G', i = 0) => parseTune({ file: '<t>', line: 1, index: i, text: `X:${i + 1}\nT:t\nM:6/8\nL:1/8\nK:${key}\n${body}\n` });

describe('distanceIntervals', () => {
  const reference = [tune('GAB c2d|e3 d3|'), tune('dBG AFD|G3 G3|', 'D', 1), tune('ABc d2e|f3 e3|', 'A', 2)];
  const profile = musicProfile(reference);

  it('gives zero, with a zero-width interval, for the reference itself', () => {
    const d = distanceIntervals(reference, profile, { resamples: 50 });
    expect(d.meter).toEqual({ value: 0, low: 0, high: 0 });
    expect(d.pitch.low).toBeLessThanOrEqual(d.pitch.value);
  });

  it('brackets the distance of other tunes, and is the same for the same seed', () => {
    const other = [tune('C8|C8|', 'C'), tune('GAB c2d|e3 d3|'), tune('c8|c8|', 'C', 3)];
    const a = distanceIntervals(other, profile, { resamples: 100, seed: 7 });
    expect(a.key.value).toBeGreaterThan(0);
    for (const k of ['pitch', 'noteLength', 'key'] as const) {
      expect(a[k].low).toBeLessThanOrEqual(a[k].value + 1e-12);
      expect(a[k].high).toBeGreaterThanOrEqual(a[k].value - 1e-12);
    }
    expect(distanceIntervals(other, profile, { resamples: 100, seed: 7 })).toEqual(a);
  });
});
