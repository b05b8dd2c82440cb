/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_live.c: the cost of live ML monitoring in `faultline serve` (src/monitor/live.h).
 *
 *   bench=live_profile_cpu    CPU per inference record profiled (20 and 100 features)
 *   bench=live_close_window   closing a window: drift of 100 features vs the previous window
 *   bench=live_memory_kept    resident memory of 10 versions x 24 hourly windows x 100 features
 *                             of profiles, all kept (an upper bound: serve keeps fewer)
 *   bench=live_memory_serve   what the live monitor itself keeps for the same load (one open and
 *                             the previous window per version)
 *
 * Fixed seed. Usage: bench_live [records_per_window (default 1000)].
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/record.h"
#include "monitor/live.h"
#include "monitor/profile.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Resident set size of this process in KiB. */
static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long a = 0, b = 0;
    if (!f || fscanf(f, "%ld %ld", &a, &b) != 2)
        b = 0;
    if (f)
        fclose(f);
    return b * sysconf(_SC_PAGESIZE) / 1024;
}

static unsigned long long rng = 88172645463325252ULL;

static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

static const char *cats[] = {"DE", "FR", "IT", "ES", "NL", "BE", "PL", "SE"};

/* n records, nf features (every 5th categorical), ts in [t0, t0+span) */
static struct fl_inference *make(size_t n, int nf, int64_t t0, int64_t span, const char *ver,
                                 char names[][16])
{
    struct fl_inference *r = calloc(n, sizeof *r);
    struct fl_feature *f = calloc(n * nf, sizeof *f);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < nf; k++) {
            struct fl_feature *x = &f[i * nf + k];
            x->name = names[k];
            x->status = FL_FEAT_PRESENT;
            if (k % 5 == 4) {
                x->kind = FL_VAL_STRING;
                x->str = cats[(int)(urand() * 8)];
            } else {
                x->kind = FL_VAL_NUMBER;
                x->num = urand() * 100 + k;
            }
        }
        r[i].ts_ms = t0 + (int64_t)(urand() * span);
        r[i].request_id = "r";
        r[i].model = "m";
        r[i].model_version = ver;
        r[i].features = &f[i * nf];
        r[i].n_features = nf;
        r[i].pred_kind = FL_PRED_SCORE;
        r[i].score = urand();
        r[i].latency_ms = 0;
    }
    return r;
}

