// Dispatch of the Tensor kernels (kernels_body.inc) over instruction sets, chosen once at load time.
#include "tensor_kernels.h"
// 16-float vectors passed between the static inline helpers change the ABI on narrower targets; they
// are always inlined, so the warning does not apply.
#pragma clang diagnostic ignored "-Wpsabi"
#include <math.h>
#include <stdint.h>

typedef float v16f __attribute__((ext_vector_type(16)));
typedef float v8f __attribute__((ext_vector_type(8)));
typedef float v4f __attribute__((ext_vector_type(4)));
typedef int32_t v16i __attribute__((ext_vector_type(16)));
typedef uint8_t v16u8 __attribute__((ext_vector_type(16)));

struct rt_table {
    void (*exp)(const float *, float *, long);
    void (*gelu)(const float *, float *, long);
    void (*gelu_grad)(const float *, const float *, float *, long);
    void (*softmax_rows)(const float *, float *, long, long, int);
    void (*softmax_rows_backward)(const float *, const float *, float *, long, long, int);
    float (*attention_row)(float *, long, float, const float *, long, const uint8_t *, float);
    void (*attention_row_recompute)(float *, long, float, const float *, long, float);
    void (*attention_row_grad)(float *, float *, long, float, const uint8_t *, float);
    float (*dot)(const float *, const float *, long);
};

#define SUFFIX base
#include "kernels_body.inc"
#undef SUFFIX

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define SUFFIX avx2
#include "kernels_body.inc"
#undef SUFFIX
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))), apply_to = function)
#define SUFFIX avx512
#include "kernels_body.inc"
#undef SUFFIX
#pragma clang attribute pop
#endif

static const struct rt_table *table = &table_base;
static int level = 0;

static int supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

int rt_set_isa(int want) {
    int top = supported();
    int l = want < 0 ? 0 : (want > top ? top : want);
#if defined(__x86_64__)
    table = l == 2 ? &table_avx512 : (l == 1 ? &table_avx2 : &table_base);
#endif
    level = l;
    return l;
}

__attribute__((constructor)) static void rt_select(void) { rt_set_isa(2); }

int rt_isa(void) { return level; }

void rt_exp(const float *x, float *y, long n) { table->exp(x, y, n); }
void rt_gelu(const float *x, float *y, long n) { table->gelu(x, y, n); }
void rt_gelu_grad(const float *x, const float *g, float *y, long n) { table->gelu_grad(x, g, y, n); }
void rt_softmax_rows(const float *x, float *y, long rows, long n, int log) { table->softmax_rows(x, y, rows, n, log); }
void rt_softmax_rows_backward(const float *y, const float *g, float *gx, long rows, long n, int log) {
    table->softmax_rows_backward(y, g, gx, rows, n, log);
}
float rt_attention_row(float *s, long n, float scale, const float *bias, long bs, const uint8_t *mask, float keep) {
    return table->attention_row(s, n, scale, bias, bs, mask, keep);
}
void rt_attention_row_recompute(float *s, long n, float scale, const float *bias, long bs, float lse) {
    table->attention_row_recompute(s, n, scale, bias, bs, lse);
}
void rt_attention_row_grad(float *p, float *dp, long n, float d, const uint8_t *mask, float keep) {
    table->attention_row_grad(p, dp, n, d, mask, keep);
}
float rt_dot(const float *x, const float *y, long n) { return table->dot(x, y, n); }
