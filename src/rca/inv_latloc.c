/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inv_latloc.c: localize_segments for a latency symptom (docs/rca.md "localize_segments",
 * latency). A percentile is not a sum, so it cannot be split across segments as a KPI can; the
 * count of slow requests can. A request is slow when its duration exceeds the baseline's
 * order statistic X_(j), j = ceil(q (n + 1)), for the symptom's percentile q (the threshold of
 * verify_symptom's exceedance test): about 1 - q of the baseline's requests, and many more of the
 * incident's when the percentile rose. The slow rate (slow / all, per segment) is then a derived
 * measure like a click-through rate, and the same localization runs on it (src/rca/localize.h:
 * Adtributor, RiskLoc, the uniform-or-localized verdict), with the incident's counts compared
 * to the baseline's scaled to the incident's length. Each segment's baseline slow share is taken
 * as the whole baseline's (about 1 - q): a segment's own is a handful of requests (1 % of a few
 * hundred), whose noise would make a uniform slowdown look localized; so the question answered
 * is "where are the incident's slow requests, against the traffic", and a segment that was
 * already slower than the rest before the onset is not told apart from one that became slow.
 *
 * Segments are the attributes of the symptom's own server spans: the span name (when no
 * operation was given), then string attributes of the span and its resource that take 2 to
 * INV_LATLOC_MAX_VALUES values over the windows, the OpenTelemetry conventions that name where
 * a request went or came from first (INV_LATLOC_PREFERRED), up to INV_LOC_MAX_DIMS in all.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map.h"
#include "rca/inv_int.h"
#include "rca/localize.h"
#include "stats/special.h"

#define INV_LATLOC_MAX_SPANS 500000 /* spans read; more are left out (the summary says so) */
#define INV_LATLOC_MAX_KEYS 64      /* distinct attribute keys tracked */
#define INV_LATLOC_MAX_VALUES 50    /* a dimension with more values is an identifier, skipped */
#define INV_LATLOC_MAX_DIMS 8

/* Attributes that say where a request went or came from, in the order they are preferred. */
static const char *const INV_LATLOC_PREFERRED[] = {
    "http.route",          "rpc.method",         "service.version",  "k8s.node.name",
    "cloud.availability_zone", "cloud.region",   "k8s.pod.name",     "host.name",
    "deployment.environment", "http.request.method", "http.method",  "user_agent.original",
};

/* Keys never used: identifiers and free text. */
static bool skip_key(const char *k)
{
    static const char *const deny[] = {"url.full",  "http.url",  "http.target", "url.path",
                                       "url.query", "exception.message", "exception.stacktrace",
                                       "db.statement", "db.query.text"};
    for (size_t i = 0; i < sizeof deny / sizeof *deny; i++)
        if (!strcmp(k, deny[i]))
            return true;
    size_t n = strlen(k);
    return n >= 3 && !strcmp(k + n - 3, ".id");
}

struct lat_key {
    char *name;
    char *values[INV_LATLOC_MAX_VALUES];
    size_t n_values;
    bool too_many;
};

struct lat_span {
    double dur_ms;
    bool inc;              /* incident window (else baseline) */
    unsigned short *val;   /* per key: value index + 1, 0 = absent */
};

struct lat_ctx {
    struct fl_inv__ctx *c;
    struct lat_key keys[INV_LATLOC_MAX_KEYS];
    size_t n_keys;
    struct lat_span *sp;
    size_t n, cap;
    size_t n_left_out;
    bool op_dim; /* "span.name" is key 0 */
    fl_err err;
};

static long key_index(struct lat_ctx *x, const char *k)
{
    for (size_t i = 0; i < x->n_keys; i++)
        if (!strcmp(x->keys[i].name, k))
            return (long)i;
    if (x->n_keys == INV_LATLOC_MAX_KEYS)
        return -1;
    if (!(x->keys[x->n_keys].name = fl_strdup(k))) {
        x->err = FL_ENOMEM;
        return -1;
    }
    return (long)x->n_keys++;
}

/* Value index + 1 of v under key i, 0 when the key has too many values. */
static unsigned short value_index(struct lat_ctx *x, size_t i, const char *v)
{
    struct lat_key *k = &x->keys[i];
    for (size_t j = 0; j < k->n_values; j++)
        if (!strcmp(k->values[j], v))
            return (unsigned short)(j + 1);
    if (k->n_values == INV_LATLOC_MAX_VALUES) {
        k->too_many = true;
        return 0;
    }
    if (!(k->values[k->n_values] = fl_strdup(v))) {
        x->err = FL_ENOMEM;
        return 0;
    }
    return (unsigned short)(++k->n_values);
}

static void take_attrs(struct lat_ctx *x, struct lat_span *s, const char *json)
{
    if (!json || !*json || !strcmp(json, "{}"))
        return;
    json_t *o = json_loads(json, 0, NULL);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (!json_is_string(v) || skip_key(k))
            continue;
        long i = key_index(x, k);
        if (i < 0)
            continue;
        s->val[i] = value_index(x, (size_t)i, json_string_value(v));
    }
    json_decref(o);
}

