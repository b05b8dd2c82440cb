/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compare.c: which operation or call edge explains the change of end-to-end latency between two
 * windows at a percentile, and which did not change (docs/TRACES.md, "Comparing two windows").
 *
 * Attribution follows CRISP's idea of aggregating exclusive critical-path time: in each window
 * take the traces whose duration ranks near the percentile (the band), and average per key the
 * critical-path time those traces spent in it (0 where a trace has none). The per-key means of a
 * window add up to its mean band duration, so the per-key deltas add up to the change of that
 * mean, and the shares to 1. Each key is also tested on its own latency (span durations, or the
 * network time of an edge) with the two-sample Kolmogorov-Smirnov test of src/stats/ks.c, so
 * that "this did not change" is said with a statistic, not only with a small delta. The same
 * samples are binned into a histogram per key on log-spaced edges shared by both windows, so a
 * reader can see how the distribution moved, not only that it did.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/ks.h"
#include "trace/window_int.h"

/* The band: ranks within +-2.5 percentage points of the percentile, narrowed near 0 and 100 so
 * that it stays centred (half-width min(2.5, p/2, (100-p)/2)), and at least 20 traces. */
#define BAND_HALF_PP 2.5
#define BAND_MIN_TRACES 20
/* changed: the key explains at least a tenth of the change, and its own latency moved
 * (KS p < 0.01 with at least 20 samples each side) or it was called 10% more or less often. */
#define CHANGED_MIN_SHARE 0.10
#define KS_ALPHA 0.01
#define KS_MIN_SAMPLES 20
#define COUNT_MIN_CHANGE 0.10

#define NS_PER_MS 1e6
/* Histogram: at most this many buckets, ceil(sqrt(samples)) when fewer samples. */
#define HIST_MAX_BUCKETS 24

/* One window as the comparison sees it. */
struct side {
    const struct fl_trace_window *w;
    double pct_ms;       /* end-to-end latency at the percentile */
    size_t r0, r1;       /* band: ranks [r0, r1) of the traces sorted by duration */
    double band_mean_ms; /* mean duration of the band's traces */
    double timeout_share, retry_share, error_rate;
    int64_t *key_cp; /* per key of w: critical-path ns summed over the band's traces */
};

struct rank {
    int64_t dur;
    size_t idx;
};

