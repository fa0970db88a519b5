/**
 * WGSL of the two persistent LSTM kernels, as the `getUserCode()` of tfjs WebGPU programs: tfjs adds the
 * bindings (`result` = the single output, then one read-only array per input in `variableNames` order), the
 * `uniforms` struct and `_start`, which calls `main(index)`. Index formulas come from ./layout, so the CPU
 * emulation (./emulate) walks the same addresses. Sizes that shape the code (units, rows per group, group size)
 * are literals; batch and time are uniforms, so a new batch or sequence length reuses the compiled pipeline.
 */
import {
  CACHE_SLOTS,
  cacheIndex,
  gradIndex,
  type LayoutDims,
  type LstmPlan,
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
  wgsl,
  xprojIndex,
} from './layout';

/** Uniforms both programs declare after tfjs' own (shapes and strides). */
export const LSTM_UNIFORMS = 'batch : i32, steps : i32,';

const D = (units: number): LayoutDims<string> => ({ T: 'uniforms.steps', U: wgsl.lit(units) });

/** The layout formulas as WGSL functions, so the kernels below read like the TypeScript emulation. */
function indexFunctions(units: number): string {
  const d = D(units);
  const a = wgsl;
  const lit = (n: number) => a.lit(n);
  return `
const LSTM_U : i32 = ${units};
fn lstm_seq_row(b : i32, t : i32) -> i32 { return ${seqRow(a, d, 'b', 't')}; }
fn lstm_xproj(row : i32, gate : i32, j : i32) -> i32 { return ${xprojIndex(a, d, 'row', 'gate', 'j')}; }
fn lstm_rk(k : i32, gate : i32, j : i32) -> i32 { return ${rkIndex(a, d, 'k', 'gate', 'j')}; }
fn lstm_rkT(gate : i32, j : i32, k : i32) -> i32 { return ${rkTIndex(a, d, 'gate', 'j', 'k')}; }
fn lstm_cache(b : i32, t : i32, slot : i32, j : i32) -> i32 { return ${cacheIndex(a, d, 'b', 't', 'slot', 'j')}; }
fn lstm_grad(b : i32, t : i32, gate : i32, j : i32) -> i32 { return ${gradIndex(a, d, 'b', 't', 'gate', 'j')}; }
fn lstm_seq(b : i32, t : i32, j : i32) -> i32 { return ${seqIndex(a, d, 'b', 't', 'j')}; }
fn lstm_state(b : i32, j : i32) -> i32 { return ${stateIndex(a, d, 'b', 'j')}; }
fn lstm_h_at(r : i32, k : i32) -> i32 { return ${sharedHIndex(a, d, 'r', 'k')}; }
fn lstm_dz_at(r : i32, gate : i32, j : i32) -> i32 { return ${sharedDzIndex(a, d, 'r', 'gate', 'j')}; }
// Cache slots: gates 0..3 (i, f, c, o), the cell ${SLOT_CELL}, h ${SLOT_H} (${CACHE_SLOTS} in all).
const LSTM_SLOT_CELL : i32 = ${lit(SLOT_CELL)};
const LSTM_SLOT_H : i32 = ${lit(SLOT_H)};
fn lstm_sigmoid(z : f32) -> f32 { return 1.0 / (1.0 + exp(-z)); }
// tanh from exp(-2|z|): never overflows (a plain (e^2z - 1) / (e^2z + 1) gives NaN for large z on some drivers).
fn lstm_tanh(z : f32) -> f32 {
  let e = exp(-2.0 * abs(z));
  return sign(z) * (1.0 - e) / (1.0 + e);
}
`;
}

function rows(plan: LstmPlan): number[] {
  return Array.from({ length: plan.rowsPerGroup }, (_, r) => r);
}

function planHeader(plan: LstmPlan): string {
  return `
const LSTM_R : i32 = ${plan.rowsPerGroup};
const LSTM_WG : i32 = ${plan.groupSize};
const LSTM_CH : i32 = ${plan.chunks};
fn lstm_row(g : i32, r : i32) -> i32 { return ${rowOf(wgsl, 'LSTM_R', 'g', 'r')}; }
fn lstm_unit(tid : i32, m : i32) -> i32 { return ${unitOf(wgsl, 'LSTM_WG', 'tid', 'm')}; }
`;
}

/**
 * Forward over the whole sequence. Inputs: xproj, rk, h0, c0 (+ ids `[batch·time]` int32 when `embedded`: then
 * xproj has one row per vocabulary entry). Output: cache `[batch, time, 6, u]`.
 * Per step each thread computes the four gate sums of its units for the group's rows (rk read once per k for
 * all rows, h broadcast from workgroup memory), updates c in registers, then the group swaps in the new h.
 */
