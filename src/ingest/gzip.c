/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gzip.c: bounded gzip/zlib inflate with zlib (inflateInit2 with windowBits 15 + 32, which detects
 * either header). Output goes straight into the caller's fl_buf in chunks, and the cap is checked
 * before each chunk is handed to inflate, so a zip bomb stops at max_out bytes.
 */
#include "gzip.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "../core/alloc.h"

#define GZ_CHUNK (64u * 1024)

static void *gz_alloc(void *opaque, unsigned items, unsigned size)
{
    (void)opaque;
    return fl_calloc(items, size);
}

static void gz_free(void *opaque, void *p)
{
    (void)opaque;
    fl_free(p);
}

fl_err fl_gzip_inflate(const char *p, size_t len, size_t max_out, struct fl_buf *out,
                       struct fl_diag *d)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = gz_alloc;
    zs.zfree = gz_free;
    if (len == 0)
        return fl_diag_set(d, FL_EPARSE, 0, 0, "empty compressed body");
    int zr = inflateInit2(&zs, 15 + 32);
    if (zr == Z_MEM_ERROR)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory initialising zlib");
    if (zr != Z_OK)
        return fl_diag_set(d, FL_EPARSE, 0, 0, "zlib init failed: %s", zs.msg ? zs.msg : "?");

    fl_err e = FL_OK;
    size_t produced = 0; /* bytes appended by this call */
    size_t in_left = len;
    const unsigned char *in = (const unsigned char *)p;
    for (;;) {
        if (zs.avail_in == 0 && in_left > 0) {
            unsigned n = in_left > UINT_MAX ? UINT_MAX : (unsigned)in_left;
            zs.next_in = (unsigned char *)(uintptr_t)in; /* zlib never writes through next_in */
            zs.avail_in = n;
            in += n;
            in_left -= n;
        }
        size_t room = max_out - produced;
        size_t want = room < GZ_CHUNK ? room : GZ_CHUNK;
        /* One spare byte beyond the cap tells "exactly max_out" from "more than max_out". */
        if (want == 0)
            want = 1;
        if ((e = fl_buf_reserve(out, want)) != FL_OK) {
            e = fl_diag_set(d, e, 0, 0, e == FL_ELIMIT ? "decompressed body exceeds %zu bytes"
                                                       : "out of memory inflating body",
                            e == FL_ELIMIT ? out->max : (size_t)0);
            goto out;
        }
        zs.next_out = (unsigned char *)out->data + out->len;
        zs.avail_out = (unsigned)want;
        zr = inflate(&zs, Z_NO_FLUSH);
        size_t got = want - zs.avail_out;
        if (got > room) {
            e = fl_diag_set(d, FL_ELIMIT, 0, 0, "decompressed body exceeds %zu bytes", max_out);
            goto out;
        }
        out->len += got;
        out->data[out->len] = '\0';
        produced += got;
        if (zr == Z_STREAM_END) {
            size_t rest = zs.avail_in + in_left;
            if (rest == 0)
                break;
            /* Another gzip member may follow (RFC 1952 §2.2); anything else is garbage. */
            const unsigned char *next = zs.avail_in ? zs.next_in : in;
            if (rest >= 2 && next[0] == 0x1f && next[1] == 0x8b) {
                if (inflateReset(&zs) != Z_OK) {
                    e = fl_diag_set(d, FL_EPARSE, 0, 0, "corrupt compressed body");
                    goto out;
                }
                continue;
            }
            e = fl_diag_set(d, FL_EPARSE, 0, 0, "trailing data after compressed stream");
            goto out;
        }
        if (zr == Z_MEM_ERROR) {
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory inflating body");
            goto out;
        }
        if (zr == Z_NEED_DICT || zr == Z_DATA_ERROR || zr == Z_STREAM_ERROR) {
            e = fl_diag_set(d, FL_EPARSE, 0, 0, "corrupt compressed body: %s",
                            zs.msg ? zs.msg : "invalid data");
            goto out;
        }
        if (zr == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0) {
            e = fl_diag_set(d, FL_EPARSE, 0, 0, "truncated compressed body");
            goto out;
        }
    }
out:
    inflateEnd(&zs);
    return e;
}
