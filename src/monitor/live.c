/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live.c: live ML monitoring inside `faultline serve` (live.h; docs/MONITORING.md): setup and
 * references, the registry artifacts of each version, open windows and ingest, the ticker thread.
 * The tick that closes windows is live_close.c, what is shown (metrics, JSON) live_render.c.
 *
 * State per model version (struct fl_live__mv): a short list of open windows, each a profile set
 * (profile.h) plus, when the registry holds a data schema for the version, an incremental
 * validator (validate.h); the watermark below which records are late; the version's artifacts
 * (reference profile set and schema, struct fl_live__art, shared by reference count so that a
 * refresh can swap them while windows still use the old schema); and, for the tick thread only, the
 * profile set of the previous closed window. The latest verdicts (struct fl_live__result) live in
 * their own map under their own lock, so /metrics never waits for profiling.
 *
 * Locks, always taken in this order: tick_mu (one tick at a time), mu (the version map and the
 * versions' reference counts), a version's own mu (its windows), rmu (results and anomaly
 * counters). Ingest never holds a version's mu while taking mu. A version is freed only by the
 * tick, and only when no ingest thread holds a reference to it.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/map.h"
#include "core/time.h"
#include "monitor/live_int.h"
#include "monitor/schema.h"
#include "monitor/validate.h"
#include "store/store.h"

const char *const fl_live__base_names[FL_LIVE_N_BASE] = {"reference", "previous_window"};
const char *const fl_live__status_names[4] = {"ok", "insufficient_rows", "no_baseline", "error"};

/* ---- small helpers ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static int64_t window_start(int64_t ts, int64_t w)
{
    int64_t s = ts / w * w;
    return ts < 0 && s != ts ? s - w : s;
}

/* "model\0version" into buf; 0 when a name is too long for a profile key. */
size_t fl_live__make_key(const char *model, const char *version, char *buf)
{
    size_t a = strlen(model), b = strlen(version);
    if (a > FL_LIMIT_PROFILE_KEY_BYTES || b > FL_LIMIT_PROFILE_KEY_BYTES)
        return 0;
    memcpy(buf, model, a);
    buf[a] = '\0';
    memcpy(buf + a + 1, version, b);
    return a + 1 + b;
}

/* ---- artifacts ---- */

struct fl_live__art *fl_live__art_ref(struct fl_live__art *a)
{
    if (a)
        atomic_fetch_add(&a->refs, 1);
    return a;
}

void fl_live__art_unref(struct fl_live__art *a)
{
    if (!a || atomic_fetch_sub(&a->refs, 1) != 1)
        return;
    fl_profile_set_free(a->owned_set);
    fl_free(a->source);
    fl_free(a->note);
    fl_schema_free(a->schema);
    fl_free(a);
}

/* One profile per feature of raw (per feature and chunk with keep_chunks); a set profiled for
 * several models is narrowed to model. */
static fl_err select_ref(const struct fl_profile_set *raw, const char *model, bool keep_chunks,
                         struct fl_profile_set **out, struct fl_diag *d)
{
    struct fl_profile_selector sel = {NULL, NULL, NULL, NULL, keep_chunks};
    struct fl_diag d1;
    fl_diag_init(&d1);
    fl_err e = fl_profile_set_select(raw, &sel, out, &d1);
    if (e == FL_EINVAL && model) {
        sel.model = model;
        e = fl_profile_set_select(raw, &sel, out, d);
    } else if (e && d) {
        *d = d1;
    }
    return e;
}

/* What the registry holds for a version, read in the store's callback. */
struct reg_read {
    struct fl_live *l;
    const char *model;
    bool has_old;      /* a previous build exists ... */
    uint64_t old_hash; /* ... from bytes of this hash: when unchanged, nothing is rebuilt */
    uint64_t hash;
    bool unchanged;
    struct fl_profile_set *set;
    struct fl_schema *schema;
    char note[FL_DIAG_MSG_CAP + 64];
};

static void on_artifacts(const void *profile, size_t len, const char *schema, void *ud)
{
    struct reg_read *rr = ud;
    struct fl_diag d;
    uint64_t h = UINT64_C(14695981039346656037);
    if (profile && len)
        h = fnv(h, profile, len);
    h = fnv(h, "\xff", 1);
    if (schema)
        h = fnv(h, schema, strlen(schema));
    rr->hash = profile && len ? h : schema && *schema ? h : 0;
    if (rr->has_old && rr->hash == rr->old_hash) {
        rr->unchanged = true;
        return;
    }
    if (profile && len) {
        struct fl_profile_set *raw = NULL;
        fl_diag_init(&d);
        fl_err e = fl_profile_set_deserialize(profile, len, &raw, &d);
        if (e == FL_OK)
            e = select_ref(raw, rr->model, rr->l->drift.adaptive && fl_profile_set_chunks(raw) >= 2,
                           &rr->set, &d);
        fl_profile_set_free(raw);
        if (e != FL_OK || fl_profile_set_count(rr->set) == 0) {
            fl_profile_set_free(rr->set);
            rr->set = NULL;
            snprintf(rr->note, sizeof rr->note,
                     "the registry's reference profile is not usable: %s",
                     e != FL_OK ? d.msg : "no features");
        }
    }
    if (schema && *schema) {
        fl_diag_init(&d);
        if (fl_schema_parse(schema, strlen(schema), "registry schema", &rr->schema, &d) != FL_OK) {
            char m[FL_DIAG_MSG_CAP + 32];
            fl_diag_format(&d, m, sizeof m);
            size_t n = strlen(rr->note);
            snprintf(rr->note + n, sizeof rr->note - n, "%sthe registry's schema is not usable: %s",
                     n ? "; " : "", m);
        }
    }
}

/*
 * The artifacts of (model, version): the registry's reference profile, else the configuration's;
 * the registry's schema. *out NULL (and FL_OK) when old (may be NULL) was built from the same
 * registry bytes. When the registry cannot be read, *out still holds the configuration's
 * reference and the store's error is returned.
 */
fl_err fl_live__art_build(struct fl_live *l, const char *model, const char *version,
                          const struct fl_live__art *old, struct fl_live__art **out,
                          struct fl_diag *d)
{
    struct reg_read rr = {
        .l = l, .model = model, .has_old = old != NULL, .old_hash = old ? old->hash : 0};
    *out = NULL;
    fl_err e = FL_OK;
    if (l->store) {
        e = fl_store_reg_artifacts(l->store, model, version, on_artifacts, &rr, d);
        if (e == FL_OK && rr.unchanged)
            return FL_OK;
        if (e != FL_OK) {
            /* the configuration's reference meanwhile; a hash no bytes give makes the next
             * refresh read the registry again */
            fl_profile_set_free(rr.set);
            fl_schema_free(rr.schema);
            rr = (struct reg_read){.hash = FL_LIVE_UNREAD_HASH};
        }
    }
    struct fl_live__art *a = fl_calloc(1, sizeof *a);
    if (!a) {
        fl_profile_set_free(rr.set);
        fl_schema_free(rr.schema);
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    }
    atomic_init(&a->refs, 1);
    a->hash = rr.hash;
    a->schema = rr.schema;
    const struct fl_live__cfg_ref *cr = fl_map_get(l->cfg_refs, model, strlen(model));
    if (rr.set) {
        a->owned_set = rr.set;
        a->set = rr.set;
        a->chunks = fl_profile_set_chunks(rr.set);
        a->source = fl_strdup("registry");
    } else if (cr) {
        a->set = cr->set;
        a->chunks = cr->chunks;
        a->source = fl_strdup(cr->source);
    }
    a->note = rr.note[0] ? fl_strdup(rr.note) : NULL;
    if ((a->set && !a->source) || (rr.note[0] && !a->note)) {
        fl_live__art_unref(a);
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    }
    *out = a;
    return e;
}

/* ---- windows ---- */

void fl_live__window_free(struct fl_live__window *w)
{
    if (!w)
        return;
    fl_profile_set_free(w->set);
    fl_validator_free(w->val);
    fl_live__art_unref(w->art);
    fl_map_free(w->cols);
    fl_free(w->cells);
    fl_free(w);
}

static struct fl_live__window *window_new(struct fl_live *l, struct fl_live__mv *mv, int64_t start)
{
    struct fl_live__window *w = fl_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->start_ms = start;
    if (fl_profile_set_new(&l->o.profile, &w->set) != FL_OK) {
        fl_free(w);
        return NULL;
    }
    if (mv->art && mv->art->schema) {
        if (fl_validator_new(mv->art->schema, NULL, &w->val) != FL_OK ||
            !(w->cols = fl_map_new(NULL, FL_LIMIT_TABLE_COLUMNS))) {
            fl_validator_free(w->val);
            w->val = NULL;
            FL_LOG_W("live monitoring: out of memory: window of %s %s not validated", mv->model,
                     mv->version);
        } else {
            w->art = fl_live__art_ref(mv->art);
        }
    }
    return w;
}

/* A served feature as a typed cell (validate.h reads JSON-typed cells). */
static struct fl_cell feature_cell(const struct fl_feature *f)
{
    struct fl_cell c = {FL_CELL_MISSING, false, 0, {"", 0}};
    if (f->status == FL_FEAT_NOT_FOUND)
        return c;
    if (f->status == FL_FEAT_NULL || f->kind == FL_VAL_NULL) {
        c.type = FL_CELL_NULL;
    } else if (f->kind == FL_VAL_NUMBER) {
        c.type = FL_CELL_NUMBER;
        c.num = f->num;
        c.integral =
            isfinite(f->num) && f->num == floor(f->num) && fabs(f->num) <= 9007199254740992.0;
    } else if (f->kind == FL_VAL_BOOL) {
        c.type = FL_CELL_BOOL;
        c.num = f->num != 0;
        c.str = f->num != 0 ? (struct fl_str){"true", 4} : (struct fl_str){"false", 5};
    } else {
        c.type = FL_CELL_STRING;
        c.str = (struct fl_str){f->str ? f->str : "", f->str ? strlen(f->str) : 0};
    }
    return c;
}

/* Feed one record's features to the window's validator (columns named as they appear). */
static fl_err validate_record(struct fl_live__window *w, const struct fl_inference *r)
{
    for (size_t i = 0; i < r->n_features; i++) {
        const char *name = r->features[i].name;
        if (fl_map_get(w->cols, name, strlen(name)))
            continue;
        size_t idx = fl_validator_n_columns(w->val);
        fl_err e = fl_validator_add_column(w->val, name);
        if (e == FL_OK)
            e = fl_map_put(w->cols, name, strlen(name), (void *)(uintptr_t)(idx + 1));
        if (e != FL_OK)
            return e;
    }
    size_t n = fl_validator_n_columns(w->val);
    if (n > w->cap_cells) {
        size_t cap = n < 16 ? 16 : 2 * n;
        struct fl_cell *c = fl_reallocarray(w->cells, cap, sizeof *c);
        if (!c)
            return FL_ENOMEM;
        w->cells = c;
        w->cap_cells = cap;
    }
    for (size_t i = 0; i < n; i++)
        w->cells[i] = (struct fl_cell){FL_CELL_MISSING, false, 0, {"", 0}};
    for (size_t i = 0; i < r->n_features; i++) {
        const char *name = r->features[i].name;
        uintptr_t idx = (uintptr_t)fl_map_get(w->cols, name, strlen(name));
        if (idx)
            w->cells[idx - 1] = feature_cell(&r->features[i]);
    }
    return fl_validator_row(w->val, w->cells, n, 0);
}

/* The open window of start for mv (mv->mu held), opened when needed; NULL for a late record
 * (*late set) or on out of memory. */
static struct fl_live__window *window_for(struct fl_live *l, struct fl_live__mv *mv, int64_t start,
                                          bool *late)
{
    *late = false;
    if (start < mv->watermark_ms) {
        *late = true;
        return NULL;
    }
    struct fl_live__window **pp = &mv->open;
    while (*pp && (*pp)->start_ms < start)
        pp = &(*pp)->next;
    if (*pp && (*pp)->start_ms == start)
        return *pp;
    if (mv->n_open >= l->o.open_windows) {
        if (start < mv->open->start_ms) {
            *late = true; /* older than every open window */
            return NULL;
        }
        /* the oldest open window is pushed out: it closes at the next tick */
        struct fl_live__window *old = mv->open;
        mv->open = old->next;
        mv->n_open--;
        old->next = NULL;
        struct fl_live__window **cp = &mv->closing;
        while (*cp)
            cp = &(*cp)->next;
        *cp = old;
        mv->watermark_ms = old->start_ms + l->o.window_ms;
        pp = &mv->open;
        while (*pp && (*pp)->start_ms < start)
            pp = &(*pp)->next;
    }
    struct fl_live__window *w = window_new(l, mv, start);
    if (!w)
        return NULL;
    w->next = *pp;
    *pp = w;
    mv->n_open++;
    if (start + l->o.window_ms > mv->newest_end_ms)
        mv->newest_end_ms = start + l->o.window_ms;
    return w;
}

/* ---- versions ---- */

void fl_live__mv_free(struct fl_live__mv *mv)
{
    if (!mv)
        return;
    for (struct fl_live__window *w = mv->open, *n; w; w = n) {
        n = w->next;
        fl_live__window_free(w);
    }
    for (struct fl_live__window *w = mv->closing, *n; w; w = n) {
        n = w->next;
        fl_live__window_free(w);
    }
    fl_live__art_unref(mv->art);
    fl_profile_set_free(mv->prev);
    pthread_mutex_destroy(&mv->mu);
    fl_free(mv->model);
    fl_free(mv->version);
    fl_free(mv);
}

static int on_newest(const struct fl_store_window *w, void *ud)
{
    *(int64_t *)ud = w->end_ms;
    return 1;
}

/*
 * What a version seen for the first time needs from the store: its registry artifacts, and the
 * end of its newest stored window as the watermark, so that records of windows closed before a
 * restart count as late instead of replacing the stored window with a partial one.
 */
static void first_sight(struct fl_live *l, struct fl_live__mv *mv)
{
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_live__art_build(l, mv->model, mv->version, NULL, &mv->art, &d) != FL_OK)
        FL_LOG_W("live monitoring: registry lookup of %s %s failed (retried at the next "
                 "refresh): %s",
                 mv->model, mv->version, d.msg);
    int64_t end = INT64_MIN;
    fl_diag_init(&d);
    if (l->store && fl_store_windows(l->store, mv->model, mv->version, INT64_MIN, INT64_MAX, false,
                                     true, 1, on_newest, &end, &d) != FL_OK)
        FL_LOG_W("live monitoring: cannot read the stored windows of %s %s: %s", mv->model,
                 mv->version, d.msg);
    mv->watermark_ms = end;
}

