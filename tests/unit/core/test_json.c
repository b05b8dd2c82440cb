// SPDX-License-Identifier: Apache-2.0
/*
 * test_json.c: the pull reader against RFC 8259 edge cases. Every document is read twice, once by
 * fl_json_skip and once by a generic walk over fl_json_peek, and both must agree on acceptance,
 * error code and error position. Also: escapes and surrogate pairs, zero-copy string slices,
 * numbers (exactness, range, -0, leading zeros), int64 from strings, the depth cap, raw slices,
 * non-NUL-terminated input, and out-of-memory paths.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/limits.h"

/* Read any value generically, the way the fuzz target does. */
static fl_err walk(struct fl_json *j, struct fl_buf *scratch)
{
    fl_err e;
    bool more;
    struct fl_str s;
    switch (fl_json_peek(j)) {
    case FL_JSON_OBJECT:
        if ((e = fl_json_enter_object(j)))
            return e;
        while ((e = fl_json_next_key(j, scratch, &s, &more)) == FL_OK && more)
            if ((e = walk(j, scratch)))
                return e;
        return e;
    case FL_JSON_ARRAY:
        if ((e = fl_json_enter_array(j)))
            return e;
        while ((e = fl_json_next_elem(j, &more)) == FL_OK && more)
            if ((e = walk(j, scratch)))
                return e;
        return e;
    case FL_JSON_STRING:
        return fl_json_get_string(j, scratch, &s);
    case FL_JSON_NUMBER: {
        double d;
        return fl_json_get_double(j, &d);
    }
    case FL_JSON_BOOL: {
        bool b;
        return fl_json_get_bool(j, &b);
    }
    case FL_JSON_NULL:
        return fl_json_get_null(j);
    default:
        return fl_json_skip(j); /* reports what is wrong */
    }
}

struct doc_case {
    const char *text;
    fl_err want;
    unsigned long line, col; /* of the error */
    bool walk_differs;       /* skip only validates syntax; the walk also converts numbers */
};

