/* SPDX-License-Identifier: Apache-2.0 */
/*
 * critpath.c: the critical path of a trace and each span's exclusive critical-path time
 * (docs/TRACES.md, "Critical path").
 *
 * The algorithm of Uber's CRISP (Zhang et al., ATC'22) as Jaeger UI ships it
 * (TracePage/CriticalPath/index.tsx): start at the root with the "spawn point" at its end. The
 * current span's last-finishing child (LFC) among those ending by the spawn point is critical:
 * the current span owns [LFC end, spawn point), and the walk descends into the LFC with the
 * spawn point at its end. A span without such a child owns [its start, spawn point), and the
 * walk returns to its parent with the spawn point at that span's start, where the next LFC is
 * looked for. The segments tile the root's interval exactly, so the cp_ns add up to the trace's
 * duration.
 *
 * Differences from Jaeger UI, on purpose:
 *   - A child ending exactly at the spawn point qualifies (Jaeger requires strictly before), so
 *     back-to-back calls A then B are both critical instead of A's time going to the parent.
 *     CRISP's happensBefore also treats touching spans as sequential.
 *   - A child ending up to one timestamp-resolution step (1 ms when the spawn point is a whole
 *     millisecond, trace.h) after the spawn point also qualifies if it started before it, and is
 *     critical up to the spawn point: SDKs that stamp starts in whole milliseconds make
 *     sequential calls overlap by a fraction of one, and without this the earlier call's whole
 *     time went to the parent.
 *   - Of children ending at the same time, the one that started first is taken (as Jaeger's
 *     stable end-time sort of start-ordered children does), then the smaller span id.
 *   - Iterative, with a per-span cursor over its children sorted by end time: each child is
 *     looked at once, so a trace of n spans costs O(n log n) for the sorts and O(n) for the
 *     walk, at any depth. (Jaeger's version rescans children and recurses.)
 * Like Jaeger, spans wholly outside their parent (FL_TSPAN_OUTSIDE) and asynchronous followers
 * (a CONSUMER child of a PRODUCER: OTLP has no FOLLOWS_FROM reference, this is its form) are left
 * out together with their descendants; assemble.c has already clipped the others into their
 * parents.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/record.h"
#include "trace.h"

#define SMALL_SORT 24 /* insertion sort up to this many children */

/* assemble.c has the twin of this rule. */
static bool is_async(uint8_t parent_kind, uint8_t child_kind)
{
    return parent_kind == FL_SPAN_PRODUCER && child_kind == FL_SPAN_CONSUMER;
}

/* LFC order: end descending, then start ascending, then span id ascending. */
static int lfc_before(const struct fl_tspan *a, const struct fl_tspan *b)
{
    if (a->end_ns != b->end_ns)
        return a->end_ns > b->end_ns;
    if (a->start_ns != b->start_ns)
        return a->start_ns < b->start_ns;
    return a->span_id < b->span_id;
}

/* qsort needs the spans: children are sorted as (end, start, id, index) records instead. */
struct lfc_key {
    int64_t end, start;
    uint64_t id;
    uint32_t idx, pad;
};

static int lfc_cmp(const void *pa, const void *pb)
{
    const struct lfc_key *a = pa, *b = pb;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static fl_err sort_children(const struct fl_tspan *sp, uint32_t *x, size_t k, struct fl_arena *a)
{
    if (k <= SMALL_SORT) {
        for (size_t i = 1; i < k; i++) {
            uint32_t t = x[i];
            size_t j = i;
            while (j > 0 && lfc_before(&sp[t], &sp[x[j - 1]])) {
                x[j] = x[j - 1];
                j--;
            }
            x[j] = t;
        }
        return FL_OK;
    }
    struct lfc_key *key = fl_arena_alloc(a, k * sizeof *key);
    if (!key)
        return FL_ENOMEM;
    for (size_t i = 0; i < k; i++)
        key[i] = (struct lfc_key){sp[x[i]].end_ns, sp[x[i]].start_ns, sp[x[i]].span_id, x[i], 0};
    qsort(key, k, sizeof *key, lfc_cmp);
    for (size_t i = 0; i < k; i++)
        x[i] = key[i].idx;
    return FL_OK;
}

/*
 * For every span i, its eligible children in LFC order: kid[off[i] .. off[i + 1]). FL_EINVAL when
 * the links do not form a tree over spans[0..n) (not possible for an assembled trace).
 */
static fl_err children_by_end(const struct fl_trace *t, struct fl_arena *a, uint32_t **off_out,
                              uint32_t **kid_out)
{
    size_t n = t->n_spans;
    const struct fl_tspan *sp = t->spans;
    uint32_t *off = fl_arena_alloc(a, (n + 1) * sizeof *off);
    uint32_t *kid = fl_arena_alloc(a, n * sizeof *kid);
    if (!off || !kid)
        return FL_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        off[i] = (uint32_t)k;
        for (uint32_t c = sp[i].first_child; c != FL_TRACE_NONE; c = sp[c].next_sibling) {
            if (c >= n || k >= n)
                return FL_EINVAL;
            if ((sp[c].flags & FL_TSPAN_OUTSIDE) || is_async(sp[i].kind, sp[c].kind))
                continue;
            kid[k++] = c;
        }
        fl_err e = sort_children(sp, kid + off[i], k - off[i], a);
        if (e)
            return e;
    }
    off[n] = (uint32_t)k;
    *off_out = off;
    *kid_out = kid;
    return FL_OK;
}