/*
 * The version of r with a reference taken and its mu locked. A version seen for the first time is
 * created and its registry artifacts read while its mu is held, so that concurrent records of it
 * wait and every window of it is opened knowing its schema.
 */
static fl_err acquire(struct fl_live *l, const struct fl_inference *r, struct fl_live__mv **out,
                      struct fl_diag *d)
{
    char key[FL_LIVE_KEY_CAP];
    *out = NULL;
    size_t kl = fl_live__make_key(r->model, r->model_version, key);
    if (!kl)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "request %s: model or version longer than %d bytes",
                           r->request_id ? r->request_id : "", FL_LIMIT_PROFILE_KEY_BYTES);
    pthread_mutex_lock(&l->mu);
    struct fl_live__mv *mv = fl_map_get(l->mvs, key, kl);
    if (mv) {
        mv->refs++;
        pthread_mutex_unlock(&l->mu);
        pthread_mutex_lock(&mv->mu);
        *out = mv;
        return FL_OK;
    }
    fl_err e = FL_OK;
    if (fl_map_count(l->mvs) >= FL_LIVE_MAX_VERSIONS) {
        e = fl_diag_set(d, FL_ELIMIT, 0, 0, "more than %d model versions monitored",
                        FL_LIVE_MAX_VERSIONS);
    } else if (!(mv = fl_calloc(1, sizeof *mv)) || !(mv->model = fl_strdup(r->model)) ||
               !(mv->version = fl_strdup(r->model_version))) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    } else {
        memcpy(mv->key, key, kl);
        mv->key_len = kl;
        mv->refs = 1;
        mv->watermark_ms = INT64_MIN;
        mv->newest_end_ms = INT64_MIN;
        pthread_mutex_init(&mv->mu, NULL);
        pthread_mutex_lock(&mv->mu);
        if ((e = fl_map_put(l->mvs, key, kl, mv)) != FL_OK) {
            pthread_mutex_unlock(&mv->mu);
            fl_diag_set(d, e, 0, 0, "out of memory");
        }
    }
    pthread_mutex_unlock(&l->mu);
    if (e != FL_OK) {
        if (mv && mv->model && mv->version)
            pthread_mutex_destroy(&mv->mu);
        if (mv) {
            fl_free(mv->model);
            fl_free(mv->version);
            fl_free(mv);
        }
        return e;
    }
    first_sight(l, mv);
    *out = mv;
    return FL_OK;
}

