// SPDX-License-Identifier: Apache-2.0
/*
 * test_profile.c: column profiles and profile sets: exact counts by type, the small-value table,
 * merge == profile of the union (exactly below the sketch capacities, within the KLL bound above),
 * serialization round trips, corrupt bytes rejected with a diagnostic, every allocation failure
 * handled, tables (CSV, JSON Lines with late columns, chunks), inference records (missing
 * features, stale values, predictions, windows, segments), selection and the summaries.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/limits.h"
#include "drift_util.h"
#include "ingest/table.h"
#include "monitor/profile.h"

static struct fl_profile *new_profile(const char *feature)
{
    struct fl_profile_key key = {"m", "v1", "w", "", feature, 0};
    struct fl_profile *p = NULL;
    cr_assert_eq(fl_profile_new(NULL, &key, &p, NULL), FL_OK);
    return p;
}

static void ser(const struct fl_profile *p, struct fl_buf *b)
{
    fl_buf_init(b, 1u << 26);
    cr_assert_eq(fl_profile_serialize(p, b), FL_OK);
}

Test(profile, exact_counts_by_type)
{
    struct fl_profile *p = new_profile("x");
    const double nums[] = {1, 2, 2, NAN, INFINITY, -INFINITY, 3.5};
    cr_assert_eq(fl_profile_update_numbers(p, nums, N_OF(nums)), FL_OK);
    cr_assert_eq(fl_profile_update_string(p, "a", 1), FL_OK);
    cr_assert_eq(fl_profile_update_string(p, "b", 1), FL_OK);
    cr_assert_eq(fl_profile_update_string(p, "a", 1), FL_OK);
    cr_assert_eq(fl_profile_update_bool(p, true), FL_OK);
    cr_assert_eq(fl_profile_update_bool(p, false), FL_OK);
    cr_assert_eq(fl_profile_update_bool(p, true), FL_OK);
    cr_assert_eq(fl_profile_update_null(p), FL_OK);
    cr_assert_eq(fl_profile_update_null(p), FL_OK);
    cr_assert_eq(fl_profile_update_missing(p), FL_OK);
    struct fl_feature stale = {"x", FL_FEAT_OUTSIDE_MAX_AGE, FL_VAL_NUMBER, 2, NULL};
    struct fl_feature nf = {"x", FL_FEAT_NOT_FOUND, FL_VAL_NULL, 0, NULL};
    cr_assert_eq(fl_profile_update_feature(p, &stale), FL_OK);
    cr_assert_eq(fl_profile_update_feature(p, &nf), FL_OK);

    const struct fl_profile_counts *c = fl_profile_counts(p);
    const struct fl_moments *m = fl_profile_moments(p);
    cr_expect_eq(c->rows, 18);
    cr_expect_eq(fl_profile_n_numbers(p), 8);
    cr_expect_eq(m->count, 5);
    cr_expect_eq(m->n_nan, 1);
    cr_expect_eq(m->n_pos_inf, 1);
    cr_expect_eq(m->n_neg_inf, 1);
    cr_expect_eq(c->string, 3);
    cr_expect_eq(c->boolean, 3);
    cr_expect_eq(c->n_true, 2);
    cr_expect_eq(c->null, 2);
    cr_expect_eq(c->missing, 2);
    cr_expect_eq(c->stale, 1);
    cr_expect_eq(fl_profile_n_absent(p), 5); /* 2 null + 2 missing + 1 NaN */
    cr_expect_eq(m->min, 1);
    cr_expect_eq(m->max, 3.5);
    cr_expect(fabs(fl_moments_mean(m) - 2.1) < 1e-15);
    cr_expect_eq(fl_kll_n(fl_profile_kll(p)), 5);
    cr_expect_eq(fl_freq_n(fl_profile_freq(p)), 6);
    uint64_t lo, hi;
    fl_freq_estimate(fl_profile_freq(p), "true", 4, &lo, &hi);
    cr_expect_eq(lo, 2);
    fl_freq_estimate(fl_profile_freq(p), "a", 1, &lo, &hi);
    cr_expect_eq(lo, 2);
    const struct fl_profile_value *v;
    size_t nv;
    cr_assert(fl_profile_small_values(p, &v, &nv));
    cr_assert_eq(nv, 3);
    cr_expect(v[0].v == 1 && v[0].n == 1 && v[1].v == 2 && v[1].n == 3 && v[2].v == 3.5);
    /* Mixed column: the HyperLogLog estimate of 1, 2, 3.5, +inf, -inf, a, b, true, false. */
    bool exact;
    double dist = fl_profile_distinct(p, &exact);
    cr_expect(!exact);
    cr_expect(fabs(dist - 9) < 0.5, "distinct %g", dist);
    fl_profile_free(p);
}

