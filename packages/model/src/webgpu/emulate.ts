/**
 * The two WebGPU LSTM kernels run on the CPU, statement for statement: workgroups one after another, and inside
 * a workgroup every thread's work between two barriers before any thread's work after them. Addresses come
 * from the same ./layout formulas the WGSL is generated from, values are rounded to f32 where the GPU stores
 * them. Tests compare this with the TypeScript reference (packages/model/src/fused/reference.ts), which checks
 * the kernels' maths, layout and work split without a GPU; the WGSL text itself is checked by compiling it.
 */
import {
  cacheIndex,
  CACHE_SLOTS,
  gradIndex,
  type LayoutDims,
  type LstmPlan,
  num,
  rkIndex,
  rkTIndex,
  rowOf,
  seqIndex,
  seqRow,
  sharedDzIndex,
  sharedHIndex,
  SLOT_CELL,
  SLOT_H,
  stateIndex,
  unitOf,
  xprojIndex,
} from './layout';

const f = Math.fround;
const sigmoid = (z: number): number => f(1 / (1 + Math.exp(-z)));
const tanh = (z: number): number => {
  const e = Math.exp(-2 * Math.abs(z));
  return f((Math.sign(z) * (1 - e)) / (1 + e));
};

/** Inputs of the forward kernel (see forwardShader). */
export interface ForwardKernelInputs {
  batch: number;
  time: number;
  units: number;
  xproj: Float32Array;
  rk: Float32Array;
  h0: Float32Array;
  c0: Float32Array;
  /** Row of xproj per (b, t) when fed by an embedding. */
  ids?: Int32Array;
}

/** Runs the forward kernel; returns cache `[batch, time, 6, u]`. */
export function emulateForward(p: ForwardKernelInputs, plan: LstmPlan): Float32Array {
  const { batch: B, time: T, units: U } = p;
  const d: LayoutDims<number> = { T, U };
  const { rowsPerGroup: R, groupSize: WG, chunks: CH, groups } = plan;
  const result = new Float32Array(B * T * CACHE_SLOTS * U);
  const xrow = (b: number, t: number) => (p.ids ? p.ids[seqRow(num, d, b, t)] : seqRow(num, d, b, t));
  for (let g = 0; g < groups; g++) {
    const shared = new Float32Array(R * U);
    const c = Array.from({ length: WG }, () => new Float32Array(R * CH));
    const hn = Array.from({ length: WG }, () => new Float32Array(R * CH));
    for (let tid = 0; tid < WG; tid++) {
      for (let m = 0; m < CH; m++) {
        const j = unitOf(num, WG, tid, m);
        if (j >= U) continue;
        for (let r = 0; r < R; r++) {
          const b = rowOf(num, R, g, r);
          c[tid][r * CH + m] = b < B ? p.c0[stateIndex(num, d, b, j)] : 0;
          shared[sharedHIndex(num, d, r, j)] = b < B ? p.h0[stateIndex(num, d, b, j)] : 0;
        }
      }
    }
    // barrier
    for (let t = 0; t < T; t++) {
      for (let tid = 0; tid < WG; tid++) {
        for (let m = 0; m < CH; m++) {
          const j = unitOf(num, WG, tid, m);
          if (j >= U) continue;
          for (let r = 0; r < R; r++) {
            const b = rowOf(num, R, g, r);
            const row = xrow(Math.min(b, B - 1), t);
            const z = [0, 1, 2, 3].map((gate) => p.xproj[xprojIndex(num, d, row, gate, j)]);
            for (let k = 0; k < U; k++) {
              const hk = shared[sharedHIndex(num, d, r, k)];
              for (let gate = 0; gate < 4; gate++) z[gate] = f(z[gate] + f(hk * p.rk[rkIndex(num, d, k, gate, j)]));
            }
            const [gi, gf, gg, go] = [sigmoid(z[0]), sigmoid(z[1]), tanh(z[2]), sigmoid(z[3])];
            const cell = f(gf * c[tid][r * CH + m] + gi * gg);
            const h = f(go * tanh(cell));
            c[tid][r * CH + m] = cell;
            hn[tid][r * CH + m] = h;
            if (b < B) {
              [gi, gf, gg, go].forEach((v, gate) => (result[cacheIndex(num, d, b, t, gate, j)] = v));
              result[cacheIndex(num, d, b, t, SLOT_CELL, j)] = cell;
              result[cacheIndex(num, d, b, t, SLOT_H, j)] = h;
            }
          }
        }
      }
      // barrier
      for (let tid = 0; tid < WG; tid++) {
        for (let m = 0; m < CH; m++) {
          const j = unitOf(num, WG, tid, m);
          if (j >= U) continue;
          for (let r = 0; r < R; r++) shared[sharedHIndex(num, d, r, j)] = hn[tid][r * CH + m];
        }
      }
      // barrier
    }
  }
  return result;
}

