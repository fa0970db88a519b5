/**
 * Recycles the large scratch arrays that live from a forward to its backward and never reach tfjs (the LSTM's
 * gate and cell caches, dropout masks): ~18 MB per seed-model step that V8 would otherwise count as external
 * memory pressure, each allocation zero-filled and each release a GC's work. Arrays that are taken and never
 * given back (a forward without a backward) are simply collected.
 */

const MAX_PER_SIZE = 6;
const free = new Map<number, Float32Array[]>();

/** An array of n floats, recycled when one is free: its contents are arbitrary, the caller overwrites all. */
export function takeBuffer(n: number): Float32Array {
  return free.get(n)?.pop() ?? new Float32Array(n);
}

/** Hands an array back; the caller must not touch it afterwards. */
export function giveBuffer(b: Float32Array): void {
  let list = free.get(b.length);
  if (!list) {
    list = [];
    free.set(b.length, list);
  }
  if (list.length < MAX_PER_SIZE && !list.includes(b)) list.push(b);
}
