/* SPDX-License-Identifier: Apache-2.0 */
/*
 * matcher.c: Prometheus label matchers over POSIX extended regular expressions.
 *
 * Prometheus compiles "=~" values as RE2 "^(?s:re)$". POSIX ERE (regcomp) agrees with RE2 on the
 * syntax people write in selectors (literals, ., |, (), [], *, +, ?, {m,n}, \ before punctuation),
 * and "." matches a newline there too. Where the two dialects read the same text differently we
 * refuse instead of guessing: Perl classes (\d \w \s ...), any other backslash-letter escape,
 * backslashes inside [...] (an escape in RE2, a literal in POSIX), and (?flags) groups. The
 * non-capturing group "(?:" is rewritten to "(": capture groups do not change whether a string
 * matches. A label that is absent matches as the empty string, as in Prometheus.
 *
 * Before translating, every regex passes three guards, so that all callers of fl_matcher_init are
 * protected, not only the selector parser:
 *  - Balanced parentheses. RE2 refuses an unbalanced ')' too; passed on, it would close our own
 *    "^(...)$" wrapping and unanchor the rest of the pattern.
 *  - Cost. glibc's regcomp expands x+ to xx* and x{m,n} to n copies of x, recursively, so stacked
 *    repetitions cost memory exponential in their length (20 stacked '+' take 700 MB); and a
 *    repetition over an operand that can match the empty string makes it take time exponential in
 *    the number of such loops ("(a*)*" written 50 times does not finish in 10 s). RE2 has neither
 *    problem. We refuse, with FL_ELIMIT, an estimated expansion over MATCHER_RE_MAX_COST nodes (a
 *    few tens of MB at most) and '*', '+' or '{m,n}' applied to something that can match empty
 *    (rewrite "(a*)+" as "a*", "(a|b?)*" as "(a|b)*").
 *  - Lazy modifiers (a '?' right after '*', '+', '?' or '{m,n}') are dropped: under full anchoring
 *    a lazy repetition matches exactly the strings the greedy one does, but POSIX reads "a+?" as
 *    "(a+)?", which also matches the empty string. The stored value is the pattern without them.
 * Guard errors carry, as the diag's column, the 1-based byte position in the caller's pattern.
 */
#include "matcher.h"

#include <regex.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

/* Estimated regcomp nodes above which a pattern is refused (see the top of the file). */
#define MATCHER_RE_MAX_COST 100000.0

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Copies made of the operand by a {m}, {m,} or {m,n} at re[*i] (on the '{'), moving *i to its '}';
 * 0 when it is not one. *min gets m.
 */
static double brace_count(const char *re, size_t *i, double *min)
{
    size_t k = *i + 1;
    double m = 0, n = -1;
    if (!is_digit(re[k]))
        return 0;
    while (is_digit(re[k]) && m < 1e9)
        m = m * 10 + (re[k++] - '0');
    if (re[k] == ',') {
        k++;
        if (is_digit(re[k])) {
            n = 0;
            while (is_digit(re[k]) && n < 1e9)
                n = n * 10 + (re[k++] - '0');
        } else {
            n = m + 1; /* {m,}: m copies and a star */
        }
    }
    if (re[k] != '}')
        return 0;
    *i = k;
    *min = m;
    return n > m ? n : m > 1 ? m : 1;
}

/* Index of the ']' closing the bracket expression opening at re[i] (or of the last byte). */
static size_t class_end(const char *re, size_t i)
{
    size_t k = i + 1;
    if (re[k] == '^')
        k++;
    if (re[k] == ']')
        k++;
    while (re[k] && re[k] != ']') {
        if (re[k] == '[' && (re[k + 1] == ':' || re[k + 1] == '.' || re[k + 1] == '=')) {
            const char *e = strstr(re + k + 2, ":]");
            k = e ? (size_t)(e - re) + 2 : k + 1;
            continue;
        }
        k++;
    }
    return re[k] ? k : k - 1;
}

