// SPDX-License-Identifier: Apache-2.0
/*
 * test_ztest.c: the normal CDF/SF against scipy.stats.norm (tails down to 1e-308) and the pooled
 * two-proportion z-test against statsmodels' formula evaluated with scipy.stats.norm.sf (see
 * scripts/gen-stats-golden.py), plus the degenerate pooled proportion and the error cases.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

#include "stats/ztest.h"

#include "golden/stats_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static int close_to(double got, double want, double rtol, double atol)
{
    if (isinf(want))
        return got == want;
    return fabs(got - want) <= fmax(rtol * fabs(want), atol);
}

/* Relative 1e-12: erf/erfc in glibc and Cephes (SciPy) are both within a few ulp. Beyond
 * |z| ~ 37.7 Cephes flushes erfc to 0 while glibc returns the subnormal value (2.9e-316 at
 * z = 38), hence the absolute 1e-300. */
Test(ztest, normal_cdf_and_sf_match_scipy)
{
    for (size_t i = 0; i < N_OF(g_norm); i++) {
        double z = g_norm[i].z, cdf = fl_ztest_norm_cdf(z), sf = fl_ztest_norm_sf(z);
        cr_expect(close_to(cdf, g_norm[i].cdf, 1e-12, 1e-300), "cdf(%g) %.17g, want %.17g", z, cdf,
                  g_norm[i].cdf);
        cr_expect(close_to(sf, g_norm[i].sf, 1e-12, 1e-300), "sf(%g) %.17g, want %.17g", z, sf,
                  g_norm[i].sf);
    }
}

Test(ztest, normal_limits_and_nan)
{
    cr_expect_eq(fl_ztest_norm_cdf(INFINITY), 1.0);
    cr_expect_eq(fl_ztest_norm_cdf(-INFINITY), 0.0);
    cr_expect_eq(fl_ztest_norm_sf(INFINITY), 0.0);
    cr_expect_eq(fl_ztest_norm_sf(-INFINITY), 1.0);
    cr_expect_eq(fl_ztest_norm_cdf(0.0), 0.5);
    cr_expect(isnan(fl_ztest_norm_cdf(NAN)));
    cr_expect(isnan(fl_ztest_norm_sf(NAN)));
    /* the tail keeps relative precision where 1 - cdf would round to 0 */
    cr_expect_gt(fl_ztest_norm_sf(30.0), 0.0);
    cr_expect_lt(fl_ztest_norm_sf(30.0), 1e-196);
}

Test(ztest, two_proportions_match_oracle)
{
    for (size_t i = 0; i < N_OF(g_ztest); i++) {
        struct fl_ztest_result r;
        fl_err e = fl_ztest_two_proportions(g_ztest[i].x1, g_ztest[i].n1, g_ztest[i].x2,
                                            g_ztest[i].n2, &r);
        cr_assert_eq(e, FL_OK, "%s: %s", g_ztest[i].name, fl_err_name(e));
        /* z: absolute 1e-14 only for the exact-zero case */
        cr_expect(close_to(r.z, g_ztest[i].z, 1e-12, 1e-14), "%s: z %.17g, want %.17g",
                  g_ztest[i].name, r.z, g_ztest[i].z);
        cr_expect(close_to(r.p_two_sided, g_ztest[i].p_two, 1e-12, 0), "%s: p %.17g, want %.17g",
                  g_ztest[i].name, r.p_two_sided, g_ztest[i].p_two);
        cr_expect(close_to(r.p_greater, g_ztest[i].p_greater, 1e-12, 0),
                  "%s: p_greater %.17g, want %.17g", g_ztest[i].name, r.p_greater,
                  g_ztest[i].p_greater);
        cr_expect(close_to(r.p_less, g_ztest[i].p_less, 1e-12, 0), "%s: p_less %.17g, want %.17g",
                  g_ztest[i].name, r.p_less, g_ztest[i].p_less);
        cr_expect_eq(r.p1, (double)g_ztest[i].x1 / (double)g_ztest[i].n1);
        cr_expect_eq(r.p2, (double)g_ztest[i].x2 / (double)g_ztest[i].n2);
    }
}

Test(ztest, swapping_samples_negates_z)
{
    struct fl_ztest_result a, b;
    cr_assert_eq(fl_ztest_two_proportions(30, 100, 450, 1000, &a), FL_OK);
    cr_assert_eq(fl_ztest_two_proportions(450, 1000, 30, 100, &b), FL_OK);
    cr_expect_eq(a.z, -b.z);
    cr_expect_eq(a.p_two_sided, b.p_two_sided);
    cr_expect_eq(a.p_greater, b.p_less);
}

Test(ztest, identical_constant_samples_give_z_zero)
{
    struct fl_ztest_result r;
    cr_assert_eq(fl_ztest_two_proportions(0, 10, 0, 20, &r), FL_OK);
    cr_expect_eq(r.z, 0.0);
    cr_expect_eq(r.pooled, 0.0);
    cr_expect_eq(r.p_two_sided, 1.0);
    cr_expect_eq(r.p_greater, 0.5);
    cr_expect_eq(r.p_less, 0.5);
    cr_assert_eq(fl_ztest_two_proportions(7, 7, 3, 3, &r), FL_OK);
    cr_expect_eq(r.z, 0.0);
    cr_expect_eq(r.pooled, 1.0);
    cr_expect_eq(r.p_two_sided, 1.0);
}

Test(ztest, rejects_bad_input)
{
    struct fl_ztest_result r;
    cr_expect_eq(fl_ztest_two_proportions(1, 0, 1, 2, &r), FL_EINVAL);
    cr_expect_eq(fl_ztest_two_proportions(1, 2, 0, 0, &r), FL_EINVAL);
    cr_expect_eq(fl_ztest_two_proportions(3, 2, 1, 2, &r), FL_EINVAL);
    cr_expect(isnan(r.z));
    cr_expect(isnan(r.p_two_sided));
    cr_expect_eq(fl_ztest_two_proportions(1, 2, 5, 4, &r), FL_EINVAL);
    cr_expect_eq(fl_ztest_two_proportions(1, UINT64_MAX, 1, 2, &r), FL_EINVAL);
    cr_expect_eq(fl_ztest_two_proportions(1, 2, 1, 2, NULL), FL_EINVAL);
}
