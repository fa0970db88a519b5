// Node-API surface of tunelab_lstm.node. Every function is synchronous and works on caller-allocated typed
// arrays (Float32Array / Int32Array), so JS can hand over tfjs cpu-backend buffers without copying.
// Arguments are positional; null / undefined stands for "absent" where the C++ side accepts nullptr.
// Each Node environment (the main thread, each worker thread: a sweep's trials) has its own thread pool, sized
// by setThreads, so trials running side by side in one process never share or fight over one.
#include <node_api.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "lstm.h"
#include "ops.h"
#include "pool.h"
#include "sgemm.h"

namespace {

// Per-environment state: the pool kernels of this environment run on (null while threads is 1).
struct EnvData {
  int threads = 1;
  std::unique_ptr<tl::Pool> pool;
};

EnvData* env_data(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  if (data != nullptr) return static_cast<EnvData*>(data);
  auto* fresh = new EnvData();
  napi_set_instance_data(
      env, fresh, [](napi_env, void* d, void*) { delete static_cast<EnvData*>(d); }, nullptr);
  return fresh;
}

// Makes this environment's pool the one kernels use for the rest of the calling scope.
struct EnvPool : tl::PoolScope {
  explicit EnvPool(napi_env env) : tl::PoolScope(env_data(env)->pool.get()) {}
};

struct Args {
  napi_env env;
  napi_value argv[24];
  size_t argc = 24;
  bool failed = false;

  Args(napi_env e, napi_callback_info info) : env(e) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  }

  void fail(const std::string& msg) {
    if (!failed) napi_throw_type_error(env, nullptr, msg.c_str());
    failed = true;
  }

  int i32(size_t k) {
    int32_t v = 0;
    if (k >= argc || napi_get_value_int32(env, argv[k], &v) != napi_ok) fail("argument " + std::to_string(k) + ": expected an integer");
    return v;
  }

  // An optional string argument that must be one of `names`: its index, or -1 when it is absent or undefined
  // (and after fail(), naming `fn` and the choices, when it is anything else).
  int choice(size_t k, const char* fn, std::initializer_list<const char*> names) {
    if (k >= argc) return -1;
    napi_valuetype type;
    napi_typeof(env, argv[k], &type);
    if (type == napi_undefined) return -1;
    std::string expected;  // "a", "b" or "c"
    size_t i = 0;
    for (const char* n : names) {
      if (i > 0) expected += ++i == names.size() ? " or " : ", ";
      else ++i;
      expected += "\"" + std::string(n) + "\"";
    }
    char buf[32] = {0};
    size_t len = 0;
    if (type != napi_string || napi_get_value_string_utf8(env, argv[k], buf, sizeof buf, &len) != napi_ok) {
      fail(std::string(fn) + ": expected " + expected);
      return -1;
    }
    const std::string name(buf, len);
    int index = 0;
    for (const char* n : names) {
      if (name == n) return index;
      ++index;
    }
    fail(std::string(fn) + ": expected " + expected + ", got \"" + name + "\"");
    return -1;
  }

  double f64(size_t k) {
    double v = 0;
    if (k >= argc || napi_get_value_double(env, argv[k], &v) != napi_ok) fail("argument " + std::to_string(k) + ": expected a number");
    return v;
  }

  // Returns the typed array's data, checking its element type and that it holds at least `need` elements.
  void* array(size_t k, napi_typedarray_type want, size_t need, bool optional) {
    if (k >= argc) {
      if (!optional) fail("argument " + std::to_string(k) + ": missing");
      return nullptr;
    }
    napi_valuetype vt;
    napi_typeof(env, argv[k], &vt);
    if (vt == napi_null || vt == napi_undefined) {
      if (!optional) fail("argument " + std::to_string(k) + ": expected a typed array, got null");
      return nullptr;
    }
    bool is = false;
    napi_is_typedarray(env, argv[k], &is);
    if (!is) {
      fail("argument " + std::to_string(k) + ": expected a typed array");
      return nullptr;
    }
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_get_typedarray_info(env, argv[k], &type, &length, &data, nullptr, nullptr);
    if (type != want) {
      fail("argument " + std::to_string(k) + (want == napi_float32_array ? ": expected a Float32Array" : ": expected an Int32Array"));
      return nullptr;
    }
    if (length < need) {
      fail("argument " + std::to_string(k) + ": expected at least " + std::to_string(need) + " elements, got " +
           std::to_string(length));
      return nullptr;
    }
    return data;
  }

