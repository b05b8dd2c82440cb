/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_selector.c: fl_selector_parse on valid PromQL series selectors (every matcher's name, op
 * and unescaped value checked, in order) and invalid ones (exact line:column and message), plus
 * the limits and the empty-matcher rule. Expected forms follow Prometheus' PromQL parser.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/matcher.h"
#include "ingest/selector.h"

static const char *op_str(enum fl_match_op op)
{
    switch (op) {
    case FL_MATCH_EQ: return "=";
    case FL_MATCH_NE: return "!=";
    case FL_MATCH_RE: return "=~";
    case FL_MATCH_NRE: return "!~";
    }
    return "?";
}

/* Render matchers as `name op [value]` joined by spaces; value bytes verbatim inside [ ]. */
static void render(const struct fl_matcher *ms, size_t n, struct fl_buf *b)
{
    for (size_t k = 0; k < n; k++) {
        if (k)
            fl_buf_putc(b, ' ');
        fl_buf_printf(b, "%s%s[%s]", ms[k].name, op_str(ms[k].op), ms[k].value);
    }
}

struct sel_ok {
    const char *in;
    const char *want;
};

static const struct sel_ok ok_cases[] = {
    {"up", "__name__=[up]"},
    {"  up  ", "__name__=[up]"},
    {"job:rate5m:sum", "__name__=[job:rate5m:sum]"},
    {"http_requests_total{job=\"api\"}", "__name__=[http_requests_total] job=[api]"},
    {"x{a=\"b\",c!=\"d\",e=~\"r.*\",f!~\"s|t\"}", "__name__=[x] a=[b] c!=[d] e=~[r.*] f!~[s|t]"},
    {"x{a=\"b\",}", "__name__=[x] a=[b]"},
    {"x {\n a = \"b\" ,\t c = 'd' \n}", "__name__=[x] a=[b] c=[d]"},
    {"x{}", "__name__=[x]"},
    {"{__name__=~\"x.*\",job=\"y\"}", "__name__=~[x.*] job=[y]"},
    {"{job=\"y\",__name__=\"up\"}", "job=[y] __name__=[up]"},
    {"{\"my.metric\"}", "__name__=[my.metric]"},
    {"{\"my.metric\", \"label.x\"=\"v\"}", "__name__=[my.metric] label.x=[v]"},
    {"{\"label.x\"=\"v\", \"my.metric\"}", "__name__=[my.metric] label.x=[v]"},
    {"x{a='single \"q\" \\' ok'}", "__name__=[x] a=[single \"q\" ' ok]"},
    {"x{a=\"tab\\there\\nnl \\\\ bs \\\"\"}", "__name__=[x] a=[tab\there\nnl \\ bs \"]"},
    {"x{a=`raw \\n \"q\" '`}", "__name__=[x] a=[raw \\n \"q\" ']"},
    {"x{a=\"\\x41\\101\\u00e9\\U0001F600\"}", "__name__=[x] a=[AA\xc3\xa9\xf0\x9f\x98\x80]"},
    {"x{a=\"\\a\\b\\f\\r\\v\"}", "__name__=[x] a=[\a\b\f\r\v]"},
    {"x{a=\"caf\xc3\xa9\"}", "__name__=[x] a=[caf\xc3\xa9]"},
    {"{a=\"\",b=\"x\"}", "a=[] b=[x]"},
    {"{a=~\".+\"}", "a=~[.+]"},
    {"{a!=\"\"}", "a!=[]"},
    {"_x1{_y2=\"\"}", "__name__=[_x1] _y2=[]"},
    /* RE2 lazy modifiers are dropped (same matches under full anchoring; POSIX misreads them). */
    {"{a=~\".+?\"}", "a=~[.+]"},
    {"x{a=~\"a*?b?" "?c{1,2}?[?]\\\\?" "?(d+?)\"}",
     "__name__=[x] a=~[a*b?c{1,2}[?]\\?" "?(d+)]"}, /* split: no trigraphs */
    {"x{a!~`[+?]?x\\+?`}", "__name__=[x] a!~[[+?]?x\\+?]"}, /* \+? is an optional '+' */
};

Test(selector, valid_table)
{
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
        const struct sel_ok *c = &ok_cases[i];
        struct fl_matcher *ms = NULL;
        size_t n = 0;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_selector_parse(c->in, strlen(c->in), &ms, &n, &d);
        cr_assert_eq(e, FL_OK, "case %zu `%s`: %s at %lu:%lu", i, c->in, d.msg, d.line,
                     d.column);
        struct fl_buf b;
        fl_buf_init(&b, 4096);
        render(ms, n, &b);
        cr_assert_str_eq(b.data ? b.data : "", c->want, "case %zu `%s`", i, c->in);
        fl_buf_cleanup(&b);
        fl_selector_free(ms, n);
    }
}

