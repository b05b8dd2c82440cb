/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drift_stats.c: each drift method computed from two column profiles (docs/DRIFT.md, "How each
 * statistic is computed from a profile").
 *
 * Numerical features. A KLL sketch that has not compacted (n <= k) still holds every value, so
 * while both sides are in that state the statistics are the exact ones on the raw values, by the
 * src/stats functions that match SciPy: ks (ks_2samp, method auto), mwu (mannwhitneyu, two-sided,
 * continuity), wasserstein (wasserstein_distance / max(np.std(ref), 0.001)), and quantile bins
 * of the reference at numpy.quantile's linear rule, counted with numpy.histogram's rule (outer
 * edges opened to -inf / +inf so the current sample's tails are counted). Beyond that the sketches
 * are read as weighted samples (each retained item with weight 2^level) and the same formulas
 * run on them; the error is bounded by the KLL rank error eps(k) of each side (kll.h).
 *
 * Categorical features (and numerical ones with at most five distinct values in reference +
 * current, as Evidently): one bin per category over the union of both sides, counts from the
 * frequent-items sketches, exact while neither sketch dropped a category; otherwise the held
 * counts plus one "(other)" bin for the rest of each side.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "monitor/drift_int.h"
#include "stats/binning.h"
#include "stats/chi2.h"
#include "stats/divergence.h"
#include "stats/kolmogn.h"
#include "stats/ks.h"
#include "stats/mwu.h"
#include "stats/special.h"
#include "stats/ztest.h"

/* ---- kinds and counts ---------------------------------------------------------------------- */

enum fl_drift__kind fl_drift__kind(const struct fl_profile *p)
{
    if (!p)
        return FL_DRIFT__EMPTY;
    const struct fl_profile_counts *c = fl_profile_counts(p);
    uint64_t nums = fl_profile_moments(p)->count, keys = c->string + c->boolean;
    if (nums > 0 && nums >= keys)
        return FL_DRIFT__NUMERICAL;
    if (keys > 0)
        return FL_DRIFT__CATEGORICAL;
    return FL_DRIFT__EMPTY;
}

const char *fl_drift__kind_name(enum fl_drift__kind k)
{
    return k == FL_DRIFT__NUMERICAL     ? "numerical"
           : k == FL_DRIFT__CATEGORICAL ? "categorical"
                                        : "empty";
}

uint64_t fl_drift__n_values(const struct fl_profile *p, enum fl_drift__kind k)
{
    if (!p)
        return 0;
    const struct fl_profile_counts *c = fl_profile_counts(p);
    return k == FL_DRIFT__NUMERICAL ? fl_profile_moments(p)->count : c->string + c->boolean;
}

static int cmp_key(const char *a, size_t na, const char *b, size_t nb)
{
    int r = memcmp(a, b, na < nb ? na : nb);
    return r ? r : (na < nb ? -1 : na > nb);
}

static int cmp_item(const void *x, const void *y)
{
    const struct fl_freq_item *a = x, *b = y;
    return cmp_key(a->key, a->len, b->key, b->len);
}

size_t fl_drift__n_unique(const struct fl_profile *r, const struct fl_profile *c,
                          enum fl_drift__kind k)
{
    if (k == FL_DRIFT__NUMERICAL) {
        const struct fl_profile_value *a, *b;
        size_t na, nb;
        if (!fl_profile_small_values(r, &a, &na) || !fl_profile_small_values(c, &b, &nb))
            return FL_DRIFT__MANY;
        size_t i = 0, j = 0, n = 0;
        while (i < na || j < nb) {
            if (j >= nb || (i < na && a[i].v < b[j].v))
                i++;
            else if (i >= na || b[j].v < a[i].v)
                j++;
            else
                i++, j++;
            n++;
        }
        return n;
    }
    const struct fl_freq *fr = fl_profile_freq(r), *fc = fl_profile_freq(c);
    if ((fr && fl_freq_max_error(fr)) || (fc && fl_freq_max_error(fc)))
        return FL_DRIFT__MANY;
    struct fl_freq_item *ia = NULL, *ib = NULL;
    size_t na = 0, nb = 0, n = FL_DRIFT__MANY;
    if ((fr && fl_freq_items(fr, &ia, &na)) || (fc && fl_freq_items(fc, &ib, &nb)))
        goto out; /* out of memory: "many" is the safe answer for the selector */
    if (na > 1)
        qsort(ia, na, sizeof *ia, cmp_item);
    if (nb > 1)
        qsort(ib, nb, sizeof *ib, cmp_item);
    size_t i = 0, j = 0;
    n = 0;
    while (i < na || j < nb) {
        int cm = j >= nb ? -1 : i >= na ? 1 : cmp_key(ia[i].key, ia[i].len, ib[j].key, ib[j].len);
        if (cm <= 0)
            i++;
        if (cm >= 0)
            j++;
        n++;
    }
out:
    fl_free(ia);
    fl_free(ib);
    return n;
}

/* ---- weighted samples from KLL sketches ---------------------------------------------------- */

struct pair {
    double v, w;
};

static int cmp_pair(const void *x, const void *y)
{
    const struct pair *a = x, *b = y;
    return (a->v > b->v) - (a->v < b->v);
}

fl_err fl_drift__kll_sample(const struct fl_kll *s, struct fl_drift__wsample *out)
{
    memset(out, 0, sizeof *out);
    size_t retained = fl_kll_retained(s);
    struct pair *pr = fl_reallocarray(NULL, retained ? retained : 1, sizeof *pr);
    double *v = fl_reallocarray(NULL, retained ? retained : 1, sizeof *v);
    double *w = fl_reallocarray(NULL, retained ? retained : 1, sizeof *w);
    fl_err e = FL_ENOMEM;
    if (!pr || !v || !w)
        goto out;
    if (fl_kll_items(s, v, w, retained) != retained) {
        e = FL_EINVAL;
        goto out;
    }
    for (size_t i = 0; i < retained; i++) {
        pr[i].v = v[i];
        pr[i].w = w[i];
    }
    qsort(pr, retained, sizeof *pr, cmp_pair);
    out->v = v;
    out->w = w;
    v = w = NULL;
    out->n = retained;
    out->total = 0;
    for (size_t i = 0; i < retained; i++) {
        out->v[i] = pr[i].v;
        out->w[i] = pr[i].w;
        out->total += pr[i].w;
    }
    out->exact = retained == fl_kll_n(s);
    e = FL_OK;
out:
    fl_free(pr);
    fl_free(v);
    fl_free(w);
    return e;
}

void fl_drift__wsample_cleanup(struct fl_drift__wsample *w)
{
    fl_free(w->v);
    fl_free(w->w);
    memset(w, 0, sizeof *w);
}

/* ---- Kolmogorov-Smirnov -------------------------------------------------------------------- */

static uint64_t gcd_u64(uint64_t x, uint64_t y)
{
    while (y) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return x;
}

fl_err fl_drift__ks_pvalue(double dstat, uint64_t n1, uint64_t n2, double *p)
{
    *p = NAN;
    if (n1 == 0 || n2 == 0 || isnan(dstat))
        return FL_EINVAL;
    if ((n1 > n2 ? n1 : n2) <= FL_KS_MAX_AUTO_N) {
        uint64_t g = gcd_u64(n1, n2);
        int64_t lcm = (int64_t)(n1 / g * n2);
        int64_t h = (int64_t)nearbyint(dstat * (double)lcm);
        double q = 1.0;
        if (h != 0) {
            fl_err e = fl_special_ks2_exact_sf((int64_t)n1, (int64_t)n2, (int64_t)g, h, &q);
            if (e)
                return e;
        }
        if (q >= 0 && q <= 1) {
            *p = q;
            return FL_OK;
        }
    }
    double fm = (double)n1, fn = (double)n2, en = nearbyint(fm * fn / (fm + fn));
    if (en < 1)
        return FL_OK; /* SciPy's NaN for n1 = n2 = 1 */
    if (en > 0x1p62)  /* hostile counts: keep the conversion defined (the p-value is 0 or 1) */
        en = 0x1p62;
    return fl_kolmogn_sf((int64_t)en, dstat, p);
}

/* sup |F_a - F_b| of two weighted samples, both CDFs right-continuous. */
static double ks_d(const struct fl_drift__wsample *a, const struct fl_drift__wsample *b)
{
    size_t i = 0, j = 0;
    double ca = 0, cb = 0, d = 0;
    while (i < a->n || j < b->n) {
        double v = (j >= b->n || (i < a->n && a->v[i] <= b->v[j])) ? a->v[i] : b->v[j];
        while (i < a->n && a->v[i] <= v)
            ca += a->w[i++];
        while (j < b->n && b->v[j] <= v)
            cb += b->w[j++];
        double diff = fabs(ca / a->total - cb / b->total);
        if (diff > d)
            d = diff;
    }
    return d;
}

/* The KLL single-sided rank error of a side, 0 when it is exact. */
static double rank_eps(const struct fl_profile *p, const struct fl_drift__wsample *w, int pmf)
{
    return w->exact ? 0 : fl_kll_rank_error(fl_profile_opts(p)->kll_k, pmf);
}

static fl_err ks(const struct fl_profile *r, const struct fl_profile *c,
                 const struct fl_drift__wsample *a, const struct fl_drift__wsample *b,
                 struct fl_drift__stat *out)
{
    out->name = "D";
    if (a->exact && b->exact) {
        struct fl_ks_result k;
        fl_err e = fl_ks_two_sample(a->v, a->n, b->v, b->n, FL_KS_AUTO, &k);
        if (e)
            return e;
        out->statistic = k.d;
        out->pvalue = k.pvalue;
        out->exact = true;
        return FL_OK;
    }
    out->statistic = ks_d(a, b);
    double er = rank_eps(r, a, 0), ec = rank_eps(c, b, 0);
    out->error_bound = er + ec;
    snprintf(out->note, sizeof out->note,
             "D from the KLL sketches, |error| <= %.2g + %.2g; p-value of D minus that bound", er,
             ec);
    /* Conservative: the p-value of the smallest D the sketches allow, so that sketch error
     * never raises an alarm on its own (at 10^6 values the 5% critical D is 0.0019, below
     * the bound at k = 1024). */
    double dlo = out->statistic - out->error_bound;
    return fl_drift__ks_pvalue(dlo > 0 ? dlo : 0, out->n_ref, out->n_cur, &out->pvalue);
}

/* ---- Mann-Whitney U ------------------------------------------------------------------------ */

static fl_err mwu(const struct fl_profile *r, const struct fl_profile *c,
                  const struct fl_drift__wsample *a, const struct fl_drift__wsample *b,
                  struct fl_drift__stat *out)
{
    out->name = "U";
    if (a->exact && b->exact) {
        struct fl_mwu_result m;
        fl_err e = fl_mwu_test(a->v, a->n, b->v, b->n, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &m);
        if (e)
            return e;
        out->statistic = m.u;
        out->pvalue = m.pvalue;
        out->exact = true;
        return FL_OK;
    }
    /* U of the reference: for each value, its weight times the current weight below it plus
     * half the current weight tied with it; ties also feed SciPy's variance correction. */
    size_t i = 0, j = 0;
    double u = 0, cb = 0, ties = 0;
    while (i < a->n || j < b->n) {
        double v = (j >= b->n || (i < a->n && a->v[i] <= b->v[j])) ? a->v[i] : b->v[j];
        double wa = 0, wb = 0;
        while (i < a->n && a->v[i] == v)
            wa += a->w[i++];
        while (j < b->n && b->v[j] == v)
            wb += b->w[j++];
        u += wa * (cb + 0.5 * wb);
        cb += wb;
        double t = wa + wb;
        ties += t * t * t - t;
    }
    double n1 = a->total, n2 = b->total, n = n1 + n2;
    double mu = n1 * n2 / 2, s = sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))));
    double big = u > n1 * n2 - u ? u : n1 * n2 - u;
    out->error_bound = (rank_eps(r, a, 0) + rank_eps(c, b, 0)) * n1 * n2;
    /* Conservative, as for ks: the U closest to mu that the sketch error allows. */
    big -= out->error_bound;
    if (big < mu)
        big = mu;
    double z = (big - mu - 0.5) / s, p = 2 * fl_ztest_norm_sf(z);
    out->statistic = u;
    out->pvalue = p > 1 ? 1 : p;
    snprintf(out->note, sizeof out->note,
             "U from the KLL sketches' weighted ranks, normal approximation, p-value of U "
             "moved toward its mean by the bound");
    return FL_OK;
}

