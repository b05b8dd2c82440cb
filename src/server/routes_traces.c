/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_traces.c: trace analytics over the stored spans (docs/TRACES.md, docs/API.md).
 *
 * GET /api/v1/traces?service=&operation=&min_duration=&start=&end=&error=&limit=
 *   traces with a span that matches, newest first, each summarized (root, duration, errors)
 * GET /api/v1/traces/{id}/critical_path
 *   one trace assembled: spans, critical path, critical time per operation, calls with
 *   network time, errors, timeouts and retries
 * GET /api/v1/traces/compare?baseline=S,E&incident=S,E&percentile=99
 *   which operation or call edge explains the change of end-to-end latency at the percentile
 * GET /api/v1/graph?start=&end=
 *   the service dependency graph of the window, merged with the configured topology
 *
 * Every answer is {"status":"success","data":...}; errors are 4xx JSON naming the parameter.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../core/str.h"
#include "../core/time.h"
#include "../store/store.h"
#include "../trace/load.h"
#include "../report/diagram.h"
#include "../trace/render.h"
#include "http_int.h"

#define SEARCH_DEFAULT 20
#define SEARCH_MAX 1000
#define SCRATCH_ARENA_MAX ((size_t)1 << 30)

/* A window parameter "S,E"; false after answering 400. */
static bool window_param(struct fl_http_req *r, const char *name, struct fl_trace_span_ns *w)
{
    const char *v = fl_http_params_get(&r->params, name);
    struct fl_diag d;
    fl_diag_init(&d);
    if (!v || !*v) {
        fl_server__error(r, FL_EINVAL, "%s: required, as START,END (RFC 3339 or unix time)", name);
        return false;
    }
    if (fl_trace_parse_window(v, name, fl_time_now_ns() / 1000000, &w->start_ns, &w->end_ns, &d) !=
        FL_OK) {
        fl_server__diag_error(r, FL_EINVAL, &d);
        return false;
    }
    return true;
}

/* An optional time in any form fl_trace_parse_time reads; false after answering 400. */
static bool time_param(struct fl_http_req *r, const char *name, int64_t dflt, int64_t *out)
{
    const char *v = fl_http_params_get(&r->params, name);
    *out = dflt;
    if (!v || !*v)
        return true;
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_trace_parse_time(v, name, fl_time_now_ns() / 1000000, out, &d) != FL_OK) {
        fl_server__diag_error(r, FL_EINVAL, &d);
        return false;
    }
    return true;
}

/* ---- compare ---- */

void fl_server__h_traces_compare(struct fl_http_req *r)
{
    struct fl_trace_span_ns bw, iw;
    double pct = 99;
    const char *pv = fl_http_params_get(&r->params, "percentile");
    if (!window_param(r, "baseline", &bw) || !window_param(r, "incident", &iw))
        return;
    if (pv && *pv) {
        char *end = NULL;
        pct = strtod(pv, &end);
        if (!end || *end || end == pv || !(pct > 0 && pct < 100)) {
            fl_server__error(r, FL_EINVAL, "percentile: expected a number in (0, 100), got \"%.64s\"",
                             pv);
            return;
        }
    }
    struct fl_trace_syms *y = fl_trace_syms_new();
    struct fl_trace_window *wb = y ? fl_trace_window_new(y, bw.start_ns, bw.end_ns) : NULL;
    struct fl_trace_window *wi = y ? fl_trace_window_new(y, iw.start_ns, iw.end_ns) : NULL;
    struct fl_arena a;
    struct fl_diag d;
    struct fl_buf b;
    struct fl_trace_cmp c;
    struct fl_trace_load_opts o = {0};
    size_t n_spans[2] = {0, 0};
    fl_arena_init(&a, 64 * 1024, SCRATCH_ARENA_MAX);
    fl_server__answer_begin(&b, &d);
    fl_err e = (y && wb && wi) ? FL_OK : fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory");
    if (e == FL_OK) {
        int64_t starts[2] = {bw.start_ns, iw.start_ns}, ends[2] = {bw.end_ns, iw.end_ns};
        struct fl_trace_window *ws[2] = {wb, wi};
        e = fl_trace_load_windows(r->srv->store, 2, starts, ends, &o, ws, n_spans, &d);
    }
    if (e == FL_OK)
        e = fl_trace_compare(wb, wi, pct, &a, &c, &d);
    if (e == FL_OK) {
        fl_buf_puts(&b, "{\"status\":\"success\",\"data\":");
        fl_trace_cmp_json(&c, y, bw, iw, &b);
        fl_buf_puts(&b, "}\n");
    }
    fl_server__answer_json(r, e, &b, &d);
    fl_trace_window_free(wb);
    fl_trace_window_free(wi);
    fl_trace_syms_free(y);
    fl_arena_cleanup(&a);
}

