/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profile.c: column profiles and profile sets (profile.h): updates from numbers, strings, bools,
 * table cells and inference records; the exact merge; the versioned byte layout of
 * docs/formats.md ("Profiles") with its validating reader; selection and window roll-up; the JSON
 * and text summaries of `faultline profile`.
 *
 * The idea is whylogs' (a per-column bundle of mergeable sketches, so a reference is summarized
 * once and a profile per window or node merges into the profile of the union); the sketches are
 * faultline's own (src/stats). Hot path: a finite number costs one KLL append, one Welford step,
 * one HLL register update and, while a column has at most FL_PROFILE_SMALL_VALUES distinct
 * values, one short scan of the small-value table.
 */
#include "monitor/profile.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/file.h"
#include "core/map.h"
#include "core/time.h"
#include "ingest/inference.h"
#include "stats/sketch_io.h"

struct fl_profile {
    struct fl_profile_opts o;
    char *keymem; /* the five key strings, NUL-separated */
    struct fl_profile_key key;
    struct fl_profile_counts c;
    struct fl_moments m;
    struct fl_kll *kll;   /* finite numbers; NULL while none */
    struct fl_freq *freq; /* strings and bools; NULL while none */
    struct fl_hll *hll;   /* every value but NaN; NULL while none */
    size_t n_vals;
    bool vals_overflow;
    struct fl_profile_value vals[FL_PROFILE_SMALL_VALUES];
};

const double fl_profile_percentiles[FL_PROFILE_N_PERCENTILES] = {0.01, 0.05, 0.10, 0.25, 0.50,
                                                                 0.75, 0.90, 0.95, 0.99};

void fl_profile_opts_default(struct fl_profile_opts *o)
{
    o->kll_k = FL_KLL_DEFAULT_K;
    o->hll_p = FL_HLL_DEFAULT_P;
    o->freq_k = FL_FREQ_DEFAULT_K;
    o->freq_item_bytes = FL_FREQ_DEFAULT_ITEM_BYTES;
    o->seed = 1;
}

static fl_err check_opts(const struct fl_profile_opts *o, struct fl_diag *d)
{
    if (o->kll_k < FL_KLL_MIN_K || o->kll_k > FL_LIMIT_KLL_K)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "KLL k %u outside [%d, %d]", o->kll_k, FL_KLL_MIN_K,
                           FL_LIMIT_KLL_K);
    if (o->hll_p < FL_HLL_MIN_P || o->hll_p > FL_LIMIT_HLL_P)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "HyperLogLog precision %u outside [%d, %d]",
                           o->hll_p, FL_HLL_MIN_P, FL_LIMIT_HLL_P);
    if (o->freq_k < 1 || o->freq_k > FL_LIMIT_FREQ_COUNTERS)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "frequent-items counters %zu outside [1, %d]",
                           o->freq_k, FL_LIMIT_FREQ_COUNTERS);
    if (o->freq_item_bytes < 1 || o->freq_item_bytes > FL_LIMIT_FREQ_ITEM_BYTES)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "frequent-item bytes %zu outside [1, %d]",
                           o->freq_item_bytes, FL_LIMIT_FREQ_ITEM_BYTES);
    return FL_OK;
}

static bool same_params(const struct fl_profile_opts *a, const struct fl_profile_opts *b)
{
    return a->kll_k == b->kll_k && a->hll_p == b->hll_p && a->freq_k == b->freq_k &&
           a->freq_item_bytes == b->freq_item_bytes;
}

/* ---- keys ------------------------------------------------------------------------------------ */

static const char *kstr(const char *s)
{
    return s ? s : "";
}

static fl_err set_key(struct fl_profile *p, const struct fl_profile_key *k, struct fl_diag *d)
{
    const char *parts[5] = {kstr(k->model), kstr(k->model_version), kstr(k->window),
                            kstr(k->segment), kstr(k->feature)};
    static const char *const names[5] = {"model", "model_version", "window", "segment", "feature"};
    size_t total = 0, len[5];
    for (int i = 0; i < 5; i++) {
        len[i] = strlen(parts[i]);
        if (len[i] > FL_LIMIT_PROFILE_KEY_BYTES)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "profile key %s longer than %d bytes", names[i],
                               FL_LIMIT_PROFILE_KEY_BYTES);
        total += len[i] + 1;
    }
    if (len[4] == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "profile key feature is empty");
    char *mem = fl_malloc(total);
    if (!mem)
        return FL_ENOMEM;
    const char **dst[5] = {&p->key.model, &p->key.model_version, &p->key.window, &p->key.segment,
                           &p->key.feature};
    char *w = mem;
    for (int i = 0; i < 5; i++) {
        memcpy(w, parts[i], len[i] + 1);
        *dst[i] = w;
        w += len[i] + 1;
    }
    fl_free(p->keymem);
    p->keymem = mem;
    p->key.chunk = k->chunk;
    return FL_OK;
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

fl_err fl_profile_new(const struct fl_profile_opts *o, const struct fl_profile_key *key,
                      struct fl_profile **out, struct fl_diag *d)
{
    struct fl_profile_opts def;
    if (!out || !key)
        return FL_EINVAL;
    *out = NULL;
    if (!o) {
        fl_profile_opts_default(&def);
        o = &def;
    }
    fl_err e = check_opts(o, d);
    if (e)
        return e;
    struct fl_profile *p = fl_calloc(1, sizeof *p);
    if (!p)
        return FL_ENOMEM;
    p->o = *o;
    fl_moments_init(&p->m);
    if ((e = set_key(p, key, d)) != FL_OK) {
        fl_free(p);
        return e;
    }
    *out = p;
    return FL_OK;
}

void fl_profile_free(struct fl_profile *p)
{
    if (!p)
        return;
    fl_kll_free(p->kll);
    fl_freq_free(p->freq);
    fl_hll_free(p->hll);
    fl_free(p->keymem);
    fl_free(p);
}

/* The KLL coin of a column: the set's seed mixed with the feature name, so equal inputs give
 * equal profiles and columns do not share coin sequences. */
static uint64_t kll_seed(const struct fl_profile *p)
{
    return p->o.seed ^ fl_hll_hash_bytes(p->key.feature, strlen(p->key.feature));
}

static fl_err need_kll(struct fl_profile *p)
{
    return p->kll ? FL_OK : fl_kll_new(p->o.kll_k, kll_seed(p), &p->kll);
}

static fl_err need_hll(struct fl_profile *p)
{
    return p->hll ? FL_OK : fl_hll_new(p->o.hll_p, &p->hll);
}

static fl_err need_freq(struct fl_profile *p)
{
    return p->freq ? FL_OK : fl_freq_new(p->o.freq_k, p->o.freq_item_bytes, &p->freq);
}

/* ---- updates ------------------------------------------------------------------------------- */

static void small_add(struct fl_profile *p, double v, uint64_t n)
{
    double x = v == 0 ? 0.0 : v; /* -0.0 == 0.0: one entry */
    size_t i = 0, nv = p->n_vals;
    while (i < nv && p->vals[i].v < x)
        i++;
    if (i < nv && p->vals[i].v == x) {
        p->vals[i].n += n;
        return;
    }
    if (nv == FL_PROFILE_SMALL_VALUES) {
        p->vals_overflow = true;
        p->n_vals = 0;
        return;
    }
    memmove(&p->vals[i + 1], &p->vals[i], (nv - i) * sizeof p->vals[0]);
    p->vals[i].v = x;
    p->vals[i].n = n;
    p->n_vals = nv + 1;
}

static inline fl_err update_number(struct fl_profile *p, double v)
{
    fl_err e;
    if (p->c.rows == UINT64_MAX)
        return FL_ELIMIT;
    if (isfinite(v)) {
        if ((e = need_kll(p)) || (e = need_hll(p)) || (e = fl_kll_update(p->kll, v)))
            return e;
        fl_hll_update_double(p->hll, v);
        if (!p->vals_overflow)
            small_add(p, v, 1);
    } else if (!isnan(v)) {
        if ((e = need_hll(p)))
            return e;
        fl_hll_update_double(p->hll, v);
    }
    /* Cannot fail: the moments' total is at most rows < UINT64_MAX. */
    e = fl_moments_update(&p->m, v);
    if (e)
        return e;
    p->c.rows++;
    return FL_OK;
}

fl_err fl_profile_update_number(struct fl_profile *p, double v)
{
    return update_number(p, v);
}

fl_err fl_profile_update_numbers(struct fl_profile *p, const double *v, size_t n)
{
    if (n && !v)
        return FL_EINVAL;
    for (size_t i = 0; i < n; i++) {
        fl_err e = update_number(p, v[i]);
        if (e)
            return e;
    }
    return FL_OK;
}

