/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inv_symptom.c: the verify_symptom step of an investigation (docs/rca.md "Investigations").
 * Reads the symptom from the store (a selector's series, a KPI's numerator and denominator
 * separately, or a percentile of a service's SERVER spans per step), finds the onset by a change
 * point when none was given, checks the measurement itself (samples per window, scrape gaps,
 * up == 0, a ratio's parts moving apart, label cardinality) and whether the symptom left its
 * normal range at all (the robust deviation of rank.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map.h"
#include "ingest/selector.h"
#include "rca/inv_int.h"
#include "stats/changepoint.h"
#include "stats/mwu.h"
#include "stats/special.h"

/* One measured part of the symptom on a grid of buckets [start + k step, start + (k+1) step). */
struct part {
    const char *what; /* "numerator", "denominator", "series", "spans" */
    const char *sel;
    struct fl_inv__sset ss;
    int64_t start_ms, step_ms;
    int64_t sample_ms; /* the series' own sampling interval (gaps are measured in it) */
    size_t nb;
    double *sum;      /* per bucket: sum over series of their last sample; or the percentile */
    size_t *cnt;      /* per bucket: series (or spans) contributing */
    size_t n_base, n_inc;     /* samples in the baseline / incident windows */
    size_t ser_base, ser_inc; /* series with samples in each window */
    size_t gaps_base, gaps_inc;
    double longest_gap_inc_s;
    double *dur_base, *dur_inc; /* "spans": the durations in each window, sorted */
    size_t n_remote;             /* series read from remote sources (none in the store) */
    const char *remote_problems; /* remote sources that failed, NULL when none */
};

static void part_free(struct part *p)
{
    fl_inv__sset_free(&p->ss);
    fl_free(p->sum);
    fl_free(p->cnt);
    fl_free(p->dur_base);
    fl_free(p->dur_inc);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static int cmp_dbl(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* The usual sampling interval: the median difference of the first series' times, else 15 s. */
static int64_t sample_step(const struct fl_inv__sset *ss)
{
    int64_t diffs[512];
    size_t n = 0;
    for (size_t i = 0; i < ss->n && n < 512; i++)
        for (size_t j = 1; j < ss->s[i].n && n < 512; j++)
            if (ss->s[i].ts[j] > ss->s[i].ts[j - 1])
                diffs[n++] = ss->s[i].ts[j] - ss->s[i].ts[j - 1];
    if (n == 0)
        return 15000;
    qsort(diffs, n, sizeof diffs[0], cmp_i64);
    return diffs[n / 2] > 0 ? diffs[n / 2] : 15000;
}

static fl_err part_grid(struct part *p, int64_t start, int64_t end, int64_t step)
{
    p->start_ms = start;
    p->step_ms = step;
    p->nb = (size_t)((end - start + step - 1) / step);
    if (p->nb == 0 || p->nb > 10000000)
        return FL_ELIMIT;
    p->sum = fl_calloc(p->nb, sizeof *p->sum);
    p->cnt = fl_calloc(p->nb, sizeof *p->cnt);
    return p->sum && p->cnt ? FL_OK : FL_ENOMEM;
}

/* The bucket width for a range: the sampling interval, or a multiple of it when the range holds
 * more than FL_INV_SYMPTOM_BUCKETS intervals (days of minute samples: an hourly-ish grid, whose
 * bucket means are far less noisy than single samples of a ratio). */
static int64_t symptom_step(int64_t sample, int64_t start, int64_t end)
{
    int64_t w = (end - start) / FL_INV_SYMPTOM_BUCKETS;
    if (sample <= 0)
        sample = 15000;
    return w > sample ? (w + sample - 1) / sample * sample : sample;
}

/* Bucket the series of p: each series contributes the mean of its samples in each bucket. */
static void part_bucket(struct part *p, const struct fl_investigation *inv)
{
    for (size_t i = 0; i < p->ss.n; i++) {
        const struct fl_inv__ser *s = &p->ss.s[i];
        size_t prev = SIZE_MAX;
        double acc = 0;
        size_t acc_n = 0;
        bool in_b = false, in_i = false;
        for (size_t j = 0; j < s->n; j++) {
            int64_t t = s->ts[j];
            bool b = t >= inv->baseline_start_ms && t < inv->baseline_end_ms;
            bool x = t >= inv->incident_start_ms && t < inv->incident_end_ms;
            p->n_base += b;
            p->n_inc += x;
            in_b |= b;
            in_i |= x;
            if (j > 0 && (double)(t - s->ts[j - 1]) > 2.5 * (double)p->sample_ms) {
                p->gaps_base += b;
                p->gaps_inc += x;
                double g = (double)(t - s->ts[j - 1]) / 1000.0;
                if (x && g > p->longest_gap_inc_s)
                    p->longest_gap_inc_s = g;
            }
            if (t < p->start_ms || !isfinite(s->v[j]))
                continue;
            size_t k = (size_t)((t - p->start_ms) / p->step_ms);
            if (k >= p->nb)
                continue;
            if (k != prev && acc_n) { /* flush the previous bucket's mean */
                p->sum[prev] += acc / (double)acc_n;
                p->cnt[prev]++;
                acc = 0;
                acc_n = 0;
            }
            acc += s->v[j];
            acc_n++;
            prev = k;
        }
        if (acc_n) {
            p->sum[prev] += acc / (double)acc_n;
            p->cnt[prev]++;
        }
        p->ser_base += in_b;
        p->ser_inc += in_i;
        /* A series that stopped reporting before the incident's end has a gap up to it. */
        if (s->n > 0 && in_b && !in_i)
            p->gaps_inc++;
    }
}

static fl_err part_read(struct fl_inv__ctx *c, struct part *p, const char *what, const char *sel,
                        int64_t start, int64_t end, int64_t step, struct fl_diag *d)
{
    struct fl_matcher *ms = NULL;
    size_t n_ms = 0;
    p->what = what;
    p->sel = sel;
    fl_inv__sset_init(&p->ss, FL_INV_MAX_SERIES, true);
    fl_err e = fl_selector_parse(sel, strlen(sel), &ms, &n_ms, d);
    if (e != FL_OK)
        return e;
    e = fl_inv__sset_select(c->s, ms, n_ms, start, end - 1, &p->ss, d);
    fl_selector_free(ms, n_ms);
    /* Nothing stored: the series may live in a Prometheus that faultline reads (remote_sources). */
    if (e == FL_OK && p->ss.n == 0)
        e = fl_inv__sset_remote(c, sel, start, end - 1, &p->ss, &p->n_remote,
                                &p->remote_problems);
    if (e != FL_OK)
        return e;
    p->sample_ms = sample_step(&p->ss);
    if ((e = part_grid(p, start, end, step ? step : symptom_step(p->sample_ms, start, end))) !=
        FL_OK)
        return e;
    part_bucket(p, c->inv);
    return FL_OK;
}

/* ---- latency from spans ---- */

struct span_pts {
    const char *service, *operation;
    int64_t *start_ms;
    double *dur_ms;
    size_t n, cap;
    fl_err err;
};

static int span_cb(const struct fl_span *sp, void *ud)
{
    struct span_pts *x = ud;
    if (sp->kind != FL_SPAN_SERVER || strcmp(sp->service, x->service) != 0)
        return 0;
    if (x->operation && strcmp(sp->name, x->operation) != 0)
        return 0;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 1024;
        if (cap > 50000000) {
            x->err = FL_ELIMIT;
            return 1;
        }
        int64_t *t = fl_reallocarray(x->start_ms, cap, sizeof *t);
        if (t)
            x->start_ms = t;
        double *v = fl_reallocarray(x->dur_ms, cap, sizeof *v);
        if (v)
            x->dur_ms = v;
        if (!t || !v) {
            x->err = FL_ENOMEM;
            return 1;
        }
        x->cap = cap;
    }
    x->start_ms[x->n] = sp->start_ns / 1000000;
    x->dur_ms[x->n] = (double)(sp->end_ns - sp->start_ns) / 1e6;
    x->n++;
    return 0;
}

/* Linear interpolation between order statistics (NumPy's default). v sorted, n >= 1. */
static double quantile_sorted(const double *v, size_t n, double q)
{
    double h = q * (double)(n - 1);
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

static fl_err part_spans(struct fl_inv__ctx *c, struct part *p, int64_t start, int64_t end,
                         struct fl_diag *d)
{
    const struct fl_inv_request *r = &c->inv->req;
    struct span_pts x = {.service = r->service, .operation = r->operation};
    double *tmp = NULL;
    size_t *idx = NULL;
    p->what = "spans";
    p->sel = c->inv->symptom;
    fl_inv__sset_init(&p->ss, 0, false);
    fl_err e = fl_store_span_scan(c->s, start * 1000000, end * 1000000 - 1, span_cb, &x, d);
    if (e == FL_OK)
        e = x.err;
    /* Steps of about 1/150 of the range, 15 s .. 5 min: enough spans per step for a tail. */
    int64_t step = (end - start) / 150 / 1000 * 1000;
    step = step < 15000 ? 15000 : step > 300000 ? 300000 : step;
    if (e == FL_OK)
        e = part_grid(p, start, end, step);
    p->sample_ms = step;
    if (e != FL_OK)
        goto out;
    /* Order spans by bucket (counting sort), then take each bucket's percentile. */
    size_t *off = fl_calloc(p->nb + 1, sizeof *off);
    tmp = fl_calloc(x.n ? x.n : 1, sizeof *tmp);
    if (!off || !tmp) {
        fl_free(off);
        e = FL_ENOMEM;
        goto out;
    }
    idx = off;
    p->dur_base = fl_calloc(x.n ? x.n : 1, sizeof *p->dur_base);
    p->dur_inc = fl_calloc(x.n ? x.n : 1, sizeof *p->dur_inc);
    if (!p->dur_base || !p->dur_inc) {
        e = FL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < x.n; i++) {
        int64_t t = x.start_ms[i];
        bool b = t >= c->inv->baseline_start_ms && t < c->inv->baseline_end_ms;
        bool in = t >= c->inv->incident_start_ms && t < c->inv->incident_end_ms;
        if (b)
            p->dur_base[p->n_base++] = x.dur_ms[i];
        if (in)
            p->dur_inc[p->n_inc++] = x.dur_ms[i];
        if (t >= start && t < end)
            idx[(size_t)((t - start) / step) + 1]++;
    }
    qsort(p->dur_base, p->n_base, sizeof *p->dur_base, cmp_dbl);
    qsort(p->dur_inc, p->n_inc, sizeof *p->dur_inc, cmp_dbl);
    for (size_t k = 0; k < p->nb; k++)
        idx[k + 1] += idx[k];
    size_t *fill = p->cnt; /* reused as the fill position, then set to the count */
    for (size_t i = 0; i < x.n; i++) {
        int64_t t = x.start_ms[i];
        if (t < start || t >= end)
            continue;
        size_t k = (size_t)((t - start) / step);
        tmp[idx[k] + fill[k]++] = x.dur_ms[i];
    }
    for (size_t k = 0; k < p->nb; k++) {
        size_t n = idx[k + 1] - idx[k];
        if (n == 0) {
            p->sum[k] = NAN;
            continue;
        }
        qsort(tmp + idx[k], n, sizeof *tmp, cmp_dbl);
        p->sum[k] = quantile_sorted(tmp + idx[k], n, r->percentile / 100.0);
    }
    p->ser_base = p->n_base > 0;
    p->ser_inc = p->n_inc > 0;
out:
    fl_free(idx);
    fl_free(tmp);
    fl_free(x.start_ms);
    fl_free(x.dur_ms);
    return e;
}

/* ---- the symptom as one series ---- */

struct symptom {
    struct part parts[2];
    size_t n_parts;
    int64_t *ts;
    double *v;
    size_t n;
};

static void symptom_free(struct symptom *y)
{
    for (size_t i = 0; i < y->n_parts; i++)
        part_free(&y->parts[i]);
    fl_free(y->ts);
    fl_free(y->v);
    memset(y, 0, sizeof *y);
}

static fl_err symptom_read(struct fl_inv__ctx *c, int64_t start, int64_t end, struct symptom *y,
                           struct fl_diag *d)
{
    const struct fl_inv_request *r = &c->inv->req;
    fl_err e;
    memset(y, 0, sizeof *y);
    if (r->kind == FL_INV_LATENCY) {
        y->n_parts = 1;
        e = part_spans(c, &y->parts[0], start, end, d);
    } else if (r->kind == FL_INV_KPI) {
        y->n_parts = 1;
        e = part_read(c, &y->parts[0], "numerator", c->kpi->numerator, start, end, 0, d);
        if (e == FL_OK && c->kpi->denominator) {
            y->n_parts = 2;
            e = part_read(c, &y->parts[1], "denominator", c->kpi->denominator, start, end,
                          y->parts[0].step_ms, d);
        }
    } else {
        y->n_parts = 1;
        e = part_read(c, &y->parts[0], "series", r->selector, start, end, 0, d);
    }
    if (e != FL_OK)
        return e;
    const struct part *p0 = &y->parts[0], *p1 = y->n_parts > 1 ? &y->parts[1] : NULL;
    y->ts = fl_calloc(p0->nb, sizeof *y->ts);
    y->v = fl_calloc(p0->nb, sizeof *y->v);
    if (!y->ts || !y->v)
        return FL_ENOMEM;
    for (size_t k = 0; k < p0->nb; k++) {
        double v = NAN;
        if (r->kind == FL_INV_LATENCY)
            v = p0->sum[k];
        else if (p1)
            v = p0->cnt[k] && p1->cnt[k] && p1->sum[k] != 0 ? p0->sum[k] / p1->sum[k] : NAN;
        else if (p0->cnt[k])
            v = r->kind == FL_INV_KPI ? p0->sum[k] : p0->sum[k] / (double)p0->cnt[k];
        y->ts[k] = p0->start_ms + (int64_t)k * p0->step_ms;
        y->v[k] = v;
    }
    y->n = p0->nb;
    return FL_OK;
}

/* Median of the finite values among v[k] for bucket times in [from, to); NaN when none. */
static double window_median(const int64_t *ts, const double *v, size_t n, int64_t from,
                            int64_t to, size_t *n_out)
{
    double *tmp = fl_calloc(n ? n : 1, sizeof *tmp);
    size_t m = 0;
    if (!tmp)
        return NAN;
    for (size_t k = 0; k < n; k++)
        if (ts[k] >= from && ts[k] < to && isfinite(v[k]))
            tmp[m++] = v[k];
    double r = NAN;
    if (m) {
        qsort(tmp, m, sizeof *tmp, cmp_dbl);
        r = quantile_sorted(tmp, m, 0.5);
    }
    fl_free(tmp);
    if (n_out)
        *n_out = m;
    return r;
}

/* ---- the step ---- */

struct vctx {
    struct fl_inv__ctx *c;
    struct fl_inv__evs ev;
    struct symptom y;
    const char *sym_comp;
    bool any_measure_problem;
};

/* Onset by the most likely single mean shift of the symptom over the search range. */
static fl_err detect_onset(struct fl_inv__ctx *c, struct fl_diag *d, struct vctx *v)
{
    struct fl_investigation *inv = c->inv;
    const struct fl_inv_request *r = &inv->req;
    int64_t end = r->incident_end_ms ? r->incident_end_ms : r->now_ms;
    int64_t span = (FL_INV_BASELINE_FACTOR + 1) * FL_INV_DEFAULT_INCIDENT_MS;
    int64_t start = r->baseline_start_ms ? r->baseline_start_ms : end - span;
    /* The windows are not known yet: count samples against the whole range. */
    inv->baseline_start_ms = start;
    inv->baseline_end_ms = start;
    inv->incident_start_ms = start;
    inv->incident_end_ms = end;
    struct symptom y;
    fl_err e = symptom_read(c, start, end, &y, d);
    if (e != FL_OK) {
        symptom_free(&y);
        return e;
    }
    double *x = fl_calloc(y.n ? y.n : 1, sizeof *x);
    int64_t *xt = fl_calloc(y.n ? y.n : 1, sizeof *xt);
    size_t m = 0;
    struct fl_cp_single cp = {0};
    if (!x || !xt) {
        e = FL_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < y.n; k++)
        if (isfinite(y.v[k])) {
            xt[m] = y.ts[k];
            x[m++] = y.v[k];
        }
    if (m >= 20)
        e = fl_cp_single_mean(x, m, -1, -1, 5, &cp);
    if (e != FL_OK)
        goto out;
    inv->onset_detected = true;
    if (m >= 20 && cp.significant && cp.tau > 0 && cp.tau < m) {
        inv->onset_ms = xt[cp.tau];
        e = fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, inv->symptom,
                           fl_inv__fmt(c->a, "onset detected at the most likely mean shift of the "
                                             "symptom: %.6g -> %.6g (statistic %.1f > %.1f)",
                                       cp.mean_before, cp.mean_after, cp.stat, cp.threshold),
                           cp.mean_before, cp.mean_after, cp.stat, inv->onset_ms, true);
    } else {
        /* No shift: take the last default incident length as the incident. */
        inv->onset_ms = end - FL_INV_DEFAULT_INCIDENT_MS > start ? end - FL_INV_DEFAULT_INCIDENT_MS
                                                                 : start + (end - start) / 2;
        e = fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, inv->symptom,
                           fl_inv__fmt(c->a, "no significant mean shift of the symptom in the "
                                             "range (%zu points); the incident is taken as the "
                                             "last %lld min",
                                       m, (long long)((end - inv->onset_ms) / 60000)),
                           NAN, NAN, cp.stat, FL_TS_NONE, false);
    }
out:
    fl_free(x);
    fl_free(xt);
    symptom_free(&y);
    return e;
}

static fl_err check_samples(struct vctx *v, const struct part *p)
{
    struct fl_inv__ctx *c = v->c;
    const struct fl_investigation *inv = c->inv;
    double bmin = (double)(inv->baseline_end_ms - inv->baseline_start_ms) / 60000.0;
    double imin = (double)(inv->incident_end_ms - inv->incident_start_ms) / 60000.0;
    double rb = (double)p->n_base / bmin, ri = (double)p->n_inc / imin;
    bool fewer = p->n_base >= 10 && ri < 0.5 * rb, card = false;
    const char *unit = p->ss.with_samples ? "samples" : "spans";
    fl_err e = fl_inv__ev_add(
        c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, p->sel,
        fl_inv__fmt(c->a, "%s %s: %zu %s in the baseline (%.3g/min), %zu in the incident "
                          "(%.3g/min)%s",
                    p->what, p->sel, p->n_base, unit, rb, p->n_inc, ri,
                    !fewer               ? ""
                    : p->ss.with_samples ? ": it stopped being recorded or lost samples"
                                         : ": far fewer spans (less traffic, or tracing stopped)"),
        rb, ri, NAN, FL_TS_NONE, fewer);
    if (e != FL_OK || !p->ss.with_samples)
        goto done;
    bool gaps = p->gaps_inc > 0 && (double)p->gaps_inc / imin > 2 * (double)p->gaps_base / bmin;
    e = fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, p->sel,
                       fl_inv__fmt(c->a, "%s %s: scrape gaps (> 2.5 intervals of %.0f s): %zu "
                                         "in the baseline, %zu in the incident%s",
                                   p->what, p->sel, (double)p->sample_ms / 1000.0, p->gaps_base,
                                   p->gaps_inc, gaps ? "" : " (no more than usual)"),
                       (double)p->gaps_base, (double)p->gaps_inc, p->longest_gap_inc_s,
                       FL_TS_NONE, gaps);
    if (e != FL_OK)
        goto done;
    card = p->ser_base > 0 && (p->ser_inc * 2 <= p->ser_base || p->ser_inc >= 2 * p->ser_base);
    e = fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, p->sel,
                       fl_inv__fmt(c->a, "%s %s: %zu series in the baseline, %zu in the incident%s",
                                   p->what, p->sel, p->ser_base, p->ser_inc,
                                   card ? ": the label cardinality changed" : ""),
                       (double)p->ser_base, (double)p->ser_inc, NAN, FL_TS_NONE, card);
done:
    /* Fewer samples of a scraped series is the measurement failing; fewer spans may as well be
     * less traffic or a service that went down, which is a symptom, not a broken metric. */
    if (fewer && p->ss.with_samples)
        c->broken = true;
    if (fewer || card)
        v->any_measure_problem = true;
    return e;
}

/* up == 0 of the jobs and instances that the symptom's series come from. */
static fl_err check_up(struct vctx *v, const struct part *p, struct fl_diag *d)
{
    struct fl_inv__ctx *c = v->c;
    const struct fl_investigation *inv = c->inv;
    fl_err e = FL_OK;
    size_t checked = 0;
    for (size_t i = 0; i < p->ss.n && checked < 8; i++) {
        const char *job = fl_inv__label(p->ss.s[i].labels, p->ss.s[i].n_labels, "job");
        const char *ins = fl_inv__label(p->ss.s[i].labels, p->ss.s[i].n_labels, "instance");
        if (!job)
            continue;
        struct fl_matcher ms[3];
        size_t n = 0;
        if ((e = fl_matcher_init(&ms[n], "__name__", FL_MATCH_EQ, "up", d)) != FL_OK)
            break;
        n++;
        if ((e = fl_matcher_init(&ms[n], "job", FL_MATCH_EQ, job, d)) == FL_OK)
            n++;
        if (e == FL_OK && ins && (e = fl_matcher_init(&ms[n], "instance", FL_MATCH_EQ, ins, d)) ==
                                     FL_OK)
            n++;
        struct fl_inv__sset up;
        fl_inv__sset_init(&up, 16, true);
        if (e == FL_OK)
            e = fl_inv__sset_select(c->s, ms, n, inv->baseline_start_ms, inv->incident_end_ms - 1,
                                    &up, d);
        for (size_t k = 0; k < n; k++)
            fl_matcher_cleanup(&ms[k]);
        size_t zb = 0, nb = 0, zi = 0, ni = 0;
        for (size_t s = 0; s < up.n; s++)
            for (size_t j = 0; j < up.s[s].n; j++) {
                int64_t t = up.s[s].ts[j];
                bool z = up.s[s].v[j] == 0;
                if (t < inv->baseline_end_ms)
                    nb++, zb += z;
                else if (t >= inv->incident_start_ms)
                    ni++, zi += z;
            }
        size_t n_up = up.n;
        fl_inv__sset_free(&up);
        if (e != FL_OK)
            break;
        checked++;
        if (n_up == 0)
            continue;
        /* A failed scrape now and then (a timeout, a target restarting, the end of a run) does
         * not break a measurement: down means at least 2 zeros and 5 % of the incident's scrapes,
         * a larger share than the baseline's. */
        double share_i = (double)zi / (double)(ni ? ni : 1);
        bool down = zi >= 2 && share_i >= 0.05 && share_i > (double)zb / (double)(nb ? nb : 1);
        char *ref = fl_inv__fmt(c->a, "up{job=\"%s\"%s%s%s}", job, ins ? ",instance=\"" : "",
                                ins ? ins : "", ins ? "\"" : "");
        e = fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, ref,
                           fl_inv__fmt(c->a, "%s == 0 in %zu of %zu baseline and %zu of %zu "
                                             "incident samples%s",
                                       ref ? ref : "up", zb, nb, zi, ni,
                                       down ? ": the target was down while scraped" : ""),
                           (double)zb, (double)zi, NAN, FL_TS_NONE, down);
        if (e != FL_OK)
            break;
        if (down)
            c->broken = true;
        /* Avoid checking the same target twice. */
        while (i + 1 < p->ss.n) {
            const char *j2 = fl_inv__label(p->ss.s[i + 1].labels, p->ss.s[i + 1].n_labels, "job");
            const char *i2 =
                fl_inv__label(p->ss.s[i + 1].labels, p->ss.s[i + 1].n_labels, "instance");
            if (!j2 || strcmp(j2, job) != 0 || (ins && (!i2 || strcmp(i2, ins) != 0)))
                break;
            i++;
        }
    }
    /* A failed lookup of up is not a verdict on the symptom. */
    return e == FL_ENOMEM || e == FL_ELIMIT ? e : FL_OK;
}

