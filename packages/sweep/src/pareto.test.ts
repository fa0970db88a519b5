import { describe, expect, it } from 'vitest';
import {
  dominates,
  hypervolume,
  nonDominatedRanks,
  objectiveVector,
  paretoFront,
  selectByHypervolume,
  splitNonDominated,
  type Goal,
} from './pareto';
import { createRng, type Rng } from './rng';

/** Brute force, written apart from dominates(): i is beaten when some j is no worse everywhere and better once. */
function bruteFront(vectors: readonly ((number | null)[] | null)[], goals: readonly Goal[]): number[] {
  const sign = goals.map((g) => (g === 'maximize' ? -1 : 1));
  const full = (v: (number | null)[] | null): v is number[] => !!v && v.every((x) => x !== null && Number.isFinite(x));
  const out: number[] = [];
  vectors.forEach((a, i) => {
    if (!full(a)) return;
    const beaten = vectors.some((b) => {
      if (!full(b)) return false;
      const noWorse = b.every((x, k) => sign[k] * x <= sign[k] * a[k]);
      const better = b.some((x, k) => sign[k] * x < sign[k] * a[k]);
      return noWorse && better;
    });
    if (!beaten) out.push(i);
  });
  return out;
}

/** Random vectors; `coarse` draws from a few integers so ties and duplicates are common; some values missing. */
function randomVectors(rng: Rng, n: number, m: number, coarse: boolean): ((number | null)[] | null)[] {
  return Array.from({ length: n }, () => {
    if (rng.next() < 0.05) return null;
    return Array.from({ length: m }, () => (rng.next() < 0.05 ? null : coarse ? rng.int(0, 3) : rng.normal()));
  });
}

describe('dominates', () => {
  it('is no worse everywhere and strictly better somewhere, per goal', () => {
    expect(dominates([1, 2], [2, 2], ['minimize', 'minimize'])).toBe(true);
    expect(dominates([2, 2], [1, 2], ['minimize', 'minimize'])).toBe(false);
    expect(dominates([1, 3], [2, 2], ['minimize', 'maximize'])).toBe(true);
    expect(dominates([1, 1], [2, 2], ['minimize', 'maximize'])).toBe(false);
    expect(dominates([5], [4], ['maximize'])).toBe(true);
  });

  it('equal vectors do not dominate each other', () => {
    expect(dominates([1, 2], [1, 2], ['minimize', 'maximize'])).toBe(false);
  });

  it('refuses vectors of the wrong length', () => {
    expect(() => dominates([1], [1, 2], ['minimize', 'minimize'])).toThrow(/2 objectives/);
  });
});

describe('paretoFront', () => {
  it('equals the brute-force front on random vectors (min/max mixes, ties, missing values)', () => {
    const rng = createRng(23, 1);
    for (let round = 0; round < 300; round++) {
      const m = rng.int(1, 4);
      const goals = Array.from({ length: m }, (): Goal => (rng.next() < 0.5 ? 'minimize' : 'maximize'));
      const vectors = randomVectors(rng, rng.int(0, 30), m, round % 2 === 0);
      const trials = vectors.map((values, id) => ({ id, values }));
      const front = paretoFront(trials, goals.map((goal) => ({ goal }))).map((t) => t.id);
      expect(front, `round ${round}`).toEqual(bruteFront(vectors, goals));
    }
  });

  it('keeps ties: equal vectors are both on the front', () => {
    const trials = [
      { id: 'a', values: [1, 0.5] },
      { id: 'b', values: [1, 0.5] },
      { id: 'c', values: [2, 0.4] },
      { id: 'd', values: [0.5, 0.2] },
    ];
    const goals = [{ goal: 'minimize' as const }, { goal: 'maximize' as const }];
    expect(paretoFront(trials, goals).map((t) => t.id)).toEqual(['a', 'b', 'd']);
  });

  it('leaves out trials lacking a value for some objective, even when they would win', () => {
    const trials = [
      { id: 'a', values: [1, 1] },
      { id: 'b', values: [0, null] },
      { id: 'c', values: [0, Number.NaN] },
      { id: 'd' },
    ];
    expect(paretoFront(trials, [{ goal: 'minimize' }, { goal: 'minimize' }]).map((t) => t.id)).toEqual(['a']);
  });
});

