/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skew.c: training-serving skew by request (see skew.h for the matching rules).
 *
 * The offline table is indexed once by key (a hash map from key text to row); each served record
 * is then joined in O(features). Per feature the accumulator keeps counts, the sum of signed
 * differences, the largest difference, every mismatched absolute difference (for the median;
 * capped, see SKEW_MAX_DIFFS) and the first few examples.
 */
#include "skew.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map.h"
#include "core/str.h"

#define SKEW_MAX_FEATURES 100000
#define SKEW_MAX_EXAMPLES 100
#define SKEW_MAX_DIFFS 1000000 /* mismatched differences kept per feature for the median */

struct acc {
    char *name;
    long col; /* offline column, -1 when none */
    struct fl_skew_feature f;
    double sum_diff, max_abs;
    uint64_t n_diff;
    double *diffs; /* |served - offline| of mismatched number pairs */
    size_t n_diffs, cap_diffs;
    uint64_t seen_at; /* the joined record that last touched it (to find offline-only ones) */
};

struct fl_skew {
    struct fl_skew_opts o;
    const struct fl_table_data *td;
    long key_col;
    struct fl_map *keys;  /* key text -> row + 1 */
    struct fl_map *names; /* feature name -> acc index + 1 */
    struct acc *acc;
    size_t n_acc, cap_acc;
    unsigned char *joined_row; /* per offline row: joined at least once */
    uint64_t served, joined, served_unmatched, dup_offline_keys, n_joined_records;
};

void fl_skew_opts_default(struct fl_skew_opts *o)
{
    o->key = "request_id";
    o->rtol = 1e-6;
    o->atol = 1e-9;
    o->n_examples = 3;
}

/* The key text of a cell into buf; 0 when the cell cannot be a key. */
static int key_text(const struct fl_cell *c, char *buf, size_t cap, struct fl_str *out)
{
    if (c->type == FL_CELL_STRING) {
        *out = c->str;
        return 1;
    }
    if (c->type == FL_CELL_NUMBER && c->integral) {
        int n = snprintf(buf, cap, "%.0f", c->num);
        if (n <= 0 || (size_t)n >= cap)
            return 0;
        *out = (struct fl_str){buf, (size_t)n};
        return 1;
    }
    return 0;
}

static fl_err acc_get(struct fl_skew *s, const char *name, size_t len, struct acc **out)
{
    void *v = fl_map_get(s->names, name, len);
    if (v) {
        *out = &s->acc[(size_t)(uintptr_t)v - 1];
        return FL_OK;
    }
    if (s->n_acc >= SKEW_MAX_FEATURES)
        return FL_ELIMIT;
    if (s->n_acc == s->cap_acc) {
        size_t ncap = s->cap_acc ? 2 * s->cap_acc : 16;
        struct acc *na = fl_realloc(s->acc, ncap * sizeof *na);
        if (!na)
            return FL_ENOMEM;
        s->acc = na;
        s->cap_acc = ncap;
    }
    struct acc *a = &s->acc[s->n_acc];
    memset(a, 0, sizeof *a);
    a->col = -1;
    if (!(a->name = fl_malloc(len + 1)))
        return FL_ENOMEM;
    memcpy(a->name, name, len);
    a->name[len] = '\0';
    if (fl_map_put(s->names, a->name, len, (void *)(uintptr_t)(s->n_acc + 1)) != FL_OK) {
        fl_free(a->name);
        return FL_ENOMEM;
    }
    s->n_acc++;
    *out = a;
    return FL_OK;
}

