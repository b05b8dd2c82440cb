/* SPDX-License-Identifier: Apache-2.0 */
/*
 * write.c: fl_store_write, the one path by which records enter the store.
 *
 * A batch is one IMMEDIATE transaction on the writer connection: every record is validated and
 * inserted with cached prepared statements, and any error rolls the whole batch back. Only after
 * COMMIT returned (synchronous=FULL: the WAL is on disk) do the in-memory side effects happen:
 * newly learnt series ids enter the cache and the counts move. So a failed batch leaves neither
 * rows nor cache entries behind.
 *
 * Upserts that must know whether a row was new (for the counts) use
 * `INSERT ... ON CONFLICT DO NOTHING` and, when nothing changed, an UPDATE of the existing row:
 * unlike INSERT OR IGNORE, this still fails on NOT NULL and other constraints.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/limits.h"
#include "attrs.h"
#include "codec.h"
#include "store_int.h"

struct pending {
    size_t off, len; /* key bytes in keys */
    int64_t id;
    int cache; /* 0: series_cache, 1: fset_cache, 2: origin_cache, 3: akey_cache, 4: segkey */
};

FL_STORE__GROW_FN(grow_pending, struct pending)

struct agg {
    const char *model, *version;
    int64_t first, last, n;
};

struct wctx {
    struct fl_store *s;
    const struct fl_batch *b;
    struct fl_diag *d;
    struct fl_store__counts delta;
    int64_t *ids; /* database id of each batch series */
    struct pending *pend;
    size_t n_pend, cap_pend;
    const struct fl_inference *prev_inf; /* previous row, for the same-feature-set fast path */
    int64_t prev_fset;
    const char *last_model, *last_version; /* model_key cache for runs of one model version */
    int64_t last_key;
    struct fl_buf keys;
    struct agg *aggs;
    size_t n_aggs, cap_aggs, last_agg;
    struct fl_map *agg_index; /* "model\0version" -> index + 1 */
    struct fl_buf attrs;      /* the batch's encoded span attributes (attrs.h) */
    struct fl_map *akeys;     /* attribute keys looked up by this batch -> id, or -1: inline */
    struct fl_map *segkeys;   /* segment pair keys looked up by this batch -> id, or -1 */
    struct segmemo *segmemo;  /* [SEGMEMO_N]: (name, value) addresses -> id, this batch */
};

static fl_err bad(struct wctx *w, const char *kind, size_t i, const char *field, const char *msg)
{
    fl_diag_field(w->d, "%s[%zu].%s", kind, i, field);
    return fl_diag_set(w->d, FL_EINVAL, 0, 0, "%s", msg);
}

static fl_err bind_failed(struct wctx *w, const char *what)
{
    return fl_store__sqlerr(w->s->w.db, SQLITE_ERROR, w->d, what);
}

static fl_err step_done(struct wctx *w, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        sqlite3_reset(st);
        return FL_OK;
    }
    fl_err e = fl_store__sqlerr(w->s->w.db, rc, w->d, what);
    sqlite3_reset(st);
    return e;
}

static int empty(const char *s)
{
    return !s || !*s;
}

static fl_err alloc_err(struct wctx *w)
{
    return fl_diag_set(w->d, FL_ENOMEM, 0, 0, "out of memory writing a batch");
}

static fl_err buf_err(struct wctx *w, const struct fl_buf *b)
{
    fl_err e = fl_buf_err(b);
    return e == FL_ENOMEM ? alloc_err(w)
                          : fl_diag_set(w->d, e, 0, 0, "encoded record exceeds the buffer cap");
}

/* ---- series ---- */

static fl_err check_labels(struct wctx *w, size_t i, const struct fl_series *se)
{
    if (se->n_labels > 0 && !se->labels)
        return bad(w, "series", i, "labels", "labels missing");
    for (size_t k = 0; k < se->n_labels; k++) {
        if (empty(se->labels[k].name) || !se->labels[k].value)
            return bad(w, "series", i, "labels", "label with empty name or no value");
        if (k > 0 && strcmp(se->labels[k - 1].name, se->labels[k].name) >= 0)
            return bad(w, "series", i, "labels", "labels not sorted by name or name repeated");
    }
    return FL_OK;
}

static const char *series_name(const struct fl_series *se)
{
    for (size_t k = 0; k < se->n_labels; k++)
        if (!strcmp(se->labels[k].name, "__name__"))
            return se->labels[k].value;
    return "";
}

/* Remember a looked-up key; it enters the cache only once the transaction committed. */
static fl_err remember(struct wctx *w, const char *key, size_t klen, int64_t id, int cache)
{
    if (grow_pending(&w->pend, &w->cap_pend, w->n_pend + 1) != FL_OK)
        return alloc_err(w);
    w->pend[w->n_pend] = (struct pending){w->keys.len, klen, id, cache};
    fl_buf_append(&w->keys, key, klen);
    if (fl_buf_err(&w->keys) != FL_OK)
        return buf_err(w, &w->keys);
    w->n_pend++;
    return FL_OK;
}

/* Find or insert the row keyed by blob (SELECT id by key, else INSERT). */
static fl_err find_or_add(struct wctx *w, enum fl_store__stmt find, enum fl_store__stmt add,
                          const char *key, size_t klen, int64_t *id)
{
    struct fl_store *s = w->s;
    sqlite3_stmt *st;
    fl_err e;
    if ((e = fl_store__stmt(&s->w, find, &st, w->d)) != FL_OK)
        return e;
    if (sqlite3_bind_blob(st, 1, key, (int)klen, SQLITE_STATIC) != SQLITE_OK)
        return bind_failed(w, "bind key");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return FL_OK;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return fl_store__sqlerr(s->w.db, rc, w->d, "find key");
    if ((e = fl_store__stmt(&s->w, add, &st, w->d)) != FL_OK)
        return e;
    if (sqlite3_bind_blob(st, 1, key, (int)klen, SQLITE_STATIC) != SQLITE_OK)
        return bind_failed(w, "bind key");
    if ((e = step_done(w, st, "insert key")) != FL_OK)
        return e;
    *id = sqlite3_last_insert_rowid(s->w.db);
    return FL_OK;
}

static fl_err resolve_one(struct wctx *w, size_t i)
{
    struct fl_store *s = w->s;
    const struct fl_series *se = &w->b->series[i];
    sqlite3_stmt *st;
    fl_err e;

    if ((e = check_labels(w, i, se)) != FL_OK)
        return e;
    fl_buf_reset(&s->scratch);
    fl_store_labels_encode(se->labels, se->n_labels, &s->scratch);
    if (fl_buf_err(&s->scratch) != FL_OK)
        return buf_err(w, &s->scratch);
    const char *key = s->scratch.data;
    size_t klen = s->scratch.len;
    void *v = fl_map_get(s->series_cache, key, klen);
    if (v) {
        w->ids[i] = (int64_t)(intptr_t)v;
        return FL_OK;
    }
    int64_t id = 0;
    if ((e = fl_store__stmt(&s->w, FL_ST_W_SERIES_FIND, &st, w->d)) != FL_OK)
        return e;
    if (sqlite3_bind_blob(st, 1, key, (int)klen, SQLITE_STATIC) != SQLITE_OK)
        return bind_failed(w, "bind series key");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    } else if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        if ((e = fl_store__stmt(&s->w, FL_ST_W_SERIES_ADD, &st, w->d)) != FL_OK)
            return e;
        if ((sqlite3_bind_int64(st, 1, (int64_t)se->hash) |
             sqlite3_bind_blob(st, 2, key, (int)klen, SQLITE_STATIC) |
             fl_store__bind_text(st, 3, series_name(se))) != SQLITE_OK)
            return bind_failed(w, "bind series");
        if ((e = step_done(w, st, "insert series")) != FL_OK)
            return e;
        id = sqlite3_last_insert_rowid(s->w.db);
        w->delta.series++;
    } else {
        e = fl_store__sqlerr(s->w.db, rc, w->d, "find series");
        sqlite3_reset(st);
        return e;
    }
    w->ids[i] = id;
    return remember(w, key, klen, id, 0);
}

static fl_err write_series(struct wctx *w)
{
    const struct fl_batch *b = w->b;
    if (b->n_series == 0)
        return FL_OK;
    if (b->n_series > (size_t)INT32_MAX || !b->series)
        return fl_diag_set(w->d, FL_EINVAL, 0, 0, "bad series array in batch");
    w->ids = fl_reallocarray(NULL, b->n_series, sizeof *w->ids);
    if (!w->ids || grow_pending(&w->pend, &w->cap_pend, b->n_series) != FL_OK)
        return alloc_err(w);
    for (size_t i = 0; i < b->n_series; i++) {
        fl_err e = resolve_one(w, i);
        if (e != FL_OK)
            return e;
    }
    return FL_OK;
}

/* ---- metrics ---- */

