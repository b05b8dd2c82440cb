/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_live.c: live ML monitoring in the server (monitor/live.h, docs/MONITORING.md):
 *   GET /api/v1/drift?model=M[&version=V]              the latest closed window's drift per
 *                                                      baseline (404 before the first closes)
 *   GET /api/v1/profiles?model=M[&version=V][&start=&end=][&limit=][&top=]
 *                                                      stored window profiles, summarised
 *   GET /api/v1/drift/history?model=M[&version=V][&feature=F][&baseline=B][&start=&end=][&limit=]
 *                                                      the stored drift runs of a time range,
 *                                                      per window and baseline (score over time)
 *   GET /api/v1/drift/reference?model=M&version=V[&top=]
 *                                                      the reference profile the windows of a
 *                                                      version are compared with, summarised
 * the live monitoring families of /metrics, and the hook that profiles the inferences of every
 * committed batch. The live monitor is attached by `faultline serve` (fl_server_set_live); the
 * pointer is atomic, and the monitor outlives every request (it is detached, then the server
 * stops and waits for requests in flight, then the monitor is freed).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/log.h"
#include "../core/record.h"
#include "../core/time.h"
#include "../monitor/live.h"
#include "../monitor/registry.h"
#include "../store/store.h"
#include "http_int.h"

#define PROFILES_DEFAULT_SPAN_MS (24LL * 3600 * 1000)
#define PROFILES_DEFAULT_LIMIT 100
#define PROFILES_MAX_LIMIT 1000
#define PROFILES_DEFAULT_TOP 10
#define PROFILES_MAX_TOP 1000
#define HISTORY_DEFAULT_SPAN_MS (7LL * 24 * 3600 * 1000)
#define HISTORY_DEFAULT_LIMIT 1000
#define HISTORY_MAX_LIMIT 5000

void fl_server_set_live(struct fl_server *s, struct fl_live *l)
{
    if (s)
        atomic_store(&s->live, l);
}

void fl_server__live_committed(struct fl_server *s, const struct fl_batch *b)
{
    struct fl_live *l = atomic_load(&s->live);
    if (!l || !b->n_inferences)
        return;
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_live_add(l, b->inferences, b->n_inferences, &d) != FL_OK)
        FL_LOG_W("live monitoring: some inferences of a committed batch were not profiled: %s",
                 d.msg);
}

void fl_server__live_metrics(struct fl_server *s, struct fl_buf *out)
{
    struct fl_live *l = atomic_load(&s->live);
    if (l)
        fl_live_write_metrics(l, out);
}

/* The model (required) and version (optional) parameters, checked; false when answered. */
static bool names(struct fl_http_req *r, const char **model, const char **version)
{
    *model = fl_http_params_get(&r->params, "model");
    *version = fl_http_params_get(&r->params, "version");
    if (*version && !**version)
        *version = NULL;
    if (!*model || !**model) {
        fl_server__error(r, FL_EINVAL, "model: required (?model=NAME)");
        return false;
    }
    const char *why = fl_registry_name_check(*model);
    if (!why && *version)
        why = fl_registry_name_check(*version);
    if (why) {
        fl_server__error(r, FL_EINVAL, "%s: %s",
                         *version && fl_registry_name_check(*version) ? "version" : "model", why);
        return false;
    }
    return true;
}

/* An optional count parameter in [1, max]; false when answered. */
static bool count_param(struct fl_http_req *r, const char *name, size_t dflt, size_t max,
                        size_t *out)
{
    const char *v = fl_http_params_get(&r->params, name);
    if (!v || !*v) {
        *out = dflt;
        return true;
    }
    char *end = NULL;
    unsigned long long n = strtoull(v, &end, 10);
    if (*v < '0' || *v > '9' || *end || n < 1 || n > max) {
        fl_server__error(r, FL_EINVAL, "%s: expected a whole number from 1 to %zu, got \"%s\"",
                         name, max, v);
        return false;
    }
    *out = (size_t)n;
    return true;
}

/* The attached live monitor, or NULL after answering 404 (monitoring is off). */
static struct fl_live *live_or_404(struct fl_http_req *r)
{
    struct fl_live *l = atomic_load(&r->srv->live);
    if (!l)
        fl_server__error(r, FL_ENOTFOUND, "live monitoring is off (monitoring.enabled: false)");
    return l;
}

void fl_server__h_drift(struct fl_http_req *r)
{
    const char *model, *version;
    if (!names(r, &model, &version))
        return;
    struct fl_live *l = live_or_404(r);
    if (!l)
        return;
    struct fl_buf b;
    struct fl_diag d;
    fl_server__answer_begin(&b, &d);
    fl_err e = fl_live_drift_json(l, model, version, &b, &d);
    fl_server__answer_json(r, e, &b, &d);
}

