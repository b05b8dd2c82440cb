// SPDX-License-Identifier: Apache-2.0
/*
 * test_codec.c: the binary label / feature / score encodings round-trip every field, and their
 * decoders reject every truncation and trailing garbage instead of reading past the end.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "store/codec.h"

/* Every strict prefix of the labels blob (kind 0) or of the names or values blob of a feature
 * set (kind 1: b = names, v = values) is rejected. */
static void check_truncations(const struct fl_buf *b, const struct fl_buf *v, int kind)
{
    struct fl_arena a;
    fl_arena_init(&a, 1024, 1u << 20);
    struct fl_label *l;
    struct fl_feature *f;
    size_t n;
    for (size_t len = 0; len < b->len; len++) {
        fl_err e = kind == 0 ? fl_store_labels_decode(b->data, len, &a, &l, &n)
                             : fl_store_features_decode(b->data, len, v->data, v->len, &a, &f, &n);
        cr_assert_eq(e, FL_EPARSE, "prefix %zu/%zu gave %d", len, b->len, e);
    }
    for (size_t len = 0; kind == 1 && len < v->len; len++) {
        fl_err e = fl_store_features_decode(b->data, b->len, v->data, len, &a, &f, &n);
        cr_assert_eq(e, FL_EPARSE, "values prefix %zu/%zu gave %d", len, v->len, e);
    }
    fl_arena_cleanup(&a);
}

Test(codec, labels_roundtrip)
{
    const struct fl_label in[] = {
        {"__name__", "http_requests_total"},
        {"code", ""},
        {"path", "/api/v1/q\"uery\n"},
        {"zone", "\xc3\xa9t\xc3\xa9"},
    };
    struct fl_buf b;
    struct fl_arena a;
    fl_buf_init(&b, 1 << 20);
    fl_arena_init(&a, 1024, 1u << 20);
    fl_store_labels_encode(in, 4, &b);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    struct fl_label *out = NULL;
    size_t n = 0;
    cr_assert_eq(fl_store_labels_decode(b.data, b.len, &a, &out, &n), FL_OK);
    cr_assert_eq(n, 4);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(out[i].name, in[i].name);
        cr_assert_str_eq(out[i].value, in[i].value);
    }
    check_truncations(&b, NULL, 0);
    fl_buf_putc(&b, 'x');
    cr_assert_eq(fl_store_labels_decode(b.data, b.len, &a, &out, &n), FL_EPARSE);

    fl_buf_reset(&b);
    fl_store_labels_encode(NULL, 0, &b);
    cr_assert_eq(fl_store_labels_decode(b.data, b.len, &a, &out, &n), FL_OK);
    cr_assert_eq(n, 0);
    fl_arena_cleanup(&a);
    fl_buf_cleanup(&b);
}

Test(codec, features_roundtrip_every_kind)
{
    const struct fl_feature in[] = {
        {"amount", FL_FEAT_PRESENT, FL_VAL_NUMBER, 12.5, NULL},
        {"neg_zero", FL_FEAT_PRESENT, FL_VAL_NUMBER, -0.0, NULL},
        {"inf", FL_FEAT_OUTSIDE_MAX_AGE, FL_VAL_NUMBER, -INFINITY, NULL},
        {"country", FL_FEAT_PRESENT, FL_VAL_STRING, 0, "DE"},
        {"empty", FL_FEAT_PRESENT, FL_VAL_STRING, 0, ""},
        {"is_new", FL_FEAT_PRESENT, FL_VAL_BOOL, 1, NULL},
        {"was_old", FL_FEAT_PRESENT, FL_VAL_BOOL, 0, NULL},
        {"missing", FL_FEAT_NOT_FOUND, FL_VAL_NULL, 0, NULL},
        {"null", FL_FEAT_NULL, FL_VAL_NULL, 0, NULL},
    };
    size_t n_in = sizeof in / sizeof in[0];
    struct fl_buf b, v;
    struct fl_arena a;
    fl_buf_init(&b, 1 << 20);
    fl_buf_init(&v, 1 << 20);
    fl_arena_init(&a, 1024, 1u << 20);
    fl_store_feature_names_encode(in, n_in, &b);
    fl_store_feature_values_encode(in, n_in, &v);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    cr_assert_eq(fl_buf_err(&v), FL_OK);
    struct fl_feature *out = NULL;
    size_t n = 0;
    cr_assert_eq(fl_store_features_decode(b.data, b.len, v.data, v.len, &a, &out, &n), FL_OK);
    cr_assert_eq(n, n_in);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(out[i].name, in[i].name);
        cr_assert_eq(out[i].status, in[i].status, "%s", in[i].name);
        cr_assert_eq(out[i].kind, in[i].kind, "%s", in[i].name);
        if (in[i].kind == FL_VAL_STRING)
            cr_assert_str_eq(out[i].str, in[i].str);
        else
            cr_assert_eq(memcmp(&out[i].num, &in[i].num, sizeof(double)), 0, "%s", in[i].name);
    }
    check_truncations(&b, &v, 1);
    fl_buf_putc(&v, 0); /* trailing byte after the last value */
    cr_assert_eq(fl_store_features_decode(b.data, b.len, v.data, v.len, &a, &out, &n), FL_EPARSE);
    fl_arena_cleanup(&a);
    fl_buf_cleanup(&b);
    fl_buf_cleanup(&v);
}

Test(codec, features_reject_bad_kinds)
{
    /* one feature "a"; its value byte is status << 4 | kind */
    const unsigned char names[] = {1, 1, 'a'};
    const struct {
        unsigned char v[3];
        size_t len;
        fl_err want;
    } cases[] = {
        {{0x09}, 1, FL_EPARSE},    /* unknown kind 9 */
        {{0x70}, 1, FL_EPARSE},    /* unknown status 7 */
        {{0x03, 2}, 2, FL_EPARSE}, /* bool that is neither 0 nor 1 */
        {{0x03, 1}, 2, FL_OK},     /* bool true */
        {{0x20}, 1, FL_OK},        /* not found, null */
        {{0x01, 0}, 2, FL_EPARSE}, /* number cut short */
    };
    struct fl_arena a;
    struct fl_feature *f;
    size_t n;
    fl_arena_init(&a, 1024, 1u << 20);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(
            fl_store_features_decode(names, sizeof names, cases[i].v, cases[i].len, &a, &f, &n),
            cases[i].want, "case %zu", i);
    cr_assert_eq(fl_store_features_decode(names, sizeof names, cases[4].v, 1, &a, &f, &n), FL_OK);
    cr_assert_eq(f[0].status, FL_FEAT_NOT_FOUND);
    cr_assert_eq(f[0].kind, FL_VAL_NULL);
    fl_arena_cleanup(&a);
}

Test(codec, doubles_roundtrip_bitwise)
{
    double in[4] = {0.25, -0.0, INFINITY, 0};
    uint64_t stale = 0x7ff0000000000002ull;
    memcpy(&in[3], &stale, sizeof stale);
    struct fl_buf b;
    struct fl_arena a;
    fl_buf_init(&b, 1 << 20);
    fl_arena_init(&a, 1024, 1u << 20);
    fl_store_doubles_encode(in, 4, &b);
    double *out;
    size_t n;
    cr_assert_eq(fl_store_doubles_decode(b.data, b.len, &a, &out, &n), FL_OK);
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(out, in, sizeof in), 0);
    cr_assert_eq(fl_store_doubles_decode(b.data, b.len - 1, &a, &out, &n), FL_EPARSE);
    fl_arena_cleanup(&a);
    fl_buf_cleanup(&b);
}
