// SPDX-License-Identifier: Apache-2.0
/*
 * test_hll.c: HyperLogLog estimates within 3 sigma (1.04 / sqrt(2^p)) over cardinalities from 1
 * to 1e6 at p = 12 and 14, no bias over repeated trials (the region near 2.5 m where classic
 * HyperLogLog's switch is biased included), exact merges, hash stability, serialization round
 * trips, hostile bytes and allocation failures.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats/hll.h"
#include "stats/sketch_io.h"

#include "sketch_util.h"

static struct fl_hll *new_hll(unsigned p)
{
    struct fl_hll *h = NULL;
    cr_assert_eq(fl_hll_new(p, &h), FL_OK);
    return h;
}

/* Items base .. base + n - 1, hashed as 64-bit integers. */
static void add_range(struct fl_hll *h, uint64_t base, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        fl_hll_update_hash(h, fl_hll_hash_u64(base + i));
}

static struct fl_buf hll_bytes(const struct fl_hll *h)
{
    struct fl_buf b;
    fl_buf_init(&b, FL_LIMIT_SKETCH_BYTES);
    cr_assert_eq(fl_hll_serialize(h, &b), FL_OK);
    cr_assert_eq(b.len, fl_hll_serialized_size(h));
    return b;
}

static int hll_same(const struct fl_hll *a, const struct fl_hll *b)
{
    struct fl_buf x = hll_bytes(a), y = hll_bytes(b);
    int same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
    fl_buf_cleanup(&x);
    fl_buf_cleanup(&y);
    return same;
}

Test(hll, estimate_within_three_sigma_from_1_to_1e6)
{
    static const unsigned ps[] = {12, 14};
    for (size_t pi = 0; pi < N_OF(ps); pi++) {
        double sigma = fl_hll_rse(ps[pi]);
        int checked = 0;
        for (int e = 0; e <= 60; e++) {
            uint64_t n = (uint64_t)llround(pow(10, e / 10.0));
            struct fl_hll *h = new_hll(ps[pi]);
            add_range(h, (uint64_t)e << 40, n);
            add_range(h, (uint64_t)e << 40, n / 2); /* repeats change nothing */
            double est = fl_hll_estimate(h), rel = est / (double)n - 1;
            cr_expect_leq(fabs(rel), 3 * sigma, "p %u n %llu: estimate %.1f, error %.4f > 3 sigma",
                          ps[pi], (unsigned long long)n, est, rel);
            fl_hll_free(h);
            checked++;
        }
        cr_expect_eq(checked, 61);
    }
}

Test(hll, no_bias_around_the_small_range_switch)
{
    /* Mean relative error over 100 trials within 3 standard errors of the mean, at n / m from 0.1
     * to 10 (classic HyperLogLog is biased by about +2% at 2.5 m, p = 12). */
    static const double ratios[] = {0.1, 0.5, 0.76, 1.0, 2.0, 2.5, 3.0, 5.0, 10.0};
    const unsigned p = 12, trials = 100;
    double m = 4096, sigma = fl_hll_rse(p);
    for (size_t r = 0; r < N_OF(ratios); r++) {
        uint64_t n = (uint64_t)(ratios[r] * m);
        double sum = 0, sum2 = 0;
        for (unsigned t = 0; t < trials; t++) {
            struct fl_hll *h = new_hll(p);
            add_range(h, ((uint64_t)(r * trials + t) << 32), n);
            double rel = fl_hll_estimate(h) / (double)n - 1;
            sum += rel;
            sum2 += rel * rel;
            fl_hll_free(h);
        }
        double bias = sum / trials, rmse = sqrt(sum2 / trials);
        cr_expect_leq(fabs(bias), 3 * sigma / sqrt(trials), "n/m %.2f: bias %.4f", ratios[r], bias);
        cr_expect_leq(rmse, 1.15 * sigma, "n/m %.2f: rmse %.4f above 1.15 sigma", ratios[r], rmse);
    }
}

Test(hll, strings_and_doubles_count_like_integers)
{
    struct fl_hll *s = new_hll(FL_HLL_DEFAULT_P), *d = new_hll(FL_HLL_DEFAULT_P);
    char key[32];
    const int n = 50000;
    for (int i = 0; i < n; i++) {
        int len = snprintf(key, sizeof key, "user-%d", i);
        fl_hll_update_bytes(s, key, (size_t)len);
        fl_hll_update_double(d, i * 0.25);
    }
    double sigma = fl_hll_rse(FL_HLL_DEFAULT_P);
    cr_expect_leq(fabs(fl_hll_estimate(s) / n - 1), 3 * sigma, "strings %.1f", fl_hll_estimate(s));
    cr_expect_leq(fabs(fl_hll_estimate(d) / n - 1), 3 * sigma, "doubles %.1f", fl_hll_estimate(d));
    fl_hll_free(s);
    fl_hll_free(d);
}

