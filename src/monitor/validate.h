/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.h: check a batch of rows against a data schema (schema.h) and list its anomalies, the
 * way TensorFlow Data Validation's validate_statistics does, but in one streaming pass over rows.
 *
 * Anomaly kinds (docs/VALIDATION.md has an example of each):
 *   row_count       the batch's row count is outside the schema's rows band
 *   missing_column  a required column never appears in the batch
 *   new_column      the batch has a column the schema does not list (unless allow_new_columns)
 *   type_change     the share of non-null cells of another type exceeds max_wrong_type
 *   null_spike      the share of rows without a value exceeds null_rate + null_tolerance
 *   out_of_range    numbers outside [min, max] (NaN counts as outside)
 *   out_of_domain   string values outside the column's domain
 *   drift           the Population Stability Index of a numeric column's values, counted in the
 *                   reference bins of the schema, exceeds the column's psi_threshold (0.2);
 *                   checked only with at least FL_VALIDATE_DRIFT_MIN_VALUES values, and only
 *                   for columns whose schema has a reference. fl_validation.drift_note says
 *                   which columns were checked and which were not, and why.
 *
 * Library use (live inference logs feed rows as they come):
 *   fl_validator_new(schema, &opts, &v);
 *   fl_validator_add_column(v, "amount"); ...          name columns 0, 1, 2, ... in order
 *   fl_validator_row(v, cells, n_cells, line); ...      any number of rows, any time
 *   fl_validator_finish(v, &report);                    anomalies of everything fed so far
 * Columns may be added between rows (JSON Lines keys that appear late); earlier rows count as
 * lacking them. The validator borrows the schema: it must outlive the validator. Not thread-safe.
 */
#ifndef FL_MONITOR_VALIDATE_H
#define FL_MONITOR_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "ingest/table.h"
#include "schema.h"

enum fl_anomaly_kind {
    FL_ANOMALY_ROW_COUNT = 0,
    FL_ANOMALY_MISSING_COLUMN,
    FL_ANOMALY_NEW_COLUMN,
    FL_ANOMALY_TYPE_CHANGE,
    FL_ANOMALY_NULL_SPIKE,
    FL_ANOMALY_OUT_OF_RANGE,
    FL_ANOMALY_OUT_OF_DOMAIN,
    FL_ANOMALY_DRIFT,
};

/* Below this many numbers in a column, PSI is mostly sampling noise (its expected value for
 * equal distributions is about (bins - 1) / n): drift is not checked. */
#define FL_VALIDATE_DRIFT_MIN_VALUES 100

#define FL_ANOMALY_EXAMPLES 5 /* examples kept per anomaly, most frequent first */

struct fl_anomaly_example {
    char *value; /* owned; NUL-terminated copy (may also hold NUL bytes: use len) */
    size_t len;
    uint64_t count;
};

struct fl_anomaly {
    enum fl_anomaly_kind kind;
    char *column;   /* owned; NULL for row_count */
    uint64_t count; /* offending cells; rows for row_count and null_spike */
    uint64_t total; /* what count is out of: non-null cells, or rows; 0 when not meaningful */
    /* The allowed band and what was seen. row_count: rows; null_spike and type_change: shares
     * (0..1); out_of_range: [min, max] and the lowest/highest offending value; drift: [0,
     * psi_threshold] and the PSI; else NaN. */
    double expected_lo, expected_hi;
    double observed_lo, observed_hi;
    uint64_t n_below, n_above; /* out_of_range */
    unsigned long first_line;  /* first input line showing it (0 = unknown or table-level) */
    struct fl_anomaly_example examples[FL_ANOMALY_EXAMPLES];
    size_t n_examples;
    uint64_t n_distinct; /* out_of_domain, type_change: distinct offending values (at least) */
    char *message;       /* owned; one line for people, e.g. "12 of 388 values (3.09%) ..." */
};

struct fl_validation {
    uint64_t n_rows;
    size_t n_columns; /* columns of the batch */
    struct fl_anomaly *anomalies;
    size_t n_anomalies;
    size_t drift_checked; /* columns whose drift was checked */
    char *drift_note;     /* owned; one line: which columns were checked, skipped, and why */
};

struct fl_validate_opts {
    /* The cells come from text (CSV): numbers and booleans are valid in string columns, as
     * their text. False for typed input (JSON Lines), where a number in a string column is a
     * type change. */
    bool text_input;
};

struct fl_validator;

/* s is borrowed. o may be NULL (typed input). FL_ENOMEM. */
fl_err fl_validator_new(const struct fl_schema *s, const struct fl_validate_opts *o,
                        struct fl_validator **out) FL_MUST_CHECK;
/* NULL is a no-op. */
void fl_validator_free(struct fl_validator *v);
/* Name the batch's next column (index = the number named so far). FL_EINVAL for a name given
 * twice, FL_ELIMIT past FL_LIMIT_TABLE_COLUMNS, FL_ENOMEM. */
fl_err fl_validator_add_column(struct fl_validator *v, const char *name) FL_MUST_CHECK;
/* Columns named so far. */
size_t fl_validator_n_columns(const struct fl_validator *v);
/*
 * Feed one row: cells[i] belongs to column i; n may be less than the columns named (the rest are
 * missing) but not more (FL_EINVAL). line is the input line for messages (0 = unknown).
 * The cells are only read during the call. FL_ENOMEM.
 */
fl_err fl_validator_row(struct fl_validator *v, const struct fl_cell *cells, size_t n,
                        unsigned long line) FL_MUST_CHECK;
/*
 * The anomalies of everything fed so far, in a stable order: row_count, then per schema column
 * (missing_column, type_change, null_spike, out_of_range, out_of_domain, drift), then new columns
 * in batch order. *out owned by the caller (fl_validation_free). The validator can take more rows
 * and be finished again. FL_ENOMEM.
 */
fl_err fl_validator_finish(struct fl_validator *v, struct fl_validation **out) FL_MUST_CHECK;
void fl_validation_free(struct fl_validation *r);

/*
 * Validate every remaining row of t against s (text_input from the table's format). Reader
 * errors come back with their diagnostic in d (file:line:col).
 */
fl_err fl_validate_table(const struct fl_schema *s, struct fl_table *t, struct fl_validation **out,
                         struct fl_diag *d) FL_MUST_CHECK;

/* "row_count", "missing_column", ..., "drift" */
const char *fl_anomaly_kind_name(enum fl_anomaly_kind k);

/*
 * Render a report, naming the input and the schema file. text: an aligned table for a terminal;
 * json: one object (docs/VALIDATION.md has its shape); markdown: a heading and a table.
 * Appends to out (sticky buffer errors).
 */
void fl_validation_write_text(const struct fl_validation *r, const char *input, const char *schema,
                              struct fl_buf *out);
void fl_validation_write_json(const struct fl_validation *r, const char *input, const char *schema,
                              struct fl_buf *out);
void fl_validation_write_markdown(const struct fl_validation *r, const char *input,
                                  const char *schema, struct fl_buf *out);

#endif
