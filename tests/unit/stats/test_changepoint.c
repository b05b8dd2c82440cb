// SPDX-License-Identifier: Apache-2.0
/*
 * test_changepoint.c: src/stats/changepoint.c against brute force in NumPy
 * (scripts/gen-changepoint-golden.py): the best single mean shift of every case equals the best of
 * all splits, PELT's segmentation equals exhaustive optimal partitioning (same change points and
 * penalised cost), binary segmentation equals a plain re-implementation; plus the noise estimate,
 * the significance rule on flat and stepped data, input immutability and error paths.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/changepoint.h"

#include "golden/changepoint_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static int close_to(double got, double want, double rtol, double atol)
{
    if (isnan(want))
        return isnan(got);
    return fabs(got - want) <= fmax(rtol * fabs(want), atol);
}

Test(changepoint, single_matches_brute_force)
{
    for (size_t i = 0; i < N_OF(g_cp_single); i++) {
        struct fl_cp_single r;
        fl_err e = fl_cp_single_mean(g_cp_single[i].x, g_cp_single[i].n, g_cp_single[i].sigma2_in,
                                     -1, g_cp_single[i].min_seg, &r);
        cr_assert_eq(e, FL_OK, "%s: %s", g_cp_single[i].name, fl_err_name(e));
        cr_expect_eq(r.tau, g_cp_single[i].tau, "%s: tau %zu, want %zu", g_cp_single[i].name, r.tau,
                     g_cp_single[i].tau);
        cr_expect(close_to(r.reduction, g_cp_single[i].reduction, 1e-9, 1e-9),
                  "%s: reduction %.17g, want %.17g", g_cp_single[i].name, r.reduction,
                  g_cp_single[i].reduction);
        cr_expect(close_to(r.sigma2, g_cp_single[i].sigma2, 1e-12, 0),
                  "%s: sigma2 %.17g, want %.17g", g_cp_single[i].name, r.sigma2,
                  g_cp_single[i].sigma2);
        cr_expect(close_to(r.stat, g_cp_single[i].stat, 1e-9, 1e-9), "%s: stat %.17g, want %.17g",
                  g_cp_single[i].name, r.stat, g_cp_single[i].stat);
        cr_expect(close_to(r.threshold, g_cp_single[i].threshold, 1e-15, 0), "%s: threshold",
                  g_cp_single[i].name);
        cr_expect_eq(r.significant, g_cp_single[i].significant, "%s: significant %d",
                     g_cp_single[i].name, r.significant);
        cr_expect(close_to(r.mean_before, g_cp_single[i].mean_before, 1e-12, 1e-12),
                  "%s: mean_before %.17g, want %.17g", g_cp_single[i].name, r.mean_before,
                  g_cp_single[i].mean_before);
        cr_expect(close_to(r.mean_after, g_cp_single[i].mean_after, 1e-12, 1e-12),
                  "%s: mean_after %.17g, want %.17g", g_cp_single[i].name, r.mean_after,
                  g_cp_single[i].mean_after);
    }
}

Test(changepoint, pelt_matches_optimal_partitioning)
{
    for (size_t i = 0; i < N_OF(g_cp_pelt); i++) {
        size_t *cps = NULL, n = 99;
        double cost = 0;
        fl_err e = fl_cp_pelt_mean(g_cp_pelt[i].x, g_cp_pelt[i].n, g_cp_pelt[i].sigma2_in, -1,
                                   g_cp_pelt[i].min_seg, &cps, &n, &cost);
        cr_assert_eq(e, FL_OK, "%s: %s", g_cp_pelt[i].name, fl_err_name(e));
        cr_expect_eq(n, g_cp_pelt[i].n_cps, "%s: %zu change points, want %zu", g_cp_pelt[i].name, n,
                     g_cp_pelt[i].n_cps);
        for (size_t k = 0; k < n && k < g_cp_pelt[i].n_cps; k++)
            cr_expect_eq(cps[k], g_cp_pelt[i].cps[k], "%s: cp[%zu] %zu, want %zu",
                         g_cp_pelt[i].name, k, cps[k], g_cp_pelt[i].cps[k]);
        cr_expect(close_to(cost, g_cp_pelt[i].cost, 1e-9, 1e-9), "%s: cost %.17g, want %.17g",
                  g_cp_pelt[i].name, cost, g_cp_pelt[i].cost);
        fl_free(cps);
    }
}

Test(changepoint, binseg_matches_reference)
{
    for (size_t i = 0; i < N_OF(g_cp_binseg); i++) {
        size_t *cps = NULL, n = 99;
        fl_err e = fl_cp_binseg_mean(g_cp_binseg[i].x, g_cp_binseg[i].n, g_cp_binseg[i].sigma2_in,
                                     -1, g_cp_binseg[i].min_seg, 0, &cps, &n);
        cr_assert_eq(e, FL_OK, "%s: %s", g_cp_binseg[i].name, fl_err_name(e));
        cr_expect_eq(n, g_cp_binseg[i].n_cps, "%s: %zu change points, want %zu",
                     g_cp_binseg[i].name, n, g_cp_binseg[i].n_cps);
        for (size_t k = 0; k < n && k < g_cp_binseg[i].n_cps; k++)
            cr_expect_eq(cps[k], g_cp_binseg[i].cps[k], "%s: cp[%zu] %zu, want %zu",
                         g_cp_binseg[i].name, k, cps[k], g_cp_binseg[i].cps[k]);
        fl_free(cps);
    }
}

Test(changepoint, binseg_honours_max_cps)
{
    /* three_steps has 3 change points; a limit of 1 keeps the strongest split only. */
    for (size_t i = 0; i < N_OF(g_cp_binseg); i++) {
        if (strcmp(g_cp_binseg[i].name, "three_steps"))
            continue;
        size_t *cps = NULL, n = 0;
        cr_assert_eq(fl_cp_binseg_mean(g_cp_binseg[i].x, g_cp_binseg[i].n, 0, -1,
                                       g_cp_binseg[i].min_seg, 1, &cps, &n),
                     FL_OK);
        cr_assert_eq(n, 1);
        cr_expect_eq(cps[0], 120); /* the best single split of this series (see single golden) */
        fl_free(cps);
    }
}

