/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv.c: wide CSV (RFC 4180) -> metric samples, and the JSON mapping that names its series.
 *
 * The mapping is a small, rarely parsed document, so it is read with jansson. The CSV itself is
 * split record by record: first the record's end is found (quotes may hide newlines), then its
 * fields are cut, unescaping quoted fields into a scratch buffer reserved to the record's length
 * (so field pointers stay valid for the whole record).
 */
#include "csv.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/map.h"
#include "records_int.h"

enum { UNMAPPED_AUTO, UNMAPPED_SKIP, UNMAPPED_ERROR };

struct col_map {
    char *column;
    char *name; /* NULL = sanitized column name */
    struct fl_label *labels;
    size_t n_labels;
    bool skip;
};

struct fl_csv_mapping {
    char *time_column; /* NULL = detect */
    struct fl_label *common;
    size_t n_common;
    struct col_map *cols;
    size_t n_cols;
    struct fl_map *index; /* column -> struct col_map * (not owned) */
    int unmapped;
};

/* ---- names ---- */

static bool valid_metric_name(const char *s)
{
    if (!*s)
        return false;
    for (size_t i = 0; s[i]; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                  ch == ':' || (i > 0 && ch >= '0' && ch <= '9');
        if (!ok)
            return false;
    }
    return true;
}

static bool valid_label_name(const char *s)
{
    if (!*s || (s[0] == '_' && s[1] == '_'))
        return false;
    for (size_t i = 0; s[i]; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                  (i > 0 && ch >= '0' && ch <= '9');
        if (!ok)
            return false;
    }
    return true;
}

bool fl_csv_is_time_header(const char *p, size_t len)
{
    struct fl_str s = fl_str_trim((struct fl_str){p, len});
    static const char *const names[] = {"time", "timestamp", "ts", "date", "datetime", "_time",
                                        NULL};
    for (size_t i = 0; names[i]; i++)
        if (fl_str_eq_ci_c(s, names[i]))
            return true;
    return false;
}

/* ---- mapping ---- */

static void free_labels(struct fl_label *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fl_free((char *)l[i].name);
        fl_free((char *)l[i].value);
    }
    fl_free(l);
}

void fl_csv_mapping_free(struct fl_csv_mapping *m)
{
    if (!m)
        return;
    fl_free(m->time_column);
    free_labels(m->common, m->n_common);
    for (size_t i = 0; i < m->n_cols; i++) {
        fl_free(m->cols[i].column);
        fl_free(m->cols[i].name);
        free_labels(m->cols[i].labels, m->cols[i].n_labels);
    }
    fl_free(m->cols);
    fl_map_free(m->index);
    fl_free(m);
}

static fl_err cfg_err(struct fl_diag *d, const char *field, const char *fmt, ...) FL_PRINTF(3, 4);
static fl_err cfg_err(struct fl_diag *d, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_diag_vset(d, FL_ECONFIG, 0, 0, fmt, ap);
    va_end(ap);
    if (*field)
        fl_diag_field(d, "%s", field);
    return FL_ECONFIG;
}

/* {"name": "value", ...} -> heap label array. path is "labels" or "columns.<c>.labels". */
static fl_err parse_labels(json_t *obj, const char *path, struct fl_label **out, size_t *n_out,
                           struct fl_diag *d)
{
    char field[FL_DIAG_FIELD_CAP];
    if (!json_is_object(obj))
        return cfg_err(d, path, "%s: expected an object of label name -> string", path);
    size_t n = json_object_size(obj), i = 0;
    if (n > FL_LIMIT_LABELS_PER_SERIES)
        return cfg_err(d, path, "%s: too many labels", path);
    struct fl_label *l = n ? fl_calloc(n, sizeof *l) : NULL;
    if (n && !l)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    const char *key;
    json_t *val;
    fl_err e = FL_OK;
    json_object_foreach(obj, key, val) {
        snprintf(field, sizeof field, "%s.%s", path, key);
        if (!valid_label_name(key)) {
            e = cfg_err(d, field, "invalid label name \"%s\" (expected [a-zA-Z_][a-zA-Z0-9_]*, "
                        "not starting with __)", key);
            break;
        }
        if (!json_is_string(val) || json_string_length(val) > FL_LIMIT_VALUE_BYTES) {
            e = cfg_err(d, field, "label \"%s\": expected a string value", key);
            break;
        }
        l[i].name = fl_strdup(key);
        l[i].value = fl_strndup(json_string_value(val), json_string_length(val));
        i++;
        if (!l[i - 1].name || !l[i - 1].value) {
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
            break;
        }
    }
    if (e) {
        free_labels(l, i);
        return e;
    }
    *out = l;
    *n_out = i;
    return FL_OK;
}