/* ---- Wasserstein --------------------------------------------------------------------------- */

static fl_err wasserstein(const struct fl_profile *r, const struct fl_profile *c,
                          const struct fl_drift__wsample *a, const struct fl_drift__wsample *b,
                          struct fl_drift__stat *out)
{
    out->name = "wasserstein_normed";
    fl_err e;
    if (a->exact && b->exact) {
        struct fl_wasserstein_result w;
        if ((e = fl_divergence_wasserstein_normalized(a->v, a->n, b->v, b->n,
                                                      FL_DIVERGENCE_EVIDENTLY_MIN_STD, &w)))
            return e;
        out->statistic = w.normalized;
        out->exact = true;
        return FL_OK;
    }
    double w1;
    if ((e = fl_divergence_wasserstein(a->v, a->n, b->v, b->n, a->w, b->w, &w1)))
        return e;
    double sd = fl_moments_stddev(fl_profile_moments(r), 0);
    double div = sd > FL_DIVERGENCE_EVIDENTLY_MIN_STD ? sd : FL_DIVERGENCE_EVIDENTLY_MIN_STD;
    double lo = fmin(a->v[0], b->v[0]), hi = fmax(a->v[a->n - 1], b->v[b->n - 1]);
    out->statistic = w1 / div;
    out->error_bound = (rank_eps(r, a, 0) + rank_eps(c, b, 0)) * (hi - lo) / div;
    snprintf(out->note, sizeof out->note,
             "W1 between the KLL sketches' weighted samples over the moments' std");
    return FL_OK;
}

