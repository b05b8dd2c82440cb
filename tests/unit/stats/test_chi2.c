// SPDX-License-Identifier: Apache-2.0
/*
 * test_chi2.c: chi-square contingency (Yates at one dof) and goodness of fit against
 * scipy.stats.chi2_contingency / scipy.stats.chisquare golden values, plus the error cases
 * where SciPy raises.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "stats/chi2.h"

#include "golden/stats_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static int close_to(double got, double want, double rtol, double atol)
{
    return fabs(got - want) <= fmax(rtol * fabs(want), atol);
}

Test(chi2, contingency_matches_scipy)
{
    for (size_t i = 0; i < N_OF(g_chi2_cont); i++) {
        struct fl_chi2_result r;
        cr_assert_eq(fl_chi2_contingency(g_chi2_cont[i].counts, g_chi2_cont[i].r, g_chi2_cont[i].c,
                                         g_chi2_cont[i].yates, &r),
                     FL_OK, "%s", g_chi2_cont[i].name);
        /* atol 1e-12 on the statistic only for the exact-zero case (Yates removes every diff). */
        cr_expect(close_to(r.statistic, g_chi2_cont[i].stat, 1e-9, 1e-12),
                  "%s: stat %.17g, want %.17g", g_chi2_cont[i].name, r.statistic,
                  g_chi2_cont[i].stat);
        cr_expect(close_to(r.pvalue, g_chi2_cont[i].p, 1e-7, 1e-12), "%s: p %.17g, want %.17g",
                  g_chi2_cont[i].name, r.pvalue, g_chi2_cont[i].p);
        cr_expect_eq(r.dof, g_chi2_cont[i].dof, "%s", g_chi2_cont[i].name);
    }
}

Test(chi2, goodness_of_fit_matches_scipy)
{
    for (size_t i = 0; i < N_OF(g_chi2_gof); i++) {
        struct fl_chi2_result r;
        cr_assert_eq(fl_chi2_goodness_of_fit(g_chi2_gof[i].obs,
                                             g_chi2_gof[i].has_exp ? g_chi2_gof[i].exp : NULL,
                                             g_chi2_gof[i].k, g_chi2_gof[i].ddof, &r),
                     FL_OK, "%s", g_chi2_gof[i].name);
        cr_expect(close_to(r.statistic, g_chi2_gof[i].stat, 1e-9, 0), "%s: stat %.17g, want %.17g",
                  g_chi2_gof[i].name, r.statistic, g_chi2_gof[i].stat);
        cr_expect(close_to(r.pvalue, g_chi2_gof[i].p, 1e-7, 1e-12), "%s: p %.17g, want %.17g",
                  g_chi2_gof[i].name, r.pvalue, g_chi2_gof[i].p);
        cr_expect_eq(r.dof, g_chi2_gof[i].k - 1 - g_chi2_gof[i].ddof);
    }
}

Test(chi2, contingency_rejects_what_scipy_rejects)
{
    struct fl_chi2_result r;
    double zero_col[] = {3, 0, 4, 0};       /* column total 0: expected frequency 0 */
    double zero_row[] = {0, 0, 0, 4, 5, 6}; /* row total 0 */
    double negative[] = {3, -1, 4, 2};
    double nan_cell[] = {3, NAN, 4, 2};
    cr_expect_eq(fl_chi2_contingency(zero_col, 2, 2, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_contingency(zero_row, 2, 3, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_contingency(negative, 2, 2, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_contingency(nan_cell, 2, 2, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_contingency(negative, 0, 2, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_contingency(NULL, 2, 2, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_contingency(negative, 2, 2, 1, NULL), FL_EINVAL);
}

Test(chi2, goodness_of_fit_rejects_bad_input)
{
    struct fl_chi2_result r;
    double obs[] = {10, 20, 30}, exp_bad_sum[] = {10, 20, 31}, exp_zero[] = {0, 30, 30};
    double neg[] = {10, -1, 30};
    cr_expect_eq(fl_chi2_goodness_of_fit(obs, exp_bad_sum, 3, 0, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_goodness_of_fit(obs, exp_zero, 3, 0, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_goodness_of_fit(neg, NULL, 3, 0, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_goodness_of_fit(obs, NULL, 3, 2, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_goodness_of_fit(obs, NULL, 1, 0, &r), FL_EINVAL);
    cr_expect_eq(fl_chi2_goodness_of_fit(obs, NULL, 0, 0, &r), FL_EINVAL);
    cr_expect(isnan(fl_chi2_sf(1.0, 0.0)));
    cr_expect_eq(fl_chi2_sf(0.0, 3.0), 1.0);
}
