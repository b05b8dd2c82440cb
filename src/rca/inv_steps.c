/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inv_steps.c: the rank_metrics, trace_evidence and change_events steps of an investigation
 * (docs/rca.md "Investigations"), and the series reader they share with inv_symptom.c.
 *   rank_metrics   every stored series of the windows, mapped to components by the topology's
 *                  match labels, ranked by rank.h over the dependency graph (topology + traces)
 *   trace_evidence the traces of both windows compared at a percentile (trace.h): keys that
 *                  changed, big keys that did not, and the hypotheses those refute
 *   change_events  deploys, config, model, schema, experiment changes and runs, scored by
 *                  closeness before the onset and by where they sit in the dependency graph
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/map.h"
#include "rca/inv_int.h"
#include "server/promclient.h"
#include "trace/load.h"

/* ---- series sets ---- */

void fl_inv__sset_init(struct fl_inv__sset *ss, size_t max, bool with_samples)
{
    memset(ss, 0, sizeof *ss);
    ss->max = max;
    ss->with_samples = with_samples;
}

void fl_inv__sset_free(struct fl_inv__sset *ss)
{
    for (size_t i = 0; i < ss->n; i++) {
        fl_free(ss->s[i].labels);
        fl_free(ss->s[i].ts);
        fl_free(ss->s[i].v);
    }
    fl_free(ss->s);
    memset(ss, 0, sizeof *ss);
}

static int sset_cb(const struct fl_label *labels, size_t n_labels, const int64_t *ts,
                   const double *values, size_t n, void *ud)
{
    struct fl_inv__sset *ss = ud;
    if (ss->n >= ss->max) {
        ss->truncated = true;
        return 1;
    }
    if (ss->n == ss->cap) {
        size_t cap = ss->cap ? ss->cap * 2 : 64;
        struct fl_inv__ser *v = fl_reallocarray(ss->s, cap, sizeof *v);
        if (!v) {
            ss->err = FL_ENOMEM;
            return 1;
        }
        ss->s = v;
        ss->cap = cap;
    }
    /* The labels and their strings in one block. */
    size_t bytes = n_labels * sizeof(struct fl_label);
    for (size_t i = 0; i < n_labels; i++)
        bytes += strlen(labels[i].name) + strlen(labels[i].value) + 2;
    struct fl_inv__ser *s = &ss->s[ss->n];
    memset(s, 0, sizeof *s);
    s->labels = fl_malloc(bytes ? bytes : 1);
    if (n) {
        s->ts = fl_malloc(n * sizeof *s->ts);
        s->v = fl_malloc(n * sizeof *s->v);
    }
    if (!s->labels || (n && (!s->ts || !s->v))) {
        fl_free(s->labels);
        fl_free(s->ts);
        fl_free(s->v);
        ss->err = FL_ENOMEM;
        return 1;
    }
    char *p = (char *)(s->labels + n_labels);
    for (size_t i = 0; i < n_labels; i++) {
        size_t a = strlen(labels[i].name) + 1, b = strlen(labels[i].value) + 1;
        memcpy(p, labels[i].name, a);
        s->labels[i].name = p;
        p += a;
        memcpy(p, labels[i].value, b);
        s->labels[i].value = p;
        p += b;
    }
    s->n_labels = n_labels;
    if (n) {
        memcpy(s->ts, ts, n * sizeof *ts);
        memcpy(s->v, values, n * sizeof *values);
    }
    s->n = n;
    ss->n++;
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

bool fl_inv__is_counter(const char *name)
{
    return name && (ends_with(name, "_total") || ends_with(name, "_count") ||
                    ends_with(name, "_sum") || ends_with(name, "_bucket"));
}

/* Counter samples -> per-second rates between consecutive samples; a decrease is a reset (the
 * new value counts from 0), as Prometheus' rate(). The first sample has no rate (NaN). */
static void counter_to_rate(struct fl_inv__ser *s)
{
    double prev = NAN;
    int64_t prev_t = 0;
    for (size_t j = 0; j < s->n; j++) {
        double v = s->v[j];
        double r = NAN;
        if (isfinite(prev) && isfinite(v) && s->ts[j] > prev_t)
            r = (v >= prev ? v - prev : v) / ((double)(s->ts[j] - prev_t) / 1000.0);
        if (isfinite(v)) {
            prev = v;
            prev_t = s->ts[j];
        }
        s->v[j] = r;
    }
}

/* The stored TYPE of each metric family (from # TYPE lines), family -> "counter", "gauge"... */
static int meta_cb(const struct fl_metric_meta *m, void *ud)
{
    struct fl_map *types = ud;
    if (!m->family || !m->type)
        return 0;
    char *t = fl_strdup(m->type);
    if (!t || fl_map_put(types, m->family, strlen(m->family), t) != FL_OK) {
        fl_free(t);
        return 1;
    }
    return 0;
}

/* Whether series `name` accumulates (rate it): by its family's declared TYPE when the store has
 * one (a gauge named pg_locks_count is a gauge; histogram and summary _bucket/_sum/_count
 * series and counters accumulate), else by the suffix rule of fl_inv__is_counter. */
static bool accumulates(const struct fl_map *types, const char *name)
{
    static const char *const suffixes[] = {"", "_total", "_bucket", "_sum", "_count"};
    size_t n = name ? strlen(name) : 0;
    for (size_t i = 0; types && n && i < sizeof suffixes / sizeof *suffixes; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n <= sl || strcmp(name + n - sl, suffixes[i]) != 0)
            continue;
        const char *t = fl_map_get(types, name, n - sl);
        if (!t)
            continue;
        if (!strcmp(t, "counter"))
            return true;
        if (!strcmp(t, "histogram") || !strcmp(t, "summary") || !strcmp(t, "gaugehistogram"))
            return i > 1; /* _bucket, _sum, _count; a summary's quantiles are gauges */
        return false;     /* gauge, info, stateset, unknown declared */
    }
    return fl_inv__is_counter(name);
}

fl_err fl_inv__sset_select(struct fl_store *s, const struct fl_matcher *ms, size_t n_ms,
                           int64_t start_ms, int64_t end_ms, struct fl_inv__sset *ss,
                           struct fl_diag *d)
{
    fl_err e = fl_store_select(s, ms, n_ms, start_ms, end_ms, ss->with_samples, sset_cb, ss, d);
    if (e == FL_OK)
        e = ss->err;
    struct fl_map *types = NULL;
    if (e == FL_OK && ss->with_samples && ss->n) {
        struct fl_diag md;
        fl_diag_init(&md);
        types = fl_map_new(fl_free, 0);
        /* without metadata (or when reading it fails) the suffix rule decides */
        if (types && fl_store_metadata(s, NULL, meta_cb, types, &md) != FL_OK) {
            fl_map_free(types);
            types = NULL;
        }
    }
    for (size_t i = 0; e == FL_OK && ss->with_samples && i < ss->n; i++)
        if (accumulates(types, fl_inv__label(ss->s[i].labels, ss->s[i].n_labels, "__name__")))
            counter_to_rate(&ss->s[i]);
    fl_map_free(types);
    return e;
}