fl_err fl_skew_new(const struct fl_skew_opts *o, const struct fl_table_data *td,
                   struct fl_skew **out, struct fl_diag *d)
{
    struct fl_skew *s = NULL;
    fl_err e = FL_ENOMEM;
    *out = NULL;
    if (!o || !td || !o->key || !(o->rtol >= 0) || !(o->atol >= 0))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "skew: bad options");
    long kc = fl_table_data_find(td, o->key);
    if (kc < 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "offline data has no key column \"%s\"", o->key);
    if (!(s = fl_calloc(1, sizeof *s)))
        goto oom;
    s->o = *o;
    if (s->o.n_examples > SKEW_MAX_EXAMPLES)
        s->o.n_examples = SKEW_MAX_EXAMPLES;
    s->td = td;
    s->key_col = kc;
    if (!(s->keys = fl_map_new(NULL, 0)) || !(s->names = fl_map_new(NULL, 0)) ||
        (td->n_rows && !(s->joined_row = fl_calloc(td->n_rows, 1))))
        goto oom;
    for (size_t r = 0; r < td->n_rows; r++) {
        char buf[64];
        struct fl_str k;
        const struct fl_cell *c = &td->cols[kc].cells[r];
        if (!key_text(c, buf, sizeof buf, &k)) {
            e = fl_diag_set(d, FL_EINVAL, 0, 0,
                            "offline row %zu: key column \"%s\" must hold a string or an integer",
                            r + 1, o->key);
            goto fail;
        }
        if (fl_map_has(s->keys, k.p, k.len)) {
            s->dup_offline_keys++;
            continue;
        }
        if (fl_map_put(s->keys, k.p, k.len, (void *)(uintptr_t)(r + 1)) != FL_OK)
            goto oom;
    }
    /* every offline column but the key is a feature, named without a "features." prefix */
    for (size_t c = 0; c < td->n_cols; c++) {
        if ((long)c == kc)
            continue;
        const char *name = td->cols[c].name;
        if (!strncmp(name, "features.", 9) && name[9])
            name += 9;
        struct acc *a;
        if ((e = acc_get(s, name, strlen(name), &a)) != FL_OK)
            goto fail;
        if (a->col < 0)
            a->col = (long)c;
    }
    *out = s;
    return FL_OK;
oom:
    e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory indexing the offline data");
fail:
    fl_skew_free(s);
    return e;
}

void fl_skew_free(struct fl_skew *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_acc; i++) {
        struct acc *a = &s->acc[i];
        for (size_t k = 0; k < a->f.n_examples; k++) {
            fl_free(a->f.examples[k].request_id);
            fl_free(a->f.examples[k].served);
            fl_free(a->f.examples[k].offline);
        }
        fl_free(a->f.examples);
        fl_free(a->diffs);
        fl_free(a->name);
    }
    fl_free(s->acc);
    fl_map_free(s->keys);
    fl_map_free(s->names);
    fl_free(s->joined_row);
    fl_free(s);
}

/* ---- rendering values for examples ---- */

static char *dup_text(const struct fl_buf *b)
{
    char *p = fl_malloc(b->len + 1);
    if (p) {
        memcpy(p, b->data ? b->data : "", b->len);
        p[b->len] = '\0';
    }
    return p;
}

static void served_text(const struct fl_feature *f, struct fl_buf *b)
{
    if (!f) {
        fl_buf_puts(b, "absent");
        return;
    }
    if (f->status == FL_FEAT_NOT_FOUND && f->kind == FL_VAL_NULL) {
        fl_buf_puts(b, "not_found");
        return;
    }
    switch (f->kind) {
    case FL_VAL_NUMBER:
        fl_buf_put_double(b, f->num);
        break;
    case FL_VAL_BOOL:
        fl_buf_puts(b, f->num != 0 ? "true" : "false");
        break;
    case FL_VAL_STRING:
        fl_buf_put_json_str(b, f->str ? f->str : "", f->str ? strlen(f->str) : 0);
        break;
    default:
        fl_buf_puts(b, "null");
    }
    if (f->status == FL_FEAT_OUTSIDE_MAX_AGE)
        fl_buf_puts(b, " (outside_max_age)");
}

static void offline_text(const struct fl_cell *c, struct fl_buf *b)
{
    switch (c ? c->type : FL_CELL_MISSING) {
    case FL_CELL_NUMBER:
        fl_buf_put_double(b, c->num);
        break;
    case FL_CELL_BOOL:
        fl_buf_puts(b, c->num != 0 ? "true" : "false");
        break;
    case FL_CELL_STRING:
        fl_buf_put_json_str(b, c->str.p, c->str.len);
        break;
    case FL_CELL_NULL:
        fl_buf_puts(b, "null");
        break;
    default:
        fl_buf_puts(b, "absent");
    }
}

