/**
 * Where every value of the WebGPU LSTM kernels lives, written once. Each index formula is generic over an
 * {@link Arith}: evaluated with `num` it gives numbers (the CPU emulation and tests use it), with `wgsl` it gives
 * the WGSL expression the shaders are generated from. So the arithmetic the tests check on the CPU is the very
 * arithmetic the GPU runs.
 *
 * Buffers (all row-major f32 unless said otherwise; gate order i, f, c, o as in Keras):
 * - xproj `[rows, 4u]`: x·kernel + bias; rows = batch·time (row b·T + t) or, fed by an embedding, vocab (row id).
 * - rk `[u, 4u]` (recurrentKernel), rkT `[4u, u]` (its transpose, for the backward's coalesced reads).
 * - cache `[batch, time, 6, u]`: the forward's single output; slots 0–3 the activated gates, 4 the cell, 5 h.
 * - grad `[batch, time + 1, 4, u]`: the backward's single output; at t < time the pre-activation gate
 *   gradients dz; at t = time slot 0 holds dh0 and slot 1 dc0.
 */

/** Integer arithmetic on numbers or on WGSL expression text. */
export interface Arith<T> {
  lit(n: number): T;
  add(...xs: T[]): T;
  mul(...xs: T[]): T;
}

export const num: Arith<number> = {
  lit: (n) => n,
  add: (...xs) => xs.reduce((a, b) => a + b, 0),
  mul: (...xs) => xs.reduce((a, b) => a * b, 1),
};

/** WGSL i32 expressions; literals fold at shader compile time. */
export const wgsl: Arith<string> = {
  lit: (n) => {
    if (!Number.isInteger(n)) throw new Error(`Expected an integer literal, but got ${n}`);
    return `${n}`;
  },
  add: (...xs) => `(${xs.join(' + ')})`,
  mul: (...xs) => `(${xs.join(' * ')})`,
};

/** Sizes the index formulas need: numbers on the CPU, uniforms or literals in WGSL. */
export interface LayoutDims<T> {
  /** time steps */
  T: T;
  /** units */
  U: T;
}

/** Number of cache slots per (b, t): four gates, the cell, h. */
export const CACHE_SLOTS = 6;
export const SLOT_CELL = 4;
export const SLOT_H = 5;

/** Row of xproj for (b, t) when the input is a dense sequence. */
export function seqRow<T>(a: Arith<T>, d: LayoutDims<T>, b: T, t: T): T {
  return a.add(a.mul(b, d.T), t);
}

/** xproj[row, gate·u + j]. */
export function xprojIndex<T>(a: Arith<T>, d: LayoutDims<T>, row: T, gate: T, j: T): T {
  return a.add(a.mul(row, a.lit(4), d.U), a.mul(gate, d.U), j);
}

/** rk[k, gate·u + j]. */
export function rkIndex<T>(a: Arith<T>, d: LayoutDims<T>, k: T, gate: T, j: T): T {
  return a.add(a.mul(k, a.lit(4), d.U), a.mul(gate, d.U), j);
}

/** rkT[gate·u + j, k]. */
export function rkTIndex<T>(a: Arith<T>, d: LayoutDims<T>, gate: T, j: T, k: T): T {
  return a.add(a.mul(a.add(a.mul(gate, d.U), j), d.U), k);
}

/** cache[b, t, slot, j]. */
export function cacheIndex<T>(a: Arith<T>, d: LayoutDims<T>, b: T, t: T, slot: T, j: T): T {
  return a.add(a.mul(a.add(a.mul(a.add(a.mul(b, d.T), t), a.lit(CACHE_SLOTS)), slot), d.U), j);
}

/** grad[b, t, gate, j] (t ranges over 0..T: the extra step holds dh0 and dc0). */
export function gradIndex<T>(a: Arith<T>, d: LayoutDims<T>, b: T, t: T, gate: T, j: T): T {
  return a.add(a.mul(a.add(a.mul(a.add(a.mul(b, a.add(d.T, a.lit(1))), t), a.lit(4)), gate), d.U), j);
}

/** A `[batch, time, u]` sequence (ys, dys) at (b, t, j). */
export function seqIndex<T>(a: Arith<T>, d: LayoutDims<T>, b: T, t: T, j: T): T {
  return a.add(a.mul(a.add(a.mul(b, d.T), t), d.U), j);
}

/** A `[batch, u]` state (h0, c0, dhT, dcT) at (b, j). */
export function stateIndex<T>(a: Arith<T>, d: LayoutDims<T>, b: T, j: T): T {
  return a.add(a.mul(b, d.U), j);
}

/** Batch row handled by local row r of workgroup g. */
export function rowOf<T>(a: Arith<T>, rowsPerGroup: T, g: T, r: T): T {
  return a.add(a.mul(g, rowsPerGroup), r);
}

