/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_common.c: helpers the 5 Whys and the post-mortem share (report_int.h): evidence by
 * (step, index), the class of a cause from its evidence, change events read back from the text
 * the change_events step wrote (src/rca/inv_steps.c event_cb: "<kind> on <component> <time>
 * (<why>) status <status>: <message>: score <s>"), the configuration's topology, and the typed
 * members of the stored JSON documents that investigation_read.c and whys_io.c read back.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../config/config.h"
#include "../core/record.h"
#include "../core/time.h"
#include "report_int.h"

const char *fl_report__class_name(int c)
{
    static const char *const names[] = {"none",       "network", "freshness", "stale_features",
                                        "validation", "model",   "drift",     "change",
                                        "metric",     "service"};
    return c >= 0 && c <= FL_RC_SERVICE ? names[c] : "none";
}

const struct fl_inv_evidence *fl_report__ev(const struct fl_investigation *inv, size_t step,
                                            size_t idx)
{
    if (!inv || step >= inv->n_steps || idx >= inv->steps[step].n_evidence)
        return NULL;
    return &inv->steps[step].evidence[idx];
}

size_t fl_report__step(const struct fl_investigation *inv, const char *name)
{
    for (size_t i = 0; i < inv->n_steps; i++)
        if (inv->steps[i].name && !strcmp(inv->steps[i].name, name))
            return i;
    return inv->n_steps;
}

static bool is_edge(const struct fl_inv_evidence *e)
{
    return e->kind == FL_INV_EV_TRACE_KEY && e->ref && !strncmp(e->ref, "edge:", 5);
}

/* Lower is better: the evidence that says most about the mechanism first. */
static int rank_of(const struct fl_inv_evidence *e)
{
    int r;
    switch (e->kind) {
    case FL_INV_EV_TRACE_KEY:
        r = is_edge(e) ? 1 : 7;
        break;
    case FL_INV_EV_FRESHNESS:
        r = 2;
        break;
    case FL_INV_EV_VALIDATION:
        r = 3;
        break;
    case FL_INV_EV_DRIFT:
        r = 4;
        break;
    case FL_INV_EV_MODEL:
        r = 5;
        break;
    case FL_INV_EV_EVENT:
        r = 6;
        break;
    case FL_INV_EV_SERIES:
        r = 8;
        break;
    case FL_INV_EV_SEGMENT:
        r = 9;
        break;
    default:
        r = 10;
        break;
    }
    return e->supports ? r : r + 20;
}

bool fl_report__primary(const struct fl_investigation *inv, const struct fl_inv_cause *c,
                        size_t *step, size_t *idx)
{
    size_t vs = fl_report__step(inv, "verify_symptom");
    int best = 1000;
    for (size_t i = 0; c->evidence && c->evidence_step && i < c->n_evidence; i++) {
        const struct fl_inv_evidence *e = fl_report__ev(inv, c->evidence_step[i], c->evidence[i]);
        if (!e || c->evidence_step[i] == vs)
            continue;
        int r = rank_of(e);
        if (r < best) {
            best = r;
            *step = c->evidence_step[i];
            *idx = c->evidence[i];
        }
    }
    return best < 1000;
}

int fl_report__classify(const struct fl_investigation *inv, size_t i)
{
    if (inv->verdict == FL_INV_BROKEN_METRIC)
        return FL_RC_METRIC;
    if (i >= inv->n_causes)
        return FL_RC_NONE;
    const struct fl_inv_cause *c = &inv->causes[i];
    size_t s, x;
    if (c->component_kind && !strcmp(c->component_kind, "network"))
        return FL_RC_NETWORK;
    if (!fl_report__primary(inv, c, &s, &x))
        return FL_RC_SERVICE;
    const struct fl_inv_evidence *e = fl_report__ev(inv, s, x);
    switch (e->kind) {
    case FL_INV_EV_TRACE_KEY:
        return is_edge(e) ? FL_RC_NETWORK : FL_RC_SERVICE;
    case FL_INV_EV_FRESHNESS:
        return e->ref && strchr(e->ref, '/') ? FL_RC_STALE : FL_RC_FRESHNESS;
    case FL_INV_EV_VALIDATION:
        return FL_RC_VALIDATION;
    case FL_INV_EV_DRIFT:
        return FL_RC_DRIFT;
    case FL_INV_EV_MODEL:
        return FL_RC_MODEL;
    case FL_INV_EV_EVENT:
        if (e->text && !strncmp(e->text, "schema_change ", 14))
            return FL_RC_VALIDATION;
        if (e->text && !strncmp(e->text, "model_version_change ", 21))
            return FL_RC_MODEL;
        return FL_RC_CHANGE;
    default:
        return FL_RC_SERVICE;
    }
}

/* Copy the word of t up to one of the stop characters into out. */
static void word(const char *t, char *out, size_t cap)
{
    size_t n = 0;
    while (t[n] && t[n] != ' ' && t[n] != ':' && t[n] != ',' && t[n] != ')' && n + 1 < cap)
        n++;
    memcpy(out, t, n);
    out[n] = 0;
}

struct fl_report_event *fl_report__events(const struct fl_investigation *inv, struct fl_arena *a,
                                          size_t *n)
{
    size_t s = fl_report__step(inv, "change_events");
    *n = 0;
    if (s == inv->n_steps || !inv->steps[s].n_evidence)
        return NULL;
    const struct fl_inv_step *st = &inv->steps[s];
    struct fl_report_event *v = fl_arena_calloc(a, st->n_evidence, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < st->n_evidence; i++) {
        const struct fl_inv_evidence *e = &st->evidence[i];
        if (e->kind != FL_INV_EV_EVENT || !e->text)
            continue;
        struct fl_report_event *x = &v[(*n)++];
        x->step = s;
        x->idx = i;
        x->ev = e;
        const char *on = strstr(e->text, " on ");
        if (on && (size_t)(on - e->text) < sizeof x->kind) {
            memcpy(x->kind, e->text, (size_t)(on - e->text));
            x->kind[on - e->text] = 0;
        }
        const char *st_at = strstr(e->text, ") status ");
        if (st_at)
            word(st_at + 9, x->status, sizeof x->status);
    }
    return v;
}

bool fl_report__is_run_kind(const char *kind)
{
    return !strcmp(kind, "batch_run") || !strcmp(kind, "feature_pipeline_run");
}

static bool depends_rec(const struct fl_config *cfg, const char *down, const char *up, int depth)
{
    const struct fl_component *c = fl_config_component(cfg, down);
    if (!c || depth > 32)
        return false;
    for (size_t i = 0; i < c->n_depends_on; i++)
        if (!strcmp(c->depends_on[i], up) || depends_rec(cfg, c->depends_on[i], up, depth + 1))
            return true;
    return false;
}

bool fl_report__depends(const struct fl_config *cfg, const char *down, const char *up)
{
    return cfg && down && up && depends_rec(cfg, down, up, 0);
}

const struct fl_freshness_cfg *fl_report__fresh_rule(const struct fl_config *cfg,
                                                     const char *component)
{
    for (size_t i = 0; cfg && component && i < cfg->n_freshness; i++)
        if (cfg->freshness[i].component && !strcmp(cfg->freshness[i].component, component))
            return &cfg->freshness[i];
    return NULL;
}

const char *fl_report__time(int64_t ts_ms, char *out, size_t cap)
{
    if (ts_ms == FL_TS_NONE)
        snprintf(out, cap, "-");
    else
        fl_time_fmt_rfc3339_ms(ts_ms, out, cap);
    return out;
}

const char *fl_report__dur(int64_t ms, char *out, size_t cap)
{
    long long s = (long long)(ms < 0 ? -ms : ms) / 1000;
    const char *sign = ms < 0 ? "-" : "";
    if (s < 60)
        snprintf(out, cap, "%s%lld s", sign, s);
    else if (s < 3600)
        snprintf(out, cap, "%s%lld min", sign, s / 60);
    else if (s < 86400)
        snprintf(out, cap, "%s%lld h %lld min", sign, s / 3600, s % 3600 / 60);
    else
        snprintf(out, cap, "%s%lld d %lld h", sign, s / 86400, s % 86400 / 3600);
    return out;
}

/* ---- members of stored JSON documents ---- */

void fl_report__fail(struct fl_report_rd *r, fl_err e, const char *field, const char *what)
{
    if (r->e != FL_OK)
        return;
    r->e = e;
    fl_diag_set(r->d, e, 0, 0, "%s%s%s: %s", r->path, *r->path ? "." : "", field, what);
    fl_diag_field(r->d, "%s%s%s", r->path, *r->path ? "." : "", field);
}

const char *fl_report__get_str(struct fl_report_rd *r, json_t *o, const char *key, size_t max)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        fl_report__fail(r, FL_EPARSE, key, "expected a string");
        return NULL;
    }
    if (json_string_length(v) > max) {
        fl_report__fail(r, FL_ELIMIT, key, "too long");
        return NULL;
    }
    char *s = fl_arena_strndup(r->a, json_string_value(v), json_string_length(v));
    if (!s)
        fl_report__fail(r, FL_ENOMEM, key, "out of memory");
    return s;
}

double fl_report__get_num(struct fl_report_rd *r, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NAN;
    if (!json_is_number(v)) {
        fl_report__fail(r, FL_EPARSE, key, "expected a number");
        return NAN;
    }
    return json_number_value(v);
}

int64_t fl_report__get_ts(struct fl_report_rd *r, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return FL_TS_NONE;
    if (!json_is_integer(v)) {
        fl_report__fail(r, FL_EPARSE, key, "expected an integer (ms)");
        return FL_TS_NONE;
    }
    return (int64_t)json_integer_value(v);
}

bool fl_report__get_bool(struct fl_report_rd *r, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return false;
    if (!json_is_boolean(v))
        fl_report__fail(r, FL_EPARSE, key, "expected true or false");
    return json_is_true(v);
}

int fl_report__name_index(const char *s, const char *(*fn)(int), int n)
{
    for (int i = 1; s && i <= n; i++)
        if (!strcmp(fn(i), s))
            return i;
    return 0;
}
