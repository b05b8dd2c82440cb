/* SPDX-License-Identifier: Apache-2.0 */
/*
 * table.h: tabular data (CSV or JSON Lines) -> rows of typed cells, streamed or loaded whole.
 *
 * The input of schema inference and validation (src/monitor), and of the drift, profile and skew
 * commands. Two formats:
 *   - CSV (RFC 4180): a header row names the columns; fields may be quoted ("" is a quote inside
 *     quotes; quoted fields may hold commas and newlines); LF or CRLF; a UTF-8 byte order mark is
 *     skipped; blank lines are skipped.
 *   - JSON Lines: one object per line; nested objects are flattened with dots
 *     ({"features":{"amount":3}} is column "features.amount"); arrays are refused. A column is
 *     created when its key first appears; in rows without that key its cell is FL_CELL_MISSING.
 * The format is detected by content (first non-blank byte '{' => JSON Lines, any other => CSV);
 * blank input goes by extension (.jsonl, .ndjson, .json => JSON Lines, else CSV); a caller may
 * force it.
 *
 * Cell typing: JSON values keep their JSON type (null, number, string, true/false). A CSV field
 * (quoted or not) is NULL when empty or only blanks, a NUMBER when its text (blanks trimmed) is a
 * decimal or exponent number or NaN/Inf, a BOOL when it is true or false in any case, else a
 * STRING (unquoted: blanks trimmed; quoted: exactly as written).
 *
 * Caps (struct fl_table_opts, defaults from core/limits.h): bytes of one record, columns, rows.
 * Errors are FL_EPARSE / FL_ELIMIT (FL_EIO for the file, FL_ENOMEM) with the diagnostic's file,
 * line and column (1-based; columns count UTF-8 characters) and a message that names the column,
 * rendering as `train.csv:17:23: column "amount": quote inside an unquoted field`. The first
 * error ends the table: later calls return it again.
 *
 * Not thread-safe; distinct readers are independent.
 */
#ifndef FL_INGEST_TABLE_H
#define FL_INGEST_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"

enum fl_table_format { FL_TABLE_AUTO = 0, FL_TABLE_CSV, FL_TABLE_JSONL };

enum fl_cell_type {
    FL_CELL_MISSING = 0, /* JSON Lines: the row has no such key */
    FL_CELL_NULL,        /* JSON null, or an empty CSV field */
    FL_CELL_NUMBER,
    FL_CELL_STRING,
    FL_CELL_BOOL,
};

struct fl_cell {
    enum fl_cell_type type;
    bool integral; /* NUMBER written without fraction or exponent, finite, |num| <= 2^53 */
    double num;    /* NUMBER: the value; BOOL: 0 or 1; else 0 */
    /* STRING: the value. NUMBER, BOOL: the text as written (for examples in messages).
     * MISSING, NULL: empty. Not NUL-terminated; may hold NUL bytes. */
    struct fl_str str;
};

struct fl_table_opts {
    enum fl_table_format format; /* FL_TABLE_AUTO = detect */
    size_t record_bytes;         /* one CSV record / JSON line; 0 = FL_LIMIT_LINE_BYTES */
    size_t max_columns;          /* 0 = FL_LIMIT_TABLE_COLUMNS */
    size_t max_rows;             /* data rows; 0 = FL_LIMIT_TABLE_ROWS */
};

struct fl_table;

/*
 * Open path for streaming ("-" = standard input). o may be NULL (defaults). Reads the CSV header
 * (or nothing, for JSON Lines) before returning, so the CSV columns are known at once. An empty
 * input is a table with no columns and no rows. *out is owned by the caller (fl_table_free).
 * Errors: FL_EIO (cannot open/read; the system's reason in d), FL_EPARSE/FL_ELIMIT in the
 * header, FL_ENOMEM. d may be NULL; its file is set to path.
 */
fl_err fl_table_open(const char *path, const struct fl_table_opts *o, struct fl_table **out,
                     struct fl_diag *d) FL_MUST_CHECK;
/*
 * The same over p[0..len), borrowed: it must outlive the table and is never written to. name
 * (may be NULL: "input") is used for detection by extension and in diagnostics.
 */
fl_err fl_table_open_mem(const char *p, size_t len, const char *name, const struct fl_table_opts *o,
                         struct fl_table **out, struct fl_diag *d) FL_MUST_CHECK;
/* Close the file (unless standard input) and free everything. NULL is a no-op. */
void fl_table_free(struct fl_table *t);

/*
 * Read the next data row. On success *row points to fl_table_n_columns(t) cells (the count may
 * have grown since the last row, for JSON Lines), owned by the table and valid, with the strings
 * they point to, until the next call or fl_table_free. *row is NULL at the end of input.
 * Errors as above; after an error every call returns it again.
 */
fl_err fl_table_next(struct fl_table *t, const struct fl_cell **row,
                     struct fl_diag *d) FL_MUST_CHECK;

enum fl_table_format fl_table_format(const struct fl_table *t);
/* Columns seen so far, in order of first appearance (CSV: the header). */
size_t fl_table_n_columns(const struct fl_table *t);
/* Name of column i (< fl_table_n_columns), NUL-terminated, owned by the table. */
const char *fl_table_column(const struct fl_table *t, size_t i);
/* Data rows returned so far. */
size_t fl_table_n_rows(const struct fl_table *t);
/* 1-based input line where the last returned row starts (0 before the first). */
unsigned long fl_table_line(const struct fl_table *t);
/* The name given at open ("-" for standard input). */
const char *fl_table_name(const struct fl_table *t);
/* "csv", "jsonl". */
const char *fl_table_format_name(enum fl_table_format f);

/* ---- the whole table in memory, by column ---- */

struct fl_table_column {
    const char *name;      /* NUL-terminated, in the data's arena */
    struct fl_cell *cells; /* n_rows cells; strings in the data's arena */
};

struct fl_table_data {
    enum fl_table_format format;
    struct fl_table_column *cols;
    size_t n_cols;
    size_t n_rows;
    struct fl_arena arena; /* every name and string */
};

/*
 * Read a whole table (path as in fl_table_open) into columns. Columns that first appear late in
 * JSON Lines are FL_CELL_MISSING in earlier rows. Besides the reader's caps, the cells kept are
 * capped by FL_LIMIT_TABLE_LOAD_CELLS (FL_ELIMIT) and the strings by FL_LIMIT_BATCH_ARENA_BYTES.
 * *out is owned by the caller: fl_table_data_free.
 */
fl_err fl_table_load(const char *path, const struct fl_table_opts *o, struct fl_table_data **out,
                     struct fl_diag *d) FL_MUST_CHECK;
/* The same from an open table, reading its remaining rows (t stays owned by the caller). */
fl_err fl_table_load_from(struct fl_table *t, struct fl_table_data **out,
                          struct fl_diag *d) FL_MUST_CHECK;
/* NULL is a no-op. */
void fl_table_data_free(struct fl_table_data *td);
/* Index of the column named name, or -1. */
long fl_table_data_find(const struct fl_table_data *td, const char *name);
/*
 * Copy the NUMBER cells of column col (in row order, NaN included) into a new array *out of *n
 * doubles, owned by the caller (fl_free; NULL when *n is 0). FL_EINVAL for a bad col, FL_ENOMEM.
 */
fl_err fl_table_data_numbers(const struct fl_table_data *td, size_t col, double **out,
                             size_t *n) FL_MUST_CHECK;

#endif
