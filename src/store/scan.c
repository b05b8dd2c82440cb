/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan.c: fl_store_span_scan, the bulk read of spans by start time with which trace analytics
 * (src/trace/, issue 4) compares windows of a hundred thousand traces and more.
 *
 * Spans carry no time index (schema migration 2): each batch's rowid range and the bounds of its
 * start times are a row of span_blocks. The scan takes the blocks that overlap the range in rowid
 * order, merges neighbours into runs, and steps one range query per run that reads only the
 * columns an analysis needs: not the scope and not the links. The resource (stored once per
 * origin, migration 3) is looked up in a copy of span_origins read on the first row.
 * The spans of one trace written in several batches are pieces in several blocks (span_traces),
 * so they come out apart, in storage order; callers group them.
 *
 * Attributes stored dictionary-encoded (attrs.h, migration 4) are decoded here against a copy of
 * the key dictionary read once per scan, in the same read transaction as the spans (so every id a
 * span holds is in it), rather than through the shared, mutex-guarded key cache of the point
 * reads in query.c: a lock per key would cost as much as the rest of the decoding. The decoder
 * writes the same JSON text as fl_store_attrs_decode (tests/unit/store/test_span_scan.c checks
 * it against fl_store_trace), reserving room once per entry instead of once per piece.
 *
 * The three statements are prepared per scan, not kept in the connection's statement table:
 * preparing costs microseconds, a scan milliseconds to seconds.
 */
#include <stdint.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/arena.h"
#include "../core/limits.h"
#include "store_int.h"

/* The blocks that may hold spans starting in [?1, ?2], in rowid (storage) order. */
static const char sql_blocks[] = "SELECT first_id, last_id FROM span_blocks "
                                 "WHERE max_start >= ?1 AND min_start <= ?2 ORDER BY first_id";
/* Caps on the resources a scan copies: origin ids, and their JSON text in all. */
#define FL_STORE_ORIGINS_MAX 1000000
#define FL_STORE_ORIGIN_BYTES_MAX ((size_t)256 * 1024 * 1024)

/* The spans of a rowid run that start in the range: the columns of struct fl_span that an
 * analysis reads, in the order of the table (SQLite decodes a row's columns left to right). */
static const char sql_rows[] =
    "SELECT trace_id, span_id, parent, service, name, kind, start_ns, end_ns, status, message, "
    "origin, attrs_json, events_json FROM spans WHERE id BETWEEN ?1 AND ?2 AND start_ns BETWEEN ?3 "
    "AND ?4";
static const char sql_keys[] = "SELECT id, key FROM span_attr_keys WHERE id <= ?1";
static const char sql_origins[] = "SELECT id, resource_json FROM span_origins";

enum {
    COL_TRACE,
    COL_SPAN,
    COL_PARENT,
    COL_SERVICE,
    COL_NAME,
    COL_KIND,
    COL_START,
    COL_END,
    COL_STATUS,
    COL_MESSAGE,
    COL_ORIGIN,
    COL_ATTRS,
    COL_EVENTS
};

struct range {
    int64_t first, last;
};

FL_STORE__GROW_FN(grow_ranges, struct range)
FL_STORE__GROW_FN(grow_keys, struct fl_str)

struct scan {
    struct fl_store__conn *c;
    sqlite3_stmt *blocks, *rows, *keys;
    struct range *r; /* runs of overlapping blocks, merged when adjacent */
    size_t n_r, cap_r;
    struct fl_str *key; /* [id]: the dictionary's text; .p NULL for ids it does not hold */
    size_t n_key, cap_key;
    int keys_loaded;
    struct fl_arena key_text;
    struct fl_str *origin; /* [id]: the origin's resource JSON; .p NULL for none */
    size_t n_origin, cap_origin;
    int origins_loaded;
    struct fl_arena origin_text;
    struct fl_buf attrs; /* the current span's decoded attributes */
    struct fl_diag *d;
};

static fl_err prepare(struct scan *sc, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v3(sc->c->db, sql, -1, 0, st, NULL);
    return rc == SQLITE_OK ? FL_OK : fl_store__sqlerr(sc->c->db, rc, sc->d, "prepare span scan");
}

