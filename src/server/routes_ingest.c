/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_ingest.c: the write routes. Each request body becomes one struct fl_batch, parsed whole
 * before anything is stored; a parse error answers 400 with line/column/field and stores nothing,
 * success is acknowledged only after fl_store_write committed.
 *
 * POST /v1/traces follows OTLP/HTTP (opentelemetry-proto docs/specification.md): JSON only,
 * ExportTraceServiceResponse on success (partialSuccess when spans were rejected), and
 * google.rpc.Status-shaped bodies ({"code":3,"message":...}) on errors.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../config/config.h"
#include "../core/log.h"
#include "../core/record.h"
#include "../core/time.h"
#include "../ingest/events.h"
#include "../ingest/inference.h"
#include "../ingest/otlp.h"
#include "../store/store.h"
#include "http_int.h"
#include "../ingest/prom.h"

typedef fl_err (*parse_fn)(struct fl_http_req *r, struct fl_batch *b, struct fl_diag *d);

/* Count what a committed batch held. */
static void count_ingested(struct fl_selfmetrics *m, const struct fl_batch *b)
{
    fl_selfmetrics_ingested(m, FL_SM_SAMPLE, b->n_samples);
    fl_selfmetrics_ingested(m, FL_SM_SPAN, b->n_spans);
    fl_selfmetrics_ingested(m, FL_SM_INFERENCE, b->n_inferences);
    fl_selfmetrics_ingested(m, FL_SM_OUTCOME, b->n_outcomes);
    fl_selfmetrics_ingested(m, FL_SM_EVENT, b->n_events);
    fl_selfmetrics_ingested(m, FL_SM_MODEL, b->n_models);
}

static size_t kind_count(const struct fl_batch *b, enum fl_sm_kind k)
{
    switch (k) {
    case FL_SM_SAMPLE:
        return b->n_samples;
    case FL_SM_SPAN:
        return b->n_spans;
    case FL_SM_INFERENCE:
        return b->n_inferences;
    case FL_SM_OUTCOME:
        return b->n_outcomes;
    case FL_SM_EVENT:
        return b->n_events;
    case FL_SM_MODEL:
        return b->n_models;
    default:
        return 0;
    }
}

static const char *body_ptr(const struct fl_http_req *r)
{
    return r->body.data ? r->body.data : "";
}

/*
 * Parse the body with parse into one batch, store it, answer {"accepted":N}. On a parse error
 * answer 400 with the diagnostic and store nothing.
 */
static void ingest(struct fl_http_req *r, enum fl_sm_kind kind, parse_fn parse)
{
    struct fl_server *s = r->srv;
    struct fl_batch b;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_diag_file(&d, "body");
    fl_err e = fl_batch_init(&b, s->cfg->limits.records_per_batch);
    if (e) {
        fl_server__error(r, e, "cannot allocate a batch");
        return;
    }
    e = parse(r, &b, &d);
    if (e) {
        fl_selfmetrics_rejected(s->metrics, kind, e, 1);
        fl_server__diag_error(r, e, &d);
        goto out;
    }
    e = fl_store_write(s->store, &b, &d);
    if (e) {
        FL_LOG_E("store write failed: %s", d.msg);
        fl_selfmetrics_rejected(s->metrics, kind, e, kind_count(&b, kind));
        fl_server__diag_error(r, e, &d);
        goto out;
    }
    count_ingested(s->metrics, &b);
    fl_server__live_committed(s, &b);
    struct fl_buf out;
    fl_buf_init(&out, 4096);
    fl_buf_printf(&out, "{\"accepted\":%zu}\n", kind_count(&b, kind));
    fl_server__respond(r, 200, "application/json", &out);
out:
    fl_batch_cleanup(&b);
}

static fl_err parse_inferences(struct fl_http_req *r, struct fl_batch *b, struct fl_diag *d)
{
    return fl_inference_jsonl_to_batch(body_ptr(r), r->body.len, &r->srv->cfg->limits, b, d);
}

static fl_err parse_outcomes(struct fl_http_req *r, struct fl_batch *b, struct fl_diag *d)
{
    return fl_outcome_jsonl_to_batch(body_ptr(r), r->body.len, &r->srv->cfg->limits, b, d);
}

static fl_err parse_events(struct fl_http_req *r, struct fl_batch *b, struct fl_diag *d)
{
    return fl_events_json_to_batch(body_ptr(r), r->body.len, &r->srv->cfg->limits, b, d);
}

void fl_server__h_inferences_post(struct fl_http_req *r)
{
    ingest(r, FL_SM_INFERENCE, parse_inferences);
}

void fl_server__h_outcomes_post(struct fl_http_req *r)
{
    ingest(r, FL_SM_OUTCOME, parse_outcomes);
}

void fl_server__h_events_post(struct fl_http_req *r)
{
    ingest(r, FL_SM_EVENT, parse_events);
}

/* ---- POST /api/v1/import/prometheus ---- */

