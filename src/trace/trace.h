/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trace.h: span trees and what they say about latency and errors (docs/TRACES.md).
 *
 * The analysis works on a compact form of spans: ids as 64-bit numbers, strings (services,
 * operations, peers) interned once into a symbol table shared by every trace of an analysis.
 * Nothing here knows SQLite or HTTP: load.c reads spans through the store's interface, and
 * everything else is pure computation over memory.
 *
 *   syms      interned strings; id 0 is always ""
 *   facts     what a span's attributes and events say: the remote it called (peer.service,
 *             db.system, server.address...), timeout, resend count
 *   assemble  spans -> one tree per trace: duplicates dropped, orphans under a synthetic root,
 *             children clipped to their parent (clock skew), as CRISP does
 *   critpath  the critical path (CRISP / Jaeger: last-finishing child first) and the exclusive
 *             critical-path time of each span
 *   analyze   per trace: calls (client span + matching server span, network time), errors,
 *             timeouts, retries and the share of end-to-end latency they explain
 *   window    many traces of one time window, aggregated; compare two windows at a percentile
 *   graph     the service dependency graph of a window, merged with the configured topology
 */
#ifndef FL_TRACE_H
#define FL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../core/err.h"

#define FL_TRACE_NONE UINT32_MAX /* "no span" in index fields */

/*
 * The resolution a timestamp was taken at, as far as it shows: 1 ms when t is a whole number of
 * milliseconds, 1 us when a whole number of microseconds, else 0. Ordering decisions (critical
 * path, retry detection) tolerate that much: a call that appears to end up to one resolution step
 * after the next sequential call began is still taken as sequential. OpenTelemetry JS stamps a
 * span's start with Date.now() (whole milliseconds) and its end as start plus a performance.now()
 * difference, so back-to-back calls of a real SDK overlap by up to 1 ms in a quarter to a half of
 * traces (tests/integration/test_trace_compare.sh); precise timestamps get no tolerance.
 */
static inline int64_t fl_trace_resolution_ns(int64_t t)
{
    return t % 1000000 == 0 ? 1000000 : t % 1000 == 0 ? 1000 : 0;
}

/* ---- symbols ---- */

/*
 * Thread-safety: a table is not locked. Any number of threads may call fl_trace_syms_str and
 * fl_trace_syms_count at once while no thread interns; interning (fl_trace_syms_intern,
 * fl_trace_syms_merge, fl_trace_graph_build, the loaders of load.h) needs the table to itself.
 * Concurrent loaders (fl_trace_load_windows) each intern into a private table and merge those
 * into the shared one afterwards, in a fixed order (see fl_trace_syms_merge), so that ids do not
 * depend on thread timing: ids order the rows of a comparison that tie on their delta.
 */
struct fl_trace_syms;
struct fl_trace_syms *fl_trace_syms_new(void);
void fl_trace_syms_free(struct fl_trace_syms *y);
/* The id of s[0..len) (>= 1; "" is 0), adding it if new. FL_ENOMEM, FL_ELIMIT past
 * FL_LIMIT_TRACE_SYMS distinct strings. */
fl_err fl_trace_syms_intern(struct fl_trace_syms *y, const char *s, size_t len,
                            uint32_t *id) FL_MUST_CHECK;
/* NUL-terminated text of id; "" for 0 or an unknown id. Valid until the table is freed. */
const char *fl_trace_syms_str(const struct fl_trace_syms *y, uint32_t id);
/* Number of ids in use, "" included: ids are 0 .. count - 1. */
size_t fl_trace_syms_count(const struct fl_trace_syms *y);
/*
 * Intern every string of src into y in src's id order, setting map[id] to the string's id in y
 * for id 0 .. fl_trace_syms_count(src) - 1 (the caller sizes map; map[0] = 0). Since a table's
 * ids follow the order it first saw its strings, merging into y gives every string the id that
 * interning the same sequence into y directly would have given. FL_EINVAL (NULL, or y == src),
 * FL_ENOMEM, FL_ELIMIT (y full); on an error y keeps the strings merged before it.
 */
fl_err fl_trace_syms_merge(struct fl_trace_syms *y, const struct fl_trace_syms *src,
                           uint32_t *map) FL_MUST_CHECK;

/* ---- facts from attributes ---- */

