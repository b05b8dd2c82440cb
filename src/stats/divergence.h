/* SPDX-License-Identifier: Apache-2.0 */
/*
 * divergence.h: distances between two samples or two binned distributions, as drift monitors
 * report them, each matching a named oracle:
 *   - Wasserstein-1 between two samples: scipy.stats.wasserstein_distance(u, v[, weights]),
 *     and the same divided by the reference's population standard deviation (numpy.std, ddof 0)
 *     with a floor, Evidently's "wasserstein" drift score W1 / max(std(ref), 0.001);
 *   - Jensen-Shannon divergence and distance with an explicit log base:
 *     scipy.spatial.distance.jensenshannon(p, q, base) is the distance, sqrt(divergence);
 *   - Kullback-Leibler divergence: scipy.stats.entropy(p, q, base);
 *   - Population Stability Index with Evidently's empty-bin rule (see fl_divergence_fill_empty);
 *   - Hellinger distance.
 * The binned functions take two vectors of k non-negative counts or probabilities (any scale:
 * each is divided by its own total first, as SciPy does) and sum their terms in numpy.sum's
 * order (fl_binning_sum), so results agree with the NumPy/SciPy expressions to rounding.
 *
 * Log bases: pass FL_DIVERGENCE_NATS for natural logarithms (SciPy's base=None) or the base,
 * e.g. 2.0 for bits. Label results with it: "JS distance (base e)" has maximum sqrt(ln 2) =
 * 0.8326, "JS distance (base 2)" and "JS divergence (base 2)" have maximum 1, and thresholds do
 * not carry over between them.
 *
 * All functions are pure and thread-safe; allocation (fl_malloc) is noted per function.
 */
#ifndef FL_STATS_DIVERGENCE_H
#define FL_STATS_DIVERGENCE_H

#include <stddef.h>

#include "core/err.h"

/* `base` argument meaning the natural logarithm (nats), SciPy's base=None. */
#define FL_DIVERGENCE_NATS 0.0

/* Evidently's empty-bin constants (legacy/calculations/stattests/utils.py, get_binned_data). */
#define FL_DIVERGENCE_FILL_EPS 1e-4    /* fill value for empty bins ... */
#define FL_DIVERGENCE_FILL_DIVISOR 1e6 /* ... or min non-zero proportion / this, if smaller */

/* Evidently's floor for the reference standard deviation of the normalized Wasserstein. */
#define FL_DIVERGENCE_EVIDENTLY_MIN_STD 0.001

/*
 * Wasserstein-1 (earth mover's) distance between the samples u[0..nu) and v[0..nv):
 * sum over the pooled sorted values of |F_u(x_i) - F_v(x_i)| (x_{i+1} - x_i), as
 * scipy.stats.wasserstein_distance. u_weights / v_weights (NULL = all equal) weight each value
 * (SciPy's u_weights/v_weights: non-negative, with a positive finite total). Unweighted inputs
 * are bucket-sorted and merged (10^6 against 10^6 in ~60 ms); weighted ones are sorted
 * with qsort. Stores the distance in *out. Errors: FL_EINVAL (NULL pointers, nu or nv zero, a
 * NaN or infinite value, a negative / NaN / infinite weight or a weight total of zero),
 * FL_ENOMEM. Allocates sorted copies.
 */
FL_MUST_CHECK fl_err fl_divergence_wasserstein(const double *u, size_t nu, const double *v,
                                               size_t nv, const double *u_weights,
                                               const double *v_weights, double *out);

struct fl_wasserstein_result {
    double distance;   /* W1(ref, cur), as fl_divergence_wasserstein */
    double ref_std;    /* numpy.std(ref), population (ddof = 0) */
    double normalized; /* distance / max(ref_std, min_std) */
};