/* ---- one trace ---- */

static bool trace_id_of(struct fl_http_req *r, char id[33])
{
    const char *p = r->param;
    size_t n = strlen(p);
    /* The route pattern {id}/critical_path leaves the id alone in param. */
    if (n != 32) {
        fl_server__error(r, FL_EINVAL, "trace id: expected 32 hex digits, got \"%.64s\"", p);
        return false;
    }
    for (size_t i = 0; i < 32; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c + 32);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            fl_server__error(r, FL_EINVAL, "trace id: expected 32 hex digits, got \"%.64s\"", p);
            return false;
        }
        id[i] = c;
    }
    id[32] = '\0';
    return true;
}

void fl_server__h_trace_critical_path(struct fl_http_req *r)
{
    char id[33];
    if (!trace_id_of(r, id))
        return;
    struct fl_trace_syms *y = fl_trace_syms_new();
    struct fl_arena a;
    struct fl_diag d;
    struct fl_buf b;
    struct fl_trace t;
    struct fl_trace_analysis an;
    struct fl_cp_seg *segs = NULL;
    size_t n_segs = 0;
    fl_arena_init(&a, 64 * 1024, SCRATCH_ARENA_MAX);
    fl_server__answer_begin(&b, &d);
    fl_err e = y ? FL_OK : fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory");
    if (e == FL_OK)
        e = fl_trace_load_one(r->srv->store, id, y, &a, &t, &an, &d);
    /* Loading computed cp_ns; run again for the segments (cheap, and idempotent). */
    if (e == FL_OK && (e = fl_trace_critical_path(&t, &a, &segs, &n_segs)) != FL_OK)
        fl_diag_set(&d, e, 0, 0, "trace %s: critical path: %s", id, fl_err_str(e));
    if (e == FL_ENOTFOUND) {
        fl_buf_cleanup(&b);
        fl_server__error(r, e, "trace %s not found", id);
    } else {
        if (e == FL_OK) {
            fl_buf_puts(&b, "{\"status\":\"success\",\"data\":");
            fl_trace_detail_json(&t, &an, segs, n_segs, y, &b);
            fl_buf_puts(&b, "}\n");
        }
        fl_server__answer_json(r, e, &b, &d);
    }
    fl_trace_syms_free(y);
    fl_arena_cleanup(&a);
}

/* ---- search ---- */

struct found {
    struct fl_trace_syms *y;
    struct fl_buf *b;
    size_t n;
};

static int found_one(const struct fl_trace *t, const struct fl_trace_analysis *an, void *ud)
{
    struct found *f = ud;
    if (f->n++)
        fl_buf_putc(f->b, ',');
    fl_trace_summary_json(t, an, f->y, f->b);
    return 0;
}

static bool bool_param(struct fl_http_req *r, const char *name, int *out)
{
    const char *v = fl_http_params_get(&r->params, name);
    *out = 0;
    if (!v || !*v || !strcmp(v, "false") || !strcmp(v, "0"))
        return true;
    if (!strcmp(v, "true") || !strcmp(v, "1")) {
        *out = 1;
        return true;
    }
    fl_server__error(r, FL_EINVAL, "%s: expected true or false, got \"%.64s\"", name, v);
    return false;
}

