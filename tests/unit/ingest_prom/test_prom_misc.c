/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_prom_misc.c: NaN/Inf bit patterns, limits (line length, labels per series, name and value
 * length), callback errors, NULL callbacks, parser reuse, content-type detection, and the
 * bit-exactness of the value parser against strtod.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "core/alloc.h"
#include "core/limits.h"
#include "ingest/prom.h"

static uint64_t bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

struct one {
    double value;
    int64_t ts;
    size_t n;
};

static fl_err take_one(const struct fl_prom_sample *s, void *ud)
{
    struct one *o = ud;
    o->value = s->value;
    o->ts = s->ts_ms;
    o->n++;
    return FL_OK;
}

static double parse_value(const char *text)
{
    struct fl_prom_parser *p = NULL;
    struct one o = {0, 0, 0};
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    cr_assert_eq(fl_prom_parse(p, text, strlen(text), FL_PROM_TEXT, take_one, NULL, &o, NULL),
                 FL_OK, "%s", text);
    cr_assert_eq(o.n, 1);
    fl_prom_parser_free(p);
    return o.value;
}

Test(prom_misc, special_value_bits)
{
    /* Go's math.NaN() bits, as Prometheus stores a parsed NaN; not the stale marker. */
    cr_assert_eq(bits(parse_value("a NaN\n")), 0x7FF8000000000001ull);
    cr_assert_eq(bits(parse_value("a nan\n")), 0x7FF8000000000001ull);
    cr_assert_eq(bits(parse_value("a +Inf\n")), 0x7FF0000000000000ull);
    cr_assert_eq(bits(parse_value("a -Inf\n")), 0xFFF0000000000000ull);
    cr_assert_eq(bits(parse_value("a -0\n")), 0x8000000000000000ull);
    cr_assert_eq(bits(parse_value("a 0\n")), 0ull);
    cr_assert_eq(parse_value("a 4.9e-324\n"), 4.9e-324);
    cr_assert_eq(parse_value("a 1e-400\n"), 0.0); /* underflow rounds to zero, as in Go */
    cr_assert_eq(parse_value("a 1.7976931348623157e308\n"), 1.7976931348623157e308);
}

Test(prom_misc, value_parser_matches_strtod)
{
    /* Random decimal strings of many shapes: fl_prom_parse_double must agree bit for bit. */
    uint64_t x = 0x243F6A8885A308D3ull;
    char s[64];
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int digits = 1 + (int)(x % 20);
        int point = (int)((x >> 8) % (unsigned)(digits + 2));
        int exp = (int)((x >> 16) % 64) - 32;
        int with_exp = (x >> 24) & 1;
        size_t k = 0;
        if ((x >> 25) & 1)
            s[k++] = '-';
        uint64_t y = x;
        for (int dgt = 0; dgt < digits; dgt++) {
            if (dgt == point)
                s[k++] = '.';
            y = y * 6364136223846793005ull + 1442695040888963407ull;
            s[k++] = (char)('0' + (y >> 60) % 10);
        }
        if (with_exp)
            k += (size_t)snprintf(s + k, sizeof s - k, "e%d", exp);
        s[k] = '\0';
        double want = strtod(s, NULL), got = -1;
        cr_assert(fl_prom_parse_double(s, k, &got), "%s rejected", s);
        cr_assert_eq(bits(got), bits(want), "%s: got %.17g want %.17g", s, got, want);
    }
}

Test(prom_misc, value_parser_rejects)
{
    static const char *bad[] = {"", "+", "-", ".", "e5", "1e", "1e+", "1..2", "0x10", "1_000",
                                "NaNa", "+NaN", "- 1", "1 ", "Inff", "in", "1e5.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v;
        cr_assert_not(fl_prom_parse_double(bad[i], strlen(bad[i]), &v), "\"%s\" accepted",
                      bad[i]);
    }
    double v;
    cr_assert(fl_prom_parse_double("-infinity", 9, &v));
    cr_assert(isinf(v) && v < 0);
    /* long mantissas go through strtod on a heap copy when longer than the stack buffer */
    char longnum[400];
    memset(longnum, '1', 300);
    longnum[300] = '\0';
    cr_assert(fl_prom_parse_double(longnum, 300, &v));
    cr_assert_eq(v, strtod(longnum, NULL));
}