/* The rowid runs to read: overlapping blocks in rowid order, neighbours merged. */
static fl_err load_ranges(struct scan *sc, int64_t start_ns, int64_t end_ns)
{
    sqlite3_stmt *st = sc->blocks;
    int rc;
    if ((sqlite3_bind_int64(st, 1, start_ns) | sqlite3_bind_int64(st, 2, end_ns)) != SQLITE_OK)
        return fl_store__sqlerr(sc->c->db, SQLITE_ERROR, sc->d, "bind");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct range x = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
        if (sc->n_r > 0 && sc->r[sc->n_r - 1].last + 1 == x.first) {
            sc->r[sc->n_r - 1].last = x.last;
            continue;
        }
        if (grow_ranges(&sc->r, &sc->cap_r, sc->n_r + 1) != FL_OK) {
            sqlite3_reset(st);
            return fl_diag_set(sc->d, FL_ENOMEM, 0, 0, "out of memory listing span blocks");
        }
        sc->r[sc->n_r++] = x;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? FL_OK : fl_store__sqlerr(sc->c->db, rc, sc->d, "read span blocks");
}

/* Copy the attribute key dictionary (this snapshot's) into sc->key. Called on the first encoded
 * attribute object of the scan. */
static fl_err load_keys(struct scan *sc)
{
    fl_err e;
    int rc;
    sc->keys_loaded = 1;
    if ((e = prepare(sc, sql_keys, &sc->keys)) != FL_OK)
        return e;
    if (sqlite3_bind_int64(sc->keys, 1, FL_STORE_ATTR_KEYS_MAX) != SQLITE_OK)
        return fl_store__sqlerr(sc->c->db, SQLITE_ERROR, sc->d, "bind");
    while ((rc = sqlite3_step(sc->keys)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(sc->keys, 0);
        if (id < 1)
            continue; /* ids start at 1; 0 means "inline" in the encoding */
        const void *p = sqlite3_column_blob(sc->keys, 1);
        size_t n = (size_t)sqlite3_column_bytes(sc->keys, 1);
        char *copy = fl_arena_strndup(&sc->key_text, p ? p : "", p ? n : 0);
        if (!copy || grow_keys(&sc->key, &sc->cap_key, (size_t)id + 1) != FL_OK)
            return fl_diag_set(sc->d, !copy && sc->key_text.limit_hit ? FL_ELIMIT : FL_ENOMEM, 0, 0,
                               "span attribute keys: %s",
                               !copy && sc->key_text.limit_hit ? "too many bytes"
                                                               : "out of memory");
        if ((size_t)id >= sc->n_key) {
            memset(sc->key + sc->n_key, 0, ((size_t)id + 1 - sc->n_key) * sizeof *sc->key);
            sc->n_key = (size_t)id + 1;
        }
        sc->key[id] = (struct fl_str){copy, n};
    }
    return rc == SQLITE_DONE ? FL_OK
                             : fl_store__sqlerr(sc->c->db, rc, sc->d, "read span attribute keys");
}

static int get_uvarint(const unsigned char **pp, const unsigned char *end, uint64_t *out)
{
    const unsigned char *p = *pp;
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
        unsigned char c = *p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            *pp = p;
            return 1;
        }
    }
    return 0;
}

/* Length-prefixed bytes at *pp: their start and length, or 0 when they overrun end. */
static int get_bytes(const unsigned char **pp, const unsigned char *end, const char **s,
                     size_t *len)
{
    uint64_t n;
    if (!get_uvarint(pp, end, &n) || n > (uint64_t)(end - *pp))
        return 0;
    *s = (const char *)*pp;
    *len = (size_t)n;
    *pp += n;
    return 1;
}

/* The text of key id, loading the dictionary on first use; FL_ESTORE when the id is unknown. */
static fl_err key_text(struct scan *sc, uint64_t id, const char **k, size_t *klen)
{
    fl_err e;
    if ((id >= sc->n_key || !sc->key[id].p) && !sc->keys_loaded && (e = load_keys(sc)) != FL_OK)
        return e;
    if (id >= sc->n_key || !sc->key[id].p)
        return FL_EPARSE;
    *k = sc->key[id].p;
    *klen = sc->key[id].len;
    return FL_OK;
}

/*
 * Decode the encoded attribute object p[0..len) (attrs.h) into sc->attrs as JSON text, the same
 * bytes fl_store_attrs_decode writes. FL_EPARSE for malformed entries or an unknown key id.
 */