Test(profile, small_values_and_distinct)
{
    struct fl_profile *p = new_profile("x");
    bool exact;
    cr_assert_eq(fl_profile_update_number(p, -0.0), FL_OK);
    cr_assert_eq(fl_profile_update_number(p, 0.0), FL_OK);
    const struct fl_profile_value *v;
    size_t nv;
    cr_assert(fl_profile_small_values(p, &v, &nv));
    cr_expect_eq(nv, 1);
    cr_expect(v[0].n == 2 && !signbit(v[0].v));
    for (int i = 1; i < FL_PROFILE_SMALL_VALUES; i++)
        cr_assert_eq(fl_profile_update_number(p, i), FL_OK);
    cr_expect(fl_profile_small_values(p, &v, &nv));
    cr_expect_eq(nv, FL_PROFILE_SMALL_VALUES);
    cr_expect_eq(fl_profile_distinct(p, &exact), FL_PROFILE_SMALL_VALUES);
    cr_expect(exact);
    cr_assert_eq(fl_profile_update_number(p, 1000), FL_OK);
    cr_expect(!fl_profile_small_values(p, &v, &nv));
    cr_expect_eq(nv, 0);
    cr_expect_eq(fl_profile_distinct(p, &exact), FL_PROFILE_SMALL_VALUES + 1); /* from the KLL */
    cr_expect(exact);
    fl_profile_free(p);

    /* Beyond the small table, the KLL sketch still holds every value while n <= k. */
    double *many = gen_sample(9, 900, 300, 0, 1); /* whole numbers in [0, 300) */
    size_t uniq = 0;
    for (size_t i = 0; i < 900; i++) {
        size_t j = 0;
        while (j < i && many[j] != many[i])
            j++;
        uniq += j == i;
    }
    struct fl_profile *k = num_profile("k", many, 900, 0);
    cr_expect_eq(fl_profile_distinct(k, &exact), (double)uniq);
    cr_expect(exact);
    cr_assert_eq(fl_profile_update_numbers(k, many, 900), FL_OK); /* 1800 > k: compacted */
    fl_profile_distinct(k, &exact);
    cr_expect(!exact);
    fl_profile_free(k);
    free(many);

    struct fl_profile *s = new_profile("s");
    const char *keys[] = {"x", "y", "z", "x"};
    for (size_t i = 0; i < N_OF(keys); i++)
        cr_assert_eq(fl_profile_update_string(s, keys[i], 1), FL_OK);
    cr_expect_eq(fl_profile_distinct(s, &exact), 3);
    cr_expect(exact);
    cr_expect_null(fl_profile_kll(s));
    fl_profile_free(s);
}

/* The mixed column used by the merge tests: row i of a deterministic stream. */
static void feed_row(struct fl_profile *p, struct lcg *g, size_t i)
{
    double u = lcg_u(g);
    char key[8];
    if (i % 7 == 0) {
        cr_assert_eq(fl_profile_update_null(p), FL_OK);
    } else if (i % 5 == 0) {
        int n = snprintf(key, sizeof key, "k%d", (int)(u * 20));
        cr_assert_eq(fl_profile_update_string(p, key, (size_t)n), FL_OK);
    } else if (i % 11 == 0) {
        cr_assert_eq(fl_profile_update_bool(p, u < 0.5), FL_OK);
    } else if (i % 13 == 0) {
        cr_assert_eq(fl_profile_update_number(p, NAN), FL_OK);
    } else {
        cr_assert_eq(fl_profile_update_number(p, floor(u * 1e4) / 100), FL_OK);
    }
}

