/* SPDX-License-Identifier: Apache-2.0 */
/*
 * table.c: CSV (RFC 4180) and JSON Lines -> rows of typed cells (see table.h).
 *
 * The reader keeps a window of the input: a file is read in 64 KiB chunks into a buffer that holds
 * at most one record plus a chunk, so memory does not grow with the file; memory input is its own
 * window. A record is found first (for CSV the first LF outside quotes, with the quote state kept
 * across refills so a long record is scanned once), then cut into fields. Strings that need
 * unescaping ("" in CSV, \n in JSON) are copied into a row buffer reserved to the record's length
 * up front, so every cell's slice stays valid for the whole row. JSON Lines objects are walked
 * with the pull reader of core/json.h, flattening nested objects into dotted column names.
 *
 * Every internal error goes into the table's own diagnostic and is sticky; the public calls copy
 * it out, so a caller that keeps calling after an error keeps getting the same message.
 */
#include "table.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/map.h"

#define CHUNK (64u * 1024)

struct field {
    struct fl_str s; /* content: quotes removed, "" unescaped */
    size_t pos;      /* offset of the field's first byte in t->p */
    bool quoted;
};

struct fl_table {
    char *name;
    FILE *f;      /* NULL for memory input */
    bool close_f; /* false for standard input */
    char *buf;    /* file input: the window (owned) */
    size_t cap;
    const char *p; /* buf, or the caller's memory */
    size_t len;    /* bytes in p */
    size_t pos;    /* start of the next record */
    bool eof;
    unsigned long next_line; /* line number at pos */
    size_t record_bytes, max_columns, max_rows;
    enum fl_table_format fmt;
    char **cols;
    size_t n_cols, cap_cols;
    struct fl_map *index; /* column name -> index + 1 */
    struct fl_cell *cells;
    size_t cap_cells;
    struct field *fields;
    size_t cap_fields;
    struct fl_buf rowbuf;  /* unescaped strings of the current row (never reallocated mid-row) */
    struct fl_buf key;     /* JSON Lines: the flattened key being built */
    struct fl_buf scratch; /* JSON string unescaping */
    size_t rec_start;      /* current record in p */
    unsigned long row_line;
    size_t n_rows;
    struct fl_diag err; /* first error, sticky */
};

/* ---- errors and positions ---- */

