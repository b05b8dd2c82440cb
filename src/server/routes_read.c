/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_read.c: the read routes for records that are not metric series: change events, traces,
 * one request (inference joined with its outcomes) and the model registry. Each store callback
 * writes its record straight into the response buffer (no intermediate copies). Field names of
 * traces follow OTLP JSON (traceId, startTimeUnixNano as a decimal string); the other records
 * read back with the field names they were posted with (request_id, model_version, ...).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../config/config.h"
#include "../core/record.h"
#include "../core/time.h"
#include "../store/store.h"
#include "http_int.h"

struct writer {
    struct fl_buf b;
    size_t n; /* records written */
};

static void put_num(struct fl_buf *b, double v)
{
    if (isfinite(v))
        fl_buf_put_double(b, v);
    else
        fl_buf_puts(b, "null");
}

static void put_time(struct fl_buf *b, const char *key, int64_t ts_ms)
{
    char t[48];
    fl_buf_printf(b, "\"%s\":", key);
    if (ts_ms == FL_TS_NONE) {
        fl_buf_printf(b, "null,\"%s_ms\":null", key);
        return;
    }
    fl_time_fmt_rfc3339_ms(ts_ms, t, sizeof t);
    fl_server__json_str(b, t);
    fl_buf_printf(b, ",\"%s_ms\":%" PRId64, key, ts_ms);
}

static void writer_init(struct writer *w)
{
    fl_buf_init(&w->b, FL_SERVER_RESPONSE_MAX);
    w->n = 0;
    fl_buf_puts(&w->b, "{\"status\":\"success\",\"data\":[");
}

static void writer_sep(struct writer *w)
{
    if (w->n++)
        fl_buf_putc(&w->b, ',');
}

static void writer_finish(struct fl_http_req *r, struct writer *w)
{
    fl_buf_puts(&w->b, "]}\n");
    fl_server__respond(r, 200, "application/json", &w->b);
}

/* ---- GET /api/v1/events ---- */

static int write_event(const struct fl_event *e, void *ud)
{
    struct writer *w = ud;
    struct fl_buf *b = &w->b;
    writer_sep(w);
    fl_buf_puts(b, "{\"id\":");
    fl_server__json_str(b, e->id);
    fl_buf_putc(b, ',');
    put_time(b, "ts", e->ts_ms);
    fl_buf_putc(b, ',');
    put_time(b, "end", e->end_ms);
    fl_buf_puts(b, ",\"kind\":");
    fl_server__json_str(b, e->kind);
    fl_buf_puts(b, ",\"component\":");
    fl_server__json_str(b, e->component);
    fl_buf_puts(b, ",\"status\":");
    fl_server__json_str(b, e->status);
    fl_buf_puts(b, ",\"rows\":");
    if (e->rows >= 0)
        fl_buf_printf(b, "%" PRId64, e->rows);
    else
        fl_buf_puts(b, "null");
    fl_buf_puts(b, ",\"message\":");
    fl_server__json_str(b, e->message ? e->message : "");
    fl_buf_puts(b, ",\"attributes\":");
    fl_server__json_raw(b, e->attrs_json, "{}");
    fl_buf_putc(b, '}');
    return fl_buf_err(b) != FL_OK;
}

void fl_server__h_events_get(struct fl_http_req *r)
{
    struct fl_event_query q = {0};
    if (!fl_server__time_param(r, "start", NULL, 0, &q.start_ms) ||
        !fl_server__time_param(r, "end", NULL, INT64_MAX, &q.end_ms))
        return;
    q.kind = fl_http_params_get(&r->params, "kind");
    q.component = fl_http_params_get(&r->params, "component");
    if (q.kind && !*q.kind)
        q.kind = NULL;
    if (q.component && !*q.component)
        q.component = NULL;
    const char *lim = fl_http_params_get(&r->params, "limit");
    uint64_t n = 0;
    if (lim && (!fl_str_to_u64(fl_str_c(lim), &n) || n == 0)) {
        fl_server__error(r, FL_EINVAL, "limit: expected a positive integer, got \"%s\"", lim);
        return;
    }
    q.limit = (size_t)n;
    struct writer w;
    struct fl_diag d;
    fl_diag_init(&d);
    writer_init(&w);
    fl_err e = fl_store_events(r->srv->store, &q, write_event, &w, &d);
    if (e) {
        fl_buf_cleanup(&w.b);
        fl_server__diag_error(r, e, &d);
        return;
    }
    writer_finish(r, &w);
}