static fl_err parse_with(const struct fl_limits *lim, const char *text, enum fl_prom_format f,
                         struct fl_diag *d)
{
    struct fl_prom_parser *p = NULL;
    cr_assert_eq(fl_prom_parser_new(lim, &p), FL_OK);
    fl_err e = fl_prom_parse(p, text, strlen(text), f, NULL, NULL, NULL, d);
    fl_prom_parser_free(p);
    return e;
}

Test(prom_misc, limits)
{
    struct fl_limits lim;
    struct fl_diag d;
    fl_limits_default(&lim);
    lim.line_bytes = 16;
    lim.labels_per_series = 2;

    fl_diag_init(&d);
    cr_assert_eq(parse_with(&lim, "a 1\nabcdefghijklmnop 1\n", FL_PROM_TEXT, &d), FL_ELIMIT);
    cr_assert_eq(d.line, 2);
    cr_assert_str_eq(d.msg, "line is longer than 16 bytes");
    fl_diag_init(&d);
    cr_assert_eq(parse_with(&lim, "abcdefghijklmno 1", FL_PROM_TEXT, &d), FL_ELIMIT);
    fl_diag_init(&d);
    cr_assert_eq(parse_with(&lim, "abcdefghijklm 1", FL_PROM_TEXT, &d), FL_OK, "%s", d.msg);

    lim.line_bytes = 1000;
    fl_diag_init(&d);
    cr_assert_eq(parse_with(&lim, "a{x=\"1\",y=\"2\"} 1\n", FL_PROM_TEXT, &d), FL_OK);
    fl_diag_init(&d);
    cr_assert_eq(parse_with(&lim, "a{x=\"1\",y=\"2\",z=\"3\"} 1\n", FL_PROM_TEXT, &d), FL_ELIMIT);
    cr_assert_str_eq(d.msg, "more than 2 labels");
    cr_assert_eq(d.column, 15); /* at "z" */

    /* names and values */
    fl_limits_default(&lim);
    size_t n = FL_LIMIT_VALUE_BYTES + 100;
    char *big = fl_malloc(n + 64);
    cr_assert_not_null(big);
    memset(big, 'a', FL_LIMIT_NAME_BYTES + 1);
    strcpy(big + FL_LIMIT_NAME_BYTES + 1, " 1\n");
    fl_diag_init(&d);
    cr_assert_eq(parse_with(&lim, big, FL_PROM_TEXT, &d), FL_ELIMIT);
    cr_assert_str_eq(d.msg, "metric name is longer than 1024 bytes");
    big[FL_LIMIT_NAME_BYTES] = ' ';
    fl_diag_init(&d);
    cr_assert_eq(parse_with(&lim, big, FL_PROM_TEXT, &d), FL_OK, "%s", d.msg);

    memcpy(big, "a{b=\"", 5);
    memset(big + 5, 'v', FL_LIMIT_VALUE_BYTES + 1);
    strcpy(big + 5 + FL_LIMIT_VALUE_BYTES + 1, "\"} 1\n");
    fl_diag_init(&d);
    cr_assert_eq(parse_with(&lim, big, FL_PROM_TEXT, &d), FL_ELIMIT);
    cr_assert_str_eq(d.msg, "label value is longer than 65536 bytes");
    cr_assert_eq(d.column, 5);
    fl_free(big);
}

Test(prom_misc, callback_error_stops_parse)
{
    struct collect c;
    collect_init(&c);
    c.stop_after = 2;
    const char *in = "a 1\nb 2\nc 3\nd 4\n";
    fl_err e = collect_parse(&c, in, strlen(in), FL_PROM_TEXT, NULL);
    cr_assert_eq(e, FL_EIO);
    cr_assert_eq(c.n_samples, 2);
    collect_cleanup(&c);
}

Test(prom_misc, null_callbacks_and_null_text)
{
    struct fl_prom_parser *p = NULL;
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    const char *in = "# TYPE a gauge\na 1\n";
    cr_assert_eq(fl_prom_parse(p, in, strlen(in), FL_PROM_TEXT, NULL, NULL, NULL, NULL), FL_OK);
    cr_assert_eq(fl_prom_parse(p, NULL, 5, FL_PROM_TEXT, NULL, NULL, NULL, NULL), FL_OK);
    cr_assert_eq(fl_prom_parse(p, NULL, 0, FL_PROM_OPENMETRICS, NULL, NULL, NULL, NULL),
                 FL_EPARSE);
    fl_prom_parser_free(p);
    fl_prom_parser_free(NULL);
}

