/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sketch_io.c: little-endian writers into struct fl_buf and a bounds-checked reader, the byte
 * layer of every serialized sketch (docs/SKETCHES.md). Bytes are assembled one at a time, so the
 * result does not depend on the host's endianness or alignment.
 */
#include "stats/sketch_io.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"

const char *fl_sketch_type_name(int type)
{
    switch (type) {
    case FL_SKETCH_KLL:
        return "kll";
    case FL_SKETCH_HLL:
        return "hll";
    case FL_SKETCH_FREQ:
        return "freq";
    case FL_SKETCH_MOMENTS:
        return "moments";
    default:
        return "unknown";
    }
}

static void put_le(struct fl_buf *b, uint64_t v, size_t n)
{
    unsigned char tmp[8];
    for (size_t i = 0; i < n; i++)
        tmp[i] = (unsigned char)(v >> (8 * i));
    fl_buf_append(b, tmp, n);
}

void fl_sketch_put_u8(struct fl_buf *b, uint8_t v)
{
    put_le(b, v, 1);
}

void fl_sketch_put_u16(struct fl_buf *b, uint16_t v)
{
    put_le(b, v, 2);
}

void fl_sketch_put_u32(struct fl_buf *b, uint32_t v)
{
    put_le(b, v, 4);
}

void fl_sketch_put_u64(struct fl_buf *b, uint64_t v)
{
    put_le(b, v, 8);
}

void fl_sketch_put_f64(struct fl_buf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_le(b, bits, 8);
}

void fl_sketch_put_header(struct fl_buf *b, enum fl_sketch_type type)
{
    fl_sketch_put_u8(b, FL_SKETCH_FORMAT_VERSION);
    fl_sketch_put_u8(b, (uint8_t)type);
}

void fl_sketch_reader_init(struct fl_sketch_reader *r, const void *p, size_t len, const char *what,
                           struct fl_diag *d)
{
    r->p = p;
    r->len = p ? len : 0;
    r->off = 0;
    r->last = 0;
    r->what = what ? what : "sketch";
    r->d = d;
}

static fl_err vfail(struct fl_sketch_reader *r, size_t off, const char *field, const char *fmt,
                    va_list ap)
{
    char msg[FL_DIAG_MSG_CAP];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (r->d && r->d->code == FL_OK)
        fl_diag_field(r->d, "%s.%s", r->what, field);
    return fl_diag_set(r->d, FL_EINVAL, 0, 0, "byte %zu: %s", off, msg);
}

fl_err fl_sketch_fail(struct fl_sketch_reader *r, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_err e = vfail(r, r->last, field, fmt, ap);
    va_end(ap);
    return e;
}

static fl_err fail_at(struct fl_sketch_reader *r, size_t off, const char *field, const char *fmt,
                      ...) FL_PRINTF(4, 5);

static fl_err fail_at(struct fl_sketch_reader *r, size_t off, const char *field, const char *fmt,
                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_err e = vfail(r, off, field, fmt, ap);
    va_end(ap);
    return e;
}

fl_err fl_sketch_need(struct fl_sketch_reader *r, const char *field, size_t count, size_t size)
{
    size_t left = r->len - r->off;
    if (size != 0 && count > left / size)
        return fail_at(r, r->off, field,
                       "truncated: %zu elements of %zu bytes need more than the "
                       "%zu bytes left",
                       count, size, left);
    return FL_OK;
}

static fl_err get_le(struct fl_sketch_reader *r, const char *field, size_t n, uint64_t *out)
{
    if (r->len - r->off < n)
        return fail_at(r, r->off, field, "truncated: %zu bytes needed, %zu left", n,
                       r->len - r->off);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)r->p[r->off + i] << (8 * i);
    r->last = r->off;
    r->off += n;
    *out = v;
    return FL_OK;
}

fl_err fl_sketch_get_u8(struct fl_sketch_reader *r, const char *field, uint8_t *out)
{
    uint64_t v = 0;
    fl_err e = get_le(r, field, 1, &v);
    if (e == FL_OK)
        *out = (uint8_t)v;
    return e;
}

fl_err fl_sketch_get_u16(struct fl_sketch_reader *r, const char *field, uint16_t *out)
{
    uint64_t v = 0;
    fl_err e = get_le(r, field, 2, &v);
    if (e == FL_OK)
        *out = (uint16_t)v;
    return e;
}

fl_err fl_sketch_get_u32(struct fl_sketch_reader *r, const char *field, uint32_t *out)
{
    uint64_t v = 0;
    fl_err e = get_le(r, field, 4, &v);
    if (e == FL_OK)
        *out = (uint32_t)v;
    return e;
}

fl_err fl_sketch_get_u64(struct fl_sketch_reader *r, const char *field, uint64_t *out)
{
    return get_le(r, field, 8, out);
}

fl_err fl_sketch_get_f64(struct fl_sketch_reader *r, const char *field, double *out)
{
    uint64_t v = 0;
    fl_err e = get_le(r, field, 8, &v);
    if (e == FL_OK)
        memcpy(out, &v, sizeof *out);
    return e;
}

fl_err fl_sketch_get_bytes(struct fl_sketch_reader *r, const char *field, size_t n,
                           const uint8_t **out)
{
    if (r->len - r->off < n)
        return fail_at(r, r->off, field, "truncated: %zu bytes needed, %zu left", n,
                       r->len - r->off);
    *out = r->p + r->off;
    r->last = r->off;
    r->off += n;
    return FL_OK;
}

fl_err fl_sketch_get_header(struct fl_sketch_reader *r, enum fl_sketch_type want)
{
    uint8_t version, type;
    fl_err e;
    if (r->len > FL_LIMIT_SKETCH_BYTES)
        return fail_at(r, 0, "header", "%zu bytes exceed the limit of %u", r->len,
                       (unsigned)FL_LIMIT_SKETCH_BYTES);
    if ((e = fl_sketch_get_u8(r, "version", &version)))
        return e;
    if (version != FL_SKETCH_FORMAT_VERSION)
        return fl_sketch_fail(r, "version", "format version %u, expected %u", version,
                              FL_SKETCH_FORMAT_VERSION);
    if ((e = fl_sketch_get_u8(r, "type", &type)))
        return e;
    if (type != want)
        return fl_sketch_fail(r, "type", "sketch type %u (%s), expected %u (%s)", type,
                              fl_sketch_type_name(type), (unsigned)want,
                              fl_sketch_type_name((int)want));
    return FL_OK;
}

fl_err fl_sketch_reader_end(struct fl_sketch_reader *r)
{
    if (r->off != r->len)
        return fail_at(r, r->off, "end", "%zu trailing bytes", r->len - r->off);
    return FL_OK;
}
