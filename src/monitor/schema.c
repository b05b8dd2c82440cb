/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.c: data schemas (schema.h): inference from a table, the YAML reader (libyaml's document
 * API, as src/config does) and the commented YAML writer, plus the value counter of monitor_int.h.
 *
 * The reader is strict like the configuration's: unknown keys, duplicate keys and wrong types are
 * errors with file, line, column and key path (`schema.yml:9:11: columns.amount.type: expected
 * int, float, string or bool, got "flaot"`). Hostile files are bounded: the size is capped, a
 * first pass over libyaml's events counts nodes and refuses a second document before the tree is
 * built, and the walk counts node visits so nested aliases cannot blow up.
 *
 * The writer quotes every scalar that YAML could read as something else, escapes what YAML cannot
 * hold raw, and prints doubles in shortest round-trip form, so parse(emit(s)) == s.
 */
#include "schema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/alloc.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/map.h"
#include "core/yaml_doc.h"
#include "monitor_int.h"
#include "stats/binning.h"

/* ---- value counter ---- */

struct count {
    uint64_t n;
    unsigned long first_line;
};

fl_err fl_monitor__counter_init(struct fl_monitor__counter *c, size_t max)
{
    c->max = max;
    c->overflow = 0;
    c->m = fl_map_new(fl_free, max + 1);
    return c->m ? FL_OK : FL_ENOMEM;
}

void fl_monitor__counter_cleanup(struct fl_monitor__counter *c)
{
    fl_map_free(c->m);
    c->m = NULL;
}

fl_err fl_monitor__counter_add(struct fl_monitor__counter *c, const char *p, size_t len,
                               unsigned long line)
{
    struct count *k = fl_map_get(c->m, p, len);
    if (k) {
        k->n++;
        return FL_OK;
    }
    if (fl_map_count(c->m) >= c->max) {
        c->overflow++;
        return FL_OK;
    }
    if (!(k = fl_malloc(sizeof *k)))
        return FL_ENOMEM;
    k->n = 1;
    k->first_line = line;
    fl_err e = fl_map_put(c->m, p, len, k);
    if (e)
        fl_free(k);
    return e;
}

size_t fl_monitor__counter_size(const struct fl_monitor__counter *c)
{
    return fl_map_count(c->m);
}

struct collect {
    struct fl_monitor__entry *v;
    size_t n;
};

static int collect_one(const char *key, size_t key_len, void *value, void *ud)
{
    struct collect *c = ud;
    const struct count *k = value;
    c->v[c->n++] = (struct fl_monitor__entry){key, key_len, k->n, k->first_line};
    return 0;
}

static int cmp_bytes(const char *a, size_t la, const char *b, size_t lb)
{
    int r = memcmp(a, b, la < lb ? la : lb);
    return r ? r : (la < lb ? -1 : la > lb);
}

static int cmp_entry_bytes(const void *x, const void *y)
{
    const struct fl_monitor__entry *a = x, *b = y;
    return cmp_bytes(a->p, a->len, b->p, b->len);
}

static int cmp_entry_count(const void *x, const void *y)
{
    const struct fl_monitor__entry *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return cmp_entry_bytes(x, y);
}

fl_err fl_monitor__counter_sorted(const struct fl_monitor__counter *c, bool by_count,
                                  struct fl_monitor__entry **out, size_t *n)
{
    size_t k = fl_map_count(c->m);
    *out = NULL;
    *n = 0;
    if (k == 0)
        return FL_OK;
    struct collect col = {fl_reallocarray(NULL, k, sizeof *col.v), 0};
    if (!col.v)
        return FL_ENOMEM;
    fl_map_each(c->m, collect_one, &col);
    qsort(col.v, col.n, sizeof *col.v, by_count ? cmp_entry_count : cmp_entry_bytes);
    *out = col.v;
    *n = col.n;
    return FL_OK;
}

bool fl_monitor__type_ok(enum fl_col_type t, const struct fl_cell *c, bool text_input)
{
    switch (t) {
    case FL_COL_INT:
        return c->type == FL_CELL_NUMBER && isfinite(c->num) && floor(c->num) == c->num;
    case FL_COL_FLOAT:
        return c->type == FL_CELL_NUMBER;
    case FL_COL_BOOL:
        return c->type == FL_CELL_BOOL;
    case FL_COL_STRING:
    default:
        return c->type == FL_CELL_STRING ||
               (text_input && (c->type == FL_CELL_NUMBER || c->type == FL_CELL_BOOL));
    }
}

bool fl_monitor__utf8_valid(const char *p, size_t len)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

/* ---- the schema object ---- */

void fl_schema_infer_opts_default(struct fl_schema_infer_opts *o)
{
    o->tolerance = 0.05;
    o->range_margin = 0.1;
    o->max_domain = 100;
    o->domain_ratio = 0.2;
    o->rows_min_factor = 0.5;
    o->rows_max_factor = 2.0;
    o->batch_rows = 0;
    o->bins = 10;
    o->psi_threshold = 0.2;
}

struct fl_schema *fl_schema_new(void)
{
    struct fl_schema *s = fl_calloc(1, sizeof *s);
    if (s) {
        s->version = FL_SCHEMA_VERSION;
        s->rows_max = UINT64_MAX;
    }
    return s;
}

static void column_cleanup(struct fl_schema_column *c)
{
    fl_free(c->name);
    for (size_t i = 0; i < c->n_domain; i++)
        fl_free(c->domain[i]);
    fl_free(c->domain);
    fl_free(c->domain_len);
    fl_free(c->domain_counts);
    fl_free(c->ref_edges);
    fl_free(c->ref_props);
}

void fl_schema_free(struct fl_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_cols; i++)
        column_cleanup(&s->cols[i]);
    fl_free(s->cols);
    fl_free(s->source);
    fl_free(s->format);
    fl_free(s);
}

