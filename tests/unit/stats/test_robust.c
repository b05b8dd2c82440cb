// SPDX-License-Identifier: Apache-2.0
/*
 * test_robust.c: src/stats/robust.c against NumPy / SciPy golden values
 * (scripts/gen-changepoint-golden.py): numpy.median, numpy.quantile (linear), scipy.stats.iqr,
 * scipy.stats.median_abs_deviation, and BARO / NSigma scores with sklearn's scaler rules; the
 * reference summary used by the ranker; errors.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/robust.h"

#include "golden/changepoint_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static int close_to(double got, double want, double rtol)
{
    return fabs(got - want) <= rtol * fmax(1.0, fabs(want));
}

Test(robust, matches_numpy_and_scipy)
{
    for (size_t i = 0; i < N_OF(g_robust); i++) {
        double v;
        cr_assert_eq(fl_robust_median(g_robust[i].x, g_robust[i].n, &v), FL_OK);
        cr_expect(close_to(v, g_robust[i].median, 1e-14), "%s: median %.17g, want %.17g",
                  g_robust[i].name, v, g_robust[i].median);
        for (size_t k = 0; k < FL_GOLDEN_N_QS; k++) {
            cr_assert_eq(fl_robust_quantile(g_robust[i].x, g_robust[i].n, g_rob_qs[k], &v), FL_OK);
            cr_expect(close_to(v, g_robust[i].q[k], 1e-14), "%s: q%.2f %.17g, want %.17g",
                      g_robust[i].name, g_rob_qs[k], v, g_robust[i].q[k]);
        }
        cr_assert_eq(fl_robust_iqr(g_robust[i].x, g_robust[i].n, &v), FL_OK);
        cr_expect(close_to(v, g_robust[i].iqr, 1e-13), "%s: iqr %.17g, want %.17g",
                  g_robust[i].name, v, g_robust[i].iqr);
        cr_assert_eq(fl_robust_mad(g_robust[i].x, g_robust[i].n, &v), FL_OK);
        cr_expect(close_to(v, g_robust[i].mad, 1e-13), "%s: mad %.17g, want %.17g",
                  g_robust[i].name, v, g_robust[i].mad);
    }
}

Test(robust, baro_and_nsigma_match_sklearn_rules)
{
    for (size_t i = 0; i < N_OF(g_scores); i++) {
        double b, s;
        cr_assert_eq(fl_robust_baro(g_scores[i].normal, g_scores[i].nn, g_scores[i].anom,
                                    g_scores[i].na, &b),
                     FL_OK);
        cr_expect(close_to(b, g_scores[i].baro, 1e-12), "%s: baro %.17g, want %.17g",
                  g_scores[i].name, b, g_scores[i].baro);
        cr_assert_eq(fl_robust_nsigma(g_scores[i].normal, g_scores[i].nn, g_scores[i].anom,
                                      g_scores[i].na, &s),
                     FL_OK);
        cr_expect(close_to(s, g_scores[i].nsigma, 1e-12), "%s: nsigma %.17g, want %.17g",
                  g_scores[i].name, s, g_scores[i].nsigma);
    }
}

Test(robust, ref_fit_agrees_with_the_single_functions)
{
    for (size_t i = 0; i < N_OF(g_robust); i++) {
        struct fl_robust_ref r;
        cr_assert_eq(fl_robust_ref_fit(g_robust[i].x, g_robust[i].n, 0.95, &r), FL_OK);
        cr_expect_eq(r.n, g_robust[i].n);
        cr_expect(close_to(r.median, g_robust[i].median, 1e-14), "%s", g_robust[i].name);
        cr_expect(close_to(r.q25, g_robust[i].q[2], 1e-14), "%s", g_robust[i].name);
        cr_expect(close_to(r.q75, g_robust[i].q[4], 1e-14), "%s", g_robust[i].name);
        cr_expect(close_to(r.iqr, g_robust[i].iqr, 1e-13), "%s", g_robust[i].name);
        cr_expect(close_to(r.lo, g_robust[i].q[1], 1e-14), "%s: lo", g_robust[i].name);
        cr_expect(close_to(r.hi, g_robust[i].q[5], 1e-14), "%s: hi", g_robust[i].name);
        double mx = fmax(fabs(g_robust[i].q[0]), fabs(g_robust[i].q[6]));
        cr_expect_eq(r.absmax, mx, "%s: absmax", g_robust[i].name);
    }
}

Test(robust, quantile_sorted_edges)
{
    double s[4] = {1, 2, 4, 8};
    cr_expect_eq(fl_robust_quantile_sorted(s, 4, 0), 1);
    cr_expect_eq(fl_robust_quantile_sorted(s, 4, 1), 8);
    cr_expect_float_eq(fl_robust_quantile_sorted(s, 4, 0.5), 3, 1e-15);
    cr_expect_float_eq(fl_robust_quantile_sorted(s, 4, 0.9), 6.8, 1e-14); /* 4 + 0.7 * 4 */
    cr_expect(isnan(fl_robust_quantile_sorted(s, 0, 0.5)));
    cr_expect(isnan(fl_robust_quantile_sorted(s, 4, 1.5)));
    cr_expect(isnan(fl_robust_quantile_sorted(s, 4, NAN)));
}

Test(robust, large_input_uses_the_bucket_sort_and_agrees)
{
    size_t n = 10001;
    double *x = fl_malloc(n * sizeof *x);
    cr_assert_not_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (double)((i * 7919) % n); /* a permutation of 0..n-1 */
    double med, q;
    cr_assert_eq(fl_robust_median(x, n, &med), FL_OK);
    cr_expect_eq(med, 5000);
    cr_assert_eq(fl_robust_quantile(x, n, 0.25, &q), FL_OK);
    cr_expect_eq(q, 2500);
    fl_free(x);
}

Test(robust, errors)
{
    double ok[3] = {1, 2, 3}, bad[3] = {1, NAN, 3}, v;
    cr_expect_eq(fl_robust_median(bad, 3, &v), FL_EINVAL);
    cr_expect_eq(fl_robust_median(ok, 0, &v), FL_EINVAL);
    cr_expect_eq(fl_robust_median(NULL, 3, &v), FL_EINVAL);
    cr_expect_eq(fl_robust_median(ok, 3, NULL), FL_EINVAL);
    cr_expect_eq(fl_robust_quantile(ok, 3, -0.1, &v), FL_EINVAL);
    cr_expect_eq(fl_robust_mad(bad, 3, &v), FL_EINVAL);
    cr_expect_eq(fl_robust_baro(ok, 3, bad, 3, &v), FL_EINVAL);
    cr_expect_eq(fl_robust_nsigma(bad, 3, ok, 3, &v), FL_EINVAL);
    cr_expect_eq(fl_robust_nsigma(ok, 3, ok, 0, &v), FL_EINVAL);
    struct fl_robust_ref r;
    cr_expect_eq(fl_robust_ref_fit(ok, 3, 0.4, &r), FL_EINVAL);
    fl_alloc_fail_after(0);
    cr_expect_eq(fl_robust_median(ok, 3, &v), FL_ENOMEM);
    fl_alloc_fail_after(-1);
}
