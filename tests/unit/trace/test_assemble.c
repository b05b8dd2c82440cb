// SPDX-License-Identifier: Apache-2.0
/*
 * test_assemble.c: span lists -> trees. Layout (breadth-first, children by start), duplicates
 * (last wins), orphans and several roots (synthetic root), clock-skew clipping in all of CRISP's
 * cases, children wholly outside, asynchronous followers, parent-id cycles, traces arriving in
 * pieces and in any order, bad times, limits and allocation failures.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/limits.h"
#include "tspan_fixtures.h"

static struct fl_arena arena;

static void setup(void)
{
    fl_arena_init(&arena, 0, 0);
}

static void teardown(void)
{
    fl_arena_cleanup(&arena);
}

TestSuite(assemble, .init = setup, .fini = teardown);

Test(assemble, one_root_breadth_first_children_by_start)
{
    /* 10 -> {20 [30,40), 30 [10,20), 40 [10,25)}, 30 -> {50}, given out of order. */
    struct fl_tspan_in in[] = {tsp(50, 30, 12, 18), tsp(20, 10, 30, 40), tsp(10, 0, 0, 100),
                               tsp(40, 10, 10, 25), tsp(30, 10, 10, 20)};
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("4bf92f3577b34da6a3ce929d0e0e4736", in, 5, &arena, &t), FL_OK);
    cr_assert_str_eq(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    cr_assert_eq(t.n_spans, 5);
    cr_assert_eq(t.n_duplicates + t.n_orphans + t.n_clipped, 0);
    tcheck_tree(&t);
    const uint64_t order[] = {10, 30, 40, 20, 50}; /* BFS; 30 and 40 tie on start: id order */
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(t.spans[i].span_id, order[i], "index %zu", i);
    cr_assert_eq(t.spans[0].first_child, 1);
    cr_assert_eq(t.spans[1].next_sibling, 2);
    cr_assert_eq(t.spans[2].next_sibling, 3);
    cr_assert_eq(t.spans[3].next_sibling, FL_TRACE_NONE);
    cr_assert_eq(t.spans[1].first_child, 4);
    cr_assert_eq(t.spans[4].parent, 1);
    cr_assert_eq(t.spans[4].parent_id, 30);
    cr_assert_eq(t.spans[0].flags, 0);
    cr_assert_eq(fl_trace_duration_ns(&t), 100);
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(t.spans[i].cp_ns, 0);
        cr_assert_eq(t.spans[i].raw_start_ns, t.spans[i].start_ns);
        cr_assert_eq(t.spans[i].name, (uint32_t)t.spans[i].span_id);
    }
}

Test(assemble, duplicates_last_wins)
{
    struct fl_tspan_in in[] = {tsp(1, 0, 0, 100), tsp(2, 1, 10, 20), tsp(2, 1, 10, 30),
                               tsp(3, 1, 40, 50), tsp(2, 1, 10, 60)};
    in[2].name = 77;
    in[4].name = 99;
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("t", in, 5, &arena, &t), FL_OK);
    cr_assert_eq(t.n_spans, 3);
    cr_assert_eq(t.n_duplicates, 2);
    uint32_t k = tfind(&t, 2);
    cr_assert_eq(t.spans[k].name, 99);
    cr_assert_eq(t.spans[k].end_ns, 60);
    tcheck_tree(&t);
}

