// Packed SGEMM with runtime CPU dispatch (AVX-512F and AVX2+FMA micro-kernels, portable fallback). Large products
// split their output tiles (or, with few rows and a long K, their K blocks) over the current thread pool (pool.h);
// every element is computed by the same sequence of operations whichever thread computes it, so the result does
// not depend on the thread count.
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

// Writes rows [r0, r0 + rows) x columns [k0, k0 + n) of a row-major source (row r0 + i at src + i * ld) into
// packed A: h_t or dz_t going straight into the layout the next step's product reads. It goes one row panel at a
// time in the packed order (k outer, the panel's rows inner), so each destination line is filled in one pass,
// not revisited once per row: on two threads the other core holds those lines from the step before, and every
// revisit could wait on it again.
inline void pack_rows_into(float* packed, int M, int K, int r0, int rows, int k0, int n, const float* src,
                           ptrdiff_t ld) {
  // A run that crosses a K block (a gate's columns when U is not a multiple of kKC) is written block by block.
  const int block_end = (k0 / kKC + 1) * kKC;
  if (k0 + n > block_end) {
    const int first = block_end - k0;
    pack_rows_into(packed, M, K, r0, rows, k0, first, src, ld);
    return pack_rows_into(packed, M, K, r0, rows, block_end, n - first, src + first, ld);
  }
  for (int r = r0; r < r0 + rows;) {
    const int panel_end = (r / kMR + 1) * kMR;
    const int r1 = panel_end < r0 + rows ? panel_end : r0 + rows;
    float* dst = packed + packed_a_offset(M, K, r, k0);  // element (r, k0); rows r + l are lanes l further on
    const float* s = src + static_cast<ptrdiff_t>(r - r0) * ld;
    if (r1 - r == kMR) {  // a whole panel: a fixed inner loop the compiler unrolls
      for (int k = 0; k < n; ++k)
        for (int l = 0; l < kMR; ++l) dst[k * kMR + l] = s[l * ld + k];
    } else {
      for (int k = 0; k < n; ++k)
        for (int l = 0; l < r1 - r; ++l) dst[k * kMR + l] = s[l * ld + k];
    }
    r = r1;
  }
}

// Columns [p0 * kNR, min(N, p1 * kNR)) of C[M, N] = beta * C + packed A · packed B, C pointing at column p0 * kNR
// (rows ldc floats apart): the panels of B's columns one task of the recurrence owns, written where the task keeps
// them.
void sgemm_packed_panels(int M, const float* ap, const PackedB& B, int p0, int p1, float beta, float* C,
                         ptrdiff_t ldc);

// Whether this CPU has the unpacked-rows kernel below (AVX-512F, unless TUNELAB_NO_AVX512 is set).
bool rows_kernel_available();

// Columns [p0 * kNR, min(N, p1 * kNR)) of C[M, N] = beta * C + A · packed B, A read straight from row-major rows
// (row r at A + r * lda, K long), eight rows at a time: the recurrence's h_{t-1} and dz_{t+1} rows need no packing.
// Each element sums its K in the same KC blocks with the same chain of multiply-adds as sgemm_packed_panels, so
// both give the same bits. Only where rows_kernel_available().
void sgemm_rows_panels(int M, const float* A, ptrdiff_t lda, const PackedB& B, int p0, int p1, float beta, float* C,
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

// Which micro-kernel the GEMMs run: "avx512f" (the AVX-512 panel-pair kernel, AVX2 at the edges), "avx2-fma" or
// "generic".
const char* sgemm_kernel_name();

// Whether the GEMMs may use the AVX-512 pair kernel where the CPU has it (default true). Either way gives the same
// bits: false is for tests that compare the two kernels.
void set_wide_gemm(bool allowed);

}  // namespace tl
