/* SPDX-License-Identifier: Apache-2.0 */
/*
 * promapi.h: the pure parts of faultline's Prometheus-HTTP-API-compatible read routes
 * (prometheus docs/querying/api.md, web/api/v1/api.go): parameter validation for query_range,
 * range evaluation of a series selector with instant-vector lookback, and the number and time
 * renderings of the API's JSON ("values":[[1435781451.781,"1"],...]).
 *
 * Only series selectors are evaluated, not PromQL expressions: at each step t the value is that
 * of the newest sample in (t - lookback, t] unless it is a staleness marker, as Prometheus does
 * for a bare selector (default lookback 5m, query parameter lookback_delta).
 */
#ifndef FL_SERVER_PROMAPI_H
#define FL_SERVER_PROMAPI_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

#define FL_PROMAPI_MAX_POINTS 11000           /* per series, as Prometheus */
#define FL_PROMAPI_DEFAULT_LOOKBACK_MS 300000 /* 5m */

struct fl_promapi_range {
    int64_t start_ms, end_ms, step_ms, lookback_ms;
};

/*
 * Validate query_range's parameters as Prometheus does (any may be NULL = missing). start and end:
 * RFC 3339 or unix seconds (fl_time_parse_any, now_ms for relative forms); step: duration or
 * float seconds; lookback_delta: optional duration. Errors are FL_EINVAL with Prometheus' own
 * messages in d->msg, e.g. "end timestamp must not be before start time", "zero or negative
 * query resolution step widths are not accepted. Try a positive integer", "exceeded maximum
 * resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)".
 */
fl_err fl_promapi_range_parse(const char *start, const char *end, const char *step,
                              const char *lookback, int64_t now_ms, struct fl_promapi_range *out,
                              struct fl_diag *d) FL_MUST_CHECK;

/* Number of steps in the range: (end - start) / step + 1. */
size_t fl_promapi_range_steps(const struct fl_promapi_range *rg);

/*
 * Evaluate one series (ts_ms ascending, n samples) at every step of rg. Writes the steps that have
 * a value into out_ts/out_v (capacity fl_promapi_range_steps(rg)) and returns how many. A sample
 * whose value is the Prometheus staleness marker (NaN with bits 0x7ff0000000000002) hides older
 * samples. Pure.
 */
size_t fl_promapi_eval_range(const int64_t *ts_ms, const double *v, size_t n,
                             const struct fl_promapi_range *rg, int64_t *out_ts, double *out_v);

/* True for Prometheus' staleness-marker NaN. */
int fl_promapi_is_stale(double v);

/*
 * A sample value as the API renders it: Go strconv.FormatFloat(v, 'f', -1, 64), i.e. the shortest
 * round-trip digits without exponent ("1", "0.25", "100000000000000000000"), "NaN", "+Inf",
 * "-Inf". cap >= 400 suffices for any double. Returns the length.
 */
size_t fl_promapi_fmt_value(double v, char *out, size_t cap);
/* A timestamp as unix seconds with up to 3 decimals, no trailing zeros ("1435781451.78"). */
size_t fl_promapi_fmt_time(int64_t ts_ms, char *out, size_t cap);

#endif
