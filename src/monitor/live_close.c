/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_close.c: the tick of live monitoring (live.h, docs/MONITORING.md): windows whose end plus
 * grace has passed (or that newer windows pushed out) are detached from their version, validated
 * (anomaly counts), compared with the reference and with the previous window (monitor/drift.h;
 * no verdict below min_rows), persisted with their drift rows (store.h, migration 6), and
 * published as the version's latest result; registry artifacts are refreshed, idle versions
 * forgotten, stored windows past retention deleted. Drift is computed without any version lock
 * held; one tick runs at a time (tick_mu).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "monitor/live_int.h"
#include "store/store.h"

/* ---- closing a window ---- */

static void base_cleanup(struct fl_live__base *b)
{
    fl_free(b->source);
    fl_free(b->message);
    fl_drift_report_free(b->rep);
}

void fl_live__result_free(void *p)
{
    struct fl_live__result *r = p;
    if (!r)
        return;
    for (size_t i = 0; i < FL_LIVE_N_BASE; i++)
        base_cleanup(&r->b[i]);
    for (size_t i = 0; i < r->n_nulls; i++)
        fl_free(r->nulls[i].feature);
    fl_free(r->nulls);
    fl_free(r->model);
    fl_free(r->version);
    fl_free(r);
}

void fl_live__anomalies_free(void *p)
{
    struct fl_live__anomalies *a = p;
    if (a)
        fl_free(a->model);
    fl_free(a);
}

static void set_message(struct fl_live__base *b, enum fl_live__status st, const char *fmt, ...)
    FL_PRINTF(3, 4);
static void set_message(struct fl_live__base *b, enum fl_live__status st, const char *fmt, ...)
{
    char m[FL_DIAG_MSG_CAP + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    b->status = st;
    fl_free(b->message);
    b->message = fl_strdup(m); /* NULL on out of memory: the status still says it */
}

/* Drift of cur against ref into b, unless either side is below min_rows. */
static void compare(struct fl_live *l, struct fl_live__base *b, const struct fl_profile_set *ref,
                    uint32_t ref_chunks, uint64_t ref_rows, const struct fl_profile_set *cur,
                    uint64_t cur_rows, bool is_prev)
{
    if (cur_rows < l->o.min_rows) {
        set_message(b, FL_LIVE_INSUFFICIENT,
                    "the window has %llu records, fewer than min_rows (%llu): no verdict",
                    (unsigned long long)cur_rows, (unsigned long long)l->o.min_rows);
        return;
    }
    if (is_prev && ref_rows < l->o.min_rows) {
        set_message(b, FL_LIVE_INSUFFICIENT,
                    "the previous window has %llu records, fewer than min_rows (%llu): no verdict",
                    (unsigned long long)ref_rows, (unsigned long long)l->o.min_rows);
        return;
    }
    struct fl_drift_opts o = l->drift; /* shallow: the per-feature entries stay l->drift's */
    const char *note = NULL;
    if (o.adaptive && (is_prev || ref_chunks < 2)) {
        o.adaptive = false;
        if (!is_prev)
            note = "adaptive thresholds need a reference profiled in chunks: fixed thresholds used";
    }
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_drift_compare(ref, cur, &o, &b->rep, &d);
    if (e != FL_OK) {
        set_message(b, FL_LIVE_ERROR, "drift not computed: %s", d.msg[0] ? d.msg : fl_err_str(e));
        return;
    }
    b->status = FL_LIVE_OK;
    if (note)
        set_message(b, FL_LIVE_OK, "%s", note);
}

/* The newest stored window of mv before start, as the previous window (after a restart). */
struct prev_load {
    struct fl_live__mv *mv;
    bool found;
};

static int on_prev_window(const struct fl_store_window *w, void *ud)
{
    struct prev_load *pl = ud;
    struct fl_profile_set *raw = NULL, *sel = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    struct fl_profile_selector s = {pl->mv->model, pl->mv->version, NULL, NULL, false};
    if (fl_profile_set_deserialize(w->profile, w->profile_len, &raw, &d) == FL_OK &&
        fl_profile_set_select(raw, &s, &sel, &d) == FL_OK) {
        pl->mv->prev = sel;
        pl->mv->prev_start_ms = w->start_ms;
        pl->mv->prev_end_ms = w->end_ms;
        pl->mv->prev_rows = w->rows;
        pl->found = true;
    } else {
        FL_LOG_W("live monitoring: stored window of %s %s unreadable: %s", pl->mv->model,
                 pl->mv->version, d.msg);
    }
    fl_profile_set_free(raw);
    return 1;
}

static void load_prev(struct fl_live *l, struct fl_live__mv *mv, int64_t before_ms)
{
    if (mv->prev || mv->prev_loaded || !l->store)
        return;
    mv->prev_loaded = true;
    struct prev_load pl = {mv, false};
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_store_windows(l->store, mv->model, mv->version, INT64_MIN, before_ms - 1, true, true, 1,
                         on_prev_window, &pl, &d) != FL_OK)
        FL_LOG_W("live monitoring: cannot read the previous window of %s %s: %s", mv->model,
                 mv->version, d.msg);
}

