/* SPDX-License-Identifier: Apache-2.0 */
/*
 * changepoint.c: mean-shift change points (changepoint.h): the best single split, PELT (Killick,
 * Fearnhead and Eckley, JASA 2012) and binary segmentation, all on one Gaussian cost computed
 * from prefix sums of the values shifted by their mean (which keeps the sums well conditioned).
 */
#include "stats/changepoint.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/robust.h"

double fl_cp_penalty_bic(size_t n)
{
    return n < 2 ? 0 : 2 * log((double)n);
}

/* Prefix sums s1[i] = sum of (x[j] - shift) and s2[i] of their squares over j < i. */
struct prefix {
    double *s1, *s2;
    double shift; /* mean of x */
    size_t n;
};

static void prefix_free(struct prefix *p)
{
    fl_free(p->s1);
    p->s1 = p->s2 = NULL;
}

static fl_err prefix_init(struct prefix *p, const double *x, size_t n)
{
    p->n = n;
    p->s1 = fl_malloc(2 * (n + 1) * sizeof *p->s1);
    if (!p->s1)
        return FL_ENOMEM;
    p->s2 = p->s1 + n + 1;
    double shift = 0;
    for (size_t i = 0; i < n; i++)
        shift += x[i];
    shift /= (double)n;
    p->shift = shift;
    p->s1[0] = p->s2[0] = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i] - shift;
        p->s1[i + 1] = p->s1[i] + v;
        p->s2[i + 1] = p->s2[i] + v * v;
    }
    return FL_OK;
}

/* Sum of squared deviations of x[a..b) from its mean (b > a). */
static double sse(const struct prefix *p, size_t a, size_t b)
{
    double s = p->s1[b] - p->s1[a], q = p->s2[b] - p->s2[a];
    double c = q - s * s / (double)(b - a);
    return c > 0 ? c : 0;
}

/* Cost reduction of splitting x[a..b) at tau: (tau-a)(b-tau)/(b-a) (mean2 - mean1)^2. */
static double split_gain(const struct prefix *p, size_t a, size_t tau, size_t b)
{
    double n1 = (double)(tau - a), n2 = (double)(b - tau);
    double m1 = (p->s1[tau] - p->s1[a]) / n1, m2 = (p->s1[b] - p->s1[tau]) / n2;
    return n1 * n2 / (n1 + n2) * (m2 - m1) * (m2 - m1);
}

/* Best split of x[a..b) with both sides >= m; returns 0 when none is possible. */
static size_t best_split(const struct prefix *p, size_t a, size_t b, size_t m, double *gain)
{
    size_t best = 0;
    *gain = -1;
    if (b - a < 2 * m)
        return 0;
    for (size_t tau = a + m; tau + m <= b; tau++) {
        double g = split_gain(p, a, tau, b);
        if (g > *gain) {
            *gain = g;
            best = tau;
        }
    }
    return best;
}

static fl_err check_finite(const double *x, size_t n)
{
    if (!x || n == 0)
        return FL_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return FL_EINVAL;
    return FL_OK;
}

fl_err fl_cp_sigma_diff(const double *x, size_t n, double *out)
{
    if (!out || n < 2)
        return FL_EINVAL;
    fl_err e = check_finite(x, n);
    if (e != FL_OK)
        return e;
    double *d = fl_malloc((n - 1) * sizeof *d), mad = 0;
    if (!d)
        return FL_ENOMEM;
    for (size_t i = 0; i + 1 < n; i++)
        d[i] = x[i + 1] - x[i];
    e = fl_robust_mad(d, n - 1, &mad);
    if (e == FL_OK && mad > 0) {
        *out = FL_ROBUST_MAD_NORMAL * mad / sqrt(2.0);
    } else if (e == FL_OK) {
        /* Most differences are zero (quantised or mostly flat data): the RMS of the
         * differences, non-robust but not zero unless the series is constant. */
        double ss = 0;
        for (size_t i = 0; i + 1 < n; i++)
            ss += d[i] * d[i];
        *out = sqrt(ss / (double)(n - 1) / 2);
    }
    fl_free(d);
    return e;
}

