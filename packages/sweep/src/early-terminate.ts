import type { EarlyTerminate, MetricGoal } from '@tunelab/config';
import { goalSign, type IntermediateValue } from './history';
import type { TrialStatus } from './lifecycle';

/**
 * Early termination, as pure decisions over recorded intermediate values. The sweeper's main thread asks
 * after each metric report (the report itself already recorded in `history`); a distributed agent can ask
 * the same question of the shared store. Decisions use whatever has been recorded so far — asynchronous, as
 * ASHA intends, so a trial is never held back waiting for others.
 */

/** What pruning needs to know about each trial of the sweep. */
export interface PruneTrial {
  id: string | number;
  status: TrialStatus;
  /** The sweep metric per step; one entry per step (if a step repeats, the last entry counts). */
  intermediate?: IntermediateValue[];
}

export interface PruneDecision {
  prune: boolean;
  rule: 'asha' | 'median' | 'none';
  /** One line for the log and the dashboard, e.g. "asha: rung 2 (step 4): 1.93 not in top 1/2 of 5 (cutoff 1.71)". */
  reason: string;
  /** ASHA: the rung index when `step` is a rung. */
  rung?: number;
  /** The value the trial was compared against (ASHA cutoff, median), in the metric's units. */
  threshold?: number;
}

export interface PruneOptions {
  /**
   * What the median rule compares against at step s: 'running_average' (Golovin et al. 2017: the mean of a
   * completed trial's values up to s) or 'value' (Optuna's MedianPruner: its value at s). Default
   * 'running_average'.
   */
  medianStatistic?: 'running_average' | 'value';
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(4)));
}

function valueAt(trial: PruneTrial, step: number): number | undefined {
  let v: number | undefined;
  for (const iv of trial.intermediate ?? []) if (iv.step === step && Number.isFinite(iv.value)) v = iv.value;
  return v;
}

/** A trial's values at steps ≤ step, one per step (last report wins). */
function valuesUpTo(trial: PruneTrial, step: number): number[] {
  const byStep = new Map<number, number>();
  for (const iv of trial.intermediate ?? []) if (iv.step <= step && Number.isFinite(iv.value)) byStep.set(iv.step, iv.value);
  return [...byStep.values()];
}

function checkAsha(rule: { min_iter: number; eta: number; max_iter?: number }): void {
  if (!(Number.isInteger(rule.min_iter) && rule.min_iter >= 1)) {
    throw new Error(`Expected asha min_iter to be a positive integer, but got ${rule.min_iter}`);
  }
  if (!(Number.isInteger(rule.eta) && rule.eta >= 2)) {
    throw new Error(`Expected asha eta to be an integer >= 2, but got ${rule.eta}`);
  }
}

/**
 * ASHA rung steps: min_iter · eta^k for k = 0, 1, …, strictly below max_iter (reaching max_iter is the end
 * of training; nothing is left to save), up to `limit` when max_iter is absent.
 */
export function ashaRungs(rule: { min_iter: number; eta: number; max_iter?: number }, limit = 1e9): number[] {
  checkAsha(rule);
  const end = Math.min(rule.max_iter ?? Infinity, limit + 1);
  const rungs: number[] = [];
  for (let r = rule.min_iter; r < end; r *= rule.eta) rungs.push(r);
  return rungs;
}

/** The rung index k with step = min_iter · eta^k (and step < max_iter), or null when step is not a rung. */
export function ashaRungIndex(rule: { min_iter: number; eta: number; max_iter?: number }, step: number): number | null {
  checkAsha(rule);
  if (rule.max_iter !== undefined && step >= rule.max_iter) return null;
  let k = 0;
  for (let r = rule.min_iter; r <= step; r *= rule.eta, k++) if (r === step) return k;
  return null;
}

/**
 * Asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel Hyperparameter
 * Tuning"): at a rung, a trial continues only if its value is in the top 1/eta of all values recorded at
 * that rung so far, by any trial in any state, itself included (ties continue). With fewer than eta values
 * at the rung, the top 1/eta is empty; rather than stopping every early trial (which would leave nothing
 * to compare later ones with), it continues — promotions are judged once eta trials have reached the rung.
 */
