// Packed SGEMM with runtime CPU dispatch (AVX2+FMA micro-kernel, portable fallback). Large products split
// their output tiles over the current thread pool (pool.h); every element is computed by the same sequence of
// operations whichever thread computes it, so the result does not depend on the thread count.
#pragma once
#include <cstddef>

namespace tl {

// A strided matrix view: element (r, c) lives at p[r * rs + c * cs]. A transpose is a view with the strides
// swapped, so one GEMM serves NN, NT and TN without copying the operands.
struct MatView {
  const float* p;
  ptrdiff_t rs;
  ptrdiff_t cs;
};

// Width of the micro-kernel's register tile (columns) and of a packed B panel.
constexpr int kNR = 16;

// C[M, N] (row stride ldc) = beta * C + A[M, K] · B[K, N]; beta is 0 (overwrite) or 1 (accumulate).
void sgemm(int M, int N, int K, MatView A, MatView B, float beta, float* C, ptrdiff_t ldc);

// B packed once into NR-wide panels (K rows, zero-padded) so a recurrence can multiply by the same
// matrix every time step without repacking it.
struct PackedB {
  int K = 0, N = 0;
  float* data = nullptr;  // ceil(N / NR) panels of K * NR floats
  ~PackedB();
};
void pack_b(MatView B, int K, int N, PackedB& out);

// A[M, K] packed once for every KC block of K (rows zero-padded to the micro-kernel's height), so the
// recurrence can write h_t (or dz_t) straight into the layout the next step multiplies by: element (r, k)
// lives at packed_a_offset(M, K, r, k) of a buffer of packed_a_size(M, K) floats (zeroed once for the padding).
size_t packed_a_size(int M, int K);
void pack_a_all(MatView A, int M, int K, float* out);

// The micro-kernel's height (rows of a packed A panel) and the depth of one K block.
constexpr int kMR = 6;
constexpr int kKC = 256;

inline size_t packed_a_offset(int M, int K, int r, int k) {
  const int pc = k / kKC * kKC;
  const int kc = K - pc < kKC ? K - pc : kKC;
  const size_t mp = static_cast<size_t>((M + kMR - 1) / kMR * kMR);
  return static_cast<size_t>(pc) * mp + static_cast<size_t>(r / kMR) * kc * kMR + static_cast<size_t>(k - pc) * kMR +
         r % kMR;
}

// Writes src[0, n) as elements (r, k0), …, (r, k0 + n - 1) of packed A: a row of h_t or dz_t going straight
// into the layout the next step's product reads (consecutive k are kMR apart within a K block).
inline void scatter_packed_a(float* packed, int M, int K, int r, int k0, const float* src, int n) {
  while (n > 0) {
    const int run = kKC - k0 % kKC < n ? kKC - k0 % kKC : n;
    float* dst = packed + packed_a_offset(M, K, r, k0);
    for (int j = 0; j < run; ++j) dst[j * kMR] = src[j];
    k0 += run;
    src += run;
    n -= run;
  }
}
// Columns [p0 * kNR, min(N, p1 * kNR)) of C[M, N] = beta * C + packed A · packed B, C pointing at column 0:
// the panels of B's columns one task of the recurrence owns.
void sgemm_packed_panels(int M, const float* ap, const PackedB& B, int p0, int p1, float beta, float* C,
                         ptrdiff_t ldc);

// A float buffer on a 64-byte boundary. The recurrence's tasks write disjoint runs of their buffers, whole
// multiples of 16 floats; on a cache-line boundary no two tasks write the same line.
class AlignedFloats {
 public:
  AlignedFloats() = default;
  // n floats, zeroed when zero (else left as they are: every element is written before it is read).
  explicit AlignedFloats(size_t n, bool zero = true);
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
  ~AlignedFloats();
  // Replaces the buffer by one of n floats (zeroed when zero).
  void reset(size_t n, bool zero = true);
  float* data() { return p_; }
  const float* data() const { return p_; }

 private:
  float* p_ = nullptr;
};

// Which micro-kernel runs: "avx2-fma" or "generic".
const char* sgemm_kernel_name();

}  // namespace tl