Test(hll, tiny_sets_are_counted_almost_exactly)
{
    struct fl_hll *h = new_hll(FL_HLL_DEFAULT_P);
    cr_expect_eq(fl_hll_estimate(h), 0.0);
    cr_expect(fl_hll_is_empty(h));
    for (uint64_t n = 1; n <= 200; n++) {
        fl_hll_update_hash(h, fl_hll_hash_u64(n));
        /* linear counting: m ln(m / (m - n)) without collisions, about n + n^2 / 2m */
        cr_expect_leq(fabs(fl_hll_estimate(h) - (double)n), 1 + (double)(n * n) / 8192.0 * 1.1,
                      "n %llu: %.3f", (unsigned long long)n, fl_hll_estimate(h));
    }
    cr_expect_not(fl_hll_is_empty(h));
    fl_hll_free(h);
}

Test(hll, merge_equals_the_union_exactly_in_any_order)
{
    struct fl_hll *a = new_hll(12), *b = new_hll(12), *u = new_hll(12);
    struct fl_hll *ab = new_hll(12), *ba = new_hll(12);
    add_range(a, 0, 60000);
    add_range(b, 30000, 70000);
    add_range(u, 0, 100000);
    cr_assert_eq(fl_hll_merge(ab, a, NULL), FL_OK);
    cr_assert_eq(fl_hll_merge(ab, b, NULL), FL_OK);
    cr_assert_eq(fl_hll_merge(ba, b, NULL), FL_OK);
    cr_assert_eq(fl_hll_merge(ba, a, NULL), FL_OK);
    cr_expect(hll_same(ab, u), "A merge B is the sketch of A union B");
    cr_expect(hll_same(ba, u), "B merge A too");
    cr_expect_eq(fl_hll_estimate(ab), fl_hll_estimate(u));
    cr_assert_eq(fl_hll_merge(u, u, NULL), FL_OK);
    cr_expect(hll_same(ab, u), "merging with itself changes nothing");
    struct fl_hll *other = new_hll(14);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_hll_merge(ab, other, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "precision 14") != NULL, "%s", d.msg);
    cr_expect(hll_same(ab, u), "a refused merge changes nothing");
    fl_hll_free(a);
    fl_hll_free(b);
    fl_hll_free(u);
    fl_hll_free(ab);
    fl_hll_free(ba);
    fl_hll_free(other);
}

Test(hll, hashes_are_stable_across_hosts_and_versions)
{
    /* Registers are merged across machines and stored: these values must never change. */
    static const struct {
        uint64_t x, h;
    } u[] = {
        {0, 0x0a6d2313b09da773ull},
        {1, 0xa5b6e393cfbe8f12ull},
        {2, 0x6e5bfe5625ad1519ull},
        {0xffffffffffffffffull, 0x3c2c5c1f98337b9full},
        {1234567890123ull, 0x561bb001492d99e5ull},
    };
    for (size_t i = 0; i < N_OF(u); i++)
        cr_expect_eq(fl_hll_hash_u64(u[i].x), u[i].h, "u64 %zu", i);
    static const struct {
        const char *s;
        uint64_t h;
    } b[] = {
        {"", 0xbdb280875923bc2eull},
        {"a", 0xebc28bf01a19cae4ull},
        {"abc", 0x18834c597fe7b884ull},
        {"abcd", 0xb0f2783394b172e1ull},
        {"hello, world!!!!", 0x3d9ba842844380f6ull},
        {"hello, world!!!!!", 0x87e85f62c49110f2ull},
        {"The quick brown fox jumps over the lazy dog, again and again and again!",
         0xa483da49467ddd93ull},
    };
    for (size_t i = 0; i < N_OF(b); i++)
        cr_expect_eq(fl_hll_hash_bytes(b[i].s, strlen(b[i].s)), b[i].h, "\"%s\"", b[i].s);
    cr_expect_eq(fl_hll_hash_double(1.5), 0x956f0e9b18a488e4ull);
    cr_expect_eq(fl_hll_hash_double(-0.0), fl_hll_hash_double(0.0));
    cr_expect_eq(fl_hll_hash_double(NAN), fl_hll_hash_double(-NAN));
    cr_expect_neq(fl_hll_hash_double(1.0), fl_hll_hash_double(-1.0));
}

Test(hll, hashes_depend_on_every_byte_and_mix_every_bit)
{
    char buf[100];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)('a' + i % 26);
    for (size_t len = 0; len <= sizeof buf; len++) {
        uint64_t h = fl_hll_hash_bytes(buf, len);
        for (size_t i = 0; i < len; i++) {
            buf[i] ^= 1;
            cr_expect_neq(fl_hll_hash_bytes(buf, len), h, "len %zu byte %zu", len, i);
            buf[i] ^= 1;
        }
    }
    /* Avalanche of the integer hash: each input bit flips about half of the output bits. */
    struct lcg g = {5};
    for (int bit = 0; bit < 64; bit++) {
        double flips = 0;
        for (int t = 0; t < 2000; t++) {
            uint64_t x = g.s = g.s * 6364136223846793005ULL + 1442695040888963407ULL;
            flips += __builtin_popcountll(fl_hll_hash_u64(x) ^ fl_hll_hash_u64(x ^ (1ull << bit)));
        }
        flips /= 2000;
        cr_expect(flips > 31 && flips < 33, "bit %d flips %.2f output bits on average", bit, flips);
    }
}

