/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trend.h: is a series trending, and how steeply? Two rank-based answers that a few outliers
 * cannot move, matching SciPy 1.10:
 *
 *   - the Theil-Sen slope (Theil 1950, Sen 1968): the median of the pairwise slopes, with the
 *     intercept median(y) - slope * median(x) (scipy.stats.theilslopes, method="separate");
 *   - Kendall's tau-b with its tie-corrected asymptotic two-sided p-value
 *     (scipy.stats.kendalltau(x, y, method="asymptotic"), Kendall 1970 ch. 4): with x the sample
 *     times this is the Mann-Kendall trend test (Mann 1945, Kendall 1975).
 *
 * Both loop over all n (n - 1) / 2 pairs: inputs are capped at FL_TREND_MAX_N values, and callers
 * subsample longer series. Inputs are borrowed and never modified. Pure and thread-safe.
 */
#ifndef FL_STATS_TREND_H
#define FL_STATS_TREND_H

#include <stddef.h>

#include "core/err.h"

/*
 * Most values either function accepts. The pair loops are O(n^2): at 4,096 values Theil-Sen keeps
 * n (n - 1) / 2 = 8,386,560 slopes (64 MiB of doubles) and takes about 0.1 s, Kendall about 0.02 s
 * (docs/STATISTICS.md). Beyond it both answer FL_ELIMIT; subsample first.
 */
#define FL_TREND_MAX_N 4096

/*
 * Theil-Sen slope of y over x: the median of the slopes (y[j] - y[i]) / (x[j] - x[i]) over all
 * pairs i < j with x[i] != x[j] (scipy.stats.theilslopes); *intercept = median(y) - slope *
 * median(x) (SciPy's default method "separate"); medians as numpy.median (the mean of the two
 * middle values for an even count). Non-finite pairs are skipped: a point whose x or y is NaN or
 * infinite takes part in no pair and in neither median, as if removed first, and a pair of finite
 * points whose slope overflows (is not finite) is skipped too. On finite data without overflow the
 * result is SciPy's to the last bit.
 *
 * Errors (*slope and *intercept are NaN when the pointers are non-NULL): FL_EINVAL for NULL
 * pointers, n < 2, or no pair with distinct finite x (all x equal, or fewer than two finite
 * points; SciPy warns and returns NaN); FL_ELIMIT when n > FL_TREND_MAX_N; FL_ENOMEM (the slopes
 * need 8 n (n - 1) / 2 bytes, from fl_malloc).
 */
FL_MUST_CHECK fl_err fl_trend_theil_sen(const double *x, const double *y, size_t n, double *slope,
                                        double *intercept);

/*
 * Kendall's tau-b between x and y with its two-sided asymptotic p-value, ties corrected
 * (scipy.stats.kendalltau(x, y, method="asymptotic"), variant "b"): the Mann-Kendall trend test
 * when x is time. tau = (C - D) / sqrt((P - T_x)(P - T_y)) over the P = n (n - 1) / 2 pairs
 * (C concordant, D discordant, T_x / T_y tied in x / y), clipped to [-1, 1]; p = 2 sf(|z|),
 * z = (C - D) / sqrt(var) with the tie-corrected variance, computed as SciPy does.
 *
 * Two cases where SciPy answers NaN have a value here: when either side is constant (every pair
 * tied) *tau = 0 and *p = 1; for n = 2 SciPy's variance evaluates a term 0 / 0 whose true value
 * is 0 (it is x0 y0 / (9 m (n - 2)) and x0 = y0 = 0 when n = 2), so here z = +-1 and
 * p = 2 sf(1) = 0.3173.
 *
 * Errors (*tau and *p are NaN when the pointers are non-NULL): FL_EINVAL for NULL pointers,
 * n < 2, or a NaN or infinite value (SciPy propagates NaN); FL_ELIMIT when n > FL_TREND_MAX_N;
 * FL_ENOMEM (two sorted copies of n doubles).
 */
FL_MUST_CHECK fl_err fl_trend_kendall(const double *x, const double *y, size_t n, double *tau,
                                      double *p);

#endif
