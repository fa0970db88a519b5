import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { Point, SweepDetail, Trial, TrialProgress, TrialsQuery } from '../../api/schemas';
import type { SweepFeedHandlers } from '../api-client';
import { hrefOf } from '../App';
import { CurvesChart, type Curve } from '../components/CurvesChart';
import { AliasMarks, ErrorNote, StatusBadge } from '../components/marks';
import { ImportanceChart } from '../components/ImportanceChart';
import { ParamCharts } from '../components/ParamCharts';
import { ParetoChart } from '../components/ParetoChart';
import { ParallelCoordinates } from '../components/ParallelCoordinates';
import { TrialsTable } from '../components/TrialsTable';
import { ProgressBar } from '../components/ProgressBar';
import { ratingsByTrial } from '../components/Rating';
import type { RatingsResponse } from '../listen-types';
import { useDashboard, usePolling } from '../context';
import { lastCommonStep, mergePoints } from '../curves';
import { fmt, PALETTE } from '../format';
import { COMPARE_MAX, COMPARE_MIN } from './ComparePage';

type Sort = NonNullable<TrialsQuery['sort']>;
/** metric name → trial id → points. */
type SeriesCache = Record<string, Record<string, Point[]>>;

const POLL_MS = 3000;
const DEFAULT_SELECTED = 5;