static fl_err write_samples(struct wctx *w)
{
    struct fl_store *s = w->s;
    sqlite3_stmt *ins, *upd;
    fl_err e;
    if (w->b->n_samples == 0)
        return FL_OK;
    if ((e = fl_store__stmt(&s->w, FL_ST_W_HEAD_INS, &ins, w->d)) != FL_OK ||
        (e = fl_store__stmt(&s->w, FL_ST_W_HEAD_UPD, &upd, w->d)) != FL_OK)
        return e;
    for (size_t i = 0; i < w->b->n_samples; i++) {
        const struct fl_sample *sm = &w->b->samples[i];
        if (sm->series >= w->b->n_series)
            return bad(w, "samples", i, "series", "series index out of range");
        int64_t id = w->ids[sm->series], bits = fl_store__dbl_bits(sm->value);
        if ((sqlite3_bind_int64(ins, 1, id) | sqlite3_bind_int64(ins, 2, sm->ts_ms) |
             sqlite3_bind_int64(ins, 3, bits)) != SQLITE_OK)
            return bind_failed(w, "bind sample");
        if ((e = step_done(w, ins, "insert sample")) != FL_OK)
            return e;
        if (sqlite3_changes(s->w.db) > 0) {
            w->delta.samples++;
            continue;
        }
        /* Same series and timestamp again: the later write wins. */
        if ((sqlite3_bind_int64(upd, 1, id) | sqlite3_bind_int64(upd, 2, sm->ts_ms) |
             sqlite3_bind_int64(upd, 3, bits)) != SQLITE_OK)
            return bind_failed(w, "bind sample");
        if ((e = step_done(w, upd, "update sample")) != FL_OK)
            return e;
    }
    return FL_OK;
}

static fl_err write_exemplars(struct wctx *w)
{
    struct fl_store *s = w->s;
    sqlite3_stmt *st;
    fl_err e;
    if (w->b->n_exemplars == 0)
        return FL_OK;
    if ((e = fl_store__stmt(&s->w, FL_ST_W_EXEMPLAR, &st, w->d)) != FL_OK)
        return e;
    for (size_t i = 0; i < w->b->n_exemplars; i++) {
        const struct fl_exemplar *x = &w->b->exemplars[i];
        if (x->series >= w->b->n_series)
            return bad(w, "exemplars", i, "series", "series index out of range");
        if (x->n_labels > 0 && !x->labels)
            return bad(w, "exemplars", i, "labels", "labels missing");
        fl_buf_reset(&s->scratch);
        fl_store_labels_encode(x->labels, x->n_labels, &s->scratch);
        if (fl_buf_err(&s->scratch) != FL_OK)
            return buf_err(w, &s->scratch);
        if ((sqlite3_bind_int64(st, 1, w->ids[x->series]) |
             sqlite3_bind_int64(st, 2, x->sample_ts_ms) |
             sqlite3_bind_blob(st, 3, s->scratch.data, (int)s->scratch.len, SQLITE_STATIC) |
             sqlite3_bind_int64(st, 4, fl_store__dbl_bits(x->value)) |
             (x->ts_ms == FL_TS_NONE ? sqlite3_bind_null(st, 5)
                                     : sqlite3_bind_int64(st, 5, x->ts_ms)) |
             fl_store__bind_text(st, 6, x->trace_id)) != SQLITE_OK)
            return bind_failed(w, "bind exemplar");
        if ((e = step_done(w, st, "insert exemplar")) != FL_OK)
            return e;
    }
    return FL_OK;
}

static fl_err write_meta(struct wctx *w)
{
    sqlite3_stmt *st;
    fl_err e;
    if (w->b->n_meta == 0)
        return FL_OK;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_META, &st, w->d)) != FL_OK)
        return e;
    for (size_t i = 0; i < w->b->n_meta; i++) {
        const struct fl_metric_meta *m = &w->b->meta[i];
        if (empty(m->family))
            return bad(w, "metadata", i, "family", "metric family name missing");
        if ((fl_store__bind_text(st, 1, m->family) | fl_store__bind_text(st, 2, m->type) |
             fl_store__bind_text(st, 3, m->help) | fl_store__bind_text(st, 4, m->unit)) !=
            SQLITE_OK)
            return bind_failed(w, "bind metadata");
        if ((e = step_done(w, st, "insert metadata")) != FL_OK)
            return e;
    }
    return FL_OK;
}

/* ---- spans ---- */

/* A span of the batch in write order: sorted by trace, then span, then position in the batch. */
struct sref {
    int64_t trace_key, span_key, origin;
    size_t idx;
    size_t attrs_off, attrs_len; /* encoded attributes in wctx.attrs, when attrs_enc */
    int attrs_enc;
    int skip; /* 1: a later copy in the batch wins; 2: rewrote a stored row */
};

/* Bind span r as parameters base+1 .. base+16 (the order of SPAN_WCOLS; W_SPAN_UPD uses 1..14). */
static int bind_span(struct wctx *w, sqlite3_stmt *st, int base, const struct sref *r)
{
    const struct fl_span *sp = &w->b->spans[r->idx];
    int rc = r->attrs_enc ? sqlite3_bind_blob(st, base + 12, w->attrs.data + r->attrs_off,
                                              (int)r->attrs_len, SQLITE_STATIC)
                          : fl_store__bind_text(st, base + 12, sp->attrs_json);
    return rc | sqlite3_bind_text(st, base + 1, sp->trace_id, -1, SQLITE_STATIC) |
           sqlite3_bind_text(st, base + 2, sp->span_id, -1, SQLITE_STATIC) |
           sqlite3_bind_text(st, base + 3, sp->parent_span_id, -1, SQLITE_STATIC) |
           sqlite3_bind_text(st, base + 4, sp->service ? sp->service : "unknown_service", -1,
                             SQLITE_STATIC) |
           sqlite3_bind_text(st, base + 5, sp->name ? sp->name : "", -1, SQLITE_STATIC) |
           sqlite3_bind_int(st, base + 6, sp->kind) |
           sqlite3_bind_int64(st, base + 7, sp->start_ns) |
           sqlite3_bind_int64(st, base + 8, sp->end_ns) |
           sqlite3_bind_int(st, base + 9, sp->status_code) |
           sqlite3_bind_text(st, base + 10, sp->status_message ? sp->status_message : "", -1,
                             SQLITE_STATIC) |
           sqlite3_bind_int64(st, base + 11, r->origin) |
           fl_store__bind_text(st, base + 13, sp->events_json) |
           fl_store__bind_text(st, base + 14, sp->links_json) |
           sqlite3_bind_int64(st, base + 15, r->trace_key) |
           sqlite3_bind_int64(st, base + 16, r->span_key);
}

static fl_err check_span(struct wctx *w, size_t i, const struct fl_span *sp)
{
    if (!memchr(sp->trace_id, 0, sizeof sp->trace_id) || !sp->trace_id[0])
        return bad(w, "spans", i, "trace_id", "trace id missing");
    if (!memchr(sp->span_id, 0, sizeof sp->span_id) || !sp->span_id[0])
        return bad(w, "spans", i, "span_id", "span id missing");
    if (!memchr(sp->parent_span_id, 0, sizeof sp->parent_span_id))
        return bad(w, "spans", i, "parent_span_id", "parent span id not terminated");
    return FL_OK;
}

/* Step a statement that returns one integer row (or none: *found = 0), then reset it. */
static fl_err step_int(struct wctx *w, sqlite3_stmt *st, int64_t *out, int *found,
                       const char *what)
{
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *out = sqlite3_column_int64(st, 0);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        if ((rc = sqlite3_reset(st)) == SQLITE_OK)
            return FL_OK;
    }
    fl_err e = fl_store__sqlerr(w->s->w.db, rc, w->d, what);
    sqlite3_reset(st);
    return e;
}

/*
 * The span_origins id of sp's instrumentation scope and resource, creating the row when new.
 * The key is the scope, a 0 byte, then 0 (no resource) or 1 and the resource JSON: the same
 * bytes as migration 3 builds in SQL.
 */
