/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query.c: reading spans, inferences, outcomes, events and the model registry.
 *
 * Each query borrows a reader connection, steps one cached statement and hands each row to the
 * caller's callback as a record whose strings point into SQLite's row (valid during the call
 * only). Optional filters pick among fixed statements so that each can use its index; no SQL text
 * is ever built at run time.
 */
#include <ctype.h>
#include <string.h>

#include "../core/limits.h"
#include "codec.h"
#include "store_int.h"

static void copy_id(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static void row_span(sqlite3_stmt *st, struct fl_span *sp)
{
    memset(sp, 0, sizeof *sp);
    copy_id(sp->trace_id, sizeof sp->trace_id, fl_store__col_text(st, 0, ""));
    copy_id(sp->span_id, sizeof sp->span_id, fl_store__col_text(st, 1, ""));
    copy_id(sp->parent_span_id, sizeof sp->parent_span_id, fl_store__col_text(st, 2, ""));
    sp->service = fl_store__col_text(st, 3, "");
    sp->name = fl_store__col_text(st, 4, "");
    sp->kind = sqlite3_column_int(st, 5);
    sp->start_ns = sqlite3_column_int64(st, 6);
    sp->end_ns = sqlite3_column_int64(st, 7);
    sp->status_code = sqlite3_column_int(st, 8);
    sp->status_message = fl_store__col_text(st, 9, "");
    sp->scope_name = fl_store__col_text(st, 10, "");
    sp->attrs_json = fl_store__col_text(st, 11, "{}");
    sp->resource_json = fl_store__col_text(st, 12, "{}");
    sp->events_json = fl_store__col_text(st, 13, "[]");
    sp->links_json = fl_store__col_text(st, 14, "[]");
}

/* Step st, calling fn on each span; *n counts rows. */
static fl_err each_span(struct fl_store__conn *c, sqlite3_stmt *st, fl_store_span_fn fn, void *ud,
                        size_t *n, struct fl_diag *d)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_span sp;
        row_span(st, &sp);
        (*n)++;
        if (fn(&sp, ud))
            return FL_OK;
    }
    return rc == SQLITE_DONE ? FL_OK : fl_store__sqlerr(c->db, rc, d, "read spans");
}

fl_err fl_store_trace(struct fl_store *s, const char *trace_id, fl_store_span_fn fn, void *ud,
                      struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    char id[33];
    sqlite3_stmt *st;
    size_t n = 0;
    fl_err e;

    if (!s || !fn || !trace_id)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, trace id or callback");
    size_t len = strlen(trace_id);
    if (len != 32)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "trace id must be 32 hex digits, got %zu chars",
                           len);
    for (size_t i = 0; i < 32; i++) {
        if (!isxdigit((unsigned char)trace_id[i]))
            return fl_diag_set(d, FL_EINVAL, 0, (unsigned long)i + 1,
                               "trace id must be 32 hex digits");
        id[i] = (char)tolower((unsigned char)trace_id[i]);
    }
    id[32] = '\0';
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_TRACE, &st, d)) != FL_OK)
        goto out;
    if ((sqlite3_bind_text(st, 1, id, 32, SQLITE_STATIC) |
         sqlite3_bind_int64(st, 2, fl_store__key(id))) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    if ((e = each_span(c, st, fn, ud, &n, d)) == FL_OK && n == 0)
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0, "trace %s not found", id);
out:
    fl_store__reader_put(s, c);
    return e;
}

static int64_t sql_limit(size_t limit, int64_t dflt)
{
    if (limit == 0)
        return dflt;
    return limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit;
}

fl_err fl_store_spans(struct fl_store *s, const struct fl_span_query *q, fl_store_span_fn fn,
                      void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    size_t n = 0;
    fl_err e;

    if (!s || !q || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, query or callback");
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, q->service ? FL_ST_Q_SPANS_SVC : FL_ST_Q_SPANS_ANY, &st, d)) !=
        FL_OK)
        goto out;
    if (((q->service ? fl_store__bind_text(st, 1, q->service) : SQLITE_OK) |
         fl_store__bind_text(st, 2, q->operation) | sqlite3_bind_int64(st, 3, q->start_ns) |
         sqlite3_bind_int64(st, 4, q->end_ns) | sqlite3_bind_int64(st, 5, q->min_duration_ns) |
         sqlite3_bind_int(st, 6, q->error_only != 0) |
         sqlite3_bind_int64(st, 7, sql_limit(q->limit, 1000))) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    e = each_span(c, st, fn, ud, &n, d);
out:
    fl_store__reader_put(s, c);
    return e;
}

