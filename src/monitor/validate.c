/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.c: one pass over a batch's rows against a data schema (validate.h), then the anomaly
 * list and its three renderings (text table, JSON, Markdown).
 *
 * The checks follow TFDV's anomaly taxonomy (anomalies.proto: SCHEMA_MISSING_COLUMN,
 * SCHEMA_NEW_COLUMN, the *_TYPE_* mismatches, ENUM_TYPE_UNEXPECTED_STRING_VALUES,
 * FEATURE_TYPE_LOW_FRACTION_PRESENT, DATASET_LOW/HIGH_NUM_EXAMPLES) plus an explicit numeric range
 * as Great Expectations' expect_column_values_to_be_between. Per column the validator keeps only
 * counters and capped example tables, so memory does not grow with the batch.
 */
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "core/map.h"
#include "monitor_int.h"
#include "stats/binning.h"
#include "stats/divergence.h"

#define EXAMPLE_KEEP 1000 /* distinct offending values counted per column and kind */
#define BIN_BUF 512       /* numbers buffered per column before counting them into bins */

struct vcol {
    long batch;           /* batch column index, -1 until named */
    uint64_t rows_before; /* rows fed before the column was named: all lack it */
    uint64_t n_null, n_values, n_wrong;
    unsigned long null_line, wrong_line;
    struct fl_monitor__counter wrong; /* offending texts, lazily created */
    uint64_t n_below, n_above, n_nan;
    double lo_seen, hi_seen;
    unsigned long range_line;
    struct fl_monitor__counter range;
    uint64_t n_out_domain, n_domain_checked;
    unsigned long domain_line;
    struct fl_monitor__counter domain;
    size_t *bins; /* counts per reference bin (lazily allocated), then BIN_BUF scratch */
    double *buf;  /* numbers waiting to be counted */
    size_t n_buf;
    uint64_t n_binned; /* numbers counted into bins */
};

struct ncol { /* a batch column */
    char *name;
    long schema;        /* schema column index or -1 (new column) */
    uint64_t n_values;  /* non-null cells, for new columns */
    unsigned long line; /* first line with a value */
};

struct fl_validator {
    const struct fl_schema *s;
    bool text;
    struct vcol *cols; /* one per schema column */
    struct ncol *bcols;
    size_t n_bcols, cap_bcols;
    struct fl_map *index; /* batch column name -> index + 1 */
    uint64_t n_rows;
};