  float* f32(size_t k, size_t need, bool optional = false) {
    return static_cast<float*>(array(k, napi_float32_array, need, optional));
  }
  int32_t* i32a(size_t k, size_t need) { return static_cast<int32_t*>(array(k, napi_int32_array, need, false)); }
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// lstmForward(B, T, I, U, x, h0, c0, W, Uk, b, ys, hT, cT, gates|null, cs|null)
napi_value LstmForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  EnvPool pool(env);
  tl::LstmDims d{a.i32(0), a.i32(1), a.i32(2), a.i32(3)};
  if (a.failed) return nullptr;
  size_t B = d.B, T = d.T, I = d.I, U = d.U;
  const float* x = a.f32(4, B * T * I);
  const float* h0 = a.f32(5, B * U);
  const float* c0 = a.f32(6, B * U);
  const float* W = a.f32(7, I * 4 * U);
  const float* Uk = a.f32(8, U * 4 * U);
  const float* b = a.f32(9, 4 * U);
  float* ys = a.f32(10, B * T * U);
  float* hT = a.f32(11, B * U, true);
  float* cT = a.f32(12, B * U, true);
  float* gates = a.f32(13, B * T * 4 * U, true);
  float* cs = a.f32(14, B * T * U, true);
  if (a.failed) return nullptr;
  if ((gates == nullptr) != (cs == nullptr)) {
    a.fail("gates and cs must both be given or both be null");
    return nullptr;
  }
  // One step (sampling) stays on the calling thread: latency, not throughput.
  tl::PoolScope serial(T == 1 ? nullptr : tl::current_pool());
  if (T > 0) tl::lstm_forward(d, x, h0, c0, W, Uk, b, ys, hT, cT, gates, cs);
  return undefined(env);
}

// lstmBackward(B, T, I, U, x, h0, c0, W, Uk, ys, gates, cs, dys|null, dhT|null, dcT|null,
//              dx|null, dh0|null, dc0|null, dW|null, dU|null, db|null)
napi_value LstmBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  EnvPool pool(env);
  tl::LstmDims d{a.i32(0), a.i32(1), a.i32(2), a.i32(3)};
  if (a.failed) return nullptr;
  size_t B = d.B, T = d.T, I = d.I, U = d.U;
  const float* x = a.f32(4, B * T * I);
  const float* h0 = a.f32(5, B * U);
  const float* c0 = a.f32(6, B * U);
  const float* W = a.f32(7, I * 4 * U);
  const float* Uk = a.f32(8, U * 4 * U);
  const float* ys = a.f32(9, B * T * U);
  const float* gates = a.f32(10, B * T * 4 * U);
  const float* cs = a.f32(11, B * T * U);
  const float* dys = a.f32(12, B * T * U, true);
  const float* dhT = a.f32(13, B * U, true);
  const float* dcT = a.f32(14, B * U, true);
  float* dx = a.f32(15, B * T * I, true);
  float* dh0 = a.f32(16, B * U, true);
  float* dc0 = a.f32(17, B * U, true);
  float* dW = a.f32(18, I * 4 * U, true);
  float* dU = a.f32(19, U * 4 * U, true);
  float* db = a.f32(20, 4 * U, true);
  if (a.failed) return nullptr;
  if (T > 0) tl::lstm_backward(d, x, h0, c0, W, Uk, ys, gates, cs, dys, dhT, dcT, dx, dh0, dc0, dW, dU, db);
  return undefined(env);
}

