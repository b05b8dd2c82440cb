/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kll.h: the KLL quantile sketch over doubles (Karnin, Lang, Liberty, "Optimal Quantile
 * Approximation in Streams", FOCS 2016), with the lazy compaction scheme of Apache DataSketches'
 * KLL sketch: levels of geometrically decreasing capacity k (2/3)^depth, at least 8 items; a full
 * level is sorted and every other item is kept, from a random offset, at double the weight.
 *
 * Accuracy. The error is in rank, not in value: for a query the estimated normalized rank differs
 * from the true one by at most eps with 99% confidence, where (DataSketches' fit, measured for the
 * same compaction scheme)
 *     eps(k)     = 2.296 / k^0.9723   single-sided: fl_kll_rank, fl_kll_quantile
 *     eps_pmf(k) = 2.446 / k^0.9433   double-sided: the mass of one bin of fl_kll_bin_counts
 * fl_kll_rank_error() computes them. At the default k = 1024: eps = 0.27%, eps_pmf = 0.35%, the
 * value whylogs settled on (its issue #684; DataSketches' own default k = 200 gives 1.33% and
 * 1.65%, above 1%). The bound holds for merged sketches too. The tests measure the maximum error
 * over whole grids of queries on uniform, normal, heavy-tailed and sorted inputs (see
 * docs/SKETCHES.md for the figures).
 *
 * Size. About 3k retained doubles at most (k (1 + 2/3 + 4/9 + ...) plus 8 per low level, one
 * level per doubling of n): at k = 1024 the serialized sketch is about 24 KiB at n = 1e7 and
 * stays under 28 KiB for any n < 2^64.
 *
 * Randomness comes from a per-sketch splitmix64 generator seeded at creation and serialized with
 * the sketch, so equal inputs and seeds give identical sketches and a deserialized sketch
 * continues exactly like the original.
 *
 * NaN values are ignored (they have no rank); infinities are ordinary values. Not thread-safe for
 * writers; the const functions may run concurrently with each other.
 */
#ifndef FL_STATS_KLL_H
#define FL_STATS_KLL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h" /* FL_LIMIT_* caps named in the contracts below */

#define FL_KLL_DEFAULT_K 1024 /* eps 0.27%, eps_pmf 0.35% at 99% confidence */
#define FL_KLL_MIN_K 8        /* the maximum is FL_LIMIT_KLL_K (core/limits.h) */
#define FL_KLL_M 8            /* minimum level capacity */

struct fl_kll;

/*
 * New empty sketch with parameter k in [FL_KLL_MIN_K, FL_LIMIT_KLL_K] and a seed for the
 * compaction coin. *out owns it (fl_kll_free). FL_EINVAL (k out of range, out NULL), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_kll_new(unsigned k, uint64_t seed, struct fl_kll **out);
/* Release a sketch; NULL is a no-op. */
void fl_kll_free(struct fl_kll *s);

/*
 * Add one value (NaN is ignored). Amortized O(log k) comparisons. FL_ENOMEM when a new level
 * cannot be allocated, FL_ELIMIT at n = UINT64_MAX; either way the sketch is unchanged.
 */
FL_MUST_CHECK fl_err fl_kll_update(struct fl_kll *s, double v);
/* Add n values in order; stops at the first error (the values before it are in). */
FL_MUST_CHECK fl_err fl_kll_update_many(struct fl_kll *s, const double *v, size_t n);

/*
 * Merge src into dst; src is unchanged and may equal dst. Both must have the same k (FL_EINVAL
 * with a diagnostic otherwise). FL_ENOMEM, FL_ELIMIT (n would overflow): dst unchanged.
 */
FL_MUST_CHECK fl_err fl_kll_merge(struct fl_kll *dst, const struct fl_kll *src, struct fl_diag *d);

uint64_t fl_kll_n(const struct fl_kll *s); /* values added (NaN excluded) */
unsigned fl_kll_k(const struct fl_kll *s);
size_t fl_kll_retained(const struct fl_kll *s); /* items stored */
/*
 * The retained items with their weights (2^level), level by level, lowest first; within a level
 * in storage order (not sorted). Copies min(cap, retained) of them into v[] and w[] and returns
 * fl_kll_retained(s). The weights add up to fl_kll_n(s). Thread-safe for concurrent readers.
 */
size_t fl_kll_items(const struct fl_kll *s, double *v, double *w, size_t cap);
double fl_kll_min(const struct fl_kll *s);      /* exact; NaN when empty */
double fl_kll_max(const struct fl_kll *s);      /* exact; NaN when empty */

/* The 99%-confidence normalized rank error of a sketch with parameter k (see above). */
double fl_kll_rank_error(unsigned k, int pmf);

/*
 * Estimated normalized rank of x: the fraction of values <= x, in [0, 1]; exactly 0 below the
 * minimum and 1 at or above the maximum. NaN for an empty sketch or x NaN. No allocation.
 */
double fl_kll_rank(const struct fl_kll *s, double x);

/*
 * Estimated q-quantile, q in [0, 1]: the smallest retained value whose estimated rank is at least
 * q (DataSketches' inclusive rule, numpy's method='inverted_cdf'); q = 0 gives the exact minimum,
 * q = 1 the exact maximum. *out is NaN for an empty sketch. FL_EINVAL (q outside [0, 1] or NaN,
 * NULL pointers), FL_ENOMEM (it builds a sorted view of the retained items).
 */
FL_MUST_CHECK fl_err fl_kll_quantile(const struct fl_kll *s, double q, double *out);
/* The same for nq fractions at once (one sorted view): out[i] for q[i]. */
FL_MUST_CHECK fl_err fl_kll_quantiles(const struct fl_kll *s, const double *q, size_t nq,
                                      double *out);

/*
 * Histogram from the sketch. splits[0..n_splits) must be strictly increasing and not NaN
 * (infinities allowed), n_splits >= 1. counts[0..n_splits] receives the estimated number of
 * values in (-inf, s0], (s0, s1], ..., (s_last, +inf): sums of item weights, so they add up to
 * fl_kll_n exactly. FL_EINVAL for bad splits or NULL pointers. No allocation.
 */
FL_MUST_CHECK fl_err fl_kll_bin_counts(const struct fl_kll *s, const double *splits,
                                       size_t n_splits, uint64_t *counts);
/*
 * Estimated CDF at the split points: cdf[i] = rank(splits[i]) for i < n_splits, and
 * cdf[n_splits] = 1. All NaN for an empty sketch. Same rules and errors as fl_kll_bin_counts.
 */
FL_MUST_CHECK fl_err fl_kll_cdf(const struct fl_kll *s, const double *splits, size_t n_splits,
                                double *cdf);

/* Exact size in bytes fl_kll_serialize appends: 40 + 4 levels + 8 retained. */
size_t fl_kll_serialized_size(const struct fl_kll *s);
/* Append the serialized sketch (docs/SKETCHES.md). FL_ELIMIT/FL_ENOMEM: nothing appended. */
FL_MUST_CHECK fl_err fl_kll_serialize(const struct fl_kll *s, struct fl_buf *out);
/*
 * Rebuild a sketch from len borrowed bytes, validating everything: header, k and level count
 * within limits, retained items within the capacity of that many levels and present in the input
 * before anything is allocated, weights (sum of level sizes times 2^level) equal to n, no NaN,
 * levels above 0 sorted, min <= every item <= max, exact length. Failures are FL_EINVAL with a
 * diagnostic (field, byte offset) and *out NULL; FL_ENOMEM. The allocation is bounded by the
 * capacity of a sketch with that k (about 24 k bytes).
 */
FL_MUST_CHECK fl_err fl_kll_deserialize(const void *p, size_t len, struct fl_kll **out,
                                        struct fl_diag *d);

#endif
