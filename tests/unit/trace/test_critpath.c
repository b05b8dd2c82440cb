// SPDX-License-Identifier: Apache-2.0
/*
 * test_critpath.c: critical paths of hand-built traces with known answers. The first nine are
 * jaeger-ui's fixtures (packages/jaeger-ui/src/components/TracePage/CriticalPath/testCases/
 * test1..test9.js, Apache-2.0) with their expected sections in time order; span ids are letters.
 * Then what we do differently on purpose (back-to-back children, ties), clock skew, orphans,
 * duplicates and pieces, a deep chain (iterative walk), random traces against the invariants, and
 * allocation failures.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "tspan_fixtures.h"

#define MAXS 12

struct seg_want {
    uint64_t id; /* 0: the synthetic root */
    int64_t start, end;
};

struct cp_case {
    const char *name;
    size_t n;
    struct fl_tspan_in in[MAXS];
    size_t n_segs;
    struct seg_want segs[MAXS];
};

enum { A = 'A', B, C, D, E, F, G, H, X = 'X' };

/* Jaeger's test5 uses a FOLLOWS_FROM reference; OTLP's form is a CONSUMER child of a PRODUCER. */
static struct fl_tspan_in kinded(struct fl_tspan_in s, uint8_t kind)
{
    s.kind = kind;
    return s;
}

static void run_case(const struct cp_case *c)
{
    struct fl_arena a;
    fl_arena_init(&a, 0, 0);
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("t", c->in, c->n, &a, &t), FL_OK, "%s", c->name);
    tcheck_tree(&t);
    struct fl_cp_seg *sg = NULL;
    size_t ns = 0;
    cr_assert_eq(fl_trace_critical_path(&t, &a, &sg, &ns), FL_OK, "%s", c->name);
    cr_assert_eq(ns, c->n_segs, "%s: %zu segments", c->name, ns);
    for (size_t k = 0; k < ns; k++) {
        const struct fl_tspan *s = &t.spans[sg[k].span];
        uint64_t id = (s->flags & FL_TSPAN_SYNTHETIC) ? 0 : s->span_id;
        cr_assert_eq(id, c->segs[k].id, "%s seg %zu: span %c", c->name, k, (char)id);
        cr_assert_eq(sg[k].start_ns, c->segs[k].start, "%s seg %zu start", c->name, k);
        cr_assert_eq(sg[k].end_ns, c->segs[k].end, "%s seg %zu end", c->name, k);
    }
    tcheck_cp(&t, sg, ns);
    /* Without segments: the same cp_ns. */
    int64_t cp[MAXS + 1];
    for (size_t i = 0; i < t.n_spans; i++)
        cp[i] = t.spans[i].cp_ns;
    cr_assert_eq(fl_trace_critical_path(&t, &a, NULL, NULL), FL_OK);
    for (size_t i = 0; i < t.n_spans; i++)
        cr_assert_eq(t.spans[i].cp_ns, cp[i], "%s span %zu", c->name, i);
    fl_arena_cleanup(&a);
}