struct sel_bad {
    const char *in;
    fl_err code;
    unsigned long line, col;
    const char *msg; /* expected prefix of d.msg */
};

static const struct sel_bad bad_cases[] = {
    {"", FL_EPARSE, 1, 1, "empty selector"},
    {"   ", FL_EPARSE, 1, 4, "empty selector"},
    {"{}", FL_EPARSE, 1, 1, "vector selector must contain at least one non-empty matcher"},
    {" {a=\"\"}", FL_EPARSE, 1, 2, "vector selector must contain at least one non-empty matcher"},
    {"{a=~\".*\",b!=\"x\"}", FL_EPARSE, 1, 1,
     "vector selector must contain at least one non-empty matcher"},
    {"x{job}", FL_EPARSE, 1, 6,
     "expected '=', '!=', '=~' or '!~' after label name \"job\", got '}'"},
    {"x{job==\"a\"}", FL_EPARSE, 1, 7, "expected quoted label value for \"job\", got '='"},
    {"x{job=a}", FL_EPARSE, 1, 7, "expected quoted label value for \"job\", got 'a'"},
    {"x{job=\"a\"", FL_EPARSE, 1, 10, "unexpected end of input: missing '}'"},
    {"x{job=\"a", FL_EPARSE, 1, 7, "unterminated label value string"},
    {"x{job=\"a\nb\"}", FL_EPARSE, 1, 9, "unterminated label value string: newline"},
    {"x{job=\"a\" b=\"c\"}", FL_EPARSE, 1, 11, "expected ',' or '}' after matcher, got 'b'"},
    {"x{,}", FL_EPARSE, 1, 3, "expected label name or '}', got ','"},
    {"x{1a=\"b\"}", FL_EPARSE, 1, 3, "expected label name or '}', got '1'"},
    {"x{a:b=\"c\"}", FL_EPARSE, 1, 4, "':' is not allowed in label name \"a\""},
    {"1x", FL_EPARSE, 1, 1, "expected metric name or '{', got '1'"},
    {"x y", FL_EPARSE, 1, 3, "unexpected 'y' after selector"},
    {"x[5m]", FL_EPARSE, 1, 2, "a range ('[...]') is not allowed"},
    {"x{a=\"b\"}{c=\"d\"}", FL_EPARSE, 1, 9, "a selector has at most one '{...}' block"},
    {"x{__name__=\"y\"}", FL_EPARSE, 1, 3, "metric name must not be set twice"},
    {"{\"a\",\"b\"}", FL_EPARSE, 1, 6, "metric name must not be set twice"},
    {"x{\"\"=\"v\"}", FL_EPARSE, 1, 3, "label name must not be empty"},
    {"x{a=\"\\q\"}", FL_EPARSE, 1, 6, "unknown escape sequence \\q"},
    {"x{a='\\\"'}", FL_EPARSE, 1, 6, "unknown escape sequence \\\""},
    {"x{a=\"\\x4\"}", FL_EPARSE, 1, 6, "invalid escape \\x: expected 2 hex digits"},
    {"x{a=\"\\x00\"}", FL_EPARSE, 1, 6, "NUL bytes are not allowed"},
    {"x{a=\"\\uD800\"}", FL_EPARSE, 1, 6, "invalid escape \\u: not a Unicode code point"},
    {"x{a=\"\\777\"}", FL_EPARSE, 1, 6, "invalid escape: octal value over 255"},
    {"x{a=~\"(\"}", FL_EPARSE, 1, 6, "label \"a\": regex missing ')' at offset 1"},
    {"x{a=~\"a)|(.*\"}", FL_EPARSE, 1, 6, "label \"a\": regex unexpected ')' at offset 1"},
    {"x{a=~\"[)]\\\\)(b)c)+\"}", FL_EPARSE, 1, 6,
     "label \"a\": regex unexpected ')' at offset 9"},
    {"x{a=~\"x[\"}", FL_EPARSE, 1, 6, "label \"a\": regex \"x[\": missing ]"},
    {"x{a=~\"\\\\d+\"}", FL_EPARSE, 1, 6, "label \"a\": regex"},
    {"x{\n a=b}", FL_EPARSE, 2, 4, "expected quoted label value for \"a\", got 'b'"},
    {"x\x01", FL_EPARSE, 1, 2, "unexpected byte 0x01 after selector"},
};

