/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_render.c: what live monitoring shows (live.h, docs/MONITORING.md): its families on
 * /metrics (text format 0.0.4, sorted by model and version so that scrapes are stable), the
 * GET /api/v1/drift answer from the latest results (the drift reports in the shape of
 * fl_drift_write_json), the GET /api/v1/profiles answer from the stored window profiles, and
 * the GET /api/v1/drift/reference answer (the reference profile a version is compared with).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/time.h"
#include "monitor/live_int.h"
#include "monitor/registry.h"
#include "store/store.h"

/* Make e the sticky error of b (as a failed append would). */
static void buf_fail(struct fl_buf *b, fl_err e)
{
    if (b->err == FL_OK)
        b->err = e;
}

/* ---- /metrics ---- */

/* A label value in the exposition format: \\, \" and \n escaped. */
static void label(struct fl_buf *b, const char *name, const char *v, bool first)
{
    fl_buf_printf(b, "%s%s=\"", first ? "" : ",", name);
    for (; v && *v; v++) {
        if (*v == '\\')
            fl_buf_puts(b, "\\\\");
        else if (*v == '"')
            fl_buf_puts(b, "\\\"");
        else if (*v == '\n')
            fl_buf_puts(b, "\\n");
        else
            fl_buf_putc(b, *v);
    }
    fl_buf_putc(b, '"');
}

static void value(struct fl_buf *b, double v)
{
    fl_buf_puts(b, "} ");
    fl_buf_put_double(b, v);
    fl_buf_putc(b, '\n');
}

/* Append the family's header and its samples in tmp, when there are any; tmp is emptied. */
static void family(struct fl_buf *out, struct fl_buf *tmp, const char *name, const char *type,
                   const char *help)
{
    if (tmp->len || fl_buf_err(tmp)) {
        fl_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
        if (fl_buf_err(tmp))
            buf_fail(out, fl_buf_err(tmp));
        else
            fl_buf_append(out, tmp->data, tmp->len);
    }
    fl_buf_reset(tmp);
}

/* The method label of a drift row, or NULL when the row has no series (score: detected only). */
static const char *row_method(const struct fl_drift_row *w, bool score)
{
    switch (w->check) {
    case FL_DRIFT_CHECK_DISTRIBUTION:
        return w->method != FL_DRIFT_AUTO ? fl_drift_method_name(w->method)
               : score                    ? NULL
                                          : "type_change";
    case FL_DRIFT_CHECK_NULL_RATE:
        return "null_rate";
    case FL_DRIFT_CHECK_NEW_CATEGORY:
        return "new_category";
    case FL_DRIFT_CHECK_MISSING:
        return score ? NULL : "missing";
    default:
        return NULL;
    }
}

static void drift_rows(struct fl_buf *b, const char *name, struct fl_live__result *const *v,
                       size_t n, bool score)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < FL_LIVE_N_BASE; k++) {
            const struct fl_drift_report *rep = v[i]->b[k].rep;
            for (size_t j = 0; rep && j < rep->n_rows; j++) {
                const struct fl_drift_row *w = &rep->rows[j];
                const char *m = row_method(w, score);
                if (!m)
                    continue;
                fl_buf_printf(b, "%s{", name);
                label(b, "model", v[i]->model, true);
                label(b, "version", v[i]->version, false);
                label(b, "feature", w->feature, false);
                label(b, "method", m, false);
                label(b, "baseline", fl_live__base_names[k], false);
                value(b, score ? w->score : w->drifted ? 1 : 0);
            }
        }
}

static void per_version(struct fl_buf *b, const char *name, struct fl_live__result *const *v,
                        size_t n, int what)
{
    for (size_t i = 0; i < n; i++) {
        if (what == 1) { /* window rows */
            fl_buf_printf(b, "%s{", name);
            label(b, "model", v[i]->model, true);
            label(b, "version", v[i]->version, false);
            value(b, (double)v[i]->rows);
        } else if (what == 2) { /* share per baseline */
            for (size_t k = 0; k < FL_LIVE_N_BASE; k++) {
                if (!v[i]->b[k].rep)
                    continue;
                fl_buf_printf(b, "%s{", name);
                label(b, "model", v[i]->model, true);
                label(b, "version", v[i]->version, false);
                label(b, "baseline", fl_live__base_names[k], false);
                value(b, v[i]->b[k].rep->share);
            }
        } else { /* null ratio per feature */
            for (size_t k = 0; k < v[i]->n_nulls; k++) {
                fl_buf_printf(b, "%s{", name);
                label(b, "model", v[i]->model, true);
                label(b, "version", v[i]->version, false);
                label(b, "feature", v[i]->nulls[k].feature, false);
                value(b, v[i]->nulls[k].ratio);
            }
        }
    }
}