long fl_schema_find(const struct fl_schema *s, const char *name)
{
    for (size_t i = 0; i < s->n_cols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return (long)i;
    return -1;
}

const char *fl_col_type_name(enum fl_col_type t)
{
    static const char *const names[] = {"int", "float", "string", "bool"};
    return (unsigned)t < 4 ? names[t] : "?";
}

bool fl_schema_in_domain(const struct fl_schema_column *c, const char *v, size_t len)
{
    size_t lo = 0, hi = c->n_domain;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = cmp_bytes(c->domain[mid], c->domain_len[mid], v, len);
        if (r == 0)
            return true;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* A new column at the end (zeroed, defaults of a hand-written column). */
static fl_err add_col(struct fl_schema *s, const char *name, size_t len,
                      struct fl_schema_column **out)
{
    if (s->n_cols >= FL_LIMIT_TABLE_COLUMNS)
        return FL_ELIMIT;
    struct fl_schema_column *nc = fl_reallocarray(s->cols, s->n_cols + 1, sizeof *nc);
    if (!nc)
        return FL_ENOMEM;
    s->cols = nc;
    struct fl_schema_column *c = &nc[s->n_cols];
    memset(c, 0, sizeof *c);
    if (!(c->name = fl_strndup(name, len)))
        return FL_ENOMEM;
    c->type = FL_COL_STRING;
    c->required = true;
    c->null_rate = NAN;
    c->observed_min = c->observed_max = NAN;
    c->psi_threshold = 0.2;
    s->n_cols++;
    *out = c;
    return FL_OK;
}

/* Sort and deduplicate a column's domain (values and their counts move together). */
static void sort_domain(struct fl_schema_column *c)
{
    /* Shell sort keeps the three parallel arrays in step without scratch memory. */
    size_t n = c->n_domain;
    if (n < 2)
        return;
    for (size_t gap = n / 2; gap > 0; gap /= 2) {
        for (size_t i = gap; i < n; i++) {
            char *v = c->domain[i];
            size_t l = c->domain_len[i];
            uint64_t k = c->domain_counts ? c->domain_counts[i] : 0;
            size_t j = i;
            while (j >= gap && cmp_bytes(c->domain[j - gap], c->domain_len[j - gap], v, l) > 0) {
                c->domain[j] = c->domain[j - gap];
                c->domain_len[j] = c->domain_len[j - gap];
                if (c->domain_counts)
                    c->domain_counts[j] = c->domain_counts[j - gap];
                j -= gap;
            }
            c->domain[j] = v;
            c->domain_len[j] = l;
            if (c->domain_counts)
                c->domain_counts[j] = k;
        }
    }
    size_t w = 1;
    for (size_t i = 1; i < n; i++) {
        if (cmp_bytes(c->domain[w - 1], c->domain_len[w - 1], c->domain[i], c->domain_len[i]) ==
            0) {
            if (c->domain_counts)
                c->domain_counts[w - 1] += c->domain_counts[i];
            fl_free(c->domain[i]);
            continue;
        }
        c->domain[w] = c->domain[i];
        c->domain_len[w] = c->domain_len[i];
        if (c->domain_counts)
            c->domain_counts[w] = c->domain_counts[i];
        w++;
    }
    c->n_domain = w;
}

/* Append a value to a column's domain (unsorted until sort_domain). */
static fl_err domain_push(struct fl_schema_column *c, const char *p, size_t len, size_t *cap,
                          uint64_t count, bool with_counts)
{
    if (c->n_domain == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        char **nd = fl_reallocarray(c->domain, ncap, sizeof *nd);
        if (!nd)
            return FL_ENOMEM;
        c->domain = nd;
        size_t *nl = fl_reallocarray(c->domain_len, ncap, sizeof *nl);
        if (!nl)
            return FL_ENOMEM;
        c->domain_len = nl;
        if (with_counts) {
            uint64_t *nk = fl_reallocarray(c->domain_counts, ncap, sizeof *nk);
            if (!nk)
                return FL_ENOMEM;
            c->domain_counts = nk;
        }
        *cap = ncap;
    }
    char *v = fl_strndup(p, len);
    if (!v)
        return FL_ENOMEM;
    c->domain[c->n_domain] = v;
    c->domain_len[c->n_domain] = len;
    if (with_counts)
        c->domain_counts[c->n_domain] = count;
    c->n_domain++;
    return FL_OK;
}

/* ---- inference ---- */

struct icol {
    size_t first_row;   /* rows read before the column appeared (JSON Lines): all missing */
    uint64_t n_missing; /* key absent after it appeared */
    uint64_t n_null;
    uint64_t n_num, n_num_fraction, n_str, n_bool;
    uint64_t n_finite;
    double min, max;                   /* over finite numbers */
    struct fl_monitor__counter values; /* text of string-typed cells, for the domain */
    bool values_ok;                    /* no non-UTF-8 value was seen */
    double *sample;                    /* reservoir of finite numbers (FL_SCHEMA_SAMPLE) */
    size_t n_sample;
    uint64_t rng; /* splitmix64 state, seeded by column index */
};

static void icols_free(struct icol *ic, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fl_monitor__counter_cleanup(&ic[i].values);
        fl_free(ic[i].sample);
    }
    fl_free(ic);
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Algorithm R: keep a uniform sample of FL_SCHEMA_SAMPLE of the finite numbers (n_finite
 * already counts v). Deterministic: the generator is seeded per column. */
static fl_err sample_add(struct icol *ic, double v)
{
    if (!ic->sample && !(ic->sample = fl_reallocarray(NULL, FL_SCHEMA_SAMPLE, sizeof(double))))
        return FL_ENOMEM;
    if (ic->n_sample < FL_SCHEMA_SAMPLE) {
        ic->sample[ic->n_sample++] = v;
        return FL_OK;
    }
    uint64_t j = splitmix64(&ic->rng) % ic->n_finite;
    if (j < FL_SCHEMA_SAMPLE)
        ic->sample[j] = v;
    return FL_OK;
}

static fl_err infer_cell(struct icol *ic, const struct fl_cell *c, unsigned long line,
                         size_t counter_cap, bool text)
{
    switch (c->type) {
    case FL_CELL_MISSING:
        ic->n_missing++;
        return FL_OK;
    case FL_CELL_NULL:
        ic->n_null++;
        return FL_OK;
    case FL_CELL_NUMBER:
        ic->n_num++;
        ic->n_num_fraction += !c->integral;
        if (isfinite(c->num)) {
            if (ic->n_finite++ == 0 || c->num < ic->min)
                ic->min = c->num;
            if (ic->n_finite == 1 || c->num > ic->max)
                ic->max = c->num;
            if (sample_add(ic, c->num) != FL_OK)
                return FL_ENOMEM;
        }
        break;
    case FL_CELL_BOOL:
        ic->n_bool++;
        break;
    default:
        ic->n_str++;
        break;
    }
    /* Domain candidates: the texts a string column would hold (CSV numbers and booleans too). */
    if (!(c->type == FL_CELL_STRING || text) || fl_monitor__counter_size(&ic->values) > counter_cap)
        return FL_OK;
    if (!fl_monitor__utf8_valid(c->str.p, c->str.len))
        ic->values_ok = false;
    return fl_monitor__counter_add(&ic->values, c->str.p, c->str.len, line);
}

/* Round v outward to a multiple of 10^e (exactly, by dividing by 10^-e when e < 0). */
static double round_out(double v, int e, bool up)
{
    if (e < 0 && e >= -22) {
        double inv = pow(10, -e);
        return (up ? ceil(v * inv) : floor(v * inv)) / inv;
    }
    double step = pow(10, e);
    return (up ? ceil(v / step) : floor(v / step)) * step;
}

static void infer_range(struct fl_schema_column *c, const struct icol *ic, double margin_f)
{
    if (ic->n_finite == 0)
        return;
    c->observed_min = ic->min;
    c->observed_max = ic->max;
    c->has_min = c->has_max = true;
    c->min = ic->min;
    c->max = ic->max;
    double span = ic->max - ic->min;
    if (span == 0)
        span = fabs(ic->max);
    double margin = margin_f * span;
    if (!(margin > 0) || !isfinite(margin) || !isfinite(ic->min - margin) ||
        !isfinite(ic->max + margin))
        return;
    int e = (int)floor(log10(margin)) - 1;
    if (c->type == FL_COL_INT && e < 0)
        e = 0;
    c->min = round_out(ic->min - margin, e, false);
    c->max = round_out(ic->max + margin, e, true);
    if (ic->min >= 0 && c->min < 0)
        c->min = 0;
}

/* Inner edges to 6 significant digits, so a person can read them, unless that would merge two. */
static void round_edges(double *edges, size_t n)
{
    double r[FL_SCHEMA_MAX_BINS + 1];
    char tmp[40];
    if (n > FL_SCHEMA_MAX_BINS + 1)
        return;
    for (size_t i = 0; i < n; i++) {
        r[i] = edges[i];
        if (i > 0 && i + 1 < n) {
            snprintf(tmp, sizeof tmp, "%.6g", edges[i]);
            r[i] = strtod(tmp, NULL);
        }
        if (i > 0 && !(r[i] > r[i - 1]))
            return;
    }
    memcpy(edges, r, n * sizeof *r);
}

/* Quantile bins of the training sample with open outer edges, and each bin's share. */
static fl_err infer_reference(struct fl_schema_column *c, const struct icol *ic,
                              const struct fl_schema_infer_opts *o)
{
    if (o->bins < 2 || o->bins > FL_SCHEMA_MAX_BINS || ic->n_sample < 2)
        return FL_OK;
    size_t cap = o->bins + 1, n_edges = 0;
    double *edges = fl_reallocarray(NULL, cap, sizeof *edges);
    size_t *counts = fl_reallocarray(NULL, cap, sizeof *counts);
    double *props = fl_reallocarray(NULL, cap, sizeof *props);
    fl_err e = edges && counts && props ? FL_OK : FL_ENOMEM;
    if (!e)
        e = fl_binning_edges(FL_BINNING_QUANTILE, o->bins, ic->sample, ic->n_sample, NULL, 0, edges,
                             cap, &n_edges);
    if (!e && n_edges >= 3) {
        edges[0] = -INFINITY;
        edges[n_edges - 1] = INFINITY;
        round_edges(edges, n_edges);
        e = fl_binning_count(edges, n_edges, ic->sample, ic->n_sample, counts, NULL);
        for (size_t i = 0; !e && i + 1 < n_edges; i++)
            props[i] = (double)counts[i] / (double)ic->n_sample;
        if (!e) {
            c->has_reference = true;
            c->ref_edges = edges;
            c->n_ref_edges = n_edges;
            c->ref_props = props;
            c->psi_threshold = o->psi_threshold;
            edges = props = NULL;
        }
    }
    fl_free(edges);
    fl_free(counts);
    fl_free(props);
    return e == FL_ENOMEM ? e : FL_OK; /* other binning errors: no reference, not a failure */
}

static fl_err infer_domain(struct fl_schema_column *c, struct icol *ic,
                           const struct fl_schema_infer_opts *o, uint64_t n_values)
{
    size_t k = fl_monitor__counter_size(&ic->values);
    if (c->type != FL_COL_STRING || !ic->values_ok || k == 0 || k > o->max_domain ||
        ic->values.overflow > 0 || (double)k > o->domain_ratio * (double)n_values)
        return FL_OK;
    struct fl_monitor__entry *v;
    size_t n, cap = 0;
    fl_err e = fl_monitor__counter_sorted(&ic->values, false, &v, &n);
    for (size_t i = 0; !e && i < n; i++)
        e = domain_push(c, v[i].p, v[i].len, &cap, v[i].n, true);
    fl_free(v);
    if (!e)
        c->has_domain = true;
    return e;
}

static fl_err infer_column(struct fl_schema *s, const char *name, struct icol *ic, uint64_t rows,
                           bool text, const struct fl_schema_infer_opts *o)
{
    struct fl_schema_column *c;
    fl_err e = add_col(s, name, strlen(name), &c);
    if (e)
        return e;
    uint64_t absent = ic->first_row + ic->n_missing;
    uint64_t values = ic->n_num + ic->n_str + ic->n_bool;
    if (ic->n_str >= ic->n_num && ic->n_str >= ic->n_bool)
        c->type = FL_COL_STRING;
    else if (ic->n_num >= ic->n_bool)
        c->type = ic->n_num_fraction ? FL_COL_FLOAT : FL_COL_INT;
    else
        c->type = FL_COL_BOOL;
    if (values == 0)
        c->type = FL_COL_STRING; /* nothing seen: the loosest type */
    c->required = !(text == false && absent * 2 > rows);
    c->null_rate = rows ? (double)(absent + ic->n_null) / (double)rows : 0;
    c->null_tolerance = o->tolerance;
    uint64_t right = c->type == FL_COL_STRING ? (text ? values : ic->n_str)
                     : c->type == FL_COL_BOOL ? ic->n_bool
                                              : ic->n_num;
    c->max_wrong_type = 0;
    if (values > right)
        c->max_wrong_type = fmin(1.0, (double)(values - right) / (double)values + o->tolerance);
    if (c->type == FL_COL_INT || c->type == FL_COL_FLOAT) {
        infer_range(c, ic, o->range_margin);
        if ((e = infer_reference(c, ic, o)) != FL_OK)
            return e;
    }
    return infer_domain(c, ic, o, text ? values : ic->n_str);
}

static fl_err grow_icols(struct icol **ic, size_t *cap, size_t want, size_t rows)
{
    if (want <= *cap)
        return FL_OK;
    size_t ncap = *cap ? *cap * 2 : 16;
    while (ncap < want)
        ncap *= 2;
    struct icol *n = fl_reallocarray(*ic, ncap, sizeof *n);
    if (!n)
        return FL_ENOMEM;
    memset(n + *cap, 0, (ncap - *cap) * sizeof *n);
    *ic = n;
    for (size_t i = *cap; i < ncap; i++) {
        n[i].first_row = rows;
        n[i].values_ok = true;
        n[i].rng = 0x5eed0000ULL + i;
        if (fl_monitor__counter_init(&n[i].values, FL_LIMIT_DOMAIN_VALUES) != FL_OK) {
            *cap = i; /* the rest hold no counter: icols_free frees only these */
            return FL_ENOMEM;
        }
    }
    *cap = ncap;
    return FL_OK;
}

static fl_err infer_fill(struct fl_schema *s, struct fl_table *t,
                         const struct fl_schema_infer_opts *o, struct fl_diag *d)
{
    struct icol *ic = NULL;
    size_t cap = 0, seen = 0;
    bool text = fl_table_format(t) == FL_TABLE_CSV;
    size_t counter_cap =
        o->max_domain < FL_LIMIT_DOMAIN_VALUES ? o->max_domain : FL_LIMIT_DOMAIN_VALUES;
    const struct fl_cell *row;
    fl_err e;
    while ((e = fl_table_next(t, &row, d)) == FL_OK && row) {
        size_t n = fl_table_n_columns(t), rows = fl_table_n_rows(t) - 1;
        if ((e = grow_icols(&ic, &cap, n, rows)) != FL_OK)
            break;
        for (; seen < n; seen++)
            ic[seen].first_row = rows;
        for (size_t i = 0; i < n && !e; i++)
            e = infer_cell(&ic[i], &row[i], fl_table_line(t), counter_cap, text);
        if (e)
            break;
    }
    if (e == FL_ENOMEM)
        fl_diag_set(d, e, 0, 0, "out of memory");
    size_t n = fl_table_n_columns(t);
    uint64_t rows = fl_table_n_rows(t);
    if (!e && (n == 0 || rows == 0)) {
        fl_diag_file(d, fl_table_name(t));
        e = fl_diag_set(d, FL_EINVAL, 0, 0, "no %s to infer a schema from",
                        n == 0 ? "columns" : "rows");
    }
    if (!e && (e = grow_icols(&ic, &cap, n, rows)) != FL_OK)
        fl_diag_set(d, e, 0, 0, "out of memory");
    for (; !e && seen < n; seen++)
        ic[seen].first_row = rows;
    for (size_t i = 0; !e && i < n; i++) {
        const char *name = fl_table_column(t, i);
        if (!fl_monitor__utf8_valid(name, strlen(name))) {
            fl_diag_file(d, fl_table_name(t));
            e = fl_diag_set(d, FL_EINVAL, 0, 0,
                            "column %zu: name is not valid UTF-8 (a schema is YAML text)", i + 1);
            break;
        }
        if ((e = infer_column(s, name, &ic[i], rows, text, o)) != FL_OK)
            fl_diag_set(d, e, 0, 0, "out of memory");
    }
    if (!e) {
        s->rows_observed = rows;
        uint64_t base = o->batch_rows ? o->batch_rows : rows;
        s->has_rows_band = true;
        s->rows_min = (uint64_t)floor((double)base * o->rows_min_factor);
        double hi = ceil((double)base * o->rows_max_factor);
        s->rows_max = hi >= 1.8e19 ? UINT64_MAX : (uint64_t)hi;
    }
    icols_free(ic, cap);
    return e;
}

fl_err fl_schema_infer(struct fl_table *t, const struct fl_schema_infer_opts *o,
                       struct fl_schema **out, struct fl_diag *d)
{
    struct fl_schema_infer_opts def;
    if (!o) {
        fl_schema_infer_opts_default(&def);
        o = &def;
    }
    *out = NULL;
    struct fl_schema *s = fl_schema_new();
    if (!s)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    fl_err e = FL_OK;
    if (!(s->source = fl_strdup(fl_table_name(t))) ||
        !(s->format = fl_strdup(fl_table_format_name(fl_table_format(t)))))
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    if (!e)
        e = infer_fill(s, t, o, d);
    if (e) {
        fl_schema_free(s);
        return e;
    }
    *out = s;
    return FL_OK;
}

/* ---- YAML reader ---- */

#define MAX_VISITS (2 * FL_LIMIT_SCHEMA_NODES)

/* The walk is core/yaml_doc.h's struct fl_yaml_walk: key path, node errors, visit count. */

/* Out of memory with the file named: every error of this reader has a message. */
static fl_err ynomem(struct fl_yaml_walk *c)
{
    fl_diag_file(c->d, c->file);
    return fl_diag_set(c->d, FL_ENOMEM, 0, 0, "out of memory");
}

/* A printable excerpt of a scalar for messages. */
static void excerpt(struct fl_str s, char *out, size_t cap)
{
    size_t n = s.len < 40 ? s.len : 40, k = 0;
    for (size_t i = 0; i < n && k + 4 < cap; i++)
        out[k++] = s.p[i] == '"' ? '\'' : s.p[i];
    if (n < s.len && k + 4 < cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

static fl_err get_double(struct fl_yaml_walk *c, const yaml_node_t *n, double lo, double hi,
                         double *out)
{
    struct fl_str s = {"", 0};
    char ex[64];
    fl_err e = fl_yaml_scalar(c, n, "a number", &s);
    if (e)
        return e;
    double v;
    if (!fl_str_to_double(fl_str_trim(s), &v) || isnan(v)) {
        excerpt(s, ex, sizeof ex);
        return fl_yaml_node_err(c, n, "expected a number, got \"%s\"", ex);
    }
    if (v < lo || v > hi) {
        excerpt(s, ex, sizeof ex);
        return fl_yaml_node_err(c, n, "expected a number from %g to %g, got %s", lo, hi, ex);
    }
    *out = v;
    return FL_OK;
}

static fl_err get_u64(struct fl_yaml_walk *c, const yaml_node_t *n, uint64_t *out)
{
    struct fl_str s = {"", 0};
    char ex[64];
    fl_err e = fl_yaml_scalar(c, n, "a whole number", &s);
    if (e)
        return e;
    if (!fl_str_to_u64(fl_str_trim(s), out)) {
        excerpt(s, ex, sizeof ex);
        return fl_yaml_node_err(c, n, "expected a whole number, got \"%s\"", ex);
    }
    return FL_OK;
}

static fl_err get_bool(struct fl_yaml_walk *c, const yaml_node_t *n, bool *out)
{
    struct fl_str s = {"", 0};
    char ex[64];
    fl_err e = fl_yaml_scalar(c, n, "true or false", &s);
    if (e)
        return e;
    if (!fl_yaml_bool_word(s.p, s.len, out)) {
        excerpt(s, ex, sizeof ex);
        return fl_yaml_node_err(c, n, "expected true or false, got \"%s\"", ex);
    }
    return FL_OK;
}

static fl_err get_text(struct fl_yaml_walk *c, const yaml_node_t *n, char **out)
{
    fl_err e = fl_yaml_strdup(c, n, out);
    return e == FL_ENOMEM ? ynomem(c) : e;
}

typedef fl_err (*ykey_fn)(struct fl_yaml_walk *c, yaml_node_t *v, void *obj);

struct ykey {
    const char *key;
    ykey_fn fn;
};

/* Walk a mapping whose keys must come from the table, each at most once. */
static fl_err walk_map(struct fl_yaml_walk *c, yaml_node_t *n, const struct ykey *keys,
                       size_t n_keys, void *obj)
{
    fl_err e;
    if (n->type != YAML_MAPPING_NODE)
        return fl_yaml_node_err(c, n, "expected a mapping, got %s", fl_yaml_kind(n));
    uint32_t seen = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        if (!k || !v)
            return fl_yaml_node_err(c, n, "malformed mapping");
        if ((e = fl_yaml_visit(c, k)) != FL_OK || (e = fl_yaml_visit(c, v)) != FL_OK)
            return e;
        if (k->type != YAML_SCALAR_NODE)
            return fl_yaml_node_err(c, k, "expected a key, got %s", fl_yaml_kind(k));
        const char *key = (const char *)k->data.scalar.value;
        size_t i = 0;
        while (i < n_keys && (strlen(key) != k->data.scalar.length || strcmp(keys[i].key, key)))
            i++;
        if (i == n_keys) {
            char list[300];
            size_t w = 0;
            for (size_t j = 0; j < n_keys && w < sizeof list; j++)
                w +=
                    (size_t)snprintf(list + w, sizeof list - w, "%s%s", j ? ", " : "", keys[j].key);
            char ex[64];
            excerpt((struct fl_str){key, k->data.scalar.length}, ex, sizeof ex);
            return fl_yaml_node_err(c, k, "unknown key \"%s\" (expected one of: %s)", ex, list);
        }
        size_t old = fl_yaml_path_key(c, key);
        if (seen & (1u << i))
            e = fl_yaml_node_err(c, k, "duplicate key");
        else
            e = keys[i].fn(c, v, obj);
        seen |= 1u << i;
        fl_yaml_path_pop(c, old);
        if (e)
            return e;
    }
    return FL_OK;
}

/* -- column keys -- */

static fl_err k_type(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    struct fl_schema_column *col = obj;
    struct fl_str s = {"", 0};
    char ex[64];
    fl_err e = fl_yaml_scalar(c, v, "a type", &s);
    if (e)
        return e;
    for (int t = FL_COL_INT; t <= FL_COL_BOOL; t++)
        if (fl_str_eq_c(s, fl_col_type_name((enum fl_col_type)t))) {
            col->type = (enum fl_col_type)t;
            return FL_OK;
        }
    excerpt(s, ex, sizeof ex);
    return fl_yaml_node_err(c, v, "expected int, float, string or bool, got \"%s\"", ex);
}

static fl_err k_required(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    return get_bool(c, v, &((struct fl_schema_column *)obj)->required);
}

static fl_err k_null_rate(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    return get_double(c, v, 0, 1, &((struct fl_schema_column *)obj)->null_rate);
}

static fl_err k_null_tol(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    return get_double(c, v, 0, 1, &((struct fl_schema_column *)obj)->null_tolerance);
}

static fl_err k_wrong(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    return get_double(c, v, 0, 1, &((struct fl_schema_column *)obj)->max_wrong_type);
}

static fl_err k_min(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    struct fl_schema_column *col = obj;
    col->has_min = true;
    return get_double(c, v, -INFINITY, INFINITY, &col->min);
}

static fl_err k_max(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    struct fl_schema_column *col = obj;
    col->has_max = true;
    return get_double(c, v, -INFINITY, INFINITY, &col->max);
}

static fl_err k_domain(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    struct fl_schema_column *col = obj;
    if (v->type != YAML_SEQUENCE_NODE)
        return fl_yaml_node_err(c, v, "expected a list of values, got %s", fl_yaml_kind(v));
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start), cap = 0;
    if (n > FL_LIMIT_DOMAIN_VALUES) {
        fl_diag_file(c->d, c->file);
        fl_diag_field(c->d, "%s", c->path);
        return fl_diag_set(c->d, FL_ELIMIT, v->start_mark.line + 1, v->start_mark.column + 1,
                           "more than %d values", FL_LIMIT_DOMAIN_VALUES);
    }
    col->has_domain = true;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *item = yaml_document_get_node(c->doc, *it);
        struct fl_str s = {"", 0};
        fl_err e;
        if (!item)
            return fl_yaml_node_err(c, v, "malformed list");
        if ((e = fl_yaml_visit(c, item)) != FL_OK ||
            (e = fl_yaml_scalar(c, item, "a value", &s)) != FL_OK)
            return e;
        if ((e = domain_push(col, s.p, s.len, &cap, 0, false)) != FL_OK)
            return ynomem(c);
    }
    return FL_OK;
}

/* A list of numbers (NaN refused) into a new array. */
static fl_err get_doubles(struct fl_yaml_walk *c, yaml_node_t *v, size_t max, double **out,
                          size_t *n)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fl_yaml_node_err(c, v, "expected a list of numbers, got %s", fl_yaml_kind(v));
    size_t k = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (k > max)
        return fl_yaml_node_err(c, v, "more than %zu numbers", max);
    double *a = k ? fl_reallocarray(NULL, k, sizeof *a) : NULL;
    if (k && !a)
        return ynomem(c);
    fl_free(*out);
    *out = a;
    *n = 0;
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *item = yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
        fl_err e;
        if (!item)
            return fl_yaml_node_err(c, v, "malformed list");
        if ((e = fl_yaml_visit(c, item)) != FL_OK ||
            (e = get_double(c, item, -INFINITY, INFINITY, &a[i])) != FL_OK)
            return e;
        *n = i + 1;
    }
    return FL_OK;
}

