// SPDX-License-Identifier: Apache-2.0
/*
 * test_kll.c: the KLL sketch against exact ranks of sorted copies (uniform, normal, Pareto,
 * Cauchy, sorted, reverse-sorted and tied inputs up to n = 1e6, fixed seeds), against
 * numpy.quantile(method='inverted_cdf') where the sketch is still exact, merges against the union,
 * histograms within the double-sided bound, serialization round trips, hostile bytes, and
 * allocation failures.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "stats/kll.h"
#include "stats/sketch_io.h"

#include "golden/sketch_golden.h"
#include "sketch_util.h"

static struct fl_kll *new_kll(unsigned k, uint64_t seed)
{
    struct fl_kll *s = NULL;
    cr_assert_eq(fl_kll_new(k, seed, &s), FL_OK);
    return s;
}

static struct fl_kll *kll_of(const double *v, size_t n, unsigned k, uint64_t seed)
{
    struct fl_kll *s = new_kll(k, seed);
    cr_assert_eq(fl_kll_update_many(s, v, n), FL_OK);
    return s;
}

/* Serialized bytes of s in a fresh buffer (the caller cleans it up). */
static struct fl_buf bytes_of(const struct fl_kll *s)
{
    struct fl_buf b;
    fl_buf_init(&b, FL_LIMIT_SKETCH_BYTES);
    cr_assert_eq(fl_kll_serialize(s, &b), FL_OK);
    cr_assert_eq(b.len, fl_kll_serialized_size(s));
    return b;
}

static int same_bytes(const struct fl_kll *a, const struct fl_kll *b)
{
    struct fl_buf x = bytes_of(a), y = bytes_of(b);
    int same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
    fl_buf_cleanup(&x);
    fl_buf_cleanup(&y);
    return same;
}

/* Largest rank error of quantiles over q = 1/1000 .. 999/1000 and of ranks at 1000 points. */
static double max_rank_error(const struct fl_kll *s, const double *sorted, size_t n)
{
    static double q[999], out[999];
    double worst = 0;
    for (size_t i = 0; i < 999; i++)
        q[i] = (double)(i + 1) / 1000;
    cr_assert_eq(fl_kll_quantiles(s, q, 999, out), FL_OK);
    for (size_t i = 0; i < 999; i++)
        worst = fmax(worst, quantile_rank_error(sorted, n, out[i], q[i]));
    for (size_t i = 0; i < 1000; i++) {
        double x = sorted[(size_t)((double)i / 1000 * (double)n)];
        double want = (double)count_below(sorted, n, x, 1) / (double)n;
        worst = fmax(worst, fabs(fl_kll_rank(s, x) - want));
    }
    return worst;
}

Test(kll, rank_error_formula_matches_datasketches_table)
{
    /* KLLAccuracyAndSize: k = 200: 1.33% / 1.65%, k = 400: 0.68% / 0.86%, k = 800: 0.35% / 0.45%.
     */
    static const struct {
        unsigned k;
        double single, pmf;
    } t[] = {{200, 0.0133, 0.0165}, {400, 0.0068, 0.0086}, {800, 0.0035, 0.0045}};
    for (size_t i = 0; i < N_OF(t); i++) {
        cr_expect(fabs(fl_kll_rank_error(t[i].k, 0) - t[i].single) < 0.00006, "k %u", t[i].k);
        cr_expect(fabs(fl_kll_rank_error(t[i].k, 1) - t[i].pmf) < 0.00006, "k %u", t[i].k);
    }
    /* The default is below 1% even double-sided. */
    cr_expect_lt(fl_kll_rank_error(FL_KLL_DEFAULT_K, 1), 0.01);
    cr_expect_lt(fl_kll_rank_error(FL_KLL_DEFAULT_K, 0), 0.003);
}

