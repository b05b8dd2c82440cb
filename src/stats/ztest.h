/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ztest.h: the two-proportion z-test with pooled variance (the test statsmodels'
 * proportions_ztest(count, nobs) and Evidently's "z" stattest compute), and the standard normal
 * distribution functions it and the Mann-Whitney test need (scipy.stats.norm.cdf / .sf).
 */
#ifndef FL_STATS_ZTEST_H
#define FL_STATS_ZTEST_H

#include <stdint.h>

#include "core/err.h"

/*
 * Standard normal CDF Phi(z) and survival function 1 - Phi(z), computed as SciPy's ndtr
 * (scipy.stats.norm.cdf(z) = ndtr(z), norm.sf(z) = ndtr(-z)): 0.5 + 0.5 erf(z/sqrt2) near 0,
 * 0.5 erfc(|z|/sqrt2) (or 1 minus it) elsewhere, with C99 erf/erfc, so tails keep full relative
 * precision down to ~1e-308 (z ~ 37.5) instead of rounding 1 - Phi to 0. NaN gives NaN, +-inf
 * the limits. Pure, thread-safe.
 */
double fl_ztest_norm_cdf(double z);
double fl_ztest_norm_sf(double z);

struct fl_ztest_result {
    double z;           /* (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2)), p = pooled proportion */
    double p1, p2;      /* x1 / n1, x2 / n2 */
    double pooled;      /* (x1 + x2) / (n1 + n2) */
    double p_two_sided; /* 2 sf(|z|), in [0, 1] */
    double p_greater;   /* sf(z): alternative p1 > p2 (statsmodels 'larger') */
    double p_less;      /* cdf(z): alternative p1 < p2 (statsmodels 'smaller') */
};

/*
 * Two-proportion z-test of x1 successes out of n1 against x2 out of n2, pooled variance.
 * When the pooled proportion is 0 or 1 (both samples all failures or all successes) the
 * variance is 0 and statsmodels answers NaN; here z = 0 and the p-values are those of z = 0
 * (two-sided 1, one-sided 0.5), as Evidently's rule "p = 1 when both samples hold one identical
 * value". Errors: FL_EINVAL for out NULL, n1 or n2 zero, x1 > n1, x2 > n2, or n1 + n2
 * overflowing. Allocates nothing; thread-safe.
 */
FL_MUST_CHECK fl_err fl_ztest_two_proportions(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
                                              struct fl_ztest_result *out);

#endif
