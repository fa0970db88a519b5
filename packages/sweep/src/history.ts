import type { MetricGoal } from '@tunelab/config';
import type { TrialStatus } from './lifecycle';
import type { TrialParams } from './space';

/**
 * The history a search decision reads: plain data, one record per proposed trial in proposal order, as a
 * store can load it. Retries of a trial are attempts of the same record, not new records.
 */

/** One reported value of the sweep's metric. Steps are epochs (1-based, as the trainer reports them). */
export interface IntermediateValue {
  step: number;
  value: number;
  /** Characters trained on by the end of this step (the `characters` metric), for ASHA on characters. */
  resource?: number;
}

export interface TrialRecord {
  params: TrialParams;
  status: TrialStatus;
  /** The trial's objective (final or best value of the sweep metric), in the metric's own units. */
  value?: number;
  /**
   * Several objectives: the trial's objective vector (pareto.ts's objectiveVector: each objective at the best
   * step by the first), in the config's objective order; null where the trial has no value for one.
   */
  values?: (number | null)[];
  /** The metric as reported during training, in step order. */
  intermediate?: IntermediateValue[];
}

/** The metric a trainer reports as characters trained on so far (ASHA's resource on characters). */
export const CHARACTERS_METRIC = 'characters';

/**
 * A trial's reports of the sweep metric as intermediate values, each with the characters trained on by that
 * step when the `characters` series is given (ASHA on characters needs them).
 */
export function intermediateValues(
  metric: readonly { step: number; value: number }[],
  characters: readonly { step: number; value: number }[] = [],
): IntermediateValue[] {
  const chars = new Map(characters.map((p) => [p.step, p.value]));
  return metric.map((p) => (chars.has(p.step) ? { step: p.step, value: p.value, resource: chars.get(p.step)! } : { step: p.step, value: p.value }));
}

/** +1 for minimize, −1 for maximize: multiply a value by it and "smaller is better" always holds. */
export function goalSign(goal: MetricGoal['goal']): 1 | -1 {
  return goal === 'maximize' ? -1 : 1;
}

/** The last reported intermediate value (highest step), or undefined. */
export function lastIntermediate(record: { intermediate?: IntermediateValue[] }): IntermediateValue | undefined {
  let last: IntermediateValue | undefined;
  for (const iv of record.intermediate ?? []) {
    if (Number.isFinite(iv.value) && (last === undefined || iv.step >= last.step)) last = iv;
  }
  return last;
}