/* Per nesting level of guard: sizes and whether parts can match the empty string. */
struct re_level {
    double total;  /* estimated nodes of the finished items of this group */
    double last;   /* nodes of the last item (what a repetition applies to); 0 = none */
    int last_null; /* the last item can match empty */
    int pre_null;  /* the items of this branch before the last one can all match empty */
    int any_null;  /* an earlier '|' branch can match empty */
};

static void re_item(struct re_level *l, double size, int nullable)
{
    l->pre_null = l->pre_null && l->last_null;
    l->last = size;
    l->last_null = nullable;
    l->total += size;
}

/*
 * Check a pattern (RE2 syntax) against the paren and cost guards; lazy modifiers are skipped, so
 * the verdict is the one for the pattern without them. Errors point at the offending byte.
 */
static fl_err guard(const char *re, struct fl_diag *d)
{
    enum { DEPTH = 64 };
    struct re_level lv[DEPTH];
    int depth = 0, after_rep = 0;
    memset(&lv[0], 0, sizeof lv[0]);
    lv[0].pre_null = lv[0].last_null = 1;
    for (size_t i = 0; re[i]; i++) {
        char c = re[i];
        struct re_level *l = &lv[depth];
        size_t at = i; /* where this token starts */
        double f = 0, min = 1;
        int makes_null = 0;
        if (c == '?' && after_rep) {
            after_rep = 0; /* lazy modifier: no effect under full anchoring */
            continue;
        }
        if (c == '\\' && re[i + 1]) {
            i++;
            re_item(l, 1, 0);
        } else if (c == '[') {
            i = class_end(re, i);
            re_item(l, 1, 0);
        } else if (c == '(') {
            if (depth + 1 >= DEPTH)
                return fl_diag_set(d, FL_ELIMIT, 0, at + 1,
                                   "regex too complex (groups nested more than %d deep)",
                                   DEPTH - 1);
            depth++;
            memset(&lv[depth], 0, sizeof lv[depth]);
            lv[depth].pre_null = lv[depth].last_null = 1;
        } else if (c == ')' && depth == 0) {
            return fl_diag_set(d, FL_EINVAL, 0, at + 1,
                               "regex unexpected ')' at offset %zu of \"%.64s\"", at, re);
        } else if (c == ')') {
            int null = l->any_null || (l->pre_null && l->last_null);
            double g = l->total + 1;
            depth--;
            re_item(&lv[depth], g, null);
        } else if (c == '|') {
            l->any_null |= l->pre_null && l->last_null;
            l->pre_null = l->last_null = 1;
            l->last = 0;
        } else if (c == '^' || c == '$') {
            re_item(l, 1, 1);
        } else if (c == '*' || c == '?') {
            f = 1;
            makes_null = 1;
        } else if (c == '+') {
            f = 2;
        } else if (c == '{' && (f = brace_count(re, &i, &min)) > 0) {
            makes_null = min == 0;
        } else {
            re_item(l, 1, 0);
        }
        after_rep = f > 0;
        if (f > 0 && l->last > 0) {
            if (l->last_null && c != '?')
                return fl_diag_set(d, FL_ELIMIT, 0, at + 1,
                                   "regex repeats a part that can match the empty string "
                                   "(offset %zu of the pattern); repeat something non-empty "
                                   "instead, e.g. \"(a*)+\" -> \"a*\"",
                                   at);
            double grown = l->last * f + 1;
            l->total += grown - l->last;
            l->last = grown;
            l->last_null = l->last_null || makes_null;
        }
        if (l->total > MATCHER_RE_MAX_COST)
            return fl_diag_set(d, FL_ELIMIT, 0, at + 1,
                               "regex too complex (its repetitions expand to more than %.0f "
                               "nodes)",
                               MATCHER_RE_MAX_COST);
    }
    if (depth > 0) {
        size_t at = strlen(re);
        return fl_diag_set(d, FL_EINVAL, 0, at + 1,
                           "regex missing ')' at offset %zu of \"%.64s\"", at, re);
    }
    return FL_OK;
}

