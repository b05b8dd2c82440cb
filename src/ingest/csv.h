/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv.h: wide CSV (RFC 4180) -> metric samples.
 *
 * "Wide" means one row per timestamp and one column per series, as spreadsheets and BI exports
 * write it:
 *
 *     time,cpu_pct,queue depth
 *     2026-11-25T14:05:00Z,41.5,12
 *     1764079560,43.0,
 *
 * One column holds the time: unix seconds, unix milliseconds (values >= 1e12) or RFC 3339, decided
 * per value. It is the mapping's "time_column", else the first column whose header is time,
 * timestamp, ts, date, datetime or _time (any case), else the first column. Every other column is a
 * series: without a mapping its metric name is the header with characters outside
 * [a-zA-Z0-9_:] replaced by '_' (and a leading digit prefixed with '_'), with no labels. An empty
 * cell means "no sample". A mapping (a small JSON document, see docs/formats.md "Wide CSV") can
 * rename columns, attach labels, skip columns and refuse unmapped ones.
 *
 * Quoting follows RFC 4180 ("" inside quotes, commas and newlines in quoted fields); LF or CRLF.
 * Errors name the line and the column header: ragged rows, non-numeric cells, bad times, bare or
 * unterminated quotes. The whole input is rejected on the first error (reset the batch).
 */
#ifndef FL_INGEST_CSV_H
#define FL_INGEST_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/record.h"

struct fl_csv_mapping; /* opaque, immutable once parsed: safe to share between threads */

/*
 * Parse a mapping document p[0..len) (JSON, read with jansson). *out owned by the caller (free
 * with fl_csv_mapping_free). FL_ECONFIG with d->line/column/field on invalid documents (unknown
 * keys, invalid metric or label names, wrong types); FL_ENOMEM.
 */
fl_err fl_csv_mapping_parse(const char *p, size_t len, struct fl_csv_mapping **out,
                            struct fl_diag *d) FL_MUST_CHECK;
/* NULL is a no-op. */
void fl_csv_mapping_free(struct fl_csv_mapping *m);

/*
 * Parse wide CSV p[0..len) and append samples (and their series) to b. m may be NULL (see above);
 * lim may be NULL (defaults): lim->line_bytes caps one record, lim->labels_per_series the labels
 * of a series; FL_LIMIT_CSV_COLUMNS caps columns. Errors: FL_EPARSE with d->line (the record's
 * first line), d->column (byte column of the cell), d->field (the column header); FL_ELIMIT;
 * FL_EINVAL when the mapping does not fit the header (unknown column named, unmapped column with
 * "unmapped": "error", two columns mapping to the same series); FL_ENOMEM.
 */
fl_err fl_csv_to_batch(const char *p, size_t len, const struct fl_csv_mapping *m,
                       const struct fl_limits *lim, struct fl_batch *b,
                       struct fl_diag *d) FL_MUST_CHECK;

/* True if a header cell names a time column (time, timestamp, ts, date, datetime, _time; any
 * case, surrounding spaces ignored). Used by content detection. */
bool fl_csv_is_time_header(const char *p, size_t len);

#endif
