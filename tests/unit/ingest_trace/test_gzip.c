/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_gzip.c: bounded inflate (src/ingest/gzip.c): gzip and zlib round trips made with zlib
 * itself, the output cap (exact boundary and a 100 MiB zip bomb), corrupt, truncated and trailing
 * input, and concatenated gzip members.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/buf.h"
#include "ingest/gzip.h"

/* Compress with zlib: window_bits 15 + 16 = gzip wrapper, 15 = zlib wrapper. */
static unsigned char *deflate_buf(const void *p, size_t len, int window_bits, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    cr_assert_eq(deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, (uLong)len) + 64;
    unsigned char *out = malloc(cap);
    cr_assert_not_null(out);
    zs.next_in = (unsigned char *)(uintptr_t)p;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

static char *sample_text(size_t len)
{
    char *p = malloc(len + 1);
    cr_assert_not_null(p);
    unsigned x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (char)('a' + (x >> 16) % 26);
    }
    p[len] = '\0';
    return p;
}

Test(gzip, round_trip_gzip_and_zlib)
{
    static const int wbits[] = {15 + 16, 15};
    static const size_t sizes[] = {1, 100, 65536, 300000};
    for (size_t w = 0; w < 2; w++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            char *text = sample_text(sizes[s]);
            size_t zlen;
            unsigned char *z = deflate_buf(text, sizes[s], wbits[w], &zlen);
            struct fl_buf out;
            struct fl_diag d;
            fl_diag_init(&d);
            fl_buf_init(&out, 1u << 24);
            cr_assert_eq(fl_gzip_inflate((const char *)z, zlen, 1u << 24, &out, &d), FL_OK,
                         "w=%zu s=%zu: %s", w, s, d.msg);
            cr_assert_eq(out.len, sizes[s]);
            cr_assert_eq(memcmp(out.data, text, sizes[s]), 0);
            fl_buf_cleanup(&out);
            free(z);
            free(text);
        }
}

Test(gzip, cap_boundary)
{
    char *text = sample_text(10000);
    size_t zlen;
    unsigned char *z = deflate_buf(text, 10000, 31, &zlen);
    struct fl_buf out;
    struct fl_diag d;

    fl_buf_init(&out, 1u << 20);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate((const char *)z, zlen, 10000, &out, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(out.len, 10000);
    fl_buf_reset(&out);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate((const char *)z, zlen, 9999, &out, &d), FL_ELIMIT);
    cr_assert_str_eq(d.msg, "decompressed body exceeds 9999 bytes");
    fl_buf_cleanup(&out);
    /* As the server calls it: the output buffer's own cap equals max_out. */
    fl_buf_init(&out, 10000);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate((const char *)z, zlen, 10000, &out, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(out.len, 10000);
    cr_assert_eq(memcmp(out.data, text, 10000), 0);
    fl_buf_cleanup(&out);
    fl_buf_init(&out, 9999);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate((const char *)z, zlen, 9999, &out, &d), FL_ELIMIT);
    cr_assert_str_eq(d.msg, "decompressed body exceeds 9999 bytes");
    fl_buf_cleanup(&out);
    free(z);
    free(text);
}

Test(gzip, zip_bomb_stops_at_cap)
{
    size_t big = 100u * 1024 * 1024;
    char *zeros = calloc(1, big);
    cr_assert_not_null(zeros);
    size_t zlen;
    unsigned char *z = deflate_buf(zeros, big, 31, &zlen);
    free(zeros);
    cr_assert_lt(zlen, 200000); /* ~1000:1 */
    struct fl_buf out;
    struct fl_diag d;
    fl_buf_init(&out, 64u << 20);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate((const char *)z, zlen, 1u << 20, &out, &d), FL_ELIMIT);
    cr_assert_str_eq(d.msg, "decompressed body exceeds 1048576 bytes");
    cr_assert_leq(out.len, 1u << 20);
    cr_assert_leq(out.cap, (2u << 20) + (1u << 18)); /* never allocated far beyond the cap */
    fl_buf_cleanup(&out);
    free(z);
}

Test(gzip, corrupt_truncated_trailing_empty)
{
    char *text = sample_text(5000);
    size_t zlen;
    unsigned char *z = deflate_buf(text, 5000, 31, &zlen);
    struct fl_buf out;
    struct fl_diag d;
    fl_buf_init(&out, 1u << 20);

    unsigned char *bad = malloc(zlen + 8);
    cr_assert_not_null(bad);

    /* corrupt deflate data in the middle */
    memcpy(bad, z, zlen);
    for (size_t i = 20; i < 60; i++)
        bad[i] ^= 0x5a;
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate((const char *)bad, zlen, 1u << 20, &out, &d), FL_EPARSE);

    /* bad CRC in the trailer */
    memcpy(bad, z, zlen);
    bad[zlen - 6] ^= 1;
    fl_buf_reset(&out);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate((const char *)bad, zlen, 1u << 20, &out, &d), FL_EPARSE);

    /* truncated */
    fl_buf_reset(&out);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate((const char *)z, zlen / 2, 1u << 20, &out, &d), FL_EPARSE);
    cr_assert_str_eq(d.msg, "truncated compressed body");

    /* trailing garbage */
    memcpy(bad, z, zlen);
    memcpy(bad + zlen, "garbage!", 8);
    fl_buf_reset(&out);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate((const char *)bad, zlen + 8, 1u << 20, &out, &d), FL_EPARSE);
    cr_assert_str_eq(d.msg, "trailing data after compressed stream");

    /* not compressed at all, and empty */
    fl_buf_reset(&out);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate("{\"plain\":1}", 11, 1u << 20, &out, &d), FL_EPARSE);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate("", 0, 1u << 20, &out, &d), FL_EPARSE);
    cr_assert_str_eq(d.msg, "empty compressed body");

    free(bad);
    fl_buf_cleanup(&out);
    free(z);
    free(text);
}

Test(gzip, concatenated_members)
{
    size_t l1, l2;
    unsigned char *a = deflate_buf("hello, ", 7, 31, &l1);
    unsigned char *b = deflate_buf("world", 5, 31, &l2);
    unsigned char *both = malloc(l1 + l2);
    cr_assert_not_null(both);
    memcpy(both, a, l1);
    memcpy(both + l1, b, l2);
    struct fl_buf out;
    struct fl_diag d;
    fl_buf_init(&out, 1024);
    fl_diag_init(&d);
    cr_assert_eq(fl_gzip_inflate((const char *)both, l1 + l2, 1024, &out, &d), FL_OK, "%s",
                 d.msg);
    cr_assert_str_eq(out.data, "hello, world");
    fl_buf_cleanup(&out);
    free(both);
    free(a);
    free(b);
}
