import { describe, expect, it } from 'vitest';
import { gridPoints as configGridPoints, type ParameterSpec } from '@tunelab/config';
import { createRng } from './rng';
import { discreteValues, gridPointAt, gridPoints, paramsKey, sampleParameter, spaceSize } from './space';

describe('rng', () => {
  it('is a pure function of its seed parts', () => {
    const a = createRng(42, 7, 11);
    const b = createRng(42, 7, 11);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(createRng(42, 8, 11).next()).not.toBe(xs[0]);
    expect(createRng(43, 7, 11).next()).not.toBe(xs[0]);
  });

  it('draws uniform numbers and bounded integers', () => {
    const r = createRng(1);
    let sum = 0;
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      const u = r.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      counts[r.int(0, 2)]++;
    }
    expect(sum / 3000).toBeCloseTo(0.5, 1);
    for (const c of counts) expect(c).toBeGreaterThan(900);
  });
});

describe('grid', () => {
  const params: Record<string, ParameterSpec> = {
    a: { kind: 'categorical', values: [1, 2] },
    b: { kind: 'constant', value: 'x' },
    c: { kind: 'int_uniform', min: 0, max: 2 },
  };

  it('is the cartesian product, first parameter slowest, values in listed order', () => {
    expect(gridPoints(params)).toEqual([
      { a: 1, b: 'x', c: 0 },
      { a: 1, b: 'x', c: 1 },
      { a: 1, b: 'x', c: 2 },
      { a: 2, b: 'x', c: 0 },
      { a: 2, b: 'x', c: 1 },
      { a: 2, b: 'x', c: 2 },
    ]);
    expect(spaceSize(params)).toBe(6);
    expect(() => gridPointAt(params, 6)).toThrow(/grid index/);
  });

  it("matches @tunelab/config's gridPoints order for every finite kind", () => {
    const discrete: Record<string, ParameterSpec> = {
      x: { kind: 'categorical', values: [[128], [256, 256]] },
      y: { kind: 'constant', value: 0.2 },
      z: { kind: 'categorical', values: ['adam', 'sgd', 'rmsprop'] },
      n: { kind: 'int_uniform', min: 1, max: 3 },
      q: { kind: 'q_uniform', min: 0, max: 0.5, q: 0.25 },
    };
    expect(gridPoints(discrete)).toEqual(configGridPoints(discrete));
    expect(spaceSize(discrete)).toBe(2 * 3 * 3 * 3);
  });

  it('decodes a point of a wide grid without listing it', () => {
    const wide: Record<string, ParameterSpec> = { a: { kind: 'int_uniform', min: 0, max: 1e9 }, b: { kind: 'categorical', values: ['x', 'y'] } };
    expect(spaceSize(wide)).toBe(2 * (1e9 + 1));
    expect(gridPointAt(wide, 2 * 123_456_789 + 1)).toEqual({ a: 123_456_789, b: 'y' });
  });

  it('hands out copies: a list value changed by one trial does not change the grid', () => {
    const lists: Record<string, ParameterSpec> = { layers: { kind: 'categorical', values: [[128], [256]] } };
    (gridPointAt(lists, 0).layers as number[]).push(1);
    expect(gridPointAt(lists, 0)).toEqual({ layers: [128] });
  });

  it('enumerates q_uniform from min in steps of q, without float noise', () => {
    expect(discreteValues({ kind: 'q_uniform', min: 0.1, max: 0.55, q: 0.1 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
  });

  it('refuses continuous parameters, naming them', () => {
    expect(() => gridPoints({ ...params, lr: { kind: 'log_uniform_values', min: 1e-4, max: 1e-2 } })).toThrow(
      'Grid search needs discrete parameters, but lr is log_uniform_values',
    );
    expect(spaceSize({ lr: { kind: 'uniform', min: 0, max: 1 } })).toBe(Infinity);
  });
});

describe('paramsKey', () => {
  it('ignores key order at every level', () => {
    expect(paramsKey({ a: 1, b: { y: [1, 2], x: null } })).toBe(paramsKey({ b: { x: null, y: [1, 2] }, a: 1 }));
    expect(paramsKey({ a: 1 })).not.toBe(paramsKey({ a: '1' }));
  });
});

describe('sampleParameter', () => {
  const rng = createRng(3);
  const draws = (spec: ParameterSpec, n = 2000) => Array.from({ length: n }, () => sampleParameter(spec, rng) as number);

  it('keeps every kind in bounds, integers integral and quantized values on the grid', () => {
    for (const x of draws({ kind: 'int_uniform', min: -2, max: 3 })) {
      expect(Number.isInteger(x) && x >= -2 && x <= 3).toBe(true);
    }
    const q = draws({ kind: 'q_uniform', min: 0.05, max: 0.5, q: 0.05 });
    for (const x of q) {
      expect(x).toBeGreaterThanOrEqual(0.05);
      expect(x).toBeLessThanOrEqual(0.5);
      expect(Math.abs(x / 0.05 - Math.round(x / 0.05))).toBeLessThan(1e-9);
    }
    expect(new Set(q).size).toBe(10);
    for (const x of draws({ kind: 'uniform', min: 2, max: 3 })) expect(x >= 2 && x <= 3).toBe(true);
    expect(sampleParameter({ kind: 'constant', value: [1, 'a'] }, rng)).toEqual([1, 'a']);
  });

  it('draws log_uniform_values uniformly in log space', () => {
    const xs = draws({ kind: 'log_uniform_values', min: 1e-5, max: 1e-1 });
    for (const x of xs) expect(x >= 1e-5 && x <= 1e-1).toBe(true);
    // Half of the mass lies below the geometric mean 1e-3 (a linear draw would put 1 % there).
    const below = xs.filter((x) => x < 1e-3).length / xs.length;
    expect(below).toBeGreaterThan(0.45);
    expect(below).toBeLessThan(0.55);
  });
});
