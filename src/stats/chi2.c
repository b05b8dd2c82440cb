/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chi2.c: Pearson's chi-square test of independence (with Yates' 1934 continuity correction at
 * one degree of freedom) and goodness of fit, following scipy.stats.chi2_contingency and
 * scipy.stats.chisquare; p-values from the regularized upper incomplete gamma function.
 */
#include "stats/chi2.h"

#include <math.h>
#include <stdint.h>

#include "stats/special.h"

double fl_chi2_sf(double x, double dof)
{
    if (isnan(x) || isnan(dof) || dof <= 0)
        return NAN;
    if (x <= 0)
        return 1.0;
    return fl_special_gammaincc(dof / 2.0, x / 2.0);
}

static int bad_count(double v)
{
    return !isfinite(v) || v < 0;
}

fl_err fl_chi2_contingency(const double *counts, size_t n_rows, size_t n_cols, int yates,
                           struct fl_chi2_result *out)
{
    if (!counts || !out || n_rows == 0 || n_cols == 0 || n_rows > SIZE_MAX / n_cols)
        return FL_EINVAL;
    out->statistic = NAN;
    out->pvalue = NAN;
    out->dof = 0;
    double total = 0.0;
    for (size_t i = 0; i < n_rows * n_cols; i++) {
        if (bad_count(counts[i]))
            return FL_EINVAL;
        total += counts[i];
    }
    /* Row and column sums are recomputed on the fly so the function needs no scratch memory;
     * an expected frequency is zero exactly when its row or column total is zero. */
    for (size_t r = 0; r < n_rows; r++) {
        double rs = 0.0;
        for (size_t c = 0; c < n_cols; c++)
            rs += counts[r * n_cols + c];
        if (rs == 0)
            return FL_EINVAL;
    }
    for (size_t c = 0; c < n_cols; c++) {
        double cs = 0.0;
        for (size_t r = 0; r < n_rows; r++)
            cs += counts[r * n_cols + c];
        if (cs == 0)
            return FL_EINVAL;
    }
    size_t dof = (n_rows - 1) * (n_cols - 1);
    out->dof = dof;
    if (dof == 0) {
        out->statistic = 0.0;
        out->pvalue = 1.0;
        return FL_OK;
    }
    double stat = 0.0;
    for (size_t r = 0; r < n_rows; r++) {
        double rs = 0.0;
        for (size_t c = 0; c < n_cols; c++)
            rs += counts[r * n_cols + c];
        for (size_t c = 0; c < n_cols; c++) {
            double cs = 0.0;
            for (size_t k = 0; k < n_rows; k++)
                cs += counts[k * n_cols + c];
            double expct = rs * cs / total, obs = counts[r * n_cols + c];
            if (expct == 0) /* underflow of a product of nonzero totals */
                return FL_EINVAL;
            if (yates && dof == 1) {
                double diff = expct - obs;
                double mag = fmin(0.5, fabs(diff));
                obs += diff > 0 ? mag : (diff < 0 ? -mag : 0.0);
            }
            stat += (obs - expct) * (obs - expct) / expct;
        }
    }
    out->statistic = stat;
    out->pvalue = fl_chi2_sf(stat, (double)dof);
    return FL_OK;
}

fl_err fl_chi2_goodness_of_fit(const double *observed, const double *expected, size_t k,
                               size_t ddof, struct fl_chi2_result *out)
{
    if (!observed || !out || k == 0)
        return FL_EINVAL;
    out->statistic = NAN;
    out->pvalue = NAN;
    out->dof = 0;
    if (ddof >= k - 1 || k < 2)
        return FL_EINVAL;
    double osum = 0.0, esum = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (bad_count(observed[i]))
            return FL_EINVAL;
        osum += observed[i];
        if (expected) {
            if (!isfinite(expected[i]) || expected[i] <= 0)
                return FL_EINVAL;
            esum += expected[i];
        }
    }
    double mean = osum / (double)k;
    if (expected) {
        if (fabs(osum - esum) / fmin(osum, esum) > 1e-8 || !(fmin(osum, esum) > 0))
            return FL_EINVAL;
    } else if (mean <= 0) {
        return FL_EINVAL; /* all-zero observations: every expected count would be zero */
    }
    double stat = 0.0;
    for (size_t i = 0; i < k; i++) {
        double e = expected ? expected[i] : mean;
        stat += (observed[i] - e) * (observed[i] - e) / e;
    }
    out->dof = k - 1 - ddof;
    out->statistic = stat;
    out->pvalue = fl_chi2_sf(stat, (double)out->dof);
    return FL_OK;
}