static fl_err add_example(struct fl_skew *s, struct acc *a, const char *rid,
                          const struct fl_feature *f, const struct fl_cell *c)
{
    if (a->f.n_examples >= s->o.n_examples)
        return FL_OK;
    if (!a->f.examples &&
        !(a->f.examples = fl_calloc(s->o.n_examples, sizeof *a->f.examples)))
        return FL_ENOMEM;
    struct fl_buf b;
    struct fl_skew_example *x = &a->f.examples[a->f.n_examples];
    fl_buf_init(&b, 1u << 16);
    served_text(f, &b);
    x->served = dup_text(&b);
    fl_buf_reset(&b);
    offline_text(c, &b);
    x->offline = dup_text(&b);
    fl_buf_cleanup(&b);
    size_t n = strlen(rid);
    if ((x->request_id = fl_malloc(n + 1)))
        memcpy(x->request_id, rid, n + 1);
    a->f.n_examples++;
    if (!x->served || !x->offline || !x->request_id)
        return FL_ENOMEM;
    return FL_OK;
}

/* ---- comparing one feature of one joined request ---- */

enum verdict { V_MATCH, V_MISMATCH, V_TYPE, V_SERVED_NULL, V_OFFLINE_NULL, V_BOTH_NULL };

static fl_err compare(struct fl_skew *s, struct acc *a, const char *rid,
                      const struct fl_feature *f, const struct fl_cell *c)
{
    struct fl_skew_feature *x = &a->f;
    x->joined++;
    if (a->col < 0) { /* no offline column: counted, not compared */
        x->offline_absent++;
        x->not_found += f && f->status == FL_FEAT_NOT_FOUND;
        x->outside_max_age += f && f->status == FL_FEAT_OUTSIDE_MAX_AGE;
        return FL_OK;
    }
    if (f && f->status == FL_FEAT_NOT_FOUND)
        x->not_found++;
    if (f && f->status == FL_FEAT_OUTSIDE_MAX_AGE)
        x->outside_max_age++;
    if (!f)
        x->served_absent++;
    if (!c || c->type == FL_CELL_MISSING)
        x->offline_absent++;
    int s_null = !f || f->kind == FL_VAL_NULL;
    int o_null = !c || c->type == FL_CELL_MISSING || c->type == FL_CELL_NULL;
    enum verdict v;
    double diff = 0;
    int numeric = 0;
    if (s_null && o_null)
        v = V_BOTH_NULL;
    else if (s_null)
        v = V_SERVED_NULL;
    else if (o_null)
        v = V_OFFLINE_NULL;
    else {
        int s_num = f->kind == FL_VAL_NUMBER || f->kind == FL_VAL_BOOL;
        int o_num = c->type == FL_CELL_NUMBER || c->type == FL_CELL_BOOL;
        x->compared++;
        if (s_num && o_num) {
            numeric = 1;
            diff = f->num - c->num;
            double ad = fabs(diff);
            if (isnan(f->num) && isnan(c->num))
                v = V_MATCH, diff = 0;
            else
                v = ad <= s->o.atol + s->o.rtol * fabs(c->num) ? V_MATCH : V_MISMATCH;
        } else if (f->kind == FL_VAL_STRING && c->type == FL_CELL_STRING) {
            size_t n = f->str ? strlen(f->str) : 0;
            v = n == c->str.len && (n == 0 || !memcmp(f->str, c->str.p, n)) ? V_MATCH
                                                                             : V_MISMATCH;
        } else {
            v = V_TYPE;
        }
    }
    if (numeric) {
        double ad = fabs(diff);
        a->sum_diff += diff;
        a->n_diff++;
        if (a->n_diff == 1 || ad > a->max_abs)
            a->max_abs = ad;
        if (v == V_MISMATCH && a->n_diffs < SKEW_MAX_DIFFS) {
            if (a->n_diffs == a->cap_diffs) {
                size_t ncap = a->cap_diffs ? 2 * a->cap_diffs : 64;
                double *nd = fl_realloc(a->diffs, ncap * sizeof *nd);
                if (!nd)
                    return FL_ENOMEM;
                a->diffs = nd;
                a->cap_diffs = ncap;
            }
            a->diffs[a->n_diffs++] = ad;
        }
    }
    switch (v) {
    case V_MISMATCH:
        x->mismatched++;
        break;
    case V_TYPE:
        x->mismatched++;
        x->type_mismatched++;
        break;
    case V_SERVED_NULL:
        x->served_null++;
        break;
    case V_OFFLINE_NULL:
        x->offline_null++;
        break;
    default:
        return FL_OK;
    }
    return add_example(s, a, rid, f, c);
}

