/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maint.c: background maintenance: compaction of head samples into Gorilla chunks, and retention.
 *
 * Compaction takes every head sample in a complete chunk window (windows are aligned multiples of
 * chunk_span_ms, and a window is complete once it ends at least one span before now), groups them
 * by series and window, encodes each group as one chunk and deletes the head rows, all in one
 * transaction. A group that overlaps an existing chunk of its series (late samples) is merged with
 * it, the head sample winning on equal timestamps, so chunks of a series never overlap.
 *
 * Retention deletes, in one transaction, everything older than now - retention_ms: head samples,
 * chunks whose newest sample is older, exemplars, spans (by start, block by block), inferences
 * (keeping the per-model aggregate in step), outcomes, events, and series left without samples.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/limits.h"
#include "chunk.h"
#include "store_int.h"

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
    return (b > 0 && a < INT64_MIN + b) ? INT64_MIN : a - b;
}

struct ent {
    int64_t ts;
    int64_t bits;
    size_t seq; /* later writes have larger seq */
};

struct cctx {
    struct fl_store *s;
    struct fl_diag *d;
    int64_t series, window;
    int64_t *ts, *bits; /* the current group, sorted, unique */
    size_t n, cap_ts, cap_bits;
    struct ent *m; /* merge space */
    size_t cap_m;
    int64_t *old_ids; /* chunks merged into the group, deleted after */
    size_t n_old, cap_old;
    int64_t *dts; /* decode space */
    double *dv;
    size_t cap_dts, cap_dv;
    int64_t removed; /* duplicates dropped by merging */
};

