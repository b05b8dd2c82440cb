/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_int.h: what the files of the HTTP server share (http.c, the route handlers in
 * routes_ingest.c, routes_read.c and promapi.c). Not a public interface: other modules use
 * server.h.
 */
#ifndef FL_SERVER_HTTP_INT_H
#define FL_SERVER_HTTP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/err.h"
#include "params.h"
#include "selfmetrics.h"
#include "server.h"

struct MHD_Daemon;
struct fl_live;
struct fl_batch;
struct MHD_Connection;

struct fl_server {
    const struct fl_config *cfg; /* borrowed */
    struct fl_store *store;      /* borrowed */
    pthread_mutex_t scraper_mu;  /* guards scraper */
    struct fl_scraper *scraper;  /* borrowed, may be NULL */
    struct MHD_Daemon *daemon;
    struct fl_selfmetrics *metrics;
    atomic_int shutting_down;
    atomic_long in_flight;
    unsigned port;
    size_t body_max; /* bytes, after gunzip */
    struct fl_live *_Atomic live; /* borrowed, may be NULL (routes_live.c) */
};

/* One HTTP request, from its first line to the end of its response. */
struct fl_http_req {
    struct fl_server *srv;
    struct MHD_Connection *conn;
    char method[16];
    char *uri;                    /* owned: the request target as received, query string included */
    size_t route;                 /* index into the route table; SIZE_MAX when none matched */
    char *param;                  /* owned: text of the route's {name} segment, "" when none */
    struct fl_http_params params; /* query string, plus a form-encoded POST body */
    struct fl_buf body;           /* request body (decompressed before the handler runs) */
    bool too_large;               /* body passed srv->body_max: answered 413 at the end */
    size_t discarded;             /* body bytes dropped after too_large */
    bool started;
    bool queued;   /* a response has been queued */
    int status;    /* status of the queued response */
    int64_t t0_ns; /* fl_time_mono_ns at the request's first byte */
};

/*
 * An optional time parameter (RFC 3339, unix seconds, now, now-1h): the first of name and alt
 * (alt may be NULL) that is present and non-empty, else dflt. Returns false after answering 400
 * with the parameter named, when the value is malformed.
 */
bool fl_server__time_param(struct fl_http_req *r, const char *name, const char *alt, int64_t dflt,
                           int64_t *out);
/*
 * Open a handler's answer: b empty, capped at FL_SERVER_RESPONSE_MAX (no allocation yet); d
 * cleared. Close it with fl_server__answer_json, or with fl_server__respond and fl_buf_cleanup.
 */
void fl_server__answer_begin(struct fl_buf *b, struct fl_diag *d);
/* Answer 200 with the JSON in b, or the error e (with d), or 500/503 when b overflowed. Takes b. */
void fl_server__answer_json(struct fl_http_req *r, fl_err e, struct fl_buf *b,
                            const struct fl_diag *d);

/* Request header value (case-insensitive name) or NULL. Valid during the request. */
const char *fl_server__header(struct fl_http_req *r, const char *name);

/* Queue a response with this status and content type; takes the contents of body (reset). */
void fl_server__respond(struct fl_http_req *r, int status, const char *content_type,
                        struct fl_buf *body);
/* {"error":"<msg>","code":"<FL_E...>"} with the status of e. */
void fl_server__error(struct fl_http_req *r, fl_err e, const char *fmt, ...) FL_PRINTF(3, 4);
/*
 * The error of a parser or the store: {"error": fl_diag_format text, "code": "FL_EPARSE",
 * "line": 17, "column": 23, "field": "features.age"} (line/column/field only when known), status
 * fl_err_http_status(e).
 */
void fl_server__diag_error(struct fl_http_req *r, fl_err e, const struct fl_diag *d);
/* The Prometheus API error envelope {"status":"error","errorType":..,"error":..}. */
void fl_server__prom_error(struct fl_http_req *r, int status, const char *error_type,
                           const char *fmt, ...) FL_PRINTF(4, 5);

/* Append a JSON string literal of a NUL-terminated string (NULL -> null). */
void fl_server__json_str(struct fl_buf *b, const char *s);
/* Append raw JSON text known to be valid, or fallback when s is NULL or empty. */
void fl_server__json_raw(struct fl_buf *b, const char *s, const char *fallback);

/* Cap on a response body in bytes. */
#define FL_SERVER_RESPONSE_MAX ((size_t)256 * 1024 * 1024)

/* Route handlers (the table in http.c names them). */
void fl_server__h_traces_post(struct fl_http_req *r);
void fl_server__h_inferences_post(struct fl_http_req *r);
void fl_server__h_outcomes_post(struct fl_http_req *r);
void fl_server__h_events_post(struct fl_http_req *r);
void fl_server__h_prom_import(struct fl_http_req *r);
void fl_server__h_alertmanager_post(struct fl_http_req *r); /* routes_alertmanager.c */
void fl_server__h_events_get(struct fl_http_req *r);
void fl_server__h_trace_get(struct fl_http_req *r);
void fl_server__h_traces_search(struct fl_http_req *r);
void fl_server__h_traces_compare(struct fl_http_req *r);
void fl_server__h_trace_critical_path(struct fl_http_req *r);
void fl_server__h_graph(struct fl_http_req *r);
void fl_server__h_request_get(struct fl_http_req *r);
void fl_server__h_query_range(struct fl_http_req *r);
void fl_server__h_series(struct fl_http_req *r);
void fl_server__h_labels(struct fl_http_req *r);
void fl_server__h_label_values(struct fl_http_req *r);
void fl_server__h_query_exemplars(struct fl_http_req *r);
void fl_server__h_skew_post(struct fl_http_req *r);
void fl_server__h_models(struct fl_http_req *r);
void fl_server__h_model_get(struct fl_http_req *r);
void fl_server__h_model_versions(struct fl_http_req *r);
void fl_server__h_model_aliases(struct fl_http_req *r);
void fl_server__h_model_traffic(struct fl_http_req *r);
void fl_server__h_freshness(struct fl_http_req *r);
/* Append the freshness families to a /metrics answer (routes_models.c). */
void fl_server__freshness_metrics(struct fl_server *s, struct fl_buf *out);
/* Live monitoring (routes_live.c): the routes, the /metrics families, and the hook that profiles
 * a committed batch's inferences. */
void fl_server__h_drift(struct fl_http_req *r);
void fl_server__h_profiles(struct fl_http_req *r);
void fl_server__h_drift_history(struct fl_http_req *r);
void fl_server__h_drift_reference(struct fl_http_req *r);
void fl_server__live_metrics(struct fl_server *s, struct fl_buf *out);
/* faultline_change_event_timestamp_seconds for the last day's change events (event_metrics.c). */
void fl_server__event_metrics(struct fl_server *s, struct fl_buf *out);
void fl_server__live_committed(struct fl_server *s, const struct fl_batch *b);
void fl_server__h_investigations(struct fl_http_req *r);   /* routes_investigations.c */
void fl_server__h_investigation_get(struct fl_http_req *r); /* routes_investigations.c */
void fl_server__h_whys(struct fl_http_req *r);       /* routes_postmortems.c */
void fl_server__h_postmortem(struct fl_http_req *r); /* routes_postmortems.c */
void fl_server__h_fault_tree(struct fl_http_req *r); /* routes_fault_tree.c */
void fl_server__h_metrics(struct fl_http_req *r);
void fl_server__h_healthz(struct fl_http_req *r);

#endif
