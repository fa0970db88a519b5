import { memo } from 'react';
import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { SweepDetail } from '../../api/schemas';
import { fmt } from '../format';

type Objective = SweepDetail['objectives'][number];
type Vector = SweepDetail['objectiveVectors'][number];

interface Dot {
  x: number;
  y: number;
  trial: string;
  label: string;
}

const FRONT_COLOR = '#d81b60';
const OTHER_COLOR = '#90a4ae';

/** An objective's name with which way is better, for axes. */
const axisName = (o: Objective) => `${o.name} ${o.goal === 'minimize' ? '↓' : '↑'}`;

/**
 * One pair of objectives: the completed trials with both values, front members apart (the server's front,
 * @tunelab/sweep's paretoFront; nothing is decided here). `join` draws the front as a line in x order: with
 * exactly two objectives the front is a chain of trade-offs; with more, a pair's projection is not.
 */
function PairChart({ vectors, front, x, y, join, width, height }: { vectors: readonly Vector[]; front: ReadonlySet<string>; x: Objective; y: Objective; join: boolean; width: number; height: number }) {
  const dots = (members: boolean): Dot[] =>
    vectors
      .filter((v) => front.has(v.trialId) === members && v.values[x.name] != null && v.values[y.name] != null)
      .map((v) => ({ x: v.values[x.name]!, y: v.values[y.name]!, trial: v.trialId, label: `#${v.number}` }))
      .sort((a, b) => a.x - b.x || a.y - b.y);
  return (
    <ScatterChart width={width} height={height} margin={{ top: 8, right: 12, bottom: 24, left: 8 }}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis type="number" dataKey="x" name={x.name} domain={['auto', 'auto']} tickFormatter={(v: number) => fmt(v)} label={{ value: axisName(x), position: 'insideBottom', offset: -12 }} />
      <YAxis type="number" dataKey="y" name={y.name} domain={['auto', 'auto']} tickFormatter={(v: number) => fmt(v)} width={64} label={{ value: axisName(y), angle: -90, position: 'insideLeft' }} />
      <Tooltip formatter={(v) => fmt(v)} labelFormatter={() => ''} />
      <Scatter name="dominated" className="pareto-others" data={dots(false)} fill={OTHER_COLOR} isAnimationActive={false} />
      <Scatter
        name="Pareto front"
        className="pareto-front"
        data={dots(true)}
        fill={FRONT_COLOR}
        shape="diamond"
        line={join ? { stroke: FRONT_COLOR, strokeWidth: 2 } : false}
        isAnimationActive={false}
      />
    </ScatterChart>
  );
}

export interface ParetoChartProps {
  objectives: readonly Objective[];
  /** Every trial's objective vector (the sweep route's objectiveVectors); only completed trials are drawn. */
  vectors: readonly Vector[];
  pareto: readonly string[];
}

/**
 * The Pareto front of a multi-objective sweep: two objectives as one scatter with the front joined, more as
 * the pairwise scatter matrix (front members marked in every cell). Completed trials only, as the front is.
 */
export const ParetoChart = memo(function ParetoChart({ objectives, vectors, pareto }: ParetoChartProps) {
  const front = new Set(pareto);
  const completed = vectors.filter((v) => v.status === 'completed');
  const caption = (
    <figcaption>
      {pareto.length} of {completed.length} completed trials on the front <span className="pareto-key">◆ front</span> <span className="muted">● dominated</span>
    </figcaption>
  );
  if (objectives.length < 2) return null;
  if (objectives.length === 2) {
    return (
      <figure className="pareto" data-testid="pareto">
        {caption}
        <PairChart vectors={completed} front={front} x={objectives[0]} y={objectives[1]} join width={560} height={360} />
      </figure>
    );
  }
  return (
    <figure className="pareto" data-testid="pareto">
      {caption}
      <div className="pareto-matrix" style={{ gridTemplateColumns: `repeat(${objectives.length}, 220px)` }}>
        {objectives.map((row, i) =>
          objectives.map((col, j) =>
            i === j ? (
              <div key={`${i}-${j}`} className="pareto-diagonal">
                {axisName(row)}
              </div>
            ) : (
              <div key={`${i}-${j}`} data-testid="pareto-cell">
                <PairChart vectors={completed} front={front} x={col} y={row} join={false} width={220} height={200} />
              </div>
            ),
          ),
        )}
      </div>
    </figure>
  );
});