static const struct doc_case docs[] = {
    /* valid */
    {"{}", FL_OK, 0, 0, false},
    {"[]", FL_OK, 0, 0, false},
    {"  \t\r\n{ \"a\" : [ 1 , 2 ] }  \n", FL_OK, 0, 0, false},
    {"0", FL_OK, 0, 0, false},
    {"-0", FL_OK, 0, 0, false},
    {"-0.0e-0", FL_OK, 0, 0, false},
    {"1E+2", FL_OK, 0, 0, false},
    {"\"\"", FL_OK, 0, 0, false},
    {"true", FL_OK, 0, 0, false},
    {"null", FL_OK, 0, 0, false},
    {"[true,false,null,\"x\",{},[]]", FL_OK, 0, 0, false},
    {"{\"a\":{\"b\":{\"c\":[[[]]]}}}", FL_OK, 0, 0, false},
    {"\"\\u00e9\\ud83d\\ude00\\n\\t\\\"\\\\\\/\\b\\f\\r\"", FL_OK, 0, 0, false},
    {"\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", FL_OK, 0, 0, false},
    {"{\"a\":1,\"a\":2}", FL_OK, 0, 0, false}, /* duplicate keys: allowed by RFC 8259 */
    {"\"\\u0000\"", FL_OK, 0, 0, false},
    {"1e-400", FL_OK, 0, 0, false},
    /* invalid */
    {"", FL_EPARSE, 1, 1, false},
    {"   ", FL_EPARSE, 1, 4, false},
    {"[1,]", FL_EPARSE, 1, 4, false},
    {"{\"a\":1,}", FL_EPARSE, 1, 8, false},
    {"[1 2]", FL_EPARSE, 1, 4, false},
    {"{\"a\" 1}", FL_EPARSE, 1, 6, false},
    {"{a:1}", FL_EPARSE, 1, 2, false},
    {"{'a':1}", FL_EPARSE, 1, 2, false},
    {"01", FL_EPARSE, 1, 1, false},
    {"-01", FL_EPARSE, 1, 1, false},
    {"1.", FL_EPARSE, 1, 3, false},
    {".5", FL_EPARSE, 1, 1, false},
    {"1e", FL_EPARSE, 1, 3, false},
    {"-", FL_EPARSE, 1, 2, false},
    {"+1", FL_EPARSE, 1, 1, false},
    {"NaN", FL_EPARSE, 1, 1, false},
    {"Infinity", FL_EPARSE, 1, 1, false},
    {"tru", FL_EPARSE, 1, 1, false},
    {"nul", FL_EPARSE, 1, 1, false},
    {"True", FL_EPARSE, 1, 1, false},
    {"[1] x", FL_EPARSE, 1, 5, false},
    {"{} {}", FL_EPARSE, 1, 4, false},
    {"\"abc", FL_EPARSE, 1, 1, false},
    {"\"a\tb\"", FL_EPARSE, 1, 3, false},
    {"\"\\x\"", FL_EPARSE, 1, 2, false},
    {"\"\\u12\"", FL_EPARSE, 1, 2, false},
    {"\"\\ud800\"", FL_EPARSE, 1, 2, false},
    {"\"\\ud800\\u0041\"", FL_EPARSE, 1, 2, false},
    {"\"\\udc00\"", FL_EPARSE, 1, 2, false},
    {"\"\xff\"", FL_EPARSE, 1, 2, false},
    {"\"\xc0\xaf\"", FL_EPARSE, 1, 2, false},         /* overlong '/' */
    {"\"\xed\xa0\x80\"", FL_EPARSE, 1, 2, false},     /* UTF-8 encoded surrogate */
    {"\"\xf4\x90\x80\x80\"", FL_EPARSE, 1, 2, false}, /* above U+10FFFF */
    {"\"\xe2\x82\"", FL_EPARSE, 1, 2, false},         /* truncated sequence */
    {"[", FL_EPARSE, 1, 2, false},
    {"{\"a\":", FL_EPARSE, 1, 6, false},
    {"{\"a\":1", FL_EPARSE, 1, 7, false},
    {"]", FL_EPARSE, 1, 1, false},
    {"/* c */ 1", FL_EPARSE, 1, 1, false},
    {"{\n  \"a\": 1,\n  \"b\": tru\n}", FL_EPARSE, 3, 8, false},
    {"[\n1,\n\n  @]", FL_EPARSE, 4, 3, false},
    {"[\"caf\xc3\xa9\", x]", FL_EPARSE, 1, 10, false}, /* columns count characters */
    {"1e400", FL_EPARSE, 1, 1, true},
    {"[-1e400]", FL_EPARSE, 1, 2, true},
};

static void check_doc(const struct doc_case *c, size_t i, bool use_walk)
{
    struct fl_diag d;
    struct fl_json j;
    struct fl_buf scratch;
    fl_diag_init(&d);
    fl_buf_init(&scratch, 1 << 20);
    fl_json_init(&j, c->text, strlen(c->text), &d);
    fl_err e = use_walk ? walk(&j, &scratch) : fl_json_skip(&j);
    if (e == FL_OK)
        e = fl_json_end(&j);
    fl_err want = c->want;
    if (!use_walk && c->walk_differs)
        want = FL_OK;
    cr_assert_eq(e, want, "case %zu (%s) %s: got %s (%s)", i, use_walk ? "walk" : "skip", c->text,
                 fl_err_name(e), d.msg);
    if (want != FL_OK) {
        cr_assert_eq(d.code, want, "case %zu: diag code", i);
        cr_assert_eq(d.line, c->line, "case %zu %s (%s): line %lu, want %lu: %s", i, c->text,
                     use_walk ? "walk" : "skip", d.line, c->line, d.msg);
        cr_assert_eq(d.column, c->col, "case %zu %s (%s): column %lu, want %lu: %s", i, c->text,
                     use_walk ? "walk" : "skip", d.column, c->col, d.msg);
        cr_assert_neq(d.msg[0], '\0');
        /* Sticky: further calls fail the same way and peek gives nothing. */
        cr_assert_eq(fl_json_peek(&j), FL_JSON_NONE);
        cr_assert_eq(fl_json_skip(&j), e);
    }
    fl_buf_cleanup(&scratch);
}