/* ---- binned distributions ------------------------------------------------------------------ */

/* Counts of reference and current per bin or category. */
struct binned {
    double *ref, *cur;
    size_t k;
    bool exact;
    char note[120];
};

static void binned_free(struct binned *b)
{
    fl_free(b->ref);
    fl_free(b->cur);
    memset(b, 0, sizeof *b);
}

static fl_err binned_alloc(struct binned *b, size_t k)
{
    b->ref = fl_calloc(k ? k : 1, sizeof *b->ref);
    b->cur = fl_calloc(k ? k : 1, sizeof *b->cur);
    b->k = k;
    if (!b->ref || !b->cur) {
        binned_free(b);
        return FL_ENOMEM;
    }
    return FL_OK;
}

/* One bin per value of two small-value tables. */
static fl_err bins_values(const struct fl_profile *r, const struct fl_profile *c,
                          struct binned *out)
{
    const struct fl_profile_value *a, *b;
    size_t na, nb;
    (void)fl_profile_small_values(r, &a, &na);
    (void)fl_profile_small_values(c, &b, &nb);
    fl_err e = binned_alloc(out, na + nb);
    if (e)
        return e;
    size_t i = 0, j = 0, k = 0;
    while (i < na || j < nb) {
        if (j >= nb || (i < na && a[i].v < b[j].v)) {
            out->ref[k] = (double)a[i++].n;
        } else if (i >= na || b[j].v < a[i].v) {
            out->cur[k] = (double)b[j++].n;
        } else {
            out->ref[k] = (double)a[i++].n;
            out->cur[k] = (double)b[j++].n;
        }
        k++;
    }
    out->k = k;
    out->exact = true;
    return FL_OK;
}