struct any_list {
    void **v;
    size_t n, cap;
};

static int collect_any(const char *key, size_t key_len, void *value, void *ud)
{
    (void)key;
    (void)key_len;
    struct any_list *al = ud;
    if (al->n < al->cap)
        al->v[al->n++] = value;
    return 0;
}

static int cmp_result(const void *a, const void *b)
{
    const struct fl_live__result *x = *(struct fl_live__result *const *)a,
                                 *y = *(struct fl_live__result *const *)b;
    int c = strcmp(x->model, y->model);
    return c ? c : strcmp(x->version, y->version);
}

static int cmp_anomalies(const void *a, const void *b)
{
    return strcmp((*(struct fl_live__anomalies *const *)a)->model,
                  (*(struct fl_live__anomalies *const *)b)->model);
}

/* Every value of map m, sorted with cmp, into al (al->v owned by the caller). */
static bool sorted_values(const struct fl_map *m, int (*cmp)(const void *, const void *),
                          struct any_list *al)
{
    al->cap = fl_map_count(m);
    al->n = 0;
    al->v = NULL;
    if (!al->cap)
        return true;
    if (!(al->v = fl_calloc(al->cap, sizeof *al->v)))
        return false;
    fl_map_each(m, collect_any, al);
    qsort(al->v, al->n, sizeof *al->v, cmp);
    return true;
}

static void anomaly_counters(struct fl_buf *b, const struct any_list *al)
{
    for (size_t i = 0; i < al->n; i++) {
        const struct fl_live__anomalies *a = al->v[i];
        for (unsigned k = 0; k < FL_LIVE_N_KINDS; k++) {
            fl_buf_puts(b, "faultline_validation_anomalies_total{");
            label(b, "model", a->model, true);
            label(b, "kind", fl_anomaly_kind_name((enum fl_anomaly_kind)k), false);
            value(b, (double)a->n[k]);
        }
    }
}

void fl_live_write_metrics(struct fl_live *l, struct fl_buf *out)
{
    struct fl_buf tmp;
    struct any_list rl = {0}, al = {0};
    if (!l)
        return;
    fl_buf_init(&tmp, out->max);
    pthread_mutex_lock(&l->rmu);
    if (!sorted_values(l->results, cmp_result, &rl) ||
        !sorted_values(l->anomalies, cmp_anomalies, &al)) {
        buf_fail(out, FL_ENOMEM);
        goto out;
    }
    struct fl_live__result *const *v = (struct fl_live__result *const *)rl.v;
    drift_rows(&tmp, "faultline_feature_drift_score", v, rl.n, true);
    family(out, &tmp, "faultline_feature_drift_score", "gauge",
           "Drift statistic of a feature in the last closed window against a baseline: the "
           "p-value for tests, the distance otherwise (docs/MONITORING.md).");
    drift_rows(&tmp, "faultline_feature_drift_detected", v, rl.n, false);
    family(out, &tmp, "faultline_feature_drift_detected", "gauge",
           "1 when the feature drifted in the last closed window against the baseline, by the "
           "method's threshold.");
    per_version(&tmp, "faultline_feature_window_null_ratio", v, rl.n, 0);
    family(out, &tmp, "faultline_feature_window_null_ratio", "gauge",
           "Share of null, missing or NaN values of the feature in the last closed window.");
    per_version(&tmp, "faultline_model_drift_share", v, rl.n, 2);
    family(out, &tmp, "faultline_model_drift_share", "gauge",
           "Share of the model version's features that drifted in the last closed window.");
    per_version(&tmp, "faultline_inference_window_rows", v, rl.n, 1);
    family(out, &tmp, "faultline_inference_window_rows", "gauge",
           "Inference records profiled in the model version's last closed window.");
    fl_buf_printf(&tmp, "faultline_live_late_records_total %llu\n",
                  (unsigned long long)atomic_load(&l->n_late));
    family(out, &tmp, "faultline_live_late_records_total", "counter",
           "Inference records older than every open window of their model version, not profiled.");
    fl_buf_printf(&tmp, "faultline_live_failed_records_total %llu\n",
                  (unsigned long long)atomic_load(&l->n_failed));
    family(out, &tmp, "faultline_live_failed_records_total", "counter",
           "Inference records live monitoring could not profile (limits, out of memory).");
    anomaly_counters(&tmp, &al);
    family(out, &tmp, "faultline_validation_anomalies_total", "counter",
           "Schema anomalies found in closed windows of served inference data, by kind.");
out:
    pthread_mutex_unlock(&l->rmu);
    fl_free(rl.v);
    fl_free(al.v);
    fl_buf_cleanup(&tmp);
}

