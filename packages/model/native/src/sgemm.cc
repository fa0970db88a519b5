// Goto/BLIS-style SGEMM: B is packed into KC x NR panels that stay in L1/L2, A into MR x KC panels, and a
// register-tiled MR x NR micro-kernel keeps the C tile in registers for a whole KC run. The AVX2+FMA kernel
// (6 x 16: 12 ymm accumulators, 2 for B, 1 broadcast) is chosen at run time, so a build for the baseline
// x86-64 still runs on CPUs without AVX2. Where the CPU has AVX-512F, the products take two packed panels at a
// time (6 x 32: 12 zmm accumulators, pair_kernel_avx512), the AVX2 kernel only at the edges; on Zen 5, which runs
// 512-bit FMAs at full width, that nearly doubles a large product's pace. The recurrence's own products also have
// an AVX-512F kernel (8 x 32 over two panels, 8 x 16 for a lone one; rows read unpacked: sgemm_rows_panels), which
// is what lets each thread take whole batch rows. All of them compute an element the same way (a fused
// multiply-add chain over each KC block, added to C), so which of them runs never changes a result; the portable
// kernel (separate multiplies and adds) rounds differently.
#include "sgemm.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TL_X86 1
#endif

namespace tl {

namespace {

constexpr int MR = kMR;
constexpr int NR = kNR;
constexpr int KC = kKC;
constexpr int MC = 96;    // MC x KC floats of A (96 KiB) stay in L2 while B panels stream through L1
constexpr int NC = 1024;  // KC x NC floats of B (1 MiB)

float* aligned_floats(size_t n) {
  size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
  return static_cast<float*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
}

// A growable 64-byte-aligned scratch buffer, one per thread and purpose.
struct Scratch {
  float* p = nullptr;
  size_t cap = 0;
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      p = aligned_floats(n);
      cap = n;
    }
    return p;
  }
  ~Scratch() { std::free(p); }
};

thread_local Scratch a_pack, b_pack;

// Packs rows [0, m) x cols [0, k) of A into ceil(m / MR) panels, each k x MR (column of MR rows per k),
// zero-padding the last panel.
void pack_a(MatView A, int m, int k, float* out) {
  for (int i = 0; i < m; i += MR) {
    int mr = m - i < MR ? m - i : MR;
    for (int p = 0; p < k; ++p) {
      const float* src = A.p + i * A.rs + p * A.cs;
      int r = 0;
      for (; r < mr; ++r) out[r] = src[r * A.rs];
      for (; r < MR; ++r) out[r] = 0.0f;
      out += MR;
    }
  }
}

// Packs rows [0, k) x cols [0, n) of B into ceil(n / NR) panels, each k x NR, zero-padding the last panel.
void pack_b_block(MatView B, int k, int n, float* out, size_t panel_stride) {
  for (int j = 0; j < n; j += NR) {
    int nr = n - j < NR ? n - j : NR;
    float* dst = out + (j / NR) * panel_stride;
    for (int p = 0; p < k; ++p) {
      const float* src = B.p + p * B.rs + j * B.cs;
      int c = 0;
      if (B.cs == 1) {
        for (; c < nr; ++c) dst[c] = src[c];
      } else {
        for (; c < nr; ++c) dst[c] = src[c * B.cs];
      }
      for (; c < NR; ++c) dst[c] = 0.0f;
      dst += NR;
    }
  }
}

using Kernel = void (*)(int kc, const float* a, const float* b, float* c, ptrdiff_t ldc, float beta, int mr, int nr);

void store_tile(const float* acc, float* c, ptrdiff_t ldc, float beta, int mr, int nr) {
  for (int r = 0; r < mr; ++r) {
    float* crow = c + r * ldc;
    const float* arow = acc + r * NR;
    if (beta == 0.0f) {
      for (int j = 0; j < nr; ++j) crow[j] = arow[j];
    } else {
      for (int j = 0; j < nr; ++j) crow[j] += arow[j];
    }
  }
}

