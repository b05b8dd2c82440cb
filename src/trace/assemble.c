/* SPDX-License-Identifier: Apache-2.0 */
/*
 * assemble.c: the spans of one trace -> one tree (docs/TRACES.md, "Assembly").
 *
 * Real traces are messy: spans of one trace arrive in pieces and in any order, collectors resend
 * (duplicates), parents are lost (sampling, crashed processes, spans still in flight), hosts'
 * clocks disagree (a server span starting before the client span that caused it), and corrupt
 * input may even name parents in a cycle. The rules, in the order applied:
 *
 *   1. Duplicates: spans are sorted by span id (stable); of equal ids the last given wins.
 *   2. Parents: each span's parent is found by binary search over the sorted ids. A span whose
 *      parent id is 0 is a root; one whose parent is absent (or itself) is an orphan.
 *   3. Cycles: spans not reachable from a root or orphan sit on (or under) a parent-id cycle; of
 *      each cycle, the span with the smallest span id is cut from its parent and becomes an
 *      orphan, so the result does not depend on input order.
 *   4. Root: exactly one root and no orphans -> it is spans[0]. Otherwise spans[0] is a synthetic
 *      root (span id 0, service and name 0, FL_TSPAN_SYNTHETIC) from the earliest start to the
 *      latest end of the roots and orphans, which become its children (orphans FL_TSPAN_ORPHAN).
 *   5. Clock skew, top-down so that a child is held to its parent's corrected interval, as
 *      CRISP's / Jaeger UI's sanitizeOverFlowingChildren does: a child overlapping its parent's
 *      edge is cut to the parent's interval (FL_TSPAN_CLIPPED); a child wholly outside it (ending
 *      at or before the parent's start, or starting at or after its end) keeps its times and is
 *      flagged FL_TSPAN_OUTSIDE (critpath.c leaves it and its descendants off the critical path).
 *      A CONSUMER child of a PRODUCER is an asynchronous follower (OTLP's form of Jaeger's
 *      FOLLOWS_FROM) and legitimately outlives its parent: it is neither clipped nor flagged.
 *      An end before the start is set to the start, and times are held to [0, FL_TRACE_MAX_NS]
 *      so that no difference overflows; both count as clipping. raw_start_ns / raw_end_ns keep
 *      what was received, because a span's own duration is skew-free (one clock).
 *   6. Layout: spans[] is breadth-first; each span's children are contiguous and linked in
 *      (start, span id) order.
 *
 * Speed: no per-span allocation; a handful of arrays per trace from the caller's arena (about
 * 1.5x the size of the result), sorting by insertion for small inputs and qsort for large ones.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/record.h"
#include "trace.h"

/* Clipped times are held to [0, FL_TRACE_MAX_NS] (2^62 ns: beyond the year 2116). */
#define FL_TRACE_MAX_NS ((int64_t)1 << 62)
#define SMALL_SORT 64 /* insertion sort up to this many elements (qsort above) */

/* A sort key: k orders, v is the payload (an index); (k, v) pairs are unique. */
struct akey {
    uint64_t k;
    uint32_t v, pad;
};

static int akey_cmp(const void *pa, const void *pb)
{
    const struct akey *a = pa, *b = pb;
    if (a->k != b->k)
        return a->k < b->k ? -1 : 1;
    return a->v < b->v ? -1 : a->v > b->v;
}

