// Dot products and squared L2 distances over float rows, for the Index module's HNSW and flat paths.
// Each function is compiled for AVX-512, AVX2+FMA (haswell) and baseline x86-64 and picked at load
// time by the CPU (ifunc via `target_clones`), so one binary runs everywhere and uses wide vectors
// where they exist. Summation order differs from a sequential loop (like faiss's SIMD kernels).
#ifndef RAGTIME_VECTOR_KERNELS_H
#define RAGTIME_VECTOR_KERNELS_H
#include <stddef.h>

float rt_dot(const float *x, const float *y, size_t d);
float rt_l2sq(const float *x, const float *y, size_t d);
/// out[j] = <q, xj> for four rows at once (their loads overlap: faiss `distances_batch_4`).
void rt_dot4(const float *q, const float *x0, const float *x1, const float *x2, const float *x3, size_t d, float *out);
/// out[j] = |q - xj|^2 for four rows at once.
void rt_l2sq4(const float *q, const float *x0, const float *x1, const float *x2, const float *x3, size_t d, float *out);

#endif