static fl_err k_psi(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    return get_double(c, v, 0, INFINITY, &((struct fl_schema_column *)obj)->psi_threshold);
}

static fl_err k_edges(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    struct fl_schema_column *col = obj;
    fl_err e = get_doubles(c, v, FL_SCHEMA_MAX_BINS + 1, &col->ref_edges, &col->n_ref_edges);
    if (e)
        return e;
    if (col->n_ref_edges < 2)
        return fl_yaml_node_err(c, v, "expected at least 2 edges (one bin)");
    for (size_t i = 1; i < col->n_ref_edges; i++)
        if (!(col->ref_edges[i] > col->ref_edges[i - 1]))
            return fl_yaml_node_err(c, v, "edges must be strictly increasing (edge %zu is not)",
                                    i + 1);
    return FL_OK;
}

static fl_err k_props(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    struct fl_schema_column *col = obj;
    size_t n = 0;
    fl_err e = get_doubles(c, v, FL_SCHEMA_MAX_BINS, &col->ref_props, &n);
    if (e)
        return e;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(col->ref_props[i] >= 0 && col->ref_props[i] <= 1))
            return fl_yaml_node_err(c, v, "proportion %zu is not between 0 and 1", i + 1);
        sum += col->ref_props[i];
    }
    if (!(sum > 0.99 && sum < 1.01))
        return fl_yaml_node_err(c, v, "proportions sum to %g, not 1", sum);
    return FL_OK;
}