Test(json, documents_table)
{
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        check_doc(&docs[i], i, false);
        check_doc(&docs[i], i, true);
    }
}

Test(json, depth_cap)
{
    char text[2 * (FL_LIMIT_JSON_DEPTH + 2) + 1];
    for (int depth = FL_LIMIT_JSON_DEPTH; depth <= FL_LIMIT_JSON_DEPTH + 1; depth++) {
        size_t n = 0;
        for (int k = 0; k < depth; k++)
            text[n++] = '[';
        for (int k = 0; k < depth; k++)
            text[n++] = ']';
        for (int use_walk = 0; use_walk < 2; use_walk++) {
            struct fl_diag d;
            struct fl_json j;
            struct fl_buf s;
            fl_diag_init(&d);
            fl_buf_init(&s, 100);
            fl_json_init(&j, text, n, &d);
            fl_err e = use_walk ? walk(&j, &s) : fl_json_skip(&j);
            if (depth <= FL_LIMIT_JSON_DEPTH) {
                cr_assert_eq(e, FL_OK, "depth %d: %s", depth, d.msg);
                cr_assert_eq(fl_json_end(&j), FL_OK);
            } else {
                cr_assert_eq(e, FL_ELIMIT, "depth %d", depth);
                cr_assert_eq(d.column, (unsigned long)FL_LIMIT_JSON_DEPTH + 1);
                cr_assert(strstr(d.msg, "deeper") != NULL, "%s", d.msg);
            }
            fl_buf_cleanup(&s);
        }
    }
    /* Skip inside an already entered container counts the outer levels too. */
    struct fl_json j;
    for (int k = 0; k < FL_LIMIT_JSON_DEPTH; k++) {
        text[k] = '[';
        text[FL_LIMIT_JSON_DEPTH + k] = ']';
    }
    fl_json_init(&j, text, 2 * (size_t)FL_LIMIT_JSON_DEPTH, NULL);
    cr_assert_eq(fl_json_enter_array(&j), FL_OK);
    bool more;
    cr_assert_eq(fl_json_next_elem(&j, &more), FL_OK);
    cr_assert(more);
    cr_assert_eq(fl_json_skip(&j), FL_OK);
    cr_assert_eq(fl_json_next_elem(&j, &more), FL_OK);
    cr_assert(!more);
    cr_assert_eq(fl_json_end(&j), FL_OK);
}

Test(json, strings_slice_or_unescape)
{
    const char *text = "{\"plain\":\"abc\",\"esc\\u0041\":\"x\\ny\\u00e9\\ud83d\\ude00\"}";
    struct fl_json j;
    struct fl_buf s;
    struct fl_str key, val;
    bool more;
    fl_buf_init(&s, 1024);
    fl_json_init(&j, text, strlen(text), NULL);
    cr_assert_eq(fl_json_enter_object(&j), FL_OK);
    cr_assert_eq(fl_json_next_key(&j, &s, &key, &more), FL_OK);
    cr_assert(more);
    cr_assert(fl_str_eq_c(key, "plain"));
    cr_assert(key.p >= text && key.p < text + strlen(text), "no escapes: slice of the input");
    cr_assert_eq(fl_json_get_string(&j, &s, &val), FL_OK);
    cr_assert(fl_str_eq_c(val, "abc"));
    cr_assert_eq(val.p, text + 10);
    cr_assert_eq(fl_json_next_key(&j, &s, &key, &more), FL_OK);
    cr_assert(fl_str_eq_c(key, "escA"));
    cr_assert_eq(fl_json_get_string(&j, &s, &val), FL_OK);
    cr_assert(fl_str_eq_c(val, "x\ny\xc3\xa9\xf0\x9f\x98\x80"));
    cr_assert_eq(val.p, s.data, "escapes: backed by scratch");
    cr_assert_eq(fl_json_next_key(&j, &s, &key, &more), FL_OK);
    cr_assert(!more);
    cr_assert_eq(fl_json_end(&j), FL_OK);
    fl_buf_cleanup(&s);
}

