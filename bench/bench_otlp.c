/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_otlp.c: throughput of OTLP/HTTP JSON trace ingest.
 *
 * Generates (fixed seed) export requests of 1,000 spans each, shaped like what OpenTelemetry SDKs
 * send: 8 services as resources, traces of 10 spans with parent links, 8-12 attributes per span
 * (http.*, db.*, server.*, ML serving attributes, ints, bools, doubles), an exception event on
 * ~10% of spans and an error status on ~5%. Then:
 *   bench=otlp_parse        parse into a batch repeatedly (batch reset between requests)
 *   bench=otlp_ingest_store parse + fl_store_write of distinct requests into a temporary store
 * Each prints one machine-readable line. Usage: bench_otlp [seconds_per_figure (default 2) [parse|store [requests]]].
 * Build without the store with -DFL_BENCH_NO_STORE.
 */
#include <inttypes.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/record.h"
#include "ingest/otlp.h"
#ifndef FL_BENCH_NO_STORE
#include "store/store.h"
#endif

#define SPANS_PER_REQ 1000
#define SPANS_PER_TRACE 10
#define N_SERVICES 8
#define N_STORE_REQS 300 /* requests of 1,000 distinct spans (default; argv[3] changes it) */

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

/* CPU time of this process, user + system (the store's writes cost mostly system time). */
static double cpu_s(int sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const struct timeval *tv = sys ? &ru.ru_stime : &ru.ru_utime;
    return (double)tv->tv_sec + (double)tv->tv_usec * 1e-6;
}

static const char *const services[N_SERVICES] = {
    "frontend", "checkout", "cart", "payment", "recommendation", "postgres-proxy",
    "inference-gateway", "feature-store"};
static const char *const routes[] = {"/api/cart", "/api/checkout", "/api/products/{id}",
                                     "/api/recommendations", "/v1/predict", "/healthz"};
static const char *const methods[] = {"GET", "POST", "PUT"};
static const char *const statements[] = {
    "SELECT id, qty FROM cart_items WHERE user_id = $1",
    "UPDATE orders SET status = $1 WHERE id = $2",
    "INSERT INTO payments (order_id, amount) VALUES ($1, $2)"};

static void attr_str(struct fl_buf *o, int *n, const char *k, const char *v)
{
    fl_buf_printf(o, "%s{\"key\":\"%s\",\"value\":{\"stringValue\":\"%s\"}}", (*n)++ ? "," : "",
                  k, v);
}

static void attr_int(struct fl_buf *o, int *n, const char *k, long long v)
{
    fl_buf_printf(o, "%s{\"key\":\"%s\",\"value\":{\"intValue\":\"%lld\"}}", (*n)++ ? "," : "", k,
                  v);
}

static void attr_dbl(struct fl_buf *o, int *n, const char *k, double v)
{
    fl_buf_printf(o, "%s{\"key\":\"%s\",\"value\":{\"doubleValue\":%.6g}}", (*n)++ ? "," : "", k,
                  v);
}

static void attr_bool(struct fl_buf *o, int *n, const char *k, int v)
{
    fl_buf_printf(o, "%s{\"key\":\"%s\",\"value\":{\"boolValue\":%s}}", (*n)++ ? "," : "", k,
                  v ? "true" : "false");
}

static void gen_span(struct fl_buf *o, int svc, uint64_t trace_hi, uint64_t trace_lo,
                     uint64_t span_id, uint64_t parent_id, int64_t start_ns)
{
    int64_t dur = (int64_t)(rnd() % 50000000) + 100000;
    int kind = parent_id ? (int)(rnd() % 3) + 1 : 2;
    fl_buf_printf(o,
                  "{\"traceId\":\"%016" PRIx64 "%016" PRIx64 "\",\"spanId\":\"%016" PRIx64 "\","
                  "\"parentSpanId\":\"",
                  trace_hi, trace_lo, span_id);
    if (parent_id)
        fl_buf_printf(o, "%016" PRIx64, parent_id);
    const char *route = routes[rnd() % 6];
    const char *method = methods[rnd() % 3];
    fl_buf_printf(o, "\",\"flags\":1,\"name\":\"%s %s\",\"kind\":%d,\"startTimeUnixNano\":\"%" PRId64
                  "\",\"endTimeUnixNano\":\"%" PRId64 "\",\"attributes\":[",
                  method, route, kind, start_ns, start_ns + dur);
    int n = 0, want = 8 + (int)(rnd() % 5);
    attr_str(o, &n, "http.request.method", method);
    attr_str(o, &n, "http.route", route);
    attr_int(o, &n, "http.response.status_code", rnd() % 20 ? 200 : 503);
    attr_str(o, &n, "server.address", services[svc]);
    attr_int(o, &n, "server.port", 8080);
    attr_str(o, &n, "url.full", "https://shop.example.com/api/cart?user=12345&session=abcdef");
    attr_str(o, &n, "user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0");
    attr_int(o, &n, "thread.id", (long long)(rnd() % 64));
    if (n < want)
        attr_str(o, &n, "db.system", "postgresql");
    if (n < want)
        attr_str(o, &n, "db.statement", statements[rnd() % 3]);
    if (n < want)
        attr_dbl(o, &n, "ml.score", (double)(rnd() % 1000) / 1000.0);
    if (n < want)
        attr_bool(o, &n, "retry", (int)(rnd() % 2));
    fl_buf_puts(o, "],\"droppedAttributesCount\":0,\"events\":[");
    if (rnd() % 10 == 0)
        fl_buf_printf(o, "{\"timeUnixNano\":\"%" PRId64 "\",\"name\":\"exception\",\"attributes\":"
                      "[{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"TimeoutError\"}},"
                      "{\"key\":\"exception.message\",\"value\":{\"stringValue\":\"upstream "
                      "timed out after 2s\"}}]}",
                      start_ns + dur / 2);
    fl_buf_printf(o, "],\"status\":{\"code\":%d}}", rnd() % 20 ? 0 : 2);
}

