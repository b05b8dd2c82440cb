/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_sketch.c: throughput and size of the column-profile sketches (src/stats: kll, hll,
 * moments, freq), the goal being a full numeric column profile at >= 10 M values/s per core with
 * every per-feature profile under 64 KiB.
 *
 * Input: 2^22 doubles drawn once with a fixed seed (xorshift64, Box-Muller normal values scaled
 * to a latency-like range), 1% of them NaN; categorical keys are "category-<i>" with i from a
 * Zipf-like draw over 10,000 values. Each throughput figure runs for about FL_BENCH_SECONDS
 * (default 2) on one thread and cycles over the input.
 *
 * Figures (one machine-readable line each):
 *   bench=sketch_kll_update      fl_kll_update at the default k
 *   bench=sketch_hll_update      fl_hll_update_double at the default p
 *   bench=sketch_moments_update  fl_moments_update
 *   bench=sketch_profile         all three per value, as a numeric column profile does: moments
 *                                on every value, KLL and HLL on the finite ones
 *   bench=sketch_freq_update     fl_freq_update on categorical keys at the default k
 *   bench=sketch_size            serialized bytes after 1e6 and 1e7 values (KLL, HLL, moments,
 *                                the profile total; freq worst case at its defaults)
 *   bench=sketch_kll_merge       merging two KLL sketches of 1e6 values each, and folding 100
 *                                sketches of 1e5 values into one
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/limits.h"
#include "stats/freq.h"
#include "stats/hll.h"
#include "stats/kll.h"
#include "stats/moments.h"