static int cmp_ent(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

FL_STORE__GROW_FN(grow_i64, int64_t)
FL_STORE__GROW_FN(grow_dbl, double)
FL_STORE__GROW_FN(grow_ent, struct ent)

static fl_err nomem(struct cctx *c)
{
    return fl_diag_set(c->d, FL_ENOMEM, 0, 0, "out of memory compacting");
}

/* Group arrays able to hold n samples. */
static fl_err group_room(struct cctx *c, size_t n)
{
    if (grow_i64(&c->ts, &c->cap_ts, n) != FL_OK || grow_i64(&c->bits, &c->cap_bits, n) != FL_OK)
        return nomem(c);
    return FL_OK;
}

/* Append the samples of one stored chunk to the merge space. */
static fl_err merge_chunk(struct cctx *c, const void *p, size_t len, size_t *nm)
{
    size_t k;
    fl_err e;
    if ((e = fl_store_chunk_count(p, len, &k)) != FL_OK)
        return e;
    if (grow_i64(&c->dts, &c->cap_dts, k) != FL_OK || grow_dbl(&c->dv, &c->cap_dv, k) != FL_OK ||
        grow_ent(&c->m, &c->cap_m, *nm + k + c->n) != FL_OK ||
        grow_i64(&c->old_ids, &c->cap_old, c->n_old + 1) != FL_OK)
        return FL_ENOMEM;
    if ((e = fl_store_chunk_decode(p, len, c->dts, c->dv, k, &k)) != FL_OK)
        return e;
    for (size_t i = 0; i < k; i++) {
        c->m[*nm].ts = c->dts[i];
        c->m[*nm].bits = fl_store__dbl_bits(c->dv[i]);
        c->m[*nm].seq = *nm;
        (*nm)++;
    }
    return FL_OK;
}

/* Merge the group with the overlapping chunks of its series, then delete those chunks. */
static fl_err merge_old(struct cctx *c, int64_t lo, int64_t hi)
{
    struct fl_store__conn *w = &c->s->w;
    sqlite3_stmt *st;
    size_t nm = 0;
    fl_err e;
    int rc;

    c->n_old = 0;
    if ((e = fl_store__stmt(w, FL_ST_C_OVERLAP, &st, c->d)) != FL_OK)
        return e;
    if ((sqlite3_bind_int64(st, 1, c->series) | sqlite3_bind_int64(st, 2, lo) |
         sqlite3_bind_int64(st, 3, hi)) != SQLITE_OK)
        return fl_store__sqlerr(w->db, SQLITE_ERROR, c->d, "bind");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        e = merge_chunk(c, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), &nm);
        if (e != FL_OK) {
            sqlite3_reset(st);
            if (e == FL_ENOMEM)
                return nomem(c);
            return fl_diag_set(c->d, FL_ESTORE, 0, 0, "corrupt chunk of series %lld: %s",
                               (long long)c->series, fl_err_str(e));
        }
        c->old_ids[c->n_old++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return fl_store__sqlerr(w->db, rc, c->d, "read chunks");
    if (c->n_old == 0)
        return FL_OK;
    for (size_t i = 0; i < c->n; i++) { /* head samples last: they are the later writes */
        c->m[nm].ts = c->ts[i];
        c->m[nm].bits = c->bits[i];
        c->m[nm].seq = nm;
        nm++;
    }
    if (nm > 1)
        qsort(c->m, nm, sizeof *c->m, cmp_ent);
    if ((e = group_room(c, nm)) != FL_OK)
        return e;
    size_t out = 0;
    for (size_t i = 0; i < nm; i++) {
        if (i + 1 < nm && c->m[i + 1].ts == c->m[i].ts) {
            c->removed++; /* an older write of the same timestamp */
            continue;
        }
        c->ts[out] = c->m[i].ts;
        c->bits[out] = c->m[i].bits;
        out++;
    }
    c->n = out;
    for (size_t i = 0; i < c->n_old; i++) {
        if ((e = fl_store__stmt(w, FL_ST_C_CHUNK_DEL, &st, c->d)) != FL_OK)
            return e;
        if (sqlite3_bind_int64(st, 1, c->old_ids[i]) != SQLITE_OK)
            return fl_store__sqlerr(w->db, SQLITE_ERROR, c->d, "bind");
        if ((e = fl_store__run(w, st, c->d, "delete chunk")) != FL_OK)
            return e;
    }
    return FL_OK;
}

/* Encode samples [from, to) of the group as one chunk row. */
static fl_err add_chunk(struct cctx *c, size_t from, size_t to)
{
    struct fl_store__conn *w = &c->s->w;
    struct fl_buf *out = &c->s->scratch;
    sqlite3_stmt *st;
    fl_err e;

    fl_buf_reset(out);
    if ((e = fl_store_chunk_encode(c->ts + from, c->dv + from, to - from, out)) != FL_OK)
        return fl_diag_set(c->d, e, 0, 0, "cannot encode chunk: %s", fl_err_str(e));
    if ((e = fl_store__stmt(w, FL_ST_C_CHUNK_ADD, &st, c->d)) != FL_OK)
        return e;
    if ((sqlite3_bind_int64(st, 1, c->series) | sqlite3_bind_int64(st, 2, c->ts[from]) |
         sqlite3_bind_int64(st, 3, c->ts[to - 1]) |
         sqlite3_bind_int64(st, 4, (int64_t)(to - from)) |
         sqlite3_bind_blob(st, 5, out->data, (int)out->len, SQLITE_STATIC)) != SQLITE_OK)
        return fl_store__sqlerr(w->db, SQLITE_ERROR, c->d, "bind chunk");
    return fl_store__run(w, st, c->d, "insert chunk");
}

static fl_err flush_group(struct cctx *c)
{
    fl_err e;

    if (c->n == 0)
        return FL_OK;
    if ((e = merge_old(c, c->ts[0], c->ts[c->n - 1])) != FL_OK)
        return e;
    if (grow_dbl(&c->dv, &c->cap_dv, c->n) != FL_OK)
        return nomem(c);
    for (size_t i = 0; i < c->n; i++)
        c->dv[i] = fl_store__bits_dbl(c->bits[i]);
    /* A window holds at most chunk_span_ms distinct timestamps, but a long span or merged late
     * data could exceed what one chunk may hold: split, so compaction can never get stuck. */
    for (size_t from = 0; from < c->n; from += FL_STORE_CHUNK_MAX_ROWS) {
        size_t to = c->n - from > FL_STORE_CHUNK_MAX_ROWS ? from + FL_STORE_CHUNK_MAX_ROWS : c->n;
        if ((e = add_chunk(c, from, to)) != FL_OK)
            return e;
    }
    c->n = 0;
    return FL_OK;
}

static fl_err compact_scan(struct cctx *c, int64_t boundary)
{
    struct fl_store__conn *w = &c->s->w;
    sqlite3_stmt *st;
    fl_err e;
    int rc;

    if ((e = fl_store__stmt(w, FL_ST_C_HEAD_SCAN, &st, c->d)) != FL_OK)
        return e;
    if (sqlite3_bind_int64(st, 1, boundary) != SQLITE_OK)
        return fl_store__sqlerr(w->db, SQLITE_ERROR, c->d, "bind");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t sid = sqlite3_column_int64(st, 0), ts = sqlite3_column_int64(st, 1);
        int64_t win = floor_div(ts, c->s->opts.chunk_span_ms);
        if (c->n > 0 && (sid != c->series || win != c->window) && (e = flush_group(c)) != FL_OK)
            goto fail;
        c->series = sid;
        c->window = win;
        if ((e = group_room(c, c->n + 1)) != FL_OK)
            goto fail;
        c->ts[c->n] = ts;
        c->bits[c->n] = sqlite3_column_int64(st, 2);
        c->n++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return fl_store__sqlerr(w->db, rc, c->d, "scan head samples");
    return flush_group(c);
fail:
    sqlite3_reset(st);
    return e;
}

fl_err fl_store_compact(struct fl_store *s, int64_t now_ms, struct fl_diag *d)
{
    struct cctx c;
    sqlite3_stmt *st;
    fl_err e;

    if (!s)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store");
    if (!s->w.db)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "store opened read-only");
    memset(&c, 0, sizeof c);
    c.s = s;
    c.d = d;
    int64_t span = s->opts.chunk_span_ms;
    int64_t boundary = floor_div(sat_sub(now_ms, span), span) * span;

    pthread_mutex_lock(&s->wmu);
    if ((e = fl_store__begin(s, d)) != FL_OK)
        goto unlock;
    if ((e = compact_scan(&c, boundary)) != FL_OK)
        goto rollback;
    if ((e = fl_store__stmt(&s->w, FL_ST_C_HEAD_DEL, &st, d)) != FL_OK)
        goto rollback;
    if (sqlite3_bind_int64(st, 1, boundary) != SQLITE_OK) {
        e = fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
        goto rollback;
    }
    if ((e = fl_store__run(&s->w, st, d, "delete compacted head samples")) != FL_OK ||
        (e = fl_store__commit(s, d)) != FL_OK)
        goto rollback;
    struct fl_store__counts delta = {0, -c.removed, 0, 0, 0, 0, -1};
    fl_store__counts_add(s, &delta);
    goto unlock;
rollback:
    fl_store__rollback(s);
unlock:
    pthread_mutex_unlock(&s->wmu);
    fl_free(c.ts);
    fl_free(c.bits);
    fl_free(c.m);
    fl_free(c.old_ids);
    fl_free(c.dv);
    fl_free(c.dts);
    return e;
}

