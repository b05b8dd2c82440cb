/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_exemplars.c: GET/POST /api/v1/query_exemplars in the shape of the Prometheus HTTP API
 * (prometheus docs/querying/api.md, "Querying exemplars"), with which Grafana draws exemplars on
 * a graph and links each to its trace:
 *
 *   {"status":"success","data":[{"seriesLabels":{...},"exemplars":[
 *     {"labels":{"trace_id":"..."},"value":"0.51","timestamp":1700000000.123,
 *      "trace":{"stored":true,"root":true,"duration_ms":512.3,"href":"/api/v1/traces/<id>"}}]}]}
 *
 * "trace" is faultline's addition: for an exemplar with a trace id label (routes_exemplars.h),
 * whether faultline stores that trace and how long its root span took, so that a latency spike
 * leads to the slow traces behind it. The exemplars are copied out of the store first and the
 * traces looked up afterwards (a store callback holds a reader connection; a lookup inside it
 * would take a second one, and a full pool would then wait for itself). Lookups are capped at
 * FL_EXEMPLARS_MAX_LOOKUPS distinct traces per answer, in answer order; the rest carry only
 * "href", and the answer a Prometheus "warnings" entry saying so.
 *
 * As the other Prometheus-API routes (routes_prom.c), `query` is a series selector, not PromQL,
 * and errors use Prometheus' envelope {"status":"error","errorType":..,"error":..}.
 */
#include "routes_exemplars.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/arena.h"
#include "../core/map.h"
#include "../core/matcher.h"
#include "../core/time.h"
#include "../ingest/selector.h"
#include "../store/store.h"
#include "http_int.h"
#include "promapi.h"

#define TIME_MIN (-((int64_t)1 << 62))
#define TIME_MAX ((int64_t)1 << 62)

/* ---- the pure parts ---- */

const char *fl_exemplars_trace_label(const struct fl_label *labels, size_t n_labels)
{
    static const char *const names[] = {"trace_id", "traceID", "trace.id"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        for (size_t i = 0; i < n_labels; i++)
            if (labels[i].name && labels[i].value && !strcmp(labels[i].name, names[k]))
                return labels[i].value;
    return NULL;
}

bool fl_exemplars_trace_id(const char *s, char out[33])
{
    static const char digits[] = "0123456789abcdef";
    size_t len = s ? strnlen(s, 33) : 0;
    if (len == 0 || len > 32)
        return false;
    size_t pad = 32 - len;
    int nonzero = 0;
    memset(out, '0', pad);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0)
            return false;
        nonzero |= v;
        out[pad + i] = digits[v];
    }
    out[32] = '\0';
    return nonzero != 0;
}

/* ---- collecting the store's exemplars ---- */

/* What the store says about one trace. */
struct trace_info {
    bool stored, root;
    int64_t dur_ns; /* the root span's, else the stored spans' extent */
};

struct ex {
    struct fl_label *labels; /* sorted by name, in the arena */
    size_t n_labels;
    double value;
    int64_t ts_ms;
    bool has_trace;                /* a trace id label whose value is a trace id */
    char trace_id[33];             /* normalised, when has_trace */
    const struct trace_info *info; /* NULL: not looked up (the cap) */
};

struct group {
    struct fl_label *labels; /* the series' (sorted by the store), in the arena */
    size_t n_labels;
    size_t first, n; /* its exemplars: ex[first .. first + n) */
};

struct collect {
    struct fl_arena a;
    struct ex *ex;
    size_t n_ex, cap_ex;
    struct group *g;
    size_t n_g, cap_g;
    fl_err err; /* FL_ENOMEM, or FL_ELIMIT past the caps */
};