static fl_err span_origin(struct wctx *w, const struct fl_span *sp, int64_t *id)
{
    struct fl_store *s = w->s;
    const char *scope = sp->scope_name ? sp->scope_name : "";
    sqlite3_stmt *st;
    fl_err e;
    fl_buf_reset(&s->scratch2);
    fl_buf_append(&s->scratch2, scope, strlen(scope) + 1);
    fl_buf_putc(&s->scratch2, sp->resource_json ? 1 : 0);
    if (sp->resource_json)
        fl_buf_puts(&s->scratch2, sp->resource_json);
    if (fl_buf_err(&s->scratch2) != FL_OK)
        return buf_err(w, &s->scratch2);
    void *v = fl_map_get(s->origin_cache, s->scratch2.data, s->scratch2.len);
    if (v) {
        *id = (int64_t)(intptr_t)v;
        return FL_OK;
    }
    int found = 0;
    if ((e = fl_store__stmt(&s->w, FL_ST_W_ORIGIN_FIND, &st, w->d)) != FL_OK)
        return e;
    if (sqlite3_bind_blob(st, 1, s->scratch2.data, (int)s->scratch2.len, SQLITE_STATIC) !=
        SQLITE_OK)
        return bind_failed(w, "bind span origin");
    if ((e = step_int(w, st, id, &found, "find span origin")) != FL_OK)
        return e;
    if (!found) {
        if ((e = fl_store__stmt(&s->w, FL_ST_W_ORIGIN_ADD, &st, w->d)) != FL_OK)
            return e;
        if ((sqlite3_bind_blob(st, 1, s->scratch2.data, (int)s->scratch2.len, SQLITE_STATIC) |
             sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC) |
             fl_store__bind_text(st, 3, sp->resource_json)) != SQLITE_OK)
            return bind_failed(w, "bind span origin");
        if ((e = step_done(w, st, "insert span origin")) != FL_OK)
            return e;
        *id = sqlite3_last_insert_rowid(s->w.db);
    }
    return remember(w, s->scratch2.data, s->scratch2.len, *id, 2);
}

static const char *span_service(const struct fl_span *sp)
{
    return sp->service ? sp->service : "unknown_service";
}

/* Record that block `block` holds spans of service svc. */
static fl_err block_service(struct wctx *w, int64_t block, const char *svc)
{
    sqlite3_stmt *st;
    fl_err e;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_SBLOCK_SVC, &st, w->d)) != FL_OK)
        return e;
    if ((sqlite3_bind_int64(st, 1, block) | sqlite3_bind_text(st, 2, svc, -1, SQLITE_STATIC)) !=
        SQLITE_OK)
        return bind_failed(w, "bind span block service");
    return step_done(w, st, "insert span block service");
}

/*
 * The block row of this batch's spans: the rowid range they were given (rowids only grow and
 * this is the only writer, so every rowid in (before, last] is one of them), the range of their
 * start times and the set of their services. Spans that only rewrote older rows are counted in
 * too, which can only widen the block (a block's ranges are bounds, never exact).
 */
static fl_err write_span_block(struct wctx *w, int64_t before, int64_t last)
{
    const struct fl_span *spans = w->b->spans;
    size_t n = w->b->n_spans;
    struct fl_map *seen = NULL;
    sqlite3_stmt *st;
    fl_err e = FL_OK;

    if (last <= before)
        return FL_OK; /* nothing new: every span rewrote an older row */
    int64_t lo = spans[0].start_ns, hi = spans[0].start_ns;
    for (size_t i = 1; i < n; i++) {
        if (spans[i].start_ns < lo)
            lo = spans[i].start_ns;
        if (spans[i].start_ns > hi)
            hi = spans[i].start_ns;
    }
    /* Join the newest block when it ends right before this batch and is still small. */
    int64_t block = before + 1, bfirst = 0, blast = 0;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_SBLOCK_LAST, &st, w->d)) != FL_OK)
        return e;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        bfirst = sqlite3_column_int64(st, 0);
        blast = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fl_store__sqlerr(w->s->w.db, rc, w->d, "find last span block");
    int join = rc == SQLITE_ROW && blast == before &&
               last - bfirst < w->s->span_block_rows;
    if (join)
        block = bfirst;
    if ((e = fl_store__stmt(&w->s->w, join ? FL_ST_W_SBLOCK_GROW : FL_ST_W_SBLOCK_ADD, &st,
                            w->d)) != FL_OK)
        return e;
    if ((sqlite3_bind_int64(st, 1, block) | sqlite3_bind_int64(st, 2, last) |
         sqlite3_bind_int64(st, 3, lo) | sqlite3_bind_int64(st, 4, hi)) != SQLITE_OK)
        return bind_failed(w, "bind span block");
    if ((e = step_done(w, st, "write span block")) != FL_OK)
        return e;
    /* Distinct services: most spans repeat the previous span's service or one seen before. */
    if (!(seen = fl_map_new(NULL, 0)))
        return alloc_err(w);
    const char *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *svc = span_service(&spans[i]);
        if (prev && (prev == svc || !strcmp(prev, svc)))
            continue;
        prev = svc;
        size_t len = strlen(svc);
        if (fl_map_has(seen, svc, len))
            continue;
        if (fl_map_put(seen, svc, len, (void *)1) != FL_OK) {
            e = alloc_err(w);
            break;
        }
        if ((e = block_service(w, block, svc)) != FL_OK)
            break;
    }
    fl_map_free(seen);
    return e;
}

static int sref_cmp(const void *pa, const void *pb)
{
    const struct sref *a = pa, *b = pb;
    if (a->trace_key != b->trace_key)
        return a->trace_key < b->trace_key ? -1 : 1;
    if (a->span_key != b->span_key)
        return a->span_key < b->span_key ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int same_span(const struct fl_span *a, const struct fl_span *b)
{
    return !strcmp(a->trace_id, b->trace_id) && !strcmp(a->span_id, b->span_id);
}

/*
 * Spans of trace group r[0..k) that are already stored are rewritten in place (the later write
 * wins) and marked skip = 2. Most traces are new: one index probe tells, and only a trace with
 * stored pieces is searched span by span.
 */
static fl_err rewrite_stored(struct wctx *w, struct sref *r, size_t k, int64_t before)
{
    const struct fl_span *spans = w->b->spans;
    sqlite3_stmt *has, *find, *upd;
    int64_t id = 0;
    int found = 0;
    fl_err e;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_STRACE_HAS, &has, w->d)) != FL_OK)
        return e;
    if (sqlite3_bind_int64(has, 1, r[0].trace_key) != SQLITE_OK)
        return bind_failed(w, "bind span trace");
    if ((e = step_int(w, has, &id, &found, "find span trace")) != FL_OK || !found)
        return e;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_SPAN_FIND, &find, w->d)) != FL_OK ||
        (e = fl_store__stmt(&w->s->w, FL_ST_W_SPAN_UPD, &upd, w->d)) != FL_OK)
        return e;
    for (size_t j = 0; j < k; j++) {
        const struct fl_span *sp = &spans[r[j].idx];
        if (r[j].skip)
            continue;
        if ((sqlite3_bind_int64(find, 1, r[j].trace_key) |
             sqlite3_bind_int64(find, 2, r[j].span_key) |
             sqlite3_bind_text(find, 3, sp->trace_id, -1, SQLITE_STATIC) |
             sqlite3_bind_text(find, 4, sp->span_id, -1, SQLITE_STATIC)) != SQLITE_OK)
            return bind_failed(w, "bind span");
        if ((e = step_int(w, find, &id, &found, "find stored span")) != FL_OK)
            return e;
        if (!found)
            continue;
        if ((bind_span(w, upd, 0, &r[j]) | sqlite3_bind_int64(upd, 17, id)) != SQLITE_OK)
            return bind_failed(w, "bind span");
        if ((e = step_done(w, upd, "update span")) != FL_OK)
            return e;
        r[j].skip = 2;
        if (id >= before + 1)
            continue; /* a row of this batch: covered by the block written at the end */
        sqlite3_stmt *st;
        int64_t block = 0;
        if ((e = fl_store__stmt(&w->s->w, FL_ST_W_SBLOCK_WIDEN, &st, w->d)) != FL_OK)
            return e;
        if ((sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, sp->start_ns)) !=
            SQLITE_OK)
            return bind_failed(w, "bind span block");
        if ((e = step_int(w, st, &block, &found, "widen span block")) != FL_OK)
            return e;
        if (found && (e = block_service(w, block, span_service(sp))) != FL_OK)
            return e;
    }
    return FL_OK;
}

/* Insert the n_new spans of r[] not marked skip, in order, FL_STORE_SPAN_MULTI rows at a time. */
static fl_err insert_spans(struct wctx *w, const struct sref *r, size_t n_new)
{
    sqlite3_stmt *ins, *multi = NULL;
    fl_err e;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_SPAN_INS, &ins, w->d)) != FL_OK)
        return e;
    if (n_new >= FL_STORE_SPAN_MULTI &&
        (e = fl_store__stmt(&w->s->w, FL_ST_W_SPAN_MULTI, &multi, w->d)) != FL_OK)
        return e;
    size_t i = 0;
    while (n_new > 0) {
        size_t k = n_new >= FL_STORE_SPAN_MULTI ? FL_STORE_SPAN_MULTI : 1;
        sqlite3_stmt *st = k > 1 ? multi : ins;
        int rc = SQLITE_OK;
        for (size_t j = 0; j < k; i++) {
            if (r[i].skip)
                continue;
            rc |= bind_span(w, st, (int)j * 16, &r[i]);
            j++;
        }
        if (rc != SQLITE_OK)
            return bind_failed(w, "bind span");
        if ((e = step_done(w, st, "insert span")) != FL_OK)
            return e;
        n_new -= k;
    }
    return FL_OK;
}