static fl_err update_key(struct fl_profile *p, const char *s, size_t len, uint64_t *counter)
{
    fl_err e;
    if (p->c.rows == UINT64_MAX)
        return FL_ELIMIT;
    if (len && !s)
        return FL_EINVAL;
    if ((e = need_freq(p)) || (e = need_hll(p)) || (e = fl_freq_update(p->freq, s ? s : "", len)))
        return e;
    fl_hll_update_bytes(p->hll, s ? s : "", len);
    (*counter)++;
    p->c.rows++;
    return FL_OK;
}

fl_err fl_profile_update_string(struct fl_profile *p, const char *s, size_t len)
{
    return update_key(p, s, len, &p->c.string);
}

fl_err fl_profile_update_bool(struct fl_profile *p, bool b)
{
    fl_err e = update_key(p, b ? "true" : "false", b ? 4 : 5, &p->c.boolean);
    if (e == FL_OK && b)
        p->c.n_true++;
    return e;
}

static fl_err add_absent(struct fl_profile *p, uint64_t n, uint64_t *counter)
{
    if (n > UINT64_MAX - p->c.rows)
        return FL_ELIMIT;
    *counter += n;
    p->c.rows += n;
    return FL_OK;
}

fl_err fl_profile_update_null(struct fl_profile *p)
{
    return add_absent(p, 1, &p->c.null);
}

fl_err fl_profile_update_missing(struct fl_profile *p)
{
    return add_absent(p, 1, &p->c.missing);
}

fl_err fl_profile_update_cell(struct fl_profile *p, const struct fl_cell *c)
{
    switch (c->type) {
    case FL_CELL_NUMBER:
        return update_number(p, c->num);
    case FL_CELL_STRING:
        return fl_profile_update_string(p, c->str.p, c->str.len);
    case FL_CELL_BOOL:
        return fl_profile_update_bool(p, c->num != 0);
    case FL_CELL_NULL:
        return fl_profile_update_null(p);
    case FL_CELL_MISSING:
    default:
        return fl_profile_update_missing(p);
    }
}

fl_err fl_profile_update_feature(struct fl_profile *p, const struct fl_feature *f)
{
    fl_err e;
    if (f->status == FL_FEAT_NOT_FOUND)
        return fl_profile_update_missing(p);
    if (f->status == FL_FEAT_NULL)
        return fl_profile_update_null(p);
    switch (f->kind) {
    case FL_VAL_NUMBER:
        e = update_number(p, f->num);
        break;
    case FL_VAL_STRING:
        e = fl_profile_update_string(p, f->str, f->str ? strlen(f->str) : 0);
        break;
    case FL_VAL_BOOL:
        e = fl_profile_update_bool(p, f->num != 0);
        break;
    default:
        e = fl_profile_update_null(p);
        break;
    }
    if (e == FL_OK && f->status == FL_FEAT_OUTSIDE_MAX_AGE)
        p->c.stale++; /* stale <= rows: counted with the cell just added */
    return e;
}

/* ---- reading ------------------------------------------------------------------------------- */

const struct fl_profile_key *fl_profile_key(const struct fl_profile *p)
{
    return &p->key;
}

const struct fl_profile_opts *fl_profile_opts(const struct fl_profile *p)
{
    return &p->o;
}

const struct fl_profile_counts *fl_profile_counts(const struct fl_profile *p)
{
    return &p->c;
}

const struct fl_moments *fl_profile_moments(const struct fl_profile *p)
{
    return &p->m;
}

const struct fl_kll *fl_profile_kll(const struct fl_profile *p)
{
    return p->kll;
}

const struct fl_freq *fl_profile_freq(const struct fl_profile *p)
{
    return p->freq;
}

const struct fl_hll *fl_profile_hll(const struct fl_profile *p)
{
    return p->hll;
}

uint64_t fl_profile_n_numbers(const struct fl_profile *p)
{
    return fl_moments_total(&p->m);
}

uint64_t fl_profile_n_absent(const struct fl_profile *p)
{
    return p->c.null + p->c.missing + p->m.n_nan;
}

bool fl_profile_small_values(const struct fl_profile *p, const struct fl_profile_value **vals,
                             size_t *n)
{
    *vals = p->vals_overflow ? NULL : p->vals;
    *n = p->vals_overflow ? 0 : p->n_vals;
    return !p->vals_overflow;
}

/* Distinct values of a KLL sketch that still holds every value (n <= k), or -1. */
static double kll_exact_distinct(const struct fl_kll *k)
{
    size_t n = (size_t)fl_kll_n(k);
    if (fl_kll_retained(k) != n || n == 0)
        return -1;
    double *q = fl_reallocarray(NULL, n, sizeof *q), *v = fl_reallocarray(NULL, n, sizeof *v);
    double r = -1;
    if (q && v) {
        /* (i - 0.5) / n selects the i-th smallest value under the inverted-CDF rule. */
        for (size_t i = 0; i < n; i++)
            q[i] = ((double)i + 0.5) / (double)n;
        if (fl_kll_quantiles(k, q, n, v) == FL_OK) {
            r = 1;
            for (size_t i = 1; i < n; i++)
                r += v[i] != v[i - 1];
        }
    }
    fl_free(q);
    fl_free(v);
    return r;
}

double fl_profile_distinct(const struct fl_profile *p, bool *exact)
{
    uint64_t keys = p->c.string + p->c.boolean;
    uint64_t nonfinite = p->m.n_pos_inf + p->m.n_neg_inf;
    *exact = true;
    if (keys == 0 && nonfinite == 0 && !p->vals_overflow)
        return (double)p->n_vals;
    if (keys == 0 && nonfinite == 0 && p->kll) {
        double r = kll_exact_distinct(p->kll);
        if (r >= 0)
            return r;
    }
    if (p->m.count == 0 && nonfinite == 0 && p->freq && fl_freq_max_error(p->freq) == 0)
        return (double)fl_freq_size(p->freq);
    *exact = false;
    return p->hll ? fl_hll_estimate(p->hll) : 0;
}

/* ---- merge and clone ----------------------------------------------------------------------- */

static fl_err add_u64(uint64_t *a, uint64_t b)
{
    if (b > UINT64_MAX - *a)
        return FL_ELIMIT;
    *a += b;
    return FL_OK;
}

/* Merge the counts, moments and small values of src into dst (no allocation). */
static fl_err merge_plain(struct fl_profile *dst, const struct fl_profile *src)
{
    struct fl_profile_counts c = dst->c;
    fl_err e;
    if ((e = add_u64(&c.rows, src->c.rows)) || (e = add_u64(&c.string, src->c.string)) ||
        (e = add_u64(&c.boolean, src->c.boolean)) || (e = add_u64(&c.n_true, src->c.n_true)) ||
        (e = add_u64(&c.null, src->c.null)) || (e = add_u64(&c.missing, src->c.missing)) ||
        (e = add_u64(&c.stale, src->c.stale)))
        return e;
    struct fl_moments m = dst->m;
    if ((e = fl_moments_merge(&m, &src->m)))
        return e;
    dst->c = c;
    dst->m = m;
    if (src->vals_overflow) {
        dst->vals_overflow = true;
        dst->n_vals = 0;
    }
    for (size_t i = 0; i < src->n_vals && !dst->vals_overflow; i++)
        small_add(dst, src->vals[i].v, src->vals[i].n);
    return FL_OK;
}

/* A copy of p's sketches and counts into a new profile with key k. */
static fl_err copy_profile(const struct fl_profile *p, const struct fl_profile_key *k,
                           struct fl_profile **out)
{
    struct fl_profile *q = NULL;
    fl_err e = fl_profile_new(&p->o, k, &q, NULL);
    if (e)
        return e;
    q->c = p->c;
    q->m = p->m;
    q->n_vals = p->n_vals;
    q->vals_overflow = p->vals_overflow;
    memcpy(q->vals, p->vals, sizeof q->vals);
    if (p->kll && (e = fl_kll_new(p->o.kll_k, kll_seed(p), &q->kll)) == FL_OK)
        e = fl_kll_merge(q->kll, p->kll, NULL);
    if (!e && p->freq && (e = need_freq(q)) == FL_OK)
        e = fl_freq_merge(q->freq, p->freq, NULL);
    if (!e && p->hll && (e = need_hll(q)) == FL_OK)
        e = fl_hll_merge(q->hll, p->hll, NULL);
    if (e) {
        fl_profile_free(q);
        return e;
    }
    *out = q;
    return FL_OK;
}

fl_err fl_profile_clone(const struct fl_profile *p, const struct fl_profile_key *key,
                        struct fl_profile **out)
{
    if (!p || !out)
        return FL_EINVAL;
    *out = NULL;
    return copy_profile(p, key ? key : &p->key, out);
}

static void swap_profiles(struct fl_profile *a, struct fl_profile *b)
{
    struct fl_profile t = *a;
    *a = *b;
    *b = t;
}

