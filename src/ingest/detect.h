/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect.h: what format is this input? Used by `faultline import` when --format is not given.
 *
 * Detection looks at content (the first 8 KiB, plus the end of the input for OpenMetrics' "# EOF"),
 * never at the file name: files get renamed, bodies have none. Rules, in order:
 *   - JSON (first non-blank byte '{' or '['): the top-level keys of the first object (or of the
 *     first element of an array) decide: "resourceSpans"/"resourceMetrics"/"resourceLogs" -> OTLP;
 *     "data":[{"traceID"..}] or "data":[{"spans","processes"}] (or those keys at top level) ->
 *     Jaeger; "model" with "features" or "prediction" -> inference JSONL; "request_id" with
 *     "outcome", or with "name" and "value", and no "model" -> outcome JSONL; "kind" or "type"
 *     with "component" -> events.
 *   - Text: OpenMetrics when the input ends with a "# EOF" line, or has a "# UNIT" line, a
 *     "# EOF" line, or a "# TYPE" naming an OpenMetrics-only type (info, stateset,
 *     gaugehistogram, unknown); CSV when the first line has commas and its first cell is a time
 *     header (fl_csv_is_time_header) or the second line starts with a time value; Prometheus text
 *     when there are "# HELP"/"# TYPE" lines or the first line is a sample (`name{..} value`).
 * Anything else is FL_INGEST_UNKNOWN: the caller asks for --format rather than guessing.
 */
#ifndef FL_INGEST_DETECT_H
#define FL_INGEST_DETECT_H

#include <stddef.h>

enum fl_ingest_kind {
    FL_INGEST_UNKNOWN,
    FL_INGEST_PROM_TEXT,
    FL_INGEST_OPENMETRICS,
    FL_INGEST_OTLP_JSON,
    FL_INGEST_JAEGER_JSON,
    FL_INGEST_INFERENCE_JSONL,
    FL_INGEST_OUTCOME_JSONL,
    FL_INGEST_EVENTS_JSON,
    FL_INGEST_CSV,
};

/* Detect the format of p[0..len) by content (see above). Never fails; pure, thread-safe. */
enum fl_ingest_kind fl_ingest_detect(const char *p, size_t len);

/* "unknown", "prometheus-text", "openmetrics", "otlp-json", "jaeger-json", "inference-jsonl",
 * "outcome-jsonl", "events-json", "csv". Static storage; "unknown" for out-of-range values. */
const char *fl_ingest_kind_name(enum fl_ingest_kind k);

/* Inverse of fl_ingest_kind_name (exact match), for --format; FL_INGEST_UNKNOWN if no match. */
enum fl_ingest_kind fl_ingest_kind_parse(const char *name);

#endif
