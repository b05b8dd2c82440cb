/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_trace.c: spans per second through the trace core (src/trace: assemble.c, critpath.c,
 * analyze.c) on one thread; the goal (issue 4) is assembly plus critical path at >= 1 M spans/s
 * on one core.
 *
 * Input: 20,000 synthetic traces drawn once with a fixed seed (xorshift64), 5-30 spans each
 * (17.5 on average): a SERVER root; servers call other services (a CLIENT span with the
 * callee's SERVER span under it), a database or an external API (a CLIENT span with a peer), or
 * do INTERNAL work, sequentially or in parallel; 10 services, 40 operations. Messiness as in
 * production: 10% of server spans skewed by up to +-2 ms (clipped), 3% of traces lose a span
 * (orphans), 2% carry a duplicate span, some calls fail and are retried, and every trace's spans
 * come shuffled. Each figure cycles over the traces for about FL_BENCH_SECONDS (default 2), with
 * one arena reset per trace (as a window loader would do).
 *
 * Figures (one machine-readable line each; spans are input spans):
 *   bench=trace_assemble               fl_trace_assemble alone
 *   bench=trace_assemble_critpath      assemble + fl_trace_critical_path (cp_ns only)  <- the goal
 *   bench=trace_assemble_critpath_segs the same, also returning the segments
 *   bench=trace_full                   assemble + critical path + fl_trace_analyze; the analyze
 *                                      cost is the difference to trace_assemble_critpath
 *   bench=trace_span_facts             fl_trace_span_facts over eight typical attribute objects
 *                                      (HTTP server and client, gRPC, Redis, Kafka, internal
 *                                      spans; one with an exception event), as the loader calls
 *                                      it once per span
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/record.h"
#include "trace/trace.h"

#define N_TRACES 20000
#define MAX_SPANS 30
#define MS 1000000LL

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static int64_t rnd_range(int64_t lo, int64_t hi)
{
    return hi <= lo ? lo : lo + (int64_t)(rnd() % (uint64_t)(hi - lo));
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
    fprintf(stderr, "bench_trace: %s failed\n", what);
    exit(1);
}

/* One trace being generated. */
struct gen {
    struct fl_tspan_in *s;
    size_t n, target;
};

static struct fl_tspan_in *add(struct gen *g, uint64_t parent, uint8_t kind, uint32_t service,
                               int64_t start, int64_t end)
{
    struct fl_tspan_in *x = &g->s[g->n++];
    memset(x, 0, sizeof *x);
    x->span_id = rnd() | 1;
    x->parent_id = parent;
    x->kind = kind;
    x->service = service;
    x->name = 11 + (uint32_t)(rnd() % 40);
    x->status = FL_STATUS_UNSET;
    x->start_ns = start;
    x->end_ns = end;
    return x;
}

/* The work of a server span [start, end) of service svc: calls and internal work, recursively,
 * until the trace has its target size. */
static void serve(struct gen *g, uint64_t id, uint32_t svc, int64_t start, int64_t end, int depth)
{
    int64_t at = start + (end - start) / 20;
    int calls = 1 + (int)(rnd() % 4);
    bool parallel = rnd() % 3 == 0;
    for (int c = 0; c < calls && g->n + 2 <= g->target && at < end; c++) {
        int64_t len = (end - at) / (parallel ? 1 : calls - c + 1);
        int64_t cs = at, ce = at + len - len / 10;
        if (ce <= cs)
            break;
        unsigned what = (unsigned)(rnd() % 10);
        if (what < 6 && depth < 5) {
            /* A call to another traced service, maybe failing and retried once. */
            uint32_t callee = 1 + (svc + 1 + (uint32_t)(rnd() % 8)) % 10;
            struct fl_tspan_in *cl = add(g, id, FL_SPAN_CLIENT, svc, cs, ce);
            cl->peer = callee;
            cl->peer_kind = FL_PEER_SERVICE;
            int64_t skew = rnd() % 10 == 0 ? rnd_range(-2 * MS, 2 * MS) : 0;
            int64_t net = (ce - cs) / 10;
            struct fl_tspan_in *sv = add(g, cl->span_id, FL_SPAN_SERVER, callee,
                                         cs + net / 2 + skew, ce - net / 2 + skew);
            if (rnd() % 20 == 0 && g->n + 2 <= g->target) {
                cl->status = sv->status = FL_STATUS_ERROR;
                struct fl_tspan_in *re = add(g, id, FL_SPAN_CLIENT, svc, ce + 1, ce + 1 + len / 10);
                re->name = cl->name;
                re->peer = callee;
                re->peer_kind = FL_PEER_SERVICE;
                re->resend = 1;
            }
            serve(g, sv->span_id, callee, sv->start_ns, sv->end_ns, depth + 1);
        } else if (what < 8) {
            struct fl_tspan_in *db = add(g, id, FL_SPAN_CLIENT, svc, cs, ce);
            db->peer = 20 + (uint32_t)(rnd() % 3);
            db->peer_kind = FL_PEER_DATABASE;
            db->timeout = rnd() % 50 == 0;
        } else {
            add(g, id, FL_SPAN_INTERNAL, svc, cs, ce);
        }
        at = parallel ? at + len / 20 : ce + (end - ce) / 50;
    }
}

/* traces[i] = spans[off[i] .. off[i + 1]) */
static struct fl_tspan_in *spans;
static size_t off[N_TRACES + 1];

static void generate(void)
{
    spans = malloc((size_t)N_TRACES * (MAX_SPANS + 2) * sizeof *spans);
    if (!spans)
        die("malloc");
    size_t total = 0;
    int64_t t0 = 1700000000000000000LL;
    for (size_t i = 0; i < N_TRACES; i++) {
        struct gen g = {spans + total, 0, (size_t)rnd_range(5, MAX_SPANS + 1)};
        int64_t start = t0 + (int64_t)i * 10 * MS, dur = rnd_range(5 * MS, 300 * MS);
        struct fl_tspan_in *root = add(&g, 0, FL_SPAN_SERVER, 1, start, start + dur);
        while (g.n + 2 <= g.target) /* a root that did too little: more rounds of work */
            serve(&g, root->span_id, 1, start, start + dur, 0);
        if (rnd() % 100 < 3 && g.n > 2) { /* lose a span: its children become orphans */
            size_t lost = 1 + rnd() % (g.n - 1);
            g.s[lost] = g.s[g.n - 1];
            g.n--;
        }
        if (rnd() % 100 < 2) { /* a resent span */
            g.s[g.n] = g.s[rnd() % g.n];
            g.n++;
        }
        for (size_t k = g.n - 1; k > 0; k--) {
            size_t j = rnd() % (k + 1);
            struct fl_tspan_in tmp = g.s[k];
            g.s[k] = g.s[j];
            g.s[j] = tmp;
        }
        off[i] = total;
        total += g.n;
    }
    off[N_TRACES] = total;
}

enum what { ASSEMBLE, CRITPATH, CRITPATH_SEGS, FULL };

/* One pass over every trace; returns a checksum so nothing is optimized away. */
static int64_t pass(enum what w, struct fl_arena *a)
{
    int64_t sum = 0;
    for (size_t i = 0; i < N_TRACES; i++) {
        struct fl_trace t;
        if (fl_trace_assemble("bench", spans + off[i], off[i + 1] - off[i], a, &t))
            die("fl_trace_assemble");
        sum += (int64_t)t.n_spans;
        if (w >= CRITPATH) {
            struct fl_cp_seg *sg = NULL;
            size_t ns = 0;
            if (fl_trace_critical_path(&t, a, w == CRITPATH_SEGS ? &sg : NULL,
                                       w == CRITPATH_SEGS ? &ns : NULL))
                die("fl_trace_critical_path");
            sum += t.spans[0].cp_ns + (int64_t)ns;
        }
        if (w == FULL) {
            struct fl_trace_analysis an;
            if (fl_trace_analyze(&t, a, &an))
                die("fl_trace_analyze");
            sum += (int64_t)an.n_calls + an.retried_cp_ns;
        }
        fl_arena_reset(a);
    }
    return sum;
}

static void run(const char *name, enum what w)
{
    struct fl_arena a;
    fl_arena_init(&a, 65536, 0);
    pass(w, &a); /* warm-up */
    double secs = bench_seconds(), w0 = now_s(), c0 = cpu_s(), w1, c1;
    size_t rounds = 0;
    int64_t sum = 0;
    do {
        sum += pass(w, &a);
        rounds++;
        w1 = now_s();
    } while (w1 - w0 < secs);
    c1 = cpu_s();
    double n = (double)rounds * (double)off[N_TRACES];
    printf("bench=%s traces=%zu spans=%.0f spans_per_s=%.0f cpu_spans_per_s=%.0f "
           "ns_per_span=%.1f cpu_ns_per_span=%.1f traces_per_s=%.0f checksum=%lld\n",
           name, rounds * N_TRACES, n, n / (w1 - w0), n / (c1 - c0), (w1 - w0) * 1e9 / n,
           (c1 - c0) * 1e9 / n, (double)rounds * N_TRACES / (c1 - c0), (long long)sum);
    fflush(stdout);
    fl_arena_cleanup(&a);
}

/* Attribute objects as OpenTelemetry SDKs write them, ~100-200 bytes. */
static const struct {
    const char *attrs, *events, *status;
} FACTS_INPUT[] = {
    {"{\"http.request.method\":\"GET\",\"http.route\":\"/features/{id}\",\"url.scheme\":"
     "\"http\",\"http.response.status_code\":200,\"network.protocol.version\":\"1.1\"}",
     NULL, ""},
    {"{\"http.request.method\":\"GET\",\"url.full\":\"http://feature-store:8080/features/"
     "8812\",\"server.address\":\"feature-store\",\"server.port\":8080,"
     "\"http.response.status_code\":200}",
     NULL, ""},
    {"{\"rpc.system\":\"grpc\",\"rpc.service\":\"fraud.v1.Model\",\"rpc.method\":\"Score\","
     "\"rpc.grpc.status_code\":0,\"server.address\":\"model-server\"}",
     NULL, ""},
    {"{\"db.system\":\"redis\",\"db.operation.name\":\"HGETALL\",\"server.address\":"
     "\"cache-1\",\"server.port\":6379}",
     NULL, ""},
    {"{\"messaging.system\":\"kafka\",\"messaging.destination.name\":\"scores\","
     "\"messaging.operation.type\":\"publish\",\"messaging.kafka.message.key\":\"u-17\"}",
     NULL, ""},
    {"{\"model.name\":\"fraud\",\"model.version\":\"v7\",\"batch.size\":32,\"thread.name\":"
     "\"worker-3\",\"code.function\":\"predict\"}",
     NULL, ""},
    {"{\"feature.count\":48,\"cache.hit\":true,\"thread.id\":12,\"code.namespace\":"
     "\"features.lookup\"}",
     NULL, ""},
    {"{\"http.request.method\":\"POST\",\"url.full\":\"http://model-server:9000/score\","
     "\"http.response.status_code\":504,\"http.request.resend_count\":1}",
     "[{\"time_ns\":\"1700000000123000000\",\"name\":\"exception\",\"attrs\":{"
     "\"exception.type\":\"TimeoutError\",\"exception.message\":\"upstream timed out\"}}]",
     "Gateway Timeout"},
};

static void run_facts(void)
{
    enum { N_IN = sizeof FACTS_INPUT / sizeof FACTS_INPUT[0] };
    size_t alen[N_IN], elen[N_IN];
    for (size_t k = 0; k < N_IN; k++) {
        alen[k] = strlen(FACTS_INPUT[k].attrs);
        elen[k] = FACTS_INPUT[k].events ? strlen(FACTS_INPUT[k].events) : 0;
    }
    struct fl_arena a;
    fl_arena_init(&a, 4096, 0);
    double secs = bench_seconds(), w0 = now_s(), c0 = cpu_s(), w1, c1;
    size_t n = 0, found = 0;
    do {
        for (int r = 0; r < 10000; r++)
            for (size_t k = 0; k < N_IN; k++) {
                struct fl_span_facts f;
                if (fl_trace_span_facts(FACTS_INPUT[k].attrs, alen[k], FACTS_INPUT[k].events,
                                        elen[k], FACTS_INPUT[k].status, &a, &f))
                    die("fl_trace_span_facts");
                found += f.peer_len + f.timeout + f.exception;
                fl_arena_reset(&a);
            }
        n += 10000 * N_IN;
        w1 = now_s();
    } while (w1 - w0 < secs);
    c1 = cpu_s();
    printf("bench=trace_span_facts spans=%zu spans_per_s=%.0f cpu_spans_per_s=%.0f "
           "cpu_ns_per_span=%.1f checksum=%zu\n",
           n, (double)n / (w1 - w0), (double)n / (c1 - c0), (c1 - c0) * 1e9 / (double)n, found);
    fl_arena_cleanup(&a);
}

int main(void)
{
    generate();
    /* What the input looks like, once. */
    struct fl_arena a;
    fl_arena_init(&a, 65536, 0);
    size_t orphans = 0, clipped = 0, dups = 0, outside = 0;
    for (size_t i = 0; i < N_TRACES; i++) {
        struct fl_trace t;
        if (fl_trace_assemble("bench", spans + off[i], off[i + 1] - off[i], &a, &t))
            die("fl_trace_assemble");
        orphans += t.n_orphans;
        clipped += t.n_clipped;
        dups += t.n_duplicates;
        for (size_t k = 0; k < t.n_spans; k++)
            outside += (t.spans[k].flags & FL_TSPAN_OUTSIDE) != 0;
        fl_arena_reset(&a);
    }
    fl_arena_cleanup(&a);
    printf("bench=trace_input traces=%d spans=%zu spans_per_trace=%.1f orphans=%zu clipped=%zu "
           "outside=%zu duplicates=%zu\n",
           N_TRACES, off[N_TRACES], (double)off[N_TRACES] / N_TRACES, orphans, clipped, outside,
           dups);
    run("trace_assemble", ASSEMBLE);
    run("trace_assemble_critpath", CRITPATH);
    run("trace_assemble_critpath_segs", CRITPATH_SEGS);
    run("trace_full", FULL);
    run_facts();
    free(spans);
    return 0;
}