static fl_err parse_column(const char *col, json_t *val, struct col_map *cm, struct fl_diag *d)
{
    char field[FL_DIAG_FIELD_CAP];
    snprintf(field, sizeof field, "columns.%s", col);
    if (!(cm->column = fl_strdup(col)))
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    if (json_is_null(val) || json_is_false(val)) {
        cm->skip = true;
        return FL_OK;
    }
    json_t *name = NULL, *labels = NULL;
    if (json_is_string(val)) {
        name = val;
    } else if (json_is_object(val)) {
        const char *key;
        json_t *v;
        json_object_foreach(val, key, v) {
            if (strcmp(key, "name") == 0)
                name = v;
            else if (strcmp(key, "labels") == 0)
                labels = v;
            else {
                snprintf(field, sizeof field, "columns.%s.%s", col, key);
                return cfg_err(d, field, "unknown key \"%s\" (expected name or labels)", key);
            }
        }
    } else {
        return cfg_err(d, field, "column \"%s\": expected an object {name, labels}, a metric "
                       "name, or null to skip", col);
    }
    if (name) {
        snprintf(field, sizeof field, "columns.%s.name", col);
        if (!json_is_string(name) || !valid_metric_name(json_string_value(name)))
            return cfg_err(d, field, "column \"%s\": name must be a metric name "
                           "([a-zA-Z_:][a-zA-Z0-9_:]*)", col);
        if (!(cm->name = fl_strdup(json_string_value(name))))
            return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    }
    if (labels) {
        snprintf(field, sizeof field, "columns.%s.labels", col);
        return parse_labels(labels, field, &cm->labels, &cm->n_labels, d);
    }
    return FL_OK;
}

static fl_err parse_columns(struct fl_csv_mapping *m, json_t *cols, struct fl_diag *d)
{
    if (!json_is_object(cols))
        return cfg_err(d, "columns", "%s: expected an object of column -> mapping", "columns");
    size_t n = json_object_size(cols);
    if (n > FL_LIMIT_CSV_COLUMNS)
        return cfg_err(d, "columns", "%s: more columns than FL_LIMIT_CSV_COLUMNS", "columns");
    if (n && !(m->cols = fl_calloc(n, sizeof *m->cols)))
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    if (!(m->index = fl_map_new(NULL, FL_LIMIT_CSV_COLUMNS + 1)))
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    const char *key;
    json_t *val;
    json_object_foreach(cols, key, val) {
        struct col_map *cm = &m->cols[m->n_cols++];
        fl_err e = parse_column(key, val, cm, d);
        if (e)
            return e;
        if ((e = fl_map_put(m->index, key, strlen(key), cm)) != FL_OK)
            return fl_diag_set(d, e, 0, 0, "out of memory");
    }
    return FL_OK;
}

static fl_err mapping_from_json(struct fl_csv_mapping *m, json_t *root, struct fl_diag *d)
{
    if (!json_is_object(root))
        return cfg_err(d, "", "%s: expected a JSON object", "mapping");
    const char *key;
    json_t *val;
    fl_err e = FL_OK;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "time_column") == 0) {
            if (!json_is_string(val) || json_string_length(val) == 0)
                return cfg_err(d, key, "%s: expected a non-empty string", key);
            if (!(m->time_column = fl_strdup(json_string_value(val))))
                return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        } else if (strcmp(key, "labels") == 0) {
            e = parse_labels(val, "labels", &m->common, &m->n_common, d);
        } else if (strcmp(key, "columns") == 0) {
            e = parse_columns(m, val, d);
        } else if (strcmp(key, "unmapped") == 0) {
            const char *s = json_is_string(val) ? json_string_value(val) : "";
            if (strcmp(s, "auto") == 0)
                m->unmapped = UNMAPPED_AUTO;
            else if (strcmp(s, "skip") == 0)
                m->unmapped = UNMAPPED_SKIP;
            else if (strcmp(s, "error") == 0)
                m->unmapped = UNMAPPED_ERROR;
            else
                return cfg_err(d, key, "%s: expected \"auto\", \"skip\" or \"error\"", key);
        } else {
            return cfg_err(d, key, "unknown key \"%s\" (expected time_column, labels, columns or "
                           "unmapped)", key);
        }
        if (e)
            return e;
    }
    return FL_OK;
}

