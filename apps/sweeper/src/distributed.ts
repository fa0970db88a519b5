import type { SweepConfig } from '@tunelab/config';
import type { Store, SweepRow } from '@tunelab/store';
import { isFinalSweep } from '@tunelab/sweep';
import { reopen } from './control';
import { coordinate } from './coordinator';
import { createProgressView, type ProgressView } from './progress';
import { TrialQueue } from './trial-queue';

export interface ControllerOptions {
  /** Stay until the sweep ends (re-queueing stale trials, proposing, reporting); else return at once. */
  wait?: boolean;
  signal?: AbortSignal;
  staleAfterMs?: number;
  tickMs?: number;
  quiet?: boolean;
  view?: ProgressView;
}

/**
 * Creates a distributed sweep and enqueues its first trials (up to `parallel`); agents on any machine run
 * them and propose the rest. With `wait`, this process stays as a controller until the sweep ends; killing
 * it changes nothing for the agents (any of them takes the controller role).
 */
export async function createDistributedSweep(store: Store, storeUrl: string, config: SweepConfig, configYaml: string, opts: ControllerOptions = {}): Promise<SweepRow> {
  const queue = await TrialQueue.open(storeUrl);
  try {
    const sweep = await store.createSweep({ config, configYaml, distributed: true, status: 'queued' });
    const r = await coordinate(store, queue, sweep.id, { staleAfterMs: opts.staleAfterMs ?? 120_000 });
    if (!opts.wait) return r.sweep;
    return await control(store, queue, sweep.id, opts);
  } finally {
    await queue.close();
  }
}

/**
 * `sweep resume` of a distributed sweep: cancelled trials are queued again, a finished sweep with queued
 * trials (`retry-failed`) runs again, stale trials are re-queued and missing proposals made; agents do the
 * running. With `wait`, stays as the controller until the sweep ends.
 */
export async function resumeDistributedSweep(store: Store, storeUrl: string, sweepId: string, opts: ControllerOptions = {}): Promise<SweepRow> {
  const queue = await TrialQueue.open(storeUrl);
  try {
    await reopen(store, sweepId);
    const r = await coordinate(store, queue, sweepId, { staleAfterMs: opts.staleAfterMs ?? 120_000 });
    if (!opts.wait) return r.sweep;
    return await control(store, queue, sweepId, opts);
  } finally {
    await queue.close();
  }
}

/** The controller loop: coordinate every tick and report progress until the sweep is final or the signal fires. */
async function control(store: Store, queue: TrialQueue, sweepId: string, opts: ControllerOptions): Promise<SweepRow> {
  const view = opts.view ?? createProgressView(process.stderr, opts.quiet);
  const staleAfterMs = opts.staleAfterMs ?? 120_000;
  const tickMs = opts.tickMs ?? Math.max(200, Math.min(2_000, staleAfterMs / 4));
  let last = '';
  try {
    for (;;) {
      const r = await coordinate(store, queue, sweepId, { staleAfterMs });
      for (const t of r.markedStale) view.note(`↺ ${t.id} marked stale (its holder stopped); queued again`);
      const counts = await store.countTrials(sweepId);
      const line = Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ');
      if (line !== last) view.note(`${sweepId} ${r.sweep.status}: ${line || 'no trials yet'}`);
      last = line;
      if (isFinalSweep(r.sweep.status) || opts.signal?.aborted) return r.sweep;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, tickMs);
        opts.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  } finally {
    view.close();
  }
}
