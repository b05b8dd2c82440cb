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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/limits.h"
#include "attrs.h"
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

/* Decoding span attributes: the reader connection (for keys not loaded yet) and the text. */
struct attr_rd {
    struct fl_store *s;
    struct fl_store__conn *c;
    struct fl_buf text;
};

static void attr_rd_init(struct attr_rd *ar, struct fl_store *s, struct fl_store__conn *c)
{
    ar->s = s;
    ar->c = c;
    fl_buf_init(&ar->text, FL_LIMIT_BATCH_ARENA_BYTES);
}

/* fl_store_attr_name_fn: key id -> text, from the store's shared table, loading it once. */
static fl_err attr_name(void *ud, uint64_t id, const char **key, size_t *len)
{
    struct attr_rd *ar = ud;
    struct fl_store *s = ar->s;
    fl_err e = FL_OK;
    pthread_mutex_lock(&s->akmu);
    int have = id < s->n_akeys && s->akeys[id].p;
    if (have) {
        *key = s->akeys[id].p;
        *len = s->akeys[id].len;
    }
    pthread_mutex_unlock(&s->akmu);
    if (have)
        return FL_OK;
    if (id > FL_STORE_ATTR_KEYS_MAX)
        return FL_EPARSE;
    sqlite3_stmt *st;
    if ((e = fl_store__stmt(ar->c, FL_ST_Q_AKEY, &st, NULL)) != FL_OK)
        return e;
    if (sqlite3_bind_int64(st, 1, (int64_t)id) != SQLITE_OK)
        return FL_ESTORE;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? FL_EPARSE : FL_ESTORE;
    }
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    char *copy = fl_malloc(n + 1);
    if (copy) {
        if (n)
            memcpy(copy, sqlite3_column_blob(st, 0), n);
        copy[n] = '\0';
    }
    sqlite3_reset(st);
    if (!copy)
        return FL_ENOMEM;
    pthread_mutex_lock(&s->akmu);
    if (id >= s->n_akeys) {
        size_t ncap = (size_t)id + 64 > FL_STORE_ATTR_KEYS_MAX + 1 ? FL_STORE_ATTR_KEYS_MAX + 1
                                                                   : (size_t)id + 64;
        struct fl_str *nk = fl_realloc(s->akeys, ncap * sizeof *nk);
        if (nk) {
            memset(nk + s->n_akeys, 0, (ncap - s->n_akeys) * sizeof *nk);
            s->akeys = nk;
            s->n_akeys = ncap;
        } else {
            e = FL_ENOMEM;
        }
    }
    if (e == FL_OK && !s->akeys[id].p) {
        s->akeys[id] = (struct fl_str){copy, n};
        copy = NULL;
    }
    if (e == FL_OK) {
        *key = s->akeys[id].p;
        *len = s->akeys[id].len;
    }
    pthread_mutex_unlock(&s->akmu);
    fl_free(copy);
    return e;
}

static fl_err row_span(sqlite3_stmt *st, struct fl_span *sp, struct attr_rd *ar,
                       struct fl_diag *d)
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
    sp->resource_json = fl_store__col_text(st, 12, "{}");
    sp->events_json = fl_store__col_text(st, 13, "[]");
    sp->links_json = fl_store__col_text(st, 14, "[]");
    if (sqlite3_column_type(st, 11) != SQLITE_BLOB) {
        sp->attrs_json = fl_store__col_text(st, 11, "{}");
        return FL_OK;
    }
    fl_buf_reset(&ar->text);
    const void *p = sqlite3_column_blob(st, 11);
    fl_err e = fl_store_attrs_decode(p, (size_t)sqlite3_column_bytes(st, 11), attr_name, ar,
                                     &ar->text);
    if (e == FL_OK)
        e = fl_buf_err(&ar->text);
    if (e != FL_OK)
        return fl_diag_set(d, e, 0, 0, "span %s: cannot decode its stored attributes",
                           sp->span_id);
    sp->attrs_json = ar->text.data;
    return FL_OK;
}

/* Step st, calling fn on each span; *n counts rows. */
static fl_err each_span(struct fl_store__conn *c, sqlite3_stmt *st, struct attr_rd *ar,
                        fl_store_span_fn fn, void *ud, size_t *n, struct fl_diag *d)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_span sp;
        fl_err e = row_span(st, &sp, ar, d);
        if (e != FL_OK)
            return e;
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
    struct attr_rd ar = {0};
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
    attr_rd_init(&ar, s, c);
    if ((e = each_span(c, st, &ar, fn, ud, &n, d)) == FL_OK && n == 0)
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0, "trace %s not found", id);
out:
    fl_store__reader_put(s, c);
    fl_buf_cleanup(&ar.text);
    return e;
}