/* A series' label set as one key (labels in the order given: both the store and the Prometheus
 * API hand them sorted by name). */
static fl_err label_key(const struct fl_inv__ser *s, struct fl_buf *b)
{
    fl_buf_reset(b);
    for (size_t i = 0; i < s->n_labels; i++) {
        fl_buf_puts(b, s->labels[i].name);
        fl_buf_putc(b, '\x01');
        fl_buf_puts(b, s->labels[i].value);
        fl_buf_putc(b, '\x02');
    }
    return fl_buf_err(b);
}

fl_err fl_inv__sset_remote(struct fl_inv__ctx *c, const char *query, int64_t start_ms,
                           int64_t end_ms, struct fl_inv__sset *ss, size_t *n_added,
                           const char **problems)
{
    *n_added = 0;
    *problems = NULL;
    if (!c->cfg || c->cfg->n_remotes == 0)
        return FL_OK;
    struct fl_map *local = fl_map_new(NULL, 0);
    struct fl_buf key;
    fl_buf_init(&key, 1 << 20);
    fl_err e = local ? FL_OK : FL_ENOMEM;
    for (size_t i = 0; e == FL_OK && i < ss->n; i++)
        if ((e = label_key(&ss->s[i], &key)) == FL_OK)
            e = fl_map_put(local, key.data, key.len, &ss->s[i]);
    size_t first = ss->n;
    for (size_t r = 0; e == FL_OK && r < c->cfg->n_remotes; r++) {
        const struct fl_remote_source *src = &c->cfg->remotes[r];
        struct fl_promclient_opts po = {.url = src->url,
                                        .bearer_token = src->bearer_token,
                                        .timeout_ms = src->timeout_ms};
        int64_t step = src->step_ms > 0 ? src->step_ms : 15000;
        size_t nq = query ? 1 : src->n_selectors;
        for (size_t q = 0; e == FL_OK && q < nq; q++) {
            const char *sel = query ? query : src->selectors[q];
            size_t before = ss->n;
            struct fl_diag d;
            fl_diag_init(&d);
            fl_err er = fl_promclient_query_range(&po, sel, start_ms, end_ms, step, sset_cb,
                                                  ss, &d);
            if (er == FL_OK)
                er = ss->err;
            if (er == FL_ENOMEM) {
                e = er;
                break;
            }
            if (er != FL_OK) {
                ss->err = FL_OK;
                *problems = fl_inv__fmt(c->a, "%s%sremote source %s (%s): %s: %s",
                                        *problems ? *problems : "", *problems ? "; " : "",
                                        src->name, sel, fl_err_name(er), d.msg);
                continue;
            }
            /* Drop what the store already holds (same label set), keep the rest. */
            size_t w = before;
            for (size_t i = before; e == FL_OK && i < ss->n; i++) {
                if ((e = label_key(&ss->s[i], &key)) != FL_OK)
                    break;
                if (fl_map_has(local, key.data, key.len)) {
                    fl_free(ss->s[i].labels);
                    fl_free(ss->s[i].ts);
                    fl_free(ss->s[i].v);
                    continue;
                }
                ss->s[w++] = ss->s[i];
            }
            ss->n = w;
        }
    }
    for (size_t i = first; e == FL_OK && ss->with_samples && i < ss->n; i++)
        if (fl_inv__is_counter(fl_inv__label(ss->s[i].labels, ss->s[i].n_labels, "__name__")))
            counter_to_rate(&ss->s[i]);
    if (e == FL_OK)
        *n_added = ss->n - first;
    fl_buf_cleanup(&key);
    fl_map_free(local);
    return e;
}

fl_err fl_inv__refute(struct fl_inv__ctx *c, const char *hypothesis, const char *text,
                      const char *component)
{
    struct fl_investigation *inv = c->inv;
    if (!hypothesis || !text)
        return c->a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    for (size_t i = 0; i < inv->n_refuted; i++)
        if (strcmp(inv->refuted[i].hypothesis, hypothesis) == 0)
            return FL_OK;
    if (inv->n_refuted >= FL_INV_MAX_REFUTED)
        return FL_OK;
    if (inv->n_refuted == c->cap_refuted) {
        size_t cap = c->cap_refuted ? c->cap_refuted * 2 : 8;
        struct fl_inv_refuted *v = fl_arena_calloc(c->a, cap, sizeof *v);
        if (!v)
            return c->a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
        if (inv->n_refuted)
            memcpy(v, inv->refuted, inv->n_refuted * sizeof *v);
        inv->refuted = v;
        c->cap_refuted = cap;
    }
    inv->refuted[inv->n_refuted].hypothesis = hypothesis;
    inv->refuted[inv->n_refuted].text = text;
    inv->refuted[inv->n_refuted].component = component;
    inv->n_refuted++;
    return FL_OK;
}

static fl_err aerr(const struct fl_inv__ctx *c)
{
    return c->a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
}

static const char *fmt_time(struct fl_inv__ctx *c, int64_t ts_ms)
{
    int64_t rel = (ts_ms - c->inv->onset_ms) / 1000;
    return fl_inv__fmt(c->a, "%s%lld s %s the onset", rel == 0 ? "" : "",
                       (long long)(rel < 0 ? -rel : rel), rel < 0 ? "before" : "after");
}

/* ---- rank_metrics ---- */

/* Is label name one of the component's match labels (or the fallback label that named it)? */
static bool is_component_label(const struct fl_config *cfg, const char *comp, const char *name,
                               const struct fl_label *labels, size_t n_labels)
{
    const struct fl_component *k = cfg ? fl_config_component(cfg, comp) : NULL;
    if (k && k->n_match) {
        for (size_t i = 0; i < k->n_match; i++)
            if (strcmp(k->match[i].name, name) == 0)
                return true;
        return false;
    }
    const char *svc = fl_inv__label(labels, n_labels, "service");
    if (svc && *svc)
        return strcmp(name, "service") == 0;
    return strcmp(name, "job") == 0;
}

struct rank_in {
    struct fl_rank_series *rs;
    char **names;   /* rank names "component\tkind" */
    char **display; /* the series' canonical text */
    size_t n;
    size_t n_unmapped, n_dup;
};

