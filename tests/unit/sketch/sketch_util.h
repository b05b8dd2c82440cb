/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sketch_util.h: helpers shared by the sketch tests: the LCG of scripts/gen-sketch-golden.py,
 * the test distributions, exact ranks over a sorted copy, and serialization into a fresh buffer.
 */
#ifndef FL_TEST_SKETCH_UTIL_H
#define FL_TEST_SKETCH_UTIL_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/limits.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

/* 64-bit LCG with Knuth's MMIX constants; u in [0, 1), as the golden generator. */
struct lcg {
    uint64_t s;
};

static inline double lcg_u(struct lcg *g)
{
    g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(g->s >> 11) * 0x1p-53;
}

/* The golden generator's value rule. */
static inline double lcg_value(struct lcg *g, double scale, double shift, int ints)
{
    double u = lcg_u(g);
    return (ints ? floor(u * scale) : u * scale) + shift;
}

enum dist { D_UNIFORM, D_NORMAL, D_PARETO, D_CAUCHY, D_SORTED, D_REVERSED, D_TIES };
static const char *const dist_name[] = {"uniform", "normal",         "pareto(1.1)",     "cauchy",
                                        "sorted",  "reverse-sorted", "ties(100 values)"};

/* n values of a distribution; heap array from fl_malloc (the caller frees). */
static inline double *gen_values(enum dist d, size_t n, uint64_t seed)
{
    double *v = fl_malloc(n * sizeof *v);
    cr_assert_not_null(v);
    struct lcg g = {seed};
    for (size_t i = 0; i < n; i++) {
        double u = lcg_u(&g);
        switch (d) {
        case D_UNIFORM:
            v[i] = u;
            break;
        case D_NORMAL: {
            double u2 = lcg_u(&g);
            v[i] = sqrt(-2 * log1p(-u)) * cos(2 * M_PI * u2);
            break;
        }
        case D_PARETO:
            v[i] = pow(1 - u, -1 / 1.1);
            break; /* infinite variance */
        case D_CAUCHY:
            v[i] = tan(M_PI * (u - 0.5));
            break;
        case D_SORTED:
            v[i] = (double)i;
            break;
        case D_REVERSED:
            v[i] = (double)(n - i);
            break;
        case D_TIES:
            v[i] = floor(u * 100);
            break;
        }
    }
    return v;
}

static int cmp_double(const void *pa, const void *pb)
{
    double x = *(const double *)pa, y = *(const double *)pb;
    return (x > y) - (x < y);
}

static inline double *sorted_copy(const double *v, size_t n)
{
    double *s = fl_malloc(n * sizeof *s);
    cr_assert_not_null(s);
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    return s;
}

/* Number of items of sorted s[0 .. n) that are < x (le = 0) or <= x (le = 1). */
static inline size_t count_below(const double *s, size_t n, double x, int le)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] < x || (le && s[mid] == x))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Rank error of a returned quantile value x for fraction q: the distance from q to the interval
 * of true normalized ranks [#(< x) / n, #(<= x) / n] (ties make it an interval).
 */
static inline double quantile_rank_error(const double *s, size_t n, double x, double q)
{
    double lo = (double)count_below(s, n, x, 0) / (double)n;
    double hi = (double)count_below(s, n, x, 1) / (double)n;
    return q < lo ? lo - q : (q > hi ? q - hi : 0);
}

#endif
