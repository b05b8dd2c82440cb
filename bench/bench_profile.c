/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_profile.c: column profiles and drift from profiles (src/monitor/profile.c, drift*.c).
 *
 * Fixed seeds; one machine-readable line per figure:
 *   bench=profile_numbers   one numeric column, 10^7 values through fl_profile_update_numbers
 *                           (goal: >= 10 million values/s on one core)
 *   bench=profile_wide      100 numeric columns x 100,000 rows, row by row (a table's order)
 *   bench=profile_strings   5 x 10^6 strings from 1,000 categories
 *   bench=profile_csv       a 20-column CSV parsed and profiled end to end (includes parsing)
 *   bench=profile_size      serialized bytes per feature at the default k (goal: < 64 KiB):
 *                           numeric after 10^6 and 10^7 values, categorical worst case
 *                           (256 counters of 128-byte keys), a mixed column
 *   bench=drift_100x1e6     100 features (80 numeric, 20 categorical) x 1,000,000 rows per side:
 *                           time to profile both sides, then fl_drift_compare from the profiles
 *                           with the default selector, with ks and psi for every numeric feature,
 *                           and with adaptive thresholds over 10 reference chunks
 * Times are CPU seconds of this process (the machine is shared); wall seconds are printed too.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "ingest/table.h"
#include "monitor/drift.h"
#include "monitor/profile.h"

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
    return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static double normal(void)
{
    double u = unif(), v = unif();
    return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v);
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

#define OK(x)                                                                                      \
    do {                                                                                           \
        fl_err e_ = (x);                                                                           \
        if (e_) {                                                                                  \
            fprintf(stderr, "bench_profile: %s failed: %s\n", #x, fl_err_name(e_));                \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static struct fl_profile *new_profile(const char *feature)
{
    struct fl_profile_key k = {"", "", "", "", feature, 0};
    struct fl_profile *p = NULL;
    OK(fl_profile_new(NULL, &k, &p, NULL));
    return p;
}

static size_t ser_size(const struct fl_profile *p)
{
    struct fl_buf b;
    fl_buf_init(&b, 1u << 26);
    OK(fl_profile_serialize(p, &b));
    size_t n = b.len;
    fl_buf_cleanup(&b);
    return n;
}

static void bench_numbers(void)
{
    const size_t n = 10000000, chunk = 4096;
    double *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = normal() * 15 + 100;
    struct fl_profile *p = new_profile("x");
    double w0 = now_s(), c0 = cpu_s();
    for (size_t i = 0; i < n; i += chunk)
        OK(fl_profile_update_numbers(p, v + i, n - i < chunk ? n - i : chunk));
    double w = now_s() - w0, c = cpu_s() - c0;
    printf("bench=profile_numbers values=%zu values_per_s=%.0f cpu_values_per_s=%.0f "
           "ns_per_value=%.1f goal_values_per_s=10000000\n",
           n, (double)n / w, (double)n / c, c * 1e9 / (double)n);
    fl_profile_free(p);
    free(v);
}

static void bench_wide(void)
{
    const size_t cols = 100, rows = 100000;
    double *v = malloc(cols * rows * sizeof *v);
    for (size_t i = 0; i < cols * rows; i++)
        v[i] = normal() * (double)(i % cols + 1);
    struct fl_profile *p[100];
    char name[16];
    for (size_t j = 0; j < cols; j++) {
        snprintf(name, sizeof name, "f%zu", j);
        p[j] = new_profile(name);
    }
    double w0 = now_s(), c0 = cpu_s();
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++)
            OK(fl_profile_update_number(p[j], v[r * cols + j]));
    double w = now_s() - w0, c = cpu_s() - c0, n = (double)(cols * rows);
    printf("bench=profile_wide columns=%zu rows=%zu values_per_s=%.0f cpu_values_per_s=%.0f\n",
           cols, rows, n / w, n / c);
    for (size_t j = 0; j < cols; j++)
        fl_profile_free(p[j]);
    free(v);
}

static void bench_strings(void)
{
    const size_t n = 5000000, k = 1000;
    char(*keys)[16] = malloc(k * sizeof *keys);
    size_t *len = malloc(k * sizeof *len);
    uint32_t *pick = malloc(n * sizeof *pick);
    for (size_t i = 0; i < k; i++)
        len[i] = (size_t)snprintf(keys[i], sizeof keys[i], "cat-%05zu", i * 7919 % 100000);
    for (size_t i = 0; i < n; i++) /* skewed: low ids are frequent */
        pick[i] = (uint32_t)((double)k * unif() * unif());
    struct fl_profile *p = new_profile("s");
    double w0 = now_s(), c0 = cpu_s();
    for (size_t i = 0; i < n; i++)
        OK(fl_profile_update_string(p, keys[pick[i]], len[pick[i]]));
    double w = now_s() - w0, c = cpu_s() - c0;
    printf("bench=profile_strings values=%zu categories=%zu values_per_s=%.0f "
           "cpu_values_per_s=%.0f bytes=%zu\n",
           n, k, (double)n / w, (double)n / c, ser_size(p));
    fl_profile_free(p);
    free(keys);
    free(len);
    free(pick);
}

static void bench_csv(void)
{
    const size_t cols = 20, rows = 200000;
    struct fl_buf b;
    fl_buf_init(&b, 1u << 30);
    for (size_t j = 0; j < cols; j++)
        fl_buf_printf(&b, "%sc%zu", j ? "," : "", j);
    fl_buf_putc(&b, '\n');
    static const char *const cats[] = {"DE", "US", "FR", "GB", "IN", "BR"};
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < cols; j++) {
            if (j)
                fl_buf_putc(&b, ',');
            if (j % 5 == 4)
                fl_buf_puts(&b, cats[rnd() % 6]);
            else if (rnd() % 50 != 0)
                fl_buf_printf(&b, "%.4f", normal() * 10 + (double)j);
        }
        fl_buf_putc(&b, '\n');
    }
    OK(fl_buf_err(&b));
    struct fl_profile_set *s = NULL;
    struct fl_table *t = NULL;
    OK(fl_profile_set_new(NULL, &s));
    double w0 = now_s(), c0 = cpu_s();
    OK(fl_table_open_mem(b.data, b.len, "bench.csv", NULL, &t, NULL));
    OK(fl_profile_set_add_table(s, t, NULL, NULL));
    double w = now_s() - w0, c = cpu_s() - c0, n = (double)(cols * rows);
    printf("bench=profile_csv columns=%zu rows=%zu mb=%.1f values_per_s=%.0f "
           "cpu_values_per_s=%.0f mb_per_s=%.1f\n",
           cols, rows, (double)b.len / 1e6, n / w, n / c, (double)b.len / 1e6 / c);
    fl_table_free(t);
    fl_profile_set_free(s);
    fl_buf_cleanup(&b);
}

static void bench_size(void)
{
    struct fl_profile *p = new_profile("x");
    size_t at1 = 0;
    for (size_t i = 0; i < 10000000; i++) {
        OK(fl_profile_update_number(p, normal()));
        if (i + 1 == 1000000)
            at1 = ser_size(p);
    }
    size_t at10 = ser_size(p);
    fl_profile_free(p);
    /* Worst categorical case: every one of the 256 counters holds a 128-byte key. */
    struct fl_profile *s = new_profile("s");
    char key[200];
    for (size_t i = 0; i < 1000000; i++) {
        int n = snprintf(key, sizeof key, "%0128zu", (size_t)(rnd() % 256));
        OK(fl_profile_update_string(s, key, (size_t)n));
    }
    size_t cat = ser_size(s);
    fl_profile_free(s);
    /* A mixed column: numbers, strings (worst keys), bools and nulls. */
    struct fl_profile *m = new_profile("m");
    for (size_t i = 0; i < 2000000; i++) {
        if (i % 2) {
            OK(fl_profile_update_number(m, normal()));
        } else {
            int n = snprintf(key, sizeof key, "%0128zu", (size_t)(rnd() % 256));
            OK(fl_profile_update_string(m, key, (size_t)n));
        }
    }
    size_t mixed = ser_size(m);
    fl_profile_free(m);
    printf("bench=profile_size kll_k=%d numeric_1e6_bytes=%zu numeric_1e7_bytes=%zu "
           "categorical_worst_bytes=%zu mixed_worst_bytes=%zu goal_bytes=65536\n",
           FL_KLL_DEFAULT_K, at1, at10, cat, mixed);
}

#define FEATURES 100
#define NUMERIC 80
#define ROWS 1000000
#define CHUNKS 10

/* Profile one side: numeric feature j ~ N(j, 1 + j/50) (shifted by `shift` for every fifth
 * feature on the current side), categorical features over 12 categories. */
static struct fl_profile_set *build_side(int current, uint32_t chunks)
{
    struct fl_profile_set *s = NULL;
    OK(fl_profile_set_new(NULL, &s));
    static const char *const cats[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
    double *v = malloc(ROWS * sizeof *v);
    for (int j = 0; j < FEATURES; j++) {
        char name[16];
        snprintf(name, sizeof name, "f%03d", j);
        double shift = current && j % 5 == 0 ? 0.2 : 0;
        if (j < NUMERIC) {
            for (size_t i = 0; i < ROWS; i++)
                v[i] = (normal() + shift) * (1 + j / 50.0) + j;
        }
        for (uint32_t ch = 0; ch < chunks; ch++) {
            struct fl_profile_key k = {"", "", "", "", name, ch};
            struct fl_profile *p;
            OK(fl_profile_set_get(s, &k, true, &p, NULL));
            size_t lo = ROWS / chunks * ch, hi = ch + 1 == chunks ? ROWS : ROWS / chunks * (ch + 1);
            if (j < NUMERIC) {
                OK(fl_profile_update_numbers(p, v + lo, hi - lo));
            } else {
                for (size_t i = lo; i < hi; i++) {
                    double u = unif();
                    size_t c = (size_t)(12 * (current && j % 5 == 0 ? u : u * u));
                    OK(fl_profile_update_string(p, cats[c], 1));
                }
            }
        }
    }
    free(v);
    return s;
}

static void run_drift(const char *label, const struct fl_profile_set *r,
                      const struct fl_profile_set *c, struct fl_drift_opts *o)
{
    struct fl_drift_report *rep = NULL;
    double w0 = now_s(), c0 = cpu_s();
    OK(fl_drift_compare(r, c, o, &rep, NULL));
    double w = now_s() - w0, cs = cpu_s() - c0;
    printf("bench=drift_100x1e6 case=%s features=%zu drifted=%zu drift_s=%.3f wall_s=%.3f "
           "ms_per_feature=%.2f\n",
           label, rep->n_features, rep->n_drifted, cs, w, cs * 1000 / (double)rep->n_features);
    fl_drift_report_free(rep);
}

static void bench_drift(void)
{
    double w0 = now_s(), c0 = cpu_s();
    struct fl_profile_set *ref_chunks = build_side(0, CHUNKS);
    struct fl_profile_set *cur = build_side(1, 1);
    double w = now_s() - w0, c = cpu_s() - c0;
    struct fl_profile_set *ref = NULL;
    OK(fl_profile_set_select(ref_chunks, NULL, &ref, NULL));
    struct fl_buf b;
    fl_buf_init(&b, 1u << 30);
    OK(fl_profile_set_serialize(ref, &b));
    printf("bench=drift_100x1e6 case=profile_both_sides values=%d profile_s=%.2f wall_s=%.2f "
           "values_per_s=%.0f reference_profile_bytes=%zu\n",
           2 * FEATURES * ROWS, c, w, 2.0 * FEATURES * ROWS / c, b.len);
    fl_buf_cleanup(&b);
    struct fl_drift_opts o;
    fl_drift_opts_init(&o);
    run_drift("auto", ref, cur, &o);
    o.method = FL_DRIFT_KS;
    run_drift("ks", ref, cur, &o);
    o.method = FL_DRIFT_PSI;
    run_drift("psi", ref, cur, &o);
    o.method = FL_DRIFT_AUTO;
    o.adaptive = true;
    run_drift("auto_adaptive_10_chunks", ref_chunks, cur, &o);
    fl_drift_opts_cleanup(&o);
    fl_profile_set_free(ref_chunks);
    fl_profile_set_free(ref);
    fl_profile_set_free(cur);
}

int main(void)
{
    bench_numbers();
    bench_wide();
    bench_strings();
    bench_csv();
    bench_size();
    bench_drift();
    return 0;
}