void kernel_generic(int kc, const float* a, const float* b, float* c, ptrdiff_t ldc, float beta, int mr, int nr) {
  float acc[MR * NR] = {0};
  for (int p = 0; p < kc; ++p) {
    for (int r = 0; r < MR; ++r) {
      float av = a[p * MR + r];
      for (int j = 0; j < NR; ++j) acc[r * NR + j] += av * b[p * NR + j];
    }
  }
  store_tile(acc, c, ldc, beta, mr, nr);
}

#ifdef TL_X86
__attribute__((target("avx2,fma"))) void kernel_avx2(int kc, const float* a, const float* b, float* c,
                                                     ptrdiff_t ldc, float beta, int mr, int nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int p = 0; p < kc; ++p) {
    __m256 b0 = _mm256_load_ps(b);
    __m256 b1 = _mm256_load_ps(b + 8);
    __m256 av;
    av = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {
    __m256 rows[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    for (int r = 0; r < MR; ++r) {
      float* cr = c + r * ldc;
      if (beta == 0.0f) {
        _mm256_storeu_ps(cr, rows[2 * r]);
        _mm256_storeu_ps(cr + 8, rows[2 * r + 1]);
      } else {
        _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), rows[2 * r]));
        _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), rows[2 * r + 1]));
      }
    }
    return;
  }
  alignas(32) float acc[MR * NR];
  _mm256_store_ps(acc + 0, c00);
  _mm256_store_ps(acc + 8, c01);
  _mm256_store_ps(acc + 16, c10);
  _mm256_store_ps(acc + 24, c11);
  _mm256_store_ps(acc + 32, c20);
  _mm256_store_ps(acc + 40, c21);
  _mm256_store_ps(acc + 48, c30);
  _mm256_store_ps(acc + 56, c31);
  _mm256_store_ps(acc + 64, c40);
  _mm256_store_ps(acc + 72, c41);
  _mm256_store_ps(acc + 80, c50);
  _mm256_store_ps(acc + 88, c51);
  store_tile(acc, c, ldc, beta, mr, nr);
}
#endif

Kernel pick_kernel() {
  if (std::getenv("TUNELAB_SGEMM_GENERIC") != nullptr) return kernel_generic;
#ifdef TL_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return kernel_avx2;
#endif
  return kernel_generic;
}

const Kernel kernel = pick_kernel();

