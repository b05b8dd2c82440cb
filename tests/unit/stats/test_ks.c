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
