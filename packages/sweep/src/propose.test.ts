import { describe, expect, it } from 'vitest';
import type { ParameterSpec } from '@tunelab/config';
import type { TrialRecord } from './history';
import { proposeBatch, proposeNext, type Proposal, type SearchConfig } from './propose';
import { gridPoints, paramsKey, type TrialParams } from './space';
import { runSynthetic, syntheticObjective, syntheticParameters } from './tpe/synthetic';

const discrete: Record<string, ParameterSpec> = {
  'model.cell': { kind: 'categorical', values: ['lstm', 'gru', 'rnn'] },
  'train.batch_size': { kind: 'int_uniform', min: 1, max: 2 },
  'model.dropout': { kind: 'q_uniform', min: 0, max: 0.2, q: 0.2 },
};

function config(method: SearchConfig['method'], run_cap: number, parameters = discrete, seed = 1): SearchConfig {
  return { method, metric: { name: 'val_loss', goal: 'minimize' }, run_cap, seed, parameters };
}

/** Propose until exhausted, recording each trial as completed with the objective's value. */
function runAll(
  c: SearchConfig,
  objective: (p: TrialParams) => number = (p) => paramsKey(p).length,
): { params: TrialParams[]; sources: string[]; history: TrialRecord[]; end: Proposal } {
  const history: TrialRecord[] = [];
  const sources: string[] = [];
  for (;;) {
    const p = proposeNext(c, history);
    if (p.kind === 'exhausted') return { params: history.map((t) => t.params), sources, history, end: p };
    expect(p.index).toBe(history.length);
    sources.push(p.source);
    history.push({ params: p.params, status: 'completed', value: objective(p.params) });
  }
}

describe('grid search', () => {
  it('proposes the grid in order and reports exhaustion', () => {
    const { params, end } = runAll(config('grid', 100));
    expect(params).toEqual(gridPoints(discrete));
    expect(params).toHaveLength(12);
    expect(end).toEqual({ kind: 'exhausted', index: 12, reason: 'all 12 configurations of the search space tried' });
  });

  it('is capped by run_cap', () => {
    const { params, end } = runAll(config('grid', 5));
    expect(params).toEqual(gridPoints(discrete).slice(0, 5));
    expect(end.kind === 'exhausted' && end.reason).toBe('run_cap 5 reached');
  });

  it('skips points already in the history, wherever they are', () => {
    const grid = gridPoints(discrete);
    const p = proposeNext(config('grid', 100), [{ params: grid[0], status: 'failed' }, { params: grid[2], status: 'running' }]);
    expect(p).toEqual({ kind: 'trial', index: 2, params: grid[1], source: 'grid' });
  });
});

describe('random search', () => {
  it('is deterministic in the seed and differs between seeds', () => {
    const c = config('random', 30, syntheticParameters, 7);
    expect(runAll(c).params).toEqual(runAll(c).params);
    expect(runAll(config('random', 30, syntheticParameters, 8)).params).not.toEqual(runAll(c).params);
  });

  it('never repeats a configuration and stops when a discrete space is used up', () => {
    for (const seed of [1, 2, 3]) {
      const { params, end } = runAll(config('random', 50, discrete, seed));
      expect(params).toHaveLength(12);
      expect(new Set(params.map(paramsKey)).size).toBe(12);
      expect(end.kind).toBe('exhausted');
    }
  });

  it('does not depend on earlier trials’ results or statuses (each trial has its own stream)', () => {
    const c = config('random', 30, syntheticParameters, 5);
    const { params } = runAll(c);
    const other: TrialRecord[] = params.slice(0, 10).map((p) => ({ params: p, status: 'failed' }));
    const p = proposeNext(c, other);
    expect(p.kind === 'trial' && p.params).toEqual(params[10]);
  });
});

describe('resume determinism', () => {
  for (const method of ['grid', 'random', 'bayes'] as const) {
    it(`${method}: a resumed sweep proposes what the uninterrupted one did`, () => {
      const c = config(method, 16, method === 'grid' ? discrete : syntheticParameters, 3);
      const full = runAll(c, method === 'grid' ? undefined : syntheticObjective).history;
      expect(full.length).toBeGreaterThan(10);
      // Resume after each prefix, from the history as a store would reload it.
      for (let k = 0; k < full.length; k++) {
        const reloaded = JSON.parse(JSON.stringify(full.slice(0, k))) as TrialRecord[];
        const p = proposeNext(c, reloaded);
        expect(p.kind === 'trial' && p.params).toEqual(full[k].params);
      }
    });
  }
});

describe('bayes', () => {
  it('runs the startup trials at random, then TPE', () => {
    const c = config('bayes', 20, syntheticParameters, 1);
    const history: TrialRecord[] = [];
    const sources: string[] = [];
    for (let i = 0; i < 20; i++) {
      const p = proposeNext(c, history);
      if (p.kind !== 'trial') throw new Error('exhausted early');
      sources.push(p.source);
      history.push({ params: p.params, status: 'completed', value: i });
    }
    // run_cap 20 → 5 startup trials (min(10, max(2, 20 / 4))).
    expect(sources).toEqual([...new Array(5).fill('tpe-startup'), ...new Array(15).fill('tpe')]);
    expect(runAll(c).params.slice(0, 5)).toEqual(runAll(config('random', 20, syntheticParameters, 1)).params.slice(0, 5));
  });

  it('startup counts only finished trials, so in-flight trials keep it random', () => {
    const c = config('bayes', 40, syntheticParameters, 1);
    const running = runAll(config('random', 20, syntheticParameters, 9)).params.map((params) => ({ params, status: 'running' as const }));
    const p = proposeNext(c, running);
    expect(p.kind === 'trial' && p.source).toBe('tpe-startup');
  });

  it('maximize is minimize of the negated metric', () => {
    for (const seed of [1, 2]) {
      const min = runSynthetic('bayes', seed, 25, 'minimize').history.map((t) => t.params);
      const max = runSynthetic('bayes', seed, 25, 'maximize').history.map((t) => t.params);
      expect(max).toEqual(min);
    }
  });

  it('falls back to unseen random points when a small discrete space makes TPE repeat itself', () => {
    const { params, sources, end } = runAll(config('bayes', 40, discrete, 4));
    expect(sources).toContain('tpe-fallback');
    expect(params).toHaveLength(12);
    expect(new Set(params.map(paramsKey)).size).toBe(12);
    expect(end.kind).toBe('exhausted');
  });
});

describe('proposeBatch', () => {
  it('equals proposing one by one with the earlier ones queued', () => {
    const c = config('random', 10, syntheticParameters, 2);
    const batch = proposeBatch(c, [], 4);
    const one: TrialRecord[] = [];
    for (const b of batch) {
      const p = proposeNext(c, one);
      expect(p).toEqual(b);
      if (p.kind === 'trial') one.push({ params: p.params, status: 'queued' });
    }
    expect(batch).toHaveLength(4);
    expect(proposeBatch(c, one, 20)).toHaveLength(7); // 6 trials up to run_cap, then the exhaustion
  });
});
