import { describe, expect, test } from 'vitest';
import type { TrainEvent } from '@tunelab/model';
import { throttleBatchEvents } from './batch-throttle';

describe('batch progress from a worker', () => {
  test('at most one batch event per interval; every other event at once', () => {
    let clock = 0;
    const sent: TrainEvent[] = [];
    const forward = throttleBatchEvents((e) => sent.push(e), 200, () => clock);
    // A batch every 10 ms for 1 s, an epoch event in the middle.
    for (let b = 0; b < 100; b++) {
      clock = b * 10;
      forward({ type: 'batch', epoch: 1, batch: b, loss: 3 - b / 100 });
      if (b === 55) forward({ type: 'epoch', epoch: 1, metrics: { loss: 2.5 } });
    }
    forward({ type: 'log', line: 'done' });
    const batches = sent.filter((e) => e.type === 'batch');
    expect(batches.map((e) => (e.type === 'batch' ? e.batch : -1))).toEqual([0, 20, 40, 60, 80]);
    expect(sent.filter((e) => e.type !== 'batch').map((e) => e.type)).toEqual(['epoch', 'log']);
    expect(sent.findIndex((e) => e.type === 'epoch')).toBe(3); // after batch 40, before batch 60: order kept
  });
});
