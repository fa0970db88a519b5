import { memo } from 'react';
import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { TRIAL_STATUSES } from '@tunelab/sweep';
import type { Trial } from '../../api/schemas';
import { fmt, STATUS_COLORS } from '../format';

interface Dot {
  x: number;
  y: number;
  trial: string;
  status: string;
  label: string;
}

/** One parameter's values as x: numbers as they are (log when they span decades), others as categories. */
export function paramAxis(trials: readonly Trial[], param: string): { dots: Dot[]; log: boolean; ticks?: string[] } {
  const withValue = trials.filter((t) => t.bestValue !== null && t.params[param] !== undefined);
  const numeric = withValue.every((t) => typeof t.params[param] === 'number');
  if (numeric) {
    const xs = withValue.map((t) => t.params[param] as number);
    const log = xs.length > 1 && xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) >= 20;
    return { log, dots: withValue.map((t) => ({ x: t.params[param] as number, y: t.bestValue!, trial: t.id, status: t.status, label: fmt(t.params[param]) })) };
  }
  const ticks = [...new Set(withValue.map((t) => fmt(t.params[param])))].sort();
  return {
    log: false,
    ticks,
    dots: withValue.map((t) => {
      const label = fmt(t.params[param]);
      return { x: ticks.indexOf(label), y: t.bestValue!, trial: t.id, status: t.status, label };
    }),
  };
}

/** Each searched hyperparameter against the sweep metric: one small scatter per parameter, dots coloured by status. */
export const ParamCharts = memo(function ParamCharts({ trials, parameters, metricName }: { trials: readonly Trial[]; parameters: readonly string[]; metricName: string }) {
  if (parameters.length === 0) return null;
  return (
    <div className="param-charts" data-testid="param-charts">
      {parameters.map((p) => {
        const { dots, log, ticks } = paramAxis(trials, p);
        return (
          <figure key={p}>
            <figcaption>
              {p} vs best {metricName}
            </figcaption>
            <ScatterChart width={300} height={220} margin={{ top: 8, right: 12, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis
                type="number"
                dataKey="x"
                scale={log ? 'log' : 'auto'}
                domain={ticks ? [-0.5, ticks.length - 0.5] : ['auto', 'auto']}
                ticks={ticks ? ticks.map((_, i) => i) : undefined}
                tickFormatter={(v: number) => (ticks ? (ticks[v] ?? '') : fmt(v))}
              />
              <YAxis type="number" dataKey="y" domain={['auto', 'auto']} tickFormatter={(v: number) => fmt(v)} width={60} />
              <Tooltip formatter={(v) => fmt(v)} />
              {TRIAL_STATUSES.map((status) => {
                const some = dots.filter((d) => d.status === status);
                return some.length > 0 ? <Scatter key={status} name={status} data={some} fill={STATUS_COLORS[status]} isAnimationActive={false} /> : null;
              })}
            </ScatterChart>
          </figure>
        );
      })}
    </div>
  );
});