static int rank_cmp(const void *pa, const void *pb)
{
    const struct rank *a = pa, *b = pb;
    if (a->dur != b->dur)
        return a->dur < b->dur ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The band [*r0, *r1) of n sorted traces around percentile p. */
static void band_of(size_t n, double p, size_t *r0, size_t *r1)
{
    double h = BAND_HALF_PP;
    if (p / 2 < h)
        h = p / 2;
    if ((100 - p) / 2 < h)
        h = (100 - p) / 2;
    double last = (double)(n - 1);
    double lo = ceil((p - h) / 100.0 * last), hi = floor((p + h) / 100.0 * last);
    *r0 = lo < 0 ? 0 : (size_t)lo;
    *r1 = hi < lo ? *r0 : (size_t)hi + 1;
    if (*r1 > n)
        *r1 = n;
    if (*r1 - *r0 >= BAND_MIN_TRACES || *r1 - *r0 >= n)
        return;
    size_t m = n < BAND_MIN_TRACES ? n : BAND_MIN_TRACES;
    double start = nearbyint(p / 100.0 * last - (double)(m - 1) / 2.0);
    size_t s = start < 0 ? 0 : (size_t)start;
    if (s > n - m)
        s = n - m;
    *r0 = s;
    *r1 = s + m;
}

/* Sort w's traces by duration, find the percentile and the band, and sum each key's
 * critical-path time over the band. */
static fl_err side_init(struct side *sd, const struct fl_trace_window *w, double p)
{
    size_t n = w->n_traces;
    struct rank *r = fl_malloc(n * sizeof *r);
    double *dur = fl_malloc(n * sizeof *dur);
    sd->w = w;
    sd->key_cp = fl_calloc(w->n_keys ? w->n_keys : 1, sizeof *sd->key_cp);
    fl_err e = FL_ENOMEM;
    if (!r || !dur || !sd->key_cp)
        goto out;
    size_t n_err = 0;
    for (size_t i = 0; i < n; i++) {
        r[i] = (struct rank){w->traces[i].duration_ns, i};
        n_err += w->traces[i].error;
    }
    qsort(r, n, sizeof *r, rank_cmp);
    for (size_t i = 0; i < n; i++)
        dur[i] = (double)r[i].dur / NS_PER_MS;
    sd->pct_ms = fl_trace__pct_sorted(dur, n, p);
    sd->error_rate = (double)n_err / (double)n;
    band_of(n, p, &sd->r0, &sd->r1);
    int64_t sum = 0;
    double to = 0, re = 0;
    for (size_t k = sd->r0; k < sd->r1; k++) {
        const struct fl_trace__wtrace *t = &w->traces[r[k].idx];
        sum += t->duration_ns;
        if (t->duration_ns > 0) {
            to += (double)t->timeout_cp_ns / (double)t->duration_ns;
            re += (double)t->retried_cp_ns / (double)t->duration_ns;
        }
        for (size_t j = t->cp_first; j < t->cp_first + t->n_cp; j++)
            sd->key_cp[w->cp_key[j]] += w->cp_ns[j];
    }
    double nb = (double)(sd->r1 - sd->r0);
    sd->band_mean_ms = (double)sum / nb / NS_PER_MS;
    sd->timeout_share = to / nb;
    sd->retry_share = re / nb;
    e = FL_OK;
out:
    fl_free(r);
    fl_free(dur);
    return e;
}

/* The key of w with this packed id if it holds data, else NULL. */
static const struct fl_trace__key *key_in(const struct fl_trace_window *w, uint64_t packed,
                                          uint32_t *idx)
{
    uint32_t k = fl_trace__window_find(w, packed);
    *idx = k;
    return k != FL_TRACE_NONE && w->keys[k].n > 0 ? &w->keys[k] : NULL;
}

/* Own-latency samples of a key: span durations of an operation; network times of an edge when
 * both windows have traced calls on it, else call durations. */
static const struct fl_trace__dvec *own_of(const struct fl_trace__key *k, bool use_net)
{
    return use_net ? &k->net : &k->own;
}

/* Smallest, smallest positive (+inf when none) and largest of v[0..n). */
static void hist_range(const double *v, size_t n, double *mn, double *pos, double *mx)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] < *mn)
            *mn = v[i];
        if (v[i] > 0 && v[i] < *pos)
            *pos = v[i];
        if (v[i] > *mx)
            *mx = v[i];
    }
}

/* Bucket counts of v[0..n) over edges[0..k]: the number of inner edges edges[1..k-1] at or below
 * x is x's bucket, so values below edges[0] land in 0 and values at edges[k] in k - 1. */