static void rank_in_free(struct rank_in *ri)
{
    for (size_t i = 0; i < ri->n; i++) {
        fl_free(ri->names[i]);
        fl_free(ri->display[i]);
    }
    fl_free(ri->rs);
    fl_free(ri->names);
    fl_free(ri->display);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static fl_err rank_in_build(struct fl_inv__ctx *c, const struct fl_inv__sset *ss,
                            struct rank_in *ri)
{
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    struct fl_label *tmp = NULL;
    fl_err e = FL_OK;
    ri->rs = fl_calloc(ss->n ? ss->n : 1, sizeof *ri->rs);
    ri->names = fl_calloc(ss->n ? ss->n : 1, sizeof *ri->names);
    ri->display = fl_calloc(ss->n ? ss->n : 1, sizeof *ri->display);
    tmp = fl_calloc(FL_LIMIT_LABELS_PER_SERIES + 1, sizeof *tmp);
    if (!ri->rs || !ri->names || !ri->display || !tmp) {
        e = FL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < ss->n; i++) {
        const struct fl_inv__ser *s = &ss->s[i];
        const char *comp = fl_inv__component_of(c->cfg, s->labels, s->n_labels);
        if (!comp || s->n == 0 || strchr(comp, '\t')) {
            ri->n_unmapped++;
            continue;
        }
        size_t m = 0;
        for (size_t j = 0; j < s->n_labels && m <= FL_LIMIT_LABELS_PER_SERIES; j++)
            if (strcmp(s->labels[j].name, "__name__") == 0 ||
                !is_component_label(c->cfg, comp, s->labels[j].name, s->labels, s->n_labels))
                tmp[m++] = s->labels[j];
        fl_buf_reset(&b);
        fl_buf_append(&b, comp, strlen(comp));
        fl_buf_append(&b, "\t", 1);
        fl_labels_format(tmp, m, &b);
        if ((e = fl_buf_err(&b)) != FL_OK)
            goto out;
        ri->names[ri->n] = fl_strdup(b.data);
        fl_buf_reset(&b);
        fl_labels_format(s->labels, s->n_labels, &b);
        if ((e = fl_buf_err(&b)) != FL_OK)
            goto out;
        ri->display[ri->n] = fl_strdup(b.data);
        if (!ri->names[ri->n] || !ri->display[ri->n]) {
            fl_free(ri->names[ri->n]);
            fl_free(ri->display[ri->n]);
            e = FL_ENOMEM;
            goto out;
        }
        ri->rs[ri->n] = (struct fl_rank_series){
            .name = ri->names[ri->n], .ts_ms = s->ts, .v = s->v, .n = s->n};
        ri->n++;
    }
    /* rank.h refuses duplicate names: keep the first of each (rare: a series whose component
     * labels were its only difference from another component's). */
    char **sorted = fl_calloc(ri->n ? ri->n : 1, sizeof *sorted);
    if (!sorted) {
        e = FL_ENOMEM;
        goto out;
    }
    memcpy(sorted, ri->names, ri->n * sizeof *sorted);
    qsort(sorted, ri->n, sizeof *sorted, cmp_str);
    bool dup = false;
    for (size_t i = 1; i < ri->n; i++)
        dup |= strcmp(sorted[i], sorted[i - 1]) == 0;
    fl_free(sorted);
    if (dup) {
        size_t w = 0;
        for (size_t i = 0; i < ri->n; i++) {
            bool seen = false;
            for (size_t j = 0; j < w && !seen; j++)
                seen = strcmp(ri->names[j], ri->names[i]) == 0;
            if (seen) {
                fl_free(ri->names[i]);
                fl_free(ri->display[i]);
                ri->n_dup++;
                continue;
            }
            ri->names[w] = ri->names[i];
            ri->display[w] = ri->display[i];
            ri->rs[w] = ri->rs[i];
            w++;
        }
        ri->n = w;
    }
out:
    fl_free(tmp);
    fl_buf_cleanup(&b);
    return e;
}

static fl_err rank_evidence(struct fl_inv__ctx *c, const struct fl_rank_result *rr,
                            const struct rank_in *ri, struct fl_inv__evs *ev)
{
    fl_err e = FL_OK;
    size_t shown = 0;
    for (size_t i = 0; i < rr->n_series && e == FL_OK; i++) {
        const struct fl_rank_series_result *s = &rr->series[i];
        if (!s->significant || shown++ >= 64)
            continue;
        const char *comp = fl_arena_strdup(c->a, s->component);
        const char *ref = fl_arena_strdup(c->a, ri->display[s->input]);
        const char *when = fmt_time(c, s->first_ms);
        if (!comp || !ref || !when)
            return aerr(c);
        e = fl_inv__ev_add(c->a, ev, FL_INV_EV_SERIES, comp, ref,
                           fl_inv__fmt(c->a, "%s: median %.6g -> %.6g (%+.6g), deviation %.1f "
                                             "spread units, KS p %.3g; the change began %s",
                                       ref, s->median, s->peak_value, s->delta, s->deviation,
                                       s->ks_p, when),
                           s->median, s->peak_value, s->score, s->first_ms, true);
    }
    /* Components whose series all stayed in range: say so, with the largest deviation. */
    for (size_t k = 0; k < rr->n_components && e == FL_OK; k++) {
        const struct fl_rank_component_result *cr = &rr->components[k];
        if (cr->changed || cr->best >= rr->n_series)
            continue;
        const struct fl_rank_series_result *s = &rr->series[cr->best];
        /* A component with no data in the windows (another system's, another day's) was not
         * looked at: nothing to refute. */
        if (s->status != FL_RANK_SCORED || !isfinite(s->median) || !isfinite(s->peak_value))
            continue;
        const char *comp = fl_arena_strdup(c->a, cr->name);
        const char *ref = fl_arena_strdup(c->a, ri->display[s->input]);
        if (!comp || !ref)
            return aerr(c);
        const char *text = fl_inv__fmt(c->a, "%zu series of %s, none beyond %.0f spread units; "
                                             "largest deviation %.2f (%s: %.6g -> %.6g)",
                                       cr->n_series, comp, FL_RANK_THRESHOLD, cr->deviation, ref,
                                       s->median, s->peak_value);
        e = fl_inv__ev_add(c->a, ev, FL_INV_EV_SERIES, comp, ref, text, s->median, s->peak_value,
                           s->score, FL_TS_NONE, false);
        if (e == FL_OK)
            e = fl_inv__refute(c, fl_inv__fmt(c->a, "%s's metrics changed", comp), text, comp);
    }
    return e;
}

/* Copy rank's component verdicts into the engine's components. */
static fl_err rank_components(struct fl_inv__ctx *c, const struct fl_rank_result *rr)
{
    for (size_t k = 0; k < rr->n_components; k++)
        if (!fl_inv__comp_get(c, rr->components[k].name, true))
            return FL_ENOMEM;
    for (size_t k = 0; k < rr->n_components; k++) {
        const struct fl_rank_component_result *cr = &rr->components[k];
        struct fl_inv__comp *x = fl_inv__comp_get(c, cr->name, false);
        x->in_rank = true;
        x->changed = cr->changed;
        x->root = cr->root;
        x->metric_score = cr->score;
        x->deviation = cr->deviation;
        x->n_explains = cr->n_explains;
        x->first_ms = cr->first_ms;
        x->explained_by = -1;
        if (cr->changed && !cr->root && cr->explained_by >= 0 &&
            (size_t)cr->explained_by < rr->n_components) {
            const struct fl_inv__comp *by =
                fl_inv__comp_get(c, rr->components[cr->explained_by].name, false);
            x->explained_by = by ? (long)(by - c->comps) : -1;
        }
    }
    return FL_OK;
}

/* Restarts happen one at a time: a restart counter's rate is 0 in all but a few scrapes, and a
 * process's start time is a Unix timestamp whose jumps are tiny next to its value, so neither
 * leaves the normal range as a level. Counted as events instead (Prometheus' alert
 * increase(kube_pod_container_status_restarts_total[...]) > 0): a component that restarted at
 * least twice in the incident and never in the baseline has restarts as evidence of its own,
 * and counts as changed from the first. */
static size_t restart_events(const struct fl_inv__ser *s, const char *display, int64_t from,
                             int64_t to, int64_t *first)
{
    bool stamp = strstr(display, "start_time_seconds") != NULL;
    bool rate = fl_inv__is_counter(display) || strstr(display, "_total") != NULL;
    size_t n = 0;
    for (size_t j = 1; j < s->n; j++) {
        if (s->ts[j] < from || s->ts[j] >= to || !isfinite(s->v[j]))
            continue;
        bool ev = rate ? s->v[j] > 0
                       : isfinite(s->v[j - 1]) && (stamp ? s->v[j] != s->v[j - 1]
                                                         : s->v[j] > s->v[j - 1]);
        if (ev && n++ == 0)
            *first = s->ts[j];
    }
    return n;
}

static fl_err restart_evidence(struct fl_inv__ctx *c, const struct fl_inv__sset *ss,
                               const struct rank_in *ri, struct fl_inv__evs *ev)
{
    const struct fl_investigation *inv = c->inv;
    for (size_t i = 0; i < ri->n; i++) {
        const char *kind = fl_inv__series_kind(ri->display[i]);
        if (!kind || strcmp(kind, "restarts") != 0)
            continue;
        const struct fl_inv__ser *s = NULL;
        for (size_t j = 0; j < ss->n && !s; j++)
            if (ss->s[j].ts == ri->rs[i].ts_ms)
                s = &ss->s[j];
        if (!s)
            continue;
        int64_t f0 = 0, f1 = 0;
        size_t nb = restart_events(s, ri->display[i], inv->baseline_start_ms,
                                   inv->baseline_end_ms, &f0);
        size_t ni = restart_events(s, ri->display[i], inv->incident_start_ms,
                                   inv->incident_end_ms, &f1);
        if (nb != 0 || ni < 2)
            continue;
        const char *tab = strchr(ri->names[i], '\t');
        char *comp = tab ? fl_arena_strndup(c->a, ri->names[i], (size_t)(tab - ri->names[i]))
                         : NULL;
        const char *ref = fl_arena_strdup(c->a, ri->display[i]);
        const char *text = fl_inv__fmt(c->a, "restarts: %zu in the incident, the first %s, none "
                                             "in the baseline (%s)",
                                       ni, fmt_time(c, f1), ri->display[i]);
        if (!comp || !ref || !text)
            return aerr(c);
        fl_err e = fl_inv__ev_add(c->a, ev, FL_INV_EV_SERIES, comp, ref, text, 0, (double)ni, 1,
                                  f1, true);
        if (e != FL_OK)
            return e;
        struct fl_inv__comp *k = fl_inv__comp_get(c, comp, true);
        if (!k)
            return FL_ENOMEM;
        if (!k->changed) {
            k->changed = true;
            k->metric_score = fmax(k->metric_score, 0.6);
            k->first_ms = f1;
        } else if (k->first_ms <= 0 || f1 < k->first_ms) {
            k->first_ms = f1;
        }
    }
    return FL_OK;
}

static fl_err rank_run(struct fl_inv__ctx *c, struct fl_inv__evs *ev, int *status,
                       const char **summary)
{
    struct fl_investigation *inv = c->inv;
    struct fl_inv__sset ss;
    struct rank_in ri;
    struct fl_rank_map *map = NULL;
    struct fl_rank_result *rr = NULL;
    struct fl_matcher all;
    struct fl_diag d;
    fl_diag_init(&d);
    memset(&ri, 0, sizeof ri);
    fl_inv__sset_init(&ss, FL_INV_MAX_SERIES, true);
    fl_err e = fl_matcher_init(&all, "__name__", FL_MATCH_RE, ".+", &d);
    if (e != FL_OK)
        return e;
    e = fl_inv__sset_select(c->s, &all, 1, inv->baseline_start_ms, inv->incident_end_ms - 1, &ss,
                            &d);
    fl_matcher_cleanup(&all);
    size_t n_remote = 0;
    const char *remote_problems = NULL;
    if (e == FL_OK)
        e = fl_inv__sset_remote(c, NULL, inv->baseline_start_ms, inv->incident_end_ms - 1, &ss,
                                &n_remote, &remote_problems);
    if (e == FL_OK)
        e = rank_in_build(c, &ss, &ri);
    if (e != FL_OK)
        goto out;
    if (ri.n == 0) {
        *status = FL_INV_STEP_SKIPPED;
        *summary = fl_inv__fmt(c->a, "no stored series mapped to a component in the windows "
                                     "(%zu series read, %zu of them from remote sources, %zu "
                                     "without a component)%s%s",
                               ss.n, n_remote, ri.n_unmapped, remote_problems ? "; " : "",
                               remote_problems ? remote_problems : "");
        goto out;
    }
    if ((e = fl_rank_map_new("regex:^([^\t]*)\t", NULL, &map, &d)) != FL_OK)
        goto out;
    struct fl_rank_opts o;
    fl_rank_opts_default(&o);
    o.onset_ms = inv->onset_ms;
    o.direction = FL_RANK_BOTH;
    o.map = map;
    o.edges = c->edges;
    o.n_edges = c->n_edges;
    if ((e = fl_rank_run(ri.rs, ri.n, &o, &rr, &d)) != FL_OK)
        goto out;
    if ((e = rank_evidence(c, rr, &ri, ev)) != FL_OK || (e = rank_components(c, rr)) != FL_OK ||
        (e = restart_evidence(c, &ss, &ri, ev)) != FL_OK)
        goto out;
    size_t n_changed = 0, n_roots = 0;
    for (size_t k = 0; k < rr->n_components; k++) {
        n_changed += rr->components[k].changed;
        n_roots += rr->components[k].root;
    }
    const char *trunc = ss.truncated ? " (the series cap was reached: the rest were not read)"
                                     : "";
    if (n_remote || remote_problems)
        trunc = fl_inv__fmt(c->a, "%s; %zu series read from remote sources%s%s", trunc, n_remote,
                            remote_problems ? "; " : "", remote_problems ? remote_problems : "");
    if (!trunc)
        trunc = "";
    if (rr->verdict == FL_RANK_CHANGED) {
        *status = FL_INV_STEP_FOUND;
        *summary = fl_inv__fmt(c->a, "%zu of %zu series over %zu components; %zu components "
                                     "changed, %zu of them first (roots), the rest inherited%s",
                               ri.n, ss.n, rr->n_components, n_changed, n_roots, trunc);
    } else {
        *status = FL_INV_STEP_NOTHING;
        *summary = fl_inv__fmt(c->a, "%zu series over %zu components: no series left its normal "
                                     "range (deviation %.0f)%s",
                               ri.n, rr->n_components, FL_RANK_THRESHOLD, trunc);
    }
out:
    if (e != FL_OK && e != FL_ENOMEM && e != FL_ELIMIT) {
        *status = FL_INV_STEP_FAILED;
        *summary = fl_inv__fmt(c->a, "%s: %s", fl_err_name(e), d.msg);
        e = FL_OK;
    }
    fl_rank_result_free(rr);
    fl_rank_map_free(map);
    rank_in_free(&ri);
    fl_inv__sset_free(&ss);
    return e;
}

fl_err fl_inv__rank_metrics(struct fl_inv__ctx *c)
{
    int64_t t0 = fl_inv__mono_ns();
    struct fl_inv__evs ev = {0};
    int status = FL_INV_STEP_FAILED;
    const char *summary = NULL;
    fl_err e = rank_run(c, &ev, &status, &summary);
    if (e != FL_OK)
        return e;
    return fl_inv__step_add(c, "rank_metrics", status, summary, &ev, t0, NULL);
}

/* ---- traces ---- */

static fl_err graph_edges(struct fl_inv__ctx *c)
{
    const struct fl_config *cfg = c->cfg;
    size_t n = cfg ? cfg->n_components : 0;
    struct fl_graph_component *gc = fl_calloc(n ? n : 1, sizeof *gc);
    struct fl_trace_graph g;
    struct fl_diag d;
    fl_diag_init(&d);
    if (!gc)
        return FL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct fl_component *k = &cfg->components[i];
        gc[i] = (struct fl_graph_component){
            .name = k->name,
            .kind = k->kind,
            .trace_service = k->trace_service ? k->trace_service : k->name,
            .depends_on = (const char *const *)k->depends_on,
            .n_depends_on = k->n_depends_on};
    }
    struct fl_trace_window *w = fl_trace_window_count(c->wi) ? c->wi : c->wb;
    fl_err e = fl_trace_graph_build(w, gc, n, c->a, &g, &d);
    fl_free(gc);
    if (e != FL_OK)
        return e == FL_ENOMEM || e == FL_ELIMIT ? e : FL_OK;
    for (size_t i = 0; i < g.n_edges && e == FL_OK; i++) {
        if (!g.edges[i].in_traces)
            continue;
        const char *from = fl_trace_syms_str(c->y, g.nodes[g.edges[i].from].name);
        const char *to = fl_trace_syms_str(c->y, g.nodes[g.edges[i].to].name);
        e = fl_inv__edge_add(c, fl_inv__component_of_service(cfg, from),
                             fl_inv__component_of_service(cfg, to));
    }
    return e;
}

