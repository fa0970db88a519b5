import { describe, expect, test } from 'vitest';
import { trialThreads, type ThreadShare } from './threads';

const base: ThreadShare = { setting: 'auto', cores: 16, parallel: 4, busyThreads: 0, freeSlots: 4, toStart: 4 };

describe('trialThreads', () => {
  test('auto: each of parallel trials gets floor(cores / parallel), at least 1', () => {
    expect(trialThreads(base)).toBe(4);
    expect(trialThreads({ ...base, cores: 2, parallel: 2, freeSlots: 2, toStart: 2 })).toBe(1);
    expect(trialThreads({ ...base, cores: 2, parallel: 4 })).toBe(1);
    expect(trialThreads({ ...base, cores: 7, parallel: 2, freeSlots: 2, toStart: 2 })).toBe(3);
  });

  test('a number is kept as written', () => {
    expect(trialThreads({ ...base, setting: 3 })).toBe(3);
    expect(trialThreads({ ...base, setting: 1, toStart: 1 })).toBe(1);
  });

  test('fewer trials left to start than free slots: they share the cores the running trials leave', () => {
    // run_cap 1 with parallel 4: the one trial gets every core.
    expect(trialThreads({ ...base, toStart: 1 })).toBe(16);
    // two left, four slots free, one trial of 4 threads still running: (16 - 4) / 2.
    expect(trialThreads({ ...base, busyThreads: 4, freeSlots: 3, toStart: 2 })).toBe(6);
    // never below the share, even when the running trials hold more.
    expect(trialThreads({ ...base, busyThreads: 15, freeSlots: 2, toStart: 1 })).toBe(4);
  });

  test('as many to start as slots (or unknown): the share, so parallel = cores gives one thread each', () => {
    expect(trialThreads({ ...base, cores: 4, parallel: 4, busyThreads: 3, freeSlots: 1, toStart: 1 })).toBe(1);
    expect(trialThreads({ ...base, toStart: Infinity })).toBe(4);
  });
});
