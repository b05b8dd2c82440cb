/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_prom_fast.c: the parser's fast paths must give exactly what the general paths give.
 * Covered: the exact decimal fast path of the value parser at its limits (2^53, 19 digits, 10^22,
 * exponent digits) and on random numbers embedded in sample lines (compared with strtod); a
 * value token that only starts like a number; whitespace around '=' and ','; quoted label values
 * with an escape, UTF-8, a bad byte or NUL at every offset across the 8/16-byte blocks the
 * scanner skips at once; duplicate label names that share a hash class; sample names that start
 * with the current family's name, including a family named by a quoted (non-plain) name.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "core/buf.h"
#include "ingest/prom.h"

#define TXT FL_PROM_TEXT
#define OM FL_PROM_OPENMETRICS

static uint64_t bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

/* Values of every sample, in order. */
struct values {
    double v[64];
    size_t n;
    char label[128]; /* the first label value of the last sample */
    size_t label_len;
};

static fl_err take_values(const struct fl_prom_sample *s, void *ud)
{
    struct values *o = ud;
    if (o->n < sizeof o->v / sizeof o->v[0])
        o->v[o->n] = s->value;
    o->n++;
    o->label_len = 0;
    if (s->n_labels > 0 && s->label_values[0].len <= sizeof o->label) {
        memcpy(o->label, s->label_values[0].p, s->label_values[0].len);
        o->label_len = s->label_values[0].len;
    }
    return FL_OK;
}

static fl_err parse_into(const char *text, size_t len, enum fl_prom_format f, struct values *o,
                         struct fl_diag *d)
{
    struct fl_prom_parser *p = NULL;
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    memset(o, 0, sizeof *o);
    fl_diag_init(d);
    fl_err e = fl_prom_parse(p, text, len, f, take_values, NULL, o, d);
    fl_prom_parser_free(p);
    return e;
}

Test(prom_fast, number_fast_path_limits)
{
    /* Each on both sides of a fast-path limit; the value must be strtod's, bit for bit, through
       fl_prom_parse_double and through a sample line (with and without a timestamp). */
    static const char *const nums[] = {
        "9007199254740992",     "9007199254740993",      "-9007199254740993",
        "900719925474099.3",    "9007199254740993e-5",   "1234567890123456789",
        "12345678901234567890", "123456789012345678901", "0.1234567890123456789",
        "1e22",                 "1e23",                  "1e-22",
        "1e-23",                "123456789012345e22",    "9e-22",
        "1e0000",               "1e00001",               "1e+0022",
        "1.",                   ".5",                    "-.5e-3",
        "+7",                   "-0",                    "0.000",
        "0000000000000000000000000", "-0000000000000000000000.0e5", "0e99999",
        "0.0000000000000000000000001", "00000000000000000001.5", "4503599627370497.5",
        "2.2250738585072011e-308", "4.9e-324",           "1.7976931348623157e308",
        "0.005",                "2.5",                   "3649.6350",
        "12345.123456",         "1700000000000",         "18446744073709551615",
    };
    char line[128];
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        const char *s = nums[i];
        double want = strtod(s, NULL), got = -1;
        cr_assert(fl_prom_parse_double(s, strlen(s), &got), "%s rejected", s);
        cr_assert_eq(bits(got), bits(want), "%s: got %.17g want %.17g", s, got, want);

        struct values o;
        struct fl_diag d;
        int n = snprintf(line, sizeof line, "x %s\ny{a=\"b\"} %s 17\nz %s\t5", s, s, s);
        cr_assert_eq(parse_into(line, (size_t)n, TXT, &o, &d), FL_OK, "%s: %s", s, d.msg);
        cr_assert_eq(o.n, 3);
        for (size_t k = 0; k < 3; k++)
            cr_assert_eq(bits(o.v[k]), bits(want), "%s in line %zu: got %.17g", s, k + 1,
                         o.v[k]);
    }
}

struct checker {
    const double *want;
    size_t n, bad;
    double got_bad, want_bad;
    unsigned long line_bad;
};

static fl_err check_value(const struct fl_prom_sample *s, void *ud)
{
    struct checker *ck = ud;
    double w = ck->want[ck->n++];
    if (bits(s->value) != bits(w) && ck->bad++ == 0) {
        ck->got_bad = s->value;
        ck->want_bad = w;
        ck->line_bad = s->line;
    }
    return FL_OK;
}

