/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tspan_fixtures.h: small helpers the trace core tests share to write hand-built traces
 * (fl_tspan_in arrays) and check the invariants every assembled trace must keep.
 */
#ifndef FL_TEST_TSPAN_FIXTURES_H
#define FL_TEST_TSPAN_FIXTURES_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/record.h"
#include "trace/trace.h"

/* An INTERNAL span of service 1, name = its id, OK status. */
static inline struct fl_tspan_in tsp(uint64_t id, uint64_t parent, int64_t start, int64_t end)
{
    struct fl_tspan_in s;
    memset(&s, 0, sizeof s);
    s.span_id = id;
    s.parent_id = parent;
    s.service = 1;
    s.name = (uint32_t)id;
    s.kind = FL_SPAN_INTERNAL;
    s.start_ns = start;
    s.end_ns = end;
    return s;
}

static inline struct fl_tspan_in tsp_kind(uint64_t id, uint64_t parent, int64_t start, int64_t end,
                                          uint8_t kind, uint32_t service)
{
    struct fl_tspan_in s = tsp(id, parent, start, end);
    s.kind = kind;
    s.service = service;
    return s;
}

/* Index of the span with span id id in t, or FL_TRACE_NONE. */
static inline uint32_t tfind(const struct fl_trace *t, uint64_t id)
{
    for (size_t i = 0; i < t->n_spans; i++)
        if (t->spans[i].span_id == id && !(t->spans[i].flags & FL_TSPAN_SYNTHETIC))
            return (uint32_t)i;
    return FL_TRACE_NONE;
}

/*
 * The structural invariants of an assembled trace: breadth-first (parent index below child),
 * sibling lists in (start, id) order and consistent with parent, every span reached exactly once
 * from spans[0], clipped intervals inside the parent's (unless OUTSIDE or an async follower).
 */
static inline void tcheck_tree(const struct fl_trace *t)
{
    cr_assert_gt(t->n_spans, 0);
    const struct fl_tspan *sp = t->spans;
    cr_assert_eq(sp[0].parent, FL_TRACE_NONE);
    size_t seen = 1;
    for (size_t i = 0; i < t->n_spans; i++) {
        cr_assert_geq(sp[i].end_ns, sp[i].start_ns, "span %zu", i);
        int64_t prev = INT64_MIN;
        uint64_t prev_id = 0;
        for (uint32_t c = sp[i].first_child; c != FL_TRACE_NONE; c = sp[c].next_sibling) {
            cr_assert_lt(c, t->n_spans);
            cr_assert_gt(c, i, "breadth-first: child %u of %zu", c, i);
            cr_assert_eq(sp[c].parent, i);
            cr_assert(sp[c].start_ns > prev || (sp[c].start_ns == prev && sp[c].span_id > prev_id),
                      "children of %zu in (start, id) order", i);
            prev = sp[c].start_ns;
            prev_id = sp[c].span_id;
            bool async = sp[i].kind == FL_SPAN_PRODUCER && sp[c].kind == FL_SPAN_CONSUMER;
            if (!(sp[c].flags & FL_TSPAN_OUTSIDE) && !async) {
                cr_assert_geq(sp[c].start_ns, sp[i].start_ns, "span %u inside %zu", c, i);
                cr_assert_leq(sp[c].end_ns, sp[i].end_ns, "span %u inside %zu", c, i);
            }
            seen++;
        }
    }
    cr_assert_eq(seen, t->n_spans, "every span is someone's child exactly once");
}

/* Critical-path invariants: segments tile the root interval in time order, each segment's span
 * is not OUTSIDE, and cp_ns of every span equals the total of its segments. */
static inline void tcheck_cp(const struct fl_trace *t, const struct fl_cp_seg *sg, size_t ns)
{
    const struct fl_tspan *sp = t->spans;
    int64_t at = sp[0].start_ns, total = 0;
    for (size_t k = 0; k < ns; k++) {
        cr_assert_lt(sg[k].span, t->n_spans);
        cr_assert_eq(sg[k].start_ns, at, "segment %zu starts where the previous ended", k);
        cr_assert_gt(sg[k].end_ns, sg[k].start_ns, "segment %zu not empty", k);
        cr_assert_eq(sp[sg[k].span].flags & FL_TSPAN_OUTSIDE, 0);
        cr_assert_geq(sg[k].start_ns, sp[sg[k].span].start_ns);
        cr_assert_leq(sg[k].end_ns, sp[sg[k].span].end_ns);
        at = sg[k].end_ns;
    }
    if (ns)
        cr_assert_eq(at, sp[0].end_ns);
    int64_t *mine = calloc(t->n_spans, sizeof *mine);
    cr_assert_not_null(mine);
    for (size_t k = 0; k < ns; k++)
        mine[sg[k].span] += sg[k].end_ns - sg[k].start_ns;
    for (size_t i = 0; i < t->n_spans; i++) {
        cr_assert_eq(sp[i].cp_ns, mine[i], "span %zu", i);
        total += sp[i].cp_ns;
    }
    free(mine);
    cr_assert_eq(total, fl_trace_duration_ns(t));
}

#endif