static void expect_same_plain(const struct fl_profile *a, const struct fl_profile *b)
{
    const struct fl_profile_counts *x = fl_profile_counts(a), *y = fl_profile_counts(b);
    cr_expect(memcmp(x, y, sizeof *x) == 0, "counts differ");
    const struct fl_moments *m = fl_profile_moments(a), *n = fl_profile_moments(b);
    cr_expect_eq(m->count, n->count);
    cr_expect_eq(m->n_nan, n->n_nan);
    cr_expect(m->min == n->min || (isnan(m->min) && isnan(n->min)));
    cr_expect(m->max == n->max || (isnan(m->max) && isnan(n->max)));
    cr_expect(close_rel(fl_moments_mean(m), fl_moments_mean(n), 1e-13));
    cr_expect(close_rel(fl_moments_variance(m, 0), fl_moments_variance(n, 0), 1e-12));
    /* HLL registers merge exactly: the serialized sketches are identical. */
    cr_expect_eq(fl_profile_hll(a) == NULL, fl_profile_hll(b) == NULL);
    if (!fl_profile_hll(a) || !fl_profile_hll(b))
        return;
    struct fl_buf ha, hb;
    fl_buf_init(&ha, 1u << 20);
    fl_buf_init(&hb, 1u << 20);
    cr_assert_eq(fl_hll_serialize(fl_profile_hll(a), &ha), FL_OK);
    cr_assert_eq(fl_hll_serialize(fl_profile_hll(b), &hb), FL_OK);
    cr_expect(ha.len == hb.len && memcmp(ha.data, hb.data, ha.len) == 0);
    fl_buf_cleanup(&ha);
    fl_buf_cleanup(&hb);
}

Test(profile, merge_equals_union_exactly_below_capacity)
{
    /* 900 rows: under k = 1024 finite numbers and 256 categories, so every sketch is exact. */
    struct fl_profile *all = new_profile("x"), *parts[3];
    for (int j = 0; j < 3; j++)
        parts[j] = new_profile("x");
    struct lcg g1 = {7}, g2 = {7};
    for (size_t i = 0; i < 900; i++) {
        feed_row(all, &g1, i);
        feed_row(parts[i * 3 / 900], &g2, i);
    }
    cr_assert_eq(fl_profile_merge(parts[0], parts[1], NULL), FL_OK);
    cr_assert_eq(fl_profile_merge(parts[0], parts[2], NULL), FL_OK);
    expect_same_plain(parts[0], all);
    /* KLL: same multiset of values, so every quantile agrees. */
    const struct fl_kll *ka = fl_profile_kll(parts[0]), *kb = fl_profile_kll(all);
    cr_expect_eq(fl_kll_retained(ka), fl_kll_n(ka));
    for (int i = 0; i <= 100; i++) {
        double qa, qb;
        cr_assert_eq(fl_kll_quantile(ka, i / 100.0, &qa), FL_OK);
        cr_assert_eq(fl_kll_quantile(kb, i / 100.0, &qb), FL_OK);
        cr_expect_eq(qa, qb, "q%d: %g vs %g", i, qa, qb);
    }
    /* Frequent items: identical counts, no error. */
    struct fl_freq_item *ia, *ib;
    size_t na, nb;
    cr_assert_eq(fl_freq_items(fl_profile_freq(parts[0]), &ia, &na), FL_OK);
    cr_assert_eq(fl_freq_items(fl_profile_freq(all), &ib, &nb), FL_OK);
    cr_assert_eq(na, nb);
    for (size_t i = 0; i < na; i++)
        cr_expect(ia[i].len == ib[i].len && !memcmp(ia[i].key, ib[i].key, ia[i].len) &&
                  ia[i].lower == ib[i].lower && ia[i].upper == ib[i].upper);
    fl_free(ia);
    fl_free(ib);
    const struct fl_profile_value *va, *vb;
    size_t nva, nvb;
    cr_expect_eq(fl_profile_small_values(parts[0], &va, &nva),
                 fl_profile_small_values(all, &vb, &nvb));
    cr_expect_eq(nva, nvb);
    for (int j = 0; j < 3; j++)
        fl_profile_free(parts[j]);
    fl_profile_free(all);
}

Test(profile, merge_equals_union_within_bounds_above_capacity)
{
    const size_t n = 200000;
    double *v = gen_normal(99, n, 50, 10);
    struct fl_profile *all = num_profile("x", v, n, 0), *parts[4];
    for (int j = 0; j < 4; j++)
        parts[j] = num_profile("x", v + j * (n / 4), n / 4, 0);
    for (int j = 1; j < 4; j++)
        cr_assert_eq(fl_profile_merge(parts[0], parts[j], NULL), FL_OK);
    expect_same_plain(parts[0], all);
    const struct fl_kll *k = fl_profile_kll(parts[0]);
    cr_expect_eq(fl_kll_n(k), n);
    /* Ranks of the merged sketch within the 99% bound of the true ranks. */
    double eps = fl_kll_rank_error(FL_KLL_DEFAULT_K, 0), worst = 0;
    for (int i = 1; i < 100; i++) {
        double x = 50 + (i - 50) * 0.5;
        size_t cnt = 0;
        for (size_t j = 0; j < n; j++)
            cnt += v[j] <= x;
        double err = fabs(fl_kll_rank(k, x) - (double)cnt / (double)n);
        if (err > worst)
            worst = err;
    }
    cr_expect(worst <= eps, "rank error %g above %g", worst, eps);
    for (int j = 0; j < 4; j++)
        fl_profile_free(parts[j]);
    fl_profile_free(all);
    free(v);
}

