import type { Fraction, Tune } from '@tunelab/abc';
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
  meter: Record<string, number>;
  /** Medians over tunes of the lowest and highest written pitch and of their distance in semitones. */
  pitchRange: { low: number; high: number; span: number };
}

/** Samples against reference: the two profiles and their total variation distance per distribution. */
export interface DistributionComparison {
  sample: MusicProfile;
  reference: MusicProfile;
  /** 0 = same distribution, 1 = nothing in common. */
  distance: { pitch: number; noteLength: number; key: number; meter: number };
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

const fractionText = (f: Fraction) => (f.den === 1 ? String(f.num) : `${f.num}/${f.den}`);

/** The profile of a set of parsed tunes. */
export function musicProfile(tunes: readonly Tune[]): MusicProfile {
  const pitch = new Map<string, number>();
  const noteLength = new Map<string, number>();
  const key = new Map<string, number>();
  const meter = new Map<string, number>();
  const lows: number[] = [];
  const highs: number[] = [];
  const spans: number[] = [];
  for (const tune of tunes) {
    bump(key, tune.key === null ? '(none)' : tune.key.replace(/\s+/g, ''));
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
      meter: totalVariation(sample.meter, reference.meter),
    },
  };
}
