import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { MeterChoice, Point, Sample, SweepDetail, TrialDetail } from '../../api/schemas';
import { hrefOf } from '../App';
import { CurvesChart, type Curve } from '../components/CurvesChart';
import { ErrorNote, StatusBadge } from '../components/marks';
import { TuneCard } from '../components/TuneCard';
import { useDashboard } from '../context';
import { fmt, PALETTE } from '../format';

/** How many trials the compare view takes: beyond four, columns and tune rows stop being readable. */
export const COMPARE_MIN = 2;
export const COMPARE_MAX = 4;

/** A metric's value at `step`: the last report of that step (a resumed attempt may repeat it), else null. */
export function valueAt(points: readonly Point[] | undefined, step: number | null): number | null {
  if (!points || step === null) return null;
  let v: number | null = null;
  for (const [s, x] of points) if (s === step) v = x;
  return v;
}

/** Whether a parameter differs between the compared trials (compared as the table prints them). */
export const differs = (values: readonly unknown[]): boolean => new Set(values.map((v) => fmt(v))).size > 1;

interface Loaded {
  sweep: SweepDetail;
  trials: TrialDetail[];
  /** Per trial id: every metric's full series. */
  series: Record<string, Record<string, Point[]>>;
}

/** Per trial id: its tune from the shared settings, or why there is none. */
type Tunes = Record<string, { sample?: Sample; error?: unknown; busy?: boolean }>;

/**
 * Trials side by side: parameters (rows that differ highlighted), one metric's curves overlaid, every
 * metric at each trial's best epoch (by the sweep's first objective, the checkpoint promote takes), and one
 * tune per trial from that checkpoint, all sampled with the same prime, meter and seed.
 */
export function ComparePage({ sweepId, trialIds }: { sweepId: string; trialIds: readonly string[] }) {
  const { api } = useDashboard();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [metric, setMetric] = useState<string | null>(null);
  const tooFew = trialIds.length < COMPARE_MIN || trialIds.length > COMPARE_MAX;

  useEffect(() => {
    if (tooFew) return;
    let live = true;
    (async () => {
      try {
        const [sweep, trials, metrics] = await Promise.all([
          api.getSweep(sweepId),
          Promise.all(trialIds.map((id) => api.getTrial(id))),
          // Every point: a metric is read at the trial's best step, which downsampling could drop.
          Promise.all(trialIds.map((id) => api.getMetrics(id, { maxPoints: 5000 }))),
        ]);
        const stray = trials.find((t) => t.sweepId !== sweepId);
        if (stray) throw new Error(`trial ${stray.id} belongs to sweep ${stray.sweepId}, not ${sweepId}`);
        if (!live) return;
        setLoaded({ sweep, trials, series: Object.fromEntries(trials.map((t, i) => [t.id, metrics[i].series])) });
        setMetric(sweep.metricName);
      } catch (err) {
        if (live) setError(err);
      }
    })();
    return () => {
      live = false;
    };
  }, [api, sweepId, trialIds, tooFew]);

  if (tooFew) {
    return (
      <section>
        <p className="crumbs">
          <a href={hrefOf({ page: 'sweep', id: sweepId })}>{sweepId}</a> / compare
        </p>
        <p className="error">
          Compare takes {COMPARE_MIN} to {COMPARE_MAX} trials; got {trialIds.length}. Tick them in the sweep's trials table.
        </p>
      </section>
    );
  }
  if (!loaded) return error ? <ErrorNote error={error} /> : <p className="muted">loading…</p>;
  const { sweep, trials, series } = loaded;
  const colors = trials.map((_, i) => PALETTE[i % PALETTE.length]);
  const label = (t: TrialDetail) => `#${t.number}`;
  return (
    <section data-testid="compare">
      <p className="crumbs">
        <a href={hrefOf({ page: 'sweeps' })}>sweeps</a> / <a href={hrefOf({ page: 'sweep', id: sweep.id })}>{sweep.id}</a> / compare
      </p>
      <h1>
        {sweep.name}: {trials.map(label).join(' vs ')}
      </h1>
      <ErrorNote error={error} />
      <h2>Parameters</h2>
      <ParamsTable trials={trials} parameters={sweep.parameters} colors={colors} />
      <h2>Learning curves</h2>
      <CompareCurves trials={trials} series={series} metricNames={unionNames(sweep, series)} metric={metric ?? sweep.metricName} onMetric={setMetric} colors={colors} />
      <h2>At the best epoch</h2>
      <BestMetricsTable sweep={sweep} trials={trials} series={series} colors={colors} />
      <h2>Tunes</h2>
      <CompareTunes trials={trials} colors={colors} />
    </section>
  );
}

