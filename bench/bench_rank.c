/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_rank.c: speed of `faultline rank` on a Sock Shop-shaped case (issue 5, item 9: a
 * 38-column, 600-row case in under 50 ms).
 *
 * The case: 38 metric columns named as the RCD Sock Shop data (13 containers x cpu and mem, 3
 * request rates, 9 latency quantiles) over 600 rows at 1 s; the first 300 rows normal, from row
 * 300 carts_cpu at 100 % (a CPU hog). Values come from a counter-based generator (splitmix64,
 * fixed seed) and are written as CSV text in memory, so the timed path is the command's own:
 * CSV parsing (ingest/table.c), the wide-table reader, the service mapping (prefix "_", strip
 * "-db"), and fl_rank_run with the RCAEval protocol's options (inject time at row 300, 300 rows
 * each side, direction up). Output formatting is not timed.
 * Figures, one machine-readable line each, best of 20 runs (wall clock; cpu_s is process CPU
 * time of the best run):
 *   bench=rank_38x600  parse + rank; goal_ms=50; top = the first component (must be carts)
 *   bench=rank_only    fl_rank_run alone on the parsed table
 *   bench=rank_many    fl_rank_run on 10,000 series x 480 points (2 hours at 15 s, the onset
 *                      at 1 hour; one series in 100 steps up), 100 components of 100 series:
 *                      the scale issue 5's investigation benchmark asks the engine to handle;
 *                      best of 3, with how many series it found significant
 * Usage: bench_rank
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "ingest/table.h"
#include "rca/rank.h"

#define ROWS 600
#define REPEAT 20
#define T0 1652812675

static const char *const CONTAINERS[] = {
    "carts",   "carts-db",     "catalogue", "catalogue-db", "front-end", "orders", "orders-db",
    "payment", "queue-master", "rabbitmq",  "shipping",     "user",      "user-db"};
static const char *const SERVICES[] = {"carts", "catalogue", "shipping"};

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