/* Kind of the remote a client span names. */
enum fl_peer_kind {
    FL_PEER_NONE = 0,
    FL_PEER_SERVICE = 1,   /* peer.service, rpc.service */
    FL_PEER_DATABASE = 2,  /* db.system (name: peer.service, else server.address, else db.system) */
    FL_PEER_MESSAGING = 3, /* messaging.system */
    FL_PEER_EXTERNAL = 4,  /* server.address / net.peer.name / url host only */
};

struct fl_span_facts {
    const char *peer; /* points into the attributes text (unescaped copy in scratch when needed) */
    size_t peer_len;
    int peer_kind;    /* enum fl_peer_kind */
    bool timeout;     /* timeout or deadline: see facts.c for the exact rules */
    bool exception;   /* an "exception" span event */
    uint32_t resend;  /* http.request.resend_count, or a retry attempt number > 0 */
};

/*
 * Read the facts from a span's attributes (a JSON object text, as struct fl_span.attrs_json),
 * its events (JSON array text, may be NULL) and its status message (may be NULL). Bad JSON is
 * not an error: it yields no facts. scratch holds unescaped peer names; reset it per trace.
 */
fl_err fl_trace_span_facts(const char *attrs, size_t attrs_len, const char *events,
                           size_t events_len, const char *status_message, struct fl_arena *scratch,
                           struct fl_span_facts *out) FL_MUST_CHECK;

/*
 * A cheap look at attribute text (no JSON parse) for the one fact a span of any kind may carry
 * in its attributes: a timeout. false guarantees that fl_trace_span_facts on these attributes,
 * with no events and no status message, reports timeout false; true means "read the facts"
 * (a timeout-text key, rpc.grpc.status_code, an HTTP status code that is not a plain integer
 * other than 408 and 504, a backslash, or text the look cannot follow). Pure; thread-safe.
 */
bool fl_trace_attrs_may_time_out(const char *attrs, size_t len);

/* ---- assembly ---- */

/* One span as input to assembly. */
struct fl_tspan_in {
    uint64_t span_id;   /* never 0 */
    uint64_t parent_id; /* 0 = root */
    uint32_t service, name, peer; /* symbols; peer 0 = none */
    uint8_t kind;       /* enum fl_span_kind */
    uint8_t status;     /* enum fl_status_code */
    uint8_t peer_kind;  /* enum fl_peer_kind */
    uint8_t timeout;    /* from facts */
    uint8_t exception;  /* from facts: an "exception" event (flags ERROR, as status ERROR does) */
    uint32_t resend;    /* from facts */
    int64_t start_ns, end_ns;
};

enum fl_tspan_flag {
    FL_TSPAN_SYNTHETIC = 1 << 0, /* the synthetic root made for orphans / several roots */
    FL_TSPAN_ORPHAN = 1 << 1,    /* its parent is missing; attached to the synthetic root */
    FL_TSPAN_CLIPPED = 1 << 2,   /* start or end moved into its parent's interval (clock skew) */
    FL_TSPAN_OUTSIDE = 1 << 3,   /* entirely outside its parent: kept in the tree, off the
                                    critical path with its descendants */
    FL_TSPAN_ERROR = 1 << 4,     /* status ERROR or an exception event */
    FL_TSPAN_TIMEOUT = 1 << 5,
    FL_TSPAN_RETRY = 1 << 6,     /* a repeated call (analyze.c) */
    FL_TSPAN_RETRIED = 1 << 7,   /* a failed attempt that a retry followed (analyze.c) */
};

struct fl_tspan {
    uint64_t span_id, parent_id;
    uint32_t service, name, peer;
    uint8_t kind, status, peer_kind, pad;
    uint32_t resend;
    int64_t start_ns, end_ns;         /* after clipping */
    int64_t raw_start_ns, raw_end_ns; /* as received */
    uint32_t parent;                  /* index; FL_TRACE_NONE for spans[0] */
    uint32_t first_child, next_sibling; /* children in start-time order; FL_TRACE_NONE ends */
    uint32_t flags;                   /* enum fl_tspan_flag */
    int64_t cp_ns;                    /* exclusive critical-path time (critpath.c), else 0 */
};

struct fl_trace {
    char trace_id[33];
    struct fl_tspan *spans; /* spans[0] is the root (synthetic when flagged so) */
    size_t n_spans;
    size_t n_duplicates; /* input spans dropped because their span id came again (last wins) */
    size_t n_orphans;
    size_t n_clipped;
};