Test(prom_misc, parser_reuse_forgets_families)
{
    /* The family set is per parse: the same OpenMetrics text parses twice with one parser. */
    struct fl_prom_parser *p = NULL;
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    const char *in = "# TYPE a gauge\na 1\n# TYPE b gauge\nb{x=\"\\n\"} 2\n# EOF\n";
    for (int i = 0; i < 3; i++) {
        struct collect c;
        collect_init(&c);
        cr_assert_eq(fl_prom_parse(p, in, strlen(in), FL_PROM_OPENMETRICS, collect_sample,
                                   collect_meta, &c, NULL),
                     FL_OK);
        cr_assert_str_eq(c.out.data, "M a/gauge help=\"\" unit=\"\"\nS a{} 1 - a/gauge\n"
                                     "M b/gauge help=\"\" unit=\"\"\n"
                                     "S b{x=\"\\n\"} 2 - b/gauge\n");
        collect_cleanup(&c);
    }
    fl_prom_parser_free(p);
}

Test(prom_misc, many_families_grow_the_family_set)
{
    /* 5000 distinct families in OpenMetrics: the set rehashes; a repeat of the first one is
       still detected as interleaving. */
    size_t cap = 5000 * 32 + 64;
    char *in = fl_malloc(cap);
    cr_assert_not_null(in);
    size_t k = 0;
    for (int i = 0; i < 5000; i++)
        k += (size_t)snprintf(in + k, cap - k, "# TYPE f%d gauge\nf%d 1\n", i, i);
    size_t good = k;
    k += (size_t)snprintf(in + k, cap - k, "# EOF\n");
    struct collect c;
    collect_init(&c);
    cr_assert_eq(collect_parse(&c, in, k, FL_PROM_OPENMETRICS, NULL), FL_OK);
    cr_assert_eq(c.n_samples, 5000);
    cr_assert_eq(c.n_meta, 5000);
    collect_cleanup(&c);
    k = good + (size_t)snprintf(in + good, cap - good, "f0 2\n# EOF\n");
    struct fl_diag d;
    fl_diag_init(&d);
    collect_init(&c);
    cr_assert_eq(collect_parse(&c, in, k, FL_PROM_OPENMETRICS, &d), FL_EPARSE);
    cr_assert_eq(d.line, 10001);
    collect_cleanup(&c);
    fl_free(in);
}

Test(prom_misc, content_type)
{
    cr_assert_eq(fl_prom_format_from_content_type(NULL), FL_PROM_TEXT);
    cr_assert_eq(fl_prom_format_from_content_type(""), FL_PROM_TEXT);
    cr_assert_eq(fl_prom_format_from_content_type("text/plain; version=0.0.4"), FL_PROM_TEXT);
    cr_assert_eq(fl_prom_format_from_content_type(
                     "application/openmetrics-text; version=1.0.0; charset=utf-8"),
                 FL_PROM_OPENMETRICS);
    cr_assert_eq(fl_prom_format_from_content_type(" Application/OpenMetrics-Text;version=0.0.1"),
                 FL_PROM_OPENMETRICS);
    cr_assert_eq(fl_prom_format_from_content_type("application/openmetrics-textx"), FL_PROM_TEXT);
    cr_assert_eq(fl_prom_format_from_content_type("application/json"), FL_PROM_TEXT);
}

Test(prom_misc, allocation_failures_are_clean)
{
    /* Every allocation of a parse can fail: FL_ENOMEM (or success), never a crash or leak. */
    const char *in = "# HELP a x\n# TYPE a gauge\na{x=\"1\",y=\"a\\\\b\"} 1\n"
                     "b{q=\"2\"} 2\n# EOF\n";
    int saw_enomem = 0;
    for (long n = 0; n < 40; n++) {
        struct fl_prom_parser *p = NULL;
        fl_alloc_fail_after(n);
        fl_err e = fl_prom_parser_new(NULL, &p);
        if (e == FL_OK) {
            e = fl_prom_parse(p, in, strlen(in), FL_PROM_OPENMETRICS, NULL, NULL, NULL, NULL);
            fl_prom_parser_free(p);
        }
        fl_alloc_fail_after(-1);
        cr_assert(e == FL_OK || e == FL_ENOMEM, "n=%ld: %s", n, fl_err_name(e));
        saw_enomem |= e == FL_ENOMEM;
    }
    cr_assert(saw_enomem);
}