void fl_server__h_profiles(struct fl_http_req *r)
{
    const char *model, *version;
    int64_t start, end;
    size_t limit, top;
    if (!names(r, &model, &version) || !fl_server__time_param(r, "end", NULL, fl_time_now_ms(), &end) ||
        !fl_server__time_param(r, "start", NULL, end - PROFILES_DEFAULT_SPAN_MS, &start) ||
        !count_param(r, "limit", PROFILES_DEFAULT_LIMIT, PROFILES_MAX_LIMIT, &limit) ||
        !count_param(r, "top", PROFILES_DEFAULT_TOP, PROFILES_MAX_TOP, &top))
        return;
    if (end < start) {
        fl_server__error(r, FL_EINVAL, "end: must not be before start");
        return;
    }
    if (!r->srv->store) {
        fl_server__error(r, FL_ENOTFOUND, "no store");
        return;
    }
    struct fl_buf b;
    struct fl_diag d;
    fl_server__answer_begin(&b, &d);
    fl_err e = fl_live_profiles_json(r->srv->store, model, version, start, end, top, limit, &b, &d);
    fl_server__answer_json(r, e, &b, &d);
}

/* ---- GET /api/v1/drift/history ---- */

struct history_ctx {
    struct fl_buf *out;
    const char *feature;  /* NULL = every feature */
    const char *baseline; /* NULL = both */
    size_t limit, n;
    size_t seen; /* runs the store gave, before the baseline filter */
    bool truncated;
};

/* A JSON number, or null for NaN and the infinities (JSON has no spelling for them). */
static void put_num(struct fl_buf *b, double v)
{
    if (isfinite(v))
        fl_buf_put_double(b, v);
    else
        fl_buf_puts(b, "null");
}

static void put_str(struct fl_buf *b, const char *s)
{
    fl_server__json_str(b, s);
}

static void history_row(struct fl_buf *b, const struct fl_store_drift_row *x, bool first)
{
    fl_buf_puts(b, first ? "{\"feature\":" : ",{\"feature\":");
    put_str(b, x->feature);
    fl_buf_puts(b, ",\"check\":");
    put_str(b, x->check);
    fl_buf_puts(b, ",\"kind\":");
    put_str(b, x->kind);
    fl_buf_puts(b, ",\"method\":");
    put_str(b, x->method);
    fl_buf_puts(b, ",\"statistic_name\":");
    put_str(b, x->stat_name);
    fl_buf_puts(b, ",\"statistic\":");
    put_num(b, x->statistic);
    fl_buf_puts(b, ",\"p_value\":");
    put_num(b, x->pvalue);
    fl_buf_puts(b, ",\"score\":");
    put_num(b, x->score);
    fl_buf_puts(b, ",\"threshold\":");
    put_num(b, x->threshold);
    /* The store keeps no comparison operator; the score of a test is its p-value (drift when
     * below the threshold), any other score is a distance or share (drift when above). */
    bool p = isfinite(x->pvalue) && x->score == x->pvalue;
    fl_buf_printf(b,
                  ",\"score_is_p_value\":%s,\"drifted\":%s,\"n_reference\":%llu,"
                  "\"n_current\":%llu}",
                  p ? "true" : "false", x->drifted ? "true" : "false", (unsigned long long)x->n_ref,
                  (unsigned long long)x->n_cur);
}

static int on_history_run(const struct fl_store_drift_run *r, void *ud)
{
    struct history_ctx *h = ud;
    struct fl_buf *b = h->out;
    h->seen++;
    if (h->baseline && strcmp(r->baseline, h->baseline) != 0)
        return 0;
    if (h->n == h->limit) {
        h->truncated = true;
        return 1;
    }
    fl_buf_puts(b, h->n++ ? ",\n{\"version\":" : "\n{\"version\":");
    put_str(b, r->version);
    fl_buf_puts(b, ",\"baseline\":");
    put_str(b, r->baseline);
    fl_buf_puts(b, ",\"source\":");
    put_str(b, r->baseline_source);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "window_start", r->start_ms);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "window_end", r->end_ms);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "baseline_start", r->baseline_start_ms);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "baseline_end", r->baseline_end_ms);
    fl_buf_puts(b, ",\"status\":");
    put_str(b, r->status);
    fl_buf_puts(b, ",\"message\":");
    put_str(b, r->message);
    fl_buf_printf(b,
                  ",\"reference_rows\":%llu,\"current_rows\":%llu,\"features\":%zu,"
                  "\"drifted_features\":%zu,\"drift_share\":",
                  (unsigned long long)r->ref_rows, (unsigned long long)r->cur_rows, r->n_features,
                  r->n_drifted);
    put_num(b, r->share);
    fl_buf_printf(b, ",\"dataset_drift\":%s,\"rows\":[", r->dataset_drift ? "true" : "false");
    size_t k = 0;
    for (size_t i = 0; i < r->n_rows; i++)
        if (!h->feature || !strcmp(r->rows[i].feature, h->feature))
            history_row(b, &r->rows[i], k++ == 0);
    fl_buf_puts(b, "]}");
    return fl_buf_err(b) != FL_OK;
}