/* Quantile bins of the raw reference (numpy rules), outer edges opened. */
static fl_err bins_exact(const struct fl_drift__wsample *a, const struct fl_drift__wsample *b,
                         size_t bins, struct binned *out)
{
    double *edges = fl_reallocarray(NULL, bins + 3, sizeof *edges);
    size_t *cnt = fl_reallocarray(NULL, bins + 2, sizeof *cnt);
    size_t ne = 0;
    fl_err e = FL_ENOMEM;
    if (!edges || !cnt)
        goto out;
    if ((e = fl_binning_edges(FL_BINNING_QUANTILE, bins, a->v, a->n, NULL, 0, edges, bins + 1,
                              &ne)))
        goto out;
    if (ne == 2) { /* a constant reference: below, at, above its value */
        double v = a->v[0];
        edges[1] = v;
        edges[2] = nextafter(v, INFINITY);
        ne = 4;
    }
    edges[0] = -INFINITY;
    edges[ne - 1] = INFINITY;
    if ((e = binned_alloc(out, ne - 1)))
        goto out;
    if ((e = fl_binning_count(edges, ne, a->v, a->n, cnt, NULL)))
        goto out;
    for (size_t i = 0; i + 1 < ne; i++)
        out->ref[i] = (double)cnt[i];
    if ((e = fl_binning_count(edges, ne, b->v, b->n, cnt, NULL)))
        goto out;
    for (size_t i = 0; i + 1 < ne; i++)
        out->cur[i] = (double)cnt[i];
    out->exact = true;
out:
    if (e)
        binned_free(out);
    fl_free(edges);
    fl_free(cnt);
    return e;
}

