/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_trace_assemble.c: libFuzzer target for trace assembly, critical path and analysis
 * (src/trace/assemble.c, critpath.c, analyze.c).
 *
 * Input: one mode byte, then 16 bytes per span:
 *   id, parent id (0 = root), kind % 6, status % 3 | 0x10 timeout | 0x20 exception, service,
 *   name, peer (peer kind = peer % 5), resend, start (int32 LE), duration (int32 LE, may be < 0)
 * Small ids make duplicates, orphans and parent cycles common. Mode bit 0 puts the times near
 * INT64_MIN / INT64_MAX (hostile timestamps); bit 1 scales them by 2^20.
 * Whatever the input: no crash, and the invariants hold: a breadth-first tree reaching every
 * span once, children in start order and inside their parent (unless OUTSIDE or asynchronous),
 * critical-path segments tiling the root in time order with cp_ns adding up to the duration,
 * one call per CLIENT/PRODUCER span, and critical-path shares within the duration.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/record.h"
#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC 16

static int32_t le32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}

static void check_tree(const struct fl_trace *t)
{
    const struct fl_tspan *sp = t->spans;
    size_t seen = 1;
    if (t->n_spans == 0 || sp[0].parent != FL_TRACE_NONE)
        abort();
    for (size_t i = 0; i < t->n_spans; i++) {
        if (sp[i].end_ns < sp[i].start_ns)
            abort();
        int64_t prev = INT64_MIN;
        for (uint32_t c = sp[i].first_child; c != FL_TRACE_NONE; c = sp[c].next_sibling) {
            if (c <= i || c >= t->n_spans || sp[c].parent != i || sp[c].start_ns < prev)
                abort();
            prev = sp[c].start_ns;
            bool async = sp[i].kind == FL_SPAN_PRODUCER && sp[c].kind == FL_SPAN_CONSUMER;
            if (!(sp[c].flags & FL_TSPAN_OUTSIDE) && !async &&
                (sp[c].start_ns < sp[i].start_ns || sp[c].end_ns > sp[i].end_ns))
                abort();
            if (++seen > t->n_spans)
                abort();
        }
    }
    if (seen != t->n_spans)
        abort();
}

static void check_cp(const struct fl_trace *t, const struct fl_cp_seg *sg, size_t ns)
{
    int64_t at = t->spans[0].start_ns, total = 0;
    for (size_t k = 0; k < ns; k++) {
        if (sg[k].span >= t->n_spans || sg[k].start_ns != at || sg[k].end_ns <= sg[k].start_ns)
            abort();
        at = sg[k].end_ns;
    }
    if (ns && at != t->spans[0].end_ns)
        abort();
    for (size_t i = 0; i < t->n_spans; i++) {
        if (t->spans[i].cp_ns < 0)
            abort();
        total += t->spans[i].cp_ns;
    }
    if (total != fl_trace_duration_ns(t))
        abort();
}

static void check_analysis(const struct fl_trace *t, const struct fl_trace_analysis *an)
{
    size_t calls = 0;
    for (size_t i = 0; i < t->n_spans; i++)
        calls += t->spans[i].kind == FL_SPAN_CLIENT || t->spans[i].kind == FL_SPAN_PRODUCER;
    if (an->n_calls != calls)
        abort();
    for (size_t i = 0; i < an->n_calls; i++) {
        const struct fl_trace_call *c = &an->calls[i];
        if (c->client >= t->n_spans || c->network_ns < -1 || c->duration_ns < 0 ||
            (c->server != FL_TRACE_NONE &&
             (c->server >= t->n_spans || t->spans[c->server].parent != c->client)) ||
            (c->server == FL_TRACE_NONE && c->network_ns != -1))
            abort();
    }
    int64_t d = fl_trace_duration_ns(t);
    if (an->error_cp_ns < 0 || an->error_cp_ns > d || an->timeout_cp_ns < 0 ||
        an->timeout_cp_ns > d || an->retried_cp_ns < 0 || an->retried_cp_ns > d ||
        an->n_retries > t->n_spans || an->n_errors > t->n_spans)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 + REC)
        return 0;
    uint8_t mode = data[0];
    size_t n = (size - 1) / REC;
    struct fl_tspan_in *in = calloc(n, sizeof *in);
    if (!in)
        return 0;
    int64_t base =
        (mode & 1) ? (data[1] & 1 ? INT64_MAX - 1000 : INT64_MIN + 1000) : 1700000000000000000LL;
    int shift = (mode & 2) ? 20 : 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *r = data + 1 + i * REC;
        struct fl_tspan_in *s = &in[i];
        s->span_id = r[0];
        s->parent_id = r[1];
        s->kind = r[2] % 6;
        s->status = (r[3] & 0x0f) % 3;
        s->timeout = (r[3] & 0x10) != 0;
        s->exception = (r[3] & 0x20) != 0;
        s->service = r[4];
        s->name = r[5];
        s->peer = r[6];
        s->peer_kind = r[6] % 5;
        s->resend = r[7];
        /* Wrapping arithmetic in unsigned: hostile bases may overflow on purpose. */
        int64_t st = (int64_t)((uint64_t)base + ((uint64_t)(int64_t)le32(r + 8) << shift));
        s->start_ns = st;
        s->end_ns = (int64_t)((uint64_t)st + ((uint64_t)(int64_t)le32(r + 12) << shift));
    }
    struct fl_arena a;
    fl_arena_init(&a, 0, 0);
    struct fl_trace t;
    if (fl_trace_assemble("fuzz", in, n, &a, &t) != FL_OK)
        abort();
    if (t.n_spans + t.n_duplicates - ((t.spans[0].flags & FL_TSPAN_SYNTHETIC) ? 1 : 0) != n)
        abort();
    check_tree(&t);
    struct fl_cp_seg *sg;
    size_t ns;
    if (fl_trace_critical_path(&t, &a, &sg, &ns) != FL_OK)
        abort();
    check_cp(&t, sg, ns);
    struct fl_trace_analysis an;
    if (fl_trace_analyze(&t, &a, &an) != FL_OK)
        abort();
    check_analysis(&t, &an);
    fl_arena_cleanup(&a);
    free(in);
    return 0;
}
