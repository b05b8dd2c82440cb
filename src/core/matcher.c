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
 */
#include "matcher.h"

#include <regex.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

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
