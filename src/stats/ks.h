/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ks.h: the two-sample Kolmogorov-Smirnov test, two-sided, matching
 * scipy.stats.ks_2samp(a, b, alternative='two-sided', method=...) including ties (ECDFs are
 * right-continuous, evaluated at every pooled value) and SciPy's rounding of D to h / lcm(na, nb)
 * when the exact p-value is used.
 *
 * Method selection follows SciPy 1.10: AUTO is exact when max(na, nb) <= 10000; EXACT switches
 * to the asymptotic distribution when lcm(na, nb) >= INT32_MAX or the exact value is not a
 * probability; ASYMP uses scipy.stats.kstwo.sf(D, round(na nb / (na + nb))).
 */
#ifndef FL_STATS_KS_H
#define FL_STATS_KS_H

#include <stddef.h>

#include "core/err.h"

enum fl_ks_method {
    FL_KS_AUTO,  /* exact when max(na, nb) <= FL_KS_MAX_AUTO_N, else asymptotic (as SciPy) */
    FL_KS_EXACT, /* exact; SciPy switches to asymptotic when lcm(na,nb) is too big or it fails */
    FL_KS_ASYMP, /* asymptotic */
};

#define FL_KS_MAX_AUTO_N 10000

struct fl_ks_result {
    double d;      /* statistic sup |F_a - F_b| (rounded to h/lcm on the exact path, as SciPy) */
    double pvalue; /* two-sided p-value in [0, 1] */
    int exact;     /* 1 when pvalue came from the exact distribution, 0 for the asymptotic */
};

/*
 * Two-sided two-sample KS test of a[0..na) against b[0..nb). The inputs are borrowed and not
 * modified (sorted copies are made with fl_malloc). Errors: FL_EINVAL (NULL pointers, na or nb
 * zero, a NaN anywhere, bad method), FL_ENOMEM. One SciPy quirk is kept: the asymptotic path
 * with na = nb = 1 rounds the effective size 0.5 to 0, and SciPy answers NaN; so does this
 * (out->pvalue NaN, FL_OK). Otherwise pvalue is in [0, 1]. Thread-safe.
 */
FL_MUST_CHECK fl_err fl_ks_two_sample(const double *a, size_t na, const double *b, size_t nb,
                                      enum fl_ks_method method, struct fl_ks_result *out);

#endif
