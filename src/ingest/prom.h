/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prom.h: Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 parser.
 *
 * Implements prometheus/docs docs/instrumenting/exposition_formats.md (text 0.0.4, including the
 * quoted UTF-8 name form `{"my.metric", "label.x"="v"}`) and the OpenMetrics 1.0 specification
 * (OpenObservability/OpenMetrics specification/OpenMetrics.md): `# EOF`, UNIT, float-second
 * timestamps, exemplars, the per-type sample suffixes, non-interleaving families and histogram
 * bucket rules. Where the specs leave room, the parser follows what Prometheus' own scrape parsers
 * (model/textparse) accept: a missing final newline in text format, unknown backslash escapes in
 * label values kept verbatim, blank lines and free comments in text format. See
 * docs/formats/prometheus.md for the exact rules and every error message.
 *
 * The parser is a single pass over a borrowed slice: each sample is handed to a callback with
 * slices that point into the input (or into a scratch buffer owned by the parser when a value had
 * to be unescaped). Nothing is allocated per sample; scratch arrays grow geometrically up to the
 * configured caps and are kept for the next parse.
 */
#ifndef FL_INGEST_PROM_H
#define FL_INGEST_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/limits.h"
#include "../core/record.h"
#include "../core/str.h"

enum fl_prom_format { FL_PROM_TEXT = 0, FL_PROM_OPENMETRICS = 1 };

/*
 * Format named by a Content-Type header value: "application/openmetrics-text" (any parameters)
 * gives FL_PROM_OPENMETRICS; anything else, NULL or unparsable, gives FL_PROM_TEXT, which is
 * Prometheus' fallback of last resort. Case-insensitive; never fails.
 */
enum fl_prom_format fl_prom_format_from_content_type(const char *ct);

/*
 * One parsed sample, valid only during the callback. Label names and values are unescaped (values
 * that needed unescaping live in a scratch buffer owned by the parser). name is the full sample
 * name (e.g. foo_bucket); __name__ is not among the labels.
 */
struct fl_prom_sample {
    struct fl_str name;
    const struct fl_str *label_names;
    const struct fl_str *label_values;
    size_t n_labels;
    double value;
    int64_t ts_ms; /* FL_TS_NONE when absent; OpenMetrics float seconds converted to ms (rounded) */
    int has_exemplar;
    const struct fl_str *ex_label_names;
    const struct fl_str *ex_label_values;
    size_t ex_n_labels;
    double ex_value;
    int64_t ex_ts_ms;  /* FL_TS_NONE when the exemplar has no timestamp */
    struct fl_str family; /* metric family (from TYPE, else the sample name) */
    /* "counter", "gauge", "histogram", "summary", "untyped" (text) / "unknown" (OpenMetrics),
       "gaugehistogram", "stateset", "info"; static storage */
    const char *type;
    unsigned long line; /* 1-based input line */
};

/*
 * Metadata of one family, reported once per family block: when its first sample arrives, when
 * the next family's line arrives, or at the end of input. Fields are empty slices when absent;
 * type is "untyped" (text) / "unknown" (OpenMetrics) without a TYPE line. help is unescaped.
 */
struct fl_prom_meta {
    struct fl_str family;
    const char *type;
    struct fl_str help;
    struct fl_str unit;
};

typedef fl_err (*fl_prom_sample_fn)(const struct fl_prom_sample *s, void *ud);
typedef fl_err (*fl_prom_meta_fn)(const struct fl_prom_meta *m, void *ud);

/* Opaque, reusable across scrapes (keeps its scratch buffers). Not thread-safe: one per thread. */
struct fl_prom_parser;

/*
 * New parser with the given limits (copied; NULL = the compile-time defaults). Used caps:
 * line_bytes, labels_per_series, series_per_target; names are capped at FL_LIMIT_NAME_BYTES and
 * label values at FL_LIMIT_VALUE_BYTES. FL_ENOMEM on allocation failure (*out = NULL).
 */
fl_err fl_prom_parser_new(const struct fl_limits *lim, struct fl_prom_parser **out) FL_MUST_CHECK;
/* NULL is a no-op. */
void fl_prom_parser_free(struct fl_prom_parser *p);

/*
 * Streaming parse of a whole exposition text[0..len) (borrowed, need not be NUL-terminated).
 * Callbacks may be NULL; a callback's error stops parsing and is returned as is. Errors in the
 * input give FL_EPARSE with d's line/column (1-based, column in bytes) and a message naming the
 * problem, e.g. `expected '=' after label name "code"`; caps give FL_ELIMIT; FL_ENOMEM when the
 * scratch buffers cannot grow. Samples already reported before an error stay reported: callers
 * that need all-or-nothing collect first and commit after FL_OK (fl_prom_to_batch does).
 */
fl_err fl_prom_parse(struct fl_prom_parser *p, const char *text, size_t len,
                     enum fl_prom_format fmt, fl_prom_sample_fn on_sample, fl_prom_meta_fn on_meta,
                     void *ud, struct fl_diag *d) FL_MUST_CHECK;

/*
 * Parse into a batch: every sample's series (labels + __name__ + extra) is interned with
 * fl_batch_series, samples added with fl_batch_add_sample (default_ts_ms when the sample has no
 * timestamp), family metadata with fl_batch_add_meta and exemplars with fl_batch_add_exemplar.
 * Labels with an empty value are dropped (Prometheus treats them as absent). extra labels (e.g.
 * job/instance, borrowed) are added to every series; when the exposition already has such a
 * label, the exposition's one is renamed exported_<name> (repeatedly prefixed until unique), as
 * Prometheus does with honor_labels: false.
 * Limits: more than lim->labels_per_series labels in a series (extras included, __name__ not) or
 * more than lim->series_per_target distinct series in this call give FL_ELIMIT.
 * On error the batch may hold partial data: callers discard it (reset it).
 * *n_samples (may be NULL) gets the number of samples added.
 */
fl_err fl_prom_to_batch(struct fl_prom_parser *p, const char *text, size_t len,
                        enum fl_prom_format fmt, int64_t default_ts_ms,
                        const struct fl_label *extra, size_t n_extra, struct fl_batch *b,
                        size_t *n_samples, struct fl_diag *d) FL_MUST_CHECK;

/*
 * Parse a Prometheus/OpenMetrics sample value (Go ParseFloat subset: decimal and exponent forms,
 * optional sign, NaN, Inf, +Inf, -Inf, Infinity, case-insensitive; no hex, no underscores) from
 * s[0..len). Bit-exact with strtod: common short decimals take an exact fast path. Returns 1 on
 * success, 0 when the slice is not entirely a number.
 */
int fl_prom_parse_double(const char *s, size_t len, double *out);

#endif