bool check_ids(Args& a, const int32_t* ids, size_t n, int V) {
  for (size_t r = 0; r < n; ++r) {
    if (ids[r] < 0 || ids[r] >= V) {
      a.fail("id " + std::to_string(ids[r]) + " at " + std::to_string(r) + " is outside [0, " + std::to_string(V) + ")");
      return false;
    }
  }
  return true;
}

// lstmForwardEmbedded(B, T, I, U, V, table, ids, h0, c0, W, Uk, b, ys, hT|null, cT|null, gates|null, cs|null)
napi_value LstmForwardEmbedded(napi_env env, napi_callback_info info) {
  Args a(env, info);
  EnvPool pool(env);
  tl::LstmDims d{a.i32(0), a.i32(1), a.i32(2), a.i32(3)};
  int V = a.i32(4);
  if (a.failed) return nullptr;
  size_t B = d.B, T = d.T, I = d.I, U = d.U;
  const float* table = a.f32(5, static_cast<size_t>(V) * I);
  const int32_t* ids = a.i32a(6, B * T);
  const float* h0 = a.f32(7, B * U);
  const float* c0 = a.f32(8, B * U);
  const float* W = a.f32(9, I * 4 * U);
  const float* Uk = a.f32(10, U * 4 * U);
  const float* b = a.f32(11, 4 * U);
  float* ys = a.f32(12, B * T * U);
  float* hT = a.f32(13, B * U, true);
  float* cT = a.f32(14, B * U, true);
  float* gates = a.f32(15, B * T * 4 * U, true);
  float* cs = a.f32(16, B * T * U, true);
  if (a.failed || !check_ids(a, ids, B * T, V)) return nullptr;
  if ((gates == nullptr) != (cs == nullptr)) {
    a.fail("gates and cs must both be given or both be null");
    return nullptr;
  }
  tl::PoolScope serial(T == 1 ? nullptr : tl::current_pool());
  if (T > 0) tl::lstm_forward_embedded(d, V, table, ids, h0, c0, W, Uk, b, ys, hT, cT, gates, cs);
  return undefined(env);
}

// lstmBackwardEmbedded(B, T, I, U, V, table, ids, h0, c0, W, Uk, ys, gates, cs, dys|null, dhT|null, dcT|null,
//                      dtable|null, dh0|null, dc0|null, dW|null, dU|null, db|null)
napi_value LstmBackwardEmbedded(napi_env env, napi_callback_info info) {
  Args a(env, info);
  EnvPool pool(env);
  tl::LstmDims d{a.i32(0), a.i32(1), a.i32(2), a.i32(3)};
  int V = a.i32(4);
  if (a.failed) return nullptr;
  size_t B = d.B, T = d.T, I = d.I, U = d.U;
  const float* table = a.f32(5, static_cast<size_t>(V) * I);
  const int32_t* ids = a.i32a(6, B * T);
  const float* h0 = a.f32(7, B * U);
  const float* c0 = a.f32(8, B * U);
  const float* W = a.f32(9, I * 4 * U);
  const float* Uk = a.f32(10, U * 4 * U);
  const float* ys = a.f32(11, B * T * U);
  const float* gates = a.f32(12, B * T * 4 * U);
  const float* cs = a.f32(13, B * T * U);
  const float* dys = a.f32(14, B * T * U, true);
  const float* dhT = a.f32(15, B * U, true);
  const float* dcT = a.f32(16, B * U, true);
  float* dtable = a.f32(17, static_cast<size_t>(V) * I, true);
  float* dh0 = a.f32(18, B * U, true);
  float* dc0 = a.f32(19, B * U, true);
  float* dW = a.f32(20, I * 4 * U, true);
  float* dU = a.f32(21, U * 4 * U, true);
  float* db = a.f32(22, 4 * U, true);
  if (a.failed || !check_ids(a, ids, B * T, V)) return nullptr;
  if (T > 0)
    tl::lstm_backward_embedded(d, V, table, ids, h0, c0, W, Uk, ys, gates, cs, dys, dhT, dcT, dtable, dh0, dc0, dW,
                               dU, db);
  return undefined(env);
}

