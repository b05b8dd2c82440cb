// SPDX-License-Identifier: Apache-2.0
/*
 * test_freq.c: the Misra-Gries frequent-items sketch against exact counts: its bounds
 * (lower <= true <= upper, max_error <= (n - held) / (k + 1), every item above n / (k + 1) held)
 * on skewed and uniform streams, after merges in several orders, with weights, truncation of long
 * keys at UTF-8 boundaries, serialization round trips, hostile bytes and allocation failures.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "stats/freq.h"
#include "stats/sketch_io.h"

#include "sketch_util.h"

#define UNIVERSE 5000

static struct fl_freq *new_freq(size_t k)
{
    struct fl_freq *f = NULL;
    cr_assert_eq(fl_freq_new(k, FL_FREQ_DEFAULT_ITEM_BYTES, &f), FL_OK);
    return f;
}

static size_t key_of(unsigned item, char *buf)
{
    return (size_t)snprintf(buf, 32, "category-%u", item);
}

/* Item i of a Zipf(1.1)-like stream over UNIVERSE items (inverse-CDF over a precomputed table). */
static unsigned zipf_item(struct lcg *g, const double *cdf)
{
    double u = lcg_u(g);
    size_t lo = 0, hi = UNIVERSE - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (unsigned)lo;
}

static void zipf_cdf(double *cdf)
{
    double s = 0;
    for (int i = 0; i < UNIVERSE; i++)
        s += pow(i + 1, -1.1);
    double c = 0;
    for (int i = 0; i < UNIVERSE; i++) {
        c += pow(i + 1, -1.1) / s;
        cdf[i] = c;
    }
    cdf[UNIVERSE - 1] = 1;
}

/* Check every bound of the sketch against exact counts true[0 .. UNIVERSE). */
static void check_bounds(const struct fl_freq *f, const uint64_t *truth, const char *what)
{
    char key[32];
    uint64_t n = 0, held = 0, k = fl_freq_k(f);
    for (unsigned i = 0; i < UNIVERSE; i++)
        n += truth[i];
    cr_assert_eq(fl_freq_n(f), n, "%s", what);
    struct fl_freq_item *items = NULL;
    size_t n_items = 0;
    cr_assert_eq(fl_freq_items(f, &items, &n_items), FL_OK);
    cr_expect_leq(n_items, k, "%s", what);
    for (size_t j = 0; j < n_items; j++) {
        held += items[j].lower;
        if (j > 0)
            cr_expect_geq(items[j - 1].lower, items[j].lower, "%s: sorted", what);
        cr_expect_eq(items[j].upper, items[j].lower + fl_freq_max_error(f));
        cr_expect_eq(items[j].key[items[j].len], '\0');
    }
    fl_free(items);
    uint64_t err = fl_freq_max_error(f);
    cr_expect_leq(err * (k + 1), n - held, "%s: max_error %llu too large", what,
                  (unsigned long long)err);
    int bad = 0;
    for (unsigned i = 0; i < UNIVERSE; i++) {
        uint64_t lo, hi;
        fl_freq_estimate(f, key, key_of(i, key), &lo, &hi);
        bad += !(lo <= truth[i] && truth[i] <= hi);
        if (truth[i] * (k + 1) > n)
            bad += lo == 0; /* heavy hitters are always held */
    }
    cr_expect_eq(bad, 0, "%s: %d items outside their bounds", what, bad);
}

Test(freq, exact_while_the_items_fit)
{
    struct fl_freq *f = new_freq(16);
    char key[32];
    for (unsigned r = 0; r < 100; r++)
        for (unsigned i = 0; i < 16; i++)
            if (r % (i + 1) == 0)
                cr_assert_eq(fl_freq_update(f, key, key_of(i, key)), FL_OK);
    cr_expect_eq(fl_freq_max_error(f), 0);
    cr_expect_eq(fl_freq_size(f), 16);
    for (unsigned i = 0; i < 16; i++) {
        uint64_t lo, hi;
        fl_freq_estimate(f, key, key_of(i, key), &lo, &hi);
        cr_expect(lo == hi && lo == (99 / (i + 1)) + 1, "item %u: %llu", i, (unsigned long long)lo);
    }
    uint64_t lo, hi;
    fl_freq_estimate(f, "absent", 6, &lo, &hi);
    cr_expect(lo == 0 && hi == 0);
    struct fl_freq_item *items;
    size_t n;
    cr_assert_eq(fl_freq_items(f, &items, &n), FL_OK);
    cr_assert_eq(n, 16);
    cr_expect_str_eq(items[0].key, "category-0");
    cr_expect_eq(items[0].lower, 100);
    fl_free(items);
    fl_freq_free(f);
}