function asha(rule: { min_iter: number; eta: number; max_iter?: number }, sign: number, trialId: PruneTrial['id'], step: number, history: readonly PruneTrial[]): PruneDecision {
  const rung = ashaRungIndex(rule, step);
  if (rung === null) return { prune: false, rule: 'asha', reason: `asha: step ${step} is not a rung` };
  const self = history.find((t) => t.id === trialId);
  const value = self ? valueAt(self, step) : undefined;
  if (value === undefined) {
    return { prune: false, rule: 'asha', rung, reason: `asha: rung ${rung} (step ${step}): trial ${trialId} has no value recorded at this step` };
  }
  const values = history.map((t) => valueAt(t, step)).filter((v): v is number => v !== undefined);
  const n = values.length;
  const where = `asha: rung ${rung} (step ${step})`;
  if (n < rule.eta) {
    return { prune: false, rule: 'asha', rung, reason: `${where}: ${n} of ${rule.eta} values needed to compare; continue` };
  }
  const top = Math.floor(n / rule.eta);
  const cutoff = [...values].sort((a, b) => sign * a - sign * b)[top - 1];
  const inTop = sign * value <= sign * cutoff;
  return {
    prune: !inTop,
    rule: 'asha',
    rung,
    threshold: cutoff,
    reason: `${where}: ${fmt(value)} ${inTop ? 'in' : 'not in'} top 1/${rule.eta} of ${n} (cutoff ${fmt(cutoff)})`,
  };
}

type AshaOnCharacters = { min_resource: number; eta: number; max_resource?: number };

/**
 * The value a trial had on reaching `rung` characters: its report at the first step whose resource is at
 * least the rung (steps in order; a step without a resource is skipped).
 */
function valueAtResource(trial: PruneTrial, rung: number): number | undefined {
  const byStep = new Map<number, IntermediateValue>();
  for (const iv of trial.intermediate ?? []) if (Number.isFinite(iv.value) && iv.resource !== undefined) byStep.set(iv.step, iv);
  const reached = [...byStep.values()].filter((iv) => iv.resource! >= rung).sort((a, b) => a.step - b.step)[0];
  return reached?.value;
}

/**
 * ASHA with characters trained on as the resource: rung k is min_resource · eta^k characters (below
 * max_resource). A trial is judged at the step where its characters first reach a rung (one long epoch may
 * pass several: each is judged), against every trial's value on reaching that rung, as {@link asha} does
 * with epochs.
 */
