// bfloat16 products through oneDNN (see include/bf16_gemm.h). One engine and stream for the process,
// created on first use; oneDNN's own primitive cache (1,024 entries by default) keeps the compiled kernel
// of every shape seen, so a call costs a descriptor look-up plus the product.
#include "bf16_gemm.h"
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void omp_set_num_threads(int);  // libgomp, oneDNN's threading runtime in Debian's build

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static int engine_status = -1;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void create_engine(void) {
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) { engine_status = 1; return; }
    if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) { engine_status = 1; return; }
    engine_status = 0;
}

static _Thread_local int thread_precision = -1;
int rt_precision_thread(void) { return thread_precision; }
void rt_precision_set_thread(int value) { thread_precision = value; }

int rt_bf16_available(void) {
    unsigned isa = (unsigned)dnnl_get_effective_cpu_isa();
    return (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
}

const char *rt_bf16_isa_name(void) {
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_sse41: return "sse41";
    default: return "other";
    }
}

void rt_bf16_library_version(int *major, int *minor, int *patch) {
    const dnnl_version_t *v = dnnl_version();
    *major = v->major;
    *minor = v->minor;
    *patch = v->patch;
}

// Round to nearest even on the upper 16 bits; NaN stays a (quiet) NaN.
static inline unsigned short round_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (unsigned short)(u >> 16);
}

#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx512f,avx512bf16")))
static void to_bf16_avx512(const float *x, unsigned short *y, long n) {
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
        _mm512_storeu_si512((void *)(y + i), (__m512i)v);
    }
    for (; i < n; i++) y[i] = round_bf16(x[i]);
}
#endif

void rt_f32_to_bf16(const float *x, unsigned short *y, long n) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512bf16")) { to_bf16_avx512(x, y, n); return; }
#endif
    for (long i = 0; i < n; i++) y[i] = round_bf16(x[i]);
}

// Copies `count` matrices of `rows` stored rows of `width` (leading dimension ld, matrix stride `stride`)
// into a compact bfloat16 buffer.
static void pack(const float *x, long count, long stride, long rows, long width, long ld, unsigned short *y) {
    for (long i = 0; i < count; i++)
        for (long r = 0; r < rows; r++)
            rt_f32_to_bf16(x + i * stride + r * ld, y + (i * rows + r) * width, width);
}

int rt_bf16_gemm_converted(int ta, int tb, long batch, long m, long n, long k, float alpha,
                           const unsigned short *a16, long lda, long strideA, const unsigned short *b16, long ldb, long strideB,
                           float *c, long ldc, long strideC, int accumulate, int threads) {
    pthread_once(&engine_once, create_engine);
    if (engine_status != 0) return engine_status;
    long batchA = strideA == 0 ? 1 : batch, batchB = strideB == 0 ? 1 : batch;
    // Stored shapes: A is [M, K] (or [K, M] with ta), B is [K, N] (or [N, K] with tb); strides in elements.
    dnnl_dims_t ad = {batchA, m, k}, bd = {batchB, k, n}, cd = {batch, m, n};
    dnnl_dims_t as = {strideA == 0 ? m * k : strideA, ta ? 1 : lda, ta ? lda : 1};
    dnnl_dims_t bs = {strideB == 0 ? k * n : strideB, tb ? 1 : ldb, tb ? ldb : 1};
    dnnl_dims_t cs = {strideC, ldc, 1};
    dnnl_memory_desc_t amd, bmd, cmd;
    dnnl_status_t s = dnnl_memory_desc_init_by_strides(&amd, 3, ad, dnnl_bf16, as);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_strides(&bmd, 3, bd, dnnl_bf16, bs);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_strides(&cmd, 3, cd, dnnl_f32, cs);
    dnnl_matmul_desc_t desc;
    if (s == dnnl_success) s = dnnl_matmul_desc_init(&desc, &amd, &bmd, NULL, &cmd);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    if (s == dnnl_success) s = dnnl_primitive_attr_create(&attr);
    if (s == dnnl_success && alpha != 1.0f) s = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha);
    if (s == dnnl_success && accumulate) {
        s = dnnl_post_ops_create(&ops);
        if (s == dnnl_success) s = dnnl_post_ops_append_sum(ops, 1.0f);
        if (s == dnnl_success) s = dnnl_primitive_attr_set_post_ops(attr, ops);
    }
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim = NULL;
    dnnl_memory_t am = NULL, bm = NULL, cm = NULL;
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL);
    if (s == dnnl_success) s = dnnl_primitive_create(&prim, pd);
    if (s == dnnl_success) s = dnnl_memory_create(&am, &amd, engine, (void *)a16);
    if (s == dnnl_success) s = dnnl_memory_create(&bm, &bmd, engine, (void *)b16);
    if (s == dnnl_success) s = dnnl_memory_create(&cm, &cmd, engine, c);
    if (s == dnnl_success) {
        omp_set_num_threads(threads < 1 ? 1 : threads);
        dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}};
        s = dnnl_primitive_execute(prim, stream, 3, args);
        if (s == dnnl_success) s = dnnl_stream_wait(stream);
    }
    if (am) dnnl_memory_destroy(am);
    if (bm) dnnl_memory_destroy(bm);
    if (cm) dnnl_memory_destroy(cm);
    if (prim) dnnl_primitive_destroy(prim);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (ops) dnnl_post_ops_destroy(ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return s == dnnl_success ? 0 : (int)s;
}

int rt_bf16_gemm(int ta, int tb, long batch, long m, long n, long k, float alpha,
                 const float *a, long lda, long strideA, const float *b, long ldb, long strideB,
                 float *c, long ldc, long strideC, int accumulate, int threads) {
    long batchA = strideA == 0 ? 1 : batch, batchB = strideB == 0 ? 1 : batch;
    long aRows = ta ? k : m, aWidth = ta ? m : k, bRows = tb ? n : k, bWidth = tb ? k : n;
    unsigned short *a16 = malloc(sizeof(unsigned short) * (size_t)(batchA * m * k));
    unsigned short *b16 = malloc(sizeof(unsigned short) * (size_t)(batchB * k * n));
    if (!a16 || !b16) { free(a16); free(b16); return -1; }
    pack(a, batchA, strideA, aRows, aWidth, lda, a16);
    pack(b, batchB, strideB, bRows, bWidth, ldb, b16);
    int status = rt_bf16_gemm_converted(ta, tb, batch, m, n, k, alpha, a16, aWidth, strideA == 0 ? 0 : m * k,
                                        b16, bWidth, strideB == 0 ? 0 : k * n, c, ldc, strideC, accumulate, threads);
    free(a16);
    free(b16);
    return status;
}
