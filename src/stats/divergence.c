/* SPDX-License-Identifier: Apache-2.0 */
/*
 * divergence.c: Wasserstein-1 (the L1 distance between the two empirical CDFs, Vallender
 * 1974), Jensen-Shannon (Lin 1991), Kullback-Leibler, the Population Stability Index and the
 * Hellinger distance, written to follow the NumPy/SciPy expressions they are checked against
 * term by term (scipy/stats/_stats_py.py _cdf_distance, scipy/spatial/distance.py
 * jensenshannon, scipy.stats.entropy, scipy.special.rel_entr), with every sum in numpy.sum's
 * order (fl_binning_sum). PSI's empty-bin rule is Evidently's (see divergence.h).
 */
#include "stats/divergence.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "stats/binning.h"

/* scipy.special.rel_entr(x, y): x log(x / y), 0 for x == 0 <= y, +inf otherwise. */
static double rel_entr(double x, double y)
{
    if (isnan(x) || isnan(y))
        return NAN;
    if (x > 0 && y > 0)
        return x * log(x / y);
    if (x == 0 && y >= 0)
        return 0.0;
    return INFINITY;
}

/* Checks a count/probability vector and returns its numpy.sum total (0 on error). */
static double vector_total(const double *p, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (!isfinite(p[i]) || p[i] < 0)
            return 0.0;
    double t = fl_binning_sum(p, k);
    return isfinite(t) ? t : 0.0;
}

static int base_ok(double base)
{
    return base == FL_DIVERGENCE_NATS || (isfinite(base) && base > 0 && base != 1);
}

/* Shared prologue of the binned functions: validates, totals, allocates `per_bin` * k doubles. */
static fl_err binned_prologue(const double *p, const double *q, size_t k, size_t per_bin,
                              double *tp, double *tq, double **scratch)
{
    *scratch = NULL;
    if (!p || !q || k == 0 || k > SIZE_MAX / sizeof(double) / per_bin)
        return FL_EINVAL;
    *tp = vector_total(p, k);
    *tq = vector_total(q, k);
    if (!(*tp > 0) || !(*tq > 0))
        return FL_EINVAL;
    *scratch = fl_malloc(per_bin * k * sizeof(double));
    return *scratch ? FL_OK : FL_ENOMEM;
}

fl_err fl_divergence_js(const double *p, const double *q, size_t k, double base,
                        struct fl_js_result *out)
{
    double tp, tq, *t;
    if (!out || !base_ok(base))
        return FL_EINVAL;
    out->divergence = out->distance = NAN;
    fl_err err = binned_prologue(p, q, k, 1, &tp, &tq, &t);
    if (err != FL_OK)
        return err;
    for (size_t i = 0; i < k; i++) {
        double pi = p[i] / tp, qi = q[i] / tq;
        t[i] = rel_entr(pi, (pi + qi) / 2.0);
    }
    double left = fl_binning_sum(t, k);
    for (size_t i = 0; i < k; i++) {
        double pi = p[i] / tp, qi = q[i] / tq;
        t[i] = rel_entr(qi, (pi + qi) / 2.0);
    }
    double js = left + fl_binning_sum(t, k);
    fl_free(t);
    if (base != FL_DIVERGENCE_NATS)
        js /= log(base);
    double d = js / 2.0;
    out->divergence = d > 0 ? d : 0.0; /* rounding can leave -1e-17 for nearly equal inputs */
    out->distance = sqrt(out->divergence);
    return FL_OK;
}

fl_err fl_divergence_kl(const double *p, const double *q, size_t k, double base, double *out)
{
    double tp, tq, *t;
    if (!out || !base_ok(base))
        return FL_EINVAL;
    *out = NAN;
    fl_err err = binned_prologue(p, q, k, 1, &tp, &tq, &t);
    if (err != FL_OK)
        return err;
    for (size_t i = 0; i < k; i++)
        t[i] = rel_entr(1.0 * p[i] / tp, 1.0 * q[i] / tq);
    double s = fl_binning_sum(t, k);
    fl_free(t);
    if (base != FL_DIVERGENCE_NATS)
        s /= log(base);
    *out = s;
    return FL_OK;
}

