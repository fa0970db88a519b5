import type { TrainEvent } from '@tunelab/model';

/** How often a worker's batch progress reaches the main thread at most (the progress view redraws 5×/s). */
export const BATCH_PROGRESS_MS = 200;

/**
 * Forwards a trainer's events, batch events at most once per `everyMs`: they are progress only (the last
 * batch's loss, where the epoch is), and a small model reports ~100 a second per trial. Delivering each one
 * cost the main thread about 5% of a core with two trials training (messages, promise chains, redraw checks),
 * CPU the trials then lacked. Every other event (epoch metrics, checkpoints, logs) is forwarded at once.
 */
export function throttleBatchEvents(send: (e: TrainEvent) => void, everyMs = BATCH_PROGRESS_MS, now: () => number = Date.now): (e: TrainEvent) => void {
  let last = -Infinity;
  return (e) => {
    if (e.type === 'batch') {
      const t = now();
      if (t - last < everyMs) return;
      last = t;
    }
    send(e);
  };
}
