import { isValidKey, parseMeter, parseUnitLength } from './fields';
import type { HeaderField } from './types';

/**
 * The header a player needs before the first note: a reference number first, a meter, a unit length when
 * one is given, a key, read with the field readers of fields.ts. eval's `headerOk` counts tunes without
 * problems here; every header the incremental checker (checker.ts) lets a sampler write has none.
 * Returns what is wrong (empty when the header is sane).
 */
export function headerProblems(headers: readonly HeaderField[]): string[] {
  const header = headers.filter((h) => h.place === 'header');
  const first = (f: string) => header.find((h) => h.field === f);
  const problems: string[] = [];
  const x = header[0];
  if (!x || x.field !== 'X') problems.push('X: is not the first field');
  else if (!/^\d+$/.test(x.value)) problems.push(`X: should be a number, got "${x.value}"`);
  const m = first('M');
  if (!m) problems.push('M: missing');
  else if (!parseMeter(m.value)) problems.push(`M: not a meter: "${m.value}"`);
  const l = first('L');
  if (l && !parseUnitLength(l.value)) problems.push(`L: not a note length: "${l.value}"`);
  const k = first('K');
  if (!k) problems.push('K: missing');
  else if (!isValidKey(k.value)) problems.push(`K: not a key: "${k.value}"`);
  return problems;
}