fl_err fl_skew_add(struct fl_skew *s, const struct fl_inference *r)
{
    fl_err e;
    s->served++;
    if (!r->request_id)
        return FL_OK;
    void *v = fl_map_get(s->keys, r->request_id, strlen(r->request_id));
    if (!v) {
        s->served_unmatched++;
        return FL_OK;
    }
    size_t row = (size_t)(uintptr_t)v - 1;
    s->joined_row[row] = 1;
    s->joined++;
    uint64_t mark = ++s->n_joined_records;
    for (size_t i = 0; i < r->n_features; i++) {
        const struct fl_feature *f = &r->features[i];
        struct acc *a;
        if ((e = acc_get(s, f->name, strlen(f->name), &a)) != FL_OK)
            return e;
        if (a->seen_at == mark)
            continue; /* a name twice in one record: the ingest refuses it; compare once */
        a->seen_at = mark;
        const struct fl_cell *c = a->col >= 0 ? &s->td->cols[a->col].cells[row] : NULL;
        if ((e = compare(s, a, r->request_id, f, c)) != FL_OK)
            return e;
    }
    /* offline features this record did not carry */
    for (size_t i = 0; i < s->n_acc; i++) {
        struct acc *a = &s->acc[i];
        if (a->seen_at == mark || a->col < 0)
            continue;
        const struct fl_cell *c = &s->td->cols[a->col].cells[row];
        if (c->type == FL_CELL_MISSING)
            continue; /* absent on both sides */
        a->seen_at = mark;
        if ((e = compare(s, a, r->request_id, NULL, c)) != FL_OK)
            return e;
    }
    return FL_OK;
}

/* ---- the report ---- */

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