Test(critpath, jaeger_ui_fixtures)
{
    const struct cp_case cases[] = {
        {"test1: two sequential children",
         3,
         {tsp(E, C, 50, 60), tsp(C, 0, 1, 101), tsp(D, C, 20, 40)},
         5,
         {{C, 1, 20}, {D, 20, 40}, {C, 40, 50}, {E, 50, 60}, {C, 60, 101}}},
        {"test2: overlapping children, the later-finishing one wins",
         3,
         {tsp(X, 0, 1, 101), tsp(A, X, 10, 50), tsp(C, X, 20, 60)},
         3,
         {{X, 1, 20}, {C, 20, 60}, {X, 60, 101}}},
        {"test3: child starting after the parent ended is dropped",
         2,
         {tsp(A, 0, 100, 140), tsp(B, A, 150, 200)},
         1,
         {{A, 100, 140}}},
        {"test4: dropped child takes its descendants along",
         3,
         {tsp(A, 0, 1, 31), tsp(B, A, 40, 80), tsp(C, B, 50, 60)},
         1,
         {{A, 1, 31}}},
        {"test5: FOLLOWS_FROM (async consumer) child is not critical",
         2,
         {kinded(tsp(A, 0, 1, 31), FL_SPAN_PRODUCER), kinded(tsp(B, A, 10, 20), FL_SPAN_CONSUMER)},
         1,
         {{A, 1, 31}}},
        {"test6: child ends after parent, grandchild starts before its parent",
         3,
         {tsp(A, 0, 1, 30), tsp(B, A, 15, 35), tsp(C, B, 10, 25)},
         3,
         {{A, 1, 15}, {C, 15, 25}, {B, 25, 30}}},
        {"test7: clipping uses the parent's clipped interval",
         3,
         {tsp(A, 0, 1, 30), tsp(B, A, 15, 35), tsp(C, B, 20, 40)},
         3,
         {{A, 1, 15}, {B, 15, 20}, {C, 20, 30}}},
        {"test8: child wider than its parent on both sides",
         2,
         {tsp(A, 0, 10, 30), tsp(B, A, 5, 35)},
         1,
         {{B, 10, 30}}},
        {"test9: child wholly before its parent is dropped",
         2,
         {tsp(A, 0, 10, 30), tsp(B, A, 1, 5)},
         1,
         {{A, 10, 30}}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

Test(critpath, our_choices_and_harder_shapes)
{
    const struct cp_case cases[] = {
        {"back-to-back children are both critical (Jaeger: strict <, gives A's time to P)",
         3,
         {tsp(X, 0, 0, 20), tsp(A, X, 0, 10), tsp(B, X, 10, 20)},
         2,
         {{A, 0, 10}, {B, 10, 20}}},
        {"equal ends: the earlier-starting child is taken",
         3,
         {tsp(X, 0, 0, 20), tsp(A, X, 5, 15), tsp(B, X, 2, 15)},
         3,
         {{X, 0, 2}, {B, 2, 15}, {X, 15, 20}}},
        {"zero-length child inside: parent pieces are merged",
         2,
         {tsp(X, 0, 0, 20), tsp(A, X, 10, 10)},
         1,
         {{X, 0, 20}}},
        {"zero-length chain at the parent's end (found by fuzz_trace_assemble)",
         4,
         {tsp(X, 0, 0, 10), tsp(A, X, 10, 10), tsp(B, A, 10, 10), tsp(C, B, 10, 10)},
         1,
         {{X, 0, 10}}},
        {"fan-out with a nested chain",
         7,
         {tsp(X, 0, 0, 100), tsp(A, X, 5, 30), tsp(B, X, 10, 90), tsp(C, B, 15, 50),
          tsp(D, B, 55, 85), tsp(E, D, 60, 70), tsp(F, X, 92, 97)},
         11,
         {{X, 0, 10},
          {B, 10, 15},
          {C, 15, 50},
          {B, 50, 55},
          {D, 55, 60},
          {E, 60, 70},
          {D, 70, 85},
          {B, 85, 90},
          {X, 90, 92},
          {F, 92, 97},
          {X, 97, 100}}},
        {"orphans under the synthetic root",
         4,
         {tsp(A, 0, 0, 50), tsp(B, A, 10, 40), tsp(C, 999, 45, 80), tsp(D, C, 50, 60)},
         4,
         /* A overlaps C's start, so it is not before C: the root's time stays unexplained. */
         {{0, 0, 45}, {C, 45, 50}, {D, 50, 60}, {C, 60, 80}}},
        {"orphans under the synthetic root, one after the other",
         4,
         {tsp(A, 0, 0, 40), tsp(B, A, 10, 40), tsp(C, 999, 45, 80), tsp(D, C, 50, 60)},
         6,
         {{A, 0, 10}, {B, 10, 40}, {0, 40, 45}, {C, 45, 50}, {D, 50, 60}, {C, 60, 80}}},
        {"server span skewed before its client: clipped, still critical",
         3,
         {tsp_kind(X, 0, 1000, 2000, FL_SPAN_SERVER, 1),
          tsp_kind(A, X, 1100, 1900, FL_SPAN_CLIENT, 1),
          tsp_kind(B, A, 1050, 1850, FL_SPAN_SERVER, 2)},
         4,
         {{X, 1000, 1100}, {B, 1100, 1850}, {A, 1850, 1900}, {X, 1900, 2000}}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* Assembly order must not matter: the same spans in every rotation and reversed, and split into
 * overlapping pieces (duplicates), give the same critical path. */
Test(critpath, any_order_and_pieces_give_the_same_path)
{
    struct fl_tspan_in base[] = {tsp(X, 0, 0, 100), tsp(A, X, 5, 30),  tsp(B, X, 10, 90),
                                 tsp(C, B, 15, 50), tsp(D, B, 55, 85), tsp(E, D, 60, 70),
                                 tsp(F, X, 92, 97)};
    size_t n = sizeof base / sizeof base[0];
    int64_t want[8] = {0};
    struct fl_arena a;
    fl_arena_init(&a, 0, 0);
    for (int variant = 0; variant < (int)(2 * n + 1); variant++) {
        struct fl_tspan_in in[32];
        size_t m = 0;
        if (variant < (int)n) {
            for (size_t i = 0; i < n; i++)
                in[m++] = base[(i + (size_t)variant) % n];
        } else if (variant < (int)(2 * n)) {
            for (size_t i = n; i-- > 0;)
                in[m++] = base[(i + (size_t)variant) % n];
        } else {
            /* Three pieces of a stream that re-sends what it had: 0..3, 2..5, 4..6, 0. */
            for (size_t i = 0; i <= 3; i++)
                in[m++] = base[i];
            for (size_t i = 2; i <= 5; i++)
                in[m++] = base[i];
            for (size_t i = 4; i <= 6; i++)
                in[m++] = base[i];
            in[m++] = base[0];
        }
        struct fl_trace t;
        cr_assert_eq(fl_trace_assemble("t", in, m, &a, &t), FL_OK);
        cr_assert_eq(t.n_spans, n);
        cr_assert_eq(t.n_duplicates, m - n);
        cr_assert_eq(fl_trace_critical_path(&t, &a, NULL, NULL), FL_OK);
        for (size_t i = 0; i < n; i++) {
            uint32_t k = tfind(&t, base[i].span_id);
            cr_assert_neq(k, FL_TRACE_NONE);
            if (variant == 0)
                want[i] = t.spans[k].cp_ns;
            cr_assert_eq(t.spans[k].cp_ns, want[i], "variant %d span %zu", variant, i);
        }
        fl_arena_reset(&a);
    }
    /* The known answer (fan-out case above). */
    cr_assert_eq(want[0], 10 + 2 + 3); /* X */
    cr_assert_eq(want[2], 5 + 5 + 5);  /* B */
    cr_assert_eq(want[4], 5 + 15);     /* D */
    cr_assert_eq(want[1], 0);          /* A is never critical */
    fl_arena_cleanup(&a);
}

/* A chain 200,000 deep: a recursive walk would overflow the stack. Each span i covers [i, 2N-i),
 * so every span owns its first and last nanosecond and the deepest owns the middle two. */
Test(critpath, deep_chain_is_walked_iteratively)
{
    const size_t N = 200000;
    struct fl_tspan_in *in = malloc(N * sizeof *in);
    cr_assert_not_null(in);
    for (size_t i = 0; i < N; i++)
        in[i] = tsp(i + 1, i, (int64_t)i, (int64_t)(2 * N - i));
    struct fl_arena a;
    fl_arena_init(&a, 0, 0);
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("deep", in, N, &a, &t), FL_OK);
    cr_assert_eq(t.n_spans, N);
    struct fl_cp_seg *sg;
    size_t ns;
    cr_assert_eq(fl_trace_critical_path(&t, &a, &sg, &ns), FL_OK);
    cr_assert_eq(ns, 2 * N - 1);
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(t.spans[i].cp_ns, 2, "span %zu", i);
    tcheck_cp(&t, sg, ns);
    fl_arena_cleanup(&a);
    free(in);
}

static uint64_t rng_state = 0x243f6a8885a308d3ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random trees with skew, orphans, duplicates, outside children and async followers: the
 * invariants hold (segments tile the root, cp_ns add up). */
Test(critpath, random_traces_keep_the_invariants)
{
    struct fl_arena a;
    fl_arena_init(&a, 0, 0);
    for (int trial = 0; trial < 2000; trial++) {
        size_t n = 1 + rnd() % (trial < 1900 ? 40 : 3000);
        struct fl_tspan_in *in = malloc(n * sizeof *in);
        cr_assert_not_null(in);
        for (size_t i = 0; i < n; i++) {
            uint64_t parent = i == 0 ? 0 : 1 + rnd() % i;
            if (rnd() % 20 == 0)
                parent = 100000 + rnd() % 5; /* missing */
            if (rnd() % 50 == 0)
                parent = 1 + rnd() % n; /* anything, cycles included */
            int64_t s = (int64_t)(rnd() % 1000), d = (int64_t)(rnd() % 300);
            in[i] = tsp_kind(rnd() % 30 == 0 && i > 0 ? 1 + rnd() % i : i + 1, parent, s, s + d,
                             (uint8_t)(rnd() % 6), (uint32_t)(1 + rnd() % 3));
        }
        struct fl_trace t;
        cr_assert_eq(fl_trace_assemble("r", in, n, &a, &t), FL_OK, "trial %d", trial);
        tcheck_tree(&t);
        struct fl_cp_seg *sg;
        size_t ns;
        cr_assert_eq(fl_trace_critical_path(&t, &a, &sg, &ns), FL_OK, "trial %d", trial);
        tcheck_cp(&t, sg, ns);
        free(in);
        fl_arena_reset(&a);
    }
    fl_arena_cleanup(&a);
}

Test(critpath, allocation_failures_and_limits)
{
    struct fl_tspan_in in[40];
    for (size_t i = 0; i < 40; i++)
        in[i] = tsp(i + 1, i / 3, (int64_t)i, (int64_t)(200 - i));
    int saw_ok = 0, saw_fail = 0;
    for (long n = 0; n < 200 && !saw_ok; n++) {
        struct fl_arena a;
        fl_arena_init(&a, 1024, 0);
        struct fl_trace t;
        fl_err e = fl_trace_assemble("t", in, 40, &a, &t);
        cr_assert_eq(e, FL_OK);
        struct fl_cp_seg *sg = (struct fl_cp_seg *)&t; /* must be reset on failure */
        size_t ns = 99;
        fl_alloc_fail_after(n);
        e = fl_trace_critical_path(&t, &a, &sg, &ns);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            saw_ok = 1;
            tcheck_cp(&t, sg, ns);
        } else {
            saw_fail = 1;
            cr_assert_eq(e, FL_ENOMEM, "n=%ld", n);
            cr_assert_null(sg);
            cr_assert_eq(ns, 0);
        }
        fl_arena_cleanup(&a);
    }
    cr_assert(saw_ok && saw_fail);
    /* The arena's cap: FL_ELIMIT. */
    struct fl_arena a;
    fl_arena_init(&a, 1024, 16384);
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("t", in, 40, &a, &t), FL_OK);
    fl_err e = FL_OK;
    for (int i = 0; i < 100 && e == FL_OK; i++)
        e = fl_trace_critical_path(&t, &a, NULL, NULL);
    cr_assert_eq(e, FL_ELIMIT);
    fl_arena_cleanup(&a);
    cr_assert_eq(fl_trace_critical_path(NULL, &a, NULL, NULL), FL_EINVAL);
}

/*
 * Millisecond timestamps (OpenTelemetry JS: Date.now() starts, performance.now() durations): the
 * gateway's GET to the feature store appears to end 0.5 ms after its POST to the model server
 * started. The GET is still critical, up to the POST's start, instead of its 80 ms going to the
 * gateway. With microsecond-precise timestamps the same overlap is real concurrency: the GET is
 * then off the critical path, as in CRISP.
 */
Test(critpath, millisecond_timestamps_tolerate_sub_ms_overlap)
{
    const int64_t ms = 1000000, t0 = 1764079500000 * ms;
    struct fl_tspan_in in[3] = {tsp(A, 0, t0, t0 + 95 * ms),
                                tsp(B, A, t0 + 1 * ms, t0 + 80 * ms + ms / 2),
                                tsp(C, A, t0 + 80 * ms, t0 + 92 * ms + 123456)};
    struct fl_arena a;
    struct fl_trace t;
    fl_arena_init(&a, 0, 0);
    cr_assert_eq(fl_trace_assemble("t", in, 3, &a, &t), FL_OK);
    cr_assert_eq(fl_trace_critical_path(&t, &a, NULL, NULL), FL_OK);
    cr_expect_eq(t.spans[tfind(&t, B)].cp_ns, 79 * ms, "GET critical up to the POST's start");
    cr_expect_eq(t.spans[tfind(&t, C)].cp_ns, 12 * ms + 123456);
    cr_expect_eq(t.spans[tfind(&t, A)].cp_ns, 95 * ms - 79 * ms - 12 * ms - 123456);

    /* Precise timestamps: a 0.5 ms overlap is concurrency; B is not the LFC at C's start. */
    in[2].start_ns += 1234; /* no longer a whole millisecond */
    fl_arena_reset(&a);
    cr_assert_eq(fl_trace_assemble("t", in, 3, &a, &t), FL_OK);
    cr_assert_eq(fl_trace_critical_path(&t, &a, NULL, NULL), FL_OK);
    cr_expect_eq(t.spans[tfind(&t, B)].cp_ns, 0);
    /* Overlap beyond one millisecond is concurrency even at millisecond resolution. */
    in[2].start_ns = t0 + 79 * ms;
    fl_arena_reset(&a);
    cr_assert_eq(fl_trace_assemble("t", in, 3, &a, &t), FL_OK);
    cr_assert_eq(fl_trace_critical_path(&t, &a, NULL, NULL), FL_OK);
    cr_expect_eq(t.spans[tfind(&t, B)].cp_ns, 0);
    fl_arena_cleanup(&a);
}