Test(freq, bounds_hold_on_skewed_and_flat_streams)
{
    static double cdf[UNIVERSE];
    static uint64_t truth[UNIVERSE];
    zipf_cdf(cdf);
    static const size_t ks[] = {16, 64, FL_FREQ_DEFAULT_K};
    char key[32];
    for (size_t ki = 0; ki < N_OF(ks); ki++) {
        for (int flat = 0; flat < 2; flat++) {
            struct fl_freq *f = new_freq(ks[ki]);
            struct lcg g = {ki * 2 + (size_t)flat + 1};
            memset(truth, 0, sizeof truth);
            for (int i = 0; i < 200000; i++) {
                unsigned item = flat ? (unsigned)(lcg_u(&g) * UNIVERSE) : zipf_item(&g, cdf);
                truth[item]++;
                cr_assert_eq(fl_freq_update(f, key, key_of(item, key)), FL_OK);
            }
            char what[64];
            snprintf(what, sizeof what, "k %zu %s", ks[ki], flat ? "flat" : "zipf");
            check_bounds(f, truth, what);
            if (!flat)
                cr_expect_gt(fl_freq_max_error(f), 0, "%s: the sketch was full", what);
            fl_freq_free(f);
        }
    }
}

Test(freq, merged_sketches_keep_the_bounds_of_the_union)
{
    static double cdf[UNIVERSE];
    static uint64_t truth[UNIVERSE];
    zipf_cdf(cdf);
    memset(truth, 0, sizeof truth);
    enum { PARTS = 6 };
    struct fl_freq *part[PARTS];
    char key[32];
    for (int p = 0; p < PARTS; p++) {
        part[p] = new_freq(64);
        struct lcg g = {100 + (uint64_t)p};
        for (int i = 0; i < 30000; i++) {
            /* Each part favours other items: the item ranks are rotated per part. */
            unsigned item = (zipf_item(&g, cdf) + (unsigned)p * 37) % UNIVERSE;
            truth[item]++;
            cr_assert_eq(fl_freq_update(part[p], key, key_of(item, key)), FL_OK);
        }
    }
    struct fl_freq *fwd = new_freq(64), *rev = new_freq(64), *tree = new_freq(64);
    struct fl_freq *left = new_freq(64), *right = new_freq(64);
    for (int p = 0; p < PARTS; p++) {
        cr_assert_eq(fl_freq_merge(fwd, part[p], NULL), FL_OK);
        cr_assert_eq(fl_freq_merge(rev, part[PARTS - 1 - p], NULL), FL_OK);
        cr_assert_eq(fl_freq_merge(p < PARTS / 2 ? left : right, part[p], NULL), FL_OK);
    }
    cr_assert_eq(fl_freq_merge(tree, left, NULL), FL_OK);
    cr_assert_eq(fl_freq_merge(tree, right, NULL), FL_OK);
    check_bounds(fwd, truth, "forward");
    check_bounds(rev, truth, "reverse");
    check_bounds(tree, truth, "tree");
    /* Self-merge: every count and the error double. */
    uint64_t err = fl_freq_max_error(fwd), lo0, lo1;
    fl_freq_estimate(fwd, "category-0", 10, &lo0, NULL);
    cr_assert_eq(fl_freq_merge(fwd, fwd, NULL), FL_OK);
    fl_freq_estimate(fwd, "category-0", 10, &lo1, NULL);
    cr_expect_eq(lo1, 2 * lo0);
    cr_expect_eq(fl_freq_max_error(fwd), 2 * err);
    for (int p = 0; p < PARTS; p++)
        fl_freq_free(part[p]);
    fl_freq_free(fwd);
    fl_freq_free(rev);
    fl_freq_free(tree);
    fl_freq_free(left);
    fl_freq_free(right);
}