static int cmp_feature(const void *pa, const void *pb)
{
    const struct fl_skew_feature *a = pa, *b = pb;
    double ra = isnan(a->mismatch_rate) ? -1 : a->mismatch_rate;
    double rb = isnan(b->mismatch_rate) ? -1 : b->mismatch_rate;
    if (ra != rb)
        return ra > rb ? -1 : 1;
    return strcmp(a->name, b->name);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *p = fl_malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

fl_err fl_skew_report(const struct fl_skew *s, struct fl_skew_report *out)
{
    memset(out, 0, sizeof *out);
    out->served = s->served;
    out->offline = s->td->n_rows;
    out->joined = s->joined;
    out->served_unmatched = s->served_unmatched;
    out->dup_offline_keys = s->dup_offline_keys;
    for (size_t r = 0; r < s->td->n_rows; r++)
        out->offline_unmatched += !s->joined_row[r];
    out->offline_unmatched -= s->dup_offline_keys; /* duplicates were never candidates */
    if (s->n_acc == 0)
        return FL_OK;
    if (!(out->features = fl_calloc(s->n_acc, sizeof *out->features)))
        return FL_ENOMEM;
    out->n_features = s->n_acc;
    for (size_t i = 0; i < s->n_acc; i++) {
        const struct acc *a = &s->acc[i];
        struct fl_skew_feature *f = &out->features[i];
        *f = a->f;
        f->examples = NULL;
        f->n_examples = 0;
        f->name = dup_str(a->name);
        if (!f->name)
            goto oom;
        f->mean_diff = a->n_diff ? a->sum_diff / (double)a->n_diff : NAN;
        f->max_abs_diff = a->n_diff ? a->max_abs : NAN;
        f->median_abs_diff = NAN;
        if (a->n_diffs) {
            double *tmp = fl_malloc(a->n_diffs * sizeof *tmp);
            if (!tmp)
                goto oom;
            memcpy(tmp, a->diffs, a->n_diffs * sizeof *tmp);
            qsort(tmp, a->n_diffs, sizeof *tmp, cmp_double);
            size_t m = a->n_diffs / 2;
            f->median_abs_diff = a->n_diffs % 2 ? tmp[m] : (tmp[m - 1] + tmp[m]) / 2;
            fl_free(tmp);
        }
        /* NaN when nothing was compared (e.g. no offline column): not "0 % mismatched" */
        uint64_t judged = f->compared + f->served_null + f->offline_null;
        f->mismatch_rate = judged ? (double)(f->mismatched + f->served_null + f->offline_null) /
                                        (double)judged
                                  : NAN;
        if (a->f.n_examples) {
            if (!(f->examples = fl_calloc(a->f.n_examples, sizeof *f->examples)))
                goto oom;
            for (size_t k = 0; k < a->f.n_examples; k++) {
                const struct fl_skew_example *x = &a->f.examples[k];
                f->examples[k].request_id = dup_str(x->request_id);
                f->examples[k].served = dup_str(x->served);
                f->examples[k].offline = dup_str(x->offline);
                f->n_examples++;
                if (!f->examples[k].request_id || !f->examples[k].served ||
                    !f->examples[k].offline)
                    goto oom;
            }
        }
    }
    qsort(out->features, out->n_features, sizeof *out->features, cmp_feature);
    return FL_OK;
oom:
    fl_skew_report_cleanup(out);
    return FL_ENOMEM;
}

void fl_skew_report_cleanup(struct fl_skew_report *r)
{
    for (size_t i = 0; r->features && i < r->n_features; i++) {
        struct fl_skew_feature *f = &r->features[i];
        for (size_t k = 0; k < f->n_examples; k++) {
            fl_free(f->examples[k].request_id);
            fl_free(f->examples[k].served);
            fl_free(f->examples[k].offline);
        }
        fl_free(f->examples);
        fl_free(f->name);
    }
    fl_free(r->features);
    memset(r, 0, sizeof *r);
}

/* ---- rendering ---- */

static void put_num(struct fl_buf *b, double v, const char *none)
{
    if (isnan(v))
        fl_buf_puts(b, none);
    else
        fl_buf_put_double(b, v);
}

/* Six significant digits: for the text table, where exact digits only clutter. */
static void put_short(struct fl_buf *b, double v)
{
    if (isnan(v))
        fl_buf_puts(b, "-");
    else
        fl_buf_printf(b, "%.6g", v);
}

static void put_pct(struct fl_buf *b, double v)
{
    if (isnan(v))
        fl_buf_puts(b, "-");
    else
        fl_buf_printf(b, "%.2f%%", 100 * v);
}

static void summary_line(const struct fl_skew_report *r, struct fl_buf *b)
{
    fl_buf_printf(b,
                  "served %llu records, offline %llu rows: %llu joined, %llu served without an "
                  "offline row, %llu offline rows never served",
                  (unsigned long long)r->served, (unsigned long long)r->offline,
                  (unsigned long long)r->joined, (unsigned long long)r->served_unmatched,
                  (unsigned long long)r->offline_unmatched);
    if (r->dup_offline_keys)
        fl_buf_printf(b, ", %llu duplicate offline keys ignored",
                      (unsigned long long)r->dup_offline_keys);
    fl_buf_putc(b, '\n');
}

void fl_skew_report_table(const struct fl_skew_report *r, struct fl_buf *b)
{
    summary_line(r, b);
    fl_buf_printf(b, "%-24s %8s %8s %9s %8s %8s %8s %8s %12s %12s\n", "feature", "joined",
                  "compared", "mismatch", "rate", "srv_null", "off_null", "stale", "mean_diff",
                  "median_|d|");
    for (size_t i = 0; i < r->n_features; i++) {
        const struct fl_skew_feature *f = &r->features[i];
        char rate[32], md[40], mad[40];
        struct fl_buf t;
        fl_buf_init(&t, 64);
        put_pct(&t, f->mismatch_rate);
        snprintf(rate, sizeof rate, "%s", t.data ? t.data : "-");
        fl_buf_reset(&t);
        put_short(&t, f->mean_diff);
        snprintf(md, sizeof md, "%s", t.data ? t.data : "-");
        fl_buf_reset(&t);
        put_short(&t, f->median_abs_diff);
        snprintf(mad, sizeof mad, "%s", t.data ? t.data : "-");
        fl_buf_cleanup(&t);
        fl_buf_printf(b, "%-24s %8llu %8llu %9llu %8s %8llu %8llu %8llu %12s %12s\n", f->name,
                      (unsigned long long)f->joined, (unsigned long long)f->compared,
                      (unsigned long long)f->mismatched, rate, (unsigned long long)f->served_null,
                      (unsigned long long)f->offline_null,
                      (unsigned long long)(f->not_found + f->outside_max_age), md, mad);
        for (size_t k = 0; k < f->n_examples; k++)
            fl_buf_printf(b, "    e.g. request %s: served %s, offline %s\n",
                          f->examples[k].request_id, f->examples[k].served,
                          f->examples[k].offline);
    }
}

static void json_u(struct fl_buf *b, const char *k, uint64_t v)
{
    fl_buf_printf(b, "\"%s\":%llu,", k, (unsigned long long)v);
}

static void json_d(struct fl_buf *b, const char *k, double v)
{
    fl_buf_printf(b, "\"%s\":", k);
    put_num(b, v, "null");
    fl_buf_putc(b, ',');
}

void fl_skew_report_json(const struct fl_skew_report *r, struct fl_buf *b)
{
    fl_buf_putc(b, '{');
    json_u(b, "served", r->served);
    json_u(b, "offline", r->offline);
    json_u(b, "joined", r->joined);
    json_u(b, "served_unmatched", r->served_unmatched);
    json_u(b, "offline_unmatched", r->offline_unmatched);
    json_u(b, "dup_offline_keys", r->dup_offline_keys);
    fl_buf_puts(b, "\"features\":[");
    for (size_t i = 0; i < r->n_features; i++) {
        const struct fl_skew_feature *f = &r->features[i];
        fl_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        fl_buf_put_json_str(b, f->name, strlen(f->name));
        fl_buf_putc(b, ',');
        json_u(b, "joined", f->joined);
        json_u(b, "compared", f->compared);
        json_u(b, "mismatched", f->mismatched);
        json_u(b, "type_mismatched", f->type_mismatched);
        json_u(b, "served_null", f->served_null);
        json_u(b, "offline_null", f->offline_null);
        json_u(b, "served_absent", f->served_absent);
        json_u(b, "offline_absent", f->offline_absent);
        json_u(b, "not_found", f->not_found);
        json_u(b, "outside_max_age", f->outside_max_age);
        json_d(b, "mismatch_rate", f->mismatch_rate);
        json_d(b, "mean_diff", f->mean_diff);
        json_d(b, "median_abs_diff", f->median_abs_diff);
        json_d(b, "max_abs_diff", f->max_abs_diff);
        fl_buf_puts(b, "\"examples\":[");
        for (size_t k = 0; k < f->n_examples; k++) {
            const struct fl_skew_example *x = &f->examples[k];
            fl_buf_puts(b, k ? ",{\"request_id\":" : "{\"request_id\":");
            fl_buf_put_json_str(b, x->request_id, strlen(x->request_id));
            fl_buf_puts(b, ",\"served\":");
            fl_buf_put_json_str(b, x->served, strlen(x->served));
            fl_buf_puts(b, ",\"offline\":");
            fl_buf_put_json_str(b, x->offline, strlen(x->offline));
            fl_buf_putc(b, '}');
        }
        fl_buf_puts(b, "]}");
    }
    fl_buf_puts(b, "]}\n");
}

/* Markdown cell text: pipes and newlines would break the table. */
static void md_cell(struct fl_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fl_buf_puts(b, "\\|");
        else if (*s == '\n' || *s == '\r')
            fl_buf_putc(b, ' ');
        else
            fl_buf_putc(b, *s);
    }
}

