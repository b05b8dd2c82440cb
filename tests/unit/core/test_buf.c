// SPDX-License-Identifier: Apache-2.0
/*
 * test_buf.c: the capped buffer (growth, NUL termination, cap -> FL_ELIMIT, sticky errors,
 * out-of-memory at every allocation) and the RFC 8259 JSON string escaper, whose output is
 * checked by reading it back with the JSON reader.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/json.h"

Test(buf, append_printf_take)
{
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    cr_assert_null(b.data);
    cr_assert_eq(fl_buf_str(&b).len, 0);
    cr_assert_str_eq(fl_buf_str(&b).p, "");
    fl_buf_puts(&b, "abc");
    fl_buf_putc(&b, '-');
    fl_buf_printf(&b, "%d:%s", 42, "x");
    fl_buf_append(&b, "\0z", 2);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    cr_assert_eq(b.len, 10);
    cr_assert_eq(memcmp(b.data, "abc-42:x\0z", 10), 0);
    cr_assert_eq(b.data[b.len], '\0');
    /* printf longer than the current allocation. */
    char big[3000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    fl_buf_printf(&b, "[%s]", big);
    cr_assert_eq(b.len, 10 + 2 + 2999);
    cr_assert_eq(b.data[b.len - 1], ']');
    cr_assert_eq(b.data[b.len], '\0');
    char *t = fl_buf_take(&b);
    cr_assert_eq(strlen(t), 3 + 1 + 4);
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    fl_free(t);
    t = fl_buf_take(&b);
    cr_assert_str_eq(t, "", "take of an empty buffer gives an owned empty string");
    fl_free(t);
    fl_buf_cleanup(&b);
}

Test(buf, cap_is_sticky_limit)
{
    struct fl_buf b;
    fl_buf_init(&b, 5);
    fl_buf_puts(&b, "12345");
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    cr_assert_eq(b.len, 5);
    fl_buf_putc(&b, '6');
    cr_assert_eq(fl_buf_err(&b), FL_ELIMIT);
    fl_buf_puts(&b, "");
    fl_buf_printf(&b, "%s", "x");
    cr_assert_eq(b.len, 5, "no-op after the first error");
    cr_assert_str_eq(b.data, "12345");
    fl_buf_reset(&b);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    cr_assert_eq(b.len, 0);
    fl_buf_printf(&b, "%s", "toolong");
    cr_assert_eq(fl_buf_err(&b), FL_ELIMIT);
    cr_assert_eq(b.len, 0);
    cr_assert_str_eq(b.data, "");
    cr_assert_eq(fl_buf_reserve(&b, 1), FL_ELIMIT, "reserve reports the sticky error");
    fl_buf_cleanup(&b);
    fl_buf_init(&b, 10);
    cr_assert_eq(fl_buf_reserve(&b, (size_t)-1), FL_ELIMIT, "overflowing reserve");
    fl_buf_cleanup(&b);
}

Test(buf, every_allocation_failure_is_enomem)
{
    int saw_ok = 0;
    for (long n = 0; n < 30 && !saw_ok; n++) {
        struct fl_buf b;
        fl_buf_init(&b, 1 << 20);
        fl_alloc_fail_after(n);
        for (int i = 0; i < 2000; i++)
            fl_buf_printf(&b, "%d,", i);
        fl_alloc_fail_after(-1);
        if (fl_buf_err(&b) == FL_OK) {
            saw_ok = 1;
            cr_assert_eq(b.len, strlen(b.data));
        } else {
            cr_assert_eq(fl_buf_err(&b), FL_ENOMEM, "n=%ld", n);
            cr_assert(b.data == NULL || b.data[b.len] == '\0');
        }
        fl_buf_cleanup(&b);
    }
    cr_assert(saw_ok);
}

Test(buf, put_double)
{
    struct fl_buf b;
    fl_buf_init(&b, 100);
    fl_buf_put_double(&b, 0.1);
    fl_buf_putc(&b, ' ');
    fl_buf_put_double(&b, -INFINITY);
    fl_buf_putc(&b, ' ');
    fl_buf_put_double(&b, NAN);
    cr_assert_str_eq(b.data, "0.1 -Inf NaN");
    fl_buf_cleanup(&b);
}

static const struct {
    const char *in;
    size_t len;
    const char *want;
} esc_cases[] = {
    {"plain", 5, "\"plain\""},
    {"", 0, "\"\""},
    {"q\"b\\s/", 6, "\"q\\\"b\\\\s/\""},
    {"\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\""},
    {"\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\""},
    {"a\0b", 3, "\"a\\u0000b\""},
    {"caf\xc3\xa9 \xf0\x9f\x98\x80", 10, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\""},
    {"bad\xff", 4, "\"bad\\ufffd\""},
    {"\xc0\xaf", 2, "\"\\ufffd\\ufffd\""},
    {"\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""},
    {"\xe2\x82", 2, "\"\\ufffd\\ufffd\""},
};

Test(buf, json_string_escaping)
{
    for (size_t i = 0; i < sizeof esc_cases / sizeof esc_cases[0]; i++) {
        struct fl_buf b, s;
        fl_buf_init(&b, 1000);
        fl_buf_init(&s, 1000);
        fl_buf_put_json_str(&b, esc_cases[i].in, esc_cases[i].len);
        cr_assert_eq(fl_buf_err(&b), FL_OK);
        cr_assert_str_eq(b.data, esc_cases[i].want, "case %zu", i);
        /* The output is a valid JSON string that reads back to the (valid) input. */
        struct fl_json j;
        struct fl_str out;
        fl_json_init(&j, b.data, b.len, NULL);
        cr_assert_eq(fl_json_get_string(&j, &s, &out), FL_OK, "case %zu", i);
        cr_assert_eq(fl_json_end(&j), FL_OK);
        if (!strstr(esc_cases[i].want, "fffd")) {
            cr_assert_eq(out.len, esc_cases[i].len);
            cr_assert_eq(memcmp(out.p, esc_cases[i].in, out.len), 0, "case %zu", i);
        }
        fl_buf_cleanup(&b);
        fl_buf_cleanup(&s);
    }
}

Test(buf, json_escaping_all_bytes_reads_back)
{
    /* Every byte value, as pairs so both valid and invalid UTF-8 appear. */
    char in[512];
    for (int i = 0; i < 256; i++) {
        in[2 * i] = (char)i;
        in[2 * i + 1] = 'a';
    }
    struct fl_buf b, s;
    fl_buf_init(&b, 1 << 16);
    fl_buf_init(&s, 1 << 16);
    fl_buf_put_json_str(&b, in, sizeof in);
    struct fl_json j;
    struct fl_str out;
    fl_json_init(&j, b.data, b.len, NULL);
    cr_assert_eq(fl_json_get_string(&j, &s, &out), FL_OK);
    cr_assert_eq(fl_json_end(&j), FL_OK);
    /* ASCII survives exactly; each invalid byte became U+FFFD (3 bytes). */
    cr_assert_eq(memcmp(out.p, in, 256), 0);
    cr_assert_eq(out.len, 256 + 128 * 4);
    fl_buf_cleanup(&b);
    fl_buf_cleanup(&s);
}
