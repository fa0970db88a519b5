/**
 * Opt-in timing of the fused kernels, for `npm run bench -- train --profile`: each kernel call adds its wall
 * time under a name (`lstm.forward`, `adam`, …). Off by default, when it costs one boolean test per call.
 */

const totals = new Map<string, { ms: number; calls: number }>();
let enabled = false;

/** Runs fn, adding its wall time to `name` when profiling is on. */
export function timed<T>(name: string, fn: () => T): T {
  if (!enabled) return fn();
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    const entry = totals.get(name) ?? { ms: 0, calls: 0 };
    entry.ms += performance.now() - t0;
    entry.calls += 1;
    totals.set(name, entry);
  }
}

export const fusedProfile = {
  enable(on = true): void {
    enabled = on;
  },
  /** The totals since the last take(), then clears them. */
  take(): Record<string, { ms: number; calls: number }> {
    const out = Object.fromEntries(totals);
    totals.clear();
    return out;
  },
};
