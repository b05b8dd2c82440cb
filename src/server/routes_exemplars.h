/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_exemplars.h: the pure parts of GET/POST /api/v1/query_exemplars (routes_exemplars.c):
 * which label of an exemplar names its trace, and that trace id in the form the store keeps
 * spans under. Exemplars follow OpenMetrics 1.0 ("# {trace_id="..."} 0.51 1700000000.123"); the
 * label's name is a convention, not a standard: trace_id (OpenTelemetry, Prometheus client
 * libraries), traceID (Grafana, Tempo), trace.id (Elastic).
 */
#ifndef FL_SERVER_ROUTES_EXEMPLARS_H
#define FL_SERVER_ROUTES_EXEMPLARS_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/record.h"

/* Exemplars whose trace is looked up in the store, per answer (later ones get no "stored"). */
#define FL_EXEMPLARS_MAX_LOOKUPS 1000
/* Exemplars in one answer; more is 422, as too large a query_range answer is. */
#define FL_EXEMPLARS_MAX_RESULT 100000

/*
 * The value of the exemplar's trace id label: trace_id, else traceID, else trace.id (names
 * compared exactly); NULL when it has none. Pure.
 */
const char *fl_exemplars_trace_label(const struct fl_label *labels, size_t n_labels);

/*
 * Normalise a trace id as the trace ingesters store it: 1 to 32 hex digits (either case; Jaeger
 * drops leading zeros, 64-bit ids have 16) become 32 lowercase digits left-padded with '0' in
 * out, NUL-terminated. Returns false (out unspecified) for anything else, and for the all-zero
 * id, which W3C Trace Context calls invalid. s may be NULL. Pure.
 */
bool fl_exemplars_trace_id(const char *s, char out[33]);

#endif