static void release(struct fl_live *l, struct fl_live__mv *mv)
{
    if (!mv)
        return;
    pthread_mutex_unlock(&mv->mu);
    pthread_mutex_lock(&l->mu);
    mv->refs--;
    pthread_mutex_unlock(&l->mu);
}

/* ---- ingest ---- */

fl_err fl_live_add(struct fl_live *l, const struct fl_inference *r, size_t n, struct fl_diag *d)
{
    if (!l || (n && !r))
        return FL_EINVAL;
    struct fl_profile_inference_opts po = {l->o.window_ms, NULL, l->o.segment_by,
                                           l->o.n_segment_by};
    struct fl_live__mv *mv = NULL;
    fl_err first = FL_OK;
    for (size_t i = 0; i < n; i++) {
        const struct fl_inference *x = &r[i];
        if (!x->model || !x->model_version) {
            atomic_fetch_add(&l->n_failed, 1);
            continue;
        }
        if (!mv || strcmp(mv->model, x->model) || strcmp(mv->version, x->model_version)) {
            release(l, mv);
            mv = NULL;
            fl_err e = acquire(l, x, &mv, first ? NULL : d);
            if (e != FL_OK) {
                first = first ? first : e;
                atomic_fetch_add(&l->n_failed, 1);
                continue;
            }
        }
        bool late;
        struct fl_live__window *w =
            window_for(l, mv, window_start(x->ts_ms, l->o.window_ms), &late);
        if (late) {
            atomic_fetch_add(&l->n_late, 1);
            continue;
        }
        fl_err e = w ? fl_profile_set_add_inference(w->set, x, &po, first ? NULL : d) : FL_ENOMEM;
        if (!w)
            fl_diag_set(first ? NULL : d, FL_ENOMEM, 0, 0, "out of memory opening a window");
        if (e == FL_OK && w->val && validate_record(w, x) != FL_OK) {
            FL_LOG_W("live monitoring: validation of %s %s stopped (out of memory or too many "
                     "columns)",
                     mv->model, mv->version);
            fl_validator_free(w->val);
            w->val = NULL;
        }
        if (e != FL_OK) {
            first = first ? first : e;
            atomic_fetch_add(&l->n_failed, 1);
            continue;
        }
        w->rows++;
        atomic_fetch_add(&l->n_records, 1);
    }
    release(l, mv);
    return first;
}