static void akey_sort(struct akey *x, size_t n)
{
    if (n > SMALL_SORT) {
        qsort(x, n, sizeof *x, akey_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct akey t = x[i];
        size_t j = i;
        while (j > 0 && (x[j - 1].k > t.k || (x[j - 1].k == t.k && x[j - 1].v > t.v))) {
            x[j] = x[j - 1];
            j--;
        }
        x[j] = t;
    }
}

/* Signed time -> unsigned key of the same order. */
static uint64_t time_key(int64_t t)
{
    return (uint64_t)t ^ ((uint64_t)1 << 63);
}

static int64_t clamp_ns(int64_t t)
{
    return t < 0 ? 0 : t > FL_TRACE_MAX_NS ? FL_TRACE_MAX_NS : t;
}

/* The child is an asynchronous follower of its parent (see rule 5). critpath.c has the twin. */
static bool is_async(uint8_t parent_kind, uint8_t child_kind)
{
    return parent_kind == FL_SPAN_PRODUCER && child_kind == FL_SPAN_CONSUMER;
}

/* Normalized own interval of an input span: clamped, end >= start. Returns FL_TSPAN_CLIPPED when
 * anything moved. */
static uint32_t own_interval(const struct fl_tspan_in *s, int64_t *start, int64_t *end)
{
    *start = clamp_ns(s->start_ns);
    *end = clamp_ns(s->end_ns);
    if (*end < *start)
        *end = *start;
    return (*start != s->start_ns || *end != s->end_ns) ? FL_TSPAN_CLIPPED : 0;
}

/* The child's interval [*s, *e) held to its parent's [ps, pe): the flags it earns. */
static uint32_t clip_to_parent(int64_t ps, int64_t pe, int64_t *s, int64_t *e)
{
    if (*s >= ps && *e <= pe)
        return 0;
    if (*e <= ps || *s >= pe) {
        /* Wholly outside. A zero-length child exactly at a zero-length parent's instant is
         * inside (first test); any other contact with an edge from outside is outside. */
        return FL_TSPAN_OUTSIDE;
    }
    if (*s < ps)
        *s = ps;
    if (*e > pe)
        *e = pe;
    return FL_TSPAN_CLIPPED;
}

/* Scratch of one assembly, all from the caller's arena. */
struct asm_ctx {
    const struct fl_tspan_in *in;
    struct akey *keys;    /* keys[j]: span id and input index of unique span j, by span id */
    size_t m;             /* unique spans */
    uint32_t *par;        /* par[j]: unique index of the parent; FL_TRACE_NONE for a top */
    uint32_t *off, *kids; /* children of j: kids[off[j] .. off[j+1]) (check par[c] == j) */
    uint32_t *mark;       /* 1 = reached from a top; else a cycle-search stamp */
    uint32_t *tops;       /* roots and orphans, by span id */
    size_t n_tops, n_roots;
};

/* Unique index of span id, or FL_TRACE_NONE. */
static uint32_t find_id(const struct asm_ctx *c, uint64_t id)
{
    size_t lo = 0, hi = c->m;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->keys[mid].k < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->m && c->keys[lo].k == id ? (uint32_t)lo : FL_TRACE_NONE;
}

/* Sort, drop duplicates (last wins), resolve parents. */
static fl_err link_parents(struct asm_ctx *c, size_t n, struct fl_arena *a, size_t *n_dup)
{
    c->keys = fl_arena_alloc(a, n * sizeof *c->keys);
    if (!c->keys)
        return FL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        c->keys[i] = (struct akey){c->in[i].span_id, (uint32_t)i, 0};
    akey_sort(c->keys, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && c->keys[m - 1].k == c->keys[i].k)
            c->keys[m - 1] = c->keys[i]; /* a later copy of the same span id */
        else
            c->keys[m++] = c->keys[i];
    }
    c->m = m;
    *n_dup = n - m;
    c->par = fl_arena_alloc(a, m * sizeof *c->par);
    c->off = fl_arena_calloc(a, m + 1, sizeof *c->off);
    c->kids = fl_arena_alloc(a, m * sizeof *c->kids);
    c->mark = fl_arena_calloc(a, m, sizeof *c->mark);
    c->tops = fl_arena_alloc(a, m * sizeof *c->tops);
    if (!c->par || !c->off || !c->kids || !c->mark || !c->tops)
        return FL_ENOMEM;
    for (size_t j = 0; j < m; j++) {
        uint64_t pid = c->in[c->keys[j].v].parent_id;
        uint32_t p = pid ? find_id(c, pid) : FL_TRACE_NONE;
        if (p == j)
            p = FL_TRACE_NONE; /* its own parent: an orphan */
        c->par[j] = p;
        if (p != FL_TRACE_NONE)
            c->off[p + 1]++;
    }
    for (size_t j = 0; j < m; j++)
        c->off[j + 1] += c->off[j];
    /* Fill children lists in span-id order, using tops as a temporary cursor array. */
    for (size_t j = 0; j < m; j++)
        c->tops[j] = c->off[j];
    for (size_t j = 0; j < m; j++)
        if (c->par[j] != FL_TRACE_NONE)
            c->kids[c->tops[c->par[j]]++] = (uint32_t)j;
    c->n_tops = c->n_roots = 0;
    for (size_t j = 0; j < m; j++) {
        if (c->par[j] != FL_TRACE_NONE)
            continue;
        c->tops[c->n_tops++] = (uint32_t)j;
        c->n_roots += c->in[c->keys[j].v].parent_id == 0;
    }
    return FL_OK;
}

