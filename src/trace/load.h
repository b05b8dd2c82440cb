/* SPDX-License-Identifier: Apache-2.0 */
/*
 * load.h: the bridge from the store to trace analysis (docs/TRACES.md, "Loading from the store").
 *
 * src/trace sits above src/store: this is the one file of the module that reads spans, through
 * the store's interface (fl_store_span_scan, fl_store_trace). It turns each struct fl_span into
 * the compact struct fl_tspan_in (ids as numbers, strings interned, attribute facts read once),
 * groups spans by trace, and runs assembly, critical path and analysis on every trace. Several
 * windows can be loaded concurrently, one thread each (fl_trace_load_windows).
 */
#ifndef FL_TRACE_LOAD_H
#define FL_TRACE_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../core/err.h"
#include "../store/store.h"
#include "trace.h"

#define FL_TRACE_LOAD_MAX_TRACE_NS ((int64_t)60 * 1000000000) /* default max_trace_ns: 60 s */
/* Windows one fl_trace_load_windows call loads at once, one thread each: the store's reader
 * pool (FL_STORE_MAX_READERS in src/store/store_int.h) is as large. */
#define FL_TRACE_LOAD_MAX_WINDOWS 8

struct fl_trace_load_opts {
    /* A trace's spans are looked for this far around the window: spans starting up to this long
     * before the window tell that a trace began earlier (it is then not the window's), spans up
     * to this long after its end still belong to the window's traces. 0 (or less) = 60 s. */
    int64_t max_trace_ns;
};

/*
 * Read the spans of every trace whose earliest span starts in [start_ns, end_ns) from the store,
 * assemble, critical-path and analyze each, and add it to w (whose symbol table receives the
 * strings). *n_spans (may be NULL) is set to the number of spans this call read from the store,
 * the margins included. o may be NULL (defaults). Traces are added in the order their first span
 * was read. A trace with more than FL_LIMIT_TRACE_SPANS spans is left out (logged at warn level);
 * spans whose span id is not 16 hex digits are skipped. Errors: FL_EINVAL (NULL store or window,
 * end_ns <= start_ns), FL_ELIMIT (more than FL_LIMIT_WINDOW_TRACES traces in the window, or
 * twice that many around it; symbol table full), the store's errors, FL_ENOMEM. On an error w
 * may hold some of the window's traces.
 * Thread-safety: interns into w's symbol table, so no other thread may use that table (nor w)
 * during the call; the store may be shared. To load several windows with one table at once, use
 * fl_trace_load_windows.
 */
fl_err fl_trace_load_window(struct fl_store *s, int64_t start_ns, int64_t end_ns,
                            const struct fl_trace_load_opts *o, struct fl_trace_window *w,
                            size_t *n_spans, struct fl_diag *d) FL_MUST_CHECK;

/*
 * Load n windows (1 <= n <= FL_TRACE_LOAD_MAX_WINDOWS) at once: window i is [start_ns[i],
 * end_ns[i]) into w[i], exactly as fl_trace_load_window would (same traces, same order, and the
 * same symbol ids as loading w[0], w[1], ... one after the other), each in a thread of its own;
 * the calling thread loads w[0]. n_spans (may be NULL) receives n counts of spans read. The
 * windows must be distinct and share one symbol table. Each loader interns into a private table
 * while it scans; after every scan has ended, the private tables are merged into the shared one
 * in window order (fl_trace_syms_merge), and the loaders then build their windows in parallel
 * with the shared ids. No lock is taken on the symbols.
 * Errors: FL_EINVAL (NULL arguments, n out of range, a window given twice or with another
 * symbol table, an end not after its start: checked before anything is read), else those of
 * fl_trace_load_window. The first loader to fail decides the error and d; the others stop at
 * their next span or trace. On an error the windows may hold some traces each.
 * Thread-safety: no other thread may use the windows or their symbol table during the call; the
 * store may be shared (each loader borrows one of its reader connections).
 */
fl_err fl_trace_load_windows(struct fl_store *s, size_t n, const int64_t *start_ns,
                             const int64_t *end_ns, const struct fl_trace_load_opts *o,
                             struct fl_trace_window **w, size_t *n_spans,
                             struct fl_diag *d) FL_MUST_CHECK;

/*
 * One trace by id (32 hex digits, any case): assembled, critical-pathed and analyzed into *t and
 * *an, everything allocated from a (the caller resets or frees it); strings interned into y.
 * Errors: FL_EINVAL (bad id), FL_ENOTFOUND (no span of that trace), FL_ELIMIT (more than
 * FL_LIMIT_TRACE_SPANS spans, or a's cap), the store's errors, FL_ENOMEM.
 */
fl_err fl_trace_load_one(struct fl_store *s, const char *trace_id, struct fl_trace_syms *y,
                         struct fl_arena *a, struct fl_trace *t, struct fl_trace_analysis *an,
                         struct fl_diag *d) FL_MUST_CHECK;

/* ---- analyses over the store shared by the API and the CLI (stored.c) ---- */

/* One trace found by fl_trace_search; t and an are valid during the call. Non-zero stops. */
typedef int (*fl_trace_found_fn)(const struct fl_trace *t, const struct fl_trace_analysis *an,
                                 void *ud);

/*
 * The traces that have a span matching q (its limit is ignored), newest matching span first, up
 * to limit traces, each assembled and analyzed (strings interned into y). Traces removed by
 * retention between the span query and their load are skipped. Errors: FL_EINVAL (bad
 * arguments), the store's, FL_ENOMEM.
 */
fl_err fl_trace_search(struct fl_store *s, const struct fl_span_query *q, size_t limit,
                       struct fl_trace_syms *y, fl_trace_found_fn fn, void *ud,
                       struct fl_diag *d) FL_MUST_CHECK;

/*
 * The dependency graph of the traces that started in [start_ns, end_ns) (loaded into w), merged
 * with the topology of cfg (may be NULL). Arrays from a.
 */
struct fl_config;
fl_err fl_trace_graph_stored(struct fl_store *s, const struct fl_config *cfg, int64_t start_ns,
                             int64_t end_ns, struct fl_trace_window *w, struct fl_arena *a,
                             struct fl_trace_graph *out, struct fl_diag *d) FL_MUST_CHECK;

#endif