static fl_err null_ratios(struct fl_live__result *res, const struct fl_profile_set *cur)
{
    size_t n = fl_profile_set_count(cur);
    if (!n)
        return FL_OK;
    if (!(res->nulls = fl_calloc(n, sizeof *res->nulls)))
        return FL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct fl_profile *p = fl_profile_set_at(cur, i);
        uint64_t rows = fl_profile_counts(p)->rows;
        if (!rows)
            continue;
        struct fl_live__null *f = &res->nulls[res->n_nulls];
        if (!(f->feature = fl_strdup(fl_profile_key(p)->feature)))
            return FL_ENOMEM;
        f->ratio = (double)fl_profile_n_absent(p) / (double)rows;
        res->n_nulls++;
    }
    return FL_OK;
}

static void count_anomalies(struct fl_live *l, const char *model, struct fl_validator *val)
{
    struct fl_validation *v = NULL;
    if (fl_validator_finish(val, &v) != FL_OK) {
        FL_LOG_W("live monitoring: out of memory finishing the validation of a %s window", model);
        return;
    }
    pthread_mutex_lock(&l->rmu);
    struct fl_live__anomalies *a = fl_map_get(l->anomalies, model, strlen(model));
    if (!a && (a = fl_calloc(1, sizeof *a)) && (a->model = fl_strdup(model)) &&
        fl_map_put(l->anomalies, model, strlen(model), a) != FL_OK) {
        fl_live__anomalies_free(a);
        a = NULL;
    } else if (a && !a->model) {
        fl_free(a);
        a = NULL;
    }
    for (size_t i = 0; a && i < v->n_anomalies; i++)
        if ((unsigned)v->anomalies[i].kind < FL_LIVE_N_KINDS)
            a->n[v->anomalies[i].kind]++;
    pthread_mutex_unlock(&l->rmu);
    fl_validation_free(v);
}

/* The report rows of b as store rows (strings borrowed from the report). */
static struct fl_store_drift_row *store_rows(const struct fl_drift_report *rep)
{
    struct fl_store_drift_row *v = fl_calloc(rep->n_rows ? rep->n_rows : 1, sizeof *v);
    for (size_t i = 0; v && i < rep->n_rows; i++) {
        const struct fl_drift_row *w = &rep->rows[i];
        v[i] = (struct fl_store_drift_row){
            .feature = w->feature,
            .check = fl_drift_check_name(w->check),
            .method = w->check == FL_DRIFT_CHECK_DISTRIBUTION && w->method != FL_DRIFT_AUTO
                          ? fl_drift_method_name(w->method)
                          : NULL,
            .kind = w->kind,
            .stat_name = w->stat_name,
            .statistic = w->statistic,
            .pvalue = w->pvalue,
            .score = w->score,
            .threshold = w->threshold,
            .drifted = w->drifted,
            .exact = w->exact,
            .n_ref = w->n_ref,
            .n_cur = w->n_cur,
            .detail = w->detail,
        };
    }
    return v;
}