/* Copy re into out without RE2's lazy modifiers (see the top of the file); NUL-terminated. */
static void strip_lazy(const char *re, struct fl_buf *out)
{
    int after_rep = 0; /* the last token was a repetition operator */
    for (size_t i = 0; re[i]; i++) {
        char c = re[i];
        double min;
        size_t k = i;
        if (c == '\\' && re[i + 1]) {
            fl_buf_append(out, re + i, 2);
            i++;
            after_rep = 0;
        } else if (c == '[') {
            k = class_end(re, i);
            fl_buf_append(out, re + i, k - i + 1);
            i = k;
            after_rep = 0;
        } else if (c == '?' && after_rep) {
            after_rep = 0; /* lazy modifier: dropped */
        } else if (c == '*' || c == '+' || c == '?') {
            fl_buf_putc(out, c);
            after_rep = 1;
        } else if (c == '{' && brace_count(re, &k, &min) > 0) {
            fl_buf_append(out, re + i, k - i + 1);
            i = k;
            after_rep = 1;
        } else {
            fl_buf_putc(out, c);
            after_rep = 0;
        }
    }
    fl_buf_putc(out, '\0');
}

/* Rewrite an RE2 pattern into an anchored ERE "^(...)$" in out, or explain why not. */
static fl_err translate(const char *re, struct fl_buf *out, struct fl_diag *d)
{
    int in_class = 0;
    fl_buf_append(out, "^(", 2);
    for (size_t i = 0; re[i]; i++) {
        char c = re[i];
        if (in_class) {
            /* "]" right after "[" or "[^" is a literal member in both dialects. */
            if (c == '\\')
                return fl_diag_set(d, FL_EINVAL, 0, 0,
                                   "regex \"%s\": a backslash inside [...] is not supported; "
                                   "write the character literally, e.g. [.-]",
                                   re);
            if (c == '[' && (re[i + 1] == ':' || re[i + 1] == '.' || re[i + 1] == '=')) {
                /* POSIX class like [:alpha:]: copy through its closing ":]". */
                char close = re[i + 1];
                const char *end = strchr(re + i + 2, close);
                while (end && end[1] != ']')
                    end = strchr(end + 1, close);
                if (!end)
                    return fl_diag_set(d, FL_EINVAL, 0, 0, "regex \"%s\": unterminated [%c class",
                                       re, close);
                size_t n = (size_t)(end + 2 - (re + i));
                fl_buf_append(out, re + i, n);
                i += n - 1;
                in_class = 2; /* a member was seen: a "]" now closes the bracket */
                continue;
            }
            if (c == ']' && in_class > 1) {
                in_class = 0;
            } else {
                in_class++;
                if (c == '^' && in_class == 2 && re[i - 1] == '[')
                    in_class = 1; /* "[^": the next "]" is still a literal */
            }
            fl_buf_putc(out, c);
            continue;
        }
        if (c == '[') {
            in_class = 1;
            fl_buf_putc(out, c);
            continue;
        }
        if (c == '\\') {
            char n = re[i + 1];
            if (n == '\0')
                return fl_diag_set(d, FL_EINVAL, 0, 0, "regex \"%s\": trailing backslash", re);
            if ((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || (n >= '0' && n <= '9'))
                return fl_diag_set(d, FL_EINVAL, 0, 0,
                                   "regex \"%s\": \\%c is RE2-only syntax that POSIX regular "
                                   "expressions do not support; use a class like [0-9] or "
                                   "[[:space:]] instead",
                                   re, n);
            fl_buf_putc(out, c);
            fl_buf_putc(out, n);
            i++;
            continue;
        }
        if (c == '(' && re[i + 1] == '?') {
            if (re[i + 2] == ':') {
                fl_buf_putc(out, '(');
                i += 2;
                continue;
            }
            return fl_diag_set(d, FL_EINVAL, 0, 0,
                               "regex \"%s\": (?...) flags and named groups are RE2-only syntax "
                               "that POSIX regular expressions do not support",
                               re);
        }
        fl_buf_putc(out, c);
    }
    if (in_class)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "regex \"%s\": missing ]", re);
    fl_buf_append(out, ")$", 2);
    if (fl_buf_err(out))
        return fl_diag_set(d, fl_buf_err(out), 0, 0, "regex \"%.64s...\": too long", re);
    return FL_OK;
}