/* One export request of SPANS_PER_REQ spans; spans of a service grouped in its resource. */
static void gen_request(struct fl_buf *o, uint64_t req_no)
{
    fl_buf_puts(o, "{\"resourceSpans\":[");
    int per_svc = SPANS_PER_REQ / N_SERVICES;
    int64_t base = 1764000000000000000LL + (int64_t)req_no * 1000000000LL;
    for (int s = 0; s < N_SERVICES; s++) {
        fl_buf_printf(o,
                      "%s{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":"
                      "{\"stringValue\":\"%s\"}},{\"key\":\"service.version\",\"value\":"
                      "{\"stringValue\":\"1.4.%d\"}},{\"key\":\"host.name\",\"value\":"
                      "{\"stringValue\":\"node-%d\"}},{\"key\":\"telemetry.sdk.language\","
                      "\"value\":{\"stringValue\":\"go\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":"
                      "\"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp\","
                      "\"version\":\"0.46.0\"},\"spans\":[",
                      s ? "," : "", services[s], s, s % 3);
        uint64_t hi = 0, lo = 0, parent = 0;
        for (int i = 0; i < per_svc; i++) {
            if (i % SPANS_PER_TRACE == 0) {
                hi = rnd();
                lo = rnd() | 1;
                parent = 0;
            }
            uint64_t id = rnd() | 1;
            if (i)
                fl_buf_putc(o, ',');
            gen_span(o, s, hi, lo, id, parent, base + i * 1000);
            parent = id;
        }
        fl_buf_puts(o, "]}]}");
    }
    fl_buf_puts(o, "]}");
}

static int bench_parse(const struct fl_buf *req, double seconds)
{
    struct fl_batch b;
    struct fl_otlp_result res;
    struct fl_diag d;
    if (fl_batch_init(&b, 0) != FL_OK)
        return 1;
    size_t spans = 0, bytes = 0;
    double t0 = now_s(), t;
    do {
        for (int k = 0; k < 10; k++) {
            fl_batch_reset(&b);
            fl_diag_init(&d);
            if (fl_otlp_json_to_batch(req->data, req->len, &b, &res, &d) != FL_OK ||
                res.accepted_spans != SPANS_PER_REQ - SPANS_PER_REQ % N_SERVICES) {
                fprintf(stderr, "bench_otlp: parse failed: %s %s\n", d.msg, res.error_message);
                fl_batch_cleanup(&b);
                return 1;
            }
            spans += res.accepted_spans;
            bytes += req->len;
        }
        t = now_s() - t0;
    } while (t < seconds);
    printf("bench=otlp_parse spans_per_s=%.0f mb_per_s=%.1f request_bytes=%zu spans_per_request=%zu\n",
           (double)spans / t, (double)bytes / t / 1e6, req->len, res.accepted_spans);
    fl_batch_cleanup(&b);
    return 0;
}

#ifndef FL_BENCH_NO_STORE
/* Remove the temporary store directory (flat: database, WAL and shm files). */
static void remove_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    char path[512];
    while (dp && (e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            fprintf(stderr, "bench_otlp: could not remove %s\n", path);
    }
    if (dp)
        closedir(dp);
    rmdir(dir);
}

