/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_prom.c: throughput of the Prometheus text exposition parser.
 *
 * The input is a realistic scrape of 100,000 samples, generated with a fixed seed (xorshift64):
 * counters with 2-5 labels (method, code, handler, pod, region), histograms of 10 buckets
 * (9 bounds + +Inf) with _sum and _count per label set, and gauges with 2-3 labels and
 * fractional values; every family with HELP and TYPE, a few timestamps, a few escaped values.
 *
 *   bench_prom                  generate in memory, print the figures
 *   bench_prom FILE             parse FILE instead
 *   bench_prom --write FILE     write the generated exposition to FILE and exit
 *
 * Figures (one machine-readable line each):
 *   bench=prom_parse     fl_prom_parse with a counting callback (no allocation per sample)
 *   bench=prom_to_batch  fl_prom_to_batch into a reset batch (series interning included)
 * Each runs for about `FL_BENCH_SECONDS` (default 2) seconds on one thread and prints wall-clock
 * and CPU-time rates (cpu_samples_per_s: this process's CPU time, which moves less than wall
 * clock on a shared machine).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/record.h"
#include "ingest/prom.h"

#define TARGET_SAMPLES 100000

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
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

static const char *const methods[] = {"GET", "POST", "PUT", "DELETE"};
static const char *const codes[] = {"200", "201", "400", "404", "500", "503"};
static const char *const handlers[] = {"/api/cart", "/api/checkout", "/api/products/{id}",
                                       "/v1/predict", "/healthz", "/metrics", "/api/users"};
static const char *const regions[] = {"eu-west-1", "us-east-1", "ap-south-1"};
static const double bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

#define PICK(a) (a)[rnd() % (sizeof(a) / sizeof((a)[0]))]

static size_t gen_counter(struct fl_buf *b, int fam)
{
    size_t n = 0;
    fl_buf_printf(b, "# HELP app_requests_%d_total Requests handled, by method and code.\n", fam);
    fl_buf_printf(b, "# TYPE app_requests_%d_total counter\n", fam);
    for (int i = 0; i < 40; i++) {
        /* method x code is unique for the first 24 series, pod for the rest: no duplicates. */
        fl_buf_printf(b, "app_requests_%d_total{method=\"%s\",code=\"%s\"", fam,
                      methods[i % 4], codes[(i / 4) % 6]);
        if (i >= 24)
            fl_buf_printf(b, ",pod=\"app-%05d\"", i);
        if (rnd() % 2)
            fl_buf_printf(b, ",handler=\"%s\"", PICK(handlers));
        if (rnd() % 3 == 0)
            fl_buf_printf(b, ",region=\"%s\"", PICK(regions));
        fl_buf_printf(b, "} %" PRIu64, rnd() % 10000000);
        if (rnd() % 50 == 0)
            fl_buf_printf(b, " %" PRIu64, 1700000000000 + rnd() % 1000000);
        fl_buf_putc(b, '\n');
        n++;
    }
    return n;
}

static size_t gen_histogram(struct fl_buf *b, int fam)
{
    size_t n = 0;
    fl_buf_printf(b, "# HELP app_latency_%d_seconds Request latency.\n", fam);
    fl_buf_printf(b, "# TYPE app_latency_%d_seconds histogram\n", fam);
    for (int i = 0; i < 6; i++) {
        const char *h = handlers[i % 7], *m = PICK(methods);
        uint64_t c = 0;
        for (size_t k = 0; k < sizeof bounds / sizeof bounds[0]; k++) {
            c += rnd() % 5000;
            fl_buf_printf(b, "app_latency_%d_seconds_bucket{handler=\"%s\",method=\"%s\",le=\"%g\"} "
                          "%" PRIu64 "\n", fam, h, m, bounds[k], c);
        }
        c += rnd() % 100;
        fl_buf_printf(b, "app_latency_%d_seconds_bucket{handler=\"%s\",method=\"%s\",le=\"+Inf\"} "
                      "%" PRIu64 "\n", fam, h, m, c);
        fl_buf_printf(b, "app_latency_%d_seconds_sum{handler=\"%s\",method=\"%s\"} %.6f\n", fam,
                      h, m, (double)c * 0.0731);
        fl_buf_printf(b, "app_latency_%d_seconds_count{handler=\"%s\",method=\"%s\"} %" PRIu64
                      "\n", fam, h, m, c);
        n += 12;
    }
    return n;
}