/* Mark everything under j reached (iterative: uses stack, m entries). */
static void reach_from(struct asm_ctx *c, uint32_t j, uint32_t *stack)
{
    size_t sp = 0;
    c->mark[j] = 1;
    stack[sp++] = j;
    while (sp) {
        uint32_t p = stack[--sp];
        for (uint32_t k = c->off[p]; k < c->off[p + 1]; k++) {
            uint32_t ch = c->kids[k];
            if (c->par[ch] == p && c->mark[ch] != 1) {
                c->mark[ch] = 1;
                stack[sp++] = ch;
            }
        }
    }
}

/* Rule 3: cut every parent-id cycle at its smallest span id; the cut spans join the tops. */
static fl_err break_cycles(struct asm_ctx *c, struct fl_arena *a)
{
    uint32_t *stack = fl_arena_alloc(a, c->m * sizeof *stack);
    if (!stack)
        return FL_ENOMEM;
    size_t reached = 0;
    for (size_t t = 0; t < c->n_tops; t++)
        reach_from(c, c->tops[t], stack);
    for (size_t j = 0; j < c->m; j++)
        reached += c->mark[j] == 1;
    if (reached == c->m)
        return FL_OK;
    /* Stamps start at 2 (1 means reached); unique index j uses stamp j + 2. */
    for (size_t j = 0; j < c->m; j++) {
        if (c->mark[j] == 1)
            continue;
        uint32_t stamp = (uint32_t)j + 2, x = (uint32_t)j;
        while (c->mark[x] != 1 && c->mark[x] != stamp) {
            c->mark[x] = stamp;
            x = c->par[x]; /* never NONE: every top is reached */
        }
        if (c->mark[x] == 1)
            continue; /* cannot happen: the walk led into reached spans */
        uint32_t low = x;
        for (uint32_t y = c->par[x]; y != x; y = c->par[y])
            if (y < low)
                low = y;
        c->par[low] = FL_TRACE_NONE;
        /* Keep tops in span-id order: insert. */
        size_t at = c->n_tops;
        while (at > 0 && c->tops[at - 1] > low) {
            c->tops[at] = c->tops[at - 1];
            at--;
        }
        c->tops[at] = low;
        c->n_tops++;
        reach_from(c, low, stack);
    }
    return FL_OK;
}

/* Fill out span o from unique span j under parent index p (FL_TRACE_NONE for a real root). */
static void fill_span(const struct asm_ctx *c, uint32_t j, struct fl_tspan *spans, uint32_t o,
                      uint32_t p, bool orphan)
{
    const struct fl_tspan_in *s = &c->in[c->keys[j].v];
    struct fl_tspan *t = &spans[o];
    memset(t, 0, sizeof *t); /* padding too: traces compare and hash as bytes */
    uint32_t flags = own_interval(s, &t->start_ns, &t->end_ns);
    if (p != FL_TRACE_NONE && !(spans[p].flags & FL_TSPAN_SYNTHETIC) &&
        !is_async(spans[p].kind, s->kind))
        flags |= clip_to_parent(spans[p].start_ns, spans[p].end_ns, &t->start_ns, &t->end_ns);
    if (orphan)
        flags |= FL_TSPAN_ORPHAN;
    if (s->status == FL_STATUS_ERROR || s->exception)
        flags |= FL_TSPAN_ERROR;
    if (s->timeout)
        flags |= FL_TSPAN_TIMEOUT;
    t->span_id = s->span_id;
    t->parent_id = s->parent_id;
    t->service = s->service;
    t->name = s->name;
    t->peer = s->peer;
    t->kind = s->kind;
    t->status = s->status;
    t->peer_kind = s->peer_kind;
    t->resend = s->resend;
    t->raw_start_ns = s->start_ns;
    t->raw_end_ns = s->end_ns;
    t->parent = p;
    t->first_child = t->next_sibling = FL_TRACE_NONE;
    t->flags = flags;
}