/*
 * The two dictionaries that give keys small ids in stored rows: span attribute keys (attrs.h) and
 * inference segment pairs (codec.h). Committed ids come from the store's cache; ids found or made
 * by this batch wait in the batch's own map until the commit. Once a dictionary holds max keys,
 * new keys are stored inline (id -1 in the maps, 0 to the encoder).
 */
struct dict {
    enum fl_store__stmt find, count, add;
    size_t max;
    int cache; /* remember()'s cache number */
    const char *bind_what, *find_what, *count_what, *add_what;
};

static const struct dict akey_dict = {
    FL_ST_W_AKEY_FIND,    FL_ST_W_AKEY_MAX,     FL_ST_W_AKEY_ADD,       FL_STORE_ATTR_KEYS_MAX, 3,
    "bind attribute key", "find attribute key", "count attribute keys", "insert attribute key"};

static const struct dict segkey_dict = {
    FL_ST_W_SEGKEY_FIND, FL_ST_W_SEGKEY_MAX, FL_ST_W_SEGKEY_ADD,   FL_STORE_SEG_KEYS_MAX, 4,
    "bind segment key",  "find segment key", "count segment keys", "insert segment key"};

/* The id of key in dictionary dt into *v (> 0; -1: inline), adding the key when new; committed
 * is the store's cache, *batch this batch's map (made on first use). */
static fl_err dict_id(struct wctx *w, const struct dict *dt, const struct fl_map *committed,
                      struct fl_map **batch, const char *key, size_t len, int64_t *v)
{
    struct fl_store *s = w->s;
    sqlite3_stmt *st;
    int64_t max = 0;
    int found = 0;
    fl_err e;
    void *hit = fl_map_get(committed, key, len);
    if (!hit && *batch)
        hit = fl_map_get(*batch, key, len);
    if (hit) {
        *v = (int64_t)(intptr_t)hit;
        return FL_OK;
    }
    if (!*batch && !(*batch = fl_map_new(NULL, dt->max)))
        return alloc_err(w);
    *v = 0;
    if ((e = fl_store__stmt(&s->w, dt->find, &st, w->d)) != FL_OK)
        return e;
    if (sqlite3_bind_blob(st, 1, key, (int)len, SQLITE_STATIC) != SQLITE_OK)
        return bind_failed(w, dt->bind_what);
    if ((e = step_int(w, st, v, &found, dt->find_what)) != FL_OK)
        return e;
    if (!found) {
        if ((e = fl_store__stmt(&s->w, dt->count, &st, w->d)) != FL_OK ||
            (e = step_int(w, st, &max, &found, dt->count_what)) != FL_OK)
            return e;
        *v = -1;
        if (max < (int64_t)dt->max) {
            if ((e = fl_store__stmt(&s->w, dt->add, &st, w->d)) != FL_OK)
                return e;
            if (sqlite3_bind_blob(st, 1, key, (int)len, SQLITE_STATIC) != SQLITE_OK)
                return bind_failed(w, dt->bind_what);
            if ((e = step_done(w, st, dt->add_what)) != FL_OK)
                return e;
            *v = sqlite3_last_insert_rowid(s->w.db);
        }
    }
    if (fl_map_put(*batch, key, len, (void *)(intptr_t)*v) != FL_OK) {
        /* a full map only costs this lookup again for the key's next use */
    }
    if (*v > 0 && (e = remember(w, key, len, *v, dt->cache)) != FL_OK)
        return e;
    return FL_OK;
}

/* fl_store_attrs_encode's key callback: the dictionary id of a span attribute key, or 0 (store
 * the key inline). */
static fl_err attr_key(void *ud, const char *key, size_t len, uint64_t *id)
{
    struct wctx *w = ud;
    int64_t v = 0;
    fl_err e = dict_id(w, &akey_dict, w->s->akey_cache, &w->akeys, key, len, &v);
    if (e == FL_OK)
        *id = v > 0 ? (uint64_t)v : 0;
    return e;
}

/* Encode sp's attributes into w->attrs when they are a compact JSON object (else r keeps text). */
static fl_err span_attrs(struct wctx *w, const struct fl_span *sp, struct sref *r)
{
    r->attrs_enc = 0;
    if (!sp->attrs_json || fl_buf_err(&w->attrs) != FL_OK)
        return FL_OK;
    size_t off = w->attrs.len;
    fl_err e = fl_store_attrs_encode(sp->attrs_json, strlen(sp->attrs_json), attr_key, w,
                                     &w->attrs, &r->attrs_enc);
    if (e != FL_OK || !r->attrs_enc)
        return e;
    r->attrs_off = off;
    r->attrs_len = w->attrs.len - off;
    return FL_OK;
}

/*
 * The spans of a batch are written sorted by trace, so each trace's new spans get consecutive
 * rowids (before + 1, before + 2, ...: rowids of new rows are the largest plus one, and this
 * is the only writer), and each trace leaves one span_traces row for its range. A span already
 * stored (retries, overlapping exports) is rewritten instead (the later write wins), and of two
 * copies within the batch the later one is kept. The spans table has no time or service index:
 * the batch's block row (write_span_block) serves queries and retention instead.
 */
static fl_err write_spans(struct wctx *w)
{
    const struct fl_span *spans = w->b->spans;
    size_t n = w->b->n_spans;
    struct sref *r = NULL;
    sqlite3_stmt *st;
    int64_t before = 0;
    int found = 0;
    fl_err e;
    if (n == 0)
        return FL_OK;
    if (!spans)
        return fl_diag_set(w->d, FL_EINVAL, 0, 0, "bad span array in batch");
    for (size_t i = 0; i < n; i++)
        if ((e = check_span(w, i, &spans[i])) != FL_OK)
            return e;
    if (!(r = fl_malloc(n * sizeof *r)))
        return alloc_err(w);
    fl_buf_reset(&w->attrs);
    for (size_t i = 0; i < n; i++) {
        const struct fl_span *sp = &spans[i], *prev = i ? &spans[i - 1] : NULL;
        r[i].trace_key = fl_store__key(sp->trace_id);
        r[i].span_key = fl_store__key(sp->span_id);
        r[i].idx = i;
        r[i].skip = 0;
        /* spans of one resource and scope come in runs, sharing the parser's strings */
        if (prev && prev->resource_json == sp->resource_json && prev->scope_name == sp->scope_name)
            r[i].origin = r[i - 1].origin;
        else if ((e = span_origin(w, sp, &r[i].origin)) != FL_OK)
            goto out;
        if ((e = span_attrs(w, sp, &r[i])) != FL_OK)
            goto out;
    }
    qsort(r, n, sizeof *r, sref_cmp);
    for (size_t i = 0; i + 1 < n; i++)
        if (r[i].trace_key == r[i + 1].trace_key && r[i].span_key == r[i + 1].span_key &&
            same_span(&spans[r[i].idx], &spans[r[i + 1].idx]))
            r[i].skip = 1;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_SPAN_MAXID, &st, w->d)) != FL_OK ||
        (e = step_int(w, st, &before, &found, "find last span")) != FL_OK)
        goto out;
    for (size_t i = 0, k; i < n; i += k) {
        for (k = 1; i + k < n && r[i + k].trace_key == r[i].trace_key; k++)
            ;
        if ((e = rewrite_stored(w, r + i, k, before)) != FL_OK)
            goto out;
    }
    size_t n_new = 0;
    for (size_t i = 0; i < n; i++)
        n_new += !r[i].skip;
    if ((e = insert_spans(w, r, n_new)) != FL_OK)
        goto out;
    /* The ranges below assume consecutive rowids; check the one fact they rest on. */
    int64_t last = before + (int64_t)n_new;
    if (n_new > 0 && sqlite3_last_insert_rowid(w->s->w.db) != last) {
        e = fl_diag_set(w->d, FL_EIO, 0, 0, "span rowids not consecutive (last %lld, want %lld)",
                        (long long)sqlite3_last_insert_rowid(w->s->w.db), (long long)last);
        goto out;
    }
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_STRACE_ADD, &st, w->d)) != FL_OK)
        goto out;
    int64_t next = before + 1;
    for (size_t i = 0, k; i < n; i += k) {
        size_t added = 0;
        for (k = 0; i + k < n && r[i + k].trace_key == r[i].trace_key; k++)
            added += !r[i + k].skip;
        if (added == 0)
            continue;
        if ((sqlite3_bind_int64(st, 1, next) |
             sqlite3_bind_int64(st, 2, next + (int64_t)added - 1) |
             sqlite3_bind_int64(st, 3, r[i].trace_key)) != SQLITE_OK) {
            e = bind_failed(w, "bind span trace");
            goto out;
        }
        if ((e = step_done(w, st, "insert span trace")) != FL_OK)
            goto out;
        next += (int64_t)added;
        w->delta.spans += (int64_t)added;
    }
    e = write_span_block(w, before, last);
out:
    fl_free(r);
    return e;
}

/* ---- inferences and the per-model aggregate ---- */

