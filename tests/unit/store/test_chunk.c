// SPDX-License-Identifier: Apache-2.0
/*
 * test_chunk.c: the Gorilla chunk codec round-trips every timestamp and every double bit pattern
 * exactly (compared bitwise), rejects truncated or padded chunks, survives random bytes, and
 * compresses regular scrapes to well under a byte per sample.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "store/chunk.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Encode, decode, compare bitwise; returns the encoded size. */
static size_t roundtrip(const int64_t *ts, const double *v, size_t n)
{
    struct fl_buf b;
    fl_buf_init(&b, 1u << 28);
    cr_assert_eq(fl_store_chunk_encode(ts, v, n, &b), FL_OK);
    size_t cnt = 12345;
    cr_assert_eq(fl_store_chunk_count(b.data, b.len, &cnt), FL_OK);
    cr_assert_eq(cnt, n);
    int64_t *ts2 = calloc(n + 1, sizeof *ts2);
    double *v2 = calloc(n + 1, sizeof *v2);
    size_t n2 = 0;
    cr_assert_eq(fl_store_chunk_decode(b.data, b.len, ts2, v2, n + 1, &n2), FL_OK);
    cr_assert_eq(n2, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(ts2[i], ts[i], "ts[%zu]: %lld != %lld", i, (long long)ts2[i],
                     (long long)ts[i]);
        cr_assert_eq(memcmp(&v2[i], &v[i], sizeof v[i]), 0, "value %zu differs bitwise", i);
    }
    /* Every strict prefix is rejected, and so is a trailing byte. */
    for (size_t len = 0; len < b.len; len++) {
        fl_err e = fl_store_chunk_decode(b.data, len, ts2, v2, n + 1, &n2);
        cr_assert_neq(e, FL_OK, "prefix of %zu/%zu bytes accepted", len, b.len);
    }
    size_t len = b.len;
    fl_buf_putc(&b, 0);
    cr_assert_neq(fl_store_chunk_decode(b.data, b.len, ts2, v2, n + 1, &n2), FL_OK);
    if (n > 0)
        cr_assert_eq(fl_store_chunk_decode(b.data, len, ts2, v2, n - 1, &n2), FL_ELIMIT);
    free(ts2);
    free(v2);
    fl_buf_cleanup(&b);
    return len;
}

#define STALE 0x7ff0000000000002ull

Test(chunk, edge_values_roundtrip)
{
    const uint64_t bits[] = {
        STALE,                 /* Prometheus stale marker */
        0x7ff8000000000001ull, /* quiet NaN with payload */
        0xfff8000000000000ull, /* negative NaN */
        0x8000000000000000ull, /* -0.0 */
        0x0000000000000000ull, /* +0.0 */
        0x7ff0000000000000ull, /* +Inf */
        0xfff0000000000000ull, /* -Inf */
        0x0000000000000001ull, /* smallest denormal */
        0x7fefffffffffffffull, /* DBL_MAX */
        0xffffffffffffffffull, /* all ones */
    };
    size_t n = sizeof bits / sizeof bits[0];
    int64_t ts[10];
    double v[10];
    for (size_t i = 0; i < n; i++) {
        ts[i] = 1700000000000 + (int64_t)i * 15000;
        v[i] = from_bits(bits[i]);
    }
    roundtrip(ts, v, n);
}

Test(chunk, timestamp_edge_cases)
{
    struct {
        const char *name;
        int64_t ts[6];
        size_t n;
    } cases[] = {
        {"empty", {0}, 0},
        {"single", {42}, 1},
        {"two", {-5, 7}, 2},
        {"duplicates", {1000, 1000, 1000, 2000, 2000, 2000}, 6},
        {"decreasing", {5000, 4000, 1000, -1000, -9000, -9001}, 6},
        {"extremes", {INT64_MIN, INT64_MAX, INT64_MIN, 0, INT64_MAX, -1}, 6},
        {"irregular", {0, 15000, 15001, 29999, 1000000, 1000001}, 6},
        {"bucket_edges", {0, 64, 64 + 128 - 63, 100000, 100000 + 524288 * 3, 1}, 6},
    };
    double v[6] = {1, 2, 3, 4, 5, 6};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_log_info("case %s", cases[i].name);
        roundtrip(cases[i].ts, v, cases[i].n);
    }
}

