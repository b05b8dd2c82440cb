/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trace_int.h: helpers shared by the two trace parsers of src/ingest, OTLP/HTTP JSON (otlp.c) and
 * Jaeger JSON (jaeger.c). Not a public header: only they and trace_common.c include it.
 *
 * What lives here: the per-call buffers, object-key comparison, hex span/trace id normalisation,
 * integer writers, the text of a JSON integer given as a number or a decimal string (proto3 JSON
 * int64), copying a built JSON text into the batch arena, and the writers of the event/link JSON
 * objects that both parsers store in fl_span.events_json / links_json (see src/core/record.h).
 *
 * The small per-span helpers are static inline on purpose: the library is built without LTO and
 * these sit on the parse hot path (ids, attribute values, per-span text copies). What runs only
 * on failures or once per event/link is out of line in trace_common.c.
 */
#ifndef FL_INGEST_TRACE_INT_H
#define FL_INGEST_TRACE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/record.h"
#include "core/str.h"

/*
 * The growable buffers both parsers keep for one call: reader scratch and the texts of the span
 * being read. Each is capped (see fl_ingest__span_bufs_init); a cap or allocation failure is
 * sticky in the buffer (fl_buf_err) and is checked by the parser where the text is finished.
 */
struct fl_ingest__span_bufs {
    struct fl_buf key;    /* scratch: decoded object keys */
    struct fl_buf str;    /* scratch: decoded string values */
    struct fl_buf attrs;  /* attrs_json of the current span */
    struct fl_buf events; /* events_json of the current span */
    struct fl_buf links;  /* links_json of the current span */
    struct fl_buf sub;    /* attributes of one event, link or log; of a resource or process */
    struct fl_buf name;   /* name of the current event, as a JSON string literal */
};

/*
 * Caller storage, no allocation yet: key capped at 8 * FL_LIMIT_VALUE_BYTES, the others at
 * FL_LIMIT_BODY_BYTES. Pair with fl_ingest__span_bufs_cleanup, which frees them all.
 */
void fl_ingest__span_bufs_init(struct fl_ingest__span_bufs *sb);
void fl_ingest__span_bufs_cleanup(struct fl_ingest__span_bufs *sb);

/* True when the object key k (a struct fl_str) equals the string literal lit. */
#define FL_INGEST__KEY_IS(k, lit) \
    ((k).len == sizeof(lit) - 1 && memcmp((k).p, (lit), sizeof(lit) - 1) == 0)

/* Bytes of an offending input value quoted in a message. */
#define FL_INGEST__SHOW 48

/* How many bytes of s a message quotes: min(s.len, FL_INGEST__SHOW). */
static inline size_t fl_ingest__show_len(struct fl_str s)
{
    return s.len < FL_INGEST__SHOW ? s.len : FL_INGEST__SHOW;
}

