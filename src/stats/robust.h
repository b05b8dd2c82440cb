/* SPDX-License-Identifier: Apache-2.0 */
/*
 * robust.h: location and scale estimates that a few outliers cannot move, and the two
 * single-metric anomaly scores the RCA literature ranks metrics with.
 *
 *   - median, linear quantiles (numpy.quantile(method='linear'), Hyndman & Fan type 7, with
 *     NumPy's interpolation formula), IQR (scipy.stats.iqr), MAD (scipy.stats.median_abs_deviation,
 *     raw; multiply by FL_ROBUST_MAD_NORMAL for a normal-consistent sigma);
 *   - BARO's robust score (Pham, Ha, Zhang, "BARO: Robust Root Cause Analysis for Microservices
 *     via Multivariate Bayesian Online Change Point Detection", FSE 2024; RCAEval e2e/baro.py):
 *     max over the anomalous window of (x - median_normal) / IQR_normal, as sklearn's
 *     RobustScaler computes it (an IQR below 10 machine epsilons counts as 1);
 *   - NSigma (RCAEval's "nsigma", the same with sklearn's StandardScaler): max of
 *     (x - mean_normal) / sd_normal, population sd, a zero sd counting as 1.
 *   - struct fl_robust_ref: everything src/rca/rank.c needs from a reference window in one sort.
 *
 * Inputs are borrowed and never modified; NaN is refused (FL_EINVAL): callers drop missing
 * values first. Functions that sort allocate a copy with fl_malloc. Pure and thread-safe.
 */
#ifndef FL_STATS_ROBUST_H
#define FL_STATS_ROBUST_H

#include <stddef.h>

#include "core/err.h"

/* 1 / Phi^-1(3/4): MAD * this estimates sigma for normal data (scipy's scale='normal'). */
#define FL_ROBUST_MAD_NORMAL 1.482602218505602
/* Phi^-1(3/4) - Phi^-1(1/4): the IQR of a standard normal. */
#define FL_ROBUST_IQR_NORMAL 1.3489795003921634

/*
 * A sorted copy of x[0..n) into *out (fl_free it). FL_EINVAL for NULL pointers, n == 0 or a NaN;
 * FL_ENOMEM. Small inputs go through qsort, large ones through stats/binning's bucket sort.
 */
FL_MUST_CHECK fl_err fl_robust_sorted_copy(const double *x, size_t n, double **out);

/*
 * The q-quantile (0 <= q <= 1) of the ascending s[0..n), as numpy.quantile(s, q) with the
 * default 'linear' method. NaN when n == 0 or q is outside [0, 1] or NaN. Allocates nothing.
 */
double fl_robust_quantile_sorted(const double *s, size_t n, double q);

/* numpy.median / numpy.quantile(x, q) / scipy.stats.iqr(x) of x[0..n) into *out. Errors as
 * fl_robust_sorted_copy; FL_EINVAL for q outside [0, 1]. */
FL_MUST_CHECK fl_err fl_robust_median(const double *x, size_t n, double *out);
FL_MUST_CHECK fl_err fl_robust_quantile(const double *x, size_t n, double q, double *out);
FL_MUST_CHECK fl_err fl_robust_iqr(const double *x, size_t n, double *out);
/* scipy.stats.median_abs_deviation(x) (scale 1): median(|x - median(x)|). */
FL_MUST_CHECK fl_err fl_robust_mad(const double *x, size_t n, double *out);

/*
 * BARO's score of one metric: max over anom[0..na) of (x - median(normal)) / IQR(normal), signed
 * (an upward-looking score, as RCAEval ranks). IQR < 10 * DBL_EPSILON counts as 1, as sklearn.
 * Errors: FL_EINVAL (NULL, nn or na zero, NaN), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_robust_baro(const double *normal, size_t nn, const double *anom, size_t na,
                                    double *out);
/* NSigma: max over anom of (x - mean(normal)) / sd(normal) (ddof 0; sd < 10 * DBL_EPSILON counts
 * as 1). Errors as fl_robust_baro. Allocates nothing. */
FL_MUST_CHECK fl_err fl_robust_nsigma(const double *normal, size_t nn, const double *anom,
                                      size_t na, double *out);

/* Summary of a reference (normal) window. */
struct fl_robust_ref {
    size_t n;      /* values */
    double median; /* numpy.median */
    double q25;    /* linear quantiles */
    double q75;
    double iqr;    /* q75 - q25 */
    double lo;     /* quantile 1 - tail_q (the lower tail quantile) */
    double hi;     /* quantile tail_q */
    double mean;   /* arithmetic mean */
    double sd;     /* population standard deviation */
    double absmax; /* max |x| */
};

/*
 * Fit *out from x[0..n) with tail quantile tail_q in [0.5, 1] (lo and hi are the (1 - tail_q)-
 * and tail_q-quantiles). Errors: FL_EINVAL (NULL, n == 0, NaN, bad tail_q), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_robust_ref_fit(const double *x, size_t n, double tail_q,
                                       struct fl_robust_ref *out);

#endif
