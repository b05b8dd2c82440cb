/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_live.c: live ML monitoring in the server (monitor/live.h, docs/MONITORING.md):
 *   GET /api/v1/drift?model=M[&version=V]              the latest closed window's drift per
 *                                                      baseline (404 before the first closes)
 *   GET /api/v1/profiles?model=M[&version=V][&start=&end=][&limit=][&top=]
 *                                                      stored window profiles, summarised
 * the live monitoring families of /metrics, and the hook that profiles the inferences of every
 * committed batch. The live monitor is attached by `faultline serve` (fl_server_set_live); the
 * pointer is atomic, and the monitor outlives every request (it is detached, then the server
 * stops and waits for requests in flight, then the monitor is freed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/record.h"
#include "../core/time.h"
#include "../monitor/live.h"
#include "../monitor/registry.h"
#include "http_int.h"

#define PROFILES_DEFAULT_SPAN_MS (24LL * 3600 * 1000)
#define PROFILES_DEFAULT_LIMIT 100
#define PROFILES_MAX_LIMIT 1000
#define PROFILES_DEFAULT_TOP 10
#define PROFILES_MAX_TOP 1000

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

void fl_server__h_drift(struct fl_http_req *r)
{
    const char *model, *version;
    if (!names(r, &model, &version))
        return;
    struct fl_live *l = atomic_load(&r->srv->live);
    if (!l) {
        fl_server__error(r, FL_ENOTFOUND, "live monitoring is off (monitoring.enabled: false)");
        return;
    }
    struct fl_buf b;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_buf_init(&b, FL_SERVER_RESPONSE_MAX);
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
    fl_diag_init(&d);
    fl_buf_init(&b, FL_SERVER_RESPONSE_MAX);
    fl_err e = fl_live_profiles_json(r->srv->store, model, version, start, end, top, limit, &b, &d);
    fl_server__answer_json(r, e, &b, &d);
}