// sgemm(M, N, K, A, aRowStride, aColStride, B, bRowStride, bColStride, beta, C, ldc)
napi_value Sgemm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  EnvPool pool(env);
  int M = a.i32(0), N = a.i32(1), K = a.i32(2);
  int ars = a.i32(4), acs = a.i32(5), brs = a.i32(7), bcs = a.i32(8), ldc = a.i32(11);
  float beta = static_cast<float>(a.f64(9));
  if (a.failed) return nullptr;
  size_t aneed = M > 0 && K > 0 ? static_cast<size_t>((M - 1) * ars + (K - 1) * acs + 1) : 0;
  size_t bneed = K > 0 && N > 0 ? static_cast<size_t>((K - 1) * brs + (N - 1) * bcs + 1) : 0;
  size_t cneed = M > 0 && N > 0 ? static_cast<size_t>((M - 1) * ldc + N) : 0;
  const float* A = a.f32(3, aneed);
  const float* B = a.f32(6, bneed);
  float* C = a.f32(10, cneed);
  if (a.failed) return nullptr;
  tl::sgemm(M, N, K, tl::MatView{A, ars, acs}, tl::MatView{B, brs, bcs}, beta, C, ldc);
  return undefined(env);
}

// denseSoftmaxCeForward(N, H, C, x, kernel, bias, labels, probs, losses|null) -> summed loss
napi_value DenseSoftmaxCeForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  EnvPool pool(env);
  int N = a.i32(0), H = a.i32(1), C = a.i32(2);
  if (a.failed) return nullptr;
  const float* x = a.f32(3, static_cast<size_t>(N) * H);
  const float* k = a.f32(4, static_cast<size_t>(H) * C);
  const float* b = a.f32(5, C);
  const int32_t* labels = a.i32a(6, N);
  float* probs = a.f32(7, static_cast<size_t>(N) * C);
  float* losses = a.f32(8, N, true);
  if (a.failed) return nullptr;
  for (int n = 0; n < N; ++n) {
    if (labels[n] < 0 || labels[n] >= C) {
      a.fail("label " + std::to_string(labels[n]) + " at row " + std::to_string(n) + " is outside [0, " +
             std::to_string(C) + ")");
      return nullptr;
    }
  }
  double total = tl::dense_softmax_ce_forward(N, H, C, x, k, b, labels, probs, losses);
  napi_value out;
  napi_create_double(env, total, &out);
  return out;
}

// countCorrect(N, C, probs, labels) → rows whose argmax (first on ties) is the label
napi_value CountCorrect(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int N = a.i32(0), C = a.i32(1);
  if (a.failed) return nullptr;
  const float* probs = a.f32(2, static_cast<size_t>(N) * C);
  const int32_t* labels = a.i32a(3, N);
  if (a.failed) return nullptr;
  napi_value out;
  napi_create_int32(env, tl::count_correct(N, C, probs, labels), &out);
  return out;
}

// denseSoftmaxCeBackward(N, H, C, x, kernel, labels, probs, dloss|null, scale, dx|null, dkernel|null, dbias|null)
napi_value DenseSoftmaxCeBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  EnvPool pool(env);
  int N = a.i32(0), H = a.i32(1), C = a.i32(2);
  float scale = static_cast<float>(a.f64(8));
  if (a.failed) return nullptr;
  const float* x = a.f32(3, static_cast<size_t>(N) * H);
  const float* k = a.f32(4, static_cast<size_t>(H) * C);
  const int32_t* labels = a.i32a(5, N);
  float* probs = a.f32(6, static_cast<size_t>(N) * C);
  const float* dloss = a.f32(7, N, true);
  float* dx = a.f32(9, static_cast<size_t>(N) * H, true);
  float* dk = a.f32(10, static_cast<size_t>(H) * C, true);
  float* db = a.f32(11, C, true);
  if (a.failed) return nullptr;
  tl::dense_softmax_ce_backward(N, H, C, x, k, labels, probs, dloss, scale, dx, dk, db);
  return undefined(env);
}