fl_err fl_csv_mapping_parse(const char *p, size_t len, struct fl_csv_mapping **out,
                            struct fl_diag *d)
{
    json_error_t jerr;
    *out = NULL;
    json_t *root = json_loadb(p ? p : "", p ? len : 0, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return fl_diag_set(d, FL_ECONFIG, (unsigned long)(jerr.line > 0 ? jerr.line : 0),
                           (unsigned long)(jerr.column > 0 ? jerr.column : 0), "%s", jerr.text);
    struct fl_csv_mapping *m = fl_calloc(1, sizeof *m);
    fl_err e = m ? mapping_from_json(m, root, d) : fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    json_decref(root);
    if (e) {
        fl_csv_mapping_free(m);
        return e;
    }
    *out = m;
    return FL_OK;
}

/* ---- CSV records ---- */

struct field {
    struct fl_str s; /* unescaped content (input or scratch) */
    size_t pos;      /* byte offset of the field's first character in the input */
};

struct col {
    char *header;               /* trimmed header text, heap */
    const struct col_map *map;  /* NULL = unmapped */
    bool skip;                  /* time column, skipped or unmapped-skip */
    bool has_series;
    uint32_t series;
};

struct csv {
    const char *p;
    size_t len;
    size_t pos;             /* start of the next record */
    unsigned long next_line; /* its line number */
    struct fl_buf scratch;
    struct field *fields;
    size_t n_fields, cap_fields;
    unsigned long line; /* line of the current record */
    size_t rec_start;
    struct fl_diag *d;
    const struct fl_limits *lim;
};

/* Line and column of input offset pos within the current record. */
static void rec_linecol(const struct csv *c, size_t pos, unsigned long *line, unsigned long *col)
{
    unsigned long l = c->line;
    size_t ls = c->rec_start;
    for (size_t i = c->rec_start; i < pos && i < c->len; i++)
        if (c->p[i] == '\n') {
            l++;
            ls = i + 1;
        }
    *line = l;
    *col = (unsigned long)(pos - ls + 1);
}

static fl_err rec_err(struct csv *c, fl_err code, size_t pos, const char *field, const char *fmt,
                      ...) FL_PRINTF(5, 6);
static fl_err rec_err(struct csv *c, fl_err code, size_t pos, const char *field, const char *fmt,
                      ...)
{
    unsigned long line, col;
    rec_linecol(c, pos, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    fl_diag_vset(c->d, code, line, col, fmt, ap);
    va_end(ap);
    if (field)
        fl_diag_field(c->d, "%s", field);
    return code;
}

static fl_err push_field(struct csv *c, struct fl_str s, size_t pos)
{
    if (c->n_fields >= FL_LIMIT_CSV_COLUMNS)
        return rec_err(c, FL_ELIMIT, pos, NULL, "more than %d columns", FL_LIMIT_CSV_COLUMNS);
    if (c->n_fields == c->cap_fields) {
        size_t ncap = c->cap_fields ? c->cap_fields * 2 : 16;
        struct field *nf = fl_reallocarray(c->fields, ncap, sizeof *nf);
        if (!nf)
            return fl_diag_set(c->d, FL_ENOMEM, c->line, 0, "out of memory");
        c->fields = nf;
        c->cap_fields = ncap;
    }
    c->fields[c->n_fields].s = s;
    c->fields[c->n_fields].pos = pos;
    c->n_fields++;
    return FL_OK;
}

/* A quoted field starting at i (the opening quote), ending before `end`. *next is the offset
 * after the closing quote. */
static fl_err quoted_field(struct csv *c, size_t i, size_t end, size_t *next)
{
    const char *p = c->p;
    size_t j = i + 1, seg = j;
    bool escaped = false;
    size_t at = c->scratch.len;
    for (;;) {
        const char *q = j < end ? memchr(p + j, '"', end - j) : NULL;
        if (!q)
            return rec_err(c, FL_EPARSE, i, NULL, "unterminated quoted field");
        j = (size_t)(q - p);
        if (j + 1 < end && p[j + 1] == '"') { /* "" is one quote */
            fl_buf_append(&c->scratch, p + seg, j + 1 - seg);
            escaped = true;
            j += 2;
            seg = j;
            continue;
        }
        break;
    }
    struct fl_str s;
    if (escaped) {
        fl_buf_append(&c->scratch, p + seg, j - seg);
        s = (struct fl_str){c->scratch.data + at, c->scratch.len - at};
    } else {
        s = (struct fl_str){p + i + 1, j - i - 1};
    }
    j++; /* closing quote */
    if (j < end && p[j] != ',')
        return rec_err(c, FL_EPARSE, j, NULL, "unexpected character after a closing quote");
    *next = j;
    return push_field(c, s, i);
}

/*
 * Read the next record that is not blank into c->fields. Returns FL_OK with *got = false at the end
 * of input.
 */
static fl_err next_record(struct csv *c, bool *got)
{
    const char *p = c->p;
    *got = false;
    while (c->pos < c->len) {
        /* find the record's end: the first LF outside quotes (RFC 4180 field states; a quote
         * only opens a field at its start, so a bare quote cannot swallow the next lines) */
        enum { F_START, F_PLAIN, F_QUOTED, F_QUOTE_IN_QUOTED } st = F_START;
        size_t start = c->pos, end = c->len, qopen = start;
        unsigned long lines = 0;
        for (size_t k = start; k < c->len; k++) {
            char ch = p[k];
            if (st == F_QUOTED) {
                if (ch == '"')
                    st = F_QUOTE_IN_QUOTED;
                else if (ch == '\n')
                    lines++;
                continue;
            }
            if (ch == '\n') {
                end = k;
                break;
            }
            if (ch == ',')
                st = F_START;
            else if (ch == '"' && st == F_START) {
                st = F_QUOTED;
                qopen = k;
            } else if (ch == '"' && st == F_QUOTE_IN_QUOTED)
                st = F_QUOTED; /* "" inside quotes */
            else if (st == F_START || st == F_QUOTE_IN_QUOTED)
                st = F_PLAIN;
        }
        bool inq = st == F_QUOTED;
        c->line = c->next_line;
        c->rec_start = start;
        c->next_line += lines + 1;
        c->pos = end < c->len ? end + 1 : c->len;
        if (inq)
            return rec_err(c, FL_EPARSE, qopen, NULL, "unterminated quoted field");
        if (end > start && p[end - 1] == '\r')
            end--;
        if (end - start > c->lim->line_bytes)
            return fl_diag_set(c->d, FL_ELIMIT, c->line, 0,
                               "record is %zu bytes, longer than the limit of %zu bytes",
                               end - start, c->lim->line_bytes);
        struct fl_str whole = fl_str_trim((struct fl_str){p + start, end - start});
        if (whole.len == 0)
            continue; /* blank line */
        fl_buf_reset(&c->scratch);
        fl_err e = fl_buf_reserve(&c->scratch, end - start + 1);
        if (e)
            return fl_diag_set(c->d, e, c->line, 0, "out of memory");
        c->n_fields = 0;
        for (size_t i = start;;) {
            size_t next = end;
            if (i < end && p[i] == '"') {
                if ((e = quoted_field(c, i, end, &next)) != FL_OK)
                    return e;
            } else {
                const char *comma = i < end ? memchr(p + i, ',', end - i) : NULL;
                next = comma ? (size_t)(comma - p) : end;
                const char *q = memchr(p + i, '"', next - i);
                if (q)
                    return rec_err(c, FL_EPARSE, (size_t)(q - p), NULL,
                                   "quote inside an unquoted field (quote the whole field and "
                                   "double the quote)");
                if ((e = push_field(c, (struct fl_str){p + i, next - i}, i)) != FL_OK)
                    return e;
            }
            if (next >= end)
                break;
            i = next + 1; /* past the comma; a trailing comma yields an empty last field */
            if (i == end && (e = push_field(c, (struct fl_str){p + end, 0}, end)) != FL_OK)
                return e;
            if (i == end)
                break;
        }
        *got = true;
        return FL_OK;
    }
    return FL_OK;
}

/* ---- header and series ---- */

/* Metric name from a header: [a-zA-Z0-9_:] kept, others '_', '_' before a leading digit. */
static char *sanitize(const char *h)
{
    size_t n = strlen(h);
    char *s = fl_malloc(n + 2);
    if (!s)
        return NULL;
    size_t k = 0;
    if (h[0] >= '0' && h[0] <= '9')
        s[k++] = '_';
    for (size_t i = 0; i < n; i++) {
        char ch = h[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                  ch == ':' || (ch >= '0' && ch <= '9');
        s[k++] = ok ? ch : '_';
    }
    s[k] = '\0';
    return s;
}

struct run {
    struct csv c;
    const struct fl_csv_mapping *m;
    struct fl_batch *b;
    struct col *cols;
    size_t n_cols;
    size_t time_col;
    struct fl_label *tmp_labels;
    size_t series_base;   /* b->n_series at start: series created by this call are >= */
    uint32_t *owner;      /* column + 1 owning series_base + i, 0 = none */
    size_t cap_owner;
};

static fl_err resolve_columns(struct run *r, struct fl_map *seen);

static fl_err read_header(struct run *r)
{
    struct csv *c = &r->c;
    struct fl_map *seen = NULL;
    bool got;
    fl_err e = next_record(c, &got);
    if (e || !got)
        return e;
    r->n_cols = c->n_fields;
    if (!(r->cols = fl_calloc(r->n_cols, sizeof *r->cols)) ||
        !(seen = fl_map_new(NULL, FL_LIMIT_CSV_COLUMNS + 1))) {
        e = fl_diag_set(c->d, FL_ENOMEM, c->line, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < r->n_cols; i++) {
        struct fl_str h = fl_str_trim(c->fields[i].s);
        if (h.len == 0) {
            e = rec_err(c, FL_EPARSE, c->fields[i].pos, NULL, "column %zu has an empty header",
                        i + 1);
            goto out;
        }
        if (h.len > FL_LIMIT_NAME_BYTES) {
            e = rec_err(c, FL_ELIMIT, c->fields[i].pos, NULL,
                        "column %zu header longer than %d bytes", i + 1, FL_LIMIT_NAME_BYTES);
            goto out;
        }
        if (!(r->cols[i].header = fl_strndup(h.p, h.len))) {
            e = fl_diag_set(c->d, FL_ENOMEM, c->line, 0, "out of memory");
            goto out;
        }
        if (fl_map_has(seen, h.p, h.len)) {
            e = rec_err(c, FL_EPARSE, c->fields[i].pos, r->cols[i].header,
                        "column \"%s\" appears twice in the header", r->cols[i].header);
            goto out;
        }
        if ((e = fl_map_put(seen, h.p, h.len, r->cols + i)) != FL_OK) {
            e = fl_diag_set(c->d, e, c->line, 0, "out of memory");
            goto out;
        }
    }
    e = resolve_columns(r, seen);
out:
    fl_map_free(seen);
    return e;
}

/* Time column and mapping entries of the header's columns; seen maps header -> struct col. */
static fl_err resolve_columns(struct run *r, struct fl_map *seen)
{
    struct csv *c = &r->c;
    /* time column: named by the mapping, else the first time-like header, else the first */
    r->time_col = 0;
    if (r->m && r->m->time_column) {
        struct col *tc = fl_map_get(seen, r->m->time_column, strlen(r->m->time_column));
        if (!tc)
            return fl_diag_set(c->d, FL_EINVAL, c->line, 0,
                               "time column \"%s\" named by the mapping is not in the header",
                               r->m->time_column);
        r->time_col = (size_t)(tc - r->cols);
    } else {
        for (size_t i = 0; i < r->n_cols; i++)
            if (fl_csv_is_time_header(r->cols[i].header, strlen(r->cols[i].header))) {
                r->time_col = i;
                break;
            }
    }
    r->cols[r->time_col].skip = true;
    /* columns -> mapping entries */
    for (size_t i = 0; i < r->n_cols; i++) {
        struct col *col = &r->cols[i];
        if (i == r->time_col)
            continue;
        if (r->m && r->m->index)
            col->map = fl_map_get(r->m->index, col->header, strlen(col->header));
        if (col->map) {
            col->skip = col->map->skip;
        } else if (r->m && r->m->unmapped == UNMAPPED_SKIP) {
            col->skip = true;
        } else if (r->m && r->m->unmapped == UNMAPPED_ERROR) {
            return rec_err(c, FL_EINVAL, c->fields[i].pos, col->header,
                           "column \"%s\" has no entry in the mapping (\"unmapped\": \"error\")",
                           col->header);
        }
    }
    for (size_t i = 0; r->m && i < r->m->n_cols; i++) {
        const char *name = r->m->cols[i].column;
        if (!fl_map_has(seen, name, strlen(name))) {
            fl_diag_set(c->d, FL_EINVAL, c->line, 0,
                        "the mapping names column \"%s\", which is not in the header", name);
            fl_diag_field(c->d, "columns.%s", name);
            return FL_EINVAL;
        }
    }
    return FL_OK;
}

/* The series of column i, created on its first sample. */
static fl_err column_series(struct run *r, size_t i, size_t pos, uint32_t *idx)
{
    struct col *col = &r->cols[i];
    if (col->has_series) {
        *idx = col->series;
        return FL_OK;
    }
    const struct col_map *cm = col->map;
    size_t n_common = r->m ? r->m->n_common : 0, n_own = cm ? cm->n_labels : 0, n = 0;
    if (1 + n_common + n_own > r->c.lim->labels_per_series)
        return rec_err(&r->c, FL_ELIMIT, pos, col->header,
                       "column \"%s\": more than %zu labels", col->header,
                       r->c.lim->labels_per_series);
    char *sname = NULL;
    const char *name = cm && cm->name ? cm->name : (sname = sanitize(col->header));
    if (!name)
        return fl_diag_set(r->c.d, FL_ENOMEM, r->c.line, 0, "out of memory");
    struct fl_label *l = r->tmp_labels;
    l[n++] = (struct fl_label){"__name__", name};
    for (size_t k = 0; k < n_own; k++)
        l[n++] = cm->labels[k];
    for (size_t k = 0; k < n_common; k++) { /* the column's own labels win */
        bool overridden = false;
        for (size_t o = 0; o < n_own; o++)
            overridden |= strcmp(cm->labels[o].name, r->m->common[k].name) == 0;
        if (!overridden)
            l[n++] = r->m->common[k];
    }
    fl_err e = fl_batch_series(r->b, l, n, idx);
    fl_free(sname);
    if (e)
        return fl_ingest__batch_fail(r->c.d, e, r->b, r->c.line);
    if (*idx >= r->series_base) {
        size_t k = *idx - r->series_base;
        if (k >= r->cap_owner) {
            size_t ncap = r->cap_owner ? r->cap_owner * 2 : 64;
            while (ncap <= k)
                ncap *= 2;
            uint32_t *no = fl_reallocarray(r->owner, ncap, sizeof *no);
            if (!no)
                return fl_diag_set(r->c.d, FL_ENOMEM, r->c.line, 0, "out of memory");
            memset(no + r->cap_owner, 0, (ncap - r->cap_owner) * sizeof *no);
            r->owner = no;
            r->cap_owner = ncap;
        }
        if (r->owner[k] && r->owner[k] != i + 1)
            return rec_err(&r->c, FL_EINVAL, pos, col->header,
                           "columns \"%s\" and \"%s\" map to the same series",
                           r->cols[r->owner[k] - 1].header, col->header);
        r->owner[k] = (uint32_t)(i + 1);
    }
    col->series = *idx;
    col->has_series = true;
    return FL_OK;
}

/* ---- rows ---- */

static void cell_excerpt(struct fl_str s, char *out, size_t cap)
{
    size_t n = s.len < 40 ? s.len : 40;
    if (n > cap - 4)
        n = cap - 4;
    for (size_t i = 0; i < n; i++)
        out[i] = ((unsigned char)s.p[i] < 0x20 || s.p[i] == '"') ? '?' : s.p[i];
    if (s.len > n) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

static fl_err parse_time_cell(struct run *r, int64_t *ts_ms)
{
    struct csv *c = &r->c;
    const struct field *f = &c->fields[r->time_col];
    const char *hdr = r->cols[r->time_col].header;
    struct fl_str s = fl_str_trim(f->s);
    char ex[64];
    double v;
    if (s.len == 0)
        return rec_err(c, FL_EPARSE, f->pos, hdr, "column \"%s\": empty time", hdr);
    if (fl_str_to_double(s, &v)) {
        if (fl_ingest__ts_from_number(v, ts_ms) == FL_OK)
            return FL_OK;
        cell_excerpt(s, ex, sizeof ex);
        return rec_err(c, FL_EPARSE, f->pos, hdr,
                       "column \"%s\": time %s out of range (expected unix seconds or "
                       "milliseconds, 1970 to 9999)",
                       hdr, ex);
    }
    if (fl_ingest__ts_from_rfc3339(s, ts_ms) == FL_OK)
        return FL_OK;
    cell_excerpt(s, ex, sizeof ex);
    return rec_err(c, FL_EPARSE, f->pos, hdr,
                   "column \"%s\": invalid time \"%s\" (expected unix seconds, milliseconds or "
                   "RFC 3339)",
                   hdr, ex);
}

static fl_err read_row(struct run *r)
{
    struct csv *c = &r->c;
    int64_t ts;
    fl_err e;
    if (c->n_fields != r->n_cols)
        return fl_diag_set(c->d, FL_EPARSE, c->line, 0, "row has %zu fields, header has %zu",
                           c->n_fields, r->n_cols);
    if ((e = parse_time_cell(r, &ts)) != FL_OK)
        return e;
    for (size_t i = 0; i < r->n_cols; i++) {
        if (r->cols[i].skip)
            continue;
        const struct field *f = &c->fields[i];
        struct fl_str s = fl_str_trim(f->s);
        if (s.len == 0)
            continue; /* empty cell: no sample */
        double v;
        if (!fl_str_to_double(s, &v)) {
            char ex[64];
            cell_excerpt(s, ex, sizeof ex);
            return rec_err(c, FL_EPARSE, f->pos, r->cols[i].header,
                           "column \"%s\": expected a number, got \"%s\"", r->cols[i].header, ex);
        }
        uint32_t idx;
        if ((e = column_series(r, i, f->pos, &idx)) != FL_OK)
            return e;
        if ((e = fl_batch_add_sample(r->b, idx, ts, v)) != FL_OK)
            return fl_ingest__batch_fail(c->d, e, r->b, c->line);
    }
    return FL_OK;
}

fl_err fl_csv_to_batch(const char *p, size_t len, const struct fl_csv_mapping *m,
                       const struct fl_limits *lim, struct fl_batch *b, struct fl_diag *d)
{
    struct fl_limits lim_storage;
    struct run r;
    fl_err e;
    bool got;
    memset(&r, 0, sizeof r);
    r.c.p = p ? p : "";
    r.c.len = p ? len : 0;
    r.c.next_line = 1;
    r.c.d = d;
    r.c.lim = fl_ingest__limits(lim, &lim_storage);
    fl_buf_init(&r.c.scratch, r.c.lim->line_bytes + 1);
    r.m = m;
    r.b = b;
    r.series_base = b->n_series;
    if (r.c.len >= 3 && memcmp(r.c.p, "\xef\xbb\xbf", 3) == 0)
        r.c.pos = 3; /* UTF-8 byte order mark */
    size_t max_labels = 1 + (m ? m->n_common : 0) + FL_LIMIT_LABELS_PER_SERIES;
    if (!(r.tmp_labels = fl_calloc(max_labels, sizeof *r.tmp_labels))) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    if ((e = read_header(&r)) != FL_OK || !r.cols)
        goto out;
    while ((e = next_record(&r.c, &got)) == FL_OK && got)
        if ((e = read_row(&r)) != FL_OK)
            break;
out:
    for (size_t i = 0; i < r.n_cols && r.cols; i++)
        fl_free(r.cols[i].header);
    fl_free(r.cols);
    fl_free(r.owner);
    fl_free(r.tmp_labels);
    fl_free(r.c.fields);
    fl_buf_cleanup(&r.c.scratch);
    return e;
}
