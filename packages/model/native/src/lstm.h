// Fused LSTM over a whole sequence, Keras/tfjs-layers maths and layout:
//   z = x W + h U + b,  gates (i, f, c, o) in blocks of u columns,
//   i, f, o = sigmoid, g = tanh, c' = f c + i g, h' = o tanh(c').
// Shapes: x [B, T, I], h0 c0 [B, U], W [I, 4U], Uk [U, 4U], b [4U], ys [B, T, U].
#pragma once

#include <cstdint>

namespace tl {

struct LstmDims {
  int B, T, I, U;
};

// gates ([B, T, 4U], activated) and cs ([B, T, U], cell states) are the cache the backward needs;
// pass nullptr for both when no gradient will be taken (inference, sampling).
void lstm_forward(LstmDims d, const float* x, const float* h0, const float* c0, const float* W, const float* Uk,
                  const float* b, float* ys, float* hT, float* cT, float* gates, float* cs);

// dys [B, T, U] (or nullptr = zeros), dhT / dcT [B, U] (or nullptr): gradients flowing into the outputs.
// Writes dx [B, T, I], dh0 / dc0 [B, U], dW [I, 4U], dU [U, 4U], db [4U] (each may be nullptr to skip).
void lstm_backward(LstmDims d, const float* x, const float* h0, const float* c0, const float* W, const float* Uk,
                   const float* ys, const float* gates, const float* cs, const float* dys, const float* dhT,
                   const float* dcT, float* dx, float* dh0, float* dc0, float* dW, float* dU, float* db);

// The first LSTM of a model fed straight by an embedding: x[b, t] = table[ids[b, t]] (table [V, I], ids [B, T]).
// The input projection becomes (table W)[ids] and its gradients go through table (dtable [V, I] instead of
// dx), which saves the two largest GEMMs of the layer when V is much smaller than B * T.
void lstm_forward_embedded(LstmDims d, int V, const float* table, const int32_t* ids, const float* h0,
                           const float* c0, const float* W, const float* Uk, const float* b, float* ys, float* hT,
                           float* cT, float* gates, float* cs);
void lstm_backward_embedded(LstmDims d, int V, const float* table, const int32_t* ids, const float* h0,
                            const float* c0, const float* W, const float* Uk, const float* ys, const float* gates,
                            const float* cs, const float* dys, const float* dhT, const float* dcT, float* dtable,
                            float* dh0, float* dc0, float* dW, float* dU, float* db);

// How a recurrence step is shared out over the thread pool. By units: every thread a slice of every row's units,
// a barrier each step, and h_t (dz_t in the backward) read by the other threads. By rows: every thread its own
// batch rows for the whole sequence, multiplying them unpacked (the rows kernel, AVX-512F), with nothing crossing
// between threads. Both give the same bits for any thread count. kAuto (the default) takes rows wherever the CPU
// has the rows kernel, except for a batch too small to give two threads 4 rows each; tests and benchmarks force one.
enum class RecurrencePath { kAuto = 0, kUnits = 1, kRows = 2 };
void set_recurrence_path(RecurrencePath path);
// "rows" where the rows path may run (the rows kernel is there and units is not forced), else "units".
const char* recurrence_path_name();

}  // namespace tl