Test(kll, agrees_exactly_with_numpy_before_any_compaction)
{
    for (size_t c = 0; c < N_OF(g_quantiles); c++) {
        const struct g_data *d = &g_quantiles[c].d;
        struct lcg g = {d->seed};
        struct fl_kll *s = new_kll(FL_KLL_DEFAULT_K, 1);
        for (unsigned long i = 0; i < d->n; i++)
            cr_assert_eq(fl_kll_update(s, lcg_value(&g, d->scale, d->shift, d->ints)), FL_OK);
        cr_assert_eq(fl_kll_n(s), d->n);
        cr_assert_eq(fl_kll_retained(s), d->n, "%s: nothing may be compacted yet", d->name);
        double q[G_NQ];
        cr_assert_eq(fl_kll_quantiles(s, g_qs, G_NQ, q), FL_OK);
        for (size_t i = 0; i < G_NQ; i++)
            cr_expect_eq(q[i], g_quantiles[c].quantile[i], "%s: q %g: %.17g, numpy %.17g", d->name,
                         g_qs[i], q[i], g_quantiles[c].quantile[i]);
        for (size_t i = 0; i < G_NT; i++)
            cr_expect_eq(fl_kll_rank(s, g_quantiles[c].t[i]), g_quantiles[c].rank[i],
                         "%s: rank(%.17g) %.17g, numpy %.17g", d->name, g_quantiles[c].t[i],
                         fl_kll_rank(s, g_quantiles[c].t[i]), g_quantiles[c].rank[i]);
        cr_expect_eq(fl_kll_min(s), g_quantiles[c].quantile[0]);
        cr_expect_eq(fl_kll_max(s), g_quantiles[c].quantile[G_NQ - 1]);
        fl_kll_free(s);
    }
}

Test(kll, rank_error_within_bound_on_many_distributions)
{
    static const struct {
        enum dist d;
        size_t n;
        unsigned k;
    } t[] = {
        {D_UNIFORM, 1000000, FL_KLL_DEFAULT_K},
        {D_NORMAL, 1000000, FL_KLL_DEFAULT_K},
        {D_PARETO, 1000000, FL_KLL_DEFAULT_K},
        {D_CAUCHY, 300000, FL_KLL_DEFAULT_K},
        {D_SORTED, 1000000, FL_KLL_DEFAULT_K},
        {D_REVERSED, 1000000, FL_KLL_DEFAULT_K},
        {D_TIES, 300000, FL_KLL_DEFAULT_K},
        {D_UNIFORM, 10000, FL_KLL_DEFAULT_K},
        {D_UNIFORM, 300000, 200},
        {D_SORTED, 300000, 200},
        {D_NORMAL, 300000, 400},
    };
    for (size_t i = 0; i < N_OF(t); i++) {
        double *v = gen_values(t[i].d, t[i].n, 1000 + i);
        struct fl_kll *s = kll_of(v, t[i].n, t[i].k, 7 + i);
        double *srt = sorted_copy(v, t[i].n);
        double err = max_rank_error(s, srt, t[i].n), eps = fl_kll_rank_error(t[i].k, 0);
        cr_expect_leq(err, eps, "%s n=%zu k=%u: max rank error %.5f above eps %.5f",
                      dist_name[t[i].d], t[i].n, t[i].k, err, eps);
        cr_expect_eq(fl_kll_min(s), srt[0]);
        cr_expect_eq(fl_kll_max(s), srt[t[i].n - 1]);
        cr_expect_eq(fl_kll_n(s), t[i].n);
        fl_free(v);
        fl_free(srt);
        fl_kll_free(s);
    }
}

Test(kll, single_query_error_exceeds_eps_rarely_over_seeds)
{
    /* The 99%-confidence claim, per query: over 200 independent sketches at most ~1% miss. */
    const size_t n = 20000;
    const unsigned k = 200;
    double *v = gen_values(D_UNIFORM, n, 99), *srt = sorted_copy(v, n);
    double eps = fl_kll_rank_error(k, 0);
    int misses = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        struct fl_kll *s = kll_of(v, n, k, seed * 7919 + 1);
        double x;
        cr_assert_eq(fl_kll_quantile(s, 0.5, &x), FL_OK);
        misses += quantile_rank_error(srt, n, x, 0.5) > eps;
        fl_kll_free(s);
    }
    cr_expect_leq(misses, 4, "%d of 200 medians beyond eps", misses);
    fl_free(v);
    fl_free(srt);
}