Test(assemble, orphans_and_several_roots_get_a_synthetic_root)
{
    /* Root 1 present; 5's parent 4 missing: orphan. */
    struct fl_tspan_in in[] = {tsp(1, 0, 100, 200), tsp(2, 1, 110, 150), tsp(5, 4, 90, 250),
                               tsp(6, 5, 95, 240)};
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("t", in, 4, &arena, &t), FL_OK);
    cr_assert_eq(t.n_spans, 5);
    cr_assert_eq(t.n_orphans, 1);
    const struct fl_tspan *r = &t.spans[0];
    cr_assert_eq(r->flags, FL_TSPAN_SYNTHETIC);
    cr_assert_eq(r->span_id, 0);
    cr_assert_eq(r->service, 0);
    cr_assert_eq(r->name, 0);
    cr_assert_eq(r->start_ns, 90);
    cr_assert_eq(r->end_ns, 250);
    cr_assert_eq(fl_trace_duration_ns(&t), 160);
    /* Its children: 5 (starts 90) then 1 (starts 100). */
    cr_assert_eq(t.spans[1].span_id, 5);
    cr_assert_eq(t.spans[1].flags, FL_TSPAN_ORPHAN);
    cr_assert_eq(t.spans[2].span_id, 1);
    cr_assert_eq(t.spans[2].flags, 0);
    cr_assert_eq(t.spans[t.spans[1].first_child].span_id, 6);
    tcheck_tree(&t);

    /* Two roots, no orphans: synthetic root, n_orphans 0. */
    struct fl_tspan_in two[] = {tsp(1, 0, 0, 10), tsp(2, 0, 5, 30)};
    cr_assert_eq(fl_trace_assemble("t", two, 2, &arena, &t), FL_OK);
    cr_assert_eq(t.n_spans, 3);
    cr_assert_eq(t.n_orphans, 0);
    cr_assert(t.spans[0].flags & FL_TSPAN_SYNTHETIC);
    cr_assert_eq(fl_trace_duration_ns(&t), 30);
    cr_assert_eq(t.spans[1].flags | t.spans[2].flags, 0);

    /* Only an orphan: still a synthetic root (the real root is missing). */
    struct fl_tspan_in lone[] = {tsp(7, 3, 5, 9)};
    cr_assert_eq(fl_trace_assemble("t", lone, 1, &arena, &t), FL_OK);
    cr_assert_eq(t.n_spans, 2);
    cr_assert_eq(t.n_orphans, 1);
    cr_assert_eq(t.spans[1].flags, FL_TSPAN_ORPHAN);

    /* A single root alone is the root. */
    struct fl_tspan_in one[] = {tsp(7, 0, 5, 9)};
    cr_assert_eq(fl_trace_assemble("t", one, 1, &arena, &t), FL_OK);
    cr_assert_eq(t.n_spans, 1);
    cr_assert_eq(t.spans[0].span_id, 7);
    cr_assert_eq(t.spans[0].first_child, FL_TRACE_NONE);
}

/* CRISP's sanitizeOverFlowingChildren cases, against a parent [100, 200). */
Test(assemble, clock_skew_cases)
{
    const struct {
        int64_t s, e, want_s, want_e;
        uint32_t flags;
    } cases[] = {
        {120, 180, 120, 180, 0},                /* inside */
        {100, 200, 100, 200, 0},                /* exactly the parent */
        {80, 150, 100, 150, FL_TSPAN_CLIPPED},  /* starts before */
        {150, 230, 150, 200, FL_TSPAN_CLIPPED}, /* ends after */
        {50, 260, 100, 200, FL_TSPAN_CLIPPED},  /* both */
        {20, 90, 20, 90, FL_TSPAN_OUTSIDE},     /* wholly before */
        {20, 100, 20, 100, FL_TSPAN_OUTSIDE},   /* ends at the parent's start */
        {200, 240, 200, 240, FL_TSPAN_OUTSIDE}, /* starts at the parent's end */
        {300, 400, 300, 400, FL_TSPAN_OUTSIDE}, /* wholly after */
        {150, 140, 150, 150, FL_TSPAN_CLIPPED}, /* end before start */
        {150, 150, 150, 150, 0},                /* zero length inside */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_tspan_in in[] = {tsp(1, 0, 100, 200), tsp(2, 1, cases[i].s, cases[i].e)};
        struct fl_trace t;
        cr_assert_eq(fl_trace_assemble("t", in, 2, &arena, &t), FL_OK);
        const struct fl_tspan *c = &t.spans[1];
        cr_assert_eq(c->start_ns, cases[i].want_s, "case %zu", i);
        cr_assert_eq(c->end_ns, cases[i].want_e, "case %zu", i);
        cr_assert_eq(c->flags, cases[i].flags, "case %zu", i);
        cr_assert_eq(c->raw_start_ns, cases[i].s, "case %zu", i);
        cr_assert_eq(c->raw_end_ns, cases[i].e, "case %zu", i);
        cr_assert_eq(t.n_clipped, cases[i].flags == FL_TSPAN_CLIPPED, "case %zu", i);
        cr_assert_eq(t.n_spans, 2, "outside children stay in the tree");
    }
}

