/* SPDX-License-Identifier: Apache-2.0 */
/*
 * selfmetrics.h: faultline's own metrics, served on GET /metrics in the Prometheus text format
 * 0.0.4 (prometheus/docs: docs/instrumenting/exposition_formats.md).
 *
 * The registry is fixed: counters of ingested and rejected records by kind (and reason), HTTP
 * requests by route and status code, a request-duration histogram by route, plus gauges filled in
 * at render time from the store (fl_store_stats) and the scrape loop. Counters are lock-free
 * atomics; the per-route code table and histograms are guarded by one mutex. Every family carries
 * HELP and TYPE, counters end in _total and durations in _seconds, so `promtool check metrics`
 * has nothing to complain about.
 */
#ifndef FL_SERVER_SELFMETRICS_H
#define FL_SERVER_SELFMETRICS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/err.h"

struct fl_store_stats;

/* Record kinds counted by faultline_ingested_records_total / faultline_rejected_records_total. */
enum fl_sm_kind {
    FL_SM_SAMPLE,
    FL_SM_SPAN,
    FL_SM_INFERENCE,
    FL_SM_OUTCOME,
    FL_SM_EVENT,
    FL_SM_MODEL,
    FL_SM_KIND__COUNT
};

/* The label value of a kind ("sample", "span", ...). */
const char *fl_selfmetrics_kind_name(enum fl_sm_kind k);
/* The reason label of an error: FL_EPARSE -> "parse", FL_EUNSUPPORTED -> "unsupported". */
const char *fl_selfmetrics_reason(fl_err e);

/* One scrape target's state, as the scrape loop reports it. Strings borrowed for the call. */
struct fl_selfmetrics_target {
    const char *job;
    const char *instance;
    int up;            /* 1 = last scrape succeeded */
    double duration_s; /* of the last scrape */
    uint64_t samples;  /* samples in the last scrape */
};

struct fl_selfmetrics;

/*
 * A registry for the given route labels (copied; the index of a route in this list is the
 * route argument of fl_selfmetrics_observe_http; one extra slot labelled "other" counts requests
 * that matched no route). start_time_s is process_start_time_seconds. NULL on allocation failure.
 */
struct fl_selfmetrics *fl_selfmetrics_new(const char *const *routes, size_t n_routes,
                                          double start_time_s);
void fl_selfmetrics_free(struct fl_selfmetrics *m);

/* Thread-safe, lock-free. */
void fl_selfmetrics_ingested(struct fl_selfmetrics *m, enum fl_sm_kind k, uint64_t n);
void fl_selfmetrics_rejected(struct fl_selfmetrics *m, enum fl_sm_kind k, fl_err reason,
                             uint64_t n);
/*
 * Count one HTTP request on route (index into the routes given at creation; out of range =
 * "other") answered with code, which took duration_s. Thread-safe (mutex).
 */
void fl_selfmetrics_observe_http(struct fl_selfmetrics *m, size_t route, int code,
                                 double duration_s);
/* Add delta (+1 when a request starts, -1 when it ends) to the requests in flight. An atomic add,
 * not a store of a value read earlier, so concurrent threads cannot publish stale counts. */
void fl_selfmetrics_add_in_flight(struct fl_selfmetrics *m, int64_t delta);

/*
 * Append the whole exposition (text format 0.0.4, ends with a newline) to out. st may be NULL
 * (store gauges omitted); targets may be NULL when n_targets is 0. Errors are sticky in out.
 */
void fl_selfmetrics_render(struct fl_selfmetrics *m, const struct fl_store_stats *st,
                           const struct fl_selfmetrics_target *targets, size_t n_targets,
                           struct fl_buf *out);

/* Content-Type of the rendered text. */
#define FL_SELFMETRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