fl_err fl_inv__load_traces(struct fl_inv__ctx *c)
{
    const struct fl_investigation *inv = c->inv;
    struct fl_diag d;
    fl_diag_init(&d);
    c->y = fl_trace_syms_new();
    if (!c->y)
        return FL_ENOMEM;
    c->wb = fl_trace_window_new(c->y, inv->baseline_start_ms * 1000000,
                                inv->baseline_end_ms * 1000000);
    c->wi = fl_trace_window_new(c->y, inv->incident_start_ms * 1000000,
                                inv->incident_end_ms * 1000000);
    if (!c->wb || !c->wi)
        return FL_ENOMEM;
    int64_t st[2] = {inv->baseline_start_ms * 1000000, inv->incident_start_ms * 1000000};
    int64_t en[2] = {inv->baseline_end_ms * 1000000, inv->incident_end_ms * 1000000};
    struct fl_trace_window *w[2] = {c->wb, c->wi};
    fl_err e = fl_trace_load_windows(c->s, 2, st, en, NULL, w, NULL, &d);
    if (e == FL_ENOMEM)
        return e;
    if (e != FL_OK) {
        c->trace_err = e;
        snprintf(c->trace_msg, sizeof c->trace_msg, "%s", d.msg);
        return FL_OK;
    }
    c->traces_loaded = true;
    if (fl_trace_window_count(c->wb) + fl_trace_window_count(c->wi) == 0)
        return FL_OK;
    return graph_edges(c);
}

