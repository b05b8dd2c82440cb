/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.h: the data schema of a table (what a good batch looks like), inferred from training data
 * and read from / written to an editable YAML file (docs/VALIDATION.md).
 *
 * Modelled on TensorFlow Data Validation's Schema proto, reduced to what a person edits: per
 * column a type (int, float, string, bool), whether the column is required, its expected null rate
 * and tolerance, the numeric range, the string domain (low-cardinality columns), the tolerated
 * share of cells of another type; per table the band of row counts a batch may have and whether
 * unknown columns are allowed. validate.h checks batches against it.
 *
 * Inference rules (fl_schema_infer, all documented in docs/VALIDATION.md with their flags):
 *   - type: the dominant kind of the non-null cells (number, string, bool; ties prefer string,
 *     then number); a number column is int when every number is written without fraction or
 *     exponent, else float;
 *   - required: true, except for JSON Lines columns whose key is absent in more than half of the
 *     rows;
 *   - null_rate: the observed share of rows without a value; null_tolerance = opts tolerance;
 *   - max_wrong_type: 0 when every non-null cell had the column's type, else the observed share
 *     plus the tolerance;
 *   - min/max: the observed range, widened by range_margin x span on each side and rounded
 *     outward (never below 0 when the observed minimum is >= 0);
 *   - domain: for string columns with at most max_domain distinct values whose distinct count is
 *     at most domain_ratio x the non-null cells;
 *   - rows: [rows_min_factor x base, rows_max_factor x base] with base = the training rows, or
 *     batch_rows when given;
 *   - reference (int and float columns): quantile bins of the training values (deciles by
 *     default, ties collapsed, outer edges -Inf and +Inf; from a uniform sample of
 *     FL_SCHEMA_SAMPLE values when there are more) and each bin's share, when there are at
 *     least two bins.
 */
#ifndef FL_MONITOR_SCHEMA_H
#define FL_MONITOR_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "ingest/table.h"

#define FL_SCHEMA_VERSION 1

enum fl_col_type { FL_COL_INT = 0, FL_COL_FLOAT, FL_COL_STRING, FL_COL_BOOL };

struct fl_schema_column {
    char *name; /* NUL-terminated, owned */
    enum fl_col_type type;
    bool required;         /* missing_column when a batch lacks the column */
    double null_rate;      /* expected share of rows without a value, 0..1 */
    double null_tolerance; /* null_spike when a batch's share > null_rate + null_tolerance */
    double max_wrong_type; /* type_change when a batch's share of other-type cells exceeds it */
    bool has_min, has_max; /* numeric columns: out_of_range outside [min, max] */
    double min, max;
    /* Domain of a string column (out_of_domain for any other value); sorted, unique, owned.
     * has_domain with n_domain 0 means "no value allowed". Values may hold NUL bytes. */
    bool has_domain;
    char **domain;
    size_t *domain_len; /* bytes of each value */
    size_t n_domain;
    /* Observed counts of the training data, written as comments only: counts[i] rows had
     * domain[i] (NULL when the schema was read from YAML). */
    uint64_t *domain_counts;
    double observed_min, observed_max; /* NaN when unknown (comments only) */
    /* Reference distribution of a numeric column, for drift: bins edges[0..n_edges) (ascending;
     * inference makes the outer ones -Inf and +Inf) and the training share of each of the
     * n_edges - 1 bins. drift when the PSI of a batch's values exceeds psi_threshold. Owned. */
    bool has_reference;
    double *ref_edges;
    size_t n_ref_edges;
    double *ref_props;
    double psi_threshold;
};

struct fl_schema {
    int version;            /* FL_SCHEMA_VERSION */
    char *source;           /* data the schema was inferred from, or NULL; owned */
    char *format;           /* "csv", "jsonl", or NULL; owned */
    uint64_t rows_observed; /* training rows (0 = unknown) */
    bool has_rows_band;
    uint64_t rows_min, rows_max; /* row_count anomaly outside [rows_min, rows_max] */
    bool allow_new_columns;      /* false: new_column anomaly for a column not listed */
    struct fl_schema_column *cols;
    size_t n_cols;
};

/* Knobs of inference; fl_schema_infer_opts_default gives the documented defaults. */
struct fl_schema_infer_opts {
    double tolerance;       /* 0.05: each column's null_tolerance, and max_wrong_type's slack */
    double range_margin;    /* 0.1: widen [min,max] by 10% of the span on each side; 0 = exact */
    size_t max_domain;      /* 100: string columns with more distinct values get no domain */
    double domain_ratio;    /* 0.2: ... nor those whose distinct count > 0.2 x non-null cells */
    double rows_min_factor; /* 0.5 */
    double rows_max_factor; /* 2.0 */
    uint64_t batch_rows;    /* 0: base the row band on the training rows */
    size_t bins;            /* 10: reference deciles for drift; 0 = no reference */
    double psi_threshold;   /* 0.2 */
};

/* Values per column that inference keeps (a uniform reservoir sample) for reference bins. */
#define FL_SCHEMA_SAMPLE 10000
/* Most bins a reference may have. */
#define FL_SCHEMA_MAX_BINS 1000

void fl_schema_infer_opts_default(struct fl_schema_infer_opts *o);

/* An empty schema (no columns, version 1). NULL on out of memory. Free with fl_schema_free. */
struct fl_schema *fl_schema_new(void);
/* NULL is a no-op. */
void fl_schema_free(struct fl_schema *s);
/* Index of the column named name, or -1. */
long fl_schema_find(const struct fl_schema *s, const char *name);
/* "int", "float", "string", "bool". */
const char *fl_col_type_name(enum fl_col_type t);
/* True when the column's domain holds v[0..len) (binary search). */
bool fl_schema_in_domain(const struct fl_schema_column *c, const char *v, size_t len);

/*
 * Infer a schema from every remaining row of t (the reader is drained). o may be NULL (defaults).
 * *out is owned by the caller. Errors: the reader's (diagnostic in d), FL_EINVAL with a message
 * when the table has no rows or no columns, FL_ENOMEM.
 */
fl_err fl_schema_infer(struct fl_table *t, const struct fl_schema_infer_opts *o,
                       struct fl_schema **out, struct fl_diag *d) FL_MUST_CHECK;

/*
 * Parse schema YAML p[0..len) (name for diagnostics; NULL = "schema.yml"). *out owned by the
 * caller. Errors: FL_ECONFIG with file, line, column and key path (YAML syntax, unknown or
 * duplicate keys, wrong types, min > max, a domain on a non-string column, ...), FL_ELIMIT
 * (FL_LIMIT_SCHEMA_BYTES, FL_LIMIT_SCHEMA_NODES, FL_LIMIT_TABLE_COLUMNS, FL_LIMIT_DOMAIN_VALUES),
 * FL_ENOMEM.
 */
fl_err fl_schema_parse(const char *p, size_t len, const char *name, struct fl_schema **out,
                       struct fl_diag *d) FL_MUST_CHECK;
/* Read and parse a file ("-" = standard input); FL_EIO when it cannot be read. */
fl_err fl_schema_load(const char *path, struct fl_schema **out, struct fl_diag *d) FL_MUST_CHECK;

/*
 * Append s as commented YAML to out (sticky buffer errors: check fl_buf_err). Doubles are written
 * so that they read back exactly; fl_schema_parse of the output gives an equal schema.
 */
void fl_schema_emit(const struct fl_schema *s, struct fl_buf *out);

#endif