Test(kll, histogram_bins_within_double_sided_bound)
{
    const size_t n = 1000000, nsplit = 29;
    double *v = gen_values(D_NORMAL, n, 5), *srt = sorted_copy(v, n);
    struct fl_kll *s = kll_of(v, n, FL_KLL_DEFAULT_K, 3);
    double splits[29], cdf[30];
    uint64_t counts[30], total = 0;
    for (size_t i = 0; i < nsplit; i++)
        splits[i] = srt[0] + (srt[n - 1] - srt[0]) * (double)(i + 1) / 30;
    cr_assert_eq(fl_kll_bin_counts(s, splits, nsplit, counts), FL_OK);
    cr_assert_eq(fl_kll_cdf(s, splits, nsplit, cdf), FL_OK);
    double eps_pmf = fl_kll_rank_error(FL_KLL_DEFAULT_K, 1), worst = 0;
    size_t prev = 0;
    for (size_t i = 0; i <= nsplit; i++) {
        size_t upto = i < nsplit ? count_below(srt, n, splits[i], 1) : n;
        double exact = (double)(upto - prev) / (double)n, est = (double)counts[i] / (double)n;
        worst = fmax(worst, fabs(exact - est));
        total += counts[i];
        prev = upto;
        if (i < nsplit)
            cr_expect_eq(cdf[i], fl_kll_rank(s, splits[i]), "cdf[%zu] differs from rank", i);
    }
    cr_expect_eq(cdf[nsplit], 1.0);
    cr_expect_eq(total, n, "bin counts add up to n exactly");
    cr_expect_leq(worst, eps_pmf, "worst bin mass error %.5f above %.5f", worst, eps_pmf);
    /* Splits beyond the data: everything in one bin. */
    double outside[] = {-INFINITY, srt[0] - 1};
    cr_assert_eq(fl_kll_bin_counts(s, outside, 2, counts), FL_OK);
    cr_expect(counts[0] == 0 && counts[1] == 0 && counts[2] == n);
    fl_free(v);
    fl_free(srt);
    fl_kll_free(s);
}

/* Merge parts of v (chunked: contiguous runs; else round-robin) and check against the union. */
static void check_merge(const double *v, size_t n, size_t parts, int chunked, uint64_t seed)
{
    struct fl_kll *acc = new_kll(FL_KLL_DEFAULT_K, seed);
    for (size_t p = 0; p < parts; p++) {
        struct fl_kll *s = new_kll(FL_KLL_DEFAULT_K, seed + 1 + p);
        for (size_t i = 0; i < n; i++)
            if (chunked ? i * parts / n == p : i % parts == p)
                cr_assert_eq(fl_kll_update(s, v[i]), FL_OK);
        cr_assert_eq(fl_kll_merge(acc, s, NULL), FL_OK);
        fl_kll_free(s);
    }
    double *srt = sorted_copy(v, n);
    double err = max_rank_error(acc, srt, n), eps = fl_kll_rank_error(FL_KLL_DEFAULT_K, 0);
    cr_expect_leq(err, eps, "%zu parts (%s): max rank error %.5f above %.5f", parts,
                  chunked ? "chunked" : "round-robin", err, eps);
    cr_expect_eq(fl_kll_n(acc), n);
    cr_expect_eq(fl_kll_min(acc), srt[0]);
    cr_expect_eq(fl_kll_max(acc), srt[n - 1]);
    cr_expect_leq(fl_kll_serialized_size(acc), 64 * 1024);
    fl_free(srt);
    fl_kll_free(acc);
}

Test(kll, merged_sketches_match_the_union_within_bound)
{
    const size_t n = 600000;
    double *u = gen_values(D_UNIFORM, n, 21), *sorted = gen_values(D_SORTED, n, 0);
    check_merge(u, n, 2, 0, 100);
    check_merge(u, n, 10, 0, 200);
    check_merge(sorted, n, 10, 1, 300); /* each part a disjoint range */
    check_merge(sorted, n, 97, 1, 400);
    fl_free(u);
    fl_free(sorted);
}