static int span_cb(const struct fl_span *sp, void *ud)
{
    struct lat_ctx *x = ud;
    const struct fl_investigation *inv = x->c->inv;
    const struct fl_inv_request *r = &inv->req;
    if (sp->kind != FL_SPAN_SERVER || strcmp(sp->service, r->service) != 0)
        return 0;
    if (r->operation && strcmp(sp->name, r->operation) != 0)
        return 0;
    int64_t t = sp->start_ns / 1000000;
    bool b = t >= inv->baseline_start_ms && t < inv->baseline_end_ms;
    bool in = t >= inv->incident_start_ms && t < inv->incident_end_ms;
    if (!b && !in)
        return 0;
    if (x->n == INV_LATLOC_MAX_SPANS) {
        x->n_left_out++;
        return 0;
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 1024;
        struct lat_span *p = fl_reallocarray(x->sp, cap, sizeof *p);
        if (!p) {
            x->err = FL_ENOMEM;
            return 1;
        }
        x->sp = p;
        x->cap = cap;
    }
    struct lat_span *s = &x->sp[x->n];
    s->dur_ms = (double)(sp->end_ns - sp->start_ns) / 1e6;
    s->inc = in;
    s->val = fl_calloc(INV_LATLOC_MAX_KEYS, sizeof *s->val);
    if (!s->val) {
        x->err = FL_ENOMEM;
        return 1;
    }
    x->n++;
    if (x->op_dim)
        s->val[0] = value_index(x, 0, sp->name);
    take_attrs(x, s, sp->attrs_json);
    take_attrs(x, s, sp->resource_json);
    return x->err != FL_OK;
}

