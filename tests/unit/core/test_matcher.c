// SPDX-License-Identifier: Apache-2.0
/*
 * test_matcher.c: Prometheus matcher semantics: = != =~ !~, full anchoring, absent labels as the
 * empty string, RE2-only syntax refused with a clear message, (?:...) accepted, conjunction
 * over a label set, and the guards against glibc regcomp blow-ups, unbalanced parentheses and
 * RE2 lazy modifiers. Expectations follow Prometheus' documented behaviour (RE2, "^(?s:re)$").
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
    {"(a", "regex missing ')' at offset 2 of \"(a\""},
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

/*
 * Guards run by fl_matcher_init itself, so every caller is protected: glibc's regcomp needs memory
 * exponential in stacked repetitions (20 stacked '+' take 700 MB) and time exponential in
 * repetitions of parts that can match empty ("(a*)*" 50 times does not finish in 10 s), and an
 * unbalanced ')' would close the "^(...)$" anchoring. The diag's column is the 1-based position
 * of the offending byte in the pattern.
 */
static const struct {
    const char *pattern;
    fl_err want;
    unsigned long col; /* expected d.column */
    const char *msg_part;
} guards[] = {
    /* Stacked repetitions: 16 '+' make 2^17 - 1 nodes, so the cost passes 100,000 at column 17. */
    {"T++++++++++++++++++++++++++++++++", FL_ELIMIT, 17, "regex too complex"},
    {"((((((((((((((((((((T+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+", FL_ELIMIT, 52,
     "regex too complex"},
    {"((a{1,100}){1,100}){1,100}", FL_ELIMIT, 20, "regex too complex"},
    /* Repetitions of a part that can match the empty string, flagged at the repetition. */
    {"(T?)+", FL_ELIMIT, 5, "regex repeats a part that can match the empty string (offset 4"},
    {"(T*)*", FL_ELIMIT, 5, "can match the empty string"},
    {"T**", FL_ELIMIT, 3, "can match the empty string"},
    {"(a|b?)+", FL_ELIMIT, 7, "can match the empty string"},
    {"(a|)+", FL_ELIMIT, 5, "can match the empty string"},
    {"(a{0,3}){2}", FL_ELIMIT, 9, "can match the empty string"},
    {"(x(T*)+)", FL_ELIMIT, 7, "can match the empty string"},
    /* Unbalanced parentheses: refused before they can unanchor the pattern. */
    {"(", FL_EINVAL, 2, "regex missing ')' at offset 1 of \"(\""},
    {"((a)", FL_EINVAL, 5, "regex missing ')' at offset 4"},
    {"a)|(.*", FL_EINVAL, 2, "regex unexpected ')' at offset 1 of \"a)|(.*\""},
    {"[)]\\)(b)c)+", FL_EINVAL, 10, "regex unexpected ')' at offset 9"},
    {"a)", FL_EINVAL, 2, "unexpected ')'"},
    {"x+?)", FL_EINVAL, 4, "unexpected ')' at offset 3"}, /* column in the caller's text */
};

Test(matcher, guards_table)
{
    for (size_t i = 0; i < N(guards); i++) {
        for (int neg = 0; neg < 2; neg++) {
            struct fl_matcher m;
            struct fl_diag d;
            fl_diag_init(&d);
            fl_err e = fl_matcher_init(&m, "x", neg ? FL_MATCH_NRE : FL_MATCH_RE,
                                       guards[i].pattern, &d);
            cr_assert_eq(e, guards[i].want, "case %zu `%s`: %s (%s)", i, guards[i].pattern,
                         fl_err_name(e), d.msg);
            cr_assert_eq(d.column, guards[i].col, "case %zu `%s`: column %lu (%s)", i,
                         guards[i].pattern, d.column, d.msg);
            cr_assert(strstr(d.msg, guards[i].msg_part) != NULL, "case %zu: \"%s\" lacks \"%s\"",
                      i, d.msg, guards[i].msg_part);
            cr_assert_null(m.name, "case %zu", i);
            cr_assert_null(m.re, "case %zu", i);
        }
        /* The guards are for regexes only. */
        struct fl_matcher m;
        cr_assert_eq(fl_matcher_init(&m, "x", FL_MATCH_EQ, guards[i].pattern, NULL), FL_OK);
        cr_assert(fl_matcher_match_value(&m, guards[i].pattern));
        fl_matcher_cleanup(&m);
    }
}