Test(kll, merge_order_changes_only_the_coin_flips)
{
    const size_t n = 200000;
    double *v = gen_values(D_PARETO, n, 8), *srt = sorted_copy(v, n);
    struct fl_kll *a = kll_of(v, n / 3, FL_KLL_DEFAULT_K, 1);
    struct fl_kll *b = kll_of(v + n / 3, n - n / 3, FL_KLL_DEFAULT_K, 2);
    struct fl_kll *ab = new_kll(FL_KLL_DEFAULT_K, 9), *ba = new_kll(FL_KLL_DEFAULT_K, 9);
    cr_assert_eq(fl_kll_merge(ab, a, NULL), FL_OK);
    cr_assert_eq(fl_kll_merge(ab, b, NULL), FL_OK);
    cr_assert_eq(fl_kll_merge(ba, b, NULL), FL_OK);
    cr_assert_eq(fl_kll_merge(ba, a, NULL), FL_OK);
    double eps = fl_kll_rank_error(FL_KLL_DEFAULT_K, 0);
    cr_expect_leq(max_rank_error(ab, srt, n), eps);
    cr_expect_leq(max_rank_error(ba, srt, n), eps);
    cr_expect_eq(fl_kll_n(ab), fl_kll_n(ba));
    cr_expect_eq(fl_kll_min(ab), fl_kll_min(ba));
    cr_expect_eq(fl_kll_max(ab), fl_kll_max(ba));
    /* Same inputs, same seeds, same order: identical sketches. */
    struct fl_kll *ab2 = new_kll(FL_KLL_DEFAULT_K, 9);
    cr_assert_eq(fl_kll_merge(ab2, a, NULL), FL_OK);
    cr_assert_eq(fl_kll_merge(ab2, b, NULL), FL_OK);
    cr_expect(same_bytes(ab, ab2));
    fl_kll_free(a);
    fl_kll_free(b);
    fl_kll_free(ab);
    fl_kll_free(ba);
    fl_kll_free(ab2);
    fl_free(v);
    fl_free(srt);
}

Test(kll, merging_a_sketch_into_itself_doubles_every_weight)
{
    const size_t n = 50000;
    double *v = gen_values(D_UNIFORM, n, 4), *srt = sorted_copy(v, n);
    struct fl_kll *s = kll_of(v, n, FL_KLL_DEFAULT_K, 4);
    cr_assert_eq(fl_kll_merge(s, s, NULL), FL_OK);
    cr_expect_eq(fl_kll_n(s), 2 * n);
    cr_expect_leq(max_rank_error(s, srt, n), fl_kll_rank_error(FL_KLL_DEFAULT_K, 0));
    /* Merging an empty sketch changes nothing. */
    struct fl_kll *e = new_kll(FL_KLL_DEFAULT_K, 1), *copy = NULL;
    struct fl_buf before = bytes_of(s);
    cr_assert_eq(fl_kll_merge(s, e, NULL), FL_OK);
    cr_assert_eq(fl_kll_deserialize(before.data, before.len, &copy, NULL), FL_OK);
    cr_expect(same_bytes(s, copy));
    fl_buf_cleanup(&before);
    fl_kll_free(copy);
    fl_kll_free(e);
    fl_kll_free(s);
    fl_free(v);
    fl_free(srt);
}

Test(kll, nan_is_ignored_and_infinities_are_values)
{
    struct fl_kll *s = new_kll(FL_KLL_MIN_K, 1);
    double v[] = {NAN, 1, -INFINITY, 2, INFINITY, NAN, 3};
    cr_assert_eq(fl_kll_update_many(s, v, N_OF(v)), FL_OK);
    cr_expect_eq(fl_kll_n(s), 5);
    cr_expect_eq(fl_kll_min(s), -INFINITY);
    cr_expect_eq(fl_kll_max(s), INFINITY);
    cr_expect_eq(fl_kll_rank(s, -INFINITY), 0.2);
    cr_expect_eq(fl_kll_rank(s, 2), 0.6);
    cr_expect_eq(fl_kll_rank(s, INFINITY), 1.0);
    cr_expect(isnan(fl_kll_rank(s, NAN)));
    double q;
    cr_assert_eq(fl_kll_quantile(s, 0.5, &q), FL_OK);
    cr_expect_eq(q, 2.0);
    cr_assert_eq(fl_kll_quantile(s, 0.1, &q), FL_OK);
    cr_expect_eq(q, -INFINITY);
    fl_kll_free(s);
}

