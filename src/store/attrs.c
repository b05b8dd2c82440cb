/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attrs.c: the dictionary encoding of span attribute objects (see attrs.h).
 *
 * The encoder is a scanner for compact JSON objects as faultline's trace parsers write them: it
 * finds where each key and value starts and ends and copies their text, without decoding escapes
 * or numbers. Anything it does not recognise as compact (whitespace, a top level that is not an
 * object, trailing bytes) makes it decline, and the text is stored verbatim: the encoding is an
 * optimisation, never a filter.
 */
#include "attrs.h"

#include <string.h>

static unsigned char *put_uvarint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

static unsigned char *put_bytes(unsigned char *p, const char *s, size_t len)
{
    p = put_uvarint(p, len);
    memcpy(p, s, len);
    return p + len;
}

/* p at the opening quote of a string: the position after its closing quote, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
    p++;
    for (;;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q)
            return NULL;
        size_t bs = 0;
        while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
            bs++;
        if (bs % 2 == 0)
            return q + 1;
        p = q + 1;
    }
}

/* p at an array or object: the position after its matching close, or NULL. */
static const char *skip_nested(const char *p, const char *end)
{
    size_t depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            if (!(p = skip_string(p, end)))
                return NULL;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (--depth == 0)
                return p + 1;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            return NULL;
        p++;
    }
    return NULL;
}

/* p at a value inside an object: the position after it, or NULL when it is not compact JSON. */
static const char *skip_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skip_string(p, end);
    if (*p == '{' || *p == '[')
        return skip_nested(p, end);
    const char *q = p;
    while (q < end && ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') || *q == '-' ||
                       *q == '+' || *q == '.' || *q == 'E'))
        q++;
    return q > p ? q : NULL;
}

fl_err fl_store_attrs_encode(const char *json, size_t len, fl_store_attr_key_fn key_fn, void *ud,
                             struct fl_buf *out, int *encoded)
{
    const char *p = json, *end = json + len;
    *encoded = 0;
    if (len < 2 || *p != '{')
        return FL_OK;
    /* An entry never takes more than its text plus 2 x 10 varint bytes, and an entry has at
     * least 6 bytes of text ("":0,), so 5 x len bounds the whole encoding. */
    if (fl_buf_reserve(out, 5 * len + 16) != FL_OK)
        return FL_OK; /* sticky in out; the caller checks fl_buf_err */
    unsigned char *start = (unsigned char *)out->data + out->len, *w = start;
    p++;
    if (*p == '}')
        goto close;
    for (;;) {
        if (p >= end || *p != '"')
            return FL_OK;
        const char *k = p + 1, *ke = skip_string(p, end);
        if (!ke || ke >= end || *ke != ':')
            return FL_OK;
        const char *v = ke + 1, *ve = skip_value(v, end);
        if (!ve || ve >= end || (*ve != ',' && *ve != '}'))
            return FL_OK;
        uint64_t id = 0;
        size_t klen = (size_t)(ke - 1 - k);
        fl_err e = key_fn(ud, k, klen, &id);
        if (e != FL_OK)
            return e;
        w = put_uvarint(w, id);
        if (id == 0)
            w = put_bytes(w, k, klen);
        w = put_bytes(w, v, (size_t)(ve - v));
        p = ve;
        if (*p == '}')
            break;
        p++;
    }
close:
    if (p + 1 != end)
        return FL_OK; /* bytes after the object */
    out->len += (size_t)(w - start);
    out->data[out->len] = '\0';
    *encoded = 1;
    return FL_OK;
}

struct rd {
    const unsigned char *p, *end;
};

static int get_uvarint(struct rd *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        unsigned char c = *r->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

static int get_bytes(struct rd *r, const char **s, size_t *len)
{
    uint64_t n;
    if (!get_uvarint(r, &n) || n > (uint64_t)(r->end - r->p))
        return 0;
    *s = (const char *)r->p;
    *len = (size_t)n;
    r->p += n;
    return 1;
}

fl_err fl_store_attrs_decode(const void *p, size_t len, fl_store_attr_name_fn name_fn, void *ud,
                             struct fl_buf *out)
{
    struct rd r = {p, (const unsigned char *)p + len};
    fl_buf_putc(out, '{');
    for (int first = 1; r.p < r.end; first = 0) {
        uint64_t id;
        const char *k, *v;
        size_t klen, vlen;
        if (!get_uvarint(&r, &id))
            return FL_EPARSE;
        if (id == 0) {
            if (!get_bytes(&r, &k, &klen))
                return FL_EPARSE;
        } else {
            fl_err e = name_fn(ud, id, &k, &klen);
            if (e != FL_OK)
                return e;
        }
        if (!get_bytes(&r, &v, &vlen) || vlen == 0)
            return FL_EPARSE;
        if (!first)
            fl_buf_putc(out, ',');
        fl_buf_putc(out, '"');
        fl_buf_append(out, k, klen);
        fl_buf_append(out, "\":", 2);
        fl_buf_append(out, v, vlen);
    }
    fl_buf_putc(out, '}');
    return FL_OK;
}