fl_err fl_divergence_fill_empty(const double *counts, size_t k, double *props)
{
    if (!counts || !props || k == 0)
        return FL_EINVAL;
    double total = vector_total(counts, k);
    if (!(total > 0))
        return FL_EINVAL;
    double min_nz = INFINITY;
    for (size_t i = 0; i < k; i++) {
        props[i] = counts[i] / total;
        if (props[i] != 0 && props[i] < min_nz)
            min_nz = props[i];
    }
    /* A positive total can still give all-zero proportions by underflow. */
    if (!isfinite(min_nz))
        return FL_EINVAL;
    double eps = min_nz <= FL_DIVERGENCE_FILL_EPS ? min_nz / FL_DIVERGENCE_FILL_DIVISOR
                                                  : FL_DIVERGENCE_FILL_EPS;
    for (size_t i = 0; i < k; i++)
        if (props[i] == 0)
            props[i] = eps;
    return FL_OK;
}

fl_err fl_divergence_psi(const double *ref, const double *cur, size_t k, double *out)
{
    double tr, tc, *r;
    if (!out)
        return FL_EINVAL;
    *out = NAN;
    fl_err err = binned_prologue(ref, cur, k, 2, &tr, &tc, &r);
    if (err != FL_OK)
        return err;
    double *c = r + k;
    if ((err = fl_divergence_fill_empty(ref, k, r)) != FL_OK ||
        (err = fl_divergence_fill_empty(cur, k, c)) != FL_OK)
        goto out;
    for (size_t i = 0; i < k; i++)
        r[i] = (r[i] - c[i]) * log(r[i] / c[i]);
    *out = fl_binning_sum(r, k);
out:
    fl_free(r);
    return err;
}

fl_err fl_divergence_hellinger(const double *p, const double *q, size_t k, double *out)
{
    double tp, tq, *t;
    if (!out)
        return FL_EINVAL;
    *out = NAN;
    fl_err err = binned_prologue(p, q, k, 1, &tp, &tq, &t);
    if (err != FL_OK)
        return err;
    for (size_t i = 0; i < k; i++) {
        double d = sqrt(p[i] / tp) - sqrt(q[i] / tq);
        t[i] = d * d;
    }
    *out = sqrt(fl_binning_sum(t, k)) / sqrt(2.0);
    fl_free(t);
    return FL_OK;
}

/* ---- Wasserstein ----------------------------------------------------------------------- */

/* One sample, sorted, with the cumulative weights when weighted (cum[0] = 0, cum[n] = total). */
struct wsample {
    double *x;
    double *cum; /* NULL when unweighted */
    size_t n;
};

static double ecdf(const struct wsample *s, size_t i)
{
    return s->cum ? s->cum[i] / s->cum[s->n] : (double)i / (double)s->n;
}

struct vw {
    double v, w;
};

static int cmp_vw(const void *pa, const void *pb)
{
    double x = ((const struct vw *)pa)->v, y = ((const struct vw *)pb)->v;
    return (x > y) - (x < y);
}

static fl_err wsample_init(const double *x, size_t n, const double *w, struct wsample *s)
{
    s->x = s->cum = NULL;
    s->n = n;
    if (!x || n == 0)
        return FL_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || (w && !(w[i] >= 0)))
            return FL_EINVAL;
    if (!w)
        return fl_binning_sorted_copy(x, n, &s->x);
    if (n > SIZE_MAX / sizeof(struct vw) - 1)
        return FL_ENOMEM;
    struct vw *pairs = fl_malloc(n * sizeof *pairs);
    s->x = fl_malloc(n * sizeof *s->x);
    s->cum = fl_malloc((n + 1) * sizeof *s->cum);
    if (!pairs || !s->x || !s->cum) {
        fl_free(pairs);
        return FL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        pairs[i] = (struct vw){x[i], w[i]};
    qsort(pairs, n, sizeof *pairs, cmp_vw);
    s->cum[0] = 0.0;
    for (size_t i = 0; i < n; i++) { /* numpy.cumsum: left to right */
        s->x[i] = pairs[i].v;
        s->cum[i + 1] = s->cum[i] + pairs[i].w;
    }
    fl_free(pairs);
    /* SciPy checks 0 < sum(weights) < inf with numpy.sum; the cumulative sum is the same
     * total up to rounding, which cannot move it across 0 or infinity. */
    if (!(s->cum[n] > 0) || !isfinite(s->cum[n]))
        return FL_EINVAL;
    return FL_OK;
}