/* ---- retention ---- */

/* DELETE ... WHERE x < ?1; *changes gets the number of rows deleted. */
static fl_err delete_before(struct fl_store *s, enum fl_store__stmt id, int64_t cutoff,
                            int64_t *changes, struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e;
    if ((e = fl_store__stmt(&s->w, id, &st, d)) != FL_OK)
        return e;
    if (sqlite3_bind_int64(st, 1, cutoff) != SQLITE_OK)
        return fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
    if ((e = fl_store__run(&s->w, st, d, "retention delete")) != FL_OK)
        return e;
    if (changes)
        *changes = sqlite3_changes64(s->w.db);
    return FL_OK;
}

/* Run st (bound to ?1 = a, ?2 = b when use_b) to completion. */
static fl_err run_ab(struct fl_store *s, enum fl_store__stmt id, int64_t a, int64_t b, int use_b,
                     struct fl_diag *d, const char *what)
{
    sqlite3_stmt *st;
    fl_err e;
    if ((e = fl_store__stmt(&s->w, id, &st, d)) != FL_OK)
        return e;
    if ((sqlite3_bind_int64(st, 1, a) | (use_b ? sqlite3_bind_int64(st, 2, b) : SQLITE_OK)) !=
        SQLITE_OK)
        return fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
    return fl_store__run(&s->w, st, d, what);
}