/* A ratio: did its numerator and denominator move together, or only one of them? */
static fl_err check_ratio(struct vctx *v)
{
    struct fl_inv__ctx *c = v->c;
    const struct fl_investigation *inv = c->inv;
    double med[2][2];
    for (size_t i = 0; i < 2; i++) {
        const struct part *p = &v->y.parts[i];
        double *x = fl_calloc(p->nb, sizeof *x);
        int64_t *t = fl_calloc(p->nb, sizeof *t);
        if (!x || !t) {
            fl_free(x);
            fl_free(t);
            return FL_ENOMEM;
        }
        for (size_t k = 0; k < p->nb; k++) {
            t[k] = p->start_ms + (int64_t)k * p->step_ms;
            x[k] = p->cnt[k] ? p->sum[k] : NAN;
        }
        med[i][0] = window_median(t, x, p->nb, inv->baseline_start_ms, inv->baseline_end_ms, NULL);
        med[i][1] = window_median(t, x, p->nb, inv->incident_start_ms, inv->incident_end_ms, NULL);
        fl_free(x);
        fl_free(t);
    }
    /* A part that vanished from the incident counts as falling to 0. */
    double rel[2];
    for (size_t i = 0; i < 2; i++) {
        double b = med[i][0], x = isfinite(med[i][1]) ? med[i][1] : 0;
        rel[i] = isfinite(b) && b != 0 ? x / b - 1 : NAN;
    }
    const char *num = c->kpi->numerator, *den = c->kpi->denominator;
    const char *text;
    bool broken = false, finding = false;
    if (!isfinite(rel[0]) || !isfinite(rel[1])) {
        text = "a part of the ratio has no baseline level: cannot compare them";
    } else if (rel[1] <= -0.5 && fabs(rel[0]) < 0.5 * fabs(rel[1])) {
        broken = true;
        text = fl_inv__fmt(c->a, "only the denominator %s moved (%+.0f%%, numerator %s %+.0f%%): "
                                 "it stopped being recorded, the ratio is not measuring the KPI",
                           den, 100 * rel[1], num, 100 * rel[0]);
    } else if (fabs(rel[0]) >= 0.2 && fabs(rel[1]) < 0.5 * fabs(rel[0])) {
        finding = true;
        text = fl_inv__fmt(c->a, "only the numerator %s moved (%+.0f%%, denominator %s %+.0f%%): "
                                 "the change of the ratio is real",
                           num, 100 * rel[0], den, 100 * rel[1]);
    } else if (fabs(rel[0]) >= 0.2 && fabs(rel[1]) >= 0.2) {
        finding = true;
        text = fl_inv__fmt(c->a, "numerator %s (%+.0f%%) and denominator %s (%+.0f%%) moved "
                                 "together: a change of volume",
                           num, 100 * rel[0], den, 100 * rel[1]);
    } else {
        text = fl_inv__fmt(c->a, "numerator %s (%+.0f%%) and denominator %s (%+.0f%%) kept "
                                 "their levels",
                           num, 100 * rel[0], den, 100 * rel[1]);
    }
    if (broken)
        c->broken = true;
    fl_err e = fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, num,
                              fl_inv__fmt(c->a, "numerator %s: median %.6g -> %.6g", num,
                                          med[0][0], med[0][1]),
                              med[0][0], med[0][1], rel[0], FL_TS_NONE, finding);
    if (e == FL_OK)
        e = fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, den,
                           fl_inv__fmt(c->a, "denominator %s: median %.6g -> %.6g", den,
                                       med[1][0], med[1][1]),
                           med[1][0], med[1][1], rel[1], FL_TS_NONE, broken);
    if (e == FL_OK)
        e = fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, c->inv->symptom, text,
                           NAN, NAN, NAN, FL_TS_NONE, broken || finding);
    return e;
}

