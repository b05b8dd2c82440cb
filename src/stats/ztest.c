/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ztest.c: the pooled two-proportion z-test (e.g. Fleiss, Statistical Methods for Rates and
 * Proportions, ch. 2; the formula of statsmodels.stats.proportion.proportions_ztest with
 * prop_var=False) and the normal CDF following the branch structure of SciPy's ndtr (Cephes).
 */
#include "stats/ztest.h"

#include <math.h>

#define SQRT1_2 0.70710678118654752440 /* 1 / sqrt(2) */

double fl_ztest_norm_cdf(double z)
{
    if (isnan(z))
        return NAN;
    double x = z * SQRT1_2, ax = fabs(x);
    if (ax < SQRT1_2)
        return 0.5 + 0.5 * erf(x);
    double y = 0.5 * erfc(ax);
    return x > 0 ? 1.0 - y : y;
}

double fl_ztest_norm_sf(double z)
{
    return fl_ztest_norm_cdf(-z);
}

fl_err fl_ztest_two_proportions(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
                                struct fl_ztest_result *out)
{
    if (!out)
        return FL_EINVAL;
    out->z = out->p1 = out->p2 = out->pooled = NAN;
    out->p_two_sided = out->p_greater = out->p_less = NAN;
    if (n1 == 0 || n2 == 0 || x1 > n1 || x2 > n2 || n1 > UINT64_MAX - n2)
        return FL_EINVAL;
    double p1 = (double)x1 / (double)n1, p2 = (double)x2 / (double)n2;
    double pooled = (double)(x1 + x2) / (double)(n1 + n2);
    double var = pooled * (1 - pooled) * (1. / (double)n1 + 1. / (double)n2);
    double z = var > 0 ? (p1 - p2) / sqrt(var) : 0.0;
    out->p1 = p1;
    out->p2 = p2;
    out->pooled = pooled;
    out->z = z;
    out->p_two_sided = fmin(1.0, fl_ztest_norm_sf(fabs(z)) * 2);
    out->p_greater = fl_ztest_norm_sf(z);
    out->p_less = fl_ztest_norm_cdf(z);
    return FL_OK;
}