static fl_err decode_attrs(struct scan *sc, const unsigned char *p, size_t len)
{
    const unsigned char *end = p + len;
    struct fl_buf *b = &sc->attrs;
    fl_err e;
    fl_buf_reset(b);
    /* The keys are outside the encoding: this is a first guess, grown entry by entry. */
    if ((e = fl_buf_reserve(b, 2 * len + 64)) != FL_OK)
        return e;
    char *w = b->data;
    size_t room = b->cap - 1; /* bytes that may be written before the NUL */
    *w++ = '{';
    for (int first = 1; p < end; first = 0) {
        uint64_t id;
        const char *k, *v;
        size_t klen, vlen;
        if (!get_uvarint(&p, end, &id))
            return FL_EPARSE;
        if (id == 0) {
            if (!get_bytes(&p, end, &k, &klen))
                return FL_EPARSE;
        } else if ((e = key_text(sc, id, &k, &klen)) != FL_OK) {
            return e;
        }
        if (!get_bytes(&p, end, &v, &vlen) || vlen == 0)
            return FL_EPARSE;
        size_t need = klen + vlen + 5; /* , "key": value and the closing brace */
        size_t used = (size_t)(w - b->data);
        if (room - used < need) {
            b->len = used;
            if ((e = fl_buf_reserve(b, need)) != FL_OK)
                return e;
            w = b->data + used;
            room = b->cap - 1;
        }
        if (!first)
            *w++ = ',';
        *w++ = '"';
        memcpy(w, k, klen);
        w += klen;
        *w++ = '"';
        *w++ = ':';
        memcpy(w, v, vlen);
        w += vlen;
    }
    *w++ = '}';
    *w = '\0';
    b->len = (size_t)(w - b->data);
    return FL_OK;
}

/* Copy span_origins' resources (this snapshot's) into sc->origin. Called on the first row. */
static fl_err load_origins(struct scan *sc)
{
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_DONE;
    sc->origins_loaded = 1;
    fl_err e = prepare(sc, sql_origins, &st);
    while (e == FL_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id < 0 || id > FL_STORE_ORIGINS_MAX || sqlite3_column_type(st, 1) == SQLITE_NULL)
            continue;
        const void *p = sqlite3_column_text(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        char *copy = fl_arena_strndup(&sc->origin_text, p ? p : "", p ? n : 0);
        if (!copy || grow_keys(&sc->origin, &sc->cap_origin, (size_t)id + 1) != FL_OK) {
            e = fl_diag_set(sc->d, !copy && sc->origin_text.limit_hit ? FL_ELIMIT : FL_ENOMEM, 0,
                            0, "span origins: %s",
                            !copy && sc->origin_text.limit_hit ? "too many bytes"
                                                               : "out of memory");
            break;
        }
        if ((size_t)id >= sc->n_origin) {
            memset(sc->origin + sc->n_origin, 0,
                   ((size_t)id + 1 - sc->n_origin) * sizeof *sc->origin);
            sc->n_origin = (size_t)id + 1;
        }
        sc->origin[id] = (struct fl_str){copy, n};
    }
    if (e == FL_OK && rc != SQLITE_DONE)
        e = fl_store__sqlerr(sc->c->db, rc, sc->d, "read span origins");
    sqlite3_finalize(st);
    return e;
}

/* Ids are short: strnlen over the text costs less than another call into SQLite for its length
 * (a call per column is a fair share of a scan's time; see docs/PERFORMANCE.md). */
static void copy_id(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const unsigned char *p = sqlite3_column_text(st, col);
    size_t n = p ? strnlen((const char *)p, cap - 1) : 0;
    if (n)
        memcpy(dst, p, n);
    dst[n] = '\0';
}

