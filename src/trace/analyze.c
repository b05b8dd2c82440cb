/* SPDX-License-Identifier: Apache-2.0 */
/*
 * analyze.c: what one assembled, critical-pathed trace says about calls, network time, errors,
 * timeouts and retries (docs/TRACES.md, "Calls, network time, errors and retries").
 *
 * Calls. Every CLIENT or PRODUCER span is a call. Its callee is its first child (in start order)
 * of kind SERVER (for CLIENT) or CONSUMER (for PRODUCER) that belongs to another service; without
 * one the callee is not traced and is named by the span's peer (facts.c) or else by its name.
 * Network time is what the client waited outside the callee: client duration minus server
 * duration, both from the raw timestamps (a span's duration is read off one clock, so host clock
 * skew cancels out; the clipped times would not), at least 0. It is -1 for an untraced callee
 * and for PRODUCER -> CONSUMER, where the producer does not wait for the consumer.
 * (Jaeger's analytics used server start - client start instead, which skew corrupts.)
 *
 * Errors and timeouts are flagged by assemble.c from the input (status ERROR or an exception
 * event; the timeout fact); this file counts them. Retries: among the CLIENT and PRODUCER
 * children of one parent (for orphans: of one missing parent id) with the same service, name
 * and peer, in start order, a call is a retry (FL_TSPAN_RETRY) when the closest earlier one that
 * had ended by its start either failed (ERROR or TIMEOUT) or the call itself carries a resend
 * count; that earlier attempt is FL_TSPAN_RETRIED. "Closest" looks back at most RETRY_LOOKBACK
 * calls, which bounds the work on huge fan-outs of parallel identical calls.
 *
 * The critical-path shares count the critical-path time spent inside (in the subtree of) an
 * error, timed-out or retried span, once even where such spans nest: a timed-out call explains
 * the time its callee spent too, and a retried attempt cost everything under it.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/record.h"
#include "trace.h"

#define RETRY_LOOKBACK 32 /* earlier identical calls looked at for each call */
#define SMALL_SORT 24

static bool is_call(uint8_t kind)
{
    return kind == FL_SPAN_CLIENT || kind == FL_SPAN_PRODUCER;
}

/* Raw duration, >= 0, without overflow on hostile timestamps. */
static int64_t raw_duration(const struct fl_tspan *s)
{
    if (s->raw_end_ns <= s->raw_start_ns)
        return 0;
    uint64_t d = (uint64_t)s->raw_end_ns - (uint64_t)s->raw_start_ns;
    return d > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)d;
}

/* The traced callee of call span c, or FL_TRACE_NONE. */
static uint32_t find_server(const struct fl_trace *t, uint32_t c)
{
    const struct fl_tspan *sp = t->spans;
    uint8_t want = sp[c].kind == FL_SPAN_CLIENT ? FL_SPAN_SERVER : FL_SPAN_CONSUMER;
    size_t guard = 0;
    for (uint32_t k = sp[c].first_child; k < t->n_spans && guard++ < t->n_spans;
         k = sp[k].next_sibling)
        if (sp[k].kind == want && sp[k].service != sp[c].service)
            return k;
    return FL_TRACE_NONE;
}

static fl_err find_calls(const struct fl_trace *t, struct fl_arena *a,
                         struct fl_trace_analysis *out)
{
    const struct fl_tspan *sp = t->spans;
    size_t n = 0;
    for (size_t i = 0; i < t->n_spans; i++)
        n += is_call(sp[i].kind);
    if (n == 0)
        return FL_OK;
    out->calls = fl_arena_alloc(a, n * sizeof *out->calls);
    if (!out->calls)
        return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    for (size_t i = 0; i < t->n_spans; i++) {
        if (!is_call(sp[i].kind))
            continue;
        struct fl_trace_call *c = &out->calls[out->n_calls++];
        uint32_t s = find_server(t, (uint32_t)i);
        c->client = (uint32_t)i;
        c->server = s;
        c->caller = sp[i].service;
        c->duration_ns = raw_duration(&sp[i]);
        c->cp_ns = sp[i].cp_ns;
        if (s != FL_TRACE_NONE) {
            c->callee = sp[s].service;
            c->callee_kind = FL_PEER_SERVICE;
            int64_t d = c->duration_ns - raw_duration(&sp[s]);
            c->network_ns = sp[i].kind == FL_SPAN_PRODUCER ? -1 : d > 0 ? d : 0;
        } else {
            c->callee = sp[i].peer ? sp[i].peer : sp[i].name;
            c->callee_kind = sp[i].peer ? sp[i].peer_kind : FL_PEER_NONE;
            c->network_ns = -1;
        }
    }
    return FL_OK;
}

/* A call as the retry search sees it: grouped by (parent, service, name, peer), by start. */
struct rkey {
    uint32_t parent, service, name, peer;
    uint64_t parent_id; /* orphans under the synthetic root are siblings only with equal ones */
    int64_t start;
    uint64_t id;
    uint32_t idx, pad;
};

