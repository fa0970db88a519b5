import type { Store } from '@tunelab/store';
import { requireSweep, summarizeSweep } from './operations';

export type ExportFormat = 'csv' | 'json';

/**
 * A sweep as a file for notebooks and spreadsheets. CSV: one row per trial, one column per parameter and per
 * metric's final and best value. JSON: the summary plus every trial's config and full metric series.
 */
export async function exportSweep(store: Store, sweepId: string, format: ExportFormat): Promise<string> {
  const sweep = await requireSweep(store, sweepId);
  const trials = await store.listTrials(sweepId);
  const series = await Promise.all(trials.map((t) => store.getMetrics(t.id)));
  if (format === 'json') {
    const summary = await summarizeSweep(store, sweepId);
    return `${JSON.stringify(
      {
        ...summary,
        config: sweep.config,
        trials: trials.map((t, i) => ({ ...summary.trials[i], number: t.number, attempt: t.attempt, config: t.config, metrics: series[i] })),
      },
      null,
      2,
    )}\n`;
  }
  const paramNames = Object.keys(sweep.config.parameters);
  const metricNames = [...new Set(series.flatMap((s) => Object.keys(s)))].sort();
  const goalOf = (name: string): 'min' | 'max' => (/accuracy|rate|chars_per_sec/.test(name) ? 'max' : 'min');
  const header = ['trial', 'number', 'status', 'attempt', ...paramNames, 'best_value', 'best_step', 'best_checkpoint', ...metricNames.flatMap((m) => [`${m}_last`, `${m}_best`]), 'error'];
  const rows = trials.map((t, i) => {
    const metricCells = metricNames.flatMap((m): (number | string)[] => {
      const points = series[i][m] ?? [];
      if (points.length === 0) return ['', ''];
      const values = points.map((p) => p.value);
      return [points[points.length - 1].value, goalOf(m) === 'min' ? Math.min(...values) : Math.max(...values)];
    });
    return [t.id, t.number, t.status, t.attempt, ...paramNames.map((p) => JSON.stringify(t.params[p] ?? null)), t.bestValue ?? '', t.bestStep ?? '', t.bestCheckpointId ?? '', ...metricCells, t.failureReason ?? ''];
  });
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

function csvCell(value: unknown): string {
  const s = String(value);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
