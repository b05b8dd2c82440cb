/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otlp.h: OTLP/HTTP JSON trace ingest (ExportTraceServiceRequest -> struct fl_span records).
 *
 * Implements the JSON encoding of opentelemetry-proto's trace.proto as the OTLP specification
 * defines it for OTLP/HTTP (docs/specification.md, "JSON Protobuf Encoding"): lowerCamelCase keys,
 * trace/span ids as case-insensitive hex (not base64), enums as integers, 64-bit integers as
 * decimal strings or numbers, unknown fields ignored. The legacy key instrumentationLibrarySpans
 * is accepted as an alias of scopeSpans. See docs/formats.md, "OTLP JSON traces".
 *
 * The parser streams over the body with fl_json_* (no DOM) so that a request of thousands of spans
 * costs one pass and a few arena copies per span.
 */
#ifndef FL_INGEST_OTLP_H
#define FL_INGEST_OTLP_H

#include <stddef.h>

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/record.h"

/* Outcome of one export request (the partial-success counters of ExportTraceServiceResponse). */
struct fl_otlp_result {
    size_t accepted_spans;
    size_t rejected_spans;
    char error_message[512]; /* names the first rejected span and why; "" when none rejected */
};

/*
 * Parse an ExportTraceServiceRequest in OTLP/HTTP JSON from the borrowed slice p[0..len) and append
 * one fl_span per valid span to b (strings copied into b's arena). res is filled in (zeroed first).
 *
 * Structural errors (malformed JSON, a container of the wrong type, resourceSpans not an array)
 * return FL_EPARSE with line/column/field in d and add nothing
 * (spans appended by this call are dropped again; the arena space is not reclaimed, so callers
 * reset the batch). FL_ELIMIT when nesting passes FL_LIMIT_JSON_DEPTH or the batch is full,
 * FL_ENOMEM when memory runs out; these add nothing either.
 *
 * Spans that are individually invalid (ids not 32/16 hex digits or all zero, missing name or
 * timestamps, end before start, enum given as a string or out of range, an attribute of the wrong
 * shape or beyond FL_LIMIT_VALUE_BYTES / FL_LIMIT_ATTRS_PER_SPAN) are skipped and counted in
 * res->rejected_spans; res->error_message names the first one, e.g.
 *   resourceSpans[0].scopeSpans[1].spans[3].spanId: expected 16 hex digits, got "xyz"
 * and the call still returns FL_OK (OTLP partial success), also when every span was rejected.
 * An invalid resource (bad attribute) rejects every span of its resourceSpans entry.
 *
 * Not thread-safe with respect to b; otherwise reentrant.
 */
fl_err fl_otlp_json_to_batch(const char *p, size_t len, struct fl_batch *b,
                             struct fl_otlp_result *res, struct fl_diag *d) FL_MUST_CHECK;

/*
 * Append the ExportTraceServiceResponse body for res to out: `{}` when nothing was rejected, else
 * {"partialSuccess":{"rejectedSpans":"N","errorMessage":"..."}} (int64 as a decimal string, as the
 * proto3 JSON mapping prescribes). Errors are sticky in out (see fl_buf_err).
 */
void fl_otlp_response_json(const struct fl_otlp_result *res, struct fl_buf *out);

#endif
