/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ks.c: two-sample Kolmogorov-Smirnov test (Smirnov 1939), computed as scipy.stats.ks_2samp does:
 * D from the pooled right-continuous ECDFs, the exact two-sided p-value by Hodges' lattice-path
 * method (stats/special.c) when SciPy's rules select it, otherwise the one-sample distribution
 * of D_n at n = round(m n / (m + n)) (stats/kolmogn.c), SciPy's "asymp" method. D of large
 * samples is found by bucket pruning (ks_statistic_bucketed) instead of two full sorts.
 */
#include "stats/ks.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/binning.h"
#include "stats/kolmogn.h"
#include "stats/special.h"

/* Sorted copies come from fl_binning_sorted_copy (a bucket sort, ~7x faster than qsort at 10^6
 * values); it rejects NaN with FL_EINVAL as this test must. */
static fl_err sorted_copy(const double *v, size_t n, double **out)
{
    return fl_binning_sorted_copy(v, n, out);
}

/* The running extremes of F_a - F_b while walking the pooled values. */
struct dwalk {
    double maxs, mins;
};

/*
 * Walk the sorted a[0..na) and b[0..nb) (one bucket's values, or everything), starting from
 * i0 values of sample a and j0 of sample b below them, and fold each difference at a pooled
 * value into w. The differences are formed as i/NA - j/NB exactly as numpy's
 * searchsorted(side='right') / n, so D is bit-identical to SciPy's.
 */
static void walk(const double *a, size_t na, const double *b, size_t nb, size_t i0, size_t j0,
                 double NA, double NB, struct dwalk *w)
{
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        double v = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
        while (i < na && a[i] <= v)
            i++;
        while (j < nb && b[j] <= v)
            j++;
        double diff = (double)(i0 + i) / NA - (double)(j0 + j) / NB;
        if (diff > w->maxs)
            w->maxs = diff;
        if (diff < w->mins)
            w->mins = diff;
    }
}

static double d_of(const struct dwalk *w)
{
    double mn = -w->mins;
    mn = mn < 0 ? 0 : (mn > 1 ? 1 : mn);
    return mn > w->maxs ? mn : w->maxs;
}

/* D = max(max(F_a - F_b), max(F_b - F_a)) over the pooled values, F right-continuous, from the
 * sorted samples. */
static double ks_statistic(const double *a, size_t na, const double *b, size_t nb)
{
    struct dwalk w = {-INFINITY, INFINITY};
    walk(a, na, b, nb, 0, 0, (double)na, (double)nb, &w);
    return d_of(&w);
}

/*
 * D without sorting everything, for large samples. The values are counted into buckets by value
 * (-inf, then equal-width buckets over the finite range, then +inf; the bucket of a value never
 * decreases as the value grows, and equal values share a bucket). The cumulative counts give F_a
 * and F_b exactly at every bucket boundary; inside bucket k the difference F_a - F_b can only
 * move from its value at the bucket's start by up to +ca_k/na and -cb_k/nb. So every bucket
 * whose bound cannot beat the largest difference seen at a boundary is skipped, and only the
 * values of the remaining buckets are gathered, sorted and walked exactly (same expressions as
 * ks_statistic, so the same D to the bit). Most of the work is two counting passes. NaN is an
 * error (FL_EINVAL), as in the sorting path; *used_fast = 0 when the pruning would not pay (the
 * caller then sorts everything).
 */
#define KS_BUCKET_MIN_N 4096 /* total values below which sorting everything is cheaper */

static size_t bucket_of(double v, double lo, double scale, size_t nb_fin)
{
    if (v == -INFINITY)
        return 0;
    if (v == INFINITY)
        return nb_fin + 1;
    double x = (v - lo) * scale;
    size_t k = x >= (double)nb_fin ? nb_fin - 1 : (size_t)x; /* x >= 0: v >= lo */
    return 1 + k;
}

