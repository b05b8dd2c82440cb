// SPDX-License-Identifier: Apache-2.0
/*
 * test_analyze.c: calls and network time (a known delay injected on one edge, under clock skew,
 * must come out exactly), untraced callees, asynchronous calls, retries (failed attempts,
 * resends, parallel identical calls that are not retries), the critical-path time in error,
 * timeout and retried spans, and allocation failures.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "tspan_fixtures.h"

#define MS 1000000LL
#define T0 1700000000000000000LL /* a realistic epoch in ns */

enum {
    GATEWAY = 1,
    FEATURE_STORE = 2,
    MODEL = 3,
    STRIPE = 4,
    REDIS = 5,
    OP_GET = 10,
    OP_SCORE = 11,
    OP_HANDLE = 12,
    OP_CHARGE = 13,
    OP_HGET = 14
};

static struct fl_arena arena;

static void setup(void)
{
    fl_arena_init(&arena, 0, 0);
}

static void teardown(void)
{
    fl_arena_cleanup(&arena);
}

TestSuite(analyze, .init = setup, .fini = teardown);

static struct fl_tspan_in span(uint64_t id, uint64_t parent, int64_t s, int64_t e, uint8_t kind,
                               uint32_t service, uint32_t name)
{
    struct fl_tspan_in x = tsp_kind(id, parent, s, e, kind, service);
    x.name = name;
    return x;
}

static struct fl_tspan_in with_peer(struct fl_tspan_in x, uint32_t peer, uint8_t kind)
{
    x.peer = peer;
    x.peer_kind = kind;
    return x;
}

static void run(struct fl_tspan_in *in, size_t n, struct fl_trace *t, struct fl_trace_analysis *an)
{
    cr_assert_eq(fl_trace_assemble("t", in, n, &arena, t), FL_OK);
    cr_assert_eq(fl_trace_critical_path(t, &arena, NULL, NULL), FL_OK);
    cr_assert_eq(fl_trace_analyze(t, &arena, an), FL_OK);
}

static const struct fl_trace_call *call_of(const struct fl_trace *t,
                                           const struct fl_trace_analysis *an, uint64_t client)
{
    for (size_t i = 0; i < an->n_calls; i++)
        if (t->spans[an->calls[i].client].span_id == client)
            return &an->calls[i];
    cr_assert_fail("no call for client span %llu", (unsigned long long)client);
    return NULL;
}

/*
 * gateway -> feature-store with 37 ms injected between them (on the wire: 20 ms out, 17 back),
 * and the feature store's clock 50 ms behind, so its server span starts "before" the client span
 * and is clipped. Network time uses the raw durations and must be exactly 37 ms. The other edges
 * have 2 ms (feature-store -> model) and no traced callee (Stripe, Redis).
 */
Test(analyze, injected_network_delay_is_measured_exactly)
{
    const int64_t skew = -50 * MS, delay_out = 20 * MS, delay_back = 17 * MS;
    const int64_t c_start = T0 + 10 * MS, c_end = T0 + 160 * MS;
    const int64_t s_start = c_start + delay_out + skew, s_end = c_end - delay_back + skew;
    struct fl_tspan_in in[] = {
        span(1, 0, T0, T0 + 200 * MS, FL_SPAN_SERVER, GATEWAY, OP_HANDLE),
        with_peer(span(2, 1, c_start, c_end, FL_SPAN_CLIENT, GATEWAY, OP_GET), FEATURE_STORE,
                  FL_PEER_SERVICE),
        span(3, 2, s_start, s_end, FL_SPAN_SERVER, FEATURE_STORE, OP_GET),
        span(4, 3, s_start + 5 * MS, s_start + 60 * MS, FL_SPAN_CLIENT, FEATURE_STORE, OP_SCORE),
        span(5, 4, s_start + 6 * MS, s_start + 59 * MS, FL_SPAN_SERVER, MODEL, OP_SCORE),
        with_peer(span(6, 3, s_start + 61 * MS, s_start + 70 * MS, FL_SPAN_CLIENT, FEATURE_STORE,
                       OP_HGET),
                  REDIS, FL_PEER_DATABASE),
        span(7, 1, T0 + 165 * MS, T0 + 195 * MS, FL_SPAN_CLIENT, GATEWAY, OP_CHARGE),
    };
    struct fl_trace t;
    struct fl_trace_analysis an;
    run(in, sizeof in / sizeof in[0], &t, &an);
    cr_assert(t.spans[tfind(&t, 3)].flags & FL_TSPAN_CLIPPED, "the skewed server span");
    cr_assert_eq(an.n_calls, 4);

    const struct fl_trace_call *c = call_of(&t, &an, 2);
    cr_assert_eq(c->caller, GATEWAY);
    cr_assert_eq(c->callee, FEATURE_STORE);
    cr_assert_eq(c->callee_kind, FL_PEER_SERVICE);
    cr_assert_eq(c->server, tfind(&t, 3));
    cr_assert_eq(c->duration_ns, 150 * MS);
    cr_assert_eq(c->network_ns, delay_out + delay_back, "injected delay: %lld ns",
                 (long long)c->network_ns);
    cr_assert_eq(c->cp_ns, t.spans[tfind(&t, 2)].cp_ns);
    cr_assert_gt(c->cp_ns, 0);

    c = call_of(&t, &an, 4);
    cr_assert_eq(c->caller, FEATURE_STORE);
    cr_assert_eq(c->callee, MODEL);
    cr_assert_eq(c->network_ns, 2 * MS);

    c = call_of(&t, &an, 6);
    cr_assert_eq(c->callee, REDIS);
    cr_assert_eq(c->callee_kind, FL_PEER_DATABASE);
    cr_assert_eq(c->server, FL_TRACE_NONE);
    cr_assert_eq(c->network_ns, -1);
    cr_assert_eq(c->duration_ns, 9 * MS);

    c = call_of(&t, &an, 7); /* no peer attributes: named by the span name */
    cr_assert_eq(c->callee, OP_CHARGE);
    cr_assert_eq(c->callee_kind, FL_PEER_NONE);
    cr_assert_eq(c->network_ns, -1);

    cr_assert_eq(an.n_errors + an.n_timeouts + an.n_retries, 0);
    cr_assert_eq(an.error_cp_ns + an.timeout_cp_ns + an.retried_cp_ns, 0);
}