/* Rule 6: breadth-first layout from spans[0]; src[o] is the unique index of spans[o]. */
static fl_err lay_out(const struct asm_ctx *c, struct fl_tspan *spans, uint32_t *src, size_t n_out,
                      struct fl_arena *a)
{
    struct akey *order = fl_arena_alloc(a, (c->m > 0 ? c->m : 1) * sizeof *order);
    if (!order)
        return FL_ENOMEM;
    size_t tail = 1;
    for (size_t head = 0; head < n_out; head++) {
        const struct fl_tspan *pt = &spans[head];
        size_t k = 0;
        if (pt->flags & FL_TSPAN_SYNTHETIC) {
            for (size_t t = 0; t < c->n_tops; t++)
                order[k++] = (struct akey){0, c->tops[t], 0};
        } else {
            uint32_t j = src[head];
            for (uint32_t x = c->off[j]; x < c->off[j + 1]; x++)
                if (c->par[c->kids[x]] == j)
                    order[k++] = (struct akey){0, c->kids[x], 0};
        }
        if (k == 0)
            continue;
        /* Children by (start as it will be after clipping, span id): ids ascend with the unique
         * index, so the index breaks ties. */
        for (size_t x = 0; x < k; x++) {
            const struct fl_tspan_in *s = &c->in[c->keys[order[x].v].v];
            int64_t st, en;
            own_interval(s, &st, &en);
            if (!(pt->flags & FL_TSPAN_SYNTHETIC) && !is_async(pt->kind, s->kind))
                clip_to_parent(pt->start_ns, pt->end_ns, &st, &en);
            order[x].k = time_key(st);
        }
        akey_sort(order, k);
        if (tail + k > n_out)
            return FL_EINVAL; /* cannot happen: every span is placed once */
        for (size_t x = 0; x < k; x++) {
            uint32_t o = (uint32_t)(tail + x), j = order[x].v;
            src[o] = j;
            bool orphan = (pt->flags & FL_TSPAN_SYNTHETIC) && c->in[c->keys[j].v].parent_id != 0;
            fill_span(c, j, spans, o, (uint32_t)head, orphan);
            spans[o].next_sibling = x + 1 < k ? o + 1 : FL_TRACE_NONE;
        }
        spans[head].first_child = (uint32_t)tail;
        tail += k;
    }
    return tail == n_out ? FL_OK : FL_EINVAL;
}

static void fill_synthetic(const struct asm_ctx *c, struct fl_tspan *r)
{
    int64_t lo = FL_TRACE_MAX_NS, hi = 0;
    for (size_t t = 0; t < c->n_tops; t++) {
        int64_t s, e;
        own_interval(&c->in[c->keys[c->tops[t]].v], &s, &e);
        lo = s < lo ? s : lo;
        hi = e > hi ? e : hi;
    }
    if (hi < lo)
        hi = lo;
    memset(r, 0, sizeof *r);
    r->start_ns = r->raw_start_ns = lo;
    r->end_ns = r->raw_end_ns = hi;
    r->parent = r->first_child = r->next_sibling = FL_TRACE_NONE;
    r->flags = FL_TSPAN_SYNTHETIC;
}

fl_err fl_trace_assemble(const char *trace_id, const struct fl_tspan_in *in, size_t n,
                         struct fl_arena *a, struct fl_trace *out)
{
    memset(out, 0, sizeof *out);
    if (trace_id) {
        size_t len = strnlen(trace_id, sizeof out->trace_id - 1);
        memcpy(out->trace_id, trace_id, len);
    }
    if (!in || n == 0 || !a)
        return FL_EINVAL;
    if (n > FL_LIMIT_TRACE_SPANS)
        return FL_ELIMIT;
    struct asm_ctx c = {.in = in};
    size_t n_dup = 0;
    fl_err e = link_parents(&c, n, a, &n_dup);
    if (!e)
        e = break_cycles(&c, a);
    if (e)
        return a->limit_hit && e == FL_ENOMEM ? FL_ELIMIT : e;
    bool synthetic = !(c.n_roots == 1 && c.n_tops == 1);
    size_t n_out = c.m + synthetic;
    struct fl_tspan *spans = fl_arena_alloc(a, n_out * sizeof *spans);
    uint32_t *src = fl_arena_alloc(a, n_out * sizeof *src);
    if (!spans || !src)
        return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    if (synthetic) {
        fill_synthetic(&c, &spans[0]);
        src[0] = FL_TRACE_NONE;
    } else {
        src[0] = c.tops[0];
        fill_span(&c, c.tops[0], spans, 0, FL_TRACE_NONE, false);
    }
    e = lay_out(&c, spans, src, n_out, a);
    if (e)
        return e == FL_ENOMEM && a->limit_hit ? FL_ELIMIT : e;
    out->spans = spans;
    out->n_spans = n_out;
    out->n_duplicates = n_dup;
    out->n_orphans = synthetic ? c.n_tops - c.n_roots : 0;
    for (size_t i = 0; i < n_out; i++)
        out->n_clipped += (spans[i].flags & FL_TSPAN_CLIPPED) != 0;
    return FL_OK;
}

int64_t fl_trace_duration_ns(const struct fl_trace *t)
{
    if (!t || !t->spans || t->n_spans == 0)
        return 0;
    return t->spans[0].end_ns - t->spans[0].start_ns;
}
