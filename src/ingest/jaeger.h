/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jaeger.h: Jaeger JSON trace ingest (files saved from the Jaeger UI or its /api/traces responses).
 *
 * Accepted shapes (jaegertracing/jaeger internal/uimodel/model.go):
 *   {"data":[Trace, ...], "total":..., "errors":...}   the /api/traces envelope
 *   Trace = {"traceID", "spans":[...], "processes":{"p1":{"serviceName","tags"}}}   a bare trace
 *   [Trace, ...]                                       an array of traces
 *   {"result":{"resourceSpans":[...]}}                  /api/v3 responses, OTLP JSON inside
 * Mapping: first CHILD_OF reference (or legacy parentSpanID) -> parent_span_id, other references ->
 * links_json; startTime/duration (microseconds) -> start_ns/end_ns; tags -> attrs_json; the span's
 * process (processID looked up in processes, or an inline "process") -> service and resource_json;
 * logs -> events_json (the "event" field names the event); span.kind tag -> kind; error=true or
 * otel.status_code=ERROR -> status 2 (OK -> 1), otel.status_description -> status_message;
 * otel.scope.name / otel.library.name -> scope_name. Tags consumed by this mapping are not repeated
 * in attrs_json. See docs/formats.md, "Jaeger JSON traces".
 */
#ifndef FL_INGEST_JAEGER_H
#define FL_INGEST_JAEGER_H

#include <stddef.h>

#include "../core/err.h"
#include "../core/record.h"

/*
 * Parse p[0..len) and append its spans to b (strings in b's arena). All or nothing: any invalid
 * span (bad id, missing operationName, negative duration, unknown processID, wrong types) is
 * FL_EPARSE with d naming the field, e.g. `data[0].spans[3].spanID: expected 1-16 hex digits`, and
 * no span of this call stays in b (callers reset the batch to reclaim arena space). For /api/v3
 * bodies the OTLP parser runs and any rejected span is an error here too. FL_ELIMIT / FL_ENOMEM
 * when the batch is full or memory runs out. Not thread-safe with respect to b.
 */
fl_err fl_jaeger_json_to_batch(const char *p, size_t len, struct fl_batch *b,
                               struct fl_diag *d) FL_MUST_CHECK;

#endif