/*
 * Plain runs are skipped eight bytes at a time: put each kind of special byte at every offset of
 * a long string (and strings of every length around the word size) and check the byte-exact
 * result: the end quote, an escape, a raw control character, UTF-8, invalid UTF-8.
 */
Test(json, string_specials_at_every_offset)
{
    static const struct {
        const char *ins; /* inserted at offset k of a run of 'a' */
        const char *want; /* what replaces it in the value; NULL: an error */
    } kinds[] = {
        {"\\\"", "\""},  {"\\\\", "\\"}, {"\\n", "\n"},   {"\x01", NULL},
        {"\x1f", NULL}, {"\xc3\xa9", "\xc3\xa9"}, {"\xff", NULL}, {"\x7f", "\x7f"},
        {" ", " "},      {"!", "!"},         {"#", "#"},     {"\x5b", "["}, {"\x5d", "]"},
    };
    struct fl_buf s, doc;
    fl_buf_init(&s, 1024);
    fl_buf_init(&doc, 1024);
    for (size_t t = 0; t < sizeof kinds / sizeof kinds[0]; t++) {
        for (size_t len = 0; len < 26; len++) {
            for (size_t k = 0; k <= len; k++) {
                char want[64];
                size_t wn = 0;
                fl_buf_reset(&doc);
                fl_buf_putc(&doc, '"');
                for (size_t i = 0; i < k; i++)
                    fl_buf_putc(&doc, 'a'), want[wn++] = 'a';
                fl_buf_puts(&doc, kinds[t].ins);
                if (kinds[t].want)
                    for (const char *w = kinds[t].want; *w; w++)
                        want[wn++] = *w;
                for (size_t i = k; i < len; i++)
                    fl_buf_putc(&doc, 'b'), want[wn++] = 'b';
                fl_buf_putc(&doc, '"');
                struct fl_json j;
                struct fl_str val;
                fl_json_init(&j, doc.data, doc.len, NULL);
                fl_err e = fl_json_get_string(&j, &s, &val);
                if (!kinds[t].want) {
                    cr_expect_eq(e, FL_EPARSE, "kind %zu len %zu offset %zu", t, len, k);
                    continue;
                }
                cr_expect_eq(e, FL_OK, "kind %zu len %zu offset %zu", t, len, k);
                if (e == FL_OK)
                    cr_expect(val.len == wn && !memcmp(val.p, want, wn),
                              "kind %zu len %zu offset %zu: got %.*s", t, len, k, (int)val.len,
                              val.p);
            }
        }
        /* unterminated: the quote is missing after a long plain run */
        struct fl_json j;
        struct fl_str val;
        const char *open = "\"aaaaaaaaaaaaaaaaaaaaaaa";
        fl_json_init(&j, open, strlen(open), NULL);
        cr_expect_eq(fl_json_get_string(&j, &s, &val), FL_EPARSE);
    }
    fl_buf_cleanup(&s);
    fl_buf_cleanup(&doc);
}

Test(json, nul_escape_keeps_length)
{
    const char *text = "\"a\\u0000b\"";
    struct fl_json j;
    struct fl_buf s;
    struct fl_str val;
    fl_buf_init(&s, 64);
    fl_json_init(&j, text, strlen(text), NULL);
    cr_assert_eq(fl_json_get_string(&j, &s, &val), FL_OK);
    cr_assert_eq(val.len, 3);
    cr_assert_eq(memcmp(val.p, "a\0b", 3), 0);
    fl_buf_cleanup(&s);
}