/* sigma2 as given, or estimated from the differences, floored away from zero. */
static fl_err resolve_sigma2(const double *x, size_t n, double sigma2, double *out)
{
    if (!(sigma2 > 0)) {
        double sd = 0;
        if (n >= 2) {
            fl_err e = fl_cp_sigma_diff(x, n, &sd);
            if (e != FL_OK)
                return e;
        }
        sigma2 = sd * sd;
    }
    if (!(sigma2 > 0) || !isfinite(sigma2)) {
        double ms = 0;
        for (size_t i = 0; i < n; i++)
            ms += x[i] * x[i] / (double)n;
        sigma2 = 1e-12 * ms;
        if (!(sigma2 >= DBL_MIN) || !isfinite(sigma2))
            sigma2 = DBL_MIN;
    }
    *out = sigma2;
    return FL_OK;
}

/* Shared argument checks and set-up of the three entry points. */
static fl_err setup(const double *x, size_t n, double *sigma2, double *penalty, size_t min_seg,
                    struct prefix *p)
{
    if (min_seg == 0)
        return FL_EINVAL;
    fl_err e = check_finite(x, n);
    if (e == FL_OK)
        e = resolve_sigma2(x, n, *sigma2, sigma2);
    if (e != FL_OK)
        return e;
    if (!(*penalty >= 0))
        *penalty = fl_cp_penalty_bic(n);
    return prefix_init(p, x, n);
}

fl_err fl_cp_single_mean(const double *x, size_t n, double sigma2, double penalty, size_t min_seg,
                         struct fl_cp_single *out)
{
    struct prefix p = {0};
    if (!out)
        return FL_EINVAL;
    fl_err e = setup(x, n, &sigma2, &penalty, min_seg, &p);
    if (e != FL_OK)
        return e;
    struct fl_cp_single r = {.sigma2 = sigma2, .threshold = penalty, .mean_before = NAN};
    double gain;
    r.tau = best_split(&p, 0, n, min_seg, &gain);
    if (r.tau) {
        r.mean_before = p.shift + p.s1[r.tau] / (double)r.tau;
        r.mean_after = p.shift + (p.s1[n] - p.s1[r.tau]) / (double)(n - r.tau);
        r.reduction = gain;
        r.stat = gain / sigma2;
        r.significant = r.stat > penalty;
    } else {
        r.mean_after = p.shift + p.s1[n] / (double)n;
    }
    prefix_free(&p);
    *out = r;
    return FL_OK;
}

/* Backtrack the optimal partition ending at n through last[]; ascending change points. */
static fl_err backtrack(const size_t *last, size_t n, size_t **cps, size_t *n_cps)
{
    size_t k = 0;
    for (size_t t = n; t > 0 && last[t] > 0; t = last[t])
        k++;
    *cps = NULL;
    *n_cps = k;
    if (!k)
        return FL_OK;
    size_t *c = fl_malloc(k * sizeof *c);
    if (!c)
        return FL_ENOMEM;
    size_t i = k;
    for (size_t t = n; t > 0 && last[t] > 0; t = last[t])
        c[--i] = last[t];
    *cps = c;
    return FL_OK;
}