fl_err fl_profile_merge(struct fl_profile *dst, const struct fl_profile *src, struct fl_diag *d)
{
    if (!dst || !src)
        return FL_EINVAL;
    if (!same_params(&dst->o, &src->o))
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "feature \"%s\": profiles with different sketch parameters "
                           "(KLL k %u/%u, HyperLogLog p %u/%u, frequent items %zu/%zu) "
                           "do not merge",
                           dst->key.feature, dst->o.kll_k, src->o.kll_k, dst->o.hll_p, src->o.hll_p,
                           dst->o.freq_k, src->o.freq_k);
    /* All or nothing: merge into a copy, then swap it in. */
    struct fl_profile *tmp = NULL;
    fl_err e = copy_profile(dst, &dst->key, &tmp);
    if (e)
        return e;
    if ((e = merge_plain(tmp, src)) != FL_OK)
        goto out;
    if (src->kll && (e = need_kll(tmp)) == FL_OK)
        e = fl_kll_merge(tmp->kll, src->kll, d);
    if (!e && src->freq && (e = need_freq(tmp)) == FL_OK)
        e = fl_freq_merge(tmp->freq, src->freq, d);
    if (!e && src->hll && (e = need_hll(tmp)) == FL_OK)
        e = fl_hll_merge(tmp->hll, src->hll, d);
    if (e)
        goto out;
    swap_profiles(dst, tmp);
    /* The key strings moved with the swap; keep dst's own. */
    char *km = dst->keymem;
    struct fl_profile_key k = dst->key;
    dst->keymem = tmp->keymem;
    dst->key = tmp->key;
    tmp->keymem = km;
    tmp->key = k;
out:
    fl_profile_free(tmp);
    return e;
}

/* ---- serialization ------------------------------------------------------------------------- */

enum {
    F_KLL = 1,
    F_FREQ = 2,
    F_HLL = 4,
    F_VALS_OVERFLOW = 8,
};

static void put_str(struct fl_buf *b, const char *s)
{
    size_t n = strlen(s);
    fl_sketch_put_u16(b, (uint16_t)n);
    fl_buf_append(b, s, n);
}

static fl_err put_blob(struct fl_buf *b, fl_err (*ser)(const void *, struct fl_buf *),
                       const void *sk)
{
    size_t at = b->len;
    fl_sketch_put_u32(b, 0);
    if (fl_buf_err(b))
        return fl_buf_err(b);
    fl_err e = ser(sk, b);
    if (e)
        return e;
    size_t n = b->len - at - 4;
    if (n > UINT32_MAX)
        return FL_ELIMIT;
    for (int i = 0; i < 4; i++)
        b->data[at + (size_t)i] = (char)(uint8_t)(n >> (8 * i));
    return FL_OK;
}

static fl_err ser_kll(const void *s, struct fl_buf *b)
{
    return fl_kll_serialize(s, b);
}
static fl_err ser_freq(const void *s, struct fl_buf *b)
{
    return fl_freq_serialize(s, b);
}
static fl_err ser_hll(const void *s, struct fl_buf *b)
{
    return fl_hll_serialize(s, b);
}

