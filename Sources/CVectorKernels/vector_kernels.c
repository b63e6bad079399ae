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

typedef float rt_f16 __attribute__((ext_vector_type(16)));
typedef int32_t rt_i16 __attribute__((ext_vector_type(16)));

// One pass, 16 slots per step (faiss's AVX-512 `pop_min` idea): each lane keeps the smallest valid
// distance it has seen and its slot, taking a later slot on ties (`<=`), so lane l ends with the highest
// slot ≡ l (mod 16) holding that lane's minimum. The lanes are then merged (smallest distance, then
// highest slot) and the k mod 16 tail is scanned in order. A plain `ids[i] != -1 ? dis[i] : inf` loop
// does not vectorise (conditional load) and costs O(k) branchy scalar steps per pop; that made HNSW
// search time grow quadratically with efSearch (BENCHMARKS.md, Index).
RT_CLONES int rt_minimax_argmin(const int *ids, const float *dis, int k) {
    rt_f16 bestD = __builtin_inff();
    rt_i16 bestI = -1;
    rt_i16 slot = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    int i = 0;
    for (; i + 16 <= k; i += 16) {
        rt_f16 d;
        rt_i16 id;
        __builtin_memcpy(&d, dis + i, sizeof d);
        __builtin_memcpy(&id, ids + i, sizeof id);
        rt_i16 take = (id != -1) & (d <= bestD);
        bestD = take ? d : bestD;
        bestI = take ? slot : bestI;
        slot += 16;
    }
    float m = __builtin_inff();
    int best = -1;
    for (int l = 0; l < 16; l++) {
        if (bestI[l] >= 0 && (bestD[l] < m || (bestD[l] == m && bestI[l] > best))) {
            m = bestD[l];
            best = bestI[l];
        }
    }
    for (; i < k; i++) {
        if (ids[i] != -1 && dis[i] <= m) {
            m = dis[i];
            best = i;
        }
    }
    return best;
}

RT_CLONES int rt_count_below(const float *dis, int k, float t) {
    int c = 0;
    for (int i = 0; i < k; i++) c += dis[i] < t;
    return c;
}