static int cmp_label_name(const void *a, const void *b)
{
    const struct fl_label *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* Copies of ls[0..n) in the arena; NULL when it is full. */
static struct fl_label *copy_labels(struct fl_arena *a, const struct fl_label *ls, size_t n)
{
    struct fl_label *out = fl_arena_calloc(a, n ? n : 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++) {
        out[i].name = fl_arena_strdup(a, ls[i].name ? ls[i].name : "");
        out[i].value = fl_arena_strdup(a, ls[i].value ? ls[i].value : "");
        if (!out[i].name || !out[i].value)
            return NULL;
    }
    return out;
}

static bool same_labels(const struct group *g, const struct fl_label *ls, size_t n)
{
    if (g->n_labels != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(g->labels[i].name, ls[i].name) || strcmp(g->labels[i].value, ls[i].value))
            return false;
    return true;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *np = fl_reallocarray(*p, ncap, elem);
    if (!np)
        return false;
    *p = np;
    *cap = ncap;
    return true;
}

static fl_err arena_err(const struct fl_arena *a)
{
    return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
}

/* fl_store_exemplar_fn: the store hands the exemplars of one series after another. */
static int on_exemplar(const struct fl_label *series, size_t n_series, const struct fl_exemplar *x,
                       void *ud)
{
    struct collect *c = ud;
    if (c->n_ex >= FL_EXEMPLARS_MAX_RESULT) {
        c->err = FL_ELIMIT;
        return 1;
    }
    if (c->n_g == 0 || !same_labels(&c->g[c->n_g - 1], series, n_series)) {
        if (!grow((void **)&c->g, &c->cap_g, c->n_g + 1, sizeof *c->g)) {
            c->err = FL_ENOMEM;
            return 1;
        }
        struct group *g = &c->g[c->n_g];
        if (!(g->labels = copy_labels(&c->a, series, n_series))) {
            c->err = arena_err(&c->a);
            return 1;
        }
        g->n_labels = n_series;
        g->first = c->n_ex;
        g->n = 0;
        c->n_g++;
    }
    if (!grow((void **)&c->ex, &c->cap_ex, c->n_ex + 1, sizeof *c->ex)) {
        c->err = FL_ENOMEM;
        return 1;
    }
    struct ex *e = &c->ex[c->n_ex];
    memset(e, 0, sizeof *e);
    if (!(e->labels = copy_labels(&c->a, x->labels, x->n_labels))) {
        c->err = arena_err(&c->a);
        return 1;
    }
    e->n_labels = x->n_labels;
    if (e->n_labels > 1)
        qsort(e->labels, e->n_labels, sizeof *e->labels, cmp_label_name);
    e->value = x->value;
    /* Prometheus gives an exemplar without its own timestamp the time of its sample. */
    e->ts_ms = x->ts_ms != FL_TS_NONE ? x->ts_ms : x->sample_ts_ms;
    e->has_trace =
        fl_exemplars_trace_id(fl_exemplars_trace_label(e->labels, e->n_labels), e->trace_id);
    c->n_ex++;
    c->g[c->n_g - 1].n++;
    return 0;
}

/* Prometheus labels.Compare over two series: pairwise by name then value; a prefix sorts first. */
static int cmp_groups(const void *pa, const void *pb)
{
    const struct group *a = pa, *b = pb;
    size_t n = a->n_labels < b->n_labels ? a->n_labels : b->n_labels;
    for (size_t i = 0; i < n; i++) {
        int c = strcmp(a->labels[i].name, b->labels[i].name);
        if (c)
            return c;
        c = strcmp(a->labels[i].value, b->labels[i].value);
        if (c)
            return c;
    }
    return (a->n_labels > b->n_labels) - (a->n_labels < b->n_labels);
}

/* ---- trace lookups ---- */

struct root_find {
    struct trace_info *t;
    int64_t min_start, max_end;
};

/* Spans come by start time: the first root span is the trace's root; stop there. */
static int on_trace_span(const struct fl_span *sp, void *ud)
{
    struct root_find *f = ud;
    if (!sp->parent_span_id[0]) {
        f->t->root = true;
        f->t->dur_ns = sp->end_ns - sp->start_ns;
        return 1;
    }
    if (sp->start_ns < f->min_start)
        f->min_start = sp->start_ns;
    if (sp->end_ns > f->max_end)
        f->max_end = sp->end_ns;
    return 0;
}

/*
 * Look up the traces of the exemplars in answer order, each distinct trace once, at most
 * FL_EXEMPLARS_MAX_LOOKUPS of them. *skipped counts exemplars left without a lookup.
 */
static fl_err lookup_traces(struct fl_store *s, struct collect *c, size_t *skipped,
                            struct fl_diag *d)
{
    struct fl_map *seen = fl_map_new(NULL, FL_EXEMPLARS_MAX_LOOKUPS);
    fl_err e = FL_OK;
    if (!seen)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    *skipped = 0;
    for (size_t gi = 0; gi < c->n_g && e == FL_OK; gi++) {
        for (size_t k = 0; k < c->g[gi].n && e == FL_OK; k++) {
            struct ex *x = &c->ex[c->g[gi].first + k];
            if (!x->has_trace)
                continue;
            if ((x->info = fl_map_get(seen, x->trace_id, 32)) != NULL)
                continue;
            if (fl_map_count(seen) >= FL_EXEMPLARS_MAX_LOOKUPS) {
                (*skipped)++;
                continue;
            }
            struct trace_info *t = fl_arena_calloc(&c->a, 1, sizeof *t);
            if (!t) {
                e = fl_diag_set(d, arena_err(&c->a), 0, 0, "answer too large");
                break;
            }
            struct root_find f = {t, INT64_MAX, INT64_MIN};
            struct fl_diag td;
            fl_diag_init(&td);
            fl_err te = fl_store_trace(s, x->trace_id, on_trace_span, &f, &td);
            if (te == FL_OK) {
                t->stored = true;
                if (!t->root)
                    t->dur_ns = f.max_end - f.min_start;
            } else if (te != FL_ENOTFOUND) {
                e = fl_diag_set(d, te, 0, 0, "trace %s: %s", x->trace_id, td.msg);
                break;
            }
            if ((e = fl_map_put(seen, x->trace_id, 32, t)) != FL_OK) {
                e = fl_diag_set(d, e, 0, 0, "out of memory");
                break;
            }
            x->info = t;
        }
    }
    fl_map_free(seen);
    return e;
}

/* ---- the answer ---- */

static void put_labels(struct fl_buf *b, const struct fl_label *ls, size_t n)
{
    fl_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            fl_buf_putc(b, ',');
        fl_server__json_str(b, ls[i].name);
        fl_buf_putc(b, ':');
        fl_server__json_str(b, ls[i].value);
    }
    fl_buf_putc(b, '}');
}