/* Write the window's whole profile set (segments included) and its drift runs. */
static fl_err persist(struct fl_live *l, const struct fl_live__window *w,
                      const struct fl_live__result *res, struct fl_diag *d)
{
    struct fl_buf blob;
    struct fl_store_drift_run runs[FL_LIVE_N_BASE];
    struct fl_store_drift_row *rows[FL_LIVE_N_BASE] = {NULL, NULL};
    fl_buf_init(&blob, FL_LIMIT_PROFILE_FILE_BYTES);
    fl_err e = fl_profile_set_serialize(w->set, &blob);
    if (e == FL_OK)
        e = fl_buf_err(&blob);
    if (e != FL_OK)
        fl_diag_set(d, e, 0, 0, "cannot serialize the window's profiles");
    for (size_t i = 0; i < FL_LIVE_N_BASE && e == FL_OK; i++) {
        const struct fl_live__base *b = &res->b[i];
        runs[i] = (struct fl_store_drift_run){
            .model = res->model,
            .version = res->version,
            .start_ms = res->start_ms,
            .end_ms = res->end_ms,
            .baseline = fl_live__base_names[i],
            .baseline_source = b->source,
            .baseline_start_ms = b->start_ms,
            .baseline_end_ms = b->end_ms,
            .status = fl_live__status_names[b->status],
            .message = b->message,
            .ref_rows = b->rep ? b->rep->ref_rows : b->rows,
            .cur_rows = b->rep ? b->rep->cur_rows : res->rows,
            .n_features = b->rep ? b->rep->n_features : 0,
            .n_drifted = b->rep ? b->rep->n_drifted : 0,
            .share = b->rep ? b->rep->share : NAN,
            .dataset_drift = b->rep && b->rep->dataset_drift,
        };
        if (b->rep) {
            if (!(rows[i] = store_rows(b->rep)))
                e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
            runs[i].rows = rows[i];
            runs[i].n_rows = b->rep->n_rows;
        }
    }
    if (e == FL_OK) {
        struct fl_store_window sw = {res->model, res->version, res->start_ms, res->end_ms,
                                     res->rows,  blob.data,    blob.len};
        e = fl_store_window_put(l->store, &sw, runs, FL_LIVE_N_BASE, d);
    }
    for (size_t i = 0; i < FL_LIVE_N_BASE; i++)
        fl_free(rows[i]);
    fl_buf_cleanup(&blob);
    return e;
}

/*
 * Close w (detached from mv; freed here): validation counts, drift against both baselines,
 * null ratios, persisted, published as mv's latest result; its profiles become mv's previous
 * window. art (may be NULL) is the version's artifacts at close time.
 */