/*
 * Spans have no time index: retention visits the blocks (write.c) whose oldest start is before
 * the cutoff and deletes the old rows of each block's rowid range. A block left empty goes with
 * its service rows; otherwise its range shrinks to the rows left, so that its last rowid stays
 * an existing one and the blocks of later batches (rowids above the largest existing) cannot
 * overlap it.
 */
static fl_err retain_spans(struct fl_store *s, int64_t cutoff_ns, int64_t *deleted,
                           struct fl_diag *d)
{
    int64_t *blk = NULL; /* first_id, last_id pairs */
    size_t n = 0, cap = 0;
    sqlite3_stmt *st;
    fl_err e;
    int rc;

    *deleted = 0;
    if ((e = fl_store__stmt(&s->w, FL_ST_R_SBLOCKS, &st, d)) != FL_OK)
        return e;
    if (sqlite3_bind_int64(st, 1, cutoff_ns) != SQLITE_OK)
        return fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (grow_i64(&blk, &cap, n + 2) != FL_OK) {
            sqlite3_reset(st);
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory in retention");
            goto out;
        }
        blk[n++] = sqlite3_column_int64(st, 0);
        blk[n++] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        e = fl_store__sqlerr(s->w.db, rc, d, "list span blocks");
        goto out;
    }
    for (size_t i = 0; i < n; i += 2) {
        int64_t first = blk[i], last = blk[i + 1];
        if ((e = fl_store__stmt(&s->w, FL_ST_R_SPANS_RANGE, &st, d)) != FL_OK)
            goto out;
        if ((sqlite3_bind_int64(st, 1, cutoff_ns) | sqlite3_bind_int64(st, 2, first) |
             sqlite3_bind_int64(st, 3, last)) != SQLITE_OK) {
            e = fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
            goto out;
        }
        if ((e = fl_store__run(&s->w, st, d, "delete old spans")) != FL_OK)
            goto out;
        *deleted += sqlite3_changes64(s->w.db);
        if ((e = run_ab(s, FL_ST_R_STRACE_DEL, first, last, 1, d, "delete span traces")) != FL_OK)
            goto out;
        if ((e = fl_store__stmt(&s->w, FL_ST_R_SBLOCK_LEFT, &st, d)) != FL_OK)
            goto out;
        if ((sqlite3_bind_int64(st, 1, first) | sqlite3_bind_int64(st, 2, last)) != SQLITE_OK) {
            e = fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
            goto out;
        }
        rc = sqlite3_step(st);
        int empty = rc != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL;
        int64_t left_last = empty ? 0 : sqlite3_column_int64(st, 0);
        int64_t left_min = empty ? 0 : sqlite3_column_int64(st, 1);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            e = fl_store__sqlerr(s->w.db, rc, d, "read span block");
            goto out;
        }
        if (empty) {
            if ((e = run_ab(s, FL_ST_R_SBLOCK_SVC_DEL, first, 0, 0, d, "delete span block")) !=
                    FL_OK ||
                (e = run_ab(s, FL_ST_R_SBLOCK_DEL, first, 0, 0, d, "delete span block")) != FL_OK)
                goto out;
            continue;
        }
        if ((e = fl_store__stmt(&s->w, FL_ST_R_SBLOCK_SET, &st, d)) != FL_OK)
            goto out;
        if ((sqlite3_bind_int64(st, 1, first) | sqlite3_bind_int64(st, 2, left_last) |
             sqlite3_bind_int64(st, 3, left_min)) != SQLITE_OK) {
            e = fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
            goto out;
        }
        if ((e = fl_store__run(&s->w, st, d, "shrink span block")) != FL_OK)
            goto out;
    }
