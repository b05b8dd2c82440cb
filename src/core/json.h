/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h: a streaming pull parser for JSON (RFC 8259) over a borrowed slice.
 *
 * Why not jansson here: ingest hot paths (OTLP spans, inference JSONL) must parse hundreds of
 * thousands of records per second without building a DOM or allocating per value. This reader
 * walks the text once; strings are returned as slices into the input when they hold no escapes,
 * else unescaped into a caller's scratch buffer. jansson remains the choice for small documents
 * and for building responses.
 *
 * Errors carry line and column (1-based) of the offending byte. Depth is capped by
 * FL_LIMIT_JSON_DEPTH. The input is never written to and need not be NUL-terminated.
 *
 * Usage:
 *   fl_json_init(&j, p, len, &diag);
 *   if ((e = fl_json_enter_object(&j))) goto out;
 *   while ((e = fl_json_next_key(&j, &key, &more)) == FL_OK && more) {
 *       if (fl_str_eq_c(key, "name")) e = fl_json_get_string(&j, &scratch, &val);
 *       else e = fl_json_skip(&j);
 *       if (e) goto out;
 *   }
 */
#ifndef FL_CORE_JSON_H
#define FL_CORE_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "str.h"

enum fl_json_type {
    FL_JSON_NONE, /* end of input */
    FL_JSON_NULL,
    FL_JSON_BOOL,
    FL_JSON_NUMBER,
    FL_JSON_STRING,
    FL_JSON_OBJECT,
    FL_JSON_ARRAY,
};

struct fl_json {
    const char *p;
    size_t len;
    size_t pos;   /* next byte to read */
    int depth;
    /* per-depth state: whether the next element of the container is the first one */
    unsigned char first[65]; /* FL_LIMIT_JSON_DEPTH + 1 */
    struct fl_diag *diag;
    /* Sticky syntax error: after the first one every call returns it and peek gives NONE, so a
     * caller that loops on peek cannot spin on bad input. fl_json_error does not set it. */
    fl_err err;
};

/* Start reading p[0..len). diag may be NULL. */
void fl_json_init(struct fl_json *j, const char *p, size_t len, struct fl_diag *diag);
/* Type of the next value without consuming it (skips whitespace). FL_JSON_NONE at end. */
enum fl_json_type fl_json_peek(struct fl_json *j);
/* Consume '{' / '['. FL_EPARSE if the next value is something else. */
fl_err fl_json_enter_object(struct fl_json *j) FL_MUST_CHECK;
fl_err fl_json_enter_array(struct fl_json *j) FL_MUST_CHECK;
/*
 * Inside an object: read the next key and the ':' after it; *more = false (and the '}' consumed)
 * when the object ended. Keys with escapes are unescaped into scratch (which then backs *key).
 */
fl_err fl_json_next_key(struct fl_json *j, struct fl_buf *scratch, struct fl_str *key,
                        bool *more) FL_MUST_CHECK;
/* A scalar member read by fl_json_next_scalar_member. */
struct fl_json_scalar {
    enum fl_json_type type; /* FL_JSON_NULL, _BOOL, _NUMBER or _STRING */
    double num;             /* NUMBER: as fl_json_get_double gives it; BOOL: 0 or 1 */
    struct fl_str str;      /* STRING: the value (a slice of the input, no escapes) */
    size_t pos;             /* byte offset of the value in the input (for messages) */
};

/*
 * Inside an object, the fast path for the commonest member: when the next member is, in compact
 * form (no whitespace), a key of plain printable ASCII without escapes, then ':' and a null,
 * true, false, a plain-ASCII string without escapes, or a number that converts exactly by the
 * fast path (at most 15 significant digits and a decimal exponent within 22), followed by ',' or
 * '}', consume it (with the ',' before it) and return true. *key is a slice of the input. In
 * every other case consume nothing and return false: the caller reads the member the usual way
 * (fl_json_next_key and a getter), which also reports any error. Never sets an error.
 */
bool fl_json_next_scalar_member(struct fl_json *j, struct fl_str *key, struct fl_json_scalar *out);
/* Inside an array: *more = false (and ']' consumed) at its end, else a value follows. */
fl_err fl_json_next_elem(struct fl_json *j, bool *more) FL_MUST_CHECK;
/*
 * Read a string value. *out points into the input when there are no escapes, else into scratch
 * (reset first). Invalid UTF-8 escapes / lone surrogates are FL_EPARSE.
 */
fl_err fl_json_get_string(struct fl_json *j, struct fl_buf *scratch,
                          struct fl_str *out) FL_MUST_CHECK;
/* Read a number (exactly; strtod semantics on the JSON grammar). */
fl_err fl_json_get_double(struct fl_json *j, double *out) FL_MUST_CHECK;
/* Read an integer given as a JSON number without fraction, or as a decimal string (OTLP int64). */
fl_err fl_json_get_int64(struct fl_json *j, int64_t *out) FL_MUST_CHECK;
fl_err fl_json_get_uint64(struct fl_json *j, uint64_t *out) FL_MUST_CHECK;
fl_err fl_json_get_bool(struct fl_json *j, bool *out) FL_MUST_CHECK;
/* Consume a null (FL_EPARSE if not null). */
fl_err fl_json_get_null(struct fl_json *j) FL_MUST_CHECK;
/* Skip one complete value of any type, validating it. */
fl_err fl_json_skip(struct fl_json *j) FL_MUST_CHECK;
/* Skip one value and return the raw text of it as a slice of the input (for storing as-is). */
fl_err fl_json_raw(struct fl_json *j, struct fl_str *raw) FL_MUST_CHECK;
/* After the top-level value: FL_OK if only whitespace remains, else FL_EPARSE. */
fl_err fl_json_end(struct fl_json *j) FL_MUST_CHECK;
/* 1-based line and column of byte offset pos in the input. */
void fl_json_position(const struct fl_json *j, size_t pos, unsigned long *line,
                      unsigned long *col);
/* Record a diagnostic at the current position (for callers' schema errors); returns code. */
fl_err fl_json_error(struct fl_json *j, fl_err code, const char *fmt, ...) FL_PRINTF(3, 4);

#endif