Test(freq, weighted_updates_count_like_repeats)
{
    static uint64_t truth[UNIVERSE];
    memset(truth, 0, sizeof truth);
    struct fl_freq *w = new_freq(32), *u = new_freq(32);
    struct lcg g = {9};
    char key[32];
    for (int i = 0; i < 3000; i++) {
        unsigned item = (unsigned)(lcg_u(&g) * 40);
        uint64_t c = 1 + (uint64_t)(lcg_u(&g) * (item < 5 ? 500 : 20));
        truth[item] += c;
        cr_assert_eq(fl_freq_update_n(w, key, key_of(item, key), c), FL_OK);
        for (uint64_t j = 0; j < c; j++)
            cr_assert_eq(fl_freq_update(u, key, key_of(item, key)), FL_OK);
    }
    check_bounds(w, truth, "weighted");
    check_bounds(u, truth, "unit");
    cr_expect_eq(fl_freq_update_n(w, "x", 1, 0), FL_OK);
    cr_expect_eq(fl_freq_n(w), fl_freq_n(u));
    fl_freq_free(w);
    fl_freq_free(u);
}

Test(freq, long_keys_are_truncated_at_character_boundaries)
{
    struct fl_freq *f = NULL;
    cr_assert_eq(fl_freq_new(8, 5, &f), FL_OK);
    uint64_t lo, hi;
    cr_assert_eq(fl_freq_update(f, "abcdefgh", 8), FL_OK);
    cr_assert_eq(fl_freq_update(f, "abcdeXYZ", 8), FL_OK); /* same 5-byte prefix */
    fl_freq_estimate(f, "abcde", 5, &lo, &hi);
    cr_expect_eq(lo, 2);
    /* "é" is 2 bytes: 3 of them are 6 bytes; the cut at 5 would split the third. */
    cr_assert_eq(fl_freq_update(f, "\xc3\xa9\xc3\xa9\xc3\xa9", 6), FL_OK);
    fl_freq_estimate(f, "\xc3\xa9\xc3\xa9", 4, &lo, &hi);
    cr_expect_eq(lo, 1, "kept as 4 bytes");
    /* Not UTF-8: a run of continuation bytes is cut at the limit. */
    cr_assert_eq(fl_freq_update(f, "\x80\x80\x80\x80\x80\x80\x80", 7), FL_OK);
    fl_freq_estimate(f, "\x80\x80\x80\x80\x80", 5, &lo, &hi);
    cr_expect_eq(lo, 1);
    /* Keys are copied, may hold NUL bytes, and the empty key is a key. */
    char buf[4] = {'a', '\0', 'b', 0};
    cr_assert_eq(fl_freq_update(f, buf, 3), FL_OK);
    buf[0] = 'z';
    fl_freq_estimate(f, "a\0b", 3, &lo, &hi);
    cr_expect_eq(lo, 1);
    cr_assert_eq(fl_freq_update(f, NULL, 0), FL_OK);
    fl_freq_estimate(f, "", 0, &lo, &hi);
    cr_expect_eq(lo, 1);
    cr_expect_eq(fl_freq_update(f, NULL, 3), FL_EINVAL);
    fl_freq_free(f);
}

static struct fl_buf freq_bytes(const struct fl_freq *f)
{
    struct fl_buf b;
    fl_buf_init(&b, FL_LIMIT_SKETCH_BYTES);
    cr_assert_eq(fl_freq_serialize(f, &b), FL_OK);
    cr_assert_eq(b.len, fl_freq_serialized_size(f));
    return b;
}

static struct fl_freq *full_sketch(size_t k, size_t n, uint64_t seed)
{
    struct fl_freq *f = new_freq(k);
    struct lcg g = {seed};
    char key[32];
    for (size_t i = 0; i < n; i++) {
        unsigned item = (unsigned)(lcg_u(&g) * lcg_u(&g) * 200);
        cr_assert_eq(fl_freq_update(f, key, key_of(item, key)), FL_OK);
    }
    return f;
}