/* The current row as a span; strings point into the row or sc->attrs. */
static fl_err row_span(struct scan *sc, sqlite3_stmt *st, struct fl_span *sp)
{
    copy_id(sp->trace_id, sizeof sp->trace_id, st, COL_TRACE);
    copy_id(sp->span_id, sizeof sp->span_id, st, COL_SPAN);
    copy_id(sp->parent_span_id, sizeof sp->parent_span_id, st, COL_PARENT);
    sp->service = fl_store__col_text(st, COL_SERVICE, "");
    sp->name = fl_store__col_text(st, COL_NAME, "");
    sp->kind = sqlite3_column_int(st, COL_KIND);
    sp->start_ns = sqlite3_column_int64(st, COL_START);
    sp->end_ns = sqlite3_column_int64(st, COL_END);
    sp->status_code = sqlite3_column_int(st, COL_STATUS);
    sp->status_message = fl_store__col_text(st, COL_MESSAGE, "");
    sp->scope_name = "";
    sp->resource_json = "{}";
    sp->links_json = "[]";
    if (!sc->origins_loaded) {
        fl_err e = load_origins(sc);
        if (e != FL_OK)
            return e;
    }
    int64_t o = sqlite3_column_int64(st, COL_ORIGIN);
    if (o >= 0 && (size_t)o < sc->n_origin && sc->origin[o].p)
        sp->resource_json = sc->origin[o].p;
    if (sqlite3_column_type(st, COL_ATTRS) == SQLITE_BLOB) {
        const void *p = sqlite3_column_blob(st, COL_ATTRS);
        fl_err e = decode_attrs(sc, p, (size_t)sqlite3_column_bytes(st, COL_ATTRS));
        if (e != FL_OK)
            return fl_diag_set(sc->d, e == FL_EPARSE ? FL_ESTORE : e, 0, 0,
                               "span %s: cannot decode its stored attributes", sp->span_id);
        sp->attrs_json = sc->attrs.data;
    } else {
        sp->attrs_json = fl_store__col_text(st, COL_ATTRS, "{}");
    }
    sp->events_json = fl_store__col_text(st, COL_EVENTS, "[]");
    return FL_OK;
}

/* Step the spans of every run; *stopped when fn asked to stop. */
static fl_err each_run(struct scan *sc, int64_t start_ns, int64_t end_ns, fl_store_span_fn fn,
                       void *ud)
{
    sqlite3_stmt *st = sc->rows;
    struct fl_span sp;
    memset(&sp, 0, sizeof sp);
    for (size_t i = 0; i < sc->n_r; i++) {
        int rc;
        if ((sqlite3_bind_int64(st, 1, sc->r[i].first) | sqlite3_bind_int64(st, 2, sc->r[i].last) |
             sqlite3_bind_int64(st, 3, start_ns) | sqlite3_bind_int64(st, 4, end_ns)) != SQLITE_OK)
            return fl_store__sqlerr(sc->c->db, SQLITE_ERROR, sc->d, "bind");
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            fl_err e = row_span(sc, st, &sp);
            if (e != FL_OK || fn(&sp, ud)) {
                sqlite3_reset(st);
                return e;
            }
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return fl_store__sqlerr(sc->c->db, rc, sc->d, "read spans");
    }
    return FL_OK;
}

fl_err fl_store_span_scan(struct fl_store *s, int64_t start_ns, int64_t end_ns, fl_store_span_fn fn,
                          void *ud, struct fl_diag *d)
{
    struct scan sc;
    fl_err e;

    if (!s || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or callback");
    if (end_ns < start_ns)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "span scan: end must not be before start");
    memset(&sc, 0, sizeof sc);
    sc.d = d;
    fl_arena_init(&sc.key_text, 4096, (size_t)FL_STORE_ATTR_KEYS_MAX * (FL_LIMIT_NAME_BYTES + 1));
    fl_arena_init(&sc.origin_text, 4096, FL_STORE_ORIGIN_BYTES_MAX);
    fl_buf_init(&sc.attrs, FL_LIMIT_BATCH_ARENA_BYTES);
    if ((e = fl_store__read_begin(s, &sc.c, d)) != FL_OK)
        goto out;
    if ((e = prepare(&sc, sql_blocks, &sc.blocks)) != FL_OK ||
        (e = prepare(&sc, sql_rows, &sc.rows)) != FL_OK ||
        (e = load_ranges(&sc, start_ns, end_ns)) != FL_OK)
        goto out;
    e = each_run(&sc, start_ns, end_ns, fn, ud);
out:
    sqlite3_finalize(sc.blocks);
    sqlite3_finalize(sc.rows);
    sqlite3_finalize(sc.keys);
    fl_store__read_end(s, sc.c);
    fl_free(sc.r);
    fl_free(sc.key);
    fl_arena_cleanup(&sc.key_text);
    fl_free(sc.origin);
    fl_arena_cleanup(&sc.origin_text);
    fl_buf_cleanup(&sc.attrs);
    return e;
}
