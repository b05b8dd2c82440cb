// SPDX-License-Identifier: Apache-2.0
/*
 * test_sketch_io.c: the little-endian byte layer (exact bytes written, bounds-checked reads,
 * diagnostics with field and offset), and the fuzz corpus tests/fuzz/corpus/sketch/: each file is
 * rebuilt here from fixed seeds and must match byte for byte, which also pins the serialized
 * formats (a format change without a version bump fails this test). Regenerate the files with
 *     FL_WRITE_SKETCH_CORPUS=1 build/tests/unit_sketch --filter 'sketch_io/fuzz*'
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "stats/freq.h"
#include "stats/hll.h"
#include "stats/kll.h"
#include "stats/moments.h"
#include "stats/sketch_io.h"

#include "sketch_util.h"

#define CORPUS_DIR "tests/fuzz/corpus/sketch/"

Test(sketch_io, writes_little_endian_whatever_the_host)
{
    struct fl_buf b;
    fl_buf_init(&b, 64);
    fl_sketch_put_header(&b, FL_SKETCH_FREQ);
    fl_sketch_put_u16(&b, 0x0102);
    fl_sketch_put_u32(&b, 0x03040506);
    fl_sketch_put_u64(&b, 0x0708090a0b0c0d0eull);
    fl_sketch_put_f64(&b, 1.0); /* 0x3ff0000000000000 */
    static const unsigned char want[] = {1,    3,    0x02, 0x01, 0x06, 0x05, 0x04, 0x03,
                                         0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08, 0x07,
                                         0,    0,    0,    0,    0,    0,    0xf0, 0x3f};
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    cr_assert_eq(b.len, sizeof want);
    cr_expect_eq(memcmp(b.data, want, sizeof want), 0);

    struct fl_sketch_reader r;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_sketch_reader_init(&r, b.data, b.len, "test", &d);
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    double f;
    cr_expect_eq(fl_sketch_get_header(&r, FL_SKETCH_FREQ), FL_OK);
    cr_expect(fl_sketch_get_u16(&r, "a", &u16) == FL_OK && u16 == 0x0102);
    cr_expect(fl_sketch_get_u32(&r, "b", &u32) == FL_OK && u32 == 0x03040506);
    cr_expect(fl_sketch_get_u64(&r, "c", &u64) == FL_OK && u64 == 0x0708090a0b0c0d0eull);
    cr_expect(fl_sketch_get_f64(&r, "d", &f) == FL_OK && f == 1.0);
    cr_expect_eq(fl_sketch_reader_end(&r), FL_OK);
    cr_expect_eq(d.code, FL_OK);
    fl_buf_cleanup(&b);
}

Test(sketch_io, reads_are_bounds_checked_with_field_and_offset)
{
    static const unsigned char in[] = {1, 2, 0xaa, 0xbb, 0xcc};
    struct fl_sketch_reader r;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_sketch_reader_init(&r, in, sizeof in, "hll", &d);
    uint8_t u8;
    uint32_t u32 = 7;
    cr_expect_eq(fl_sketch_get_header(&r, FL_SKETCH_HLL), FL_OK);
    cr_expect_eq(fl_sketch_get_u32(&r, "width", &u32), FL_EINVAL);
    cr_expect_eq(u32, 7, "untouched");
    cr_expect_str_eq(d.field, "hll.width");
    cr_expect_str_eq(d.msg, "byte 2: truncated: 4 bytes needed, 3 left");
    cr_expect(fl_sketch_get_u8(&r, "x", &u8) == FL_OK && u8 == 0xaa,
              "a failed read consumes nothing");
    cr_expect_eq(fl_sketch_reader_end(&r), FL_EINVAL);
    /* need(): overflow-safe element counts. */
    cr_expect_eq(fl_sketch_need(&r, "items", SIZE_MAX / 2, 8), FL_EINVAL);
    cr_expect_eq(fl_sketch_need(&r, "items", 2, 1), FL_OK);
    cr_expect_eq(fl_sketch_need(&r, "items", 3, 1), FL_EINVAL);
    const uint8_t *p;
    cr_expect(fl_sketch_get_bytes(&r, "raw", 2, &p) == FL_OK && p == in + 3);
    cr_expect_eq(fl_sketch_reader_end(&r), FL_OK);
    /* Header checks: version, type, size cap. */
    static const unsigned char v2[] = {2, 1}, kll[] = {1, 1};
    fl_diag_init(&d);
    fl_sketch_reader_init(&r, v2, 2, "kll", &d);
    cr_expect_eq(fl_sketch_get_header(&r, FL_SKETCH_KLL), FL_EINVAL);
    cr_expect_str_eq(d.msg, "byte 0: format version 2, expected 1");
    fl_diag_init(&d);
    fl_sketch_reader_init(&r, kll, 2, "moments", &d);
    cr_expect_eq(fl_sketch_get_header(&r, FL_SKETCH_MOMENTS), FL_EINVAL);
    cr_expect_str_eq(d.msg, "byte 1: sketch type 1 (kll), expected 4 (moments)");
    fl_diag_init(&d);
    fl_sketch_reader_init(&r, kll, (size_t)FL_LIMIT_SKETCH_BYTES + 1, "kll", &d);
    cr_expect_eq(fl_sketch_get_header(&r, FL_SKETCH_KLL), FL_EINVAL);
    cr_expect(strstr(d.msg, "exceed the limit") != NULL, "%s", d.msg);
    cr_expect_str_eq(fl_sketch_type_name(FL_SKETCH_HLL), "hll");
    cr_expect_str_eq(fl_sketch_type_name(99), "unknown");
}

