/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c: the libmicrohttpd daemon, the route table and the request life cycle.
 *
 * Life cycle of a request (libmicrohttpd calls us several times per request):
 *   1. the URI-log callback allocates our struct fl_http_req and keeps the raw request target
 *      (the path handed to the access handler later has lost its query string);
 *   2. first access call (headers read): route lookup, 404/405, bearer-token check, and a 413
 *      answered before reading a body whose Content-Length is beyond limits.body_bytes;
 *   3. body calls: append to a buffer capped at limits.body_bytes; past the cap the rest is
 *      drained and dropped (and answered 413), or the connection closed if it goes on and on;
 *   4. last call: gunzip (Content-Encoding: gzip) under the same cap, form-encoded POST bodies of
 *      read routes merged into the parameters, then the handler;
 *   5. completion callback: status and duration into the self-metrics, free.
 * Every answer is JSON except /metrics and the web UI's files (routes_ui.c). Handlers run in the
 * thread-pool thread of the connection.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../config/config.h"
#include "../core/alloc.h"
#include "../core/log.h"
#include "../core/time.h"
#include "../ingest/gzip.h"
#include "../store/store.h"
#include "http_int.h"
#include "routes_ui.h"
#include "scrape.h"

/* ---- the route table (docs/API.md mirrors it; tests/unit/server checks that) ---- */

