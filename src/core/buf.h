/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.h: a growable byte buffer with a hard cap chosen at init.
 *
 * Growth beyond the cap fails with FL_ELIMIT instead of exhausting memory. Appends are sticky:
 * after the first failure every append is a no-op and fl_buf_err() reports the error, so streaming
 * writers (JSON, exposition text) check once at the end. The data is always NUL-terminated.
 */
#ifndef FL_CORE_BUF_H
#define FL_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"
#include "str.h"

struct fl_buf {
    char *data;  /* owned; NULL until the first append; NUL-terminated when non-NULL */
    size_t len;  /* bytes, excluding NUL */
    size_t cap;  /* allocated bytes */
    size_t max;  /* hard cap on len */
    fl_err err;  /* sticky error */
};

/* Caller storage; max is the hard limit on len in bytes. No allocation. */
void fl_buf_init(struct fl_buf *b, size_t max);
void fl_buf_cleanup(struct fl_buf *b);
/* Empty the buffer and clear the sticky error, keeping the allocation. */
void fl_buf_reset(struct fl_buf *b);
fl_err fl_buf_reserve(struct fl_buf *b, size_t extra);
void fl_buf_append(struct fl_buf *b, const void *p, size_t len);
void fl_buf_puts(struct fl_buf *b, const char *s);
void fl_buf_putc(struct fl_buf *b, char c);
void fl_buf_printf(struct fl_buf *b, const char *fmt, ...) FL_PRINTF(2, 3);
void fl_buf_vprintf(struct fl_buf *b, const char *fmt, va_list ap) FL_PRINTF(2, 0);
/* Append a double in round-trip form (see fl_fmt_double). */
void fl_buf_put_double(struct fl_buf *b, double v);
/* Append s as a JSON string literal, quotes included, escaping as RFC 8259 requires. */
void fl_buf_put_json_str(struct fl_buf *b, const char *s, size_t len);
fl_err fl_buf_err(const struct fl_buf *b);
struct fl_str fl_buf_str(const struct fl_buf *b);
/* Ownership moves out: returns the NUL-terminated data (never NULL, "" if empty) and resets b. */
char *fl_buf_take(struct fl_buf *b);

#endif
