import type { HeaderField, Tune } from '@tunelab/abc';

/**
 * Validity of one parsed tune, from @tunelab/abc's findings and bar verdicts (bar arithmetic lives there,
 * once), plus the header sanity a player needs before the first note: a reference number, a meter, a unit
 * length (or its default) and a key.
 */
export interface TuneValidity {
  /** No error-severity finding. */
  valid: boolean;
  /** At least one bar, and no bar too short or too long for the meter in effect. */
  barsOk: boolean;
  /** X:, M:, K: present and legal, L: legal when present. */
  headerOk: boolean;
  headerProblems: string[];
  /** Codes of the error findings, in order (repeats kept: they count). */
  errorCodes: string[];
  warnings: number;
  /** Bars too short or too long. */
  badBars: number;
}

/** A meter: `C`, `C|`, `none`, or `6/8`-like (numerators may add up, `2+3/8`). */
const LEGAL_METER = /^(C\|?|none|\d+(\+\d+)*\/\d+)$/;
/** A unit note length: `1/8`, `1/16`, `1`. */
const LEGAL_UNIT = /^\d+(\/\d+)?$/;
/** A key: a tonic with optional accidental and mode, `none`, or the bagpipe keys; clefs and the like may follow. */
const LEGAL_KEY =
  /^(none|HP|Hp|[A-G][#b]?\s*(m|min|minor|maj|major|ion|ionian|dor|dorian|phr|phrygian|lyd|lydian|mix|mixolydian|aeo|aeolian|loc|locrian)?)(\s.*)?$/i;

/** What is wrong with a tune's header (empty when it is sane). */
export function headerProblems(headers: readonly HeaderField[]): string[] {
  const header = headers.filter((h) => h.place === 'header');
  const first = (f: string) => header.find((h) => h.field === f);
  const problems: string[] = [];
  const x = header[0];
  if (!x || x.field !== 'X') problems.push('X: is not the first field');
  else if (!/^\d+$/.test(x.value)) problems.push(`X: should be a number, got "${x.value}"`);
  const m = first('M');
  if (!m) problems.push('M: missing');
  else if (!LEGAL_METER.test(m.value.replace(/\s+/g, ''))) problems.push(`M: not a meter: "${m.value}"`);
  const l = first('L');
  if (l && !LEGAL_UNIT.test(l.value.replace(/\s+/g, ''))) problems.push(`L: not a note length: "${l.value}"`);
  const k = first('K');
  if (!k) problems.push('K: missing');
  else if (!LEGAL_KEY.test(k.value.trim())) problems.push(`K: not a key: "${k.value}"`);
  return problems;
}

/** Validity of one parsed tune (see `TuneValidity`). */
export function tuneValidity(tune: Tune): TuneValidity {
  const errorCodes = tune.findings.filter((f) => f.severity === 'error').map((f) => f.code);
  const badBars = tune.bars.filter((b) => b.status === 'short' || b.status === 'long').length;
  const problems = headerProblems(tune.headers);
  return {
    valid: errorCodes.length === 0,
    barsOk: tune.bars.length > 0 && badBars === 0,
    headerOk: problems.length === 0,
    headerProblems: problems,
    errorCodes,
    warnings: tune.findings.length - errorCodes.length,
    badBars,
  };
}
