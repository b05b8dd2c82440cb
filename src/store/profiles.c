/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profiles.c: the store side of live monitoring (issue 3, item 9; docs/MONITORING.md): the
 * serialized profile set of each closed window of a model version, and the drift of that window
 * against each baseline (its summary and report rows), in the tables of schema migration 6; plus
 * the one read of the registry that live monitoring needs per version (its reference profile and
 * schema). The bytes and texts are opaque here: src/monitor/live.c produces and reads them.
 *
 * A window and its drift runs are written in one transaction on the writer connection under wmu,
 * as registry writes are (they are rare: one per model version and window). Reads use one read
 * transaction on a reader connection, so an answer is one consistent snapshot.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/arena.h"
#include "store_int.h"

#define DEFAULT_LIMIT 1000

static fl_err bind_err(struct fl_store__conn *c, struct fl_diag *d)
{
    return fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
}


static int bind_ts(sqlite3_stmt *st, int i, int64_t ts)
{
    return ts == FL_TS_NONE ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, ts);
}

/* Counts are stored as SQLite integers (signed 64-bit): clamp the impossible top half. */
static int64_t u64_col(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static uint64_t col_u64(sqlite3_stmt *st, int i)
{
    int64_t v = sqlite3_column_int64(st, i);
    return v > 0 ? (uint64_t)v : 0;
}

static int64_t limit_or_default(size_t limit)
{
    return limit == 0 ? DEFAULT_LIMIT : limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit;
}

/* ---- writing a window ---- */

static fl_err put_window_row(struct fl_store *s, const struct fl_store_window *w, struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e = fl_store__stmt(&s->w, FL_ST_W_WIN_PUT, &st, d);
    if (e != FL_OK)
        return e;
    if ((fl_store__bind_text(st, 1, w->model) | fl_store__bind_text(st, 2, w->version) |
         sqlite3_bind_int64(st, 3, w->start_ms) | sqlite3_bind_int64(st, 4, w->end_ms) |
         sqlite3_bind_int64(st, 5, u64_col(w->rows)) |
         sqlite3_bind_blob64(st, 6, w->profile ? w->profile : "", w->profile_len, SQLITE_STATIC)) !=
        SQLITE_OK)
        return bind_err(&s->w, d);
    return fl_store__run(&s->w, st, d, "write window profile");
}

static fl_err put_drift_row(struct fl_store *s, int64_t run, const struct fl_store_drift_row *r,
                            struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e = fl_store__stmt(&s->w, FL_ST_W_DROW_ADD, &st, d);
    if (e != FL_OK)
        return e;
    if ((sqlite3_bind_int64(st, 1, run) | fl_store__bind_text(st, 2, r->feature ? r->feature : "") |
         fl_store__bind_text(st, 3, r->check ? r->check : "") |
         fl_store__bind_text(st, 4, r->method) | fl_store__bind_text(st, 5, r->kind) |
         fl_store__bind_text(st, 6, r->stat_name) | fl_store__bind_double(st, 7, r->statistic) |
         fl_store__bind_double(st, 8, r->pvalue) | fl_store__bind_double(st, 9, r->score) |
         fl_store__bind_double(st, 10, r->threshold) | sqlite3_bind_int(st, 11, r->drifted) |
         sqlite3_bind_int(st, 12, r->exact) | sqlite3_bind_int64(st, 13, u64_col(r->n_ref)) |
         sqlite3_bind_int64(st, 14, u64_col(r->n_cur)) | fl_store__bind_text(st, 15, r->detail)) !=
        SQLITE_OK)
        return bind_err(&s->w, d);
    return fl_store__run(&s->w, st, d, "write drift row");
}

/* Upsert the run's summary (its id comes back), drop the rows it had, write the new ones. */
static fl_err put_drift_run(struct fl_store *s, const struct fl_store_drift_run *r,
                            struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e = fl_store__stmt(&s->w, FL_ST_W_DRUN_PUT, &st, d);
    if (e != FL_OK)
        return e;
    if ((fl_store__bind_text(st, 1, r->model) | fl_store__bind_text(st, 2, r->version) |
         sqlite3_bind_int64(st, 3, r->start_ms) | sqlite3_bind_int64(st, 4, r->end_ms) |
         fl_store__bind_text(st, 5, r->baseline) | fl_store__bind_text(st, 6, r->baseline_source) |
         bind_ts(st, 7, r->baseline_start_ms) | bind_ts(st, 8, r->baseline_end_ms) |
         fl_store__bind_text(st, 9, r->status) | fl_store__bind_text(st, 10, r->message) |
         sqlite3_bind_int64(st, 11, u64_col(r->ref_rows)) |
         sqlite3_bind_int64(st, 12, u64_col(r->cur_rows)) |
         sqlite3_bind_int64(st, 13, u64_col(r->n_features)) |
         sqlite3_bind_int64(st, 14, u64_col(r->n_drifted)) |
         fl_store__bind_double(st, 15, r->share) | sqlite3_bind_int(st, 16, r->dataset_drift)) !=
        SQLITE_OK)
        return bind_err(&s->w, d);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        e = fl_store__sqlerr(s->w.db, rc == SQLITE_DONE ? SQLITE_ERROR : rc, d, "write drift run");
        sqlite3_reset(st);
        return e;
    }
    int64_t id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if ((e = fl_store__stmt(&s->w, FL_ST_W_DROWS_DEL, &st, d)) != FL_OK)
        return e;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
        return bind_err(&s->w, d);
    if ((e = fl_store__run(&s->w, st, d, "replace drift rows")) != FL_OK)
        return e;
    for (size_t i = 0; i < r->n_rows && e == FL_OK; i++)
        e = put_drift_row(s, id, &r->rows[i], d);
    return e;
}

