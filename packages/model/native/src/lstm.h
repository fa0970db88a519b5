// Fused LSTM over a whole sequence, Keras/tfjs-layers maths and layout:
//   z = x W + h U + b,  gates (i, f, c, o) in blocks of u columns,
//   i, f, o = sigmoid, g = tanh, c' = f c + i g, h' = o tanh(c').
// Shapes: x [B, T, I], h0 c0 [B, U], W [I, 4U], Uk [U, 4U], b [4U], ys [B, T, U].
#pragma once

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

}  // namespace tl
