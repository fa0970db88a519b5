import { objectivesOf, type SweepConfig } from '@tunelab/config';
import type { TrialRecord } from './history';
import { proposeRandom } from './random-search';
import { gridPointAt, paramsKey, spaceSize, type TrialParams } from './space';
import { proposeTpe, resolveTpeOptions, type TpeOptions } from './tpe/tpe';

/**
 * The search entry point: a pure function of (config, history) → the next trial. The sweeper's main thread
 * calls it, and so can distributed agents under a lock on the shared history: the proposal for trial n
 * depends only on the config's seed, n and the recorded results, never on process state.
 */

/** What a search needs from the sweep config. */
export type SearchConfig = Pick<SweepConfig, 'method' | 'metric' | 'objectives' | 'run_cap' | 'seed' | 'parameters'>;

/** How a proposal was made, for the log and the dashboard. */
export type ProposalSource = 'grid' | 'random' | 'tpe' | 'tpe-startup' | 'tpe-fallback';

export type Proposal =
  | { kind: 'trial'; index: number; params: TrialParams; source: ProposalSource }
  | { kind: 'exhausted'; index: number; reason: string };

export interface ProposeOptions {
  tpe?: TpeOptions;
}

/**
 * Propose trial number `history.length`.
 * - grid: the first grid point (file order, first parameter slowest) not yet in the history.
 * - random: a seeded uniform draw that repeats no earlier trial.
 * Grid and random read no results, so several objectives change nothing for them.
 * - bayes: random for the startup trials, then TPE (tpe/tpe.ts), over every objective (each record's
 *   `values`) when the config has several; a TPE choice that repeats an earlier
 *   trial falls back to an unseen random point ('tpe-fallback').
 * Returns { kind: 'exhausted' } once run_cap trials exist or every point of a finite space was tried.
 * @param history one record per trial proposed so far, in proposal order (any status)
 */
export function proposeNext(config: SearchConfig, history: readonly TrialRecord[], options: ProposeOptions = {}): Proposal {
  const index = history.length;
  if (index >= config.run_cap) {
    return { kind: 'exhausted', index, reason: `run_cap ${config.run_cap} reached` };
  }
  const seen = new Set(history.map((t) => paramsKey(t.params)));
  const size = spaceSize(config.parameters);
  if (seen.size >= size) {
    return { kind: 'exhausted', index, reason: `all ${size} configurations of the search space tried` };
  }
  switch (config.method) {
    case 'grid': {
      if (!Number.isFinite(size)) gridPointAt(config.parameters, 0); // throws naming the continuous parameter
      for (let i = 0; i < size; i++) {
        const params = gridPointAt(config.parameters, i);
        if (!seen.has(paramsKey(params))) return { kind: 'trial', index, params, source: 'grid' };
      }
      break;
    }
    case 'random': {
      const params = proposeRandom(config.parameters, config.seed, index, seen);
      if (params) return { kind: 'trial', index, params, source: 'random' };
      break;
    }
    case 'bayes': {
      const goals = objectivesOf(config).map((o) => o.goal);
      const tpe = proposeTpe(config.parameters, goals, history, config.seed, index, resolveTpeOptions(config.run_cap, options.tpe));
      if (typeof tpe !== 'string') return { kind: 'trial', index, params: tpe, source: 'tpe' };
      const params = proposeRandom(config.parameters, config.seed, index, seen);
      if (params) return { kind: 'trial', index, params, source: tpe === 'startup' ? 'tpe-startup' : 'tpe-fallback' };
      break;
    }
    default:
      throw new Error(`Unknown search method ${(config as { method: string }).method}`);
  }
  return { kind: 'exhausted', index, reason: `all ${size} configurations of the search space tried` };
}

/**
 * Propose up to `count` trials at once (to fill free worker slots). Each proposal is appended to the
 * history as a queued trial before the next is made, exactly as if they were proposed one by one.
 */
export function proposeBatch(
  config: SearchConfig,
  history: readonly TrialRecord[],
  count: number,
  options: ProposeOptions = {},
): Proposal[] {
  const out: Proposal[] = [];
  const h = [...history];
  for (let i = 0; i < count; i++) {
    const p = proposeNext(config, h, options);
    out.push(p);
    if (p.kind === 'exhausted') break;
    h.push({ params: p.params, status: 'queued' });
  }
  return out;
}
