// Single-thread packed SGEMM with runtime CPU dispatch (AVX2+FMA micro-kernel, portable fallback).
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
// C[M, N] = beta * C + A[M, K] · packed B.
void sgemm_packed(int M, MatView A, const PackedB& B, float beta, float* C, ptrdiff_t ldc);

// Which micro-kernel runs: "avx2-fma" or "generic".
const char* sgemm_kernel_name();

}  // namespace tl