// Whether this CPU runs the AVX-512F kernels: the panel-pair kernel below and the recurrence's rows kernel.
// TUNELAB_NO_AVX512 keeps the AVX2 kernel everywhere (the same bits, slower on a CPU with AVX-512).
bool pick_avx512() {
#ifdef TL_X86
  if (kernel != kernel_avx2 || std::getenv("TUNELAB_NO_AVX512") != nullptr) return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

const bool have_avx512 = pick_avx512();
// Whether the GEMMs may use the pair kernel (set_wide_gemm: for tests that compare it with the AVX2 kernel).
std::atomic<bool> wide_gemm_allowed{true};
bool wide_gemm() { return have_avx512 && wide_gemm_allowed.load(std::memory_order_relaxed); }

#ifdef TL_X86
// R rows x two full packed B panels side by side (32 columns: panel b and the one panel_stride floats after it),
// one zmm accumulator per row and panel: twice the independent multiply-add chains of a 16-column tile, enough to
// keep both of Zen 5's 512-bit FMA pipes busy where one panel's chains would wait on each FMA's latency. Row r's
// values of A are a[r * a_rs + p * a_ks]: packed A (a_rs 1, a_ks MR) in the GEMMs, rows read unpacked (a_rs lda,
// a_ks 1) in the recurrence. Each element is the AVX2 kernel's chain (multiply-adds over the KC block in order,
// from zero, then stored or added to C), so the same bits; rows from mr on are not stored (packed A's zeros).
template <int R>
__attribute__((target("avx512f"))) void pair_kernel_avx512(int kc, const float* a, ptrdiff_t a_rs, ptrdiff_t a_ks,
                                                            const float* b, size_t panel_stride, float* c,
                                                            ptrdiff_t ldc, float beta, int mr) {
  __m512 acc0[R], acc1[R];
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
  const float* b1 = b + panel_stride;
  for (int p = 0; p < kc; ++p) {
    const __m512 bv0 = _mm512_load_ps(b + static_cast<ptrdiff_t>(p) * NR);
    const __m512 bv1 = _mm512_load_ps(b1 + static_cast<ptrdiff_t>(p) * NR);
    const float* ap = a + p * a_ks;
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(ap[r * a_rs]);
      acc0[r] = _mm512_fmadd_ps(av, bv0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(av, bv1, acc1[r]);
    }
  }
  for (int r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    __m512 v0 = acc0[r], v1 = acc1[r];
    if (beta != 0.0f) {
      v0 = _mm512_add_ps(_mm512_loadu_ps(cr), v0);
      v1 = _mm512_add_ps(_mm512_loadu_ps(cr + NR), v1);
    }
    _mm512_storeu_ps(cr, v0);
    _mm512_storeu_ps(cr + NR, v1);
  }
}
#endif

// The micro-tiles of one packed block: C[0, mc) x [j0, jend) (C pointing at the block's column 0) = beta * C +
// packed A (mc rows, MR-row panels of kc) · packed B panels j0 / NR, … (panel_stride floats apart). Two full
// panels at a time with the AVX-512 pair kernel where it runs, the rest one panel at a time.
void micro_tiles(int kc, int mc, const float* ap, const float* bp, size_t panel_stride, int j0, int jend, float* c,
                 ptrdiff_t ldc, float beta) {
  const bool wide = wide_gemm();
  for (int jr = j0; jr < jend;) {
    const float* bpanel = bp + static_cast<size_t>(jr / NR) * panel_stride;
#ifdef TL_X86
    if (wide && jend - jr >= 2 * NR) {
      for (int ir = 0; ir < mc; ir += MR)
        pair_kernel_avx512<MR>(kc, ap + static_cast<size_t>(ir / MR) * kc * MR, 1, MR, bpanel, panel_stride,
                               c + ir * ldc + jr, ldc, beta, mc - ir < MR ? mc - ir : MR);
      jr += 2 * NR;
      continue;
    }
#endif
    const int nr = jend - jr < NR ? jend - jr : NR;
    for (int ir = 0; ir < mc; ir += MR)
      kernel(kc, ap + static_cast<size_t>(ir / MR) * kc * MR, bpanel, c + ir * ldc + jr, ldc, beta,
             mc - ir < MR ? mc - ir : MR, nr);
    jr += NR;
  }
}

// A few rows times a row-major B: packing B would cost as much as the product itself (a sampling step is
// 1 x 512 times 512 x 1024), so stream B once, row by row, accumulating into C.
__attribute__((target_clones("arch=haswell", "default"))) void small_m(int M, int N, int K, MatView A, const float* B,
                                                                      ptrdiff_t ldb, float beta, float* C,
                                                                      ptrdiff_t ldc) {
  for (int i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.0f) std::memset(c, 0, sizeof(float) * N);
    for (int k = 0; k < K; ++k) {
      const float a = A.p[i * A.rs + k * A.cs];
      const float* b = B + k * ldb;
      for (int j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
}

// Below this many multiply-adds a product runs on the calling thread: waking the pool costs more than it saves.
constexpr double kParallelMin = 1 << 18;

inline int round_up(int x, int m) { return (x + m - 1) / m * m; }
inline int ceil_div(int x, int m) { return (x + m - 1) / m; }

// Which (job, row block) this thread's a_pack holds, so consecutive tasks on the same rows skip the repack.
thread_local struct {
  uint64_t job = 0;
  int row_block = -1;
} a_cached;
std::atomic<uint64_t> job_counter{0};

// The pool's version of the loops of sgemm below: for each (NC, KC) block, B is packed by all threads (four
// panels a task), then the block's output is cut into tiles of whole micro-kernel tiles (mb rows, a multiple of
// MR, by nb columns, a multiple of NR) that threads take one at a time. Each task packs its rows of A itself.
// Each C element still sums its K in the same KC blocks in the same order, so the tile sizes (chosen here for
// balance, from the thread count) never change a result.
void sgemm_parallel(int M, int N, int K, MatView A, MatView B, float beta, float* C, ptrdiff_t ldc, int threads) {
  int ncmax = N < NC ? N : NC;
  int kcmax = K < KC ? K : KC;
  float* bp = b_pack.get(static_cast<size_t>(ceil_div(ncmax, NR)) * NR * kcmax);
  for (int jc = 0; jc < N; jc += NC) {
    const int nc = N - jc < NC ? N - jc : NC;
    // About eight tiles per thread lets a fast thread take more of them than a slow one.
    const int want = 8 * threads;
    int mb = M < MC ? round_up(M, MR) : MC;
    int nb = round_up(nc, NR);
    auto tiles = [&] { return ceil_div(M, mb) * ceil_div(nc, nb); };
    while (tiles() < want && nb > 4 * NR) nb = round_up(nb / 2, NR);
    while (tiles() < want && mb > 2 * MR) mb = round_up(mb / 2, MR);
    const int cblocks = ceil_div(nc, nb);
    const int ntiles = ceil_div(M, mb) * cblocks;
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = K - pc < KC ? K - pc : KC;
      const float bt = pc == 0 ? beta : 1.0f;
      const MatView Bb{B.p + pc * B.rs + jc * B.cs, B.rs, B.cs};
      const size_t panel_stride = static_cast<size_t>(kc) * NR;
      const int panels = ceil_div(nc, NR);
      parallel_tasks(ceil_div(panels, 4), [&](int t) {
        const int j0 = t * 4 * NR;
        const int n = nc - j0 < 4 * NR ? nc - j0 : 4 * NR;
        pack_b_block(MatView{Bb.p + j0 * Bb.cs, Bb.rs, Bb.cs}, kc, n, bp + static_cast<size_t>(j0 / NR) * panel_stride,
                     panel_stride);
      });
      const uint64_t job = job_counter.fetch_add(1, std::memory_order_relaxed) + 1;
      parallel_tasks(ntiles, [&](int t) {
        const int r = t / cblocks, c = t % cblocks;
        const int ic = r * mb;
        const int mc = M - ic < mb ? M - ic : mb;
        float* ap = a_pack.get(static_cast<size_t>(round_up(mb, MR)) * kcmax);
        if (a_cached.job != job || a_cached.row_block != r) {
          pack_a(MatView{A.p + ic * A.rs + pc * A.cs, A.rs, A.cs}, mc, kc, ap);
          a_cached.job = job;
          a_cached.row_block = r;
        }
        const int j0 = c * nb;
        const int jend = nc - j0 < nb ? nc : j0 + nb;
        micro_tiles(kc, mc, ap, bp, panel_stride, j0, jend, C + ic * ldc + jc, ldc, bt);
      });
    }
  }
}

}  // namespace

const char* sgemm_kernel_name() {
#ifdef TL_X86
  if (kernel == kernel_avx2) return wide_gemm() ? "avx512f" : "avx2-fma";
#endif
  return "generic";
}

namespace {

// The one-thread loops over K in [k0, k1) (k0 a multiple of KC): C = beta * C + A[:, k0:k1) · B[k0:k1), each KC
// block's products summed by the micro-kernel from zero and then added to C, in block order.
void sgemm_serial(int M, int N, int k0, int k1, MatView A, MatView B, float beta, float* C, ptrdiff_t ldc) {
  const int K = k1 - k0;
  int ncmax = N < NC ? N : NC;
  int kcmax = K < KC ? K : KC;
  int mcmax = M < MC ? M : MC;
  float* bp = b_pack.get(static_cast<size_t>((ncmax + NR - 1) / NR) * NR * kcmax);
  float* ap = a_pack.get(static_cast<size_t>((mcmax + MR - 1) / MR) * MR * kcmax);
  a_cached.job = 0;  // this thread's a_pack is overwritten here
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = k0; pc < k1; pc += KC) {
      int kc = k1 - pc < KC ? k1 - pc : KC;
      float bt = pc == k0 ? beta : 1.0f;
      MatView Bb{B.p + pc * B.rs + jc * B.cs, B.rs, B.cs};
      pack_b_block(Bb, kc, nc, bp, static_cast<size_t>(kc) * NR);
      for (int ic = 0; ic < M; ic += MC) {
        int mc = M - ic < MC ? M - ic : MC;
        MatView Ab{A.p + ic * A.rs + pc * A.cs, A.rs, A.cs};
        pack_a(Ab, mc, kc, ap);
        micro_tiles(kc, mc, ap, bp, static_cast<size_t>(kc) * NR, 0, nc, C + ic * ldc + jc, ldc, bt);
      }
    }
  }
}

