/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rank_input.c: the input side of the ranker (rank.h): rules mapping series names to components
 * (name, prefix before a separator, POSIX regex capture group; optional suffix stripping), and
 * readers that turn an open table (ingest/table.h) into a wide table of series or into call
 * graph edges. The readers never open files themselves: the caller hands over the reader.
 */
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/time.h"
#include "ingest/table.h"
#include "rca/rank.h"

enum map_kind { MAP_NAME, MAP_PREFIX, MAP_REGEX };

struct fl_rank_map {
    enum map_kind kind;
    char *sep;  /* MAP_PREFIX */
    regex_t re; /* MAP_REGEX */
    bool re_ok;
    char *strip; /* suffix to strip, or NULL */
};

void fl_rank_map_free(struct fl_rank_map *m)
{
    if (!m)
        return;
    if (m->re_ok)
        regfree(&m->re);
    fl_free(m->sep);
    fl_free(m->strip);
    fl_free(m);
}

static fl_err map_compile(struct fl_rank_map *m, const char *rule, struct fl_diag *d)
{
    if (!strcmp(rule, "name")) {
        m->kind = MAP_NAME;
        return FL_OK;
    }
    if (!strncmp(rule, "prefix", 6) && (rule[6] == 0 || rule[6] == ':')) {
        m->kind = MAP_PREFIX;
        const char *sep = rule[6] ? rule + 7 : "_";
        if (!*sep)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "map rule \"%s\": empty separator", rule);
        m->sep = fl_strdup(sep);
        return m->sep ? FL_OK : FL_ENOMEM;
    }
    if (!strncmp(rule, "regex:", 6)) {
        m->kind = MAP_REGEX;
        int rc = regcomp(&m->re, rule + 6, REG_EXTENDED);
        if (rc) {
            char msg[128];
            regerror(rc, &m->re, msg, sizeof msg);
            return fl_diag_set(d, FL_EINVAL, 0, 0, "map rule \"%s\": %s", rule, msg);
        }
        m->re_ok = true;
        if (m->re.re_nsub < 1)
            return fl_diag_set(d, FL_EINVAL, 0, 0,
                               "map rule \"%s\": the regex needs a capture group", rule);
        return FL_OK;
    }
    return fl_diag_set(d, FL_EINVAL, 0, 0,
                       "map rule \"%s\": expected name, prefix[:SEP] or regex:ERE", rule);
}

fl_err fl_rank_map_new(const char *rule, const char *strip_suffix, struct fl_rank_map **out,
                       struct fl_diag *d)
{
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    if (!rule)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "map rule missing");
    struct fl_rank_map *m = fl_calloc(1, sizeof *m);
    if (!m)
        return FL_ENOMEM;
    fl_err e = map_compile(m, rule, d);
    if (e == FL_OK && strip_suffix && *strip_suffix && !(m->strip = fl_strdup(strip_suffix)))
        e = FL_ENOMEM;
    if (e != FL_OK) {
        fl_rank_map_free(m);
        return e;
    }
    *out = m;
    return FL_OK;
}

/* component = name[cs..ce), kind = name[0..ks) + name[ke..) with ks <= ke. */
static fl_err map_parts(const char *name, size_t cs, size_t ce, size_t ks, size_t ke,
                        const char *strip, char **component, char **kind)
{
    size_t len = strlen(name);
    if (strip) {
        size_t sl = strlen(strip);
        if (ce - cs > sl && !memcmp(name + ce - sl, strip, sl))
            ce -= sl;
    }
    *component = fl_strndup(name + cs, ce - cs);
    *kind = fl_malloc(ks + (len - ke) + 1);
    if (!*component || !*kind) {
        fl_free(*component);
        fl_free(*kind);
        *component = *kind = NULL;
        return FL_ENOMEM;
    }
    memcpy(*kind, name, ks);
    memcpy(*kind + ks, name + ke, len - ke);
    (*kind)[ks + len - ke] = 0;
    return FL_OK;
}

fl_err fl_rank_map_apply(const struct fl_rank_map *m, const char *name, char **component,
                         char **kind)
{
    if (!name || !component || !kind)
        return FL_EINVAL;
    size_t len = strlen(name);
    const char *strip = m ? m->strip : NULL;
    if (m && m->kind == MAP_PREFIX) {
        const char *p = strstr(name, m->sep);
        if (p && p > name) {
            size_t at = (size_t)(p - name);
            return map_parts(name, 0, at, 0, at + strlen(m->sep), strip, component, kind);
        }
    } else if (m && m->kind == MAP_REGEX) {
        regmatch_t g[2];
        if (!regexec(&m->re, name, 2, g, 0) && g[1].rm_so >= 0 && g[1].rm_eo > g[1].rm_so) {
            size_t so = (size_t)g[1].rm_so, eo = (size_t)g[1].rm_eo;
            return map_parts(name, so, eo, so, eo, strip, component, kind);
        }
    }
    return map_parts(name, 0, len, 0, len, strip, component, kind);
}