/*
 * The exposition's format from Content-Type (OpenMetrics or text 0.0.4); samples without a
 * timestamp get the arrival time; optional ?job= and ?instance= become labels of every sample.
 */
static fl_err parse_prom(struct fl_http_req *r, struct fl_batch *b, struct fl_diag *d)
{
    struct fl_label extra[2];
    size_t n_extra = 0, n_samples = 0;
    const char *job = fl_http_params_get(&r->params, "job");
    const char *instance = fl_http_params_get(&r->params, "instance");
    if (job && *job)
        extra[n_extra++] = (struct fl_label){"job", job};
    if (instance && *instance)
        extra[n_extra++] = (struct fl_label){"instance", instance};
    struct fl_prom_parser *pp = NULL;
    fl_err e = fl_prom_parser_new(&r->srv->cfg->limits, &pp);
    if (e)
        return fl_diag_set(d, e, 0, 0, "cannot create the exposition parser");
    e = fl_prom_to_batch(pp, body_ptr(r), r->body.len,
                         fl_prom_format_from_content_type(fl_server__header(r, "Content-Type")),
                         fl_time_now_ms(), extra, n_extra, b, &n_samples, d);
    fl_prom_parser_free(pp);
    return e;
}

void fl_server__h_prom_import(struct fl_http_req *r)
{
    ingest(r, FL_SM_SAMPLE, parse_prom);
}

/* ---- POST /v1/traces (OTLP/HTTP JSON) ---- */

/* google.rpc.Code for an error (the Status body of an OTLP/HTTP error answer). */
static int grpc_code(fl_err e)
{
    switch (e) {
    case FL_ELIMIT:
        return 8; /* RESOURCE_EXHAUSTED */
    case FL_EUNSUPPORTED:
        return 12; /* UNIMPLEMENTED */
    case FL_EAUTH:
        return 16; /* UNAUTHENTICATED */
    case FL_ENOMEM:
    case FL_EBUSY:
    case FL_ESHUTDOWN:
        return 14; /* UNAVAILABLE */
    case FL_EIO:
    case FL_ESTORE:
        return 13; /* INTERNAL */
    default:
        return 3; /* INVALID_ARGUMENT */
    }
}

static void otlp_status(struct fl_http_req *r, fl_err e, const char *msg)
{
    struct fl_buf b;
    fl_buf_init(&b, 64 * 1024);
    fl_buf_printf(&b, "{\"code\":%d,\"message\":", grpc_code(e));
    fl_server__json_str(&b, msg);
    fl_buf_puts(&b, "}\n");
    fl_server__respond(r, fl_err_http_status(e), "application/json", &b);
}

static bool is_json_type(const char *ct)
{
    static const char want[] = "application/json";
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    return strncasecmp(ct, want, sizeof want - 1) == 0 &&
           (ct[sizeof want - 1] == '\0' || ct[sizeof want - 1] == ';' ||
            ct[sizeof want - 1] == ' ');
}

void fl_server__h_traces_post(struct fl_http_req *r)
{
    struct fl_server *s = r->srv;
    const char *ct = fl_server__header(r, "Content-Type");
    if (!is_json_type(ct)) {
        fl_selfmetrics_rejected(s->metrics, FL_SM_SPAN, FL_EUNSUPPORTED, 1);
        char msg[256];
        snprintf(msg, sizeof msg,
                 "Content-Type %s%s%s is not supported: faultline accepts OTLP/HTTP JSON only "
                 "(Content-Type: application/json), not binary protobuf",
                 ct ? "\"" : "", ct ? ct : "(none)", ct ? "\"" : "");
        otlp_status(r, FL_EUNSUPPORTED, msg);
        return;
    }
    struct fl_batch b;
    struct fl_diag d;
    struct fl_otlp_result res;
    char msg[FL_DIAG_MSG_CAP + FL_DIAG_FIELD_CAP + FL_DIAG_FILE_CAP + 64];
    fl_diag_init(&d);
    fl_diag_file(&d, "body");
    memset(&res, 0, sizeof res);
    fl_err e = fl_batch_init(&b, s->cfg->limits.records_per_batch);
    if (e) {
        otlp_status(r, e, "cannot allocate a batch");
        return;
    }
    e = fl_otlp_json_to_batch(body_ptr(r), r->body.len, &b, &res, &d);
    if (!e)
        e = fl_store_write(s->store, &b, &d);
    if (e) {
        fl_selfmetrics_rejected(s->metrics, FL_SM_SPAN, e, b.n_spans ? b.n_spans : 1);
        fl_diag_format(&d, msg, sizeof msg);
        otlp_status(r, e, msg);
        goto out;
    }
    count_ingested(s->metrics, &b);
    fl_selfmetrics_rejected(s->metrics, FL_SM_SPAN, FL_EPARSE, res.rejected_spans);
    struct fl_buf out;
    fl_buf_init(&out, 64 * 1024);
    fl_otlp_response_json(&res, &out);
    fl_server__respond(r, 200, "application/json", &out);
out:
    fl_batch_cleanup(&b);
}