Test(freq, round_trip_is_byte_exact_and_bounded_in_size)
{
    struct fl_freq *f = full_sketch(FL_FREQ_DEFAULT_K, 100000, 3), *back = NULL;
    struct fl_buf b = freq_bytes(f), b2;
    cr_assert_eq(fl_freq_deserialize(b.data, b.len, &back, NULL), FL_OK);
    b2 = freq_bytes(back);
    cr_expect(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);
    cr_expect_eq(fl_freq_n(back), 100000);
    cr_expect_eq(fl_freq_max_error(back), fl_freq_max_error(f));
    /* Worst case at the defaults: 256 counters with 128-byte keys. */
    cr_expect_lt(32 + FL_FREQ_DEFAULT_K * (10 + FL_FREQ_DEFAULT_ITEM_BYTES), 36 * 1024);
    fl_buf_cleanup(&b);
    fl_buf_cleanup(&b2);
    fl_freq_free(f);
    fl_freq_free(back);
}

Test(freq, hostile_bytes_are_rejected)
{
    struct fl_freq *f = new_freq(4), *back = NULL;
    cr_assert_eq(fl_freq_update_n(f, "aa", 2, 10), FL_OK);
    cr_assert_eq(fl_freq_update_n(f, "b", 1, 5), FL_OK);
    struct fl_buf good = freq_bytes(f);
    /* layout: 0 ver, 1 type, 2 reserved, 4 k, 8 max_item_bytes, 12 n, 20 max_error,
     * 28 n_counters, 32 count "aa", 40 len, 42 "aa", 44 count "b", 52 len, 54 "b" */
    cr_assert_eq(good.len, 55);
    for (size_t len = 0; len < good.len; len++) {
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_freq_deserialize(good.data, len, &back, &d), FL_EINVAL, "len %zu", len);
        cr_expect(d.msg[0] && strncmp(d.field, "freq.", 5) == 0, "len %zu: %s", len, d.field);
        cr_expect_null(back);
    }
    static const struct {
        size_t off;
        unsigned char v;
        const char *field;
    } t[] = {
        {0, 3, "freq.version"},
        {1, FL_SKETCH_HLL, "freq.type"},
        {2, 1, "freq.reserved"},
        {4, 0, "freq.k"},
        {6, 2, "freq.k"},
        {8, 0, "freq.max_item_bytes"},
        {9, 0x20, "freq.max_item_bytes"},
        {28, 5, "freq.n_counters"},
        {12, 14, "freq.count"},
        {32, 0, "freq.count"},
        {40, 200, "freq.key_len"},
        {52, 2, "freq.key"},
        {20, 1, "freq.max_error"},
        {29, 1, "freq.n_counters"},
    };
    for (size_t i = 0; i < N_OF(t); i++) {
        char bad[55];
        memcpy(bad, good.data, sizeof bad);
        bad[t[i].off] = (char)t[i].v;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_freq_deserialize(bad, sizeof bad, &back, &d), FL_EINVAL, "case %zu", i);
        cr_expect_null(back);
        cr_expect_str_eq(d.field, t[i].field, "case %zu: %s", i, d.msg);
    }
    /* A duplicate key: the second counter "b" becomes "aa" (one byte longer). */
    char dup[56];
    memcpy(dup, good.data, 54);
    dup[52] = 2;
    dup[54] = dup[55] = 'a';
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_freq_deserialize(dup, sizeof dup, &back, &d), FL_EINVAL);
    cr_expect_str_eq(d.field, "freq.key", "%s", d.msg);
    cr_expect(strstr(d.msg, "duplicate") != NULL, "%s", d.msg);
    /* The same bytes with distinct keys are fine. */
    dup[55] = 'b';
    cr_expect_eq(fl_freq_deserialize(dup, sizeof dup, &back, NULL), FL_OK);
    fl_freq_free(back);
    fl_buf_cleanup(&good);
    fl_freq_free(f);
}