/* ---- the ticker thread ---- */

static void *ticker_main(void *arg)
{
    struct fl_live *l = arg;
    pthread_mutex_lock(&l->tmu);
    while (!l->stop) {
        int64_t wake = fl_time_now_ms() + l->tick_ms;
        struct timespec ts = {(time_t)(wake / 1000), (long)(wake % 1000) * 1000000L};
        int rc = pthread_cond_timedwait(&l->tcv, &l->tmu, &ts);
        if (l->stop)
            break;
        if (rc != ETIMEDOUT)
            continue;
        pthread_mutex_unlock(&l->tmu);
        struct fl_diag d;
        fl_diag_init(&d);
        if (fl_live_tick(l, fl_time_now_ms(), &d) != FL_OK)
            FL_LOG_W("live monitoring: %s", d.msg);
        pthread_mutex_lock(&l->tmu);
    }
    pthread_mutex_unlock(&l->tmu);
    return NULL;
}

fl_err fl_live_start(struct fl_live *l, int64_t tick_ms, struct fl_diag *d)
{
    if (!l)
        return FL_EINVAL;
    int64_t t = tick_ms;
    if (t > l->o.window_ms / 2)
        t = l->o.window_ms / 2;
    if (t < 100)
        t = 100;
    pthread_mutex_lock(&l->tmu);
    if (l->running) {
        pthread_mutex_unlock(&l->tmu);
        return fl_diag_set(d, FL_EINVAL, 0, 0, "live monitoring already runs");
    }
    l->tick_ms = t;
    l->stop = false;
    if (pthread_create(&l->thread, NULL, ticker_main, l) != 0) {
        pthread_mutex_unlock(&l->tmu);
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "cannot start the live monitoring thread");
    }
    l->running = true;
    pthread_mutex_unlock(&l->tmu);
    return FL_OK;
}