fl_err fl_cp_pelt_mean(const double *x, size_t n, double sigma2, double penalty, size_t min_seg,
                       size_t **cps, size_t *n_cps, double *total_cost)
{
    struct prefix p = {0};
    double *f = NULL;
    size_t *last = NULL, *cand = NULL, *dead = NULL;
    if (!cps || !n_cps)
        return FL_EINVAL;
    *cps = NULL;
    *n_cps = 0;
    fl_err e = setup(x, n, &sigma2, &penalty, min_seg, &p);
    if (e != FL_OK)
        return e;
    e = FL_ENOMEM;
    f = fl_malloc((n + 1) * sizeof *f);
    last = fl_calloc(n + 1, sizeof *last);
    cand = fl_malloc((n + 1) * sizeof *cand);
    dead = fl_malloc((n + 1) * sizeof *dead);
    if (!f || !last || !cand || !dead)
        goto out;
    if (n < min_seg) { /* no admissible segmentation: one (short) segment */
        e = FL_OK;
        if (total_cost)
            *total_cost = sse(&p, 0, n) / sigma2;
        goto out;
    }
    /* Optimal partitioning F[t] = min_s F[s] + C(s, t) + penalty over candidates s, pruned as
     * PELT does: once F[s] + C(s, t) > F[t], s can never beat t for an end T >= t + min_seg, so
     * s is dropped from then on (dead[s]); until then t itself is not admissible and s stays. */
    size_t nc = 1;
    f[0] = -penalty;
    cand[0] = 0;
    for (size_t i = 0; i <= n; i++)
        dead[i] = SIZE_MAX;
    for (size_t t = 1; t <= n; t++) {
        f[t] = INFINITY;
        for (size_t i = 0; i < nc; i++) {
            size_t s = cand[i];
            if (s + min_seg > t || dead[s] <= t)
                continue;
            double v = f[s] + sse(&p, s, t) / sigma2 + penalty;
            if (v < f[t]) {
                f[t] = v;
                last[t] = s;
            }
        }
        size_t keep = 0;
        for (size_t i = 0; i < nc; i++) {
            size_t s = cand[i];
            if (dead[s] <= t)
                continue;
            if (isfinite(f[t]) && s + min_seg <= t && f[s] + sse(&p, s, t) / sigma2 > f[t] &&
                t + min_seg < dead[s])
                dead[s] = t + min_seg;
            cand[keep++] = s;
        }
        nc = keep;
        if (isfinite(f[t]) && t + min_seg <= n)
            cand[nc++] = t;
    }
    e = backtrack(last, n, cps, n_cps);
    if (e == FL_OK && total_cost)
        *total_cost = f[n];
out:
    fl_free(f);
    fl_free(last);
    fl_free(cand);
    fl_free(dead);
    prefix_free(&p);
    return e;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

fl_err fl_cp_binseg_mean(const double *x, size_t n, double sigma2, double penalty, size_t min_seg,
                         size_t max_cps, size_t **cps, size_t *n_cps)
{
    struct prefix p = {0};
    size_t *c = NULL, k = 0;
    if (!cps || !n_cps)
        return FL_EINVAL;
    *cps = NULL;
    *n_cps = 0;
    fl_err e = setup(x, n, &sigma2, &penalty, min_seg, &p);
    if (e != FL_OK)
        return e;
    size_t cap = n / min_seg + 1;
    if (max_cps && max_cps < cap)
        cap = max_cps;
    c = fl_malloc((cap + 2) * sizeof *c);
    if (!c) {
        e = FL_ENOMEM;
        goto out;
    }
    /* c[0..k) holds the accepted change points, kept sorted; segments lie between 0, them, n. */
    while (k < cap) {
        size_t best_tau = 0;
        double best_gain = -1;
        for (size_t i = 0; i <= k; i++) {
            size_t a = i ? c[i - 1] : 0, b = i < k ? c[i] : n;
            double g;
            size_t tau = best_split(&p, a, b, min_seg, &g);
            if (tau && g > best_gain) {
                best_gain = g;
                best_tau = tau;
            }
        }
        if (!best_tau || !(best_gain / sigma2 > penalty))
            break;
        c[k++] = best_tau;
        qsort(c, k, sizeof *c, cmp_size);
    }
    if (k) {
        *cps = c;
        *n_cps = k;
        c = NULL;
    }
out:
    fl_free(c);
    prefix_free(&p);
    return e;
}
