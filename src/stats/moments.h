/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moments.h: streaming count, mean, variance, min and max of the finite values of a column, with
 * the null, NaN, +inf and -inf counts kept apart (they never enter the mean).
 *
 * Updates use Welford's recurrence (1962) on values shifted by the first finite value (so data
 * like 1e9 + small noise keep their variance to full precision: the mean of the shifted values
 * is small, and the updates are not lost below the ulp of a large mean); merging uses the
 * pairwise formula of Chan, Golub and LeVeque (1979): for parts a and b, n = na + nb,
 * delta = mean_b - mean_a, mean = mean_a + delta nb / n, m2 = m2_a + m2_b + delta^2 na nb / n.
 * Counts, min and max merge exactly in any order; mean and m2 agree with a single pass over the
 * union to rounding (about 1e-15 relative for well-conditioned data), since floating-point
 * addition is not associative.
 */
#ifndef FL_STATS_MOMENTS_H
#define FL_STATS_MOMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Caller storage; plain data that may be copied by assignment. Read the fields directly. */
struct fl_moments {
    uint64_t count;      /* finite values */
    double shift;        /* first finite value (0 when count is 0); see mean_shifted */
    double mean_shifted; /* mean of (value - shift): fl_moments_mean() is shift + mean_shifted */
    double m2;           /* sum of squared deviations from the mean; 0 when count < 2 */
    double min, max;     /* of the finite values; NaN when count is 0 */
    uint64_t n_null;     /* missing values (fl_moments_update_null) */
    uint64_t n_nan;      /* NaN values */
    uint64_t n_pos_inf;  /* +inf values */
    uint64_t n_neg_inf;  /* -inf values */
};

/* Empty state. No allocation, nothing to clean up. */
void fl_moments_init(struct fl_moments *m);

/*
 * Add one value: finite values update count/mean/m2/min/max, NaN and infinities only their
 * counters. FL_ELIMIT (state unchanged) once the total count would pass UINT64_MAX.
 */
FL_MUST_CHECK fl_err fl_moments_update(struct fl_moments *m, double v);
/* Count one missing value. FL_ELIMIT as above. */
FL_MUST_CHECK fl_err fl_moments_update_null(struct fl_moments *m);

/*
 * Merge src into dst (Chan et al.); src may equal dst. FL_ELIMIT (dst unchanged) when a count
 * would overflow.
 */
FL_MUST_CHECK fl_err fl_moments_merge(struct fl_moments *dst, const struct fl_moments *src);

/* Mean of the finite values (shift + mean_shifted); NaN when count is 0. */
double fl_moments_mean(const struct fl_moments *m);
/* All values seen: count + n_null + n_nan + n_pos_inf + n_neg_inf. */
uint64_t fl_moments_total(const struct fl_moments *m);
/* m2 / (count - ddof) (ddof 0: population, 1: sample, as numpy.var); NaN when count <= ddof. */
double fl_moments_variance(const struct fl_moments *m, unsigned ddof);
/* sqrt of fl_moments_variance. */
double fl_moments_stddev(const struct fl_moments *m, unsigned ddof);

#define FL_MOMENTS_SERIALIZED_SIZE 82 /* bytes, always */

/* Append the 82-byte serialized form (docs/SKETCHES.md). FL_ELIMIT/FL_ENOMEM from the buffer. */
FL_MUST_CHECK fl_err fl_moments_serialize(const struct fl_moments *m, struct fl_buf *out);
/*
 * Read a serialized form into *out. Validated: header, exact length, counts whose total fits in
 * 64 bits, and for count 0: shift, mean_shifted and m2 0, min/max NaN; for count >= 1: finite
 * shift, mean_shifted and mean, m2 >= 0 (+inf allowed: a variance beyond DBL_MAX), finite
 * min <= max, and for count 1: m2 = mean_shifted = 0, shift = min = max. Any failure is FL_EINVAL
 * with a diagnostic (field and byte offset) and *out untouched. No allocation.
 */
FL_MUST_CHECK fl_err fl_moments_deserialize(const void *p, size_t len, struct fl_moments *out,
                                            struct fl_diag *d);

#endif
