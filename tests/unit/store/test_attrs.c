// SPDX-License-Identifier: Apache-2.0
/*
 * test_attrs.c: the dictionary encoding of span attributes (src/store/attrs.c): compact objects
 * round-trip byte for byte, keys are numbered once (or stored inline when the dictionary says
 * so), anything not compact is declined untouched, and corrupt blobs fail cleanly.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "store/attrs.h"

struct dict {
    const char *key[16];
    size_t len[16];
    size_t n, cap, calls;
};

static fl_err key_id(void *ud, const char *key, size_t len, uint64_t *id)
{
    struct dict *d = ud;
    d->calls++;
    *id = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->len[i] == len && !memcmp(d->key[i], key, len)) {
            *id = i + 1;
            return FL_OK;
        }
    if (d->n < d->cap) {
        d->key[d->n] = key; /* the test's inputs outlive the dictionary */
        d->len[d->n] = len;
        *id = ++d->n;
    }
    return FL_OK;
}

static fl_err key_name(void *ud, uint64_t id, const char **key, size_t *len)
{
    struct dict *d = ud;
    if (id == 0 || id > d->n)
        return FL_ENOTFOUND;
    *key = d->key[id - 1];
    *len = d->len[id - 1];
    return FL_OK;
}

static const char *compact[] = {
    "{}",
    "{\"http.method\":\"GET\",\"http.status_code\":200}",
    "{\"a\":true,\"b\":false,\"c\":null,\"d\":-1.25e-7,\"e\":1E+300}",
    "{\"nested\":{\"x\":[1,2,{\"y\":\"}]\"}]},\"arr\":[],\"obj\":{}}",
    "{\"k\\\"ey\":\"va\\\\\",\"u\\u00e9\":\"\\\"q\\\"\",\"t\":\"\\\\\\\\\"}",
    "{\"http.method\":\"POST\",\"http.method\":\"GET\"}",
    "{\"\":\"\"}",
};

Test(attrs, compact_objects_round_trip)
{
    struct fl_buf enc, dec;
    fl_buf_init(&enc, 1 << 20);
    fl_buf_init(&dec, 1 << 20);
    for (size_t i = 0; i < sizeof compact / sizeof compact[0]; i++) {
        struct dict d = {.cap = 16};
        int encoded = -1;
        fl_buf_reset(&enc);
        fl_buf_reset(&dec);
        const char *js = compact[i];
        cr_assert_eq(fl_store_attrs_encode(js, strlen(js), key_id, &d, &enc, &encoded), FL_OK);
        cr_expect_eq(encoded, 1, "%s was declined", js);
        cr_assert_eq(fl_store_attrs_decode(enc.data, enc.len, key_name, &d, &dec), FL_OK, "%s",
                     js);
        cr_expect_str_eq(dec.data, js);
        if (i > 0)
            cr_expect_lt(enc.len, strlen(js), "%s: %zu encoded bytes", js, enc.len);
    }
    fl_buf_cleanup(&enc);
    fl_buf_cleanup(&dec);
}

Test(attrs, keys_are_numbered_once_and_inline_past_the_dictionary)
{
    const char *a = "{\"service.name\":\"x\",\"route\":\"/a\",\"extra\":1}";
    struct dict d = {.cap = 2};
    struct fl_buf enc, dec;
    int encoded;
    fl_buf_init(&enc, 1 << 20);
    fl_buf_init(&dec, 1 << 20);
    cr_assert_eq(fl_store_attrs_encode(a, strlen(a), key_id, &d, &enc, &encoded), FL_OK);
    cr_assert(encoded);
    /* entries: id 1, "x" | id 2, "/a" | id 0 (inline) "extra", 1 */
    static const unsigned char want[] = {1, 3, '"', 'x', '"', 2, 4, '"', '/', 'a', '"',
                                         0, 5, 'e', 'x', 't', 'r', 'a', 1, '1'};
    cr_assert_eq(enc.len, sizeof want);
    cr_assert(!memcmp(enc.data, want, sizeof want));
    cr_assert_eq(d.n, 2);
    size_t first = enc.len;
    cr_assert_eq(fl_store_attrs_encode(a, strlen(a), key_id, &d, &enc, &encoded), FL_OK);
    cr_assert_eq(enc.len, 2 * first, "appends; the same keys get the same ids");
    cr_assert(!memcmp(enc.data + first, want, sizeof want));
    cr_assert_eq(fl_store_attrs_decode(enc.data, first, key_name, &d, &dec), FL_OK);
    cr_assert_str_eq(dec.data, a);
    fl_buf_cleanup(&enc);
    fl_buf_cleanup(&dec);
}

Test(attrs, not_compact_is_declined_untouched)
{
    static const char *other[] = {
        "",        "{",          "{ }",        "{\"a\": 1}",   "{\"a\":1 }",   "[1,2]",
        "\"str\"", "{\"a\":1}x", "{\"a\":1,}", "{\"a\"}",      "{\"a\":}",     "{a:1}",
        "{\"a\":\"unterminated}", "{\"a\":[1,2}", "{\"a\":{\"b\":[1, 2]}}", "null",
    };
    struct fl_buf enc;
    fl_buf_init(&enc, 1 << 20);
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        struct dict d = {.cap = 16};
        int encoded = -1;
        cr_assert_eq(fl_store_attrs_encode(other[i], strlen(other[i]), key_id, &d, &enc, &encoded),
                     FL_OK);
        cr_expect_eq(encoded, 0, "%s was encoded", other[i]);
        cr_expect_eq(enc.len, 0, "%s appended bytes", other[i]);
    }
    fl_buf_cleanup(&enc);
}

Test(attrs, corrupt_blobs_fail_cleanly)
{
    static const struct {
        const char *p;
        size_t len;
        fl_err want;
    } bad[] = {
        {"\x80", 1, FL_EPARSE},                    /* truncated varint */
        {"\x01", 1, FL_EPARSE},                    /* key id, no value */
        {"\x01\x05\"ab\"", 5, FL_EPARSE},          /* value longer than what is left */
        {"\x01\x00", 2, FL_EPARSE},                /* empty value */
        {"\x00\x09key", 5, FL_EPARSE},             /* inline key longer than what is left */
        {"\x07\x01\x31", 3, FL_ENOTFOUND},         /* unknown key id */
        {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11, FL_EPARSE}, /* varint too long */
    };
    struct dict d = {.cap = 16};
    const char *k = "{\"k\":1}";
    struct fl_buf enc, dec;
    int encoded;
    fl_buf_init(&enc, 1 << 20);
    fl_buf_init(&dec, 1 << 20);
    cr_assert_eq(fl_store_attrs_encode(k, strlen(k), key_id, &d, &enc, &encoded), FL_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fl_buf_reset(&dec);
        cr_expect_eq(fl_store_attrs_decode(bad[i].p, bad[i].len, key_name, &d, &dec), bad[i].want,
                     "case %zu", i);
    }
    fl_buf_reset(&dec);
    cr_assert_eq(fl_store_attrs_decode("", 0, key_name, &d, &dec), FL_OK);
    cr_assert_str_eq(dec.data, "{}");
    fl_buf_cleanup(&enc);
    fl_buf_cleanup(&dec);
}