Test(profile, merge_checks_parameters_and_is_all_or_nothing)
{
    struct fl_profile_opts o;
    fl_profile_opts_default(&o);
    o.kll_k = 200;
    struct fl_profile_key key = {"", "", "", "", "x", 0};
    struct fl_profile *a = new_profile("x"), *b = NULL;
    cr_assert_eq(fl_profile_new(&o, &key, &b, NULL), FL_OK);
    cr_assert_eq(fl_profile_update_number(a, 1), FL_OK);
    cr_assert_eq(fl_profile_update_number(b, 2), FL_OK);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_profile_merge(a, b, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "sketch parameters") != NULL, "%s", d.msg);
    cr_expect_eq(fl_profile_counts(a)->rows, 1);
    /* Merging a profile into itself doubles it. */
    cr_assert_eq(fl_profile_merge(a, a, NULL), FL_OK);
    cr_expect_eq(fl_profile_counts(a)->rows, 2);
    cr_expect_eq(fl_kll_n(fl_profile_kll(a)), 2);
    /* A failed merge (out of memory at every step) leaves dst as it was. */
    struct fl_profile *c = new_profile("x");
    cr_assert_eq(fl_profile_update_string(c, "q", 1), FL_OK);
    for (long n = 0;; n++) {
        fl_alloc_fail_after(n);
        fl_err e = fl_profile_merge(a, c, NULL);
        fl_alloc_fail_after(-1);
        if (e == FL_OK)
            break;
        cr_assert_eq(e, FL_ENOMEM);
        cr_assert_eq(fl_profile_counts(a)->rows, 2);
        cr_assert_null(fl_profile_freq(a));
    }
    cr_expect_eq(fl_profile_counts(a)->rows, 3);
    fl_profile_free(a);
    fl_profile_free(b);
    fl_profile_free(c);
}

static struct fl_profile *rich_profile(void)
{
    struct fl_profile *p = new_profile("rich");
    struct lcg g = {3};
    for (size_t i = 0; i < 3000; i++)
        feed_row(p, &g, i);
    return p;
}

Test(profile, serialization_round_trip)
{
    struct fl_profile *ps[3] = {rich_profile(), new_profile("empty"), NULL};
    const double few[] = {4, 4, 5};
    ps[2] = num_profile("few", few, 3, 0);
    for (int i = 0; i < 3; i++) {
        struct fl_buf a, b;
        ser(ps[i], &a);
        cr_expect_eq(a.data[0], FL_PROFILE_FORMAT_VERSION);
        struct fl_profile *q = NULL;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_profile_deserialize(a.data, a.len, &q, &d), FL_OK, "%s: %s", d.field,
                     d.msg);
        ser(q, &b);
        cr_expect(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        cr_expect_str_eq(fl_profile_key(q)->feature, fl_profile_key(ps[i])->feature);
        cr_expect_str_eq(fl_profile_key(q)->model_version, fl_profile_key(ps[i])->model_version);
        expect_same_plain(q, ps[i]);
        fl_profile_free(q);
        fl_buf_cleanup(&a);
        fl_buf_cleanup(&b);
        fl_profile_free(ps[i]);
    }
}