static fl_err close_window(struct fl_live *l, struct fl_live__mv *mv, struct fl_live__window *w,
                           const struct fl_live__art *art, struct fl_diag *d)
{
    struct fl_profile_set *cur = NULL;
    struct fl_diag sd;
    fl_diag_init(&sd);
    struct fl_live__result *res = fl_calloc(1, sizeof *res);
    if (!res || !(res->model = fl_strdup(mv->model)) || !(res->version = fl_strdup(mv->version))) {
        fl_live__result_free(res);
        fl_live__window_free(w);
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory closing a window");
    }
    res->start_ms = w->start_ms;
    res->end_ms = w->start_ms + l->o.window_ms;
    res->rows = w->rows;
    for (size_t i = 0; i < FL_LIVE_N_BASE; i++)
        res->b[i].start_ms = res->b[i].end_ms = FL_TS_NONE;
    if (w->val)
        count_anomalies(l, mv->model, w->val);
    struct fl_profile_selector sel = {mv->model, mv->version, NULL, NULL, false};
    fl_err se = fl_profile_set_select(w->set, &sel, &cur, &sd);

    struct fl_live__base *br = &res->b[FL_LIVE_REF], *bp = &res->b[FL_LIVE_PREV];
    br->source = art && art->source ? fl_strdup(art->source) : NULL;
    const char *note = art && art->note ? art->note : NULL;
    if (se != FL_OK)
        set_message(br, FL_LIVE_ERROR, "window profiles: %s", sd.msg);
    else if (!art || !art->set)
        set_message(br, FL_LIVE_NO_BASELINE,
                    "no reference: give models[].reference in the "
                    "configuration or register a reference profile for the version%s%s",
                    note ? "; " : "", note ? note : "");
    else
        compare(l, br, art->set, art->chunks, 0, cur, w->rows, false);
    if (br->status == FL_LIVE_OK && note && !br->message)
        set_message(br, FL_LIVE_OK, "%s", note); /* why the configuration's reference was used */
    if (se == FL_OK)
        load_prev(l, mv, w->start_ms);
    if (se != FL_OK) {
        set_message(bp, FL_LIVE_ERROR, "window profiles: %s", sd.msg);
    } else if (!mv->prev) {
        set_message(bp, FL_LIVE_NO_BASELINE, "no earlier closed window of this version");
    } else {
        bp->start_ms = mv->prev_start_ms;
        bp->end_ms = mv->prev_end_ms;
        bp->rows = mv->prev_rows;
        compare(l, bp, mv->prev, 0, mv->prev_rows, cur, w->rows, true);
    }
    if (cur && null_ratios(res, cur) != FL_OK)
        FL_LOG_W("live monitoring: out of memory computing null ratios of %s %s", mv->model,
                 mv->version);

    fl_err e = FL_OK;
    if (l->store) {
        struct fl_diag pd;
        fl_diag_init(&pd);
        if ((e = persist(l, w, res, &pd)) != FL_OK) {
            atomic_fetch_add(&l->n_store_errors, 1);
            FL_LOG_W("live monitoring: window of %s %s not stored: %s", mv->model, mv->version,
                     pd.msg);
            if (d && d->code == FL_OK)
                *d = pd;
        }
    }
    pthread_mutex_lock(&l->rmu);
    if (fl_map_put(l->results, mv->key, mv->key_len, res) != FL_OK) {
        fl_live__result_free(res);
        FL_LOG_W("live monitoring: out of memory publishing the verdicts of %s %s", mv->model,
                 mv->version);
    }
    pthread_mutex_unlock(&l->rmu);
    if (cur) {
        fl_profile_set_free(mv->prev);
        mv->prev = cur;
        mv->prev_start_ms = w->start_ms;
        mv->prev_end_ms = w->start_ms + l->o.window_ms;
        mv->prev_rows = w->rows;
    }
    atomic_fetch_add(&l->n_closed, 1);
    fl_live__window_free(w);
    return e;
}

/* Detach the windows of mv due at now (pushed out ones first, then open ones that ended at
 * least grace ago), ascending; *art receives a reference to mv's artifacts. */
static struct fl_live__window *detach_due(struct fl_live *l, struct fl_live__mv *mv, int64_t now,
                                          struct fl_live__art **art)
{
    pthread_mutex_lock(&mv->mu);
    struct fl_live__window *list = mv->closing, **tail = &list;
    mv->closing = NULL;
    while (*tail)
        tail = &(*tail)->next;
    int64_t due = now - l->o.grace_ms - l->o.window_ms; /* windows starting at or before */
    while (mv->open && mv->open->start_ms <= due) {
        struct fl_live__window *w = mv->open;
        mv->open = w->next;
        mv->n_open--;
        w->next = NULL;
        *tail = w;
        tail = &w->next;
        if (w->start_ms + l->o.window_ms > mv->watermark_ms)
            mv->watermark_ms = w->start_ms + l->o.window_ms;
    }
    *art = fl_live__art_ref(mv->art);
    pthread_mutex_unlock(&mv->mu);
    return list;
}

/* Re-read mv's registry artifacts; swap them in when the stored bytes changed. */
static void refresh(struct fl_live *l, struct fl_live__mv *mv)
{
    pthread_mutex_lock(&mv->mu);
    struct fl_live__art *old = fl_live__art_ref(mv->art);
    pthread_mutex_unlock(&mv->mu);
    struct fl_live__art *a = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_live__art_build(l, mv->model, mv->version, old, &a, &d) != FL_OK) {
        FL_LOG_W("live monitoring: registry lookup of %s %s failed: %s", mv->model, mv->version,
                 d.msg);
        if (old) { /* keep what was read before rather than a fallback */
            fl_live__art_unref(a);
            a = NULL;
        }
    }
    fl_live__art_unref(old);
    if (!a)
        return;
    pthread_mutex_lock(&mv->mu);
    old = mv->art;
    mv->art = a;
    pthread_mutex_unlock(&mv->mu);
    fl_live__art_unref(old);
}