static fl_err agg_add(struct wctx *w, const struct fl_inference *r)
{
    struct agg *a = NULL;
    if (w->n_aggs > 0) {
        /* fast path: batches are mostly runs of one model version */
        struct agg *last = &w->aggs[w->last_agg];
        if ((last->model == r->model || !strcmp(last->model, r->model)) &&
            (last->version == r->model_version || !strcmp(last->version, r->model_version)))
            a = last;
    }
    for (size_t i = 0; !a && i < w->n_aggs && i < 8; i++) /* interned strings: by address */
        if (w->aggs[i].model == r->model && w->aggs[i].version == r->model_version)
            a = &w->aggs[i];
    if (!a) {
        fl_buf_reset(&w->s->scratch2);
        fl_buf_puts(&w->s->scratch2, r->model);
        fl_buf_append(&w->s->scratch2, "", 1);
        fl_buf_puts(&w->s->scratch2, r->model_version);
        if (fl_buf_err(&w->s->scratch2) != FL_OK)
            return buf_err(w, &w->s->scratch2);
        if (!w->agg_index && !(w->agg_index = fl_map_new(NULL, 0)))
            return alloc_err(w);
        uintptr_t k = (uintptr_t)fl_map_get(w->agg_index, w->s->scratch2.data, w->s->scratch2.len);
        if (k) {
            a = &w->aggs[k - 1];
        } else {
            if (w->n_aggs == w->cap_aggs) {
                size_t cap = w->cap_aggs ? 2 * w->cap_aggs : 8;
                struct agg *na = fl_reallocarray(w->aggs, cap, sizeof *na);
                if (!na)
                    return alloc_err(w);
                w->aggs = na;
                w->cap_aggs = cap;
            }
            if (fl_map_put(w->agg_index, w->s->scratch2.data, w->s->scratch2.len,
                           (void *)(uintptr_t)(w->n_aggs + 1)) != FL_OK)
                return alloc_err(w);
            a = &w->aggs[w->n_aggs++];
            a->model = r->model;
            a->version = r->model_version;
            a->first = r->ts_ms;
            a->last = r->ts_ms;
            a->n = 0;
        }
    }
    w->last_agg = (size_t)(a - w->aggs);
    if (r->ts_ms < a->first)
        a->first = r->ts_ms;
    if (r->ts_ms > a->last)
        a->last = r->ts_ms;
    a->n++;
    return FL_OK;
}

static fl_err check_inference(struct wctx *w, size_t i, const struct fl_inference *r)
{
    if (empty(r->request_id))
        return bad(w, "inferences", i, "request_id", "request id missing");
    if (empty(r->model))
        return bad(w, "inferences", i, "model", "model missing");
    if (empty(r->model_version))
        return bad(w, "inferences", i, "model_version", "model version missing");
    if (r->n_features > FL_LIMIT_FEATURES_PER_RECORD || (r->n_features && !r->features))
        return bad(w, "inferences", i, "features", "bad feature array");
    for (size_t k = 0; k < r->n_features; k++) {
        const struct fl_feature *f = &r->features[k];
        if (!f->name || f->status < FL_FEAT_PRESENT || f->status > FL_FEAT_OUTSIDE_MAX_AGE ||
            f->kind < FL_VAL_NULL || f->kind > FL_VAL_BOOL) {
            fl_diag_field(w->d, "inferences[%zu].features[%zu]", i, k);
            return fl_diag_set(w->d, FL_EINVAL, 0, 0, "feature without name or bad status/kind");
        }
    }
    if ((r->n_scores && !r->scores) || (r->n_segments && !r->segments))
        return bad(w, "inferences", i, "scores", "bad score or segment array");
    return FL_OK;
}

static int same_names(const struct fl_inference *a, const struct fl_inference *b)
{
    if (a->n_features != b->n_features)
        return 0;
    for (size_t i = 0; i < a->n_features; i++)
        if (a->features[i].name != b->features[i].name &&
            strcmp(a->features[i].name, b->features[i].name) != 0)
            return 0;
    return 1;
}

/* The id of the row's feature set (its list of names), creating it when new. */
static fl_err feature_set(struct wctx *w, const struct fl_inference *r, int64_t *id)
{
    struct fl_store *s = w->s;
    fl_err e;
    if (w->prev_inf && same_names(w->prev_inf, r)) {
        *id = w->prev_fset;
        return FL_OK;
    }
    fl_buf_reset(&s->scratch2);
    fl_store_feature_names_encode(r->features, r->n_features, &s->scratch2);
    if (fl_buf_err(&s->scratch2) != FL_OK)
        return buf_err(w, &s->scratch2);
    void *v = fl_map_get(s->fset_cache, s->scratch2.data, s->scratch2.len);
    if (v) {
        *id = (int64_t)(intptr_t)v;
    } else {
        if ((e = find_or_add(w, FL_ST_W_FSET_FIND, FL_ST_W_FSET_ADD, s->scratch2.data,
                             s->scratch2.len, id)) != FL_OK ||
            (e = remember(w, s->scratch2.data, s->scratch2.len, *id, 1)) != FL_OK)
            return e;
    }
    w->prev_inf = r;
    w->prev_fset = *id;
    return FL_OK;
}

/*
 * A batch's segment pairs by the addresses of their strings: parsers intern repeated values
 * (ingest/inference.c), so most rows find their pairs here without hashing the bytes. A miss (or
 * a caller that does not intern) only costs the lookup by bytes below.
 */
#define SEGMEMO_N 256
struct segmemo {
    const char *name, *value;
    uint64_t id; /* 0: inline */
};

static size_t segmemo_slot(const char *name, const char *value)
{
    uint64_t h = ((uint64_t)(uintptr_t)name * UINT64_C(0x9E3779B97F4A7C15)) ^
                 ((uint64_t)(uintptr_t)value * UINT64_C(0xC2B2AE3D27D4EB4F));
    return (size_t)(h >> 56) % SEGMEMO_N;
}

/*
 * fl_store_seg_id_fn: the dictionary id of a segment pair (codec.h), or 0 (store the pair inline);
 * the batch's memo first, then dict_id.
 */
static fl_err seg_id(void *ud, const char *name, const char *value, uint64_t *id)
{
    struct wctx *w = ud;
    struct fl_store *s = w->s;
    int64_t v = 0;
    fl_err e;
    if (!w->segmemo && !(w->segmemo = fl_calloc(SEGMEMO_N, sizeof *w->segmemo)))
        return alloc_err(w);
    struct segmemo *m = &w->segmemo[segmemo_slot(name, value)];
    if (m->name == name && m->value == value) {
        *id = m->id;
        return FL_OK;
    }
    fl_buf_reset(&s->scratch2);
    fl_store_seg_key_encode(name, strlen(name), value, strlen(value), &s->scratch2);
    if (fl_buf_err(&s->scratch2) != FL_OK)
        return buf_err(w, &s->scratch2);
    if ((e = dict_id(w, &segkey_dict, s->segkey_cache, &w->segkeys, s->scratch2.data,
                     s->scratch2.len, &v)) != FL_OK)
        return e;
    *id = v > 0 ? (uint64_t)v : 0;
    *m = (struct segmemo){name, value, *id};
    return FL_OK;
}

/* Where one row's encodings lie in the scratch buffer (offsets: the buffer may move). */
struct inf_enc {
    size_t off, seg_off, scores_off, end;
    int64_t fset, model_key, req_key;
    unsigned char trace[16];
    int trace_bin; /* trace holds the trace id's 16 bytes */
};

/* Validate row r and append its encodings to the scratch buffer. */
static fl_err encode_inference(struct wctx *w, size_t i, const struct fl_inference *r,
                               struct inf_enc *x)
{
    struct fl_buf *sc = &w->s->scratch;
    fl_err e;
    if ((e = check_inference(w, i, r)) != FL_OK || (e = feature_set(w, r, &x->fset)) != FL_OK ||
        (e = agg_add(w, r)) != FL_OK)
        return e;
    /* parsers intern model and version: equal pointers first */
    if (!w->last_model ||
        (w->last_model != r->model && strcmp(w->last_model, r->model) != 0) ||
        (w->last_version != r->model_version && strcmp(w->last_version, r->model_version) != 0)) {
        w->last_model = r->model;
        w->last_version = r->model_version;
        w->last_key = fl_store__key2(r->model, r->model_version);
    }
    x->model_key = w->last_key;
    x->off = sc->len;
    fl_store_feature_values_encode(r->features, r->n_features, sc);
    x->seg_off = sc->len;
    if ((e = fl_store_segments_encode(r->segments, r->n_segments, seg_id, w, sc)) != FL_OK)
        return fl_buf_err(sc) != FL_OK ? buf_err(w, sc) : e;
    x->scores_off = sc->len;
    x->trace_bin = fl_store_hexid_pack(r->trace_id, x->trace);
    if (r->n_scores)
        fl_store_doubles_encode(r->scores, r->n_scores, sc);
    x->end = sc->len;
    return fl_buf_err(sc) != FL_OK ? buf_err(w, sc) : FL_OK;
}