/*
 * A latency symptom with too few spans per step for a series (docs/rca.md "Investigations",
 * verify_symptom): compare the spans themselves. With n baseline durations, the threshold is
 * their order statistic X_(j), j = ceil(q (n + 1)) for the symptom's percentile q (at most n).
 * Under "nothing changed" the spans of both windows are exchangeable, so the number K of the m
 * incident spans above X_(j) is beta-binomial(m, n + 1 - j, j) exactly (the exceedance or
 * precedence test; Gumbel & von Schelling 1950), whatever the distribution. The symptom
 * changed when P(K >= k) < FL_INV_SPAN_TEST_P and the incident percentile is above the
 * baseline's. Needs FL_INV_SPAN_TEST_MIN_BASE baseline and FL_INV_SPAN_TEST_MIN_INC incident
 * spans; *done is false (nothing said) with fewer. Direction down mirrors it (K below X_(n+1-j)).
 */
static fl_err span_change(struct vctx *v, bool *done)
{
    struct fl_inv__ctx *c = v->c;
    struct fl_investigation *inv = c->inv;
    const struct part *p = &v->y.parts[0];
    *done = false;
    if (inv->req.kind != FL_INV_LATENCY || p->n_base < FL_INV_SPAN_TEST_MIN_BASE ||
        p->n_inc < FL_INV_SPAN_TEST_MIN_INC)
        return FL_OK;
    double q = inv->req.percentile / 100.0;
    size_t n = p->n_base, m = p->n_inc;
    size_t j = (size_t)ceil(q * (double)(n + 1));
    j = j < 1 ? 1 : j > n ? n : j;
    bool down = c->direction == FL_RANK_DOWN;
    double thr = down ? p->dur_base[n - j] : p->dur_base[j - 1];
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        k += down ? p->dur_inc[i] < thr : p->dur_inc[i] > thr;
    double pb = quantile_sorted(p->dur_base, n, q), pi = quantile_sorted(p->dur_inc, m, q);
    double expect = (double)m * (double)(n + 1 - j) / (double)(n + 1);
    double pv = fl_special_betabinom_sf(k, m, (double)(n + 1 - j), (double)j);
    bool moved = down ? pi < pb : pi > pb;
    if (c->direction == FL_RANK_BOTH && !moved) { /* the other tail */
        thr = p->dur_base[n - j];
        k = 0;
        for (size_t i = 0; i < m; i++)
            k += p->dur_inc[i] < thr;
        pv = fl_special_betabinom_sf(k, m, (double)(n + 1 - j), (double)j);
        moved = pi < pb;
    }
    *done = true;
    c->symptom_checked = true;
    c->symptom_changed = moved && pv < FL_INV_SPAN_TEST_P;
    return fl_inv__ev_add(
        c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, inv->symptom,
        fl_inv__fmt(c->a,
                    "symptom %s: too few spans per step for a series, so compared span by "
                    "span: P%g %.4g ms (%zu baseline spans) -> %.4g ms (%zu incident spans); "
                    "%zu incident spans beyond the baseline's threshold %.4g ms where %.2g are "
                    "expected, exceedance test p = %.2g: %s",
                    inv->symptom, inv->req.percentile, pb, n, pi, m, k, thr, expect, pv,
                    c->symptom_changed ? "changed" : "no significant change"),
        pb, pi, pv, FL_TS_NONE, c->symptom_changed);
}

