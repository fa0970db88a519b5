import { describe, expect, it } from 'vitest';
import type { ParameterSpec } from '@tunelab/config';
import { configuredGoal, MIN_IMPORTANCE_TRIALS, parameterImportance, trialsWithMetric, valueAtStep, type ImportanceTrial } from './importance';
import { createRng } from './rng';
import { sampleParams, type TrialParams } from './space';

/** n completed trials drawn from the space's prior (seeded), valued by f. */
function history(space: Record<string, ParameterSpec>, n: number, f: (p: TrialParams) => number, seed = 1): ImportanceTrial[] {
  return Array.from({ length: n }, (_, i) => {
    const params = sampleParams(space, createRng(seed, i));
    return { params, status: 'completed' as const, value: f(params) };
  });
}

const num = (p: TrialParams, k: string): number => p[k] as number;
const byParam = (r: { importances: { param: string; importance: number }[] }) => Object.fromEntries(r.importances.map((x) => [x.param, x.importance]));
const sumOf = (r: { importances: { importance: number }[] }) => r.importances.reduce((s, x) => s + x.importance, 0);
const minimize = (name = 'val_loss') => ({ name, goal: 'minimize' as const });

const SPACE: Record<string, ParameterSpec> = {
  'model.dropout': { kind: 'uniform', min: 0, max: 0.5 },
  'train.seq_len': { kind: 'int_uniform', min: 32, max: 128 },
  'model.embedding_dim': { kind: 'q_uniform', min: 32, max: 256, q: 32 },
  'train.optimizer.lr': { kind: 'log_uniform_values', min: 1e-4, max: 1e-1 },
  'train.batching': { kind: 'categorical', values: ['stateful', 'shuffled'] },
  'model.layers': { kind: 'categorical', values: [[128], [256], [128, 128]] },
  'train.epochs': { kind: 'constant', value: 3 },
};