/** Unit handled by thread `tid` in its m-th chunk: units are dealt round-robin so reads coalesce. */
export function unitOf<T>(a: Arith<T>, groupSize: T, tid: T, m: T): T {
  return a.add(tid, a.mul(m, groupSize));
}

/** Workgroup memory: h of local row r at unit k (forward). */
export function sharedHIndex<T>(a: Arith<T>, d: LayoutDims<T>, r: T, k: T): T {
  return a.add(a.mul(r, d.U), k);
}

/** Workgroup memory: dz of local row r at (gate, j) (backward). */
export function sharedDzIndex<T>(a: Arith<T>, d: LayoutDims<T>, r: T, gate: T, j: T): T {
  return a.add(a.mul(r, a.lit(4), d.U), a.mul(gate, d.U), j);
}

/**
 * How a call is split over the GPU. Batch rows are independent in the recurrence, so one workgroup owns
 * `rowsPerGroup` rows for the whole sequence and synchronises its threads with workgroup barriers only: one
 * dispatch runs all time steps (a persistent kernel). WebGPU has no grid-wide barrier, so the units of one row
 * cannot be spread over several workgroups; the price is that a small batch fills few of the GPU's cores
 * (batch 16 → 16 workgroups), each streaming the recurrent kernel from L2 every step. The alternative, one
 * dispatch per step over all cores, pays a launch and a tfjs bind group per step (64 steps × 2 passes × layers)
 * and still reads the kernel once per step; at the seed's sizes the launches cost more than the idle cores.
 */
export interface LstmPlan {
  /** Threads per workgroup. */
  groupSize: number;
  /** Batch rows per workgroup: more rows reuse each read of the recurrent kernel, fewer fill more cores. */
  rowsPerGroup: number;
  /** Units per thread: ceil(u / groupSize). */
  chunks: number;
  /** Workgroups: ceil(batch / rowsPerGroup). */
  groups: number;
}

/** Workgroup memory limits the plan respects (WebGPU's guaranteed defaults). */
export interface PlanLimits {
  maxWorkgroupStorageBytes: number;
  maxInvocationsPerWorkgroup: number;
}

export const DEFAULT_LIMITS: PlanLimits = { maxWorkgroupStorageBytes: 16384, maxInvocationsPerWorkgroup: 256 };

/**
 * Rows per workgroup that keep at most about this many workgroups. Each workgroup streams the whole recurrent
 * kernel (1 MiB at 256 units) from L2 every step, so fewer, fuller groups save L2 bandwidth until their
 * arithmetic (4 · rows multiply-adds per kernel word) catches up; at batch 256 this gives 4 rows, 64 groups.
 * A guess until a GPU session measures it: `TUNELAB_WEBGPU_LSTM_ROWS` overrides it there (see programs.ts).
 */
const TARGET_GROUPS = 64;
const MAX_ROWS_PER_GROUP = 8;

/**
 * Picks the split for a batch and unit count (`rows` asks for that many rows per group, within the limits). The backward keeps dz of its rows in workgroup memory
 * (rows · 4u floats), so u ≤ maxWorkgroupStorageBytes / 16 (1,024 with the default 16 KiB).
 */
export function planLstm(batch: number, units: number, limits: PlanLimits = DEFAULT_LIMITS, rows?: number): LstmPlan {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`Expected batch to be a positive integer, but got ${batch}`);
  if (!Number.isInteger(units) || units < 1) throw new Error(`Expected units to be a positive integer, but got ${units}`);
  const floats = Math.floor(limits.maxWorkgroupStorageBytes / 4);
  const maxRows = Math.floor(floats / (4 * units));
  if (maxRows < 1) {
    throw new Error(
      `The WebGPU LSTM keeps 4·units floats per row in workgroup memory: units ${units} needs ${16 * units} bytes, ` +
        `but the device allows ${limits.maxWorkgroupStorageBytes}`,
    );
  }
  if (rows !== undefined && !(Number.isInteger(rows) && rows >= 1)) throw new Error(`Expected rows per group to be a positive integer, but got ${rows}`);
  const rowsPerGroup = Math.max(1, Math.min(MAX_ROWS_PER_GROUP, maxRows, rows ?? Math.ceil(batch / TARGET_GROUPS)));
  const groupSize = Math.min(limits.maxInvocationsPerWorkgroup, 256, 32 * Math.ceil(units / 32));
  return { groupSize, rowsPerGroup, chunks: Math.ceil(units / groupSize), groups: Math.ceil(batch / rowsPerGroup) };
}

/** Whether the WebGPU kernels can run these sizes (see {@link planLstm}). */
export function webgpuLstmSupports(units: number, limits: PlanLimits = DEFAULT_LIMITS): boolean {
  return Number.isInteger(units) && units >= 1 && 16 * units <= limits.maxWorkgroupStorageBytes;
}