out:
    fl_free(blk);
    return e;
}

/*
 * Inferences have no time index either: retention visits the inf_blocks rows (one per batch and
 * model version) whose oldest row is before the cutoff, deletes the old rows of that version in
 * the block's rowid range, and shrinks or drops the block as for spans. Each model version's
 * count follows, and its first-seen time becomes its oldest remaining block's.
 */
static fl_err retain_inferences(struct fl_store *s, int64_t cutoff, int64_t *deleted,
                                struct fl_diag *d)
{
    int64_t *blk = NULL; /* model_key, first_id, last_id triples */
    size_t n = 0, cap = 0;
    sqlite3_stmt *st;
    fl_err e;
    int rc;

    *deleted = 0;
    if ((e = fl_store__stmt(&s->w, FL_ST_R_IBLOCKS, &st, d)) != FL_OK)
        return e;
    if (sqlite3_bind_int64(st, 1, cutoff) != SQLITE_OK)
        return fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (grow_i64(&blk, &cap, n + 3) != FL_OK) {
            sqlite3_reset(st);
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory in retention");
            goto out;
        }
        for (int i = 0; i < 3; i++)
            blk[n++] = sqlite3_column_int64(st, i);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        e = fl_store__sqlerr(s->w.db, rc, d, "list inference blocks");
        goto out;
    }
    for (size_t i = 0; i < n; i += 3) {
        int64_t key = blk[i], first = blk[i + 1], last = blk[i + 2];
        if ((e = fl_store__stmt(&s->w, FL_ST_R_INF_RANGE, &st, d)) != FL_OK)
            goto out;
        if ((sqlite3_bind_int64(st, 1, cutoff) | sqlite3_bind_int64(st, 2, first) |
             sqlite3_bind_int64(st, 3, last) | sqlite3_bind_int64(st, 4, key)) != SQLITE_OK) {
            e = fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
            goto out;
        }
        if ((e = fl_store__run(&s->w, st, d, "delete old inferences")) != FL_OK)
            goto out;
        int64_t gone = sqlite3_changes64(s->w.db);
        *deleted += gone;
        if (gone > 0 && (e = run_ab(s, FL_ST_R_SEEN_N, key, gone, 1, d,
                                    "update model aggregate")) != FL_OK)
            goto out;
        if ((e = fl_store__stmt(&s->w, FL_ST_R_IBLOCK_LEFT, &st, d)) != FL_OK)
            goto out;
        if ((sqlite3_bind_int64(st, 1, key) | sqlite3_bind_int64(st, 2, first) |
             sqlite3_bind_int64(st, 3, last)) != SQLITE_OK) {
            e = fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
            goto out;
        }
        rc = sqlite3_step(st);
        int empty = rc != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL;
        int64_t left_last = empty ? 0 : sqlite3_column_int64(st, 0);
        int64_t left_min = empty ? 0 : sqlite3_column_int64(st, 1);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            e = fl_store__sqlerr(s->w.db, rc, d, "read inference block");
            goto out;
        }
        if (empty) {
            if ((e = run_ab(s, FL_ST_R_IBLOCK_DEL, key, first, 1, d,
                            "delete inference block")) != FL_OK)
                goto out;
            continue;
        }
        if ((e = fl_store__stmt(&s->w, FL_ST_R_IBLOCK_SET, &st, d)) != FL_OK)
            goto out;
        if ((sqlite3_bind_int64(st, 1, key) | sqlite3_bind_int64(st, 2, first) |
             sqlite3_bind_int64(st, 3, left_last) | sqlite3_bind_int64(st, 4, left_min)) !=
            SQLITE_OK) {
            e = fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind");
            goto out;
        }
        if ((e = fl_store__run(&s->w, st, d, "shrink inference block")) != FL_OK)
            goto out;
    }
    if ((e = run_ab(s, FL_ST_R_SEEN_FIRST, cutoff, 0, 0, d, "update model aggregate")) !=
            FL_OK ||
        (e = fl_store__stmt(&s->w, FL_ST_R_SEEN_DROP, &st, d)) != FL_OK)
        goto out;
    e = fl_store__run(&s->w, st, d, "drop model aggregate");
