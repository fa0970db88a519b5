/**
 * @tunelab/abc/testing: helpers for tests only (the package's code never imports them): a seeded random stream
 * and the characters ABC is written in, for tests that throw made-up text at a reader.
 */

/** mulberry32: a small seeded PRNG, so a failing input can be found again from its seed. Draws in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The characters ABC text is made of (field letters, bar lines, notes, decorations …) and a few it is not. */
export const ABCISH = 'XTMLKPQ:|[]{}()"!+^_=,\'/<>-~.0123456789 \n\tABCDEFGabcdefgzxZyHuv%\\&#$*@;`';