// adamStep(p, g, m, v, pOut, lr, b1, b2, eps, oneMinusAccB1, oneMinusAccB2, gscale)
napi_value AdamStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  EnvPool pool(env);
  napi_typedarray_type type;
  size_t n = 0;
  if (a.argc > 0) napi_get_typedarray_info(env, a.argv[0], &type, &n, nullptr, nullptr, nullptr);
  const float* p = a.f32(0, n);
  const float* g = a.f32(1, n);
  float* m = a.f32(2, n);
  float* v = a.f32(3, n);
  float* out = a.f32(4, n);
  float f[7];
  for (int i = 0; i < 7; ++i) f[i] = static_cast<float>(a.f64(5 + i));
  if (a.failed) return nullptr;
  tl::adam_step(static_cast<int>(n), p, g, m, v, out, f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
  return undefined(env);
}

// sumSquares(x) -> number
napi_value SumSquares(napi_env env, napi_callback_info info) {
  Args a(env, info);
  napi_typedarray_type type;
  size_t n = 0;
  if (a.argc > 0) napi_get_typedarray_info(env, a.argv[0], &type, &n, nullptr, nullptr, nullptr);
  const float* x = a.f32(0, n);
  if (a.failed) return nullptr;
  napi_value out;
  napi_create_double(env, tl::sum_squares(static_cast<int>(n), x), &out);
  return out;
}

// sumSquaresEach(arrays: Float32Array[], out: Float64Array): out[i] = sumSquares(arrays[i]). Each sum is one
// dependent chain (summed in index order, so the global norm keeps its bits); the chains of different arrays
// run at the same time on the pool's threads.
napi_value SumSquaresEach(napi_env env, napi_callback_info info) {
  Args a(env, info);
  bool is_array = false;
  if (a.argc > 0) napi_is_array(env, a.argv[0], &is_array);
  uint32_t count = 0;
  if (is_array) napi_get_array_length(env, a.argv[0], &count);
  else a.fail("argument 0: expected an array of Float32Array");
  double* out = a.failed ? nullptr : static_cast<double*>(a.array(1, napi_float64_array, count, false));
  if (a.failed) return nullptr;
  std::vector<const float*> data(count);
  std::vector<size_t> lengths(count);
  for (uint32_t i = 0; i < count; ++i) {
    napi_value el;
    napi_get_element(env, a.argv[0], i, &el);
    bool is = false;
    napi_is_typedarray(env, el, &is);
    napi_typedarray_type type = napi_int8_array;
    void* p = nullptr;
    if (is) napi_get_typedarray_info(env, el, &type, &lengths[i], &p, nullptr, nullptr);
    if (!is || type != napi_float32_array) {
      a.fail("argument 0: element " + std::to_string(i) + " is not a Float32Array");
      return nullptr;
    }
    data[i] = static_cast<const float*>(p);
  }
  EnvPool pool(env);
  tl::parallel_tasks(static_cast<int>(count),
                     [&](int i) { out[i] = tl::sum_squares(static_cast<int>(lengths[i]), data[i]); });
  return undefined(env);
}

// dropoutMask(seed, rate, mask)
napi_value DropoutMask(napi_env env, napi_callback_info info) {
  Args a(env, info);
  double seed = a.f64(0), rate = a.f64(1);
  napi_typedarray_type type;
  size_t n = 0;
  if (a.argc > 2) napi_get_typedarray_info(env, a.argv[2], &type, &n, nullptr, nullptr, nullptr);
  float* mask = a.f32(2, n);
  if (a.failed) return nullptr;
  if (!(rate >= 0.0 && rate < 1.0)) {
    a.fail("rate must be in [0, 1)");
    return nullptr;
  }
  EnvPool pool(env);
  tl::dropout_mask(static_cast<int>(n), static_cast<uint32_t>(seed), static_cast<float>(rate), mask);
  return undefined(env);
}