/* Value of one hex digit (either case), or -1. */
static inline int fl_ingest__hexv(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/*
 * A hex id of min_digits..n digits (either case) -> dst[n + 1]: lowercase, left-padded with '0'
 * to n digits, NUL-terminated. OTLP ids are exactly n digits (min_digits = n); Jaeger ids may drop
 * leading zeros (min_digits = 1). Returns 0 ok, -1 not min_digits..n hex digits, -2 all zero.
 * On -1 dst may hold a partial, unterminated prefix: callers reject the id (and its span).
 */
static inline int fl_ingest__hex_id(struct fl_str s, size_t min_digits, size_t n, char *dst)
{
    static const char digits[] = "0123456789abcdef";
    if (s.len < min_digits || s.len > n)
        return -1;
    size_t pad = n - s.len;
    int nonzero = 0;
    memset(dst, '0', pad);
    for (size_t i = 0; i < s.len; i++) {
        int v = fl_ingest__hexv((unsigned char)s.p[i]);
        if (v < 0)
            return -1;
        nonzero |= v;
        dst[pad + i] = digits[v];
    }
    dst[n] = '\0';
    return nonzero ? 0 : -2;
}

/* Append the decimal text of u (no sign, no padding) to out. */
static inline void fl_ingest__put_u64(struct fl_buf *out, uint64_t u)
{
    char tmp[24];
    char *e = tmp + sizeof tmp, *s = e;
    do {
        *--s = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    fl_buf_append(out, s, (size_t)(e - s));
}

/* Append the decimal text of v (as printf "%" PRId64 writes it, INT64_MIN included) to out. */
static inline void fl_ingest__put_i64(struct fl_buf *out, int64_t v)
{
    char tmp[24];
    char *e = tmp + sizeof tmp, *s = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--s = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--s = '-';
    fl_buf_append(out, s, (size_t)(e - s));
}

/*
 * The text of an integer given as a JSON number (raw text, a slice of the input) or a string
 * (decoded into scratch; proto3 JSON writes int64/fixed64 that way). *ok = false, with nothing
 * consumed and *text = "", when the next value is of another type: the caller skips or fails.
 * Errors: the reader's (syntax, scratch cap).
 */
static inline fl_err fl_ingest__int_text(struct fl_json *j, struct fl_buf *scratch,
                                         struct fl_str *text, bool *ok)
{
    enum fl_json_type t = fl_json_peek(j);
    *text = (struct fl_str){"", 0};
    *ok = true;
    if (t == FL_JSON_NUMBER)
        return fl_json_raw(j, text);
    if (t == FL_JSON_STRING)
        return fl_json_get_string(j, scratch, text);
    *ok = false;
    return FL_OK;
}

/*
 * The batch arena failed: set d (first error wins) to "batch arena limit reached" (FL_ELIMIT) or
 * "out of memory" (FL_ENOMEM), as fl_batch_alloc_err(b) says. Returns that code.
 */
fl_err fl_ingest__alloc_fail(struct fl_diag *d, const struct fl_batch *b);

/* *out = an arena copy of s (NUL-terminated). On failure see fl_ingest__alloc_fail. */
static inline FL_MUST_CHECK fl_err fl_ingest__dup(struct fl_batch *b, struct fl_diag *d,
                                                  struct fl_str s, const char **out)
{
    if (!(*out = fl_batch_strndup(b, s.p, s.len)))
        return fl_ingest__alloc_fail(d, b);
    return FL_OK;
}

/*
 * A finished JSON text in buf -> *out: the static dflt when buf is empty or holds exactly dflt,
 * else an arena copy. The caller has checked buf's sticky error. Failure: fl_ingest__alloc_fail.
 */
static inline FL_MUST_CHECK fl_err fl_ingest__keep_text(struct fl_batch *b, struct fl_diag *d,
                                                        const struct fl_buf *buf, const char *dflt,
                                                        const char **out)
{
    if (buf->len == 0 || (buf->len == strlen(dflt) && memcmp(buf->data, dflt, buf->len) == 0)) {
        *out = dflt;
        return FL_OK;
    }
    return fl_ingest__dup(b, d, (struct fl_str){buf->data, buf->len}, out);
}

/* Append a finished span to the batch; on failure d says "cannot add span: <why>". */
static inline FL_MUST_CHECK fl_err fl_ingest__add_span(struct fl_batch *b, struct fl_diag *d,
                                                       const struct fl_span *sp)
{
    fl_err e = fl_batch_add_span(b, sp);
    if (e)
        return fl_diag_set(d, e, 0, 0, "cannot add span: %s", fl_err_str(e));
    return FL_OK;
}

/*
 * Start one element of an events_json array in o: '[' when first, else ',', then
 * {"time_ns":"<time_ns>","name":<name>,"attrs":  where name holds a JSON string literal (empty:
 * ""). The caller appends the attributes object and the closing '}' (and the array's ']').
 */
void fl_ingest__put_event_head(struct fl_buf *o, bool first, int64_t time_ns,
                               const struct fl_buf *name);

/*
 * Start one element of a links_json array in o: '[' when first, else ',', then
 * {"trace_id":"<trace_id>","span_id":"<span_id>","attrs":  (ids are already lowercase hex). The
 * caller appends the attributes object and the closing '}' (and the array's ']').
 */
void fl_ingest__put_link_head(struct fl_buf *o, bool first, const char *trace_id,
                              const char *span_id);

#endif