Test(freq, bad_arguments)
{
    struct fl_freq *f = NULL, *g = NULL;
    cr_expect_eq(fl_freq_new(0, 128, &f), FL_EINVAL);
    cr_expect_eq(fl_freq_new(FL_LIMIT_FREQ_COUNTERS + 1, 128, &f), FL_EINVAL);
    cr_expect_eq(fl_freq_new(8, 0, &f), FL_EINVAL);
    cr_expect_eq(fl_freq_new(8, FL_LIMIT_FREQ_ITEM_BYTES + 1, &f), FL_EINVAL);
    cr_expect_null(f);
    cr_assert_eq(fl_freq_new(8, 128, &f), FL_OK);
    cr_assert_eq(fl_freq_new(8, 64, &g), FL_OK);
    cr_assert_eq(fl_freq_update(g, "x", 1), FL_OK);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_freq_merge(f, g, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "max_item_bytes = 64") != NULL, "%s", d.msg);
    cr_expect_eq(fl_freq_n(f), 0);
    cr_assert_eq(fl_freq_update_n(f, "y", 1, UINT64_MAX), FL_OK);
    cr_expect_eq(fl_freq_update(f, "y", 1), FL_ELIMIT);
    fl_freq_free(f);
    fl_freq_free(g);
}

Test(freq, every_allocation_failure_is_clean)
{
    /* Updates: a failure leaves the sketch as it was. */
    struct fl_freq *ref = full_sketch(32, 3000, 4);
    struct fl_buf want = freq_bytes(ref);
    for (long k = 0;; k++) {
        struct fl_freq *f = new_freq(32);
        struct lcg g = {4};
        char key[32];
        fl_err e = FL_OK;
        fl_alloc_fail_after(k);
        size_t i = 0;
        unsigned item = 0;
        for (; i < 3000; i++) {
            item = (unsigned)(lcg_u(&g) * lcg_u(&g) * 200);
            if ((e = fl_freq_update(f, key, key_of(item, key))))
                break;
        }
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            struct fl_buf got = freq_bytes(f);
            cr_expect(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
            fl_buf_cleanup(&got);
            fl_freq_free(f);
            break;
        }
        cr_assert_eq(e, FL_ENOMEM, "failure point %ld", k);
        cr_expect_eq(fl_freq_n(f), i, "failure point %ld: the failed update is not counted", k);
        fl_freq_free(f);
        cr_assert_lt(k, 3000);
    }
    /* Merge: ENOMEM at every allocation, destination unchanged. */
    struct fl_freq *a = full_sketch(32, 5000, 5), *b = full_sketch(32, 5000, 6);
    struct fl_buf a0 = freq_bytes(a);
    for (long k = 0;; k++) {
        fl_alloc_fail_after(k);
        fl_err e = fl_freq_merge(a, b, NULL);
        fl_alloc_fail_after(-1);
        if (e == FL_OK)
            break;
        cr_assert_eq(e, FL_ENOMEM);
        struct fl_buf now = freq_bytes(a);
        cr_expect(now.len == a0.len && memcmp(now.data, a0.data, a0.len) == 0, "merge %ld", k);
        fl_buf_cleanup(&now);
        cr_assert_lt(k, 100);
    }
    cr_expect_eq(fl_freq_n(a), 10000);
    /* Items, deserialize, new. */
    struct fl_freq_item *items = NULL;
    size_t n = 0;
    fl_alloc_fail_after(0);
    cr_expect_eq(fl_freq_items(a, &items, &n), FL_ENOMEM);
    fl_alloc_fail_after(-1);
    cr_expect(items == NULL && n == 0);
    for (long k = 0;; k++) {
        struct fl_freq *back = NULL;
        fl_alloc_fail_after(k);
        fl_err e = fl_freq_deserialize(want.data, want.len, &back, NULL);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            fl_freq_free(back);
            break;
        }
        cr_assert_eq(e, FL_ENOMEM);
        cr_expect_null(back);
        cr_assert_lt(k, 100);
    }
    for (long k = 0; k < 3; k++) {
        struct fl_freq *x = NULL;
        fl_alloc_fail_after(k);
        cr_expect_eq(fl_freq_new(8, 8, &x), FL_ENOMEM);
        fl_alloc_fail_after(-1);
        cr_expect_null(x);
    }
    fl_buf_cleanup(&want);
    fl_buf_cleanup(&a0);
    fl_freq_free(ref);
    fl_freq_free(a);
    fl_freq_free(b);
}