Test(hll, round_trip_is_byte_exact)
{
    static const unsigned ps[] = {FL_HLL_MIN_P, 8, 12, 14, FL_LIMIT_HLL_P};
    for (size_t i = 0; i < N_OF(ps); i++) {
        struct fl_hll *h = new_hll(ps[i]), *back = NULL;
        add_range(h, 99, 20000);
        struct fl_buf b = hll_bytes(h);
        cr_expect_eq(b.len, 4 + ((size_t)1 << ps[i]));
        cr_expect_eq(b.data[0], FL_SKETCH_FORMAT_VERSION);
        cr_expect_eq(b.data[1], FL_SKETCH_HLL);
        cr_expect_eq((unsigned char)b.data[2], ps[i]);
        cr_assert_eq(fl_hll_deserialize(b.data, b.len, &back, NULL), FL_OK);
        cr_expect(hll_same(h, back));
        cr_expect_eq(fl_hll_estimate(h), fl_hll_estimate(back));
        cr_expect_eq(fl_hll_p(back), ps[i]);
        fl_buf_cleanup(&b);
        fl_hll_free(h);
        fl_hll_free(back);
    }
}

Test(hll, hostile_bytes_are_rejected)
{
    struct fl_hll *h = new_hll(4), *back = NULL;
    add_range(h, 0, 100);
    struct fl_buf good = hll_bytes(h);
    for (size_t len = 0; len < good.len; len++) {
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_hll_deserialize(good.data, len, &back, &d), FL_EINVAL, "len %zu", len);
        cr_expect(d.msg[0] && strncmp(d.field, "hll.", 4) == 0, "len %zu: %s", len, d.field);
        cr_expect_null(back);
    }
    static const struct {
        size_t off;
        unsigned char v;
        const char *field;
    } t[] = {
        {0, 0, "hll.version"},      {1, FL_SKETCH_KLL, "hll.type"}, {2, 3, "hll.p"},
        {2, 19, "hll.p"},           {3, 1, "hll.reserved"},         {4, 62, "hll.registers"},
        {19, 255, "hll.registers"},
    };
    for (size_t i = 0; i < N_OF(t); i++) {
        char bad[20];
        memcpy(bad, good.data, 20);
        bad[t[i].off] = (char)t[i].v;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_hll_deserialize(bad, 20, &back, &d), FL_EINVAL, "case %zu", i);
        cr_expect_str_eq(d.field, t[i].field, "case %zu: %s", i, d.msg);
    }
    /* The largest register value, 65 - p, is valid; trailing bytes are not. */
    char edge[21];
    memcpy(edge, good.data, 20);
    edge[4] = 61;
    cr_expect_eq(fl_hll_deserialize(edge, 20, &back, NULL), FL_OK);
    fl_hll_free(back);
    back = NULL;
    cr_expect_eq(fl_hll_deserialize(edge, 21, &back, NULL), FL_EINVAL);
    cr_expect_eq(fl_hll_deserialize(NULL, 0, &back, NULL), FL_EINVAL);
    fl_buf_cleanup(&good);
    fl_hll_free(h);
}

Test(hll, bad_arguments_and_allocation_failures)
{
    struct fl_hll *h = NULL;
    cr_expect_eq(fl_hll_new(FL_HLL_MIN_P - 1, &h), FL_EINVAL);
    cr_expect_eq(fl_hll_new(FL_LIMIT_HLL_P + 1, &h), FL_EINVAL);
    cr_expect_eq(fl_hll_new(12, NULL), FL_EINVAL);
    fl_alloc_fail_after(0);
    cr_expect_eq(fl_hll_new(12, &h), FL_ENOMEM);
    fl_alloc_fail_after(-1);
    cr_expect_null(h);
    h = new_hll(6);
    add_range(h, 0, 500);
    struct fl_buf b = hll_bytes(h);
    struct fl_hll *back = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_alloc_fail_after(0);
    cr_expect_eq(fl_hll_deserialize(b.data, b.len, &back, &d), FL_ENOMEM);
    fl_alloc_fail_after(-1);
    cr_expect_null(back);
    cr_expect_eq(d.code, FL_ENOMEM);
    /* A buffer too small for the sketch: FL_ELIMIT and nothing appended. */
    struct fl_buf small;
    fl_buf_init(&small, 10);
    cr_expect_eq(fl_hll_serialize(h, &small), FL_ELIMIT);
    cr_expect_eq(small.len, 0);
    fl_buf_cleanup(&small);
    fl_buf_cleanup(&b);
    fl_hll_free(h);
    fl_hll_free(NULL);
}