/** The sweep's metric names first (objectives among them), then any other a compared trial reported. */
function unionNames(sweep: SweepDetail, series: Loaded['series']): string[] {
  const names = new Set(sweep.metricNames);
  for (const byName of Object.values(series)) for (const n of Object.keys(byName)) names.add(n);
  return [...names];
}

function TrialHeads({ trials, colors }: { trials: readonly TrialDetail[]; colors: readonly string[] }) {
  return (
    <>
      {trials.map((t, i) => (
        <th key={t.id} data-trial={t.id}>
          <span className="swatch" style={{ background: colors[i] }} /> <a href={hrefOf({ page: 'trial', id: t.id })}>#{t.number}</a> <StatusBadge status={t.status} />
        </th>
      ))}
    </>
  );
}

export function ParamsTable({ trials, parameters, colors }: { trials: readonly TrialDetail[]; parameters: readonly string[]; colors: readonly string[] }) {
  return (
    <table className="grid compare-params" data-testid="compare-params">
      <thead>
        <tr>
          <th>parameter</th>
          <TrialHeads trials={trials} colors={colors} />
        </tr>
      </thead>
      <tbody>
        {parameters.map((p) => {
          const values = trials.map((t) => t.params[p]);
          const diff = differs(values);
          return (
            <tr key={p} data-param={p} className={diff ? 'differs' : undefined} title={diff ? 'differs between these trials' : 'the same in every trial'}>
              <th title={p}>{p}</th>
              {values.map((v, i) => (
                <td key={trials[i].id}>{fmt(v)}</td>
              ))}
            </tr>
          );
        })}
        <tr className={differs(trials.map((t) => t.seed)) ? 'differs' : undefined}>
          <th>seed</th>
          {trials.map((t) => (
            <td key={t.id}>{t.seed}</td>
          ))}
        </tr>
      </tbody>
    </table>
  );
}

function CompareCurves(props: { trials: readonly TrialDetail[]; series: Loaded['series']; metricNames: string[]; metric: string; onMetric(m: string): void; colors: readonly string[] }) {
  const { trials, series, metric, colors } = props;
  const curves: Curve[] = useMemo(
    () => trials.flatMap((t, i) => (series[t.id]?.[metric] ? [{ key: t.id, label: `#${t.number}`, color: colors[i], points: series[t.id][metric] }] : [])),
    [trials, series, metric, colors],
  );
  return <CurvesChart curves={curves} metricNames={props.metricNames} metric={metric} onMetric={props.onMetric} />;
}

