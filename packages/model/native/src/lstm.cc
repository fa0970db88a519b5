// The input projection X W (and in the backward dX, dW, dU) runs as one large GEMM over all time steps; only
// the recurrent h U (M = batch) and the gate arithmetic are sequential, shared out over the thread pool by rows
// (each thread its own batch rows for the whole sequence) or by units (each step cut by units), see lstm.h. U is
// packed once per call. The *_embedded variants take x as rows of an embedding table and project the table
// instead of the sequence.
#include "lstm.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pool.h"
#include "sgemm.h"
#include "vmath.h"

namespace tl {

namespace {

// Rows whose cell tanh is taken in one call (a stack buffer of this many tiles).
constexpr int kMaxBatchTile = 64;
// Units per task of a recurrence step: two panels. One panel (16 units) gives more tasks but makes every task
// stream the whole packed dz_t (B x 4U) through L1 in the backward; two halves that, and still give 8 tasks a
// step for 256 units, enough for a fast core to take more of them than a slow one.
constexpr int kTaskPanels = 2;
constexpr int kTaskUnits = kTaskPanels * kNR;

// A task's working rows (forward: B rows x 4 gates x kTaskUnits), one buffer per thread, grown as needed.
float* task_scratch(size_t n) {
  thread_local AlignedFloats buf;
  thread_local size_t cap = 0;
  if (n > cap) {
    buf.reset(n, false);
    cap = n;
  }
  return buf.data();
}

// The elementwise parts run once per (step, row) over U units: AVX2 clones where the CPU has it (ifunc
// dispatch), baseline SSE2 otherwise.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TL_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define TL_CLONES
#endif

// c = f c + i g; tc = c (tanh applied by the caller).
TL_CLONES void cell_update(int U, const float* __restrict ig, const float* __restrict fg,
                           const float* __restrict gg, float* __restrict c, float* __restrict tc) {
  for (int j = 0; j < U; ++j) {
    c[j] = fg[j] * c[j] + ig[j] * gg[j];
    tc[j] = c[j];
  }
}

TL_CLONES void hidden_out(int U, const float* __restrict og, const float* __restrict tc, float* __restrict y) {
  for (int j = 0; j < U; ++j) y[j] = og[j] * tc[j];
}

// Gate gradients of one row at one step, for n units: gate g of unit j at gz[g * gs + j] and dz[g * gs + j].
// gz: activated gates (i, f, g, o); tc = tanh(c_t); dy: upstream gradient of h_t; dh, dc: carried gradients
// (dc is replaced by the one for c_{t-1}); dz: written.
TL_CLONES void gate_grads(int n, ptrdiff_t gs, const float* __restrict gz, const float* __restrict tc,
                          const float* __restrict cprev, const float* __restrict dy, const float* __restrict dh,
                          float* __restrict dc, float* __restrict dz) {
  const float* ig = gz;
  const float* fg = gz + gs;
  const float* gg = gz + 2 * gs;
  const float* og = gz + 3 * gs;
  for (int j = 0; j < n; ++j) {
    float dhj = dh[j] + dy[j];
    float o = og[j], i = ig[j], f = fg[j], g = gg[j], tcj = tc[j];
    float dcj = dc[j] + dhj * o * (1.0f - tcj * tcj);
    dz[j] = dcj * g * i * (1.0f - i);
    dz[gs + j] = dcj * cprev[j] * f * (1.0f - f);
    dz[2 * gs + j] = dcj * i * (1.0f - g * g);
    dz[3 * gs + j] = dhj * tcj * o * (1.0f - o);
    dc[j] = dcj * f;
  }
}

// Which way the recurrence shares a step out (see lstm.h): kAuto means by rows wherever the CPU has the rows kernel.
std::atomic<int> g_path{static_cast<int>(RecurrencePath::kAuto)};

bool rows_allowed() {
  const auto p = static_cast<RecurrencePath>(g_path.load(std::memory_order_relaxed));
  return rows_kernel_available() && p != RecurrencePath::kUnits;
}

// Row blocks of a batch of B on the current threads: one per thread, but no fewer than kBlockRows rows a block
// (each block streams all of U every step), and one on one thread.
constexpr int kBlockRows = 4;
int row_blocks(int B) {
  const int most = B / kBlockRows > 1 ? B / kBlockRows : 1;
  const int threads = current_threads();
  return threads < most ? threads : most;
}
inline int block_start(int B, int R, int k) { return static_cast<int>(static_cast<int64_t>(B) * k / R); }

// By rows where allowed, unless the batch is too small to give more than one thread rows of its own (then the
// units path keeps the threads busy; on one thread rows, for the wider kernel).
bool by_rows(int B) {
  if (!rows_allowed()) return false;
  if (static_cast<RecurrencePath>(g_path.load(std::memory_order_relaxed)) == RecurrencePath::kRows) return true;
  return current_threads() == 1 || row_blocks(B) > 1;
}

// One step of a single sequence (sampling): too little work to share out, so it stays on this thread.
void recur_forward_one_step(LstmDims d, float* z, const float* h0, const float* c0, const float* Uk,
                            const float* b, float* ys, float* hT, float* cT, float* cs) {
  const int B = d.B, U = d.U, G = 4 * U;
  sgemm(B, G, U, MatView{h0, U, 1}, MatView{Uk, G, 1}, 1.0f, z, G);
  std::vector<float> c(c0, c0 + static_cast<size_t>(B) * U);
  std::vector<float> tc(U);
  for (int bi = 0; bi < B; ++bi) {
    float* zr = z + static_cast<ptrdiff_t>(bi) * G;
    for (int j = 0; j < G; ++j) zr[j] += b[j];
    vsigmoid(zr, 2 * U);
    vtanh(zr + 2 * U, U);
    vsigmoid(zr + 3 * U, U);
    float* cr = c.data() + static_cast<ptrdiff_t>(bi) * U;
    cell_update(U, zr, zr + U, zr + 2 * U, cr, tc.data());
    vtanh(tc.data(), U);
    float* yr = ys + static_cast<ptrdiff_t>(bi) * U;
    hidden_out(U, zr + 3 * U, tc.data(), yr);
    if (cs != nullptr) std::memcpy(cs + static_cast<ptrdiff_t>(bi) * U, cr, sizeof(float) * U);
  }
  if (hT != nullptr) std::memcpy(hT, ys, sizeof(float) * B * U);
  if (cT != nullptr) std::memcpy(cT, c.data(), sizeof(float) * B * U);
}

// The sequential part of the forward: z [B, T, 4U] holds the input projection of every step (no bias) and
// becomes the activated gates (when cs is given: the backward's cache). Each step is cut into tasks of kTaskUnits
// units (whole micro-kernel panels): a task copies its units' projections out of z, multiplies h_{t-1} by its
// units' columns of each gate's block of U onto them, runs the gates, the cell and h_t for those units, and
// writes h_t straight into the packed layout the next step multiplies by. Everything a unit needs is in its own
// task, so a step needs one barrier (the end of the pool's run) and no reduction; with one thread the same tasks
// run in order, hence the same numbers.
// By rows (by_rows), a task is instead a block of rows for the whole sequence, running the same per-tile steps in
// place in z.
//
// With proj and ids (an embedded layer), z holds nothing yet on entry: a task takes its units' columns of row
// ids[b, t] of proj [V, 4U] for its rows where it would take them from z, so the gathered projection is read by
// the thread that uses it, instead of written over all of z in a pass before the recurrence (with two threads,
// half of every step's gate inputs would come from the other core's cache). The numbers are the same either way.
void recur_forward(LstmDims d, float* z, const float* h0, const float* c0, const float* Uk, const float* b,
                   float* ys, float* hT, float* cT, float* cs, const float* proj = nullptr,
                   const int32_t* ids = nullptr) {
  const int B = d.B, T = d.T, U = d.U, G = 4 * U;
  if (T == 1) {
    if (proj != nullptr)
      for (int r = 0; r < B; ++r)
        std::memcpy(z + static_cast<ptrdiff_t>(r) * G, proj + static_cast<ptrdiff_t>(ids[r]) * G, sizeof(float) * G);
    return recur_forward_one_step(d, z, h0, c0, Uk, b, ys, hT, cT, cs);
  }
  const ptrdiff_t zrow = static_cast<ptrdiff_t>(T) * G;  // row stride of one time step's gates
  const ptrdiff_t yrow = static_cast<ptrdiff_t>(T) * U;
  const int tiles = (U + kTaskUnits - 1) / kTaskUnits;
  // Each gate's block of U packed on its own, so a task's units are whole panels in every gate.
  PackedB ug[4];
  for (int g = 0; g < 4; ++g) pack_b(MatView{Uk + g * U, G, 1}, U, U, ug[g]);
  AlignedFloats c(static_cast<size_t>(B) * U, false);
  std::memcpy(c.data(), c0, sizeof(float) * B * U);
  // The gathered projection (embedded layer) into z for rows [r0, r1) and a tile's units at step t (the rows path).
  auto gather = [&](int t, int tile, int r0, int r1) {
    if (proj == nullptr) return;
    const int u0 = tile * kTaskUnits;
    const int n = U - u0 < kTaskUnits ? U - u0 : kTaskUnits;
    for (int bi = r0; bi < r1; ++bi) {
      const float* src = proj + static_cast<ptrdiff_t>(ids[static_cast<ptrdiff_t>(bi) * T + t]) * G;
      float* zr = z + bi * zrow + static_cast<ptrdiff_t>(t) * G;
      for (int g = 0; g < 4; ++g) std::memcpy(zr + g * U + u0, src + g * U + u0, sizeof(float) * n);
    }
  };
  // After h_{t-1} U: bias, gates, cell and h_t for rows [r0, r1) and a tile's units, from their pre-activations at zs
  // (row r0's first unit; gate g gs floats on, each row rs floats after the one before), activated in place; h_t
  // also into hnext (packed for the next step's product) unless it is null.
  auto finish = [&](int t, int tile, int r0, int r1, float* zs, ptrdiff_t gs, ptrdiff_t rs, float* hnext) {
    const int u0 = tile * kTaskUnits;
    const int n = U - u0 < kTaskUnits ? U - u0 : kTaskUnits;
    const int M = r1 - r0;
    for (int r = 0; r < M; ++r) {
      float* zr = zs + r * rs;
      for (int g = 0; g < 4; ++g)
        for (int j = 0; j < n; ++j) zr[g * gs + j] += b[g * U + u0 + j];
    }
    // The activations of all rows at once: one call per gate instead of one per row and gate.
    vsigmoid_rows(zs, M, rs, n);
    vsigmoid_rows(zs + gs, M, rs, n);
    vtanh_rows(zs + 2 * gs, M, rs, n);
    vsigmoid_rows(zs + 3 * gs, M, rs, n);
    float tc[kMaxBatchTile * kTaskUnits];
    for (int b0 = r0; b0 < r1; b0 += kMaxBatchTile) {
      const int rows = r1 - b0 < kMaxBatchTile ? r1 - b0 : kMaxBatchTile;
      for (int r = 0; r < rows; ++r) {
        float* zr = zs + (b0 - r0 + r) * rs;
        cell_update(n, zr, zr + gs, zr + 2 * gs, c.data() + static_cast<ptrdiff_t>(b0 + r) * U + u0, tc + r * kTaskUnits);
      }
      vtanh_rows(tc, rows, kTaskUnits, n);
      for (int r = 0; r < rows; ++r) {
        const int bi = b0 + r;
        const float* zr = zs + (bi - r0) * rs;
        float* cr = c.data() + static_cast<ptrdiff_t>(bi) * U + u0;
        float* yr = ys + bi * yrow + static_cast<ptrdiff_t>(t) * U + u0;
        hidden_out(n, zr + 3 * gs, tc + r * kTaskUnits, yr);
        if (cs != nullptr) std::memcpy(cs + bi * yrow + static_cast<ptrdiff_t>(t) * U + u0, cr, sizeof(float) * n);
      }
      if (hnext != nullptr)
        pack_rows_into(hnext, B, U, b0, rows, u0, n, ys + b0 * yrow + static_cast<ptrdiff_t>(t) * U + u0, yrow);
    }
  };
  if (by_rows(B)) {
    // Each task owns whole rows for the whole sequence and multiplies its own h_{t-1} rows, read where they were
    // written (ys, or h0 at the first step): nothing crosses between threads until the end.
    const int R = row_blocks(B);
    parallel_tasks(R, [&](int blk) {
      const int r0 = block_start(B, R, blk), r1 = block_start(B, R, blk + 1);
      // The block's h_{t-1} side by side: rows of ys lie T * U floats apart (64 KiB for the seed's layers), which
      // puts every row in the same L1 set.
      std::vector<float> hrows(static_cast<size_t>(r1 - r0) * U);
      for (int t = 0; t < T; ++t) {
        for (int r = r0; r < r1; ++r)
          std::memcpy(hrows.data() + static_cast<ptrdiff_t>(r - r0) * U,
                      t == 0 ? h0 + static_cast<ptrdiff_t>(r) * U : ys + r * yrow + static_cast<ptrdiff_t>(t - 1) * U,
                      sizeof(float) * U);
        float* zb = z + r0 * zrow + static_cast<ptrdiff_t>(t) * G;
        for (int tile = 0; tile < tiles; ++tile) {
          gather(t, tile, r0, r1);
          for (int g = 0; g < 4; ++g)
            sgemm_rows_panels(r1 - r0, hrows.data(), U, ug[g], tile * kTaskPanels, (tile + 1) * kTaskPanels, 1.0f,
                              zb + g * U, zrow);
          finish(t, tile, r0, r1, zb + tile * kTaskUnits, U, zrow, nullptr);
        }
      }
    });
  } else {
    const size_t hsize = packed_a_size(B, U);
    AlignedFloats hpack[2] = {AlignedFloats(hsize), AlignedFloats(hsize)};
    pack_a_all(MatView{h0, U, 1}, B, U, hpack[0].data());
    for (int t = 0; t < T; ++t) {
      float* zt = z + static_cast<ptrdiff_t>(t) * G;
      const float* hprev = hpack[t & 1].data();
      float* hnext = t + 1 == T ? nullptr : hpack[(t + 1) & 1].data();
      parallel_tasks(tiles, [&](int tile) {
        const int u0 = tile * kTaskUnits;
        const int n = U - u0 < kTaskUnits ? U - u0 : kTaskUnits;
        // The task's pre-activations side by side (gs, rs below) rather than in place in z, whose rows lie T * 4U
        // floats apart (256 KiB for the seed's layers): there every row of the product's tiles and of the
        // activations' passes fell in the same L1 set. Filled from z or, in an embedded layer, from proj.
        float* zs = task_scratch(static_cast<size_t>(B) * 4 * kTaskUnits);
        constexpr ptrdiff_t gs = kTaskUnits, rs = 4 * kTaskUnits;
        for (int bi = 0; bi < B; ++bi) {
          const float* src = proj != nullptr ? proj + static_cast<ptrdiff_t>(ids[static_cast<ptrdiff_t>(bi) * T + t]) * G
                                             : zt + bi * zrow;
          for (int g = 0; g < 4; ++g) std::memcpy(zs + bi * rs + g * gs, src + g * U + u0, sizeof(float) * n);
        }
        for (int g = 0; g < 4; ++g)
          sgemm_packed_panels(B, hprev, ug[g], tile * kTaskPanels, (tile + 1) * kTaskPanels, 1.0f, zs + g * gs, rs);
        finish(t, tile, 0, B, zs, gs, rs, hnext);
        // The activated gates are the backward's cache: kept in z only when there will be a backward.
        if (cs != nullptr)
          for (int bi = 0; bi < B; ++bi)
            for (int g = 0; g < 4; ++g)
              std::memcpy(zt + bi * zrow + g * U + u0, zs + bi * rs + g * gs, sizeof(float) * n);
      });
    }
  }
  for (int bi = 0; bi < B; ++bi) {
    if (hT != nullptr)
      std::memcpy(hT + static_cast<ptrdiff_t>(bi) * U, ys + bi * yrow + static_cast<ptrdiff_t>(T - 1) * U,
                  sizeof(float) * U);
  }
  if (cT != nullptr) std::memcpy(cT, c.data(), sizeof(float) * B * U);
}

// out[j] = sum over rows r of src[r * ld + j], j in [0, G), each column summed in row order: the columns are
// shared out in groups of 64, so any thread count adds the same numbers in the same order.
void column_sums(int rows, int G, const float* src, ptrdiff_t ld, float* out) {
  constexpr int kCols = 64;
  parallel_tasks((G + kCols - 1) / kCols, [&](int task) {
    const int j0 = task * kCols;
    const int j1 = G - j0 < kCols ? G : j0 + kCols;
    std::memset(out + j0, 0, sizeof(float) * (j1 - j0));
    for (int r = 0; r < rows; ++r) {
      const float* zr = src + static_cast<ptrdiff_t>(r) * ld;
      for (int j = j0; j < j1; ++j) out[j] += zr[j];
    }
  });
}

// The sequential part of the backward: fills dz [B, T, 4U] (gradient of the pre-activation gates), and the
// gradients that do not involve the input: dh0, dc0, dU, db. Cut like the forward: the task of kTaskUnits
// units at step t first finishes dh_t for its units (dz_{t+1} times their columns of U^T), then their gate
// gradients, which it also writes packed for the next (earlier) step's product. One barrier a step. By rows, a
// task is a block of rows for the whole sequence, as in the forward.
void recur_backward(LstmDims d, const float* h0, const float* c0, const float* Uk, const float* ys,
                    const float* gates, const float* cs, const float* dys, const float* dhT, const float* dcT,
                    AlignedFloats& dz, float* dh0, float* dc0, float* dU, float* db) {
  const int B = d.B, T = d.T, U = d.U, G = 4 * U;
  const ptrdiff_t zrow = static_cast<ptrdiff_t>(T) * G;
  const ptrdiff_t yrow = static_cast<ptrdiff_t>(T) * U;
  // Every element of dz is written by the loop below before anything reads it.
  dz.reset(static_cast<size_t>(B) * T * G, false);
  AlignedFloats dh(static_cast<size_t>(B) * U), dc(static_cast<size_t>(B) * U);
  if (dhT != nullptr) std::memcpy(dh.data(), dhT, sizeof(float) * B * U);
  if (dcT != nullptr) std::memcpy(dc.data(), dcT, sizeof(float) * B * U);
  // dh_{t-1} = dz_t U^T: B operand is U^T [4U, U], a view of Uk with swapped strides; its panels are units.
  PackedB ut;
  pack_b(MatView{Uk, 1, G}, G, U, ut);
  const int tiles = (U + kTaskUnits - 1) / kTaskUnits;
  std::vector<float> zeros(U, 0.0f);
  // Gate gradients at step t for rows [r0, r1) and a tile's units, from dh_t; dz_t also into `packed` (for the
  // next, earlier, step's product) unless it is null.
  auto grads = [&](int t, int tile, int r0, int r1, float* packed) {
    const int u0 = tile * kTaskUnits;
    const int n = U - u0 < kTaskUnits ? U - u0 : kTaskUnits;
    float tc[kMaxBatchTile * kTaskUnits];
    for (int b0 = r0; b0 < r1; b0 += kMaxBatchTile) {
      const int rows = r1 - b0 < kMaxBatchTile ? r1 - b0 : kMaxBatchTile;
      for (int r = 0; r < rows; ++r)
        std::memcpy(tc + r * kTaskUnits, cs + (b0 + r) * yrow + static_cast<ptrdiff_t>(t) * U + u0, sizeof(float) * n);
      vtanh_rows(tc, rows, kTaskUnits, n);
      for (int r = 0; r < rows; ++r) {
        const int bi = b0 + r;
        const ptrdiff_t yoff = bi * yrow + static_cast<ptrdiff_t>(t) * U;
        const float* gz = gates + bi * zrow + static_cast<ptrdiff_t>(t) * G;
        const float* cprev = t > 0 ? cs + yoff - U : c0 + static_cast<ptrdiff_t>(bi) * U;
        float* dzr = dz.data() + bi * zrow + static_cast<ptrdiff_t>(t) * G;
        const float* dyr = dys != nullptr ? dys + yoff + u0 : zeros.data();
        gate_grads(n, U, gz + u0, tc + r * kTaskUnits, cprev + u0, dyr, dh.data() + static_cast<ptrdiff_t>(bi) * U + u0,
                   dc.data() + static_cast<ptrdiff_t>(bi) * U + u0, dzr + u0);
      }
      if (packed != nullptr)
        for (int g = 0; g < 4; ++g)
          pack_rows_into(packed, B, G, b0, rows, g * U + u0, n,
                         dz.data() + b0 * zrow + static_cast<ptrdiff_t>(t) * G + g * U + u0, zrow);
    }
  };
  if (by_rows(B)) {
    // Each task owns whole rows for the whole sequence and multiplies its own dz_{t+1} rows where grads wrote
    // them: nothing crosses between threads until the end.
    const int R = row_blocks(B);
    parallel_tasks(R, [&](int blk) {
      const int r0 = block_start(B, R, blk), r1 = block_start(B, R, blk + 1);
      float* dhb = dh.data() + static_cast<ptrdiff_t>(r0) * U;
      // The block's dz_{t+1} side by side, for the same reason: rows of dz lie T * 4U floats apart.
      std::vector<float> zrows(static_cast<size_t>(r1 - r0) * G);
      for (int t = T - 1; t >= -1; --t) {
        if (t < T - 1)
          for (int r = r0; r < r1; ++r)
            std::memcpy(zrows.data() + static_cast<ptrdiff_t>(r - r0) * G,
                        dz.data() + r * zrow + static_cast<ptrdiff_t>(t + 1) * G, sizeof(float) * G);
        for (int tile = 0; tile < tiles; ++tile) {
          if (t < T - 1)
            sgemm_rows_panels(r1 - r0, zrows.data(), G, ut, tile * kTaskPanels, (tile + 1) * kTaskPanels, 0.0f, dhb,
                              U);
          if (t >= 0) grads(t, tile, r0, r1, nullptr);
        }
      }
    });
  } else {
    const size_t zsize = packed_a_size(B, G);
    AlignedFloats zpack[2] = {AlignedFloats(zsize), AlignedFloats(zsize)};
    parallel_tasks(tiles, [&](int tile) { grads(T - 1, tile, 0, B, zpack[(T - 1) & 1].data()); });
    for (int t = T - 2; t >= 0; --t) {
      const float* later = zpack[(t + 1) & 1].data();
      float* packed = zpack[t & 1].data();
      parallel_tasks(tiles, [&](int tile) {
        sgemm_packed_panels(B, later, ut, tile * kTaskPanels, (tile + 1) * kTaskPanels, 0.0f,
                            dh.data() + tile * kTaskUnits, U);
        grads(t, tile, 0, B, packed);
      });
    }
    parallel_tasks(tiles, [&](int tile) {
      sgemm_packed_panels(B, zpack[0].data(), ut, tile * kTaskPanels, (tile + 1) * kTaskPanels, 0.0f,
                          dh.data() + tile * kTaskUnits, U);
    });
  }
  if (dh0 != nullptr) std::memcpy(dh0, dh.data(), sizeof(float) * B * U);
  if (dc0 != nullptr) std::memcpy(dc0, dc.data(), sizeof(float) * B * U);
  const int BT = B * T;
  // dU = Hprev^T dZ: all time steps in one GEMM.
  if (dU != nullptr) {
    std::vector<float> hprev(static_cast<size_t>(BT) * U);
    parallel_tasks(B, [&](int bi) {
      float* dst = hprev.data() + bi * yrow;
      std::memcpy(dst, h0 + static_cast<ptrdiff_t>(bi) * U, sizeof(float) * U);
      if (T > 1) std::memcpy(dst + U, ys + bi * yrow, sizeof(float) * (T - 1) * U);
    });
    sgemm(U, G, BT, MatView{hprev.data(), 1, U}, MatView{dz.data(), G, 1}, 0.0f, dU, G);
  }
  if (db != nullptr) column_sums(BT, G, dz.data(), G, db);
}

}  // namespace

void lstm_forward(LstmDims d, const float* x, const float* h0, const float* c0, const float* W, const float* Uk,
                  const float* b, float* ys, float* hT, float* cT, float* gates, float* cs) {
  const int G = 4 * d.U;
  // Without gates (no backward to come) a buffer of this call's, left unzeroed: the product below writes all of it.
  AlignedFloats zlocal;
  float* z = gates;
  if (z == nullptr) {
    zlocal.reset(static_cast<size_t>(d.B) * d.T * G, false);
    z = zlocal.data();
  }
  // z = X W for every (b, t) at once: [B*T, I] x [I, 4U].
  sgemm(d.B * d.T, G, d.I, MatView{x, d.I, 1}, MatView{W, G, 1}, 0.0f, z, G);
  recur_forward(d, z, h0, c0, Uk, b, ys, hT, cT, cs);
}

void lstm_backward(LstmDims d, const float* x, const float* h0, const float* c0, const float* W, const float* Uk,
                   const float* ys, const float* gates, const float* cs, const float* dys, const float* dhT,
                   const float* dcT, float* dx, float* dh0, float* dc0, float* dW, float* dU, float* db) {
  const int BT = d.B * d.T, I = d.I, G = 4 * d.U;
  AlignedFloats dz;
  recur_backward(d, h0, c0, Uk, ys, gates, cs, dys, dhT, dcT, dz, dh0, dc0, dU, db);
  // dX = dZ W^T, dW = X^T dZ: all time steps in one GEMM each.
  if (dx != nullptr) sgemm(BT, I, G, MatView{dz.data(), G, 1}, MatView{W, 1, G}, 0.0f, dx, I);
  if (dW != nullptr) sgemm(I, G, BT, MatView{x, 1, I}, MatView{dz.data(), G, 1}, 0.0f, dW, G);
}

void lstm_forward_embedded(LstmDims d, int V, const float* table, const int32_t* ids, const float* h0,
                           const float* c0, const float* W, const float* Uk, const float* b, float* ys, float* hT,
                           float* cT, float* gates, float* cs) {
  const int G = 4 * d.U;
  const size_t rows = static_cast<size_t>(d.B) * d.T;
  // Without gates, unzeroed: only the rows path and a one-step call write (then read) it; the units path takes the
  // gathered projection straight from proj and, with no backward to come, never touches it.
  AlignedFloats zlocal;
  float* z = gates;
  if (z == nullptr) {
    zlocal.reset(rows * G, false);
    z = zlocal.data();
  }
  // Row r of X W is row ids[r] of table W: V x E x 4U multiply-adds instead of B*T x E x 4U.
  std::vector<float> proj(static_cast<size_t>(V) * G);
  sgemm(V, G, d.I, MatView{table, d.I, 1}, MatView{W, G, 1}, 0.0f, proj.data(), G);
  recur_forward(d, z, h0, c0, Uk, b, ys, hT, cT, cs, proj.data(), ids);
}

void lstm_backward_embedded(LstmDims d, int V, const float* table, const int32_t* ids, const float* h0,
                            const float* c0, const float* W, const float* Uk, const float* ys, const float* gates,
                            const float* cs, const float* dys, const float* dhT, const float* dcT, float* dtable,
                            float* dh0, float* dc0, float* dW, float* dU, float* db) {
  const int E = d.I, G = 4 * d.U;
  const size_t rows = static_cast<size_t>(d.B) * d.T;
  AlignedFloats dz;
  recur_backward(d, h0, c0, Uk, ys, gates, cs, dys, dhT, dcT, dz, dh0, dc0, dU, db);
  // S^T dZ, S the one-hot rows of ids: the gate gradients summed per vocabulary entry, [V, 4U].
  // Shared out by columns (64 a task), each summed in row order: the same sums for any thread count.
  std::vector<float> per_id(static_cast<size_t>(V) * G, 0.0f);
  constexpr int kCols = 64;
  parallel_tasks((G + kCols - 1) / kCols, [&](int task) {
    const int j0 = task * kCols;
    const int j1 = G - j0 < kCols ? G : j0 + kCols;
    for (size_t r = 0; r < rows; ++r) {
      float* dst = per_id.data() + static_cast<size_t>(ids[r]) * G;
      const float* src = dz.data() + r * G;
      for (int j = j0; j < j1; ++j) dst[j] += src[j];
    }
  });
  // dW = X^T dZ = table^T (S^T dZ); dtable = S^T dX = (S^T dZ) W^T.
  if (dW != nullptr) sgemm(E, G, V, MatView{table, 1, E}, MatView{per_id.data(), G, 1}, 0.0f, dW, G);
  if (dtable != nullptr) sgemm(V, E, G, MatView{per_id.data(), G, 1}, MatView{W, 1, G}, 0.0f, dtable, E);
}

void set_recurrence_path(RecurrencePath path) { g_path.store(static_cast<int>(path), std::memory_order_relaxed); }

const char* recurrence_path_name() { return rows_allowed() ? "rows" : "units"; }

}  // namespace tl