/* ---- GET /api/v1/traces/{id} ---- */

static int write_span(const struct fl_span *sp, void *ud)
{
    struct writer *w = ud;
    struct fl_buf *b = &w->b;
    writer_sep(w);
    fl_buf_printf(b, "{\"traceId\":\"%s\",\"spanId\":\"%s\",\"parentSpanId\":\"%s\",\"service\":",
                  sp->trace_id, sp->span_id, sp->parent_span_id);
    fl_server__json_str(b, sp->service);
    fl_buf_puts(b, ",\"name\":");
    fl_server__json_str(b, sp->name);
    fl_buf_printf(b,
                  ",\"kind\":%d,\"startTimeUnixNano\":\"%" PRId64
                  "\",\"endTimeUnixNano\":\"%" PRId64 "\",\"durationMs\":",
                  sp->kind, sp->start_ns, sp->end_ns);
    put_num(b, (double)(sp->end_ns - sp->start_ns) / 1e6);
    fl_buf_printf(b, ",\"status\":{\"code\":%d,\"message\":", sp->status_code);
    fl_server__json_str(b, sp->status_message ? sp->status_message : "");
    fl_buf_puts(b, "},\"scope\":");
    fl_server__json_str(b, sp->scope_name ? sp->scope_name : "");
    fl_buf_puts(b, ",\"attributes\":");
    fl_server__json_raw(b, sp->attrs_json, "{}");
    fl_buf_puts(b, ",\"resource\":");
    fl_server__json_raw(b, sp->resource_json, "{}");
    fl_buf_puts(b, ",\"events\":");
    fl_server__json_raw(b, sp->events_json, "[]");
    fl_buf_puts(b, ",\"links\":");
    fl_server__json_raw(b, sp->links_json, "[]");
    fl_buf_putc(b, '}');
    return fl_buf_err(b) != FL_OK;
}

static bool is_hex_id(const char *s, size_t want)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return n == want;
}

void fl_server__h_trace_get(struct fl_http_req *r)
{
    char id[33];
    if (!is_hex_id(r->param, 32)) {
        fl_server__error(r, FL_EINVAL, "trace id: expected 32 hex digits, got \"%.64s\"", r->param);
        return;
    }
    for (size_t i = 0; i < 33; i++)
        id[i] = (char)((r->param[i] >= 'A' && r->param[i] <= 'F') ? r->param[i] + 32 : r->param[i]);
    struct writer w;
    struct fl_diag d;
    fl_server__answer_begin(&w.b, &d);
    w.n = 0;
    fl_buf_printf(&w.b, "{\"traceId\":\"%s\",\"spans\":[", id);
    fl_err e = fl_store_trace(r->srv->store, id, write_span, &w, &d);
    if (e == FL_OK && w.n == 0)
        e = FL_ENOTFOUND;
    if (e) {
        fl_buf_cleanup(&w.b);
        if (e == FL_ENOTFOUND)
            fl_server__error(r, e, "trace %s not found", id);
        else
            fl_server__diag_error(r, e, &d);
        return;
    }
    fl_buf_puts(&w.b, "]}\n");
    fl_server__respond(r, 200, "application/json", &w.b);
}

/* ---- GET /api/v1/requests/{request_id} ---- */

struct req_writer {
    struct fl_buf b;
    bool have_inference;
    size_t n_outcomes;
    bool outcomes_open;
};

static const char *feature_status(int st)
{
    switch (st) {
    case FL_FEAT_PRESENT:
        return "present";
    case FL_FEAT_NULL:
        return "null";
    case FL_FEAT_NOT_FOUND:
        return "not_found";
    case FL_FEAT_OUTSIDE_MAX_AGE:
        return "outside_max_age";
    default:
        return "unknown";
    }
}

static void write_feature(struct fl_buf *b, const struct fl_feature *f)
{
    fl_buf_puts(b, "{\"name\":");
    fl_server__json_str(b, f->name);
    fl_buf_puts(b, ",\"value\":");
    switch (f->kind) {
    case FL_VAL_NUMBER:
        put_num(b, f->num);
        break;
    case FL_VAL_STRING:
        fl_server__json_str(b, f->str);
        break;
    case FL_VAL_BOOL:
        fl_buf_puts(b, f->num != 0 ? "true" : "false");
        break;
    default:
        fl_buf_puts(b, "null");
        break;
    }
    fl_buf_puts(b, ",\"status\":");
    fl_server__json_str(b, feature_status(f->status));
    fl_buf_putc(b, '}');
}