Test(analyze, callee_matching_rules)
{
    struct fl_tspan_in in[] = {
        span(1, 0, 0, 1000, FL_SPAN_SERVER, GATEWAY, OP_HANDLE),
        /* A server child of the same service is not the callee (in-process instrumentation). */
        with_peer(span(2, 1, 10, 100, FL_SPAN_CLIENT, GATEWAY, OP_GET), STRIPE, FL_PEER_EXTERNAL),
        span(3, 2, 20, 90, FL_SPAN_SERVER, GATEWAY, OP_GET),
        /* The first matching child in start order wins; INTERNAL children are skipped. */
        span(4, 1, 110, 300, FL_SPAN_CLIENT, GATEWAY, OP_SCORE),
        span(5, 4, 115, 120, FL_SPAN_INTERNAL, MODEL, OP_SCORE),
        span(6, 4, 130, 250, FL_SPAN_SERVER, MODEL, OP_SCORE),
        span(7, 4, 260, 280, FL_SPAN_SERVER, FEATURE_STORE, OP_SCORE),
        /* The server outlived the client (skew in rate): network time is 0, not negative. */
        span(8, 1, 400, 450, FL_SPAN_CLIENT, GATEWAY, OP_HGET),
        span(9, 8, 400, 470, FL_SPAN_SERVER, REDIS, OP_HGET),
        /* Asynchronous: PRODUCER -> CONSUMER has a callee but no network time. */
        span(10, 1, 500, 510, FL_SPAN_PRODUCER, GATEWAY, OP_CHARGE),
        span(11, 10, 600, 900, FL_SPAN_CONSUMER, STRIPE, OP_CHARGE),
    };
    struct fl_trace t;
    struct fl_trace_analysis an;
    run(in, sizeof in / sizeof in[0], &t, &an);
    cr_assert_eq(an.n_calls, 4);
    const struct fl_trace_call *c = call_of(&t, &an, 2);
    cr_assert_eq(c->server, FL_TRACE_NONE);
    cr_assert_eq(c->callee, STRIPE);
    cr_assert_eq(c->callee_kind, FL_PEER_EXTERNAL);
    c = call_of(&t, &an, 4);
    cr_assert_eq(c->server, tfind(&t, 6));
    cr_assert_eq(c->callee, MODEL);
    cr_assert_eq(c->network_ns, 190 - 120);
    c = call_of(&t, &an, 8);
    cr_assert_eq(c->server, tfind(&t, 9));
    cr_assert_eq(c->network_ns, 0);
    c = call_of(&t, &an, 10);
    cr_assert_eq(c->server, tfind(&t, 11));
    cr_assert_eq(c->callee, STRIPE);
    cr_assert_eq(c->callee_kind, FL_PEER_SERVICE);
    cr_assert_eq(c->network_ns, -1);
    cr_assert_eq(c->duration_ns, 10);
}

