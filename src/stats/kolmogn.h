/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kolmogn.h: finite-n one-sample Kolmogorov-Smirnov distributions, as SciPy computes them:
 * the two-sided D_n survival function (scipy.stats.kstwo.sf) and the one-sided D_n+ survival
 * function (scipy.special.smirnov). Used for ks_2samp's asymptotic p-value. Pure, thread-safe.
 */
#ifndef FL_STATS_KOLMOGN_H
#define FL_STATS_KOLMOGN_H

#include <stdint.h>

#include "core/err.h"

/* Pr(D_n+ >= x) for n >= 1, 0 <= x <= 1 (= scipy.special.smirnov(n, x)); NaN outside. */
double fl_kolmogn_smirnov_sf(int64_t n, double x);

/*
 * Pr(D_n >= x) (= scipy.stats.kstwo.sf(x, n)) into *out, in [0, 1]; NaN for n < 1 or x NaN.
 * May allocate a Durbin matrix of (2 ceil(n x) - 1)^2 doubles (x small there, so a few hundred
 * KiB at most). Errors: FL_EINVAL (out NULL), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_kolmogn_sf(int64_t n, double x, double *out);

#endif