static void wsample_cleanup(struct wsample *s)
{
    fl_free(s->x);
    fl_free(s->cum);
    s->x = s->cum = NULL;
}

/*
 * sum_i |F_u(z_i) - F_v(z_i)| (z_{i+1} - z_i) over the merged sorted values z. After taking z_i
 * from the merge, i_u and i_v count the values <= z_i whenever z_i < z_{i+1} (SciPy's
 * searchsorted(side='right')); at ties the width is 0 and so is the term. The N - 1 terms go
 * through a FL_BINNING_SUM_BLOCK buffer so the total is numpy.sum's.
 */
static double cdf_distance(const struct wsample *u, const struct wsample *v, double *block)
{
    size_t iu = 0, iv = 0, nb = 0, total_n = u->n + v->n;
    double total = 0.0;
    double z = (u->x[0] <= v->x[0]) ? u->x[iu++] : v->x[iv++];
    for (size_t step = 1; step < total_n; step++) {
        int take_u = iv >= v->n || (iu < u->n && u->x[iu] <= v->x[iv]);
        double next = take_u ? u->x[iu] : v->x[iv];
        block[nb++] = fabs(ecdf(u, iu) - ecdf(v, iv)) * (next - z);
        if (nb == FL_BINNING_SUM_BLOCK) {
            total += fl_binning_sum(block, nb);
            nb = 0;
        }
        if (take_u)
            iu++;
        else
            iv++;
        z = next;
    }
    return total + fl_binning_sum(block, nb);
}

fl_err fl_divergence_wasserstein(const double *u, size_t nu, const double *v, size_t nv,
                                 const double *u_weights, const double *v_weights, double *out)
{
    struct wsample su = {NULL, NULL, 0}, sv = {NULL, NULL, 0};
    double *block = NULL;
    if (!out)
        return FL_EINVAL;
    *out = NAN;
    fl_err err;
    if ((err = wsample_init(u, nu, u_weights, &su)) != FL_OK ||
        (err = wsample_init(v, nv, v_weights, &sv)) != FL_OK)
        goto out;
    err = FL_ENOMEM;
    if (!(block = fl_malloc(FL_BINNING_SUM_BLOCK * sizeof *block)))
        goto out;
    *out = cdf_distance(&su, &sv, block);
    err = FL_OK;
out:
    fl_free(block);
    wsample_cleanup(&su);
    wsample_cleanup(&sv);
    return err;
}

fl_err fl_divergence_wasserstein_normalized(const double *ref, size_t n_ref, const double *cur,
                                            size_t n_cur, double min_std,
                                            struct fl_wasserstein_result *out)
{
    if (!out)
        return FL_EINVAL;
    out->distance = out->ref_std = out->normalized = NAN;
    if (!(min_std >= 0))
        return FL_EINVAL;
    double d, sd;
    fl_err err = fl_divergence_wasserstein(ref, n_ref, cur, n_cur, NULL, NULL, &d);
    if (err != FL_OK)
        return err;
    if ((err = fl_binning_std(ref, n_ref, &sd)) != FL_OK)
        return err;
    double div = fmax(sd, min_std);
    out->distance = d;
    out->ref_std = sd;
    out->normalized = div > 0 ? d / div : (d == 0 ? 0.0 : INFINITY);
    return FL_OK;
}