static fl_err compile(struct fl_matcher *m, struct fl_diag *d)
{
    struct fl_buf src;
    fl_err e;
    regex_t *re = NULL;

    fl_buf_init(&src, 64 * 1024);
    if ((e = guard(m->value, d)))
        goto out;
    strip_lazy(m->value, &src);
    if (fl_buf_err(&src)) {
        e = fl_diag_set(d, fl_buf_err(&src), 0, 0, "regex \"%.64s...\": too long", m->value);
        goto out;
    }
    if (strcmp(src.data, m->value) != 0) {
        char *v = fl_strdup(src.data);
        if (!v) {
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory compiling a regex");
            goto out;
        }
        fl_free(m->value);
        m->value = v;
    }
    fl_buf_reset(&src);
    if ((e = translate(m->value, &src, d)))
        goto out;
    re = fl_malloc(sizeof *re);
    if (!re) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory compiling a regex");
        goto out;
    }
    int rc = regcomp(re, src.data, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[128];
        regerror(rc, re, why, sizeof why);
        fl_free(re);
        re = NULL;
        e = fl_diag_set(d, rc == REG_ESPACE ? FL_ENOMEM : FL_EINVAL, 0, 0,
                        "regex \"%s\": %s", m->value, why);
        goto out;
    }
    m->re = re;
out:
    fl_buf_cleanup(&src);
    return e;
}

fl_err fl_matcher_init(struct fl_matcher *m, const char *name, enum fl_match_op op,
                       const char *value, struct fl_diag *d)
{
    fl_err e;
    memset(m, 0, sizeof *m);
    if (!name || !value || (op != FL_MATCH_EQ && op != FL_MATCH_NE && op != FL_MATCH_RE &&
                            op != FL_MATCH_NRE))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "invalid label matcher");
    m->op = op;
    m->name = fl_strdup(name);
    m->value = fl_strdup(value);
    if (!m->name || !m->value) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto fail;
    }
    if (op == FL_MATCH_RE || op == FL_MATCH_NRE) {
        if ((e = compile(m, d)))
            goto fail;
    }
    return FL_OK;
fail:
    fl_matcher_cleanup(m);
    return e;
}

void fl_matcher_cleanup(struct fl_matcher *m)
{
    if (!m)
        return;
    if (m->re) {
        regfree(m->re);
        fl_free(m->re);
    }
    fl_free(m->name);
    fl_free(m->value);
    m->re = NULL;
    m->name = NULL;
    m->value = NULL;
}

bool fl_matcher_match_value(const struct fl_matcher *m, const char *value)
{
    const char *v = value ? value : "";
    switch (m->op) {
    case FL_MATCH_EQ:
        return strcmp(m->value, v) == 0;
    case FL_MATCH_NE:
        return strcmp(m->value, v) != 0;
    case FL_MATCH_RE:
        return m->re && regexec(m->re, v, 0, NULL, 0) == 0;
    case FL_MATCH_NRE:
        return m->re && regexec(m->re, v, 0, NULL, 0) != 0;
    }
    return false;
}

bool fl_matchers_match(const struct fl_matcher *ms, size_t n, const struct fl_label *labels,
                       size_t n_labels)
{
    for (size_t i = 0; i < n; i++) {
        const char *v = NULL;
        for (size_t k = 0; k < n_labels; k++) {
            if (strcmp(labels[k].name, ms[i].name) == 0) {
                v = labels[k].value;
                break;
            }
        }
        if (!fl_matcher_match_value(&ms[i], v))
            return false;
    }
    return true;
}