Test(profile, corrupt_bytes_rejected)
{
    struct fl_profile *p = rich_profile();
    struct fl_buf b;
    ser(p, &b);
    /* Every truncation. */
    for (size_t len = 0; len < b.len; len++) {
        struct fl_profile *q = (struct fl_profile *)1;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_profile_deserialize(b.data, len, &q, &d);
        cr_assert_eq(e, FL_EINVAL, "length %zu accepted", len);
        cr_assert_null(q);
        cr_assert(d.code == FL_EINVAL && d.msg[0]);
    }
    /* Trailing byte. */
    fl_buf_putc(&b, 0);
    struct fl_profile *q = NULL;
    cr_expect_eq(fl_profile_deserialize(b.data, b.len, &q, NULL), FL_EINVAL);
    b.len--;
    /* Named fields. */
    struct {
        size_t off;
        unsigned char val;
        const char *want;
    } cases[] = {
        {0, 2, "version"},  {1, 0x80, "flags"},   {2, 1, "reserved"},
        {32, 0xff, "rows"}, {8, 0, "parameters"}, /* kll_k 0x400 -> 0 */
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        unsigned char keep = (unsigned char)b.data[cases[i].off];
        b.data[cases[i].off] = (char)cases[i].val;
        if (cases[i].off == 8)
            b.data[9] = 0;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_profile_deserialize(b.data, b.len, &q, &d), FL_EINVAL, "case %zu", i);
        char line[1024];
        fl_diag_format(&d, line, sizeof line);
        cr_expect(strstr(line, cases[i].want) != NULL, "case %zu: %s", i, line);
        b.data[cases[i].off] = (char)keep;
        if (cases[i].off == 8)
            b.data[9] = 4;
    }
    /* Every single-byte change: rejected, or accepted and re-serialized identically. */
    for (size_t off = 0; off < b.len; off += (off < 400 ? 1 : 37)) {
        unsigned char keep = (unsigned char)b.data[off];
        b.data[off] = (char)(keep ^ 0x5a);
        q = NULL;
        fl_err e = fl_profile_deserialize(b.data, b.len, &q, NULL);
        if (e == FL_OK) {
            struct fl_buf c;
            ser(q, &c);
            cr_expect(c.len == b.len && !memcmp(c.data, b.data, b.len), "offset %zu", off);
            fl_buf_cleanup(&c);
            fl_profile_free(q);
        } else {
            cr_expect_eq(e, FL_EINVAL);
        }
        b.data[off] = (char)keep;
    }
    fl_buf_cleanup(&b);
    fl_profile_free(p);
}

static const char csv[] = "a,b,c\n1,x,true\n2,,false\n,y,\nNaN,x,TRUE\n";

static struct fl_profile_set *set_from_mem(const char *text, size_t len, const char *name,
                                           const struct fl_profile_table_opts *to)
{
    struct fl_profile_set *s = new_set();
    struct fl_table *t = NULL;
    cr_assert_eq(fl_table_open_mem(text, len, name, NULL, &t, NULL), FL_OK);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_profile_set_add_table(s, t, to, &d), FL_OK, "%s", d.msg);
    fl_table_free(t);
    return s;
}

static const struct fl_profile *get(struct fl_profile_set *s, const char *feature,
                                    const char *window, uint32_t chunk)
{
    for (size_t i = 0; i < fl_profile_set_count(s); i++) {
        const struct fl_profile_key *k = fl_profile_key(fl_profile_set_at(s, i));
        if (!strcmp(k->feature, feature) && (!window || !strcmp(k->window, window)) &&
            k->chunk == chunk && !k->segment[0])
            return fl_profile_set_at(s, i);
    }
    return NULL;
}

Test(profile, from_tables)
{
    struct fl_profile_table_opts to = {"m", "3", "2026-11-01", NULL, 0, 0};
    struct fl_profile_set *s = set_from_mem(csv, sizeof csv - 1, "t.csv", &to);
    cr_assert_eq(fl_profile_set_count(s), 3);
    const struct fl_profile *a = get(s, "a", NULL, 0), *b = get(s, "b", NULL, 0),
                            *c = get(s, "c", NULL, 0);
    cr_assert(a && b && c);
    cr_expect_str_eq(fl_profile_key(a)->model, "m");
    cr_expect_str_eq(fl_profile_key(a)->model_version, "3");
    cr_expect_str_eq(fl_profile_key(a)->window, "2026-11-01");
    cr_expect_eq(fl_profile_moments(a)->count, 2);
    cr_expect_eq(fl_profile_moments(a)->n_nan, 1);
    cr_expect_eq(fl_profile_counts(a)->null, 1);
    cr_expect_eq(fl_profile_counts(b)->string, 3);
    cr_expect_eq(fl_profile_counts(b)->null, 1);
    cr_expect_eq(fl_profile_counts(c)->boolean, 3);
    cr_expect_eq(fl_profile_counts(c)->n_true, 2);
    fl_profile_set_free(s);

    /* JSON Lines: a column that appears late was missing before. */
    static const char jl[] = "{\"a\":1}\n{\"a\":2,\"b\":\"x\"}\n{\"a\":3}\n{\"a\":null,\"b\":4}\n";
    s = set_from_mem(jl, sizeof jl - 1, "t.jsonl", NULL);
    b = get(s, "b", "", 0);
    cr_assert(b);
    cr_expect_eq(fl_profile_counts(b)->rows, 4);
    cr_expect_eq(fl_profile_counts(b)->missing, 2);
    cr_expect_eq(fl_profile_counts(b)->string, 1);
    cr_expect_eq(fl_profile_moments(b)->count, 1);
    cr_expect_eq(fl_profile_counts(get(s, "a", "", 0))->null, 1);
    fl_profile_set_free(s);
}