Test(selector, invalid_table)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct sel_bad *c = &bad_cases[i];
        struct fl_matcher *ms = (struct fl_matcher *)1;
        size_t n = 99;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_selector_parse(c->in, strlen(c->in), &ms, &n, &d);
        cr_assert_eq(e, c->code, "case %zu `%s`: got %s (%s)", i, c->in, fl_err_name(e), d.msg);
        cr_assert_null(ms, "case %zu", i);
        cr_assert_eq(n, 0, "case %zu", i);
        cr_assert_eq(d.line, c->line, "case %zu `%s`: line %lu", i, c->in, d.line);
        cr_assert_eq(d.column, c->col, "case %zu `%s`: column %lu (%s)", i, c->in, d.column,
                     d.msg);
        cr_assert(strncmp(d.msg, c->msg, strlen(c->msg)) == 0, "case %zu `%s`: msg \"%s\"", i,
                  c->in, d.msg);
    }
}

Test(selector, not_nul_terminated)
{
    /* The slice ends before the closing brace that follows in memory. */
    const char buf[] = "up{job=\"a\"}";
    struct fl_matcher *ms = NULL;
    size_t n = 0;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_selector_parse(buf, 2, &ms, &n, &d), FL_OK);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(ms[0].value, "up");
    fl_selector_free(ms, n);
    fl_diag_init(&d);
    cr_assert_eq(fl_selector_parse(buf, 10, &ms, &n, &d), FL_EPARSE);
    cr_assert_eq(d.column, 11);
}

Test(selector, matchers_evaluate)
{
    struct fl_matcher *ms = NULL;
    size_t n = 0;
    const char *q = "http_requests_total{code=~\"5..\",method!=\"GET\"}";
    cr_assert_eq(fl_selector_parse(q, strlen(q), &ms, &n, NULL), FL_OK);
    cr_assert_eq(n, 3);
    const struct fl_label hit[] = {
        {"__name__", "http_requests_total"}, {"code", "503"}, {"method", "POST"}};
    const struct fl_label miss_code[] = {
        {"__name__", "http_requests_total"}, {"code", "200"}, {"method", "POST"}};
    const struct fl_label miss_method[] = {
        {"__name__", "http_requests_total"}, {"code", "500"}, {"method", "GET"}};
    const struct fl_label miss_name[] = {{"__name__", "other"}, {"code", "500"}};
    cr_assert(fl_matchers_match(ms, n, hit, 3));
    cr_assert_not(fl_matchers_match(ms, n, miss_code, 3));
    cr_assert_not(fl_matchers_match(ms, n, miss_method, 3));
    cr_assert_not(fl_matchers_match(ms, n, miss_name, 2));
    fl_selector_free(ms, n);

    /* "5.+?" needs a character after the 5, as in RE2 (POSIX alone would read "5(.+)?"). */
    q = "{code=~\"5.+?\"}";
    cr_assert_eq(fl_selector_parse(q, strlen(q), &ms, &n, NULL), FL_OK);
    cr_assert_not(fl_matcher_match_value(&ms[0], "5"));
    cr_assert(fl_matcher_match_value(&ms[0], "503"));
    fl_selector_free(ms, n);
}