void fl_live_stop(struct fl_live *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->tmu);
    if (!l->running) {
        pthread_mutex_unlock(&l->tmu);
        return;
    }
    l->stop = true;
    pthread_cond_signal(&l->tcv);
    pthread_mutex_unlock(&l->tmu);
    pthread_join(l->thread, NULL);
    pthread_mutex_lock(&l->tmu);
    l->running = false;
    pthread_mutex_unlock(&l->tmu);
}

/* ---- life cycle and setup ---- */

void fl_live_opts_default(struct fl_live_opts *o)
{
    memset(o, 0, sizeof *o);
    o->window_ms = 3600 * 1000;
    o->grace_ms = 60 * 1000;
    o->min_rows = 100;
    o->open_windows = 3;
    o->reference_refresh_ms = 5 * 60 * 1000;
    o->forget_after_ms = 24 * 3600 * 1000;
    o->retention_ms = 15LL * 24 * 3600 * 1000;
    fl_profile_opts_default(&o->profile);
}

void fl_live_opts_from_config(const struct fl_config *cfg, struct fl_live_opts *o)
{
    const struct fl_monitoring_cfg *m = &cfg->monitoring;
    fl_live_opts_default(o);
    o->window_ms = m->window_ms;
    o->grace_ms = m->grace_ms;
    o->min_rows = m->min_rows;
    o->open_windows = m->open_windows;
    o->segment_by = (const char *const *)m->segment_by;
    o->n_segment_by = m->n_segment_by;
    o->reference_refresh_ms = m->reference_refresh_ms;
    o->forget_after_ms = m->forget_after_ms;
    o->retention_ms = cfg->retention_ms;
}

