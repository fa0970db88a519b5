import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Checkpoint, Point, TrialDetail } from '../../api/schemas';
import { hrefOf } from '../App';
import { CurvesChart } from '../components/CurvesChart';
import { GeneratePanel } from '../components/GeneratePanel';
import { AliasMarks, ErrorNote, StatusBadge } from '../components/marks';
import { PromoteForm } from '../components/PromoteForm';
import { RatingText } from '../components/Rating';
import type { RatingsResponse } from '../listen-types';
import { useDashboard, usePolling } from '../context';
import { mergePoints } from '../curves';
import { fmt, PALETTE, when } from '../format';

/** `val_loss` ↔ `loss`: the training and validation curves drawn together show where a run overfits. */
export function partnerOf(metric: string): string | null {
  return metric.startsWith('val_') ? metric.slice(4) : `val_${metric}`;
}

/** One trial: its curves, full config, log tail, and checkpoints to generate from or promote. */
export function TrialPage({ trialId }: { trialId: string }) {
  const { api, aliases } = useDashboard();
  const [trial, setTrial] = useState<TrialDetail | null>(null);
  const [series, setSeries] = useState<Record<string, Point[]>>({});
  const [checkpoints, setCheckpoints] = useState<Checkpoint[]>([]);
  const [metric, setMetric] = useState<string | null>(null);
  // Both panels may be open at once: listen to a checkpoint's tunes, then promote it.
  const [generateFor, setGenerateFor] = useState<string | null>(null);
  const [promoteFor, setPromoteFor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const loadCheckpoints = useCallback(() => api.listCheckpoints(trialId).then((r) => setCheckpoints(r.checkpoints)), [api, trialId]);

  useEffect(() => {
    let live = true;
    Promise.all([api.getTrial(trialId), api.getMetrics(trialId, { maxPoints: 500 }), api.listCheckpoints(trialId)])
      .then(([t, m, c]) => {
        if (!live) return;
        setTrial(t);
        setSeries(m.series);
        setCheckpoints(c.checkpoints);
        setMetric(t.metricName);
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [api, trialId]);

  const poll = useCallback(async () => {
    try {
      const last = Math.min(...Object.values(series).map((s) => (s.length ? s[s.length - 1][0] : -1)), Infinity);
      const [t, m] = await Promise.all([api.getTrial(trialId), api.getMetrics(trialId, { after: Number.isFinite(last) ? last : -1, maxPoints: 500 })]);
      setTrial(t);
      setSeries((old) => {
        const next = { ...old };
        for (const [name, pts] of Object.entries(m.series)) next[name] = mergePoints(next[name] ?? [], pts);
        return next;
      });
      await loadCheckpoints();
    } catch (err) {
      setError(err);
    }
  }, [api, trialId, series, loadCheckpoints]);
  usePolling(poll, 3000, trial?.status === 'running');

  // Blind-listening ratings of this trial's checkpoints (none shown where the server has no votes).
  const [ratings, setRatings] = useState<RatingsResponse | null>(null);
  const sweepOfTrial = trial?.sweepId;
  useEffect(() => {
    if (!sweepOfTrial) return;
    let live = true;
    api.getRatings(sweepOfTrial).then(
      (r) => live && setRatings(r),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, sweepOfTrial]);
  const ratingOf = useMemo(() => new Map((ratings?.ratings ?? []).filter((r) => r.trialId === trialId && r.checkpointId).map((r) => [r.checkpointId!, r])), [ratings, trialId]);

  const names = useMemo(() => Object.keys(series).sort(), [series]);
  if (!trial) return error ? <ErrorNote error={error} /> : <p className="muted">loading…</p>;
  const shown = metric && series[metric] ? metric : (names[0] ?? trial.metricName);
  const trialMarks = aliases.filter((a) => a.trialId === trial.id).map((a) => a.alias);

  return (
    <section>
      <p className="crumbs">
        <a href={hrefOf({ page: 'sweeps' })}>sweeps</a> / <a href={hrefOf({ page: 'sweep', id: trial.sweepId })}>{trial.sweepId}</a> / trial {trial.number}
      </p>
      <h1>
        {trial.id} <StatusBadge status={trial.status} /> <AliasMarks aliases={trialMarks} />
      </h1>
      <p>
        best {trial.metricName} {fmt(trial.bestValue)} at step {fmt(trial.bestStep)}; attempt {trial.attempt}; started {when(trial.startedAt)}
        {trial.finishedAt && `, finished ${when(trial.finishedAt)}`}
      </p>
      {ratingOf.size > 0 && (
        <p data-testid="trial-ratings">
          listen: <RatingText rating={ratingOf.get(trial.bestCheckpointId ?? '') ?? [...ratingOf.values()][0]} />{' '}
          <a href={hrefOf({ page: 'listen', sweep: trial.sweepId })}>listen to more pairs →</a>
        </p>
      )}
      {(trial.failureReason || trial.pruneReason) && <p className={trial.failureReason ? 'error' : 'muted'}>{trial.failureReason ?? trial.pruneReason}</p>}
      <ErrorNote error={error} />
      <h2>Curves</h2>
      <CurvesChart
        curves={[shown, partnerOf(shown)]
          .filter((name): name is string => name !== null && series[name] !== undefined)
          .map((name, i) => ({ key: name, label: name, color: PALETTE[i], points: series[name] }))}
        metricNames={names.length ? names : [trial.metricName]}
        metric={shown}
        onMetric={setMetric}
      />
      <h2>Checkpoints</h2>
      <table className="grid" data-testid="checkpoints">
        <thead>
          <tr>
            <th>checkpoint</th>
            <th>epoch</th>
            <th>kind</th>
            <th>metrics</th>
            {ratingOf.size > 0 && <th>listen</th>}
            <th />
          </tr>
        </thead>
        <tbody>
          {checkpoints.map((c) => (
            <tr key={c.id} data-checkpoint={c.id} className={c.deleted ? 'deleted' : ''}>
              <td>
                {c.id} <AliasMarks aliases={c.aliases} />
              </td>
              <td>{c.epoch}</td>
              <td>{c.kind}</td>
              <td>
                {Object.entries(c.metrics)
                  .map(([k, v]) => `${k} ${fmt(v)}`)
                  .join(', ')}
              </td>
              {ratingOf.size > 0 && (
                <td>
                  <RatingText rating={ratingOf.get(c.id)} />
                </td>
              )}
              <td>
                {c.deleted ? (
                  <span className="muted">deleted by retention</span>
                ) : (
                  <>
                    <button type="button" onClick={() => setGenerateFor(generateFor === c.id ? null : c.id)}>
                      ♪ generate
                    </button>{' '}
                    <button type="button" onClick={() => setPromoteFor(promoteFor === c.id ? null : c.id)}>
                      ★ promote
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {promoteFor && (
        <div className="panel">
          <h3>Promote {promoteFor}</h3>
          <PromoteForm key={promoteFor} checkpointId={promoteFor} onDone={() => void loadCheckpoints()} />
        </div>
      )}
      {generateFor && (
        <div className="panel">
          <h3>Generate from {generateFor}</h3>
          <GeneratePanel key={generateFor} checkpointId={generateFor} />
        </div>
      )}
      <h2>Config</h2>
      <pre data-testid="config">{JSON.stringify(trial.config, null, 2)}</pre>
      <h2>Params</h2>
      <pre>{JSON.stringify(trial.params, null, 2)}</pre>
      <h2>Log tail</h2>
      <pre className="log" data-testid="log-tail">
        {trial.logTail || '(empty)'}
      </pre>
    </section>
  );
}
