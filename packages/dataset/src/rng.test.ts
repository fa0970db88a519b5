import { describe, expect, it } from 'vitest';
import { createRng, mixSeed } from './rng';

describe('createRng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
    for (const v of seqA) expect(v >= 0 && v < 1).toBe(true);
  });

  it('draws integers in [0, n) roughly uniformly', () => {
    const rng = createRng(7);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
    expect(() => rng.int(0)).toThrow(/positive integer/);
    expect(() => rng.int(2.5)).toThrow(/positive integer/);
  });

  it('shuffles into a permutation, the same one for the same seed', () => {
    const base = Array.from({ length: 50 }, (_, i) => i);
    const s1 = createRng(3).shuffle([...base]);
    expect([...s1].sort((x, y) => x - y)).toEqual(base);
    expect(s1).not.toEqual(base);
    expect(createRng(3).shuffle([...base])).toEqual(s1);
    expect(createRng(4).shuffle([...base])).not.toEqual(s1);
  });

  it('mixes seed and epoch so that (1, 2) and (2, 1) differ', () => {
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
    expect(mixSeed(1, 2)).toBe(mixSeed(1, 2));
    expect(() => createRng(Number.NaN)).toThrow(/finite/);
  });
});