Test(json, escaped_string_without_scratch_or_over_cap)
{
    struct fl_json j;
    struct fl_str val;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_json_init(&j, "\"a\\n\"", 5, &d);
    cr_assert_eq(fl_json_get_string(&j, NULL, &val), FL_EINVAL);
    struct fl_buf s;
    fl_buf_init(&s, 4);
    fl_diag_init(&d);
    fl_json_init(&j, "\"abcdef\\n\"", 10, &d);
    cr_assert_eq(fl_json_get_string(&j, &s, &val), FL_ELIMIT);
    cr_assert_eq(d.code, FL_ELIMIT);
    fl_buf_cleanup(&s);
}

static const struct {
    const char *text;
    double want;
} num_cases[] = {
    {"0", 0.0},
    {"-0", -0.0},
    {"1", 1.0},
    {"-17", -17.0},
    {"0.1", 0.1},
    {"3.14159", 3.14159},
    {"1e10", 1e10},
    {"2.5E-3", 2.5e-3},
    {"123456789012345678", 123456789012345678.0},
    {"9007199254740993", 9007199254740993.0},
    {"0.30000000000000004", 0.30000000000000004},
    {"1.7976931348623157e308", 1.7976931348623157e308},
    {"4.9e-324", 4.9e-324},
    {"1e-400", 0.0},
    {"0.000001234", 0.000001234},
    {"123.456e-5", 123.456e-5},
    {"1e22", 1e22},
    {"1e23", 1e23},
    {"8.98846567431158e307", 8.98846567431158e307},
};

Test(json, numbers_are_exact)
{
    for (size_t i = 0; i < sizeof num_cases / sizeof num_cases[0]; i++) {
        struct fl_json j;
        double v = 99;
        fl_json_init(&j, num_cases[i].text, strlen(num_cases[i].text), NULL);
        cr_assert_eq(fl_json_get_double(&j, &v), FL_OK, "%s", num_cases[i].text);
        cr_assert_eq(memcmp(&v, &num_cases[i].want, sizeof v), 0, "%s gave %.17g",
                     num_cases[i].text, v);
        cr_assert_eq(fl_json_end(&j), FL_OK);
    }
}

Test(json, numbers_match_strtod_on_random_decimals)
{
    uint64_t r = 88172645463325252ULL;
    for (int i = 0; i < 50000; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        char text[64];
        int digits = (int)(r % 18) + 1;
        int exp = (int)((r >> 8) % 60) - 30;
        unsigned long long mant = (r >> 16) % 1000000000000000000ULL;
        snprintf(text, sizeof text, "%s%llu.%0*llue%d", (r >> 62) ? "-" : "",
                 mant % 1000, digits, mant % 1000000000000000ULL, exp);
        struct fl_json j;
        double v;
        fl_json_init(&j, text, strlen(text), NULL);
        cr_assert_eq(fl_json_get_double(&j, &v), FL_OK, "%s", text);
        double want = strtod(text, NULL);
        cr_assert_eq(memcmp(&v, &want, sizeof v), 0, "%s gave %.17g want %.17g", text, v, want);
    }
}

static const struct {
    const char *text;
    fl_err want_e;
    int64_t want;
} i64_cases[] = {
    {"42", FL_OK, 42},
    {"-42", FL_OK, -42},
    {"\"1700000000123456789\"", FL_OK, 1700000000123456789LL},
    {"\"-9223372036854775808\"", FL_OK, INT64_MIN},
    {"9223372036854775807", FL_OK, INT64_MAX},
    {"9223372036854775808", FL_EPARSE, 0},
    {"\"9223372036854775808\"", FL_EPARSE, 0},
    {"1e3", FL_OK, 1000},
    {"5.0", FL_OK, 5},
    {"5.5", FL_EPARSE, 0},
    {"\"abc\"", FL_EPARSE, 0},
    {"\"\"", FL_EPARSE, 0},
    {"\" 1\"", FL_EPARSE, 0},
    {"\"\\u0031\\u0032\"", FL_OK, 12},
    {"true", FL_EPARSE, 0},
    {"null", FL_EPARSE, 0},
    {"1e300", FL_EPARSE, 0},
};