const char *fl_anomaly_kind_name(enum fl_anomaly_kind k)
{
    static const char *const names[] = {"row_count",     "missing_column", "new_column",
                                        "type_change",   "null_spike",     "out_of_range",
                                        "out_of_domain", "drift"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* ---- lifecycle ---- */

fl_err fl_validator_new(const struct fl_schema *s, const struct fl_validate_opts *o,
                        struct fl_validator **out)
{
    *out = NULL;
    struct fl_validator *v = fl_calloc(1, sizeof *v);
    if (!v)
        return FL_ENOMEM;
    v->s = s;
    v->text = o && o->text_input;
    v->cols = s->n_cols ? fl_calloc(s->n_cols, sizeof *v->cols) : NULL;
    v->index = fl_map_new(NULL, FL_LIMIT_TABLE_COLUMNS + 1);
    if ((s->n_cols && !v->cols) || !v->index) {
        fl_validator_free(v);
        return FL_ENOMEM;
    }
    for (size_t i = 0; i < s->n_cols; i++)
        v->cols[i].batch = -1;
    *out = v;
    return FL_OK;
}

void fl_validator_free(struct fl_validator *v)
{
    if (!v)
        return;
    for (size_t i = 0; v->cols && i < v->s->n_cols; i++) {
        fl_monitor__counter_cleanup(&v->cols[i].wrong);
        fl_monitor__counter_cleanup(&v->cols[i].range);
        fl_monitor__counter_cleanup(&v->cols[i].domain);
        fl_free(v->cols[i].bins);
        fl_free(v->cols[i].buf);
    }
    for (size_t i = 0; i < v->n_bcols; i++)
        fl_free(v->bcols[i].name);
    fl_free(v->bcols);
    fl_free(v->cols);
    fl_map_free(v->index);
    fl_free(v);
}

fl_err fl_validator_add_column(struct fl_validator *v, const char *name)
{
    size_t len = strlen(name);
    if (fl_map_has(v->index, name, len))
        return FL_EINVAL;
    if (v->n_bcols >= FL_LIMIT_TABLE_COLUMNS)
        return FL_ELIMIT;
    if (v->n_bcols == v->cap_bcols) {
        size_t ncap = v->cap_bcols ? v->cap_bcols * 2 : 16;
        struct ncol *nb = fl_reallocarray(v->bcols, ncap, sizeof *nb);
        if (!nb)
            return FL_ENOMEM;
        v->bcols = nb;
        v->cap_bcols = ncap;
    }
    struct ncol *b = &v->bcols[v->n_bcols];
    memset(b, 0, sizeof *b);
    if (!(b->name = fl_strdup(name)))
        return FL_ENOMEM;
    fl_err e = fl_map_put(v->index, name, len, (void *)(uintptr_t)(v->n_bcols + 1));
    if (e) {
        fl_free(b->name);
        return e;
    }
    b->schema = fl_schema_find(v->s, name);
    if (b->schema >= 0) {
        v->cols[b->schema].batch = (long)v->n_bcols;
        v->cols[b->schema].rows_before = v->n_rows;
    }
    v->n_bcols++;
    return FL_OK;
}

size_t fl_validator_n_columns(const struct fl_validator *v)
{
    return v->n_bcols;
}

/* ---- rows ---- */

static fl_err count(struct fl_monitor__counter *c, struct fl_str s, unsigned long line)
{
    if (!c->m) {
        fl_err e = fl_monitor__counter_init(c, EXAMPLE_KEEP);
        if (e)
            return e;
    }
    return fl_monitor__counter_add(c, s.p, s.len, line);
}

/* Count the buffered numbers of a column into its reference bins. */
static fl_err flush_bins(struct vcol *vc, const struct fl_schema_column *sc)
{
    size_t k = sc->n_ref_edges - 1;
    if (vc->n_buf == 0)
        return FL_OK;
    fl_err e =
        fl_binning_count(sc->ref_edges, sc->n_ref_edges, vc->buf, vc->n_buf, vc->bins + k, NULL);
    if (e)
        return e;
    for (size_t i = 0; i < k; i++)
        vc->bins[i] += vc->bins[k + i];
    vc->n_binned += vc->n_buf;
    vc->n_buf = 0;
    return FL_OK;
}

static fl_err bin_value(struct vcol *vc, const struct fl_schema_column *sc, double x)
{
    if (!sc->has_reference || isnan(x))
        return FL_OK;
    if (!vc->bins) {
        vc->bins = fl_calloc(2 * (sc->n_ref_edges - 1), sizeof *vc->bins);
        vc->buf = fl_reallocarray(NULL, BIN_BUF, sizeof *vc->buf);
        if (!vc->bins || !vc->buf)
            return FL_ENOMEM;
    }
    vc->buf[vc->n_buf++] = x;
    return vc->n_buf == BIN_BUF ? flush_bins(vc, sc) : FL_OK;
}

static fl_err check_range(struct vcol *vc, const struct fl_schema_column *sc,
                          const struct fl_cell *c, unsigned long line)
{
    bool below = sc->has_min && c->num < sc->min, above = sc->has_max && c->num > sc->max;
    bool nan = isnan(c->num) && (sc->has_min || sc->has_max);
    if (!below && !above && !nan)
        return FL_OK;
    if (below || above) {
        if (vc->n_below + vc->n_above == 0 || c->num < vc->lo_seen)
            vc->lo_seen = c->num;
        if (vc->n_below + vc->n_above == 0 || c->num > vc->hi_seen)
            vc->hi_seen = c->num;
    }
    vc->n_below += below;
    vc->n_above += above;
    vc->n_nan += nan;
    if (!vc->range_line)
        vc->range_line = line;
    return count(&vc->range, c->str, line);
}

static fl_err check_cell(struct fl_validator *v, struct vcol *vc, const struct fl_schema_column *sc,
                         const struct fl_cell *c, unsigned long line)
{
    if (c->type == FL_CELL_MISSING || c->type == FL_CELL_NULL) {
        if (vc->n_null++ == 0)
            vc->null_line = line;
        return FL_OK;
    }
    vc->n_values++;
    if (!fl_monitor__type_ok(sc->type, c, v->text)) {
        if (vc->n_wrong++ == 0)
            vc->wrong_line = line;
        return count(&vc->wrong, c->str, line);
    }
    if (sc->type == FL_COL_INT || sc->type == FL_COL_FLOAT) {
        fl_err e = bin_value(vc, sc, c->num);
        return e ? e : check_range(vc, sc, c, line);
    }
    if (sc->type == FL_COL_STRING && sc->has_domain) {
        vc->n_domain_checked++;
        if (fl_schema_in_domain(sc, c->str.p, c->str.len))
            return FL_OK;
        if (vc->n_out_domain++ == 0)
            vc->domain_line = line;
        return count(&vc->domain, c->str, line);
    }
    return FL_OK;
}

fl_err fl_validator_row(struct fl_validator *v, const struct fl_cell *cells, size_t n,
                        unsigned long line)
{
    static const struct fl_cell missing = {FL_CELL_MISSING, false, 0, {"", 0}};
    if (n > v->n_bcols)
        return FL_EINVAL;
    for (size_t i = 0; i < v->n_bcols; i++) {
        const struct fl_cell *c = i < n ? &cells[i] : &missing;
        struct ncol *b = &v->bcols[i];
        if (b->schema < 0) {
            if (c->type != FL_CELL_MISSING && c->type != FL_CELL_NULL && b->n_values++ == 0)
                b->line = line;
            continue;
        }
        fl_err e = check_cell(v, &v->cols[b->schema], &v->s->cols[b->schema], c, line);
        if (e)
            return e;
    }
    v->n_rows++;
    return FL_OK;
}

/* ---- anomalies ---- */

struct alist {
    struct fl_anomaly *a;
    size_t n, cap;
};

void fl_validation_free(struct fl_validation *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_anomalies; i++) {
        struct fl_anomaly *a = &r->anomalies[i];
        fl_free(a->column);
        fl_free(a->message);
        for (size_t k = 0; k < a->n_examples; k++)
            fl_free(a->examples[k].value);
    }
    fl_free(r->anomalies);
    fl_free(r->drift_note);
    fl_free(r);
}

static struct fl_anomaly *push(struct alist *l, enum fl_anomaly_kind kind, const char *column)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        struct fl_anomaly *na = fl_reallocarray(l->a, ncap, sizeof *na);
        if (!na)
            return NULL;
        l->a = na;
        l->cap = ncap;
    }
    struct fl_anomaly *a = &l->a[l->n];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->expected_lo = a->expected_hi = a->observed_lo = a->observed_hi = NAN;
    if (column && !(a->column = fl_strdup(column)))
        return NULL;
    l->n++;
    return a;
}