static fl_err ks_statistic_bucketed(const double *a, size_t na, const double *b, size_t nb,
                                    double *out)
{
    uint32_t *cnt = NULL;
    unsigned char *cand = NULL;
    double *va = NULL, *vb = NULL, *sa = NULL, *sb = NULL;
    fl_err e = FL_ENOMEM;
    double lo = INFINITY, hi = -INFINITY;
    for (int side = 0; side < 2; side++) {
        const double *x = side ? b : a;
        size_t n = side ? nb : na;
        for (size_t i = 0; i < n; i++) {
            double v = x[i];
            if (v != v)
                return FL_EINVAL;
            if (v != INFINITY && v != -INFINITY) {
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        }
    }
    size_t total = na + nb, nb_fin = total / 16 + 1;
    if (nb_fin > ((size_t)1 << 18))
        nb_fin = (size_t)1 << 18;
    double scale = hi > lo ? (double)nb_fin / (hi - lo) : 0.0;
    if (!(scale < INFINITY))
        scale = 0.0; /* a range too small to divide: one finite bucket (exact, not faster) */
    size_t nbk = nb_fin + 2;
    if (!(cnt = fl_calloc(2 * nbk, sizeof *cnt)) || !(cand = fl_calloc(nbk, 1)))
        goto out;
    uint32_t *ca = cnt, *cb = cnt + nbk;
    for (size_t i = 0; i < na; i++)
        ca[bucket_of(a[i], lo, scale, nb_fin)]++;
    for (size_t i = 0; i < nb; i++)
        cb[bucket_of(b[i], lo, scale, nb_fin)]++;
    /* The differences at the bucket boundaries are real values of F_a - F_b (at the largest
     * pooled value below the boundary), so their extremes bound D from below. */
    double NA = (double)na, NB = (double)nb;
    struct dwalk w = {-INFINITY, INFINITY};
    size_t ia = 0, jb = 0;
    for (size_t k = 0; k < nbk; k++) {
        ia += ca[k];
        jb += cb[k];
        double diff = (double)ia / NA - (double)jb / NB;
        w.maxs = diff > w.maxs ? diff : w.maxs;
        w.mins = diff < w.mins ? diff : w.mins;
    }
    double dlow = d_of(&w);
    /* Candidate buckets: those where the difference could exceed dlow. The bound is widened
     * by a relative 1e-12 so that rounding can only keep a bucket, never drop the maximum. */
    size_t n_ca = 0, n_cb = 0;
    ia = jb = 0;
    for (size_t k = 0; k < nbk; k++) {
        double start = (double)ia / NA - (double)jb / NB;
        double up = start + (double)ca[k] / NA, down = start - (double)cb[k] / NB;
        double bound = fabs(up) > fabs(down) ? fabs(up) : fabs(down);
        if (bound * (1 + 1e-12) + 1e-15 >= dlow && (ca[k] || cb[k])) {
            cand[k] = 1;
            n_ca += ca[k];
            n_cb += cb[k];
        }
        ia += ca[k];
        jb += cb[k];
    }
    if (!(va = fl_malloc((n_ca ? n_ca : 1) * sizeof *va)) ||
        !(vb = fl_malloc((n_cb ? n_cb : 1) * sizeof *vb)))
        goto out;
    size_t pa = 0, pb = 0;
    for (size_t i = 0; i < na; i++)
        if (cand[bucket_of(a[i], lo, scale, nb_fin)])
            va[pa++] = a[i];
    for (size_t i = 0; i < nb; i++)
        if (cand[bucket_of(b[i], lo, scale, nb_fin)])
            vb[pb++] = b[i];
    if ((e = fl_binning_sorted_copy(va, pa, &sa)) != FL_OK ||
        (e = fl_binning_sorted_copy(vb, pb, &sb)) != FL_OK)
        goto out;
    /* Walk the candidate buckets in order: sorting by value sorts by bucket too. */
    ia = jb = 0;
    size_t xa = 0, xb = 0;
    for (size_t k = 0; k < nbk; k++) {
        if (cand[k]) {
            walk(sa + xa, ca[k], sb + xb, cb[k], ia, jb, NA, NB, &w);
            xa += ca[k];
            xb += cb[k];
        }
        ia += ca[k];
        jb += cb[k];
    }
    *out = d_of(&w);
    e = FL_OK;
out:
    fl_free(cnt);
    fl_free(cand);
    fl_free(va);
    fl_free(vb);
    fl_free(sa);
    fl_free(sb);
    return e;
}

static int64_t gcd64(int64_t x, int64_t y)
{
    while (y != 0) {
        int64_t t = x % y;
        x = y;
        y = t;
    }
    return x;
}

fl_err fl_ks_two_sample(const double *a, size_t na, const double *b, size_t nb,
                        enum fl_ks_method method, struct fl_ks_result *out)
{
    double *sa = NULL, *sb = NULL;
    fl_err err = FL_EINVAL;
    if (!out)
        return FL_EINVAL;
    out->d = NAN;
    out->pvalue = NAN;
    out->exact = 0;
    if (!a || !b || na == 0 || nb == 0 || (unsigned)method > FL_KS_ASYMP ||
        na > (size_t)INT64_MAX / 2 || nb > (size_t)INT64_MAX / 2)
        goto out;
    double d = 0;
    if (na + nb >= KS_BUCKET_MIN_N && na <= UINT32_MAX && nb <= UINT32_MAX) {
        if ((err = ks_statistic_bucketed(a, na, b, nb, &d)) != FL_OK)
            goto out;
    } else {
        if ((err = sorted_copy(a, na, &sa)) != FL_OK ||
            (err = sorted_copy(b, nb, &sb)) != FL_OK)
            goto out;
        d = ks_statistic(sa, na, sb, nb);
    }
    out->d = d;
    int64_t n1 = (int64_t)na, n2 = (int64_t)nb, g = gcd64(n1, n2);
    int64_t n1g = n1 / g, n2g = n2 / g;
    int exact;
    if (method == FL_KS_AUTO)
        exact = (n1 > n2 ? n1 : n2) <= FL_KS_MAX_AUTO_N;
    else
        exact = method == FL_KS_EXACT && (double)n1g < (double)INT32_MAX / (double)n2g;
    if (exact) {
        int64_t lcm = n1g * n2;
        int64_t h = (int64_t)nearbyint(d * (double)lcm); /* half-to-even, as np.round */
        out->d = (double)h / (double)lcm;
        double p = 1.0;
        if (h != 0 && (err = fl_special_ks2_exact_sf(n1, n2, g, h, &p)) != FL_OK)
            goto out;
        if (p >= 0 && p <= 1) {
            out->pvalue = p;
            out->exact = 1;
            err = FL_OK;
            goto out;
        }
    }
    /* Asymptotic: the one-sample two-sided distribution at the effective size m n / (m + n),
     * rounded half-to-even as np.round does (SciPy then calls kstwo.sf). */
    double fm = (double)n1, fn = (double)n2;
    double en = nearbyint(fm * fn / (fm + fn));
    out->pvalue = NAN;
    if (en >= 1 && (err = fl_kolmogn_sf((int64_t)en, d, &out->pvalue)) != FL_OK)
        goto out;
    err = FL_OK;
out:
    fl_free(sa);
    fl_free(sb);
    return err;
}