Test(json, int64_from_number_or_string)
{
    for (size_t i = 0; i < sizeof i64_cases / sizeof i64_cases[0]; i++) {
        struct fl_json j;
        struct fl_diag d;
        int64_t v = 7;
        fl_diag_init(&d);
        fl_json_init(&j, i64_cases[i].text, strlen(i64_cases[i].text), &d);
        fl_err e = fl_json_get_int64(&j, &v);
        cr_assert_eq(e, i64_cases[i].want_e, "%s: %s %s", i64_cases[i].text, fl_err_name(e),
                     d.msg);
        if (e == FL_OK) {
            cr_assert_eq(v, i64_cases[i].want, "%s", i64_cases[i].text);
            cr_assert_eq(fl_json_end(&j), FL_OK);
        } else {
            cr_assert_eq(d.line, 1);
            cr_assert_eq(d.column, 1);
        }
    }
}

Test(json, uint64)
{
    struct fl_json j;
    uint64_t v;
    fl_json_init(&j, "\"18446744073709551615\"", 22, NULL);
    cr_assert_eq(fl_json_get_uint64(&j, &v), FL_OK);
    cr_assert_eq(v, UINT64_MAX);
    fl_json_init(&j, "-1", 2, NULL);
    cr_assert_eq(fl_json_get_uint64(&j, &v), FL_EPARSE);
    fl_json_init(&j, "18446744073709551616", 20, NULL);
    cr_assert_eq(fl_json_get_uint64(&j, &v), FL_EPARSE);
}

Test(json, type_errors_name_what_was_found)
{
    struct fl_json j;
    struct fl_diag d;
    struct fl_str s;
    fl_diag_init(&d);
    fl_json_init(&j, "  [1]", 5, &d);
    cr_assert_eq(fl_json_get_string(&j, NULL, &s), FL_EPARSE);
    cr_assert_str_eq(d.msg, "expected a string, got an array");
    cr_assert_eq(d.column, 3);
    fl_diag_init(&d);
    fl_json_init(&j, "\"x\"", 3, &d);
    cr_assert_eq(fl_json_enter_object(&j), FL_EPARSE);
    cr_assert_str_eq(d.msg, "expected an object, got a string");
}

Test(json, raw_returns_exact_text)
{
    const char *text = "{\"a\": [1, {\"b\": \"c\\n\"}] , \"d\": 2.50}";
    struct fl_json j;
    struct fl_str key, raw;
    bool more;
    struct fl_buf s;
    fl_buf_init(&s, 64);
    fl_json_init(&j, text, strlen(text), NULL);
    cr_assert_eq(fl_json_enter_object(&j), FL_OK);
    cr_assert_eq(fl_json_next_key(&j, &s, &key, &more), FL_OK);
    cr_assert_eq(fl_json_raw(&j, &raw), FL_OK);
    cr_assert_eq(raw.len, strlen("[1, {\"b\": \"c\\n\"}]"));
    cr_assert_eq(memcmp(raw.p, "[1, {\"b\": \"c\\n\"}]", raw.len), 0);
    cr_assert_eq(fl_json_next_key(&j, &s, &key, &more), FL_OK);
    cr_assert(fl_str_eq_c(key, "d"));
    cr_assert_eq(fl_json_raw(&j, &raw), FL_OK);
    cr_assert(fl_str_eq_c(raw, "2.50"));
    cr_assert_eq(fl_json_next_key(&j, &s, &key, &more), FL_OK);
    cr_assert(!more);
    cr_assert_eq(fl_json_end(&j), FL_OK);
    fl_buf_cleanup(&s);
}

Test(json, input_need_not_be_nul_terminated)
{
    /* The slice ends inside what would otherwise be a longer number or literal. */
    const char *text = "12345";
    struct fl_json j;
    double v;
    fl_json_init(&j, text, 2, NULL);
    cr_assert_eq(fl_json_get_double(&j, &v), FL_OK);
    cr_assert_eq(v, 12.0);
    cr_assert_eq(fl_json_end(&j), FL_OK);
    fl_json_init(&j, "truex", 3, NULL);
    bool b;
    cr_assert_eq(fl_json_get_bool(&j, &b), FL_EPARSE);
    fl_json_init(&j, "\"ab\"", 3, NULL);
    cr_assert_eq(fl_json_skip(&j), FL_EPARSE);
}

