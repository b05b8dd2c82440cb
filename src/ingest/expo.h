/* SPDX-License-Identifier: Apache-2.0 */
/*
 * expo.h: writer for the Prometheus text exposition format 0.0.4 (what GET /metrics serves).
 *
 * Follows prometheus/docs docs/instrumenting/exposition_formats.md: `# HELP name text` with `\`
 * and newline escaped, `# TYPE name type`, and `name{label="value",...} value [timestamp_ms]`
 * lines with label values escaped (\\, \", \n) and values in round-trip form (fl_fmt_double:
 * shortest exact digits, "NaN", "+Inf", "-Inf"). Names outside the classic character sets are
 * written in the quoted UTF-8 form (`{"my.metric","label.x"="v"}`). Output of well-formed calls
 * passes `promtool check metrics` and reads back through fl_prom_parse unchanged.
 *
 * All functions append to b and are sticky on error (check fl_buf_err(b) once at the end).
 * Strings are NUL-terminated and borrowed. Thread-safety: that of b.
 */
#ifndef FL_INGEST_EXPO_H
#define FL_INGEST_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/record.h"

/* Content-Type of what these functions write. */
#define FL_EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * `# HELP name help` (skipped when help is NULL) then `# TYPE name type` (skipped when type is
 * NULL). type is one of counter, gauge, histogram, summary, untyped.
 */
void fl_expo_family(struct fl_buf *b, const char *name, const char *type, const char *help);

/* `name{labels} v\n`; labels (n of them, may be NULL when n = 0) in the order given. */
void fl_expo_sample(struct fl_buf *b, const char *name, const struct fl_label *labels, size_t n,
                    double v);

/* Same with a timestamp in milliseconds (omitted when ts_ms == FL_TS_NONE). */
void fl_expo_sample_ts(struct fl_buf *b, const char *name, const struct fl_label *labels,
                       size_t n, double v, int64_t ts_ms);

/*
 * Same with one more label appended after labels (e.g. le="0.5" of a histogram bucket or
 * quantile="0.99" of a summary): extra_name="extra_value". extra_name NULL = none.
 */
void fl_expo_sample_x(struct fl_buf *b, const char *name, const struct fl_label *labels, size_t n,
                      const char *extra_name, const char *extra_value, double v);

/* A label value with \\, \" and \n escaped (without the quotes). */
void fl_expo_label_value(struct fl_buf *b, const char *v);

/* The value text of le / quantile for a bound: fl_fmt_double, so "+Inf", "0.005", "1". */
void fl_expo_bound(char *out, size_t cap, double bound);

/* 1 if s is a classic metric name [a-zA-Z_:][a-zA-Z0-9_:]* (label names: no ':'). */
int fl_expo_valid_metric_name(const char *s);
int fl_expo_valid_label_name(const char *s);

#endif