Test(kll, empty_sketch_answers_nan_and_zero_counts)
{
    struct fl_kll *s = new_kll(FL_KLL_DEFAULT_K, 1), *back = NULL;
    double q = 0, cdf[3], splits[] = {0, 1};
    uint64_t counts[3] = {7, 7, 7};
    cr_expect_eq(fl_kll_n(s), 0);
    cr_expect(isnan(fl_kll_min(s)) && isnan(fl_kll_max(s)));
    cr_expect(isnan(fl_kll_rank(s, 0)));
    cr_assert_eq(fl_kll_quantile(s, 0.5, &q), FL_OK);
    cr_expect(isnan(q));
    cr_assert_eq(fl_kll_bin_counts(s, splits, 2, counts), FL_OK);
    cr_expect(counts[0] == 0 && counts[1] == 0 && counts[2] == 0);
    cr_assert_eq(fl_kll_cdf(s, splits, 2, cdf), FL_OK);
    cr_expect(isnan(cdf[0]) && isnan(cdf[2]));
    struct fl_buf b = bytes_of(s);
    cr_expect_eq(b.len, 44); /* 40-byte header + one level size */
    cr_assert_eq(fl_kll_deserialize(b.data, b.len, &back, NULL), FL_OK);
    cr_expect(same_bytes(s, back));
    fl_buf_cleanup(&b);
    fl_kll_free(back);
    fl_kll_free(s);
}

Test(kll, equal_seeds_give_identical_sketches)
{
    const size_t n = 100000;
    double *v = gen_values(D_NORMAL, n, 3);
    struct fl_kll *a = kll_of(v, n, FL_KLL_DEFAULT_K, 42), *b = kll_of(v, n, FL_KLL_DEFAULT_K, 42);
    struct fl_kll *c = kll_of(v, n, FL_KLL_DEFAULT_K, 43);
    cr_expect(same_bytes(a, b));
    cr_expect_not(same_bytes(a, c), "another seed flips other coins");
    fl_kll_free(a);
    fl_kll_free(b);
    fl_kll_free(c);
    fl_free(v);
}

Test(kll, round_trip_is_byte_exact_and_continues_identically)
{
    static const size_t ns[] = {1, 7, 1023, 1024, 1025, 100000, 1000000};
    for (size_t i = 0; i < N_OF(ns); i++) {
        double *v = gen_values(D_CAUCHY, ns[i] + 5000, 50 + i);
        struct fl_kll *s = kll_of(v, ns[i], FL_KLL_DEFAULT_K, 5), *back = NULL;
        struct fl_buf b = bytes_of(s);
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_kll_deserialize(b.data, b.len, &back, &d), FL_OK, "n %zu: %s", ns[i],
                     d.msg);
        cr_expect(same_bytes(s, back), "n %zu", ns[i]);
        cr_expect_eq(fl_kll_n(back), ns[i]);
        cr_expect_eq(fl_kll_rank(back, v[0]), fl_kll_rank(s, v[0]));
        /* The coin state travels along: both continue the same way. */
        cr_assert_eq(fl_kll_update_many(s, v + ns[i], 5000), FL_OK);
        cr_assert_eq(fl_kll_update_many(back, v + ns[i], 5000), FL_OK);
        cr_expect(same_bytes(s, back), "n %zu after more updates", ns[i]);
        cr_expect_eq(b.data[0], FL_SKETCH_FORMAT_VERSION);
        cr_expect_eq(b.data[1], FL_SKETCH_KLL);
        fl_buf_cleanup(&b);
        fl_kll_free(s);
        fl_kll_free(back);
        fl_free(v);
    }
}

Test(kll, serialized_size_stays_under_64_kib)
{
    struct fl_kll *s = new_kll(FL_KLL_DEFAULT_K, 1);
    struct lcg g = {77};
    size_t worst = 0;
    for (size_t i = 1; i <= 10000000; i++) {
        cr_assert_eq(fl_kll_update(s, lcg_u(&g)), FL_OK);
        if ((i & 0xffff) == 0)
            worst = worst > fl_kll_serialized_size(s) ? worst : fl_kll_serialized_size(s);
    }
    cr_expect_lt(worst, 26 * 1024, "largest size seen up to 1e7: %zu bytes", worst);
    cr_expect_lt(fl_kll_retained(s), 3 * FL_KLL_DEFAULT_K + 8 * 16);
    fl_kll_free(s);
}