/* ---- wide tables ------------------------------------------------------------------------- */

/* The reader's state. Values are kept row-major with a column stride that doubles when a JSON
 * Lines row brings new columns, and transposed to rank.h's column-major layout at the end. */
struct wide {
    long time_col;  /* table column of the time, -1 until the first row */
    size_t n_tcols; /* table columns seen */
    char **names;   /* per table column, copied */
    double *rows;   /* rows[r * stride + table column] */
    size_t stride;  /* column capacity of rows */
    int64_t *ts;    /* per row */
    size_t n_rows, cap_rows;
};

static void wide_cleanup(struct wide *w)
{
    for (size_t i = 0; i < w->n_tcols; i++)
        fl_free(w->names[i]);
    fl_free(w->names);
    fl_free(w->rows);
    fl_free(w->ts);
}

void fl_rank_table_free(struct fl_rank_table *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n_cols; i++)
        fl_free(rt->names[i]);
    fl_free(rt->names);
    fl_free(rt->ts_ms);
    fl_free(rt->v);
    fl_free(rt);
}

static bool is_time_name(const char *s)
{
    static const char *const names[] = {"time", "timestamp", "ts", "unix_timestamp"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (fl_str_eq_ci_c(fl_str_c(s), names[i]))
            return true;
    return false;
}

/* Take in the table's columns (new ones only), widening the stride when needed. */
static fl_err wide_columns(struct wide *w, struct fl_table *t)
{
    size_t nt = fl_table_n_columns(t);
    if (nt <= w->n_tcols)
        return FL_OK;
    char **names = fl_reallocarray(w->names, nt, sizeof *names);
    if (!names)
        return FL_ENOMEM;
    w->names = names;
    for (; w->n_tcols < nt; w->n_tcols++)
        if (!(w->names[w->n_tcols] = fl_strdup(fl_table_column(t, w->n_tcols))))
            return FL_ENOMEM;
    if (nt <= w->stride)
        return FL_OK;
    size_t stride = w->stride ? w->stride : 8;
    while (stride < nt)
        stride *= 2;
    double *rows = fl_reallocarray(NULL, w->cap_rows ? w->cap_rows : 1, stride * sizeof *rows);
    if (!rows)
        return FL_ENOMEM;
    for (size_t r = 0; r < w->n_rows; r++) {
        memcpy(rows + r * stride, w->rows + r * w->stride, w->stride * sizeof *rows);
        for (size_t c = w->stride; c < stride; c++)
            rows[r * stride + c] = NAN;
    }
    fl_free(w->rows);
    w->rows = rows;
    w->stride = stride;
    return FL_OK;
}

static fl_err wide_grow_rows(struct wide *w)
{
    if (w->n_rows < w->cap_rows)
        return FL_OK;
    size_t cap = w->cap_rows ? 2 * w->cap_rows : 256;
    int64_t *ts = fl_reallocarray(w->ts, cap, sizeof *ts);
    if (!ts)
        return FL_ENOMEM;
    w->ts = ts;
    double *rows = fl_reallocarray(w->rows, cap, w->stride * sizeof *rows);
    if (!rows)
        return FL_ENOMEM;
    w->rows = rows;
    w->cap_rows = cap;
    return FL_OK;
}

/* Record a cell error at the current row: "file:LINE: column "x" (N): message". */
static fl_err cell_error(struct fl_table *t, size_t col, const char *name, struct fl_diag *d,
                         const char *fmt, ...) FL_PRINTF(5, 6);
static fl_err cell_error(struct fl_table *t, size_t col, const char *name, struct fl_diag *d,
                         const char *fmt, ...)
{
    va_list ap;
    fl_diag_file(d, fl_table_name(t));
    fl_diag_field(d, "column \"%s\" (%zu)", name, col + 1);
    va_start(ap, fmt);
    fl_err e = fl_diag_vset(d, FL_EPARSE, fl_table_line(t), 0, fmt, ap);
    va_end(ap);
    return e;
}

/* A cell's text for a message, cut to 40 bytes with "..." (buf holds at least 48). */
static const char *shown(struct fl_str s, char *buf, size_t cap)
{
    size_t n = s.len > 40 ? 40 : s.len;
    snprintf(buf, cap, "%.*s%s", (int)n, s.p ? s.p : "", s.len > 40 ? "..." : "");
    return buf;
}

static fl_err time_cell(struct fl_table *t, const struct fl_cell *c, size_t col, const char *name,
                        int64_t *ms, struct fl_diag *d)
{
    char buf[64];
    if (c->type == FL_CELL_NUMBER) {
        if (!isfinite(c->num) || fabs(c->num) > 1e12) /* 1e12 s: year 33658 */
            return cell_error(t, col, name, d, "time out of range: %s",
                              shown(c->str, buf, sizeof buf));
        *ms = (int64_t)llround(c->num * 1000);
        return FL_OK;
    }
    if (c->type == FL_CELL_STRING) {
        struct fl_diag td;
        fl_diag_init(&td);
        /* not the relative forms ("now-1h"): a data file's times are absolute */
        if (!fl_str_has_prefix(c->str, "now") && fl_time_parse_any(c->str, 0, ms, &td) == FL_OK)
            return FL_OK;
        return cell_error(t, col, name, d, "expected a time (unix seconds or RFC 3339), got \"%s\"",
                          shown(c->str, buf, sizeof buf));
    }
    return cell_error(t, col, name, d, "missing time");
}

static fl_err value_cell(struct fl_table *t, const struct fl_cell *c, size_t col, const char *name,
                         double *v, struct fl_diag *d)
{
    switch (c->type) {
    case FL_CELL_NUMBER:
        *v = isfinite(c->num) ? c->num : NAN;
        return FL_OK;
    case FL_CELL_MISSING:
    case FL_CELL_NULL:
        *v = NAN;
        return FL_OK;
    default: {
        char buf[64];
        return cell_error(t, col, name, d, "expected a number, got \"%s\"",
                          shown(c->str, buf, sizeof buf));
    }
    }
}

static fl_err wide_row(struct wide *w, struct fl_table *t, const struct fl_cell *row,
                       struct fl_diag *d)
{
    fl_err e = wide_columns(w, t);
    if (e == FL_OK)
        e = wide_grow_rows(w);
    if (e != FL_OK)
        return e;
    if (w->time_col < 0) {
        w->time_col = 0;
        for (size_t c = 0; c < w->n_tcols; c++)
            if (is_time_name(w->names[c])) {
                w->time_col = (long)c;
                break;
            }
    }
    if ((w->n_rows + 1) * (w->n_tcols ? w->n_tcols : 1) > FL_LIMIT_TABLE_LOAD_CELLS) {
        fl_diag_file(d, fl_table_name(t));
        return fl_diag_set(d, FL_ELIMIT, fl_table_line(t), 0, "more than %u cells",
                           (unsigned)FL_LIMIT_TABLE_LOAD_CELLS);
    }
    size_t tc = (size_t)w->time_col, r = w->n_rows;
    int64_t ts = 0;
    e = time_cell(t, &row[tc], tc, w->names[tc], &ts, d);
    if (e == FL_OK && r && ts < w->ts[r - 1]) {
        char prev[48];
        fl_time_fmt_rfc3339_ms(w->ts[r - 1], prev, sizeof prev);
        e = cell_error(t, tc, w->names[tc], d, "time goes backwards (previous row: %s)", prev);
    }
    for (size_t c = 0; e == FL_OK && c < w->stride; c++) {
        double *slot = &w->rows[r * w->stride + c];
        *slot = NAN;
        if (c < w->n_tcols && c != tc)
            e = value_cell(t, &row[c], c, w->names[c], slot, d);
    }
    if (e == FL_OK) {
        w->ts[r] = ts;
        w->n_rows++;
    }
    return e;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Column-major rank table from the row-major state; checks names. */
static fl_err wide_finish(struct wide *w, struct fl_table *t, struct fl_rank_table **out,
                          struct fl_diag *d)
{
    fl_diag_file(d, fl_table_name(t));
    if (!w->n_rows)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no data rows");
    if (w->n_tcols < 2)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no metric column besides the time");
    size_t nc = w->n_tcols - 1, nr = w->n_rows, tc = (size_t)w->time_col;
    struct fl_rank_table *rt = fl_calloc(1, sizeof *rt);
    char **sorted = fl_malloc(nc * sizeof *sorted);
    fl_err e = FL_ENOMEM;
    if (!rt || !sorted || !(rt->names = fl_calloc(nc, sizeof *rt->names)) ||
        !(rt->v = fl_reallocarray(NULL, nc, nr * sizeof *rt->v)))
        goto out;
    for (size_t c = 0, k = 0; c < w->n_tcols; c++) {
        if (c == tc)
            continue;
        for (size_t r = 0; r < nr; r++)
            rt->v[k * nr + r] = w->rows[r * w->stride + c];
        rt->names[k] = w->names[c];
        w->names[c] = NULL;
        sorted[k] = rt->names[k];
        k++;
    }
    rt->n_cols = nc;
    rt->n_rows = nr;
    rt->ts_ms = w->ts;
    w->ts = NULL;
    qsort(sorted, nc, sizeof *sorted, cmp_str_ptr);
    e = FL_OK;
    for (size_t i = 1; i < nc && e == FL_OK; i++)
        if (!strcmp(sorted[i], sorted[i - 1]))
            e = fl_diag_set(d, FL_EINVAL, 1, 0, "duplicate column \"%s\"", sorted[i]);
out:
    fl_free(sorted);
    if (e != FL_OK) {
        fl_rank_table_free(rt);
        return e == FL_ENOMEM ? fl_diag_set(d, e, 0, 0, "out of memory") : e;
    }
    *out = rt;
    return FL_OK;
}

fl_err fl_rank_table_read(struct fl_table *t, struct fl_rank_table **out, struct fl_diag *d)
{
    struct wide w = {.time_col = -1};
    const struct fl_cell *row;
    if (!out || !t)
        return FL_EINVAL;
    *out = NULL;
    fl_err e;
    while ((e = fl_table_next(t, &row, d)) == FL_OK && row)
        if ((e = wide_row(&w, t, row, d)) != FL_OK)
            break;
    if (e == FL_ENOMEM)
        fl_diag_set(d, e, fl_table_line(t), 0, "out of memory");
    if (e == FL_OK)
        e = wide_finish(&w, t, out, d);
    wide_cleanup(&w);
    return e;
}

/* ---- call graph edges -------------------------------------------------------------------- */

static fl_err edge_name(struct fl_table *t, const struct fl_cell *c, size_t col, struct fl_buf *b,
                        size_t *off, struct fl_diag *d)
{
    if ((c->type != FL_CELL_STRING && c->type != FL_CELL_NUMBER) || !c->str.len)
        return cell_error(t, col, fl_table_column(t, col), d, "empty component name");
    if (memchr(c->str.p, 0, c->str.len))
        return cell_error(t, col, fl_table_column(t, col), d, "NUL byte in a name");
    *off = b->len;
    fl_buf_append(b, c->str.p, c->str.len);
    fl_buf_putc(b, 0);
    return fl_buf_err(b) == FL_OK ? FL_OK : fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
}

/* One allocation: n edges followed by the names they point to (offsets in offs, pairs). */
static struct fl_rank_edge *pack_edges(const struct fl_buf *names, const struct fl_buf *offs,
                                       size_t n)
{
    struct fl_rank_edge *ed = fl_malloc(n * sizeof *ed + names->len);
    if (!ed)
        return NULL;
    char *base = (char *)(ed + n);
    memcpy(base, names->data, names->len);
    const size_t *o = (const size_t *)(const void *)offs->data;
    for (size_t i = 0; i < n; i++) {
        ed[i].caller = base + o[2 * i];
        ed[i].callee = base + o[2 * i + 1];
    }
    return ed;
}

fl_err fl_rank_edges_read(struct fl_table *t, struct fl_rank_edge **edges, size_t *n_edges,
                          struct fl_diag *d)
{
    struct fl_buf names, offs;
    const struct fl_cell *row;
    if (!t || !edges || !n_edges)
        return FL_EINVAL;
    *edges = NULL;
    *n_edges = 0;
    fl_buf_init(&names, FL_LIMIT_BATCH_ARENA_BYTES);
    fl_buf_init(&offs, (size_t)FL_LIMIT_TABLE_LOAD_CELLS * sizeof(size_t));
    fl_err e;
    size_t n = 0;
    while ((e = fl_table_next(t, &row, d)) == FL_OK && row) {
        size_t o[2];
        if (fl_table_n_columns(t) < 2) {
            fl_diag_file(d, fl_table_name(t));
            e = fl_diag_set(d, FL_EPARSE, fl_table_line(t), 0,
                            "expected two columns, caller and callee");
            break;
        }
        if ((e = edge_name(t, &row[0], 0, &names, &o[0], d)) != FL_OK ||
            (e = edge_name(t, &row[1], 1, &names, &o[1], d)) != FL_OK)
            break;
        fl_buf_append(&offs, o, sizeof o);
        if (fl_buf_err(&offs) != FL_OK) {
            fl_diag_file(d, fl_table_name(t));
            e = fl_diag_set(d, fl_buf_err(&offs), fl_table_line(t), 0, "too many edges");
            break;
        }
        n++;
    }
    if (e == FL_OK && n && !(*edges = pack_edges(&names, &offs, n)))
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    if (*edges)
        *n_edges = n;
    fl_buf_cleanup(&names);
    fl_buf_cleanup(&offs);
    return e;
}