Test(profile, table_chunks_are_contiguous)
{
    char text[256] = "v\n";
    for (int i = 0; i < 10; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d\n", i);
    struct fl_profile_table_opts to = {NULL, NULL, NULL, NULL, 3, 10};
    struct fl_profile_set *s = set_from_mem(text, strlen(text), "c.csv", &to);
    cr_expect_eq(fl_profile_set_chunks(s), 3);
    const double want_min[3] = {0, 4, 7}, want_max[3] = {3, 6, 9};
    for (uint32_t ch = 0; ch < 3; ch++) {
        const struct fl_profile *p = get(s, "v", "", ch);
        cr_assert(p);
        cr_expect_eq(fl_profile_moments(p)->min, want_min[ch]);
        cr_expect_eq(fl_profile_moments(p)->max, want_max[ch]);
    }
    /* Selecting merges the chunks back. */
    struct fl_profile_set *all = NULL;
    cr_assert_eq(fl_profile_set_select(s, NULL, &all, NULL), FL_OK);
    cr_assert_eq(fl_profile_set_count(all), 1);
    cr_expect_eq(fl_profile_counts(fl_profile_set_at(all, 0))->rows, 10);
    fl_profile_set_free(all);
    fl_profile_set_free(s);
}

Test(profile, from_inference_records)
{
    struct fl_profile_set *s = new_set();
    struct fl_feature f1[] = {{"age", FL_FEAT_PRESENT, FL_VAL_NUMBER, 30, NULL},
                              {"country", FL_FEAT_PRESENT, FL_VAL_STRING, 0, "DE"}};
    struct fl_feature f2[] = {{"age", FL_FEAT_OUTSIDE_MAX_AGE, FL_VAL_NUMBER, 31, NULL}};
    struct fl_feature f3[] = {{"age", FL_FEAT_NOT_FOUND, FL_VAL_NULL, 0, NULL},
                              {"country", FL_FEAT_NULL, FL_VAL_NULL, 0, NULL}};
    struct fl_label seg_de[] = {{"country", "DE"}}, seg_us[] = {{"country", "US"}};
    struct fl_inference r[3];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 3; i++) {
        r[i].model = "ranker";
        r[i].model_version = "v7";
        r[i].request_id = "x";
        r[i].score = NAN;
    }
    r[0].ts_ms = 3600000 * 5 + 10; /* window 05:00 */
    r[0].features = f1;
    r[0].n_features = 2;
    r[0].pred_kind = FL_PRED_SCORE;
    r[0].score = 0.8;
    r[0].segments = seg_de;
    r[0].n_segments = 1;
    r[1].ts_ms = 3600000 * 5 + 20;
    r[1].features = f2;
    r[1].n_features = 1;
    r[1].pred_kind = FL_PRED_CLASS;
    r[1].pred_class = "click";
    r[1].segments = seg_us;
    r[1].n_segments = 1;
    r[2].ts_ms = 3600000 * 6 + 1; /* window 06:00 */
    r[2].features = f3;
    r[2].n_features = 2;
    const char *by[] = {"country"};
    struct fl_profile_inference_opts io = {3600000, NULL, by, 1};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(fl_profile_set_add_inference(s, &r[i], &io, NULL), FL_OK);
    const char *w5 = "1970-01-01T05:00:00Z", *w6 = "1970-01-01T06:00:00Z";
    const struct fl_profile *age5 = get(s, "age", w5, 0), *country5 = get(s, "country", w5, 0),
                            *pred5 = get(s, "prediction", w5, 0), *age6 = get(s, "age", w6, 0),
                            *pred6 = get(s, "prediction", w6, 0);
    cr_assert(age5 && country5 && pred5 && age6 && pred6);
    cr_expect_eq(fl_profile_moments(age5)->count, 2);
    cr_expect_eq(fl_profile_counts(age5)->stale, 1);
    cr_expect_eq(fl_profile_counts(country5)->string, 1);
    cr_expect_eq(fl_profile_counts(country5)->missing, 1); /* absent from record 2 */
    cr_expect_eq(fl_profile_moments(pred5)->count, 1);
    cr_expect_eq(fl_profile_counts(pred5)->string, 1);
    cr_expect_eq(fl_profile_counts(age6)->missing, 1);
    cr_expect_eq(fl_profile_counts(pred6)->missing, 1);
    cr_expect_str_eq(fl_profile_key(age5)->model, "ranker");
    /* Segment profiles. */
    size_t seg = 0;
    for (size_t i = 0; i < fl_profile_set_count(s); i++)
        if (!strcmp(fl_profile_key(fl_profile_set_at(s, i))->segment, "country=DE"))
            seg++;
    cr_expect_eq(seg, 3); /* age, country, prediction */
    const char **w;
    size_t nw;
    cr_assert_eq(fl_profile_set_windows(s, &w, &nw), FL_OK);
    cr_assert_eq(nw, 2);
    cr_expect_str_eq(w[0], w5);
    cr_expect_str_eq(w[1], w6);
    fl_free(w);
    /* Roll-up over windows, overall segment. */
    struct fl_profile_set *sel = NULL;
    struct fl_profile_selector all = {"ranker", "v7", NULL, NULL, false};
    cr_assert_eq(fl_profile_set_select(s, &all, &sel, NULL), FL_OK);
    cr_assert_eq(fl_profile_set_count(sel), 3);
    const struct fl_profile *age = get(sel, "age", "", 0);
    cr_assert(age);
    cr_expect_eq(fl_profile_counts(age)->rows, 3);
    fl_profile_set_free(sel);
    fl_profile_set_free(s);
}

