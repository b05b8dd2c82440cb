/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_models.c: the model registry and freshness routes (docs/API.md, docs/REGISTRY.md):
 *   GET  /api/v1/models                       versions with registry metadata and serving stats
 *   POST /api/v1/models                       register a version or update it (stage, metadata)
 *   GET  /api/v1/models/{name}                one model: aliases, stages, versions
 *   GET  /api/v1/models/{name}/versions       its versions (?artifacts=1: profile and schema)
 *   POST /api/v1/models/{name}/aliases        move or remove an alias
 *   GET  /api/v1/models/{name}/traffic        inferences per version and step
 *   GET  /api/v1/freshness                    batch jobs' freshness and feature staleness
 * and the freshness families of /metrics. The JSON answers come from src/monitor (shared with
 * `faultline models` and `faultline freshness`); writes are acknowledged after their commit.
 */
#include <stdio.h>
#include <string.h>

#include "../config/config.h"
#include "../core/arena.h"
#include "../core/log.h"
#include "../core/time.h"
#include "../monitor/freshness.h"
#include "../monitor/registry.h"
#include "../store/store.h"
#include "http_int.h"

/* The {name} of the route, checked; false when answered. */
static bool model_param(struct fl_http_req *r)
{
    const char *why = fl_registry_name_check(r->param);
    if (why) {
        fl_server__error(r, FL_EINVAL, "model name: %s", why);
        return false;
    }
    return true;
}

/* ---- GET /api/v1/models, POST /api/v1/models ---- */

struct find_version {
    const char *version;
    struct fl_buf *b;
    bool found;
};

static int write_if_version(const struct fl_store_reg_version *v, void *ud)
{
    struct find_version *x = ud;
    if (strcmp(v->info.v.version, x->version) != 0)
        return 0;
    fl_registry_version_json(v, false, x->b);
    x->found = true;
    return 1;
}

static void models_post(struct fl_http_req *r)
{
    struct fl_server *s = r->srv;
    struct fl_store_reg_put p;
    struct fl_store_reg_result res;
    struct fl_arena a;
    struct fl_diag d;
    struct fl_buf b;
    fl_server__answer_begin(&b, &d);
    fl_arena_init(&a, 64 * 1024, 2 * s->body_max + (1u << 20));
    fl_err e = fl_registry_parse_put(r->body.data ? r->body.data : "", r->body.len, &a, &p, &d);
    if (e == FL_OK) {
        p.now_ms = fl_time_now_ms();
        p.component = fl_registry_component(s->cfg, p.model);
        e = fl_store_registry_put(s->store, &p, &res, &d);
    }
    if (e != FL_OK) {
        fl_selfmetrics_rejected(s->metrics, FL_SM_MODEL, e, 1);
        if (e != FL_EPARSE && e != FL_EINVAL && e != FL_ELIMIT)
            FL_LOG_W("model registration failed: %s", d.msg);
        fl_server__answer_json(r, e, &b, &d);
        goto out;
    }
    fl_selfmetrics_ingested(s->metrics, FL_SM_MODEL, 1);
    fl_selfmetrics_ingested(s->metrics, FL_SM_EVENT, res.n_events);
    fl_buf_printf(&b,
                  "{\"created\":%s,\"stage_changed\":%s,\"from_stage\":\"%s\",\"archived\":%zu,"
                  "\"events\":%zu,\"version\":",
                  res.created ? "true" : "false", res.stage_changed ? "true" : "false",
                  res.old_stage, res.n_archived, res.n_events);
    struct find_version fv = {p.version, &b, false};
    e = fl_store_registry_versions(s->store, p.model, false, write_if_version, &fv, &d);
    if (e == FL_OK && !fv.found)
        fl_buf_puts(&b, "null");
    fl_buf_puts(&b, "}\n");
    fl_server__answer_json(r, e, &b, &d);
out:
    fl_arena_cleanup(&a);
}

void fl_server__h_models(struct fl_http_req *r)
{
    if (!strcmp(r->method, "POST")) {
        models_post(r);
        return;
    }
    const char *model = fl_http_params_get(&r->params, "model");
    struct fl_diag d;
    struct fl_buf b;
    fl_server__answer_begin(&b, &d);
    fl_err e = fl_registry_list_json(r->srv->store, model && *model ? model : NULL, &b, &d);
    fl_server__answer_json(r, e, &b, &d);
}

/* ---- GET /api/v1/models/{name}, /versions ---- */

void fl_server__h_model_get(struct fl_http_req *r)
{
    struct fl_diag d;
    struct fl_buf b;
    if (!model_param(r))
        return;
    fl_server__answer_begin(&b, &d);
    fl_server__answer_json(r, fl_registry_model_json(r->srv->store, r->param, &b, &d), &b, &d);
}

void fl_server__h_model_versions(struct fl_http_req *r)
{
    struct fl_diag d;
    struct fl_buf b;
    if (!model_param(r))
        return;
    const char *art = fl_http_params_get(&r->params, "artifacts");
    bool artifacts = art && (!strcmp(art, "1") || !strcmp(art, "true"));
    if (art && !artifacts && strcmp(art, "0") && strcmp(art, "false") && *art) {
        fl_server__error(r, FL_EINVAL, "artifacts: expected 1, true, 0 or false");
        return;
    }
    fl_server__answer_begin(&b, &d);
    fl_server__answer_json(r, fl_registry_versions_json(r->srv->store, r->param, artifacts, &b, &d), &b, &d);
}