static void cfg_ref_free(void *p)
{
    struct fl_live__cfg_ref *c = p;
    if (!c)
        return;
    fl_profile_set_free(c->set);
    fl_free(c->source);
    fl_free(c);
}

static int free_mv_entry(const char *key, size_t key_len, void *value, void *ud)
{
    (void)key;
    (void)key_len;
    (void)ud;
    fl_live__mv_free(value);
    return 0;
}

void fl_live_free(struct fl_live *l)
{
    if (!l)
        return;
    fl_live_stop(l);
    if (l->mvs)
        fl_map_each(l->mvs, free_mv_entry, NULL);
    fl_map_free(l->mvs);
    fl_map_free(l->results);
    fl_map_free(l->anomalies);
    fl_map_free(l->cfg_refs);
    fl_drift_opts_cleanup(&l->drift);
    for (size_t i = 0; i < l->o.n_segment_by; i++)
        fl_free(l->seg[i]);
    fl_free(l->seg);
    pthread_mutex_destroy(&l->tick_mu);
    pthread_mutex_destroy(&l->mu);
    pthread_mutex_destroy(&l->rmu);
    pthread_mutex_destroy(&l->tmu);
    pthread_cond_destroy(&l->tcv);
    fl_free(l);
}

static fl_err check_opts(const struct fl_live_opts *o, struct fl_diag *d)
{
    if (o->window_ms <= 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "window must be positive");
    if (o->grace_ms < 0 || o->grace_ms > INT64_MAX / 4 || o->window_ms > INT64_MAX / 4)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "window or grace out of range");
    if (o->open_windows < 1)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "open_windows must be at least 1");
    if (o->reference_refresh_ms <= 0 || o->forget_after_ms < 0 || o->retention_ms < 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "reference_refresh, forget_after and retention "
                           "must not be negative");
    if (o->n_segment_by && !o->segment_by)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "segment_by missing");
    return FL_OK;
}