/* Quantile bins of the reference sketch, counted by both sketches. */
static fl_err bins_sketch(const struct fl_profile *r, const struct fl_profile *c, size_t bins,
                          struct binned *out)
{
    const struct fl_kll *kr = fl_profile_kll(r), *kc = fl_profile_kll(c);
    double *q = fl_reallocarray(NULL, bins + 1, sizeof *q);
    double *splits = fl_reallocarray(NULL, bins + 1, sizeof *splits);
    uint64_t *cnt = fl_reallocarray(NULL, bins + 2, sizeof *cnt);
    fl_err e = FL_ENOMEM;
    if (!q || !splits || !cnt)
        goto out;
    for (size_t i = 1; i < bins; i++)
        q[i - 1] = (double)i / (double)bins;
    if ((e = fl_kll_quantiles(kr, q, bins - 1, splits)))
        goto out;
    size_t ns = 0;
    for (size_t i = 0; i + 1 < bins; i++)
        if (ns == 0 || splits[i] > splits[ns - 1])
            splits[ns++] = splits[i];
    if (ns == 1 && fl_kll_min(kr) == fl_kll_max(kr)) { /* constant: below, at, above */
        splits[1] = splits[0];
        splits[0] = nextafter(splits[1], -INFINITY);
        ns = 2;
    }
    if (ns == 0) { /* bins == 1 */
        splits[0] = fl_kll_max(kr);
        ns = 1;
    }
    if ((e = binned_alloc(out, ns + 1)))
        goto out;
    if ((e = fl_kll_bin_counts(kr, splits, ns, cnt)))
        goto out;
    for (size_t i = 0; i <= ns; i++)
        out->ref[i] = (double)cnt[i];
    if ((e = fl_kll_bin_counts(kc, splits, ns, cnt)))
        goto out;
    for (size_t i = 0; i <= ns; i++)
        out->cur[i] = (double)cnt[i];
    snprintf(out->note, sizeof out->note,
             "bins from the KLL sketches: each bin's mass within %.2g (reference) and %.2g",
             fl_kll_rank_error(fl_kll_k(kr), 1), fl_kll_rank_error(fl_kll_k(kc), 1));
out:
    if (e)
        binned_free(out);
    fl_free(q);
    fl_free(splits);
    fl_free(cnt);
    return e;
}