Test(assemble, clipping_is_top_down_and_outside_keeps_descendants)
{
    /* 2 overflows 1 and is cut to [15,30); 3 is then cut to 2's corrected end, not its raw 35. */
    struct fl_tspan_in in[] = {tsp(1, 0, 1, 30), tsp(2, 1, 15, 35), tsp(3, 2, 20, 40),
                               tsp(4, 1, 50, 60), tsp(5, 4, 52, 58)};
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("t", in, 5, &arena, &t), FL_OK);
    tcheck_tree(&t);
    const struct fl_tspan *s3 = &t.spans[tfind(&t, 3)];
    cr_assert_eq(s3->start_ns, 20);
    cr_assert_eq(s3->end_ns, 30);
    cr_assert_eq(s3->flags, FL_TSPAN_CLIPPED);
    cr_assert_eq(t.n_clipped, 2);
    const struct fl_tspan *s4 = &t.spans[tfind(&t, 4)];
    cr_assert_eq(s4->flags, FL_TSPAN_OUTSIDE);
    const struct fl_tspan *s5 = &t.spans[tfind(&t, 5)];
    cr_assert_eq(s5->flags, 0, "inside its (outside) parent");
    cr_assert_eq(s5->parent, tfind(&t, 4));
}

Test(assemble, async_consumer_is_neither_clipped_nor_outside)
{
    struct fl_tspan_in in[] = {
        tsp_kind(1, 0, 0, 100, FL_SPAN_SERVER, 1), tsp_kind(2, 1, 10, 20, FL_SPAN_PRODUCER, 1),
        tsp_kind(3, 2, 50, 500, FL_SPAN_CONSUMER, 2), tsp_kind(4, 3, 60, 450, FL_SPAN_CLIENT, 2),
        tsp_kind(5, 1, 30, 150, FL_SPAN_CLIENT, 1)};
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("t", in, 5, &arena, &t), FL_OK);
    tcheck_tree(&t);
    const struct fl_tspan *c = &t.spans[tfind(&t, 3)];
    cr_assert_eq(c->flags, 0);
    cr_assert_eq(c->start_ns, 50);
    cr_assert_eq(c->end_ns, 500);
    cr_assert_eq(t.spans[tfind(&t, 4)].flags, 0);
    /* A CLIENT overflowing its SERVER parent is clock skew (or a bug): clipped. */
    cr_assert_eq(t.spans[tfind(&t, 5)].flags, FL_TSPAN_CLIPPED);
    cr_assert_eq(t.spans[tfind(&t, 5)].end_ns, 100);
}

Test(assemble, cycles_are_cut_at_the_smallest_span_id)
{
    /* 1 is the root. 7 -> 8 -> 9 -> 7 is a cycle with 10 hanging under 8; 11 is its own parent. */
    struct fl_tspan_in in[] = {tsp(9, 8, 30, 40),  tsp(1, 0, 0, 100), tsp(8, 7, 20, 50),
                               tsp(10, 8, 25, 26), tsp(7, 9, 10, 60), tsp(11, 11, 5, 6)};
    size_t n = sizeof in / sizeof in[0];
    struct fl_trace first = {.n_spans = 0};
    for (size_t rot = 0; rot < n; rot++) {
        struct fl_tspan_in r[6];
        for (size_t i = 0; i < n; i++)
            r[i] = in[(i + rot) % n];
        struct fl_trace t;
        cr_assert_eq(fl_trace_assemble("t", r, n, &arena, &t), FL_OK);
        tcheck_tree(&t);
        cr_assert_eq(t.n_spans, n + 1);
        cr_assert_eq(t.n_orphans, 2, "7 and 11 are cut loose");
        const struct fl_tspan *s7 = &t.spans[tfind(&t, 7)];
        cr_assert_eq(s7->flags, FL_TSPAN_ORPHAN);
        cr_assert_eq(s7->parent, 0);
        cr_assert_eq(s7->parent_id, 9, "parent_id stays as received");
        cr_assert_eq(t.spans[tfind(&t, 11)].flags, FL_TSPAN_ORPHAN);
        cr_assert_eq(t.spans[tfind(&t, 9)].parent, tfind(&t, 8));
        cr_assert_eq(t.spans[tfind(&t, 10)].parent, tfind(&t, 8));
        if (rot == 0) {
            first = t;
        } else {
            for (size_t i = 0; i < t.n_spans; i++)
                cr_assert_eq(memcmp(&t.spans[i], &first.spans[i], sizeof t.spans[i]), 0,
                             "rotation %zu span %zu", rot, i);
        }
    }
}