Test(kll, rejects_bad_arguments)
{
    struct fl_kll *s = NULL;
    cr_expect_eq(fl_kll_new(FL_KLL_MIN_K - 1, 0, &s), FL_EINVAL);
    cr_expect_null(s);
    cr_expect_eq(fl_kll_new(FL_LIMIT_KLL_K + 1, 0, &s), FL_EINVAL);
    cr_expect_eq(fl_kll_new(FL_KLL_DEFAULT_K, 0, NULL), FL_EINVAL);
    s = new_kll(FL_KLL_DEFAULT_K, 1);
    cr_assert_eq(fl_kll_update(s, 1), FL_OK);
    double q;
    cr_expect_eq(fl_kll_quantile(s, -0.01, &q), FL_EINVAL);
    cr_expect_eq(fl_kll_quantile(s, 1.01, &q), FL_EINVAL);
    cr_expect_eq(fl_kll_quantile(s, NAN, &q), FL_EINVAL);
    cr_expect_eq(fl_kll_quantile(s, 0.5, NULL), FL_EINVAL);
    uint64_t counts[4];
    double unsorted[] = {1, 0}, dup[] = {1, 1}, nan[] = {0, NAN};
    cr_expect_eq(fl_kll_bin_counts(s, unsorted, 2, counts), FL_EINVAL);
    cr_expect_eq(fl_kll_bin_counts(s, dup, 2, counts), FL_EINVAL);
    cr_expect_eq(fl_kll_bin_counts(s, nan, 2, counts), FL_EINVAL);
    cr_expect_eq(fl_kll_bin_counts(s, dup, 0, counts), FL_EINVAL);
    double cdf[3];
    cr_expect_eq(fl_kll_cdf(s, unsorted, 2, cdf), FL_EINVAL);
    struct fl_kll *other = new_kll(200, 1);
    cr_assert_eq(fl_kll_update(other, 2), FL_OK);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_kll_merge(s, other, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "k = 200") != NULL, "%s", d.msg);
    cr_expect_eq(fl_kll_n(s), 1);
    fl_kll_free(other);
    fl_kll_free(s);
    fl_kll_free(NULL);
}

/* ---- hostile bytes ------------------------------------------------------------------------- */

static void put_u64_at(char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (char)(v >> (8 * i));
}

static void put_f64_at(char *p, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_u64_at(p, bits);
}

Test(kll, every_truncation_is_rejected_with_a_diagnostic)
{
    double *v = gen_values(D_UNIFORM, 5000, 1);
    struct fl_kll *s = kll_of(v, 5000, 16, 1), *back = NULL;
    struct fl_buf b = bytes_of(s);
    for (size_t len = 0; len < b.len; len++) {
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_kll_deserialize(b.data, len, &back, &d), FL_EINVAL, "length %zu", len);
        cr_expect_null(back);
        cr_expect(d.code == FL_EINVAL && d.msg[0] && strncmp(d.field, "kll.", 4) == 0,
                  "length %zu: field '%s' msg '%s'", len, d.field, d.msg);
    }
    fl_buf_cleanup(&b);
    fl_kll_free(s);
    fl_free(v);
}