/* Categories of two frequent-items sketches, plus an "(other)" bin when one dropped some. */
static fl_err bins_categories(const struct fl_profile *r, const struct fl_profile *c,
                              struct binned *out)
{
    const struct fl_freq *fr = fl_profile_freq(r), *fc = fl_profile_freq(c);
    struct fl_freq_item *ia = NULL, *ib = NULL;
    size_t na = 0, nb = 0;
    fl_err e = FL_OK;
    if ((fr && (e = fl_freq_items(fr, &ia, &na))) || (fc && (e = fl_freq_items(fc, &ib, &nb))))
        goto out;
    if (na > 1)
        qsort(ia, na, sizeof *ia, cmp_item);
    if (nb > 1)
        qsort(ib, nb, sizeof *ib, cmp_item);
    if ((e = binned_alloc(out, na + nb + 1)))
        goto out;
    size_t i = 0, j = 0, k = 0;
    double sa = 0, sb = 0;
    while (i < na || j < nb) {
        int cm = j >= nb ? -1 : i >= na ? 1 : cmp_key(ia[i].key, ia[i].len, ib[j].key, ib[j].len);
        if (cm <= 0)
            sa += out->ref[k] = (double)ia[i++].lower;
        if (cm >= 0)
            sb += out->cur[k] = (double)ib[j++].lower;
        k++;
    }
    double ra = (double)fl_drift__n_values(r, FL_DRIFT__CATEGORICAL) - sa;
    double rb = (double)fl_drift__n_values(c, FL_DRIFT__CATEGORICAL) - sb;
    if (ra > 0 || rb > 0) {
        out->ref[k] = ra;
        out->cur[k] = rb;
        k++;
    }
    out->k = k;
    out->exact = !(fr && fl_freq_max_error(fr)) && !(fc && fl_freq_max_error(fc));
    if (!out->exact)
        snprintf(out->note, sizeof out->note,
                 "frequent-items counts (undercount at most %llu / %llu) and an (other) bin",
                 (unsigned long long)(fr ? fl_freq_max_error(fr) : 0),
                 (unsigned long long)(fc ? fl_freq_max_error(fc) : 0));
out:
    fl_free(ia);
    fl_free(ib);
    return e;
}

/* Drop bins empty on both sides (chi-square's expected frequencies must be positive). */
static void drop_empty(struct binned *b)
{
    size_t k = 0;
    for (size_t i = 0; i < b->k; i++)
        if (b->ref[i] > 0 || b->cur[i] > 0) {
            b->ref[k] = b->ref[i];
            b->cur[k] = b->cur[i];
            k++;
        }
    b->k = k;
}

/* The bins a binned method uses for kind k. */
static fl_err make_bins(enum fl_drift__kind k, const struct fl_profile *r,
                        const struct fl_profile *c, size_t bins, struct fl_drift__wsample *a,
                        struct fl_drift__wsample *b, struct binned *out)
{
    if (k == FL_DRIFT__CATEGORICAL)
        return bins_categories(r, c, out);
    if (fl_drift__n_unique(r, c, k) <= FL_DRIFT__MAX_CHI2_VALUES)
        return bins_values(r, c, out);
    if (a->exact && b->exact)
        return bins_exact(a, b, bins, out);
    return bins_sketch(r, c, bins, out);
}

