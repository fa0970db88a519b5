import { memo } from 'react';
import type { Trial } from '../../api/schemas';
import { fmt } from '../format';

interface Axis {
  name: string;
  /** Value → 0 (bottom) … 1 (top); null when the trial has no value on this axis. */
  position(t: Trial): number | null;
  ticks: { at: number; label: string }[];
}

function axisFor(name: string, values: (t: Trial) => unknown, trials: readonly Trial[]): Axis {
  const present = trials.map(values).filter((v) => v !== undefined && v !== null);
  if (present.length > 0 && present.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const xs = present as number[];
    const log = xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) >= 20;
    const f = (x: number) => (log ? Math.log10(x) : x);
    const lo = Math.min(...xs.map(f));
    const hi = Math.max(...xs.map(f));
    const span = hi - lo || 1;
    const position = (t: Trial) => {
      const v = values(t);
      return typeof v === 'number' && Number.isFinite(v) ? (f(v) - lo) / span : null;
    };
    const ticks = [0, 0.5, 1].map((at) => ({ at, label: fmt(log ? 10 ** (lo + at * span) : lo + at * span) }));
    return { name, position, ticks };
  }
  const labels = [...new Set(present.map((v) => fmt(v)))].sort();
  const at = (label: string) => (labels.length === 1 ? 0.5 : labels.indexOf(label) / (labels.length - 1));
  return {
    name,
    position: (t) => {
      const v = values(t);
      return v === undefined || v === null ? null : at(fmt(v));
    },
    ticks: labels.map((label) => ({ at: at(label), label })),
  };
}

/** Blue (best) → red (worst) along the metric. */
function colorAt(x: number): string {
  return `hsl(${Math.round(220 - 220 * x)}, 70%, 45%)`;
}

export interface ParallelCoordinatesProps {
  trials: readonly Trial[];
  parameters: readonly string[];
  metricName: string;
  goal: 'minimize' | 'maximize';
  width?: number;
  height?: number;
}

/**
 * Every trial as a line across one axis per hyperparameter and a last axis for its best metric, coloured
 * from best (blue) to worst (red): which regions of the search space lead to good runs, at a glance.
 */
export const ParallelCoordinates = memo(function ParallelCoordinates({ trials, parameters, metricName, goal, width = 900, height = 260 }: ParallelCoordinatesProps) {
  const scored = trials.filter((t) => t.bestValue !== null);
  const axes = [...parameters.map((p) => axisFor(p, (t) => t.params[p], scored)), axisFor(metricName, (t) => t.bestValue, scored)];
  const metricAxis = axes[axes.length - 1];
  const pad = { left: 40, right: 60, top: 24, bottom: 24 };
  const x = (i: number) => pad.left + (axes.length === 1 ? 0 : (i * (width - pad.left - pad.right)) / (axes.length - 1));
  const y = (p: number) => height - pad.bottom - p * (height - pad.top - pad.bottom);
  return (
    <svg width={width} height={height} data-testid="parallel-coordinates" role="img" aria-label={`parameters against ${metricName}`}>
      {scored.map((t) => {
        const points = axes.map((a, i) => {
          const p = a.position(t);
          return p === null ? null : `${x(i)},${y(p)}`;
        });
        if (points.some((p) => p === null)) return null;
        const m = metricAxis.position(t) ?? 0;
        const goodness = goal === 'minimize' ? m : 1 - m;
        return (
          <polyline key={t.id} points={points.join(' ')} fill="none" stroke={colorAt(goodness)} strokeOpacity={0.6} strokeWidth={1.5}>
            <title>{`${t.id}: ${metricName} ${fmt(t.bestValue)}`}</title>
          </polyline>
        );
      })}
      {axes.map((a, i) => (
        <g key={a.name}>
          <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} stroke="#455a64" />
          <text x={x(i)} y={12} textAnchor="middle" fontSize={11}>
            {a.name.split('.').slice(-1)[0]}
          </text>
          {a.ticks.map((tk) => (
            <text key={tk.label + tk.at} x={x(i) + 4} y={y(tk.at) + 4} fontSize={10} fill="#555">
              {tk.label}
            </text>
          ))}
        </g>
      ))}
    </svg>
  );
});