/*
 * Under one server span: a1 failed, a2 timed out, a3 succeeded (two retries); b1/b2 ran in
 * parallel and both failed (not retries); c2 carries a resend count after c1 (a retry though c1
 * recorded no error); d1/d2 are sequential successes (pagination, not retries); e failed and f
 * is a different operation. Critical path of the root, by hand:
 *   [0,10) root, a1 [10,110) (s1 [20,100) inside), [110,120) root, a2 [120,220), [220,230) root,
 *   a3 [230,300), [300,410) root, b2 [410,510), [510,600) root, c1 [600,650), [650,660) root,
 *   c2 [660,700), [700,710) root, d1, [720,730) root, d2, [740,750) root, e [750,760),
 *   [760,770) root, f [770,780), [780,1000) root.
 */
Test(analyze, retries_errors_and_timeouts)
{
    struct fl_tspan_in in[] = {
        span(1, 0, 0, 1000, FL_SPAN_SERVER, GATEWAY, OP_HANDLE),
        span(10, 1, 10, 110, FL_SPAN_CLIENT, GATEWAY, OP_GET),
        span(11, 10, 20, 100, FL_SPAN_SERVER, FEATURE_STORE, OP_GET),
        span(12, 1, 120, 220, FL_SPAN_CLIENT, GATEWAY, OP_GET),
        span(13, 1, 230, 300, FL_SPAN_CLIENT, GATEWAY, OP_GET),
        span(20, 1, 400, 500, FL_SPAN_CLIENT, GATEWAY, OP_SCORE),
        span(21, 1, 410, 510, FL_SPAN_CLIENT, GATEWAY, OP_SCORE),
        span(30, 1, 600, 650, FL_SPAN_CLIENT, GATEWAY, OP_CHARGE),
        span(31, 1, 660, 700, FL_SPAN_CLIENT, GATEWAY, OP_CHARGE),
        span(40, 1, 710, 720, FL_SPAN_CLIENT, GATEWAY, OP_HGET),
        span(41, 1, 730, 740, FL_SPAN_CLIENT, GATEWAY, OP_HGET),
        span(50, 1, 750, 760, FL_SPAN_CLIENT, GATEWAY, 60),
        span(51, 1, 770, 780, FL_SPAN_CLIENT, GATEWAY, 61),
    };
    in[1].status = FL_STATUS_ERROR;
    in[2].status = FL_STATUS_ERROR; /* the server failed too: counted once in error_cp */
    in[3].timeout = 1;
    in[5].status = in[6].status = FL_STATUS_ERROR;
    in[8].resend = 1;
    in[11].exception = 1;
    struct fl_trace t;
    struct fl_trace_analysis an;
    run(in, sizeof in / sizeof in[0], &t, &an);
    const struct {
        uint64_t id;
        uint32_t flags;
    } want[] = {
        {10, FL_TSPAN_ERROR | FL_TSPAN_RETRIED},
        {11, FL_TSPAN_ERROR},
        {12, FL_TSPAN_TIMEOUT | FL_TSPAN_RETRY | FL_TSPAN_RETRIED},
        {13, FL_TSPAN_RETRY},
        {20, FL_TSPAN_ERROR},
        {21, FL_TSPAN_ERROR},
        {30, FL_TSPAN_RETRIED},
        {31, FL_TSPAN_RETRY},
        {40, 0},
        {41, 0},
        {50, FL_TSPAN_ERROR},
        {51, 0},
        {1, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_eq(t.spans[tfind(&t, want[i].id)].flags, want[i].flags, "span %llu",
                     (unsigned long long)want[i].id);
    cr_assert_eq(an.n_retries, 3);
    cr_assert_eq(an.n_errors, 5);
    cr_assert_eq(an.n_timeouts, 1);
    cr_assert_eq(t.spans[tfind(&t, 10)].cp_ns, 20);
    cr_assert_eq(t.spans[tfind(&t, 11)].cp_ns, 80);
    cr_assert_eq(an.retried_cp_ns, 100 + 100 + 50, "a1 (with s1), a2, c1");
    cr_assert_eq(an.error_cp_ns, 100 + 100 + 10, "a1 subtree once, b2, e; b1 is off the path");
    cr_assert_eq(an.timeout_cp_ns, 100);

    /* Analyzing again gives the same answer (flags are recomputed, not accumulated). */
    struct fl_trace_analysis again;
    cr_assert_eq(fl_trace_analyze(&t, &arena, &again), FL_OK);
    cr_assert_eq(again.n_retries, 3);
    cr_assert_eq(again.retried_cp_ns, an.retried_cp_ns);
}

Test(analyze, errors_propagating_to_the_root_explain_everything)
{
    struct fl_tspan_in in[] = {span(1, 0, 0, 100, FL_SPAN_SERVER, GATEWAY, OP_HANDLE),
                               span(2, 1, 10, 90, FL_SPAN_CLIENT, GATEWAY, OP_GET),
                               span(3, 2, 15, 85, FL_SPAN_SERVER, MODEL, OP_GET)};
    in[0].status = in[1].status = in[2].status = FL_STATUS_ERROR;
    in[2].timeout = 1;
    struct fl_trace t;
    struct fl_trace_analysis an;
    run(in, 3, &t, &an);
    cr_assert_eq(an.n_errors, 3);
    cr_assert_eq(an.error_cp_ns, 100);
    cr_assert_eq(an.timeout_cp_ns, 70);
    cr_assert_eq(an.calls[0].network_ns, 10);
}

/* Orphaned calls are siblings only when they lost the same parent. */
Test(analyze, orphan_retries_need_the_same_missing_parent)
{
    struct fl_tspan_in in[] = {span(1, 77, 0, 10, FL_SPAN_CLIENT, GATEWAY, OP_GET),
                               span(2, 88, 20, 30, FL_SPAN_CLIENT, GATEWAY, OP_GET),
                               span(3, 77, 40, 50, FL_SPAN_CLIENT, GATEWAY, OP_GET)};
    in[0].status = FL_STATUS_ERROR;
    in[1].status = FL_STATUS_ERROR;
    struct fl_trace t;
    struct fl_trace_analysis an;
    run(in, 3, &t, &an);
    cr_assert_eq(t.n_orphans, 3);
    cr_assert_eq(an.n_retries, 1);
    cr_assert_eq(t.spans[tfind(&t, 3)].flags & FL_TSPAN_RETRY, FL_TSPAN_RETRY);
    cr_assert_eq(t.spans[tfind(&t, 1)].flags & FL_TSPAN_RETRIED, FL_TSPAN_RETRIED);
    cr_assert_eq(t.spans[tfind(&t, 2)].flags & (FL_TSPAN_RETRY | FL_TSPAN_RETRIED), 0);
}

/* Many identical sequential failing calls (more than the qsort threshold and the look-back). */
Test(analyze, long_retry_chain)
{
    enum { N = 300 };
    static struct fl_tspan_in in[N + 1];
    in[0] = span(1, 0, 0, 100000, FL_SPAN_SERVER, GATEWAY, OP_HANDLE);
    for (int i = 0; i < N; i++) {
        in[i + 1] = span(100 + (uint64_t)i, 1, 10 + 300 * i, 10 + 300 * i + 250, FL_SPAN_CLIENT,
                         GATEWAY, OP_GET);
        in[i + 1].status = i < N - 1 ? FL_STATUS_ERROR : FL_STATUS_OK;
    }
    struct fl_trace t;
    struct fl_trace_analysis an;
    run(in, N + 1, &t, &an);
    cr_assert_eq(an.n_retries, N - 1);
    cr_assert_eq(an.retried_cp_ns, 250 * (N - 1));
    cr_assert_eq(an.n_calls, N);
}

Test(analyze, allocation_failures)
{
    struct fl_tspan_in in[40];
    in[0] = span(1, 0, 0, 10000, FL_SPAN_SERVER, GATEWAY, OP_HANDLE);
    for (int i = 1; i < 40; i++) {
        in[i] = span((uint64_t)i + 1, 1, 100 * i, 100 * i + 90, FL_SPAN_CLIENT, GATEWAY, OP_GET);
        in[i].status = i % 2 ? FL_STATUS_ERROR : FL_STATUS_OK;
    }
    int saw_ok = 0, saw_fail = 0;
    for (long n = 0; n < 50 && !saw_ok; n++) {
        struct fl_arena a;
        fl_arena_init(&a, 256, 0);
        struct fl_trace t;
        cr_assert_eq(fl_trace_assemble("t", in, 40, &a, &t), FL_OK);
        cr_assert_eq(fl_trace_critical_path(&t, &a, NULL, NULL), FL_OK);
        struct fl_trace_analysis an;
        fl_alloc_fail_after(n);
        fl_err e = fl_trace_analyze(&t, &a, &an);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            saw_ok = 1;
            cr_assert_eq(an.n_calls, 39);
            cr_assert_eq(an.n_retries, 19);
        } else {
            saw_fail = 1;
            cr_assert_eq(e, FL_ENOMEM, "n=%ld", n);
            cr_assert_eq(an.n_calls, 0);
            cr_assert_null(an.calls);
        }
        fl_arena_cleanup(&a);
    }
    cr_assert(saw_ok && saw_fail);
    struct fl_trace_analysis an;
    cr_assert_eq(fl_trace_analyze(NULL, &arena, &an), FL_EINVAL);
}
