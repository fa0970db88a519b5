import { parseMeter } from './fields';

/**
 * Choosing the kind of tune by its meter (`tunelab generate --meter 6/8`): the meters a user may ask for and
 * how one is written. The sampler writes the chosen meter as the tune's `M:` field (see `TuneChecker`'s
 * `meter` option and `Sampler.stream`).
 */

/** The Nottingham set's meters, most tunes first, with the kinds of tune written in them (labels may be empty). */
export const NOTTINGHAM_METERS: readonly { meter: string; label: string }[] = [
  { meter: '6/8', label: 'jigs' },
  { meter: '4/4', label: 'reels & hornpipes' },
  { meter: '3/4', label: 'waltzes' },
  { meter: '2/4', label: '' },
  { meter: '9/8', label: 'slip jigs' },
  { meter: '2/2', label: '' },
  { meter: '6/4', label: '' },
  { meter: '3/2', label: '' },
  { meter: '5/4', label: '' },
];

/**
 * A meter a user chose, as the sampler writes it (spaces removed: ` 6 / 8` → `6/8`), or null when it is not a
 * meter with a bar length (`6/8`, `4/4`, `C`, `C|`, `2+3/8`; not `none`, not `7`).
 */
export function meterChoice(text: string): string | null {
  const compact = text.replace(/\s+/g, '');
  const m = parseMeter(compact);
  return m && m.barLength ? compact : null;
}

/** A meter's label among the Nottingham meters (`6/8` → `jigs`), '' when it has none. */
export function meterLabel(meter: string): string {
  return NOTTINGHAM_METERS.find((m) => m.meter === meter)?.label ?? '';
}

/** The `M:` values of a text's complete field lines (`X:1\nM:6/8\n` → `['6/8']`), spaces and comments removed. */
export function meterLines(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^M:([^\n%]*)(?:%[^\n]*)?\n/gm)) out.push(m[1].replace(/\s+/g, ''));
  return out;
}