static const struct ykey reference_keys[] = {
    {"psi_threshold", k_psi}, {"edges", k_edges}, {"proportions", k_props}};

static fl_err k_reference(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    struct fl_schema_column *col = obj;
    fl_err e =
        walk_map(c, v, reference_keys, sizeof reference_keys / sizeof reference_keys[0], obj);
    if (e)
        return e;
    size_t n_props = 0;
    if (v->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top;
             q++) {
            yaml_node_t *k = yaml_document_get_node(c->doc, q->key);
            yaml_node_t *pv = yaml_document_get_node(c->doc, q->value);
            if (k && pv && k->type == YAML_SCALAR_NODE && pv->type == YAML_SEQUENCE_NODE &&
                !strcmp((const char *)k->data.scalar.value, "proportions"))
                n_props = (size_t)(pv->data.sequence.items.top - pv->data.sequence.items.start);
        }
    if (!col->ref_edges || !col->ref_props)
        return fl_yaml_node_err(c, v, "a reference needs edges and proportions");
    if (n_props + 1 != col->n_ref_edges)
        return fl_yaml_node_err(c, v, "%zu edges make %zu bins, but there are %zu proportions",
                                col->n_ref_edges, col->n_ref_edges - 1, n_props);
    col->has_reference = true;
    return FL_OK;
}

