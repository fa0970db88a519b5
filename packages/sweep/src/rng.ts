/**
 * A small seeded RNG for the search methods. Every decision derives its own generator from integers
 * (sweep seed, trial number, purpose) instead of drawing from one shared mutable stream, so a resumed sweep
 * — or an agent on another machine — proposes exactly the trial an uninterrupted sweep would have.
 */

/** A source of uniform numbers plus the few derived draws the search methods need. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal draw. */
  normal(): number;
}

// murmur3's 32-bit finalizer: spreads nearby integers (trial 7, trial 8) to unrelated states.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashInts(ints: readonly number[], salt: number): number {
  let h = fmix32(0x9e3779b9 ^ salt);
  for (const v of ints) {
    if (!Number.isFinite(v)) throw new Error(`Expected RNG seed parts to be finite numbers, but got ${v}`);
    // Fold in both 32-bit halves so seeds beyond 2^32 still differ.
    const lo = Math.trunc(v) >>> 0;
    const hi = Math.trunc(v / 4294967296) >>> 0;
    h = fmix32(h ^ lo);
    h = fmix32((h + 0x6a09e667) ^ hi);
  }
  return h;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator) seeded from a list of integers.
 * @param seedParts integers that name the stream, e.g. `[sweepSeed, trialNumber, STREAM_TPE]`
 */
export function createRng(...seedParts: number[]): Rng {
  let a = hashInts(seedParts, 1);
  let b = hashInts(seedParts, 2);
  let c = hashInts(seedParts, 3);
  let d = 1;
  const u32 = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return r >>> 0;
  };
  for (let i = 0; i < 15; i++) u32();
  let spare: number | null = null;
  const rng: Rng = {
    next: () => u32() / 4294967296,
    int: (lo, hi) => {
      if (!(Number.isInteger(lo) && Number.isInteger(hi) && hi >= lo)) {
        throw new Error(`Expected integer bounds lo <= hi, but got [${lo}, ${hi}]`);
      }
      return lo + Math.floor(rng.next() * (hi - lo + 1));
    },
    normal: () => {
      // Box–Muller, keeping the second draw.
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = rng.next();
      const v = rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
  return rng;
}

/** Stream tags: which decision a generator belongs to, so two decisions for one trial never share draws. */
export const STREAM = { random: 11, tpe: 23, dedupe: 37 } as const;
