/* SPDX-License-Identifier: Apache-2.0 */
/*
 * window_int.h: the inside of struct fl_trace_window, shared by window.c (which fills it),
 * compare.c and graph.c (which read it). Not a public header: nothing outside src/trace/ uses it.
 *
 * A window is three flat tables:
 *   traces  one row per trace: duration, error flag, timeout/retried critical-path time and the
 *           slice [cp_first, cp_first + n_cp) of the critical-path entries
 *   cp      (key index, critical-path ns) per trace and key, keys merged within a trace
 *   keys    one row per OPERATION (service, operation) or EDGE (caller, callee): counts and the
 *           own-latency samples; found by a small open-addressing table on the packed key
 */
#ifndef FL_TRACE_WINDOW_INT_H
#define FL_TRACE_WINDOW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

/* A growable array of doubles (milliseconds). */
struct fl_trace__dvec {
    double *v;
    size_t n, cap;
};

struct fl_trace__key {
    uint64_t packed;   /* fl_trace__key_pack(kind, a, b) */
    uint32_t a, b;     /* OPERATION: service, operation; EDGE: caller, callee (symbols) */
    uint8_t kind;      /* enum fl_trace_key_kind */
    uint8_t peer_kind; /* EDGE: enum fl_peer_kind of the callee; FL_PEER_SERVICE once a call to it
                          was traced (a server span answered), else the last non-NONE kind seen */
    bool traced;       /* EDGE: at least one call had a server span */
    uint64_t n;        /* spans (OPERATION) or calls (EDGE) */
    uint64_t n_errors; /* spans flagged ERROR or TIMEOUT; calls whose client span is, or whose
                          server span is flagged ERROR */
    struct fl_trace__dvec own; /* OPERATION: span durations; EDGE: call (client span) durations */
    struct fl_trace__dvec net; /* EDGE: network time of traced calls */
    /* scratch of fl_trace_window_add */
    uint64_t mark; /* window serial of the last pass over a trace that used this key */
    size_t slot;   /* its cp entry in that trace */
    uint32_t pend_own, pend_net;
};

struct fl_trace__wtrace {
    int64_t duration_ns;
    int64_t timeout_cp_ns, retried_cp_ns;
    size_t cp_first; /* index into cp_key / cp_ns */
    uint32_t n_cp;
    bool error; /* at least one span flagged ERROR */
};

struct fl_trace_window {
    struct fl_trace_syms *y; /* borrowed */
    int64_t start_ns, end_ns;
    struct fl_trace__wtrace *traces;
    size_t n_traces, cap_traces;
    uint32_t *cp_key; /* key index */
    int64_t *cp_ns;   /* critical-path time of that key in the trace, > 0 */
    size_t n_cp, cap_cp_key, cap_cp_ns;
    struct fl_trace__key *keys;
    size_t n_keys, cap_keys;
    uint32_t *slots; /* open addressing: key index + 1; 0 = empty; power-of-two size */
    size_t n_slots;
    /* scratch of fl_trace_window_add, per span of the trace being added */
    uint32_t *span_key, *call_of;
    size_t cap_span_key, cap_call_of;
    uint64_t serial; /* bumped twice per add; see fl_trace__key.mark */
};

/* kind in the top two bits, a and b 31 bits each (symbols stay below FL_LIMIT_TRACE_SYMS). */
static inline uint64_t fl_trace__key_pack(int kind, uint32_t a, uint32_t b)
{
    return ((uint64_t)(kind & 3) << 62) | ((uint64_t)(a & 0x7fffffffu) << 31) |
           (uint64_t)(b & 0x7fffffffu);
}

/* Heap bytes w holds (array capacities, the scratch included), for benchmarks. */
size_t fl_trace__window_bytes(const struct fl_trace_window *w);

/* Index of the key in w->keys, or FL_TRACE_NONE. */
uint32_t fl_trace__window_find(const struct fl_trace_window *w, uint64_t packed);

/*
 * Linear-interpolation percentile (numpy.percentile's default 'linear') of the sorted s[0..n),
 * p in [0, 100]; NaN when n == 0.
 */
double fl_trace__pct_sorted(const double *s, size_t n, double p);

/* The same at ps[0..nps) over an unsorted v[0..n) (one sorted copy is made); out[i] is NaN for
 * every i when n == 0. FL_ENOMEM. */
fl_err fl_trace__pcts(const double *v, size_t n, const double *ps, size_t nps,
                      double *out) FL_MUST_CHECK;

/* Histogram of one row's own latency over the samples xb[0..nb) (baseline) and xi[0..ni)
 * (incident): fills row->hist_edges_ms, hist_base, hist_inc and n_hist from a by the rule of
 * struct fl_trace_cmp_row (compare.c). Samples must be finite. Without samples the fields are
 * NULL and 0. FL_ENOMEM, or FL_ELIMIT when a's cap is hit. */
fl_err fl_trace__cmp_hist(const double *xb, size_t nb, const double *xi, size_t ni,
                          struct fl_arena *a, struct fl_trace_cmp_row *row) FL_MUST_CHECK;

#endif