/* The shift of x (incident) against b (baseline), both sorted in place: medians, relative change,
 * and the one-sided Mann-Whitney p in the direction the median moved. *changed when that direction
 * is a bad one for c, the median moved by at least min_rel and p < max_p. FL_ENOMEM. */
struct shift {
    double mb, mx, rel, p;
    bool exact, changed;
};

static fl_err shift_test(const struct fl_inv__ctx *c, double *b, size_t nb, double *x, size_t nx,
                         enum fl_mwu_method method, double min_rel, double max_p,
                         struct shift *out)
{
    memset(out, 0, sizeof *out);
    qsort(b, nb, sizeof *b, cmp_dbl);
    qsort(x, nx, sizeof *x, cmp_dbl);
    out->mb = quantile_sorted(b, nb, 0.5);
    out->mx = quantile_sorted(x, nx, 0.5);
    out->rel = out->mb != 0 ? (out->mx - out->mb) / fabs(out->mb) : (out->mx != 0 ? INFINITY : 0);
    out->p = 1;
    bool down = out->rel < 0;
    if ((down && c->direction == FL_RANK_UP) || (!down && c->direction == FL_RANK_DOWN) ||
        !(fabs(out->rel) >= min_rel))
        return FL_OK;
    struct fl_mwu_result mr;
    fl_err e = fl_mwu_test(x, nx, b, nb, down ? FL_MWU_LESS : FL_MWU_GREATER, method, 1, &mr);
    if (e == FL_EINVAL) /* e.g. every value tied */
        return FL_OK;
    if (e != FL_OK)
        return e;
    out->p = mr.pvalue;
    out->exact = mr.exact;
    out->changed = mr.pvalue < max_p;
    return FL_OK;
}