/*
 * What one row's slot of a multi-row INSERT was bound to in its previous execution during this
 * write: SQLite keeps bindings across sqlite3_reset, and the values that repeat from row to row
 * (model, version, their key, feature set, prediction kind and class, no score vector) need not
 * be bound again. Text is bound SQLITE_STATIC, so an equal pointer is an equal, still-live string:
 * the batch is not modified during the write. Valid only for the statement and the write that
 * filled it (fl_store__stmt clears the bindings).
 */
struct slot_bound {
    int valid;
    const char *model, *version, *pred_class;
    int64_t model_key, fset;
    int pred_kind, no_scores;
};

/* Bind row r's own values as parameters base+1 .. base+11 (store.c INF_WCOLS); sb (may be NULL:
 * bind everything) skips the repeated ones. */
static int bind_own(sqlite3_stmt *st, int base, const struct fl_inference *r,
                    const struct inf_enc *x, const char *p, struct slot_bound *sb)
{
    int rc = sqlite3_bind_int64(st, base + 1, r->ts_ms) |
             fl_store__bind_text(st, base + 2, r->request_id) |
             (x->trace_bin ? sqlite3_bind_blob(st, base + 3, x->trace, 16, SQLITE_STATIC)
                           : fl_store__bind_text(st, base + 3, empty(r->trace_id) ? NULL
                                                                                  : r->trace_id)) |
             sqlite3_bind_blob(st, base + 4, p + x->off, (int)(x->seg_off - x->off),
                               SQLITE_STATIC) |
             fl_store__bind_double(st, base + 6, r->score) |
             sqlite3_bind_blob(st, base + 9, p + x->seg_off, (int)(x->scores_off - x->seg_off),
                               SQLITE_STATIC) |
             fl_store__bind_double(st, base + 10, r->latency_ms) |
             sqlite3_bind_int64(st, base + 11, x->req_key);
    if (!sb || !sb->valid || sb->pred_kind != r->pred_kind)
        rc |= sqlite3_bind_int(st, base + 5, r->pred_kind);
    if (!sb || !sb->valid || sb->pred_class != r->pred_class)
        rc |= fl_store__bind_text(st, base + 7, r->pred_class);
    if (r->n_scores)
        rc |= sqlite3_bind_blob(st, base + 8, p + x->scores_off, (int)(x->end - x->scores_off),
                                SQLITE_STATIC);
    else if (!sb || !sb->valid || !sb->no_scores)
        rc |= sqlite3_bind_null(st, base + 8);
    return rc;
}

/* Bind model, version, model_key and feature_set of row r as parameters base+1 .. base+4; sb as
 * for bind_own, and it is filled (with bind_own's values too) for the next execution. */
static int bind_shared(sqlite3_stmt *st, int base, const struct fl_inference *r,
                       const struct inf_enc *x, struct slot_bound *sb)
{
    int all = !sb || !sb->valid;
    int rc = (all || sb->model != r->model ? fl_store__bind_text(st, base + 1, r->model) : 0) |
             (all || sb->version != r->model_version
                  ? fl_store__bind_text(st, base + 2, r->model_version)
                  : 0) |
             (all || sb->model_key != x->model_key
                  ? sqlite3_bind_int64(st, base + 3, x->model_key)
                  : 0) |
             (all || sb->fset != x->fset ? sqlite3_bind_int64(st, base + 4, x->fset) : 0);
    if (sb)
        *sb = (struct slot_bound){rc == SQLITE_OK, r->model, r->model_version, r->pred_class,
                                  x->model_key, x->fset, r->pred_kind, r->n_scores == 0};
    return rc;
}

/* 1 when rows[0..k) are of one model version and feature set (W_INF_RUN can take them). */
static int one_run(const struct fl_inference *rows, const struct inf_enc *x, size_t k)
{
    for (size_t j = 1; j < k; j++)
        if (x[j].fset != x[0].fset || x[j].model_key != x[0].model_key ||
            (rows[j].model != rows[0].model && strcmp(rows[j].model, rows[0].model) != 0) ||
            (rows[j].model_version != rows[0].model_version &&
             strcmp(rows[j].model_version, rows[0].model_version) != 0))
            return 0;
    return 1;
}

/* Insert the k encoded rows with statement ins: W_INF_RUN when run (k == FL_STORE_INF_RUN and
 * one_run), else one of 15 parameters a row. */
static fl_err insert_rows(struct wctx *w, sqlite3_stmt *ins, int run,
                          const struct fl_inference *rows, const struct inf_enc *x, size_t k,
                          struct slot_bound *sb)
{
    const char *p = w->s->scratch.data;
    int rc = run ? bind_shared(ins, 0, &rows[0], &x[0], NULL) : SQLITE_OK;
    for (size_t j = 0; j < k; j++) {
        if (run) {
            rc |= bind_own(ins, 4 + (int)j * 11, &rows[j], &x[j], p, NULL);
            continue;
        }
        /* bind_own reads the slot's record before bind_shared rewrites it */
        rc |= bind_own(ins, (int)j * 15, &rows[j], &x[j], p, sb ? &sb[j] : NULL);
        rc |= bind_shared(ins, (int)j * 15 + 11, &rows[j], &x[j], sb ? &sb[j] : NULL);
    }
    if (rc != SQLITE_OK)
        return bind_failed(w, "bind inference");
    fl_err e = step_done(w, ins, "insert inference");
    if (e == FL_OK)
        w->delta.inferences += (int64_t)k;
    return e;
}

/*
 * The block that this batch's rows of model version `key` (rowids up to last) join: the version's
 * newest block when it spans fewer than inf_block_rows rowids with them (*first = its first rowid),
 * else a new one (*first unchanged). The versions' blocks stay disjoint: new rowids only grow.
 */
static fl_err newest_inf_block(struct wctx *w, int64_t key, int64_t last, int64_t *first)
{
    sqlite3_stmt *st;
    fl_err e;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_IBLOCK_LAST, &st, w->d)) != FL_OK)
        return e;
    if (sqlite3_bind_int64(st, 1, key) != SQLITE_OK)
        return bind_failed(w, "bind inference block");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && last - sqlite3_column_int64(st, 0) < w->s->inf_block_rows)
        *first = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fl_store__sqlerr(w->s->w.db, rc, w->d, "find inference block");
    return FL_OK;
}

static int bind_event(sqlite3_stmt *st, const struct fl_event *ev)
{
    return fl_store__bind_text(st, 1, ev->id) | sqlite3_bind_int64(st, 2, ev->ts_ms) |
           (ev->end_ms == FL_TS_NONE ? sqlite3_bind_null(st, 3)
                                     : sqlite3_bind_int64(st, 3, ev->end_ms)) |
           fl_store__bind_text(st, 4, ev->kind) | fl_store__bind_text(st, 5, ev->component) |
           fl_store__bind_text(st, 6, ev->status) | sqlite3_bind_int64(st, 7, ev->rows) |
           fl_store__bind_text(st, 8, ev->message ? ev->message : "") |
           fl_store__bind_text(st, 9, ev->attrs_json);
}

/*
 * A model version seen serving for the first time: the moment it went live, as a change event
 * (kind model_version_change, component the model's name, at its first request in the batch),
 * so that it is on the timeline even when nobody registered or announced it. Its id is derived
 * from the model and version, so a re-import does not repeat it.
 */
static fl_err first_served_event(struct wctx *w, const struct agg *a)
{
    struct fl_buf id, msg, attrs;
    sqlite3_stmt *st;
    fl_err e;
    fl_buf_init(&id, 4 * FL_LIMIT_NAME_BYTES + 64);
    fl_buf_init(&msg, 4 * FL_LIMIT_NAME_BYTES + 64);
    fl_buf_init(&attrs, 8 * FL_LIMIT_NAME_BYTES + 64);
    fl_buf_printf(&id, "first-served:%s:%s", a->model, a->version);
    fl_buf_printf(&msg, "%s %s served its first request", a->model, a->version);
    fl_buf_puts(&attrs, "{\"model\":");
    fl_buf_put_json_str(&attrs, a->model, strlen(a->model));
    fl_buf_puts(&attrs, ",\"version\":");
    fl_buf_put_json_str(&attrs, a->version, strlen(a->version));
    fl_buf_puts(&attrs, ",\"source\":\"traffic\"}");
    if ((e = fl_buf_err(&id)) != FL_OK || (e = fl_buf_err(&msg)) != FL_OK ||
        (e = fl_buf_err(&attrs)) != FL_OK) {
        e = buf_err(w, fl_buf_err(&id) ? &id : fl_buf_err(&msg) ? &msg : &attrs);
        goto out;
    }
    struct fl_event ev = {.id = id.data,
                          .ts_ms = a->first,
                          .end_ms = FL_TS_NONE,
                          .kind = "model_version_change",
                          .component = a->model,
                          .status = NULL,
                          .rows = -1,
                          .message = msg.data,
                          .attrs_json = attrs.data};
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_EVENT_INS, &st, w->d)) != FL_OK)
        goto out;
    if (bind_event(st, &ev) != SQLITE_OK) {
        e = bind_failed(w, "bind event");
        goto out;
    }
    if ((e = step_done(w, st, "insert event")) == FL_OK && sqlite3_changes(w->s->w.db) > 0)
        w->delta.events++;
