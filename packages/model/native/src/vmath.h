// Vectorised sigmoid and tanh over float arrays. libm's expf is scalar; the LSTM applies ~4 transcendental
// functions per gate element per step, which at ~5 ns each would cost as much as the recurrent GEMM.
#pragma once

#include <cstddef>

namespace tl {

// x[i] = 1 / (1 + exp(-x[i])), relative error ~1e-7.
void vsigmoid(float* x, int n);
// x[i] = tanh(x[i]), absolute error ~1e-7 (odd polynomial near 0 keeps small values relatively exact).
void vtanh(float* x, int n);
// The same on `rows` runs of n elements, stride apart (a tile of the LSTM's gates): each run gives exactly what
// one vsigmoid / vtanh call on it gives, in one call instead of `rows`.
void vsigmoid_rows(float* x, int rows, ptrdiff_t stride, int n);
void vtanh_rows(float* x, int rows, ptrdiff_t stride, int n);
// out[i] = exp(x[i] - shift), returns the sum of out. Used by softmax.
float vexp_shift_sum(const float* x, float shift, float* out, int n);

}  // namespace tl