describe('parameterImportance (PED-ANOVA)', () => {
  it('ranks first the one parameter that alone decides the metric, normalised and sorted', () => {
    const trials = history(SPACE, 80, (p) => 1 + (num(p, 'model.dropout') - 0.1) ** 2);
    const r = parameterImportance(SPACE, trials, minimize());
    expect(r).toMatchObject({ method: 'ped-anova', metric: 'val_loss', goal: 'minimize', trials: 80 });
    expect(r.reason).toBeUndefined();
    expect(r.importances[0].param).toBe('model.dropout');
    expect(r.importances[0].importance).toBeGreaterThan(0.5);
    expect(sumOf(r)).toBeCloseTo(1, 10);
    for (let i = 1; i < r.importances.length; i++) expect(r.importances[i - 1].importance).toBeGreaterThanOrEqual(r.importances[i].importance);
    expect(r.importances.map((x) => x.param).sort()).toEqual(Object.keys(SPACE).sort());
  });

  it('reads the goal: maximizing a metric that a parameter decides still ranks that parameter first', () => {
    const trials = history(SPACE, 80, (p) => -((num(p, 'train.seq_len') - 40) ** 2));
    const r = parameterImportance(SPACE, trials, { name: 'bar_ok_rate', goal: 'maximize' });
    expect(r.importances[0].param).toBe('train.seq_len');
    // The same values read as "minimize" make the worst seq_len region the top: it is still seq_len that
    // matters, but the top trials are others, so the answer differs.
    const flipped = parameterImportance(SPACE, trials, { name: 'bar_ok_rate', goal: 'minimize' });
    expect(flipped.goal).toBe('minimize');
    expect(flipped.importances).not.toEqual(r.importances);
  });

  it('splits importance between two parameters in their known proportion', () => {
    // The top 10% of max(x/0.2, y/0.5) is exactly the box x < 0.2, y < 0.5 (area 0.1). For a uniform prior
    // and a top density uniform on [0, a], the Pearson divergence is (1 − a)/a: 4 for x, 1 for y, 0 for z.
    const space: Record<string, ParameterSpec> = {
      x: { kind: 'uniform', min: 0, max: 1 },
      y: { kind: 'uniform', min: 0, max: 1 },
      z: { kind: 'uniform', min: 0, max: 1 },
    };
    const trials = history(space, 3000, (p) => Math.max(num(p, 'x') / 0.2, num(p, 'y') / 0.5), 7);
    const r = parameterImportance(space, trials, minimize());
    const imp = byParam(r);
    expect(r.importances.map((x) => x.param)).toEqual(['x', 'y', 'z']);
    expect(imp.x).toBeGreaterThan(0.75);
    expect(imp.x).toBeLessThan(0.85);
    expect(imp.y).toBeGreaterThan(0.15);
    expect(imp.y).toBeLessThan(0.25);
    expect(imp.z).toBeLessThan(0.03);
    expect(imp.x / imp.y).toBeGreaterThan(3);
    expect(imp.x / imp.y).toBeLessThan(5.5);
  });

  it('measures a log-uniform parameter on the log scale', () => {
    // lr's top region is its lowest 30% of decades, x's its lowest 30% of range: on the log scale the two
    // are the same shape and matter equally. On a linear grid every lr below 1e-1 shares the first cell.
    const space: Record<string, ParameterSpec> = {
      x: { kind: 'uniform', min: 0, max: 1 },
      lr: { kind: 'log_uniform_values', min: 1e-4, max: 1 },
    };
    const decade = (p: TrialParams) => (Math.log10(num(p, 'lr')) + 4) / 4;
    const trials = history(space, 2000, (p) => Math.max(num(p, 'x'), decade(p)), 3);
    const imp = byParam(parameterImportance(space, trials, minimize()));
    expect(Math.abs(imp.x - imp.lr)).toBeLessThan(0.05);
  });

  it('handles categorical parameters, including list-valued choices', () => {
    const space: Record<string, ParameterSpec> = {
      'model.layers': { kind: 'categorical', values: [[128], [256], [128, 128]] },
      'train.batching': { kind: 'categorical', values: ['stateful', 'shuffled'] },
      'model.dropout': { kind: 'uniform', min: 0, max: 0.5 },
    };
    const noise = createRng(99);
    const trials = history(space, 60, (p) => (JSON.stringify(p['model.layers']) === '[128,128]' ? 1 : 2) + 0.1 * noise.next());
    const r = parameterImportance(space, trials, minimize());
    expect(r.importances[0].param).toBe('model.layers');
    expect(r.importances[0].importance).toBeGreaterThan(0.6);

    const byBatching = history(space, 60, (p) => (p['train.batching'] === 'shuffled' ? 1 : 2) + 0.1 * noise.next(), 2);
    expect(parameterImportance(space, byBatching, minimize()).importances[0].param).toBe('train.batching');
  });

  it.each(['model.dropout', 'train.seq_len', 'model.embedding_dim', 'train.optimizer.lr', 'train.batching', 'model.layers'])(
    'ranks %s first when it alone decides the metric; the constant gets 0 and comes last',
    (param) => {
      // A score where the parameter's lowest values (first choices) are best, monotone for every kind.
      const spec = SPACE[param];
      const score = (p: TrialParams): number => {
        if (spec.kind === 'categorical') return spec.values.findIndex((v) => JSON.stringify(v) === JSON.stringify(p[param]));
        if (spec.kind === 'log_uniform_values') return Math.log(num(p, param));
        return num(p, param);
      };
      const r = parameterImportance(SPACE, history(SPACE, 100, score, 5), minimize());
      expect(r.importances[0].param).toBe(param);
      expect(r.importances.at(-1)).toEqual({ param: 'train.epochs', importance: 0 });
      expect(sumOf(r)).toBeCloseTo(1, 10);
    },
  );

  it(`answers importances [] and a reason below ${MIN_IMPORTANCE_TRIALS} completed trials with a value`, () => {
    const done = history(SPACE, 4, (p) => num(p, 'model.dropout'));
    const others: ImportanceTrial[] = [
      { ...done[0], status: 'failed' },
      { ...done[0], status: 'pruned' },
      { ...done[0], status: 'running' },
      { ...done[0], value: undefined },
      { ...done[0], value: null },
      { ...done[0], value: Number.NaN },
      // A value that is none of the choices (the space changed after it ran) cannot be placed.
      { ...done[0], params: { ...done[0].params, 'train.batching': 'bptt' } },
    ];
    const r = parameterImportance(SPACE, [...done, ...others], minimize());
    expect(r).toEqual({
      method: 'ped-anova',
      metric: 'val_loss',
      goal: 'minimize',
      trials: 4,
      importances: [],
      reason: 'importance needs at least 5 completed trials with a value for val_loss; there are 4',
    });
    const five = parameterImportance(SPACE, [...done, { ...done[1] }], minimize());
    expect(five.trials).toBe(5);
    expect(five.reason).toBeUndefined();
    expect(five.importances).toHaveLength(Object.keys(SPACE).length);
  });

  it('says so when nothing is searched, and shares equally when the top trials look like all of them', () => {
    const constants: Record<string, ParameterSpec> = { a: { kind: 'constant', value: 1 }, b: { kind: 'categorical', values: ['only'] } };
    const flat = parameterImportance(constants, history(constants, 6, () => 1), minimize());
    expect(flat.importances).toEqual([]);
    expect(flat.reason).toMatch(/searches no parameter/);

    // Every trial ties, so every trial is a top trial: no parameter tells them apart.
    const tie = parameterImportance(SPACE, history(SPACE, 10, () => 1), minimize());
    const searched = tie.importances.filter((x) => x.param !== 'train.epochs');
    for (const x of searched) expect(x.importance).toBeCloseTo(1 / 6, 10);
  });

  it('is deterministic: the same trials give the same importances', () => {
    const trials = history(SPACE, 40, (p) => num(p, 'train.seq_len') + num(p, 'model.dropout') * 100);
    expect(parameterImportance(SPACE, trials, minimize())).toEqual(parameterImportance(SPACE, [...trials], minimize()));
  });
});