// Products with few rows and a long K (the weight gradients, Hᵀ·dZ: 256 rows, K the batch's B·T) cut their output
// into too few tiles for the threads to share evenly, and every tile reads B panels another thread packed. Shared
// out by KC blocks instead, each block cut into a few column groups: a task is one block of one group. The pool
// deals the tasks out block by block, so a thread's own share is a run of whole blocks, and it reads only its own
// rows of A and B (the rows of dZ and H its recurrence rows wrote, where the recurrence runs by rows). A task whose
// block is the next one its group's C is waiting for (every earlier block of the group already summed into C) adds
// its block straight into C; any other is summed on its own, from zero, into a scratch plane, and a last pass adds
// those planes to C in block order. Either way each element gets the very additions of the one-thread loops, in
// their order: the same bits, whichever thread took which task. Which tasks go into C depends on timing, so a
// slower thread simply does fewer of them, and with even paces thread 0's share of blocks all goes straight into C.
// Where that applies: fewer than four row blocks, at least two K blocks, and the partial sums within 32 MiB.
constexpr size_t kMaxPartialFloats = size_t{8} << 20;
bool by_k_blocks(int M, int N, int K) {
  const int blocks = ceil_div(K, KC);
  return M < 4 * MC && blocks >= 2 && static_cast<size_t>(M) * N * (blocks - 1) <= kMaxPartialFloats;
}

