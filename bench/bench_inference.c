/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_inference.c: throughput of inference-log ingest (JSON Lines, src/ingest/inference.c).
 *
 * Generates (fixed seed) 100,000 rows shaped like a ranking model's request log: 20 features
 * (12 numeric, 5 categorical from small vocabularies, 2 often null, 1 with a feature-store status
 * object), 4 segments, a score or class prediction, a latency and a trace id. Then:
 *   bench=inference_parse         parse the whole input into a batch repeatedly (batch reset
 *                                 between passes); rows_per_s and mb_per_s
 *   bench=inference_ingest_store  parse + fl_store_write in chunks of 10,000 rows into a
 *                                 temporary store; also the CPU time per row of each part and
 *                                 the system time within the write
 * Each prints one machine-readable line. Usage: bench_inference [seconds_per_figure (default 2)].
 * Build without the store with -DFL_BENCH_NO_STORE.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/record.h"
#include "ingest/inference.h"
#ifndef FL_BENCH_NO_STORE
#include "store/store.h"
#endif

#define N_ROWS 100000
#define STORE_CHUNK 10000

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

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

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this process: on a shared machine it shows the single-core speed even when other
 * work steals the core (wall-clock figures are printed too). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#ifndef FL_BENCH_NO_STORE
/* System CPU time of this process: the store's share of it is mostly writing WAL pages. */
static double sys_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}
#endif

static const char *const countries[] = {"DE", "US", "FR", "GB", "IN", "BR", "JP", "ES"};
static const char *const platforms[] = {"ios", "android", "web"};
static const char *const devices[] = {"phone", "tablet", "desktop"};
static const char *const tiers[] = {"free", "plus", "pro"};
static const char *const langs[] = {"de", "en", "fr", "es", "pt", "ja"};
#define PICK(a) a[rnd() % (sizeof a / sizeof a[0])]

static void gen_row(struct fl_buf *o, size_t i, int64_t ts_ms)
{
    fl_buf_printf(o,
                  "{\"ts\":%" PRId64 ",\"request_id\":\"req-%08zu\",\"trace_id\":\"%016" PRIx64
                  "%016" PRIx64 "\",\"model\":\"ranker\",\"model_version\":\"v%d\",\"features\":{",
                  ts_ms, i, rnd() | 1, rnd(), i % 10 == 0 ? 8 : 7);
    static const char *const num[] = {"age",      "ctr_7d",   "ctr_30d",  "sessions_7d",
                                      "dwell_s",  "price",    "distance", "items_in_cart",
                                      "recency_h", "score_a", "score_b",  "embedding_norm"};
    for (size_t k = 0; k < 12; k++)
        fl_buf_printf(o, "\"%s\":%.6g,", num[k], unif() * (k == 0 ? 80 : 100));
    fl_buf_printf(o, "\"country\":\"%s\",\"device\":\"%s\",\"tier\":\"%s\",\"lang\":\"%s\","
                     "\"is_new\":%s,",
                  PICK(countries), PICK(devices), PICK(tiers), PICK(langs),
                  rnd() % 2 ? "true" : "false");
    fl_buf_printf(o, "\"coupon\":%s,\"last_query\":%s,", rnd() % 3 ? "null" : "0.5",
                  rnd() % 4 ? "null" : "\"shoes\"");
    if (rnd() % 20 == 0)
        fl_buf_puts(o, "\"user_ltv\":{\"status\":\"not_found\"}");
    else
        fl_buf_printf(o, "\"user_ltv\":{\"value\":%.4g,\"status\":\"%s\"}", unif() * 1000,
                      rnd() % 10 ? "present" : "outside_max_age");
    fl_buf_printf(o, "},\"segments\":{\"platform\":\"%s\",\"country\":\"%s\",\"app_version\":"
                     "\"5.%d\",\"experiment_arm\":\"%c\"},",
                  PICK(platforms), PICK(countries), (int)(rnd() % 4), rnd() % 2 ? 'A' : 'B');
    if (rnd() % 5 == 0)
        fl_buf_printf(o, "\"prediction\":{\"class\":\"click\",\"score\":%.6g}", unif());
    else
        fl_buf_printf(o, "\"prediction\":%.6g", unif());
    fl_buf_printf(o, ",\"latency_ms\":%.3g}\n", 5 + unif() * 40);
}

static int bench_parse(const struct fl_buf *in, double seconds)
{
    struct fl_batch b;
    struct fl_diag d;
    if (fl_batch_init(&b, 0) != FL_OK)
        return 1;
    size_t rows = 0, bytes = 0;
    double t0 = now_s(), c0 = cpu_s(), t;
    do {
        fl_batch_reset(&b);
        fl_diag_init(&d);
        if (fl_inference_jsonl_to_batch(in->data, in->len, NULL, &b, &d) != FL_OK ||
            b.n_inferences != N_ROWS) {
            fprintf(stderr, "bench_inference: parse failed at line %lu: %s\n", d.line, d.msg);
            fl_batch_cleanup(&b);
            return 1;
        }
        rows += N_ROWS;
        bytes += in->len;
        t = now_s() - t0;
    } while (t < seconds);
    double c = cpu_s() - c0;
    printf("bench=inference_parse rows_per_s=%.0f mb_per_s=%.1f cpu_rows_per_s=%.0f rows=%d "
           "bytes_per_row=%.0f features_per_row=20\n",
           (double)rows / t, (double)bytes / t / 1e6, (double)rows / c, N_ROWS,
           (double)in->len / N_ROWS);
    fl_batch_cleanup(&b);
    return 0;
}