static const char *row_ref(struct fl_inv__ctx *c, const struct fl_trace_cmp_row *r)
{
    const char *a = fl_trace_syms_str(c->y, r->a), *b = fl_trace_syms_str(c->y, r->b);
    return r->kind == FL_TRACE_KEY_EDGE ? fl_inv__fmt(c->a, "edge:%s->%s", a, b)
                                        : fl_inv__fmt(c->a, "op:%s/%s", a, b);
}

/* The component a comparison row is about: an operation's service, an edge's callee. */
/* Does service svc do traced work in this comparison (has it an operation row)? */
static bool is_traced(const struct fl_trace_cmp *m, uint32_t svc)
{
    for (size_t i = 0; i < m->n_rows; i++)
        if (m->rows[i].kind == FL_TRACE_KEY_OPERATION && m->rows[i].a == svc)
            return true;
    return false;
}

/*
 * The component a comparison row is about. An operation: its service's component. An edge to a
 * callee that is not traced (a database, an external API): the callee, whose work the client
 * span's time is. An edge to a traced callee: the callee's own work is in its operation rows, so
 * the edge's critical-path time is what lies between the two spans: the network (or the caller's
 * client side: connection pool, DNS, TLS). That is the topology's network component the caller
 * depends on when one is configured, else "network CALLER->CALLEE" (kind network).
 */
static const char *row_component(struct fl_inv__ctx *c, const struct fl_trace_cmp_row *r)
{
    const char *svc = fl_trace_syms_str(c->y, r->kind == FL_TRACE_KEY_EDGE ? r->b : r->a);
    const char *comp = fl_inv__component_of_service(c->cfg, svc);
    if (r->kind != FL_TRACE_KEY_EDGE || !is_traced(&c->cmp, r->b))
        return fl_arena_strdup(c->a, comp);
    const char *caller = fl_inv__component_of_service(c->cfg, fl_trace_syms_str(c->y, r->a));
    const struct fl_component *k = c->cfg ? fl_config_component(c->cfg, caller) : NULL;
    for (size_t i = 0; k && i < k->n_depends_on; i++) {
        const struct fl_component *dep = fl_config_component(c->cfg, k->depends_on[i]);
        if (dep && dep->kind && strcmp(dep->kind, "network") == 0)
            return fl_arena_strdup(c->a, dep->name);
    }
    return fl_inv__fmt(c->a, "network %s->%s", caller, comp);
}

/* A component named by row_component for a network edge without a configured one. */
static void mark_network(struct fl_inv__comp *k)
{
    if (!k->kind && strncmp(k->name, "network ", 8) == 0)
        k->kind = "network";
}

static const char *row_text(struct fl_inv__ctx *c, const struct fl_trace_cmp_row *r,
                            const char *ref, double pct)
{
    return fl_inv__fmt(c->a, "%s: critical-path time near P%g %.3g ms -> %.3g ms (%+.3g ms, "
                             "%.0f%% of the change); own P%g %.3g ms -> %.3g ms, KS p %.3g; "
                             "errors %.1f%% -> %.1f%%",
                       ref, pct, r->base_ms, r->inc_ms, r->delta_ms, 100 * r->share, pct,
                       r->base_own_ms, r->inc_own_ms, r->ks_p, 100 * r->base_error_rate,
                       100 * r->inc_error_rate);
}