Test(kll, corrupted_fields_are_rejected)
{
    double *v = gen_values(D_UNIFORM, 3000, 2);
    struct fl_kll *s = kll_of(v, 3000, 16, 1);
    struct fl_buf good = bytes_of(s);
    uint32_t n_levels = (uint8_t)good.data[5];
    size_t items = 40 + 4 * (size_t)n_levels;
    uint32_t pop0 = (uint8_t)good.data[40] | (uint32_t)(uint8_t)good.data[41] << 8;
    size_t lvl1 = items + 8 * (size_t)pop0; /* first item of level 1 */
    cr_assert_gt(n_levels, 2);
    static const struct {
        const char *name, *field;
    } t[] = {
        {"version", "kll.version"},
        {"type", "kll.type"},
        {"k", "kll.k"},
        {"m", "kll.m"},
        {"levels0", "kll.n_levels"},
        {"levels99", "kll.n_levels"},
        {"reserved", "kll.reserved"},
        {"n", "kll.levels"},
        {"minmax", "kll.max"},
        {"nan_item", "kll.items"},
        {"above_max", "kll.items"},
        {"unsorted", "kll.items"},
        {"capacity", "kll.levels"},
        {"trailing", "kll.end"},
        {"empty_min", "kll.max"},
        {"nan_min", "kll.max"},
    };
    for (size_t i = 0; i < N_OF(t); i++) {
        struct fl_buf b;
        fl_buf_init(&b, FL_LIMIT_SKETCH_BYTES);
        fl_buf_append(&b, good.data, good.len);
        cr_assert_eq(fl_buf_err(&b), FL_OK);
        char *p = b.data;
        const char *w = t[i].name;
        if (!strcmp(w, "version"))
            p[0] = 2;
        else if (!strcmp(w, "type"))
            p[1] = FL_SKETCH_HLL;
        else if (!strcmp(w, "k"))
            p[2] = 7;
        else if (!strcmp(w, "m"))
            p[4] = 4;
        else if (!strcmp(w, "levels0"))
            p[5] = 0;
        else if (!strcmp(w, "levels99"))
            p[5] = 99;
        else if (!strcmp(w, "reserved"))
            p[7] = 1;
        else if (!strcmp(w, "n"))
            put_u64_at(p + 8, 2999);
        else if (!strcmp(w, "minmax"))
            put_f64_at(p + 24, 2.0);
        else if (!strcmp(w, "nan_item"))
            put_f64_at(p + items, NAN);
        else if (!strcmp(w, "above_max"))
            put_f64_at(p + items, 1.5);
        else if (!strcmp(w, "unsorted"))
            memcpy(p + lvl1, p + 32, 8); /* max, then smaller */
        else if (!strcmp(w, "capacity"))
            p[40 + 2] = 1; /* level 0 holds 65536 more */
        else if (!strcmp(w, "trailing"))
            fl_buf_putc(&b, 0);
        else if (!strcmp(w, "empty_min")) {
            /* An empty sketch whose min/max are numbers. */
            struct fl_kll *e = new_kll(16, 1);
            struct fl_buf eb = bytes_of(e);
            fl_buf_reset(&b);
            fl_buf_append(&b, eb.data, eb.len);
            put_f64_at(b.data + 24, 0.0);
            fl_buf_cleanup(&eb);
            fl_kll_free(e);
        } else if (!strcmp(w, "nan_min")) {
            put_f64_at(p + 24, NAN);
        }
        struct fl_kll *back = NULL;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_kll_deserialize(b.data, b.len, &back, &d), FL_EINVAL, "%s", w);
        cr_expect_null(back);
        cr_expect_str_eq(d.field, t[i].field, "%s: field %s, msg %s", w, d.field, d.msg);
        cr_expect(strncmp(d.msg, "byte ", 5) == 0, "%s: %s", w, d.msg);
        fl_buf_cleanup(&b);
    }
    /* The untouched bytes still read back. */
    struct fl_kll *back = NULL;
    cr_expect_eq(fl_kll_deserialize(good.data, good.len, &back, NULL), FL_OK);
    fl_kll_free(back);
    fl_buf_cleanup(&good);
    fl_kll_free(s);
    fl_free(v);
}

/* ---- allocation failures ------------------------------------------------------------------- */