Test(prom_fast, random_values_in_lines_match_strtod)
{
    /* 100,000 random decimals (leading zeros, up to 24 digits, exponents of 1-5 digits), one per
       sample line, some followed by a timestamp: each parsed value equals strtod's. */
    struct fl_buf text;
    fl_buf_init(&text, 1u << 26);
    enum { N = 100000 };
    double *want = malloc(N * sizeof *want);
    cr_assert_not_null(want);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < N; i++) {
        char s[64];
        size_t k = 0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t y = x;
        if (y % 5 == 0)
            s[k++] = (y >> 3) & 1 ? '-' : '+';
        int lead = (int)((y >> 5) % 4 == 0 ? (y >> 7) % 6 : 0);
        for (int j = 0; j < lead; j++)
            s[k++] = '0';
        int digits = 1 + (int)((y >> 10) % 24);
        int point = (int)((y >> 15) % (unsigned)(digits + 3));
        for (int j = 0; j < digits; j++) {
            if (j == point)
                s[k++] = '.';
            y = y * 6364136223846793005ull + 1442695040888963407ull;
            s[k++] = (char)('0' + (y >> 60) % 10);
        }
        if ((x >> 20) % 3 == 0) {
            int edigits = 1 + (int)((x >> 22) % 5);
            int e = (int)((x >> 25) % 700) - 350;
            k += (size_t)snprintf(s + k, sizeof s - k, "e%s%0*d", e < 0 ? "-" : "", edigits,
                                  abs(e) % 100000);
        }
        s[k] = '\0';
        want[i] = strtod(s, NULL);
        if (isinf(want[i])) { /* overflow is an error: keep the line valid */
            s[0] = '1';
            s[1] = '\0';
            want[i] = 1;
        }
        fl_buf_printf(&text, "m%d %s%s\n", i % 7, s, (x >> 40) % 4 == 0 ? " 1700000000000" : "");
    }
    cr_assert_eq(fl_buf_err(&text), FL_OK);

    struct fl_prom_parser *p = NULL;
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    struct checker ck = {want, 0, 0, 0, 0, 0};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_prom_parse(p, text.data, text.len, TXT, check_value, NULL, &ck, &d), FL_OK,
                 "%lu:%lu %s", d.line, d.column, d.msg);
    cr_assert_eq(ck.n, (size_t)N);
    cr_assert_eq(ck.bad, 0, "%zu values differ from strtod, first on line %lu: %.17g vs %.17g",
                 ck.bad, ck.line_bad, ck.got_bad, ck.want_bad);
    fl_prom_parser_free(p);
    fl_buf_cleanup(&text);
    free(want);
}

/* Parse in, expect an error with this line:column and message (or FL_OK when msg is NULL and
   then the collect.h rendering `want`). */
struct case_ {
    const char *name;
    enum fl_prom_format fmt;
    const char *in;
    unsigned long line, col;
    const char *msg;  /* NULL: must parse */
    const char *want; /* rendering when it parses */
};

static void check_case(const struct case_ *tc)
{
    struct collect c;
    struct fl_diag d;
    collect_init(&c);
    fl_diag_init(&d);
    fl_err e = collect_parse(&c, tc->in, strlen(tc->in), tc->fmt, &d);
    if (!tc->msg) {
        cr_assert_eq(e, FL_OK, "%s: %s", tc->name, d.msg);
        cr_assert_str_eq(c.out.data ? c.out.data : "", tc->want, "%s", tc->name);
    } else {
        cr_assert_eq(e, FL_EPARSE, "%s: got %s", tc->name, fl_err_name(e));
        cr_assert_str_eq(d.msg, tc->msg, "%s", tc->name);
        cr_assert_eq(d.line, tc->line, "%s: line %lu", tc->name, d.line);
        cr_assert_eq(d.column, tc->col, "%s: column %lu", tc->name, d.column);
    }
    collect_cleanup(&c);
}