static int bench_store(double seconds, int n_reqs)
{
    struct fl_buf req;
    struct fl_store *st = NULL;
    struct fl_store_opts opts;
    struct fl_batch b;
    struct fl_otlp_result res;
    struct fl_diag d;
    char dir[] = "/tmp/fl_bench_otlp_XXXXXX";
    int rc = 1, have_batch = 0, have_dir = 0;
    fl_buf_init(&req, 64u << 20);
    if (!mkdtemp(dir)) {
        perror("bench_otlp: mkdtemp");
        goto out;
    }
    have_dir = 1;
    fl_store_opts_default(&opts);
    opts.retention_ms = 3650LL * 86400000LL; /* keep the synthetic 2025 timestamps */
    fl_diag_init(&d);
    if (fl_store_open(dir, &opts, &st, &d) != FL_OK) {
        fprintf(stderr, "bench_otlp: store open: %s\n", d.msg);
        goto out;
    }
    if (fl_batch_init(&b, 0) != FL_OK)
        goto out;
    have_batch = 1;
    /* Requests are generated one at a time, outside the measured time and CPU; the last
     * LAST_REQS requests are also measured alone, to show the rate once the store is large. */
    enum { LAST_REQS = 300 };
    size_t spans = 0, last_spans = 0;
    double t = 0, t_parse = 0, user = 0, sys = 0, t_last = 0, c_last = 0;
    for (int i = 0; i < n_reqs && (i < 3 || t < seconds); i++) {
        fl_buf_reset(&req);
        gen_request(&req, 1000 + (uint64_t)i);
        fl_batch_reset(&b);
        fl_diag_init(&d);
        double t0 = now_s(), u0 = cpu_s(0), s0 = cpu_s(1);
        if (fl_otlp_json_to_batch(req.data, req.len, &b, &res, &d) != FL_OK) {
            fprintf(stderr, "bench_otlp: parse failed: %s\n", d.msg);
            goto out;
        }
        t_parse += now_s() - t0;
        if (fl_store_write(st, &b, &d) != FL_OK) {
            fprintf(stderr, "bench_otlp: store write failed: %s\n", d.msg);
            goto out;
        }
        double dt = now_s() - t0, du = cpu_s(0) - u0, ds = cpu_s(1) - s0;
        t += dt;
        user += du;
        sys += ds;
        spans += res.accepted_spans;
        if (i >= n_reqs - LAST_REQS) {
            t_last += dt;
            c_last += du + ds;
            last_spans += res.accepted_spans;
        }
    }
    struct fl_store_stats stats;
    uint64_t stored = fl_store_stats(st, &stats) == FL_OK ? stats.n_spans : 0;
    uint64_t bytes = stored ? stats.bytes : 0;
    printf("bench=otlp_ingest_store spans_per_s=%.0f spans_per_cpu_s=%.0f spans=%zu stored=%" PRIu64
           " parse_share=%.2f user_s=%.3f sys_s=%.3f batch_spans=%d store_bytes_per_span=%.0f",
           (double)spans / t, (double)spans / (user + sys), spans, stored, t_parse / t, user, sys,
           SPANS_PER_REQ, stored ? (double)bytes / (double)stored : 0.0);
    if (n_reqs > LAST_REQS && last_spans > 0)
        printf(" last_%d_spans_per_s=%.0f last_%d_spans_per_cpu_s=%.0f", LAST_REQS * SPANS_PER_REQ,
               (double)last_spans / t_last, LAST_REQS * SPANS_PER_REQ,
               (double)last_spans / c_last);
    printf("\n");
    rc = 0;
out:
    if (have_batch)
        fl_batch_cleanup(&b);
    fl_store_free(st);
    fl_buf_cleanup(&req);
    if (have_dir && !getenv("FL_BENCH_KEEP"))
        remove_dir(dir);
    else if (have_dir)
        fprintf(stderr, "bench_otlp: kept %s\n", dir);
    return rc;
}
#endif

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 2.0;
    const char *only = argc > 2 ? argv[2] : NULL; /* "parse" or "store": one figure only */
    int n_reqs = argc > 3 ? atoi(argv[3]) : N_STORE_REQS;
    if (!(seconds > 0))
        seconds = 2.0;
    struct fl_buf req;
    fl_buf_init(&req, 64u << 20);
    gen_request(&req, 0);
    if (fl_buf_err(&req) != FL_OK) {
        fprintf(stderr, "bench_otlp: cannot build the request\n");
        return 1;
    }
    int rc = only && !strcmp(only, "store") ? 0 : bench_parse(&req, seconds);
    fl_buf_cleanup(&req);
#ifndef FL_BENCH_NO_STORE
    if (rc == 0 && !(only && !strcmp(only, "parse")))
        rc = bench_store(seconds, n_reqs > 0 ? n_reqs : N_STORE_REQS);
#endif
    return rc;
}