/* ---- GET /api/v1/drift ---- */

struct pick {
    const char *model;
    const struct fl_live__result *best;
};

static int pick_latest(const char *key, size_t key_len, void *value, void *ud)
{
    (void)key;
    (void)key_len;
    struct pick *p = ud;
    const struct fl_live__result *r = value;
    if (strcmp(r->model, p->model))
        return 0;
    if (!p->best || r->end_ms > p->best->end_ms ||
        (r->end_ms == p->best->end_ms && strcmp(r->version, p->best->version) > 0))
        p->best = r;
    return 0;
}

static void json_str(struct fl_buf *b, const char *s)
{
    if (s)
        fl_buf_put_json_str(b, s, strlen(s));
    else
        fl_buf_puts(b, "null");
}

static void result_json(struct fl_live *l, const struct fl_live__result *r, struct fl_buf *b)
{
    char cur[64], ref[64];
    fl_buf_puts(b, "{\"status\":\"success\",\"data\":{\"model\":");
    json_str(b, r->model);
    fl_buf_puts(b, ",\"version\":");
    json_str(b, r->version);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "window_start", r->start_ms);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "window_end", r->end_ms);
    fl_buf_printf(b, ",\"rows\":%llu,\"min_rows\":%llu,\"baselines\":[",
                  (unsigned long long)r->rows, (unsigned long long)l->o.min_rows);
    memcpy(cur, "window ", 7);
    fl_time_fmt_rfc3339_ms(r->start_ms, cur + 7, sizeof cur - 7);
    for (size_t k = 0; k < FL_LIVE_N_BASE; k++) {
        const struct fl_live__base *x = &r->b[k];
        fl_buf_printf(b, "%s{\"baseline\":\"%s\",\"status\":\"%s\",\"message\":", k ? "," : "",
                      fl_live__base_names[k], fl_live__status_names[x->status]);
        json_str(b, x->message);
        fl_buf_puts(b, ",\"source\":");
        json_str(b, k == FL_LIVE_REF ? x->source : "previous_window");
        fl_buf_putc(b, ',');
        fl_registry_put_time(b, "baseline_start", x->start_ms);
        fl_buf_putc(b, ',');
        fl_registry_put_time(b, "baseline_end", x->end_ms);
        if (k == FL_LIVE_PREV && x->start_ms != FL_TS_NONE)
            fl_buf_printf(b, ",\"baseline_rows\":%llu", (unsigned long long)x->rows);
        else if (x->rep)
            fl_buf_printf(b, ",\"baseline_rows\":%llu", (unsigned long long)x->rep->ref_rows);
        else
            fl_buf_puts(b, ",\"baseline_rows\":null");
        fl_buf_puts(b, ",\"drift\":");
        if (x->rep) {
            const char *rn = x->source ? x->source : "reference";
            if (k == FL_LIVE_PREV) {
                memcpy(ref, "window ", 7);
                fl_time_fmt_rfc3339_ms(x->start_ms, ref + 7, sizeof ref - 7);
                rn = ref;
            }
            fl_drift_write_json(x->rep, rn, cur, b);
        } else {
            fl_buf_puts(b, "null");
        }
        fl_buf_putc(b, '}');
    }
    fl_buf_puts(b, "]}}\n");
}

fl_err fl_live_drift_json(struct fl_live *l, const char *model, const char *version,
                          struct fl_buf *out, struct fl_diag *d)
{
    char key[FL_LIVE_KEY_CAP];
    if (!l || !model || !out)
        return FL_EINVAL;
    fl_err e = FL_OK;
    pthread_mutex_lock(&l->rmu);
    const struct fl_live__result *r = NULL;
    if (version) {
        size_t kl = fl_live__make_key(model, version, key);
        r = kl ? fl_map_get(l->results, key, kl) : NULL;
    } else {
        struct pick p = {model, NULL};
        fl_map_each(l->results, pick_latest, &p);
        r = p.best;
    }
    if (r)
        result_json(l, r, out);
    else
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0, "model \"%s\"%s%s%s has no closed window yet", model,
                        version ? " version \"" : "", version ? version : "", version ? "\"" : "");
    pthread_mutex_unlock(&l->rmu);
    return e;
}