static const struct ykey column_keys[] = {
    {"type", k_type},
    {"required", k_required},
    {"null_rate", k_null_rate},
    {"null_tolerance", k_null_tol},
    {"max_wrong_type", k_wrong},
    {"min", k_min},
    {"max", k_max},
    {"domain", k_domain},
    {"reference", k_reference},
};

/* Cross-key rules of one column, reported at the column's node. */
static fl_err check_column(struct fl_yaml_walk *c, const yaml_node_t *n,
                           struct fl_schema_column *col, bool typed)
{
    bool numeric = col->type == FL_COL_INT || col->type == FL_COL_FLOAT;
    if (!typed)
        return fl_yaml_node_err(c, n, "missing key \"type\" (int, float, string or bool)");
    if ((col->has_min || col->has_max) && !numeric)
        return fl_yaml_node_err(c, n, "min and max apply to int and float columns, not %s",
                                fl_col_type_name(col->type));
    if (col->has_min && col->has_max && col->min > col->max)
        return fl_yaml_node_err(c, n, "min %g is greater than max %g", col->min, col->max);
    if (col->has_reference && !numeric)
        return fl_yaml_node_err(c, n,
                                "a reference distribution applies to int and float columns, not %s",
                                fl_col_type_name(col->type));
    if (col->has_domain && col->type != FL_COL_STRING)
        return fl_yaml_node_err(c, n, "a domain applies to string columns, not %s",
                                fl_col_type_name(col->type));
    if (isnan(col->null_rate) && col->null_tolerance > 0)
        return fl_yaml_node_err(c, n, "null_tolerance without null_rate");
    sort_domain(col);
    return FL_OK;
}

