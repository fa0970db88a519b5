import { describe, expect, it } from 'vitest';
import { ashaRungIndex, ashaRungs, shouldPrune, type PruneTrial } from './early-terminate';

const curve = (id: string, status: PruneTrial['status'], values: Record<number, number>): PruneTrial => ({
  id,
  status,
  intermediate: Object.entries(values).map(([step, value]) => ({ step: Number(step), value })),
});

describe('ASHA rungs', () => {
  it('are min_iter · eta^k below max_iter', () => {
    expect(ashaRungs({ min_iter: 1, eta: 2, max_iter: 10 })).toEqual([1, 2, 4, 8]);
    expect(ashaRungs({ min_iter: 2, eta: 3, max_iter: 54 })).toEqual([2, 6, 18]);
    expect(ashaRungs({ min_iter: 3, eta: 2 }, 30)).toEqual([3, 6, 12, 24]);
    expect([1, 2, 3, 4, 8, 10, 16].map((s) => ashaRungIndex({ min_iter: 1, eta: 2, max_iter: 10 }, s))).toEqual([0, 1, null, 2, 3, null, null]);
    expect(ashaRungIndex({ min_iter: 2, eta: 3 }, 162)).toBe(4);
    expect(() => ashaRungs({ min_iter: 0, eta: 2 })).toThrow('Expected asha min_iter to be a positive integer, but got 0');
    expect(() => ashaRungs({ min_iter: 1, eta: 1 })).toThrow(/eta/);
  });
});

describe('ASHA decisions', () => {
  const rule = { type: 'asha' as const, min_iter: 1, eta: 2, max_iter: 100 };
  const rung4 = [
    curve('a', 'completed', { 4: 1.2 }),
    curve('b', 'pruned', { 4: 1.71 }),
    curve('c', 'running', { 4: 2.0 }),
    curve('d', 'running', { 4: 2.5 }),
    curve('x', 'running', { 1: 3, 2: 2.5, 4: 1.93 }),
  ];

  it('prunes a trial outside the top 1/eta of the values at its rung, saying why', () => {
    expect(shouldPrune(rule, 'minimize', 'x', 4, rung4)).toEqual({
      prune: true,
      rule: 'asha',
      rung: 2,
      threshold: 1.71,
      reason: 'asha: rung 2 (step 4): 1.93 not in top 1/2 of 5 (cutoff 1.71)',
    });
    const b = shouldPrune(rule, 'minimize', 'b', 4, rung4);
    expect(b.prune).toBe(false);
    expect(b.reason).toBe('asha: rung 2 (step 4): 1.71 in top 1/2 of 5 (cutoff 1.71)');
  });

  it('respects maximize', () => {
    // Top 2 of 5 by largest: 2.5, 2.0 → cutoff 2.0.
    expect(shouldPrune(rule, 'maximize', 'x', 4, rung4)).toMatchObject({ prune: true, threshold: 2.0 });
    expect(shouldPrune(rule, 'maximize', 'c', 4, rung4)).toMatchObject({ prune: false, threshold: 2.0 });
  });

  it('continues while a rung holds fewer than eta values, and off the rungs', () => {
    const first = [curve('x', 'running', { 1: 5 })];
    expect(shouldPrune({ ...rule, eta: 3 }, 'minimize', 'x', 1, [...first, curve('y', 'running', { 1: 1 })])).toMatchObject({
      prune: false,
      reason: 'asha: rung 0 (step 1): 2 of 3 values needed to compare; continue',
    });
    expect(shouldPrune(rule, 'minimize', 'x', 3, rung4)).toMatchObject({ prune: false, reason: 'asha: step 3 is not a rung' });
    expect(shouldPrune({ ...rule, max_iter: 4 }, 'minimize', 'x', 4, rung4).prune).toBe(false);
  });

  it('is asynchronous: a later trial meets everything recorded at the rung, whoever recorded it', () => {
    // Three trials at rung 0; the fourth, slightly worse than the median, arrives later.
    const h = [curve('a', 'pruned', { 1: 1 }), curve('b', 'completed', { 1: 2 }), curve('c', 'running', { 1: 3 })];
    expect(shouldPrune(rule, 'minimize', 'late', 1, [...h, curve('late', 'running', { 1: 2.5 })])).toMatchObject({
      prune: true,
      reason: 'asha: rung 0 (step 1): 2.5 not in top 1/2 of 4 (cutoff 2)',
    });
    expect(shouldPrune(rule, 'minimize', 'late', 1, [...h, curve('late', 'running', { 1: 2 })]).prune).toBe(false);
  });
});

