// The input projection X W (and in the backward dX, dW, dU) runs as one large GEMM over all time steps; only
// the recurrent h U (M = batch) and the gate arithmetic are sequential. U is packed once per call. The
// *_embedded variants take x as rows of an embedding table and project the table instead of the sequence.
#include "lstm.h"

#include <cstring>
#include <vector>

#include "sgemm.h"
#include "vmath.h"

namespace tl {

namespace {

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

// Gate gradients of one row at one step. gz: activated gates (i, f, g, o); tc = tanh(c_t); dy: upstream
// gradient of h_t; dh, dc: carried gradients (dc is replaced by the one for c_{t-1}); dz: written.
TL_CLONES void gate_grads(int U, const float* __restrict gz, const float* __restrict tc,
                          const float* __restrict cprev, const float* __restrict dy, const float* __restrict dh,
                          float* __restrict dc, float* __restrict dz) {
  const float* ig = gz;
  const float* fg = gz + U;
  const float* gg = gz + 2 * U;
  const float* og = gz + 3 * U;
  for (int j = 0; j < U; ++j) {
    float dhj = dh[j] + dy[j];
    float o = og[j], i = ig[j], f = fg[j], g = gg[j], tcj = tc[j];
    float dcj = dc[j] + dhj * o * (1.0f - tcj * tcj);
    dz[j] = dcj * g * i * (1.0f - i);
    dz[U + j] = dcj * cprev[j] * f * (1.0f - f);
    dz[2 * U + j] = dcj * i * (1.0f - g * g);
    dz[3 * U + j] = dhj * tcj * o * (1.0f - o);
    dc[j] = dcj * f;
  }
}

// The sequential part of the forward: z [B, T, 4U] holds the input projection of every step (no bias) and
// becomes the activated gates.
void recur_forward(LstmDims d, float* z, const float* h0, const float* c0, const float* Uk, const float* b,
                   float* ys, float* hT, float* cT, float* cs) {
  const int B = d.B, T = d.T, U = d.U, G = 4 * U;
  const ptrdiff_t zrow = static_cast<ptrdiff_t>(T) * G;  // row stride of one time step's gates
  const ptrdiff_t yrow = static_cast<ptrdiff_t>(T) * U;
  // Packing U pays off over many steps; a single step (sampling) multiplies by it directly.
  PackedB up;
  const bool packed = T > 1;
  if (packed) pack_b(MatView{Uk, G, 1}, U, G, up);
  auto recurrent = [&](const float* h, ptrdiff_t hrow, float* zt) {
    if (packed) {
      sgemm_packed(B, MatView{h, hrow, 1}, up, 1.0f, zt, zrow);
    } else {
      sgemm(B, G, U, MatView{h, hrow, 1}, MatView{Uk, G, 1}, 1.0f, zt, zrow);
    }
  };
  std::vector<float> c(c0, c0 + static_cast<size_t>(B) * U);
  std::vector<float> tc(U);
  for (int t = 0; t < T; ++t) {
    float* zt = z + static_cast<ptrdiff_t>(t) * G;
    if (t == 0) {
      recurrent(h0, U, zt);
    } else {
      recurrent(ys + static_cast<ptrdiff_t>(t - 1) * U, yrow, zt);
    }
    for (int bi = 0; bi < B; ++bi) {
      float* zr = zt + bi * zrow;
      for (int j = 0; j < G; ++j) zr[j] += b[j];
      vsigmoid(zr, 2 * U);
      vtanh(zr + 2 * U, U);
      vsigmoid(zr + 3 * U, U);
      const float* ig = zr;
      const float* fg = zr + U;
      const float* gg = zr + 2 * U;
      const float* og = zr + 3 * U;
      float* cr = c.data() + static_cast<ptrdiff_t>(bi) * U;
      cell_update(U, ig, fg, gg, cr, tc.data());
      vtanh(tc.data(), U);
      float* yr = ys + bi * yrow + static_cast<ptrdiff_t>(t) * U;
      hidden_out(U, og, tc.data(), yr);
      if (cs != nullptr) std::memcpy(cs + bi * yrow + static_cast<ptrdiff_t>(t) * U, cr, sizeof(float) * U);
    }
  }
  for (int bi = 0; bi < B; ++bi) {
    if (hT != nullptr)
      std::memcpy(hT + static_cast<ptrdiff_t>(bi) * U, ys + bi * yrow + static_cast<ptrdiff_t>(T - 1) * U,
                  sizeof(float) * U);
  }
  if (cT != nullptr) std::memcpy(cT, c.data(), sizeof(float) * B * U);
}

// The sequential part of the backward: fills dz [B, T, 4U] (gradient of the pre-activation gates), and the
// gradients that do not involve the input: dh0, dc0, dU, db.
void recur_backward(LstmDims d, const float* h0, const float* c0, const float* Uk, const float* ys,
                    const float* gates, const float* cs, const float* dys, const float* dhT, const float* dcT,
                    std::vector<float>& dz, float* dh0, float* dc0, float* dU, float* db) {
  const int B = d.B, T = d.T, U = d.U, G = 4 * U;
  const ptrdiff_t zrow = static_cast<ptrdiff_t>(T) * G;
  const ptrdiff_t yrow = static_cast<ptrdiff_t>(T) * U;
  dz.resize(static_cast<size_t>(B) * T * G);
  std::vector<float> dh(static_cast<size_t>(B) * U, 0.0f), dc(static_cast<size_t>(B) * U, 0.0f);
  if (dhT != nullptr) std::memcpy(dh.data(), dhT, sizeof(float) * B * U);
  if (dcT != nullptr) std::memcpy(dc.data(), dcT, sizeof(float) * B * U);
  // dh_{t-1} = dz_t U^T: B operand is U^T [4U, U], a view of Uk with swapped strides.
  PackedB ut;
  pack_b(MatView{Uk, 1, G}, G, U, ut);
  std::vector<float> tc(U), zeros(U, 0.0f);
  for (int t = T - 1; t >= 0; --t) {
    for (int bi = 0; bi < B; ++bi) {
      const ptrdiff_t yoff = bi * yrow + static_cast<ptrdiff_t>(t) * U;
      const float* gz = gates + bi * zrow + static_cast<ptrdiff_t>(t) * G;
      const float* cr = cs + yoff;
      const float* cprev = t > 0 ? cs + yoff - U : c0 + static_cast<ptrdiff_t>(bi) * U;
      float* dhr = dh.data() + static_cast<ptrdiff_t>(bi) * U;
      float* dcr = dc.data() + static_cast<ptrdiff_t>(bi) * U;
      float* dzr = dz.data() + bi * zrow + static_cast<ptrdiff_t>(t) * G;
      std::memcpy(tc.data(), cr, sizeof(float) * U);
      vtanh(tc.data(), U);
      const float* dyr = dys != nullptr ? dys + yoff : zeros.data();
      gate_grads(U, gz, tc.data(), cprev, dyr, dhr, dcr, dzr);
    }
    sgemm_packed(B, MatView{dz.data() + static_cast<ptrdiff_t>(t) * G, zrow, 1}, ut, 0.0f, dh.data(), U);
  }
  if (dh0 != nullptr) std::memcpy(dh0, dh.data(), sizeof(float) * B * U);
  if (dc0 != nullptr) std::memcpy(dc0, dc.data(), sizeof(float) * B * U);
  const int BT = B * T;
  // dU = Hprev^T dZ: all time steps in one GEMM.
  if (dU != nullptr) {
    std::vector<float> hprev(static_cast<size_t>(BT) * U);
    for (int bi = 0; bi < B; ++bi) {
      float* dst = hprev.data() + bi * yrow;
      std::memcpy(dst, h0 + static_cast<ptrdiff_t>(bi) * U, sizeof(float) * U);
      if (T > 1) std::memcpy(dst + U, ys + bi * yrow, sizeof(float) * (T - 1) * U);
    }
    sgemm(U, G, BT, MatView{hprev.data(), 1, U}, MatView{dz.data(), G, 1}, 0.0f, dU, G);
  }
  if (db != nullptr) {
    std::memset(db, 0, sizeof(float) * G);
    for (int r = 0; r < BT; ++r) {
      const float* zr = dz.data() + static_cast<ptrdiff_t>(r) * G;
      for (int j = 0; j < G; ++j) db[j] += zr[j];
    }
  }
}

}  // namespace

void lstm_forward(LstmDims d, const float* x, const float* h0, const float* c0, const float* W, const float* Uk,
                  const float* b, float* ys, float* hT, float* cT, float* gates, float* cs) {
  const int G = 4 * d.U;
  std::vector<float> zlocal;
  float* z = gates;
  if (z == nullptr) {
    zlocal.resize(static_cast<size_t>(d.B) * d.T * G);
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
  std::vector<float> dz;
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
  std::vector<float> zlocal;
  float* z = gates;
  if (z == nullptr) {
    zlocal.resize(rows * G);
    z = zlocal.data();
  }
  // Row r of X W is row ids[r] of table W: V x E x 4U multiply-adds instead of B*T x E x 4U.
  std::vector<float> proj(static_cast<size_t>(V) * G);
  sgemm(V, G, d.I, MatView{table, d.I, 1}, MatView{W, G, 1}, 0.0f, proj.data(), G);
  for (size_t r = 0; r < rows; ++r) std::memcpy(z + r * G, proj.data() + static_cast<size_t>(ids[r]) * G, sizeof(float) * G);
  recur_forward(d, z, h0, c0, Uk, b, ys, hT, cT, cs);
}

void lstm_backward_embedded(LstmDims d, int V, const float* table, const int32_t* ids, const float* h0,
                            const float* c0, const float* W, const float* Uk, const float* ys, const float* gates,
                            const float* cs, const float* dys, const float* dhT, const float* dcT, float* dtable,
                            float* dh0, float* dc0, float* dW, float* dU, float* db) {
  const int E = d.I, G = 4 * d.U;
  const size_t rows = static_cast<size_t>(d.B) * d.T;
  std::vector<float> dz;
  recur_backward(d, h0, c0, Uk, ys, gates, cs, dys, dhT, dcT, dz, dh0, dc0, dU, db);
  // S^T dZ, S the one-hot rows of ids: the gate gradients summed per vocabulary entry, [V, 4U].
  std::vector<float> per_id(static_cast<size_t>(V) * G, 0.0f);
  for (size_t r = 0; r < rows; ++r) {
    float* dst = per_id.data() + static_cast<size_t>(ids[r]) * G;
    const float* src = dz.data() + r * G;
    for (int j = 0; j < G; ++j) dst[j] += src[j];
  }
  // dW = X^T dZ = table^T (S^T dZ); dtable = S^T dX = (S^T dZ) W^T.
  if (dW != nullptr) sgemm(E, G, V, MatView{table, 1, E}, MatView{per_id.data(), G, 1}, 0.0f, dW, G);
  if (dtable != nullptr) sgemm(V, E, G, MatView{per_id.data(), G, 1}, MatView{W, 1, G}, 0.0f, dtable, E);
}

}  // namespace tl
