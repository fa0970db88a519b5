import { readKey, type Fraction, type Tune } from '@tunelab/abc';
import { normalize, quantile, totalVariation } from './stats';

/**
 * What a set of tunes sounds like in aggregate, to compare samples with the reference: a model can be
 * valid and new yet sit in one octave, use only quavers, or write every tune in G.
 */
export interface MusicProfile {
  tunes: number;
  /** Shares of notes by MIDI pitch as written (key signature not applied: at most a semitone off). */
  pitch: Record<string, number>;
  /** Shares of notes and chords by duration, as a fraction of a whole note (`1/8`). */
  noteLength: Record<string, number>;
  /** Shares of tunes by K: (spaces removed) and by M:. */
  key: Record<string, number>;
  /**
   * Shares of tunes by the mode of their K:, the tonic dropped (`K:G`, `K:D` → `major`; `K:Em`, `K:Aaeo` →
   * `minor`; `K:Ador` → `dorian`): the key distribution of tunes that training transposes into any key.
   */
  keyFoldedToMode: Record<string, number>;
  meter: Record<string, number>;
  /** Medians over tunes of the lowest and highest written pitch and of their distance in semitones. */
  pitchRange: { low: number; high: number; span: number };
}

/** Samples against reference: the two profiles and their total variation distance per distribution. */
export interface DistributionComparison {
  sample: MusicProfile;
  reference: MusicProfile;
  /** 0 = same distribution, 1 = nothing in common. */
  distance: { pitch: number; noteLength: number; key: number; keyFoldedToMode: number; meter: number };
}

const STEP: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };

/** MIDI number of a written pitch such as `^c'` or `_B,,` (middle C = `C` = 60), or null if unreadable. */
export function midiPitch(written: string): number | null {
  const m = /^([_^=]*)([A-Ga-g])([',]*)$/.exec(written);
  if (!m) return null;
  let p = 60 + STEP[m[2].toUpperCase()] + (m[2] === m[2].toLowerCase() ? 12 : 0);
  for (const c of m[1]) p += c === '^' ? 1 : c === '_' ? -1 : 0;
  for (const c of m[3]) p += c === "'" ? 12 : -12;
  return p;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * The mode a K: value is in, its tonic dropped: `major`, `minor` (also `aeolian`), `dorian`, `mixolydian` …;
 * `(none)` without a K:, `(other)` for keys without a tonic or mode tunelab reads (`K:none`, `K:HP`).
 */
function keyMode(key: string | null): string {
  if (key === null) return '(none)';
  return readKey(key)?.mode ?? '(other)';
}

const fractionText = (f: Fraction) => (f.den === 1 ? String(f.num) : `${f.num}/${f.den}`);

/** The profile of a set of parsed tunes. */
export function musicProfile(tunes: readonly Tune[]): MusicProfile {
  const pitch = new Map<string, number>();
  const noteLength = new Map<string, number>();
  const key = new Map<string, number>();
  const keyFolded = new Map<string, number>();
  const meter = new Map<string, number>();
  const lows: number[] = [];
  const highs: number[] = [];
  const spans: number[] = [];
  for (const tune of tunes) {
    bump(key, tune.key === null ? '(none)' : tune.key.replace(/\s+/g, ''));
    bump(keyFolded, keyMode(tune.key));
    bump(meter, tune.meter.text || '(none)');
    let low = Infinity;
    let high = -Infinity;
    for (const t of tune.tokens) {
      if (t.kind !== 'note' && t.kind !== 'chord') continue;
      if (t.duration && t.duration.num > 0) bump(noteLength, fractionText(t.duration));
      for (const written of t.kind === 'note' ? [t.pitch ?? ''] : (t.notes ?? [])) {
        const p = midiPitch(written.replace(/[\d/]+$/, ''));
        if (p === null) continue;
        bump(pitch, String(p));
        low = Math.min(low, p);
        high = Math.max(high, p);
      }
    }
    if (low <= high) {
      lows.push(low);
      highs.push(high);
      spans.push(high - low);
    }
  }
  return {
    tunes: tunes.length,
    pitch: normalize(pitch),
    noteLength: normalize(noteLength),
    key: normalize(key),
    keyFoldedToMode: normalize(keyFolded),
    meter: normalize(meter),
    pitchRange: { low: quantile(lows, 0.5), high: quantile(highs, 0.5), span: quantile(spans, 0.5) },
  };
}

/** Compares two profiles distribution by distribution. */
export function compareProfiles(sample: MusicProfile, reference: MusicProfile): DistributionComparison {
  return {
    sample,
    reference,
    distance: {
      pitch: totalVariation(sample.pitch, reference.pitch),
      noteLength: totalVariation(sample.noteLength, reference.noteLength),
      key: totalVariation(sample.key, reference.key),
      keyFoldedToMode: totalVariation(sample.keyFoldedToMode, reference.keyFoldedToMode),
      meter: totalVariation(sample.meter, reference.meter),
    },
  };
}

/** A statistic with its bootstrap interval. */
export interface Interval {
  value: number;
  low: number;
  high: number;
}

/**
 * Total-variation distances of `tunes` to the reference profile, each with a percentile bootstrap interval
 * (`level`, default 95%): the tunes are resampled with replacement `resamples` times (seeded), the reference
 * held fixed. Tells whether two sets of samples differ in distance to the human tunes by more than chance.
 */
export function distanceIntervals(
  tunes: readonly Tune[],
  reference: MusicProfile,
  options: { resamples?: number; seed?: number; level?: number } = {},
): Record<keyof DistributionComparison['distance'], Interval> {
  const resamples = options.resamples ?? 200;
  const level = options.level ?? 0.95;
  let s = (options.seed ?? 1) >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const point = compareProfiles(musicProfile(tunes), reference).distance;
  const keys = Object.keys(point) as (keyof typeof point)[];
  const draws: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (let r = 0; r < resamples; r++) {
    const sample = Array.from({ length: tunes.length }, () => tunes[Math.floor(rnd() * tunes.length)]);
    const d = compareProfiles(musicProfile(sample), reference).distance;
    for (const k of keys) draws[k].push(d[k]);
  }
  const tail = (1 - level) / 2;
  return Object.fromEntries(
    keys.map((k) => [k, { value: point[k], low: quantile(draws[k], tail), high: quantile(draws[k], 1 - tail) }]),
  ) as Record<keyof typeof point, Interval>;
}