// multiply(a, b, out)
napi_value Multiply(napi_env env, napi_callback_info info) {
  Args a(env, info);
  napi_typedarray_type type;
  size_t n = 0;
  if (a.argc > 0) napi_get_typedarray_info(env, a.argv[0], &type, &n, nullptr, nullptr, nullptr);
  const float* x = a.f32(0, n);
  const float* y = a.f32(1, n);
  float* out = a.f32(2, n);
  if (a.failed) return nullptr;
  EnvPool pool(env);
  tl::multiply(static_cast<int>(n), x, y, out);
  return undefined(env);
}

// setThreads(n): the threads this environment's kernels run on from now on (n >= 1; 1 = no pool). Returns the
// count in force, which is 1 where the addon was built without threads.
napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int n = a.i32(0);
  if (a.failed) return nullptr;
  if (n < 1 || n > 1024) {
    a.fail("threads must be an integer in [1, 1024], got " + std::to_string(n));
    return nullptr;
  }
  EnvData* d = env_data(env);
  if (!tl::threads_supported()) n = 1;
  if (n != d->threads) {
    d->pool.reset();  // joins the old workers before new ones start
    if (n > 1) d->pool = std::make_unique<tl::Pool>(n);
    d->threads = n;
  }
  napi_value out;
  napi_create_int32(env, d->threads, &out);
  return out;
}

// threadsSupported() -> whether this build can start worker threads.
napi_value ThreadsSupported(napi_env env, napi_callback_info) {
  napi_value out;
  napi_get_boolean(env, tl::threads_supported(), &out);
  return out;
}

// threads() -> the threads this environment's kernels run on.
napi_value Threads(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, env_data(env)->threads, &out);
  return out;
}

// paceProbe(threads, ms, pin, counts: Float64Array[threads]): each of `threads` fresh threads (pinned to CPU i
// when pin) runs the same arithmetic loop for ms milliseconds at the same time; counts[i] = loops done.
napi_value PaceProbe(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int threads = a.i32(0), ms = a.i32(1);
  bool pin = false;
  if (a.argc > 2) napi_get_value_bool(env, a.argv[2], &pin);
  if (a.failed) return nullptr;
  if (threads < 1 || threads > 1024 || ms < 1) {
    a.fail("paceProbe: threads must be in [1, 1024] and ms >= 1");
    return nullptr;
  }
  void* data = nullptr;
  size_t length = 0;
  napi_typedarray_type type;
  bool is = false;
  if (a.argc > 3) napi_is_typedarray(env, a.argv[3], &is);
  if (is) napi_get_typedarray_info(env, a.argv[3], &type, &length, &data, nullptr, nullptr);
  if (!is || type != napi_float64_array || length < static_cast<size_t>(threads)) {
    a.fail("paceProbe: argument 3: expected a Float64Array of at least `threads` elements");
    return nullptr;
  }
  tl::pace_probe(threads, ms, pin, static_cast<double*>(data));
  return undefined(env);
}

// alignedFloats(n) -> a zeroed Float32Array of n elements whose first element starts a 64-byte cache line.
// Threads write neighbouring tiles of one output (a recurrence step's units, a GEMM's columns), tiles that are
// whole multiples of 16 floats: in a buffer that starts mid-line, every edge between two threads' tiles is a line
// both write, which bounces between the cores at every step. An ArrayBuffer's memory never moves, so the offset
// chosen here stays right.
napi_value AlignedFloatArray(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const double n = a.f64(0);
  if (a.failed) return nullptr;
  if (!(n >= 0 && n <= double(int64_t{1} << 30) && n == static_cast<double>(static_cast<int64_t>(n)))) {
    a.fail("alignedFloats: n must be an integer in [0, 2^30], got " + std::to_string(n));
    return nullptr;
  }
  constexpr size_t kLine = 64;
  void* data = nullptr;
  napi_value buffer, out;
  if (napi_create_arraybuffer(env, static_cast<size_t>(n) * sizeof(float) + kLine, &data, &buffer) != napi_ok)
    return nullptr;
  // ArrayBuffer memory is at least 4-aligned here, so the offset is a whole number of floats.
  const size_t offset = (kLine - reinterpret_cast<uintptr_t>(data) % kLine) % kLine;
  if (offset % sizeof(float) != 0) {
    a.fail("alignedFloats: an ArrayBuffer that is not 4-byte aligned");
    return nullptr;
  }
  if (napi_create_typedarray(env, napi_float32_array, static_cast<size_t>(n), buffer, offset, &out) != napi_ok)
    return nullptr;
  return out;
}

