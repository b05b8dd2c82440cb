/* SPDX-License-Identifier: Apache-2.0 */
/*
 * records_int.c: helpers shared by the record parsers (see records_int.h): JSON Lines splitting,
 * timestamp conversion, the per-call string interner and position-aware diagnostics.
 */
#include "records_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/time.h"

/* ---- lines ---- */

void fl_ingest__lines_init(struct fl_ingest__lines *it, const char *p, size_t len)
{
    it->p = p;
    it->len = len;
    it->pos = 0;
    it->next_no = 1;
}

static bool is_blank(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

bool fl_ingest__lines_next(struct fl_ingest__lines *it, struct fl_str *line,
                           unsigned long *line_no)
{
    while (it->pos < it->len) {
        const char *s = it->p + it->pos;
        size_t rest = it->len - it->pos;
        const char *nl = memchr(s, '\n', rest);
        size_t n = nl ? (size_t)(nl - s) : rest;
        unsigned long no = it->next_no++;
        it->pos += nl ? n + 1 : n;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (is_blank(s, n))
            continue;
        line->p = s;
        line->len = n;
        *line_no = no;
        return true;
    }
    return false;
}

/* ---- timestamps ---- */

#define MAX_TS_MS INT64_C(253402300799999) /* 9999-12-31T23:59:59.999Z */

fl_err fl_ingest__ts_from_number(double v, int64_t *ts_ms)
{
    if (!isfinite(v) || v < 0)
        return FL_EINVAL;
    double ms = v >= 1e12 ? v : v * 1000.0;
    if (ms > (double)MAX_TS_MS)
        return FL_EINVAL;
    *ts_ms = (int64_t)llround(ms);
    return FL_OK;
}

fl_err fl_ingest__ts_from_rfc3339(struct fl_str s, int64_t *ts_ms)
{
    int64_t ns;
    if (fl_time_parse_rfc3339(s, &ns, NULL) != FL_OK)
        return FL_EINVAL;
    int64_t ms = ns / 1000000;
    if (ns % 1000000 < 0)
        ms--; /* floor for times before 1970 */
    *ts_ms = ms;
    return FL_OK;
}

/* ---- interning ---- */

struct fl_ingest__ientry {
    const char *s; /* NULL = empty slot */
    uint32_t len;
    uint32_t hash;
};

void fl_ingest__intern_init(struct fl_ingest__intern *t, struct fl_batch *b)
{
    t->b = b;
    t->slots = NULL;
    t->cap = 0;
    t->n = 0;
}

void fl_ingest__intern_cleanup(struct fl_ingest__intern *t)
{
    fl_free(t->slots);
    t->slots = NULL;
    t->cap = t->n = 0;
}

static uint32_t str_hash(const char *p, size_t len)
{
    /* Eight bytes per step with a multiply-xorshift mix: the strings are short names and values,
     * so speed matters more than spread; collisions only cost a memcmp. */
    uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        p += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, len);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return (uint32_t)h;
}

static bool intern_grow(struct fl_ingest__intern *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 64;
    struct fl_ingest__ientry *ns = fl_calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < t->cap; i++) {
        struct fl_ingest__ientry *e = &t->slots[i];
        if (!e->s)
            continue;
        size_t k = e->hash & (ncap - 1);
        while (ns[k].s)
            k = (k + 1) & (ncap - 1);
        ns[k] = *e;
    }
    fl_free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return true;
}

const char *fl_ingest__intern(struct fl_ingest__intern *t, const char *p, size_t len,
                              bool *interned)
{
    if (interned)
        *interned = false;
    if (len > UINT32_MAX)
        return fl_batch_strndup(t->b, p, len);
    uint32_t h = str_hash(p, len);
    if (t->cap) {
        size_t k = h & (t->cap - 1);
        for (;;) {
            struct fl_ingest__ientry *e = &t->slots[k];
            if (!e->s)
                break;
            if (e->hash == h && e->len == len && memcmp(e->s, p, len) == 0) {
                if (interned)
                    *interned = true;
                return e->s;
            }
            k = (k + 1) & (t->cap - 1);
        }
    }
    char *s = fl_batch_strndup(t->b, p, len);
    if (!s || t->n >= FL_INGEST__INTERN_MAX)
        return s;
    if ((t->n + 1) * 2 > t->cap && !intern_grow(t))
        return s; /* interning is an optimisation: a failed grow just skips it */
    size_t k = h & (t->cap - 1);
    while (t->slots[k].s)
        k = (k + 1) & (t->cap - 1);
    t->slots[k].s = s;
    t->slots[k].len = (uint32_t)len;
    t->slots[k].hash = h;
    t->n++;
    if (interned)
        *interned = true;
    return s;
}