/* ---- inferences and outcomes ---- */

static fl_err row_inference(sqlite3_stmt *st, struct fl_arena *a, struct fl_inference *r,
                            struct fl_diag *d)
{
    struct fl_feature *f = NULL;
    struct fl_label *seg = NULL;
    double *scores = NULL;
    fl_err e;

    memset(r, 0, sizeof *r);
    fl_arena_reset(a);
    r->ts_ms = sqlite3_column_int64(st, 1);
    r->request_id = fl_store__col_text(st, 2, "");
    r->trace_id = fl_store__col_text(st, 3, NULL);
    r->model = fl_store__col_text(st, 4, "");
    r->model_version = fl_store__col_text(st, 5, "");
    r->pred_kind = sqlite3_column_int(st, 7);
    r->score = fl_store__col_double(st, 8);
    r->pred_class = fl_store__col_text(st, 9, NULL);
    r->latency_ms = fl_store__col_double(st, 12);
    if ((e = fl_store_features_decode(
             sqlite3_column_blob(st, 13), (size_t)sqlite3_column_bytes(st, 13),
             sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6), a, &f,
             &r->n_features)) != FL_OK ||
        (e = fl_store_labels_decode(sqlite3_column_blob(st, 11),
                                    (size_t)sqlite3_column_bytes(st, 11), a, &seg,
                                    &r->n_segments)) != FL_OK)
        goto bad;
    if (sqlite3_column_type(st, 10) != SQLITE_NULL &&
        (e = fl_store_doubles_decode(sqlite3_column_blob(st, 10),
                                     (size_t)sqlite3_column_bytes(st, 10), a, &scores,
                                     &r->n_scores)) != FL_OK)
        goto bad;
    r->features = f;
    r->segments = seg;
    r->scores = scores;
    return FL_OK;
bad:
    return fl_diag_set(d, e == FL_EPARSE ? FL_ESTORE : e, 0, 0, "cannot decode inference row %lld",
                       (long long)sqlite3_column_int64(st, 0));
}

static void row_outcome(sqlite3_stmt *st, struct fl_outcome *o)
{
    o->ts_ms = sqlite3_column_int64(st, 0);
    o->request_id = fl_store__col_text(st, 1, "");
    o->name = fl_store__col_text(st, 2, "");
    o->value = fl_store__col_double(st, 3);
    o->attrs_json = fl_store__col_text(st, 4, "{}");
}

static fl_err each_inference(struct fl_store__conn *c, sqlite3_stmt *st, fl_store_inference_fn fn,
                             void *ud, size_t *n, struct fl_diag *d)
{
    struct fl_arena a;
    fl_err e = FL_OK;
    int rc;
    fl_arena_init(&a, 4096, FL_LIMIT_BATCH_ARENA_BYTES);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_inference r;
        if ((e = row_inference(st, &a, &r, d)) != FL_OK)
            goto out;
        (*n)++;
        if (fn && fn(&r, ud))
            goto out;
    }
    if (rc != SQLITE_DONE)
        e = fl_store__sqlerr(c->db, rc, d, "read inferences");
out:
    fl_arena_cleanup(&a);
    return e;
}

static fl_err each_outcome(struct fl_store__conn *c, sqlite3_stmt *st, fl_store_outcome_fn fn,
                           void *ud, size_t *n, struct fl_diag *d)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_outcome o;
        row_outcome(st, &o);
        (*n)++;
        if (fn && fn(&o, ud))
            return FL_OK;
    }
    return rc == SQLITE_DONE ? FL_OK : fl_store__sqlerr(c->db, rc, d, "read outcomes");
}

fl_err fl_store_request(struct fl_store *s, const char *request_id, fl_store_inference_fn fi,
                        fl_store_outcome_fn fo, void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    size_t n = 0;
    fl_err e;

    if (!s || !request_id)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or request id");
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_REQ_INF, &st, d)) != FL_OK)
        goto out;
    if ((fl_store__bind_text(st, 1, request_id) |
         sqlite3_bind_int64(st, 2, fl_store__key(request_id))) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    if ((e = each_inference(c, st, fi, ud, &n, d)) != FL_OK)
        goto out;
    sqlite3_reset(st); /* the row's strings are no longer needed */
    if ((e = fl_store__stmt(c, FL_ST_Q_REQ_OUT, &st, d)) != FL_OK)
        goto out;
    if ((fl_store__bind_text(st, 1, request_id) |
         sqlite3_bind_int64(st, 2, fl_store__key(request_id))) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    if ((e = each_outcome(c, st, fo, ud, &n, d)) == FL_OK && n == 0)
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0, "request %s not found", request_id);
out:
    fl_store__reader_put(s, c);
    return e;
}

