// Row and elementwise float32 kernels of the Tensor module, compiled for AVX-512, AVX2+FMA and baseline
// x86-64 (or the generic target elsewhere); the widest one the CPU supports is picked once at load time.
// All pointers are to contiguous float32 arrays; n is an element count.
#ifndef RAGTIME_TENSOR_KERNELS_H
#define RAGTIME_TENSOR_KERNELS_H
#include <stdint.h>

/// y = exp(x) (exact 0 below -87.33, +inf above 88.72, relative error < 2e-7).
void rt_exp(const float *x, float *y, long n);
/// y = x Φ(x), Φ via erf (A&S 7.1.26, |error| < 1.5e-7): PyTorch's exact GELU.
void rt_gelu(const float *x, float *y, long n);
/// y = g (Φ(x) + x φ(x)).
void rt_gelu_grad(const float *x, const float *g, float *y, long n);
/// Row-wise softmax (log_softmax when `log`) of `rows` rows of length n.
void rt_softmax_rows(const float *x, float *y, long rows, long n, int log);
/// softmax: gx = y (g - Σ g y); log_softmax: gx = g - exp(y) Σ g.
void rt_softmax_rows_backward(const float *y, const float *g, float *gx, long rows, long n, int log);

/// One attention score row in place: s = softmax(s·scale + bias) (bias[j·biasStride], stride 0 or 1,
/// or NULL), then with a dropout `mask` (1 keep / 0 drop, or NULL) s *= mask·keep. Returns the row's
/// log-sum-exp of the biased, scaled scores.
float rt_attention_row(float *s, long n, float scale, const float *bias, long biasStride, const uint8_t *mask, float keep);
/// The forward probabilities again from the saved log-sum-exp: s = exp(s·scale + bias − lse).
void rt_attention_row_recompute(float *s, long n, float scale, const float *bias, long biasStride, float lse);
/// Gradient of the scores of one row: dp = p (dp·mk − d), then p *= mk (mk = mask·keep, or 1 without mask).
void rt_attention_row_grad(float *p, float *dp, long n, float d, const uint8_t *mask, float keep);

/// Σ x·y.
float rt_dot(const float *x, const float *y, long n);

/// Instruction set in use: 2 AVX-512, 1 AVX2+FMA, 0 baseline. `rt_set_isa` forces one (tests); it
/// returns the level actually set (capped at what the CPU supports).
int rt_isa(void);
int rt_set_isa(int level);

#endif
