// bfloat16 matrix products with float32 accumulation through oneDNN's matmul primitive (Debian's libdnnl,
// which dispatches AVX512-BF16 or AMX kernels on CPUs that have them). Operands arrive as float32 and are
// rounded to bfloat16 (round to nearest even) in scratch buffers; the product is accumulated and written in
// float32. All matrices are row-major; `ta` / `tb` say A is stored [K, M] / B is stored [N, K].
#ifndef RAGTIME_BF16_GEMM_H
#define RAGTIME_BF16_GEMM_H

/// 1 when oneDNN dispatches bfloat16 matmul kernels on this CPU (AVX512-BF16 or AMX), else 0.
int rt_bf16_available(void);
/// oneDNN's effective ISA name ("avx512_core_bf16", "avx512_core_amx", "avx2", ...).
const char *rt_bf16_isa_name(void);
/// oneDNN's version.
void rt_bf16_library_version(int *major, int *minor, int *patch);

/// Rounds n floats to bfloat16 (round to nearest even, NaN kept NaN), stored as the upper 16 bits.
void rt_f32_to_bf16(const float *x, unsigned short *y, long n);

/// C[i] = alpha · op(A[i]) @ op(B[i]) (+ C[i] when `accumulate`) for i in 0..<batch: A[i] at a + i·strideA
/// (strideA 0 = the same A for every i), likewise B and C (strideC > 0). lda / ldb / ldc are the stored rows'
/// lengths (>= the stored width). `threads` bounds oneDNN's OpenMP threads for this call.
/// Returns 0 on success; otherwise C is untouched and the result is a oneDNN status (> 0), or -1 when the
/// scratch memory for the bfloat16 copies was not available.
int rt_bf16_gemm(int ta, int tb, long batch, long m, long n, long k, float alpha,
                 const float *a, long lda, long strideA, const float *b, long ldb, long strideB,
                 float *c, long ldc, long strideC, int accumulate, int threads);

/// rt_bf16_gemm on operands already rounded to bfloat16 (as rt_f32_to_bf16 stores them): lda / ldb are the
/// stored rows' lengths and strideA / strideB the matrix strides (0 = shared), in elements.
int rt_bf16_gemm_converted(int ta, int tb, long batch, long m, long n, long k, float alpha,
                           const unsigned short *a16, long lda, long strideA, const unsigned short *b16, long ldb, long strideB,
                           float *c, long ldc, long strideC, int accumulate, int threads);

/// The calling thread's precision setting (-1 = not set, else the caller's own code): a C thread-local, so
/// each thread (a training loop, a background KB refresh) keeps its own.
int rt_precision_thread(void);
void rt_precision_set_thread(int value);

#endif