Test(changepoint, exact_step_and_constant)
{
    double step[40], flat[40];
    for (int i = 0; i < 40; i++) {
        step[i] = i < 25 ? 1.0 : 3.0;
        flat[i] = 5.0;
    }
    struct fl_cp_single r;
    cr_assert_eq(fl_cp_single_mean(step, 40, 0, -1, 1, &r), FL_OK);
    cr_expect_eq(r.tau, 25);
    cr_expect_eq(r.significant, 1);
    /* MAD of the differences is 0, so sigma^2 is the mean squared difference / 2 = 4/39/2, and
     * the reduction 25 * 15 / 40 * 2^2 = 37.5 */
    cr_expect_float_eq(r.sigma2, 4.0 / 39 / 2, 1e-15);
    cr_expect_float_eq(r.stat, 37.5 / (4.0 / 39 / 2), 1e-9);
    cr_expect_float_eq(r.mean_before, 1.0, 1e-12);
    cr_expect_float_eq(r.mean_after, 3.0, 1e-12);
    cr_assert_eq(fl_cp_single_mean(flat, 40, 0, -1, 1, &r), FL_OK);
    cr_expect_eq(r.significant, 0);
    cr_expect_eq(r.reduction, 0);
    size_t *cps = NULL, n = 9;
    cr_assert_eq(fl_cp_pelt_mean(flat, 40, 0, -1, 1, &cps, &n, NULL), FL_OK);
    cr_expect_eq(n, 0);
    cr_expect_null(cps);
    cr_assert_eq(fl_cp_pelt_mean(step, 40, 0, -1, 1, &cps, &n, NULL), FL_OK);
    cr_assert_eq(n, 1);
    cr_expect_eq(cps[0], 25);
    fl_free(cps);
}

Test(changepoint, too_short_for_a_split)
{
    double x[3] = {1, 2, 3};
    struct fl_cp_single r;
    cr_assert_eq(fl_cp_single_mean(x, 3, 1.0, -1, 2, &r), FL_OK);
    cr_expect_eq(r.tau, 0);
    cr_expect_eq(r.significant, 0);
    cr_expect_float_eq(r.mean_after, 2.0, 1e-15);
    size_t *cps = NULL, n = 5;
    double cost = 0;
    cr_assert_eq(fl_cp_pelt_mean(x, 3, 1.0, -1, 5, &cps, &n, &cost), FL_OK);
    cr_expect_eq(n, 0);
    cr_expect_float_eq(cost, 2.0, 1e-12); /* SSE of the one short segment / sigma2 */
}

