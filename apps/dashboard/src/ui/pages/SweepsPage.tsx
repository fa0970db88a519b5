import { useCallback, useEffect, useState } from 'react';
import type { Sweep } from '../../api/schemas';
import { hrefOf } from '../App';
import { useDashboard, usePolling } from '../context';
import { fmt, when } from '../format';
import { AliasMarks, ErrorNote, StatusBadge } from '../components/marks';

export function SweepsPage() {
  const { api, aliases } = useDashboard();
  const [sweeps, setSweeps] = useState<Sweep[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      setSweeps((await api.listSweeps()).sweeps);
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);
  usePolling(load, 5000, sweeps?.some((s) => s.status === 'running') ?? false);

  return (
    <section>
      <h1>Sweeps</h1>
      <ErrorNote error={error} />
      {sweeps === null && !error && <p className="muted">loading…</p>}
      {sweeps?.length === 0 && <p className="muted">No sweeps yet: run `npx nx run sweeper:start`.</p>}
      {sweeps && sweeps.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>sweep</th>
              <th>status</th>
              <th>method</th>
              <th>trials</th>
              <th>best</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {sweeps.map((s) => {
              const total = Object.values(s.counts).reduce((a, b) => a + b, 0);
              return (
                <tr key={s.id}>
                  <td>
                    <a href={hrefOf({ page: 'sweep', id: s.id })}>{s.name}</a> <span className="muted">{s.id}</span>{' '}
                    <AliasMarks aliases={aliases.filter((a) => a.sweepId === s.id).map((a) => a.alias)} />
                  </td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                  <td>{s.method}</td>
                  <td>
                    {total} ({s.counts.completed ?? 0} done, {s.counts.running ?? 0} running, {s.counts.failed ?? 0} failed)
                  </td>
                  <td>
                    {s.best ? (
                      <>
                        {s.metricName} {fmt(s.best.value)} <a href={hrefOf({ page: 'trial', id: s.best.trialId })}>{s.best.trialId}</a>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>{when(s.createdAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