void fl_server__h_traces_search(struct fl_http_req *r)
{
    struct fl_span_query q;
    memset(&q, 0, sizeof q);
    q.service = fl_http_params_get(&r->params, "service");
    q.operation = fl_http_params_get(&r->params, "operation");
    if (q.service && !*q.service)
        q.service = NULL;
    if (q.operation && !*q.operation)
        q.operation = NULL;
    if (!time_param(r, "start", 0, &q.start_ns) || !time_param(r, "end", INT64_MAX, &q.end_ns) ||
        !bool_param(r, "error", &q.error_only))
        return;
    const char *md = fl_http_params_get(&r->params, "min_duration");
    if (md && *md) {
        int64_t ms;
        struct fl_diag dd;
        fl_diag_init(&dd);
        if (fl_duration_parse_step(fl_str_c(md), &ms, &dd) != FL_OK) {
            fl_server__error(r, FL_EINVAL,
                             "min_duration: expected a duration like 250ms or seconds, got "
                             "\"%.64s\"",
                             md);
            return;
        }
        q.min_duration_ns = ms * 1000000;
    }
    size_t limit = SEARCH_DEFAULT;
    const char *lv = fl_http_params_get(&r->params, "limit");
    if (lv && *lv) {
        char *end = NULL;
        long long x = strtoll(lv, &end, 10);
        if (!end || *end || x < 1 || x > SEARCH_MAX) {
            fl_server__error(r, FL_EINVAL, "limit: expected an integer 1..%d, got \"%.64s\"",
                             SEARCH_MAX, lv);
            return;
        }
        limit = (size_t)x;
    }
    struct fl_trace_syms *y = fl_trace_syms_new();
    struct fl_diag d;
    struct fl_buf b;
    fl_server__answer_begin(&b, &d);
    struct found f = {y, &b, 0};
    fl_buf_puts(&b, "{\"status\":\"success\",\"data\":[");
    fl_err e = y ? fl_trace_search(r->srv->store, &q, limit, y, found_one, &f, &d)
                 : fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory");
    fl_buf_puts(&b, "]}\n");
    fl_server__answer_json(r, e, &b, &d);
    fl_trace_syms_free(y);
}

/* ---- dependency graph ---- */

void fl_server__h_graph(struct fl_http_req *r)
{
    int64_t now_ns = fl_time_now_ns();
    struct fl_trace_span_ns win;
    if (!time_param(r, "end", now_ns, &win.end_ns) ||
        !time_param(r, "start", win.end_ns - (int64_t)3600 * 1000000000, &win.start_ns))
        return;
    if (win.end_ns <= win.start_ns) {
        fl_server__error(r, FL_EINVAL, "end: must be after start");
        return;
    }
    struct fl_trace_syms *y = fl_trace_syms_new();
    struct fl_trace_window *w = y ? fl_trace_window_new(y, win.start_ns, win.end_ns) : NULL;
    struct fl_arena a;
    struct fl_diag d;
    struct fl_buf b;
    struct fl_trace_graph g;
    fl_arena_init(&a, 64 * 1024, SCRATCH_ARENA_MAX);
    fl_server__answer_begin(&b, &d);
    fl_err e = (y && w) ? fl_trace_graph_stored(r->srv->store, r->srv->cfg, win.start_ns,
                                                win.end_ns, w, &a, &g, &d)
                        : fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory");
    const char *fmt = fl_http_params_get(&r->params, "format");
    if (e == FL_OK && fmt && !strcmp(fmt, "svg")) {
        if ((e = fl_diagram_trace_graph(&g, y, &b, &d)) == FL_OK) {
            fl_server__respond(r, 200, "image/svg+xml", &b);
            goto done;
        }
    } else if (e == FL_OK && fmt && strcmp(fmt, "json")) {
        e = fl_diag_set(&d, FL_EINVAL, 0, 0, "format: expected json or svg");
    } else if (e == FL_OK) {
        fl_buf_puts(&b, "{\"status\":\"success\",\"data\":");
        fl_trace_graph_json(&g, y, win, &b);
        fl_buf_puts(&b, "}\n");
    }
    fl_server__answer_json(r, e, &b, &d);
done:
    fl_trace_window_free(w);
    fl_trace_syms_free(y);
    fl_arena_cleanup(&a);
}