fl_err fl_live_new(const struct fl_live_opts *o, struct fl_store *store, struct fl_live **out,
                   struct fl_diag *d)
{
    struct fl_live_opts def;
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    if (!o) {
        fl_live_opts_default(&def);
        o = &def;
    }
    fl_err e = check_opts(o, d);
    if (e != FL_OK)
        return e;
    struct fl_live *l = fl_calloc(1, sizeof *l);
    if (!l)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    l->o = *o;
    l->o.segment_by = NULL;
    l->o.n_segment_by = 0;
    l->store = store;
    l->next_refresh_ms = l->next_retain_ms = INT64_MIN;
    fl_drift_opts_init(&l->drift);
    pthread_mutex_init(&l->tick_mu, NULL);
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->rmu, NULL);
    pthread_mutex_init(&l->tmu, NULL);
    pthread_cond_init(&l->tcv, NULL);
    atomic_init(&l->n_records, 0);
    atomic_init(&l->n_late, 0);
    atomic_init(&l->n_failed, 0);
    atomic_init(&l->n_closed, 0);
    atomic_init(&l->n_store_errors, 0);
    l->mvs = fl_map_new(NULL, 0);
    l->results = fl_map_new(fl_live__result_free, 0);
    l->anomalies = fl_map_new(fl_live__anomalies_free, 0);
    l->cfg_refs = fl_map_new(cfg_ref_free, 0);
    bool ok = l->mvs && l->results && l->anomalies && l->cfg_refs;
    if (ok && o->n_segment_by) {
        ok = (l->seg = fl_calloc(o->n_segment_by, sizeof *l->seg)) != NULL;
        for (size_t i = 0; ok && i < o->n_segment_by; i++, l->o.n_segment_by++)
            ok = (l->seg[i] = fl_strdup(o->segment_by[i])) != NULL;
        l->o.segment_by = (const char *const *)l->seg;
    }
    if (!ok) {
        fl_live_free(l);
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    }
    *out = l;
    return FL_OK;
}

fl_err fl_live_load_drift_opts(struct fl_live *l, const char *path, struct fl_diag *d)
{
    struct fl_drift_opts o;
    if (!l || !path)
        return FL_EINVAL;
    fl_drift_opts_init(&o);
    fl_err e = fl_drift_opts_load(&o, path, d);
    if (e == FL_OK)
        e = fl_drift_opts_check(&o, d);
    if (e != FL_OK) {
        fl_drift_opts_cleanup(&o);
        return e;
    }
    pthread_mutex_lock(&l->tick_mu);
    fl_drift_opts_cleanup(&l->drift);
    l->drift = o;
    pthread_mutex_unlock(&l->tick_mu);
    return FL_OK;
}

/* Is path a serialized profile set (by its magic bytes)? */
static bool is_profile_file(const char *path)
{
    char magic[4];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    return fl_profile_set_is_serialized(magic, n);
}