static const struct fl_route routes[] = {
    {FL_HTTP_POST, "/v1/traces", true, fl_server__h_traces_post,
     "OTLP/HTTP JSON trace export (ExportTraceServiceRequest)"},
    {FL_HTTP_POST, "/v1/inferences", true, fl_server__h_inferences_post,
     "inference records as JSON Lines"},
    {FL_HTTP_POST, "/v1/outcomes", true, fl_server__h_outcomes_post,
     "outcomes as JSON Lines, joined to inferences by request_id"},
    {FL_HTTP_GET | FL_HTTP_POST, "/api/v1/events", true, NULL,
     "change events: POST stores, GET lists"},
    {FL_HTTP_POST, "/api/v1/import/prometheus", true, fl_server__h_prom_import,
     "push a Prometheus text or OpenMetrics exposition"},
    {FL_HTTP_POST, "/api/v1/alertmanager", true, fl_server__h_alertmanager_post,
     "Alertmanager webhook receiver (payload version 4): one alert event per alert"},
    {FL_HTTP_GET | FL_HTTP_POST, "/api/v1/query_range", false, fl_server__h_query_range,
     "series selector over a time range, Prometheus API shape"},
    {FL_HTTP_GET | FL_HTTP_POST, "/api/v1/series", false, fl_server__h_series,
     "series matching match[] selectors, Prometheus API shape"},
    {FL_HTTP_GET | FL_HTTP_POST, "/api/v1/labels", false, fl_server__h_labels,
     "label names, Prometheus API shape"},
    {FL_HTTP_GET, "/api/v1/label/{name}/values", false, fl_server__h_label_values,
     "values of one label, Prometheus API shape"},
    {FL_HTTP_GET | FL_HTTP_POST, "/api/v1/query_exemplars", false, fl_server__h_query_exemplars,
     "exemplars of series matching a selector, linked to stored traces, Prometheus API shape"},
    {FL_HTTP_GET, "/api/v1/traces", false, fl_server__h_traces_search,
     "traces with a matching span: service, operation, min_duration, start, end, error, limit"},
    {FL_HTTP_GET, "/api/v1/traces/compare", false, fl_server__h_traces_compare,
     "what explains the change of end-to-end latency: baseline, incident, percentile"},
    {FL_HTTP_GET, "/api/v1/traces/{id}", false, fl_server__h_trace_get, "all spans of one trace"},
    {FL_HTTP_GET, "/api/v1/traces/{id}/critical_path", false, fl_server__h_trace_critical_path,
     "one trace assembled: critical path, network time per call, errors, retries"},
    {FL_HTTP_GET, "/api/v1/graph", false, fl_server__h_graph,
     "service dependency graph from traces and topology: start, end"},
    {FL_HTTP_GET, "/api/v1/requests/{request_id}", false, fl_server__h_request_get,
     "one inference joined with its outcomes"},
    {FL_HTTP_GET | FL_HTTP_POST, "/api/v1/models", true, fl_server__h_models,
     "model registry: GET lists versions with serving statistics, POST registers or updates"},
    {FL_HTTP_GET, "/api/v1/models/{name}", false, fl_server__h_model_get,
     "one model: aliases, versions by stage, versions"},
    {FL_HTTP_GET, "/api/v1/models/{name}/versions", false, fl_server__h_model_versions,
     "versions of one model with their metadata"},
    {FL_HTTP_POST, "/api/v1/models/{name}/aliases", true, fl_server__h_model_aliases,
     "move or remove an alias of a model"},
    {FL_HTTP_GET, "/api/v1/models/{name}/traffic", false, fl_server__h_model_traffic,
     "inferences per version and step (traffic share)"},
    {FL_HTTP_GET | FL_HTTP_POST, "/api/v1/investigations", true, fl_server__h_investigations,
     "investigations: POST runs and stores one (symptom, onset, windows), GET lists them"},
    {FL_HTTP_GET, "/api/v1/investigations/{id}", false, fl_server__h_investigation_get,
     "one stored investigation: JSON, or ?format=markdown for the report"},
    {FL_HTTP_GET | FL_HTTP_POST, "/api/v1/investigations/{id}/whys", true, fl_server__h_whys,
     "its 5 Whys: GET (json|markdown), POST one edit (edit, add, delete, confirm, replace)"},
    {FL_HTTP_GET, "/api/v1/investigations/{id}/postmortem", false, fl_server__h_postmortem,
     "its blameless post-mortem: ?format=markdown|html|json"},
    {FL_HTTP_GET, "/api/v1/investigations/{id}/fault_tree", false, fl_server__h_fault_tree,
     "its default fault tree evaluated on the evidence: ?format=json|svg|markdown|text"},
    {FL_HTTP_GET, "/api/v1/freshness", false, fl_server__h_freshness,
     "batch job and feature pipeline freshness, feature staleness"},
    {FL_HTTP_POST, "/api/v1/skew", false, fl_server__h_skew_post,
     "training-serving skew: offline rows in the body vs the store's served logs"},
    {FL_HTTP_GET, "/api/v1/drift", false, fl_server__h_drift,
     "live monitoring: the latest closed window's drift per baseline"},
    {FL_HTTP_GET, "/api/v1/drift/history", false, fl_server__h_drift_history,
     "live monitoring: stored drift runs per window and feature over a time range"},
    {FL_HTTP_GET, "/api/v1/drift/reference", false, fl_server__h_drift_reference,
     "live monitoring: the reference profile a model version is compared with"},
    {FL_HTTP_GET, "/api/v1/profiles", false, fl_server__h_profiles,
     "live monitoring: stored window profiles of a model"},
    {FL_HTTP_GET, "/metrics", false, fl_server__h_metrics,
     "faultline's own metrics, Prometheus text format 0.0.4"},
    {FL_HTTP_GET, "/healthz", false, fl_server__h_healthz, "liveness; 503 while shutting down"},
    {FL_HTTP_GET, "/", false, fl_server__h_ui, "the web UI's page (routes_ui.c, docs/UI.md)"},
    {FL_HTTP_GET, "/ui", false, fl_server__h_ui, "the web UI's page, as /ui/ (no redirect)"},
    {FL_HTTP_GET, "/ui/{path*}", false, fl_server__h_ui, "web UI files; app routes fall back"},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

const struct fl_route *fl_server_routes(size_t *n)
{
    *n = N_ROUTES;
    return routes;
}

/* Does path match pattern? A {name} segment matches one non-empty segment without '/'; a final
 * {name*} matches the rest of the path. */
static bool pattern_match(const char *pat, struct fl_str path, struct fl_str *param)
{
    size_t i = 0, pl = path.len;
    const char *pp = path.p;
    *param = (struct fl_str){"", 0};
    while (*pat) {
        if (*pat == '{') {
            const char *close = strchr(pat, '}');
            if (!close)
                return false;
            if (close > pat + 1 && close[-1] == '*' && close[1] == '\0') {
                /* a final {name*} takes the rest of the path, '/' included, maybe empty */
                *param = (struct fl_str){pp + i, pl - i};
                return true;
            }
            size_t start = i;
            while (i < pl && pp[i] != '/')
                i++;
            if (i == start)
                return false;
            *param = (struct fl_str){pp + start, i - start};
            pat = close + 1;
            continue;
        }
        if (i >= pl || pp[i] != *pat)
            return false;
        i++;
        pat++;
    }
    return i == pl;
}

static unsigned method_bit(const char *method)
{
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
        return FL_HTTP_GET;
    if (!strcmp(method, "POST"))
        return FL_HTTP_POST;
    return 0;
}

enum fl_route_result fl_server_route_find(const char *method, struct fl_str path, size_t *idx,
                                          struct fl_str *param, char *allow, size_t allow_cap)
{
    unsigned want = method_bit(method);
    unsigned have = 0;
    for (size_t i = 0; i < N_ROUTES; i++) {
        struct fl_str p;
        if (!pattern_match(routes[i].pattern, path, &p))
            continue;
        if (routes[i].methods & want) {
            *idx = i;
            *param = p;
            return FL_ROUTE_FOUND;
        }
        have |= routes[i].methods;
    }
    if (!have)
        return FL_ROUTE_NO_PATH;
    if (allow && allow_cap) {
        snprintf(allow, allow_cap, "%s%s%s", (have & FL_HTTP_GET) ? "GET, HEAD" : "",
                 (have & FL_HTTP_GET) && (have & FL_HTTP_POST) ? ", " : "",
                 (have & FL_HTTP_POST) ? "POST" : "");
    }
    return FL_ROUTE_BAD_METHOD;
}

/* ---- JSON and response helpers ---- */

void fl_server__json_str(struct fl_buf *b, const char *s)
{
    if (!s)
        fl_buf_puts(b, "null");
    else
        fl_buf_put_json_str(b, s, strlen(s));
}

void fl_server__json_raw(struct fl_buf *b, const char *s, const char *fallback)
{
    fl_buf_puts(b, s && *s ? s : fallback);
}

const char *fl_server__header(struct fl_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static void respond_with(struct fl_http_req *r, int status, const char *content_type,
                         struct fl_buf *body, const char *allow)
{
    if (r->queued) {
        fl_buf_cleanup(body);
        return;
    }
    struct MHD_Response *resp;
    if (fl_buf_err(body) == FL_OK && body->len > 0) {
        char *data = body->data;
        size_t len = body->len;
        body->data = NULL;
        fl_buf_cleanup(body);
        resp = MHD_create_response_from_buffer_with_free_callback(len, data, fl_free);
        if (!resp)
            fl_free(data);
    } else {
        if (fl_buf_err(body) != FL_OK) {
            FL_LOG_W("response body failed: %s", fl_err_str(fl_buf_err(body)));
            status = fl_buf_err(body) == FL_ELIMIT ? 500 : 503;
        }
        fl_buf_cleanup(body);
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return; /* out of memory: libmicrohttpd closes the connection */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (MHD_queue_response(r->conn, (unsigned)status, resp) == MHD_YES) {
        r->queued = true;
        r->status = status;
    }
    MHD_destroy_response(resp);
}

bool fl_server__time_param(struct fl_http_req *r, const char *name, const char *alt, int64_t dflt,
                           int64_t *out)
{
    const char *v = fl_http_params_get(&r->params, name);
    const char *used = name;
    if ((!v || !*v) && alt) {
        v = fl_http_params_get(&r->params, alt);
        used = alt;
    }
    if (!v || !*v) {
        *out = dflt;
        return true;
    }
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_time_parse_any(fl_str_c(v), fl_time_now_ms(), out, &d) != FL_OK) {
        fl_diag_field(&d, "%s", used);
        fl_server__diag_error(r, FL_EINVAL, &d);
        return false;
    }
    return true;
}

void fl_server__answer_begin(struct fl_buf *b, struct fl_diag *d)
{
    fl_buf_init(b, FL_SERVER_RESPONSE_MAX);
    fl_diag_init(d);
}

void fl_server__answer_json(struct fl_http_req *r, fl_err e, struct fl_buf *b,
                            const struct fl_diag *d)
{
    if (e == FL_OK && fl_buf_err(b) != FL_OK) {
        fl_err be = fl_buf_err(b);
        fl_buf_cleanup(b);
        fl_server__error(r, be == FL_ENOMEM ? FL_ENOMEM : FL_ELIMIT, "answer too large");
        return;
    }
    if (e != FL_OK) {
        fl_buf_cleanup(b);
        fl_server__diag_error(r, e, d);
        return;
    }
    fl_server__respond(r, 200, "application/json", b);
}

void fl_server__respond(struct fl_http_req *r, int status, const char *content_type,
                        struct fl_buf *body)
{
    respond_with(r, status, content_type, body, NULL);
}

static void error_body(struct fl_buf *b, fl_err e, const char *msg, const struct fl_diag *d)
{
    fl_buf_puts(b, "{\"error\":");
    fl_server__json_str(b, msg);
    fl_buf_puts(b, ",\"code\":");
    fl_server__json_str(b, fl_err_name(e));
    if (d && d->line)
        fl_buf_printf(b, ",\"line\":%lu", d->line);
    if (d && d->column)
        fl_buf_printf(b, ",\"column\":%lu", d->column);
    if (d && d->field[0]) {
        fl_buf_puts(b, ",\"field\":");
        fl_server__json_str(b, d->field);
    }
    fl_buf_puts(b, "}\n");
}

static void error_allow(struct fl_http_req *r, int status, fl_err e, const char *msg,
                        const char *allow)
{
    struct fl_buf b;
    fl_buf_init(&b, 64 * 1024);
    error_body(&b, e, msg, NULL);
    respond_with(r, status, "application/json", &b, allow);
}

void fl_server__error(struct fl_http_req *r, fl_err e, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    error_allow(r, fl_err_http_status(e), e, msg, NULL);
}

void fl_server__diag_error(struct fl_http_req *r, fl_err e, const struct fl_diag *d)
{
    char msg[FL_DIAG_MSG_CAP + FL_DIAG_FILE_CAP + FL_DIAG_FIELD_CAP + 64];
    fl_diag_format(d, msg, sizeof msg);
    struct fl_buf b;
    fl_buf_init(&b, 64 * 1024);
    error_body(&b, e, msg, d);
    respond_with(r, fl_err_http_status(e), "application/json", &b, NULL);
}

void fl_server__prom_error(struct fl_http_req *r, int status, const char *error_type,
                           const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct fl_buf b;
    fl_buf_init(&b, 64 * 1024);
    fl_buf_puts(&b, "{\"status\":\"error\",\"errorType\":");
    fl_server__json_str(&b, error_type);
    fl_buf_puts(&b, ",\"error\":");
    fl_server__json_str(&b, msg);
    fl_buf_puts(&b, "}\n");
    respond_with(r, status, "application/json", &b, NULL);
}

/* ---- small handlers that belong to the server itself ---- */

void fl_server__h_healthz(struct fl_http_req *r)
{
    struct fl_buf b;
    fl_buf_init(&b, 256);
    if (atomic_load(&r->srv->shutting_down)) {
        fl_buf_puts(&b, "{\"status\":\"shutting_down\"}\n");
        fl_server__respond(r, 503, "application/json", &b);
    } else {
        fl_buf_puts(&b, "{\"status\":\"ok\"}\n");
        fl_server__respond(r, 200, "application/json", &b);
    }
}

/* Scrape target states copied out of the scraper's lock (its strings live only in the call). */
struct target_list {
    struct fl_selfmetrics_target *v;
    size_t n, cap;
    bool failed;
};

static void collect_target(const struct fl_scrape_target_status *st, void *ud)
{
    struct target_list *l = ud;
    if (l->failed)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct fl_selfmetrics_target *v = fl_reallocarray(l->v, cap, sizeof *v);
        if (!v) {
            l->failed = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    struct fl_selfmetrics_target *t = &l->v[l->n];
    t->job = fl_strdup(st->job ? st->job : "");
    t->instance = fl_strdup(st->instance ? st->instance : "");
    t->up = st->up;
    t->duration_s = st->duration_s;
    t->samples = st->samples;
    if (!t->job || !t->instance) {
        fl_free((char *)t->job);
        fl_free((char *)t->instance);
        l->failed = true;
        return;
    }
    l->n++;
}

void fl_server__h_metrics(struct fl_http_req *r)
{
    struct fl_server *s = r->srv;
    struct fl_store_stats st;
    bool have_st = s->store && fl_store_stats(s->store, &st) == FL_OK;
    struct target_list tl = {NULL, 0, 0, false};
    pthread_mutex_lock(&s->scraper_mu);
    fl_scraper_foreach_target(s->scraper, collect_target, &tl);
    pthread_mutex_unlock(&s->scraper_mu);
    struct fl_buf b;
    fl_buf_init(&b, 64u * 1024 * 1024);
    fl_selfmetrics_render(s->metrics, have_st ? &st : NULL, tl.v, tl.n, &b);
    fl_server__freshness_metrics(s, &b);
    fl_server__live_metrics(s, &b);
    fl_server__event_metrics(s, &b);
    for (size_t i = 0; i < tl.n; i++) {
        fl_free((char *)tl.v[i].job);
        fl_free((char *)tl.v[i].instance);
    }
    fl_free(tl.v);
    if (tl.failed)
        fl_server__error(r, FL_ENOMEM, "out of memory listing scrape targets");
    else
        fl_server__respond(r, 200, FL_SELFMETRICS_CONTENT_TYPE, &b);
    fl_buf_cleanup(&b);
}

/* ---- request life cycle ---- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)conn;
    struct fl_server *s = cls;
    struct fl_http_req *r = fl_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->uri = fl_strdup(uri ? uri : "/");
    if (!r->uri) {
        fl_free(r);
        return NULL;
    }
    r->srv = s;
    r->route = SIZE_MAX;
    r->t0_ns = fl_time_mono_ns();
    fl_http_params_init(&r->params);
    fl_buf_init(&r->body, s->body_max);
    atomic_fetch_add(&s->in_flight, 1);
    fl_selfmetrics_add_in_flight(s->metrics, 1);
    return r;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    struct fl_server *s = cls;
    struct fl_http_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    if (r->queued) {
        double dur = (double)(fl_time_mono_ns() - r->t0_ns) / 1e9;
        fl_selfmetrics_observe_http(s->metrics, r->route, r->status, dur);
    }
    fl_http_params_cleanup(&r->params);
    fl_buf_cleanup(&r->body);
    fl_free(r->param);
    fl_free(r->uri);
    fl_free(r);
    atomic_fetch_sub(&s->in_flight, 1);
    fl_selfmetrics_add_in_flight(s->metrics, -1);
}

/* Constant-time check of "Bearer <token>" (time depends only on the lengths). */
static bool auth_ok(const char *header, const char *token)
{
    static const char prefix[] = "Bearer ";
    if (!header || strncasecmp(header, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *got = header + sizeof prefix - 1;
    size_t gl = strlen(got), tl = strlen(token);
    unsigned char diff = (unsigned char)(gl != tl);
    for (size_t i = 0; i < tl; i++)
        diff |= (unsigned char)(token[i] ^ (i < gl ? got[i] : 0));
    return diff == 0;
}

/* Which record kind a write route ingests (for the rejected-records counter). */
static enum fl_sm_kind route_kind(size_t route)
{
    fl_route_fn h = route < N_ROUTES ? routes[route].handler : NULL;
    if (h == fl_server__h_traces_post)
        return FL_SM_SPAN;
    if (h == fl_server__h_inferences_post)
        return FL_SM_INFERENCE;
    if (h == fl_server__h_outcomes_post)
        return FL_SM_OUTCOME;
    if (h == fl_server__h_prom_import)
        return FL_SM_SAMPLE;
    if (h == fl_server__h_models || h == fl_server__h_model_aliases)
        return FL_SM_MODEL;
    return FL_SM_EVENT;
}

static bool is_write(const struct fl_http_req *r)
{
    return r->route < N_ROUTES && routes[r->route].needs_auth && !strcmp(r->method, "POST");
}

/* Step 2: headers are in. Either queue an early answer or let the body come. */
static void begin(struct fl_http_req *r, const char *url)
{
    struct fl_server *s = r->srv;
    const char *q = strchr(r->uri, '?');
    struct fl_str path = fl_str_c(url);
    struct fl_str param;
    char allow[64] = "";
    size_t idx = SIZE_MAX;
    enum fl_route_result rr =
        fl_server_route_find(r->method, path, &idx, &param, allow, sizeof allow);
    if (rr == FL_ROUTE_NO_PATH) {
        error_allow(r, 404, FL_ENOTFOUND, "no such route", NULL);
        return;
    }
    if (rr == FL_ROUTE_BAD_METHOD) {
        char msg[128];
        snprintf(msg, sizeof msg, "method %s not allowed here; allowed: %s", r->method, allow);
        error_allow(r, 405, FL_EINVAL, msg, allow);
        return;
    }
    r->route = idx;
    r->param = fl_strndup(param.p, param.len);
    if (!r->param) {
        fl_server__error(r, FL_ENOMEM, "out of memory");
        return;
    }
    /* Credentials first: an unauthenticated client learns nothing from our parsers. */
    if (is_write(r)) {
        const char *token = s->cfg->auth_token;
        if (token && *token && !auth_ok(fl_server__header(r, "Authorization"), token)) {
            fl_selfmetrics_rejected(s->metrics, route_kind(r->route), FL_EAUTH, 1);
            fl_server__error(r, FL_EAUTH, "this route needs Authorization: Bearer <token>");
            return;
        }
        if (atomic_load(&s->shutting_down)) {
            fl_server__error(r, FL_ESHUTDOWN, "faultline is shutting down; retry elsewhere");
            return;
        }
    }
    struct fl_diag d;
    fl_diag_init(&d);
    if (q) {
        fl_err e = fl_http_params_parse(&r->params, q + 1, strlen(q + 1), &d);
        if (e) {
            fl_diag_field(&d, "query string");
            fl_server__diag_error(r, e, &d);
            return;
        }
    }
    const char *cl = fl_server__header(r, "Content-Length");
    uint64_t n;
    if (cl && fl_str_to_u64(fl_str_trim(fl_str_c(cl)), &n) && n > s->body_max) {
        if (is_write(r))
            fl_selfmetrics_rejected(s->metrics, route_kind(r->route), FL_ELIMIT, 1);
        fl_server__error(r, FL_ELIMIT, "request body of %llu bytes exceeds limits.body_bytes (%zu)",
                         (unsigned long long)n, s->body_max);
    }
}

/* Step 3: a piece of the body. */
static void absorb(struct fl_http_req *r, const char *p, size_t len)
{
    if (r->too_large || len > r->srv->body_max - r->body.len) {
        r->too_large = true;
        r->discarded += len;
        return;
    }
    fl_buf_append(&r->body, p, len);
    if (fl_buf_err(&r->body) != FL_OK)
        r->too_large = true;
}

static bool media_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    return strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Step 4: the whole body is in. Decode it and run the handler. */
static void finish(struct fl_http_req *r)
{
    struct fl_server *s = r->srv;
    struct fl_diag d;
    fl_diag_init(&d);
    if (r->too_large) {
        if (is_write(r))
            fl_selfmetrics_rejected(s->metrics, route_kind(r->route), FL_ELIMIT, 1);
        fl_server__error(r, FL_ELIMIT, "request body exceeds limits.body_bytes (%zu bytes)",
                         s->body_max);
        return;
    }
    const char *ce = fl_server__header(r, "Content-Encoding");
    if (ce && *ce && strcasecmp(ce, "identity") != 0) {
        if (strcasecmp(ce, "gzip") != 0 && strcasecmp(ce, "x-gzip") != 0 &&
            strcasecmp(ce, "deflate") != 0) {
            if (is_write(r))
                fl_selfmetrics_rejected(s->metrics, route_kind(r->route), FL_EUNSUPPORTED, 1);
            fl_server__error(r, FL_EUNSUPPORTED,
                             "Content-Encoding %s is not supported (use gzip or identity)", ce);
            return;
        }
        struct fl_buf out;
        fl_buf_init(&out, s->body_max);
        fl_err e =
            fl_gzip_inflate(r->body.data ? r->body.data : "", r->body.len, s->body_max, &out, &d);
        if (e) {
            fl_buf_cleanup(&out);
            if (is_write(r))
                fl_selfmetrics_rejected(s->metrics, route_kind(r->route), e, 1);
            fl_diag_field(&d, "body (Content-Encoding: %s)", ce);
            fl_server__diag_error(r, e, &d);
            return;
        }
        fl_buf_cleanup(&r->body);
        r->body = out;
    }
    const struct fl_route *rt = &routes[r->route];
    if (!rt->needs_auth && !strcmp(r->method, "POST") && r->body.len > 0 &&
        media_is(fl_server__header(r, "Content-Type"), "application/x-www-form-urlencoded")) {
        fl_err e = fl_http_params_parse(&r->params, r->body.data, r->body.len, &d);
        if (e) {
            fl_diag_field(&d, "form body");
            fl_server__diag_error(r, e, &d);
            return;
        }
    }
    fl_route_fn h = rt->handler;
    if (!h) /* a route whose GET and POST differ */
        h = !strcmp(r->method, "POST") ? fl_server__h_events_post : fl_server__h_events_get;
    h(r);
    if (!r->queued)
        fl_server__error(r, FL_EIO, "internal error: the handler gave no answer");
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct fl_http_req *r = *con_cls;
    if (!r)
        return MHD_NO; /* the URI callback ran out of memory */
    if (!r->started) {
        r->started = true;
        r->conn = conn;
        snprintf(r->method, sizeof r->method, "%s", method ? method : "");
        begin(r, url ? url : "/");
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->queued)
            absorb(r, upload, *upload_size);
        *upload_size = 0;
        /* a client that keeps sending far past the cap is cut off rather than drained forever */
        return r->discarded > 4 * r->srv->body_max + (1u << 20) ? MHD_NO : MHD_YES;
    }
    if (!r->queued)
        finish(r);
    return r->queued ? MHD_YES : MHD_NO;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    FL_LOG_W("libmicrohttpd: %s", msg);
}

/* ---- start / stop ---- */

/* "host:port", ":port", "port", "[v6]:port"; host "" or absent = 127.0.0.1. */
static fl_err parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6,
                           struct fl_diag *d)
{
    char host[256] = "";
    const char *port_s;
    memset(ss, 0, sizeof *ss);
    *v6 = false;
    if (!listen || !*listen)
        listen = "127.0.0.1:9470";
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
            goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        port_s = close + 2;
        *v6 = true;
    } else {
        const char *colon = strrchr(listen, ':');
        if (colon) {
            if ((size_t)(colon - listen) >= sizeof host)
                goto bad;
            memcpy(host, listen, (size_t)(colon - listen));
            port_s = colon + 1;
        } else {
            port_s = listen;
        }
    }
    uint64_t port;
    if (!fl_str_to_u64(fl_str_c(port_s), &port) || port > 65535)
        goto bad;
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            goto bad;
        return FL_OK;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (!*host || !strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
        goto bad;
    return FL_OK;
bad:
    fl_diag_field(d, "listen");
    return fl_diag_set(d, FL_ECONFIG, 0, 0,
                       "expected host:port with an IP address (e.g. 127.0.0.1:9470), got \"%s\"",
                       listen);
}

fl_err fl_server_start(const struct fl_config *cfg, struct fl_store *store, struct fl_server **out,
                       struct fl_diag *d)
{
    struct fl_server *s = NULL;
    const char *names[N_ROUTES];
    struct sockaddr_storage ss;
    bool v6;
    fl_err e = parse_listen(cfg->listen, &ss, &v6, d);
    if (e)
        return e;
    s = fl_calloc(1, sizeof *s);
    if (!s)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory starting the server");
    s->cfg = cfg;
    s->store = store;
    s->body_max = cfg->limits.body_bytes ? cfg->limits.body_bytes : FL_LIMIT_BODY_BYTES;
    pthread_mutex_init(&s->scraper_mu, NULL);
    atomic_init(&s->shutting_down, 0);
    atomic_init(&s->in_flight, 0);
    atomic_init(&s->live, NULL);
    for (size_t i = 0; i < N_ROUTES; i++)
        names[i] = routes[i].pattern;
    s->metrics = fl_selfmetrics_new(names, N_ROUTES, (double)fl_time_now_ms() / 1000.0);
    if (!s->metrics) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory starting the server");
        goto out;
    }
    unsigned threads = cfg->threads ? cfg->threads : 4;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_THREAD_POOL_SIZE,
        threads > 1 ? threads : 0, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!s->daemon) {
        fl_diag_field(d, "listen");
        e = fl_diag_set(d, FL_EIO, 0, 0, "cannot listen on %s (address in use or not local?)",
                        cfg->listen ? cfg->listen : "127.0.0.1:9470");
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out = s;
    s = NULL;
out:
    if (s) {
        fl_selfmetrics_free(s->metrics);
        pthread_mutex_destroy(&s->scraper_mu);
        fl_free(s);
    }
    return e;
}

unsigned fl_server_port(const struct fl_server *s)
{
    return s ? s->port : 0;
}

void fl_server_set_scraper(struct fl_server *s, struct fl_scraper *sc)
{
    pthread_mutex_lock(&s->scraper_mu);
    s->scraper = sc;
    pthread_mutex_unlock(&s->scraper_mu);
}

void fl_server_begin_shutdown(struct fl_server *s)
{
    if (s)
        atomic_store(&s->shutting_down, 1);
}

void fl_server_stop(struct fl_server *s)
{
    if (!s)
        return;
    fl_server_begin_shutdown(s);
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    /* let requests in flight finish and send their answers (bounded: 10 s) */
    for (int i = 0; i < 1000 && atomic_load(&s->in_flight) > 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->daemon);
    fl_selfmetrics_free(s->metrics);
    pthread_mutex_destroy(&s->scraper_mu);
    fl_free(s);
}