static fl_err k_columns(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    struct fl_schema *s = obj;
    if (v->type != YAML_MAPPING_NODE)
        return fl_yaml_node_err(c, v, "expected a mapping of column name -> column, got %s",
                                fl_yaml_kind(v));
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *cv = yaml_document_get_node(c->doc, p->value);
        fl_err e;
        struct fl_str name = {"", 0};
        if (!k || !cv)
            return fl_yaml_node_err(c, v, "malformed mapping");
        if ((e = fl_yaml_visit(c, k)) != FL_OK || (e = fl_yaml_visit(c, cv)) != FL_OK ||
            (e = fl_yaml_scalar(c, k, "a column name", &name)) != FL_OK)
            return e;
        if (name.len == 0 || memchr(name.p, '\0', name.len))
            return fl_yaml_node_err(c, k, "a column name must be non-empty text without NUL bytes");
        if (fl_schema_find(s, (const char *)k->data.scalar.value) >= 0)
            return fl_yaml_node_err(c, k, "column \"%s\" is listed twice",
                                    (const char *)k->data.scalar.value);
        struct fl_schema_column *col;
        if ((e = add_col(s, name.p, name.len, &col)) != FL_OK)
            return e == FL_ENOMEM
                       ? ynomem(c)
                       : fl_yaml_node_err(c, k, "more than %d columns", FL_LIMIT_TABLE_COLUMNS);
        size_t old = fl_yaml_path_key(c, col->name);
        bool typed = false;
        if (cv->type == YAML_MAPPING_NODE)
            for (yaml_node_pair_t *q = cv->data.mapping.pairs.start; q < cv->data.mapping.pairs.top;
                 q++) {
                yaml_node_t *qk = yaml_document_get_node(c->doc, q->key);
                typed |= qk && qk->type == YAML_SCALAR_NODE &&
                         !strcmp((const char *)qk->data.scalar.value, "type");
            }
        e = walk_map(c, cv, column_keys, sizeof column_keys / sizeof column_keys[0], col);
        if (!e)
            e = check_column(c, cv, col, typed);
        fl_yaml_path_pop(c, old);
        if (e)
            return e;
    }
    return FL_OK;
}

/* -- top-level keys -- */

static fl_err k_version(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    uint64_t ver;
    fl_err e = get_u64(c, v, &ver);
    if (e)
        return e;
    if (ver != FL_SCHEMA_VERSION)
        return fl_yaml_node_err(c, v,
                                "unsupported schema version %llu (this faultline reads version %d)",
                                (unsigned long long)ver, FL_SCHEMA_VERSION);
    ((struct fl_schema *)obj)->version = (int)ver;
    return FL_OK;
}

static fl_err k_source(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    return get_text(c, v, &((struct fl_schema *)obj)->source);
}

static fl_err k_format(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    fl_err e = get_text(c, v, &((struct fl_schema *)obj)->format);
    const char *f = ((struct fl_schema *)obj)->format;
    if (!e && strcmp(f, "csv") && strcmp(f, "jsonl"))
        return fl_yaml_node_err(c, v, "expected csv or jsonl, got \"%s\"", f);
    return e;
}

static fl_err k_new_cols(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    return get_bool(c, v, &((struct fl_schema *)obj)->allow_new_columns);
}

static fl_err k_rows_observed(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    return get_u64(c, v, &((struct fl_schema *)obj)->rows_observed);
}

static fl_err k_rows_min(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    ((struct fl_schema *)obj)->has_rows_band = true;
    return get_u64(c, v, &((struct fl_schema *)obj)->rows_min);
}

static fl_err k_rows_max(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    ((struct fl_schema *)obj)->has_rows_band = true;
    return get_u64(c, v, &((struct fl_schema *)obj)->rows_max);
}

static const struct ykey rows_keys[] = {
    {"observed", k_rows_observed}, {"min", k_rows_min}, {"max", k_rows_max}};

static fl_err k_rows(struct fl_yaml_walk *c, yaml_node_t *v, void *obj)
{
    struct fl_schema *s = obj;
    fl_err e = walk_map(c, v, rows_keys, sizeof rows_keys / sizeof rows_keys[0], obj);
    if (!e && s->rows_min > s->rows_max)
        return fl_yaml_node_err(c, v, "min %llu is greater than max %llu",
                                (unsigned long long)s->rows_min, (unsigned long long)s->rows_max);
    return e;
}

static const struct ykey top_keys[] = {
    {"version", k_version},
    {"source", k_source},
    {"format", k_format},
    {"rows", k_rows},
    {"allow_new_columns", k_new_cols},
    {"columns", k_columns},
};

/* How a schema is read (core/yaml_doc.h); every error, out of memory too, has a message. */
static const struct fl_yaml_rules rules = {
    .what = "a schema",
    .code = FL_ECONFIG,
    .syntax = FL_YAML_SYNTAX_MARKS,
    .max_bytes = FL_LIMIT_SCHEMA_BYTES,
    .max_nodes = FL_LIMIT_SCHEMA_NODES,
    .nomem_diag = true,
};