static void hist_count(const double *v, size_t n, const double *edges, size_t k, uint64_t *cnt)
{
    for (size_t i = 0; i < n; i++) {
        size_t lo = 1, hi = k; /* first inner edge above v[i] is in [lo, hi] */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (edges[mid] <= v[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        cnt[lo - 1]++;
    }
}

/* Bucket count for n samples: ceil(sqrt(n)) capped at HIST_MAX_BUCKETS. */
static size_t hist_buckets(size_t n)
{
    size_t k = 1;
    while (k < HIST_MAX_BUCKETS && k * k < n)
        k++;
    return k;
}

fl_err fl_trace__cmp_hist(const double *xb, size_t nb, const double *xi, size_t ni,
                          struct fl_arena *a, struct fl_trace_cmp_row *row)
{
    row->hist_edges_ms = NULL;
    row->hist_base = row->hist_inc = NULL;
    row->n_hist = 0;
    if (nb + ni == 0)
        return FL_OK;
    double mn = INFINITY, pos = INFINITY, mx = -INFINITY;
    hist_range(xb, nb, &mn, &pos, &mx);
    hist_range(xi, ni, &mn, &pos, &mx);
    size_t k = isinf(pos) || pos >= mx ? 1 : hist_buckets(nb + ni);
    double *edges = fl_arena_alloc(a, (k + 1) * sizeof *edges);
    uint64_t *cb = fl_arena_calloc(a, k, sizeof *cb);
    uint64_t *ci = fl_arena_calloc(a, k, sizeof *ci);
    if (!edges || !cb || !ci)
        return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    if (k > 1) {
        double l0 = log(pos), step = (log(mx) - l0) / (double)k;
        edges[0] = pos;
        for (size_t j = 1; j < k; j++)
            edges[j] = exp(l0 + step * (double)j);
        edges[k] = mx;
        for (size_t j = 0; j < k && k > 1; j++)
            if (!(edges[j] < edges[j + 1]))
                k = 1; /* largest / smallest positive within rounding of 1 */
    }
    if (k == 1) { /* one bucket over [smallest, largest] */
        edges[0] = mn;
        edges[1] = mx;
    }
    hist_count(xb, nb, edges, k, cb);
    hist_count(xi, ni, edges, k, ci);
    row->hist_edges_ms = edges;
    row->hist_base = cb;
    row->hist_inc = ci;
    row->n_hist = k;
    return FL_OK;
}

static fl_err row_stats(struct fl_trace_cmp_row *row, const struct fl_trace__key *kb,
                        const struct fl_trace__key *ki, double p, struct fl_arena *a)
{
    static const struct fl_trace__dvec none = {NULL, 0, 0};
    bool use_net = row->kind == FL_TRACE_KEY_EDGE && kb && ki && kb->net.n && ki->net.n;
    const struct fl_trace__dvec *ob = kb ? own_of(kb, use_net) : &none;
    const struct fl_trace__dvec *oi = ki ? own_of(ki, use_net) : &none;
    fl_err e;
    row->n_base = ob->n;
    row->n_inc = oi->n;
    if ((e = fl_trace__pcts(ob->v, ob->n, &p, 1, &row->base_own_ms)) != FL_OK ||
        (e = fl_trace__pcts(oi->v, oi->n, &p, 1, &row->inc_own_ms)) != FL_OK)
        return e;
    row->ks_d = row->ks_p = NAN;
    if (ob->n >= KS_MIN_SAMPLES && oi->n >= KS_MIN_SAMPLES) {
        struct fl_ks_result ks;
        if ((e = fl_ks_two_sample(ob->v, ob->n, oi->v, oi->n, FL_KS_AUTO, &ks)) != FL_OK)
            return e;
        row->ks_d = ks.d;
        row->ks_p = ks.pvalue;
    }
    row->base_error_rate = kb ? (double)kb->n_errors / (double)kb->n : NAN;
    row->inc_error_rate = ki ? (double)ki->n_errors / (double)ki->n : NAN;
    return fl_trace__cmp_hist(ob->v, ob->n, oi->v, oi->n, a, row);
}

/* The rule of `changed` (see the top of the file and docs/TRACES.md). */
static bool row_changed(const struct fl_trace_cmp_row *row, const struct fl_trace__key *kb,
                        const struct fl_trace__key *ki, const struct side *b, const struct side *i)
{
    if (!isfinite(row->share) || fabs(row->share) < CHANGED_MIN_SHARE)
        return false;
    if (row->n_base < KS_MIN_SAMPLES || row->n_inc < KS_MIN_SAMPLES || isnan(row->ks_p))
        return true; /* too few samples to test: the share decides */
    if (row->ks_p < KS_ALPHA)
        return true;
    double cb = kb ? (double)kb->n / (double)b->w->n_traces : 0;
    double ci = ki ? (double)ki->n / (double)i->w->n_traces : 0;
    double hi = cb > ci ? cb : ci;
    return hi > 0 && fabs(ci - cb) >= COUNT_MIN_CHANGE * hi;
}

static fl_err fill_row(struct fl_trace_cmp_row *row, const struct fl_trace__key *key,
                       const struct side *b, const struct side *i, double p, struct fl_arena *a)
{
    uint32_t xb, xi;
    const struct fl_trace__key *kb = key_in(b->w, key->packed, &xb);
    const struct fl_trace__key *ki = key_in(i->w, key->packed, &xi);
    double nbb = (double)(b->r1 - b->r0), nib = (double)(i->r1 - i->r0);
    row->kind = key->kind;
    row->a = key->a;
    row->b = key->b;
    row->base_ms = kb ? (double)b->key_cp[xb] / nbb / NS_PER_MS : 0;
    row->inc_ms = ki ? (double)i->key_cp[xi] / nib / NS_PER_MS : 0;
    row->delta_ms = row->inc_ms - row->base_ms;
    double change = i->band_mean_ms - b->band_mean_ms;
    row->share = change != 0 ? row->delta_ms / change : NAN;
    fl_err e = row_stats(row, kb, ki, p, a);
    if (e == FL_OK)
        row->changed = row_changed(row, kb, ki, b, i);
    return e;
}

static int row_cmp(const void *pa, const void *pb)
{
    const struct fl_trace_cmp_row *a = pa, *b = pb;
    if (a->delta_ms != b->delta_ms)
        return a->delta_ms > b->delta_ms ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

static fl_err check_args(const struct fl_trace_window *base, const struct fl_trace_window *inc,
                         double percentile, struct fl_arena *a, struct fl_trace_cmp *out,
                         struct fl_diag *d)
{
    if (!base || !inc || !a || !out)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "compare: missing window, arena or result");
    if (!(percentile > 0 && percentile < 100))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "percentile must be in (0, 100), got %g",
                           percentile);
    if (base->y != inc->y)
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "compare: the two windows use different symbol tables");
    if (base->n_traces == 0 || inc->n_traces == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "%s window has no traces to compare",
                           base->n_traces == 0 ? "baseline" : "incident");
    return FL_OK;
}