static void put_trace(struct fl_buf *b, const struct ex *x)
{
    fl_buf_puts(b, ",\"trace\":{");
    if (x->info) {
        fl_buf_printf(b, "\"stored\":%s,", x->info->stored ? "true" : "false");
        if (x->info->stored) {
            fl_buf_printf(b, "\"root\":%s,\"duration_ms\":", x->info->root ? "true" : "false");
            fl_buf_put_double(b, (double)x->info->dur_ns / 1e6);
            fl_buf_putc(b, ',');
        }
    }
    fl_buf_printf(b, "\"href\":\"/api/v1/traces/%s\"}", x->trace_id);
}

static void put_exemplar(struct fl_buf *b, const struct ex *x)
{
    char num[400], t[48];
    fl_promapi_fmt_value(x->value, num, sizeof num);
    fl_promapi_fmt_time(x->ts_ms, t, sizeof t);
    fl_buf_puts(b, "{\"labels\":");
    put_labels(b, x->labels, x->n_labels);
    fl_buf_printf(b, ",\"value\":\"%s\",\"timestamp\":%s", num, t);
    if (x->has_trace)
        put_trace(b, x);
    else if (fl_exemplars_trace_label(x->labels, x->n_labels))
        fl_buf_puts(b, ",\"trace\":{\"stored\":false}"); /* a label, but not a trace id */
    fl_buf_putc(b, '}');
}

static void render(struct fl_buf *b, const struct collect *c, size_t skipped)
{
    fl_buf_puts(b, "{\"status\":\"success\",\"data\":[");
    for (size_t gi = 0; gi < c->n_g; gi++) {
        const struct group *g = &c->g[gi];
        fl_buf_puts(b, gi ? ",{\"seriesLabels\":" : "{\"seriesLabels\":");
        put_labels(b, g->labels, g->n_labels);
        fl_buf_puts(b, ",\"exemplars\":[");
        for (size_t k = 0; k < g->n; k++) {
            if (k)
                fl_buf_putc(b, ',');
            put_exemplar(b, &c->ex[g->first + k]);
        }
        fl_buf_puts(b, "]}");
    }
    fl_buf_putc(b, ']');
    if (skipped)
        fl_buf_printf(b,
                      ",\"warnings\":[\"trace lookups stop at %d distinct traces per answer: "
                      "%zu more exemplars carry only trace.href\"]",
                      FL_EXEMPLARS_MAX_LOOKUPS, skipped);
    fl_buf_puts(b, "}\n");
}

/* ---- the handler ---- */

