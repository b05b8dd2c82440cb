/* SPDX-License-Identifier: Apache-2.0 */
/*
 * special.h: the special functions faultline's statistical tests need, written here (no GPL code):
 * log-gamma (Lanczos approximation), the regularized incomplete gamma functions P(a,x) and Q(a,x)
 * (power series and Lentz continued fraction, as described in Numerical Recipes), the regularized
 * incomplete beta I_x(a,b) (continued fraction), the Kolmogorov limiting distribution's survival
 * function (scipy.special.kolmogorov) and the exact two-sided two-sample Kolmogorov-Smirnov tail
 * probability used by scipy.stats.ks_2samp(method='exact') (Hodges 1958 lattice-path counting,
 * with the 1-p recursion of Viehmann, arXiv:2102.08037).
 *
 * All functions are pure and thread-safe; only fl_special_ks2_exact_sf allocates (one scratch
 * column through fl_malloc). Out-of-domain arguments give NaN (never a crash), as SciPy does.
 */
#ifndef FL_STATS_SPECIAL_H
#define FL_STATS_SPECIAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* log|Gamma(x)| for x > 0; NaN for x <= 0 or NaN; +inf for x = +inf. */
double fl_special_lgamma(double x);

/* Regularized lower incomplete gamma P(a,x) = gammainc(a,x); a > 0, x >= 0, else NaN. */
double fl_special_gammainc(double a, double x);
/* Regularized upper incomplete gamma Q(a,x) = 1 - P(a,x) = gammaincc(a,x), computed directly. */
double fl_special_gammaincc(double a, double x);

/* Regularized incomplete beta I_x(a,b) = betainc(a,b,x); a,b > 0, 0 <= x <= 1, else NaN. */
double fl_special_betainc(double a, double b, double x);

/* Upper tail P(K >= k) of the beta-binomial distribution with m trials and shape a, b > 0,
 * summed term by term from k (so far tails keep their digits; scipy.stats.betabinom.sf(k - 1)
 * is 1 - cdf and does not). 1 for k = 0, 0 for k > m, NaN for bad shapes. O(m - k + 1). */
double fl_special_betabinom_sf(size_t k, size_t m, double a, double b);

/* Survival function of the Kolmogorov distribution, sum_{k>=1} 2(-1)^(k-1) exp(-2k^2 y^2)
 * (= scipy.special.kolmogorov(y)); 1 for y <= 0, NaN for NaN. */
double fl_special_kolmogorov(double y);

/*
 * Exact two-sided two-sample KS tail probability Pr(D_{m,n} >= h / lcm(m,n)) for sample sizes
 * m, n >= 1, g = gcd(m, n), 0 <= h <= lcm(m,n). Equal sizes use the alternating-series formula,
 * others the inside-method lattice walk (O(m * window) time, one scratch column of at most
 * min(m,n)+1 doubles). Stores the probability in *out (NaN on bad arguments: m, n < 1, g not the
 * gcd, h outside [0, lcm]). It may fall outside [0,1] by rounding; callers check and clip, as
 * SciPy does. Errors: FL_EINVAL (out NULL), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_special_ks2_exact_sf(int64_t m, int64_t n, int64_t g, int64_t h,
                                             double *out);

#endif