/** Every metric at each trial's best step; for an objective, the best value among the compared trials in bold. */
function BestMetricsTable({ sweep, trials, series, colors }: { sweep: SweepDetail; trials: readonly TrialDetail[]; series: Loaded['series']; colors: readonly string[] }) {
  const names = unionNames(sweep, series);
  return (
    <table className="grid compare-best" data-testid="compare-best">
      <thead>
        <tr>
          <th>metric</th>
          <TrialHeads trials={trials} colors={colors} />
        </tr>
        <tr>
          <th className="muted">best epoch</th>
          {trials.map((t) => (
            <td key={t.id}>{fmt(t.bestStep)}</td>
          ))}
        </tr>
      </thead>
      <tbody>
        {names.map((name) => {
          const values = trials.map((t) => valueAt(series[t.id]?.[name], t.bestStep));
          const goal = sweep.objectives.find((o) => o.name === name)?.goal;
          const finite = values.filter((v): v is number => v !== null);
          const best = goal && finite.length > 1 ? (goal === 'minimize' ? Math.min(...finite) : Math.max(...finite)) : null;
          return (
            <tr key={name} data-metric={name}>
              <th>
                {name}
                {goal && <span className="muted"> ({goal === 'minimize' ? '↓' : '↑'} objective)</span>}
              </th>
              {values.map((v, i) => (
                <td key={trials[i].id} className={v !== null && v === best ? 'best' : undefined}>
                  {fmt(v)}
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * One tune per trial from its best checkpoint, the same request but for the checkpoint (one request each,
 * as the trial page's generate panel sends it): a fixed seed makes the differences the models', not luck's.
 */
export function CompareTunes({ trials, colors }: { trials: readonly TrialDetail[]; colors: readonly string[] }) {
  const { api } = useDashboard();
  const [form, setForm] = useState({ prime: '', meter: '6/8', seed: '1', temperature: '1' });
  const [meters, setMeters] = useState<MeterChoice[]>([]);
  const [tunes, setTunes] = useState<Tunes>({});
  const first = trials.find((t) => t.bestCheckpointId)?.bestCheckpointId;

  useEffect(() => {
    if (!first) return;
    api
      .listMeters(first)
      .then((r) => setMeters(r.meters))
      .catch(() => {});
  }, [api, first]);

  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const busy = Object.values(tunes).some((t) => t.busy);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const seed = Number(form.seed) || 0;
    const temperature = Number(form.temperature) || 1;
    setTunes(Object.fromEntries(trials.map((t) => [t.id, { busy: !!t.bestCheckpointId }])));
    await Promise.all(
      trials.map(async (t) => {
        if (!t.bestCheckpointId) return;
        try {
          const res = await api.generate({
            checkpointId: t.bestCheckpointId,
            n: 1,
            temperature,
            maxLength: 600,
            prime: form.prime || null,
            meter: form.meter || null,
            seed,
            constrain: 'meter',
          });
          setTunes((old) => ({ ...old, [t.id]: { sample: res.samples[0] } }));
        } catch (err) {
          setTunes((old) => ({ ...old, [t.id]: { error: err } }));
        }
      }),
    );
  }

  return (
    <div className="compare-tunes generate" data-testid="compare-tunes">
      <form onSubmit={(e) => void submit(e)}>
        <label>
          prime <input aria-label="prime" value={form.prime} onChange={set('prime')} placeholder="|:A2B c2d|" size={16} />
        </label>
        <label>
          meter{' '}
          <select aria-label="meter" value={form.meter} onChange={set('meter')}>
            {!meters.some((m) => m.meter === form.meter) && form.meter !== '' && <option value={form.meter}>{form.meter}</option>}
            {meters.map((m) => (
              <option key={m.meter} value={m.meter}>
                {m.meter}
                {m.label ? ` ${m.label}` : ''}
              </option>
            ))}
            <option value="">any (the model chooses)</option>
          </select>
        </label>
        <label>
          seed <input aria-label="seed" type="number" min="0" value={form.seed} onChange={set('seed')} size={8} />
        </label>
        <label>
          temperature <input aria-label="temperature" type="number" step="0.05" min="0.05" max="5" value={form.temperature} onChange={set('temperature')} size={4} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'generating…' : '♪ generate from each best checkpoint'}
        </button>
      </form>
      {trials.map((t, i) => {
        const tune = tunes[t.id];
        return (
          <div key={t.id} className="compare-tune-row" data-testid="compare-tune-row" data-trial={t.id}>
            <h3>
              <span className="swatch" style={{ background: colors[i] }} /> #{t.number} <span className="muted">{t.bestCheckpointId ?? 'no best checkpoint'}</span>
            </h3>
            {tune?.busy && <p className="muted">generating…</p>}
            <ErrorNote error={tune?.error ?? null} />
            {tune?.sample && <TuneCard sample={tune.sample} />}
          </div>
        );
      })}
    </div>
  );
}
