/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_expr.c: the first metric selector of an alerting rule's PromQL, and that PromQL from
 * Prometheus' graph URL (generatorURL). The rule and its limits are in alert_expr.h and
 * docs/ALERTING.md "Investigations from alerts"; the token shapes follow Prometheus'
 * promql/parser/lex.go (identifiers [a-zA-Z_:][a-zA-Z0-9_:]*, strings in ' " or `, numbers and
 * durations starting with a digit or '.', keywords case-insensitive).
 */
#include "alert_expr.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* ---- generatorURL ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

fl_err fl_alert_url_expr(const char *url, size_t len, struct fl_buf *out, struct fl_diag *d)
{
    static const char key[] = "g0.expr=";
    fl_buf_reset(out);
    if (!url)
        len = 0;
    if (len > FL_ALERT_EXPR_MAX_BYTES)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "generatorURL longer than %zu bytes",
                           FL_ALERT_EXPR_MAX_BYTES);
    if (!len)
        return fl_diag_set(d, FL_ENOTFOUND, 0, 0, "generatorURL is empty");
    const char *hash = memchr(url, '#', len);
    const char *end = hash ? hash : url + len;
    const char *q = memchr(url, '?', (size_t)(end - url));
    if (!q)
        return fl_diag_set(d, FL_ENOTFOUND, 0, 0, "generatorURL has no query");
    const char *p = q + 1;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        if ((size_t)(pe - p) >= sizeof key - 1 && !memcmp(p, key, sizeof key - 1)) {
            for (const char *v = p + sizeof key - 1; v < pe; v++) {
                if (*v == '+') {
                    fl_buf_putc(out, ' ');
                } else if (*v != '%') {
                    fl_buf_putc(out, *v);
                } else if (pe - v < 3 || hexval(v[1]) < 0 || hexval(v[2]) < 0) {
                    return fl_diag_set(d, FL_EPARSE, 0, (unsigned long)(v - url) + 1,
                                       "generatorURL: bad %% escape in g0.expr");
                } else {
                    fl_buf_putc(out, (char)(hexval(v[1]) * 16 + hexval(v[2])));
                    v += 2;
                }
            }
            if (fl_buf_err(out) != FL_OK)
                return fl_diag_set(d, fl_buf_err(out), 0, 0, "g0.expr does not fit");
            return FL_OK;
        }
        p = pe + 1;
    }
    return fl_diag_set(d, FL_ENOTFOUND, 0, 0, "generatorURL has no g0.expr parameter");
}

/* ---- the scanner ---- */

struct scan {
    const char *p;
    size_t len, pos;
    struct fl_diag *d;
};

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void skip_space(struct scan *s)
{
    for (;;) {
        while (s->pos < s->len && is_space(s->p[s->pos]))
            s->pos++;
        if (s->pos < s->len && s->p[s->pos] == '#') { /* a comment, to the end of the line */
            while (s->pos < s->len && s->p[s->pos] != '\n')
                s->pos++;
            continue;
        }
        return;
    }
}

/* At a quote: skip the string literal (backslash escapes except in raw `...` strings). */
static fl_err skip_string(struct scan *s)
{
    char q = s->p[s->pos];
    size_t start = s->pos++;
    while (s->pos < s->len) {
        char c = s->p[s->pos++];
        if (c == '\\' && q != '`' && s->pos < s->len)
            s->pos++;
        else if (c == q)
            return FL_OK;
    }
    return fl_diag_set(s->d, FL_EPARSE, 0, (unsigned long)start + 1,
                       "expression: string at offset %zu does not end", start);
}

/* At an opening bracket: skip to its closing one, over strings (no nesting of the same kind in
 * PromQL's [...], label lists and {...}). */
static fl_err skip_group(struct scan *s, char close)
{
    size_t start = s->pos++;
    while (s->pos < s->len) {
        char c = s->p[s->pos];
        if (c == '"' || c == '\'' || c == '`') {
            fl_err e = skip_string(s);
            if (e)
                return e;
            continue;
        }
        s->pos++;
        if (c == close)
            return FL_OK;
    }
    return fl_diag_set(s->d, FL_EPARSE, 0, (unsigned long)start + 1,
                       "expression: '%c' at offset %zu is not closed", s->p[start], start);
}