Test(profile, select_refuses_ambiguous_models)
{
    struct fl_profile_set *s = new_set();
    struct fl_profile_key k1 = {"a", "1", "", "", "x", 0}, k2 = {"a", "2", "", "", "x", 0};
    struct fl_profile *p;
    cr_assert_eq(fl_profile_set_get(s, &k1, true, &p, NULL), FL_OK);
    cr_assert_eq(fl_profile_set_get(s, &k2, true, &p, NULL), FL_OK);
    struct fl_profile_set *o = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_profile_set_select(s, NULL, &o, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "several models") != NULL);
    struct fl_profile_selector one = {"a", "2", NULL, NULL, false};
    cr_assert_eq(fl_profile_set_select(s, &one, &o, NULL), FL_OK);
    cr_expect_eq(fl_profile_set_count(o), 1);
    fl_profile_set_free(o);
    fl_profile_set_free(s);
}

Test(profile, set_round_trip_and_corruption)
{
    struct fl_profile_set *s = set_from_mem(csv, sizeof csv - 1, "t.csv", NULL);
    struct fl_buf b, c;
    fl_buf_init(&b, 1u << 26);
    fl_buf_init(&c, 1u << 26);
    cr_assert_eq(fl_profile_set_serialize(s, &b), FL_OK);
    cr_expect(fl_profile_set_is_serialized(b.data, b.len));
    struct fl_profile_set *t = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_profile_set_deserialize(b.data, b.len, &t, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(fl_profile_set_serialize(t, &c), FL_OK);
    cr_expect(b.len == c.len && !memcmp(b.data, c.data, b.len));
    fl_profile_set_free(t);
    for (size_t len = 0; len < b.len; len++) {
        t = (struct fl_profile_set *)1;
        cr_assert_eq(fl_profile_set_deserialize(b.data, len, &t, NULL), FL_EINVAL, "%zu", len);
        cr_assert_null(t);
    }
    /* Duplicate profile: the second copy of profile 0 replaces profile 1. */
    fl_buf_reset(&c);
    struct fl_profile_set *dup = new_set();
    struct fl_profile_key k = {"", "", "", "", "a", 0};
    struct fl_profile *p;
    cr_assert_eq(fl_profile_set_get(dup, &k, true, &p, NULL), FL_OK);
    cr_assert_eq(fl_profile_set_serialize(dup, &c), FL_OK);
    size_t one = c.len - 12; /* bytes of the profile with its length prefix */
    fl_buf_append(&c, c.data + 12, one);
    c.data[8] = 2;
    fl_diag_init(&d);
    cr_expect_eq(fl_profile_set_deserialize(c.data, c.len, &t, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "duplicate") != NULL, "%s", d.msg);
    /* A count the input cannot hold is refused before allocating. */
    c.data[8] = (char)0xff;
    c.data[9] = (char)0xff;
    c.data[10] = 0x0f;
    cr_expect_eq(fl_profile_set_deserialize(c.data, c.len, &t, NULL), FL_EINVAL);
    c.data[0] = 'X';
    fl_diag_init(&d);
    cr_expect_eq(fl_profile_set_deserialize(c.data, c.len, &t, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "not a faultline profile") != NULL, "%s", d.msg);
    fl_profile_set_free(dup);
    fl_buf_cleanup(&b);
    fl_buf_cleanup(&c);
    fl_profile_set_free(s);
}

/* Everything a profile goes through, for the allocation-failure loop. */
static fl_err pipeline(void)
{
    struct fl_profile_set *s = NULL, *t = NULL, *sel = NULL;
    struct fl_table *tab = NULL;
    struct fl_buf b, js;
    fl_buf_init(&b, 1u << 26);
    fl_buf_init(&js, 1u << 26);
    fl_err e = fl_profile_set_new(NULL, &s);
    if (!e)
        e = fl_table_open_mem(csv, sizeof csv - 1, "t.csv", NULL, &tab, NULL);
    if (!e)
        e = fl_profile_set_add_table(s, tab, NULL, NULL);
    if (!e)
        e = fl_profile_set_serialize(s, &b);
    if (!e)
        e = fl_profile_set_deserialize(b.data, b.len, &t, NULL);
    if (!e)
        e = fl_profile_set_merge(t, s, NULL);
    if (!e)
        e = fl_profile_set_select(t, NULL, &sel, NULL);
    if (!e)
        e = fl_profile_set_write_json(sel, 5, &js);
    if (!e)
        e = fl_buf_err(&js);
    fl_table_free(tab);
    fl_profile_set_free(s);
    fl_profile_set_free(t);
    fl_profile_set_free(sel);
    fl_buf_cleanup(&b);
    fl_buf_cleanup(&js);
    return e;
}

Test(profile, every_allocation_failure_is_handled)
{
    long n = 0;
    for (;; n++) {
        fl_alloc_fail_after(n);
        fl_err e = pipeline();
        fl_alloc_fail_after(-1);
        if (e == FL_OK)
            break;
        cr_assert(e == FL_ENOMEM || e == FL_ELIMIT, "step %ld: %s", n, fl_err_name(e));
    }
    cr_expect(n > 20, "only %ld allocations", n);
}

Test(profile, summaries)
{
    struct fl_profile_set *s = set_from_mem(csv, sizeof csv - 1, "t.csv", NULL);
    struct fl_buf b;
    fl_buf_init(&b, 1u << 20);
    cr_assert_eq(fl_profile_set_write_json(s, 10, &b), FL_OK);
    json_error_t je;
    json_t *doc = json_loadb(b.data, b.len, 0, &je);
    cr_assert(doc, "invalid JSON: %s", je.text);
    json_t *ps = json_object_get(doc, "profiles");
    cr_assert_eq(json_array_size(ps), 3);
    json_t *a = json_array_get(ps, 0);
    cr_expect_str_eq(json_string_value(json_object_get(a, "feature")), "a");
    cr_expect_str_eq(json_string_value(json_object_get(a, "type")), "numerical");
    cr_expect_eq(json_real_value(json_object_get(a, "mean")), 1.5);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(a, "counts"), "nan")), 1);
    cr_expect_eq(json_real_value(json_object_get(a, "null_rate")), 0.5);
    json_t *q = json_object_get(a, "quantiles");
    cr_expect_eq(json_number_value(json_object_get(q, "p50")), 1);
    cr_expect_eq(json_number_value(json_object_get(q, "p99")), 2);
    json_t *top = json_object_get(json_array_get(ps, 1), "top");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(top, 0), "value")), "x");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(top, 0), "count")), 2);
    json_decref(doc);
    fl_buf_reset(&b);
    cr_assert_eq(fl_profile_set_write_text(s, 3, &b), FL_OK);
    cr_expect(strstr(b.data, "feature ") == b.data);
    cr_expect(strstr(b.data, "x:2,y:1") != NULL, "%s", b.data);
    fl_buf_cleanup(&b);
    fl_profile_set_free(s);
}
