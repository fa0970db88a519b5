import { describe, expect, it } from 'vitest';
import { parseTune } from '@tunelab/abc';
import { compareProfiles, distanceIntervals, musicProfile } from './distributions';

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

describe('the key distribution folded to modes', () => {
  it('counts tunes by the mode of their K:, whatever the tonic', () => {
    const tunes = [tune('GAB|', 'G'), tune('DEF|', 'D', 1), tune('ABc|', 'A', 2), tune('EFG|', 'Em', 3), tune('ABc|', 'Ador', 4), tune('ABc|', 'Aaeolian', 5), tune('GAB|', 'none', 6)];
    const p = musicProfile(tunes);
    expect(p.keyFoldedToMode).toEqual({ major: 3 / 7, minor: 2 / 7, dorian: 1 / 7, '(other)': 1 / 7 });
    expect(Object.keys(p.key)).toHaveLength(7);
  });

  it('sees no distance between the same tunes in other keys, where the unfolded keys differ completely', () => {
    const reference = musicProfile([tune('GAB|', 'G'), tune('EFG|', 'Em', 1), tune('ABc|', 'Ador', 2)]);
    const moved = musicProfile([tune('ABc|', 'A'), tune('F^GA|', 'F#m', 1), tune('Bcd|', 'Bdor', 2)]);
    const d = compareProfiles(moved, reference).distance;
    expect(d.key).toBeCloseTo(1);
    expect(d.keyFoldedToMode).toBe(0);
    const allMajor = compareProfiles(musicProfile([tune('GAB|', 'G'), tune('DEF|', 'D', 1), tune('ABc|', 'A', 2)]), reference).distance;
    expect(allMajor.keyFoldedToMode).toBeCloseTo(2 / 3);
  });
});
