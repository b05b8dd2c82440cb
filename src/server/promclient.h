/* SPDX-License-Identifier: Apache-2.0 */
/*
 * promclient.h: a client for the Prometheus HTTP API (prometheus docs/querying/api.md), used to
 * read series from a Prometheus (or any server speaking its API: Thanos, Mimir, VictoriaMetrics,
 * faultline itself) through /api/v1/query_range and /api/v1/series, with libcurl.
 *
 * Prometheus refuses a range query with more than 11,000 points per series ("exceeded maximum
 * resolution of 11,000 points per timeseries", web/api/v1/api.go), so long ranges are split into
 * chunks of at most FL_PROMCLIENT_CHUNK_STEPS steps whose boundaries sit on the step grid
 * start + k*step: no step is requested twice or skipped. Each series' points are merged across
 * chunks by label set, and the series are handed to the caller sorted by label set, once each.
 *
 * Errors: the API's own error is surfaced as FL_EREMOTE with diag text
 * "prometheus http://host:9090: bad_data: invalid parameter \"query\": ..."; transport failures
 * are FL_ENET (or FL_ETIMEOUT) with libcurl's message; a response bigger than the cap is
 * FL_ELIMIT; a body that is not a Prometheus API answer is FL_EPARSE with line and column.
 *
 * Thread-safety: the calls share no state and may run concurrently (libcurl's global init is
 * done once, under pthread_once).
 */
#ifndef FL_SERVER_PROMCLIENT_H
#define FL_SERVER_PROMCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../store/store.h"

/* Steps per request: below Prometheus' 11,000-point limit with a margin. */
#define FL_PROMCLIENT_CHUNK_STEPS 10000
/* Default cap on one HTTP response body (bytes, after decompression). */
#define FL_PROMCLIENT_RESPONSE_BYTES (256u * 1024 * 1024)
/* Caps on what one call accumulates before handing it to the caller. */
#define FL_PROMCLIENT_MAX_SERIES 1000000
#define FL_PROMCLIENT_MAX_POINTS 50000000 /* over all series: 16 bytes each */

struct fl_promclient_opts {
    const char *url;          /* base URL, e.g. "http://prometheus:9090" (a path prefix is kept) */
    const char *bearer_token; /* NULL = no Authorization header */
    int64_t timeout_ms;       /* per HTTP request; <= 0 means 30 s */
    size_t max_response_bytes; /* per HTTP response; 0 = FL_PROMCLIENT_RESPONSE_BYTES */
};

/*
 * Run query over [start_ms, end_ms] at step_ms through /api/v1/query_range (GET, or POST
 * form-encoded when the query is long), in as many requests as the 11,000-point limit needs.
 * fn is called once per series, in label-set order, with its labels sorted by name (__name__
 * included when the result has one) and its merged points in time order (values parsed from the
 * API's strings, "NaN" and "+Inf" included). Pointers are valid during the call only; a non-zero
 * return from fn stops the iteration (the call still returns FL_OK).
 * Errors: FL_EINVAL (bad arguments: empty url/query, step <= 0, end < start), FL_EREMOTE,
 * FL_ENET, FL_ETIMEOUT, FL_ELIMIT, FL_EPARSE, FL_ENOMEM; nothing is passed to fn on error.
 */
fl_err fl_promclient_query_range(const struct fl_promclient_opts *o, const char *query,
                                 int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                 fl_store_series_fn fn, void *ud, struct fl_diag *d) FL_MUST_CHECK;

/*
 * List the series matching the selector match (one match[] parameter) with samples in
 * [start_ms, end_ms] through /api/v1/series. fn gets each label set (sorted) with n = 0 points,
 * in label-set order. Errors as fl_promclient_query_range.
 */
fl_err fl_promclient_series(const struct fl_promclient_opts *o, const char *match,
                            int64_t start_ms, int64_t end_ms, fl_store_series_fn fn, void *ud,
                            struct fl_diag *d) FL_MUST_CHECK;

#endif