describe('median stopping', () => {
  const rule = { type: 'median' as const, min_iter: 2, warmup_trials: 2 };
  const done = [
    curve('a', 'completed', { 1: 3.0, 2: 2.0, 3: 1.0 }), // running average at 2: 2.5
    curve('b', 'completed', { 1: 2.0, 2: 1.0, 3: 0.5 }), // 1.5
    curve('c', 'completed', { 1: 4.0, 2: 3.5 }), // 3.75
    curve('r', 'running', { 1: 0.1, 2: 0.1 }), // not completed: ignored
  ];

  it("prunes when the trial's best is worse than the median of completed trials' running averages", () => {
    const x = curve('x', 'running', { 1: 2.8, 2: 2.6 });
    expect(shouldPrune(rule, 'minimize', 'x', 2, [...done, x])).toEqual({
      prune: true,
      rule: 'median',
      threshold: 2.5,
      reason: "median: step 2: best 2.6 worse than median 2.5 of 3 completed trials' running averages",
    });
    const y = curve('y', 'running', { 1: 2.4, 2: 2.7 });
    expect(shouldPrune(rule, 'minimize', 'y', 2, [...done, y]).prune).toBe(false);
    // Optuna's statistic (values at the step: median of 2.0, 1.0, 3.5 = 2.0) is stricter here.
    expect(shouldPrune(rule, 'minimize', 'y', 2, [...done, y], { medianStatistic: 'value' })).toMatchObject({ prune: true, threshold: 2 });
  });

  it('waits for warmup_trials completed trials and for min_iter', () => {
    const x = curve('x', 'running', { 1: 9, 2: 9 });
    expect(shouldPrune(rule, 'minimize', 'x', 2, [done[0], done[3], x])).toMatchObject({
      prune: false,
      reason: 'median: 1 of 2 warmup trials completed',
    });
    expect(shouldPrune(rule, 'minimize', 'x', 1, [...done, x])).toMatchObject({ prune: false, reason: 'median: step 1 before min_iter 2' });
  });

  it('respects maximize', () => {
    const x = curve('x', 'running', { 1: 2.8, 2: 2.6 });
    expect(shouldPrune(rule, 'maximize', 'x', 2, [...done, x]).prune).toBe(false);
    const low = curve('low', 'running', { 1: 0.5, 2: 0.7 });
    expect(shouldPrune(rule, 'maximize', 'low', 2, [...done, low]).prune).toBe(true);
  });

  it('never prunes without a rule', () => {
    expect(shouldPrune(undefined, 'minimize', 'x', 5, [])).toEqual({ prune: false, rule: 'none', reason: 'no early_terminate rule' });
  });
});

describe('ASHA on characters trained on', () => {
  const rule = { type: 'asha' as const, resource: 'characters' as const, min_resource: 1000, eta: 2 };
  /** A trial whose epochs train on `perEpoch` characters, with these values per epoch. */
  const run = (id: string, status: PruneTrial['status'], perEpoch: number, values: number[]): PruneTrial => ({
    id,
    status,
    intermediate: values.map((value, i) => ({ step: i + 1, value, resource: (i + 1) * perEpoch })),
  });

  it('judges a trial where its characters first reach a rung, against others at that rung, whatever their epoch', () => {
    // a and b train on 4× the characters per epoch of x: their rung-0 value (1000 chars) is at epoch 1,
    // x's at epoch 4.
    const history = [run('a', 'completed', 1000, [1.0, 0.9]), run('b', 'running', 1000, [1.5]), run('x', 'running', 250, [3, 2.5, 2.2, 2.0])];
    expect(shouldPrune(rule, 'minimize', 'x', 3, history)).toMatchObject({ prune: false, reason: 'asha: step 3 (750 characters) reaches no new rung' });
    expect(shouldPrune(rule, 'minimize', 'x', 4, history)).toEqual({
      prune: true,
      rule: 'asha',
      rung: 0,
      threshold: 1.0,
      reason: 'asha: rung 0 (1000 characters): 2 not in top 1/2 of 3 (cutoff 1)',
    });
    // An epoch that passes two rungs is judged at each; rung 1 (2000 characters) has a's 0.9 and b's nothing.
    expect(shouldPrune(rule, 'minimize', 'a', 2, history)).toMatchObject({ prune: false, rung: 1 });
  });

  it('keeps early trials going until eta values share a rung, and skips steps without a character count', () => {
    expect(shouldPrune(rule, 'minimize', 'x', 1, [run('x', 'running', 1000, [9])])).toMatchObject({ prune: false, reason: 'asha: rung 0 (1000 characters): 1 of 2 values needed to compare; continue' });
    const bare: PruneTrial = { id: 'y', status: 'running', intermediate: [{ step: 1, value: 2 }] };
    expect(shouldPrune(rule, 'minimize', 'y', 1, [bare]).prune).toBe(false);
  });
});
