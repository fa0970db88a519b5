import { memo, useState } from 'react';
// In a browser build @tunelab/sweep resolves to its lifecycle module alone (its `browser` export), no Node code.
import { TRIAL_STATUSES } from '@tunelab/sweep';
import type { Trial, TrialProgress, TrialsQuery } from '../../api/schemas';
import { hrefOf } from '../App';
import { fmt } from '../format';
import { AliasMarks, StatusBadge } from './marks';
import { ProgressBar } from './ProgressBar';
import { RatingText } from './Rating';
import type { PlayerRating } from '../listen-types';

export interface TrialsTableProps {
  trials: readonly Trial[];
  parameters: readonly string[];
  metricName: string;
  sort: NonNullable<TrialsQuery['sort']>;
  order: 'asc' | 'desc';
  onSort(sort: NonNullable<TrialsQuery['sort']>): void;
  status: string;
  onStatus(status: string): void;
  selected: ReadonlySet<string>;
  onToggle(trialId: string): void;
  /** Alias names per trial id. */
  marks: ReadonlyMap<string, string[]>;
  colorOf(trialId: string): string | undefined;
  /** Trials on the Pareto front of a multi-objective sweep: marked ◆ front. */
  front?: ReadonlySet<string>;
  /** Trials picked for the compare view; with `onCompare`, a compare checkbox per row. */
  compare?: ReadonlySet<string>;
  onCompare?(trialId: string): void;
  /** The most trials the compare view takes: the other boxes are disabled once that many are picked. */
  compareMax?: number;
  /** Running trials' epochs, from the live feed: a progress bar beside their status. */
  progress?: Readonly<Record<string, TrialProgress>>;
  /** Blind-listening ratings per trial id; given, a "listen" column beside the metric. */
  ratings?: ReadonlyMap<string, PlayerRating>;
  /** Rows per page (default 50). */
  pageSize?: number;
}

/** The status filter's options: any ('') or one status. */
const STATUSES = ['', ...TRIAL_STATUSES];

/** Trials with their params, status, best value and why they failed or were pruned; sort by header, filter by status. */
export const TrialsTable = memo(function TrialsTable(props: TrialsTableProps) {
  const pageSize = props.pageSize ?? 50;
  const [page, setPage] = useState(0);
  const [text, setText] = useState('');
  // Text filter over the loaded trials: id, params (`lr=0.003`, `[128,128]`) and the failure reason.
  const needle = text.trim().toLowerCase();
  const shown = needle
    ? props.trials.filter((t) =>
        [t.id, t.failureReason ?? '', t.pruneReason ?? '', ...props.parameters.map((p) => `${p.split('.').slice(-1)[0]}=${fmt(t.params[p])}`)]
          .join(' ')
          .toLowerCase()
          .includes(needle),
      )
    : props.trials;
  const pages = Math.max(1, Math.ceil(shown.length / pageSize));
  const current = Math.min(page, pages - 1);
  const rows = shown.slice(current * pageSize, (current + 1) * pageSize);
  const arrow = (s: string) => (props.sort === s ? (props.order === 'asc' ? ' ▲' : ' ▼') : '');
  const short = (p: string) => p.split('.').slice(-1)[0];
  return (
    <div className="trials">
      <label>
        status{' '}
        <select aria-label="status filter" value={props.status} onChange={(e) => props.onStatus(e.target.value)}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || 'any'}
            </option>
          ))}
        </select>
      </label>{' '}
      <label>
        filter{' '}
        <input aria-label="trial filter" placeholder="lr=0.003, [128,128], NaN…" value={text} onChange={(e) => setText(e.target.value)} size={24} />
      </label>
      <table className="grid" data-testid="trials-table">
        <thead>
          <tr>
            <th title="show its curve">curve</th>
            {props.onCompare && <th title="pick 2–4 trials to compare side by side">compare</th>}
            <th className="sortable" onClick={() => props.onSort('number')}>
              #{arrow('number')}
            </th>
            <th>status</th>
            {props.parameters.map((p) => (
              <th key={p} title={p}>
                {short(p)}
              </th>
            ))}
            <th className="sortable" onClick={() => props.onSort('best')}>
              best {props.metricName}
              {arrow('best')}
            </th>
            <th>at step</th>
            {props.ratings && <th title="Bradley–Terry rating from blind listening, ± one standard error">listen</th>}
            <th>why it stopped</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => {
            const color = props.colorOf(t.id);
            return (
              <tr key={t.id} data-trial={t.id} className={`status-${t.status}`}>
                <td>
                  <input type="checkbox" aria-label={`curve of ${t.id}`} checked={props.selected.has(t.id)} onChange={() => props.onToggle(t.id)} />
                  {color && <span className="swatch" style={{ background: color }} />}
                </td>
                {props.onCompare && (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`compare ${t.id}`}
                      checked={props.compare?.has(t.id) ?? false}
                      disabled={!props.compare?.has(t.id) && (props.compare?.size ?? 0) >= (props.compareMax ?? Infinity)}
                      onChange={() => props.onCompare!(t.id)}
                    />
                  </td>
                )}
                <td>
                  <a href={hrefOf({ page: 'trial', id: t.id })}>{t.number}</a> <AliasMarks aliases={props.marks.get(t.id) ?? []} />
                  {props.front?.has(t.id) && (
                    <span className="front-mark" data-testid="front-mark" title="on the Pareto front: no completed trial is at least as good on every objective and better on one">
                      ◆ front
                    </span>
                  )}
                </td>
                <td>
                  <StatusBadge status={t.status} />
                  {t.status === 'running' && props.progress?.[t.id] && (
                    <>
                      {' '}
                      <ProgressBar progress={props.progress[t.id]} />
                    </>
                  )}
                </td>
                {props.parameters.map((p) => (
                  <td key={p}>{fmt(t.params[p])}</td>
                ))}
                <td title={Object.entries(t.bestMetrics).map(([k, v]) => `${k} ${fmt(v)}`).join(', ') || undefined}>{fmt(t.bestValue)}</td>
                <td>{fmt(t.bestStep)}</td>
                {props.ratings && (
                  <td data-testid="trial-rating">
                    <RatingText rating={props.ratings.get(t.id)} />
                  </td>
                )}
                <td className="reason">{t.failureReason ?? t.pruneReason ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {pages > 1 && (
        <p className="pager">
          <button type="button" aria-label="previous page" disabled={current === 0} onClick={() => setPage(current - 1)}>
            ‹
          </button>{' '}
          trials {current * pageSize + 1}–{current * pageSize + rows.length} of {shown.length}{' '}
          <button type="button" aria-label="next page" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            ›
          </button>
        </p>
      )}
    </div>
  );
});