out:
    fl_buf_cleanup(&id);
    fl_buf_cleanup(&msg);
    fl_buf_cleanup(&attrs);
    return e;
}

/*
 * Rows go FL_STORE_INF_RUN at a time through one multi-row INSERT (binding model, version and
 * feature set once when the group shares them), then FL_STORE_INF_MULTI at a time (the
 * per-statement cost of SQLite, about an eighth of a row's insert, is paid once per group); the
 * rest one by one.
 * The table has no time index: the batch's inf_blocks rows (one per model version: its rowid
 * range and time range) serve queries and retention instead.
 */
static fl_err write_inferences(struct wctx *w)
{
    sqlite3_stmt *st, *multi = NULL, *run = NULL, *big = NULL;
    struct inf_enc x[FL_STORE_INF_RUN];
    /* the row slots of big and multi as bound by their previous execution (none yet) */
    struct slot_bound big_sb[FL_STORE_INF_RUN] = {{0}}, multi_sb[FL_STORE_INF_MULTI] = {{0}};
    const struct fl_inference *rows = w->b->inferences;
    size_t n = w->b->n_inferences;
    int64_t before = 0;
    int found = 0;
    fl_err e;
    if (n == 0)
        return FL_OK;
    if (!rows)
        return fl_diag_set(w->d, FL_EINVAL, 0, 0, "bad inference array in batch");
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_INF_MAXID, &st, w->d)) != FL_OK ||
        (e = step_int(w, st, &before, &found, "find last inference")) != FL_OK)
        return e;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_INF, &st, w->d)) != FL_OK)
        return e;
    if (n >= FL_STORE_INF_MULTI &&
        (e = fl_store__stmt(&w->s->w, FL_ST_W_INF_MULTI, &multi, w->d)) != FL_OK)
        return e;
    if (n >= FL_STORE_INF_RUN &&
        ((e = fl_store__stmt(&w->s->w, FL_ST_W_INF_RUN, &run, w->d)) != FL_OK ||
         (e = fl_store__stmt(&w->s->w, FL_ST_W_INF_MULTI_BIG, &big, w->d)) != FL_OK))
        return e;
    for (size_t i = 0; i < n;) {
        size_t k = n - i >= FL_STORE_INF_RUN ? FL_STORE_INF_RUN
                   : n - i >= FL_STORE_INF_MULTI ? FL_STORE_INF_MULTI
                                                 : 1;
        fl_buf_reset(&w->s->scratch);
        for (size_t j = 0; j < k; j++) {
            if ((e = encode_inference(w, i + j, &rows[i + j], &x[j])) != FL_OK)
                return e;
            /* the row's rowid: checked against the rowids taken below */
            int64_t rowid = before + 1 + (int64_t)(i + j);
            x[j].req_key = fl_store__req_key(rows[i + j].request_id, rowid);
        }
        int one = k == FL_STORE_INF_RUN && one_run(&rows[i], x, k);
        sqlite3_stmt *ins = one ? run : k == FL_STORE_INF_RUN ? big : k > 1 ? multi : st;
        struct slot_bound *sb = one ? NULL : k == FL_STORE_INF_RUN ? big_sb
                                : k > 1                      ? multi_sb
                                                             : NULL;
        if ((e = insert_rows(w, ins, one, &rows[i], x, k, sb)) != FL_OK)
            return e;
        i += k;
    }
    /* The batch's rows took the rowids (before, last]: one block per model version, new or
     * joined. */
    int64_t last = sqlite3_last_insert_rowid(w->s->w.db);
    if (last != before + (int64_t)n) /* only at the end of the rowid space */
        return fl_diag_set(w->d, FL_ESTORE, 0, 0, "inference rowids are not consecutive");
    for (size_t i = 0; i < w->n_aggs; i++) {
        const struct agg *a = &w->aggs[i];
        int64_t key = fl_store__key2(a->model, a->version), first = before + 1;
        if ((e = newest_inf_block(w, key, last, &first)) != FL_OK ||
            (e = fl_store__stmt(&w->s->w, first <= before ? FL_ST_W_IBLOCK_GROW
                                                          : FL_ST_W_IBLOCK_ADD,
                                &st, w->d)) != FL_OK)
            return e;
        if ((sqlite3_bind_int64(st, 1, key) |
             sqlite3_bind_int64(st, 2, first) | sqlite3_bind_int64(st, 3, last) |
             sqlite3_bind_int64(st, 4, a->first) | sqlite3_bind_int64(st, 5, a->last)) != SQLITE_OK)
            return bind_failed(w, "bind inference block");
        if ((e = step_done(w, st, "insert inference block")) != FL_OK)
            return e;
    }
    for (size_t i = 0; i < w->n_aggs; i++) {
        const struct agg *a = &w->aggs[i];
        int seen = 0;
        int64_t one = 0;
        if ((e = fl_store__stmt(&w->s->w, FL_ST_W_REG_SEEN, &st, w->d)) != FL_OK)
            return e;
        if ((fl_store__bind_text(st, 1, a->model) | fl_store__bind_text(st, 2, a->version)) !=
            SQLITE_OK)
            return bind_failed(w, "bind model aggregate");
        if ((e = step_int(w, st, &one, &seen, "find model version")) != FL_OK)
            return e;
        if (!seen && (e = first_served_event(w, a)) != FL_OK)
            return e;
        if ((e = fl_store__stmt(&w->s->w, FL_ST_W_SEEN, &st, w->d)) != FL_OK)
            return e;
        if ((fl_store__bind_text(st, 1, a->model) | fl_store__bind_text(st, 2, a->version) |
             sqlite3_bind_int64(st, 3, a->first) | sqlite3_bind_int64(st, 4, a->last) |
             sqlite3_bind_int64(st, 5, a->n) |
             sqlite3_bind_int64(st, 6, fl_store__key2(a->model, a->version))) != SQLITE_OK)
            return bind_failed(w, "bind model aggregate");
        if ((e = step_done(w, st, "update model aggregate")) != FL_OK)
            return e;
    }
    return FL_OK;
}

/* ---- outcomes, events, models ---- */

static fl_err write_outcomes(struct wctx *w)
{
    sqlite3_stmt *st;
    fl_err e;
    if (w->b->n_outcomes == 0)
        return FL_OK;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_OUTCOME, &st, w->d)) != FL_OK)
        return e;
    for (size_t i = 0; i < w->b->n_outcomes; i++) {
        const struct fl_outcome *o = &w->b->outcomes[i];
        if (empty(o->request_id))
            return bad(w, "outcomes", i, "request_id", "request id missing");
        if (empty(o->name))
            return bad(w, "outcomes", i, "name", "outcome name missing");
        if ((sqlite3_bind_int64(st, 1, o->ts_ms) | fl_store__bind_text(st, 2, o->request_id) |
             fl_store__bind_text(st, 3, o->name) | fl_store__bind_double(st, 4, o->value) |
             fl_store__bind_text(st, 5, o->attrs_json) |
             sqlite3_bind_int64(st, 6, fl_store__key(o->request_id))) != SQLITE_OK)
            return bind_failed(w, "bind outcome");
        if ((e = step_done(w, st, "insert outcome")) != FL_OK)
            return e;
        w->delta.outcomes++;
    }
    return FL_OK;
}


static fl_err write_events(struct wctx *w)
{
    sqlite3_stmt *ins, *upd;
    fl_err e;
    if (w->b->n_events == 0)
        return FL_OK;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_EVENT_INS, &ins, w->d)) != FL_OK ||
        (e = fl_store__stmt(&w->s->w, FL_ST_W_EVENT_UPD, &upd, w->d)) != FL_OK)
        return e;
    for (size_t i = 0; i < w->b->n_events; i++) {
        const struct fl_event *ev = &w->b->events[i];
        if (empty(ev->id))
            return bad(w, "events", i, "id", "event id missing");
        if (empty(ev->kind))
            return bad(w, "events", i, "kind", "event kind missing");
        if (empty(ev->component))
            return bad(w, "events", i, "component", "event component missing");
        if (bind_event(ins, ev) != SQLITE_OK)
            return bind_failed(w, "bind event");
        if ((e = step_done(w, ins, "insert event")) != FL_OK)
            return e;
        if (sqlite3_changes(w->s->w.db) > 0) {
            w->delta.events++;
            continue;
        }
        /* Re-posting an id replaces the event. */
        if (bind_event(upd, ev) != SQLITE_OK)
            return bind_failed(w, "bind event");
        if ((e = step_done(w, upd, "update event")) != FL_OK)
            return e;
    }
    return FL_OK;
}

