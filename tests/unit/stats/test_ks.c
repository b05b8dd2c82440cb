// SPDX-License-Identifier: Apache-2.0
/*
 * test_ks.c: fl_ks_two_sample against scipy.stats.ks_2samp golden cases (ties, tiny, identical,
 * signed zeros and infinities, equal and unequal sizes), input immutability, and error paths.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/ks.h"

#include "golden/stats_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static int close_to(double got, double want, double rtol, double atol)
{
    return fabs(got - want) <= fmax(rtol * fabs(want), atol);
}

Test(ks, matches_scipy_golden)
{
    static const enum fl_ks_method methods[] = {FL_KS_AUTO, FL_KS_EXACT, FL_KS_ASYMP};
    for (size_t i = 0; i < N_OF(g_ks); i++) {
        struct fl_ks_result r;
        fl_err e = fl_ks_two_sample(g_ks[i].a, g_ks[i].na, g_ks[i].b, g_ks[i].nb,
                                    methods[g_ks[i].method], &r);
        cr_assert_eq(e, FL_OK, "%s: %s", g_ks[i].name, fl_err_name(e));
        cr_expect(close_to(r.d, g_ks[i].d, 1e-9, 0), "%s: D %.17g, want %.17g", g_ks[i].name, r.d,
                  g_ks[i].d);
        cr_expect(close_to(r.pvalue, g_ks[i].p, 1e-7, 1e-12), "%s: p %.17g, want %.17g",
                  g_ks[i].name, r.pvalue, g_ks[i].p);
    }
}

/* Mirror of the generator's 64-bit LCG (Knuth's MMIX constants). */
static double *lcg_sample(unsigned long seed, unsigned long n, double scale, double shift)
{
    double *v = fl_malloc(n * sizeof *v);
    cr_assert_not_null(v);
    uint64_t s = seed;
    for (unsigned long i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (double)(s >> 11) * 0x1p-53 * scale + shift;
    }
    return v;
}

Test(ks, matches_scipy_on_large_generated_samples)
{
    static const enum fl_ks_method methods[] = {FL_KS_AUTO, FL_KS_EXACT, FL_KS_ASYMP};
    for (size_t i = 0; i < N_OF(g_ks_lcg); i++) {
        double *a = lcg_sample(g_ks_lcg[i].sa, g_ks_lcg[i].na, g_ks_lcg[i].ka, g_ks_lcg[i].ha);
        double *b = lcg_sample(g_ks_lcg[i].sb, g_ks_lcg[i].nb, g_ks_lcg[i].kb, g_ks_lcg[i].hb);
        struct fl_ks_result r;
        fl_err e =
            fl_ks_two_sample(a, g_ks_lcg[i].na, b, g_ks_lcg[i].nb, methods[g_ks_lcg[i].method], &r);
        fl_free(a);
        fl_free(b);
        cr_assert_eq(e, FL_OK, "%s: %s", g_ks_lcg[i].name, fl_err_name(e));
        cr_expect(close_to(r.d, g_ks_lcg[i].d, 1e-9, 0), "%s: D %.17g, want %.17g",
                  g_ks_lcg[i].name, r.d, g_ks_lcg[i].d);
        cr_expect(close_to(r.pvalue, g_ks_lcg[i].p, 1e-7, 1e-12), "%s: p %.17g, want %.17g",
                  g_ks_lcg[i].name, r.pvalue, g_ks_lcg[i].p);
    }
}

Test(ks, asymp_with_two_singletons_is_nan_as_scipy)
{
    double a[] = {1.0}, b[] = {2.0};
    struct fl_ks_result r;
    cr_assert_eq(fl_ks_two_sample(a, 1, b, 1, FL_KS_ASYMP, &r), FL_OK);
    cr_expect_eq(r.d, 1.0);
    cr_expect(isnan(r.pvalue));
    cr_expect_eq(r.exact, 0);
}

Test(ks, inputs_are_not_modified_and_order_is_irrelevant)
{
    double a[] = {3.0, 1.0, 2.0, 2.0}, b[] = {2.5, 0.5, 9.0};
    double a0[4], b0[3];
    memcpy(a0, a, sizeof a);
    memcpy(b0, b, sizeof b);
    struct fl_ks_result r1, r2;
    cr_assert_eq(fl_ks_two_sample(a, 4, b, 3, FL_KS_EXACT, &r1), FL_OK);
    cr_expect_eq(memcmp(a, a0, sizeof a), 0);
    cr_expect_eq(memcmp(b, b0, sizeof b), 0);
    cr_assert_eq(fl_ks_two_sample(b, 3, a, 4, FL_KS_EXACT, &r2), FL_OK);
    cr_expect_eq(r1.d, r2.d);
    cr_expect_eq(r1.pvalue, r2.pvalue);
    cr_expect_eq(r1.exact, 1);
}

Test(ks, rejects_bad_input)
{
    double a[] = {1.0, NAN}, b[] = {1.0, 2.0};
    struct fl_ks_result r;
    cr_expect_eq(fl_ks_two_sample(a, 2, b, 2, FL_KS_AUTO, &r), FL_EINVAL);
    cr_expect_eq(fl_ks_two_sample(b, 2, a, 2, FL_KS_AUTO, &r), FL_EINVAL);
    cr_expect_eq(fl_ks_two_sample(b, 0, b, 2, FL_KS_AUTO, &r), FL_EINVAL);
    cr_expect_eq(fl_ks_two_sample(b, 2, b, 0, FL_KS_AUTO, &r), FL_EINVAL);
    cr_expect_eq(fl_ks_two_sample(NULL, 2, b, 2, FL_KS_AUTO, &r), FL_EINVAL);
    cr_expect_eq(fl_ks_two_sample(b, 2, b, 2, FL_KS_AUTO, NULL), FL_EINVAL);
    cr_expect_eq(fl_ks_two_sample(b, 2, b, 2, (enum fl_ks_method)7, &r), FL_EINVAL);
}