export function forwardShader(units: number, plan: LstmPlan, embedded: boolean): string {
  const R = rows(plan);
  const row = (r: number) =>
    embedded ? `ids[lstm_seq_row(bb${r}, t)]` : `lstm_seq_row(bb${r}, t)`;
  return `${indexFunctions(units)}${planHeader(plan)}
var<workgroup> lstm_h : array<f32, ${plan.rowsPerGroup * units}>;

fn main(index : i32) {
  let tid = i32(localIndex);
  let g = i32(workgroupId.x);
  var c : array<f32, ${plan.rowsPerGroup * plan.chunks}>;
  var hn : array<f32, ${plan.rowsPerGroup * plan.chunks}>;
  for (var m = 0; m < LSTM_CH; m++) {
    let j = lstm_unit(tid, m);
    if (j < LSTM_U) {
${R.map(
  (r) => `      {
        let b = lstm_row(g, ${r});
        if (b < uniforms.batch) {
          c[${r} * LSTM_CH + m] = c0[lstm_state(b, j)];
          lstm_h[lstm_h_at(${r}, j)] = h0[lstm_state(b, j)];
        } else {
          c[${r} * LSTM_CH + m] = 0.0;
          lstm_h[lstm_h_at(${r}, j)] = 0.0;
        }
      }`,
).join('\n')}
    }
  }
  workgroupBarrier();
  for (var t = 0; t < uniforms.steps; t++) {
    for (var m = 0; m < LSTM_CH; m++) {
      let j = lstm_unit(tid, m);
      if (j < LSTM_U) {
${R.map(
  (r) => `        // Rows past the batch compute on row batch-1 and write nothing.
        let bb${r} = min(lstm_row(g, ${r}), uniforms.batch - 1);
        let row${r} = ${row(r)};
        var zi${r} = xproj[lstm_xproj(row${r}, 0, j)];
        var zf${r} = xproj[lstm_xproj(row${r}, 1, j)];
        var zg${r} = xproj[lstm_xproj(row${r}, 2, j)];
        var zo${r} = xproj[lstm_xproj(row${r}, 3, j)];`,
).join('\n')}
        for (var k = 0; k < LSTM_U; k++) {
          let wi = rk[lstm_rk(k, 0, j)];
          let wf = rk[lstm_rk(k, 1, j)];
          let wg = rk[lstm_rk(k, 2, j)];
          let wo = rk[lstm_rk(k, 3, j)];
${R.map(
  (r) => `          {
            let hk = lstm_h[lstm_h_at(${r}, k)];
            zi${r} = zi${r} + hk * wi;
            zf${r} = zf${r} + hk * wf;
            zg${r} = zg${r} + hk * wg;
            zo${r} = zo${r} + hk * wo;
          }`,
).join('\n')}
        }
${R.map(
  (r) => `        {
          let b = lstm_row(g, ${r});
          let gi = lstm_sigmoid(zi${r});
          let gf = lstm_sigmoid(zf${r});
          let gg = lstm_tanh(zg${r});
          let go = lstm_sigmoid(zo${r});
          let cell = gf * c[${r} * LSTM_CH + m] + gi * gg;
          let h = go * lstm_tanh(cell);
          c[${r} * LSTM_CH + m] = cell;
          hn[${r} * LSTM_CH + m] = h;
          if (b < uniforms.batch) {
            result[lstm_cache(b, t, 0, j)] = gi;
            result[lstm_cache(b, t, 1, j)] = gf;
            result[lstm_cache(b, t, 2, j)] = gg;
            result[lstm_cache(b, t, 3, j)] = go;
            result[lstm_cache(b, t, LSTM_SLOT_CELL, j)] = cell;
            result[lstm_cache(b, t, LSTM_SLOT_H, j)] = h;
          }
        }`,
).join('\n')}
      }
    }
    // Everyone has read this step's h; only then may it be replaced.
    workgroupBarrier();
    for (var m = 0; m < LSTM_CH; m++) {
      let j = lstm_unit(tid, m);
      if (j < LSTM_U) {
        for (var r = 0; r < LSTM_R; r++) {
          lstm_h[lstm_h_at(r, j)] = hn[r * LSTM_CH + m];
        }
      }
    }
    workgroupBarrier();
  }
}
`;
}

/**
 * Backward through the whole sequence, last step first. Inputs: cache, rkT `[4u, u]`, c0, dys `[batch, time, u]`,
 * dhT, dcT. Output: grad `[batch, time + 1, 4, u]` (dz per step; dh0, dc0 at step `time`).
 * Per step each thread turns dh, dc of its units into the four dz (kept in workgroup memory for the group's
 * rows), then computes dh of its units for the previous step as dz · rkᵀ (rkT rows read coalesced).
 */
