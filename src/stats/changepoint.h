/* SPDX-License-Identifier: Apache-2.0 */
/*
 * changepoint.h: change points in the mean of one series, under the usual model of piecewise
 * constant means plus Gaussian noise of variance sigma2.
 *
 * The cost of a segment x[a..b) is its sum of squared deviations from its own mean divided by
 * sigma2 (-2 log-likelihood up to a constant), so a split's cost reduction over sigma2 is twice
 * the log-likelihood ratio of "one mean shift at tau" against "no shift".
 *   - fl_cp_single_mean: the most likely single change point (the tau of largest reduction), and
 *     whether its statistic passes a penalty (default BIC: 2 ln n, two parameters per change).
 *   - fl_cp_pelt_mean: the optimal segmentation under a penalty per change point, by PELT
 *     (Killick, Fearnhead, Eckley, "Optimal detection of changepoints with a linear computational
 *     cost", JASA 2012): exact optimal partitioning with pruning, O(n) for series with changes
 *     spread through them, O(n^2) at worst. A minimum segment length is honoured exactly (a
 *     pruned candidate stays available until the point that dominates it is itself admissible).
 *   - fl_cp_binseg_mean: binary segmentation (Scott and Knott 1974; Vostrikova 1981): split the
 *     segment with the best single split while its statistic passes the penalty. Greedy, O(n K).
 * sigma2 <= 0 (or NaN) means "estimate it": (1.4826 MAD of the first differences)^2 / 2, robust
 * to the shifts themselves; when that MAD is 0 (mostly flat or quantised data) the mean squared
 * difference / 2; a constant series gets a floor of 1e-12 x mean(x^2) (or DBL_MIN), so
 * statistics stay finite.
 *
 * Indices: a change point tau means x[0..tau) and x[tau..n) have different means (tau is the
 * first index of the new segment), 0 < tau < n. Inputs are borrowed; NaN and infinities are
 * refused (FL_EINVAL). Pure and thread-safe; functions that say so allocate with fl_malloc.
 */
#ifndef FL_STATS_CHANGEPOINT_H
#define FL_STATS_CHANGEPOINT_H

#include <stddef.h>

#include "core/err.h"

/* BIC penalty for a change in mean with known variance: 2 ln n (0 for n < 2). */
double fl_cp_penalty_bic(size_t n);

/*
 * Noise standard deviation from first differences: 1.4826 MAD(diff(x)) / sqrt(2), or when that
 * MAD is 0 the root mean squared difference / sqrt(2) (0 only for a constant series). n >= 2.
 * Errors: FL_EINVAL (NULL, n < 2, non-finite value), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_cp_sigma_diff(const double *x, size_t n, double *out);

struct fl_cp_single {
    size_t tau;         /* best change point; 0 when no split is possible (n < 2 min_seg) */
    double mean_before; /* mean of x[0..tau) (NaN when tau is 0) */
    double mean_after;  /* mean of x[tau..n) */
    double reduction;   /* SSE(x) - SSE(x[0..tau)) - SSE(x[tau..n)) */
    double sigma2;      /* the noise variance used (given or estimated) */
    double stat;        /* reduction / sigma2 */
    double threshold;   /* the penalty used */
    int significant;    /* stat > threshold */
};

/*
 * The single mean shift of largest cost reduction, each side at least min_seg (>= 1) values
 * long; ties go to the smallest tau. penalty < 0 (or NaN) means fl_cp_penalty_bic(n).
 * Errors: FL_EINVAL (NULL pointers, n == 0, min_seg == 0, a non-finite value), FL_ENOMEM
 * (estimating sigma2 sorts a copy).
 */
FL_MUST_CHECK fl_err fl_cp_single_mean(const double *x, size_t n, double sigma2, double penalty,
                                       size_t min_seg, struct fl_cp_single *out);

/*
 * Optimal segmentation minimising sum of segment costs + penalty per change point, every
 * segment at least min_seg long. *cps receives the ascending change points (a new array owned
 * by the caller, fl_free; NULL when *n_cps is 0). total_cost (may be NULL) receives the
 * penalised optimum (sum of costs + penalty x number of change points). penalty < 0 (or NaN):
 * fl_cp_penalty_bic(n). Errors as fl_cp_single_mean.
 */
FL_MUST_CHECK fl_err fl_cp_pelt_mean(const double *x, size_t n, double sigma2, double penalty,
                                     size_t min_seg, size_t **cps, size_t *n_cps,
                                     double *total_cost);

/*
 * Binary segmentation: repeatedly take, over all current segments, the best single split (each
 * side >= min_seg); accept it while its statistic exceeds penalty and fewer than max_cps (0 = no
 * limit) change points were found. Output as fl_cp_pelt_mean (ascending). Errors as above.
 */
FL_MUST_CHECK fl_err fl_cp_binseg_mean(const double *x, size_t n, double sigma2, double penalty,
                                       size_t min_seg, size_t max_cps, size_t **cps, size_t *n_cps);

#endif
