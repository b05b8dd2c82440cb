/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inv_ml.c: the localize_segments and ml_evidence steps of an investigation (docs/rca.md
 * "Investigations").
 *   localize_segments  is the change uniform across segments? Per-segment means of the symptom's
 *                      series (a KPI's numerator and denominator by its dimensions, or a
 *                      selector's series by the labels that tell them apart) in both windows,
 *                      into Adtributor and RiskLoc (localize.h)
 *   ml_evidence        for the models on the symptom's path: version changes (the registry's
 *                      model_version_change events), traffic shares per version, stored drift
 *                      runs, and the freshness of batch jobs and served features
 *                      (monitor/freshness.h)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "ingest/selector.h"
#include "monitor/freshness.h"
#include "rca/inv_int.h"
#include "rca/localize.h"

static fl_err aerr(const struct fl_inv__ctx *c)
{
    return c->a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
}

/* ---- localize_segments ---- */

#define INV_LOC_MAX_DIMS 8

/* Labels that never segment a symptom: identity of the series, not of its traffic. */
static bool skip_label(const char *name)
{
    static const char *const skip[] = {"__name__", "job", "instance", "le", "quantile"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (strcmp(name, skip[i]) == 0)
            return true;
    return false;
}

/* The selector's dimensions: labels whose value differs between its series. */
static size_t selector_dims(const struct fl_inv__sset *ss, const char **dims)
{
    size_t n = 0;
    for (size_t i = 0; i < ss->n; i++)
        for (size_t j = 0; j < ss->s[i].n_labels; j++) {
            const char *nm = ss->s[i].labels[j].name;
            if (skip_label(nm))
                continue;
            bool known = false;
            for (size_t k = 0; k < n && !known; k++)
                known = strcmp(dims[k], nm) == 0;
            if (known || n >= INV_LOC_MAX_DIMS)
                continue;
            const char *v0 = ss->s[i].labels[j].value;
            bool varies = false;
            for (size_t m = 0; m < ss->n && !varies; m++) {
                const char *v = fl_inv__label(ss->s[m].labels, ss->s[m].n_labels, nm);
                varies = !v || strcmp(v, v0) != 0;
            }
            if (varies)
                dims[n++] = nm;
        }
    return n;
}

/* Mean of the finite, non-negative values of s in [from, to); NaN when none. */
static double mean_in(const struct fl_inv__ser *s, int64_t from, int64_t to, bool *negative)
{
    double sum = 0;
    size_t n = 0;
    for (size_t j = 0; j < s->n; j++) {
        if (s->ts[j] < from || s->ts[j] >= to || !isfinite(s->v[j]))
            continue;
        if (s->v[j] < 0)
            *negative = true;
        sum += s->v[j];
        n++;
    }
    return n ? sum / (double)n : NAN;
}

/* Add the series of one part (numerator: den false) as rows of l. */
static fl_err loc_add(struct fl_inv__ctx *c, struct fl_localize *l, const struct fl_inv__sset *ss,
                      const char *const *dims, size_t n_dims, bool den, size_t *n_skipped)
{
    const struct fl_investigation *inv = c->inv;
    for (size_t i = 0; i < ss->n; i++) {
        const struct fl_inv__ser *s = &ss->s[i];
        bool neg = false;
        double b = mean_in(s, inv->baseline_start_ms, inv->baseline_end_ms, &neg);
        double x = mean_in(s, inv->incident_start_ms, inv->incident_end_ms, &neg);
        if (neg) {
            (*n_skipped)++;
            continue;
        }
        b = isfinite(b) ? b : 0;
        x = isfinite(x) ? x : 0;
        struct fl_localize_row row = {0};
        if (den) {
            row.base_den = b;
            row.inc_den = x;
        } else {
            row.base_num = b;
            row.inc_num = x;
        }
        struct fl_str vals[INV_LOC_MAX_DIMS];
        for (size_t k = 0; k < n_dims; k++) {
            const char *v = fl_inv__label(s->labels, s->n_labels, dims[k]);
            vals[k].p = v ? v : "";
            vals[k].len = v ? strlen(v) : 0;
        }
        fl_err e = fl_localize_add(l, vals, &row, NULL);
        if (e == FL_ENOMEM)
            return e;
        if (e != FL_OK)
            (*n_skipped)++;
    }
    return FL_OK;
}

static fl_err read_part(struct fl_inv__ctx *c, const char *sel, struct fl_inv__sset *ss,
                        struct fl_diag *d)
{
    struct fl_matcher *ms = NULL;
    size_t n_ms = 0;
    fl_err e = fl_selector_parse(sel, strlen(sel), &ms, &n_ms, d);
    if (e != FL_OK)
        return e;
    e = fl_inv__sset_select(c->s, ms, n_ms, c->inv->baseline_start_ms,
                            c->inv->incident_end_ms - 1, ss, d);
    fl_selector_free(ms, n_ms);
    return e;
}

fl_err fl_inv__loc_evidence(struct fl_inv__ctx *c, const struct fl_localize_report *r,
                           const char *const *dims, struct fl_inv__evs *ev)
{
    const char *comp = c->sym_component;
    bool loc = r->verdict == FL_LOCALIZE_LOCALIZED;
    fl_err e = fl_inv__ev_add(c->a, ev, FL_INV_EV_SEGMENT, comp, "total",
                              fl_inv__fmt(c->a, "%s over %zu segments: %s (%s)",
                                          fl_localize_verdict_name(r->verdict), r->n_leaves,
                                          r->reason ? r->reason : "",
                                          loc ? "localized" : "no segment stands out"),
                              r->total.base, r->total.inc, r->total.rel_change, FL_TS_NONE, loc);
    for (size_t i = 0; i < r->n_causes && e == FL_OK; i++) {
        const struct fl_localize_cause *k = &r->causes[i];
        char buf[1024];
        size_t off = 0;
        for (size_t j = 0; j < k->n_attrs && off < sizeof buf; j++) {
            int n = snprintf(buf + off, sizeof buf - off, "%s%s=%s", j ? "&" : "",
                             dims[k->dims[j]], k->values[j]);
            if (n < 0)
                break;
            off += (size_t)n;
        }
        const char *ref = fl_arena_strndup(c->a, buf, off < sizeof buf ? off : sizeof buf - 1);
        if (!ref)
            return aerr(c);
        e = fl_inv__ev_add(c->a, ev, FL_INV_EV_SEGMENT, comp, ref,
                           fl_inv__fmt(c->a, "%s: %.6g -> %.6g (%+.1f%% against %+.1f%% "
                                             "elsewhere), %.0f%% of the change (RiskLoc risk "
                                             "%.2f)",
                                       ref, k->s.base, k->s.inc, 100 * k->s.rel_change,
                                       100 * k->s.rest_rel_change, 100 * k->s.ep, k->risk),
                           k->s.base, k->s.inc, k->s.ep, FL_TS_NONE,
                           loc && k->s.disproportionate);
    }
    /* Adtributor: the elements of the dimensions it selected. */
    for (size_t i = 0; i < r->n_dims && e == FL_OK; i++) {
        const struct fl_localize_dim *dm = &r->dims[i];
        if (!dm->selected)
            continue;
        for (size_t j = 0; j < dm->n_elems && e == FL_OK; j++) {
            const struct fl_localize_elem *x = &dm->elems[j];
            if (!x->in_set)
                continue;
            const char *ref = fl_inv__fmt(c->a, "%s=%s", dm->name, x->value);
            e = fl_inv__ev_add(c->a, ev, FL_INV_EV_SEGMENT, comp, ref,
                               fl_inv__fmt(c->a, "Adtributor: %s: %.6g -> %.6g (%+.1f%%), "
                                                 "explanatory power %.2f, surprise %.3g",
                                           ref ? ref : "", x->s.base, x->s.inc,
                                           100 * x->s.rel_change, x->s.ep, x->surprise),
                               x->s.base, x->s.inc, x->s.ep, FL_TS_NONE,
                               loc && x->s.disproportionate);
        }
    }
    return e;
}

/* Least share of a ratio's change the mix of one dimension must explain, and least move of one
 * segment's share of the denominator, for a mix shift (docs/rca.md "A shift in the mix"). */
#define INV_MIX_SHARE 0.5
#define INV_MIX_MIN_MOVE 0.05

/*
 * A ratio can fall with no segment changing: when traffic moves towards a segment whose ratio
 * was already lower (Simpson's paradox; an experiment ramped to its worse arm, a flood of new
 * users who click less). Per dimension, the change of the total R = sum(n) / sum(d) splits
 * exactly into a mix part and a rate part (Kitagawa's decomposition, with w_i the segment's share
 * of the denominator and r_i its ratio):
 *     R1 - R0 = sum_i (w1_i - w0_i) r0_i  +  sum_i w1_i (r1_i - r0_i)
 * When the mix part of the dimension that explains most is at least INV_MIX_SHARE of the change
 * (same sign) and some segment's share moved by INV_MIX_MIN_MOVE or more, the mix shift is the
 * finding: evidence "dim=value" on the symptom's component for the segment whose share moved
 * most in the direction of the change. *found is set then.
 */
static fl_err mix_evidence(struct fl_inv__ctx *c, const struct fl_localize_report *r,
                           struct fl_inv__evs *ev, bool *found)
{
    *found = false;
    double best = 0;
    const struct fl_localize_dim *bd = NULL;
    const struct fl_localize_elem *be = NULL;
    double b_w0 = 0, b_w1 = 0, b_rate = 0, dR = 0, R0 = 0;
    for (size_t i = 0; i < r->n_dims; i++) {
        const struct fl_localize_dim *dm = &r->dims[i];
        double N0 = 0, D0 = 0, N1 = 0, D1 = 0;
        for (size_t j = 0; j < dm->n_elems; j++) {
            const struct fl_localize_seg *s = &dm->elems[j].s;
            N0 += s->base_num, D0 += s->base_den, N1 += s->inc_num, D1 += s->inc_den;
        }
        if (!(D0 > 0) || !(D1 > 0))
            continue;
        double r0 = N0 / D0, d = N1 / D1 - r0, mix = 0, move = 0;
        if (!(fabs(d) > 0) || !isfinite(d))
            continue;
        const struct fl_localize_elem *top = NULL;
        double top_c = 0, tw0 = 0, tw1 = 0;
        for (size_t j = 0; j < dm->n_elems; j++) {
            const struct fl_localize_seg *s = &dm->elems[j].s;
            double w0 = s->base_den / D0, w1 = s->inc_den / D1;
            double ri = s->base_den > 0 ? s->base_num / s->base_den : r0;
            double contrib = (w1 - w0) * (ri - r0);
            mix += contrib;
            move = fmax(move, fabs(w1 - w0));
            /* the segment the traffic moved towards, among those moving the total its way */
            int key = (contrib * d > 0) * 2 + (w1 > w0), top_key =
                          (top_c * d > 0) * 2 + (tw1 > tw0);
            bool better = !top || key > top_key || (key == top_key && contrib * d > top_c * d);
            if (better) {
                top = &dm->elems[j];
                top_c = contrib;
                tw0 = w0;
                tw1 = w1;
            }
        }
        double share = mix / d;
        if (share >= INV_MIX_SHARE && move >= INV_MIX_MIN_MOVE && share > best && top) {
            best = share;
            bd = dm;
            be = top;
            b_w0 = tw0;
            b_w1 = tw1;
            b_rate = top->s.base;
            dR = d;
            R0 = r0;
        }
    }
    if (!bd || !c->sym_component)
        return FL_OK;
    const char *ref = fl_inv__fmt(c->a, "%s=%s", bd->name, be->value);
    const char *text = fl_inv__fmt(
        c->a,
        "a shift in the mix of %s: %s went from %.1f%% to %.1f%% of the denominator, and its "
        "ratio was %.4g against %.4g overall before the onset; the mix explains %.0f%% of the "
        "change (%.4g -> %.4g), the ratios within the segments the rest",
        bd->name, ref ? ref : "", 100 * b_w0, 100 * b_w1, b_rate, R0, 100 * fmin(best, 9.99),
        R0, R0 + dR);
    if (!ref || !text)
        return aerr(c);
    fl_err e = fl_inv__ev_add(c->a, ev, FL_INV_EV_SEGMENT, c->sym_component, ref, text, b_w0,
                              b_w1, fmin(best, 1), FL_TS_NONE, true);
    if (e != FL_OK)
        return e;
    struct fl_inv__comp *k = fl_inv__comp_get(c, c->sym_component, true);
    if (!k)
        return FL_ENOMEM;
    k->mix_score = fmax(k->mix_score, fmin(best, 1));
    *found = true;
    return FL_OK;
}

/* Least share of the change a segment new since the baseline must account for. */
#define INV_NEW_SEGMENT_EP 0.8

/* The entry of the symptom's path: the component that depends, directly or not, on the
 * symptom's component (or is it) and that nothing depends on; NULL when there is not exactly
 * one. */
static const char *path_entry(struct fl_inv__ctx *c)
{
    const char *entry = NULL;
    for (size_t i = 0; i < c->n_comps; i++) {
        const char *n = c->comps[i].name;
        if (strcmp(n, c->sym_component) != 0 && !fl_inv__upstream(c, c->sym_component, n))
            continue;
        bool called = false;
        for (size_t j = 0; j < c->n_edges && !called; j++)
            called = strcmp(c->edges[j].callee, n) == 0;
        if (called)
            continue;
        if (entry)
            return NULL;
        entry = n;
    }
    return entry;
}

/*
 * New traffic (docs/rca.md "New traffic"): when the localized change is a segment that had no
 * traffic at all in the baseline (a new country, category or client version) and it accounts
 * for at least INV_NEW_SEGMENT_EP of the change, the change came in with that traffic, at the
 * entry of the symptom's path. The entry is marked; what changed downstream of it from the
 * onset on inherits (investigate.c).
 */
static bool new_segment(const struct fl_localize_seg *g)
{
    return g->base_num == 0 && g->base_den == 0 && (g->inc_num > 0 || g->inc_den > 0) &&
           fabs(g->ep) >= INV_NEW_SEGMENT_EP;
}

static fl_err new_segment_evidence(struct fl_inv__ctx *c, const struct fl_localize_report *r,
                                   const char *const *dims, struct fl_inv__evs *ev)
{
    if (r->verdict != FL_LOCALIZE_LOCALIZED || !c->sym_component)
        return FL_OK;
    /* the localized segment: a one-attribute RiskLoc cause, else an element of an Adtributor set */
    const char *dim = NULL, *val = NULL;
    const struct fl_localize_seg *g = NULL;
    for (size_t i = 0; i < r->n_causes && !g; i++)
        if (r->causes[i].n_attrs == 1 && new_segment(&r->causes[i].s)) {
            g = &r->causes[i].s;
            dim = dims[r->causes[i].dims[0]];
            val = r->causes[i].values[0];
        }
    for (size_t i = 0; i < r->n_dims && !g; i++) {
        const struct fl_localize_dim *dm = &r->dims[i];
        for (size_t j = 0; dm->selected && j < dm->n_elems && !g; j++)
            if (dm->elems[j].in_set && new_segment(&dm->elems[j].s)) {
                g = &dm->elems[j].s;
                dim = dm->name;
                val = dm->elems[j].value;
            }
    }
    if (!g)
        return FL_OK;
    const char *entry = path_entry(c);
    if (!entry)
        return FL_OK;
    struct fl_inv__comp *x = fl_inv__comp_get(c, entry, true);
    if (!x)
        return FL_ENOMEM;
    double amount = g->inc_den > 0 ? g->inc_den : g->inc_num, ep = fmin(fabs(g->ep), 1);
    const char *ref = fl_inv__fmt(c->a, "%s=%s", dim, val);
    const char *text = fl_inv__fmt(
        c->a, "%s is new traffic: no %s in the baseline, %.4g in the incident, and it accounts "
              "for %.0f%% of the change; it came in through %s, the entry of the symptom's path",
        ref ? ref : "", c->kpi && c->kpi->denominator ? c->kpi->denominator : "traffic", amount,
        100 * fabs(g->ep), entry);
    if (!ref || !text)
        return aerr(c);
    fl_err e = fl_inv__ev_add(c->a, ev, FL_INV_EV_SEGMENT, x->name, ref, text, 0, amount, ep,
                              FL_TS_NONE, true);
    if (e != FL_OK)
        return e;
    x->new_traffic = true;
    x->mix_score = fmax(x->mix_score, ep);
    return FL_OK;
}

static fl_err localize_run(struct fl_inv__ctx *c, struct fl_inv__evs *ev, int *status,
                           const char **summary)
{
    const struct fl_inv_request *rq = &c->inv->req;
    struct fl_inv__sset num, den;
    struct fl_localize *l = NULL;
    struct fl_localize_report *rep = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_inv__sset_init(&num, FL_INV_MAX_SERIES, true);
    fl_inv__sset_init(&den, FL_INV_MAX_SERIES, true);
    const char *dims[INV_LOC_MAX_DIMS];
    size_t n_dims = 0, skipped = 0;
    bool derived = rq->kind == FL_INV_KPI && c->kpi->denominator;
    fl_err e = read_part(c, rq->kind == FL_INV_KPI ? c->kpi->numerator : rq->selector, &num, &d);
    if (e == FL_OK && derived)
        e = read_part(c, c->kpi->denominator, &den, &d);
    if (e != FL_OK)
        goto out;
    if (rq->kind == FL_INV_KPI) {
        for (size_t i = 0; i < c->kpi->n_dimensions && n_dims < INV_LOC_MAX_DIMS; i++)
            dims[n_dims++] = c->kpi->dimensions[i];
    } else {
        n_dims = selector_dims(&num, dims);
    }
    if (n_dims == 0) {
        *status = FL_INV_STEP_SKIPPED;
        *summary = rq->kind == FL_INV_KPI ? "the KPI has no dimensions configured"
                                          : "the symptom's series do not differ in any label: "
                                            "no segments to compare";
        goto out;
    }
    if ((e = fl_localize_new(dims, n_dims, derived, &l, &d)) != FL_OK)
        goto out;
    if ((e = loc_add(c, l, &num, dims, n_dims, false, &skipped)) != FL_OK ||
        (derived && (e = loc_add(c, l, &den, dims, n_dims, true, &skipped)) != FL_OK))
        goto out;
    if (fl_localize_n_leaves(l) < 2) {
        *status = FL_INV_STEP_SKIPPED;
        *summary = fl_inv__fmt(c->a, "%zu segment over %zu dimension%s: nothing to compare",
                               fl_localize_n_leaves(l), n_dims, n_dims == 1 ? "" : "s");
        goto out;
    }
    if ((e = fl_localize_run(l, NULL, &rep, &d)) != FL_OK)
        goto out;
    if ((e = fl_inv__loc_evidence(c, rep, dims, ev)) != FL_OK)
        goto out;
    if ((e = new_segment_evidence(c, rep, dims, ev)) != FL_OK)
        goto out;
    bool mix = false;
    if (derived && rep->verdict != FL_LOCALIZE_LOCALIZED && (e = mix_evidence(c, rep, ev, &mix)))
        goto out;
    *status = rep->verdict == FL_LOCALIZE_LOCALIZED || mix ? FL_INV_STEP_FOUND
                                                           : FL_INV_STEP_NOTHING;
    *summary = fl_inv__fmt(c->a, "%zu segments over %zu dimension%s: %s%s%s%s", rep->n_leaves,
                           n_dims, n_dims == 1 ? "" : "s",
                           rep->verdict == FL_LOCALIZE_LOCALIZED ? "the change is localized: "
                           : rep->verdict == FL_LOCALIZE_UNIFORM ? "the change is uniform: "
                                                                 : "no change: ",
                           rep->reason ? rep->reason : "",
                           mix ? "; but the mix of segments shifted (see the mix evidence)" : "",
                           skipped ? " (series with negative values left out)" : "");
out:
    if (e != FL_OK && e != FL_ENOMEM && e != FL_ELIMIT) {
        *status = FL_INV_STEP_FAILED;
        *summary = fl_inv__fmt(c->a, "%s: %s", fl_err_name(e), d.msg);
        e = FL_OK;
    }
    fl_localize_report_free(rep);
    fl_localize_free(l);
    fl_inv__sset_free(&num);
    fl_inv__sset_free(&den);
    return e;
}

fl_err fl_inv__localize_segments(struct fl_inv__ctx *c)
{
    int64_t t0 = fl_inv__mono_ns();
    struct fl_inv__evs ev = {0};
    int status = FL_INV_STEP_FAILED;
    const char *summary = NULL;
    if (c->inv->req.kind == FL_INV_LATENCY) {
        fl_err e = fl_inv__localize_latency(c, &ev, &status, &summary);
        if (e != FL_OK)
            return e;
        return fl_inv__step_add(c, "localize_segments", status, summary, &ev, t0, NULL);
    }
    fl_err e = localize_run(c, &ev, &status, &summary);
    if (e != FL_OK)
        return e;
    return fl_inv__step_add(c, "localize_segments", status, summary, &ev, t0, NULL);
}

/* ---- ml_evidence ---- */

/* Is a component on the symptom's path: the symptom's own, upstream of it, or changed? */
static bool on_path(struct fl_inv__ctx *c, const char *comp)
{
    if (!c->sym_component)
        return true;
    if (strcmp(comp, c->sym_component) == 0 || fl_inv__upstream(c, comp, c->sym_component))
        return true;
    const struct fl_inv__comp *k = fl_inv__comp_get(c, comp, false);
    return k && (k->changed || k->trace_changed);
}

static void ml_signal(struct fl_inv__ctx *c, const char *comp, double v)
{
    struct fl_inv__comp *k = fl_inv__comp_get(c, comp, true);
    if (k && v > k->ml_score)
        k->ml_score = v;
}

struct ml_ud {
    struct fl_inv__ctx *c;
    struct fl_inv__evs *ev;
    const char *model, *comp;
    size_t n_found;
    fl_err err;
    /* traffic: versions and counts per window */
    char ver[16][64];
    uint64_t cnt[16][2];
    size_t n_ver;
    bool base_drift;
};

static int version_change_cb(const struct fl_event *x, void *ud)
{
    struct ml_ud *u = ud;
    struct fl_inv__ctx *c = u->c;
    int64_t on = c->inv->onset_ms;
    double ft = x->ts_ms <= on ? exp(-(double)(on - x->ts_ms) / (20.0 * 60 * 1000)) : 0;
    bool supports = ft >= 0.2;
    const char *ref = fl_inv__fmt(c->a, "%s/%s", u->model, x->id);
    const char *text = fl_inv__fmt(c->a, "model %s: %s%s%s, %lld s %s the onset", u->model,
                                   *x->message ? x->message : "version change",
                                   *x->message ? "" : " ", *x->message ? "" : x->attrs_json,
                                   (long long)(llabs(on - x->ts_ms) / 1000),
                                   x->ts_ms <= on ? "before" : "after");
    u->err = fl_inv__ev_add(c->a, u->ev, FL_INV_EV_MODEL, u->comp, ref, text, NAN, NAN, ft,
                            x->ts_ms, supports);
    if (supports) {
        u->n_found++;
        struct fl_inv__comp *k = fl_inv__comp_get(c, u->comp, true);
        if (k && ft > k->event_score)
            k->event_score = ft;
    }
    return u->err != FL_OK;
}

static int traffic_cb(const char *version, int64_t bucket, uint64_t n, void *ud)
{
    struct ml_ud *u = ud;
    if (bucket < 0 || bucket > 1)
        return 0;
    size_t i = 0;
    while (i < u->n_ver && strcmp(u->ver[i], version) != 0)
        i++;
    if (i == u->n_ver) {
        if (u->n_ver == 16)
            return 0;
        snprintf(u->ver[i], sizeof u->ver[i], "%s", version);
        u->cnt[i][0] = u->cnt[i][1] = 0;
        u->n_ver++;
    }
    u->cnt[i][bucket] += n;
    return 0;
}

static fl_err traffic(struct ml_ud *u)
{
    struct fl_inv__ctx *c = u->c;
    const struct fl_investigation *inv = c->inv;
    int64_t step = inv->incident_start_ms - inv->baseline_start_ms;
    fl_err e = fl_store_traffic(c->s, u->model, inv->baseline_start_ms, inv->incident_end_ms - 1,
                                step, traffic_cb, u, NULL);
    if (e != FL_OK)
        return e == FL_ENOMEM ? e : FL_OK;
    /* Bucket 0 is the baseline; bucket 1 starts at the incident (longer than it: cut at end). */
    uint64_t tot[2] = {0, 0};
    for (size_t i = 0; i < u->n_ver; i++)
        tot[0] += u->cnt[i][0], tot[1] += u->cnt[i][1];
    if (tot[0] == 0 && tot[1] == 0)
        return FL_OK;
    for (size_t i = 0; i < u->n_ver && e == FL_OK; i++) {
        double sb = tot[0] ? (double)u->cnt[i][0] / (double)tot[0] : 0;
        double si = tot[1] ? (double)u->cnt[i][1] / (double)tot[1] : 0;
        bool moved = fabs(si - sb) >= 0.2;
        if (moved) {
            u->n_found++;
            ml_signal(c, u->comp, fmin(1, fabs(si - sb)));
        }
        e = fl_inv__ev_add(c->a, u->ev, FL_INV_EV_MODEL, u->comp,
                           fl_inv__fmt(c->a, "%s/%s", u->model, u->ver[i]),
                           fl_inv__fmt(c->a, "model %s version %s served %.1f%% of the "
                                             "baseline's inferences and %.1f%% of the "
                                             "incident's",
                                       u->model, u->ver[i], 100 * sb, 100 * si),
                           sb, si, si - sb, FL_TS_NONE, moved);
    }
    return e;
}

static int drift_cb(const struct fl_store_drift_run *r, void *ud)
{
    struct ml_ud *u = ud;
    struct fl_inv__ctx *c = u->c;
    const struct fl_investigation *inv = c->inv;
    if (strcmp(r->status, "ok") != 0)
        return 0;
    bool in_inc = r->end_ms > inv->incident_start_ms;
    if (!in_inc) {
        u->base_drift |= r->dataset_drift;
        return 0;
    }
    bool supports = r->dataset_drift && !u->base_drift;
    for (size_t i = 0; i < r->n_rows && u->err == FL_OK; i++) {
        const struct fl_store_drift_row *x = &r->rows[i];
        if (!x->drifted)
            continue;
        u->err = fl_inv__ev_add(
            c->a, u->ev, FL_INV_EV_DRIFT, u->comp,
            fl_inv__fmt(c->a, "%s/%s/%s", r->model, r->version, x->feature),
            fl_inv__fmt(c->a, "model %s %s: feature %s drifted against the %s (%s %s %.3g, p "
                              "%.3g; score %.3g > %.3g)",
                        r->model, r->version, x->feature, r->baseline, x->check,
                        x->stat_name ? x->stat_name : "statistic", x->statistic, x->pvalue,
                        x->score, x->threshold),
            NAN, NAN, x->score, r->start_ms, supports);
    }
    if (supports) {
        u->n_found++;
        ml_signal(c, u->comp, isfinite(r->share) ? fmax(0.5, r->share) : 0.5);
    }
    return u->err != FL_OK;
}

static fl_err model_evidence(struct fl_inv__ctx *c, const struct fl_model_cfg *m,
                             struct fl_inv__evs *ev, size_t *n_found)
{
    const struct fl_investigation *inv = c->inv;
    struct ml_ud u = {.c = c, .ev = ev, .model = m->name};
    u.comp = fl_arena_strdup(c->a, m->component ? m->component : m->name);
    if (!u.comp)
        return aerr(c);
    fl_err e = fl_store_registry_changes(c->s, m->name, inv->baseline_start_ms,
                                         inv->incident_end_ms - 1, 100, version_change_cb, &u,
                                         NULL);
    if (e == FL_OK)
        e = u.err;
    if (e == FL_OK)
        e = traffic(&u);
    if (e == FL_OK) {
        e = fl_store_drift_runs(c->s, m->name, NULL, inv->baseline_start_ms,
                                inv->incident_end_ms - 1, 1000, drift_cb, &u, NULL);
        if (e == FL_OK)
            e = u.err;
    }
    *n_found += u.n_found;
    return e;
}

static fl_err freshness_evidence(struct fl_inv__ctx *c, struct fl_inv__evs *ev, size_t *n_found)
{
    const struct fl_investigation *inv = c->inv;
    struct fl_fresh_report rep;
    int64_t at = inv->incident_end_ms < inv->req.now_ms ? inv->incident_end_ms : inv->req.now_ms;
    fl_err e = fl_freshness_evaluate(c->s, c->cfg, at, inv->req.now_ms, &rep, NULL);
    for (size_t i = 0; e == FL_OK && i < rep.n_jobs; i++) {
        const struct fl_fresh_job *j = &rep.jobs[i];
        const char *comp = j->rule->component;
        if (!on_path(c, comp))
            continue;
        bool bad = fl_freshness_alerting(&j->st) &&
                   (j->st.deadline_ms == FL_TS_NONE || j->st.deadline_ms <= at);
        const char *cp = fl_arena_strdup(c->a, comp);
        e = fl_inv__ev_add(c->a, ev, FL_INV_EV_FRESHNESS, cp, cp,
                           fl_inv__fmt(c->a, "%s: %s (%s)%s", comp,
                                       fl_freshness_state_name(j->st.state),
                                       j->st.reason ? j->st.reason : "",
                                       bad && j->st.deadline_ms != FL_TS_NONE &&
                                               j->st.deadline_ms <= inv->onset_ms
                                           ? ", already before the onset"
                                           : ""),
                           NAN, NAN, (double)j->st.late_by_ms, j->st.last_success_ms, bad);
        if (bad) {
            (*n_found)++;
            ml_signal(c, comp, 1);
            struct fl_inv__comp *k = fl_inv__comp_get(c, comp, true);
            if (k) {
                k->stale = true;
                /* when the missed run was due (its deadline less the grace allowed on top),
                 * less the grace again as the margin of when a downstream change "began" (an
                 * age crosses its normal range a little before the run is due) */
                k->stale_since_ms = j->st.deadline_ms == FL_TS_NONE
                                        ? FL_TS_NONE
                                        : j->st.deadline_ms - 2 * j->rule->grace_ms;
            }
        }
    }
    for (size_t i = 0; e == FL_OK && i < rep.n_features; i++) {
        const struct fl_fresh_feature *f = &rep.features[i];
        double r = fl_freshness_stale_ratio(f);
        if (r < 0.05)
            continue;
        const char *comp = NULL;
        for (size_t k = 0; c->cfg && k < c->cfg->n_models; k++)
            if (strcmp(c->cfg->models[k].name, f->model) == 0)
                comp = c->cfg->models[k].component;
        comp = fl_arena_strdup(c->a, comp ? comp : f->model);
        bool bad = r >= 0.1 && on_path(c, comp);
        e = fl_inv__ev_add(c->a, ev, FL_INV_EV_FRESHNESS, comp,
                           fl_inv__fmt(c->a, "%s/%s", f->model, f->feature),
                           fl_inv__fmt(c->a, "model %s feature %s: no fresh value in %.1f%% of "
                                             "requests before %s",
                                       f->model, f->feature, 100 * r, "the incident's end"),
                           NAN, NAN, r, FL_TS_NONE, bad);
        if (bad) {
            (*n_found)++;
            ml_signal(c, comp, fmin(1, 2 * r));
        }
    }
    fl_freshness_report_cleanup(&rep);
    return e == FL_ENOMEM || e == FL_ELIMIT ? e : FL_OK;
}

fl_err fl_inv__ml_evidence(struct fl_inv__ctx *c)
{
    int64_t t0 = fl_inv__mono_ns();
    struct fl_inv__evs ev = {0};
    size_t n_found = 0, n_models = 0;
    fl_err e = FL_OK;
    for (size_t i = 0; c->cfg && i < c->cfg->n_models && e == FL_OK; i++) {
        const struct fl_model_cfg *m = &c->cfg->models[i];
        if (!on_path(c, m->component ? m->component : m->name))
            continue;
        n_models++;
        e = model_evidence(c, m, &ev, &n_found);
    }
    bool jobs = c->cfg && c->cfg->n_freshness > 0;
    if (e == FL_OK && c->cfg)
        e = freshness_evidence(c, &ev, &n_found);
    if (e == FL_ENOMEM || e == FL_ELIMIT)
        return e;
    if (e != FL_OK)
        return fl_inv__step_add(c, "ml_evidence", FL_INV_STEP_FAILED,
                                fl_inv__fmt(c->a, "reading ML evidence failed: %s",
                                            fl_err_name(e)),
                                &ev, t0, NULL);
    if (n_models == 0 && !jobs && ev.n == 0)
        return fl_inv__step_add(c, "ml_evidence", FL_INV_STEP_SKIPPED,
                                "no configured model or batch job on the symptom's path", NULL,
                                t0, NULL);
    const char *summary = fl_inv__fmt(
        c->a, "%zu model%s on the symptom's path%s: %s", n_models, n_models == 1 ? "" : "s",
        jobs ? " and the configured batch jobs" : "",
        n_found ? "version, traffic, drift or freshness changes found"
                : "no version change, traffic shift, drift or stale data");
    return fl_inv__step_add(c, "ml_evidence", n_found ? FL_INV_STEP_FOUND : FL_INV_STEP_NOTHING,
                            summary, &ev, t0, NULL);
}