/* 1-based line and character column of offset at, inside the current record. */
static void linecol(const struct fl_table *t, size_t at, unsigned long *line, unsigned long *col)
{
    unsigned long l = t->row_line, c = 1;
    for (size_t i = t->rec_start; i < at && i < t->len; i++) {
        if (t->p[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)t->p[i] & 0xc0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static fl_err err_at(struct fl_table *t, fl_err code, size_t at, const char *fmt, ...)
    FL_PRINTF(4, 5);
static fl_err err_at(struct fl_table *t, fl_err code, size_t at, const char *fmt, ...)
{
    unsigned long line, col;
    linecol(t, at, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    fl_diag_vset(&t->err, code, line, col, fmt, ap);
    va_end(ap);
    return t->err.code;
}

static fl_err oom(struct fl_table *t)
{
    return fl_diag_set(&t->err, FL_ENOMEM, t->row_line, 0, "out of memory");
}

/* Copy the table's error into the caller's diagnostic. */
static fl_err report(struct fl_table *t, struct fl_diag *d)
{
    if (d && d->code == FL_OK) {
        *d = t->err;
        fl_diag_file(d, t->name);
    }
    return t->err.code;
}

/* A short, printable quote of a column name for messages ("?" for control characters). */
static void quote_name(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = len < 60 ? len : 60, k = 0;
    for (size_t i = 0; i < n && k + 4 < cap; i++)
        out[k++] = ((unsigned char)s[i] < 0x20 || s[i] == '"') ? '?' : s[i];
    if (n < len && k + 4 < cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

static const char *col_label(const struct fl_table *t, size_t i, char *tmp, size_t cap);

/* ---- input window ---- */

/* Read more input after compacting the window; sets eof at the end. */
static fl_err refill(struct fl_table *t, size_t *scan, size_t *mark)
{
    if (t->pos > 0) {
        memmove(t->buf, t->buf + t->pos, t->len - t->pos);
        t->len -= t->pos;
        *scan -= t->pos;
        *mark -= t->pos;
        t->rec_start = 0;
        t->pos = 0;
    }
    if (t->cap - t->len < CHUNK) {
        size_t ncap = t->cap ? t->cap * 2 : 2 * CHUNK;
        while (ncap - t->len < CHUNK)
            ncap *= 2;
        char *nb = fl_realloc(t->buf, ncap);
        if (!nb)
            return oom(t);
        t->buf = nb;
        t->cap = ncap;
        t->p = nb;
    }
    size_t n = fread(t->buf + t->len, 1, t->cap - t->len, t->f);
    t->len += n;
    if (n == 0) {
        if (ferror(t->f))
            return fl_diag_set(&t->err, FL_EIO, t->next_line, 0, "read error: %s", strerror(errno));
        t->eof = true;
    }
    return FL_OK;
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

/* The record finder's state; it survives refills, so a long record is scanned once. */
struct scan {
    enum { F_START, F_PLAIN, F_QUOTED, F_QUOTE_IN_QUOTED } st; /* RFC 4180 field states */
    size_t k;                                                  /* next byte to look at */
    size_t stop;          /* the LF ending the record, SIZE_MAX while not found */
    size_t qopen, qfield; /* the last opening quote and its field index, for errors */
    size_t field;         /* fields started so far */
    unsigned long lines;  /* LFs inside quotes */
};

/* Scan t->p[s->k..t->len) for the end of the record. A quote only opens a field at its start,
 * so a bare quote cannot swallow the following lines. JSON Lines: the next LF. */
static void scan_window(const struct fl_table *t, struct scan *s)
{
    if (t->fmt != FL_TABLE_CSV) {
        const char *nl = s->k < t->len ? memchr(t->p + s->k, '\n', t->len - s->k) : NULL;
        s->k = nl ? (size_t)(nl - t->p) : t->len;
        if (nl)
            s->stop = s->k;
        return;
    }
    for (; s->k < t->len; s->k++) {
        char ch = t->p[s->k];
        if (s->st == F_QUOTED) {
            if (ch == '"')
                s->st = F_QUOTE_IN_QUOTED;
            else if (ch == '\n')
                s->lines++;
            continue;
        }
        if (ch == '\n') {
            s->stop = s->k;
            return;
        }
        if (ch == ',') {
            s->st = F_START;
            s->field++;
        } else if (ch == '"' && s->st == F_START) {
            s->st = F_QUOTED;
            s->qopen = s->k;
            s->qfield = s->field;
        } else if (ch == '"' && s->st == F_QUOTE_IN_QUOTED) {
            s->st = F_QUOTED; /* "" inside quotes */
        } else if (s->st == F_START || s->st == F_QUOTE_IN_QUOTED) {
            s->st = F_PLAIN;
        }
    }
}

/*
 * Find the next non-blank record: [t->rec_start, *end) without its line end, t->row_line its
 * first line. *got = false at the end of input. For CSV a LF inside quotes does not end it.
 */
static fl_err next_record(struct fl_table *t, size_t *end, bool *got)
{
    *got = false;
    for (;;) {
        struct scan s = {.st = F_START, .k = t->pos, .stop = SIZE_MAX, .qopen = t->pos};
        bool at_eof;
        t->rec_start = t->pos;
        t->row_line = t->next_line;
        for (;;) {
            scan_window(t, &s);
            at_eof = t->eof || !t->f;
            if (s.stop != SIZE_MAX || at_eof || s.k - t->pos > t->record_bytes + 1) /* + CR */
                break;
            fl_err e = refill(t, &s.k, &s.qopen);
            if (e)
                return e;
        }
        if (s.stop == SIZE_MAX && !at_eof)
            return fl_diag_set(&t->err, FL_ELIMIT, t->row_line, 0,
                               "record longer than the limit of %zu bytes", t->record_bytes);
        if (s.st == F_QUOTED) {
            char tmp[100];
            return err_at(t, FL_EPARSE, s.qopen, "%s: unterminated quoted field",
                          col_label(t, s.qfield, tmp, sizeof tmp));
        }
        size_t rend = s.stop != SIZE_MAX ? s.stop : s.k;
        t->pos = s.stop != SIZE_MAX ? s.stop + 1 : rend;
        t->next_line += s.lines + (s.stop != SIZE_MAX);
        if (rend > t->rec_start && t->p[rend - 1] == '\r')
            rend--;
        if (rend - t->rec_start > t->record_bytes)
            return fl_diag_set(&t->err, FL_ELIMIT, t->row_line, 0,
                               "record is %zu bytes, longer than the limit of %zu bytes",
                               rend - t->rec_start, t->record_bytes);
        if (rend == t->rec_start && s.stop == SIZE_MAX)
            return FL_OK; /* end of input */
        if (blank(t->p + t->rec_start, rend - t->rec_start))
            continue;
        *end = rend;
        *got = true;
        return FL_OK;
    }
}

/* ---- columns and cells ---- */

static fl_err add_column(struct fl_table *t, const char *name, size_t len, size_t at, size_t *idx)
{
    char q[80];
    quote_name(name, len, q, sizeof q);
    if (t->n_cols >= t->max_columns)
        return err_at(t, FL_ELIMIT, at, "column \"%s\": more than %zu columns", q, t->max_columns);
    if (len > FL_LIMIT_NAME_BYTES)
        return err_at(t, FL_ELIMIT, at, "column \"%s\": name longer than %d bytes", q,
                      FL_LIMIT_NAME_BYTES);
    if (memchr(name, '\0', len))
        return err_at(t, FL_EPARSE, at, "column \"%s\": name contains a NUL byte", q);
    if (t->n_cols == t->cap_cols) {
        size_t ncap = t->cap_cols ? t->cap_cols * 2 : 16;
        char **nc = fl_reallocarray(t->cols, ncap, sizeof *nc);
        if (!nc)
            return oom(t);
        t->cols = nc;
        t->cap_cols = ncap;
    }
    if (t->n_cols >= t->cap_cells) {
        size_t ncap = t->cap_cols;
        struct fl_cell *nc = fl_reallocarray(t->cells, ncap, sizeof *nc);
        if (!nc)
            return oom(t);
        t->cells = nc;
        t->cap_cells = ncap;
    }
    char *s = fl_strndup(name, len);
    if (!s)
        return oom(t);
    fl_err e = fl_map_put(t->index, name, len, (void *)(uintptr_t)(t->n_cols + 1));
    if (e) {
        fl_free(s);
        return e == FL_ENOMEM ? oom(t) : err_at(t, e, at, "too many columns");
    }
    t->cols[t->n_cols] = s;
    memset(&t->cells[t->n_cols], 0, sizeof t->cells[0]);
    *idx = t->n_cols++;
    return FL_OK;
}

/* True if the number's text has no fraction or exponent (and is not NaN/Inf). */
static bool integral_text(struct fl_str s, double v)
{
    if (!isfinite(v) || fabs(v) > 9007199254740992.0)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (strchr(".eEpPxXnNiI", s.p[i]))
            return false;
    return true;
}

/* Type a CSV field (see table.h). */
static void csv_cell(const struct field *f, struct fl_cell *c)
{
    struct fl_str tr = fl_str_trim(f->s);
    memset(c, 0, sizeof *c);
    if (tr.len == 0) {
        c->type = FL_CELL_NULL;
        return;
    }
    c->str = tr;
    if (fl_str_to_double(tr, &c->num)) {
        c->type = FL_CELL_NUMBER;
        c->integral = integral_text(tr, c->num);
    } else if (fl_str_eq_ci_c(tr, "true") || fl_str_eq_ci_c(tr, "false")) {
        c->type = FL_CELL_BOOL;
        c->num = (tr.p[0] == 't' || tr.p[0] == 'T') ? 1 : 0;
    } else {
        c->type = FL_CELL_STRING;
        if (f->quoted)
            c->str = f->s;
    }
}

/* ---- CSV ---- */

static const char *col_label(const struct fl_table *t, size_t i, char *tmp, size_t cap)
{
    if (i < t->n_cols) {
        char q[80];
        quote_name(t->cols[i], strlen(t->cols[i]), q, sizeof q);
        snprintf(tmp, cap, "column \"%s\"", q);
    } else {
        snprintf(tmp, cap, "column %zu", i + 1);
    }
    return tmp;
}

static fl_err push_field(struct fl_table *t, size_t n, struct fl_str s, size_t at, bool quoted)
{
    if (n >= t->max_columns + 1)
        return err_at(t, FL_ELIMIT, at, "column %zu: more than %zu columns", n + 1, t->max_columns);
    if (n == t->cap_fields) {
        size_t ncap = t->cap_fields ? t->cap_fields * 2 : 16;
        struct field *nf = fl_reallocarray(t->fields, ncap, sizeof *nf);
        if (!nf)
            return oom(t);
        t->fields = nf;
        t->cap_fields = ncap;
    }
    t->fields[n] = (struct field){s, at, quoted};
    return FL_OK;
}

/* A quoted field starting at i (the quote); *next is the offset after it. */
static fl_err quoted_field(struct fl_table *t, size_t n, size_t i, size_t end, size_t *next)
{
    const char *p = t->p;
    size_t j = i + 1;
    bool escaped = false;
    size_t out_start = t->rowbuf.len;
    for (;;) {
        const char *q = memchr(p + j, '"', end - j);
        if (!q) /* next_record saw the quotes balanced, so this cannot happen; be safe */
            return err_at(t, FL_EPARSE, i, "unterminated quoted field");
        size_t k = (size_t)(q - p);
        if (k + 1 < end && p[k + 1] == '"') {
            fl_buf_append(&t->rowbuf, p + j, k + 1 - j); /* reserved: never reallocates */
            escaped = true;
            j = k + 2;
            continue;
        }
        if (escaped)
            fl_buf_append(&t->rowbuf, p + j, k - j);
        struct fl_str s =
            escaped ? (struct fl_str){t->rowbuf.data + out_start, t->rowbuf.len - out_start}
                    : (struct fl_str){p + i + 1, k - i - 1};
        j = k + 1;
        if (j < end && p[j] != ',') {
            char tmp[100];
            return err_at(t, FL_EPARSE, j, "%s: unexpected character after a closing quote",
                          col_label(t, n, tmp, sizeof tmp));
        }
        *next = j;
        return push_field(t, n, s, i, true);
    }
}

/* Cut the record [rec_start, end) into t->fields; *n_out fields. */
static fl_err csv_split(struct fl_table *t, size_t end, size_t *n_out)
{
    const char *p = t->p;
    size_t n = 0;
    fl_buf_reset(&t->rowbuf);
    if (fl_buf_reserve(&t->rowbuf, end - t->rec_start + 1) != FL_OK)
        return oom(t);
    for (size_t i = t->rec_start;;) {
        size_t next = end;
        fl_err e;
        if (i < end && p[i] == '"') {
            if ((e = quoted_field(t, n, i, end, &next)) != FL_OK)
                return e;
        } else {
            const char *comma = i < end ? memchr(p + i, ',', end - i) : NULL;
            next = comma ? (size_t)(comma - p) : end;
            const char *q = memchr(p + i, '"', next - i);
            if (q) {
                char tmp[100];
                return err_at(t, FL_EPARSE, (size_t)(q - p),
                              "%s: quote inside an unquoted field (quote the whole field and "
                              "double the quote)",
                              col_label(t, n, tmp, sizeof tmp));
            }
            if ((e = push_field(t, n, (struct fl_str){p + i, next - i}, i, false)) != FL_OK)
                return e;
        }
        n++;
        if (next >= end)
            break;
        i = next + 1;
        if (i == end) { /* a trailing comma: an empty last field */
            if ((e = push_field(t, n, (struct fl_str){p + end, 0}, end, false)) != FL_OK)
                return e;
            n++;
            break;
        }
    }
    *n_out = n;
    return FL_OK;
}

static fl_err csv_header(struct fl_table *t)
{
    size_t end, n;
    bool got;
    fl_err e = next_record(t, &end, &got);
    if (e || !got)
        return e;
    if ((e = csv_split(t, end, &n)) != FL_OK)
        return e;
    for (size_t i = 0; i < n; i++) {
        struct fl_str h = fl_str_trim(t->fields[i].s);
        char q[80];
        if (h.len == 0)
            return err_at(t, FL_EPARSE, t->fields[i].pos, "column %zu: empty header", i + 1);
        quote_name(h.p, h.len, q, sizeof q);
        if (fl_map_has(t->index, h.p, h.len))
            return err_at(t, FL_EPARSE, t->fields[i].pos,
                          "column \"%s\": appears twice in the header", q);
        size_t idx;
        if ((e = add_column(t, h.p, h.len, t->fields[i].pos, &idx)) != FL_OK)
            return e;
    }
    return FL_OK;
}

static fl_err csv_row(struct fl_table *t, size_t end)
{
    size_t n;
    fl_err e = csv_split(t, end, &n);
    if (e)
        return e;
    if (n > t->n_cols)
        return err_at(t, FL_EPARSE, t->fields[t->n_cols].pos,
                      "row has %zu fields, the header has %zu", n, t->n_cols);
    if (n < t->n_cols) {
        char tmp[100];
        return err_at(t, FL_EPARSE, end, "%s: missing (row has %zu fields, the header has %zu)",
                      col_label(t, n, tmp, sizeof tmp), n, t->n_cols);
    }
    for (size_t i = 0; i < n; i++)
        csv_cell(&t->fields[i], &t->cells[i]);
    return FL_OK;
}

/* ---- JSON Lines ---- */

struct jrow {
    struct fl_table *t;
    struct fl_json j;
    struct fl_diag jd;
    size_t base; /* offset of the line in t->p */
};

/* The JSON reader failed: move its diagnostic to the table's, with the row's line. */
static fl_err json_fail(struct jrow *r, fl_err e)
{
    if (r->jd.code != FL_OK)
        fl_diag_set(&r->t->err, r->jd.code, r->t->row_line, r->jd.column, "%s", r->jd.msg);
    else
        fl_diag_set(&r->t->err, e, r->t->row_line, 0, "%s", fl_err_str(e));
    return r->t->err.code;
}

/* A string that lives in the reader's scratch is copied into the row buffer. */
static struct fl_str keep(struct jrow *r, struct fl_str s)
{
    const char *lo = r->t->p + r->base, *hi = lo + r->j.len;
    if (s.len == 0 || (s.p >= lo && s.p < hi))
        return s;
    size_t at = r->t->rowbuf.len;
    fl_buf_append(&r->t->rowbuf, s.p, s.len); /* reserved: never reallocates */
    return (struct fl_str){r->t->rowbuf.data + at, s.len};
}

static fl_err json_value(struct jrow *r, enum fl_json_type ty, size_t at)
{
    struct fl_table *t = r->t;
    const char *name = t->key.data ? t->key.data : "";
    size_t nlen = t->key.len;
    char q[80];
    quote_name(name, nlen, q, sizeof q);
    size_t idx = (size_t)(uintptr_t)fl_map_get(t->index, name, nlen);
    fl_err e;
    if (idx == 0) {
        if ((e = add_column(t, name, nlen, r->base + at, &idx)) != FL_OK)
            return e;
    } else {
        idx--;
        if (t->cells[idx].type != FL_CELL_MISSING)
            return err_at(t, FL_EPARSE, r->base + at, "column \"%s\": appears twice in this row",
                          q);
    }
    struct fl_cell c;
    memset(&c, 0, sizeof c);
    bool b = false;
    switch (ty) {
    case FL_JSON_NULL:
        c.type = FL_CELL_NULL;
        e = fl_json_get_null(&r->j);
        break;
    case FL_JSON_BOOL:
        c.type = FL_CELL_BOOL;
        e = fl_json_get_bool(&r->j, &b);
        c.num = b ? 1 : 0;
        c.str = b ? FL_STR_LIT("true") : FL_STR_LIT("false");
        break;
    case FL_JSON_NUMBER:
        c.type = FL_CELL_NUMBER;
        e = fl_json_get_double(&r->j, &c.num);
        c.str = (struct fl_str){r->j.p + at, r->j.pos - at};
        c.integral = integral_text(c.str, c.num);
        break;
    default:
        c.type = FL_CELL_STRING;
        e = fl_json_get_string(&r->j, &t->scratch, &c.str);
        c.str = keep(r, c.str);
        break;
    }
    if (e)
        return json_fail(r, e);
    t->cells[idx] = c;
    return FL_OK;
}

/* Walk an object (the reader is before its '{'), flattening keys into t->key. */
static fl_err json_object(struct jrow *r)
{
    struct fl_table *t = r->t;
    fl_err e = fl_json_enter_object(&r->j);
    if (e)
        return json_fail(r, e);
    for (;;) {
        struct fl_str k;
        bool more;
        if ((e = fl_json_next_key(&r->j, &t->scratch, &k, &more)) != FL_OK)
            return json_fail(r, e);
        if (!more)
            return FL_OK;
        size_t keep_len = t->key.len;
        if (k.len == 0) {
            char q[80];
            quote_name(t->key.data ? t->key.data : "", keep_len, q, sizeof q);
            return err_at(t, FL_EPARSE, r->base + r->j.pos, "column \"%s%s\": empty key", q,
                          keep_len ? "." : "");
        }
        if (keep_len)
            fl_buf_putc(&t->key, '.');
        fl_buf_append(&t->key, k.p, k.len);
        enum fl_json_type ty = fl_json_peek(&r->j);
        size_t at = r->j.pos;
        if (fl_buf_err(&t->key) == FL_ENOMEM)
            return oom(t);
        if (fl_buf_err(&t->key)) {
            char q[80];
            quote_name(t->key.data ? t->key.data : "", t->key.len, q, sizeof q);
            return err_at(t, FL_ELIMIT, r->base + at, "column \"%s\": name longer than %d bytes", q,
                          FL_LIMIT_NAME_BYTES);
        }
        if (ty == FL_JSON_OBJECT) {
            e = json_object(r);
        } else if (ty == FL_JSON_ARRAY) {
            char q[80];
            quote_name(t->key.data, t->key.len, q, sizeof q);
            e = err_at(t, FL_EPARSE, r->base + at,
                       "column \"%s\": arrays are not supported (one flat object per line; "
                       "nested objects are flattened)",
                       q);
        } else if (ty == FL_JSON_NONE) {
            e = json_fail(r, fl_json_skip(&r->j));
        } else {
            e = json_value(r, ty, at);
        }
        if (e)
            return e;
        t->key.len = keep_len;
        if (t->key.data)
            t->key.data[keep_len] = '\0';
    }
}

static fl_err jsonl_row(struct fl_table *t, size_t end)
{
    struct jrow r = {.t = t, .base = t->rec_start};
    fl_diag_init(&r.jd);
    fl_json_init(&r.j, t->p + t->rec_start, end - t->rec_start, &r.jd);
    fl_buf_reset(&t->rowbuf);
    fl_buf_reset(&t->key);
    if (fl_buf_reserve(&t->rowbuf, end - t->rec_start + 1) != FL_OK)
        return oom(t);
    for (size_t i = 0; i < t->n_cols; i++)
        memset(&t->cells[i], 0, sizeof t->cells[i]);
    enum fl_json_type ty = fl_json_peek(&r.j);
    if (ty != FL_JSON_OBJECT) {
        size_t at = t->rec_start + r.j.pos;
        if (ty == FL_JSON_NONE)
            return json_fail(&r, fl_json_skip(&r.j));
        return err_at(t, FL_EPARSE, at, "expected a JSON object per line, got %s",
                      ty == FL_JSON_ARRAY    ? "an array"
                      : ty == FL_JSON_STRING ? "a string"
                      : ty == FL_JSON_NUMBER ? "a number"
                                             : "a literal");
    }
    fl_err e = json_object(&r);
    if (e)
        return e;
    if ((e = fl_json_end(&r.j)) != FL_OK)
        return json_fail(&r, e);
    return FL_OK;
}

/* ---- open, next, free ---- */

static bool has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), m = strlen(ext);
    if (n < m)
        return false;
    for (size_t i = 0; i < m; i++) {
        char c = name[n - m + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != ext[i])
            return false;
    }
    return true;
}

/* Content first ('{' => JSON Lines, any other byte => CSV), then for blank input the extension.
 * Skips a byte order mark. */
static fl_err detect(struct fl_table *t)
{
    size_t dummy = 0, dummy2 = 0;
    while (t->f && !t->eof && t->len - t->pos < CHUNK) {
        fl_err e = refill(t, &dummy, &dummy2);
        if (e)
            return e;
    }
    if (t->len - t->pos >= 3 && memcmp(t->p + t->pos, "\xef\xbb\xbf", 3) == 0)
        t->pos += 3;
    if (t->fmt != FL_TABLE_AUTO)
        return FL_OK;
    for (size_t i = t->pos; i < t->len; i++) {
        char c = t->p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        t->fmt = c == '{' ? FL_TABLE_JSONL : FL_TABLE_CSV;
        break;
    }
    if (t->fmt == FL_TABLE_AUTO)
        t->fmt =
            has_ext(t->name, ".jsonl") || has_ext(t->name, ".ndjson") || has_ext(t->name, ".json")
                ? FL_TABLE_JSONL
                : FL_TABLE_CSV;
    return FL_OK;
}

static struct fl_table *table_new(const char *name, const struct fl_table_opts *o)
{
    struct fl_table *t = fl_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    fl_diag_init(&t->err);
    t->next_line = 1;
    t->fmt = o ? o->format : FL_TABLE_AUTO;
    t->record_bytes = o && o->record_bytes ? o->record_bytes : FL_LIMIT_LINE_BYTES;
    t->max_columns = o && o->max_columns ? o->max_columns : FL_LIMIT_TABLE_COLUMNS;
    t->max_rows = o && o->max_rows ? o->max_rows : FL_LIMIT_TABLE_ROWS;
    fl_buf_init(&t->rowbuf, t->record_bytes + 2);
    fl_buf_init(&t->key, FL_LIMIT_NAME_BYTES);
    fl_buf_init(&t->scratch, t->record_bytes + 2);
    t->name = fl_strdup(name ? name : "input");
    t->index = fl_map_new(NULL, t->max_columns + 1);
    if (!t->name || !t->index) {
        fl_table_free(t);
        return NULL;
    }
    return t;
}

static fl_err start(struct fl_table *t, struct fl_table **out, struct fl_diag *d)
{
    fl_err e = detect(t);
    if (!e && t->fmt == FL_TABLE_CSV)
        e = csv_header(t);
    if (e) {
        report(t, d);
        fl_table_free(t);
        return e;
    }
    *out = t;
    return FL_OK;
}

fl_err fl_table_open_mem(const char *p, size_t len, const char *name, const struct fl_table_opts *o,
                         struct fl_table **out, struct fl_diag *d)
{
    *out = NULL;
    struct fl_table *t = table_new(name, o);
    if (!t)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    t->p = p ? p : "";
    t->len = p ? len : 0;
    t->eof = true;
    return start(t, out, d);
}

fl_err fl_table_open(const char *path, const struct fl_table_opts *o, struct fl_table **out,
                     struct fl_diag *d)
{
    *out = NULL;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        fl_diag_file(d, path);
        return fl_diag_set(d, FL_EIO, 0, 0, "cannot open: %s", strerror(errno));
    }
    struct fl_table *t = table_new(path, o);
    if (!t) {
        if (!is_stdin)
            fclose(f);
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    }
    t->f = f;
    t->close_f = !is_stdin;
    t->p = "";
    return start(t, out, d);
}

void fl_table_free(struct fl_table *t)
{
    if (!t)
        return;
    if (t->f && t->close_f)
        fclose(t->f);
    for (size_t i = 0; i < t->n_cols; i++)
        fl_free(t->cols[i]);
    fl_free(t->cols);
    fl_free(t->cells);
    fl_free(t->fields);
    fl_free(t->buf);
    fl_free(t->name);
    fl_map_free(t->index);
    fl_buf_cleanup(&t->rowbuf);
    fl_buf_cleanup(&t->key);
    fl_buf_cleanup(&t->scratch);
    fl_free(t);
}

fl_err fl_table_next(struct fl_table *t, const struct fl_cell **row, struct fl_diag *d)
{
    size_t end;
    bool got;
    *row = NULL;
    if (t->err.code)
        return report(t, d);
    fl_err e = next_record(t, &end, &got);
    if (!e && got && t->n_rows >= t->max_rows)
        e = fl_diag_set(&t->err, FL_ELIMIT, t->row_line, 0, "more than %zu rows", t->max_rows);
    if (!e && got)
        e = t->fmt == FL_TABLE_CSV ? csv_row(t, end) : jsonl_row(t, end);
    if (e)
        return report(t, d);
    if (got) {
        t->n_rows++;
        *row = t->cells;
    }
    return FL_OK;
}

enum fl_table_format fl_table_format(const struct fl_table *t)
{
    return t->fmt;
}

size_t fl_table_n_columns(const struct fl_table *t)
{
    return t->n_cols;
}

const char *fl_table_column(const struct fl_table *t, size_t i)
{
    return i < t->n_cols ? t->cols[i] : NULL;
}

size_t fl_table_n_rows(const struct fl_table *t)
{
    return t->n_rows;
}

unsigned long fl_table_line(const struct fl_table *t)
{
    return t->n_rows ? t->row_line : 0;
}

const char *fl_table_name(const struct fl_table *t)
{
    return t->name;
}

const char *fl_table_format_name(enum fl_table_format f)
{
    return f == FL_TABLE_JSONL ? "jsonl" : f == FL_TABLE_CSV ? "csv" : "auto";
}

/* ---- load whole ---- */

void fl_table_data_free(struct fl_table_data *td)
{
    if (!td)
        return;
    for (size_t i = 0; i < td->n_cols; i++)
        fl_free(td->cols[i].cells);
    fl_free(td->cols);
    fl_arena_cleanup(&td->arena);
    fl_free(td);
}

struct loader {
    struct fl_table_data *td;
    size_t cap_rows, cap_cols;
};

static fl_err load_grow_cols(struct loader *L, struct fl_table *t)
{
    struct fl_table_data *td = L->td;
    while (td->n_cols < t->n_cols) {
        if (td->n_cols == L->cap_cols) {
            size_t ncap = L->cap_cols ? L->cap_cols * 2 : 16;
            struct fl_table_column *nc = fl_reallocarray(td->cols, ncap, sizeof *nc);
            if (!nc)
                return FL_ENOMEM;
            td->cols = nc;
            L->cap_cols = ncap;
        }
        struct fl_table_column *c = &td->cols[td->n_cols];
        c->cells = L->cap_rows ? fl_calloc(L->cap_rows, sizeof *c->cells) : NULL;
        c->name = fl_arena_strdup(&td->arena, t->cols[td->n_cols]);
        if ((L->cap_rows && !c->cells) || !c->name) {
            fl_free(c->cells);
            return c->name || !td->arena.limit_hit ? FL_ENOMEM : FL_ELIMIT;
        }
        td->n_cols++; /* cells of earlier rows are zero: FL_CELL_MISSING */
    }
    return FL_OK;
}

static fl_err load_row(struct loader *L, struct fl_table *t, const struct fl_cell *row)
{
    struct fl_table_data *td = L->td;
    fl_err e = load_grow_cols(L, t);
    if (e)
        return e;
    if ((td->n_rows + 1) * (td->n_cols ? td->n_cols : 1) > FL_LIMIT_TABLE_LOAD_CELLS)
        return FL_ELIMIT;
    if (td->n_rows == L->cap_rows) {
        size_t ncap = L->cap_rows ? L->cap_rows * 2 : 256;
        for (size_t i = 0; i < td->n_cols; i++) {
            struct fl_cell *nc = fl_reallocarray(td->cols[i].cells, ncap, sizeof *nc);
            if (!nc)
                return FL_ENOMEM;
            memset(nc + L->cap_rows, 0, (ncap - L->cap_rows) * sizeof *nc);
            td->cols[i].cells = nc;
        }
        L->cap_rows = ncap;
    }
    for (size_t i = 0; i < td->n_cols; i++) {
        struct fl_cell c = row[i];
        if (c.str.len) {
            char *s = fl_arena_strndup(&td->arena, c.str.p, c.str.len);
            if (!s)
                return td->arena.limit_hit ? FL_ELIMIT : FL_ENOMEM;
            c.str.p = s;
        } else {
            c.str = (struct fl_str){"", 0};
        }
        td->cols[i].cells[td->n_rows] = c;
    }
    td->n_rows++;
    return FL_OK;
}

fl_err fl_table_load_from(struct fl_table *t, struct fl_table_data **out, struct fl_diag *d)
{
    struct loader L = {0};
    *out = NULL;
    if (!(L.td = fl_calloc(1, sizeof *L.td)))
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    fl_arena_init(&L.td->arena, 64 * 1024, FL_LIMIT_BATCH_ARENA_BYTES);
    L.td->format = t->fmt;
    const struct fl_cell *row;
    fl_err e;
    while ((e = fl_table_next(t, &row, d)) == FL_OK && row) {
        if ((e = load_row(&L, t, row)) != FL_OK) {
            fl_diag_file(d, t->name);
            if (e == FL_ELIMIT)
                fl_diag_set(d, e, t->row_line, 0,
                            "table too large to load (more than %u cells or %u bytes of text)",
                            FL_LIMIT_TABLE_LOAD_CELLS, FL_LIMIT_BATCH_ARENA_BYTES);
            else
                fl_diag_set(d, e, t->row_line, 0, "out of memory");
            break;
        }
    }
    if (!e && (e = load_grow_cols(&L, t)) != FL_OK)
        fl_diag_set(d, e, 0, 0, "out of memory");
    if (e) {
        fl_table_data_free(L.td);
        return e;
    }
    *out = L.td;
    return FL_OK;
}

fl_err fl_table_load(const char *path, const struct fl_table_opts *o, struct fl_table_data **out,
                     struct fl_diag *d)
{
    struct fl_table *t = NULL;
    *out = NULL;
    fl_err e = fl_table_open(path, o, &t, d);
    if (e)
        return e;
    e = fl_table_load_from(t, out, d);
    fl_table_free(t);
    return e;
}

long fl_table_data_find(const struct fl_table_data *td, const char *name)
{
    for (size_t i = 0; i < td->n_cols; i++)
        if (strcmp(td->cols[i].name, name) == 0)
            return (long)i;
    return -1;
}

fl_err fl_table_data_numbers(const struct fl_table_data *td, size_t col, double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (col >= td->n_cols)
        return FL_EINVAL;
    size_t k = 0;
    for (size_t r = 0; r < td->n_rows; r++)
        k += td->cols[col].cells[r].type == FL_CELL_NUMBER;
    if (k == 0)
        return FL_OK;
    double *v = fl_reallocarray(NULL, k, sizeof *v);
    if (!v)
        return FL_ENOMEM;
    k = 0;
    for (size_t r = 0; r < td->n_rows; r++)
        if (td->cols[col].cells[r].type == FL_CELL_NUMBER)
            v[k++] = td->cols[col].cells[r].num;
    *out = v;
    *n = k;
    return FL_OK;
}