/*
 * Build the tree of one trace from n input spans (any order; n >= 1) into out, allocating from
 * a. A span id seen twice keeps its last occurrence. With exactly one root and no orphans,
 * spans[0] is that root; otherwise spans[0] is a synthetic root (service and name 0) covering
 * all roots and orphans, which become its children. Children are clipped to their parent's
 * interval; a child wholly outside is flagged FL_TSPAN_OUTSIDE. Cycles in parent ids (corrupt
 * input) are broken by treating the span that closes one as an orphan.
 * spans[] is in breadth-first order (a parent's index is below its children's), and the ERROR
 * and TIMEOUT flags are set from the input (status, exception, timeout).
 */
fl_err fl_trace_assemble(const char *trace_id, const struct fl_tspan_in *in, size_t n,
                         struct fl_arena *a, struct fl_trace *out) FL_MUST_CHECK;

/* End-to-end latency: spans[0].end_ns - spans[0].start_ns. */
int64_t fl_trace_duration_ns(const struct fl_trace *t);

/* ---- critical path ---- */

/* Span `span` is on the critical path over [start_ns, end_ns). */
struct fl_cp_seg {
    uint32_t span;
    int64_t start_ns, end_ns;
};

/*
 * The critical path of t (CRISP): from the root, repeatedly the last-finishing child that ends
 * before the current point. Sets every span's cp_ns (sum of its segments; they add up to the
 * trace's duration) and returns the segments in time order when segs is not NULL (allocated
 * from a). Spans flagged OUTSIDE, and CONSUMER spans linked by FOLLOWS_FROM, are skipped.
 */
fl_err fl_trace_critical_path(struct fl_trace *t, struct fl_arena *a, struct fl_cp_seg **segs,
                              size_t *n_segs) FL_MUST_CHECK;

/* ---- per-trace analysis ---- */

/* One remote call: a CLIENT (or PRODUCER) span and the SERVER (CONSUMER) span that answered it. */
struct fl_trace_call {
    uint32_t client;         /* span index */
    uint32_t server;         /* span index; FL_TRACE_NONE when the callee is not traced */
    uint32_t caller;         /* symbol: the client span's service */
    uint32_t callee;         /* symbol: the server span's service, else the client's peer, else
                                the client span's name */
    uint8_t callee_kind;     /* enum fl_peer_kind; FL_PEER_SERVICE for a traced callee */
    int64_t duration_ns;     /* client span duration */
    int64_t network_ns;      /* client duration - server duration (>= 0); -1 without server
                                and for PRODUCER -> CONSUMER (the producer does not wait) */
    int64_t cp_ns;           /* client span's exclusive critical-path time */
};

struct fl_trace_analysis {
    struct fl_trace_call *calls;
    size_t n_calls;
    size_t n_errors, n_timeouts, n_retries; /* spans flagged ERROR / TIMEOUT / RETRY */
    /* Critical-path time (so a share of end-to-end latency) in error spans, in timed-out spans,
     * and in failed attempts that were retried (time the retries cost). */
    int64_t error_cp_ns, timeout_cp_ns, retried_cp_ns;
};

/*
 * Calls, errors, timeouts and retries of t, whose critical path must have been computed. Sets
 * FL_TSPAN_ERROR / TIMEOUT / RETRY / RETRIED on spans. A retry is a sibling call (same parent,
 * service, name and peer) that starts after an earlier one ended, where the earlier one failed
 * (error or timeout) or the later one carries a resend count.
 */
fl_err fl_trace_analyze(struct fl_trace *t, struct fl_arena *a,
                        struct fl_trace_analysis *out) FL_MUST_CHECK;

/* ---- windows and comparison ---- */

/*
 * The traces of one time window, reduced to what comparison and the graph need. A window keeps
 * per trace its duration and the critical-path time per key, and per key the distribution of
 * span durations (operations) or network times (edges).
 */
struct fl_trace_window;
struct fl_trace_window *fl_trace_window_new(struct fl_trace_syms *y, int64_t start_ns,
                                            int64_t end_ns);
void fl_trace_window_free(struct fl_trace_window *w);
/* Add one assembled, critical-pathed and analyzed trace. FL_ELIMIT past FL_LIMIT_WINDOW_TRACES. */
fl_err fl_trace_window_add(struct fl_trace_window *w, const struct fl_trace *t,
                           const struct fl_trace_analysis *an) FL_MUST_CHECK;
size_t fl_trace_window_count(const struct fl_trace_window *w);

enum fl_trace_key_kind {
    FL_TRACE_KEY_OPERATION = 1, /* (service, operation): critical-path time of its spans */
    FL_TRACE_KEY_EDGE = 2,      /* caller -> callee: critical-path time of client spans, which is
                                   network time when the callee is traced */
};