#define N_INPUT (1u << 22)
#define N_KEYS 10000

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static double unif(void)
{
    return (double)(rnd() >> 11) * 0x1p-53;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double bench_seconds(void)
{
    const char *s = getenv("FL_BENCH_SECONDS");
    double v = s ? atof(s) : 2.0;
    return v > 0 ? v : 2.0;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_sketch: %s failed\n", what);
    exit(1);
}

enum op { OP_KLL, OP_HLL, OP_MOMENTS, OP_PROFILE };

struct profile {
    struct fl_kll *kll;
    struct fl_hll *hll;
    struct fl_moments mom;
};

static void profile_init(struct profile *p, uint64_t seed)
{
    if (fl_kll_new(FL_KLL_DEFAULT_K, seed, &p->kll) || fl_hll_new(FL_HLL_DEFAULT_P, &p->hll))
        die("sketch creation");
    fl_moments_init(&p->mom);
}

static void profile_cleanup(struct profile *p)
{
    fl_kll_free(p->kll);
    fl_hll_free(p->hll);
}

/* Feed v[0 .. n) to the sketches of `op`. */
static void feed(struct profile *p, enum op op, const double *v, size_t n)
{
    fl_err e = FL_OK;
    switch (op) {
    case OP_KLL:
        e = fl_kll_update_many(p->kll, v, n);
        break;
    case OP_HLL:
        for (size_t i = 0; i < n; i++)
            fl_hll_update_double(p->hll, v[i]);
        break;
    case OP_MOMENTS:
        for (size_t i = 0; i < n && e == FL_OK; i++)
            e = fl_moments_update(&p->mom, v[i]);
        break;
    case OP_PROFILE:
        for (size_t i = 0; i < n && e == FL_OK; i++) {
            e = fl_moments_update(&p->mom, v[i]);
            if (isfinite(v[i])) {
                if (e == FL_OK)
                    e = fl_kll_update(p->kll, v[i]);
                fl_hll_update_double(p->hll, v[i]);
            }
        }
        break;
    }
    if (e)
        die("update");
}

static void bench_rate(const char *name, enum op op, const double *in)
{
    struct profile p;
    profile_init(&p, 1);
    double secs = bench_seconds(), t0 = now_s(), c0 = cpu_s(), t;
    size_t n = 0;
    do {
        for (size_t off = 0; off < N_INPUT; off += 1u << 16)
            feed(&p, op, in + off, 1u << 16);
        n += N_INPUT;
        t = now_s() - t0;
    } while (t < secs);
    double c = cpu_s() - c0;
    printf("bench=%s values=%zu values_per_s=%.0f ns_per_value=%.1f cpu_values_per_s=%.0f\n", name,
           n, (double)n / t, t / (double)n * 1e9, (double)n / c);
    profile_cleanup(&p);
}

static size_t kll_bytes(const struct fl_kll *s)
{
    return fl_kll_serialized_size(s);
}

static void bench_size(const double *in)
{
    struct profile p;
    profile_init(&p, 2);
    size_t done = 0;
    static const size_t marks[] = {1000000, 10000000};
    for (size_t m = 0; m < 2; m++) {
        while (done < marks[m]) {
            size_t off = done % N_INPUT, n = N_INPUT - off;
            if (n > marks[m] - done)
                n = marks[m] - done;
            feed(&p, OP_PROFILE, in + off, n);
            done += n;
        }
        size_t kb = kll_bytes(p.kll), hb = fl_hll_serialized_size(p.hll);
        printf("bench=sketch_size values=%zu kll_k=%d kll_bytes=%zu kll_retained=%zu "
               "hll_p=%d hll_bytes=%zu moments_bytes=%d profile_bytes=%zu\n",
               done, FL_KLL_DEFAULT_K, kb, fl_kll_retained(p.kll), FL_HLL_DEFAULT_P, hb,
               FL_MOMENTS_SERIALIZED_SIZE, kb + hb + FL_MOMENTS_SERIALIZED_SIZE);
    }
    printf("bench=sketch_size freq_k=%d freq_item_bytes=%d freq_worst_bytes=%d "
           "categorical_profile_worst_bytes=%zu\n",
           FL_FREQ_DEFAULT_K, FL_FREQ_DEFAULT_ITEM_BYTES,
           32 + FL_FREQ_DEFAULT_K * (10 + FL_FREQ_DEFAULT_ITEM_BYTES),
           (size_t)(32 + FL_FREQ_DEFAULT_K * (10 + FL_FREQ_DEFAULT_ITEM_BYTES)) +
               fl_hll_serialized_size(p.hll) + FL_MOMENTS_SERIALIZED_SIZE);
    profile_cleanup(&p);
}

static struct fl_kll *kll_of(const double *in, size_t n, size_t off, uint64_t seed)
{
    struct fl_kll *s;
    if (fl_kll_new(FL_KLL_DEFAULT_K, seed, &s))
        die("kll_new");
    for (size_t i = 0; i < n; i++)
        if (fl_kll_update(s, in[(off + i) % N_INPUT]))
            die("kll_update");
    return s;
}

static void bench_merge(const double *in)
{
    struct fl_kll *a = kll_of(in, 1000000, 0, 1), *b = kll_of(in, 1000000, 1000000, 2);
    struct fl_buf ab;
    fl_buf_init(&ab, FL_LIMIT_SKETCH_BYTES);
    if (fl_kll_serialize(a, &ab))
        die("serialize");
    /* Two 1e6-value sketches: deserialize a fresh copy of a (untimed), merge b into it (timed). */
    double secs = bench_seconds(), spent = 0;
    int iters = 0;
    while (spent < secs) {
        struct fl_kll *c;
        if (fl_kll_deserialize(ab.data, ab.len, &c, NULL))
            die("deserialize");
        double t0 = now_s();
        if (fl_kll_merge(c, b, NULL))
            die("merge");
        spent += now_s() - t0;
        fl_kll_free(c);
        iters++;
    }
    printf("bench=sketch_kll_merge case=two_1e6 merges=%d us_per_merge=%.1f\n", iters,
           spent / iters * 1e6);
    /* 100 windows of 1e5 values folded into one. */
    struct fl_kll *win[100], *all;
    for (int i = 0; i < 100; i++)
        win[i] = kll_of(in, 100000, (size_t)i * 100000, 10 + (uint64_t)i);
    if (fl_kll_new(FL_KLL_DEFAULT_K, 5, &all))
        die("kll_new");
    double t0 = now_s();
    for (int i = 0; i < 100; i++)
        if (fl_kll_merge(all, win[i], NULL))
            die("merge");
    double t = now_s() - t0;
    printf("bench=sketch_kll_merge case=fold_100x1e5 us_per_merge=%.1f n=%llu kll_bytes=%zu\n",
           t / 100 * 1e6, (unsigned long long)fl_kll_n(all), kll_bytes(all));
    for (int i = 0; i < 100; i++)
        fl_kll_free(win[i]);
    fl_kll_free(all);
    fl_kll_free(a);
    fl_kll_free(b);
    fl_buf_cleanup(&ab);
}

static void bench_freq(void)
{
    static double cdf[N_KEYS];
    double s = 0, c = 0;
    for (int i = 0; i < N_KEYS; i++)
        s += 1.0 / (i + 1);
    for (int i = 0; i < N_KEYS; i++)
        cdf[i] = (c += 1.0 / (i + 1) / s);
    enum { N_DRAWS = 1 << 20 };
    unsigned *draw = malloc(N_DRAWS * sizeof *draw);
    char(*keys)[24] = malloc(N_KEYS * sizeof *keys);
    size_t *lens = malloc(N_KEYS * sizeof *lens);
    if (!draw || !keys || !lens)
        die("malloc");
    for (int i = 0; i < N_KEYS; i++)
        lens[i] = (size_t)snprintf(keys[i], sizeof keys[i], "category-%d", i);
    for (int i = 0; i < N_DRAWS; i++) {
        double u = unif();
        size_t lo = 0, hi = N_KEYS - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        draw[i] = (unsigned)lo;
    }
    struct fl_freq *f;
    if (fl_freq_new(FL_FREQ_DEFAULT_K, FL_FREQ_DEFAULT_ITEM_BYTES, &f))
        die("freq_new");
    double secs = bench_seconds(), t0 = now_s(), t;
    size_t n = 0;
    do {
        for (int i = 0; i < N_DRAWS; i++)
            if (fl_freq_update(f, keys[draw[i]], lens[draw[i]]))
                die("freq_update");
        n += N_DRAWS;
        t = now_s() - t0;
    } while (t < secs);
    printf("bench=sketch_freq_update keys=%d values=%zu values_per_s=%.0f ns_per_value=%.1f "
           "max_error=%llu serialized_bytes=%zu\n",
           N_KEYS, n, (double)n / t, t / (double)n * 1e9, (unsigned long long)fl_freq_max_error(f),
           fl_freq_serialized_size(f));
    fl_freq_free(f);
    free(draw);
    free(keys);
    free(lens);
}

int main(void)
{
    double *in = malloc(N_INPUT * sizeof *in);
    if (!in)
        die("malloc");
    for (size_t i = 0; i < N_INPUT; i++) {
        double u1 = unif(), u2 = unif();
        double z = sqrt(-2 * log1p(-u1)) * cos(2 * M_PI * u2);
        in[i] = rnd() % 100 == 0 ? NAN : 120 + 35 * z; /* latency-like, 1% missing */
    }
    bench_rate("sketch_kll_update", OP_KLL, in);
    bench_rate("sketch_hll_update", OP_HLL, in);
    bench_rate("sketch_moments_update", OP_MOMENTS, in);
    bench_rate("sketch_profile", OP_PROFILE, in);
    bench_freq();
    bench_size(in);
    bench_merge(in);
    free(in);
    return 0;
}