static int cmp_row_base(const void *x, const void *y)
{
    const struct fl_trace_cmp_row *a = *(const struct fl_trace_cmp_row *const *)x;
    const struct fl_trace_cmp_row *b = *(const struct fl_trace_cmp_row *const *)y;
    return a->base_ms < b->base_ms ? 1 : a->base_ms > b->base_ms ? -1 : 0;
}

/* Components with trace keys none of which got slower: "X got slower" is refuted. */
static fl_err trace_refute(struct fl_inv__ctx *c, double pct)
{
    const struct fl_trace_cmp *m = &c->cmp;
    for (size_t i = 0; i < m->n_rows; i++) {
        const struct fl_trace_cmp_row *r = &m->rows[i];
        /* Service 0: the synthetic root of traces whose root never arrived; no component. */
        if (r->kind != FL_TRACE_KEY_OPERATION || r->a == 0)
            continue;
        const char *comp = row_component(c, r);
        if (!comp)
            return aerr(c);
        struct fl_inv__comp *k = fl_inv__comp_get(c, comp, true);
        if (!k)
            return FL_ENOMEM;
        if (k->trace_changed)
            continue;
        k->trace_unchanged = true;
        bool own = c->sym_component && strcmp(comp, c->sym_component) == 0;
        const char *hyp = own ? fl_inv__fmt(c->a, "%s's own work got slower", comp)
                              : fl_inv__fmt(c->a, "%s got slower", comp);
        const char *svc = fl_trace_syms_str(c->y, r->a), *op = fl_trace_syms_str(c->y, r->b);
        const char *text =
            own ? fl_inv__fmt(c->a, "%s/%s: its own critical-path time near P%g %.3g ms -> %.3g "
                                    "ms (its span duration, which includes its calls, P%g %.3g "
                                    "ms -> %.3g ms)",
                              svc, op, pct, r->base_ms, r->inc_ms, pct, r->base_own_ms,
                              r->inc_own_ms)
                : fl_inv__fmt(c->a, "%s/%s: P%g %.3g ms -> %.3g ms, KS p %.3g; its critical-path "
                                    "time near P%g %.3g ms -> %.3g ms",
                              svc, op, pct, r->base_own_ms, r->inc_own_ms, r->ks_p, pct,
                              r->base_ms, r->inc_ms);
        fl_err e = fl_inv__refute(c, hyp, text, comp);
        if (e != FL_OK)
            return e;
    }
    return FL_OK;
}

static fl_err trace_rows(struct fl_inv__ctx *c, double pct, struct fl_inv__evs *ev,
                         size_t *n_changed)
{
    const struct fl_trace_cmp *m = &c->cmp;
    const struct fl_trace_cmp_row **unch = fl_calloc(m->n_rows ? m->n_rows : 1, sizeof *unch);
    size_t n_unch = 0;
    fl_err e = FL_OK;
    if (!unch)
        return FL_ENOMEM;
    /* First mark every component with a key that got slower, then refute the others. */
    for (size_t i = 0; i < m->n_rows && e == FL_OK; i++) {
        const struct fl_trace_cmp_row *r = &m->rows[i];
        if (!(r->changed && r->delta_ms > 0)) {
            unch[n_unch++] = r;
            continue;
        }
        const char *ref = row_ref(c, r), *comp = row_component(c, r);
        if (!ref || !comp) {
            e = aerr(c);
            break;
        }
        struct fl_inv__comp *k = fl_inv__comp_get(c, comp, true);
        if (!k) {
            e = FL_ENOMEM;
            break;
        }
        mark_network(k);
        k->trace_changed = true;
        k->trace_share = fmax(k->trace_share, r->share);
        (*n_changed)++;
        e = fl_inv__ev_add(c->a, ev, FL_INV_EV_TRACE_KEY, comp, ref, row_text(c, r, ref, pct),
                           r->base_ms, r->inc_ms, r->share, FL_TS_NONE, true);
    }
    qsort(unch, n_unch, sizeof *unch, cmp_row_base);
    for (size_t i = 0; i < n_unch && i < FL_INV_TRACE_UNCHANGED_ROWS && e == FL_OK; i++) {
        const char *ref = row_ref(c, unch[i]), *comp = row_component(c, unch[i]);
        if (!ref || !comp)
            e = aerr(c);
        else
            e = fl_inv__ev_add(c->a, ev, FL_INV_EV_TRACE_KEY, comp, ref,
                               row_text(c, unch[i], ref, pct), unch[i]->base_ms, unch[i]->inc_ms,
                               unch[i]->share, FL_TS_NONE, false);
    }
    fl_free(unch);
    return e == FL_OK ? trace_refute(c, pct) : e;
}

fl_err fl_inv__trace_evidence(struct fl_inv__ctx *c)
{
    int64_t t0 = fl_inv__mono_ns();
    struct fl_inv__evs ev = {0};
    const struct fl_inv_request *r = &c->inv->req;
    double pct = r->kind == FL_INV_LATENCY ? r->percentile : 99;
    size_t nb = c->traces_loaded ? fl_trace_window_count(c->wb) : 0;
    size_t ni = c->traces_loaded ? fl_trace_window_count(c->wi) : 0;
    if (!c->traces_loaded)
        return fl_inv__step_add(c, "trace_evidence", FL_INV_STEP_FAILED,
                                fl_inv__fmt(c->a, "loading the traces failed: %s: %s",
                                            fl_err_name(c->trace_err), c->trace_msg),
                                NULL, t0, NULL);
    if (nb == 0 || ni == 0)
        return fl_inv__step_add(c, "trace_evidence", FL_INV_STEP_SKIPPED,
                                fl_inv__fmt(c->a, "no traces to compare (%zu in the baseline, "
                                                  "%zu in the incident)",
                                            nb, ni),
                                NULL, t0, NULL);
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_trace_compare(c->wb, c->wi, pct, c->a, &c->cmp, &d);
    if (e == FL_ENOMEM || e == FL_ELIMIT)
        return e;
    if (e != FL_OK)
        return fl_inv__step_add(c, "trace_evidence", FL_INV_STEP_FAILED,
                                fl_inv__fmt(c->a, "comparing the traces failed: %s: %s",
                                            fl_err_name(e), d.msg),
                                NULL, t0, NULL);
    c->have_cmp = true;
    size_t n_changed = 0;
    if ((e = trace_rows(c, pct, &ev, &n_changed)) != FL_OK)
        return e;
    const struct fl_trace_cmp *m = &c->cmp;
    const char *summary = fl_inv__fmt(
        c->a, "%zu baseline and %zu incident traces; end-to-end P%g %.3g ms -> %.3g ms, errors "
              "%.1f%% -> %.1f%%; %zu of %zu keys explain the change%s",
        m->n_base, m->n_inc, pct, m->base_ms, m->inc_ms, 100 * m->base_error_rate,
        100 * m->inc_error_rate, n_changed, m->n_rows,
        n_changed ? "" : ": no key changed significantly");
    return fl_inv__step_add(c, "trace_evidence",
                            n_changed ? FL_INV_STEP_FOUND : FL_INV_STEP_NOTHING, summary, &ev, t0,
                            NULL);
}

/* ---- change_events ---- */

/* Decay of an event's weight with its distance before the onset (docs/rca.md). */
#define INV_EVENT_TAU_MS (20.0 * 60 * 1000)