Test(json, misuse_is_an_error_not_a_crash)
{
    struct fl_json j;
    struct fl_str k;
    bool more;
    fl_json_init(&j, "[1]", 3, NULL);
    cr_assert_eq(fl_json_next_key(&j, NULL, &k, &more), FL_EINVAL, "not inside an object");
    fl_json_init(&j, "[1]", 3, NULL);
    cr_assert_eq(fl_json_enter_array(&j), FL_OK);
    cr_assert_eq(fl_json_next_key(&j, NULL, &k, &more), FL_EINVAL, "inside an array");
    fl_json_init(&j, "{}", 2, NULL);
    cr_assert_eq(fl_json_next_elem(&j, &more), FL_EINVAL);
    fl_json_init(&j, NULL, 0, NULL);
    cr_assert_eq(fl_json_peek(&j), FL_JSON_NONE);
}

Test(json, error_helper_and_position)
{
    const char *text = "{\n  \"a\": \"x\"\n}";
    struct fl_json j;
    struct fl_diag d;
    struct fl_str k, v;
    bool more;
    struct fl_buf s;
    fl_buf_init(&s, 64);
    fl_diag_init(&d);
    fl_json_init(&j, text, strlen(text), &d);
    cr_assert_eq(fl_json_enter_object(&j), FL_OK);
    cr_assert_eq(fl_json_next_key(&j, &s, &k, &more), FL_OK);
    /* Without a peek the reader sits on the space after ':'; the error points at the value. */
    cr_assert_eq(fl_json_error(&j, FL_EINVAL, "field %s: bad", "a"), FL_EINVAL);
    cr_assert_eq(d.line, 2);
    cr_assert_eq(d.column, 8);
    cr_assert_str_eq(d.msg, "field a: bad");
    /* fl_json_error is not sticky: the reader can go on. */
    cr_assert_eq(fl_json_get_string(&j, &s, &v), FL_OK);
    unsigned long line, col;
    fl_json_position(&j, strlen(text) - 1, &line, &col);
    cr_assert_eq(line, 3);
    cr_assert_eq(col, 1);
    fl_json_position(&j, strlen(text) + 100, &line, &col); /* clamped to the end */
    cr_assert_eq(line, 3);
    cr_assert_eq(col, 2);
    fl_buf_cleanup(&s);
}

/* Every allocation the reader makes (scratch growth, long numbers) fails cleanly. */
Test(json, out_of_memory_paths)
{
    char longnum[300];
    memset(longnum, '1', sizeof longnum);
    longnum[sizeof longnum - 1] = '\0';
    char text[1024];
    snprintf(text, sizeof text, "{\"k\\n\": [\"v\\t%s\", %s]}", "padding-padding-padding",
             longnum);
    int saw_ok = 0, saw_enomem = 0;
    for (long n = 0; n < 20; n++) {
        struct fl_json j;
        struct fl_buf s;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_buf_init(&s, 4096);
        fl_json_init(&j, text, strlen(text), &d);
        fl_alloc_fail_after(n);
        fl_err e = walk(&j, &s);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            saw_ok = 1;
            cr_assert_eq(fl_json_end(&j), FL_OK);
        } else {
            cr_assert_eq(e, FL_ENOMEM, "n=%ld: %s %s", n, fl_err_name(e), d.msg);
            saw_enomem = 1;
        }
        fl_buf_cleanup(&s);
    }
    cr_assert(saw_ok && saw_enomem);
}

/*
 * fl_json_next_scalar_member: on every member it accepts it gives what the general path gives
 * (key, type, value, position), and on every member it declines it consumes nothing, so the
 * general path reads (or rejects) the object exactly as without it.
 */