Test(selector, limits)
{
    struct fl_buf b;
    struct fl_matcher *ms = NULL;
    size_t n = 0;
    struct fl_diag d;

    /* FL_LIMIT_LABELS_PER_SERIES matchers pass (with the name), one more does not. */
    fl_buf_init(&b, 1 << 20);
    fl_buf_puts(&b, "{");
    for (int k = 0; k < FL_LIMIT_LABELS_PER_SERIES; k++)
        fl_buf_printf(&b, "l%d=\"v\",", k);
    fl_buf_puts(&b, "}");
    fl_diag_init(&d);
    cr_assert_eq(fl_selector_parse(b.data, b.len, &ms, &n, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(n, FL_LIMIT_LABELS_PER_SERIES);
    fl_selector_free(ms, n);
    fl_buf_reset(&b);
    fl_buf_puts(&b, "x{");
    for (int k = 0; k < FL_LIMIT_LABELS_PER_SERIES; k++)
        fl_buf_printf(&b, "l%d=\"v\",", k);
    fl_buf_puts(&b, "}");
    fl_diag_init(&d);
    cr_assert_eq(fl_selector_parse(b.data, b.len, &ms, &n, &d), FL_ELIMIT);
    cr_assert_null(ms);

    /* Metric name of exactly FL_LIMIT_NAME_BYTES passes, one byte more does not. */
    fl_buf_reset(&b);
    for (int k = 0; k < FL_LIMIT_NAME_BYTES; k++)
        fl_buf_putc(&b, 'a');
    fl_diag_init(&d);
    cr_assert_eq(fl_selector_parse(b.data, b.len, &ms, &n, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(strlen(ms[0].value), FL_LIMIT_NAME_BYTES);
    fl_selector_free(ms, n);
    fl_buf_putc(&b, 'a');
    fl_diag_init(&d);
    cr_assert_eq(fl_selector_parse(b.data, b.len, &ms, &n, &d), FL_ELIMIT);
    cr_assert_eq(d.column, 1);

    /* Label value over FL_LIMIT_VALUE_BYTES. */
    fl_buf_reset(&b);
    fl_buf_puts(&b, "x{a=\"");
    for (size_t k = 0; k <= FL_LIMIT_VALUE_BYTES; k++)
        fl_buf_putc(&b, 'v');
    fl_buf_puts(&b, "\"}");
    fl_diag_init(&d);
    cr_assert_eq(fl_selector_parse(b.data, b.len, &ms, &n, &d), FL_ELIMIT);
    cr_assert_eq(d.column, 5);
    fl_buf_cleanup(&b);
}

/*
 * glibc's regcomp expands stacked repetitions exponentially (20 stacked '+' take 700 MB) and takes
 * exponential time on repetitions of parts that can match empty ("(a*)*" 50 times does not finish
 * in 10 s): the selector refuses both with FL_ELIMIT before compiling, and accepts big but linear
 * patterns and ordinary nesting.
 */
Test(selector, regex_guards)
{
    static const char *const big = "regex too complex";
    static const char *const loop = "regex repeats a part that can match the empty string";
    static const struct {
        const char *in;
        fl_err want;
        const char *msg;
    } cases[] = {
        {"x{a=~\"T++++++++++++++++++++++++++++++++\"}", FL_ELIMIT, big},
        {"x{a=~\"((((((((((((((((((((T+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+\"}", FL_ELIMIT,
         big},
        {"x{a=~\"((a{1,100}){1,100}){1,100}\"}", FL_ELIMIT, big},
        {"x{a!~\"(T?)+\"}", FL_ELIMIT, loop},
        {"x{a=~\"(T*)*\"}", FL_ELIMIT, loop},
        {"x{a=~\"T**\"}", FL_ELIMIT, loop},
        {"x{a=~\"(a|b?)+\"}", FL_ELIMIT, loop},
        {"x{a=~\"(a|)+\"}", FL_ELIMIT, loop},
        {"x{a=~\"(a{0,3}){2}\"}", FL_ELIMIT, loop},
        {"x{a=~\"(x(T*)+)\"}", FL_ELIMIT, loop},
        {"x{a=~\"T++++\"}", FL_OK, NULL},
        {"x{a=~\"(a{255}){255}\"}", FL_OK, NULL},
        {"x{a=~\"a{1,1000}b{1,1000}c{1,1000}\"}", FL_OK, NULL},
        {"x{a=~\"[+*]{1,50}(x|y)+.*\"}", FL_OK, NULL},
        {"x{a=~\"(a*)?b\"}", FL_OK, NULL},
        {"x{a=~\"[a-z]+(-[a-z]+)*\"}", FL_OK, NULL},
        {"x{a=~\"((ab+)+c)+(T{2,5})*\"}", FL_OK, NULL},
        {"x{a=~\"(a|b*c)+\"}", FL_OK, NULL},
        {"x{a=\"T++++++++++++++++++++++++++++++++\"}", FL_OK, NULL}, /* not a regex */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_matcher *ms = NULL;
        size_t n = 0;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_selector_parse(cases[i].in, strlen(cases[i].in), &ms, &n, &d);
        cr_assert_eq(e, cases[i].want, "case %zu `%s`: %s (%s)", i, cases[i].in, fl_err_name(e),
                     d.msg);
        if (cases[i].msg) {
            cr_assert_eq(d.column, 6, "case %zu", i);
            cr_assert(strstr(d.msg, cases[i].msg) != NULL, "case %zu: %s", i, d.msg);
        }
        fl_selector_free(ms, n);
    }
}

Test(selector, free_null)
{
    fl_selector_free(NULL, 0);
    fl_selector_free(NULL, 3);
}