fl_err fl_store_inferences(struct fl_store *s, const struct fl_inference_query *q,
                           fl_store_inference_fn fn, void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    size_t n = 0;
    fl_err e;

    if (!s || !q || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, query or callback");
    enum fl_store__stmt id = q->model && q->version ? FL_ST_Q_INF_MV
                             : q->model             ? FL_ST_Q_INF_M
                                                    : FL_ST_Q_INF_ANY;
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, id, &st, d)) != FL_OK)
        goto out;
    if ((fl_store__bind_text(st, 1, q->model) | fl_store__bind_text(st, 2, q->version) |
         sqlite3_bind_int64(st, 3, q->start_ms) | sqlite3_bind_int64(st, 4, q->end_ms) |
         sqlite3_bind_int64(st, 5, sql_limit(q->limit, -1)) |
         (id == FL_ST_Q_INF_MV ? sqlite3_bind_int64(st, 6, fl_store__key2(q->model, q->version))
                               : SQLITE_OK)) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    e = each_inference(c, st, fn, ud, &n, d);
out:
    fl_store__reader_put(s, c);
    return e;
}

fl_err fl_store_outcomes(struct fl_store *s, int64_t start_ms, int64_t end_ms,
                         fl_store_outcome_fn fn, void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    size_t n = 0;
    fl_err e;

    if (!s || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or callback");
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_OUTCOMES, &st, d)) != FL_OK)
        goto out;
    if ((sqlite3_bind_int64(st, 1, start_ms) | sqlite3_bind_int64(st, 2, end_ms)) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    e = each_outcome(c, st, fn, ud, &n, d);
out:
    fl_store__reader_put(s, c);
    return e;
}

/* ---- events and models ---- */

fl_err fl_store_events(struct fl_store *s, const struct fl_event_query *q, fl_store_event_fn fn,
                       void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    fl_err e;
    int rc;

    if (!s || !q || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, query or callback");
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_EVENTS, &st, d)) != FL_OK)
        goto out;
    if ((sqlite3_bind_int64(st, 1, q->start_ms) | sqlite3_bind_int64(st, 2, q->end_ms) |
         fl_store__bind_text(st, 3, q->kind) | fl_store__bind_text(st, 4, q->component) |
         sqlite3_bind_int64(st, 5, sql_limit(q->limit, 1000))) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_event ev = {
            .id = fl_store__col_text(st, 0, ""),
            .ts_ms = sqlite3_column_int64(st, 1),
            .end_ms = sqlite3_column_type(st, 2) == SQLITE_NULL ? FL_TS_NONE
                                                                : sqlite3_column_int64(st, 2),
            .kind = fl_store__col_text(st, 3, ""),
            .component = fl_store__col_text(st, 4, ""),
            .status = fl_store__col_text(st, 5, NULL),
            .rows = sqlite3_column_int64(st, 6),
            .message = fl_store__col_text(st, 7, ""),
            .attrs_json = fl_store__col_text(st, 8, "{}"),
        };
        if (fn(&ev, ud))
            goto out;
    }
    if (rc != SQLITE_DONE)
        e = fl_store__sqlerr(c->db, rc, d, "read events");
out:
    fl_store__reader_put(s, c);
    return e;
}

static int64_t col_ts(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? FL_TS_NONE : sqlite3_column_int64(st, i);
}

fl_err fl_store_models(struct fl_store *s, const char *model, fl_store_model_fn fn, void *ud,
                       struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    fl_err e;
    int rc;

    if (!s || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or callback");
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_MODELS, &st, d)) != FL_OK)
        goto out;
    if (fl_store__bind_text(st, 1, model) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_model_info m;
        memset(&m, 0, sizeof m);
        m.v.model = fl_store__col_text(st, 0, "");
        m.v.version = fl_store__col_text(st, 1, "");
        m.v.stage = fl_store__col_text(st, 2, NULL);
        m.v.ts_ms = col_ts(st, 3);
        m.v.attrs_json = fl_store__col_text(st, 4, NULL);
        m.first_seen_ms = col_ts(st, 5);
        m.last_seen_ms = col_ts(st, 6);
        int64_t n = sqlite3_column_int64(st, 7);
        m.n_inferences = n > 0 ? (uint64_t)n : 0;
        if (fn(&m, ud))
            goto out;
    }
    if (rc != SQLITE_DONE)
        e = fl_store__sqlerr(c->db, rc, d, "read models");
out:
    fl_store__reader_put(s, c);
    return e;
}