struct events_ud {
    struct fl_inv__ctx *c;
    struct fl_inv__evs *ev;
    size_t n, n_support;
    fl_err err;
};

/* 1 for the symptom's or a changed component, 0.8 upstream of one, else 0.3. */
static double relation(struct fl_inv__ctx *c, const char *comp, const char **why)
{
    const struct fl_inv__comp *k = fl_inv__comp_get(c, comp, false);
    if (k && (k->changed || k->trace_changed)) {
        *why = "its signals changed";
        return 1;
    }
    if (c->sym_component && strcmp(comp, c->sym_component) == 0) {
        *why = "the symptom's component";
        return 1;
    }
    if (fl_inv__upstream(c, comp, c->sym_component)) {
        *why = "upstream of the symptom";
        return 0.8;
    }
    for (size_t i = 0; i < c->n_comps; i++)
        if ((c->comps[i].changed || c->comps[i].trace_changed) &&
            fl_inv__upstream(c, comp, c->comps[i].name)) {
            *why = "upstream of a changed component";
            return 0.8;
        }
    *why = "not on the symptom's path";
    return 0.3;
}

/* A topology component known by this name or by its trace service name; NULL when none. */
static const char *known_component(struct fl_inv__ctx *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->n_comps; i++)
        if (strlen(c->comps[i].name) == len && !strncmp(c->comps[i].name, name, len))
            return c->comps[i].name;
    for (size_t i = 0; c->cfg && i < c->cfg->n_components; i++) {
        const struct fl_component *k = &c->cfg->components[i];
        const char *ts = k->trace_service ? k->trace_service : k->name;
        if ((strlen(k->name) == len && !strncmp(k->name, name, len)) ||
            (strlen(ts) == len && !strncmp(ts, name, len)))
            return k->name;
    }
    return NULL;
}

/* Whether text names word: an occurrence not preceded or followed by a letter or digit
 * ("egress-feature-store" names "feature-store", "feature-stores" does not). */
static bool names_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    if (!text || !n)
        return false;
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        bool before = p > text && isalnum((unsigned char)p[-1]);
        bool after = isalnum((unsigned char)p[n]);
        if (!before && !after)
            return true;
    }
    return false;
}

/* Is an event's component the network in general: "network", or a topology component of kind
 * network? */
static bool network_event(struct fl_inv__ctx *c, const char *comp)
{
    if (!strcmp(comp, "network"))
        return true;
    for (size_t i = 0; c->cfg && i < c->cfg->n_components; i++)
        if (!strcmp(c->cfg->components[i].name, comp) && c->cfg->components[i].kind &&
            !strcmp(c->cfg->components[i].kind, "network"))
            return true;
    return false;
}

/* By text: a network event whose message or attributes name an end of a network edge
 * component ("network A->B"), the callee first; else, for an event on an unknown component,
 * the one known component its message names (none when it names several). */
static const char *event_component_by_text(struct fl_inv__ctx *c, const struct fl_event *x,
                                           const char **how)
{
    if (network_event(c, x->component)) {
        for (int end = 1; end >= 0; end--)
            for (size_t i = 0; i < c->n_comps; i++) {
                const char *nm = c->comps[i].name, *arrow = strstr(nm, "->");
                if (strncmp(nm, "network ", 8) != 0 || !arrow)
                    continue;
                char part[256];
                const char *from = end ? arrow + 2 : nm + 8;
                size_t len = end ? strlen(from) : (size_t)(arrow - from);
                if (len == 0 || len >= sizeof part)
                    continue;
                memcpy(part, from, len);
                part[len] = 0;
                if (names_word(x->message, part) || names_word(x->attrs_json, part)) {
                    *how = fl_inv__fmt(c->a, "a network change that names %s", part);
                    return nm;
                }
            }
    }
    if (known_component(c, x->component, strlen(x->component)))
        return NULL;
    const char *found = NULL;
    for (size_t i = 0; i < c->n_comps; i++) {
        const char *nm = c->comps[i].name;
        if (strchr(nm, ' ') || !names_word(x->message, nm))
            continue;
        if (found && strcmp(found, nm) != 0)
            return NULL; /* names several: ambiguous */
        found = nm;
    }
    if (found)
        *how = "its message names it";
    return found;
}

/* Attribute keys that name the service or workload a change event is about, as deploy tools
 * and the OpenTelemetry resource conventions spell them. */
static const char *const EVENT_SERVICE_KEYS[] = {
    "service.name", "service", "k8s.deployment.name", "k8s.statefulset.name", "app",
    "app.kubernetes.io/name", "deployment", "job", "component", "model", "peer.service",
};

/*
 * The component a change event is about, in the investigation's terms (docs/rca.md
 * "change_events"): for an event on the network in general, the network edge component whose
 * ends its message or attributes name; its `component` when that is a known component (or a topology component's
 * trace service name); else the last path segment of it ("deployment/fraud-api"); else a
 * topology component all of whose `match` labels the event's attributes carry; else the first
 * of EVENT_SERVICE_KEYS in its attributes that names a known component; else the one known
 * component its message names. Otherwise the event's
 * own component, unrelated to anything known. *how says which rule matched (NULL: as given).
 */
static const char *event_component(struct fl_inv__ctx *c, const struct fl_event *x,
                                   const char **how)
{
    *how = NULL;
    const char *k = event_component_by_text(c, x, how);
    if (k)
        return k;
    if ((k = known_component(c, x->component, strlen(x->component))))
        return k;
    const char *slash = strrchr(x->component, '/');
    if (slash && slash[1] && (k = known_component(c, slash + 1, strlen(slash + 1)))) {
        *how = "its path's last segment";
        return k;
    }
    if (!x->attrs_json || !*x->attrs_json)
        return x->component;
    json_t *o = json_loads(x->attrs_json, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return x->component;
    }
    const char *found = NULL;
    for (size_t i = 0; c->cfg && !found && i < c->cfg->n_components; i++) {
        const struct fl_component *t = &c->cfg->components[i];
        size_t hit = 0;
        for (size_t j = 0; j < t->n_match; j++) {
            const char *v = json_string_value(json_object_get(o, t->match[j].name));
            hit += v && !strcmp(v, t->match[j].value);
        }
        if (t->n_match && hit == t->n_match) {
            found = t->name;
            *how = "its attributes carry the component's match labels";
        }
    }
    for (size_t i = 0; !found && i < sizeof EVENT_SERVICE_KEYS / sizeof *EVENT_SERVICE_KEYS; i++) {
        const char *v = json_string_value(json_object_get(o, EVENT_SERVICE_KEYS[i]));
        if (v && (found = known_component(c, v, strlen(v))))
            *how = fl_inv__fmt(c->a, "its attribute %s", EVENT_SERVICE_KEYS[i]);
    }
    json_decref(o);
    return found ? found : x->component;
}

/* How far a data store's change may start from its writer's run (scrape and grid slack). */
#define INV_LINEAGE_SLACK_MS ((int64_t)15 * 60 * 1000)

static bool kind_is(const char *kind, const char *want)
{
    return kind && strcmp(kind, want) == 0;
}

