import { memo, useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { Point } from '../../api/schemas';
import { allPositive, smooth } from '../curves';
import { fmt } from '../format';

export interface Curve {
  key: string;
  label: string;
  color: string;
  points: readonly Point[];
}

export interface CurvesChartProps {
  curves: readonly Curve[];
  metricNames: readonly string[];
  metric: string;
  onMetric(name: string): void;
  width?: number;
  height?: number;
}

/** Overlaid learning curves with a metric picker, EMA smoothing and a log scale. Pure: data in, SVG out. */
export const CurvesChart = memo(function CurvesChart({ curves, metricNames, metric, onMetric, width = 900, height = 320 }: CurvesChartProps) {
  const [smoothing, setSmoothing] = useState(0);
  const [log, setLog] = useState(false);
  const data = useMemo(
    () => curves.map((c) => ({ ...c, data: smooth(c.points, smoothing).map(([step, value]) => ({ step, value })) })),
    [curves, smoothing],
  );
  const logOk = allPositive(curves.map((c) => c.points));
  const points = curves.reduce((n, c) => n + c.points.length, 0);
  return (
    <div className="curves" data-testid="curves">
      <div className="controls">
        <label>
          metric{' '}
          <select aria-label="metric" value={metric} onChange={(e) => onMetric(e.target.value)}>
            {metricNames.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          smoothing{' '}
          <input type="range" aria-label="smoothing" min={0} max={0.95} step={0.05} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />{' '}
          {smoothing.toFixed(2)}
        </label>
        <label>
          <input type="checkbox" aria-label="log scale" checked={log && logOk} disabled={!logOk} onChange={(e) => setLog(e.target.checked)} /> log scale
        </label>
        <span className="muted" data-testid="curve-count">
          {curves.length} curves, {points} points
        </span>
      </div>
      {curves.length === 0 ? (
        <p className="muted">Tick trials in the table to see their curves.</p>
      ) : (
        <>
        <LineChart width={width} height={height} margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" dataKey="step" domain={['dataMin', 'dataMax']} allowDuplicatedCategory={false} label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }} />
          <YAxis type="number" scale={log && logOk ? 'log' : 'auto'} domain={['auto', 'auto']} tickFormatter={(v: number) => fmt(v)} width={70} />
          <Tooltip formatter={(v) => fmt(v)} labelFormatter={(s) => `step ${s}`} />
          {data.map((c) => (
            <Line key={c.key} data={c.data} dataKey="value" name={c.label} stroke={c.color} dot={false} isAnimationActive={false} connectNulls={false} />
          ))}
        </LineChart>
        {/* An HTML legend: recharts' <Legend> measures itself with a forced layout of the whole page. */}
        <ul className="legend">
          {curves.map((c) => (
            <li key={c.key}>
              <span className="swatch" style={{ background: c.color }} /> {c.label}
            </li>
          ))}
        </ul>
        </>
      )}
    </div>
  );
});