/*
 * Wasserstein-1 between a reference and a current sample, and the same divided by
 * max(numpy.std(ref), min_std): the population standard deviation (ddof = 0), as Evidently
 * (np.std) and its Spark engine (stddev_pop) do. Pass FL_DIVERGENCE_EVIDENTLY_MIN_STD for
 * Evidently's score (drift when >= 0.1), or 0 for no floor; when the divisor is 0 the
 * normalized value is 0 for equal samples (distance 0) and +inf otherwise. Errors: as
 * fl_divergence_wasserstein, and FL_EINVAL for a negative or NaN min_std. Allocates.
 */
FL_MUST_CHECK fl_err fl_divergence_wasserstein_normalized(const double *ref, size_t n_ref,
                                                          const double *cur, size_t n_cur,
                                                          double min_std,
                                                          struct fl_wasserstein_result *out);

struct fl_js_result {
    double divergence; /* JSD = (KL(p || m) + KL(q || m)) / 2, m = (p + q) / 2, in `base` */
    double distance;   /* sqrt(divergence): what scipy's jensenshannon returns */
};

/*
 * Jensen-Shannon divergence and distance between the distributions p[0..k) and q[0..k), each
 * normalized by its total; logs in `base` (FL_DIVERGENCE_NATS or base > 0, != 1). Empty bins
 * need no special rule (0 log 0 = 0). SciPy computes sqrt(js / 2) directly and can answer NaN
 * when rounding makes js slightly negative for nearly equal inputs; here the divergence is
 * clamped at 0 first. Errors: FL_EINVAL (NULL pointers, k == 0, a negative / NaN / infinite
 * entry, a vector summing to 0, bad base), FL_ENOMEM (scratch of k doubles).
 */
FL_MUST_CHECK fl_err fl_divergence_js(const double *p, const double *q, size_t k, double base,
                                      struct fl_js_result *out);

/*
 * Kullback-Leibler divergence KL(p || q) = sum p_i log(p_i / q_i) of the normalized vectors, as
 * scipy.stats.entropy(p, q, base): +inf when some q_i = 0 < p_i (apply
 * fl_divergence_fill_empty to both first for Evidently's "kl_div", which does exactly that).
 * Errors and allocation as fl_divergence_js.
 */
FL_MUST_CHECK fl_err fl_divergence_kl(const double *p, const double *q, size_t k, double base,
                                      double *out);

/*
 * Proportions counts[i] / total with Evidently's empty-bin rule, written to props[0..k):
 * every proportion that is 0 is replaced by eps = m / 1e6 when the smallest non-zero
 * proportion m is <= 1e-4, else by eps = 1e-4. The result is not renormalized (so it sums to a
 * little over 1), exactly as Evidently. props may alias counts. Errors: FL_EINVAL (NULL
 * pointers, k == 0, a negative / NaN / infinite count, all counts 0). Allocates nothing.
 */
FL_MUST_CHECK fl_err fl_divergence_fill_empty(const double *counts, size_t k, double *props);

/*
 * Population Stability Index between a reference and a current binned distribution:
 * PSI = sum (r_i - c_i) ln(r_i / c_i), natural log, where r and c are the proportions after
 * fl_divergence_fill_empty (so it is always finite; an empty bin on one side contributes
 * a large term: ref [.5, .5, 0] vs cur [.4, .4, .2] gives 1.5640). This is Evidently's "psi"
 * computation given the bins (its drift rule is PSI >= 0.1). Errors: as fl_divergence_js;
 * FL_ENOMEM (scratch of 2k doubles).
 */
FL_MUST_CHECK fl_err fl_divergence_psi(const double *ref, const double *cur, size_t k, double *out);

/*
 * Hellinger distance H(p, q) = sqrt(sum (sqrt p_i - sqrt q_i)^2) / sqrt(2) of the normalized
 * vectors (NannyML's form), in [0, 1]. For normalized p and q this equals
 * sqrt(1 - sum sqrt(p_i q_i)) (Evidently's form), which loses all precision to cancellation
 * when p and q are close; the form used here does not. Errors and allocation as
 * fl_divergence_js.
 */
FL_MUST_CHECK fl_err fl_divergence_hellinger(const double *p, const double *q, size_t k,
                                             double *out);

#endif