// lineOffset(x: TypedArray) -> bytes from the start of the 64-byte cache line its first element lies on (tests).
napi_value LineOffset(napi_env env, napi_callback_info info) {
  Args a(env, info);
  void* data = nullptr;
  bool is = false;
  if (a.argc > 0) napi_is_typedarray(env, a.argv[0], &is);
  if (!is || napi_get_typedarray_info(env, a.argv[0], nullptr, nullptr, &data, nullptr, nullptr) != napi_ok) {
    a.fail("lineOffset: expected a typed array");
    return nullptr;
  }
  napi_value out;
  napi_create_int32(env, static_cast<int32_t>(reinterpret_cast<uintptr_t>(data) % 64), &out);
  return out;
}

// recurrencePath(path?: "auto" | "units" | "rows") -> the path the LSTM recurrence takes now ("units" or "rows"),
// after setting it when given (lstm.h; for tests and benchmarks: both give the same bits).
napi_value RecurrencePathFn(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int path = a.choice(0, "recurrencePath", {"auto", "units", "rows"});
  if (a.failed) return nullptr;
  if (path >= 0) tl::set_recurrence_path(static_cast<tl::RecurrencePath>(path));  // the enum's values, in order
  napi_value out;
  napi_create_string_utf8(env, tl::recurrence_path_name(), NAPI_AUTO_LENGTH, &out);
  return out;
}

// gemmKernel(kernel?: "auto" | "avx2") -> the kernel the GEMMs run now, after setting it when given: "avx2" keeps
// them on the AVX2 kernel even where the AVX-512 pair kernel runs (the same bits: for tests that compare them).
napi_value GemmKernelFn(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int kernel = a.choice(0, "gemmKernel", {"auto", "avx2"});
  if (a.failed) return nullptr;
  if (kernel >= 0) tl::set_wide_gemm(kernel == 0);
  napi_value out;
  napi_create_string_utf8(env, tl::sgemm_kernel_name(), NAPI_AUTO_LENGTH, &out);
  return out;
}

napi_value KernelName(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_string_utf8(env, tl::sgemm_kernel_name(), NAPI_AUTO_LENGTH, &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"lstmForward", nullptr, LstmForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmBackward", nullptr, LstmBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmForwardEmbedded", nullptr, LstmForwardEmbedded, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmBackwardEmbedded", nullptr, LstmBackwardEmbedded, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgemm", nullptr, Sgemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"denseSoftmaxCeForward", nullptr, DenseSoftmaxCeForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"denseSoftmaxCeBackward", nullptr, DenseSoftmaxCeBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"countCorrect", nullptr, CountCorrect, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamStep", nullptr, AdamStep, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumSquares", nullptr, SumSquares, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumSquaresEach", nullptr, SumSquaresEach, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dropoutMask", nullptr, DropoutMask, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"multiply", nullptr, Multiply, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"alignedFloats", nullptr, AlignedFloatArray, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"recurrencePath", nullptr, RecurrencePathFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lineOffset", nullptr, LineOffset, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"kernelName", nullptr, KernelName, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gemmKernel", nullptr, GemmKernelFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threadsSupported", nullptr, ThreadsSupported, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"paceProbe", nullptr, PaceProbe, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
