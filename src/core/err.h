/* SPDX-License-Identifier: Apache-2.0 */
/*
 * err.h: faultline's one error enum and the diagnostic that carries human detail.
 *
 * Every fallible function returns fl_err. The codes come from one X-macro list, which also yields
 * fl_err_name() and fl_err_str(); docs/ERRORS.md is checked against it by a unit test. Detail for a
 * person (file, line, column, field path) goes into an optional struct fl_diag: the first error wins.
 */
#ifndef FL_CORE_ERR_H
#define FL_CORE_ERR_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define FL_MUST_CHECK __attribute__((warn_unused_result))
#define FL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FL_MUST_CHECK
#define FL_PRINTF(a, b)
#endif

/* (NAME, HTTP status a handler maps it to, message). Append only: numbers are stable. */
#define FL_ERR_LIST(X)                                                                             \
    X(FL_OK, 200, "success")                                                                       \
    X(FL_ENOMEM, 503, "out of memory")                                                             \
    X(FL_EINVAL, 400, "invalid argument")                                                          \
    X(FL_EPARSE, 400, "malformed input")                                                           \
    X(FL_ELIMIT, 413, "input exceeds a configured limit")                                          \
    X(FL_EIO, 500, "input/output error")                                                           \
    X(FL_ESTORE, 500, "storage error")                                                             \
    X(FL_ENOTFOUND, 404, "not found")                                                              \
    X(FL_ECONFIG, 400, "invalid configuration")                                                    \
    X(FL_EAUTH, 401, "missing or invalid credentials")                                             \
    X(FL_EUNSUPPORTED, 415, "unsupported format or media type")                                    \
    X(FL_ETIMEOUT, 504, "timed out")                                                               \
    X(FL_EREMOTE, 502, "remote server returned an error")                                          \
    X(FL_ENET, 502, "network error")                                                               \
    X(FL_ECONFLICT, 409, "conflicts with stored state")                                            \
    X(FL_EBUSY, 503, "busy, try again")                                                            \
    X(FL_ESHUTDOWN, 503, "shutting down")

typedef enum {
#define FL__ERR_ENUM(name, http, msg) name,
    FL_ERR_LIST(FL__ERR_ENUM)
#undef FL__ERR_ENUM
        FL_ERR__COUNT
} fl_err;

/* Symbolic name ("FL_EPARSE"); "FL_E?" for an unknown code. Never NULL, static storage. */
const char *fl_err_name(fl_err e);
/* Short English message; static storage. */
const char *fl_err_str(fl_err e);
/* HTTP status a server should answer with for this error (200 for FL_OK). */
int fl_err_http_status(fl_err e);

#define FL_DIAG_MSG_CAP 512
#define FL_DIAG_FILE_CAP 256
#define FL_DIAG_FIELD_CAP 256

/*
 * Where and why something failed. All members are optional: line/column are 1-based, 0 = unknown;
 * file and field are "" when unknown. Caller storage, no heap.
 */
struct fl_diag {
    fl_err code;
    unsigned long line;
    unsigned long column;
    char file[FL_DIAG_FILE_CAP];   /* input name, e.g. "faultline.yml" or "body" */
    char field[FL_DIAG_FIELD_CAP]; /* field path, e.g. "scrape_configs[0].interval" */
    char msg[FL_DIAG_MSG_CAP];     /* the detail, without the location prefix */
};

/* Clear a diagnostic (code FL_OK, everything empty). d may be NULL. */
void fl_diag_init(struct fl_diag *d);

/*
 * Record an error if d is non-NULL and holds none yet (first error wins). Returns code, so callers
 * write `return fl_diag_set(d, FL_EPARSE, line, col, "expected ...")`. line/col 0 = unknown.
 */
fl_err fl_diag_set(struct fl_diag *d, fl_err code, unsigned long line, unsigned long col,
                   const char *fmt, ...) FL_PRINTF(5, 6);
fl_err fl_diag_vset(struct fl_diag *d, fl_err code, unsigned long line, unsigned long col,
                    const char *fmt, va_list ap) FL_PRINTF(5, 0);
/* Set the field path (only if none set yet; printf-style). */
void fl_diag_field(struct fl_diag *d, const char *fmt, ...) FL_PRINTF(2, 3);
/* Set the input name if none set yet. */
void fl_diag_file(struct fl_diag *d, const char *file);

/*
 * Render as one line: "file:line:col: field: msg", omitting unknown parts; when msg is empty the
 * error's fl_err_str is used. Always NUL-terminates when cap > 0. Returns the length it wanted.
 */
size_t fl_diag_format(const struct fl_diag *d, char *out, size_t cap);

#endif