fl_err fl_live_set_reference_file(struct fl_live *l, const char *model, const char *path,
                                  struct fl_diag *d)
{
    struct fl_profile_set *raw = NULL, *sel = NULL;
    struct fl_live__cfg_ref *cr = NULL;
    if (!l || !model || !path)
        return FL_EINVAL;
    pthread_mutex_lock(&l->mu);
    size_t seen = fl_map_count(l->mvs);
    pthread_mutex_unlock(&l->mu);
    if (seen)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "references are set before records arrive");
    fl_err e;
    bool adaptive = l->drift.adaptive;
    if (is_profile_file(path)) {
        /* read as it is: its sketch parameters may differ from the windows' */
        e = fl_profile_set_read_file(path, &raw, d);
    } else if ((e = fl_profile_set_new(&l->o.profile, &raw)) == FL_OK) {
        struct fl_profile_file_opts fo;
        memset(&fo, 0, sizeof fo);
        fo.input = FL_PROFILE_INPUT_AUTO;
        fo.table.chunks = adaptive ? FL_LIVE_ADAPTIVE_CHUNKS : 0;
        e = fl_profile_set_add_file(raw, path, &fo, d);
    }
    if (e == FL_OK)
        e = select_ref(raw, model, adaptive && fl_profile_set_chunks(raw) >= 2, &sel, d);
    if (e == FL_OK && fl_profile_set_count(sel) == 0)
        e = fl_diag_set(d, FL_EINVAL, 0, 0, "reference %s has no columns", path);
    if (e == FL_OK &&
        (!(cr = fl_calloc(1, sizeof *cr)) || !(cr->source = fl_calloc(1, strlen(path) + 8))))
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    if (e == FL_OK) {
        memcpy(cr->source, "config:", 7);
        memcpy(cr->source + 7, path, strlen(path) + 1);
        cr->set = sel;
        cr->chunks = fl_profile_set_chunks(sel);
        sel = NULL;
        if ((e = fl_map_put(l->cfg_refs, model, strlen(model), cr)) != FL_OK)
            fl_diag_set(d, e, 0, 0, "out of memory");
        else
            cr = NULL; /* the map owns it now */
    }
    cfg_ref_free(cr);
    fl_profile_set_free(raw);
    fl_profile_set_free(sel);
    return e;
}

fl_err fl_live_from_config(const struct fl_config *cfg, struct fl_store *store,
                           struct fl_live **out, struct fl_diag *d)
{
    struct fl_live_opts o;
    struct fl_live *l = NULL;
    if (!cfg || !out)
        return FL_EINVAL;
    *out = NULL;
    fl_live_opts_from_config(cfg, &o);
    fl_err e = fl_live_new(&o, store, &l, d);
    if (e == FL_OK && cfg->monitoring.drift_options &&
        (e = fl_live_load_drift_opts(l, cfg->monitoring.drift_options, d)) != FL_OK)
        fl_diag_field(d, "monitoring.drift_options");
    for (size_t i = 0; e == FL_OK && i < cfg->n_models; i++) {
        const struct fl_model_cfg *m = &cfg->models[i];
        if (m->reference && (e = fl_live_set_reference_file(l, m->name, m->reference, d)) != FL_OK)
            fl_diag_field(d, "models[%zu].reference", i);
    }
    if (e != FL_OK) {
        fl_live_free(l);
        return e;
    }
    *out = l;
    return FL_OK;
}

static int count_windows(const char *key, size_t key_len, void *value, void *ud)
{
    (void)key;
    (void)key_len;
    struct fl_live__mv *mv = value;
    uint64_t *n = ud;
    pthread_mutex_lock(&mv->mu);
    *n += mv->n_open;
    for (const struct fl_live__window *w = mv->closing; w; w = w->next)
        (*n)++;
    pthread_mutex_unlock(&mv->mu);
    return 0;
}

void fl_live_stats(struct fl_live *l, struct fl_live_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!l)
        return;
    out->records = atomic_load(&l->n_records);
    out->late = atomic_load(&l->n_late);
    out->failed = atomic_load(&l->n_failed);
    out->windows_closed = atomic_load(&l->n_closed);
    out->store_errors = atomic_load(&l->n_store_errors);
    pthread_mutex_lock(&l->mu);
    out->versions = fl_map_count(l->mvs);
    fl_map_each(l->mvs, count_windows, &out->windows_open);
    pthread_mutex_unlock(&l->mu);
}