thread_local Scratch k_partials;

void sgemm_by_k_blocks(int M, int N, int K, MatView A, MatView B, float beta, float* C, ptrdiff_t ldc, int threads) {
  const int blocks = ceil_div(K, KC);
  // Column groups of whole panels: at least four tasks a thread, at least four panels a group (each task packs
  // its block of A, so narrower groups would repack A more than they balance).
  const int panels = ceil_div(N, NR);
  int groups = ceil_div(4 * threads, blocks);
  if (groups > panels / 4) groups = panels / 4 > 1 ? panels / 4 : 1;
  constexpr int kMaxGroups = 64;
  if (groups > kMaxGroups) groups = kMaxGroups;
  auto col = [&](int g) {
    const int c = static_cast<int>(static_cast<int64_t>(panels) * g / groups) * NR;
    return c < N ? c : N;
  };
  const size_t plane = static_cast<size_t>(M) * N;
  // Plane b - 1 holds block b where it was not added into C (block 0 always is).
  float* partial = k_partials.get(plane * (blocks - 1));
  // in_c[g]: how many leading blocks of group g are summed into C.
  std::atomic<int> in_c[kMaxGroups];
  for (int g = 0; g < groups; ++g) in_c[g].store(0, std::memory_order_relaxed);
  parallel_tasks(blocks * groups, [&](int task) {
    const int b = task / groups, g = task % groups;
    const int j0 = col(g), j1 = col(g + 1);
    const int k0 = b * KC, k1 = k0 + KC < K ? k0 + KC : K;
    const MatView Bg{B.p + j0 * B.cs, B.rs, B.cs};
    if (in_c[g].load(std::memory_order_acquire) == b) {
      sgemm_serial(M, j1 - j0, k0, k1, A, Bg, b == 0 ? beta : 1.0f, C + j0, ldc);
      in_c[g].store(b + 1, std::memory_order_release);
    } else {
      sgemm_serial(M, j1 - j0, k0, k1, A, Bg, 0.0f, partial + (b - 1) * plane + j0, N);
    }
  });
  constexpr int kRows = 8;
  parallel_tasks(ceil_div(M, kRows), [&](int task) {
    const int r1 = (task + 1) * kRows < M ? (task + 1) * kRows : M;
    for (int g = 0; g < groups; ++g) {
      const int j0 = col(g), j1 = col(g + 1);
      const int first = in_c[g].load(std::memory_order_relaxed);
      for (int r = task * kRows; r < r1; ++r) {
        float* cr = C + r * ldc;
        for (int b = first; b < blocks; ++b) {
          const float* sr = partial + (b - 1) * plane + static_cast<size_t>(r) * N;
          for (int j = j0; j < j1; ++j) cr[j] += sr[j];
        }
      }
    }
  });
}

}  // namespace