Test(kll, every_allocation_failure_is_clean)
{
    const size_t n = 100000;
    double *v = gen_values(D_NORMAL, n, 12), *srt = sorted_copy(v, n);
    /* Updates: a failure (adding a level) leaves a valid sketch that can carry on. */
    int failures = 0;
    for (long k = 0;; k++) {
        struct fl_kll *s = new_kll(64, 3);
        fl_alloc_fail_after(k);
        size_t i = 0;
        fl_err e = FL_OK;
        for (; i < n && e == FL_OK; i++)
            e = fl_kll_update(s, v[i]);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            fl_kll_free(s);
            break;
        }
        failures++;
        cr_assert_eq(e, FL_ENOMEM, "failure point %ld", k);
        cr_expect_eq(fl_kll_n(s), i - 1, "the failed value is not counted");
        struct fl_buf b = bytes_of(s);
        struct fl_kll *back = NULL;
        cr_expect_eq(fl_kll_deserialize(b.data, b.len, &back, NULL), FL_OK, "still valid");
        fl_kll_free(back);
        fl_buf_cleanup(&b);
        cr_assert_eq(fl_kll_update_many(s, v + i - 1, n - (i - 1)), FL_OK);
        cr_expect_eq(fl_kll_n(s), n);
        cr_expect_leq(max_rank_error(s, srt, n), fl_kll_rank_error(64, 0) * 1.5);
        fl_kll_free(s);
        cr_assert_lt(k, 100);
    }
    cr_expect_gt(failures, 5, "levels were added under injection");
    /* Merge, quantiles, cdf, deserialize: ENOMEM and nothing changed. */
    struct fl_kll *a = kll_of(v, n / 2, 64, 1), *b = kll_of(v + n / 2, n - n / 2, 64, 2);
    struct fl_buf a0 = bytes_of(a), bb = bytes_of(b);
    for (long k = 0;; k++) {
        struct fl_diag d;
        fl_diag_init(&d);
        fl_alloc_fail_after(k);
        fl_err e = fl_kll_merge(a, b, &d);
        fl_alloc_fail_after(-1);
        if (e == FL_OK)
            break;
        cr_assert_eq(e, FL_ENOMEM);
        cr_expect_eq(d.code, FL_ENOMEM);
        struct fl_buf now = bytes_of(a);
        cr_expect(now.len == a0.len && memcmp(now.data, a0.data, a0.len) == 0, "merge %ld", k);
        fl_buf_cleanup(&now);
        cr_assert_lt(k, 10);
    }
    cr_expect_eq(fl_kll_n(a), n);
    double qs[] = {0.1, 0.5}, out[2], splits[] = {0, 1}, cdf[3];
    for (long k = 0;; k++) {
        fl_alloc_fail_after(k);
        fl_err e = fl_kll_quantiles(a, qs, 2, out);
        fl_alloc_fail_after(-1);
        if (e == FL_OK)
            break;
        cr_assert_eq(e, FL_ENOMEM);
        cr_assert_lt(k, 10);
    }
    fl_alloc_fail_after(0);
    cr_expect_eq(fl_kll_cdf(a, splits, 2, cdf), FL_ENOMEM);
    fl_alloc_fail_after(-1);
    for (long k = 0;; k++) {
        struct fl_kll *back = NULL;
        fl_alloc_fail_after(k);
        fl_err e = fl_kll_deserialize(bb.data, bb.len, &back, NULL);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_expect(same_bytes(back, b));
            fl_kll_free(back);
            break;
        }
        cr_assert_eq(e, FL_ENOMEM);
        cr_expect_null(back);
        cr_assert_lt(k, 10);
    }
    for (long k = 0; k < 2; k++) {
        struct fl_kll *x = NULL;
        fl_alloc_fail_after(k);
        cr_expect_eq(fl_kll_new(64, 1, &x), FL_ENOMEM);
        fl_alloc_fail_after(-1);
        cr_expect_null(x);
    }
    fl_buf_cleanup(&a0);
    fl_buf_cleanup(&bb);
    fl_kll_free(a);
    fl_kll_free(b);
    fl_free(v);
    fl_free(srt);
}

/* fl_kll_items: every retained item with weight 2^level; the weights add up to n, and before
 * the first compaction the items are the inputs with weight 1. */
Test(kll, items_and_weights_account_for_every_value)
{
    struct fl_kll *s = NULL;
    cr_assert_eq(fl_kll_new(200, 7, &s), FL_OK);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(fl_kll_update(s, (double)(i * 7 % 100)), FL_OK);
    size_t n = fl_kll_retained(s);
    cr_assert_eq(n, 100);
    double v[100], w[100];
    cr_assert_eq(fl_kll_items(s, v, w, 100), 100);
    double sum = 0;
    int seen[100] = {0};
    for (size_t i = 0; i < n; i++) {
        cr_expect_eq(w[i], 1.0);
        seen[(int)v[i]]++;
    }
    for (int i = 0; i < 100; i++)
        cr_expect_eq(seen[i], 1, "value %d", i);
    for (int i = 0; i < 1000000; i++)
        cr_assert_eq(fl_kll_update(s, (double)(i % 977)), FL_OK);
    n = fl_kll_retained(s);
    double *vv = malloc(n * sizeof *vv), *ww = malloc(n * sizeof *ww);
    cr_assert(vv && ww);
    cr_assert_eq(fl_kll_items(s, vv, ww, n), n);
    cr_assert_eq(fl_kll_items(s, vv, ww, 3), n, "a short buffer still reports the count");
    for (size_t i = 0; i < n; i++) {
        sum += ww[i];
        cr_expect(ww[i] >= 1 && ww[i] == ldexp(1.0, ilogb(ww[i])), "weight %g", ww[i]);
    }
    cr_expect_eq(sum, (double)fl_kll_n(s));
    free(vv);
    free(ww);
    fl_kll_free(s);
}
