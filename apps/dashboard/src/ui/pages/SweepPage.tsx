import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Point, SweepDetail, Trial, TrialsQuery } from '../../api/schemas';
import { hrefOf } from '../App';
import { CurvesChart, type Curve } from '../components/CurvesChart';
import { AliasMarks, ErrorNote, StatusBadge } from '../components/marks';
import { ParamCharts } from '../components/ParamCharts';
import { TrialsTable } from '../components/TrialsTable';
import { useDashboard, usePolling } from '../context';
import { lastCommonStep, mergePoints } from '../curves';
import { fmt, PALETTE } from '../format';

type Sort = NonNullable<TrialsQuery['sort']>;
/** metric name → trial id → points. */
type SeriesCache = Record<string, Record<string, Point[]>>;

const POLL_MS = 3000;
const DEFAULT_SELECTED = 5;

export function SweepPage({ sweepId }: { sweepId: string }) {
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

  const loadTrials = useCallback(async () => {
    const page = await api.listTrials(sweepId, { sort, order, status: status || undefined, limit: 1000 });
    setTrials(page.trials);
    setTotal(page.total);
    return page.trials;
  }, [api, sweepId, sort, order, status]);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const s = await api.getSweep(sweepId);
        if (!live) return;
        setSweep(s);
        setMetric((m) => m ?? s.metricName);
      } catch (err) {
        if (live) setError(err);
      }
    })();
    return () => {
      live = false;
    };
  }, [api, sweepId]);

  useEffect(() => {
    loadTrials().catch(setError);
  }, [loadTrials]);

  // The best few trials start selected, once the first page is in.
  useEffect(() => {
    if (selected !== null || trials.length === 0 || !sweep) return;
    const sign = sweep.metricGoal === 'minimize' ? 1 : -1;
    const best = trials.filter((t) => t.bestValue !== null).sort((a, b) => sign * (a.bestValue! - b.bestValue!));
    setSelected(new Set(best.slice(0, DEFAULT_SELECTED).map((t) => t.id)));
  }, [trials, sweep, selected]);

  const selectedIds = useMemo(() => [...(selected ?? [])].sort(), [selected]);

  // Curves: fetch what the cache lacks for this metric.
  useEffect(() => {
    if (!metric || selectedIds.length === 0) return;
    const have = series[metric] ?? {};
    const missing = selectedIds.filter((id) => !have[id]);
    if (missing.length === 0) return;
    let live = true;
    api
      .getSeries(sweepId, { name: metric, trialIds: missing.join(','), maxPoints: 300 })
      .then((res) => {
        if (live) setSeries((old) => ({ ...old, [metric]: { ...old[metric], ...res.series } }));
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [api, sweepId, metric, selectedIds, series]);

  // Live: while the sweep runs, refresh the summary and trials and fetch only newer points of running trials.
  const poll = useCallback(async () => {
    try {
      const [s, fresh] = await Promise.all([api.getSweep(sweepId), loadTrials()]);
      setSweep(s);
      if (!metric) return;
      const running = new Set(fresh.filter((t) => t.status === 'running' || t.status === 'completed').map((t) => t.id));
      const ids = selectedIds.filter((id) => running.has(id));
      if (ids.length === 0) return;
      const have = series[metric] ?? {};
      const after = lastCommonStep(have, ids);
      const res = await api.getSeries(sweepId, { name: metric, trialIds: ids.join(','), after, maxPoints: 300 });
      setSeries((old) => {
        const cur = { ...old[metric] };
        for (const [id, pts] of Object.entries(res.series)) cur[id] = mergePoints(cur[id] ?? [], pts);
        return { ...old, [metric]: cur };
      });
    } catch (err) {
      setError(err);
    }
  }, [api, sweepId, loadTrials, metric, selectedIds, series]);
  usePolling(poll, POLL_MS, sweep?.status === 'running');

  const colorOf = useCallback((id: string) => (selected?.has(id) ? PALETTE[selectedIds.indexOf(id) % PALETTE.length] : undefined), [selected, selectedIds]);
  const curves: Curve[] = useMemo(() => {
    const have = metric ? (series[metric] ?? {}) : {};
    return selectedIds.filter((id) => have[id]).map((id) => ({ key: id, label: id.replace(`${sweepId}-`, ''), color: colorOf(id)!, points: have[id] }));
  }, [metric, series, selectedIds, sweepId, colorOf]);

  const marks = useMemo(() => {
    const m = new Map<string, string[]>();
    for (const a of aliases) if (a.trialId) m.set(a.trialId, [...(m.get(a.trialId) ?? []), a.alias]);
    return m;
  }, [aliases]);

  const onSort = (s: Sort) => {
    if (s === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(s);
      setOrder('asc');
    }
  };
  const onToggle = (id: string) =>
    setSelected((old) => {
      const next = new Set(old ?? []);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

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
      <ErrorNote error={error} />
      <h2>Learning curves</h2>
      <CurvesChart curves={curves} metricNames={sweep.metricNames} metric={metric ?? sweep.metricName} onMetric={setMetric} />
      <h2>Hyperparameters</h2>
      <ParamCharts trials={trials} parameters={sweep.parameters} metricName={sweep.metricName} />
      <h2>Trials</h2>
      <TrialsTable
        trials={trials}
        parameters={sweep.parameters}
        metricName={sweep.metricName}
        sort={sort}
        order={order}
        onSort={onSort}
        status={status}
        onStatus={setStatus}
        selected={selected ?? new Set()}
        onToggle={onToggle}
        marks={marks}
        colorOf={colorOf}
      />
      <details>
        <summary>sweep config</summary>
        <pre>{sweep.configYaml}</pre>
      </details>
    </section>
  );
}