struct mv_list {
    struct fl_live__mv **v;
    size_t n, cap;
};

static int collect_mv(const char *key, size_t key_len, void *value, void *ud)
{
    (void)key;
    (void)key_len;
    struct mv_list *ml = ud;
    struct fl_live__mv *mv = value;
    if (ml->n < ml->cap) {
        mv->refs++;
        ml->v[ml->n++] = mv;
    }
    return 0;
}

static int cmp_mv(const void *a, const void *b)
{
    const struct fl_live__mv *x = *(struct fl_live__mv *const *)a,
                             *y = *(struct fl_live__mv *const *)b;
    int c = strcmp(x->model, y->model);
    return c ? c : strcmp(x->version, y->version);
}

/* Under l->mu, with no other reference: nothing open, and the newest window long gone. */
static bool idle(const struct fl_live *l, const struct fl_live__mv *mv, int64_t now)
{
    return mv->refs == 0 && !mv->open && !mv->closing &&
           (mv->newest_end_ms == INT64_MIN || mv->newest_end_ms <= now - l->o.forget_after_ms);
}

static void forget_idle(struct fl_live *l, struct mv_list *ml, int64_t now)
{
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < ml->n; i++) {
        struct fl_live__mv *mv = ml->v[i];
        mv->refs--;
        if (!idle(l, mv, now))
            continue;
        fl_map_take(l->mvs, mv->key, mv->key_len);
        pthread_mutex_lock(&l->rmu);
        fl_map_del(l->results, mv->key, mv->key_len);
        pthread_mutex_unlock(&l->rmu);
        fl_live__mv_free(mv);
    }
    pthread_mutex_unlock(&l->mu);
}

fl_err fl_live_tick(struct fl_live *l, int64_t now, struct fl_diag *d)
{
    if (!l)
        return FL_EINVAL;
    fl_err first = FL_OK;
    struct mv_list ml = {NULL, 0, 0};
    pthread_mutex_lock(&l->tick_mu);
    pthread_mutex_lock(&l->mu);
    ml.cap = fl_map_count(l->mvs);
    if (ml.cap && (ml.v = fl_calloc(ml.cap, sizeof *ml.v)))
        fl_map_each(l->mvs, collect_mv, &ml);
    pthread_mutex_unlock(&l->mu);
    if (ml.cap && !ml.v) {
        pthread_mutex_unlock(&l->tick_mu);
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    }
    if (ml.n > 1)
        qsort(ml.v, ml.n, sizeof *ml.v, cmp_mv);
    bool refresh_now = l->store && l->next_refresh_ms != INT64_MIN && now >= l->next_refresh_ms;
    if (refresh_now || l->next_refresh_ms == INT64_MIN) /* the first lookups were just made */
        l->next_refresh_ms = now + l->o.reference_refresh_ms;
    for (size_t i = 0; i < ml.n; i++) {
        struct fl_live__mv *mv = ml.v[i];
        if (refresh_now)
            refresh(l, mv);
        struct fl_live__art *art = NULL;
        struct fl_live__window *w = detach_due(l, mv, now, &art);
        while (w) {
            struct fl_live__window *next = w->next;
            w->next = NULL;
            fl_err e = close_window(l, mv, w, art, first ? NULL : d);
            first = first ? first : e;
            w = next;
        }
        fl_live__art_unref(art);
    }
    forget_idle(l, &ml, now);
    fl_free(ml.v);
    if (l->store && l->o.retention_ms > 0 &&
        (l->next_retain_ms == INT64_MIN || now >= l->next_retain_ms)) {
        l->next_retain_ms = now + FL_LIVE_RETAIN_EVERY_MS;
        struct fl_diag rd;
        fl_diag_init(&rd);
        if (fl_store_windows_retain(l->store, now - l->o.retention_ms, NULL, &rd) != FL_OK)
            FL_LOG_W("live monitoring: retention of stored windows failed: %s", rd.msg);
    }
    pthread_mutex_unlock(&l->tick_mu);
    return first;
}
