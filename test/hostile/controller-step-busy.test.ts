/**
 * The local runner's controller step meets a busy store: the step is one transaction, so a step the store
 * refuses past the retry bound is deferred to the next tick, not the end of the sweep; only a store that stays
 * busy for STEP_DEFERRAL_BOUNDS bounds in a row ends it.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { openStore, type Store } from '@tunelab/store';
import { recordingView, removeDirs, startTinySweep, tempDir, tinySweepYaml } from './tiny-sweep';

const dirs: string[] = [];
afterAll(() => removeDirs(dirs));

/** The store, whose sweep-lock transactions (the controller's steps) fail as a locked SQLite file does while `busy()` says so. */
function busyStepStore(store: Store, busy: (call: number) => boolean): Store {
  let calls = 0;
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'withSweepLock' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        calls++;
        if (busy(calls)) return Promise.reject(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('the controller step on a busy store', () => {
  test('refused past the retry bound a few times: deferred, and the sweep completes', async () => {
    const home = tempDir('step-busy', dirs);
    const store = await openStore({ home });
    try {
      const view = recordingView();
      // Lock calls 1 and 2 reopen and recover the sweep, 3 is the first step; the next three steps meet the
      // lock, each giving up after the 200 ms bound.
      const busy = busyStepStore(store, (call) => call >= 4 && call <= 6);
      const { sweepId, done } = await startTinySweep(busy, home, tinySweepYaml(home, { name: 'step-busy', epochs: 1, runCap: 2 }), { view, storeRetryMs: 200 });
      const end = await done;
      expect(end, String(end)).not.toBeInstanceOf(Error);
      expect(view.notes.filter((n) => /next step deferred, the store is busy: .*locked/.test(n)).length, view.notes.join('\n')).toBeGreaterThanOrEqual(1);
      const trials = await store.listTrials(sweepId);
      expect(trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    } finally {
      await store.close();
    }
  }, 120_000);

  test('busy for good: after ten bounds of deferred steps the sweep ends with the store error', async () => {
    const home = tempDir('step-busy-long', dirs);
    const store = await openStore({ home });
    try {
      const view = recordingView();
      const busy = busyStepStore(store, (call) => call >= 4);
      const { done } = await startTinySweep(busy, home, tinySweepYaml(home, { name: 'step-busy-long', epochs: 1, runCap: 1 }), { view, storeRetryMs: 100 });
      const end = await done;
      expect(end).toBeInstanceOf(Error);
      expect((end as Error).name).toBe('StoreWriteError');
      expect(String(end)).toMatch(/store write failed: decide the next trials: SQLITE_BUSY: database is locked/);
    } finally {
      await store.close();
    }
  }, 120_000);
});
