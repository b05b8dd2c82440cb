/* SPDX-License-Identifier: Apache-2.0 */
/*
 * robust.c: median, linear quantiles, IQR, MAD, and the BARO and NSigma metric scores
 * (robust.h). Quantiles follow numpy.quantile(method='linear') (Hyndman & Fan 1996, type 7),
 * including NumPy's two-sided interpolation formula, so results agree with NumPy to the last
 * bit or two; sums follow numpy.sum's order (stats/binning.h).
 */
#include "stats/robust.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/binning.h"

/* Below this many values qsort beats the bucket sort's fixed 3 MiB of counters. */
#define ROBUST_QSORT_MAX 4096

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

fl_err fl_robust_sorted_copy(const double *x, size_t n, double **out)
{
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    if (!x || n == 0)
        return FL_EINVAL;
    if (n > ROBUST_QSORT_MAX)
        return fl_binning_sorted_copy(x, n, out);
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return FL_EINVAL;
    double *s = fl_malloc(n * sizeof *s);
    if (!s)
        return FL_ENOMEM;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    *out = s;
    return FL_OK;
}

/* numpy's _lerp(a, b, t): two forms so that t = 0 and t = 1 give a and b exactly. */
static double lerp(double a, double b, double t)
{
    double diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

double fl_robust_quantile_sorted(const double *s, size_t n, double q)
{
    if (!s || n == 0 || !(q >= 0 && q <= 1))
        return NAN;
    double last = (double)(n - 1), vi = last * q;
    if (vi >= last)
        return s[n - 1];
    double prev = floor(vi);
    size_t j = (size_t)prev;
    return lerp(s[j], s[j + 1], vi - prev);
}

/* numpy.median: the middle value, or the mean of the two middle values. */
static double median_sorted(const double *s, size_t n)
{
    size_t h = n / 2;
    return n % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

fl_err fl_robust_median(const double *x, size_t n, double *out)
{
    double *s = NULL;
    if (!out)
        return FL_EINVAL;
    fl_err e = fl_robust_sorted_copy(x, n, &s);
    if (e == FL_OK)
        *out = median_sorted(s, n);
    fl_free(s);
    return e;
}

fl_err fl_robust_quantile(const double *x, size_t n, double q, double *out)
{
    double *s = NULL;
    if (!out || !(q >= 0 && q <= 1))
        return FL_EINVAL;
    fl_err e = fl_robust_sorted_copy(x, n, &s);
    if (e == FL_OK)
        *out = fl_robust_quantile_sorted(s, n, q);
    fl_free(s);
    return e;
}

fl_err fl_robust_iqr(const double *x, size_t n, double *out)
{
    double *s = NULL;
    if (!out)
        return FL_EINVAL;
    fl_err e = fl_robust_sorted_copy(x, n, &s);
    if (e == FL_OK)
        *out = fl_robust_quantile_sorted(s, n, 0.75) - fl_robust_quantile_sorted(s, n, 0.25);
    fl_free(s);
    return e;
}

fl_err fl_robust_mad(const double *x, size_t n, double *out)
{
    double *s = NULL;
    if (!out)
        return FL_EINVAL;
    fl_err e = fl_robust_sorted_copy(x, n, &s);
    if (e != FL_OK)
        return e;
    double med = median_sorted(s, n);
    for (size_t i = 0; i < n; i++)
        s[i] = fabs(s[i] - med);
    qsort(s, n, sizeof *s, cmp_double);
    *out = median_sorted(s, n);
    fl_free(s);
    return FL_OK;
}

/* max over anom of (x - center) / scale; a scale below 10 epsilons counts as 1 (sklearn's
 * _handle_zeros_in_scale). */
static fl_err max_scaled(const double *anom, size_t na, double center, double scale, double *out)
{
    if (!anom || na == 0)
        return FL_EINVAL;
    if (!(scale >= 10 * DBL_EPSILON))
        scale = 1;
    double best = -INFINITY;
    for (size_t i = 0; i < na; i++) {
        if (isnan(anom[i]))
            return FL_EINVAL;
        double z = (anom[i] - center) / scale;
        if (z > best)
            best = z;
    }
    *out = best;
    return FL_OK;
}

fl_err fl_robust_baro(const double *normal, size_t nn, const double *anom, size_t na, double *out)
{
    double *s = NULL;
    if (!out || !anom || na == 0)
        return FL_EINVAL;
    fl_err e = fl_robust_sorted_copy(normal, nn, &s);
    if (e == FL_OK) {
        double iqr =
            fl_robust_quantile_sorted(s, nn, 0.75) - fl_robust_quantile_sorted(s, nn, 0.25);
        e = max_scaled(anom, na, median_sorted(s, nn), iqr, out);
    }
    fl_free(s);
    return e;
}

fl_err fl_robust_nsigma(const double *normal, size_t nn, const double *anom, size_t na, double *out)
{
    double sd;
    if (!out || !normal || nn == 0 || !anom || na == 0)
        return FL_EINVAL;
    for (size_t i = 0; i < nn; i++)
        if (isnan(normal[i]))
            return FL_EINVAL;
    fl_err e = fl_binning_std(normal, nn, &sd);
    if (e != FL_OK)
        return e;
    return max_scaled(anom, na, fl_binning_sum(normal, nn) / (double)nn, sd, out);
}

fl_err fl_robust_ref_fit(const double *x, size_t n, double tail_q, struct fl_robust_ref *out)
{
    double *s = NULL;
    if (!out || !(tail_q >= 0.5 && tail_q <= 1))
        return FL_EINVAL;
    fl_err e = fl_robust_sorted_copy(x, n, &s);
    if (e != FL_OK)
        return e;
    struct fl_robust_ref r = {.n = n};
    r.median = median_sorted(s, n);
    r.q25 = fl_robust_quantile_sorted(s, n, 0.25);
    r.q75 = fl_robust_quantile_sorted(s, n, 0.75);
    r.iqr = r.q75 - r.q25;
    r.lo = fl_robust_quantile_sorted(s, n, 1 - tail_q);
    r.hi = fl_robust_quantile_sorted(s, n, tail_q);
    r.absmax = fmax(fabs(s[0]), fabs(s[n - 1]));
    if (isfinite(s[0]) && isfinite(s[n - 1])) {
        r.mean = fl_binning_sum(x, n) / (double)n;
        double m2 = 0;
        for (size_t i = 0; i < n; i++)
            m2 += (x[i] - r.mean) * (x[i] - r.mean);
        r.sd = sqrt(m2 / (double)n);
    } else {
        r.mean = r.sd = NAN;
    }
    fl_free(s);
    *out = r;
    return FL_OK;
}