static fl_err walk_root(struct fl_yaml_walk *c, yaml_node_t *root, struct fl_schema *s)
{
    if (!root || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)) {
        fl_diag_file(c->d, c->file);
        return fl_diag_set(c->d, FL_ECONFIG, 1, 1, "empty document: expected a schema");
    }
    bool has_version = false, has_columns = false;
    if (root->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < root->data.mapping.pairs.top;
             q++) {
            yaml_node_t *k = yaml_document_get_node(c->doc, q->key);
            if (k && k->type == YAML_SCALAR_NODE) {
                has_version |= !strcmp((const char *)k->data.scalar.value, "version");
                has_columns |= !strcmp((const char *)k->data.scalar.value, "columns");
            }
        }
    fl_err e = walk_map(c, root, top_keys, sizeof top_keys / sizeof top_keys[0], s);
    if (!e && !has_version)
        e = fl_yaml_node_err(c, root, "missing key \"version\" (version: %d)", FL_SCHEMA_VERSION);
    if (!e && !has_columns)
        e = fl_yaml_node_err(c, root, "missing key \"columns\"");
    return e;
}

fl_err fl_schema_parse(const char *p, size_t len, const char *name, struct fl_schema **out,
                       struct fl_diag *d)
{
    yaml_document_t doc;
    bool have_doc = false;
    struct fl_schema *s = NULL;
    fl_err e;
    *out = NULL;
    if (!name)
        name = "schema.yml";
    if (!p)
        p = "";
    if ((e = fl_yaml_check(p, len, &rules, name, d)) != FL_OK)
        return e;
    if (!(s = fl_schema_new())) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    if ((e = fl_yaml_load(p, len, &rules, name, &doc, d)) != FL_OK)
        goto out;
    have_doc = true;
    struct fl_yaml_walk c = {
        .doc = &doc, .d = d, .file = name, .code = FL_ECONFIG, .max_visits = MAX_VISITS};
    e = walk_root(&c, yaml_document_get_root_node(&doc), s);
out:
    if (have_doc)
        yaml_document_delete(&doc);
    if (e) {
        fl_schema_free(s);
        return e;
    }
    *out = s;
    return FL_OK;
}

fl_err fl_schema_load(const char *path, struct fl_schema **out, struct fl_diag *d)
{
    struct fl_buf b;
    *out = NULL;
    fl_buf_init(&b, FL_LIMIT_SCHEMA_BYTES + 1);
    fl_err e = fl_file_read(path, FL_LIMIT_SCHEMA_BYTES, &b, d);
    if (!e)
        e = fl_schema_parse(b.data ? b.data : "", b.len, path, out, d);
    fl_buf_cleanup(&b);
    return e;
}

/* ---- YAML writer ---- */

/* Words a YAML 1.1 or 1.2 reader would take for a boolean, null or special number. */
static bool yaml_special(const char *s, size_t len)
{
    static const char *const words[] = {"true", "false", "yes",  "no",  "on",  "off",
                                        "y",    "n",     "null", "nan", "inf", "infinity"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == len && fl_str_eq_ci_c((struct fl_str){s, len}, words[i]))
            return true;
    return false;
}

/* Can s be written as a plain scalar and read back as the same string by any YAML reader? */
static bool plain_ok(const char *s, size_t len)
{
    if (len == 0 || len > 200 || yaml_special(s, len))
        return false;
    char c0 = s[0];
    if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_'))
        return false; /* digits, signs and dots could read as numbers; others are indicators */
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.' || ch == '/';
        if (!ok)
            return false;
    }
    return true;
}

/* Decode one UTF-8 sequence at s[0..len) (valid, checked by the caller): code point, bytes. */
static uint32_t utf8_decode(const unsigned char *s, size_t len, size_t *n)
{
    unsigned char c = s[0];
    size_t k = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
    uint32_t cp = k == 0 ? c : k == 1 ? (c & 0x1fu) : k == 2 ? (c & 0x0fu) : (c & 0x07u);
    for (size_t i = 1; i <= k && i < len; i++)
        cp = (cp << 6) | (s[i] & 0x3fu);
    *n = k + 1;
    return cp;
}

/* YAML's printable set less its line breaks (NEL, LS, PS) and the BOM; anything else is
 * escaped in a double-quoted scalar. */
static bool yaml_printable(uint32_t cp)
{
    return (cp >= 0x20 && cp <= 0x7e) ||
           (cp >= 0xa0 && cp <= 0xd7ff && cp != 0x2028 && cp != 0x2029) ||
           (cp >= 0xe000 && cp <= 0xfffd && cp != 0xfeff) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Write s (valid UTF-8, checked by callers) as a YAML scalar. */
static void put_scalar(struct fl_buf *b, const char *s, size_t len)
{
    if (plain_ok(s, len)) {
        fl_buf_append(b, s, len);
        return;
    }
    fl_buf_putc(b, '"');
    for (size_t i = 0; i < len;) {
        size_t n;
        uint32_t cp = utf8_decode((const unsigned char *)s + i, len - i, &n);
        if (cp == '"' || cp == '\\') {
            fl_buf_putc(b, '\\');
            fl_buf_putc(b, (char)cp);
        } else if (cp == '\n') {
            fl_buf_puts(b, "\\n");
        } else if (cp == '\t') {
            fl_buf_puts(b, "\\t");
        } else if (!yaml_printable(cp)) {
            fl_buf_printf(b, cp > 0xffff ? "\\U%08x" : "\\u%04x", (unsigned)cp);
        } else {
            fl_buf_append(b, s + i, n);
        }
        i += n;
    }
    fl_buf_putc(b, '"');
}

static void put_double(struct fl_buf *b, double v)
{
    char tmp[40];
    fl_fmt_double(v, tmp, sizeof tmp);
    fl_buf_puts(b, tmp);
}

/* Pad the current line to column `col` (0-based) and start a comment. */
static void comment_at(struct fl_buf *b, size_t line_start, size_t col)
{
    size_t w = b->len - line_start;
    fl_buf_printf(b, "%*s# ", (int)(w < col ? col - w : 1), "");
}

#define CCOL 32 /* column where comments start */

static void percent(char *out, size_t cap, double f)
{
    char tmp[40];
    fl_fmt_double(round(f * 1e4) / 1e2, tmp, sizeof tmp);
    snprintf(out, cap, "%s%%", tmp);
}

static void emit_range(struct fl_buf *b, const struct fl_schema_column *c)
{
    size_t ls;
    if (c->has_min) {
        ls = b->len;
        fl_buf_puts(b, "    min: ");
        put_double(b, c->min);
        comment_at(b, ls, CCOL);
        fl_buf_puts(b, "out_of_range below");
        if (!isnan(c->observed_min)) {
            fl_buf_puts(b, " (observed minimum ");
            put_double(b, c->observed_min);
            fl_buf_putc(b, ')');
        }
        fl_buf_putc(b, '\n');
    }
    if (c->has_max) {
        ls = b->len;
        fl_buf_puts(b, "    max: ");
        put_double(b, c->max);
        comment_at(b, ls, CCOL);
        fl_buf_puts(b, "out_of_range above");
        if (!isnan(c->observed_max)) {
            fl_buf_puts(b, " (observed maximum ");
            put_double(b, c->observed_max);
            fl_buf_putc(b, ')');
        }
        fl_buf_putc(b, '\n');
    }
}

static void emit_domain(struct fl_buf *b, const struct fl_schema_column *c)
{
    size_t ls = b->len;
    fl_buf_puts(b, "    domain:");
    if (c->n_domain == 0) {
        fl_buf_puts(b, " []");
        comment_at(b, ls, CCOL);
        fl_buf_puts(b, "no value allowed\n");
        return;
    }
    comment_at(b, ls, CCOL);
    fl_buf_printf(b, "out_of_domain for any other value (%zu values)\n", c->n_domain);
    for (size_t i = 0; i < c->n_domain; i++) {
        ls = b->len;
        fl_buf_puts(b, "      - ");
        put_scalar(b, c->domain[i], c->domain_len[i]);
        if (c->domain_counts) {
            comment_at(b, ls, CCOL);
            fl_buf_printf(b, "%llu rows\n", (unsigned long long)c->domain_counts[i]);
        } else {
            fl_buf_putc(b, '\n');
        }
    }
}

static void emit_doubles(struct fl_buf *b, const double *v, size_t n)
{
    fl_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            fl_buf_puts(b, ", ");
        put_double(b, v[i]);
    }
    fl_buf_putc(b, ']');
}