function ashaOnCharacters(rule: AshaOnCharacters, sign: number, trialId: PruneTrial['id'], step: number, history: readonly PruneTrial[]): PruneDecision {
  checkAsha({ min_iter: 1, eta: rule.eta });
  if (!(rule.min_resource > 0)) throw new Error(`Expected asha min_resource to be > 0, but got ${rule.min_resource}`);
  const self = history.find((t) => t.id === trialId);
  const reports = (self?.intermediate ?? []).filter((iv) => iv.resource !== undefined && Number.isFinite(iv.value));
  const now = reports.filter((iv) => iv.step === step).pop();
  if (!now) return { prune: false, rule: 'asha', reason: `asha: step ${step}: trial ${trialId} has no value with characters recorded at this step` };
  const before = Math.max(0, ...reports.filter((iv) => iv.step < step).map((iv) => iv.resource!));
  const end = rule.max_resource ?? Infinity;
  let last: PruneDecision | null = null;
  for (let k = 0, r = rule.min_resource; r < end && r <= now.resource!; k++, r *= rule.eta) {
    if (r <= before) continue; // reached at an earlier step, judged then
    const values = history.map((t) => valueAtResource(t, r)).filter((v): v is number => v !== undefined);
    const where = `asha: rung ${k} (${fmt(r)} characters)`;
    if (values.length < rule.eta) {
      last = { prune: false, rule: 'asha', rung: k, reason: `${where}: ${values.length} of ${rule.eta} values needed to compare; continue` };
      continue;
    }
    const top = Math.floor(values.length / rule.eta);
    const cutoff = [...values].sort((a, b) => sign * a - sign * b)[top - 1];
    const inTop = sign * now.value <= sign * cutoff;
    last = {
      prune: !inTop,
      rule: 'asha',
      rung: k,
      threshold: cutoff,
      reason: `${where}: ${fmt(now.value)} ${inTop ? 'in' : 'not in'} top 1/${rule.eta} of ${values.length} (cutoff ${fmt(cutoff)})`,
    };
    if (last.prune) return last;
  }
  return last ?? { prune: false, rule: 'asha', reason: `asha: step ${step} (${fmt(now.resource!)} characters) reaches no new rung` };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median stopping (Golovin et al. 2017, "Google Vizier"; Optuna's MedianPruner): once warmup_trials trials
 * have completed and from step min_iter on, stop a trial whose best value so far is strictly worse than
 * the median, over the other completed trials, of their running averages up to this step (or of their
 * values at this step, with medianStatistic 'value').
 */
function medianRule(rule: { min_iter: number; warmup_trials: number }, sign: number, trialId: PruneTrial['id'], step: number, history: readonly PruneTrial[], statistic: 'running_average' | 'value'): PruneDecision {
  const others = history.filter((t) => t.status === 'completed' && t.id !== trialId);
  if (others.length < rule.warmup_trials) {
    return { prune: false, rule: 'median', reason: `median: ${others.length} of ${rule.warmup_trials} warmup trials completed` };
  }
  if (step < rule.min_iter) {
    return { prune: false, rule: 'median', reason: `median: step ${step} before min_iter ${rule.min_iter}` };
  }
  const self = history.find((t) => t.id === trialId);
  const own = self ? valuesUpTo(self, step) : [];
  if (own.length === 0) {
    return { prune: false, rule: 'median', reason: `median: step ${step}: trial ${trialId} has no value recorded yet` };
  }
  const best = own.reduce((b, v) => (sign * v < sign * b ? v : b));
  const stats: number[] = [];
  for (const t of others) {
    if (statistic === 'value') {
      const v = valueAt(t, step);
      if (v !== undefined) stats.push(v);
    } else {
      const vs = valuesUpTo(t, step);
      if (vs.length > 0) stats.push(vs.reduce((a, b) => a + b, 0) / vs.length);
    }
  }
  const what = statistic === 'value' ? 'values' : 'running averages';
  if (stats.length === 0) {
    return { prune: false, rule: 'median', reason: `median: step ${step}: no completed trial reported by this step` };
  }
  const m = median(stats);
  const worse = sign * best > sign * m;
  return {
    prune: worse,
    rule: 'median',
    threshold: m,
    reason: `median: step ${step}: best ${fmt(best)} ${worse ? 'worse than' : 'not worse than'} median ${fmt(m)} of ${stats.length} completed trials' ${what}`,
  };
}

/**
 * Should trial `trialId` stop after reporting `step`? Its report at `step` must already be in `history`.
 * @param rule the sweep's early_terminate block; undefined never prunes
 * @param goal the sweep metric's goal
 */
export function shouldPrune(
  rule: EarlyTerminate | undefined,
  goal: MetricGoal['goal'],
  trialId: PruneTrial['id'],
  step: number,
  history: readonly PruneTrial[],
  options: PruneOptions = {},
): PruneDecision {
  const sign = goalSign(goal);
  if (rule === undefined) return { prune: false, rule: 'none', reason: 'no early_terminate rule' };
  switch (rule.type) {
    case 'asha':
      return rule.resource === 'characters' ? ashaOnCharacters(rule, sign, trialId, step, history) : asha(rule, sign, trialId, step, history);
    case 'median':
      return medianRule(rule, sign, trialId, step, history, options.medianStatistic ?? 'running_average');
    default:
      throw new Error(`Unknown early_terminate type ${(rule as { type: string }).type}`);
  }
}