/*
 * A sustained shift that no single point shows (docs/rca.md "Did the symptom change?"): a
 * conversion rate 20 % lower for days stays inside the spread of its hourly values, but the
 * incident's values as a whole sit below the baseline's. Mann-Whitney U of the incident's bucket
 * values against the baseline's (one-sided in the bad direction, stats/mwu.h, checked against
 * SciPy), with p < FL_INV_SUSTAINED_P (strict: neighbouring buckets are not independent) and the
 * median moved by at least FL_INV_SUSTAINED_REL of the baseline median (practical significance).
 * Needs FL_INV_SUSTAINED_MIN buckets on each side. Sets c->symptom_changed and adds the evidence.
 */
static fl_err sustained_shift(struct vctx *v)
{
    struct fl_inv__ctx *c = v->c;
    const struct fl_investigation *inv = c->inv;
    double *b = fl_malloc((v->y.n ? v->y.n : 1) * sizeof *b);
    double *x = fl_malloc((v->y.n ? v->y.n : 1) * sizeof *x);
    size_t nb = 0, nx = 0;
    fl_err e = FL_OK;
    if (!b || !x) {
        e = FL_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < v->y.n; k++) {
        if (!isfinite(v->y.v[k]))
            continue;
        int64_t t = v->y.ts[k];
        if (t >= inv->baseline_start_ms && t < inv->baseline_end_ms)
            b[nb++] = v->y.v[k];
        else if (t >= inv->incident_start_ms && t < inv->incident_end_ms)
            x[nx++] = v->y.v[k];
    }
    if (nb < FL_INV_SUSTAINED_MIN || nx < FL_INV_SUSTAINED_MIN)
        goto out;
    struct shift sh;
    e = shift_test(c, b, nb, x, nx, FL_MWU_ASYMPTOTIC, FL_INV_SUSTAINED_REL, FL_INV_SUSTAINED_P,
                   &sh);
    if (e != FL_OK || !sh.changed)
        goto out;
    c->symptom_changed = true;
    e = fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, inv->symptom,
                       fl_inv__fmt(c->a, "symptom %s: a sustained shift: median %.6g over %zu "
                                         "baseline steps -> %.6g over %zu incident steps "
                                         "(%+.1f%%), Mann-Whitney p = %.2g: changed",
                                   inv->symptom, sh.mb, nb, sh.mx, nx, 100 * sh.rel, sh.p),
                       sh.mb, sh.mx, sh.p, FL_TS_NONE, true);
out:
    fl_free(b);
    fl_free(x);
    return e;
}

/*
 * Day by day (docs/rca.md "Did the symptom change?"): a KPI with a daily cycle (campaign sends
 * in the morning, conversions through the day) is noisy on any sub-day grid, yet its daily totals
 * can be steady to a percent. Over windows holding at least FL_INV_DAILY_MIN_DAYS whole UTC days
 * each, the symptom of each whole day (a ratio: the day's numerator over its denominator; else
 * the mean of its steps) is compared: the incident's days against the baseline's with the exact
 * Mann-Whitney U (one-sided in the bad direction; five days against five entirely below gives
 * p = 1/252), changed when p < FL_INV_DAILY_P and the median moved by FL_INV_DAILY_REL or more.
 */
static fl_err daily_shift(struct vctx *v)
{
    struct fl_inv__ctx *c = v->c;
    const struct fl_investigation *inv = c->inv;
    const int64_t DAY = 86400000;
    int64_t b0 = (inv->baseline_start_ms + DAY - 1) / DAY, b1 = inv->baseline_end_ms / DAY;
    int64_t i0 = (inv->incident_start_ms + DAY - 1) / DAY, i1 = inv->incident_end_ms / DAY;
    if (b1 - b0 < FL_INV_DAILY_MIN_DAYS || i1 - i0 < FL_INV_DAILY_MIN_DAYS || b1 - b0 > 400 ||
        i1 - i0 > 400 || inv->req.kind == FL_INV_LATENCY)
        return FL_OK;
    size_t nd = (size_t)(i1 - b0);
    double *num = fl_calloc(nd, sizeof *num), *den = fl_calloc(nd, sizeof *den);
    size_t *cnt = fl_calloc(nd, sizeof *cnt);
    double b[400], x[400];
    size_t nb = 0, nx = 0;
    fl_err e = FL_OK;
    if (!num || !den || !cnt) {
        e = FL_ENOMEM;
        goto out;
    }
    bool ratio = v->y.n_parts == 2;
    if (ratio) {
        for (size_t i = 0; i < 2; i++) {
            const struct part *p = &v->y.parts[i];
            for (size_t k = 0; k < p->nb; k++) {
                int64_t t = p->start_ms + (int64_t)k * p->step_ms, d = t / DAY - b0;
                if (t < 0 || d < 0 || d >= (int64_t)nd || !p->cnt[k] || !isfinite(p->sum[k]))
                    continue;
                (i ? den : num)[d] += p->sum[k];
                cnt[d] += i == 0;
            }
        }
    } else {
        for (size_t k = 0; k < v->y.n; k++) {
            int64_t d = v->y.ts[k] / DAY - b0;
            if (v->y.ts[k] < 0 || d < 0 || d >= (int64_t)nd || !isfinite(v->y.v[k]))
                continue;
            num[d] += v->y.v[k];
            den[d] += 1;
            cnt[d]++;
        }
    }
    for (int64_t d = 0; d < (int64_t)nd; d++) {
        int64_t day = b0 + d;
        if (!cnt[d] || !(den[d] > 0))
            continue;
        double r = num[d] / den[d];
        if (day < b1)
            b[nb++] = r;
        else if (day >= i0 && day < i1)
            x[nx++] = r;
    }
    if (nb < FL_INV_DAILY_MIN_DAYS || nx < FL_INV_DAILY_MIN_DAYS)
        goto out;
    struct shift sh;
    e = shift_test(c, b, nb, x, nx, FL_MWU_AUTO, FL_INV_DAILY_REL, FL_INV_DAILY_P, &sh);
    if (e != FL_OK || !sh.changed)
        goto out;
    c->symptom_changed = true;
    e = fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, inv->symptom,
                       fl_inv__fmt(c->a, "symptom %s: day by day, median %.6g over %zu whole "
                                         "baseline days -> %.6g over %zu incident days "
                                         "(%+.1f%%), Mann-Whitney p = %.2g%s: changed",
                                   inv->symptom, sh.mb, nb, sh.mx, nx, 100 * sh.rel, sh.p,
                                   sh.exact ? " (exact)" : ""),
                       sh.mb, sh.mx, sh.p, FL_TS_NONE, true);
