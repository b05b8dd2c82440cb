/* SPDX-License-Identifier: Apache-2.0 */
/*
 * window_fx.h: trace fixtures of the window, compare and graph tests: spans built by hand as
 * struct fl_tspan_in, run through the real fl_trace_assemble, fl_trace_critical_path and
 * fl_trace_analyze, and added to a window.
 *
 * The chain fixture is the fraud-model incident in miniature: gateway (SERVER "POST /score")
 * calls feature-store (CLIENT "GET features" -> SERVER "GET /features") and then model-server
 * (CLIENT "POST predict" -> SERVER "predict"), one after the other. Every gap, network time and
 * service time is drawn from a fixed-seed generator, so the critical path of each trace is
 * known: gateway's own gaps, the feature-store edge's network time, the feature store's service
 * time, the model edge's network time and the model's service time, which add up to the
 * trace's duration. A fixture can add a delay to the feature-store call's network time or to the
 * model's service time.
 */
#ifndef FL_TEST_TRACE_WINDOW_FX_H
#define FL_TEST_TRACE_WINDOW_FX_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/record.h"
#include "trace/trace.h"

#define FX_MS 1000000LL

struct fx_rng {
    uint64_t s;
};

/* xorshift64*: uniform in [0, 1). */
static inline double fx_uniform(struct fx_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (double)((r->s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Nanoseconds uniform in [lo_ms, hi_ms). */
static inline int64_t fx_ns(struct fx_rng *r, double lo_ms, double hi_ms)
{
    return (int64_t)((lo_ms + (hi_ms - lo_ms) * fx_uniform(r)) * (double)FX_MS);
}

static inline uint32_t fx_sym(struct fl_trace_syms *y, const char *s)
{
    uint32_t id = 0;
    cr_assert_eq(fl_trace_syms_intern(y, s, strlen(s), &id), FL_OK);
    return id;
}

static inline struct fl_tspan_in fx_span(struct fl_trace_syms *y, uint64_t id, uint64_t parent,
                                         const char *service, const char *name, int kind,
                                         int64_t start, int64_t end)
{
    struct fl_tspan_in s;
    memset(&s, 0, sizeof s);
    s.span_id = id;
    s.parent_id = parent;
    s.service = fx_sym(y, service);
    s.name = fx_sym(y, name);
    s.kind = (uint8_t)kind;
    s.start_ns = start;
    s.end_ns = end;
    return s;
}

/* Assemble, critical-path, analyze in (fresh) arena a; add to w when w is not NULL. */
static inline void fx_add(struct fl_trace_window *w, const char *id, const struct fl_tspan_in *in,
                          size_t n, struct fl_arena *a, struct fl_trace *t,
                          struct fl_trace_analysis *an)
{
    fl_arena_reset(a);
    cr_assert_eq(fl_trace_assemble(id, in, n, a, t), FL_OK);
    cr_assert_eq(fl_trace_critical_path(t, a, NULL, NULL), FL_OK);
    cr_assert_eq(fl_trace_analyze(t, a, an), FL_OK);
    if (w)
        cr_assert_eq(fl_trace_window_add(w, t, an), FL_OK);
}

/* What a chain trace's critical path is made of (ns). */
struct fx_chain {
    int64_t gaps;   /* gateway's own time */
    int64_t fs_net; /* gateway -> feature-store edge (network) */
    int64_t fs_srv; /* feature-store / GET /features */
    int64_t m_net;  /* gateway -> model-server edge (network) */
    int64_t m_srv;  /* model-server / predict */
    int64_t duration;
};

/* The five spans of one chain trace starting at t0 into out[5]; extra delays in ns. */
static inline struct fx_chain fx_chain_spans(struct fl_trace_syms *y, struct fx_rng *r, int64_t t0,
                                             uint64_t id0, int64_t fs_extra_ns,
                                             int64_t model_extra_ns, struct fl_tspan_in out[5])
{
    struct fx_chain c;
    int64_t g1 = fx_ns(r, 0.2, 0.8), g2 = fx_ns(r, 0.2, 0.8), g3 = fx_ns(r, 0.2, 0.8);
    int64_t fs_net = fx_ns(r, 0.5, 1.5) + fs_extra_ns, fs_srv = fx_ns(r, 3, 7);
    int64_t m_net = fx_ns(r, 0.3, 0.7), m_srv = fx_ns(r, 8, 16) + model_extra_ns;
    int64_t a0 = t0 + g1, a1 = a0 + fs_net + fs_srv;
    int64_t b0 = a1 + g2, b1 = b0 + m_net + m_srv, end = b1 + g3;
    /* The server spans start a little after their client: 1/4 of the network time before. */
    int64_t fs0 = a0 + fs_net / 4, m0 = b0 + m_net / 4;
    out[0] = fx_span(y, id0 + 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, t0, end);
    out[1] = fx_span(y, id0 + 2, id0 + 1, "gateway", "GET features", FL_SPAN_CLIENT, a0, a1);
    out[2] = fx_span(y, id0 + 3, id0 + 2, "feature-store", "GET /features", FL_SPAN_SERVER, fs0,
                     fs0 + fs_srv);
    out[3] = fx_span(y, id0 + 4, id0 + 1, "gateway", "POST predict", FL_SPAN_CLIENT, b0, b1);
    out[4] =
        fx_span(y, id0 + 5, id0 + 4, "model-server", "predict", FL_SPAN_SERVER, m0, m0 + m_srv);
    c.gaps = g1 + g2 + g3;
    c.fs_net = fs_net;
    c.fs_srv = fs_srv;
    c.m_net = m_net;
    c.m_srv = m_srv;
    c.duration = end - t0;
    return c;
}

/* n chain traces into w (seeded), 10 ms apart from start_ns. */
static inline void fx_chain_window(struct fl_trace_window *w, struct fl_trace_syms *y, size_t n,
                                   uint64_t seed, int64_t start_ns, int64_t fs_extra_ns,
                                   int64_t model_extra_ns)
{
    struct fx_rng r = {seed};
    struct fl_arena a;
    struct fl_trace t;
    struct fl_trace_analysis an;
    struct fl_tspan_in in[5];
    fl_arena_init(&a, 64 * 1024, 64u * 1024 * 1024);
    for (size_t i = 0; i < n; i++) {
        char id[33];
        snprintf(id, sizeof id, "%016llx%016llx", (unsigned long long)seed,
                 (unsigned long long)i + 1);
        fx_chain_spans(y, &r, start_ns + (int64_t)i * 10 * FX_MS, (uint64_t)i * 16, fs_extra_ns,
                       model_extra_ns, in);
        fx_add(w, id, in, 5, &a, &t, &an);
    }
    fl_arena_cleanup(&a);
}

#endif