static fl_err check_window(const struct fl_store_window *w, const struct fl_store_drift_run *runs,
                           size_t n_runs, struct fl_diag *d)
{
    if (!w || !w->model || !*w->model || !w->version || !*w->version)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "a window needs a model and a version");
    if (n_runs && !runs)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no drift runs given");
    for (size_t i = 0; i < n_runs; i++) {
        const struct fl_store_drift_run *r = &runs[i];
        if (!r->model || strcmp(r->model, w->model) || !r->version ||
            strcmp(r->version, w->version) || r->start_ms != w->start_ms)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "drift run %zu is not of this window", i);
        if (!r->baseline || !*r->baseline || !r->status || !*r->status)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "drift run %zu needs a baseline and a status",
                               i);
        if (r->n_rows && !r->rows)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "drift run %zu has no rows", i);
    }
    return FL_OK;
}

fl_err fl_store_window_put(struct fl_store *s, const struct fl_store_window *w,
                           const struct fl_store_drift_run *runs, size_t n_runs, struct fl_diag *d)
{
    if (!s)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store");
    fl_err e = check_window(w, runs, n_runs, d);
    if (e != FL_OK)
        return e;
    if (!s->w.db)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "store opened read-only");
    pthread_mutex_lock(&s->wmu);
    if ((e = fl_store__begin(s, d)) == FL_OK) {
        e = put_window_row(s, w, d);
        for (size_t i = 0; i < n_runs && e == FL_OK; i++)
            e = put_drift_run(s, &runs[i], d);
        if (e == FL_OK)
            e = fl_store__commit(s, d);
        if (e != FL_OK)
            fl_store__rollback(s);
    }
    pthread_mutex_unlock(&s->wmu);
    return e;
}

fl_err fl_store_windows_retain(struct fl_store *s, int64_t before_ms, uint64_t *n_deleted,
                               struct fl_diag *d)
{
    static const enum fl_store__stmt ids[] = {FL_ST_R_DROWS, FL_ST_R_DRUNS, FL_ST_R_WIN};
    if (n_deleted)
        *n_deleted = 0;
    if (!s)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store");
    if (!s->w.db)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "store opened read-only");
    pthread_mutex_lock(&s->wmu);
    fl_err e = fl_store__begin(s, d);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0] && e == FL_OK; i++) {
        sqlite3_stmt *st;
        if ((e = fl_store__stmt(&s->w, ids[i], &st, d)) != FL_OK)
            break;
        if (sqlite3_bind_int64(st, 1, before_ms) != SQLITE_OK) {
            e = bind_err(&s->w, d);
            break;
        }
        if ((e = fl_store__run(&s->w, st, d, "delete old windows")) == FL_OK &&
            ids[i] == FL_ST_R_WIN && n_deleted)
            *n_deleted = (uint64_t)sqlite3_changes64(s->w.db);
    }
    if (e == FL_OK)
        e = fl_store__commit(s, d);
    if (e != FL_OK) {
        fl_store__rollback(s);
        if (n_deleted)
            *n_deleted = 0;
    }
    pthread_mutex_unlock(&s->wmu);
    return e;
}

/* ---- reads ---- */