out:
    fl_free(num);
    fl_free(den);
    fl_free(cnt);
    return e;
}

/* Binomial P(X <= k) and P(X >= k) for X ~ Bin(n, p), by the regularized incomplete beta. */
static double binom_cdf(double k, double n, double p)
{
    if (k < 0)
        return 0;
    if (k >= n)
        return 1;
    return fl_special_betainc(n - k, k + 1, 1 - p);
}

static double binom_sf(double k, double n, double p)
{
    return k <= 0 ? 1 : 1 - binom_cdf(k - 1, n, p);
}

/*
 * Rare events (docs/rca.md "Did the symptom change?"): a ratio of counters whose numerator counts
 * a handful of events per step (blocked transactions at 0.04 %) is zero in most steps, and no
 * step-wise check sees its rate fall by four fifths. Its window totals do: given the N0 + N1
 * numerator events of both windows, N1 is binomial with p = D1 / (D0 + D1) (the incident's share
 * of the denominator) when the ratio did not change (the conditional test of two Poisson rates).
 * Applies when the baseline averages fewer than FL_INV_RARE_PER_STEP numerator events per step
 * and both windows' totals hold at least FL_INV_RARE_MIN_EVENTS; changed when the one-sided
 * p-value in the bad direction (twice the smaller for both) is below FL_INV_RARE_P and the ratio
 * moved by at least FL_INV_RARE_REL.
 */
static fl_err rare_shift(struct vctx *v, bool *applied)
{
    struct fl_inv__ctx *c = v->c;
    const struct fl_investigation *inv = c->inv;
    *applied = false;
    if (v->y.n_parts != 2 || inv->req.kind != FL_INV_KPI)
        return FL_OK;
    const struct part *pn = &v->y.parts[0], *pd = &v->y.parts[1];
    if (pn->nb != pd->nb || pn->start_ms != pd->start_ms || pn->step_ms != pd->step_ms)
        return FL_OK;
    double step_s = (double)pn->step_ms / 1000.0, n[2] = {0, 0}, d[2] = {0, 0};
    size_t steps[2] = {0, 0};
    for (size_t k = 0; k < pn->nb; k++) {
        int64_t t = pn->start_ms + (int64_t)k * pn->step_ms;
        int w = t >= inv->baseline_start_ms && t < inv->baseline_end_ms     ? 0
                : t >= inv->incident_start_ms && t < inv->incident_end_ms ? 1
                                                                          : -1;
        if (w < 0 || !pn->cnt[k] || !pd->cnt[k] || !isfinite(pn->sum[k]) || !isfinite(pd->sum[k]))
            continue;
        n[w] += pn->sum[k] * step_s;
        d[w] += pd->sum[k] * step_s;
        steps[w]++;
    }
    if (!steps[0] || !steps[1] || !(d[0] > 0) || !(d[1] > 0) ||
        n[0] / (double)steps[0] >= FL_INV_RARE_PER_STEP || n[0] + n[1] < FL_INV_RARE_MIN_EVENTS)
        return FL_OK;
    double r0 = n[0] / d[0], r1 = n[1] / d[1];
    double rel = r0 > 0 ? r1 / r0 - 1 : (r1 > 0 ? INFINITY : 0);
    double tot = round(n[0] + n[1]), k = round(n[1]), p = d[1] / (d[0] + d[1]);
    double p_lo = binom_cdf(k, tot, p), p_hi = binom_sf(k, tot, p);
    double pv = c->direction == FL_RANK_DOWN ? p_lo
                : c->direction == FL_RANK_UP ? p_hi
                                             : fmin(1, 2 * fmin(p_lo, p_hi));
    bool bad = c->direction == FL_RANK_DOWN ? rel < 0 : c->direction == FL_RANK_UP ? rel > 0 : 1;
    bool changed = bad && fabs(rel) >= FL_INV_RARE_REL && pv < FL_INV_RARE_P;
    /* The totals decide, either way: a step's ratio of a handful of events is mostly the
     * discreteness of its count (one block in a quiet night step is a "peak"). */
    *applied = true;
    c->symptom_changed = changed;
    if (!changed && bad && fabs(rel) >= FL_INV_RARE_REL_MARGINAL && pv < FL_INV_RARE_P_MARGINAL) {
        c->sym_marginal = true;
        c->sym_marginal_text =
            fl_inv__fmt(c->a, "moved %+.0f%% by its window totals (binomial p = %.2g), short of "
                              "p < %g and %.0f%% alone but within p < %g and %.0f%%",
                        100 * rel, pv, FL_INV_RARE_P, 100 * FL_INV_RARE_REL,
                        FL_INV_RARE_P_MARGINAL, 100 * FL_INV_RARE_REL_MARGINAL);
        if (!c->sym_marginal_text)
            return c->a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    }
    return fl_inv__ev_add(
        c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, inv->symptom,
        fl_inv__fmt(c->a,
                    "symptom %s: rare events, compared as window totals: %.0f of %.4g in the "
                    "baseline (%.3g) -> %.0f of %.4g in the incident (%.3g, %+.0f%%), binomial "
                    "test p = %.2g: %s",
                    inv->symptom, n[0], d[0], r0, n[1], d[1], r1, 100 * rel, pv,
                    changed ? "changed" : "no significant change"),
        r0, r1, pv, FL_TS_NONE, changed);
}