static size_t gen_gauge(struct fl_buf *b, int fam)
{
    size_t n = 0;
    fl_buf_printf(b, "# HELP app_queue_%d_depth Items waiting in a queue.\n", fam);
    fl_buf_printf(b, "# TYPE app_queue_%d_depth gauge\n", fam);
    for (int i = 0; i < 20; i++) {
        fl_buf_printf(b, "app_queue_%d_depth{queue=\"q%d\",region=\"%s\"", fam, i, PICK(regions));
        if (rnd() % 3 == 0)
            fl_buf_printf(b, ",note=\"a \\\"quoted\\\" path C:\\\\tmp\"");
        fl_buf_printf(b, "} %.4f\n", (double)(rnd() % 1000000) / 137.0);
        n++;
    }
    return n;
}

static size_t generate(struct fl_buf *b)
{
    size_t n = 0;
    int fam = 0;
    while (n < TARGET_SAMPLES) {
        switch (fam % 3) {
        case 0: n += gen_counter(b, fam); break;
        case 1: n += gen_histogram(b, fam); break;
        default: n += gen_gauge(b, fam); break;
        }
        fam++;
    }
    return n;
}

static fl_err count(const struct fl_prom_sample *s, void *ud)
{
    (void)s;
    (*(size_t *)ud)++;
    return FL_OK;
}

static double bench_seconds(void)
{
    const char *s = getenv("FL_BENCH_SECONDS");
    double v = s ? atof(s) : 2.0;
    return v > 0 ? v : 2.0;
}

static int read_file(const char *path, struct fl_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fl_buf_append(b, chunk, n);
    fclose(f);
    return fl_buf_err(b) ? -1 : 0;
}

int main(int argc, char **argv)
{
    struct fl_buf in;
    fl_buf_init(&in, 1u << 30);
    if (argc == 3 && strcmp(argv[1], "--write") == 0) {
        size_t n = generate(&in);
        FILE *f = fopen(argv[2], "wb");
        if (!f || fwrite(in.data, 1, in.len, f) != in.len || fclose(f) != 0) {
            fprintf(stderr, "bench_prom: cannot write %s\n", argv[2]);
            return 1;
        }
        fprintf(stderr, "bench_prom: wrote %zu samples, %zu bytes to %s\n", n, in.len, argv[2]);
        fl_buf_cleanup(&in);
        return 0;
    }
    if (argc == 2) {
        if (read_file(argv[1], &in) != 0) {
            fprintf(stderr, "bench_prom: cannot read %s\n", argv[1]);
            return 1;
        }
    } else {
        generate(&in);
    }
    struct fl_limits lim;
    fl_limits_default(&lim);
    lim.series_per_target = 1000000;
    struct fl_prom_parser *p = NULL;
    if (fl_prom_parser_new(&lim, &p) != FL_OK)
        return 1;
    double secs = bench_seconds();

    /* Parse with a counting callback. */
    size_t samples = 0, per_parse = 0;
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_prom_parse(p, in.data, in.len, FL_PROM_TEXT, count, NULL, &per_parse, &d) != FL_OK) {
        fprintf(stderr, "bench_prom: parse error at %lu:%lu: %s\n", d.line, d.column, d.msg);
        return 1;
    }
    int iters = 0;
    double t0 = now_s(), c0 = cpu_s(), t, c;
    do {
        if (fl_prom_parse(p, in.data, in.len, FL_PROM_TEXT, count, NULL, &samples, NULL) != FL_OK)
            return 1;
        iters++;
        t = now_s() - t0;
    } while (t < secs);
    c = cpu_s() - c0;
    printf("bench=prom_parse samples=%zu bytes=%zu iterations=%d samples_per_s=%.0f "
           "mb_per_s=%.1f cpu_samples_per_s=%.0f cpu_mb_per_s=%.1f\n", per_parse, in.len, iters,
           (double)samples / t, (double)in.len * iters / t / 1e6, (double)samples / c,
           (double)in.len * iters / c / 1e6);

    /* Parse into a batch (series interning, arena copies). */
    struct fl_batch b;
    if (fl_batch_init(&b, 0) != FL_OK)
        return 1;
    iters = 0;
    size_t n_batch = 0;
    t0 = now_s();
    c0 = cpu_s();
    do {
        fl_batch_reset(&b);
        size_t n = 0;
        fl_diag_init(&d);
        if (fl_prom_to_batch(p, in.data, in.len, FL_PROM_TEXT, 1700000000000, NULL, 0, &b, &n,
                             &d) != FL_OK) {
            fprintf(stderr, "bench_prom: to_batch: %s\n", d.msg);
            return 1;
        }
        n_batch += n;
        iters++;
        t = now_s() - t0;
    } while (t < secs);
    c = cpu_s() - c0;
    printf("bench=prom_to_batch samples=%zu series=%zu iterations=%d samples_per_s=%.0f "
           "cpu_samples_per_s=%.0f\n", per_parse, b.n_series, iters, (double)n_batch / t,
           (double)n_batch / c);
    fl_batch_cleanup(&b);
    fl_prom_parser_free(p);
    fl_buf_cleanup(&in);
    return 0;
}