/* A candidate span of fl_store_spans: ordered by (start_ns, id), newest greatest. */
struct cand {
    int64_t start, id;
};

FL_STORE__GROW_FN(grow_cand, struct cand)

static int cand_less(const struct cand *a, const struct cand *b)
{
    return a->start < b->start || (a->start == b->start && a->id < b->id);
}

/* Min-heap of the newest candidates so far: h[0] is the oldest kept. */
static void heap_down(struct cand *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && cand_less(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && cand_less(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        struct cand t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_up(struct cand *h, size_t i)
{
    while (i > 0 && cand_less(&h[i], &h[(i - 1) / 2])) {
        struct cand t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static int cand_newest_first(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    return cand_less(y, x) ? -1 : cand_less(x, y) ? 1 : 0;
}

/* The `limit` best candidates so far (best = greatest; for oldest-first queries the keys are
 * stored bit-inverted, which reverses their order). */
struct topn {
    struct cand *h;
    size_t n, cap, limit;
};

/* Offer one matching row: kept while it is among the `limit` best seen. */
static fl_err offer(struct topn *k, struct cand c)
{
    if (k->n < k->limit) {
        if (grow_cand(&k->h, &k->cap, k->n + 1) != FL_OK)
            return FL_ENOMEM;
        k->h[k->n] = c;
        heap_up(k->h, k->n++);
    } else if (cand_less(&k->h[0], &c)) {
        k->h[0] = c;
        heap_down(k->h, k->n, 0);
    }
    return FL_OK;
}

/*
 * Spans and inferences carry no time index: each written batch is a block (a rowid range with
 * bounds on its times; write.c). bl yields the blocks that may match as (first_id, last_id,
 * bound[, model_key]), best bound first (newest max start, or with asc oldest min time); for each,
 * rows (bound to ?8/?9 = the rowid range and ?7 = the block's model_key when has_key) yields the
 * matches as (id, time), which enter the heap of the `limit` best. The walk stops once a block's
 * bound is worse than the worst kept row of a full heap: no later block can do better.
 */
static fl_err collect(struct fl_store__conn *c, sqlite3_stmt *bl, sqlite3_stmt *rows, int asc,
                      int has_key, struct topn *k, struct fl_diag *d)
{
    fl_err e = FL_OK;
    int rc;
    while ((rc = sqlite3_step(bl)) == SQLITE_ROW) {
        int64_t bound = sqlite3_column_int64(bl, 2);
        if (asc)
            bound = ~bound;
        if (k->n == k->limit && bound < k->h[0].start)
            break;
        if ((sqlite3_bind_int64(rows, 8, sqlite3_column_int64(bl, 0)) |
             sqlite3_bind_int64(rows, 9, sqlite3_column_int64(bl, 1)) |
             (has_key ? sqlite3_bind_int64(rows, 7, sqlite3_column_int64(bl, 3)) : SQLITE_OK)) !=
            SQLITE_OK) {
            e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
            goto out;
        }
        while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
            int64_t t = sqlite3_column_int64(rows, 1), id = sqlite3_column_int64(rows, 0);
            struct cand x = {asc ? ~t : t, asc ? ~id : id};
            if (offer(k, x) != FL_OK) {
                e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading a query's rows");
                goto out;
            }
        }
        sqlite3_reset(rows);
        if (rc != SQLITE_DONE) {
            e = fl_store__sqlerr(c->db, rc, d, "read rows");
            goto out;
        }
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        e = fl_store__sqlerr(c->db, rc, d, "read blocks");
out:
    sqlite3_reset(rows);
    sqlite3_reset(bl);
    if (e == FL_OK && k->n > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(k->h, k->n, sizeof *k->h, cand_newest_first);
    return e;
}

/* Bind the filters of q (parameters ?1..?6 of Q_SBLOCKS_* and Q_SPANS_IN). */
static int bind_span_filters(sqlite3_stmt *st, const struct fl_span_query *q, int rows)
{
    return (q->service || rows ? fl_store__bind_text(st, 1, q->service) : SQLITE_OK) |
           (rows ? fl_store__bind_text(st, 2, q->operation) : SQLITE_OK) |
           sqlite3_bind_int64(st, 3, q->start_ns) | sqlite3_bind_int64(st, 4, q->end_ns) |
           (rows ? sqlite3_bind_int64(st, 5, q->min_duration_ns) |
                       sqlite3_bind_int(st, 6, q->error_only != 0)
                 : SQLITE_OK);
}

/* The spans of q in the heap, newest first (see collect). */
static fl_err collect_spans(struct fl_store__conn *c, const struct fl_span_query *q,
                            struct topn *k, struct fl_diag *d)
{
    sqlite3_stmt *bl, *rows;
    fl_err e;
    if ((e = fl_store__stmt(c, q->service ? FL_ST_Q_SBLOCKS_SVC : FL_ST_Q_SBLOCKS_ANY, &bl, d)) !=
            FL_OK ||
        (e = fl_store__stmt(c, FL_ST_Q_SPANS_IN, &rows, d)) != FL_OK)
        return e;
    if ((bind_span_filters(bl, q, 0) | bind_span_filters(rows, q, 1)) != SQLITE_OK)
        return fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
    return collect(c, bl, rows, 0, 0, k, d);
}

fl_err fl_store_spans(struct fl_store *s, const struct fl_span_query *q, fl_store_span_fn fn,
                      void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    struct attr_rd ar = {0};
    struct topn k = {NULL, 0, 0, 0};
    sqlite3_stmt *st;
    int in_txn = 0;
    fl_err e;

    if (!s || !q || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, query or callback");
    k.limit = q->limit ? q->limit : 1000;
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    int rc = sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, rc, d, "begin read");
        goto out;
    }
    in_txn = 1;
    attr_rd_init(&ar, s, c);
    if ((e = collect_spans(c, q, &k, d)) != FL_OK)
        goto out;
    if ((e = fl_store__stmt(c, FL_ST_Q_SPAN_ONE, &st, d)) != FL_OK)
        goto out;
    for (size_t i = 0; i < k.n; i++) {
        int stop = 0;
        if (sqlite3_bind_int64(st, 1, k.h[i].id) != SQLITE_OK) {
            e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
            goto out;
        }
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) { /* the row's strings live until the reset */
            struct fl_span sp;
            if ((e = row_span(st, &sp, &ar, d)) == FL_OK)
                stop = fn(&sp, ud);
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            e = fl_store__sqlerr(c->db, rc, d, "read spans");
        sqlite3_reset(st);
        if (e != FL_OK || stop)
            break;
    }
out:
    if (in_txn)
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    fl_store__reader_put(s, c);
    fl_free(k.h);
    fl_buf_cleanup(&ar.text);
    return e;
}

/* ---- inferences and outcomes ---- */

/* Decoding inference segments: the store's pair dictionary, read through connection c. */
struct seg_rd {
    struct fl_store *s;
    struct fl_store__conn *c;
};

/* Load dictionary pair id into s->segkeys (caller does not hold skmu). */
static fl_err seg_load(struct seg_rd *sr, uint64_t id)
{
    struct fl_store *s = sr->s;
    struct fl_str name, value;
    sqlite3_stmt *st;
    fl_err e;
    if ((e = fl_store__stmt(sr->c, FL_ST_Q_SEGKEY, &st, NULL)) != FL_OK)
        return e;
    if (sqlite3_bind_int64(st, 1, (int64_t)id) != SQLITE_OK)
        return FL_ESTORE;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? FL_EPARSE : FL_ESTORE;
    }
    char *copy = NULL;
    e = fl_store_seg_key_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                                &name, &value);
    /* A NUL inside would cut the strings short: such a pair is not ours. */
    if (e == FL_OK && (memchr(name.p, 0, name.len) || memchr(value.p, 0, value.len)))
        e = FL_EPARSE;
    if (e == FL_OK && !(copy = fl_malloc(name.len + value.len + 2)))
        e = FL_ENOMEM;
    if (e == FL_OK) {
        memcpy(copy, name.p, name.len);
        copy[name.len] = '\0';
        memcpy(copy + name.len + 1, value.p, value.len);
        copy[name.len + 1 + value.len] = '\0';
    }
    sqlite3_reset(st);
    if (e != FL_OK)
        return e;
    pthread_mutex_lock(&s->skmu);
    if (id >= s->n_segkeys) {
        size_t ncap = (size_t)id + 64 > FL_STORE_SEG_KEYS_MAX + 1 ? FL_STORE_SEG_KEYS_MAX + 1
                                                                  : (size_t)id + 64;
        char **nk = fl_realloc(s->segkeys, ncap * sizeof *nk);
        if (nk) {
            memset(nk + s->n_segkeys, 0, (ncap - s->n_segkeys) * sizeof *nk);
            s->segkeys = nk;
            s->n_segkeys = ncap;
        } else {
            e = FL_ENOMEM;
        }
    }
    if (e == FL_OK && !s->segkeys[id]) {
        s->segkeys[id] = copy;
        copy = NULL;
    }
    pthread_mutex_unlock(&s->skmu);
    fl_free(copy);
    return e;
}

/* fl_store_seg_pair_fn: dictionary id -> name and value, loading the pair once. */
static fl_err seg_pair(void *ud, uint64_t id, const char **name, const char **value)
{
    struct seg_rd *sr = ud;
    struct fl_store *s = sr->s;
    if (id > FL_STORE_SEG_KEYS_MAX)
        return FL_EPARSE;
    for (int pass = 0; pass < 2; pass++) {
        pthread_mutex_lock(&s->skmu);
        const char *p = id < s->n_segkeys ? s->segkeys[id] : NULL;
        pthread_mutex_unlock(&s->skmu);
        if (p) {
            *name = p;
            *value = p + strlen(p) + 1;
            return FL_OK;
        }
        fl_err e;
        if (pass == 0 && (e = seg_load(sr, id)) != FL_OK)
            return e;
    }
    return FL_EPARSE;
}

/* Column i as a trace id: 16 bytes (schema 8) become 32 hex digits in the arena; text as is. */
static fl_err col_trace_id(sqlite3_stmt *st, int i, struct fl_arena *a, const char **out)
{
    if (sqlite3_column_type(st, i) != SQLITE_BLOB) {
        *out = fl_store__col_text(st, i, NULL);
        return FL_OK;
    }
    if (sqlite3_column_bytes(st, i) != 16)
        return FL_EPARSE;
    char *hex = fl_arena_alloc(a, 33);
    if (!hex)
        return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    fl_store_hexid_unpack(sqlite3_column_blob(st, i), hex);
    *out = hex;
    return FL_OK;
}

static fl_err row_inference(sqlite3_stmt *st, struct seg_rd *sr, struct fl_arena *a,
                            struct fl_inference *r, struct fl_diag *d)
{
    struct fl_feature *f = NULL;
    struct fl_label *seg = NULL;
    double *scores = NULL;
    fl_err e;

    memset(r, 0, sizeof *r);
    fl_arena_reset(a);
    r->ts_ms = sqlite3_column_int64(st, 1);
    r->request_id = fl_store__col_text(st, 2, "");
    r->model = fl_store__col_text(st, 4, "");
    r->model_version = fl_store__col_text(st, 5, "");
    r->pred_kind = sqlite3_column_int(st, 7);
    r->score = fl_store__col_double(st, 8);
    r->pred_class = fl_store__col_text(st, 9, NULL);
    r->latency_ms = fl_store__col_double(st, 12);
    if ((e = col_trace_id(st, 3, a, &r->trace_id)) != FL_OK ||
        (e = fl_store_features_decode(
             sqlite3_column_blob(st, 13), (size_t)sqlite3_column_bytes(st, 13),
             sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6), a, &f,
             &r->n_features)) != FL_OK)
        goto bad;
    if (sqlite3_column_type(st, 14) != SQLITE_NULL)
        e = fl_store_segments_decode(sqlite3_column_blob(st, 14),
                                     (size_t)sqlite3_column_bytes(st, 14), seg_pair, sr, a, &seg,
                                     &r->n_segments);
    else /* a row written before schema 8 */
        e = fl_store_labels_decode(sqlite3_column_blob(st, 11),
                                   (size_t)sqlite3_column_bytes(st, 11), a, &seg, &r->n_segments);
    if (e != FL_OK)
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

static fl_err each_inference(struct fl_store *s, struct fl_store__conn *c, sqlite3_stmt *st,
                             fl_store_inference_fn fn, void *ud, size_t *n, struct fl_diag *d)
{
    struct seg_rd sr = {s, c};
    struct fl_arena a;
    fl_err e = FL_OK;
    int rc;
    fl_arena_init(&a, 4096, FL_LIMIT_BATCH_ARENA_BYTES);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_inference r;
        if ((e = row_inference(st, &sr, &a, &r, d)) != FL_OK)
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
         sqlite3_bind_int64(st, 2, fl_store__key(request_id)) |
         sqlite3_bind_int64(st, 3, fl_store__req_key(request_id, 0))) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    if ((e = each_inference(s, c, st, fi, ud, &n, d)) != FL_OK)
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
    struct topn k = {NULL, 0, 0, 0};
    struct fl_arena a;
    sqlite3_stmt *bl, *rows, *st;
    int in_txn = 0, rc;
    fl_err e;

    if (!s || !q || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, query or callback");
    enum fl_store__stmt id = q->model && q->version ? FL_ST_Q_IBLOCKS_MV
                             : q->model             ? FL_ST_Q_IBLOCKS_M
                                                    : FL_ST_Q_IBLOCKS_ANY;
    k.limit = q->limit ? q->limit : SIZE_MAX;
    fl_arena_init(&a, 4096, FL_LIMIT_BATCH_ARENA_BYTES);
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        goto out;
    if ((rc = sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, rc, d, "begin read");
        goto out;
    }
    in_txn = 1;
    if ((e = fl_store__stmt(c, id, &bl, d)) != FL_OK ||
        (e = fl_store__stmt(c, FL_ST_Q_INF_IN, &rows, d)) != FL_OK)
        goto out;
    int brc = fl_store__bind_text(bl, 1, q->model) | fl_store__bind_text(bl, 2, q->version) |
              sqlite3_bind_int64(bl, 3, q->start_ms) | sqlite3_bind_int64(bl, 4, q->end_ms) |
              (id == FL_ST_Q_IBLOCKS_MV
                   ? sqlite3_bind_int64(bl, 6, fl_store__key2(q->model, q->version))
                   : SQLITE_OK) |
              fl_store__bind_text(rows, 1, q->model) | fl_store__bind_text(rows, 2, q->version) |
              sqlite3_bind_int64(rows, 3, q->start_ms) | sqlite3_bind_int64(rows, 4, q->end_ms);
    if (brc != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    if ((e = collect(c, bl, rows, 1, 1, &k, d)) != FL_OK ||
        (e = fl_store__stmt(c, FL_ST_Q_INF_ONE, &st, d)) != FL_OK)
        goto out;
    for (size_t i = 0; i < k.n; i++) {
        struct fl_inference r;
        int stop = 0;
        if (sqlite3_bind_int64(st, 1, ~k.h[i].id) != SQLITE_OK) {
            e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
            goto out;
        }
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) { /* the row's strings live until the reset */
            struct seg_rd sr = {s, c};
            if ((e = row_inference(st, &sr, &a, &r, d)) == FL_OK)
                stop = fn(&r, ud);
        } else if (rc != SQLITE_DONE) {
            e = fl_store__sqlerr(c->db, rc, d, "read inferences");
        }
        sqlite3_reset(st);
        if (e != FL_OK || stop)
            break;
    }
out:
    if (in_txn)
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    if (c)
        fl_store__reader_put(s, c);
    fl_arena_cleanup(&a);
    fl_free(k.h);
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

fl_err fl_store__each_event(struct fl_store__conn *c, sqlite3_stmt *st, fl_store_event_fn fn,
                            void *ud, struct fl_diag *d)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_event ev = {
            .id = fl_store__col_text(st, 0, ""),
            .ts_ms = sqlite3_column_int64(st, 1),
            .end_ms = fl_store__col_ts(st, 2),
            .kind = fl_store__col_text(st, 3, ""),
            .component = fl_store__col_text(st, 4, ""),
            .status = fl_store__col_text(st, 5, NULL),
            .rows = sqlite3_column_int64(st, 6),
            .message = fl_store__col_text(st, 7, ""),
            .attrs_json = fl_store__col_text(st, 8, "{}"),
        };
        if (fn(&ev, ud))
            return FL_OK;
    }
    return rc == SQLITE_DONE ? FL_OK : fl_store__sqlerr(c->db, rc, d, "read events");
}

fl_err fl_store_events(struct fl_store *s, const struct fl_event_query *q, fl_store_event_fn fn,
                       void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    fl_err e;

    if (!s || !q || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, query or callback");
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_EVENTS, &st, d)) != FL_OK)
        goto out;
    if ((sqlite3_bind_int64(st, 1, q->start_ms) | sqlite3_bind_int64(st, 2, q->end_ms) |
         fl_store__bind_text(st, 3, q->kind) | fl_store__bind_text(st, 4, q->component) |
         sqlite3_bind_int64(st, 5, fl_store__limit(q->limit, 1000))) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    e = fl_store__each_event(c, st, fn, ud, d);
out:
    fl_store__reader_put(s, c);
    return e;
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
        m.v.ts_ms = fl_store__col_ts(st, 3);
        m.v.attrs_json = fl_store__col_text(st, 4, NULL);
        m.first_seen_ms = fl_store__col_ts(st, 5);
        m.last_seen_ms = fl_store__col_ts(st, 6);
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