/* A count held as a double back to an integer, kept below 2^62 so that two of them add up
 * without overflow (only hostile profiles get near). */
static uint64_t count_u64(double v)
{
    return v < 0x1p62 ? (uint64_t)v : (uint64_t)1 << 62;
}

static fl_err binned_stat(enum fl_drift_method m, struct binned *b,
                          const struct fl_drift__params *prm, struct fl_drift__stat *out,
                          struct fl_diag *d, const char *feature)
{
    fl_err e = FL_OK;
    out->bins = b->k;
    switch (m) {
    case FL_DRIFT_CHI2: {
        drop_empty(b);
        out->name = "chi2";
        out->bins = b->k;
        if (b->k < 2) {
            out->statistic = 0;
            out->pvalue = 1;
            return FL_OK;
        }
        double *t = fl_reallocarray(NULL, 2 * b->k, sizeof *t);
        if (!t)
            return FL_ENOMEM;
        memcpy(t, b->ref, b->k * sizeof *t);
        memcpy(t + b->k, b->cur, b->k * sizeof *t);
        struct fl_chi2_result c;
        e = fl_chi2_contingency(t, 2, b->k, 1, &c);
        fl_free(t);
        out->statistic = c.statistic;
        out->pvalue = c.pvalue;
        return e;
    }
    case FL_DRIFT_ZTEST: {
        drop_empty(b);
        out->name = "z";
        out->bins = b->k;
        if (b->k > FL_DRIFT__MAX_BINARY)
            return fl_diag_set(d, FL_EINVAL, 0, 0,
                               "feature \"%s\": method ztest needs at most "
                               "two distinct values in reference and current, found %zu",
                               feature, b->k);
        if (b->k < 2) {
            out->statistic = 0;
            out->pvalue = 1;
            return FL_OK;
        }
        struct fl_ztest_result z;
        uint64_t n1 = count_u64(b->ref[0] + b->ref[1]), n2 = count_u64(b->cur[0] + b->cur[1]);
        if ((e = fl_ztest_two_proportions(count_u64(b->ref[1]), n1, count_u64(b->cur[1]), n2, &z)))
            return e;
        out->statistic = z.z;
        out->pvalue = z.p_two_sided;
        return FL_OK;
    }
    case FL_DRIFT_PSI:
        out->name = "psi";
        return fl_divergence_psi(b->ref, b->cur, b->k, &out->statistic);
    case FL_DRIFT_KL:
        out->name = "kl";
        if ((e = fl_divergence_fill_empty(b->ref, b->k, b->ref)) ||
            (e = fl_divergence_fill_empty(b->cur, b->k, b->cur)))
            return e;
        return fl_divergence_kl(b->ref, b->cur, b->k, FL_DIVERGENCE_NATS, &out->statistic);
    case FL_DRIFT_JS: {
        struct fl_js_result js;
        out->name = prm->js_base == FL_DIVERGENCE_NATS ? "js_distance_base_e"
                    : prm->js_base == 2.0              ? "js_distance_base_2"
                                                       : "js_distance";
        e = fl_divergence_js(b->ref, b->cur, b->k, prm->js_base, &js);
        out->statistic = js.distance;
        return e;
    }
    case FL_DRIFT_HELLINGER:
        out->name = "hellinger";
        return fl_divergence_hellinger(b->ref, b->cur, b->k, &out->statistic);
    default:
        return FL_EINVAL;
    }
}

/* ---- dispatch ------------------------------------------------------------------------------ */