int main(int argc, char **argv)
{
    fl_log_set_level(FL_LOG_OFF);
    static char names[100][16];
    for (int k = 0; k < 100; k++)
        snprintf(names[k], 16, "f%02d", k);
    const int64_t T0 = 1800000000000LL, H = 3600000;
    /* 1. CPU per record, 20 features, one window */
    {
        size_t n = 200000;
        struct fl_inference *r = make(n, 20, T0, H, "v1", names);
        struct fl_live_opts o;
        fl_live_opts_default(&o);
        o.retention_ms = 0;
        struct fl_live *l;
        if (fl_live_new(&o, NULL, &l, NULL))
            return 1;
        double t = now_s();
        for (size_t i = 0; i < n; i += 1000)
            if (fl_live_add(l, r + i, 1000, NULL))
                return 2;
        double dt = now_s() - t;
        printf("bench=live_profile_cpu features=20 records=%zu ns_per_record=%.0f\n", n,
               dt / n * 1e9);
        t = now_s();
        if (fl_live_tick(l, T0 + 2 * H, NULL))
            return 3;
        printf("bench=live_close_window features=20 baseline=none ms=%.1f\n", (now_s() - t) * 1e3);
        fl_live_free(l);
    }
    /* 1b. with 100 features */
    {
        size_t n = 50000;
        struct fl_inference *r = make(n, 100, T0, H, "v1", names);
        struct fl_live_opts o;
        fl_live_opts_default(&o);
        o.retention_ms = 0;
        struct fl_live *l;
        if (fl_live_new(&o, NULL, &l, NULL))
            return 1;
        double t = now_s();
        for (size_t i = 0; i < n; i += 1000)
            if (fl_live_add(l, r + i, 1000, NULL))
                return 2;
        double dt = now_s() - t;
        printf("bench=live_profile_cpu features=100 records=%zu ns_per_record=%.0f\n", n,
               dt / n * 1e9);
        /* second window, then tick: drift vs previous window with 100 features */
        struct fl_inference *r2 = make(n, 100, T0 + H, H, "v1", names);
        for (size_t i = 0; i < n; i += 1000)
            if (fl_live_add(l, r2 + i, 1000, NULL))
                return 2;
        if (fl_live_tick(l, T0 + H + 61000, NULL))
            return 3;
        t = now_s();
        if (fl_live_tick(l, T0 + 2 * H + 61000, NULL))
            return 3;
        printf("bench=live_close_window features=100 rows=%zu baseline=previous_window ms=%.1f\n",
               n, (now_s() - t) * 1e3);
        fl_live_free(l);
    }
    /* 2. memory of 10 versions x 24 hourly windows x 100 features of profiles kept */
    {
        size_t per_window = argc > 1 ? (size_t)atol(argv[1]) : 1000;
        struct fl_profile_set *sets[240];
        struct fl_profile_inference_opts po = {H, NULL, NULL, 0};
        struct fl_inference *r = make(per_window, 100, T0, H, "v1", names);
        malloc_trim(0);
        long before = rss_kb();
        size_t ser = 0;
        for (int s = 0; s < 240; s++) {
            if (fl_profile_set_new(NULL, &sets[s]))
                return 4;
            for (size_t i = 0; i < per_window; i++) {
                r[i].ts_ms = T0 + (s % 24) * H + (int64_t)(i * (H / per_window));
                if (fl_profile_set_add_inference(sets[s], &r[i], &po, NULL))
                    return 5;
            }
        }
        long after = rss_kb();
        struct fl_buf b;
        fl_buf_init(&b, 1u << 30);
        for (int s = 0; s < 240; s++) {
            fl_buf_reset(&b);
            if (fl_profile_set_serialize(sets[s], &b))
                return 6;
            ser += b.len;
        }
        printf("bench=live_memory_kept windows=240 features=101 records_per_window=%zu "
               "rss_delta_MiB=%.1f per_window_KiB=%.0f per_column_KiB=%.2f "
               "serialized_per_window_KiB=%.0f\n",
               per_window, (after - before) / 1024.0, (after - before) / 240.0,
               (after - before) / 240.0 / 101, ser / 240.0 / 1024);
    }
    /* 3. what the live monitor itself keeps: 10 versions x 100 features, 24 hourly windows fed in
     * order (each closes; one open + the previous kept per version) */
    {
        size_t per_window = argc > 1 ? (size_t)atol(argv[1]) : 1000;
        static char vers[10][8];
        struct fl_live_opts o;
        fl_live_opts_default(&o);
        o.retention_ms = 0;
        o.window_ms = H;
        struct fl_live *l;
        if (fl_live_new(&o, NULL, &l, NULL))
            return 1;
        struct fl_inference *r = make(per_window, 100, T0, H, "v1", names);
        malloc_trim(0);
        long before = rss_kb();
        double t = now_s();
        for (int w = 0; w < 24; w++) {
            for (int v = 0; v < 10; v++) {
                snprintf(vers[v], 8, "v%d", v);
                for (size_t i = 0; i < per_window; i++) {
                    r[i].model_version = vers[v];
                    r[i].ts_ms = T0 + w * H + (int64_t)(i * (H / per_window));
                }
                if (fl_live_add(l, r, per_window, NULL))
                    return 7;
            }
            if (fl_live_tick(l, T0 + w * H + 61000, NULL))
                return 8; /* closes window w-1 */
        }
        long after = rss_kb();
        struct fl_live_stats st;
        fl_live_stats(l, &st);
        printf("bench=live_memory_serve versions=10 features=100 windows_fed=24 "
               "records_per_window=%zu closed=%llu open=%llu rss_delta_MiB=%.1f wall_s=%.1f\n",
               per_window, (unsigned long long)st.windows_closed,
               (unsigned long long)st.windows_open, (after - before) / 1024.0, now_s() - t);
        fl_live_free(l);
    }
    return 0;
}
