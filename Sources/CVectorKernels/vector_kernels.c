// See include/vector_kernels.h. Reassociation lets the compiler vectorise the reductions.
#include "vector_kernels.h"

#pragma clang fp reassociate(on) contract(fast)

#if defined(__x86_64__)
#define RT_CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#else
#define RT_CLONES
#endif

RT_CLONES float rt_dot(const float *x, const float *y, size_t d) {
    float s = 0;
    for (size_t i = 0; i < d; i++) s += x[i] * y[i];
    return s;
}

RT_CLONES float rt_l2sq(const float *x, const float *y, size_t d) {
    float s = 0;
    for (size_t i = 0; i < d; i++) {
        float t = x[i] - y[i];
        s += t * t;
    }
    return s;
}

RT_CLONES void rt_dot4(const float *q, const float *x0, const float *x1, const float *x2, const float *x3,
                       size_t d, float *out) {
    float a = 0, b = 0, c = 0, e = 0;
    for (size_t i = 0; i < d; i++) {
        float v = q[i];
        a += v * x0[i];
        b += v * x1[i];
        c += v * x2[i];
        e += v * x3[i];
    }
    out[0] = a; out[1] = b; out[2] = c; out[3] = e;
}

RT_CLONES void rt_l2sq4(const float *q, const float *x0, const float *x1, const float *x2, const float *x3,
                        size_t d, float *out) {
    float a = 0, b = 0, c = 0, e = 0;
    for (size_t i = 0; i < d; i++) {
        float v = q[i];
        float t0 = v - x0[i], t1 = v - x1[i], t2 = v - x2[i], t3 = v - x3[i];
        a += t0 * t0;
        b += t1 * t1;
        c += t2 * t2;
        e += t3 * t3;
    }
    out[0] = a; out[1] = b; out[2] = c; out[3] = e;
}