fl_err fl_drift__compute(enum fl_drift_method m, enum fl_drift__kind k, const struct fl_profile *r,
                         const struct fl_profile *c, const struct fl_drift__params *prm,
                         struct fl_drift__stat *out, struct fl_diag *d)
{
    const char *feature = fl_profile_key(r)->feature;
    memset(out, 0, sizeof *out);
    out->statistic = NAN;
    out->pvalue = NAN;
    out->error_bound = NAN;
    out->n_ref = fl_drift__n_values(r, k);
    out->n_cur = fl_drift__n_values(c, k);
    bool continuous = m == FL_DRIFT_KS || m == FL_DRIFT_MWU || m == FL_DRIFT_WASSERSTEIN;
    if (continuous && k != FL_DRIFT__NUMERICAL)
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "feature \"%s\": method %s needs a numerical feature, this one is %s",
                           feature, fl_drift_method_name(m), fl_drift__kind_name(k));
    if (out->n_ref == 0 || out->n_cur == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "feature \"%s\": no values to compare", feature);
    struct fl_drift__wsample a = {0}, b = {0};
    struct binned bn = {0};
    fl_err e = FL_OK;
    if (k == FL_DRIFT__NUMERICAL && ((e = fl_drift__kll_sample(fl_profile_kll(r), &a)) ||
                                     (e = fl_drift__kll_sample(fl_profile_kll(c), &b))))
        goto out;
    if (m == FL_DRIFT_KS) {
        e = ks(r, c, &a, &b, out);
    } else if (m == FL_DRIFT_MWU) {
        e = mwu(r, c, &a, &b, out);
    } else if (m == FL_DRIFT_WASSERSTEIN) {
        e = wasserstein(r, c, &a, &b, out);
    } else {
        if ((e = make_bins(k, r, c, prm->bins, &a, &b, &bn)))
            goto out;
        out->exact = bn.exact;
        snprintf(out->note, sizeof out->note, "%s", bn.note);
        e = binned_stat(m, &bn, prm, out, d, feature);
    }
out:
    if (e == FL_EINVAL && d && d->code == FL_OK)
        fl_diag_set(d, e, 0, 0, "feature \"%s\": cannot compute %s", feature,
                    fl_drift_method_name(m));
    fl_drift__wsample_cleanup(&a);
    fl_drift__wsample_cleanup(&b);
    binned_free(&bn);
    return e;
}

/* ---- new categories ------------------------------------------------------------------------ */

fl_err fl_drift__new_categories(const struct fl_profile *r, const struct fl_profile *c,
                                struct fl_drift__new_cats *out)
{
    memset(out, 0, sizeof *out);
    const struct fl_freq *fr = fl_profile_freq(r), *fc = fl_profile_freq(c);
    out->known = !(fr && fl_freq_max_error(fr));
    uint64_t nc = fl_drift__n_values(c, FL_DRIFT__CATEGORICAL);
    if (!out->known || !fc || nc == 0)
        return FL_OK;
    struct fl_freq_item *it = NULL;
    size_t n = 0;
    fl_err e = fl_freq_items(fc, &it, &n);
    if (e)
        return e;
    uint64_t sum = 0;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) { /* by decreasing count */
        uint64_t lo = 0, hi = 0;
        if (fr)
            fl_freq_estimate(fr, it[i].key, it[i].len, &lo, &hi);
        if (hi > 0 || it[i].lower == 0)
            continue;
        sum += it[i].lower;
        out->n++;
        if (out->n <= 5 && w < sizeof out->detail - 40) {
            int len = (int)(it[i].len > 24 ? 24 : it[i].len);
            int k =
                snprintf(out->detail + w, sizeof out->detail - w, "%s%.*s (%.2g%%)", w ? ", " : "",
                         len, it[i].key, 100.0 * (double)it[i].lower / (double)nc);
            if (k > 0)
                w += (size_t)k < sizeof out->detail - w ? (size_t)k : sizeof out->detail - w - 1;
        }
    }
    if (out->n > 5 && w < sizeof out->detail - 16)
        snprintf(out->detail + w, sizeof out->detail - w, ", +%zu more", out->n - 5);
    out->share = (double)sum / (double)nc;
    fl_free(it);
    return FL_OK;
}