export function backwardShader(units: number, plan: LstmPlan): string {
  const R = rows(plan);
  return `${indexFunctions(units)}${planHeader(plan)}
var<workgroup> lstm_dz : array<f32, ${plan.rowsPerGroup * 4 * units}>;

fn main(index : i32) {
  let tid = i32(localIndex);
  let g = i32(workgroupId.x);
  var dh : array<f32, ${plan.rowsPerGroup * plan.chunks}>;
  var dc : array<f32, ${plan.rowsPerGroup * plan.chunks}>;
  for (var m = 0; m < LSTM_CH; m++) {
    let j = lstm_unit(tid, m);
    for (var r = 0; r < LSTM_R; r++) {
      let b = lstm_row(g, r);
      if (j < LSTM_U && b < uniforms.batch) {
        dh[r * LSTM_CH + m] = dhT[lstm_state(b, j)];
        dc[r * LSTM_CH + m] = dcT[lstm_state(b, j)];
      } else {
        dh[r * LSTM_CH + m] = 0.0;
        dc[r * LSTM_CH + m] = 0.0;
      }
    }
  }
  for (var s = 0; s < uniforms.steps; s++) {
    let t = uniforms.steps - 1 - s;
    // The previous step's products have read lstm_dz; now it may be overwritten.
    workgroupBarrier();
    for (var m = 0; m < LSTM_CH; m++) {
      let j = lstm_unit(tid, m);
      if (j < LSTM_U) {
${R.map(
  (r) => `        {
          let b = lstm_row(g, ${r});
          if (b < uniforms.batch) {
            let dhj = dh[${r} * LSTM_CH + m] + dys[lstm_seq(b, t, j)];
            let gi = cache[lstm_cache(b, t, 0, j)];
            let gf = cache[lstm_cache(b, t, 1, j)];
            let gg = cache[lstm_cache(b, t, 2, j)];
            let go = cache[lstm_cache(b, t, 3, j)];
            let tc = lstm_tanh(cache[lstm_cache(b, t, LSTM_SLOT_CELL, j)]);
            var cPrev = 0.0;
            if (t > 0) {
              cPrev = cache[lstm_cache(b, t - 1, LSTM_SLOT_CELL, j)];
            } else {
              cPrev = c0[lstm_state(b, j)];
            }
            let dcj = dc[${r} * LSTM_CH + m] + dhj * go * (1.0 - tc * tc);
            let dzi = dcj * gg * gi * (1.0 - gi);
            let dzf = dcj * cPrev * gf * (1.0 - gf);
            let dzg = dcj * gi * (1.0 - gg * gg);
            let dzo = dhj * tc * go * (1.0 - go);
            dc[${r} * LSTM_CH + m] = dcj * gf;
            result[lstm_grad(b, t, 0, j)] = dzi;
            result[lstm_grad(b, t, 1, j)] = dzf;
            result[lstm_grad(b, t, 2, j)] = dzg;
            result[lstm_grad(b, t, 3, j)] = dzo;
            lstm_dz[lstm_dz_at(${r}, 0, j)] = dzi;
            lstm_dz[lstm_dz_at(${r}, 1, j)] = dzf;
            lstm_dz[lstm_dz_at(${r}, 2, j)] = dzg;
            lstm_dz[lstm_dz_at(${r}, 3, j)] = dzo;
          } else {
            lstm_dz[lstm_dz_at(${r}, 0, j)] = 0.0;
            lstm_dz[lstm_dz_at(${r}, 1, j)] = 0.0;
            lstm_dz[lstm_dz_at(${r}, 2, j)] = 0.0;
            lstm_dz[lstm_dz_at(${r}, 3, j)] = 0.0;
          }
        }`,
).join('\n')}
      }
    }
    workgroupBarrier();
    for (var m = 0; m < LSTM_CH; m++) {
      let k = lstm_unit(tid, m);
      if (k < LSTM_U) {
${R.map((r) => `        var acc${r} = 0.0;`).join('\n')}
        for (var q = 0; q < 4 * LSTM_U; q++) {
          // q = gate·u + j runs down column k of rkᵀ: neighbouring threads read neighbouring words.
          let w = rkT[lstm_rkT(0, q, k)];
${R.map((r) => `          acc${r} = acc${r} + lstm_dz[lstm_dz_at(${r}, 0, q)] * w;`).join('\n')}
        }
${R.map((r) => `        dh[${r} * LSTM_CH + m] = acc${r};`).join('\n')}
      }
    }
  }
  for (var m = 0; m < LSTM_CH; m++) {
    let j = lstm_unit(tid, m);
    for (var r = 0; r < LSTM_R; r++) {
      let b = lstm_row(g, r);
      if (j < LSTM_U && b < uniforms.batch) {
        result[lstm_grad(b, uniforms.steps, 0, j)] = dh[r * LSTM_CH + m];
        result[lstm_grad(b, uniforms.steps, 1, j)] = dc[r * LSTM_CH + m];
        result[lstm_grad(b, uniforms.steps, 2, j)] = 0.0;
        result[lstm_grad(b, uniforms.steps, 3, j)] = 0.0;
      }
    }
  }
}
`;
}