void fl_server__h_drift_history(struct fl_http_req *r)
{
    const char *model, *version;
    int64_t start, end;
    size_t limit;
    if (!names(r, &model, &version) ||
        !fl_server__time_param(r, "end", NULL, fl_time_now_ms(), &end) ||
        !fl_server__time_param(r, "start", NULL, end - HISTORY_DEFAULT_SPAN_MS, &start) ||
        !count_param(r, "limit", HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, &limit))
        return;
    const char *feature = fl_http_params_get(&r->params, "feature");
    const char *baseline = fl_http_params_get(&r->params, "baseline");
    if (feature && !*feature)
        feature = NULL;
    if (baseline && !*baseline)
        baseline = NULL;
    if (end < start) {
        fl_server__error(r, FL_EINVAL, "end: must not be before start");
        return;
    }
    if (feature && strlen(feature) > FL_LIMIT_NAME_BYTES) {
        fl_server__error(r, FL_EINVAL, "feature: longer than %d bytes", FL_LIMIT_NAME_BYTES);
        return;
    }
    if (baseline && strcmp(baseline, "reference") && strcmp(baseline, "previous_window")) {
        fl_server__error(r, FL_EINVAL,
                         "baseline: expected reference or previous_window, got \"%.64s\"",
                         baseline);
        return;
    }
    if (!r->srv->store) {
        fl_server__error(r, FL_ENOTFOUND, "no store");
        return;
    }
    struct fl_buf b;
    struct fl_diag d;
    fl_server__answer_begin(&b, &d);
    struct history_ctx h = {.out = &b, .feature = feature, .baseline = baseline, .limit = limit};
    fl_buf_puts(&b, "{\"status\":\"success\",\"data\":{\"model\":");
    put_str(&b, model);
    fl_buf_puts(&b, ",\"version\":");
    put_str(&b, version);
    fl_buf_puts(&b, ",\"feature\":");
    put_str(&b, feature);
    fl_buf_puts(&b, ",\"baseline\":");
    put_str(&b, baseline);
    fl_buf_putc(&b, ',');
    fl_registry_put_time(&b, "start", start);
    fl_buf_putc(&b, ',');
    fl_registry_put_time(&b, "end", end);
    fl_buf_puts(&b, ",\"runs\":[");
    /* A window has a run per baseline: with a baseline filter, twice the limit is read. One
     * more than needed tells a truncated answer from an exact fit; when the store's cap stopped
     * the walk before that, more runs may lie in the range, and the answer says so. */
    size_t want = baseline ? 2 * limit + 1 : limit + 1;
    fl_err e = fl_store_drift_runs(r->srv->store, model, version, start, end, want, on_history_run,
                                   &h, &d);
    if (h.seen == want)
        h.truncated = true;
    fl_buf_printf(&b, "],\"truncated\":%s}}\n", h.truncated ? "true" : "false");
    if (e == FL_OK && fl_buf_err(&b) != FL_OK)
        e = fl_diag_set(&d, fl_buf_err(&b), 0, 0, "answer too large: narrow the time range");
    fl_server__answer_json(r, e, &b, &d);
}

/* ---- GET /api/v1/drift/reference ---- */

void fl_server__h_drift_reference(struct fl_http_req *r)
{
    const char *model, *version;
    size_t top;
    if (!names(r, &model, &version) ||
        !count_param(r, "top", PROFILES_DEFAULT_TOP, PROFILES_MAX_TOP, &top))
        return;
    if (!version) {
        fl_server__error(r, FL_EINVAL,
                         "version: required (a reference belongs to a model version)");
        return;
    }
    struct fl_live *l = live_or_404(r);
    if (!l)
        return;
    struct fl_buf b;
    struct fl_diag d;
    fl_server__answer_begin(&b, &d);
    fl_err e = fl_live_reference_json(l, model, version, top, &b, &d);
    fl_server__answer_json(r, e, &b, &d);
}
