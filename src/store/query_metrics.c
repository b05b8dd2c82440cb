/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_metrics.c: reading series, samples, exemplars and metric metadata.
 *
 * Series are found by prefiltering in SQL on the metric name (indexed) when a matcher says
 * __name__="x", then by evaluating every matcher in C on the decoded label set. A series' samples
 * in a range are its chunks' (decoded, in time order; chunks of a series never overlap) merged
 * with its head samples, a head sample winning over a chunk sample of the same timestamp.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/limits.h"
#include "chunk.h"
#include "codec.h"
#include "store_int.h"

struct tv {
    int64_t ts;
    double v;
    size_t seq;
};

FL_STORE__GROW_FN(grow_i64, int64_t)
FL_STORE__GROW_FN(grow_dbl, double)
FL_STORE__GROW_FN(grow_tv, struct tv)

struct gather {
    int64_t *ats, *bts, *ots, *dts;
    double *av, *bv, *ov, *dv;
    size_t cap_ats, cap_bts, cap_ots, cap_dts, cap_av, cap_bv, cap_ov, cap_dv;
    size_t na, nb, no;
    struct tv *tv;
    size_t cap_tv;
};

static void gather_cleanup(struct gather *g)
{
    fl_free(g->ats);
    fl_free(g->bts);
    fl_free(g->ots);
    fl_free(g->dts);
    fl_free(g->av);
    fl_free(g->bv);
    fl_free(g->ov);
    fl_free(g->dv);
    fl_free(g->tv);
}

static int cmp_tv(const void *a, const void *b)
{
    const struct tv *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static fl_err room_a(struct gather *g, size_t n)
{
    return grow_i64(&g->ats, &g->cap_ats, n) == FL_OK && grow_dbl(&g->av, &g->cap_av, n) == FL_OK
               ? FL_OK
               : FL_ENOMEM;
}

/* Sort the chunk samples (only needed if chunks overlapped) keeping the last of each ts. */
static fl_err sort_a(struct gather *g)
{
    if (grow_tv(&g->tv, &g->cap_tv, g->na) != FL_OK)
        return FL_ENOMEM;
    for (size_t i = 0; i < g->na; i++)
        g->tv[i] = (struct tv){g->ats[i], g->av[i], i};
    qsort(g->tv, g->na, sizeof *g->tv, cmp_tv);
    size_t out = 0;
    for (size_t i = 0; i < g->na; i++) {
        if (i + 1 < g->na && g->tv[i + 1].ts == g->tv[i].ts)
            continue;
        g->ats[out] = g->tv[i].ts;
        g->av[out] = g->tv[i].v;
        out++;
    }
    g->na = out;
    return FL_OK;
}

static fl_err read_chunks(struct fl_store__conn *c, int64_t id, int64_t start, int64_t end,
                          struct gather *g, struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e;
    int rc, sorted = 1;

    if ((e = fl_store__stmt(c, FL_ST_Q_CHUNKS, &st, d)) != FL_OK)
        return e;
    if ((sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, start) |
         sqlite3_bind_int64(st, 3, end)) != SQLITE_OK)
        return fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
    g->na = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0), k;
        if ((e = fl_store_chunk_count(p, len, &k)) != FL_OK ||
            (e = grow_i64(&g->dts, &g->cap_dts, k)) != FL_OK ||
            (e = grow_dbl(&g->dv, &g->cap_dv, k)) != FL_OK || (e = room_a(g, g->na + k)) != FL_OK ||
            (e = fl_store_chunk_decode(p, len, g->dts, g->dv, k, &k)) != FL_OK) {
            sqlite3_reset(st);
            if (e == FL_ENOMEM)
                return fl_diag_set(d, e, 0, 0, "out of memory reading samples");
            return fl_diag_set(d, FL_ESTORE, 0, 0, "corrupt chunk of series %lld", (long long)id);
        }
        for (size_t i = 0; i < k; i++) {
            if (g->dts[i] < start || g->dts[i] > end)
                continue;
            if (g->na > 0 && g->dts[i] <= g->ats[g->na - 1])
                sorted = 0;
            g->ats[g->na] = g->dts[i];
            g->av[g->na] = g->dv[i];
            g->na++;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return fl_store__sqlerr(c->db, rc, d, "read chunks");
    if (!sorted && sort_a(g) != FL_OK)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading samples");
    return FL_OK;
}

static fl_err read_head(struct fl_store__conn *c, int64_t id, int64_t start, int64_t end,
                        struct gather *g, struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e;
    int rc;

    if ((e = fl_store__stmt(c, FL_ST_Q_HEAD, &st, d)) != FL_OK)
        return e;
    if ((sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, start) |
         sqlite3_bind_int64(st, 3, end)) != SQLITE_OK)
        return fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
    g->nb = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (grow_i64(&g->bts, &g->cap_bts, g->nb + 1) != FL_OK ||
            grow_dbl(&g->bv, &g->cap_bv, g->nb + 1) != FL_OK) {
            sqlite3_reset(st);
            return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading samples");
        }
        g->bts[g->nb] = sqlite3_column_int64(st, 0);
        g->bv[g->nb] = fl_store__bits_dbl(sqlite3_column_int64(st, 1));
        g->nb++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return fl_store__sqlerr(c->db, rc, d, "read head samples");
    return FL_OK;
}