/** Inputs of the backward kernel (see backwardShader). */
export interface BackwardKernelInputs {
  batch: number;
  time: number;
  units: number;
  cache: Float32Array;
  /** recurrentKernel transposed, `[4u, u]`. */
  rkT: Float32Array;
  c0: Float32Array;
  dys: Float32Array;
  dhT: Float32Array;
  dcT: Float32Array;
}

/** Runs the backward kernel; returns grad `[batch, time + 1, 4, u]`. */
export function emulateBackward(p: BackwardKernelInputs, plan: LstmPlan): Float32Array {
  const { batch: B, time: T, units: U } = p;
  const d: LayoutDims<number> = { T, U };
  const { rowsPerGroup: R, groupSize: WG, chunks: CH, groups } = plan;
  const result = new Float32Array(B * (T + 1) * 4 * U);
  for (let g = 0; g < groups; g++) {
    const shared = new Float32Array(R * 4 * U);
    const dh = Array.from({ length: WG }, () => new Float32Array(R * CH));
    const dc = Array.from({ length: WG }, () => new Float32Array(R * CH));
    for (let tid = 0; tid < WG; tid++) {
      for (let m = 0; m < CH; m++) {
        const j = unitOf(num, WG, tid, m);
        for (let r = 0; r < R; r++) {
          const b = rowOf(num, R, g, r);
          const inside = j < U && b < B;
          dh[tid][r * CH + m] = inside ? p.dhT[stateIndex(num, d, b, j)] : 0;
          dc[tid][r * CH + m] = inside ? p.dcT[stateIndex(num, d, b, j)] : 0;
        }
      }
    }
    for (let s = 0; s < T; s++) {
      const t = T - 1 - s;
      // barrier
      for (let tid = 0; tid < WG; tid++) {
        for (let m = 0; m < CH; m++) {
          const j = unitOf(num, WG, tid, m);
          if (j >= U) continue;
          for (let r = 0; r < R; r++) {
            const b = rowOf(num, R, g, r);
            if (b >= B) {
              for (let gate = 0; gate < 4; gate++) shared[sharedDzIndex(num, d, r, gate, j)] = 0;
              continue;
            }
            const dhj = f(dh[tid][r * CH + m] + p.dys[seqIndex(num, d, b, t, j)]);
            const [gi, gf, gg, go] = [0, 1, 2, 3].map((gate) => p.cache[cacheIndex(num, d, b, t, gate, j)]);
            const tc = tanh(p.cache[cacheIndex(num, d, b, t, SLOT_CELL, j)]);
            const cPrev = t > 0 ? p.cache[cacheIndex(num, d, b, t - 1, SLOT_CELL, j)] : p.c0[stateIndex(num, d, b, j)];
            const dcj = f(dc[tid][r * CH + m] + dhj * go * (1 - tc * tc));
            const dz = [dcj * gg * gi * (1 - gi), dcj * cPrev * gf * (1 - gf), dcj * gi * (1 - gg * gg), dhj * tc * go * (1 - go)].map(f);
            dc[tid][r * CH + m] = f(dcj * gf);
            dz.forEach((v, gate) => {
              result[gradIndex(num, d, b, t, gate, j)] = v;
              shared[sharedDzIndex(num, d, r, gate, j)] = v;
            });
          }
        }
      }
      // barrier
      for (let tid = 0; tid < WG; tid++) {
        for (let m = 0; m < CH; m++) {
          const k = unitOf(num, WG, tid, m);
          if (k >= U) continue;
          const acc = new Array<number>(R).fill(0);
          for (let q = 0; q < 4 * U; q++) {
            const w = p.rkT[rkTIndex(num, d, 0, q, k)];
            for (let r = 0; r < R; r++) acc[r] = f(acc[r] + f(shared[sharedDzIndex(num, d, r, 0, q)] * w));
          }
          for (let r = 0; r < R; r++) dh[tid][r * CH + m] = acc[r];
        }
      }
    }
    for (let tid = 0; tid < WG; tid++) {
      for (let m = 0; m < CH; m++) {
        const j = unitOf(num, WG, tid, m);
        for (let r = 0; r < R; r++) {
          const b = rowOf(num, R, g, r);
          if (j < U && b < B) {
            result[gradIndex(num, d, b, T, 0, j)] = dh[tid][r * CH + m];
            result[gradIndex(num, d, b, T, 1, j)] = dc[tid][r * CH + m];
          }
        }
      }
    }
  }
  return result;
}