/* Did the symptom leave its normal range? rank.h's symptom check on the one series. */
static fl_err check_change(struct vctx *v)
{
    struct fl_inv__ctx *c = v->c;
    struct fl_investigation *inv = c->inv;
    struct fl_rank_series rs = {.name = "symptom", .ts_ms = v->y.ts, .v = v->y.v, .n = v->y.n};
    struct fl_rank_opts o;
    fl_rank_opts_default(&o);
    o.onset_ms = inv->onset_ms;
    o.direction = c->direction;
    o.symptom = "symptom";
    /* Stricter than rank.h's lenient default of 1: an investigation that says "the symptom
     * changed" sends people looking for a cause, so the change must also reach 3 spread units
     * (about 4 sd for normal noise) besides leaving its normal range (docs/rca.md). */
    o.symptom_threshold = FL_INV_SYMPTOM_THRESHOLD;
    o.symptom_corroborated_floor = FL_INV_SYMPTOM_CORROBORATED;
    /* Only the windows count: buckets after the incident's end are not part of it. */
    size_t n = 0;
    while (n < v->y.n && v->y.ts[n] < inv->incident_end_ms)
        n++;
    rs.n = n;
    struct fl_rank_result *rr = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = n ? fl_rank_run(&rs, 1, &o, &rr, &d) : FL_EINVAL;
    if (e == FL_ENOMEM)
        return e;
    if (e != FL_OK || rr->series[0].status != FL_RANK_SCORED) {
        bool done;
        fl_err es = span_change(v, &done);
        if (es != FL_OK || done) {
            fl_rank_result_free(rr);
            return es;
        }
        size_t ni = 0;
        window_median(v->y.ts, v->y.v, n, inv->incident_start_ms, inv->incident_end_ms, &ni);
        fl_rank_result_free(rr);
        if (ni == 0 && !c->broken) {
            /* Data before the onset but none after: the measurement stopped. */
            size_t nb = 0;
            window_median(v->y.ts, v->y.v, n, inv->baseline_start_ms, inv->baseline_end_ms, &nb);
            if (nb > 0)
                c->broken = true;
        }
        return fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, inv->symptom,
                              fl_inv__fmt(c->a, "the symptom could not be scored: too few "
                                                "values in the baseline or none in the incident "
                                                "(%zu incident values)",
                                          ni),
                              NAN, NAN, NAN, FL_TS_NONE, c->broken);
    }
    const struct fl_rank_series_result *sr = &rr->series[0];
    c->symptom_checked = true;
    c->symptom_changed = rr->verdict != FL_RANK_SYMPTOM_UNCHANGED && sr->significant;
    bool stepwise = c->symptom_changed, rare = false;
    if ((e = rare_shift(v, &rare)) != FL_OK) {
        fl_rank_result_free(rr);
        return e;
    }
    if (!rare && !c->symptom_changed && (e = sustained_shift(v)) != FL_OK) {
        fl_rank_result_free(rr);
        return e;
    }
    if (!rare && !c->symptom_changed && (e = daily_shift(v)) != FL_OK) {
        fl_rank_result_free(rr);
        return e;
    }
    /* Beyond the wider range (floor FL_INV_SYMPTOM_CORROBORATED) that a corroborating finding
     * may confirm: verdict() decides (a late job or a change on the path). */
    if (!rare && !c->symptom_changed && sr->deviation >= rr->symptom_bar_corroborated) {
        c->sym_marginal = true;
        c->sym_marginal_text =
            fl_inv__fmt(c->a, "moved %.2f spread units, short of its bar alone but beyond the "
                              "wider range of %.2f",
                        sr->deviation, rr->symptom_bar_corroborated);
        if (!c->sym_marginal_text) {
            fl_rank_result_free(rr);
            return c->a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
        }
    }
    e = fl_inv__ev_add(
        c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, inv->symptom,
        fl_inv__fmt(c->a, "symptom %s: baseline median %.6g, incident peak %.6g (%+.6g) at "
                          "deviation %.2f spread units; its normal range ends at %.2f: %s",
                    inv->symptom, sr->median, sr->peak_value, sr->delta, sr->deviation,
                    rr->symptom_bar,
                    rare && stepwise != c->symptom_changed
                        ? (stepwise ? "beyond its range step by step, but rare events are "
                                      "judged by their window totals (above)"
                                    : "within its range step by step; changed by the window "
                                      "totals (above)")
                    : !c->symptom_changed      ? "no significant change"
                    : rr->symptom_corroborated ? "changed (beyond its wider range, with other "
                                                 "metrics changed significantly)"
                                               : "changed"),
        sr->median, sr->peak_value, sr->deviation, sr->peak_ts_ms, c->symptom_changed);
    fl_rank_result_free(rr);
    return e;
}

static const char *symptom_component(struct fl_inv__ctx *c, const struct symptom *y)
{
    if (c->sym_component)
        return c->sym_component;
    const struct part *p = &y->parts[0];
    if (!p->ss.with_samples || p->ss.n == 0)
        return NULL;
    const char *k = fl_inv__component_of(c->cfg, p->ss.s[0].labels, p->ss.s[0].n_labels);
    return k ? fl_arena_strdup(c->a, k) : NULL;
}

/* ---- the KPI against the outcome log ---- */

/* Whether component `up` is `down` or a dependency of it (depends_on, transitively) in the
 * configured topology; bounded by the number of components. */
static bool cfg_on_path(const struct fl_config *cfg, const char *up, const char *down, int depth)
{
    if (!up || !down || depth > 64)
        return false;
    if (!strcmp(up, down))
        return true;
    const struct fl_component *k = fl_config_component(cfg, down);
    for (size_t i = 0; k && i < k->n_depends_on; i++)
        if (cfg_on_path(cfg, up, k->depends_on[i], depth + 1))
            return true;
    return false;
}

/* Most predictions the outcome check joins (their request ids are held in memory). */
#define INV_OUTCOME_MAX_PREDICTIONS 1000000
/* Outcomes arrive late (a conversion days after the prediction): they are read this long past
 * the incident's end and counted for the window of their prediction. */
#define INV_OUTCOME_HORIZON_MS ((int64_t)7 * 86400000)

/* Whether the outcome counts what the KPI's numerator counts: its name, or its name with an s,
 * is a "_"-separated word of the numerator's metric name (click: recs_clicks_total; conversion:
 * campaign_conversions_total; not chargeback: fraud_blocked_total). */
static bool outcome_names_numerator(const char *outcome, const char *numerator)
{
    size_t ol = strlen(outcome);
    const char *end = numerator + strcspn(numerator, "{ ");
    for (const char *p = numerator; p < end;) {
        const char *q = p;
        while (q < end && *q != '_' && *q != ':')
            q++;
        size_t wl = (size_t)(q - p);
        if ((wl == ol || (wl == ol + 1 && p[ol] == 's')) && !strncmp(p, outcome, ol))
            return true;
        p = q < end ? q + 1 : end;
    }
    return false;
}

struct outcome_count {
    const char *name;
    int64_t split; /* incident start */
    struct fl_map *req; /* request id -> window + 1 */
    uint64_t n[2], pos[2];
    fl_err err;
};

static int outcome_pred_cb(const struct fl_inference *r, void *ud)
{
    struct outcome_count *u = ud;
    uintptr_t w = r->ts_ms >= u->split ? 2 : 1;
    if (!r->request_id)
        return 0;
    u->err = fl_map_put(u->req, r->request_id, strlen(r->request_id), (void *)w);
    return u->err != FL_OK;
}

static int outcome_cb(const struct fl_outcome *o, void *ud)
{
    struct outcome_count *u = ud;
    if (strcmp(o->name, u->name) != 0 || !isfinite(o->value) || !o->request_id)
        return 0;
    uintptr_t w = (uintptr_t)fl_map_get(u->req, o->request_id, strlen(o->request_id));
    if (w < 1 || w > 2)
        return 0;
    u->n[w - 1]++;
    u->pos[w - 1] += o->value > 0;
    return 0;
}

/* Mean over the buckets of a window of one part's grid (NaN when none). */
static double part_mean(const struct part *p, int64_t from, int64_t to)
{
    double sum = 0;
    size_t n = 0;
    for (size_t k = 0; k < p->nb; k++) {
        int64_t t = p->start_ms + (int64_t)k * p->step_ms;
        if (t < from || t >= to || !p->cnt[k])
            continue;
        sum += p->sum[k];
        n++;
    }
    return n ? sum / (double)n : NAN;
}

/* Two-sided p-value of a standard normal statistic. */
static double z_p(double z)
{
    return erfc(fabs(z) / sqrt(2.0));
}

/*
 * A ratio KPI is measured once more by the outcome log of a model on its path (models[].outcome:
 * the click each prediction got, recorded with the inference logs, not by the KPI's counters).
 * When the KPI changed by 10 % or more but the outcomes' positive rate did not (two-proportion
 * z-test p >= 0.01) and cannot have changed as much as the KPI did (p < 0.01 against the KPI's
 * relative change), the two records of the same behaviour disagree: the KPI's measurement lost
 * (or invented) events, a broken metric (click logging broken on one platform). When they agree,
 * that is said too. Needs 200 outcomes in each window. docs/rca.md "verify_symptom".
 */