/* Samples of series id in [start, end] into g->ots/g->ov (g->no). */
static fl_err gather(struct fl_store__conn *c, int64_t id, int64_t start, int64_t end,
                     struct gather *g, struct fl_diag *d)
{
    fl_err e;
    if ((e = read_chunks(c, id, start, end, g, d)) != FL_OK ||
        (e = read_head(c, id, start, end, g, d)) != FL_OK)
        return e;
    size_t need = g->na + g->nb;
    if (grow_i64(&g->ots, &g->cap_ots, need) != FL_OK ||
        grow_dbl(&g->ov, &g->cap_ov, need) != FL_OK)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading samples");
    size_t i = 0, j = 0, n = 0;
    while (i < g->na || j < g->nb) {
        if (j >= g->nb || (i < g->na && g->ats[i] < g->bts[j])) {
            g->ots[n] = g->ats[i];
            g->ov[n++] = g->av[i++];
        } else {
            if (i < g->na && g->ats[i] == g->bts[j])
                i++; /* the head sample is the later write */
            g->ots[n] = g->bts[j];
            g->ov[n++] = g->bv[j++];
        }
    }
    g->no = n;
    return FL_OK;
}

/* Is there a matcher no empty value satisfies (so the selector cannot match every series)? */
static int selective(const struct fl_matcher *ms, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!fl_matcher_match_value(&ms[i], ""))
            return 1;
    return 0;
}

static const char *name_eq(const struct fl_matcher *ms, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ms[i].op == FL_MATCH_EQ && ms[i].name && !strcmp(ms[i].name, "__name__"))
            return ms[i].value;
    return NULL;
}

/* Callback of each_series; returns non-zero to stop. */
typedef int (*series_fn)(struct fl_store__conn *c, int64_t id, const struct fl_label *l, size_t n,
                         void *ud, fl_err *e);

static fl_err each_series(struct fl_store *s, const struct fl_matcher *ms, size_t n_ms,
                          series_fn fn, void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    struct fl_arena a;
    sqlite3_stmt *st;
    fl_err e;
    int rc;

    if (!s || (n_ms && !ms))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or matchers");
    if (!selective(ms, n_ms))
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "vector selector must contain at least one non-empty matcher");
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    fl_arena_init(&a, 4096, FL_LIMIT_BATCH_ARENA_BYTES);
    const char *name = name_eq(ms, n_ms);
    if ((e = fl_store__stmt(c, name ? FL_ST_Q_SERIES_NAME : FL_ST_Q_SERIES_ALL, &st, d)) != FL_OK)
        goto out;
    if (name && fl_store__bind_text(st, 1, name) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_label *l;
        size_t nl;
        fl_arena_reset(&a);
        int64_t id = sqlite3_column_int64(st, 0);
        e = fl_store_labels_decode(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                                   &a, &l, &nl);
        if (e != FL_OK) {
            e = fl_diag_set(d, e == FL_EPARSE ? FL_ESTORE : e, 0, 0,
                            "cannot decode the labels of series %lld", (long long)id);
            goto out;
        }
        if (!fl_matchers_match(ms, n_ms, l, nl))
            continue;
        if (fn(c, id, l, nl, ud, &e) || e != FL_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        e = fl_store__sqlerr(c->db, rc, d, "list series");
out:
    fl_arena_cleanup(&a);
    fl_store__reader_put(s, c);
    return e;
}

struct select_ud {
    int64_t start, end;
    bool with_samples;
    fl_store_series_fn fn;
    void *ud;
    struct gather g;
    struct fl_diag *d;
};

/* Cheap test for a sample in range: a head sample, or a chunk lying wholly inside the range.
 * *yes = -1 when neither settles it (a chunk straddles an end of the range). */
static fl_err has_sample(struct fl_store__conn *c, int64_t id, int64_t start, int64_t end, int *yes,
                         struct fl_diag *d)
{
    static const enum fl_store__stmt q[2] = {FL_ST_Q_HAS_HEAD, FL_ST_Q_HAS_CHUNK};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st;
        fl_err e;
        if ((e = fl_store__stmt(c, q[i], &st, d)) != FL_OK)
            return e;
        if ((sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, start) |
             sqlite3_bind_int64(st, 3, end)) != SQLITE_OK)
            return fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_ROW) {
            *yes = 1;
            return FL_OK;
        }
        if (rc != SQLITE_DONE)
            return fl_store__sqlerr(c->db, rc, d, "look for samples");
    }
    *yes = -1;
    return FL_OK;
}