/* ---- GET /api/v1/profiles ---- */

struct profiles_ctx {
    struct fl_buf *out;
    size_t top_n;
    size_t n;
    fl_err e;
};

static int on_profile_window(const struct fl_store_window *w, void *ud)
{
    struct profiles_ctx *pc = ud;
    struct fl_profile_set *s = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_buf_puts(pc->out, pc->n++ ? ",\n{\"version\":" : "\n{\"version\":");
    json_str(pc->out, w->version);
    fl_buf_putc(pc->out, ',');
    fl_registry_put_time(pc->out, "window_start", w->start_ms);
    fl_buf_putc(pc->out, ',');
    fl_registry_put_time(pc->out, "window_end", w->end_ms);
    fl_buf_printf(pc->out, ",\"rows\":%llu,", (unsigned long long)w->rows);
    if (fl_profile_set_deserialize(w->profile, w->profile_len, &s, &d) != FL_OK) {
        fl_buf_puts(pc->out, "\"error\":");
        json_str(pc->out, d.msg);
    } else {
        fl_buf_puts(pc->out, "\"summary\":");
        pc->e = fl_profile_set_write_json(s, pc->top_n, pc->out);
    }
    fl_buf_putc(pc->out, '}');
    fl_profile_set_free(s);
    return pc->e != FL_OK || fl_buf_err(pc->out) != FL_OK;
}

fl_err fl_live_profiles_json(struct fl_store *s, const char *model, const char *version,
                             int64_t start_ms, int64_t end_ms, size_t top_n, size_t limit,
                             struct fl_buf *out, struct fl_diag *d)
{
    if (!s || !model || !out)
        return FL_EINVAL;
    struct profiles_ctx pc = {out, top_n, 0, FL_OK};
    fl_buf_puts(out, "{\"status\":\"success\",\"data\":{\"model\":");
    json_str(out, model);
    fl_buf_puts(out, ",\"version\":");
    json_str(out, version);
    fl_buf_puts(out, ",\"windows\":[");
    fl_err e = fl_store_windows(s, model, version, start_ms, end_ms, true, false, limit,
                                on_profile_window, &pc, d);
    if (e == FL_OK && pc.e != FL_OK)
        e = fl_diag_set(d, pc.e, 0, 0, "out of memory summarising profiles");
    fl_buf_puts(out, "]}}\n");
    if (e == FL_OK && fl_buf_err(out) != FL_OK)
        e = fl_diag_set(d, fl_buf_err(out), 0, 0, "answer too large: narrow the time range");
    return e;
}

/* ---- GET /api/v1/drift/reference ---- */

fl_err fl_live_reference_json(struct fl_live *l, const char *model, const char *version,
                              size_t top_n, struct fl_buf *out, struct fl_diag *d)
{
    struct fl_live__art *a = NULL;
    if (!l || !model || !version || !out)
        return FL_EINVAL;
    /* As ingest does for a new version: the drift options and the configured references are
     * fixed before records arrive, so no tick lock is needed. */
    fl_err e = fl_live__art_build(l, model, version, NULL, &a, d);
    if (e != FL_OK)
        goto out;
    if (!a || !a->set) {
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0,
                        "model \"%s\" version \"%s\" has no reference profile (none in the "
                        "registry, no models[].reference)%s%s",
                        model, version, a && a->note ? ": " : "", a && a->note ? a->note : "");
        goto out;
    }
    fl_buf_puts(out, "{\"status\":\"success\",\"data\":{\"model\":");
    json_str(out, model);
    fl_buf_puts(out, ",\"version\":");
    json_str(out, version);
    fl_buf_puts(out, ",\"source\":");
    json_str(out, a->source);
    fl_buf_puts(out, ",\"note\":");
    json_str(out, a->note);
    fl_buf_printf(out, ",\"chunks\":%u,\"summary\":", (unsigned)a->chunks);
    if ((e = fl_profile_set_write_json(a->set, top_n, out)) != FL_OK) {
        e = fl_diag_set(d, e, 0, 0, "out of memory summarising the reference profile");
        goto out;
    }
    fl_buf_puts(out, "}}\n");
    if (fl_buf_err(out) != FL_OK)
        e = fl_diag_set(d, fl_buf_err(out), 0, 0, "answer too large");
out:
    fl_live__art_unref(a);
    return e;
}