/* ---- the fuzz corpus ----------------------------------------------------------------------- */

static void ser_kll(struct fl_kll *s, struct fl_buf *b)
{
    cr_assert_eq(fl_kll_serialize(s, b), FL_OK);
    fl_kll_free(s);
}

static void gen_kll(struct fl_buf *b, unsigned k, size_t n, uint64_t seed)
{
    struct fl_kll *s = NULL;
    cr_assert_eq(fl_kll_new(k, seed, &s), FL_OK);
    struct lcg g = {seed};
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(fl_kll_update(s, floor(lcg_u(&g) * 1000) / 8 - 50), FL_OK);
    ser_kll(s, b);
}

static void gen_kll_merged(struct fl_buf *b)
{
    struct fl_kll *a = NULL, *c = NULL;
    cr_assert_eq(fl_kll_new(8, 1, &a), FL_OK);
    cr_assert_eq(fl_kll_new(8, 2, &c), FL_OK);
    for (int i = 0; i < 700; i++) {
        cr_assert_eq(fl_kll_update(a, i), FL_OK);
        cr_assert_eq(fl_kll_update(c, -i * 0.5), FL_OK);
    }
    cr_assert_eq(fl_kll_update(c, INFINITY), FL_OK);
    cr_assert_eq(fl_kll_merge(a, c, NULL), FL_OK);
    fl_kll_free(c);
    ser_kll(a, b);
}

static void gen_hll(struct fl_buf *b, unsigned p, uint64_t n)
{
    struct fl_hll *h = NULL;
    cr_assert_eq(fl_hll_new(p, &h), FL_OK);
    for (uint64_t i = 0; i < n; i++)
        fl_hll_update_double(h, (double)i);
    cr_assert_eq(fl_hll_serialize(h, b), FL_OK);
    fl_hll_free(h);
}

static void gen_freq(struct fl_buf *b, size_t k, size_t max_bytes, size_t n, int utf8)
{
    struct fl_freq *f = NULL;
    cr_assert_eq(fl_freq_new(k, max_bytes, &f), FL_OK);
    struct lcg g = {k + n};
    char key[32];
    for (size_t i = 0; i < n; i++) {
        unsigned item = (unsigned)(lcg_u(&g) * lcg_u(&g) * 30);
        int len = utf8 ? snprintf(key, sizeof key, "%u\xc3\xa9\xc3\xa9", item)
                       : snprintf(key, sizeof key, "c%u", item);
        cr_assert_eq(fl_freq_update(f, key, (size_t)len), FL_OK);
    }
    cr_assert_eq(fl_freq_serialize(f, b), FL_OK);
    fl_freq_free(f);
}

static void gen_moments(struct fl_buf *b, int kind)
{
    struct fl_moments m;
    fl_moments_init(&m);
    if (kind >= 1)
        cr_assert_eq(fl_moments_update(&m, 2.5), FL_OK);
    if (kind >= 2) {
        double v[] = {1e9 + 0.25, NAN, INFINITY, -INFINITY, -7, 1e-300};
        for (size_t i = 0; i < N_OF(v); i++)
            cr_assert_eq(fl_moments_update(&m, v[i]), FL_OK);
        cr_assert_eq(fl_moments_update_null(&m), FL_OK);
    }
    cr_assert_eq(fl_moments_serialize(&m, b), FL_OK);
}

enum corpus_kind { C_KLL, C_KLL_MERGED, C_HLL, C_FREQ, C_MOMENTS };

