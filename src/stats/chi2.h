/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chi2.h: Pearson chi-square tests matching SciPy 1.10: the test of independence on an r x c
 * contingency table (scipy.stats.chi2_contingency, with Yates' continuity correction when there
 * is one degree of freedom) and the goodness-of-fit test (scipy.stats.chisquare).
 */
#ifndef FL_STATS_CHI2_H
#define FL_STATS_CHI2_H

#include <stddef.h>

#include "core/err.h"

struct fl_chi2_result {
    double statistic; /* Pearson's X^2 (Yates-corrected when asked for and dof == 1) */
    double pvalue;    /* upper tail of chi-square with dof degrees of freedom, in [0, 1] */
    size_t dof;
};

/* Survival function of the chi-square distribution, Q(dof/2, x/2); NaN when dof <= 0. */
double fl_chi2_sf(double x, double dof);

/*
 * Independence test on the row-major table counts[r * n_cols + c] (n_rows x n_cols, both >= 1).
 * Expected frequencies are row_sum * col_sum / total; dof = (n_rows - 1)(n_cols - 1). With
 * `yates` nonzero and dof == 1 each observed count moves toward its expected value by
 * min(0.5, |expected - observed|), as SciPy's correction=True. dof == 0 gives statistic 0, p 1.
 * Counts are borrowed. Errors: FL_EINVAL for NULL pointers, an empty table, a negative or
 * non-finite count, or an expected frequency of zero (a zero row or column total: SciPy raises
 * ValueError there). Allocates nothing; thread-safe.
 */
FL_MUST_CHECK fl_err fl_chi2_contingency(const double *counts, size_t n_rows, size_t n_cols,
                                         int yates, struct fl_chi2_result *out);

/*
 * Goodness of fit of observed[0..k) to expected[0..k) (NULL = uniform, the mean of observed),
 * dof = k - 1 - ddof. As SciPy, the two totals must agree to a relative 1e-8. Errors: FL_EINVAL
 * for NULL observed/out, k == 0, a negative or non-finite value, an expected value <= 0,
 * disagreeing totals, or dof < 1 (SciPy returns a NaN p-value there). Thread-safe.
 */
FL_MUST_CHECK fl_err fl_chi2_goodness_of_fit(const double *observed, const double *expected,
                                             size_t k, size_t ddof, struct fl_chi2_result *out);

#endif