fl_err fl_profile_serialize(const struct fl_profile *p, struct fl_buf *out)
{
    if (!p || !out)
        return FL_EINVAL;
    if (fl_buf_err(out))
        return fl_buf_err(out);
    size_t start = out->len;
    uint8_t flags = (uint8_t)((p->kll ? F_KLL : 0) | (p->freq ? F_FREQ : 0) | (p->hll ? F_HLL : 0) |
                              (p->vals_overflow ? F_VALS_OVERFLOW : 0));
    fl_sketch_put_u8(out, FL_PROFILE_FORMAT_VERSION);
    fl_sketch_put_u8(out, flags);
    fl_sketch_put_u16(out, 0);
    fl_sketch_put_u32(out, p->key.chunk);
    fl_sketch_put_u32(out, p->o.kll_k);
    fl_sketch_put_u32(out, p->o.hll_p);
    fl_sketch_put_u32(out, (uint32_t)p->o.freq_k);
    fl_sketch_put_u32(out, (uint32_t)p->o.freq_item_bytes);
    fl_sketch_put_u64(out, p->o.seed);
    const uint64_t counts[7] = {p->c.rows, p->c.string,  p->c.boolean, p->c.n_true,
                                p->c.null, p->c.missing, p->c.stale};
    for (int i = 0; i < 7; i++)
        fl_sketch_put_u64(out, counts[i]);
    fl_err e = fl_moments_serialize(&p->m, out);
    put_str(out, p->key.model);
    put_str(out, p->key.model_version);
    put_str(out, p->key.window);
    put_str(out, p->key.segment);
    put_str(out, p->key.feature);
    fl_sketch_put_u8(out, (uint8_t)p->n_vals);
    for (size_t i = 0; i < p->n_vals; i++) {
        fl_sketch_put_f64(out, p->vals[i].v);
        fl_sketch_put_u64(out, p->vals[i].n);
    }
    if (!e && p->kll)
        e = put_blob(out, ser_kll, p->kll);
    if (!e && p->freq)
        e = put_blob(out, ser_freq, p->freq);
    if (!e && p->hll)
        e = put_blob(out, ser_hll, p->hll);
    if (!e)
        e = fl_buf_err(out);
    if (e) { /* nothing appended */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return e;
}

/* ---- deserialization ----------------------------------------------------------------------- */

static fl_err get_str(struct fl_sketch_reader *r, const char *field, char *buf)
{
    uint16_t n;
    const uint8_t *s;
    fl_err e = fl_sketch_get_u16(r, field, &n);
    if (e)
        return e;
    if (n > FL_LIMIT_PROFILE_KEY_BYTES)
        return fl_sketch_fail(r, field, "%u bytes, above the limit of %d", n,
                              FL_LIMIT_PROFILE_KEY_BYTES);
    if ((e = fl_sketch_get_bytes(r, field, n, &s)))
        return e;
    if (memchr(s, 0, n))
        return fl_sketch_fail(r, field, "holds a NUL byte");
    memcpy(buf, s, n);
    buf[n] = '\0';
    return FL_OK;
}

struct raw_head {
    uint8_t version, flags;
    uint16_t reserved;
    uint32_t chunk, kll_k, hll_p, freq_k, item_bytes;
    uint64_t seed;
    uint64_t counts[7];
};

static fl_err read_head(struct fl_sketch_reader *r, struct raw_head *h)
{
    static const char *const cn[7] = {"rows", "string",  "boolean", "n_true",
                                      "null", "missing", "stale"};
    fl_err e;
    if ((e = fl_sketch_get_u8(r, "version", &h->version)))
        return e;
    if (h->version != FL_PROFILE_FORMAT_VERSION)
        return fl_sketch_fail(r, "version", "format version %u, expected %d", h->version,
                              FL_PROFILE_FORMAT_VERSION);
    if ((e = fl_sketch_get_u8(r, "flags", &h->flags)))
        return e;
    if (h->flags & ~(F_KLL | F_FREQ | F_HLL | F_VALS_OVERFLOW))
        return fl_sketch_fail(r, "flags", "unknown flag bits 0x%02x", h->flags);
    if ((e = fl_sketch_get_u16(r, "reserved", &h->reserved)))
        return e;
    if (h->reserved)
        return fl_sketch_fail(r, "reserved", "must be 0");
    if ((e = fl_sketch_get_u32(r, "chunk", &h->chunk)) ||
        (e = fl_sketch_get_u32(r, "kll_k", &h->kll_k)) ||
        (e = fl_sketch_get_u32(r, "hll_p", &h->hll_p)) ||
        (e = fl_sketch_get_u32(r, "freq_k", &h->freq_k)) ||
        (e = fl_sketch_get_u32(r, "freq_item_bytes", &h->item_bytes)) ||
        (e = fl_sketch_get_u64(r, "seed", &h->seed)))
        return e;
    struct fl_profile_opts o = {h->kll_k, h->hll_p, h->freq_k, h->item_bytes, h->seed};
    struct fl_diag tmp;
    fl_diag_init(&tmp);
    if (check_opts(&o, &tmp))
        return fl_sketch_fail(r, "parameters", "%s", tmp.msg);
    for (int i = 0; i < 7; i++)
        if ((e = fl_sketch_get_u64(r, cn[i], &h->counts[i])))
            return e;
    return FL_OK;
}

static fl_err read_blob(struct fl_sketch_reader *r, const char *field, const uint8_t **p,
                        size_t *len)
{
    uint32_t n;
    fl_err e = fl_sketch_get_u32(r, field, &n);
    if (e)
        return e;
    *len = n;
    return fl_sketch_get_bytes(r, field, n, p);
}

/* Cross-checks between the counts, the moments and the small-value table. */
static fl_err check_counts(struct fl_sketch_reader *r, const struct fl_profile *p)
{
    const struct fl_profile_counts *c = &p->c;
    uint64_t total = fl_moments_total(&p->m);
    if (p->m.n_null != 0)
        return fl_sketch_fail(r, "moments",
                              "null count %" PRIu64 " must be 0 (nulls are "
                              "counted by the profile)",
                              p->m.n_null);
    uint64_t sum = total;
    const uint64_t parts[4] = {c->string, c->boolean, c->null, c->missing};
    for (int i = 0; i < 4; i++) {
        if (parts[i] > UINT64_MAX - sum)
            return fl_sketch_fail(r, "counts", "cell counts overflow");
        sum += parts[i];
    }
    if (sum != c->rows)
        return fl_sketch_fail(r, "counts", "rows %" PRIu64 " but the cells add up to %" PRIu64,
                              c->rows, sum);
    if (c->n_true > c->boolean)
        return fl_sketch_fail(r, "counts", "%" PRIu64 " true of %" PRIu64 " bools", c->n_true,
                              c->boolean);
    if (c->stale > c->rows)
        return fl_sketch_fail(r, "counts", "%" PRIu64 " stale of %" PRIu64 " rows", c->stale,
                              c->rows);
    if (p->vals_overflow) {
        if (p->n_vals || p->m.count <= FL_PROFILE_SMALL_VALUES)
            return fl_sketch_fail(r, "values",
                                  "overflowed table with %zu values and %" PRIu64 " finite numbers",
                                  p->n_vals, p->m.count);
        return FL_OK;
    }
    uint64_t vs = 0;
    for (size_t i = 0; i < p->n_vals; i++) {
        const struct fl_profile_value *v = &p->vals[i];
        if (!isfinite(v->v) || (v->v == 0 && signbit(v->v)) || v->n == 0 ||
            (i > 0 && !(v->v > p->vals[i - 1].v)))
            return fl_sketch_fail(r, "values",
                                  "entry %zu: not a finite, ascending value with a "
                                  "positive count",
                                  i);
        if (v->n > UINT64_MAX - vs)
            return fl_sketch_fail(r, "values", "counts overflow");
        vs += v->n;
    }
    if (vs != p->m.count)
        return fl_sketch_fail(r, "values",
                              "counts add up to %" PRIu64 ", not to the %" PRIu64 " finite numbers",
                              vs, p->m.count);
    return FL_OK;
}

/* Agreement of the sketches with the counts. */
static fl_err check_sketches(struct fl_sketch_reader *r, const struct fl_profile *p)
{
    uint64_t keys = p->c.string + p->c.boolean;
    uint64_t hashed = p->m.count + p->m.n_pos_inf + p->m.n_neg_inf + keys;
    if ((p->kll != NULL) != (p->m.count > 0))
        return fl_sketch_fail(r, "kll", "present %d with %" PRIu64 " finite numbers",
                              p->kll != NULL, p->m.count);
    if (p->kll && (fl_kll_k(p->kll) != p->o.kll_k || fl_kll_n(p->kll) != p->m.count ||
                   fl_kll_min(p->kll) != p->m.min || fl_kll_max(p->kll) != p->m.max))
        return fl_sketch_fail(r, "kll", "k, n, min or max disagree with the profile");
    if ((p->freq != NULL) != (keys > 0))
        return fl_sketch_fail(r, "freq", "present %d with %" PRIu64 " strings and bools",
                              p->freq != NULL, keys);
    if (p->freq && fl_freq_n(p->freq) != keys)
        return fl_sketch_fail(r, "freq", "total %" PRIu64 ", not the %" PRIu64 " strings and bools",
                              fl_freq_n(p->freq), keys);
    if ((p->hll != NULL) != (hashed > 0) || (p->hll && fl_hll_is_empty(p->hll)))
        return fl_sketch_fail(r, "hll", "present %d (empty %d) with %" PRIu64 " values",
                              p->hll != NULL, p->hll ? fl_hll_is_empty(p->hll) : 1, hashed);
    if (p->hll && fl_hll_p(p->hll) != p->o.hll_p)
        return fl_sketch_fail(r, "hll", "precision %u, profile says %u", fl_hll_p(p->hll),
                              p->o.hll_p);
    return FL_OK;
}

static fl_err read_sketches(struct fl_sketch_reader *r, uint8_t flags, struct fl_profile *p,
                            struct fl_diag *d)
{
    const uint8_t *b;
    size_t n;
    fl_err e;
    if (flags & F_KLL) {
        if ((e = read_blob(r, "kll", &b, &n)) || (e = fl_kll_deserialize(b, n, &p->kll, d)))
            return e;
    }
    if (flags & F_FREQ) {
        struct fl_freq *f = NULL;
        if ((e = read_blob(r, "freq", &b, &n)) || (e = fl_freq_deserialize(b, n, &f, d)))
            return e;
        /* Merging into an empty sketch of the profile's parameters checks k and the item
         * length, which freq.h does not expose. */
        if ((e = need_freq(p)) == FL_OK && (e = fl_freq_merge(p->freq, f, NULL)) == FL_EINVAL)
            e = fl_sketch_fail(r, "freq", "sketch parameters differ from the profile's");
        fl_freq_free(f);
        if (e)
            return e;
    }
    if (flags & F_HLL) {
        if ((e = read_blob(r, "hll", &b, &n)) || (e = fl_hll_deserialize(b, n, &p->hll, d)))
            return e;
    }
    return FL_OK;
}

static fl_err deserialize(struct fl_sketch_reader *r, struct fl_profile **out, struct fl_diag *d)
{
    struct raw_head h;
    fl_err e = read_head(r, &h);
    if (e)
        return e;
    const uint8_t *mb;
    struct fl_moments m;
    if ((e = fl_sketch_get_bytes(r, "moments", FL_MOMENTS_SERIALIZED_SIZE, &mb)) ||
        (e = fl_moments_deserialize(mb, FL_MOMENTS_SERIALIZED_SIZE, &m, d)))
        return e;
    char *ks = fl_malloc(5 * (FL_LIMIT_PROFILE_KEY_BYTES + 1));
    if (!ks)
        return FL_ENOMEM;
    char *kp[5];
    static const char *const kn[5] = {"model", "model_version", "window", "segment", "feature"};
    for (int i = 0; i < 5 && !e; i++) {
        kp[i] = ks + (size_t)i * (FL_LIMIT_PROFILE_KEY_BYTES + 1);
        e = get_str(r, kn[i], kp[i]);
    }
    if (!e && kp[4][0] == '\0')
        e = fl_sketch_fail(r, "feature", "empty feature name");
    struct fl_profile *p = NULL;
    if (!e) {
        struct fl_profile_opts o = {h.kll_k, h.hll_p, h.freq_k, h.item_bytes, h.seed};
        struct fl_profile_key k = {kp[0], kp[1], kp[2], kp[3], kp[4], h.chunk};
        e = fl_profile_new(&o, &k, &p, NULL);
    }
    fl_free(ks);
    if (e)
        return e;
    p->m = m;
    struct fl_profile_counts c = {h.counts[0], h.counts[1], h.counts[2], h.counts[3],
                                  h.counts[4], h.counts[5], h.counts[6]};
    p->c = c;
    p->vals_overflow = (h.flags & F_VALS_OVERFLOW) != 0;
    uint8_t nv;
    if ((e = fl_sketch_get_u8(r, "values", &nv)))
        goto fail;
    if (nv > FL_PROFILE_SMALL_VALUES) {
        e = fl_sketch_fail(r, "values", "%u entries, at most %d", nv, FL_PROFILE_SMALL_VALUES);
        goto fail;
    }
    p->n_vals = nv;
    for (size_t i = 0; i < nv; i++)
        if ((e = fl_sketch_get_f64(r, "values", &p->vals[i].v)) ||
            (e = fl_sketch_get_u64(r, "values", &p->vals[i].n)))
            goto fail;
    if ((e = check_counts(r, p)) || (e = read_sketches(r, h.flags, p, d)) ||
        (e = check_sketches(r, p)) || (e = fl_sketch_reader_end(r)))
        goto fail;
    *out = p;
    return FL_OK;
fail:
    fl_profile_free(p);
    return e;
}

fl_err fl_profile_deserialize(const void *p, size_t len, struct fl_profile **out, struct fl_diag *d)
{
    if (!out || (len && !p))
        return FL_EINVAL;
    *out = NULL;
    struct fl_sketch_reader r;
    fl_sketch_reader_init(&r, p, len, "profile", d);
    fl_err e = deserialize(&r, out, d);
    if (e == FL_EINVAL && d && d->code == FL_OK)
        fl_diag_set(d, FL_EINVAL, 0, 0, "invalid profile");
    return e;
}

/* ==== profile sets ============================================================================ */

/* Rows of one (model, version, window, segment) seen through fl_profile_set_add_inference: a
 * feature that a record lacks counts as missing in that record's profiles. */
struct group {
    uint64_t rows;
    struct fl_profile **cols;
    uint64_t *mark; /* rows value when the column was last updated */
    size_t n, cap;
    struct fl_map *by_name; /* feature -> index + 1 */
};

struct fl_profile_set {
    struct fl_profile_opts o;
    struct fl_profile **v;
    size_t n, cap;
    struct fl_map *index;  /* full key -> index + 1 */
    struct fl_map *groups; /* group key -> struct group */
};

static void group_free(void *x)
{
    struct group *g = x;
    if (!g)
        return;
    fl_map_free(g->by_name);
    fl_free(g->cols);
    fl_free(g->mark);
    fl_free(g);
}

fl_err fl_profile_set_new(const struct fl_profile_opts *o, struct fl_profile_set **out)
{
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    struct fl_profile_set *s = fl_calloc(1, sizeof *s);
    if (!s)
        return FL_ENOMEM;
    if (o)
        s->o = *o;
    else
        fl_profile_opts_default(&s->o);
    fl_err e = check_opts(&s->o, NULL);
    if (!e) {
        s->index = fl_map_new(NULL, FL_LIMIT_PROFILE_COLUMNS);
        s->groups = fl_map_new(group_free, 0);
        if (!s->index || !s->groups)
            e = FL_ENOMEM;
    }
    if (e) {
        fl_profile_set_free(s);
        return e;
    }
    *out = s;
    return FL_OK;
}

void fl_profile_set_free(struct fl_profile_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        fl_profile_free(s->v[i]);
    fl_free(s->v);
    fl_map_free(s->index);
    fl_map_free(s->groups);
    fl_free(s);
}

const struct fl_profile_opts *fl_profile_set_opts(const struct fl_profile_set *s)
{
    return &s->o;
}

size_t fl_profile_set_count(const struct fl_profile_set *s)
{
    return s->n;
}

struct fl_profile *fl_profile_set_at(const struct fl_profile_set *s, size_t i)
{
    return i < s->n ? s->v[i] : NULL;
}

#define KEYBUF_CAP (5 * (FL_LIMIT_PROFILE_KEY_BYTES + 1) + 16)

/* The map key of a profile key: the five strings NUL-separated, then the chunk. 0 when a string
 * is too long. */
static size_t map_key(const struct fl_profile_key *k, char *buf)
{
    const char *parts[5] = {kstr(k->model), kstr(k->model_version), kstr(k->window),
                            kstr(k->segment), kstr(k->feature)};
    size_t w = 0;
    for (int i = 0; i < 5; i++) {
        size_t n = strlen(parts[i]);
        if (n > FL_LIMIT_PROFILE_KEY_BYTES)
            return 0;
        memcpy(buf + w, parts[i], n + 1);
        w += n + 1;
    }
    memcpy(buf + w, &k->chunk, sizeof k->chunk);
    return w + sizeof k->chunk;
}

/* Insert p (owned on success) into the set. */
static fl_err set_insert(struct fl_profile_set *s, struct fl_profile *p, const char *key,
                         size_t klen)
{
    if (s->n >= FL_LIMIT_PROFILE_COLUMNS)
        return FL_ELIMIT;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        struct fl_profile **v = fl_reallocarray(s->v, cap, sizeof *v);
        if (!v)
            return FL_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    fl_err e = fl_map_put(s->index, key, klen, (void *)(uintptr_t)(s->n + 1));
    if (e)
        return e;
    s->v[s->n++] = p;
    return FL_OK;
}

fl_err fl_profile_set_get(struct fl_profile_set *s, const struct fl_profile_key *key, bool create,
                          struct fl_profile **out, struct fl_diag *d)
{
    char buf[KEYBUF_CAP];
    *out = NULL;
    size_t klen = map_key(key, buf);
    if (klen == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "profile key longer than %d bytes",
                           FL_LIMIT_PROFILE_KEY_BYTES);
    uintptr_t i = (uintptr_t)fl_map_get(s->index, buf, klen);
    if (i) {
        *out = s->v[i - 1];
        return FL_OK;
    }
    if (!create)
        return FL_OK;
    struct fl_profile *p = NULL;
    fl_err e = fl_profile_new(&s->o, key, &p, d);
    if (!e && (e = set_insert(s, p, buf, klen)) != FL_OK) {
        fl_profile_free(p);
        if (e == FL_ELIMIT)
            fl_diag_set(d, e, 0, 0, "more than %d profiles in one set", FL_LIMIT_PROFILE_COLUMNS);
    }
    if (!e)
        *out = p;
    return e;
}

/* ---- building from tables ------------------------------------------------------------------ */

struct chunk_cache {
    struct fl_profile **cols; /* by table column */
    size_t n;
    uint64_t rows; /* rows of this call in the chunk */
};

static fl_err cache_col(struct fl_profile_set *s, struct chunk_cache *cc, size_t col,
                        const char *name, const struct fl_profile_table_opts *o, uint32_t chunk,
                        struct fl_diag *d)
{
    if (col >= cc->n) {
        struct fl_profile **v = fl_reallocarray(cc->cols, col + 1, sizeof *v);
        if (!v)
            return FL_ENOMEM;
        for (size_t i = cc->n; i <= col; i++)
            v[i] = NULL;
        cc->cols = v;
        cc->n = col + 1;
    }
    if (cc->cols[col])
        return FL_OK;
    struct fl_profile_key k = {o->model, o->model_version, o->window, o->segment, name, chunk};
    struct fl_profile *p;
    fl_err e = fl_profile_set_get(s, &k, true, &p, d);
    if (e)
        return e;
    /* A JSON Lines column that first appears now was missing from this call's earlier rows. */
    if ((e = add_absent(p, cc->rows, &p->c.missing)))
        return e;
    cc->cols[col] = p;
    return FL_OK;
}

fl_err fl_profile_set_add_table(struct fl_profile_set *s, struct fl_table *t,
                                const struct fl_profile_table_opts *o, struct fl_diag *d)
{
    static const struct fl_profile_table_opts none = {0};
    if (!o)
        o = &none;
    uint32_t chunks = o->chunks > 1 ? o->chunks : 1;
    struct chunk_cache *cc = fl_calloc(chunks, sizeof *cc);
    if (!cc)
        return FL_ENOMEM;
    fl_err e = FL_OK;
    uint64_t row = 0;
    for (;;) {
        const struct fl_cell *cells;
        if ((e = fl_table_next(t, &cells, d)) != FL_OK || !cells)
            break;
        uint32_t ch = 0;
        if (chunks > 1)
            ch = row >= o->total_rows ? chunks - 1 : (uint32_t)(row * chunks / o->total_rows);
        struct chunk_cache *c = &cc[ch];
        size_t nc = fl_table_n_columns(t);
        for (size_t j = 0; j < nc && !e; j++) {
            if (j >= c->n || !c->cols[j])
                e = cache_col(s, c, j, fl_table_column(t, j), o, ch, d);
            if (!e)
                e = fl_profile_update_cell(c->cols[j], &cells[j]);
        }
        if (e) { /* the first diagnostic wins: a bad key has already said why */
            fl_diag_set(d, e, fl_table_line(t), 0, "%s",
                        e == FL_ENOMEM ? "out of memory" : "a profile limit was reached");
            break;
        }
        c->rows++;
        row++;
    }
    for (uint32_t i = 0; i < chunks; i++)
        fl_free(cc[i].cols);
    fl_free(cc);
    return e;
}

/* ---- building from inference records ------------------------------------------------------- */

static fl_err get_group(struct fl_profile_set *s, const struct fl_profile_key *gk,
                        struct group **out)
{
    char buf[KEYBUF_CAP];
    struct fl_profile_key k = *gk;
    k.feature = "";
    size_t klen = map_key(&k, buf);
    if (klen == 0)
        return FL_EINVAL;
    struct group *g = fl_map_get(s->groups, buf, klen);
    if (!g) {
        g = fl_calloc(1, sizeof *g);
        if (!g)
            return FL_ENOMEM;
        g->by_name = fl_map_new(NULL, 0);
        fl_err e = g->by_name ? fl_map_put(s->groups, buf, klen, g) : FL_ENOMEM;
        if (e) {
            group_free(g);
            return e;
        }
    }
    *out = g;
    return FL_OK;
}

/* The profile of feature name in group g (created, with the group's earlier rows missing). */
static fl_err group_col(struct fl_profile_set *s, struct group *g, struct fl_profile_key *k,
                        const char *name, struct fl_profile **out, struct fl_diag *d)
{
    size_t len = strlen(name);
    uintptr_t i = (uintptr_t)fl_map_get(g->by_name, name, len);
    if (i) {
        *out = g->cols[i - 1];
        g->mark[i - 1] = g->rows;
        return FL_OK;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 16;
        struct fl_profile **c = fl_reallocarray(g->cols, cap, sizeof *c);
        if (!c)
            return FL_ENOMEM;
        g->cols = c;
        uint64_t *m = fl_reallocarray(g->mark, cap, sizeof *m);
        if (!m)
            return FL_ENOMEM;
        g->mark = m;
        g->cap = cap;
    }
    k->feature = name;
    struct fl_profile *p;
    fl_err e = fl_profile_set_get(s, k, true, &p, d);
    if (!e && !p->c.rows)
        e = add_absent(p, g->rows - 1, &p->c.missing);
    if (!e)
        e = fl_map_put(g->by_name, name, len, (void *)(uintptr_t)(g->n + 1));
    if (e)
        return e;
    g->cols[g->n] = p;
    g->mark[g->n++] = g->rows;
    *out = p;
    return FL_OK;
}

static fl_err add_prediction(struct fl_profile *p, const struct fl_inference *r)
{
    switch (r->pred_kind) {
    case FL_PRED_SCORE:
        return fl_profile_update_number(p, r->score);
    case FL_PRED_CLASS:
        return fl_profile_update_string(p, r->pred_class,
                                        r->pred_class ? strlen(r->pred_class) : 0);
    case FL_PRED_VECTOR: {
        double top = NAN;
        for (size_t i = 0; i < r->n_scores; i++)
            if (!(r->scores[i] <= top))
                top = r->scores[i];
        return fl_profile_update_number(p, top);
    }
    default:
        return fl_profile_update_missing(p);
    }
}

static fl_err add_to_group(struct fl_profile_set *s, const struct fl_inference *r,
                           struct fl_profile_key *k, struct fl_diag *d)
{
    struct group *g;
    fl_err e = get_group(s, k, &g);
    if (e)
        return e;
    g->rows++;
    struct fl_profile *p;
    for (size_t i = 0; i < r->n_features && !e; i++)
        if ((e = group_col(s, g, k, r->features[i].name, &p, d)) == FL_OK)
            e = fl_profile_update_feature(p, &r->features[i]);
    if (!e && (e = group_col(s, g, k, "prediction", &p, d)) == FL_OK)
        e = add_prediction(p, r);
    for (size_t i = 0; i < g->n && !e; i++)
        if (g->mark[i] != g->rows)
            e = fl_profile_update_missing(g->cols[i]);
    return e;
}

fl_err fl_profile_set_add_inference(struct fl_profile_set *s, const struct fl_inference *r,
                                    const struct fl_profile_inference_opts *o, struct fl_diag *d)
{
    static const struct fl_profile_inference_opts none = {0};
    if (!s || !r)
        return FL_EINVAL;
    if (!o)
        o = &none;
    char win[64];
    const char *window = kstr(o->window);
    if (o->window_ms > 0) {
        int64_t start = r->ts_ms / o->window_ms * o->window_ms;
        if (r->ts_ms < 0 && start != r->ts_ms)
            start -= o->window_ms;
        fl_time_fmt_rfc3339_ms(start, win, sizeof win);
        window = win;
    }
    struct fl_profile_key k = {r->model, r->model_version, window, "", NULL, 0};
    fl_err e = add_to_group(s, r, &k, d);
    char seg[2 * FL_LIMIT_PROFILE_KEY_BYTES + 2];
    for (size_t i = 0; i < o->n_segment_by && !e; i++)
        for (size_t j = 0; j < r->n_segments && !e; j++) {
            if (strcmp(r->segments[j].name, o->segment_by[i]) != 0)
                continue;
            int n = snprintf(seg, sizeof seg, "%s=%s", r->segments[j].name, r->segments[j].value);
            if (n < 0 || (size_t)n > FL_LIMIT_PROFILE_KEY_BYTES)
                return fl_diag_set(d, FL_EINVAL, 0, 0, "segment %s: key longer than %d bytes",
                                   o->segment_by[i], FL_LIMIT_PROFILE_KEY_BYTES);
            k.segment = seg;
            e = add_to_group(s, r, &k, d);
        }
    if (e == FL_ENOMEM || e == FL_ELIMIT)
        fl_diag_set(d, e, 0, 0, "request %s: %s", kstr(r->request_id),
                    e == FL_ENOMEM ? "out of memory" : "profile limit reached");
    return e;
}

/* ---- merge, select, windows ---------------------------------------------------------------- */

fl_err fl_profile_set_merge(struct fl_profile_set *dst, const struct fl_profile_set *src,
                            struct fl_diag *d)
{
    if (!dst || !src)
        return FL_EINVAL;
    for (size_t i = 0; i < src->n; i++) {
        struct fl_profile *p;
        fl_err e = fl_profile_set_get(dst, &src->v[i]->key, true, &p, d);
        if (!e)
            e = fl_profile_merge(p, src->v[i], d);
        if (e)
            return e;
    }
    return FL_OK;
}

static bool match(const char *want, const char *have)
{
    return !want || strcmp(want, have) == 0;
}

fl_err fl_profile_set_select(const struct fl_profile_set *s, const struct fl_profile_selector *sel,
                             struct fl_profile_set **out, struct fl_diag *d)
{
    static const struct fl_profile_selector all = {0};
    if (!s || !out)
        return FL_EINVAL;
    *out = NULL;
    if (!sel)
        sel = &all;
    const char *seg = kstr(sel->segment);
    const struct fl_profile *first = NULL;
    for (size_t i = 0; i < s->n; i++) {
        const struct fl_profile_key *k = &s->v[i]->key;
        if (!match(sel->model, k->model) || !match(sel->model_version, k->model_version) ||
            !match(sel->window, k->window) || strcmp(seg, k->segment) != 0)
            continue;
        if (!first) {
            first = s->v[i];
        } else if (strcmp(first->key.model, k->model) ||
                   strcmp(first->key.model_version, k->model_version)) {
            return fl_diag_set(d, FL_EINVAL, 0, 0,
                               "several models in the profiles (\"%s\" version \"%s\" and \"%s\" "
                               "version \"%s\"); choose one with --model and --model-version",
                               first->key.model, first->key.model_version, k->model,
                               k->model_version);
        }
    }
    struct fl_profile_set *o = NULL;
    fl_err e = fl_profile_set_new(&s->o, &o);
    for (size_t i = 0; i < s->n && !e; i++) {
        const struct fl_profile_key *k = &s->v[i]->key;
        if (!match(sel->model, k->model) || !match(sel->model_version, k->model_version) ||
            !match(sel->window, k->window) || strcmp(seg, k->segment) != 0)
            continue;
        struct fl_profile_key nk = {k->model, k->model_version, kstr(sel->window),
                                    seg,      k->feature,       sel->keep_chunks ? k->chunk : 0};
        struct fl_profile *p;
        e = fl_profile_set_get(o, &nk, true, &p, d);
        if (!e)
            e = fl_profile_merge(p, s->v[i], d);
    }
    if (e) {
        fl_profile_set_free(o);
        return e;
    }
    *out = o;
    return FL_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

fl_err fl_profile_set_windows(const struct fl_profile_set *s, const char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (s->n == 0)
        return FL_OK;
    const char **w = fl_reallocarray(NULL, s->n, sizeof *w);
    if (!w)
        return FL_ENOMEM;
    for (size_t i = 0; i < s->n; i++)
        w[i] = s->v[i]->key.window;
    qsort(w, s->n, sizeof *w, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (k == 0 || strcmp(w[k - 1], w[i]) != 0)
            w[k++] = w[i];
    *out = w;
    *n = k;
    return FL_OK;
}

uint32_t fl_profile_set_chunks(const struct fl_profile_set *s)
{
    uint32_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i]->key.chunk + 1 > m)
            m = s->v[i]->key.chunk + 1;
    return m;
}

/* ---- set serialization --------------------------------------------------------------------- */

fl_err fl_profile_set_serialize(const struct fl_profile_set *s, struct fl_buf *out)
{
    if (!s || !out)
        return FL_EINVAL;
    size_t start = out->len;
    fl_buf_append(out, FL_PROFILE_SET_MAGIC, 4);
    fl_sketch_put_u8(out, FL_PROFILE_SET_VERSION);
    fl_sketch_put_u8(out, 0);
    fl_sketch_put_u16(out, 0);
    fl_sketch_put_u32(out, (uint32_t)s->n);
    fl_err e = fl_buf_err(out);
    for (size_t i = 0; i < s->n && !e; i++) {
        size_t at = out->len;
        fl_sketch_put_u32(out, 0);
        if ((e = fl_buf_err(out)) || (e = fl_profile_serialize(s->v[i], out)))
            break;
        size_t n = out->len - at - 4;
        if (n > UINT32_MAX) {
            e = FL_ELIMIT;
            break;
        }
        for (int j = 0; j < 4; j++)
            out->data[at + (size_t)j] = (char)(uint8_t)(n >> (8 * j));
    }
    if (e && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return e;
}

bool fl_profile_set_is_serialized(const void *p, size_t len)
{
    return len >= 4 && memcmp(p, FL_PROFILE_SET_MAGIC, 4) == 0;
}

static fl_err set_read_one(struct fl_sketch_reader *r, struct fl_profile_set *s, uint32_t i,
                           struct fl_diag *d)
{
    const uint8_t *b;
    size_t n;
    struct fl_profile *p = NULL;
    fl_err e = read_blob(r, "profile", &b, &n);
    if (e)
        return e;
    size_t base = r->off - n;
    struct fl_diag pd;
    fl_diag_init(&pd);
    if ((e = fl_profile_deserialize(b, n, &p, &pd)) != FL_OK) {
        if (e == FL_EINVAL)
            fl_diag_set(d, e, 0, 0, "profile %u (at byte %zu): %s%s%s", i, base, pd.field,
                        pd.field[0] ? ": " : "", pd.msg);
        return e;
    }
    if (i == 0) {
        s->o = p->o;
    } else if (!same_params(&s->o, &p->o)) {
        fl_profile_free(p);
        return fl_sketch_fail(r, "profile",
                              "profile %u: sketch parameters differ from "
                              "profile 0's",
                              i);
    }
    char kb[KEYBUF_CAP];
    size_t klen = map_key(&p->key, kb);
    if (fl_map_has(s->index, kb, klen)) {
        fl_sketch_fail(r, "profile", "profile %u: duplicate key (feature \"%s\")", i,
                       p->key.feature);
        fl_profile_free(p);
        return FL_EINVAL;
    }
    if ((e = set_insert(s, p, kb, klen)) != FL_OK)
        fl_profile_free(p);
    return e;
}

fl_err fl_profile_set_deserialize(const void *p, size_t len, struct fl_profile_set **out,
                                  struct fl_diag *d)
{
    if (!out || (len && !p))
        return FL_EINVAL;
    *out = NULL;
    struct fl_sketch_reader r;
    fl_sketch_reader_init(&r, p, len, "profile set", d);
    const uint8_t *magic;
    uint8_t ver, res8;
    uint16_t res16;
    uint32_t n;
    fl_err e;
    if ((e = fl_sketch_get_bytes(&r, "magic", 4, &magic)))
        return e;
    if (memcmp(magic, FL_PROFILE_SET_MAGIC, 4) != 0)
        return fl_sketch_fail(&r, "magic", "not a faultline profile (expected \"%s\")",
                              FL_PROFILE_SET_MAGIC);
    if ((e = fl_sketch_get_u8(&r, "version", &ver)))
        return e;
    if (ver != FL_PROFILE_SET_VERSION)
        return fl_sketch_fail(&r, "version", "format version %u, expected %d", ver,
                              FL_PROFILE_SET_VERSION);
    if ((e = fl_sketch_get_u8(&r, "reserved", &res8)) ||
        (e = fl_sketch_get_u16(&r, "reserved", &res16)))
        return e;
    if (res8 || res16)
        return fl_sketch_fail(&r, "reserved", "must be 0");
    if ((e = fl_sketch_get_u32(&r, "count", &n)))
        return e;
    if (n > FL_LIMIT_PROFILE_COLUMNS)
        return fl_sketch_fail(&r, "count", "%u profiles, above the limit of %d", n,
                              FL_LIMIT_PROFILE_COLUMNS);
    /* Each profile takes at least 4 + 170 bytes: refuse counts the input cannot hold before
     * allocating anything for them. */
    if ((e = fl_sketch_need(&r, "count", n, 4 + 170)))
        return e;
    struct fl_profile_set *s = NULL;
    if ((e = fl_profile_set_new(NULL, &s)))
        return e;
    for (uint32_t i = 0; i < n && !e; i++)
        e = set_read_one(&r, s, i, d);
    if (!e)
        e = fl_sketch_reader_end(&r);
    if (e) {
        fl_profile_set_free(s);
        return e;
    }
    *out = s;
    return FL_OK;
}

fl_err fl_profile_set_read_file(const char *path, struct fl_profile_set **out, struct fl_diag *d)
{
    struct fl_buf b;
    fl_buf_init(&b, FL_LIMIT_PROFILE_FILE_BYTES);
    fl_diag_file(d, path);
    fl_err e = fl_file_read(path, FL_LIMIT_PROFILE_FILE_BYTES, &b, d);
    if (!e)
        e = fl_profile_set_deserialize(b.data ? b.data : "", b.len, out, d);
    fl_buf_cleanup(&b);
    return e;
}

/* ---- files --------------------------------------------------------------------------------- */

/* True when the file at path starts with the profile set magic (never for standard input). */
static bool is_profile_file(const char *path)
{
    if (!strcmp(path, "-"))
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false; /* the table reader reports why */
    char m[4];
    size_t n = fread(m, 1, sizeof m, f);
    fclose(f);
    return fl_profile_set_is_serialized(m, n);
}

static fl_err add_table_file(struct fl_profile_set *s, const char *path,
                             const struct fl_profile_file_opts *o, struct fl_diag *d)
{
    struct fl_table_opts to = {0};
    struct fl_profile_table_opts t = o->table;
    struct fl_table *tab = NULL;
    fl_err e;
    to.format = o->input == FL_PROFILE_INPUT_CSV     ? FL_TABLE_CSV
                : o->input == FL_PROFILE_INPUT_JSONL ? FL_TABLE_JSONL
                                                     : FL_TABLE_AUTO;
    if (t.chunks > 1) { /* count the rows first: chunks are contiguous */
        if (!strcmp(path, "-")) {
            fl_diag_file(d, path);
            return fl_diag_set(d, FL_EINVAL, 0, 0,
                               "profiling in chunks reads the input twice: "
                               "give a file, not standard input");
        }
        const struct fl_cell *row;
        if ((e = fl_table_open(path, &to, &tab, d)))
            return e;
        while ((e = fl_table_next(tab, &row, d)) == FL_OK && row)
            ;
        t.total_rows = fl_table_n_rows(tab);
        fl_table_free(tab);
        tab = NULL;
        if (e)
            return e;
    }
    if ((e = fl_table_open(path, &to, &tab, d)) == FL_OK)
        e = fl_profile_set_add_table(s, tab, &t, d);
    if (e)
        fl_diag_file(d, path);
    fl_table_free(tab);
    return e;
}

#define RECORD_CHUNK_LINES 65536 /* inference lines parsed into one batch */

static fl_err add_inference_file(struct fl_profile_set *s, const char *path,
                                 const struct fl_profile_file_opts *o, struct fl_diag *d)
{
    struct fl_buf b;
    struct fl_batch batch;
    struct fl_limits lim;
    fl_limits_default(&lim);
    fl_buf_init(&b, FL_LIMIT_PROFILE_FILE_BYTES);
    fl_err e = fl_file_read(path, FL_LIMIT_PROFILE_FILE_BYTES, &b, d);
    if (e) {
        fl_diag_file(d, path);
        fl_buf_cleanup(&b);
        return e;
    }
    if ((e = fl_batch_init(&batch, 0))) {
        fl_buf_cleanup(&b);
        return e;
    }
    size_t pos = 0;
    unsigned long line0 = 0;
    while (pos < b.len && !e) {
        size_t end = pos;
        unsigned long lines = 0;
        while (end < b.len && lines < RECORD_CHUNK_LINES) {
            const char *nl = memchr(b.data + end, '\n', b.len - end);
            end = nl ? (size_t)(nl - b.data) + 1 : b.len;
            lines++;
        }
        if ((e = fl_inference_jsonl_to_batch(b.data + pos, end - pos, &lim, &batch, d))) {
            if (d && d->line)
                d->line += line0;
            break;
        }
        for (size_t i = 0; i < batch.n_inferences && !e; i++)
            e = fl_profile_set_add_inference(s, &batch.inferences[i], &o->inference, d);
        fl_batch_reset(&batch);
        line0 += lines;
        pos = end;
    }
    if (e)
        fl_diag_file(d, path);
    fl_batch_cleanup(&batch);
    fl_buf_cleanup(&b);
    return e;
}

fl_err fl_profile_set_add_file(struct fl_profile_set *s, const char *path,
                               const struct fl_profile_file_opts *o, struct fl_diag *d)
{
    static const struct fl_profile_file_opts none = {0};
    if (!s || !path)
        return FL_EINVAL;
    if (!o)
        o = &none;
    if (o->input == FL_PROFILE_INPUT_INFERENCES)
        return add_inference_file(s, path, o, d);
    if (o->input == FL_PROFILE_INPUT_AUTO && is_profile_file(path)) {
        struct fl_profile_set *p = NULL;
        fl_err e = fl_profile_set_read_file(path, &p, d);
        if (!e && (e = fl_profile_set_merge(s, p, d)) != FL_OK)
            fl_diag_file(d, path);
        fl_profile_set_free(p);
        return e;
    }
    return add_table_file(s, path, o, d);
}

/* ---- summaries ----------------------------------------------------------------------------- */

static void json_num(struct fl_buf *b, double v)
{
    if (isfinite(v))
        fl_buf_put_double(b, v);
    else
        fl_buf_puts(b, "null");
}

static void json_key_str(struct fl_buf *b, const char *k, const char *v)
{
    fl_buf_printf(b, "\"%s\":", k);
    fl_buf_put_json_str(b, v, strlen(v));
}

static const char *kind_name(const struct fl_profile *p)
{
    uint64_t nums = p->m.count + p->m.n_pos_inf + p->m.n_neg_inf;
    uint64_t keys = p->c.string + p->c.boolean;
    if (nums && keys)
        return "mixed";
    if (nums)
        return "numerical";
    if (p->c.string)
        return "categorical";
    if (p->c.boolean)
        return "boolean";
    return "empty";
}

static fl_err write_json_one(const struct fl_profile *p, size_t top_n, struct fl_buf *b)
{
    const struct fl_profile_key *k = &p->key;
    const struct fl_profile_counts *c = &p->c;
    fl_buf_putc(b, '{');
    json_key_str(b, "feature", k->feature);
    fl_buf_putc(b, ',');
    json_key_str(b, "model", k->model);
    fl_buf_putc(b, ',');
    json_key_str(b, "model_version", k->model_version);
    fl_buf_putc(b, ',');
    json_key_str(b, "window", k->window);
    fl_buf_putc(b, ',');
    json_key_str(b, "segment", k->segment);
    fl_buf_printf(b, ",\"chunk\":%" PRIu32 ",\"type\":\"%s\",\"rows\":%" PRIu64, k->chunk,
                  kind_name(p), c->rows);
    fl_buf_printf(b,
                  ",\"counts\":{\"number\":%" PRIu64 ",\"string\":%" PRIu64 ",\"bool\":%" PRIu64
                  ",\"true\":%" PRIu64 ",\"null\":%" PRIu64 ",\"missing\":%" PRIu64
                  ",\"nan\":%" PRIu64 ",\"pos_inf\":%" PRIu64 ",\"neg_inf\":%" PRIu64
                  ",\"stale\":%" PRIu64 "}",
                  fl_moments_total(&p->m), c->string, c->boolean, c->n_true, c->null, c->missing,
                  p->m.n_nan, p->m.n_pos_inf, p->m.n_neg_inf, c->stale);
    fl_buf_puts(b, ",\"null_rate\":");
    json_num(b, c->rows ? (double)fl_profile_n_absent(p) / (double)c->rows : NAN);
    fl_buf_puts(b, ",\"mean\":");
    json_num(b, fl_moments_mean(&p->m));
    fl_buf_puts(b, ",\"std\":");
    json_num(b, fl_moments_stddev(&p->m, 1));
    fl_buf_puts(b, ",\"min\":");
    json_num(b, p->m.count ? p->m.min : NAN);
    fl_buf_puts(b, ",\"max\":");
    json_num(b, p->m.count ? p->m.max : NAN);
    fl_buf_puts(b, ",\"quantiles\":");
    if (p->kll) {
        double q[FL_PROFILE_N_PERCENTILES];
        fl_err e = fl_kll_quantiles(p->kll, fl_profile_percentiles, FL_PROFILE_N_PERCENTILES, q);
        if (e)
            return e;
        fl_buf_putc(b, '{');
        for (int i = 0; i < FL_PROFILE_N_PERCENTILES; i++) {
            fl_buf_printf(b, "%s\"p%d\":", i ? "," : "",
                          (int)lround(fl_profile_percentiles[i] * 100));
            json_num(b, q[i]);
        }
        fl_buf_putc(b, '}');
    } else {
        fl_buf_puts(b, "null");
    }
    bool exact;
    double dist = fl_profile_distinct(p, &exact);
    fl_buf_puts(b, ",\"distinct\":{\"estimate\":");
    json_num(b, exact ? dist : round(dist * 10) / 10);
    fl_buf_printf(b, ",\"exact\":%s", exact ? "true" : "false");
    if (!exact && p->hll)
        fl_buf_printf(b, ",\"relative_std_error\":%.4f", fl_hll_rse(p->o.hll_p));
    fl_buf_puts(b, "},\"top\":[");
    if (p->freq) {
        struct fl_freq_item *it = NULL;
        size_t n = 0;
        fl_err e = fl_freq_items(p->freq, &it, &n);
        if (e)
            return e;
        for (size_t i = 0; i < n && i < top_n; i++) {
            fl_buf_puts(b, i ? ",{\"value\":" : "{\"value\":");
            fl_buf_put_json_str(b, it[i].key, it[i].len);
            fl_buf_printf(b, ",\"count\":%" PRIu64 ",\"count_upper\":%" PRIu64 "}", it[i].lower,
                          it[i].upper);
        }
        fl_free(it);
    }
    fl_buf_puts(b, "]}");
    return FL_OK;
}

fl_err fl_profile_set_write_json(const struct fl_profile_set *s, size_t top_n, struct fl_buf *out)
{
    fl_buf_printf(out, "{\"kll_k\":%u,\"hll_p\":%u,\"freq_k\":%zu,\"profiles\":[", s->o.kll_k,
                  s->o.hll_p, s->o.freq_k);
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            fl_buf_putc(out, ',');
        fl_err e = write_json_one(s->v[i], top_n, out);
        if (e)
            return e;
    }
    fl_buf_puts(out, "]}\n");
    return fl_buf_err(out);
}

/* %.6g, or "-" for NaN. */
static void cellf(char *o, size_t cap, double v)
{
    if (isnan(v))
        snprintf(o, cap, "-");
    else
        snprintf(o, cap, "%.6g", v);
}

static fl_err write_text_one(const struct fl_profile *p, size_t top_n, bool keys, struct fl_buf *b)
{
    char mean[32], sd[32], mn[32], q25[32], q50[32], q75[32], mx[32], nr[32], dist[32];
    double q[3] = {NAN, NAN, NAN};
    static const double qs[3] = {0.25, 0.5, 0.75};
    if (p->kll) {
        fl_err e = fl_kll_quantiles(p->kll, qs, 3, q);
        if (e)
            return e;
    }
    cellf(mean, sizeof mean, fl_moments_mean(&p->m));
    cellf(sd, sizeof sd, fl_moments_stddev(&p->m, 1));
    cellf(mn, sizeof mn, p->m.count ? p->m.min : NAN);
    cellf(mx, sizeof mx, p->m.count ? p->m.max : NAN);
    cellf(q25, sizeof q25, q[0]);
    cellf(q50, sizeof q50, q[1]);
    cellf(q75, sizeof q75, q[2]);
    snprintf(nr, sizeof nr, "%.2f%%",
             p->c.rows ? 100.0 * (double)fl_profile_n_absent(p) / (double)p->c.rows : 0.0);
    bool exact;
    double dv = fl_profile_distinct(p, &exact);
    snprintf(dist, sizeof dist, exact ? "%.0f" : "~%.0f", dv);
    fl_buf_printf(b, "%-20s %-11s %10" PRIu64 " %8s %11s %11s %11s %11s %11s %11s %11s %9s ",
                  p->key.feature, kind_name(p), p->c.rows, nr, mean, sd, mn, q25, q50, q75, mx,
                  dist);
    if (p->freq) {
        struct fl_freq_item *it = NULL;
        size_t n = 0;
        fl_err e = fl_freq_items(p->freq, &it, &n);
        if (e)
            return e;
        for (size_t i = 0; i < n && i < top_n; i++)
            fl_buf_printf(b, "%s%.*s:%" PRIu64, i ? "," : "",
                          (int)(it[i].len > 24 ? 24 : it[i].len), it[i].key, it[i].lower);
        fl_free(it);
    } else {
        fl_buf_putc(b, '-');
    }
    if (keys)
        fl_buf_printf(b, "  [%s%s%s window=%s segment=%s chunk=%" PRIu32 "]", p->key.model,
                      p->key.model_version[0] ? "@" : "", p->key.model_version, p->key.window,
                      p->key.segment, p->key.chunk);
    fl_buf_putc(b, '\n');
    return FL_OK;
}

fl_err fl_profile_set_write_text(const struct fl_profile_set *s, size_t top_n, struct fl_buf *out)
{
    bool keys = false;
    for (size_t i = 0; i < s->n; i++) {
        const struct fl_profile_key *k = &s->v[i]->key;
        if (k->model[0] || k->model_version[0] || k->window[0] || k->segment[0] || k->chunk)
            keys = true;
    }
    fl_buf_printf(out, "%-20s %-11s %10s %8s %11s %11s %11s %11s %11s %11s %11s %9s %s\n",
                  "feature", "type", "rows", "null", "mean", "std", "min", "p25", "p50", "p75",
                  "max", "distinct", "top");
    for (size_t i = 0; i < s->n; i++) {
        fl_err e = write_text_one(s->v[i], top_n, keys, out);
        if (e)
            return e;
    }
    return fl_buf_err(out);
}