static const struct corpus_entry {
    const char *name;
    enum corpus_kind kind;
    unsigned a;          /* k / p / counters / moments kind */
    size_t n;            /* values */
    size_t b;            /* kll seed / freq max_item_bytes */
    int utf8;            /* freq: accented keys */
    const char *corrupt; /* NULL: valid; else how the bytes are damaged */
} corpus[] = {
    {"kll_empty_k200.bin", C_KLL, 200, 0, 1, 0, NULL},
    {"kll_k16_n12.bin", C_KLL, 16, 12, 2, 0, NULL},
    {"kll_k16_n3000.bin", C_KLL, 16, 3000, 3, 0, NULL},
    {"kll_k8_merged.bin", C_KLL_MERGED, 8, 0, 0, 0, NULL},
    {"hll_p4_n100.bin", C_HLL, 4, 100, 0, 0, NULL},
    {"hll_p6_empty.bin", C_HLL, 6, 0, 0, 0, NULL},
    {"hll_p8_n5000.bin", C_HLL, 8, 5000, 0, 0, NULL},
    {"freq_k4_exact.bin", C_FREQ, 4, 3, 128, 0, NULL},
    {"freq_k8_purged.bin", C_FREQ, 8, 400, 128, 0, NULL},
    {"freq_k6_utf8_cut.bin", C_FREQ, 6, 200, 4, 1, NULL},
    {"moments_empty.bin", C_MOMENTS, 0, 0, 0, 0, NULL},
    {"moments_one.bin", C_MOMENTS, 1, 0, 0, 0, NULL},
    {"moments_special.bin", C_MOMENTS, 2, 0, 0, 0, NULL},
    {"bad_kll_truncated.bin", C_KLL, 16, 3000, 3, 0, "truncate"},
    {"bad_kll_unsorted_level.bin", C_KLL, 16, 3000, 3, 0, "kll_unsorted"},
    {"bad_hll_register.bin", C_HLL, 4, 100, 0, 0, "hll_register"},
    {"bad_freq_count_over_n.bin", C_FREQ, 4, 3, 128, 0, "freq_count"},
    {"bad_moments_version.bin", C_MOMENTS, 2, 0, 0, 0, "version"},
};

static void build(const struct corpus_entry *c, struct fl_buf *b)
{
    switch (c->kind) {
    case C_KLL:
        gen_kll(b, c->a, c->n, c->b);
        break;
    case C_KLL_MERGED:
        gen_kll_merged(b);
        break;
    case C_HLL:
        gen_hll(b, c->a, c->n);
        break;
    case C_FREQ:
        gen_freq(b, c->a, c->b, c->n, c->utf8);
        break;
    case C_MOMENTS:
        gen_moments(b, (int)c->a);
        break;
    }
    cr_assert_eq(fl_buf_err(b), FL_OK);
    if (!c->corrupt)
        return;
    if (!strcmp(c->corrupt, "truncate")) {
        b->len--;
    } else if (!strcmp(c->corrupt, "kll_unsorted")) {
        /* The first item of level 1 (after the 40-byte header, 4 bytes per level and level 0)
         * becomes the maximum, so the next one is smaller. */
        size_t n_levels = (unsigned char)b->data[5];
        size_t pop0 = (unsigned char)b->data[40] | (size_t)(unsigned char)b->data[41] << 8;
        memcpy(b->data + 40 + 4 * n_levels + 8 * pop0, b->data + 32, 8);
    } else if (!strcmp(c->corrupt, "hll_register")) {
        b->data[4] = 62;
    } else if (!strcmp(c->corrupt, "freq_count")) {
        b->data[32] = 100; /* first counter above n */
    } else if (!strcmp(c->corrupt, "version")) {
        b->data[0] = 0;
    }
}

static fl_err deserialize_any(const struct corpus_entry *c, const void *p, size_t len)
{
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = FL_EINVAL;
    switch (c->kind) {
    case C_KLL:
    case C_KLL_MERGED: {
        struct fl_kll *s = NULL;
        e = fl_kll_deserialize(p, len, &s, &d);
        fl_kll_free(s);
        break;
    }
    case C_HLL: {
        struct fl_hll *h = NULL;
        e = fl_hll_deserialize(p, len, &h, &d);
        fl_hll_free(h);
        break;
    }
    case C_FREQ: {
        struct fl_freq *f = NULL;
        e = fl_freq_deserialize(p, len, &f, &d);
        fl_freq_free(f);
        break;
    }
    case C_MOMENTS: {
        struct fl_moments m;
        e = fl_moments_deserialize(p, len, &m, &d);
        break;
    }
    }
    return e;
}

Test(sketch_io, fuzz_corpus_matches_the_current_format)
{
    int write = getenv("FL_WRITE_SKETCH_CORPUS") != NULL;
    for (size_t i = 0; i < N_OF(corpus); i++) {
        struct fl_buf b;
        fl_buf_init(&b, FL_LIMIT_SKETCH_BYTES);
        build(&corpus[i], &b);
        cr_expect_eq(deserialize_any(&corpus[i], b.data, b.len),
                     corpus[i].corrupt ? FL_EINVAL : FL_OK, "%s", corpus[i].name);
        char path[256];
        snprintf(path, sizeof path, CORPUS_DIR "%s", corpus[i].name);
        if (write) {
            FILE *f = fopen(path, "wb");
            cr_assert_not_null(f, "cannot write %s", path);
            cr_assert_eq(fwrite(b.data, 1, b.len, f), b.len);
            cr_assert_eq(fclose(f), 0);
        }
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "%s is missing (run from the repository root)", path);
        static char file[1 << 16];
        size_t len = fread(file, 1, sizeof file, f);
        fclose(f);
        cr_expect(len == b.len && memcmp(file, b.data, len) == 0,
                  "%s differs from what the sketch code writes today (%zu vs %zu bytes)", path, len,
                  b.len);
        fl_buf_cleanup(&b);
    }
}