Test(changepoint, sigma_diff_matches_scipy_rule)
{
    /* differences 1, -1, 1, -1, 5: MAD of them is 0 about median 1?  |d - 1| = 0,2,0,2,4 -> 2 */
    double x[6] = {0, 1, 0, 1, 0, 5};
    double s;
    cr_assert_eq(fl_cp_sigma_diff(x, 6, &s), FL_OK);
    cr_expect_float_eq(s, 1.482602218505602 * 2 / sqrt(2.0), 1e-12);
    double q[5] = {7, 7, 7, 9, 9}; /* differences 0, 0, 2, 0: MAD 0 -> RMS of differences */
    cr_assert_eq(fl_cp_sigma_diff(q, 5, &s), FL_OK);
    cr_expect_float_eq(s, sqrt(4.0 / 4 / 2), 1e-12);
}

Test(changepoint, inputs_are_not_modified)
{
    const double *x = g_cp_pelt[0].x;
    size_t n = g_cp_pelt[0].n;
    double *copy = fl_malloc(n * sizeof *copy);
    cr_assert_not_null(copy);
    memcpy(copy, x, n * sizeof *copy);
    size_t *cps = NULL, k;
    struct fl_cp_single r;
    cr_assert_eq(fl_cp_single_mean(copy, n, 0, -1, 1, &r), FL_OK);
    cr_assert_eq(fl_cp_pelt_mean(copy, n, 0, -1, 1, &cps, &k, NULL), FL_OK);
    fl_free(cps);
    cr_assert_eq(fl_cp_binseg_mean(copy, n, 0, -1, 1, 0, &cps, &k), FL_OK);
    fl_free(cps);
    cr_expect_eq(memcmp(copy, x, n * sizeof *copy), 0);
    fl_free(copy);
}

Test(changepoint, errors)
{
    double x[4] = {1, 2, NAN, 4}, y[4] = {1, 2, 3, INFINITY}, ok[4] = {1, 2, 3, 4};
    struct fl_cp_single r;
    size_t *cps = (size_t *)1, n = 7;
    cr_expect_eq(fl_cp_single_mean(x, 4, 0, -1, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_cp_single_mean(y, 4, 0, -1, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_cp_single_mean(ok, 0, 0, -1, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_cp_single_mean(ok, 4, 0, -1, 0, &r), FL_EINVAL);
    cr_expect_eq(fl_cp_single_mean(NULL, 4, 0, -1, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_cp_single_mean(ok, 4, 0, -1, 1, NULL), FL_EINVAL);
    cr_expect_eq(fl_cp_pelt_mean(x, 4, 0, -1, 1, &cps, &n, NULL), FL_EINVAL);
    cr_expect_null(cps);
    cr_expect_eq(n, 0);
    cr_expect_eq(fl_cp_binseg_mean(y, 4, 0, -1, 1, 0, &cps, &n), FL_EINVAL);
    cr_expect_eq(fl_cp_sigma_diff(ok, 1, &r.stat), FL_EINVAL);
}

Test(changepoint, allocation_failures_are_clean)
{
    const double *x = g_cp_pelt[3].x;
    size_t n = g_cp_pelt[3].n;
    for (long k = 0; k < 12; k++) {
        size_t *cps = NULL, m = 0;
        struct fl_cp_single r;
        fl_alloc_fail_after(k);
        fl_err e1 = fl_cp_pelt_mean(x, n, 0, -1, 2, &cps, &m, NULL);
        fl_alloc_fail_after(-1);
        cr_expect(e1 == FL_OK || e1 == FL_ENOMEM);
        if (e1 == FL_ENOMEM)
            cr_expect_null(cps);
        fl_free(cps);
        cps = NULL;
        fl_alloc_fail_after(k);
        fl_err e2 = fl_cp_binseg_mean(x, n, 0, -1, 2, 0, &cps, &m);
        fl_err e3 = fl_cp_single_mean(x, n, 0, -1, 2, &r);
        fl_alloc_fail_after(-1);
        cr_expect(e2 == FL_OK || e2 == FL_ENOMEM);
        cr_expect(e3 == FL_OK || e3 == FL_ENOMEM);
        fl_free(cps);
    }
}