static double unit(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

/* The CSV text of the case; 38 metric columns after the time. */
static void make_csv(struct fl_buf *b)
{
    size_t nc = sizeof CONTAINERS / sizeof CONTAINERS[0];
    fl_buf_puts(b, "time");
    for (size_t c = 0; c < nc; c++)
        fl_buf_printf(b, ",%s_cpu", CONTAINERS[c]);
    for (size_t c = 0; c < nc; c++)
        fl_buf_printf(b, ",%s_mem", CONTAINERS[c]);
    for (size_t s = 0; s < 3; s++)
        fl_buf_printf(b, ",%s_lod", SERVICES[s]);
    for (int q = 0; q < 3; q++)
        for (size_t s = 0; s < 3; s++)
            fl_buf_printf(b, ",%s_lat_%d", SERVICES[s], q == 0 ? 50 : q == 1 ? 90 : 99);
    fl_buf_putc(b, '\n');
    for (uint64_t r = 0; r < ROWS; r++) {
        uint64_t k = 0;
        fl_buf_printf(b, "%llu", (unsigned long long)(T0 + r));
        for (size_t c = 0; c < nc; c++, k++) {
            double v = 1 + 2 * unit(k, r);
            if (c == 0 && r >= ROWS / 2)
                v = 99 + unit(k, r);
            fl_buf_printf(b, ",%.6f", v);
        }
        for (size_t c = 0; c < nc; c++, k++)
            fl_buf_printf(b, ",%.0f", 3e8 + 4096 * (double)(int)(8 * unit(k, r)));
        for (size_t s = 0; s < 12; s++, k++)
            fl_buf_printf(b, ",%.6f", 5 + unit(k, r));
        fl_buf_putc(b, '\n');
    }
}

static fl_err parse(const struct fl_buf *csv, struct fl_rank_table **rt)
{
    struct fl_table *t = NULL;
    fl_err e = fl_table_open_mem(csv->data, csv->len, "case.csv", NULL, &t, NULL);
    if (e == FL_OK)
        e = fl_rank_table_read(t, rt, NULL);
    fl_table_free(t);
    return e;
}

static fl_err rank(const struct fl_rank_table *rt, const struct fl_rank_map *m,
                   struct fl_rank_result **out)
{
    struct fl_rank_series s[64];
    struct fl_rank_opts o;
    fl_rank_opts_default(&o);
    o.onset_ms = (int64_t)(T0 + ROWS / 2) * 1000;
    o.direction = FL_RANK_UP;
    o.max_before = o.max_after = 300;
    o.map = m;
    for (size_t c = 0; c < rt->n_cols; c++)
        s[c] = (struct fl_rank_series){
            .name = rt->names[c], .ts_ms = rt->ts_ms, .v = rt->v + c * rt->n_rows, .n = rt->n_rows};
    return fl_rank_run(s, rt->n_cols, &o, out, NULL);
}

#define MANY 10000
#define MANY_POINTS 480

/* rank_many: arrays built directly (no CSV), then fl_rank_run timed alone. */
static int bench_many(void)
{
    int64_t *ts = fl_malloc(MANY_POINTS * sizeof *ts);
    double *v = fl_malloc((size_t)MANY * MANY_POINTS * sizeof *v);
    char(*names)[32] = fl_malloc(MANY * sizeof *names);
    struct fl_rank_series *s = fl_malloc(MANY * sizeof *s);
    struct fl_rank_map *m = NULL;
    if (!ts || !v || !names || !s || fl_rank_map_new("prefix:_", NULL, &m, NULL) != FL_OK)
        return 1;
    for (size_t i = 0; i < MANY_POINTS; i++)
        ts[i] = (int64_t)(T0 + 15 * i) * 1000;
    for (size_t k = 0; k < MANY; k++) {
        snprintf(names[k], sizeof names[k], "c%zu_m%zu", k / 100, k % 100);
        for (size_t i = 0; i < MANY_POINTS; i++)
            v[k * MANY_POINTS + i] =
                10 + unit(1000 + k, i) + (k % 100 == 7 && i >= MANY_POINTS / 2 ? 5 : 0);
        s[k] = (struct fl_rank_series){
            .name = names[k], .ts_ms = ts, .v = v + k * MANY_POINTS, .n = MANY_POINTS};
    }
    struct fl_rank_opts o;
    fl_rank_opts_default(&o);
    o.onset_ms = ts[MANY_POINTS / 2];
    o.map = m;
    double best = 1e9, best_cpu = 0;
    size_t sig = 0;
    for (int rep = 0; rep < 3; rep++) {
        struct fl_rank_result *r = NULL;
        double t0 = now_s(), c0 = cpu_s();
        fl_err e = fl_rank_run(s, MANY, &o, &r, NULL);
        double t1 = now_s(), c1 = cpu_s();
        if (e != FL_OK)
            return 1;
        if (t1 - t0 < best) {
            best = t1 - t0;
            best_cpu = c1 - c0;
        }
        sig = 0;
        for (size_t i = 0; i < r->n_series; i++)
            sig += r->series[i].significant;
        fl_rank_result_free(r);
    }
    printf("bench=rank_many series=%d points=%d wall_ms=%.1f cpu_ms=%.1f significant=%zu\n", MANY,
           MANY_POINTS, best * 1e3, best_cpu * 1e3, sig);
    fl_rank_map_free(m);
    fl_free(s);
    fl_free(names);
    fl_free(v);
    fl_free(ts);
    return 0;
}

int main(void)
{
    struct fl_buf csv;
    struct fl_rank_map *m = NULL;
    fl_buf_init(&csv, 1u << 26);
    make_csv(&csv);
    if (fl_buf_err(&csv) != FL_OK || fl_rank_map_new("prefix:_", "-db", &m, NULL) != FL_OK) {
        fprintf(stderr, "bench_rank: setup failed\n");
        return 1;
    }
    double best = 1e9, best_cpu = 0, best_rank = 1e9, best_rank_cpu = 0;
    char top[64] = "";
    size_t cols = 0;
    for (int i = 0; i < REPEAT; i++) {
        struct fl_rank_table *rt = NULL;
        struct fl_rank_result *r = NULL;
        double t0 = now_s(), c0 = cpu_s();
        fl_err e = parse(&csv, &rt);
        double t1 = now_s(), c1 = cpu_s();
        if (e == FL_OK)
            e = rank(rt, m, &r);
        double t2 = now_s(), c2 = cpu_s();
        if (e != FL_OK) {
            fprintf(stderr, "bench_rank: %s\n", fl_err_name(e));
            return 1;
        }
        if (t2 - t0 < best) {
            best = t2 - t0;
            best_cpu = c2 - c0;
        }
        if (t2 - t1 < best_rank) {
            best_rank = t2 - t1;
            best_rank_cpu = c2 - c1;
        }
        snprintf(top, sizeof top, "%s", r->components[0].name);
        cols = rt->n_cols;
        fl_rank_result_free(r);
        fl_rank_table_free(rt);
    }
    printf("bench=rank_38x600 columns=%zu rows=%d wall_ms=%.2f cpu_ms=%.2f goal_ms=50 top=%s\n",
           cols, ROWS, best * 1e3, best_cpu * 1e3, top);
    printf("bench=rank_only columns=%zu rows=%d wall_ms=%.2f cpu_ms=%.2f\n", cols, ROWS,
           best_rank * 1e3, best_rank_cpu * 1e3);
    fl_rank_map_free(m);
    fl_buf_cleanup(&csv);
    if (bench_many() != 0) {
        fprintf(stderr, "bench_rank: rank_many failed\n");
        return 1;
    }
    return 0;
}