void fl_skew_report_markdown(const struct fl_skew_report *r, struct fl_buf *b)
{
    fl_buf_puts(b, "## Training-serving skew\n\n");
    summary_line(r, b);
    fl_buf_puts(b, "\n| feature | joined | compared | mismatched | mismatch rate | served null | "
                   "offline null | stale | mean diff | median abs diff | example |\n"
                   "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < r->n_features; i++) {
        const struct fl_skew_feature *f = &r->features[i];
        fl_buf_puts(b, "| ");
        md_cell(b, f->name);
        fl_buf_printf(b, " | %llu | %llu | %llu | ", (unsigned long long)f->joined,
                      (unsigned long long)f->compared, (unsigned long long)f->mismatched);
        put_pct(b, f->mismatch_rate);
        fl_buf_printf(b, " | %llu | %llu | %llu | ", (unsigned long long)f->served_null,
                      (unsigned long long)f->offline_null,
                      (unsigned long long)(f->not_found + f->outside_max_age));
        put_short(b, f->mean_diff);
        fl_buf_puts(b, " | ");
        put_short(b, f->median_abs_diff);
        fl_buf_puts(b, " | ");
        if (f->n_examples) {
            md_cell(b, f->examples[0].request_id);
            fl_buf_puts(b, ": served ");
            md_cell(b, f->examples[0].served);
            fl_buf_puts(b, ", offline ");
            md_cell(b, f->examples[0].offline);
        }
        fl_buf_puts(b, " |\n");
    }
}
