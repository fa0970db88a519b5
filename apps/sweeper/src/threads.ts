import type { ThreadSetting } from '@tunelab/config';

/** What the sweeper knows when it starts a trial, for {@link trialThreads}. */
export interface ThreadShare {
  /** The trial's `train.threads`. */
  setting: ThreadSetting;
  /** Cores this process may use (os.availableParallelism()). */
  cores: number;
  /** The sweep's trials at once in this process. */
  parallel: number;
  /** Threads the trials already running here hold. */
  busyThreads: number;
  /** Slots free now, this trial's included. */
  freeSlots: number;
  /** Trials this round starts, this one and those after it (Infinity when unknown). */
  toStart: number;
}

/**
 * Threads for a trial the sweeper is starting: a number in `train.threads` is kept; `auto` gives each trial its
 * share of the cores, `floor(cores / parallel)` (at least 1), so `parallel` trials never ask for more threads
 * than there are cores. A trial started when fewer trials are left to start than slots are free (the end of a
 * sweep, `run_cap` below `parallel`) gets the cores the running trials leave free, split between the trials
 * left to start, never less than its share.
 */
export function trialThreads(s: ThreadShare): number {
  if (s.setting !== 'auto') return s.setting;
  const share = Math.max(1, Math.floor(s.cores / Math.max(1, s.parallel)));
  if (!(s.toStart < s.freeSlots)) return share;
  const free = s.cores - s.busyThreads;
  return Math.max(share, Math.floor(free / Math.max(1, s.toStart)));
}