/* The store hands a trace over as it arrived: in pieces, overlapping, in any order. Whatever
 * the order and the repeats, the tree is the same; a partial trace has orphans that disappear
 * once the missing spans come. */
Test(assemble, traces_arriving_in_pieces)
{
    struct fl_tspan_in full[] = {
        tsp_kind(1, 0, 0, 1000, FL_SPAN_SERVER, 1),   tsp_kind(2, 1, 10, 600, FL_SPAN_CLIENT, 1),
        tsp_kind(3, 2, 30, 580, FL_SPAN_SERVER, 2),   tsp_kind(4, 3, 40, 300, FL_SPAN_CLIENT, 2),
        tsp_kind(5, 4, 35, 290, FL_SPAN_SERVER, 3),   tsp_kind(6, 3, 310, 570, FL_SPAN_CLIENT, 2),
        tsp_kind(7, 6, 320, 560, FL_SPAN_SERVER, 3),  tsp_kind(8, 1, 620, 990, FL_SPAN_CLIENT, 1),
        tsp_kind(9, 8, 630, 1010, FL_SPAN_SERVER, 4),
    };
    size_t n = sizeof full / sizeof full[0];
    struct fl_trace ref;
    cr_assert_eq(fl_trace_assemble("t", full, n, &arena, &ref), FL_OK);
    cr_assert_eq(ref.n_spans, n);
    cr_assert_eq(ref.n_orphans, 0);
    cr_assert_eq(ref.n_clipped, 2, "5 starts before 4; 9 ends after 8");

    /* The second half first (the downstream services flush sooner): orphans. */
    struct fl_trace part;
    cr_assert_eq(fl_trace_assemble("t", full + 4, 5, &arena, &part), FL_OK);
    cr_assert(part.spans[0].flags & FL_TSPAN_SYNTHETIC);
    cr_assert_eq(part.n_orphans, 3, "5, 6 and 8 lost their parents");

    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int trial = 0; trial < 200; trial++) {
        struct fl_tspan_in in[64];
        size_t m = 0;
        /* Pieces: random runs of the full list, the whole list at least once, shuffled. */
        for (size_t i = 0; i < n; i++)
            in[m++] = full[i];
        while (m < 40) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t from = (seed >> 33) % n, len = 1 + (seed >> 20) % 4;
            for (size_t k = 0; k < len && from + k < n; k++)
                in[m++] = full[from + k];
        }
        for (size_t i = m - 1; i > 0; i--) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t j = (seed >> 33) % (i + 1);
            struct fl_tspan_in tmp = in[i];
            in[i] = in[j];
            in[j] = tmp;
        }
        struct fl_trace t;
        cr_assert_eq(fl_trace_assemble("t", in, m, &arena, &t), FL_OK);
        cr_assert_eq(t.n_spans, ref.n_spans);
        cr_assert_eq(t.n_duplicates, m - n);
        cr_assert_eq(t.n_clipped, ref.n_clipped);
        for (size_t i = 0; i < t.n_spans; i++)
            cr_assert_eq(memcmp(&t.spans[i], &ref.spans[i], sizeof t.spans[i]), 0,
                         "trial %d span %zu", trial, i);
    }
}

Test(assemble, error_and_timeout_flags_come_from_the_input)
{
    struct fl_tspan_in in[] = {tsp(1, 0, 0, 100), tsp(2, 1, 10, 20), tsp(3, 1, 30, 40),
                               tsp(4, 1, 50, 60)};
    in[1].status = FL_STATUS_ERROR;
    in[2].exception = 1;
    in[3].timeout = 1;
    in[3].resend = 2;
    in[3].peer = 9;
    in[3].peer_kind = FL_PEER_DATABASE;
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("t", in, 4, &arena, &t), FL_OK);
    cr_assert_eq(t.spans[tfind(&t, 2)].flags, FL_TSPAN_ERROR);
    cr_assert_eq(t.spans[tfind(&t, 2)].status, FL_STATUS_ERROR);
    cr_assert_eq(t.spans[tfind(&t, 3)].flags, FL_TSPAN_ERROR);
    cr_assert_eq(t.spans[tfind(&t, 4)].flags, FL_TSPAN_TIMEOUT);
    cr_assert_eq(t.spans[tfind(&t, 4)].resend, 2);
    cr_assert_eq(t.spans[tfind(&t, 4)].peer, 9);
    cr_assert_eq(t.spans[tfind(&t, 4)].peer_kind, FL_PEER_DATABASE);
    cr_assert_eq(t.spans[0].flags, 0);
}

