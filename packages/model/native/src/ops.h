// Fused training ops besides the LSTM: dense + softmax + cross-entropy, and Adam over one flat buffer.
#pragma once

#include <cstdint>

namespace tl {

// logits = x [N, H] kernel [H, C] + bias [C]; probs [N, C] = softmax(logits); returns the summed loss
// -sum_n log probs[n, labels[n]] (nats). losses [N] may be nullptr.
// Rows of probs [N, C] whose most probable class (the first, on ties) is the label.
int count_correct(int N, int C, const float* probs, const int32_t* labels);

double dense_softmax_ce_forward(int N, int H, int C, const float* x, const float* kernel, const float* bias,
                                const int32_t* labels, float* probs, float* losses);

// Given probs from the forward and the upstream gradient of every row's loss (dloss [N]) or one scale for all
// rows (dloss == nullptr: scale), writes dx [N, H], dkernel [H, C], dbias [C]. probs is overwritten with dlogits.
void dense_softmax_ce_backward(int N, int H, int C, const float* x, const float* kernel, const int32_t* labels,
                               float* probs, const float* dloss, float scale, float* dx, float* dkernel,
                               float* dbias);

// One Adam step (tfjs AdamOptimizer maths): g' = g * gscale; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
// p_out = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
void adam_step(int n, const float* p, const float* g, float* m, float* v, float* p_out, float lr, float b1,
               float b2, float eps, float one_minus_acc_b1, float one_minus_acc_b2, float gscale);

// Dropout mask from a counter-based hash (murmur3 finaliser of seed and index), so TypeScript reproduces it
// exactly: mask[i] = keep_scale when (hash >> 8) < keep * 2^24, else 0.
void dropout_mask(int n, uint32_t seed, float rate, float* mask);
// out[i] = a[i] * b[i].
void multiply(int n, const float* a, const float* b, float* out);

// Sum of squares (double accumulator), for global-norm clipping.
double sum_squares(int n, const float* x);

}  // namespace tl
