// SPDX-License-Identifier: Apache-2.0
/*
 * test_matcher.c: Prometheus matcher semantics: = != =~ !~, full anchoring, absent labels as the
 * empty string, RE2-only syntax refused with a clear message, (?:...) accepted, and conjunction
 * over a label set. Expectations follow Prometheus' documented behaviour.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/alloc.h"
#include "core/matcher.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    enum fl_match_op op;
    const char *pattern;
    const char *value; /* NULL = label absent */
    bool want;
} cases[] = {
    {FL_MATCH_EQ, "api", "api", true},
    {FL_MATCH_EQ, "api", "api2", false},
    {FL_MATCH_EQ, "", NULL, true},
    {FL_MATCH_EQ, "", "", true},
    {FL_MATCH_EQ, "api", NULL, false},
    {FL_MATCH_NE, "api", "web", true},
    {FL_MATCH_NE, "api", "api", false},
    {FL_MATCH_NE, "", NULL, false},
    {FL_MATCH_NE, "x", NULL, true},
    {FL_MATCH_RE, "ap.", "api", true},
    {FL_MATCH_RE, "ap", "api", false},  /* anchored at the end */
    {FL_MATCH_RE, "pi", "api", false},  /* anchored at the start */
    {FL_MATCH_RE, "a|b", "a", true},
    {FL_MATCH_RE, "a|b", "ab", false}, /* ^(a|b)$, not ^a|b$ */
    {FL_MATCH_RE, "api|web", "web", true},
    {FL_MATCH_RE, ".*", NULL, true},
    {FL_MATCH_RE, ".+", NULL, false},
    {FL_MATCH_RE, "", "", true},
    {FL_MATCH_RE, "5..", "503", true},
    {FL_MATCH_RE, "[45][0-9]{2}", "404", true},
    {FL_MATCH_RE, "[45][0-9]{2}", "200", false},
    {FL_MATCH_RE, "(?:GET|POST) /.*", "POST /x", true},
    {FL_MATCH_RE, "a\\.b", "a.b", true},
    {FL_MATCH_RE, "a\\.b", "axb", false},
    {FL_MATCH_RE, "[^]a]+", "bcd", true},
    {FL_MATCH_RE, "[]a]+", "a]a", true},
    {FL_MATCH_RE, "[[:digit:]]+", "123", true},
    {FL_MATCH_RE, ".*", "multi\nline", true},
    {FL_MATCH_NRE, "4..", "503", true},
    {FL_MATCH_NRE, "5..", "503", false},
    {FL_MATCH_NRE, ".+", NULL, true},
    {FL_MATCH_NRE, "", NULL, false},
};

Test(matcher, semantics_table)
{
    for (size_t i = 0; i < N(cases); i++) {
        struct fl_matcher m;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_matcher_init(&m, "lbl", cases[i].op, cases[i].pattern, &d), FL_OK,
                     "case %zu: %s", i, d.msg);
        cr_assert_str_eq(m.name, "lbl");
        cr_assert_str_eq(m.value, cases[i].pattern);
        bool got = fl_matcher_match_value(&m, cases[i].value);
        cr_assert_eq(got, cases[i].want, "case %zu: %s vs %s", i, cases[i].pattern,
                     cases[i].value ? cases[i].value : "(absent)");
        fl_matcher_cleanup(&m);
        cr_assert_null(m.name);
        cr_assert_null(m.re);
    }
}

static const struct {
    const char *pattern;
    const char *msg_part;
} rejects[] = {
    {"\\d+", "\\d is RE2-only"},
    {"\\w", "\\w is RE2-only"},
    {"a\\sb", "\\s is RE2-only"},
    {"(?i)api", "(?...)"},
    {"(?P<x>a)", "(?...)"},
    {"[\\d]", "backslash inside [...]"},
    {"a\\", "trailing backslash"},
    {"(a", "regex \"(a\""},
    {"[a", "missing ]"},
    {"a{2,1}", "regex \"a{2,1}\""},
    {"\\1", "\\1 is RE2-only"},
};

Test(matcher, rejects_with_a_clear_diag)
{
    for (size_t i = 0; i < N(rejects); i++) {
        struct fl_matcher m;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_matcher_init(&m, "x", FL_MATCH_RE, rejects[i].pattern, &d);
        cr_assert_eq(e, FL_EINVAL, "%s", rejects[i].pattern);
        cr_assert(strstr(d.msg, rejects[i].msg_part) != NULL, "%s: \"%s\" lacks \"%s\"",
                  rejects[i].pattern, d.msg, rejects[i].msg_part);
        cr_assert_null(m.name, "init failure leaves nothing to clean up");
        fl_matcher_cleanup(&m); /* and cleanup is still safe */
    }
    /* The same text is fine for equality matchers. */
    struct fl_matcher m;
    cr_assert_eq(fl_matcher_init(&m, "x", FL_MATCH_EQ, "\\d+", NULL), FL_OK);
    cr_assert(fl_matcher_match_value(&m, "\\d+"));
    fl_matcher_cleanup(&m);
}

Test(matcher, conjunction_over_label_sets)
{
    struct fl_matcher ms[3];
    cr_assert_eq(fl_matcher_init(&ms[0], "__name__", FL_MATCH_EQ, "http_requests_total", NULL),
                 FL_OK);
    cr_assert_eq(fl_matcher_init(&ms[1], "code", FL_MATCH_RE, "5..", NULL), FL_OK);
    cr_assert_eq(fl_matcher_init(&ms[2], "canary", FL_MATCH_EQ, "", NULL), FL_OK);
    struct fl_label a[] = {{"__name__", "http_requests_total"}, {"code", "503"}, {"job", "api"}};
    struct fl_label b[] = {{"__name__", "http_requests_total"}, {"code", "200"}, {"job", "api"}};
    struct fl_label c[] = {
        {"__name__", "http_requests_total"}, {"canary", "true"}, {"code", "500"}};
    cr_assert(fl_matchers_match(ms, 3, a, N(a)));
    cr_assert(!fl_matchers_match(ms, 3, b, N(b)));
    cr_assert(!fl_matchers_match(ms, 3, c, N(c)), "canary=\"\" excludes series that have it");
    cr_assert(fl_matchers_match(ms, 0, b, N(b)), "no matchers match everything");
    for (int i = 0; i < 3; i++)
        fl_matcher_cleanup(&ms[i]);
}

Test(matcher, allocation_failures)
{
    int saw_ok = 0;
    for (long n = 0; n < 10 && !saw_ok; n++) {
        struct fl_matcher m;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_alloc_fail_after(n);
        fl_err e = fl_matcher_init(&m, "job", FL_MATCH_RE, "api|web", &d);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            saw_ok = 1;
            cr_assert(fl_matcher_match_value(&m, "web"));
        } else {
            cr_assert_eq(e, FL_ENOMEM, "n=%ld: %s", n, d.msg);
            cr_assert_null(m.name);
        }
        fl_matcher_cleanup(&m);
    }
    cr_assert(saw_ok);
}
