import { randomBytes } from 'node:crypto';

/** A fresh sweep id, short enough to type: `sw-3f9a2c`. */
export function newSweepId(): string {
  return `sw-${randomBytes(3).toString('hex')}`;
}

/** A fresh sample id: `sa-1b2c3d4e`. */
export function newSampleId(): string {
  return `sa-${randomBytes(4).toString('hex')}`;
}

/** `<sweepId>-t007`: sorts by proposal order for the first thousand trials and stays readable after. */
export function trialId(sweepId: string, number: number): string {
  return `${sweepId}-t${String(number).padStart(3, '0')}`;
}

/** `<trialId>-e012`, with `-best` / `-last` for those kinds so one epoch can hold several roles. */
export function checkpointId(trialId: string, epoch: number, kind: 'periodic' | 'best' | 'last'): string {
  const base = `${trialId}-e${String(epoch).padStart(3, '0')}`;
  return kind === 'periodic' ? base : `${base}-${kind}`;
}

/** A fresh vote id: `vo-1b2c3d4e`. */
export function newVoteId(): string {
  return `vo-${randomBytes(4).toString('hex')}`;
}