struct fl_trace_cmp_row {
    int kind;              /* enum fl_trace_key_kind */
    uint32_t a, b;         /* OPERATION: service, operation; EDGE: caller, callee */
    /* Mean critical-path time per trace among the traces near the percentile (ms). */
    double base_ms, inc_ms, delta_ms;
    double share;          /* delta_ms / change of end-to-end latency at the percentile */
    /* The key's own latency at the percentile: span duration (OPERATION), network time of
     * traced calls else call duration (EDGE); NaN without samples. */
    double base_own_ms, inc_own_ms;
    size_t n_base, n_inc;  /* samples of own latency */
    double ks_d, ks_p;     /* two-sample KS of own latency; NaN with too few samples */
    double base_error_rate, inc_error_rate;
    bool changed;          /* see compare.c: share and significance thresholds */
    /* Histogram of own latency (the samples n_base / n_inc above), on bucket edges shared by the
     * two windows: n_hist buckets, n_hist + 1 increasing edges (ms), log-spaced from the smallest
     * positive to the largest sample of both windows, n_hist = min(24, ceil(sqrt(n_base +
     * n_inc))); one bucket from the smallest to the largest sample when there is one sample,
     * when no two positive samples differ, or when none is positive. Bucket j holds samples in
     * [edges[j], edges[j+1]), the last one also its upper edge; samples below edges[0] (zero
     * durations or network times) are counted in bucket 0. Counts of each window add up to n_base / n_inc.
     * All NULL and n_hist 0 without samples. Allocated from the comparison's arena. */
    double *hist_edges_ms;   /* n_hist + 1 */
    uint64_t *hist_base;     /* n_hist */
    uint64_t *hist_inc;      /* n_hist */
    size_t n_hist;
};

struct fl_trace_cmp {
    double percentile;            /* 0 < p < 100 */
    size_t n_base, n_inc;         /* traces */
    double base_ms, inc_ms;       /* end-to-end latency at the percentile */
    size_t n_base_band, n_inc_band; /* traces near the percentile used for attribution */
    double base_error_rate, inc_error_rate; /* traces with an error span */
    double base_timeout_share, inc_timeout_share; /* mean timeout_cp / duration near the pct */
    double base_retry_share, inc_retry_share;     /* mean retried_cp / duration near the pct */
    struct fl_trace_cmp_row *rows; /* sorted by delta_ms, largest increase first */
    size_t n_rows;
};

/* Compare incident with baseline at percentile (e.g. 99). Rows allocated from a. */
fl_err fl_trace_compare(const struct fl_trace_window *base, const struct fl_trace_window *inc,
                        double percentile, struct fl_arena *a, struct fl_trace_cmp *out,
                        struct fl_diag *d) FL_MUST_CHECK;

/* ---- dependency graph ---- */

enum fl_graph_node_kind {
    FL_GRAPH_SERVICE = 1,
    FL_GRAPH_DATABASE = 2,
    FL_GRAPH_MESSAGING = 3,
    FL_GRAPH_EXTERNAL = 4,
};

struct fl_graph_node {
    uint32_t name;          /* symbol */
    int kind;               /* enum fl_graph_node_kind */
    const char *component_kind; /* topology kind when configured ("model_server"), else NULL */
    bool in_traces, in_topology;
    uint64_t spans, errors; /* server/internal spans of a service seen in the window */
};

struct fl_graph_edge {
    uint32_t from, to;      /* node indexes */
    bool in_traces, in_topology;
    uint64_t calls, errors;
    double rate_per_s, error_rate;
    double p50_ms, p99_ms;  /* call (client span) duration; NaN without calls */
    double network_p50_ms, network_p99_ms; /* traced calls only; NaN without */
};

struct fl_trace_graph {
    struct fl_graph_node *nodes;
    size_t n_nodes;
    struct fl_graph_edge *edges;
    size_t n_edges;
};

/* One configured component, as the graph needs it (kept free of config.h). */
struct fl_graph_component {
    const char *name;
    const char *kind;
    const char *trace_service; /* service.name in traces */
    const char *const *depends_on;
    size_t n_depends_on;
};

/* The dependency graph of window w merged with the topology (components may be NULL). Arrays
 * from a; symbols of new names are added to the window's table. */
fl_err fl_trace_graph_build(struct fl_trace_window *w, const struct fl_graph_component *components,
                            size_t n_components, struct fl_arena *a, struct fl_trace_graph *out,
                            struct fl_diag *d) FL_MUST_CHECK;

#endif