static int rkey_cmp(const void *pa, const void *pb)
{
    const struct rkey *a = pa, *b = pb;
#define RKEY_FIELD(f)                                                                              \
    if (a->f != b->f)                                                                              \
        return a->f < b->f ? -1 : 1;
    RKEY_FIELD(parent)
    RKEY_FIELD(parent_id)
    RKEY_FIELD(service)
    RKEY_FIELD(name)
    RKEY_FIELD(peer)
    RKEY_FIELD(start)
    RKEY_FIELD(id)
#undef RKEY_FIELD
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static bool same_group(const struct rkey *a, const struct rkey *b)
{
    return a->parent == b->parent && a->parent_id == b->parent_id && a->service == b->service &&
           a->name == b->name && a->peer == b->peer;
}

static void sort_rkeys(struct rkey *x, size_t n)
{
    if (n > SMALL_SORT) {
        qsort(x, n, sizeof *x, rkey_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct rkey t = x[i];
        size_t j = i;
        while (j > 0 && rkey_cmp(&x[j - 1], &t) > 0) {
            x[j] = x[j - 1];
            j--;
        }
        x[j] = t;
    }
}

static fl_err find_retries(struct fl_trace *t, struct fl_arena *a)
{
    struct fl_tspan *sp = t->spans;
    size_t n = 0;
    for (size_t i = 1; i < t->n_spans; i++)
        n += is_call(sp[i].kind) && sp[i].parent != FL_TRACE_NONE;
    if (n < 2)
        return FL_OK;
    struct rkey *k = fl_arena_alloc(a, n * sizeof *k);
    if (!k)
        return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    size_t m = 0;
    for (size_t i = 1; i < t->n_spans; i++)
        if (is_call(sp[i].kind) && sp[i].parent != FL_TRACE_NONE)
            k[m++] = (struct rkey){sp[i].parent,  sp[i].service,   sp[i].name,
                                   sp[i].peer,    sp[i].parent_id, sp[i].start_ns,
                                   sp[i].span_id, (uint32_t)i,     0};
    sort_rkeys(k, m);
    for (size_t j = 1; j < m; j++) {
        struct fl_tspan *c = &sp[k[j].idx];
        size_t lo = j > RETRY_LOOKBACK ? j - RETRY_LOOKBACK : 0;
        for (size_t i = j; i-- > lo && same_group(&k[i], &k[j]);) {
            struct fl_tspan *prev = &sp[k[i].idx];
            /* Overlapping (beyond timestamp resolution, trace.h): not a retry. */
            if (prev->end_ns - fl_trace_resolution_ns(c->start_ns) > c->start_ns)
                continue;
            if ((prev->flags & (FL_TSPAN_ERROR | FL_TSPAN_TIMEOUT)) || c->resend > 0) {
                c->flags |= FL_TSPAN_RETRY;
                prev->flags |= FL_TSPAN_RETRIED;
            }
            break;
        }
    }
    return FL_OK;
}

/* Critical-path time inside spans carrying flag (subtrees, counted once). Needs parents before
 * children, as assembly lays spans out; a span breaking that order counts only for itself. */
static int64_t cp_inside(const struct fl_trace *t, uint32_t flag, uint8_t *in)
{
    int64_t sum = 0;
    for (size_t i = 0; i < t->n_spans; i++) {
        const struct fl_tspan *s = &t->spans[i];
        in[i] = (s->flags & flag) || (s->parent < i && in[s->parent]);
        if (in[i])
            sum += s->cp_ns;
    }
    return sum;
}

fl_err fl_trace_analyze(struct fl_trace *t, struct fl_arena *a, struct fl_trace_analysis *out)
{
    memset(out, 0, sizeof *out);
    if (!t || !t->spans || t->n_spans == 0 || !a)
        return FL_EINVAL;
    struct fl_tspan *sp = t->spans;
    for (size_t i = 0; i < t->n_spans; i++) {
        sp[i].flags &= ~(uint32_t)(FL_TSPAN_RETRY | FL_TSPAN_RETRIED);
        if (sp[i].status == FL_STATUS_ERROR)
            sp[i].flags |= FL_TSPAN_ERROR;
    }
    fl_err e = find_calls(t, a, out);
    if (!e)
        e = find_retries(t, a);
    uint8_t *in = e ? NULL : fl_arena_alloc(a, t->n_spans);
    if (!e && !in)
        e = a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    if (e) {
        memset(out, 0, sizeof *out);
        return e;
    }
    for (size_t i = 0; i < t->n_spans; i++) {
        out->n_errors += (sp[i].flags & FL_TSPAN_ERROR) != 0;
        out->n_timeouts += (sp[i].flags & FL_TSPAN_TIMEOUT) != 0;
        out->n_retries += (sp[i].flags & FL_TSPAN_RETRY) != 0;
    }
    out->error_cp_ns = cp_inside(t, FL_TSPAN_ERROR, in);
    out->timeout_cp_ns = cp_inside(t, FL_TSPAN_TIMEOUT, in);
    out->retried_cp_ns = cp_inside(t, FL_TSPAN_RETRIED, in);
    return FL_OK;
}
