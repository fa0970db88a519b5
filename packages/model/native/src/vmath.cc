// exp from the Cephes expf reduction: x = n ln2 + r, |r| <= ln2 / 2, exp(r) by a degree-5 polynomial,
// 2^n by building the float exponent. The AVX2 variant is chosen at run time; the scalar one is the same
// algorithm so both paths agree to rounding.
#include "vmath.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TL_X86 1
#endif

namespace tl {

namespace {

constexpr float kExpHi = 88.3762626647949f;
constexpr float kExpLo = -87.3365478515625f;
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kC1 = 0.693359375f;
constexpr float kC2 = -2.12194440e-4f;
constexpr float kP0 = 1.9875691500E-4f;
constexpr float kP1 = 1.3981999507E-3f;
constexpr float kP2 = 8.3334519073E-3f;
constexpr float kP3 = 4.1665795894E-2f;
constexpr float kP4 = 1.6666665459E-1f;
constexpr float kP5 = 5.0000001201E-1f;

inline float exp_scalar(float x) {
  x = x > kExpHi ? kExpHi : (x < kExpLo ? kExpLo : x);
  float fx = std::floor(x * kLog2e + 0.5f);
  x = x - fx * kC1 - fx * kC2;
  float z = x * x;
  float y = ((((kP0 * x + kP1) * x + kP2) * x + kP3) * x + kP4) * x + kP5;
  y = y * z + x + 1.0f;
  int32_t n = static_cast<int32_t>(fx) + 127;
  uint32_t bits = static_cast<uint32_t>(n) << 23;
  float pow2;
  std::memcpy(&pow2, &bits, 4);
  return y * pow2;
}

inline float tanh_scalar(float x) {
  float ax = std::fabs(x);
  if (ax < 0.0625f) {
    float x2 = x * x;
    return x * (1.0f + x2 * (-0.333333333f + x2 * (0.133333333f + x2 * -0.053968254f)));
  }
  float e = exp_scalar(-2.0f * ax);
  float t = (1.0f - e) / (1.0f + e);
  return x < 0 ? -t : t;
}

#ifdef TL_X86
__attribute__((target("avx2,fma"))) inline __m256 exp_avx2(__m256 x) {
  // maxps/minps return their second operand when one is NaN: x goes second so NaN propagates (a diverging
  // run must show NaN, not saturated gates).
  x = _mm256_min_ps(_mm256_set1_ps(kExpHi), _mm256_max_ps(_mm256_set1_ps(kExpLo), x));
  __m256 fx = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(kLog2e), _mm256_set1_ps(0.5f)));
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(kC1), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(kC2), x);
  __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_set1_ps(kP0);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(kP1));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(kP2));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(kP3));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(kP4));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(kP5));
  y = _mm256_fmadd_ps(y, z, _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  __m256i n = _mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127));
  __m256 pow2 = _mm256_castsi256_ps(_mm256_slli_epi32(n, 23));
  return _mm256_mul_ps(y, pow2);
}

__attribute__((target("avx2,fma"))) void vsigmoid_avx2(float* x, int n) {
  int i = 0;
  const __m256 one = _mm256_set1_ps(1.0f);
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    __m256 e = exp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), v));
    _mm256_storeu_ps(x + i, _mm256_div_ps(one, _mm256_add_ps(one, e)));
  }
  for (; i < n; ++i) x[i] = 1.0f / (1.0f + exp_scalar(-x[i]));
}

__attribute__((target("avx2,fma"))) void vtanh_avx2(float* x, int n) {
  int i = 0;
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    __m256 ax = _mm256_andnot_ps(sign, v);
    __m256 e = exp_avx2(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f)));
    __m256 t = _mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e));
    __m256 x2 = _mm256_mul_ps(v, v);
    __m256 p = _mm256_fmadd_ps(x2, _mm256_set1_ps(-0.053968254f), _mm256_set1_ps(0.133333333f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-0.333333333f));
    p = _mm256_fmadd_ps(x2, p, one);
    __m256 small = _mm256_mul_ps(ax, p);
    __m256 r = _mm256_blendv_ps(t, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.0625f), _CMP_LT_OQ));
    _mm256_storeu_ps(x + i, _mm256_or_ps(r, _mm256_and_ps(v, sign)));
  }
  for (; i < n; ++i) x[i] = tanh_scalar(x[i]);
}

__attribute__((target("avx2,fma"))) float vexp_shift_sum_avx2(const float* x, float shift, float* out, int n) {
  int i = 0;
  __m256 acc = _mm256_setzero_ps();
  __m256 s = _mm256_set1_ps(shift);
  for (; i + 8 <= n; i += 8) {
    __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
    _mm256_storeu_ps(out + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  float sum = lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
  for (; i < n; ++i) {
    out[i] = exp_scalar(x[i] - shift);
    sum += out[i];
  }
  return sum;
}

__attribute__((target("avx2,fma"))) void vsigmoid_rows_avx2(float* x, int rows, ptrdiff_t stride, int n) {
  for (int r = 0; r < rows; ++r) vsigmoid_avx2(x + r * stride, n);
}

__attribute__((target("avx2,fma"))) void vtanh_rows_avx2(float* x, int rows, ptrdiff_t stride, int n) {
  for (int r = 0; r < rows; ++r) vtanh_avx2(x + r * stride, n);
}

bool have_avx2() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return yes;
}
#endif

}  // namespace

void vsigmoid(float* x, int n) {
#ifdef TL_X86
  if (have_avx2()) return vsigmoid_avx2(x, n);
#endif
  for (int i = 0; i < n; ++i) x[i] = 1.0f / (1.0f + exp_scalar(-x[i]));
}

void vtanh(float* x, int n) {
#ifdef TL_X86
  if (have_avx2()) return vtanh_avx2(x, n);
#endif
  for (int i = 0; i < n; ++i) x[i] = tanh_scalar(x[i]);
}

void vsigmoid_rows(float* x, int rows, ptrdiff_t stride, int n) {
#ifdef TL_X86
  if (have_avx2()) return vsigmoid_rows_avx2(x, rows, stride, n);
#endif
  for (int r = 0; r < rows; ++r) vsigmoid(x + r * stride, n);
}

void vtanh_rows(float* x, int rows, ptrdiff_t stride, int n) {
#ifdef TL_X86
  if (have_avx2()) return vtanh_rows_avx2(x, rows, stride, n);
#endif
  for (int r = 0; r < rows; ++r) vtanh(x + r * stride, n);
}

float vexp_shift_sum(const float* x, float shift, float* out, int n) {
#ifdef TL_X86
  if (have_avx2()) return vexp_shift_sum_avx2(x, shift, out, n);
#endif
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    out[i] = exp_scalar(x[i] - shift);
    sum += out[i];
  }
  return sum;
}

}  // namespace tl