/* Big but linear patterns and ordinary nesting pass the guards and match as expected. */
static const struct {
    const char *pattern;
    const char *hit, *miss;
} guard_ok[] = {
    {"T++++", "TTT", ""},
    {"(a{255}){255}", NULL, "a"},
    {"a{1,1000}b{1,1000}c{1,1000}", "abbc", "ac"},
    {"[+*]{1,50}(x|y)+.*", "+*xyz", "xy"},
    {"(a*)?b", "aab", "aa"},
    {"[a-z]+(-[a-z]+)*", "ab-cd-e", "ab-"},
    {"((ab+)+c)+(T{2,5})*", "abbcabcTT", "abcT"},
    {"(a|b*c)+", "abbcc", "ab"},
    {"[(]a[)]", "(a)", "a"},
    {"\\(a\\)", "(a)", "a"},
};

Test(matcher, guards_accept)
{
    for (size_t i = 0; i < N(guard_ok); i++) {
        struct fl_matcher m;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_matcher_init(&m, "x", FL_MATCH_RE, guard_ok[i].pattern, &d), FL_OK,
                     "case %zu `%s`: %s", i, guard_ok[i].pattern, d.msg);
        cr_assert_str_eq(m.value, guard_ok[i].pattern, "case %zu", i);
        if (guard_ok[i].hit)
            cr_assert(fl_matcher_match_value(&m, guard_ok[i].hit), "case %zu", i);
        cr_assert_not(fl_matcher_match_value(&m, guard_ok[i].miss), "case %zu", i);
        fl_matcher_cleanup(&m);
    }
}

/*
 * RE2 lazy modifiers: under Prometheus' full anchoring "^(?s:a+?)$" matches exactly what "a+"
 * does, while POSIX alone would read "a+?" as "(a+)?" and also match "". The stored value is the
 * pattern without them; a '?' that is not after a repetition (or is escaped, or in a class) stays.
 */
static const struct {
    const char *pattern;
    const char *stored; /* m.value */
    const char *value;
    bool want;
} lazy[] = {
    {".+?", ".+", "", false},
    {".+?", ".+", "x", true},
    {"5.+?", "5.+", "5", false},
    {"5.+?", "5.+", "503", true},
    {"a*?b", "a*b", "aab", true},
    {"a*?b", "a*b", "", false},
    {"a??b", "a?b", "b", true},
    {"a??b", "a?b", "aab", false},
    {"x{2,3}?", "x{2,3}", "xxx", true},
    {"x{2,3}?", "x{2,3}", "", false},
    {"x{2,3}?", "x{2,3}", "x", false},
    {"(d+?)", "(d+)", "", false},
    {"(d+?)", "(d+)", "ddd", true},
    {"a+?|b", "a+|b", "", false},
    {"[?]a", "[?]a", "?a", true},       /* literal '?' in a class */
    {"x\\+?", "x\\+?", "x", true},      /* \+? is an optional '+' */
    {"x\\+?", "x\\+?", "x+", true},
    {"[+?]?x", "[+?]?x", "x", true},    /* a class is not a repetition */
    {"(a+?)+", "(a+)+", "", false}, /* the lazy '?' does not make the group optional */
    {"(a+?)+", "(a+)+", "aaa", true},
    {"(?:ab)+?c", "(?:ab)+c", "c", false},
    {"(?:ab)+?c", "(?:ab)+c", "ababc", true},
};

Test(matcher, lazy_modifiers_match_as_prometheus)
{
    for (size_t i = 0; i < N(lazy); i++) {
        for (int neg = 0; neg < 2; neg++) {
            struct fl_matcher m;
            struct fl_diag d;
            fl_diag_init(&d);
            cr_assert_eq(fl_matcher_init(&m, "x", neg ? FL_MATCH_NRE : FL_MATCH_RE,
                                         lazy[i].pattern, &d),
                         FL_OK, "case %zu `%s`: %s", i, lazy[i].pattern, d.msg);
            cr_assert_str_eq(m.value, lazy[i].stored, "case %zu", i);
            cr_assert_eq(fl_matcher_match_value(&m, lazy[i].value), neg ? !lazy[i].want
                                                                      : lazy[i].want,
                         "case %zu `%s` vs \"%s\" (neg %d)", i, lazy[i].pattern, lazy[i].value,
                         neg);
            fl_matcher_cleanup(&m);
        }
    }
    /* Equality matchers keep their value verbatim. */
    struct fl_matcher m;
    cr_assert_eq(fl_matcher_init(&m, "x", FL_MATCH_EQ, ".+?", NULL), FL_OK);
    cr_assert_str_eq(m.value, ".+?");
    fl_matcher_cleanup(&m);
}