/*
 * Can child c be the last-finishing child at spawn point `spawn`? When it ends by then; or, within
 * the spawn point's timestamp resolution (fl_trace_resolution_ns), when it ends just after a
 * spawn point that it started before (then it is critical up to the spawn point only).
 */
static bool qualifies(const struct fl_tspan *c, int64_t spawn)
{
    if (c->end_ns <= spawn)
        return true;
    return c->start_ns < spawn && c->end_ns - spawn <= fl_trace_resolution_ns(spawn);
}

/* Record that span s is critical over [from, to): cp_ns, and a segment when segs is kept. */
static void own(struct fl_trace *t, uint32_t s, int64_t from, int64_t to, struct fl_cp_seg *segs,
                size_t *n_segs)
{
    if (to <= from)
        return;
    t->spans[s].cp_ns += to - from;
    if (!segs)
        return;
    /* Segments come latest first; extend the previous one when it is the same span's and
     * adjacent (a zero-length child between two pieces of its parent). */
    if (*n_segs > 0 && segs[*n_segs - 1].span == s && segs[*n_segs - 1].start_ns == to) {
        segs[*n_segs - 1].start_ns = from;
        return;
    }
    segs[(*n_segs)++] = (struct fl_cp_seg){s, from, to};
}

fl_err fl_trace_critical_path(struct fl_trace *t, struct fl_arena *a, struct fl_cp_seg **segs,
                              size_t *n_segs)
{
    if (segs)
        *segs = NULL;
    if (n_segs)
        *n_segs = 0;
    if (!t || !t->spans || t->n_spans == 0 || !a)
        return FL_EINVAL;
    size_t n = t->n_spans;
    struct fl_tspan *sp = t->spans;
    for (size_t i = 0; i < n; i++)
        sp[i].cp_ns = 0;
    uint32_t *off = NULL, *kid = NULL;
    fl_err e = children_by_end(t, a, &off, &kid);
    if (e)
        return e == FL_ENOMEM && a->limit_hit ? FL_ELIMIT : e;
    struct fl_cp_seg *sg = NULL;
    size_t ns = 0;
    if (segs) {
        /* At most one segment per descent into a child plus one per span. */
        sg = fl_arena_alloc(a, 2 * n * sizeof *sg);
        if (!sg)
            return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    }
    /* pos[i]: span i's cursor into its children; those before it are done or end too late. */
    uint32_t *pos = fl_arena_alloc(a, n * sizeof *pos);
    if (!pos)
        return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    memcpy(pos, off, n * sizeof *pos);
    uint32_t cur = 0, steps = 0;
    int64_t spawn = sp[0].end_ns;
    for (;;) {
        uint32_t k = pos[cur], end = off[cur + 1];
        /* Skipped children never qualify later: the spawn point only moves back in time while
         * the walk stays in cur. */
        while (k < end && !qualifies(&sp[kid[k]], spawn))
            k++;
        if (k < end) {
            uint32_t c = kid[k];
            int64_t until = sp[c].end_ns < spawn ? sp[c].end_ns : spawn;
            pos[cur] = k + 1;
            own(t, cur, until, spawn, sg, &ns);
            cur = c;
            spawn = until;
        } else {
            pos[cur] = k;
            own(t, cur, sp[cur].start_ns, spawn, sg, &ns);
            if (cur == 0)
                break;
            spawn = sp[cur].start_ns;
            cur = sp[cur].parent;
            if (cur >= n)
                return FL_EINVAL;
        }
        if (++steps > 2 * n + 2)
            return FL_EINVAL; /* not a tree: cannot happen for an assembled trace */
    }
    if (segs) {
        for (size_t i = 0; i < ns / 2; i++) {
            struct fl_cp_seg tmp = sg[i];
            sg[i] = sg[ns - 1 - i];
            sg[ns - 1 - i] = tmp;
        }
        *segs = sg;
        *n_segs = ns;
    }
    return FL_OK;
}