static fl_err write_models(struct wctx *w)
{
    sqlite3_stmt *st;
    fl_err e;
    if (w->b->n_models == 0)
        return FL_OK;
    if ((e = fl_store__stmt(&w->s->w, FL_ST_W_MODEL, &st, w->d)) != FL_OK)
        return e;
    for (size_t i = 0; i < w->b->n_models; i++) {
        const struct fl_model_version *m = &w->b->models[i];
        if (empty(m->model))
            return bad(w, "models", i, "model", "model name missing");
        if (empty(m->version))
            return bad(w, "models", i, "version", "model version missing");
        if ((fl_store__bind_text(st, 1, m->model) | fl_store__bind_text(st, 2, m->version) |
             fl_store__bind_text(st, 3, m->stage) | sqlite3_bind_int64(st, 4, m->ts_ms) |
             fl_store__bind_text(st, 5, m->attrs_json)) != SQLITE_OK)
            return bind_failed(w, "bind model version");
        if ((e = step_done(w, st, "insert model version")) != FL_OK)
            return e;
    }
    return FL_OK;
}

static fl_err write_all(struct wctx *w)
{
    fl_err e;
    if ((e = write_series(w)) != FL_OK || (e = write_samples(w)) != FL_OK ||
        (e = write_exemplars(w)) != FL_OK || (e = write_meta(w)) != FL_OK ||
        (e = write_spans(w)) != FL_OK || (e = write_inferences(w)) != FL_OK ||
        (e = write_outcomes(w)) != FL_OK || (e = write_events(w)) != FL_OK ||
        (e = write_models(w)) != FL_OK)
        return e;
    if (w->b->n_inferences || w->b->n_models)
        return fl_store__int(&w->s->w, FL_ST_N_MODELS, 0, 0, &w->delta.models, w->d);
    return FL_OK;
}

/* ---- group commit ---- */

/* One caller's batch. Lives on the caller's stack: the leader uses it only while the caller waits
 * (until done is set under gmu). */
struct fl_store__wreq {
    const struct fl_batch *b;
    struct fl_diag *d;
    fl_err e;
    int done;   /* under gmu: e is final, the caller may return */
    int failed; /* leader only: this batch failed on its own; not written again */
    struct fl_store__wreq *next;
    struct wctx w;
};

static void wctx_cleanup(struct wctx *w)
{
    fl_map_free(w->agg_index);
    fl_free(w->aggs);
    fl_free(w->ids);
    fl_free(w->pend);
    fl_buf_cleanup(&w->keys);
    fl_buf_cleanup(&w->attrs);
    fl_map_free(w->akeys);
    fl_map_free(w->segkeys);
    fl_free(w->segmemo);
    memset(w, 0, sizeof *w);
}

static void wctx_init(struct wctx *w, struct fl_store *s, const struct fl_batch *b,
                      struct fl_diag *d)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    w->b = b;
    w->d = d;
    w->delta.models = -1;
    fl_buf_init(&w->keys, FL_LIMIT_BATCH_ARENA_BYTES);
    fl_buf_init(&w->attrs, FL_LIMIT_BATCH_ARENA_BYTES);
}

/* Committed: now the side effects. A cache entry that cannot be added costs only a SELECT on the
 * next write of that series. */
static void apply_committed(struct wctx *w)
{
    struct fl_store *s = w->s;
    for (size_t i = 0; i < w->n_pend; i++) {
        struct fl_map *m = w->pend[i].cache == 4   ? s->segkey_cache
                           : w->pend[i].cache == 3 ? s->akey_cache
                           : w->pend[i].cache == 2 ? s->origin_cache
                           : w->pend[i].cache == 1 ? s->fset_cache
                                                   : s->series_cache;
        fl_err pe = fl_map_put(m, w->keys.data + w->pend[i].off, w->pend[i].len,
                               (void *)(intptr_t)w->pend[i].id);
        (void)pe;
    }
    fl_store__counts_add(s, &w->delta);
}

/* Give every batch of the group that has no result of its own the group's error. */
static void fail_rest(struct fl_store__wreq *head, const struct fl_diag *gd)
{
    for (struct fl_store__wreq *r = head; r; r = r->next) {
        if (r->failed)
            continue;
        r->e = gd->code != FL_OK ? gd->code : FL_ESTORE;
        r->failed = 1;
        fl_diag_set(r->d, r->e, 0, 0, "%s", gd->msg[0] ? gd->msg : "write transaction failed");
    }
}

/*
 * Write one attempt of the group in one transaction. With several batches, each runs inside its own
 * savepoint, so a failing batch is undone alone. Returns 1 when the transaction was lost because
 * of a batch's failure (SQLite rolled it back, e.g. on an I/O error): that batch is marked failed
 * and the caller tries again with the others. Returns 0 when every batch has its result.
 */
static int write_group_once(struct fl_store *s, struct fl_store__wreq *head)
{
    size_t n = 0;
    for (struct fl_store__wreq *r = head; r; r = r->next)
        n += !r->failed;
    if (n == 0)
        return 0;
    int multi = n > 1;
    struct fl_diag gd;
    fl_diag_init(&gd);
    if (fl_store__begin(s, &gd) != FL_OK) {
        fail_rest(head, &gd);
        return 0;
    }
    for (struct fl_store__wreq *r = head; r; r = r->next) {
        if (r->failed)
            continue;
        wctx_cleanup(&r->w);
        wctx_init(&r->w, s, r->b, r->d);
        fl_err e = multi ? fl_store__savepoint(s, r->d) : FL_OK;
        if (e == FL_OK)
            e = write_all(&r->w);
        if (e == FL_OK && multi)
            e = fl_store__release(s, r->d);
        if (e == FL_OK)
            continue;
        r->e = e;
        r->failed = 1;
        if (!multi || fl_store__rollback_to(s) != FL_OK) {
            fl_store__rollback(s);
            return multi; /* alone: done; in a group: the others go again */
        }
    }
    if (fl_store__commit(s, &gd) != FL_OK) {
        fl_store__rollback(s);
        fail_rest(head, &gd);
        return 0;
    }
    s->n_commits++;
    for (struct fl_store__wreq *r = head; r; r = r->next) {
        if (r->failed)
            continue;
        s->n_group_batches++;
        apply_committed(&r->w);
        r->e = FL_OK;
    }
    return 0;
}

/* The leader's work: write the group, then publish every result and hand over leadership. */
static void lead_group(struct fl_store *s, struct fl_store__wreq *head)
{
    pthread_mutex_lock(&s->wmu);
    while (write_group_once(s, head))
        ;
    pthread_mutex_unlock(&s->wmu);
    for (struct fl_store__wreq *r = head; r; r = r->next)
        wctx_cleanup(&r->w);
    pthread_mutex_lock(&s->gmu);
    for (struct fl_store__wreq *r = head, *next; r; r = next) {
        next = r->next; /* r's owner may return as soon as gmu is released */
        r->done = 1;
    }
    s->g_leader = 0;
    pthread_cond_broadcast(&s->gcv);
    pthread_mutex_unlock(&s->gmu);
}

size_t fl_store__queued(struct fl_store *s)
{
    size_t n = 0;
    pthread_mutex_lock(&s->gmu);
    for (struct fl_store__wreq *r = s->gq_head; r; r = r->next)
        n++;
    pthread_mutex_unlock(&s->gmu);
    return n;
}

/*
 * Group commit: the caller queues its batch. If no leader is writing, it becomes the leader, takes
 * every queued batch (its own included) and writes them in one transaction with one fsync;
 * batches that arrive meanwhile queue for the next leader. Each caller returns only once the
 * transaction holding its batch committed (or its batch failed), with its own result and diag.
 */
fl_err fl_store_write(struct fl_store *s, const struct fl_batch *b, struct fl_diag *d)
{
    if (!s || !b)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or batch");
    if (!s->w.db)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "store opened read-only");
    if (b->n_series + b->n_samples + b->n_exemplars + b->n_meta + b->n_spans + b->n_inferences +
            b->n_outcomes + b->n_events + b->n_models ==
        0)
        return FL_OK; /* nothing to commit: spare the fsync */

    struct fl_store__wreq r;
    memset(&r, 0, sizeof r);
    r.b = b;
    r.d = d;
    r.e = FL_ESTORE;

    pthread_mutex_lock(&s->gmu);
    if (s->gq_tail)
        s->gq_tail->next = &r;
    else
        s->gq_head = &r;
    s->gq_tail = &r;
    while (!r.done && s->g_leader)
        pthread_cond_wait(&s->gcv, &s->gmu);
    if (r.done) {
        pthread_mutex_unlock(&s->gmu);
        return r.e;
    }
    s->g_leader = 1;
    struct fl_store__wreq *head = s->gq_head;
    s->gq_head = s->gq_tail = NULL;
    pthread_mutex_unlock(&s->gmu);

    lead_group(s, head);
    return r.e;
}
