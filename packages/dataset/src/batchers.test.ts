import { describe, expect, it } from 'vitest';
import { StatefulBatcher } from './stateful-batcher';
import { ShuffledBatcher } from './shuffled-batcher';
import type { Batch } from './types';

const seq = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
const row = (a: Int32Array, b: number, t: number) => Array.from(a.subarray(b * t, (b + 1) * t));

describe('StatefulBatcher', () => {
  it('follows the seed’s arithmetic: 129,665 symbols, 16 × 64 → streams of 8,104, 126 batches', () => {
    const b = new StatefulBatcher(new Int32Array(129_665), 16, 64);
    expect(b.streamLength).toBe(8104);
    expect(b.batchesPerEpoch).toBe(126);
    expect([...b.batches(0)]).toHaveLength(126);
  });

  it('leaves room for the last target when a stream is a whole number of batches (range(0, 256 - 8, 8))', () => {
    const b = new StatefulBatcher(seq(1024), 4, 8);
    expect(b.streamLength).toBe(256);
    expect(b.batchesPerEpoch).toBe(31);
  });

  it('row b of batch k+1 continues row b of batch k, and y is x shifted by one', () => {
    const ids = seq(1000); // id = position, so continuity is arithmetic
    const b = new StatefulBatcher(ids, 4, 8);
    expect(b.streamLength).toBe(250);
    expect(b.batchesPerEpoch).toBe(31);
    const batches: Batch[] = [...b.batches(0)];
    batches.forEach((batch, k) => {
      expect(batch.index).toBe(k);
      expect([batch.batchSize, batch.seqLen, batch.x.length]).toEqual([4, 8, 32]);
      for (let r = 0; r < 4; r++) {
        const x = row(batch.x, r, 8);
        expect(x[0]).toBe(r * 250 + k * 8);
        expect(row(batch.y, r, 8)).toEqual(x.map((v) => v + 1));
        if (k > 0) expect(x[0]).toBe(row(batches[k - 1].x, r, 8)[7] + 1);
      }
    });
    // The last target of each stream stays inside it.
    const last = batches.at(-1)!;
    for (let r = 0; r < 4; r++) expect(row(last.y, r, 8)[7]).toBeLessThan((r + 1) * 250);
    expect([...b.batches(5)].map((x) => Array.from(x.x))).toEqual(batches.map((x) => Array.from(x.x)));
  });

  it('rejects a text too short for one batch and bad shapes', () => {
    expect(() => new StatefulBatcher(seq(20), 4, 8)).toThrow(/expected at least 36 symbols .* 4 × 8, but the text has 20/);
    expect(() => new StatefulBatcher(seq(100), 0, 8)).toThrow(/batch_size to be a positive integer, but got 0/);
    expect(() => new StatefulBatcher(seq(100), 2, 1.5)).toThrow(/seq_len/);
  });
});

describe('ShuffledBatcher', () => {
  const ids = seq(2000);
  const epoch = (b: ShuffledBatcher, e: number) => [...b.batches(e)].map((x) => Array.from(x.x));

  it('gives full batches of windows with y = x shifted by one, no window twice in an epoch', () => {
    const b = new ShuffledBatcher(ids, 8, 16, 1);
    expect(b.windows).toBe(124);
    expect(b.batchesPerEpoch).toBe(15);
    const starts = new Set<number>();
    for (const batch of b.batches(0)) {
      for (let r = 0; r < 8; r++) {
        const x = row(batch.x, r, 16);
        expect(x).toEqual(x.map((_, t) => x[0] + t));
        expect(row(batch.y, r, 16)).toEqual(x.map((v) => v + 1));
        expect(x[15] + 1).toBeLessThan(2000);
        starts.add(x[0]);
      }
    }
    expect(starts.size).toBe(15 * 8);
  });

  it('is deterministic for a seed and epoch; epochs and seeds differ', () => {
    const a = new ShuffledBatcher(ids, 8, 16, 1);
    expect(epoch(new ShuffledBatcher(ids, 8, 16, 1), 0)).toEqual(epoch(a, 0));
    expect(epoch(a, 0)).toEqual(epoch(a, 0));
    expect(epoch(a, 1)).not.toEqual(epoch(a, 0));
    expect(epoch(new ShuffledBatcher(ids, 8, 16, 2), 0)).not.toEqual(epoch(a, 0));
  });

  it('rejects a text with fewer windows than one batch', () => {
    expect(() => new ShuffledBatcher(seq(100), 8, 16, 1)).toThrow(/expected at least 144 symbols/);
  });
});