/* ---- JSON with positions ---- */

void fl_ingest__jctx_init(struct fl_ingest__jctx *c, struct fl_diag *d, size_t scratch_max)
{
    memset(&c->j, 0, sizeof c->j);
    fl_diag_init(&c->jd);
    c->d = d;
    c->line_base = 1;
    fl_buf_init(&c->kscratch, scratch_max);
    fl_buf_init(&c->vscratch, scratch_max);
}

void fl_ingest__jctx_cleanup(struct fl_ingest__jctx *c)
{
    fl_buf_cleanup(&c->kscratch);
    fl_buf_cleanup(&c->vscratch);
}

void fl_ingest__jctx_start(struct fl_ingest__jctx *c, const char *p, size_t len,
                           unsigned long line_base)
{
    /* Cheaper than fl_diag_init per line: only what "first error wins" looks at. */
    c->jd.code = FL_OK;
    c->jd.line = c->jd.column = 0;
    c->jd.field[0] = '\0';
    c->jd.msg[0] = '\0';
    c->line_base = line_base;
    fl_json_init(&c->j, p, len, &c->jd);
}

size_t fl_ingest__jctx_mark(struct fl_ingest__jctx *c)
{
    (void)fl_json_peek(&c->j);
    return c->j.pos;
}

fl_err fl_ingest__err_at(struct fl_ingest__jctx *c, size_t pos, fl_err code,
                         const char *field_path, const char *fmt, ...)
{
    if (!c->d)
        return code;
    unsigned long line = 0, col = 0;
    fl_json_position(&c->j, pos, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    fl_diag_vset(c->d, code, c->line_base + (line ? line - 1 : 0), col, fmt, ap);
    va_end(ap);
    if (field_path && *field_path)
        fl_diag_field(c->d, "%s", field_path);
    return code;
}

fl_err fl_ingest__json_fail(struct fl_ingest__jctx *c, fl_err e)
{
    if (e == FL_OK)
        e = FL_EPARSE;
    if (!c->d)
        return e;
    if (c->jd.code != FL_OK) {
        unsigned long line = c->jd.line ? c->line_base + c->jd.line - 1 : c->line_base;
        fl_diag_set(c->d, c->jd.code, line, c->jd.column, "%s",
                    c->jd.msg[0] ? c->jd.msg : fl_err_str(c->jd.code));
        if (c->jd.field[0])
            fl_diag_field(c->d, "%s", c->jd.field);
        return c->jd.code;
    }
    if (fl_buf_err(&c->kscratch) != FL_OK || fl_buf_err(&c->vscratch) != FL_OK)
        return fl_diag_set(c->d, e, c->line_base, 0, "string longer than the line limit");
    return fl_diag_set(c->d, e, c->line_base, 0, "%s", fl_err_str(e));
}

const char *fl_ingest__json_type_name(enum fl_json_type t)
{
    switch (t) {
    case FL_JSON_NULL: return "null";
    case FL_JSON_BOOL: return "bool";
    case FL_JSON_NUMBER: return "number";
    case FL_JSON_STRING: return "string";
    case FL_JSON_OBJECT: return "object";
    case FL_JSON_ARRAY: return "array";
    case FL_JSON_NONE: break;
    }
    return "end of input";
}

fl_err fl_ingest__bad_type(struct fl_ingest__jctx *c, size_t pos, enum fl_json_type t,
                           const char *field_path, const char *what, const char *expected)
{
    const char *got = fl_ingest__json_type_name(t);
    if (t == FL_JSON_NONE) {
        /* Not a value at all: let the reader say what is wrong with the text. */
        fl_err e = fl_json_skip(&c->j);
        if (e != FL_OK)
            return fl_ingest__json_fail(c, e);
        got = "end of input";
    }
    /* With a field path the diagnostic already names the field: do not say it twice. */
    if (field_path)
        return fl_ingest__err_at(c, pos, FL_EPARSE, field_path, "expected %s, got %s", expected,
                                 got);
    return fl_ingest__err_at(c, pos, FL_EPARSE, NULL, "%s: expected %s, got %s", what, expected,
                             got);
}

fl_err fl_ingest__get_str(struct fl_ingest__jctx *c, struct fl_str *out)
{
    fl_err e = fl_json_get_string(&c->j, &c->vscratch, out);
    return e ? fl_ingest__json_fail(c, e) : FL_OK;
}

/* Printable excerpt of a user string for messages: at most 64 bytes, quotes/controls replaced. */
static void excerpt(struct fl_str s, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len && n + 4 < cap && i < 64; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        out[n++] = (ch < 0x20 || ch == '"' || ch == '\\' || ch == 0x7f) ? '?' : (char)ch;
    }
    if (s.len > 64 && n + 4 < cap) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

fl_err fl_ingest__get_ts(struct fl_ingest__jctx *c, const char *what, int64_t *ts_ms)
{
    size_t pos = fl_ingest__jctx_mark(c);
    enum fl_json_type t = fl_json_peek(&c->j);
    fl_err e;
    if (t == FL_JSON_NUMBER) {
        double v;
        if ((e = fl_json_get_double(&c->j, &v)) != FL_OK)
            return fl_ingest__json_fail(c, e);
        if (fl_ingest__ts_from_number(v, ts_ms) != FL_OK)
            return fl_ingest__err_at(c, pos, FL_EPARSE, what,
                                     "timestamp %.17g out of range (expected unix seconds or "
                                     "milliseconds, 1970 to 9999)",
                                     v);
        return FL_OK;
    }
    if (t == FL_JSON_STRING) {
        struct fl_str s;
        if ((e = fl_ingest__get_str(c, &s)) != FL_OK)
            return e;
        if (fl_ingest__ts_from_rfc3339(s, ts_ms) != FL_OK) {
            char buf[80];
            excerpt(s, buf, sizeof buf);
            return fl_ingest__err_at(c, pos, FL_EPARSE, what,
                                     "invalid RFC 3339 timestamp \"%s\"", buf);
        }
        return FL_OK;
    }
    char label[FL_DIAG_FIELD_CAP];
    snprintf(label, sizeof label, "field \"%s\"", what);
    return fl_ingest__bad_type(c, pos, t, what, label, "RFC 3339 string or unix time number");
}

fl_err fl_ingest__get_raw_object(struct fl_ingest__jctx *c, struct fl_batch *b, const char *what,
                                 const char **out)
{
    size_t pos = fl_ingest__jctx_mark(c);
    enum fl_json_type t = fl_json_peek(&c->j);
    if (t != FL_JSON_OBJECT) {
        char label[FL_DIAG_FIELD_CAP];
        snprintf(label, sizeof label, "field \"%s\"", what);
        return fl_ingest__bad_type(c, pos, t, what, label, "object");
    }
    struct fl_str raw;
    fl_err e = fl_json_raw(&c->j, &raw);
    if (e != FL_OK)
        return fl_ingest__json_fail(c, e);
    char *s = fl_batch_strndup(b, raw.p, raw.len);
    if (!s) {
        unsigned long line = 0, col = 0;
        fl_json_position(&c->j, pos, &line, &col);
        return fl_ingest__batch_fail(c->d, fl_batch_alloc_err(b), b,
                                     c->line_base + (line ? line - 1 : 0));
    }
    *out = s;
    return FL_OK;
}

fl_err fl_ingest__batch_fail(struct fl_diag *d, fl_err e, struct fl_batch *b, unsigned long line)
{
    if (e == FL_OK)
        e = FL_ENOMEM;
    if (e == FL_ELIMIT) {
        if (b->arena.limit_hit)
            return fl_diag_set(d, e, line, 0, "batch exceeds its string arena limit of %zu bytes",
                               b->arena.max);
        return fl_diag_set(d, e, line, 0, "batch exceeds its limit of %zu records",
                           b->max_records);
    }
    if (e == FL_ENOMEM)
        return fl_diag_set(d, e, line, 0, "out of memory");
    return fl_diag_set(d, e, line, 0, "cannot add record: %s", fl_err_str(e));
}

const struct fl_limits *fl_ingest__limits(const struct fl_limits *lim, struct fl_limits *storage)
{
    if (lim)
        return lim;
    fl_limits_default(storage);
    return storage;
}