Test(ks, every_allocation_failure_is_clean)
{
    double a[] = {0.1, 0.4, 0.35, 0.8, 0.9}, b[] = {0.2, 0.25, 0.7, 1.5};
    struct fl_ks_result ref, r;
    cr_assert_eq(fl_ks_two_sample(a, 5, b, 4, FL_KS_EXACT, &ref), FL_OK);
    for (long n = 0;; n++) {
        fl_alloc_fail_after(n);
        fl_err e = fl_ks_two_sample(a, 5, b, 4, FL_KS_EXACT, &r);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_expect_eq(r.pvalue, ref.pvalue);
            break;
        }
        cr_expect_eq(e, FL_ENOMEM, "failure point %ld", n);
        cr_assert_lt(n, 10);
    }
}

/* ---- D of large samples: bucket pruning gives the same D, to the bit, as sorting all ---- */

static int cmp_dbl(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* D by brute force: qsort both, walk the pooled values (the definition, as SciPy). */
static double ref_d(const double *a, size_t na, const double *b, size_t nb)
{
    double *sa = malloc(na * sizeof *sa), *sb = malloc(nb * sizeof *sb);
    cr_assert(sa && sb);
    memcpy(sa, a, na * sizeof *sa);
    memcpy(sb, b, nb * sizeof *sb);
    qsort(sa, na, sizeof *sa, cmp_dbl);
    qsort(sb, nb, sizeof *sb, cmp_dbl);
    double maxs = -INFINITY, mins = INFINITY;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        double v = (j >= nb || (i < na && sa[i] <= sb[j])) ? sa[i] : sb[j];
        while (i < na && sa[i] <= v)
            i++;
        while (j < nb && sb[j] <= v)
            j++;
        double diff = (double)i / (double)na - (double)j / (double)nb;
        maxs = diff > maxs ? diff : maxs;
        mins = diff < mins ? diff : mins;
    }
    free(sa);
    free(sb);
    double mn = -mins < 0 ? 0 : (-mins > 1 ? 1 : -mins);
    return mn > maxs ? mn : maxs;
}

static uint64_t xs = 0x9E3779B97F4A7C15ull;
static double rnd01(void)
{
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return (double)(xs >> 11) * 0x1p-53;
}

/* Shapes that stress the buckets: ties, few distinct values, signed zeros, infinities, a
 * huge range with a tight cluster, all equal, a subnormal range, outliers, a tiny shift. */
static double shape_value(int shape, int side)
{
    double u = rnd01();
    switch (shape) {
    case 0:
        return u + (side ? 0.001 : 0); /* continuous, small shift */
    case 1:
        return floor(u * 20) + (side && u < 0.1); /* 20 tied values */
    case 2:
        return u < 0.3 ? -0.0 : (u < 0.6 ? 0.0 : u); /* signed zeros tie */
    case 3:
        return u < 0.05 ? -INFINITY : (u > 0.95 ? INFINITY : u * (side ? 1.1 : 1)); /* infs */
    case 4:
        return u < 0.001 ? 1e300 * (side ? -1 : 1) : 1 + u * 1e-9; /* cluster + far outliers */
    case 5:
        return 42.0; /* all equal */
    case 6:
        return u * 1e-310 * (side ? 2 : 1); /* subnormals */
    case 7:
        return side ? u * u : u; /* different shapes */
    default:
        return u < 0.5 ? 1.0 : 2.0; /* two values */
    }
}

Test(ks, large_sample_d_equals_brute_force)
{
    static const size_t sizes[][2] = {{2048, 2048}, {3000, 1200}, {10000, 9999}, {5, 20000},
                                      {60000, 45000}};
    for (int shape = 0; shape <= 8; shape++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t na = sizes[s][0], nb = sizes[s][1];
            double *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);
            cr_assert(a && b);
            for (size_t i = 0; i < na; i++)
                a[i] = shape_value(shape, 0);
            for (size_t i = 0; i < nb; i++)
                b[i] = shape_value(shape, 1);
            struct fl_ks_result r;
            cr_assert_eq(fl_ks_two_sample(a, na, b, nb, FL_KS_ASYMP, &r), FL_OK);
            double want = ref_d(a, na, b, nb);
            cr_expect(r.d == want, "shape %d, %zu x %zu: D %.17g, brute force %.17g", shape, na,
                      nb, r.d, want);
            free(a);
            free(b);
        }
    }
}

Test(ks, large_sample_nan_and_allocation_failures)
{
    enum { N = 5000 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    cr_assert(a && b);
    for (size_t i = 0; i < N; i++) {
        a[i] = rnd01();
        b[i] = rnd01() + 0.01;
    }
    struct fl_ks_result ref, r;
    cr_assert_eq(fl_ks_two_sample(a, N, b, N, FL_KS_ASYMP, &ref), FL_OK);
    for (long n = 0;; n++) {
        fl_alloc_fail_after(n);
        fl_err e = fl_ks_two_sample(a, N, b, N, FL_KS_ASYMP, &r);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_expect_eq(r.d, ref.d);
            break;
        }
        cr_expect_eq(e, FL_ENOMEM, "failure point %ld", n);
        cr_assert_lt(n, 20);
    }
    b[N - 1] = NAN;
    cr_expect_eq(fl_ks_two_sample(a, N, b, N, FL_KS_AUTO, &r), FL_EINVAL);
    free(a);
    free(b);
}
