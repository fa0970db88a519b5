import { rateVotes } from '@tunelab/eval';
import { HUMAN_PLAYER_PREFIX, type Store } from '@tunelab/store';
import { requireSweep, summarizeSweep } from './operations';

/** A trial's blind-listening rating: Bradley–Terry log-odds relative to the held-out human tunes (see @tunelab/eval). */
export interface TrialListenRating {
  rating: number;
  stderr: number;
  votes: number;
}

/**
 * Each trial's listening rating, from the sweep's votes: the rating of the trial's checkpoint with the most
 * votes (its best checkpoint on a tie; pairs are drawn from best checkpoints anyway). Trials without votes are absent.
 */
export async function trialListenRatings(store: Store, sweepId: string): Promise<Map<string, TrialListenRating>> {
  const votes = await store.listVotes({ sweepId });
  const out = new Map<string, TrialListenRating & { best: boolean }>();
  if (votes.length === 0) return out;
  const fit = rateVotes(votes, { anchorPrefix: HUMAN_PLAYER_PREFIX });
  const checkpoints = new Map((await store.listCheckpoints({ sweepId, includeDeleted: true })).map((c) => [c.id, c.trialId]));
  const bestOf = new Map((await store.listTrials(sweepId)).map((t) => [t.id, t.bestCheckpointId]));
  for (const r of fit.ratings) {
    const trialId = checkpoints.get(r.player);
    if (!trialId) continue; // the human tunes, or a checkpoint of another sweep
    const best = bestOf.get(trialId) === r.player;
    const have = out.get(trialId);
    if (!have || r.votes > have.votes || (r.votes === have.votes && best)) out.set(trialId, { rating: r.rating, stderr: r.stderr, votes: r.votes, best });
  }
  return new Map([...out].map(([id, { rating, stderr, votes: n }]) => [id, { rating, stderr, votes: n }]));
}

export type ExportFormat = 'csv' | 'json';

/**
 * A sweep as a file for notebooks and spreadsheets. CSV: one row per trial, one column per parameter and per
 * metric's final and best value, and the blind-listening rating (`listen_rating`, its stderr, its votes). JSON: the summary plus every trial's config and full metric series.
 */
export async function exportSweep(store: Store, sweepId: string, format: ExportFormat): Promise<string> {
  const sweep = await requireSweep(store, sweepId);
  const trials = await store.listTrials(sweepId);
  const series = await Promise.all(trials.map((t) => store.getMetrics(t.id)));
  const listen = await trialListenRatings(store, sweepId);
  if (format === 'json') {
    const summary = await summarizeSweep(store, sweepId);
    return `${JSON.stringify(
      {
        ...summary,
        config: sweep.config,
        trials: trials.map((t, i) => ({ ...summary.trials[i], number: t.number, attempt: t.attempt, config: t.config, metrics: series[i], listen: listen.get(t.id) ?? null })),
      },
      null,
      2,
    )}\n`;
  }
  const paramNames = Object.keys(sweep.config.parameters);
  const metricNames = [...new Set(series.flatMap((s) => Object.keys(s)))].sort();
  const goalOf = (name: string): 'min' | 'max' => (/accuracy|rate|chars_per_sec/.test(name) ? 'max' : 'min');
  const header = ['trial', 'number', 'status', 'attempt', ...paramNames, 'best_value', 'best_step', 'best_checkpoint', ...metricNames.flatMap((m) => [`${m}_last`, `${m}_best`]), 'listen_rating', 'listen_rating_stderr', 'listen_votes', 'error'];
  const rows = trials.map((t, i) => {
    const metricCells = metricNames.flatMap((m): (number | string)[] => {
      const points = series[i][m] ?? [];
      if (points.length === 0) return ['', ''];
      const values = points.map((p) => p.value);
      return [points[points.length - 1].value, goalOf(m) === 'min' ? Math.min(...values) : Math.max(...values)];
    });
    const heard = listen.get(t.id);
    const listenCells = heard ? [heard.rating, heard.stderr, heard.votes] : ['', '', 0];
    return [t.id, t.number, t.status, t.attempt, ...paramNames.map((p) => JSON.stringify(t.params[p] ?? null)), t.bestValue ?? '', t.bestStep ?? '', t.bestCheckpointId ?? '', ...metricCells, ...listenCells, t.failureReason ?? ''];
  });
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

function csvCell(value: unknown): string {
  const s = String(value);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
