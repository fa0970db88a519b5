import { isTrialStatus, type TrialStatus } from '@tunelab/sweep';

/** Short, readable numbers: 0.00123 → 1.23e-3, 1.23456 → 1.235. */
export function fmt(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-2 || a >= 1e5)) return v.toExponential(2);
    return v.toFixed(4).replace(/\.?0+$/, '');
  }
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** One colour per trial status (sweep statuses are among them); typed by the lifecycle, so none is missing. */
export const STATUS_COLORS: Readonly<Record<TrialStatus, string>> = {
  queued: '#9e9e9e',
  running: '#1e88e5',
  completed: '#2e7d32',
  pruned: '#f9a825',
  failed: '#c62828',
  stale: '#8e24aa',
  cancelled: '#616161',
};

/** The colour of any status name, grey for one the lifecycle does not know. */
export const statusColor = (status: string): string => (isTrialStatus(status) ? STATUS_COLORS[status] : '#757575');

/** Distinct line colours for overlaid curves. */
export const PALETTE = ['#1e88e5', '#e53935', '#43a047', '#fb8c00', '#8e24aa', '#00acc1', '#6d4c41', '#d81b60', '#3949ab', '#7cb342'];

export const when = (ms: number | null): string => (ms === null ? '—' : new Date(ms).toLocaleString());