static int select_one(struct fl_store__conn *c, int64_t id, const struct fl_label *l, size_t n,
                      void *ud, fl_err *e)
{
    struct select_ud *u = ud;
    if (!u->with_samples) {
        int yes;
        if ((*e = has_sample(c, id, u->start, u->end, &yes, u->d)) != FL_OK)
            return 1;
        if (yes == 1)
            return u->fn(l, n, NULL, NULL, 0, u->ud);
    }
    if ((*e = gather(c, id, u->start, u->end, &u->g, u->d)) != FL_OK)
        return 1;
    if (u->g.no == 0)
        return 0; /* no sample in range */
    if (u->with_samples)
        return u->fn(l, n, u->g.ots, u->g.ov, u->g.no, u->ud);
    return u->fn(l, n, NULL, NULL, 0, u->ud);
}

fl_err fl_store_select(struct fl_store *s, const struct fl_matcher *ms, size_t n_ms,
                       int64_t start_ms, int64_t end_ms, bool with_samples, fl_store_series_fn fn,
                       void *ud, struct fl_diag *d)
{
    struct select_ud u;
    if (!fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no callback");
    memset(&u, 0, sizeof u);
    u.start = start_ms;
    u.end = end_ms;
    u.with_samples = with_samples;
    u.fn = fn;
    u.ud = ud;
    u.d = d;
    fl_err e = start_ms > end_ms ? FL_OK : each_series(s, ms, n_ms, select_one, &u, d);
    gather_cleanup(&u.g);
    return e;
}

/* ---- exemplars ---- */

struct ex_ud {
    int64_t start, end;
    fl_store_exemplar_fn fn;
    void *ud;
    struct fl_arena a;
    struct fl_diag *d;
};

static int exemplars_one(struct fl_store__conn *c, int64_t id, const struct fl_label *l, size_t n,
                         void *ud, fl_err *e)
{
    struct ex_ud *u = ud;
    sqlite3_stmt *st;
    int rc, stop = 0;

    if ((*e = fl_store__stmt(c, FL_ST_Q_EXEMPLARS, &st, u->d)) != FL_OK)
        return 1;
    if ((sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, u->start) |
         sqlite3_bind_int64(st, 3, u->end)) != SQLITE_OK) {
        *e = fl_store__sqlerr(c->db, SQLITE_ERROR, u->d, "bind");
        return 1;
    }
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_exemplar x;
        struct fl_label *xl = NULL;
        memset(&x, 0, sizeof x);
        fl_arena_reset(&u->a);
        *e = fl_store_labels_decode(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                                    &u->a, &xl, &x.n_labels);
        if (*e != FL_OK) {
            *e = fl_diag_set(u->d, *e == FL_EPARSE ? FL_ESTORE : *e, 0, 0,
                             "cannot decode an exemplar of series %lld", (long long)id);
            sqlite3_reset(st);
            return 1;
        }
        x.labels = xl;
        x.sample_ts_ms = sqlite3_column_int64(st, 0);
        x.value = fl_store__bits_dbl(sqlite3_column_int64(st, 2));
        x.ts_ms =
            sqlite3_column_type(st, 3) == SQLITE_NULL ? FL_TS_NONE : sqlite3_column_int64(st, 3);
        x.trace_id = fl_store__col_text(st, 4, NULL);
        stop = u->fn(l, n, &x, u->ud);
    }
    if (!stop && rc != SQLITE_DONE)
        *e = fl_store__sqlerr(c->db, rc, u->d, "read exemplars");
    sqlite3_reset(st);
    return stop;
}

fl_err fl_store_exemplars(struct fl_store *s, const struct fl_matcher *ms, size_t n_ms,
                          int64_t start_ms, int64_t end_ms, fl_store_exemplar_fn fn, void *ud,
                          struct fl_diag *d)
{
    struct ex_ud u;
    if (!fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no callback");
    memset(&u, 0, sizeof u);
    u.start = start_ms;
    u.end = end_ms;
    u.fn = fn;
    u.ud = ud;
    u.d = d;
    fl_arena_init(&u.a, 1024, FL_LIMIT_BATCH_ARENA_BYTES);
    fl_err e = each_series(s, ms, n_ms, exemplars_one, &u, d);
    fl_arena_cleanup(&u.a);
    return e;
}

/* ---- metadata ---- */

fl_err fl_store_metadata(struct fl_store *s, const char *family, fl_store_meta_fn fn, void *ud,
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
    if ((e = fl_store__stmt(c, family ? FL_ST_Q_META_ONE : FL_ST_Q_META_ALL, &st, d)) != FL_OK)
        goto out;
    if (family && fl_store__bind_text(st, 1, family) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_metric_meta m = {
            fl_store__col_text(st, 0, ""),
            fl_store__col_text(st, 1, NULL),
            fl_store__col_text(st, 2, NULL),
            fl_store__col_text(st, 3, NULL),
        };
        if (fn(&m, ud))
            goto out;
    }
    if (rc != SQLITE_DONE)
        e = fl_store__sqlerr(c->db, rc, d, "read metadata");
out:
    fl_store__reader_put(s, c);
    return e;
}
