/* SPDX-License-Identifier: Apache-2.0 */
/*
 * records_int.h: helpers shared by the record parsers of src/ingest (inference and outcome JSONL,
 * change events, Alertmanager notifications, wide CSV). Not a public header: only
 * src/ingest/{inference,events,alertmanager,csv,detect}.c include it.
 *
 * What lives here: a JSON Lines splitter that keeps line numbers, timestamp conversion (unix
 * seconds / milliseconds / RFC 3339), a per-call string interner over the batch arena (feature and
 * segment names repeat on every row, so storing them once keeps the arena small and makes
 * duplicate checks a pointer compare), and the diagnostic helpers that turn positions in a
 * per-line JSON reader into positions in the whole input.
 */
#ifndef FL_INGEST_RECORDS_INT_H
#define FL_INGEST_RECORDS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/record.h"
#include "core/str.h"

/* ---- lines ---- */

struct fl_ingest__lines {
    const char *p;
    size_t len;
    size_t pos;           /* start of the next line */
    unsigned long next_no; /* 1-based number of the next line */
};

void fl_ingest__lines_init(struct fl_ingest__lines *it, const char *p, size_t len);
/*
 * Next line that is not blank (only spaces, tabs, CR): *line without its LF and trailing CR,
 * *line_no its 1-based number. Returns false at the end of input.
 */
bool fl_ingest__lines_next(struct fl_ingest__lines *it, struct fl_str *line,
                           unsigned long *line_no);

/* ---- timestamps ---- */

/*
 * Unix time as a number: values >= 1e12 are milliseconds, smaller ones seconds (fraction allowed).
 * FL_EINVAL (no diag) when not finite, negative, or past year 9999.
 */
fl_err fl_ingest__ts_from_number(double v, int64_t *ts_ms) FL_MUST_CHECK;
/* RFC 3339 string to ms (sub-millisecond digits truncated). FL_EINVAL (no diag) when invalid. */
fl_err fl_ingest__ts_from_rfc3339(struct fl_str s, int64_t *ts_ms) FL_MUST_CHECK;

/* ---- interning ---- */

struct fl_ingest__ientry;

/*
 * Per-call interner: equal strings get the same arena pointer. Bounded: past FL_INGEST__INTERN_MAX
 * distinct strings new strings are simply copied (interned = false), so high-cardinality values
 * cost no more than a plain copy.
 */
struct fl_ingest__intern {
    struct fl_batch *b;
    struct fl_ingest__ientry *slots;
    size_t cap; /* slots, power of two; 0 before the first insert */
    size_t n;
};

#define FL_INGEST__INTERN_MAX 32768

void fl_ingest__intern_init(struct fl_ingest__intern *t, struct fl_batch *b);
void fl_ingest__intern_cleanup(struct fl_ingest__intern *t);
/* Arena string equal to p[0..len) (NUL-terminated); NULL when the batch arena failed (see
 * fl_batch_alloc_err). *interned (may be NULL) says whether the pointer is canonical. */
const char *fl_ingest__intern(struct fl_ingest__intern *t, const char *p, size_t len,
                              bool *interned);

/* ---- JSON reading with positions ---- */

/*
 * A JSON reader over one line (JSON Lines) or over the whole input, with the caller's diagnostic.
 * line_base is the input line number of the reader's line 1.
 */
struct fl_ingest__jctx {
    struct fl_json j;
    struct fl_diag jd;  /* the reader's own diagnostic (syntax errors) */
    struct fl_diag *d;  /* caller's, may be NULL */
    unsigned long line_base;
    struct fl_buf kscratch; /* unescaped keys */
    struct fl_buf vscratch; /* unescaped string values */
};

void fl_ingest__jctx_init(struct fl_ingest__jctx *c, struct fl_diag *d, size_t scratch_max);
void fl_ingest__jctx_cleanup(struct fl_ingest__jctx *c);
/* Point the reader at p[0..len) whose first line is input line line_base. */
void fl_ingest__jctx_start(struct fl_ingest__jctx *c, const char *p, size_t len,
                           unsigned long line_base);
/* Position of the next value (skips whitespace), for error messages. */
size_t fl_ingest__jctx_mark(struct fl_ingest__jctx *c);
/*
 * Report a schema error at byte offset pos of the reader's text: sets the caller's diag (line,
 * column, field = field_path unless NULL, message from fmt). Returns code.
 */
fl_err fl_ingest__err_at(struct fl_ingest__jctx *c, size_t pos, fl_err code,
                         const char *field_path, const char *fmt, ...) FL_PRINTF(5, 6);
/*
 * The reader returned e (a syntax error): copy its diagnostic into the caller's with the line
 * translated. Returns e. Use after every fl_json_* call that failed.
 */
fl_err fl_ingest__json_fail(struct fl_ingest__jctx *c, fl_err e);
/* "null", "bool", "number", "string", "object", "array", "end of input". */
const char *fl_ingest__json_type_name(enum fl_json_type t);
/*
 * The next value has type t, which the caller does not accept. When t is FL_JSON_NONE (not a valid
 * value at all) the reader's syntax error is reported; otherwise the message
 * "<what>: expected <expected>, got <type>". Returns the error code.
 */
fl_err fl_ingest__bad_type(struct fl_ingest__jctx *c, size_t pos, enum fl_json_type t,
                           const char *field_path, const char *what, const char *expected);
/* Read a string value (after peek said FL_JSON_STRING) into *out (backed by input or vscratch). */
fl_err fl_ingest__get_str(struct fl_ingest__jctx *c, struct fl_str *out) FL_MUST_CHECK;
/* Read a timestamp value (number or RFC 3339 string) for field name `what`. */
fl_err fl_ingest__get_ts(struct fl_ingest__jctx *c, const char *what, int64_t *ts_ms) FL_MUST_CHECK;
/* Read a JSON object verbatim into the batch arena as NUL-terminated text (attributes). */
fl_err fl_ingest__get_raw_object(struct fl_ingest__jctx *c, struct fl_batch *b, const char *what,
                                 const char **out) FL_MUST_CHECK;
/* Report a batch failure (arena cap, record cap, memory) as a diag at the given input line. */
fl_err fl_ingest__batch_fail(struct fl_diag *d, fl_err e, struct fl_batch *b, unsigned long line);

/* Limits with defaults when lim is NULL. */
const struct fl_limits *fl_ingest__limits(const struct fl_limits *lim, struct fl_limits *storage);

#endif