fl_err fl_trace_compare(const struct fl_trace_window *base, const struct fl_trace_window *inc,
                        double percentile, struct fl_arena *a, struct fl_trace_cmp *out,
                        struct fl_diag *d)
{
    fl_err e = check_args(base, inc, percentile, a, out, d);
    if (e != FL_OK)
        return e;
    struct side b = {0}, i = {0};
    memset(out, 0, sizeof *out);
    if ((e = side_init(&b, base, percentile)) != FL_OK ||
        (e = side_init(&i, inc, percentile)) != FL_OK)
        goto out;
    size_t n_rows = 0;
    for (size_t k = 0; k < base->n_keys; k++)
        n_rows += base->keys[k].n > 0;
    for (size_t k = 0; k < inc->n_keys; k++) {
        uint32_t x;
        n_rows += inc->keys[k].n > 0 && !key_in(base, inc->keys[k].packed, &x);
    }
    struct fl_trace_cmp_row *rows = n_rows ? fl_arena_calloc(a, n_rows, sizeof *rows) : NULL;
    if (n_rows && !rows) {
        e = a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
        goto out;
    }
    size_t r = 0;
    for (size_t k = 0; k < base->n_keys && e == FL_OK; k++)
        if (base->keys[k].n > 0)
            e = fill_row(&rows[r++], &base->keys[k], &b, &i, percentile, a);
    for (size_t k = 0; k < inc->n_keys && e == FL_OK; k++) {
        uint32_t x;
        if (inc->keys[k].n > 0 && !key_in(base, inc->keys[k].packed, &x))
            e = fill_row(&rows[r++], &inc->keys[k], &b, &i, percentile, a);
    }
    if (e != FL_OK)
        goto out;
    qsort(rows, n_rows, sizeof *rows, row_cmp);
    *out = (struct fl_trace_cmp){
        .percentile = percentile,
        .n_base = base->n_traces,
        .n_inc = inc->n_traces,
        .base_ms = b.pct_ms,
        .inc_ms = i.pct_ms,
        .n_base_band = b.r1 - b.r0,
        .n_inc_band = i.r1 - i.r0,
        .base_error_rate = b.error_rate,
        .inc_error_rate = i.error_rate,
        .base_timeout_share = b.timeout_share,
        .inc_timeout_share = i.timeout_share,
        .base_retry_share = b.retry_share,
        .inc_retry_share = i.retry_share,
        .rows = rows,
        .n_rows = n_rows,
    };
out:
    if (e != FL_OK)
        fl_diag_set(d, e, 0, 0, "compare: %s", fl_err_str(e));
    fl_free(b.key_cp);
    fl_free(i.key_cp);
    return e;
}