static void write_prediction(struct fl_buf *b, const struct fl_inference *in)
{
    switch (in->pred_kind) {
    case FL_PRED_SCORE:
        fl_buf_puts(b, "{\"kind\":\"score\",\"score\":");
        put_num(b, in->score);
        fl_buf_putc(b, '}');
        break;
    case FL_PRED_CLASS:
        fl_buf_puts(b, "{\"kind\":\"class\",\"class\":");
        fl_server__json_str(b, in->pred_class);
        fl_buf_puts(b, ",\"score\":");
        put_num(b, in->score);
        fl_buf_putc(b, '}');
        break;
    case FL_PRED_VECTOR:
        fl_buf_puts(b, "{\"kind\":\"vector\",\"scores\":[");
        for (size_t i = 0; i < in->n_scores; i++) {
            if (i)
                fl_buf_putc(b, ',');
            put_num(b, in->scores[i]);
        }
        fl_buf_puts(b, "]}");
        break;
    default:
        fl_buf_puts(b, "null");
        break;
    }
}

static int write_inference(const struct fl_inference *in, void *ud)
{
    struct req_writer *w = ud;
    struct fl_buf *b = &w->b;
    if (w->have_inference)
        return 0; /* the store gives the latest one; ignore any other */
    w->have_inference = true;
    fl_buf_puts(b, "{\"request_id\":");
    fl_server__json_str(b, in->request_id);
    fl_buf_putc(b, ',');
    put_time(b, "ts", in->ts_ms);
    fl_buf_puts(b, ",\"trace_id\":");
    fl_server__json_str(b, in->trace_id && *in->trace_id ? in->trace_id : NULL);
    fl_buf_puts(b, ",\"model\":");
    fl_server__json_str(b, in->model);
    fl_buf_puts(b, ",\"model_version\":");
    fl_server__json_str(b, in->model_version);
    fl_buf_puts(b, ",\"features\":[");
    for (size_t i = 0; i < in->n_features; i++) {
        if (i)
            fl_buf_putc(b, ',');
        write_feature(b, &in->features[i]);
    }
    fl_buf_puts(b, "],\"prediction\":");
    write_prediction(b, in);
    fl_buf_puts(b, ",\"segments\":{");
    for (size_t i = 0; i < in->n_segments; i++) {
        if (i)
            fl_buf_putc(b, ',');
        fl_server__json_str(b, in->segments[i].name);
        fl_buf_putc(b, ':');
        fl_server__json_str(b, in->segments[i].value);
    }
    fl_buf_puts(b, "},\"latency_ms\":");
    put_num(b, in->latency_ms);
    fl_buf_puts(b, ",\"outcomes\":[");
    w->outcomes_open = true;
    return fl_buf_err(b) != FL_OK;
}

static int write_outcome(const struct fl_outcome *o, void *ud)
{
    struct req_writer *w = ud;
    struct fl_buf *b = &w->b;
    if (!w->outcomes_open)
        return 0; /* outcomes before the inference cannot be placed; the store sends it first */
    if (w->n_outcomes++)
        fl_buf_putc(b, ',');
    fl_buf_putc(b, '{');
    put_time(b, "ts", o->ts_ms);
    fl_buf_puts(b, ",\"name\":");
    fl_server__json_str(b, o->name);
    fl_buf_puts(b, ",\"value\":");
    put_num(b, o->value);
    fl_buf_puts(b, ",\"attributes\":");
    fl_server__json_raw(b, o->attrs_json, "{}");
    fl_buf_putc(b, '}');
    return fl_buf_err(b) != FL_OK;
}

void fl_server__h_request_get(struct fl_http_req *r)
{
    struct req_writer w = {0};
    struct fl_diag d;
    fl_server__answer_begin(&w.b, &d);
    fl_err e = fl_store_request(r->srv->store, r->param, write_inference, write_outcome, &w, &d);
    if (e == FL_OK && !w.have_inference)
        e = FL_ENOTFOUND;
    if (e) {
        fl_buf_cleanup(&w.b);
        if (e == FL_ENOTFOUND)
            fl_server__error(r, e, "request %.200s not found", r->param);
        else
            fl_server__diag_error(r, e, &d);
        return;
    }
    fl_buf_puts(&w.b, "]}\n");
    fl_server__respond(r, 200, "application/json", &w.b);
}

