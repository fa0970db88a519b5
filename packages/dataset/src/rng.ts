/**
 * A small seeded random number generator (sfc32, seeded through splitmix32), so every use of chance in
 * tunelab — splits, shuffled batches, sampling, random search — can be repeated from one integer.
 * Math.random cannot be seeded; this can, and it is the same on every platform and in every worker.
 */

export interface Rng {
  /** The seed it was created from. */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n); n must be a positive integer. */
  int(n: number): number;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
}

/** Mixes integers into one 32-bit seed (e.g. a run seed and an epoch) so derived streams do not overlap. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    let v = Math.trunc(p) >>> 0;
    // Mix in all 32 bits of each part, then avalanche, so seed 1 epoch 2 differs from seed 2 epoch 1.
    h = Math.imul(h ^ v, 0x85ebca6b);
    v = Math.floor(Math.trunc(p) / 2 ** 32) >>> 0;
    h = Math.imul(h ^ v, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * Creates a generator from an integer seed. The same seed always gives the same sequence.
 * @throws RangeError when `seed` is not a finite number.
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`Expected seed to be a finite number, but got ${seed}`);
  // splitmix32 expands the one seed into sfc32's four words; sfc32 alone is weak for small, similar seeds.
  let s = mixSeed(seed);
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32's state needs a few rounds to spread.
  for (let i = 0; i < 12; i++) next32();

  const next = (): number => next32() / 4294967296;
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Expected n to be a positive integer, but got ${n}`);
    // Rejection sampling keeps every value equally likely for any n.
    const limit = 4294967296 - (4294967296 % n);
    let x = next32();
    while (x >= limit) x = next32();
    return x % n;
  };
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  };
  return { seed, next, int, shuffle };
}