Test(prom_fast, value_tokens_and_label_whitespace)
{
    static const struct case_ cases[] = {
        /* a value that starts like a number but is not one is reported whole */
        {"two points", TXT, "x 1.5.3\n", 1, 3, "invalid sample value \"1.5.3\"", NULL},
        {"letter after exponent", TXT, "x 1e5x 7\n", 1, 3, "invalid sample value \"1e5x\"", NULL},
        {"sign only", TXT, "x -\n", 1, 3, "invalid sample value \"-\"", NULL},
        {"exponent without digits", TXT, "x 1e\n", 1, 3, "invalid sample value \"1e\"", NULL},
        {"value then brace", TXT, "x 12{a=\"b\"}\n", 1, 3, "invalid sample value \"12{a=\"b\"}\"",
         NULL},
        {"huge exponent", TXT, "x 1e99999\n", 1, 3, "invalid sample value \"1e99999\"", NULL},
        {"value then tab and timestamp", TXT, "x 12\t34\n", 0, 0, NULL,
         "S x{} 12 34 x/untyped\n"},
        {"om value then exemplar", OM,
         "# TYPE c counter\nc_total 3 # {t=\"a\"} 0.5 1.25\n# EOF\n", 0, 0, NULL,
         "M c/counter help=\"\" unit=\"\"\nS c_total{} 3 - c/counter # {t=\"a\"} 0.5 1250\n"},
        /* whitespace around '=' and ',' takes the slower path with the same result */
        {"spaces around =", TXT, "x{a =\t\"1\" , b= \"2\" }\t7\n", 0, 0, NULL,
         "S x{a=\"1\",b=\"2\"} 7 - x/untyped\n"},
        {"space before first name", TXT, "x{ a=\"1\"} 7\n", 0, 0, NULL,
         "S x{a=\"1\"} 7 - x/untyped\n"},
        {"missing =", TXT, "x{a \"1\"} 1\n", 1, 5, "expected '=' after label name \"a\"", NULL},
        {"missing = at end", TXT, "x{abc", 1, 6, "expected '=' after label name \"abc\"", NULL},
        {"unquoted value", TXT, "x{a= 1} 1\n", 1, 6,
         "expected '\"' to start the value of label \"a\", got '1'", NULL},
        {"semicolon", TXT, "x{a=\"1\";b=\"2\"} 1\n", 1, 8,
         "expected ',' or '}' after label value, got ';'", NULL},
        {"semicolon after space", TXT, "x{a=\"1\" ;b=\"2\"} 1\n", 1, 9,
         "expected ',' or '}' after label value, got ';'", NULL},
        {"label name with colon", TXT, "x{a:b=\"1\"} 1\n", 1, 4,
         "expected '=' after label name \"a\"", NULL},
        /* duplicates: names in the same hash class (same length and first byte) are compared */
        {"same class, different names", TXT, "x{ab=\"1\",ac=\"2\",ad=\"3\"} 1\n", 0, 0, NULL,
         "S x{ab=\"1\",ac=\"2\",ad=\"3\"} 1 - x/untyped\n"},
        {"duplicate after same-class names", TXT, "x{ab=\"1\",ac=\"2\",ab=\"3\"} 1\n", 1, 17,
         "duplicate label name \"ab\"", NULL},
        {"prefix names are distinct", TXT, "x{a=\"1\",aa=\"2\",aaa=\"3\"} 1\n", 0, 0, NULL,
         "S x{a=\"1\",aa=\"2\",aaa=\"3\"} 1 - x/untyped\n"},
        {"duplicate of a quoted name", TXT, "x{\"a\"=\"1\",a=\"2\"} 1\n", 1, 11,
         "duplicate label name \"a\"", NULL},
        /* sample names that start with the current family's name */
        {"family then longer name", TXT,
         "# TYPE foo counter\nfoo_total 1\nfoobar 2\nfoo_total{a=\"b\"} 3\nfoo 4\n", 0, 0, NULL,
         "M foo/counter help=\"\" unit=\"\"\nS foo_total{} 1 - foo/counter\n"
         "S foobar{} 2 - foobar/untyped\nS foo_total{a=\"b\"} 3 - foo/counter\n"
         "S foo{} 4 - foo/counter\n"},
        {"family name then bad byte", TXT, "# TYPE foo gauge\nfoo 1\nfoo-x 2\n", 3, 4,
         "unexpected '-' in metric name", NULL},
        {"line shorter than the family name", TXT, "# TYPE foobar gauge\nfoobar 1\nfoo 2", 0, 0,
         NULL,
         "M foobar/gauge help=\"\" unit=\"\"\nS foobar{} 1 - foobar/gauge\n"
         "S foo{} 2 - foo/untyped\n"},
        {"quoted family name is not a plain prefix", TXT,
         "# TYPE \"my.metric\" counter\n{\"my.metric\"} 1\nmy.metric 2\n", 3, 3,
         "unexpected '.' in metric name", NULL},
        {"om family then other family's suffix", OM,
         "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nhx 2\n# EOF\n", 0, 0, NULL,
         "M h/histogram help=\"\" unit=\"\"\nS h_bucket{le=\"+Inf\"} 1 - h/histogram\n"
         "S h_count{} 1 - h/histogram\nS hx{} 2 - hx/unknown\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i]);
}

Test(prom_fast, quoted_values_at_every_offset)
{
    /* A special byte at offset k of a label value, k across the 8- and 16-byte blocks, with the
       value near the end of the line (short tail) or followed by more labels (long tail). */
    char in[256], want[128];
    for (int tail = 0; tail < 2; tail++) {
        const char *rest = tail ? ",zz=\"0123456789012345678901234567890123456789\"} 5\n"
                                : "} 5\n";
        for (int k = 0; k <= 40; k++) {
            char pre[64];
            memset(pre, 'v', (size_t)k);
            pre[k] = '\0';
            struct values o;
            struct fl_diag d;
            int n;

            /* plain value of length k */
            n = snprintf(in, sizeof in, "m{a=\"%s\"%s", pre, rest);
            cr_assert_eq(parse_into(in, (size_t)n, TXT, &o, &d), FL_OK, "%s: %s", in, d.msg);
            cr_assert_eq(o.label_len, (size_t)k);
            cr_assert_eq(memcmp(o.label, pre, (size_t)k), 0);

            /* escapes: \" \\ \n and an unknown one kept verbatim */
            n = snprintf(in, sizeof in, "m{a=\"%s\\\"x\\\\y\\nz\\qw\"%s", pre, rest);
            cr_assert_eq(parse_into(in, (size_t)n, TXT, &o, &d), FL_OK, "%s: %s", in, d.msg);
            int wn = snprintf(want, sizeof want, "%s\"x\\y\nz\\qw", pre);
            cr_assert_eq(o.label_len, (size_t)wn, "k=%d", k);
            cr_assert_eq(memcmp(o.label, want, (size_t)wn), 0, "k=%d", k);

            /* valid UTF-8 is kept as is */
            n = snprintf(in, sizeof in, "m{a=\"%s\xc3\xa9\xe2\x82\xac\"%s", pre, rest);
            cr_assert_eq(parse_into(in, (size_t)n, TXT, &o, &d), FL_OK, "%s: %s", in, d.msg);
            cr_assert_eq(o.label_len, (size_t)k + 5);
            cr_assert_eq(memcmp(o.label + k, "\xc3\xa9\xe2\x82\xac", 5), 0);

            /* invalid UTF-8: reported at the opening quote */
            n = snprintf(in, sizeof in, "m{a=\"%s\xff\"%s", pre, rest);
            cr_assert_eq(parse_into(in, (size_t)n, TXT, &o, &d), FL_EPARSE, "k=%d", k);
            cr_assert_str_eq(d.msg, "label value is not valid UTF-8");
            cr_assert_eq(d.column, 5);

            /* a NUL byte: reported where it is */
            n = snprintf(in, sizeof in, "m{a=\"%sX\"%s", pre, rest);
            in[5 + k] = '\0';
            cr_assert_eq(parse_into(in, (size_t)n, TXT, &o, &d), FL_EPARSE, "k=%d", k);
            cr_assert_str_eq(d.msg, "NUL byte in quoted label value");
            cr_assert_eq(d.column, (unsigned long)(6 + k));

            /* unterminated: the line ends inside the value */
            n = snprintf(in, sizeof in, "m{a=\"%s\nn 1\n", pre);
            cr_assert_eq(parse_into(in, (size_t)n, TXT, &o, &d), FL_EPARSE, "k=%d", k);
            cr_assert_str_eq(d.msg, "unterminated quoted label value (missing closing '\"')");
            cr_assert_eq(d.column, 5);
        }
    }
}