Test(assemble, hostile_times_and_arguments)
{
    /* Extreme times are held to [0, 2^62] so no difference overflows. */
    struct fl_tspan_in in[] = {tsp(1, 0, INT64_MIN, INT64_MAX), tsp(2, 1, -5, INT64_MAX),
                               tsp(3, 0, INT64_MAX, INT64_MIN)};
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("t", in, 3, &arena, &t), FL_OK);
    tcheck_tree(&t);
    cr_assert_eq(t.spans[0].start_ns, 0);
    cr_assert_eq(t.spans[0].end_ns, (int64_t)1 << 62);
    cr_assert_eq(t.spans[tfind(&t, 1)].flags, FL_TSPAN_CLIPPED);
    cr_assert_eq(t.spans[tfind(&t, 1)].raw_start_ns, INT64_MIN);
    cr_assert_eq(fl_trace_critical_path(&t, &arena, NULL, NULL), FL_OK);

    cr_assert_eq(fl_trace_assemble("t", in, 0, &arena, &t), FL_EINVAL);
    cr_assert_eq(fl_trace_assemble("t", NULL, 3, &arena, &t), FL_EINVAL);
    cr_assert_eq(fl_trace_assemble("t", in, FL_LIMIT_TRACE_SPANS + 1, &arena, &t), FL_ELIMIT);
    /* A long trace id is cut to 32 characters; NULL gives "". */
    cr_assert_eq(fl_trace_assemble("0123456789abcdef0123456789abcdefXYZ", in, 1, &arena, &t),
                 FL_OK);
    cr_assert_str_eq(t.trace_id, "0123456789abcdef0123456789abcdef");
    cr_assert_eq(fl_trace_assemble(NULL, in, 1, &arena, &t), FL_OK);
    cr_assert_str_eq(t.trace_id, "");
    cr_assert_eq(fl_trace_duration_ns(NULL), 0);
}

/* Big traces take the qsort paths (more than SMALL_SORT siblings / spans). */
Test(assemble, large_fan_out)
{
    const size_t N = 50000;
    struct fl_tspan_in *in = malloc(N * sizeof *in);
    cr_assert_not_null(in);
    in[0] = tsp(N + 1, 0, 0, 1000000);
    for (size_t i = 1; i < N; i++) /* ids descending, starts cycling: sorting matters */
        in[i] = tsp(N + 1 - i, i % 7 == 0 ? N + 1 : N + 1 - i + 1 + (i % 3 == 0),
                    (int64_t)((i * 7919) % 999000), (int64_t)((i * 7919) % 999000 + 500));
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("big", in, N, &arena, &t), FL_OK);
    cr_assert_eq(t.n_spans, N);
    tcheck_tree(&t);
    struct fl_cp_seg *sg;
    size_t ns;
    cr_assert_eq(fl_trace_critical_path(&t, &arena, &sg, &ns), FL_OK);
    tcheck_cp(&t, sg, ns);
    free(in);
}

Test(assemble, every_allocation_failure_is_clean)
{
    struct fl_tspan_in in[60];
    for (size_t i = 0; i < 60; i++)
        in[i] = tsp(i + 1, i % 10 == 9 ? 500 : i / 2, (int64_t)i, (int64_t)(300 - i));
    int saw_ok = 0, saw_fail = 0;
    for (long n = 0; n < 100 && !saw_ok; n++) {
        struct fl_arena a;
        fl_arena_init(&a, 512, 0); /* small blocks: several allocations per assembly */
        struct fl_trace t;
        fl_alloc_fail_after(n);
        fl_err e = fl_trace_assemble("t", in, 60, &a, &t);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            saw_ok = 1;
            tcheck_tree(&t);
        } else {
            saw_fail = 1;
            cr_assert_eq(e, FL_ENOMEM, "n=%ld", n);
            cr_assert_eq(t.n_spans, 0);
            cr_assert_null(t.spans);
        }
        fl_arena_cleanup(&a); /* everything was in the arena: nothing else to free */
    }
    cr_assert(saw_ok && saw_fail);
    struct fl_arena a;
    fl_arena_init(&a, 512, 2048);
    struct fl_trace t;
    cr_assert_eq(fl_trace_assemble("t", in, 60, &a, &t), FL_ELIMIT);
    fl_arena_cleanup(&a);
}
