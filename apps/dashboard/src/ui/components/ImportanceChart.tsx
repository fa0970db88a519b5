import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { ImportanceResponse } from '../../api/schemas';
import { useDashboard } from '../context';
import { fmt } from '../format';
import { ErrorNote } from './marks';

/**
 * What mattered: each searched parameter's importance for one metric (the server's PED-ANOVA over the
 * completed trials) as horizontal bars, highest first. The metric is chosen among the sweep's objectives,
 * the first by default; the server reads each objective's goal from the sweep config. Below the server's
 * minimum of completed trials it answers no importances and a reason, shown instead of bars.
 */
export function ImportanceChart({ sweepId, objectives, refreshKey }: { sweepId: string; objectives: readonly string[]; refreshKey?: unknown }) {
  const { api } = useDashboard();
  const [metric, setMetric] = useState(objectives[0]);
  const [result, setResult] = useState<ImportanceResponse | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    api
      .getImportance(sweepId, { metric })
      .then((r) => {
        if (!live) return;
        setResult(r);
        setError(null);
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
    // refreshKey: a running sweep's completed count; importances change only when it does.
  }, [api, sweepId, metric, refreshKey]);

  const data = (result?.metric === metric ? result.importances : []).map((x) => ({ ...x, name: x.param.split('.').slice(-1)[0] }));
  return (
    <div className="importance" data-testid="importance">
      <p className="controls">
        <label>
          importance for{' '}
          <select aria-label="importance metric" value={metric} onChange={(e) => setMetric(e.target.value)}>
            {objectives.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
        {result && result.metric === metric && (
          <span className="muted">
            {' '}
            PED-ANOVA over {result.trials} completed trials, {result.goal} {result.metric}
          </span>
        )}
      </p>
      <ErrorNote error={error} />
      {result?.metric === metric && result.importances.length === 0 && (
        <p className="muted" data-testid="importance-reason">
          {result.reason ?? 'no importances'}
        </p>
      )}
      {data.length > 0 && (
        <BarChart width={560} height={40 + 32 * data.length} data={data} layout="vertical" margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" domain={[0, 1]} tickFormatter={(v: number) => fmt(v)} />
          <YAxis type="category" dataKey="name" width={150} />
          <Tooltip formatter={(v) => fmt(v)} labelFormatter={(_, p) => String(p?.[0]?.payload?.param ?? '')} />
          <Bar dataKey="importance" fill="#3949ab" isAnimationActive={false} />
        </BarChart>
      )}
    </div>
  );
}