#ifndef FL_BENCH_NO_STORE
/* Remove the temporary store directory (flat: database, WAL and shm files). */
static void remove_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    char path[4096];
    while (dp && (e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            fprintf(stderr, "bench_inference: could not remove %s\n", path);
    }
    if (dp)
        closedir(dp);
    rmdir(dir);
}

/* Offsets of every STORE_CHUNK-th line start, so chunks can be parsed independently. */
static size_t chunk_end(const struct fl_buf *in, size_t start)
{
    size_t lines = 0, i = start;
    while (i < in->len && lines < STORE_CHUNK) {
        const char *nl = memchr(in->data + i, '\n', in->len - i);
        i = nl ? (size_t)(nl - in->data) + 1 : in->len;
        lines++;
    }
    return i;
}

static int bench_store(const struct fl_buf *in, double seconds)
{
    char dir[] = "/tmp/fl-bench-inference-XXXXXX";
    struct fl_store *st = NULL;
    struct fl_store_opts opts;
    struct fl_batch b;
    struct fl_diag d;
    int rc = 1;
    if (!mkdtemp(dir)) {
        perror("bench_inference: mkdtemp");
        return 1;
    }
    fl_store_opts_default(&opts);
    opts.retention_ms = INT64_C(1000) * 86400 * 365 * 100;
    fl_diag_init(&d);
    if (fl_store_open(dir, &opts, &st, &d) != FL_OK) {
        fprintf(stderr, "bench_inference: store open: %s\n", d.msg);
        remove_dir(dir);
        return 1;
    }
    if (fl_batch_init(&b, 0) != FL_OK)
        goto out_store;
    size_t rows = 0, pos = 0;
    double t0 = now_s(), c0 = cpu_s(), t = 0, c_write = 0, s_write = 0;
    /* each pass over the input stores distinct request ids only once: stop at the input's end */
    while (pos < in->len && t < seconds) {
        size_t end = chunk_end(in, pos);
        fl_batch_reset(&b);
        fl_diag_init(&d);
        if (fl_inference_jsonl_to_batch(in->data + pos, end - pos, NULL, &b, &d) != FL_OK) {
            fprintf(stderr, "bench_inference: parse failed: %s\n", d.msg);
            goto out;
        }
        double cw = cpu_s(), sw = sys_s();
        if (fl_store_write(st, &b, &d) != FL_OK) {
            fprintf(stderr, "bench_inference: ingest failed: %s\n", d.msg);
            goto out;
        }
        c_write += cpu_s() - cw;
        s_write += sys_s() - sw;
        rows += b.n_inferences;
        pos = end;
        t = now_s() - t0;
    }
    double c_all = cpu_s() - c0;
    struct fl_store_stats stats;
    uint64_t stored = fl_store_stats(st, &stats) == FL_OK ? stats.n_inferences : 0;
    /* The split of the CPU time: the parse and the store's write (fl_store_write) per row, and
     * the system time within the write (getrusage, 1-4 ms resolution: a rough figure). */
    printf("bench=inference_ingest_store rows_per_s=%.0f cpu_rows_per_s=%.0f rows=%zu "
           "stored=%" PRIu64 " chunk_rows=%d parse_cpu_us_per_row=%.3f "
           "write_cpu_us_per_row=%.3f write_sys_us_per_row=%.3f\n",
           (double)rows / t, (double)rows / c_all, rows, stored, STORE_CHUNK,
           (c_all - c_write) * 1e6 / (double)rows, c_write * 1e6 / (double)rows,
           s_write * 1e6 / (double)rows);
    rc = 0;
out:
    fl_batch_cleanup(&b);
out_store:
    fl_store_free(st);
    if (!getenv("FL_BENCH_KEEP"))
        remove_dir(dir);
    return rc;
}
#endif

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    if (!(seconds > 0))
        seconds = 2.0;
    struct fl_buf in;
    fl_buf_init(&in, (size_t)1 << 30);
    int64_t ts = INT64_C(1764079500000);
    for (size_t i = 0; i < N_ROWS; i++)
        gen_row(&in, i, ts + (int64_t)i * 10);
    if (fl_buf_err(&in) != FL_OK) {
        fprintf(stderr, "bench_inference: cannot build the input\n");
        return 1;
    }
    int rc = bench_parse(&in, seconds);
#ifndef FL_BENCH_NO_STORE
    if (rc == 0)
        rc = bench_store(&in, seconds);
#endif
    fl_buf_cleanup(&in);
    return rc;
}