describe('valueAtStep, trialsWithMetric, configuredGoal', () => {
  const points = [
    { step: 2, value: 0.5 },
    { step: 4, value: 0.7 },
    { step: 4, value: 0.75 },
    { step: 6, value: Number.NaN },
  ];
  it('takes the last finite report of exactly that step, else null (as pareto.ts objectiveVector)', () => {
    expect(valueAtStep(points, 2)).toBe(0.5);
    expect(valueAtStep(points, 4)).toBe(0.75);
    expect(valueAtStep(points, 5)).toBeNull();
    expect(valueAtStep(points, 6)).toBeNull();
    expect(valueAtStep(points, null)).toBeNull();
    expect(valueAtStep(undefined, 2)).toBeNull();
  });

  it('values a trial by its best value for the sweep metric, else by the other metric at its best step', () => {
    const rows = [
      { id: 't0', status: 'completed' as const, params: { a: 1 }, bestValue: 1.5, bestStep: 3 },
      { id: 't1', status: 'failed' as const, params: { a: 2 }, bestValue: null, bestStep: null },
    ];
    expect(trialsWithMetric(rows, 'val_loss', 'val_loss')).toEqual([
      { params: { a: 1 }, status: 'completed', value: 1.5 },
      { params: { a: 2 }, status: 'failed', value: null },
    ]);
    expect(trialsWithMetric(rows, 'bar_ok_rate', 'val_loss', { t0: points }).map((t) => t.value)).toEqual([null, null]);
    expect(trialsWithMetric([{ ...rows[0], bestStep: 2 }], 'bar_ok_rate', 'val_loss', { t0: points })[0].value).toBe(0.5);
  });

  it("finds a metric's goal among the sweep's objectives", () => {
    const single = { metric: { name: 'val_loss', goal: 'minimize' as const } };
    const two = { metric: single.metric, objectives: [single.metric, { name: 'bar_ok_rate', goal: 'maximize' as const }] };
    expect(configuredGoal(single, 'val_loss')).toBe('minimize');
    expect(configuredGoal(single, 'bar_ok_rate')).toBeUndefined();
    expect(configuredGoal(two, 'bar_ok_rate')).toBe('maximize');
    expect(configuredGoal(two, 'val_loss')).toBe('minimize');
  });
});