fl_err fl_store_windows(struct fl_store *s, const char *model, const char *version,
                        int64_t start_ms, int64_t end_ms, bool with_profile, bool newest_first,
                        size_t limit, fl_store_window_fn fn, void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    int rc;
    if (!s || !model || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, model or callback");
    fl_err e = fl_store__read_begin(s, &c, d);
    if (e != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, newest_first ? FL_ST_Q_WINDOWS_DESC : FL_ST_Q_WINDOWS, &st, d)) !=
        FL_OK)
        goto out;
    if ((fl_store__bind_text(st, 1, model) | fl_store__bind_text(st, 2, version) |
         sqlite3_bind_int64(st, 3, start_ms) | sqlite3_bind_int64(st, 4, end_ms) |
         sqlite3_bind_int(st, 5, with_profile) |
         sqlite3_bind_int64(st, 6, limit_or_default(limit))) != SQLITE_OK) {
        e = bind_err(c, d);
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_store_window w = {
            .model = fl_store__col_text(st, 0, ""),
            .version = fl_store__col_text(st, 1, ""),
            .start_ms = sqlite3_column_int64(st, 2),
            .end_ms = sqlite3_column_int64(st, 3),
            .rows = col_u64(st, 4),
        };
        if (with_profile) {
            w.profile = sqlite3_column_blob(st, 5);
            int n = sqlite3_column_bytes(st, 5);
            w.profile_len = n > 0 ? (size_t)n : 0;
            if (!w.profile)
                w.profile = "";
        }
        if (fn(&w, ud)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        e = fl_store__sqlerr(c->db, rc, d, "read window profiles");
    sqlite3_reset(st);
out:
    fl_store__read_end(s, c);
    return e;
}

FL_STORE__GROW_FN(grow_rows, struct fl_store_drift_row)

/* The rows of run id into the arena-backed array *rows (grown as needed). */
static fl_err read_rows(struct fl_store__conn *c, int64_t id, struct fl_arena *a,
                        struct fl_store_drift_row **rows, size_t *cap, size_t *n, struct fl_diag *d)
{
    sqlite3_stmt *st;
    int rc;
    *n = 0;
    fl_err e = fl_store__stmt(c, FL_ST_Q_DROWS, &st, d);
    if (e != FL_OK)
        return e;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
        return bind_err(c, d);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (grow_rows(rows, cap, *n + 1) != FL_OK) {
            sqlite3_reset(st);
            return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading drift rows");
        }
        struct fl_store_drift_row *r = &(*rows)[(*n)++];
        const char *txt[6];
        static const int cols[6] = {0, 1, 2, 3, 4, 13};
        for (size_t k = 0; k < 6; k++) {
            const char *t = fl_store__col_text(st, cols[k], NULL);
            txt[k] = t ? fl_arena_strdup(a, t) : NULL;
            if (t && !txt[k]) {
                sqlite3_reset(st);
                return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading drift rows");
            }
        }
        r->feature = txt[0] ? txt[0] : "";
        r->check = txt[1] ? txt[1] : "";
        r->method = txt[2];
        r->kind = txt[3];
        r->stat_name = txt[4];
        r->detail = txt[5];
        r->statistic = fl_store__col_double(st, 5);
        r->pvalue = fl_store__col_double(st, 6);
        r->score = fl_store__col_double(st, 7);
        r->threshold = fl_store__col_double(st, 8);
        r->drifted = sqlite3_column_int(st, 9) != 0;
        r->exact = sqlite3_column_int(st, 10) != 0;
        r->n_ref = col_u64(st, 11);
        r->n_cur = col_u64(st, 12);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? FL_OK : fl_store__sqlerr(c->db, rc, d, "read drift rows");
}

/* The run summaries first (copied into the arena), then each run's rows: the summary statement
 * stays unstepped while the rows statement runs on the same connection. */
struct run_list {
    struct fl_store_drift_run *v;
    int64_t *ids;
    size_t n, cap;
};

static fl_err read_runs(struct fl_store__conn *c, const char *model, const char *version,
                        int64_t start_ms, int64_t end_ms, size_t limit, struct fl_arena *a,
                        struct run_list *l, struct fl_diag *d)
{
    sqlite3_stmt *st;
    int rc;
    fl_err e = fl_store__stmt(c, FL_ST_Q_DRUNS, &st, d);
    if (e != FL_OK)
        return e;
    if ((fl_store__bind_text(st, 1, model) | fl_store__bind_text(st, 2, version) |
         sqlite3_bind_int64(st, 3, start_ms) | sqlite3_bind_int64(st, 4, end_ms) |
         sqlite3_bind_int64(st, 5, limit_or_default(limit))) != SQLITE_OK)
        return bind_err(c, d);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (l->n == l->cap) {
            size_t ncap = l->cap ? 2 * l->cap : 16;
            struct fl_store_drift_run *nv = fl_reallocarray(l->v, ncap, sizeof *nv);
            if (nv)
                l->v = nv;
            int64_t *ni = nv ? fl_reallocarray(l->ids, ncap, sizeof *ni) : NULL;
            if (!ni) {
                sqlite3_reset(st);
                return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading drift runs");
            }
            l->ids = ni;
            l->cap = ncap;
        }
        struct fl_store_drift_run *r = &l->v[l->n];
        memset(r, 0, sizeof *r);
        l->ids[l->n] = sqlite3_column_int64(st, 0);
        static const int tcols[6] = {1, 2, 5, 6, 9, 10};
        const char *txt[6];
        for (size_t k = 0; k < 6; k++) {
            const char *t = fl_store__col_text(st, tcols[k], NULL);
            txt[k] = t ? fl_arena_strdup(a, t) : NULL;
            if (t && !txt[k]) {
                sqlite3_reset(st);
                return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading drift runs");
            }
        }
        r->model = txt[0] ? txt[0] : "";
        r->version = txt[1] ? txt[1] : "";
        r->baseline = txt[2] ? txt[2] : "";
        r->baseline_source = txt[3];
        r->status = txt[4] ? txt[4] : "";
        r->message = txt[5];
        r->start_ms = sqlite3_column_int64(st, 3);
        r->end_ms = sqlite3_column_int64(st, 4);
        r->baseline_start_ms = fl_store__col_ts(st, 7);
        r->baseline_end_ms = fl_store__col_ts(st, 8);
        r->ref_rows = col_u64(st, 11);
        r->cur_rows = col_u64(st, 12);
        r->n_features = (size_t)col_u64(st, 13);
        r->n_drifted = (size_t)col_u64(st, 14);
        r->share = fl_store__col_double(st, 15);
        r->dataset_drift = sqlite3_column_int(st, 16) != 0;
        l->n++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? FL_OK : fl_store__sqlerr(c->db, rc, d, "read drift runs");
}

fl_err fl_store_drift_runs(struct fl_store *s, const char *model, const char *version,
                           int64_t start_ms, int64_t end_ms, size_t limit, fl_store_drift_fn fn,
                           void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    struct run_list l = {0};
    struct fl_store_drift_row *rows = NULL;
    size_t cap = 0;
    struct fl_arena a;
    if (!s || !model || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, model or callback");
    fl_arena_init(&a, 16384, FL_LIMIT_BATCH_ARENA_BYTES);
    fl_err e = fl_store__read_begin(s, &c, d);
    if (e == FL_OK)
        e = read_runs(c, model, version, start_ms, end_ms, limit, &a, &l, d);
    for (size_t i = 0; i < l.n && e == FL_OK; i++) {
        size_t n = 0;
        if ((e = read_rows(c, l.ids[i], &a, &rows, &cap, &n, d)) != FL_OK)
            break;
        l.v[i].rows = rows;
        l.v[i].n_rows = n;
        if (fn(&l.v[i], ud))
            break;
    }
    fl_store__read_end(s, c);
    fl_free(rows);
    fl_free(l.v);
    fl_free(l.ids);
    fl_arena_cleanup(&a);
    return e;
}

fl_err fl_store_reg_artifacts(struct fl_store *s, const char *model, const char *version,
                              fl_store_artifacts_fn fn, void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    if (!s || !model || !version || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, model, version or callback");
    fl_err e = fl_store__reader_get(s, &c, d);
    if (e != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_REG_ARTIFACTS, &st, d)) != FL_OK)
        goto out;
    if ((fl_store__bind_text(st, 1, model) | fl_store__bind_text(st, 2, version)) != SQLITE_OK) {
        e = bind_err(c, d);
        goto out;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *p =
            sqlite3_column_type(st, 0) == SQLITE_NULL ? NULL : sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        const char *schema = fl_store__col_text(st, 1, NULL);
        if (sqlite3_column_type(st, 0) != SQLITE_NULL && !p)
            p = ""; /* an empty blob */
        fn(p, n > 0 ? (size_t)n : 0, schema, ud);
    } else if (rc == SQLITE_DONE) {
        fn(NULL, 0, NULL, ud);
    } else {
        e = fl_store__sqlerr(c->db, rc, d, "read registry artifacts");
    }
    sqlite3_reset(st);
out:
    fl_store__reader_put(s, c);
    return e;
}