/* An optional time parameter in Prometheus' terms; answers 400 bad_data and returns false when
 * it is malformed. */
static bool prom_time(struct fl_http_req *r, const char *name, int64_t dflt, int64_t *out)
{
    const char *v = fl_http_params_get(&r->params, name);
    struct fl_diag d;
    if (!v || !*v) {
        *out = dflt;
        return true;
    }
    fl_diag_init(&d);
    if (fl_time_parse_any(fl_str_c(v), fl_time_now_ms(), out, &d) != FL_OK) {
        fl_server__prom_error(r, 400, "bad_data",
                              "invalid parameter \"%s\": cannot parse \"%.100s\" to a valid "
                              "timestamp",
                              name, v);
        return false;
    }
    return true;
}

static void answer_store_error(struct fl_http_req *r, fl_err e, const struct fl_diag *d)
{
    char msg[FL_DIAG_MSG_CAP + 64];
    if (e == FL_ELIMIT) {
        fl_server__prom_error(r, 422, "execution",
                              "result too large (more than %d exemplars or %zu bytes); narrow "
                              "the selector or the range",
                              FL_EXEMPLARS_MAX_RESULT, FL_SERVER_RESPONSE_MAX);
        return;
    }
    fl_diag_format(d, msg, sizeof msg);
    if (fl_err_http_status(e) == 400)
        fl_server__prom_error(r, 400, "bad_data", "%s", msg);
    else if (e == FL_EBUSY || e == FL_ENOMEM)
        fl_server__prom_error(r, 503, "unavailable", "%s", msg);
    else
        fl_server__prom_error(r, 500, "internal", "%s", msg);
}

void fl_server__h_query_exemplars(struct fl_http_req *r)
{
    struct collect c;
    struct fl_matcher *ms = NULL;
    size_t n_ms = 0, skipped = 0;
    int64_t start, end;
    struct fl_diag d;
    struct fl_buf b;

    memset(&c, 0, sizeof c);
    fl_arena_init(&c.a, 64 * 1024, FL_SERVER_RESPONSE_MAX);
    fl_server__answer_begin(&b, &d);
    if (!prom_time(r, "start", TIME_MIN, &start) || !prom_time(r, "end", TIME_MAX, &end))
        goto out;
    if (end < start) {
        fl_server__prom_error(r, 400, "bad_data", "end timestamp must not be before start time");
        goto out;
    }
    const char *q = fl_http_params_get(&r->params, "query");
    if (!q || !*q) {
        fl_server__prom_error(r, 400, "bad_data", "invalid parameter \"query\": no selector given");
        goto out;
    }
    if (fl_selector_parse(q, strlen(q), &ms, &n_ms, &d) != FL_OK) {
        char msg[FL_DIAG_MSG_CAP + 64];
        fl_diag_format(&d, msg, sizeof msg);
        fl_server__prom_error(r, 400, "bad_data",
                              "invalid parameter \"query\": %s (faultline evaluates series "
                              "selectors such as up{job=\"api\"}, not full PromQL)",
                              msg);
        goto out;
    }
    if (!r->srv->store) {
        fl_server__prom_error(r, 503, "unavailable", "no store");
        goto out;
    }
    fl_err e = fl_store_exemplars(r->srv->store, ms, n_ms, start, end, on_exemplar, &c, &d);
    if (e == FL_OK && c.err != FL_OK)
        e = c.err == FL_ELIMIT ? FL_ELIMIT : fl_diag_set(&d, c.err, 0, 0, "out of memory");
    if (e == FL_OK && c.n_g > 1)
        qsort(c.g, c.n_g, sizeof *c.g, cmp_groups);
    if (e == FL_OK)
        e = lookup_traces(r->srv->store, &c, &skipped, &d);
    if (e != FL_OK) {
        answer_store_error(r, e, &d);
        goto out;
    }
    render(&b, &c, skipped);
    if (fl_buf_err(&b) == FL_ENOMEM)
        fl_server__prom_error(r, 503, "unavailable", "out of memory");
    else if (fl_buf_err(&b) != FL_OK)
        answer_store_error(r, FL_ELIMIT, &d);
    else
        fl_server__answer_json(r, FL_OK, &b, NULL);
out:
    fl_buf_cleanup(&b);
    fl_selector_free(ms, n_ms);
    fl_free(c.ex);
    fl_free(c.g);
    fl_arena_cleanup(&c.a);
}