describe('nonDominatedRanks', () => {
  it('rank 0 is the front; each later rank is dominated by the one before and by no member of its own or later ranks', () => {
    const rng = createRng(23, 2);
    for (let round = 0; round < 100; round++) {
      const m = rng.int(2, 3);
      const goals = Array.from({ length: m }, (): Goal => (rng.next() < 0.5 ? 'minimize' : 'maximize'));
      const vectors = Array.from({ length: rng.int(1, 25) }, () => Array.from({ length: m }, () => rng.int(0, 4)));
      const ranks = nonDominatedRanks(vectors, goals);
      expect(ranks.flatMap((r, i) => (r === 0 ? [i] : []))).toEqual(bruteFront(vectors, goals));
      vectors.forEach((v, i) => {
        if (ranks[i] > 0) expect(vectors.some((u, j) => ranks[j] === ranks[i] - 1 && dominates(u, v, goals))).toBe(true);
        expect(vectors.some((u, j) => ranks[j] >= ranks[i] && dominates(u, v, goals))).toBe(false);
      });
    }
  });
});

describe('objectiveVector', () => {
  const objectives = [
    { name: 'val_loss', goal: 'minimize' as const },
    { name: 'bar_ok_rate', goal: 'maximize' as const },
  ];

  it('takes every objective at the best step by the first (earliest on ties)', () => {
    const series = {
      val_loss: [{ step: 1, value: 2 }, { step: 2, value: 1.5 }, { step: 3, value: 1.5 }, { step: 4, value: 1.7 }],
      bar_ok_rate: [{ step: 1, value: 0.1 }, { step: 2, value: 0.4 }, { step: 3, value: 0.9 }, { step: 4, value: 0.95 }],
    };
    expect(objectiveVector(series, objectives)).toEqual({ step: 2, values: [1.5, 0.4] });
  });

  it('is null where the best step has no value for an objective, and null overall with no first objective', () => {
    const series = { val_loss: [{ step: 1, value: 2 }, { step: 2, value: 1 }], bar_ok_rate: [{ step: 1, value: 0.5 }] };
    expect(objectiveVector(series, objectives)).toEqual({ step: 2, values: [1, null] });
    expect(objectiveVector({ bar_ok_rate: [{ step: 1, value: 0.5 }] }, objectives)).toBeNull();
  });
});

describe('hypervolume and the TPE split', () => {
  /** Unit cells of the integer grid below `ref` that some point dominates (all minimized). */
  function cellCount(points: number[][], ref: number[]): number {
    let count = 0;
    const walk = (cell: number[]): void => {
      if (cell.length === ref.length) {
        if (points.some((p) => p.every((x, k) => x <= cell[k]))) count++;
        return;
      }
      for (let c = 0; c < ref[cell.length]; c++) walk([...cell, c]);
    };
    walk([]);
    return count;
  }

  it('is exact: equals the count of dominated unit cells on integer points (2 and 3 objectives)', () => {
    const rng = createRng(23, 3);
    for (let round = 0; round < 60; round++) {
      const m = round % 2 === 0 ? 2 : 3;
      const points = Array.from({ length: rng.int(1, 8) }, () => Array.from({ length: m }, () => rng.int(0, 6)));
      const ref = new Array(m).fill(6);
      expect(hypervolume(points, ref), `round ${round}`).toBe(cellCount(points, ref));
    }
  });

  it('greedy subset selection takes the largest contribution first', () => {
    // Up to (6, 6) the knee (2, 2) covers 16, each extreme (1, 5) and (5, 1) covers 5.
    const points = [[1, 5], [2, 2], [5, 1]];
    expect(selectByHypervolume(points, 1, [6, 6])).toEqual([1]);
    expect(selectByHypervolume(points, 3, [6, 6])).toHaveLength(3);
  });

  it('takes whole Pareto ranks first and cuts the last one by hypervolume', () => {
    const vectors = [
      [9, 9], // rank 2
      [1, 5], // rank 0
      [3, 3], // rank 1
      [2, 2], // rank 0 (the knee)
      [5, 1], // rank 0
      [6, 2], // rank 1
    ];
    expect(splitNonDominated(vectors, 3).sort()).toEqual([1, 3, 4]);
    expect(splitNonDominated(vectors, 1)).toEqual([3]);
    const four = splitNonDominated(vectors, 4);
    expect(four.slice(0, 3).sort()).toEqual([1, 3, 4]);
    expect([2, 5]).toContain(four[3]);
    expect(splitNonDominated(vectors, 10)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