void sgemm(int M, int N, int K, MatView A, MatView B, float beta, float* C, ptrdiff_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (beta == 0.0f)
      for (int i = 0; i < M; ++i) std::memset(C + i * ldc, 0, sizeof(float) * N);
    return;
  }
  if (M <= 2 && B.cs == 1) return small_m(M, N, K, A, B.p, B.rs, beta, C, ldc);
  const int threads = current_threads();
  if (threads > 1 && static_cast<double>(M) * N * K >= kParallelMin) {
    if (by_k_blocks(M, N, K)) return sgemm_by_k_blocks(M, N, K, A, B, beta, C, ldc, threads);
    return sgemm_parallel(M, N, K, A, B, beta, C, ldc, threads);
  }
  sgemm_serial(M, N, 0, K, A, B, beta, C, ldc);
}

AlignedFloats::AlignedFloats(size_t n, bool zero) : p_(aligned_floats(n)) {
  if (zero) std::memset(p_, 0, sizeof(float) * n);
}
AlignedFloats::~AlignedFloats() { std::free(p_); }
void AlignedFloats::reset(size_t n, bool zero) {
  std::free(p_);
  p_ = aligned_floats(n);
  if (zero) std::memset(p_, 0, sizeof(float) * n);
}

PackedB::~PackedB() { std::free(data); }

void pack_b(MatView B, int K, int N, PackedB& out) {
  std::free(out.data);
  out.K = K;
  out.N = N;
  size_t panels = (N + NR - 1) / NR;
  out.data = aligned_floats(panels * K * NR);
  // Four panels a task: U^T, read with a stride of 4U floats, is a gather worth sharing out.
  const size_t stride = static_cast<size_t>(K) * NR;
  parallel_tasks(ceil_div(N, 4 * NR), [&](int t) {
    const int j0 = t * 4 * NR;
    const int n = N - j0 < 4 * NR ? N - j0 : 4 * NR;
    pack_b_block(MatView{B.p + j0 * B.cs, B.rs, B.cs}, K, n, out.data + static_cast<size_t>(j0 / NR) * stride, stride);
  });
}

size_t packed_a_size(int M, int K) { return static_cast<size_t>(round_up(M, MR)) * K; }

namespace {

#ifdef TL_X86
// R rows x 16 columns, one zmm accumulator a row: acc = sum over p of A[r, p] * B[p, :], in order, by
// multiply-adds, then C = acc or C + acc (as the AVX2 kernel: the same bits). B's panels start on 64 bytes.
template <int R>
__attribute__((target("avx512f"))) void rows_kernel_avx512(int kc, const float* a, ptrdiff_t lda, const float* b,
                                                            float* c, ptrdiff_t ldc, float beta, int nr) {
  __m512 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (int p = 0; p < kc; ++p) {
    const __m512 bv = _mm512_load_ps(b + static_cast<ptrdiff_t>(p) * NR);
    for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * lda + p]), bv, acc[r]);
  }
  const __mmask16 m = nr >= NR ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << nr) - 1);
  for (int r = 0; r < R; ++r) {
    float* cr = c + r * ldc;
    __m512 v = acc[r];
    if (beta != 0.0f) v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, cr), v);
    _mm512_mask_storeu_ps(cr, m, v);
  }
}

// The pair kernel on rows read unpacked (8 rows at most).
using RowsPairKernel = void (*)(int, const float*, ptrdiff_t, ptrdiff_t, const float*, size_t, float*, ptrdiff_t, float,
                                int);