static fl_err take_examples(struct fl_anomaly *a, const struct fl_monitor__counter *c)
{
    struct fl_monitor__entry *v;
    size_t n;
    if (!c->m)
        return FL_OK;
    fl_err e = fl_monitor__counter_sorted(c, true, &v, &n);
    if (e)
        return e;
    a->n_distinct = n;
    for (size_t i = 0; i < n && i < FL_ANOMALY_EXAMPLES; i++) {
        if (!(a->examples[i].value = fl_strndup(v[i].p, v[i].len))) {
            e = FL_ENOMEM;
            break;
        }
        a->examples[i].len = v[i].len;
        a->examples[i].count = v[i].n;
        a->n_examples++;
    }
    fl_free(v);
    return e;
}

/* Printable excerpt of a value for one-line messages. */
static void excerpt(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = len < 40 ? len : 40, k = 0;
    for (size_t i = 0; i < n && k + 4 < cap; i++)
        out[k++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (n < len && k + 4 < cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

static void share(struct fl_buf *m, uint64_t k, uint64_t total, const char *what)
{
    fl_buf_printf(m, "%llu of %llu %s (%.3g%%)", (unsigned long long)k, (unsigned long long)total,
                  what, total ? 100.0 * (double)k / (double)total : 0);
}

static void examples_text(struct fl_buf *m, const struct fl_anomaly *a)
{
    for (size_t i = 0; i < a->n_examples && i < 3; i++) {
        char ex[64];
        excerpt(a->examples[i].value, a->examples[i].len, ex, sizeof ex);
        fl_buf_printf(m, "%s\"%s\" (%llu)", i ? ", " : "; examples: ", ex,
                      (unsigned long long)a->examples[i].count);
    }
}

/* Finish a message: first line, then move the text into the anomaly. */
static fl_err set_message(struct fl_anomaly *a, struct fl_buf *m)
{
    if (a->first_line)
        fl_buf_printf(m, "; first at line %lu", a->first_line);
    if (fl_buf_err(m))
        return fl_buf_err(m);
    a->message = fl_buf_take(m);
    return FL_OK;
}

static fl_err row_count(const struct fl_validator *v, struct alist *l, struct fl_buf *m)
{
    const struct fl_schema *s = v->s;
    if (!s->has_rows_band || (v->n_rows >= s->rows_min && v->n_rows <= s->rows_max))
        return FL_OK;
    struct fl_anomaly *a = push(l, FL_ANOMALY_ROW_COUNT, NULL);
    if (!a)
        return FL_ENOMEM;
    a->count = v->n_rows;
    a->expected_lo = (double)s->rows_min;
    a->expected_hi = s->rows_max == UINT64_MAX ? INFINITY : (double)s->rows_max;
    a->observed_lo = a->observed_hi = (double)v->n_rows;
    fl_buf_printf(m, "the batch has %llu rows; the schema expects ", (unsigned long long)v->n_rows);
    if (s->rows_max == UINT64_MAX)
        fl_buf_printf(m, "at least %llu", (unsigned long long)s->rows_min);
    else
        fl_buf_printf(m, "%llu to %llu", (unsigned long long)s->rows_min,
                      (unsigned long long)s->rows_max);
    return set_message(a, m);
}

static fl_err type_change(struct alist *l, const struct fl_schema_column *sc, struct vcol *vc,
                          struct fl_buf *m)
{
    if (vc->n_values == 0 || vc->n_wrong == 0 ||
        (double)vc->n_wrong / (double)vc->n_values <= sc->max_wrong_type + 1e-12)
        return FL_OK;
    struct fl_anomaly *a = push(l, FL_ANOMALY_TYPE_CHANGE, sc->name);
    if (!a)
        return FL_ENOMEM;
    a->count = vc->n_wrong;
    a->total = vc->n_values;
    a->expected_lo = 0;
    a->expected_hi = sc->max_wrong_type;
    a->observed_lo = a->observed_hi = (double)vc->n_wrong / (double)vc->n_values;
    a->first_line = vc->wrong_line;
    fl_err e = take_examples(a, &vc->wrong);
    if (e)
        return e;
    share(m, vc->n_wrong, vc->n_values, "values");
    fl_buf_printf(m, " are not %s (allowed: %.3g%%)", fl_col_type_name(sc->type),
                  100 * sc->max_wrong_type);
    examples_text(m, a);
    return set_message(a, m);
}

static fl_err null_spike(struct alist *l, const struct fl_schema_column *sc, struct vcol *vc,
                         uint64_t rows, struct fl_buf *m)
{
    uint64_t nulls = vc->rows_before + vc->n_null;
    if (isnan(sc->null_rate) || rows == 0)
        return FL_OK;
    double rate = (double)nulls / (double)rows, limit = sc->null_rate + sc->null_tolerance;
    if (rate <= limit + 1e-12)
        return FL_OK;
    struct fl_anomaly *a = push(l, FL_ANOMALY_NULL_SPIKE, sc->name);
    if (!a)
        return FL_ENOMEM;
    a->count = nulls;
    a->total = rows;
    a->expected_lo = 0;
    a->expected_hi = limit;
    a->observed_lo = a->observed_hi = rate;
    a->first_line = vc->null_line;
    share(m, nulls, rows, "rows");
    fl_buf_printf(m, " have no value; expected %.3g%% + %.3g%% tolerance", 100 * sc->null_rate,
                  100 * sc->null_tolerance);
    return set_message(a, m);
}

static fl_err out_of_range(struct alist *l, const struct fl_schema_column *sc, struct vcol *vc,
                           struct fl_buf *m)
{
    uint64_t k = vc->n_below + vc->n_above + vc->n_nan;
    if (k == 0)
        return FL_OK;
    struct fl_anomaly *a = push(l, FL_ANOMALY_OUT_OF_RANGE, sc->name);
    if (!a)
        return FL_ENOMEM;
    a->count = k;
    a->total = vc->n_values - vc->n_wrong;
    a->expected_lo = sc->has_min ? sc->min : -INFINITY;
    a->expected_hi = sc->has_max ? sc->max : INFINITY;
    if (vc->n_below + vc->n_above) {
        a->observed_lo = vc->lo_seen;
        a->observed_hi = vc->hi_seen;
    }
    a->n_below = vc->n_below;
    a->n_above = vc->n_above;
    a->first_line = vc->range_line;
    fl_err e = take_examples(a, &vc->range);
    if (e)
        return e;
    char lo[40], hi[40];
    fl_fmt_double(a->expected_lo, lo, sizeof lo);
    fl_fmt_double(a->expected_hi, hi, sizeof hi);
    share(m, k, a->total, "values");
    fl_buf_printf(m, " outside [%s, %s]:", lo, hi);
    const char *sep = " ";
    if (vc->n_below) {
        fl_fmt_double(vc->lo_seen, lo, sizeof lo);
        fl_buf_printf(m, "%s%llu below (lowest %s)", sep, (unsigned long long)vc->n_below, lo);
        sep = ", ";
    }
    if (vc->n_above) {
        fl_fmt_double(vc->hi_seen, hi, sizeof hi);
        fl_buf_printf(m, "%s%llu above (highest %s)", sep, (unsigned long long)vc->n_above, hi);
        sep = ", ";
    }
    if (vc->n_nan)
        fl_buf_printf(m, "%s%llu NaN", sep, (unsigned long long)vc->n_nan);
    return set_message(a, m);
}

static fl_err out_of_domain(struct alist *l, const struct fl_schema_column *sc, struct vcol *vc,
                            struct fl_buf *m)
{
    if (vc->n_out_domain == 0)
        return FL_OK;
    struct fl_anomaly *a = push(l, FL_ANOMALY_OUT_OF_DOMAIN, sc->name);
    if (!a)
        return FL_ENOMEM;
    a->count = vc->n_out_domain;
    a->total = vc->n_domain_checked;
    a->first_line = vc->domain_line;
    fl_err e = take_examples(a, &vc->domain);
    if (e)
        return e;
    share(m, vc->n_out_domain, vc->n_domain_checked, "values");
    fl_buf_printf(m, " outside the domain of %zu values", sc->n_domain);
    if (a->n_distinct)
        fl_buf_printf(m, " (%llu%s distinct)", (unsigned long long)a->n_distinct,
                      vc->domain.overflow ? "+" : "");
    examples_text(m, a);
    return set_message(a, m);
}

/* A number for people: 6 significant digits, +Inf / -Inf. */
static void short_num(double v, char *out, size_t cap)
{
    if (isinf(v))
        snprintf(out, cap, "%s", v > 0 ? "+Inf" : "-Inf");
    else
        snprintf(out, cap, "%.6g", v);
}

/* PSI of the batch's bins against the reference; the note lists columns it could not check. */
static fl_err drift(struct alist *l, const struct fl_schema_column *sc, struct vcol *vc,
                    struct fl_buf *m, size_t *checked, struct fl_buf *skipped)
{
    if (!sc->has_reference)
        return FL_OK;
    fl_err e = vc->bins ? flush_bins(vc, sc) : FL_OK;
    if (e)
        return e;
    if (vc->n_binned < FL_VALIDATE_DRIFT_MIN_VALUES) {
        fl_buf_printf(skipped, "%s%s (%llu values)", skipped->len ? ", " : "", sc->name,
                      (unsigned long long)vc->n_binned);
        return FL_OK;
    }
    size_t k = sc->n_ref_edges - 1;
    double *cur = fl_reallocarray(NULL, k, sizeof *cur), psi;
    if (!cur)
        return FL_ENOMEM;
    size_t worst = 0;
    for (size_t i = 0; i < k; i++) {
        cur[i] = (double)vc->bins[i] / (double)vc->n_binned;
        if (fabs(cur[i] - sc->ref_props[i]) > fabs(cur[worst] - sc->ref_props[worst]))
            worst = i;
    }
    e = fl_divergence_psi(sc->ref_props, cur, k, &psi);
    double shift_from = sc->ref_props[worst], shift_to = cur[worst];
    fl_free(cur);
    if (e)
        return e == FL_ENOMEM ? e : FL_OK; /* cannot happen for a parsed schema */
    (*checked)++;
    if (!(psi > sc->psi_threshold))
        return FL_OK;
    struct fl_anomaly *a = push(l, FL_ANOMALY_DRIFT, sc->name);
    if (!a)
        return FL_ENOMEM;
    a->count = vc->n_binned;
    a->total = vc->n_binned;
    a->expected_lo = 0;
    a->expected_hi = sc->psi_threshold;
    a->observed_lo = a->observed_hi = psi;
    char lo[40], hi[40];
    short_num(sc->ref_edges[worst], lo, sizeof lo);
    short_num(sc->ref_edges[worst + 1], hi, sizeof hi);
    fl_buf_printf(m,
                  "PSI %.3g > %.3g over %zu reference bins (%llu values); largest shift in "
                  "[%s, %s): %.3g%% of the training values, %.3g%% of the batch",
                  psi, sc->psi_threshold, k, (unsigned long long)vc->n_binned, lo, hi,
                  100 * shift_from, 100 * shift_to);
    return set_message(a, m);
}

static fl_err column_anomalies(struct fl_validator *v, struct alist *l, size_t i, struct fl_buf *m,
                               size_t *checked, struct fl_buf *skipped)
{
    const struct fl_schema_column *sc = &v->s->cols[i];
    struct vcol *vc = &v->cols[i];
    fl_err e;
    if (vc->batch < 0) {
        if (!sc->required)
            return FL_OK;
        struct fl_anomaly *a = push(l, FL_ANOMALY_MISSING_COLUMN, sc->name);
        if (!a)
            return FL_ENOMEM;
        fl_buf_printf(m, "required %s column is not in the batch", fl_col_type_name(sc->type));
        return set_message(a, m);
    }
    if ((e = type_change(l, sc, vc, m)) != FL_OK || (e = null_spike(l, sc, vc, v->n_rows, m)) ||
        (e = out_of_range(l, sc, vc, m)) != FL_OK || (e = out_of_domain(l, sc, vc, m)) != FL_OK)
        return e;
    fl_buf_reset(m);
    return drift(l, sc, vc, m, checked, skipped);
}

/* The drift line of the report. */
static char *drift_note(const struct fl_validator *v, size_t checked, const struct fl_buf *skipped)
{
    struct fl_buf n;
    size_t refs = 0;
    fl_buf_init(&n, 1u << 20);
    for (size_t i = 0; i < v->s->n_cols; i++)
        refs += v->s->cols[i].has_reference && v->cols[i].batch >= 0;
    if (refs == 0)
        fl_buf_puts(&n, "not checked: no column of the batch has a reference distribution in the "
                        "schema (schema infer --bins adds them)");
    else
        fl_buf_printf(&n, "PSI checked on %zu of %zu columns with a reference distribution",
                      checked, refs);
    if (skipped->len && !fl_buf_err(skipped))
        fl_buf_printf(&n, "; not checked with fewer than %d values: %s",
                      FL_VALIDATE_DRIFT_MIN_VALUES, skipped->data);
    if (fl_buf_err(&n)) {
        fl_buf_cleanup(&n);
        return NULL;
    }
    return fl_buf_take(&n);
}

static fl_err new_columns(struct fl_validator *v, struct alist *l, struct fl_buf *m)
{
    if (v->s->allow_new_columns)
        return FL_OK;
    for (size_t i = 0; i < v->n_bcols; i++) {
        const struct ncol *b = &v->bcols[i];
        if (b->schema >= 0)
            continue;
        struct fl_anomaly *a = push(l, FL_ANOMALY_NEW_COLUMN, b->name);
        if (!a)
            return FL_ENOMEM;
        a->count = b->n_values;
        a->total = v->n_rows;
        a->first_line = b->line;
        fl_buf_puts(m, "column is not in the schema; ");
        share(m, b->n_values, v->n_rows, "rows have a value");
        fl_err e = set_message(a, m);
        if (e)
            return e;
    }
    return FL_OK;
}

fl_err fl_validator_finish(struct fl_validator *v, struct fl_validation **out)
{
    struct alist l = {0};
    struct fl_buf m, skipped;
    size_t checked = 0;
    *out = NULL;
    fl_buf_init(&m, FL_DIAG_MSG_CAP * 4);
    fl_buf_init(&skipped, 1u << 20);
    struct fl_validation *r = fl_calloc(1, sizeof *r);
    fl_err e = r ? row_count(v, &l, &m) : FL_ENOMEM;
    for (size_t i = 0; !e && i < v->s->n_cols; i++) {
        fl_buf_reset(&m);
        e = column_anomalies(v, &l, i, &m, &checked, &skipped);
    }
    fl_buf_reset(&m);
    if (!e)
        e = new_columns(v, &l, &m);
    if (!e && r && !(r->drift_note = drift_note(v, checked, &skipped)))
        e = FL_ENOMEM;
    fl_buf_cleanup(&m);
    fl_buf_cleanup(&skipped);
    if (r) {
        r->anomalies = l.a;
        r->n_anomalies = l.n;
        r->n_rows = v->n_rows;
        r->n_columns = v->n_bcols;
        r->drift_checked = checked;
    }
    if (e) {
        if (r)
            fl_validation_free(r);
        else
            fl_free(l.a);
        return e;
    }
    *out = r;
    return FL_OK;
}

fl_err fl_validate_table(const struct fl_schema *s, struct fl_table *t, struct fl_validation **out,
                         struct fl_diag *d)
{
    struct fl_validate_opts o = {.text_input = fl_table_format(t) == FL_TABLE_CSV};
    struct fl_validator *v = NULL;
    const struct fl_cell *row;
    *out = NULL;
    fl_err e = fl_validator_new(s, &o, &v);
    while (!e) {
        for (size_t i = fl_validator_n_columns(v); !e && i < fl_table_n_columns(t); i++)
            e = fl_validator_add_column(v, fl_table_column(t, i));
        if (e || (e = fl_table_next(t, &row, d)) != FL_OK || !row)
            break;
        for (size_t i = fl_validator_n_columns(v); !e && i < fl_table_n_columns(t); i++)
            e = fl_validator_add_column(v, fl_table_column(t, i));
        if (!e)
            e = fl_validator_row(v, row, fl_table_n_columns(t), fl_table_line(t));
    }
    if (!e)
        e = fl_validator_finish(v, out);
    if (e && d && d->code == FL_OK)
        fl_diag_set(d, e, 0, 0, "%s", fl_err_str(e));
    fl_validator_free(v);
    return e;
}

/* ---- renderings ---- */

static void summary(const struct fl_validation *r, struct fl_buf *out)
{
    fl_buf_printf(out, "%llu rows, %zu columns, %zu anomal%s", (unsigned long long)r->n_rows,
                  r->n_columns, r->n_anomalies, r->n_anomalies == 1 ? "y" : "ies");
}

void fl_validation_write_text(const struct fl_validation *r, const char *input, const char *schema,
                              struct fl_buf *out)
{
    size_t wcol = strlen("COLUMN");
    for (size_t i = 0; i < r->n_anomalies; i++) {
        size_t n = r->anomalies[i].column ? strlen(r->anomalies[i].column) : 1;
        if (n > wcol)
            wcol = n < 40 ? n : 40;
    }
    fl_buf_printf(out, "%s against %s: ", input, schema);
    summary(r, out);
    fl_buf_putc(out, '\n');
    if (r->n_anomalies) {
        fl_buf_printf(out, "%-15s %-*s %s\n", "KIND", (int)wcol, "COLUMN", "DETAIL");
        for (size_t i = 0; i < r->n_anomalies; i++) {
            const struct fl_anomaly *a = &r->anomalies[i];
            char col[64];
            if (a->column)
                excerpt(a->column, strlen(a->column), col, sizeof col);
            else
                snprintf(col, sizeof col, "-");
            fl_buf_printf(out, "%-15s %-*s %s\n", fl_anomaly_kind_name(a->kind), (int)wcol, col,
                          a->message);
        }
    }
    fl_buf_printf(out, "drift: %s\n", r->drift_note);
}

static void json_num(struct fl_buf *out, const char *key, double v)
{
    fl_buf_printf(out, ",\"%s\":", key);
    if (isnan(v))
        fl_buf_puts(out, "null");
    else if (isinf(v))
        fl_buf_puts(out, v > 0 ? "\"+Inf\"" : "\"-Inf\"");
    else
        fl_buf_put_double(out, v);
}

static void json_anomaly(const struct fl_anomaly *a, struct fl_buf *out)
{
    fl_buf_printf(out, "{\"kind\":\"%s\",\"column\":", fl_anomaly_kind_name(a->kind));
    if (a->column)
        fl_buf_put_json_str(out, a->column, strlen(a->column));
    else
        fl_buf_puts(out, "null");
    fl_buf_printf(out, ",\"count\":%llu,\"total\":%llu", (unsigned long long)a->count,
                  (unsigned long long)a->total);
    json_num(out, "expected_min", a->expected_lo);
    json_num(out, "expected_max", a->expected_hi);
    json_num(out, "observed_min", a->observed_lo);
    json_num(out, "observed_max", a->observed_hi);
    if (a->kind == FL_ANOMALY_OUT_OF_RANGE)
        fl_buf_printf(out, ",\"below\":%llu,\"above\":%llu", (unsigned long long)a->n_below,
                      (unsigned long long)a->n_above);
    fl_buf_printf(out, ",\"first_line\":%lu,\"examples\":[", a->first_line);
    for (size_t k = 0; k < a->n_examples; k++) {
        fl_buf_puts(out, k ? ",{\"value\":" : "{\"value\":");
        fl_buf_put_json_str(out, a->examples[k].value, a->examples[k].len);
        fl_buf_printf(out, ",\"count\":%llu}", (unsigned long long)a->examples[k].count);
    }
    fl_buf_puts(out, "],\"message\":");
    fl_buf_put_json_str(out, a->message, strlen(a->message));
    fl_buf_putc(out, '}');
}

void fl_validation_write_json(const struct fl_validation *r, const char *input, const char *schema,
                              struct fl_buf *out)
{
    fl_buf_puts(out, "{\"input\":");
    fl_buf_put_json_str(out, input, strlen(input));
    fl_buf_puts(out, ",\"schema\":");
    fl_buf_put_json_str(out, schema, strlen(schema));
    fl_buf_printf(out, ",\"rows\":%llu,\"columns\":%zu,\"ok\":%s,\"anomalies\":[",
                  (unsigned long long)r->n_rows, r->n_columns, r->n_anomalies ? "false" : "true");
    for (size_t i = 0; i < r->n_anomalies; i++) {
        if (i)
            fl_buf_putc(out, ',');
        json_anomaly(&r->anomalies[i], out);
    }
    fl_buf_printf(out, "],\"drift\":{\"columns_checked\":%zu,\"note\":", r->drift_checked);
    fl_buf_put_json_str(out, r->drift_note, strlen(r->drift_note));
    fl_buf_puts(out, "}}\n");
}

/* Markdown table cell: pipes escaped, control characters replaced. */
static void md_cell(struct fl_buf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fl_buf_puts(out, "\\|");
        else if ((unsigned char)*s < 0x20)
            fl_buf_putc(out, ' ');
        else
            fl_buf_putc(out, *s);
    }
}

void fl_validation_write_markdown(const struct fl_validation *r, const char *input,
                                  const char *schema, struct fl_buf *out)
{
    fl_buf_puts(out, "## Validation of ");
    md_cell(out, input);
    fl_buf_puts(out, " against ");
    md_cell(out, schema);
    fl_buf_puts(out, "\n\n");
    summary(r, out);
    fl_buf_puts(out, ".\n\n");
    if (r->n_anomalies) {
        fl_buf_puts(out, "| kind | column | detail |\n|---|---|---|\n");
        for (size_t i = 0; i < r->n_anomalies; i++) {
            const struct fl_anomaly *a = &r->anomalies[i];
            fl_buf_printf(out, "| %s | ", fl_anomaly_kind_name(a->kind));
            md_cell(out, a->column ? a->column : "-");
            fl_buf_puts(out, " | ");
            md_cell(out, a->message);
            fl_buf_puts(out, " |\n");
        }
        fl_buf_putc(out, '\n');
    }
    fl_buf_puts(out, "Drift: ");
    md_cell(out, r->drift_note);
    fl_buf_puts(out, "\n");
}
