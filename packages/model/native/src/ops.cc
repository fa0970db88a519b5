#include "ops.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "pool.h"
#include "sgemm.h"
#include "vmath.h"

namespace tl {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TL_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define TL_CLONES
#endif

int count_correct(int N, int C, const float* probs, const int32_t* labels) {
  int correct = 0;
  for (int n = 0; n < N; ++n) {
    const float* row = probs + static_cast<ptrdiff_t>(n) * C;
    int best = 0;
    for (int j = 1; j < C; ++j)
      if (row[j] > row[best]) best = j;
    if (best == labels[n]) ++correct;
  }
  return correct;
}

namespace {

// Rows of the softmax per task: a row's numbers never depend on other rows, so any split gives the same ones.
constexpr int kRowsPerTask = 16;
// Columns of the bias gradient per task (each column summed in row order).
constexpr int kColsPerTask = 64;
// Elements of an Adam update per task.
constexpr int kAdamChunk = 16384;

}  // namespace

double dense_softmax_ce_forward(int N, int H, int C, const float* x, const float* kernel, const float* bias,
                                const int32_t* labels, float* probs, float* losses) {
  sgemm(N, C, H, MatView{x, H, 1}, MatView{kernel, C, 1}, 0.0f, probs, C);
  std::vector<double> row_loss(N);
  parallel_tasks((N + kRowsPerTask - 1) / kRowsPerTask, [&](int task) {
    const int n1 = N - task * kRowsPerTask < kRowsPerTask ? N : (task + 1) * kRowsPerTask;
    for (int n = task * kRowsPerTask; n < n1; ++n) {
      float* row = probs + static_cast<ptrdiff_t>(n) * C;
      float mx = -INFINITY;
      for (int j = 0; j < C; ++j) {
        row[j] += bias[j];
        if (row[j] > mx) mx = row[j];
      }
      float label_logit = row[labels[n]];
      float sum = vexp_shift_sum(row, mx, row, C);
      float inv = 1.0f / sum;
      for (int j = 0; j < C; ++j) row[j] *= inv;
      // log-sum-exp form keeps the loss exact even where the label's probability underflows.
      double loss = static_cast<double>(mx) + std::log(static_cast<double>(sum)) - label_logit;
      if (losses != nullptr) losses[n] = static_cast<float>(loss);
      row_loss[n] = loss;
    }
  });
  // The total is summed here, in row order, not per task: the same sum for any thread count.
  double total = 0.0;
  for (int n = 0; n < N; ++n) total += row_loss[n];
  return total;
}

void dense_softmax_ce_backward(int N, int H, int C, const float* x, const float* kernel, const int32_t* labels,
                               float* probs, const float* dloss, float scale, float* dx, float* dkernel,
                               float* dbias) {
  parallel_tasks((N + kRowsPerTask - 1) / kRowsPerTask, [&](int task) {
    const int n1 = N - task * kRowsPerTask < kRowsPerTask ? N : (task + 1) * kRowsPerTask;
    for (int n = task * kRowsPerTask; n < n1; ++n) {
      float* row = probs + static_cast<ptrdiff_t>(n) * C;
      float s = dloss != nullptr ? dloss[n] : scale;
      row[labels[n]] -= 1.0f;
      for (int j = 0; j < C; ++j) row[j] *= s;
    }
  });
  if (dx != nullptr) sgemm(N, H, C, MatView{probs, C, 1}, MatView{kernel, 1, C}, 0.0f, dx, H);
  if (dkernel != nullptr) sgemm(H, C, N, MatView{x, 1, H}, MatView{probs, C, 1}, 0.0f, dkernel, C);
  if (dbias != nullptr) {
    parallel_tasks((C + kColsPerTask - 1) / kColsPerTask, [&](int task) {
      const int j0 = task * kColsPerTask;
      const int j1 = C - j0 < kColsPerTask ? C : j0 + kColsPerTask;
      std::memset(dbias + j0, 0, sizeof(float) * (j1 - j0));
      for (int n = 0; n < N; ++n) {
        const float* row = probs + static_cast<ptrdiff_t>(n) * C;
        for (int j = j0; j < j1; ++j) dbias[j] += row[j];
      }
    });
  }
}

namespace {

TL_CLONES void adam_range(int n, const float* p, const float* g, float* m, float* v, float* p_out, float lr, float b1,
               float b2, float eps, float one_minus_acc_b1, float one_minus_acc_b2, float gscale) {
  const float c1 = 1.0f - b1, c2 = 1.0f - b2;
  const float inv1 = 1.0f / one_minus_acc_b1, inv2 = 1.0f / one_minus_acc_b2;
  for (int i = 0; i < n; ++i) {
    float gi = g[i] * gscale;
    float mi = b1 * m[i] + c1 * gi;
    float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p_out[i] = p[i] - lr * (mi * inv1) / (std::sqrt(vi * inv2) + eps);
  }
}

}  // namespace

void adam_step(int n, const float* p, const float* g, float* m, float* v, float* p_out, float lr, float b1, float b2,
               float eps, float one_minus_acc_b1, float one_minus_acc_b2, float gscale) {
  // Elementwise: chunks on any thread give the same numbers.
  parallel_tasks((n + kAdamChunk - 1) / kAdamChunk, [&](int task) {
    const int i0 = task * kAdamChunk;
    const int len = n - i0 < kAdamChunk ? n - i0 : kAdamChunk;
    adam_range(len, p + i0, g + i0, m + i0, v + i0, p_out + i0, lr, b1, b2, eps, one_minus_acc_b1, one_minus_acc_b2,
               gscale);
  });
}

namespace {

// Elements of a dropout mask or product per task.
constexpr int kElemChunk = 16384;

TL_CLONES void dropout_range(int i0, int n, uint32_t seed, uint32_t threshold, float scale, float* mask) {
  for (int i = i0; i < i0 + n; ++i) {
    uint32_t h = seed ^ (static_cast<uint32_t>(i) * 0x9E3779B9u);
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    mask[i] = (h >> 8) < threshold ? scale : 0.0f;
  }
}

TL_CLONES void multiply_range(int n, const float* a, const float* b, float* out) {
  for (int i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

}  // namespace

// Both elementwise, each element a function of its index alone: chunks on any thread give the same numbers.
void dropout_mask(int n, uint32_t seed, float rate, float* mask) {
  const double keep = 1.0 - rate;
  const uint32_t threshold = static_cast<uint32_t>(keep * 16777216.0);
  const float scale = static_cast<float>(1.0 / keep);
  parallel_tasks((n + kElemChunk - 1) / kElemChunk, [&](int task) {
    const int i0 = task * kElemChunk;
    dropout_range(i0, n - i0 < kElemChunk ? n - i0 : kElemChunk, seed, threshold, scale, mask);
  });
}

void multiply(int n, const float* a, const float* b, float* out) {
  parallel_tasks((n + kElemChunk - 1) / kElemChunk, [&](int task) {
    const int i0 = task * kElemChunk;
    multiply_range(n - i0 < kElemChunk ? n - i0 : kElemChunk, a + i0, b + i0, out + i0);
  });
}

double sum_squares(int n, const float* x) {
  double s = 0.0;
  for (int i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return s;
}

}  // namespace tl