static void lat_free(struct lat_ctx *x)
{
    for (size_t i = 0; i < x->n; i++)
        fl_free(x->sp[i].val);
    fl_free(x->sp);
    for (size_t i = 0; i < x->n_keys; i++) {
        fl_free(x->keys[i].name);
        for (size_t j = 0; j < x->keys[i].n_values; j++)
            fl_free(x->keys[i].values[j]);
    }
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The dimensions: keys with 2..INV_LATLOC_MAX_VALUES values, span.name and the preferred ones
 * first. */
static size_t pick_dims(const struct lat_ctx *x, size_t *dims)
{
    size_t n = 0;
    bool used[INV_LATLOC_MAX_KEYS] = {false};
#define USABLE(i) (!x->keys[i].too_many && x->keys[i].n_values >= 2 && !used[i])
    if (x->op_dim && USABLE(0)) {
        dims[n++] = 0;
        used[0] = true;
    }
    for (size_t p = 0; p < sizeof INV_LATLOC_PREFERRED / sizeof *INV_LATLOC_PREFERRED; p++)
        for (size_t i = 0; i < x->n_keys && n < INV_LATLOC_MAX_DIMS; i++)
            if (USABLE(i) && !strcmp(x->keys[i].name, INV_LATLOC_PREFERRED[p])) {
                dims[n++] = i;
                used[i] = true;
            }
    for (size_t i = 0; i < x->n_keys && n < INV_LATLOC_MAX_DIMS; i++)
        if (USABLE(i)) {
            dims[n++] = i;
            used[i] = true;
        }
#undef USABLE
    return n;
}

fl_err fl_inv__localize_latency(struct fl_inv__ctx *c, struct fl_inv__evs *ev, int *status,
                                const char **summary)
{
    struct fl_investigation *inv = c->inv;
    struct lat_ctx x = {.c = c, .op_dim = inv->req.operation == NULL};
    struct fl_localize *l = NULL;
    struct fl_localize_report *rep = NULL;
    double *base = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = FL_OK;
    if (x.op_dim && key_index(&x, "span.name") != 0)
        e = x.err ? x.err : FL_ENOMEM;
    if (e == FL_OK)
        e = fl_store_span_scan(c->s, inv->baseline_start_ms * 1000000,
                               inv->incident_end_ms * 1000000 - 1, span_cb, &x, &d);
    if (e == FL_OK)
        e = x.err;
    if (e != FL_OK)
        goto out;
    size_t nb = 0, ni = 0;
    base = fl_calloc(x.n ? x.n : 1, sizeof *base);
    if (!base) {
        e = FL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < x.n; i++) {
        if (x.sp[i].inc)
            ni++;
        else
            base[nb++] = x.sp[i].dur_ms;
    }
    if (nb < FL_INV_SPAN_TEST_MIN_BASE || ni < FL_INV_SPAN_TEST_MIN_INC) {
        *status = FL_INV_STEP_SKIPPED;
        *summary = fl_inv__fmt(c->a, "%zu baseline and %zu incident spans of the service: too few "
                                     "to compare segments (%d and %d needed)",
                               nb, ni, FL_INV_SPAN_TEST_MIN_BASE, FL_INV_SPAN_TEST_MIN_INC);
        goto out;
    }
    qsort(base, nb, sizeof *base, cmp_dbl);
    double q = inv->req.percentile / 100.0;
    size_t j = (size_t)ceil(q * (double)(nb + 1));
    j = j < 1 ? 1 : j > nb ? nb : j;
    double thr = base[j - 1];
    size_t slow_base = 0;
    for (size_t i = 0; i < nb; i++)
        slow_base += base[i] > thr;
    double r0 = (double)slow_base / (double)nb;
    /* Did the share of slow requests change at all? The exceedance test of verify_symptom. */
    size_t slow_inc = 0;
    for (size_t i = 0; i < x.n; i++)
        slow_inc += x.sp[i].inc && x.sp[i].dur_ms > thr;
    double pv = fl_special_betabinom_sf(slow_inc, ni, (double)(nb + 1 - j), (double)j);
    if (!(pv < FL_INV_SPAN_TEST_P)) {
        *status = FL_INV_STEP_NOTHING;
        *summary = fl_inv__fmt(c->a, "slow requests (above the baseline's P%g, %.4g ms): %zu of "
                                     "%zu incident spans, no more than chance allows (exceedance "
                                     "test p = %.2g): nothing to localize",
                               inv->req.percentile, thr, slow_inc, ni, pv);
        goto out;
    }
    size_t dims_i[INV_LATLOC_MAX_DIMS];
    size_t n_dims = pick_dims(&x, dims_i);
    if (n_dims == 0) {
        *status = FL_INV_STEP_SKIPPED;
        *summary = fl_inv__fmt(c->a, "the service's %zu spans carry no attribute with 2 to %d "
                                     "values: no segments to compare",
                               x.n, INV_LATLOC_MAX_VALUES);
        goto out;
    }
    const char *dims[INV_LATLOC_MAX_DIMS];
    for (size_t k = 0; k < n_dims; k++)
        dims[k] = x.keys[dims_i[k]].name;
    if ((e = fl_localize_new(dims, n_dims, true, &l, &d)) != FL_OK)
        goto out;
    for (size_t i = 0; i < x.n; i++) {
        const struct lat_span *s = &x.sp[i];
        struct fl_str vals[INV_LATLOC_MAX_DIMS];
        for (size_t k = 0; k < n_dims; k++) {
            unsigned short v = s->val[dims_i[k]];
            const char *t = v ? x.keys[dims_i[k]].values[v - 1] : "";
            vals[k] = (struct fl_str){t, strlen(t)};
        }
        struct fl_localize_row row = {0};
        if (s->inc) {
            row.inc_num = s->dur_ms > thr ? 1 : 0;
            row.inc_den = 1;
        } else {
            row.base_num = r0; /* the baseline's slow share, the same for every segment */
            row.base_den = 1;
        }
        if ((e = fl_localize_add(l, vals, &row, &d)) != FL_OK)
            goto out;
    }
    struct fl_localize_opts o;
    fl_localize_opts_init(&o);
    double bl = (double)(inv->baseline_end_ms - inv->baseline_start_ms);
    double il = (double)(inv->incident_end_ms - inv->incident_start_ms);
    if (bl > 0 && il > 0)
        o.baseline_scale = il / bl;
    if ((e = fl_localize_run(l, &o, &rep, &d)) != FL_OK)
        goto out;
    e = fl_inv__ev_add(c->a, ev, FL_INV_EV_SEGMENT, c->sym_component, "slow",
                       fl_inv__fmt(c->a, "the measure is the share of slow requests: a request "
                                         "is slow above %.4g ms, the baseline's P%g (%zu "
                                         "baseline, %zu incident spans%s)",
                                   thr, inv->req.percentile, nb, ni,
                                   x.n_left_out ? "; more were left out" : ""),
                       NAN, thr, NAN, FL_TS_NONE, false);
    if (e == FL_OK)
        e = fl_inv__loc_evidence(c, rep, dims, ev);
    if (e != FL_OK)
        goto out;
    *status = rep->verdict == FL_LOCALIZE_LOCALIZED ? FL_INV_STEP_FOUND : FL_INV_STEP_NOTHING;
    *summary = fl_inv__fmt(c->a, "slow requests (above the baseline's P%g, %.4g ms) over %zu "
                                 "segments of %zu dimension%s: %s%s",
                           inv->req.percentile, thr, rep->n_leaves, n_dims,
                           n_dims == 1 ? "" : "s",
                           rep->verdict == FL_LOCALIZE_LOCALIZED ? "the change is localized: "
                           : rep->verdict == FL_LOCALIZE_UNIFORM ? "the change is uniform: "
                                                                 : "no change: ",
                           rep->reason ? rep->reason : "");
out:
    if (e != FL_OK && e != FL_ENOMEM && e != FL_ELIMIT) {
        *status = FL_INV_STEP_FAILED;
        *summary = fl_inv__fmt(c->a, "%s: %s", fl_err_name(e), d.msg);
        e = FL_OK;
    }
    fl_localize_report_free(rep);
    fl_localize_free(l);
    fl_free(base);
    lat_free(&x);
    return e;
}