static const char *scalar_docs[] = {
    "{\"a\":1,\"b\":-2.5,\"c\":\"x\",\"d\":true,\"e\":false,\"f\":null}",
    "{\"n\":0,\"m\":-0,\"big\":123456789012345,\"huge\":1234567890123456789,\"e\":1e22,"
    "\"e2\":1e23,\"s\":1.5E-3,\"t\":0.1}",
    "{\"esc\\u0041\":1,\"k\":\"v\\\"q\",\"u\":\"caf\xc3\xa9\",\"sp\": 1,\"x\":1 }",
    "{\"nested\":{\"a\":1},\"arr\":[1,2],\"z\":\"\"}",
    "{}",
    "{\"bad\":01}",
    "{\"bad\":1.}",
    "{\"bad\":tru}",
    "{\"a\":1,,\"b\":2}",
    "{\"a\":\"unterminated}",
    "{\"a\":1",
};

Test(json, scalar_member_fast_path_agrees_with_general_path)
{
    struct fl_buf s;
    fl_buf_init(&s, 1024);
    for (size_t d = 0; d < sizeof scalar_docs / sizeof scalar_docs[0]; d++) {
        const char *text = scalar_docs[d];
        struct fl_json jf, jg;
        fl_json_init(&jf, text, strlen(text), NULL);
        fl_json_init(&jg, text, strlen(text), NULL);
        cr_assert_eq(fl_json_enter_object(&jf), FL_OK);
        cr_assert_eq(fl_json_enter_object(&jg), FL_OK);
        size_t fast = 0;
        for (int guard = 0; guard < 50; guard++) {
            struct fl_str kf, kg;
            struct fl_json_scalar v;
            bool more;
            size_t before = jf.pos;
            if (fl_json_next_scalar_member(&jf, &kf, &v)) {
                fast++;
                cr_assert_eq(fl_json_next_key(&jg, &s, &kg, &more), FL_OK, "doc %zu", d);
                cr_assert(more);
                cr_expect(kf.len == kg.len && !memcmp(kf.p, kg.p, kf.len), "doc %zu", d);
                cr_expect_eq(v.pos, jg.pos, "doc %zu: value position", d);
                cr_expect_eq(fl_json_peek(&jg), v.type, "doc %zu", d);
                if (v.type == FL_JSON_NUMBER) {
                    double g;
                    cr_assert_eq(fl_json_get_double(&jg, &g), FL_OK);
                    cr_expect(memcmp(&g, &v.num, sizeof g) == 0, "doc %zu: %.17g vs %.17g", d,
                              v.num, g);
                } else if (v.type == FL_JSON_STRING) {
                    struct fl_str g;
                    cr_assert_eq(fl_json_get_string(&jg, &s, &g), FL_OK);
                    cr_expect(g.len == v.str.len && !memcmp(g.p, v.str.p, g.len), "doc %zu", d);
                } else {
                    cr_assert_eq(fl_json_skip(&jg), FL_OK);
                }
                cr_expect_eq(jf.pos, jg.pos, "doc %zu: both at the same place", d);
                continue;
            }
            cr_expect_eq(jf.pos, before, "doc %zu: a declined member consumes nothing", d);
            /* both readers take the general path for this member */
            fl_err ef = fl_json_next_key(&jf, &s, &kf, &more);
            fl_err eg = fl_json_next_key(&jg, &s, &kg, &more);
            cr_assert_eq(ef, eg, "doc %zu", d);
            if (ef != FL_OK || !more)
                break;
            ef = fl_json_skip(&jf);
            eg = fl_json_skip(&jg);
            cr_assert_eq(ef, eg, "doc %zu", d);
            if (ef != FL_OK)
                break;
        }
        cr_expect_eq(fl_json_end(&jf), fl_json_end(&jg), "doc %zu", d);
        if (d == 0)
            cr_expect_eq(fast, 6, "every member of the first document is fast");
    }
    fl_buf_cleanup(&s);
}