out:
    fl_free(blk);
    return e;
}

fl_err fl_store_retain(struct fl_store *s, int64_t now_ms, struct fl_diag *d)
{
    struct fl_store__counts delta = {0, 0, 0, 0, 0, 0, -1};
    struct fl_map *fresh = NULL;
    int64_t n = 0, chunked = 0;
    fl_err e;

    if (!s)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store");
    if (!s->w.db)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "store opened read-only");
    int64_t cutoff = sat_sub(now_ms, s->opts.retention_ms);
    int64_t cutoff_ns = cutoff > INT64_MAX / 1000000   ? INT64_MAX
                        : cutoff < INT64_MIN / 1000000 ? INT64_MIN
                                                       : cutoff * 1000000;
    /* Allocated up front so that, once series are deleted and committed, forgetting their cached
     * ids cannot fail. */
    if (!(fresh = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES)))
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory in retention");

    pthread_mutex_lock(&s->wmu);
    if ((e = fl_store__begin(s, d)) != FL_OK)
        goto unlock;
    if ((e = delete_before(s, FL_ST_C_HEAD_DEL, cutoff, &n, d)) != FL_OK)
        goto rollback;
    delta.samples -= n;
    if ((e = fl_store__int(&s->w, FL_ST_R_CHUNK_N, 1, cutoff, &chunked, d)) != FL_OK ||
        (e = delete_before(s, FL_ST_R_CHUNK, cutoff, NULL, d)) != FL_OK ||
        (e = delete_before(s, FL_ST_R_EXEMPLAR, cutoff, NULL, d)) != FL_OK)
        goto rollback;
    delta.samples -= chunked;
    if ((e = retain_spans(s, cutoff_ns, &n, d)) != FL_OK)
        goto rollback;
    delta.spans -= n;
    if ((e = retain_inferences(s, cutoff, &n, d)) != FL_OK)
        goto rollback;
    delta.inferences -= n;
    if ((e = delete_before(s, FL_ST_R_OUTCOMES, cutoff, &n, d)) != FL_OK)
        goto rollback;
    delta.outcomes -= n;
    if ((e = delete_before(s, FL_ST_R_EVENTS, cutoff, &n, d)) != FL_OK)
        goto rollback;
    delta.events -= n;
    sqlite3_stmt *st;
    if ((e = fl_store__stmt(&s->w, FL_ST_R_SERIES, &st, d)) != FL_OK ||
        (e = fl_store__run(&s->w, st, d, "delete empty series")) != FL_OK)
        goto rollback;
    delta.series -= sqlite3_changes64(s->w.db);
    if ((e = fl_store__int(&s->w, FL_ST_N_MODELS, 0, 0, &delta.models, d)) != FL_OK ||
        (e = fl_store__commit(s, d)) != FL_OK)
        goto rollback;
    if (delta.series < 0) {
        fl_map_free(s->series_cache);
        s->series_cache = fresh;
        fresh = NULL;
    }
    fl_store__counts_add(s, &delta);
    goto unlock;
rollback:
    fl_store__rollback(s);
unlock:
    pthread_mutex_unlock(&s->wmu);
    fl_map_free(fresh);
    return e;
}