static void emit_reference(struct fl_buf *b, const struct fl_schema_column *c)
{
    size_t ls = b->len;
    fl_buf_puts(b, "    reference:");
    comment_at(b, ls, CCOL);
    fl_buf_printf(b, "drift when the PSI of a batch in these %zu bins > psi_threshold\n",
                  c->n_ref_edges - 1);
    fl_buf_puts(b, "      psi_threshold: ");
    put_double(b, c->psi_threshold);
    fl_buf_puts(b, "\n      edges: ");
    emit_doubles(b, c->ref_edges, c->n_ref_edges);
    fl_buf_puts(b, "\n      proportions: ");
    emit_doubles(b, c->ref_props, c->n_ref_edges - 1);
    fl_buf_putc(b, '\n');
}

static void emit_column(struct fl_buf *b, const struct fl_schema_column *c)
{
    size_t ls;
    char pct[48];
    /* YAML caps implicit keys at 1024 characters: a long name is written as an explicit key */
    struct fl_buf key;
    fl_buf_init(&key, b->max);
    put_scalar(&key, c->name, strlen(c->name));
    if (fl_buf_err(&key) && !b->err)
        b->err = fl_buf_err(&key);
    bool explicit_key = key.len > 1000;
    fl_buf_puts(b, explicit_key ? "  ? " : "  ");
    fl_buf_append(b, key.data ? key.data : "", key.len);
    fl_buf_puts(b, explicit_key ? "\n  :\n" : ":\n");
    fl_buf_cleanup(&key);
    ls = b->len;
    fl_buf_printf(b, "    type: %s", fl_col_type_name(c->type));
    comment_at(b, ls, CCOL);
    fl_buf_puts(b, "int, float, string or bool\n");
    ls = b->len;
    fl_buf_printf(b, "    required: %s", c->required ? "true" : "false");
    comment_at(b, ls, CCOL);
    fl_buf_puts(b, c->required ? "missing_column when a batch lacks this column\n"
                               : "a batch may lack this column\n");
    if (!isnan(c->null_rate)) {
        ls = b->len;
        fl_buf_puts(b, "    null_rate: ");
        put_double(b, c->null_rate);
        comment_at(b, ls, CCOL);
        percent(pct, sizeof pct, c->null_rate);
        fl_buf_printf(b, "share of rows without a value (%s)\n", pct);
        ls = b->len;
        fl_buf_puts(b, "    null_tolerance: ");
        put_double(b, c->null_tolerance);
        comment_at(b, ls, CCOL);
        percent(pct, sizeof pct, c->null_rate + c->null_tolerance);
        fl_buf_printf(b, "null_spike when a batch's null rate exceeds %s\n", pct);
    }
    ls = b->len;
    fl_buf_puts(b, "    max_wrong_type: ");
    put_double(b, c->max_wrong_type);
    comment_at(b, ls, CCOL);
    fl_buf_printf(b, "type_change when a larger share of values is not %s\n",
                  fl_col_type_name(c->type));
    emit_range(b, c);
    if (c->has_domain)
        emit_domain(b, c);
    if (c->has_reference)
        emit_reference(b, c);
}

void fl_schema_emit(const struct fl_schema *s, struct fl_buf *b)
{
    size_t ls;
    fl_buf_printf(b,
                  "# faultline data schema, version %d. Every key is explained in "
                  "docs/VALIDATION.md.\n",
                  FL_SCHEMA_VERSION);
    if (s->source)
        fl_buf_printf(b,
                      "# Inferred by `faultline schema infer` from %llu rows and %zu columns; "
                      "edit freely.\n",
                      (unsigned long long)s->rows_observed, s->n_cols);
    fl_buf_puts(b, "# Check a batch with: faultline validate --schema THIS_FILE BATCH\n");
    fl_buf_printf(b, "version: %d\n", FL_SCHEMA_VERSION);
    if (s->source && fl_monitor__utf8_valid(s->source, strlen(s->source))) {
        fl_buf_puts(b, "source: ");
        put_scalar(b, s->source, strlen(s->source));
        fl_buf_putc(b, '\n');
    }
    if (s->format)
        fl_buf_printf(b, "format: %s\n", s->format);
    if (s->rows_observed || s->has_rows_band) {
        fl_buf_puts(b, "rows:\n");
        if (s->rows_observed) {
            ls = b->len;
            fl_buf_printf(b, "  observed: %llu", (unsigned long long)s->rows_observed);
            comment_at(b, ls, CCOL);
            fl_buf_puts(b, "rows of the data the schema was inferred from\n");
        }
        if (s->has_rows_band) {
            ls = b->len;
            fl_buf_printf(b, "  min: %llu", (unsigned long long)s->rows_min);
            comment_at(b, ls, CCOL);
            fl_buf_puts(b, "row_count anomaly when a batch has fewer rows\n");
            if (s->rows_max != UINT64_MAX) {
                ls = b->len;
                fl_buf_printf(b, "  max: %llu", (unsigned long long)s->rows_max);
                comment_at(b, ls, CCOL);
                fl_buf_puts(b, "... or more rows\n");
            }
        }
    }
    ls = b->len;
    fl_buf_printf(b, "allow_new_columns: %s", s->allow_new_columns ? "true" : "false");
    comment_at(b, ls, CCOL);
    fl_buf_puts(b, s->allow_new_columns ? "columns not listed below are accepted\n"
                                        : "new_column anomaly for a column not listed below\n");
    fl_buf_puts(b, s->n_cols ? "columns:\n" : "columns: {}\n");
    for (size_t i = 0; i < s->n_cols; i++)
        emit_column(b, &s->cols[i]);
}