/* Keywords that are never a metric name. Those marked with a label list take "(...)" next. */
static const struct {
    const char *word;
    bool label_list;
} keywords[] = {
    {"by", true},        {"without", true}, {"on", true},       {"ignoring", true},
    {"group_left", true}, {"group_right", true}, {"sum", false},  {"min", false},
    {"max", false},      {"avg", false},    {"group", false},   {"stddev", false},
    {"stdvar", false},   {"count", false},  {"count_values", false}, {"bottomk", false},
    {"topk", false},     {"quantile", false}, {"limitk", false}, {"limit_ratio", false},
    {"and", false},      {"or", false},     {"unless", false},  {"atan2", false},
    {"offset", false},   {"bool", false},   {"inf", false},     {"nan", false},
};

/* -1: not a keyword; else its index. */
static int keyword(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strlen(keywords[i].word) == n && !strncasecmp(keywords[i].word, p, n))
            return (int)i;
    return -1;
}

/* Copy name (may be empty) and the {...} at s->pos (if brace) into out. */
static fl_err emit(struct scan *s, const char *name, size_t n, bool brace, struct fl_buf *out)
{
    fl_buf_append(out, name, n);
    if (brace) {
        size_t start = s->pos;
        fl_err e = skip_group(s, '}');
        if (e)
            return e;
        fl_buf_append(out, s->p + start, s->pos - start);
    }
    if (fl_buf_err(out) != FL_OK)
        return fl_diag_set(s->d, fl_buf_err(out), 0, 0, "selector does not fit");
    return FL_OK;
}

/* At an identifier: FL_OK with *found when it is the metric, else skip what belongs to it. */
static fl_err ident(struct scan *s, struct fl_buf *out, bool *found)
{
    size_t start = s->pos;
    while (s->pos < s->len && is_ident_char(s->p[s->pos]))
        s->pos++;
    size_t n = s->pos - start;
    int kw = keyword(s->p + start, n);
    skip_space(s);
    char next = s->pos < s->len ? s->p[s->pos] : '\0';
    if (kw >= 0) {
        if (keywords[kw].label_list && next == '(')
            return skip_group(s, ')');
        return FL_OK;
    }
    if (next == '(') /* a function call: its arguments are scanned as the loop goes on */
        return FL_OK;
    *found = true;
    return emit(s, s->p + start, n, next == '{', out);
}

fl_err fl_alert_expr_selector(const char *expr, size_t len, struct fl_buf *out, struct fl_diag *d)
{
    fl_buf_reset(out);
    if (len > FL_ALERT_EXPR_MAX_BYTES)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "expression longer than %zu bytes",
                           FL_ALERT_EXPR_MAX_BYTES);
    struct scan s = {.p = expr, .len = expr ? len : 0, .pos = 0, .d = d};
    bool found = false;
    fl_err e = FL_OK;
    while (e == FL_OK && !found) {
        skip_space(&s);
        if (s.pos >= s.len)
            break;
        char c = s.p[s.pos];
        if (c == '"' || c == '\'' || c == '`') {
            e = skip_string(&s);
        } else if (c == '[') {
            e = skip_group(&s, ']');
        } else if (c == '{') {
            found = true;
            e = emit(&s, "", 0, true, out);
        } else if (is_ident_start(c)) {
            e = ident(&s, out, &found);
        } else if ((c >= '0' && c <= '9') || c == '.') {
            /* a number or a duration: 0x1f, 1.5e+3, 5m30s, .5 */
            while (s.pos < s.len) {
                char k = s.p[s.pos];
                bool exp_sign = (k == '+' || k == '-') &&
                                (s.p[s.pos - 1] == 'e' || s.p[s.pos - 1] == 'E');
                if (!(is_ident_char(k) || k == '.' || exp_sign))
                    break;
                s.pos++;
            }
        } else {
            s.pos++; /* operators, parentheses, commas, @ */
        }
    }
    if (e != FL_OK) {
        fl_buf_reset(out);
        return e;
    }
    if (!found)
        return fl_diag_set(d, FL_ENOTFOUND, 0, 0, "the expression names no series");
    return FL_OK;
}