export function SweepPage({ sweepId, pollMs = POLL_MS }: { sweepId: string; pollMs?: number }) {
  const { api, aliases } = useDashboard();
  const [sweep, setSweep] = useState<SweepDetail | null>(null);
  const [trials, setTrials] = useState<Trial[]>([]);
  const [total, setTotal] = useState(0);
  const [sort, setSort] = useState<Sort>('number');
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const [status, setStatus] = useState('');
  const [selected, setSelected] = useState<Set<string> | null>(null);
  const [metric, setMetric] = useState<string | null>(null);
  const [series, setSeries] = useState<SeriesCache>({});
  const [error, setError] = useState<unknown>(null);
  const [paramView, setParamView] = useState<'scatter' | 'parallel'>('scatter');
  /** Trials picked for the compare view, in the order picked. */
  const [compare, setCompare] = useState<string[]>([]);

  const loadTrials = useCallback(async () => {
    const page = await api.listTrials(sweepId, { sort, order, status: status || undefined, limit: 1000 });
    setTrials(page.trials);
    setTotal(page.total);
    return page.trials;
  }, [api, sweepId, sort, order, status]);

  // Series already asked for (metric/trial), so a render during a request does not ask again.
  const requested = useRef(new Set<string>());
  const fetchSeries = useCallback(
    async (name: string, ids: readonly string[]) => {
      const missing = ids.filter((id) => !requested.current.has(`${name}/${id}`));
      if (missing.length === 0) return;
      for (const id of missing) requested.current.add(`${name}/${id}`);
      try {
        const res = await api.getSeries(sweepId, { name, trialIds: missing.join(','), maxPoints: 200 });
        setSeries((old) => ({ ...old, [name]: { ...old[name], ...res.series } }));
      } catch (err) {
        for (const id of missing) requested.current.delete(`${name}/${id}`);
        setError(err);
      }
    },
    [api, sweepId],
  );

  // First load: the sweep and its trials together, then at once the curves of the best few trials, so
  // the curves' request does not wait for the table to render.
  const firstQuery = useRef(true);
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [s, page] = await Promise.all([api.getSweep(sweepId), api.listTrials(sweepId, { sort: 'number', order: 'asc', limit: 1000 })]);
        if (!live) return;
        const sign = s.metricGoal === 'minimize' ? 1 : -1;
        const best = page.trials.filter((t) => t.bestValue !== null).sort((a, b) => sign * (a.bestValue! - b.bestValue!));
        const ids = best.slice(0, DEFAULT_SELECTED).map((t) => t.id);
        const curves = fetchSeries(s.metricName, ids);
        setSweep(s);
        setMetric(s.metricName);
        setTrials(page.trials);
        setTotal(page.total);
        setSelected(new Set(ids));
        await curves;
      } catch (err) {
        if (live) setError(err);
      }
    })();
    return () => {
      live = false;
    };
  }, [api, sweepId, fetchSeries]);

  // Sorting and filtering ask the server again (not on the first render: the first load did).
  useEffect(() => {
    if (firstQuery.current) {
      firstQuery.current = false;
      return;
    }
    loadTrials().catch(setError);
  }, [loadTrials]);

  const selectedIds = useMemo(() => [...(selected ?? [])].sort(), [selected]);

  // Curves of newly ticked trials or another metric: fetch what is missing.
  useEffect(() => {
    if (metric && selectedIds.length > 0) void fetchSeries(metric, selectedIds);
  }, [metric, selectedIds, fetchSeries]);

  // Live: while the sweep runs, refresh the summary and trials and fetch only newer points of running trials.
  const wasRunning = useRef(new Set<string>());
  const poll = useCallback(async () => {
    try {
      const [s, fresh] = await Promise.all([api.getSweep(sweepId), loadTrials()]);
      setSweep(s);
      if (!metric) return;
      // Trials running now, or at the last poll (their final points may have landed since).
      const runningNow = new Set(fresh.filter((t) => t.status === 'running').map((t) => t.id));
      const ids = selectedIds.filter((id) => runningNow.has(id) || wasRunning.current.has(id));
      wasRunning.current = runningNow;
      if (ids.length === 0) return;
      const have = series[metric] ?? {};
      const after = lastCommonStep(have, ids);
      const res = await api.getSeries(sweepId, { name: metric, trialIds: ids.join(','), after, maxPoints: 200 });
      setSeries((old) => {
        const cur = { ...old[metric] };
        for (const [id, pts] of Object.entries(res.series)) cur[id] = mergePoints(cur[id] ?? [], pts);
        return { ...old, [metric]: cur };
      });
    } catch (err) {
      setError(err);
    }
  }, [api, sweepId, loadTrials, metric, selectedIds, series]);
  // Blind-listening ratings beside the metric; a server without them (or no votes yet) shows no column.
  const [ratings, setRatings] = useState<RatingsResponse | null>(null);
  useEffect(() => {
    let live = true;
    api.getRatings(sweepId).then(
      (r) => live && setRatings(r),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, sweepId]);
  const ratingMap = useMemo(() => {
    if (!ratings || ratings.ratings.length === 0) return undefined;
    const best = new Map(trials.map((t) => [t.id, t.bestCheckpointId]));
    return ratingsByTrial(ratings.ratings, (id) => best.get(id) ?? null);
  }, [ratings, trials]);

  // Live: the server's event stream says what changed (trial rows, epochs, new points); without one
  // (no EventSource), the page polls as above. Handlers read the latest state through a ref, so the stream
  // stays open across renders.
  const live = sweep?.status === 'running' || sweep?.status === 'queued';
  const [feed, setFeed] = useState<'events' | 'poll' | null>(null);
  const [progress, setProgress] = useState<Record<string, TrialProgress>>({});
  const latest = useRef({ poll, loadTrials, sort, status, trials });
  latest.current = { poll, loadTrials, sort, status, trials };
  useEffect(() => {
    if (!live) return;
    const handlers: SweepFeedHandlers = {
      // On every (re)connection: catch up once on what changed before the stream began.
      hello: (e) => {
        setProgress(e.progress);
        void latest.current.poll();
      },
      trial: ({ trial, progress: p }) => {
        setProgress((old) => {
          const next = { ...old };
          if (p && trial.status === 'running') next[trial.id] = p;
          else delete next[trial.id];
          return next;
        });
        const { sort: s, status: filter, loadTrials: reload, trials: shown } = latest.current;
        // A new trial, a filter or an order that may change: ask the server for the list again.
        if (!shown.some((t) => t.id === trial.id) || filter || s !== 'number') {
          reload().catch(setError);
          return;
        }
        setTrials((old) => old.map((t) => (t.id === trial.id ? trial : t)));
      },
      metrics: ({ trialId, series: fresh }) =>
        setSeries((old) => {
          // Only series the page holds: one it fetches later comes whole.
          let next = old;
          for (const [name, pts] of Object.entries(fresh)) {
            const have = old[name]?.[trialId];
            if (!have) continue;
            next = { ...next, [name]: { ...next[name], [trialId]: mergePoints(have, pts) } };
          }
          return next;
        }),
      sweep: (e) => {
        setSweep((old) => (old ? { ...old, status: e.status, counts: e.counts, best: e.best } : old));
        // The front, objective vectors and metric names come with the full row.
        api.getSweep(sweepId).then(setSweep, setError);
      },
      end: () => {
        setProgress({});
        void latest.current.poll();
      },
    };
    const stop = api.followSweep(sweepId, handlers);
    setFeed(stop ? 'events' : 'poll');
    return () => stop?.();
  }, [live, api, sweepId]);
  usePolling(poll, pollMs, live && feed === 'poll');
  const runningTrials = useMemo(() => trials.filter((t) => t.status === 'running'), [trials]);

  const colorOf = useCallback((id: string) => (selected?.has(id) ? PALETTE[selectedIds.indexOf(id) % PALETTE.length] : undefined), [selected, selectedIds]);
  const curves: Curve[] = useMemo(() => {
    const have = metric ? (series[metric] ?? {}) : {};
    return selectedIds.filter((id) => have[id]).map((id) => ({ key: id, label: id.replace(`${sweepId}-`, ''), color: colorOf(id)!, points: have[id] }));
  }, [metric, series, selectedIds, sweepId, colorOf]);

  // The parameter charts draw after the table and curves have painted: they are not needed to start
  // reading the page, and drawing them first would hold the curves back.
  const [showParams, setShowParams] = useState(false);
  const curvesReady = curves.length > 0 || (selected !== null && selected.size === 0);
  useEffect(() => {
    if (!curvesReady || showParams) return;
    const id = setTimeout(() => setShowParams(true), 30);
    return () => clearTimeout(id);
  }, [curvesReady, showParams]);
  const deferredTrials = useDeferredValue(trials);
  const marks = useMemo(() => {
    const m = new Map<string, string[]>();
    for (const a of aliases) if (a.trialId) m.set(a.trialId, [...(m.get(a.trialId) ?? []), a.alias]);
    return m;
  }, [aliases]);

  // Stable callbacks, so the memoized table does not redraw its 200 rows when only the curves change.
  const onSort = useCallback(
    (s: Sort) => {
      if (s === sort) setOrder((o) => (o === 'asc' ? 'desc' : 'asc'));
      else {
        setSort(s);
        setOrder('asc');
      }
    },
    [sort],
  );
  const onToggle = useCallback(
    (id: string) =>
      setSelected((old) => {
        const next = new Set(old ?? []);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      }),
    [],
  );
  const noneSelected = useMemo(() => new Set<string>(), []);
  const onCompare = useCallback((id: string) => setCompare((old) => (old.includes(id) ? old.filter((x) => x !== id) : old.length < COMPARE_MAX ? [...old, id] : old)), []);
  const compareSet = useMemo(() => new Set(compare), [compare]);
  // The server's front (@tunelab/sweep's paretoFront); a new Set only when the poll brings another front.
  const paretoKey = sweep?.pareto.join(',') ?? '';
  const front = useMemo(() => new Set(paretoKey ? paretoKey.split(',') : []), [paretoKey]);

  if (!sweep) return error ? <ErrorNote error={error} /> : <p className="muted">loading…</p>;
  return (
    <section>
      <p className="crumbs">
        <a href={hrefOf({ page: 'sweeps' })}>sweeps</a> / {sweep.id}
      </p>
      <h1>
        {sweep.name} <StatusBadge status={sweep.status} /> <AliasMarks aliases={aliases.filter((a) => a.sweepId === sweep.id).map((a) => a.alias)} />
      </h1>
      <p>
        {sweep.method} search, {sweep.metricGoal} {sweep.metricName}; {total} trials shown of{' '}
        {Object.values(sweep.counts).reduce((a, b) => a + b, 0)}
        {sweep.best && (
          <>
            ; best {fmt(sweep.best.value)} (<a href={hrefOf({ page: 'trial', id: sweep.best.trialId })}>{sweep.best.trialId}</a>)
          </>
        )}
        {sweep.status === 'running' && <span className="live"> ● live</span>}
      </p>
      <p>
        <a href={hrefOf({ page: 'listen', sweep: sweep.id })} data-testid="listen-link">
          ♪ listen: blind pairs of this sweep&apos;s tunes →
        </a>
        {ratings && ratings.votes > 0 && (
          <span className="muted">
            {' '}
            {ratings.votes} {ratings.votes === 1 ? 'vote' : 'votes'} so far
          </span>
        )}
      </p>
      {live && runningTrials.length > 0 && (
        <div className="running" data-testid="running-trials">
          <h2>Running now</h2>
          {runningTrials.map((t) => (
            <p key={t.id} data-trial={t.id}>
              <a href={hrefOf({ page: 'trial', id: t.id })}>{t.id.replace(`${sweepId}-`, '')}</a>{' '}
              <ProgressBar progress={progress[t.id]} />
              {t.bestValue !== null && (
                <span className="muted">
                  {' '}
                  best {sweep.metricName} {fmt(t.bestValue)}
                </span>
              )}
            </p>
          ))}
        </div>
      )}
      <ErrorNote error={error} />
      {sweep.objectives.length > 1 && (
        <>
          <h2>Pareto front</h2>
          <p className="muted">
            {sweep.objectives.map((o) => `${o.goal} ${o.name}`).join(', ')}; each trial at its best {sweep.objectives[0].name} epoch.
          </p>
          <ParetoChart objectives={sweep.objectives} vectors={sweep.objectiveVectors} pareto={sweep.pareto} />
        </>
      )}
      <h2>Learning curves</h2>
      <CurvesChart curves={curves} metricNames={sweep.metricNames} metric={metric ?? sweep.metricName} onMetric={setMetric} />
      <h2>Hyperparameters</h2>
      <p className="controls">
        <label>
          <input type="radio" name="param-view" checked={paramView === 'scatter'} onChange={() => setParamView('scatter')} /> scatter
        </label>
        <label>
          <input type="radio" name="param-view" checked={paramView === 'parallel'} onChange={() => setParamView('parallel')} /> parallel coordinates
        </label>
      </p>
      {!showParams ? (
        <p className="muted">drawing…</p>
      ) : paramView === 'scatter' ? (
        <ParamCharts trials={deferredTrials} parameters={sweep.parameters} metricName={sweep.metricName} />
      ) : (
        <ParallelCoordinates trials={deferredTrials} parameters={sweep.parameters} metricName={sweep.metricName} goal={sweep.metricGoal} />
      )}
      <h2>What mattered</h2>
      <ImportanceChart sweepId={sweep.id} objectives={sweep.objectives.map((o) => o.name)} refreshKey={sweep.counts.completed ?? 0} />
      <h2>Trials</h2>
      <p className="compare-bar" data-testid="compare-bar">
        {compare.length >= COMPARE_MIN ? (
          <a href={hrefOf({ page: 'compare', id: sweep.id, trials: compare })} data-testid="compare-link">
            compare {compare.length} trials →
          </a>
        ) : (
          <span className="muted">
            tick {COMPARE_MIN}–{COMPARE_MAX} trials in the compare column to see them side by side
          </span>
        )}
      </p>
      <TrialsTable
        trials={trials}
        parameters={sweep.parameters}
        metricName={sweep.metricName}
        sort={sort}
        order={order}
        onSort={onSort}
        status={status}
        onStatus={setStatus}
        selected={selected ?? noneSelected}
        onToggle={onToggle}
        marks={marks}
        colorOf={colorOf}
        front={front}
        compare={compareSet}
        onCompare={onCompare}
        compareMax={COMPARE_MAX}
        progress={progress}
        ratings={ratingMap}
      />
      <details>
        <summary>sweep config</summary>
        <pre>{sweep.configYaml}</pre>
      </details>
    </section>
  );
}