/* ---- POST /api/v1/models/{name}/aliases ---- */

void fl_server__h_model_aliases(struct fl_http_req *r)
{
    struct fl_server *s = r->srv;
    struct fl_store_alias_result res;
    const char *alias = NULL, *version = NULL;
    struct fl_arena a;
    struct fl_diag d;
    struct fl_buf b;
    if (!model_param(r))
        return;
    fl_diag_init(&d);
    fl_arena_init(&a, 4096, 1u << 20);
    fl_buf_init(&b, 64 * 1024);
    fl_err e =
        fl_registry_parse_alias(r->body.data ? r->body.data : "", r->body.len, &a, &alias, &version,
                                &d);
    if (e == FL_OK)
        e = fl_store_registry_alias(s->store, r->param, alias, version,
                                    fl_registry_component(s->cfg, r->param), fl_time_now_ms(),
                                    &res, &d);
    if (e != FL_OK) {
        fl_selfmetrics_rejected(s->metrics, FL_SM_MODEL, e, 1);
        fl_server__answer_json(r, e, &b, &d);
        goto out;
    }
    fl_selfmetrics_ingested(s->metrics, FL_SM_EVENT, res.changed);
    fl_buf_puts(&b, "{\"model\":");
    fl_server__json_str(&b, r->param);
    fl_buf_puts(&b, ",\"alias\":");
    fl_server__json_str(&b, alias);
    fl_buf_puts(&b, ",\"version\":");
    fl_server__json_str(&b, version);
    fl_buf_puts(&b, ",\"previous\":");
    fl_server__json_str(&b, res.had_old ? res.old_version : NULL);
    fl_buf_printf(&b, ",\"changed\":%s}\n", res.changed ? "true" : "false");
    fl_server__answer_json(r, FL_OK, &b, &d);
out:
    fl_arena_cleanup(&a);
}

/* ---- GET /api/v1/models/{name}/traffic ---- */

void fl_server__h_model_traffic(struct fl_http_req *r)
{
    struct fl_registry_traffic t;
    struct fl_diag d;
    struct fl_buf b;
    int64_t now = fl_time_now_ms(), from, to, step = 0;
    if (!model_param(r) || !fl_server__time_param(r, "to", "end", now, &to) ||
        !fl_server__time_param(r, "from", "start", to - 3600 * 1000, &from))
        return;
    fl_diag_init(&d);
    const char *sv = fl_http_params_get(&r->params, "step");
    if (sv && *sv && fl_duration_parse_step(fl_str_c(sv), &step, &d) != FL_OK) {
        fl_diag_field(&d, "step");
        fl_server__diag_error(r, FL_EINVAL, &d);
        return;
    }
    if (to < from) {
        fl_server__error(r, FL_EINVAL, "from: after to");
        return;
    }
    if (step <= 0) /* default: about 60 steps, whole seconds */
        step = ((to - from) / 60 + 999) / 1000 * 1000 > 0 ? ((to - from) / 60 + 999) / 1000 * 1000
                                                          : 1000;
    fl_buf_init(&b, FL_SERVER_RESPONSE_MAX);
    fl_err e = fl_registry_traffic(r->srv->store, r->param, from, to, step, &t, &d);
    if (e == FL_ELIMIT || e == FL_EINVAL)
        fl_diag_field(&d, "step");
    if (e == FL_OK)
        fl_registry_traffic_json(&t, r->param, &b);
    fl_registry_traffic_cleanup(&t);
    fl_server__answer_json(r, e, &b, &d);
}

/* ---- GET /api/v1/freshness and /metrics ---- */

void fl_server__h_freshness(struct fl_http_req *r)
{
    struct fl_fresh_report rep;
    struct fl_diag d;
    struct fl_buf b;
    int64_t now = fl_time_now_ms(), at;
    if (!fl_server__time_param(r, "at", NULL, now, &at))
        return;
    fl_server__answer_begin(&b, &d);
    fl_err e = fl_freshness_evaluate(r->srv->store, r->srv->cfg, at, now, &rep, &d);
    if (e == FL_OK)
        fl_freshness_json(&rep, &b);
    fl_freshness_report_cleanup(&rep);
    fl_server__answer_json(r, e, &b, &d);
}

void fl_server__freshness_metrics(struct fl_server *s, struct fl_buf *out)
{
    struct fl_fresh_report rep;
    struct fl_diag d;
    if (!s->store)
        return;
    fl_diag_init(&d);
    int64_t now = fl_time_now_ms();
    fl_err e = fl_freshness_evaluate(s->store, s->cfg, now, now, &rep, &d);
    if (e == FL_OK)
        fl_freshness_prometheus(&rep, out);
    else
        FL_LOG_W("freshness metrics left out: %s", d.msg);
    fl_freshness_report_cleanup(&rep);
}