constexpr RowsPairKernel kRowsPairKernels[9] = {nullptr,
                                                pair_kernel_avx512<1>,
                                                pair_kernel_avx512<2>,
                                                pair_kernel_avx512<3>,
                                                pair_kernel_avx512<4>,
                                                pair_kernel_avx512<5>,
                                                pair_kernel_avx512<6>,
                                                pair_kernel_avx512<7>,
                                                pair_kernel_avx512<8>};

using RowsKernel = void (*)(int, const float*, ptrdiff_t, const float*, float*, ptrdiff_t, float, int);
constexpr RowsKernel kRowsKernels[9] = {nullptr,
                                        rows_kernel_avx512<1>,
                                        rows_kernel_avx512<2>,
                                        rows_kernel_avx512<3>,
                                        rows_kernel_avx512<4>,
                                        rows_kernel_avx512<5>,
                                        rows_kernel_avx512<6>,
                                        rows_kernel_avx512<7>,
                                        rows_kernel_avx512<8>};
#endif

}  // namespace

bool rows_kernel_available() { return have_avx512; }

void set_wide_gemm(bool allowed) { wide_gemm_allowed.store(allowed, std::memory_order_relaxed); }

void sgemm_rows_panels(int M, const float* A, ptrdiff_t lda, const PackedB& B, int p0, int p1, float beta, float* C,
                       ptrdiff_t ldc) {
#ifdef TL_X86
  if (M <= 0 || !have_avx512) return;
  const size_t panel_stride = static_cast<size_t>(B.K) * NR;
  for (int pc = 0; pc < B.K; pc += KC) {
    const int kc = B.K - pc < KC ? B.K - pc : KC;
    const float bt = pc == 0 ? beta : 1.0f;
    for (int p = p0; p < p1 && p * NR < B.N;) {
      const int jr = p * NR;
      const float* bpanel = B.data + static_cast<size_t>(p) * panel_stride + static_cast<size_t>(pc) * NR;
      // Two panels at a time while both are full, else one (masked to the columns there are).
      const bool pair = p + 1 < p1 && jr + 2 * NR <= B.N;
      for (int ir = 0; ir < M; ir += 8) {
        const int mr = M - ir < 8 ? M - ir : 8;
        if (pair)
          kRowsPairKernels[mr](kc, A + ir * lda + pc, lda, 1, bpanel, panel_stride, C + ir * ldc + jr, ldc, bt, mr);
        else
          kRowsKernels[mr](kc, A + ir * lda + pc, lda, bpanel, C + ir * ldc + jr, ldc, bt,
                           B.N - jr < NR ? B.N - jr : NR);
      }
      p += pair ? 2 : 1;
    }
  }
#else
  (void)M, (void)A, (void)lda, (void)B, (void)p0, (void)p1, (void)beta, (void)C, (void)ldc;
#endif
}

void pack_a_all(MatView A, int M, int K, float* out) {
  const size_t mp = static_cast<size_t>(round_up(M, MR));
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = K - pc < KC ? K - pc : KC;
    pack_a(MatView{A.p + pc * A.cs, A.rs, A.cs}, M, kc, out + pc * mp);
  }
}

void sgemm_packed_panels(int M, const float* ap, const PackedB& B, int p0, int p1, float beta, float* C,
                         ptrdiff_t ldc) {
  const int K = B.K, N = B.N;
  if (M <= 0 || N <= 0) return;
  const size_t mp = static_cast<size_t>(round_up(M, MR));
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = K - pc < KC ? K - pc : KC;
    const float bt = pc == 0 ? beta : 1.0f;
    const float* apc = ap + pc * mp;
    for (int p = p0; p < p1 && p * NR < N; ++p) {
      const int jr = p * NR;
      const float* bpanel = B.data + static_cast<size_t>(p) * K * NR + static_cast<size_t>(pc) * NR;
      for (int ir = 0; ir < M; ir += MR)
        kernel(kc, apc + static_cast<size_t>(ir / MR) * kc * MR, bpanel, C + ir * ldc + (jr - p0 * NR), ldc, bt,
               M - ir < MR ? M - ir : MR, N - jr < NR ? N - jr : NR);
    }
  }
}

}  // namespace tl