static fl_err check_outcome(struct vctx *v)
{
    struct fl_inv__ctx *c = v->c;
    const struct fl_investigation *inv = c->inv;
    if (inv->req.kind != FL_INV_KPI || !c->kpi || !c->kpi->denominator || v->y.n_parts != 2 ||
        !c->symptom_changed || !c->cfg)
        return FL_OK;
    const struct fl_model_cfg *m = NULL;
    for (size_t i = 0; i < c->cfg->n_models && !m; i++) {
        const struct fl_model_cfg *x = &c->cfg->models[i];
        if (x->outcome && outcome_names_numerator(x->outcome, c->kpi->numerator) &&
            (!c->kpi->component ||
                           cfg_on_path(c->cfg, x->component ? x->component : x->name,
                                       c->kpi->component, 0)))
            m = x;
    }
    if (!m)
        return FL_OK;
    const struct part *pn = &v->y.parts[0], *pd = &v->y.parts[1];
    double k0 = part_mean(pn, inv->baseline_start_ms, inv->baseline_end_ms) /
                part_mean(pd, inv->baseline_start_ms, inv->baseline_end_ms);
    double k1 = part_mean(pn, inv->incident_start_ms, inv->incident_end_ms) /
                part_mean(pd, inv->incident_start_ms, inv->incident_end_ms);
    if (!isfinite(k0) || !isfinite(k1) || k0 <= 0)
        return FL_OK;
    double dk = k1 / k0 - 1;
    struct outcome_count u = {.name = m->outcome, .split = inv->incident_start_ms};
    u.req = fl_map_new(NULL, INV_OUTCOME_MAX_PREDICTIONS);
    if (!u.req)
        return FL_ENOMEM;
    struct fl_diag d;
    fl_diag_init(&d);
    /* the predictions of each window, then their outcomes, whenever they arrived */
    struct fl_inference_query q = {.model = m->name,
                                   .start_ms = inv->baseline_start_ms,
                                   .end_ms = inv->incident_end_ms - 1,
                                   .limit = INV_OUTCOME_MAX_PREDICTIONS};
    fl_err e = fl_store_inferences(c->s, &q, outcome_pred_cb, &u, &d);
    if (e == FL_OK)
        e = u.err;
    if (e == FL_OK)
        e = fl_store_outcomes(c->s, inv->baseline_start_ms,
                              inv->incident_end_ms - 1 + INV_OUTCOME_HORIZON_MS, outcome_cb, &u,
                              &d);
    fl_map_free(u.req);
    if (e == FL_ENOMEM)
        return e;
    if (e != FL_OK || u.n[0] < 200 || u.n[1] < 200)
        return FL_OK;
    double o0 = (double)u.pos[0] / (double)u.n[0], o1 = (double)u.pos[1] / (double)u.n[1];
    double pool = (double)(u.pos[0] + u.pos[1]) / (double)(u.n[0] + u.n[1]);
    double se = sqrt(pool * (1 - pool) * (1.0 / (double)u.n[0] + 1.0 / (double)u.n[1]));
    double p_same = se > 0 ? z_p((o1 - o0) / se) : 1;
    /* against "the outcomes moved as the KPI did": o1 = o0 (1 + dk) */
    double want = fmin(1, fmax(0, o0 * (1 + dk)));
    double se2 = sqrt(want * (1 - want) / (double)u.n[1] + o0 * (1 - o0) / (double)u.n[0] *
                                                              (1 + dk) * (1 + dk));
    double p_as_kpi = se2 > 0 ? z_p((o1 - want) / se2) : 1;
    bool broken = fabs(dk) >= 0.1 && p_same >= 0.01 && p_as_kpi < 0.01;
    bool agree = p_as_kpi >= 0.05 && (p_same < 0.01 || fabs(dk) < 0.1);
    const char *text = fl_inv__fmt(
        c->a,
        "outcome log: model %s's %s outcomes, positive for %.2f%% of %llu baseline and %.2f%% of "
        "%llu incident predictions (%+.0f%%, z-test p %.2g), against the KPI's %+.0f%% (p %.2g "
        "that they moved as much)%s",
        m->name, m->outcome, 100 * o0, (unsigned long long)u.n[0], 100 * o1,
        (unsigned long long)u.n[1], 100 * (o1 / (o0 > 0 ? o0 : 1) - 1), p_same, 100 * dk,
        p_as_kpi,
        broken  ? ": the two records of the same behaviour disagree, the KPI's measurement is "
                  "broken"
        : agree ? ": they agree"
                : ": too few outcomes to tell");
    if (broken)
        c->broken = true;
    return fl_inv__ev_add(c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, m->outcome, text, o0, o1,
                          dk, FL_TS_NONE, broken);
}

static fl_err verify(struct vctx *v, struct fl_diag *d)
{
    struct fl_inv__ctx *c = v->c;
    struct fl_investigation *inv = c->inv;
    fl_err e;
    if (inv->onset_ms == FL_TS_NONE) {
        if ((e = detect_onset(c, d, v)) != FL_OK)
            return e;
        if ((e = fl_inv__windows(c, d)) != FL_OK)
            return e;
    }
    if ((e = symptom_read(c, inv->baseline_start_ms, inv->incident_end_ms, &v->y, d)) != FL_OK)
        return e;
    if (!v->sym_comp)
        v->sym_comp = c->sym_component = symptom_component(c, &v->y);
    for (size_t i = 0; i < v->y.n_parts; i++) {
        const struct part *p = &v->y.parts[i];
        if ((p->n_remote || p->remote_problems) &&
            (e = fl_inv__ev_add(
                 c->a, &v->ev, FL_INV_EV_SERIES, v->sym_comp, p->sel,
                 fl_inv__fmt(c->a, "%s %s: none stored; %zu series read from remote sources%s%s",
                             p->what, p->sel, p->n_remote, p->remote_problems ? "; " : "",
                             p->remote_problems ? p->remote_problems : ""),
                 NAN, NAN, NAN, FL_TS_NONE, false)) != FL_OK)
            return e;
        if ((e = check_samples(v, &v->y.parts[i])) != FL_OK)
            return e;
        if (v->y.parts[i].ss.with_samples && (e = check_up(v, &v->y.parts[i], d)) != FL_OK)
            return e;
    }
    if (v->y.n_parts == 2 && (e = check_ratio(v)) != FL_OK)
        return e;
    if ((e = check_change(v)) != FL_OK)
        return e;
    return check_outcome(v);
}

fl_err fl_inv__verify_symptom(struct fl_inv__ctx *c, struct fl_diag *d)
{
    int64_t t0 = fl_inv__mono_ns();
    struct vctx v = {.c = c, .sym_comp = c->sym_component};
    struct fl_diag sd;
    fl_diag_init(&sd);
    fl_err e = verify(&v, &sd);
    const char *summary;
    int status;
    if (e == FL_EINVAL || e == FL_EPARSE) {
        /* A bad request: windows derived from a detected onset that do not fit what was given
         * (the diag names the window), or a selector of the symptom that does not parse. */
        if (d) {
            *d = sd;
            d->code = FL_EINVAL;
            if (e == FL_EPARSE)
                fl_diag_field(d, "%s", c->inv->req.kind == FL_INV_KPI ? "kpi" : "selector");
        }
        symptom_free(&v.y);
        return FL_EINVAL;
    }
    if (e == FL_ENOMEM || e == FL_ELIMIT) {
        symptom_free(&v.y);
        return e;
    }
    if (e != FL_OK) {
        status = FL_INV_STEP_FAILED;
        summary = fl_inv__fmt(c->a, "could not read the symptom: %s: %s", fl_err_name(e), sd.msg);
    } else if (c->broken) {
        status = FL_INV_STEP_FOUND;
        summary = "the symptom's measurement is broken: see the evidence marked as supporting";
    } else if (!c->symptom_checked) {
        status = FL_INV_STEP_SKIPPED;
        summary = "the symptom has too few values in the windows to tell whether it changed";
    } else if (c->symptom_changed) {
        status = FL_INV_STEP_FOUND;
        summary = fl_inv__fmt(c->a, "the symptom changed at the onset%s; its measurement looks "
                                    "sound%s",
                              c->inv->onset_detected ? " (detected)" : "",
                              v.any_measure_problem ? " apart from the flagged checks" : "");
    } else {
        status = FL_INV_STEP_NOTHING;
        summary = "the symptom stayed within its normal range: no significant change";
    }
    symptom_free(&v.y);
    if (c->inv->onset_ms == FL_TS_NONE) {
        /* Reading failed before any onset: fall back to the default incident before now. */
        c->inv->onset_ms = c->inv->req.now_ms - FL_INV_DEFAULT_INCIDENT_MS;
        fl_err w = fl_inv__windows(c, d);
        if (w != FL_OK)
            return w;
    }
    return fl_inv__step_add(c, "verify_symptom", status, summary, &v.ev, t0, NULL);
}
