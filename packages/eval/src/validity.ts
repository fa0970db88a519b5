import { headerProblems, type Tune } from '@tunelab/abc';

/**
 * Validity of one parsed tune, from @tunelab/abc's findings and bar verdicts (bar arithmetic lives there,
 * once), plus the header sanity a player needs before the first note (`headerProblems`, also in @tunelab/abc).
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

export { headerProblems };