Test(chunk, random_roundtrip)
{
    enum { N = 400 };
    int64_t ts[N];
    double v[N];
    for (int round = 0; round < 120; round++) {
        size_t n = (size_t)(rnd() % N);
        int64_t t = (int64_t)(rnd() % 4000000000000ull) - 1000000000000;
        int mode = round % 4;
        double g = 100.0;
        for (size_t i = 0; i < n; i++) {
            switch (mode) {
            case 0: /* regular scrape with occasional jitter, noisy gauge */
                t += 15000 + (rnd() % 10 == 0 ? (int64_t)(rnd() % 41) - 20 : 0);
                g += ((double)(rnd() % 2001) - 1000.0) / 1000.0;
                v[i] = g;
                break;
            case 1: /* random bits everywhere */
                t = (int64_t)rnd();
                v[i] = from_bits(rnd());
                break;
            case 2: /* counter with resets and repeated timestamps */
                t += (int64_t)(rnd() % 3) * 7000;
                v[i] = (rnd() % 50 == 0) ? 0 : (i ? v[i - 1] : 0) + (double)(rnd() % 5);
                break;
            default: /* specials mixed in */
                t += (int64_t)(rnd() % 100000) - 20000;
                v[i] = from_bits((rnd() % 3 == 0) ? STALE
                                 : (rnd() % 2)    ? 0x8000000000000000ull
                                                  : rnd());
            }
            ts[i] = t;
        }
        roundtrip(ts, v, n);
    }
}

Test(chunk, compresses_regular_scrapes)
{
    int64_t ts[120];
    double v[120], c[120];
    for (int i = 0; i < 120; i++) {
        ts[i] = 1764000000000 + i * 15000;
        v[i] = 1.0;            /* e.g. up */
        c[i] = 1000.0 + i * 3; /* steadily increasing counter */
    }
    size_t constant = roundtrip(ts, v, 120);
    size_t counter = roundtrip(ts, c, 120);
    /* decimal mode: 1 count + 1 mode + 1 scale + 6 t0 + 1 m0 + 3 delta bytes
     * + (1 + 118 * 2) bits = 43 bytes */
    cr_assert_eq(constant, 43, "constant series: %zu bytes", constant);
    cr_assert_lt(counter, 120 * 2, "counter series: %zu bytes for 120 samples", counter);
}

Test(chunk, decimal_values_roundtrip_and_compress)
{
    enum { N = 480 };
    int64_t ts[N];
    double v[N];
    struct {
        const char *name;
        double max_bytes_per_sample;
    } cases[] = {
        {"gauge_2_decimals", 2.5},    {"counter", 2.5},
        {"negative_3_decimals", 4.5}, {"huge_integers", 9.0},
        {"neg_zero_falls_back", 9.5}, {"not_decimal", 9.5},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double acc = 1000;
        for (size_t i = 0; i < N; i++) {
            ts[i] = 1764000000000 + (int64_t)i * 15000 + (int64_t)(rnd() % 3);
            switch (c) {
            case 0:
                v[i] = round((50 + ((double)(rnd() % 250) - 125) / 100.0) * 100) / 100;
                break;
            case 1:
                acc += (double)(rnd() % 300);
                v[i] = acc;
                break;
            case 2:
                v[i] = -((double)(rnd() % 100000)) / 1000.0;
                break;
            case 3:
                v[i] = 9007199254740991.0 - (double)(rnd() % 1000);
                break;
            case 4:
                v[i] = i == N / 2 ? -0.0 : (double)(i % 5);
                break;
            default:
                v[i] = 0.1 + 0.2 + (double)i; /* 0.30000000000000004 is not a 6-digit decimal */
            }
        }
        size_t len = roundtrip(ts, v, N);
        double per = (double)len / N;
        cr_log_info("%s: %.3f bytes/sample", cases[c].name, per);
        cr_assert_leq(per, cases[c].max_bytes_per_sample, "%s: %.3f bytes/sample", cases[c].name,
                      per);
    }
}

Test(chunk, random_bytes_never_crash)
{
    unsigned char buf[64];
    int64_t ts[64];
    double v[64];
    size_t ok = 0;
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rnd() % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (unsigned char)rnd();
        if (round % 2)
            buf[0] = (unsigned char)(rnd() % 8); /* plausible counts */
        size_t n = 999;
        fl_err e = fl_store_chunk_decode(buf, len, ts, v, 64, &n);
        cr_assert(e == FL_OK || e == FL_EPARSE || e == FL_ELIMIT, "unexpected %d", e);
        if (e == FL_OK) {
            cr_assert_leq(n, 64);
            ok++;
        }
    }
    cr_log_info("%zu random inputs decoded", ok);
}

Test(chunk, header_rejects_impossible_counts)
{
    /* count 2^20 with 3 bytes of data cannot be a real chunk */
    const unsigned char big[] = {0x80, 0x80, 0x40, 0, 0, 0};
    size_t n = 0;
    cr_assert_eq(fl_store_chunk_count(big, sizeof big, &n), FL_EPARSE);
    const unsigned char ok[] = {0x00};
    cr_assert_eq(fl_store_chunk_count(ok, sizeof ok, &n), FL_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(fl_store_chunk_count(NULL, 0, &n), FL_EPARSE);
}