/* Whether component `down` lists `up` in its depends_on (the topology's direct edge). */
static bool depends_directly(const struct fl_inv__ctx *c, const char *down, const char *up)
{
    const struct fl_component *k = c->cfg ? fl_config_component(c->cfg, down) : NULL;
    for (size_t i = 0; k && i < k->n_depends_on; i++)
        if (strcmp(k->depends_on[i], up) == 0)
            return true;
    return false;
}

/*
 * Data lineage (docs/rca.md "Data written by a job"): a data store (feature_store, database)
 * whose content a batch job writes changes only when the job writes it. When a changed store's
 * change began during a run of the batch job it depends on (from the run's start to its end,
 * within INV_LINEAGE_SLACK_MS), that run wrote the change: the job (or what it read) is where the
 * change came from, and the store inherits it. Runs come in time order, so the latest run that
 * fits wins. Adds one evidence line per store and run.
 */
static fl_err lineage(struct events_ud *u, const struct fl_event *x, const char *job)
{
    struct fl_inv__ctx *c = u->c;
    const struct fl_inv__comp *j = fl_inv__comp_get(c, job, false);
    if (!j || !kind_is(j->kind, "batch_job"))
        return FL_OK;
    long ji = (long)(j - c->comps);
    int64_t end = x->end_ms != FL_TS_NONE && x->end_ms > x->ts_ms ? x->end_ms : x->ts_ms;
    for (size_t i = 0; i < c->n_comps; i++) {
        struct fl_inv__comp *k = &c->comps[i];
        if (!k->changed || k->first_ms <= 0 || (long)i == ji ||
            !(kind_is(k->kind, "feature_store") || kind_is(k->kind, "database")) ||
            !depends_directly(c, k->name, job))
            continue;
        if (k->first_ms < x->ts_ms - INV_LINEAGE_SLACK_MS ||
            k->first_ms > end + INV_LINEAGE_SLACK_MS)
            continue;
        k->written_by = ji;
        const char *text = fl_inv__fmt(
            c->a, "%s run %s of %s (%s) wrote %s: its change began %lld s after the run started",
            x->kind, x->id, job, fmt_time(c, x->ts_ms), k->name,
            (long long)((k->first_ms - x->ts_ms) / 1000));
        const char *ref = fl_arena_strdup(c->a, x->id);
        if (!text || !ref)
            return aerr(c);
        fl_err e = fl_inv__ev_add(c->a, u->ev, FL_INV_EV_EVENT, j->name, ref, text, NAN, NAN,
                                  1, x->ts_ms, true);
        if (e != FL_OK)
            return e;
        u->n_support++;
    }
    return FL_OK;
}

/* An event that records a change made to a component (not a business event, an alert or a run):
 * its kind starts with one of these words. */
static bool change_kind(const char *kind)
{
    static const char *const w[] = {"deploy", "config", "feature_flag", "flag", "experiment",
                                    "schema", "migration", "model", "rollout", "release",
                                    "rollback", "infrastructure", NULL};
    for (const char *const *p = w; kind && *p; p++) {
        size_t n = strlen(*p);
        if (!strncmp(kind, *p, n) && (kind[n] == 0 || kind[n] == '_' || kind[n] == '-'))
            return true;
    }
    return false;
}

static int event_cb(const struct fl_event *x, void *ud)
{
    struct events_ud *u = ud;
    struct fl_inv__ctx *c = u->c;
    int64_t on = c->inv->onset_ms;
    double ft;
    if (x->ts_ms <= on && (x->end_ms == FL_TS_NONE || x->end_ms <= on))
        ft = exp(-(double)(on - x->ts_ms) / INV_EVENT_TAU_MS);
    else if (x->ts_ms <= on)
        ft = 1; /* still running at the onset */
    else
        ft = 0.1 * exp(-(double)(x->ts_ms - on) / INV_EVENT_TAU_MS);
    const char *why = "", *how = NULL;
    const char *as = event_component(c, x, &how);
    double fg = relation(c, as, &why);
    double score = ft * fg;
    bool supports = x->ts_ms <= on && fg >= 0.8 && score >= 0.2;
    const char *comp = fl_arena_strdup(c->a, as);
    const char *ref = fl_arena_strdup(c->a, x->id);
    const char *when = fmt_time(c, x->ts_ms);
    if (!comp || !ref || !when) {
        u->err = aerr(c);
        return 1;
    }
    const char *alias = how ? fl_inv__fmt(c->a, " (recorded as %s; %s)", x->component, how) : "";
    const char *text = fl_inv__fmt(c->a, "%s on %s%s %s (%s)%s%s%s%s: score %.2f", x->kind, comp,
                                   alias ? alias : "", when, why, x->status ? " status " : "",
                                   x->status ? x->status : "", *x->message ? ": " : "",
                                   x->message, score);
    u->err = fl_inv__ev_add(c->a, u->ev, FL_INV_EV_EVENT, comp, ref, text, NAN, NAN, score,
                            x->ts_ms, supports);
    if (u->err != FL_OK)
        return 1;
    if (supports) {
        struct fl_inv__comp *k = fl_inv__comp_get(c, comp, true);
        if (!k) {
            u->err = FL_ENOMEM;
            return 1;
        }
        k->event_score = fmax(k->event_score, score);
        if (change_kind(x->kind))
            k->change_event_score = fmax(k->change_event_score, score);
        u->n_support++;
    }
    u->n++;
    if (x->ts_ms <= c->inv->incident_end_ms && (u->err = lineage(u, x, as)) != FL_OK)
        return 1;
    return 0;
}

fl_err fl_inv__change_events(struct fl_inv__ctx *c)
{
    int64_t t0 = fl_inv__mono_ns();
    struct fl_inv__evs ev = {0};
    struct events_ud u = {.c = c, .ev = &ev};
    struct fl_event_query q = {.start_ms = c->inv->baseline_start_ms,
                               .end_ms = c->inv->incident_end_ms - 1,
                               .limit = FL_INV_MAX_EVENTS};
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_store_events(c->s, &q, event_cb, &u, &d);
    if (e == FL_OK)
        e = u.err;
    if (e == FL_ENOMEM || e == FL_ELIMIT)
        return e;
    if (e != FL_OK)
        return fl_inv__step_add(c, "change_events", FL_INV_STEP_FAILED,
                                fl_inv__fmt(c->a, "reading the events failed: %s: %s",
                                            fl_err_name(e), d.msg),
                                &ev, t0, NULL);
    const char *summary =
        u.n == 0 ? "no change events recorded in the baseline and incident windows"
        : u.n_support
            ? fl_inv__fmt(c->a, "%zu change events; %zu before the onset on the symptom's "
                                "component, a changed one, or upstream of them",
                          u.n, u.n_support)
            : fl_inv__fmt(c->a, "%zu change events, none before the onset on the symptom's path "
                                "or a changed component",
                          u.n);
    return fl_inv__step_add(c, "change_events",
                            u.n_support ? FL_INV_STEP_FOUND : FL_INV_STEP_NOTHING, summary, &ev,
                            t0, NULL);
}
