/* SPDX-License-Identifier: Apache-2.0 */
/*
 * selector.c: PromQL series selector parser (see selector.h for the accepted forms).
 *
 * Follows the vector-selector part of Prometheus' PromQL grammar (promql/parser: lex.go,
 * generated_parser.y) and its string unquoting (util/strutil Unquote): a hand-written scanner over
 * a borrowed slice, one matcher at a time, each built with fl_matcher_init as soon as it is read,
 * so that regex errors point at the value that caused them. Whitespace (space, tab, CR, LF) may
 * separate any two tokens. Errors carry the line and 1-based byte column of the offending token.
 */
#include "selector.h"

#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/limits.h"

/* Longest piece of input quoted in an error message. */
#define SEL_SHOW_MAX 64

struct sel {
    const char *p;
    size_t len;
    size_t i; /* cursor */
    struct fl_diag *d;
    struct fl_matcher *ms;
    size_t n, cap;
    struct fl_buf name;  /* current label name, unescaped */
    struct fl_buf value; /* current value, unescaped */
    int have_metric;     /* a metric name was given */
    size_t metric_at;    /* where it was given */
};

/* Line and column (1-based, bytes) of offset `at`. */
static void where(const struct sel *s, size_t at, unsigned long *line, unsigned long *col)
{
    unsigned long ln = 1;
    size_t bol = 0;
    for (size_t k = 0; k < at && k < s->len; k++) {
        if (s->p[k] == '\n') {
            ln++;
            bol = k + 1;
        }
    }
    *line = ln;
    *col = (unsigned long)(at - bol) + 1;
}

static fl_err serr(struct sel *s, fl_err code, size_t at, const char *fmt, ...) FL_PRINTF(4, 5);
static fl_err serr(struct sel *s, fl_err code, size_t at, const char *fmt, ...)
{
    unsigned long line, col;
    va_list ap;
    where(s, at, &line, &col);
    va_start(ap, fmt);
    fl_diag_vset(s->d, code, line, col, fmt, ap);
    va_end(ap);
    return code;
}

/* Human rendering of the byte at s->i: "'x'", "byte 0x01" or "end of input". */
static const char *show(const struct sel *s, size_t at, char *buf, size_t cap)
{
    if (at >= s->len)
        snprintf(buf, cap, "end of input");
    else if ((unsigned char)s->p[at] >= 0x20 && (unsigned char)s->p[at] < 0x7f)
        snprintf(buf, cap, "'%c'", s->p[at]);
    else
        snprintf(buf, cap, "byte 0x%02x", (unsigned char)s->p[at]);
    return buf;
}

static void skip_ws(struct sel *s)
{
    while (s->i < s->len) {
        char c = s->p[s->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        s->i++;
    }
}

static int is_alpha_(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

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

/* Append the UTF-8 encoding of rune r (already checked valid). */
static void put_utf8(struct fl_buf *b, unsigned long r)
{
    char u[4];
    size_t n;
    if (r < 0x80) {
        u[0] = (char)r;
        n = 1;
    } else if (r < 0x800) {
        u[0] = (char)(0xC0 | (r >> 6));
        u[1] = (char)(0x80 | (r & 0x3F));
        n = 2;
    } else if (r < 0x10000) {
        u[0] = (char)(0xE0 | (r >> 12));
        u[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        u[2] = (char)(0x80 | (r & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (r >> 18));
        u[1] = (char)(0x80 | ((r >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((r >> 6) & 0x3F));
        u[3] = (char)(0x80 | (r & 0x3F));
        n = 4;
    }
    fl_buf_append(b, u, n);
}

/* One escape sequence after a backslash at s->i - 1 inside a `q`-quoted string. */
static fl_err read_escape(struct sel *s, char q, struct fl_buf *out)
{
    size_t at = s->i - 1;
    if (s->i >= s->len)
        return serr(s, FL_EPARSE, at, "unterminated string: escape at end of input");
    char c = s->p[s->i++];
    switch (c) {
    case 'a': fl_buf_putc(out, '\a'); return FL_OK;
    case 'b': fl_buf_putc(out, '\b'); return FL_OK;
    case 'f': fl_buf_putc(out, '\f'); return FL_OK;
    case 'n': fl_buf_putc(out, '\n'); return FL_OK;
    case 'r': fl_buf_putc(out, '\r'); return FL_OK;
    case 't': fl_buf_putc(out, '\t'); return FL_OK;
    case 'v': fl_buf_putc(out, '\v'); return FL_OK;
    case '\\': fl_buf_putc(out, '\\'); return FL_OK;
    case '"':
    case '\'':
        if (c != q)
            break;
        fl_buf_putc(out, c);
        return FL_OK;
    case 'x':
    case 'u':
    case 'U': {
        int nd = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        unsigned long r = 0;
        for (int k = 0; k < nd; k++) {
            int h = s->i < s->len ? hexval(s->p[s->i]) : -1;
            if (h < 0)
                return serr(s, FL_EPARSE, at, "invalid escape \\%c: expected %d hex digits", c,
                            nd);
            r = r * 16 + (unsigned long)h;
            s->i++;
        }
        if (c == 'x') {
            if (r == 0)
                return serr(s, FL_EPARSE, at, "NUL bytes are not allowed in strings");
            fl_buf_putc(out, (char)r);
        } else {
            if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
                return serr(s, FL_EPARSE, at, "invalid escape \\%c: not a Unicode code point", c);
            if (r == 0)
                return serr(s, FL_EPARSE, at, "NUL bytes are not allowed in strings");
            put_utf8(out, r);
        }
        return FL_OK;
    }
    default:
        if (c >= '0' && c <= '7') {
            unsigned r = (unsigned)(c - '0');
            for (int k = 0; k < 2; k++) {
                if (s->i >= s->len || s->p[s->i] < '0' || s->p[s->i] > '7')
                    return serr(s, FL_EPARSE, at, "invalid escape: expected 3 octal digits");
                r = r * 8 + (unsigned)(s->p[s->i++] - '0');
            }
            if (r > 255)
                return serr(s, FL_EPARSE, at, "invalid escape: octal value over 255");
            if (r == 0)
                return serr(s, FL_EPARSE, at, "NUL bytes are not allowed in strings");
            fl_buf_putc(out, (char)r);
            return FL_OK;
        }
        break;
    }
    char buf[32];
    return serr(s, FL_EPARSE, at, "unknown escape sequence \\%s in string",
                (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f
                    ? (snprintf(buf, sizeof buf, "%c", c), buf)
                    : (snprintf(buf, sizeof buf, "x%02x", (unsigned char)c), buf));
}

/* A quoted string at s->i ('"', '\'' or '`'), unescaped into out (reset first, NUL-terminated). */
static fl_err read_string(struct sel *s, struct fl_buf *out, size_t cap, const char *what)
{
    size_t start = s->i;
    char q = s->p[s->i++];
    fl_buf_reset(out);
    for (;;) {
        if (s->i >= s->len)
            return serr(s, FL_EPARSE, start, "unterminated %s string", what);
        char c = s->p[s->i];
        if (c == q) {
            s->i++;
            break;
        }
        if (c == '\0')
            return serr(s, FL_EPARSE, s->i, "NUL bytes are not allowed in strings");
        if (q != '`' && c == '\n')
            return serr(s, FL_EPARSE, s->i, "unterminated %s string: newline inside quotes",
                        what);
        s->i++;
        if (q != '`' && c == '\\') {
            fl_err e = read_escape(s, q, out);
            if (e)
                return e;
        } else {
            fl_buf_putc(out, c);
        }
        if (out->len > cap)
            return serr(s, FL_ELIMIT, start, "%s longer than %zu bytes", what, cap);
    }
    fl_buf_putc(out, '\0'); /* make sure data is non-NULL */
    out->len--;
    if (fl_buf_err(out))
        return serr(s, fl_buf_err(out), start, "cannot hold %s", what);
    return FL_OK;
}

/* A bare identifier at s->i into out: metric names allow ':' (colons = 1). */
static size_t read_ident(struct sel *s, struct fl_buf *out, int colons)
{
    size_t start = s->i;
    while (s->i < s->len) {
        char c = s->p[s->i];
        if (!(is_alpha_(c) || (s->i > start && is_digit(c)) || (colons && c == ':')))
            break;
        s->i++;
    }
    fl_buf_reset(out);
    fl_buf_append(out, s->p + start, s->i - start);
    fl_buf_putc(out, '\0');
    out->len--;
    return s->i - start;
}

static fl_err add_matcher(struct sel *s, const char *name, enum fl_match_op op, const char *value,
                          size_t at)
{
    if (s->n >= FL_LIMIT_LABELS_PER_SERIES)
        return serr(s, FL_ELIMIT, at, "more than %d matchers in one selector",
                    FL_LIMIT_LABELS_PER_SERIES);
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 4;
        struct fl_matcher *nm = fl_reallocarray(s->ms, nc, sizeof *nm);
        if (!nm)
            return serr(s, FL_ENOMEM, at, "out of memory");
        s->ms = nm;
        s->cap = nc;
    }
    /* fl_matcher_init guards regexes (cost, parentheses, lazy modifiers; see matcher.c) and puts
       the offending byte's 1-based position within the regex in md.column. The error is reported
       at the string's column, as for every value error, with that offset in the message. */
    struct fl_diag md;
    fl_diag_init(&md);
    fl_err e = fl_matcher_init(&s->ms[s->n], name, op, value, &md);
    if (e) {
        if (e == FL_ENOMEM)
            return serr(s, e, at, "out of memory");
        return serr(s, e == FL_ELIMIT ? FL_ELIMIT : FL_EPARSE, at, "label \"%.*s\": %s",
                    SEL_SHOW_MAX, name, md.msg[0] ? md.msg : fl_err_str(e));
    }
    s->n++;
    return FL_OK;
}

/* Record the metric name (from outside the braces or a lone quoted string inside). */
static fl_err set_metric(struct sel *s, const char *name, size_t at)
{
    if (s->have_metric)
        return serr(s, FL_EPARSE, at, "metric name must not be set twice");
    if (!name[0])
        return serr(s, FL_EPARSE, at, "metric name must not be empty");
    s->have_metric = 1;
    s->metric_at = at;
    /* The name matcher goes first: callers use ms[0] as a fast path to the series' name. */
    fl_err e = add_matcher(s, "__name__", FL_MATCH_EQ, name, at);
    if (e || s->n == 1)
        return e;
    struct fl_matcher m = s->ms[s->n - 1];
    memmove(s->ms + 1, s->ms, (s->n - 1) * sizeof *s->ms);
    s->ms[0] = m;
    return FL_OK;
}

/* Operator at s->i; 0 when there is none. */
static int read_op(struct sel *s, enum fl_match_op *op)
{
    if (s->i >= s->len)
        return 0;
    char c = s->p[s->i], n = s->i + 1 < s->len ? s->p[s->i + 1] : '\0';
    if (c == '=' && n == '~') {
        *op = FL_MATCH_RE;
        s->i += 2;
    } else if (c == '=') {
        *op = FL_MATCH_EQ;
        s->i += 1;
    } else if (c == '!' && n == '=') {
        *op = FL_MATCH_NE;
        s->i += 2;
    } else if (c == '!' && n == '~') {
        *op = FL_MATCH_NRE;
        s->i += 2;
    } else {
        return 0;
    }
    return 1;
}

static int is_quote(char c)
{
    return c == '"' || c == '\'' || c == '`';
}

/* One element inside the braces: `name op "value"` or a lone quoted metric name. */
static fl_err read_matcher(struct sel *s)
{
    char cb[32];
    size_t at = s->i;
    int quoted = is_quote(s->p[s->i]);
    fl_err e;
    if (quoted) {
        if ((e = read_string(s, &s->name, FL_LIMIT_NAME_BYTES, "label name")) != FL_OK)
            return e;
    } else if (is_alpha_(s->p[s->i])) {
        if (read_ident(s, &s->name, 0) > FL_LIMIT_NAME_BYTES)
            return serr(s, FL_ELIMIT, at, "label name longer than %d bytes", FL_LIMIT_NAME_BYTES);
        if (s->i < s->len && s->p[s->i] == ':')
            return serr(s, FL_EPARSE, s->i,
                        "':' is not allowed in label name \"%.*s\"; quote the name",
                        SEL_SHOW_MAX, s->name.data);
    } else {
        return serr(s, FL_EPARSE, at, "expected label name or '}', got %s",
                    show(s, at, cb, sizeof cb));
    }
    skip_ws(s);
    enum fl_match_op op;
    size_t op_at = s->i;
    if (!read_op(s, &op)) {
        if (quoted && (s->i >= s->len || s->p[s->i] == ',' || s->p[s->i] == '}'))
            return set_metric(s, s->name.data, at);
        return serr(s, FL_EPARSE, op_at,
                    "expected '=', '!=', '=~' or '!~' after label name \"%.*s\", got %s",
                    SEL_SHOW_MAX, s->name.data, show(s, op_at, cb, sizeof cb));
    }
    if (!s->name.len)
        return serr(s, FL_EPARSE, at, "label name must not be empty");
    skip_ws(s);
    size_t v_at = s->i;
    if (s->i >= s->len || !is_quote(s->p[s->i]))
        return serr(s, FL_EPARSE, v_at, "expected quoted label value for \"%.*s\", got %s",
                    SEL_SHOW_MAX, s->name.data, show(s, v_at, cb, sizeof cb));
    if ((e = read_string(s, &s->value, FL_LIMIT_VALUE_BYTES, "label value")) != FL_OK)
        return e;
    if (strcmp(s->name.data, "__name__") == 0 && op == FL_MATCH_EQ) {
        if (s->have_metric)
            return serr(s, FL_EPARSE, at, "metric name must not be set twice");
        s->have_metric = 1;
        s->metric_at = at;
    }
    return add_matcher(s, s->name.data, op, s->value.data, v_at);
}

static fl_err read_braces(struct sel *s)
{
    char cb[32];
    s->i++; /* '{' */
    for (;;) {
        skip_ws(s);
        if (s->i >= s->len)
            return serr(s, FL_EPARSE, s->i, "unexpected end of input: missing '}'");
        if (s->p[s->i] == '}') {
            s->i++;
            return FL_OK;
        }
        fl_err e = read_matcher(s);
        if (e)
            return e;
        skip_ws(s);
        if (s->i < s->len && s->p[s->i] == ',') {
            s->i++;
            continue;
        }
        if (s->i < s->len && s->p[s->i] == '}')
            continue;
        if (s->i >= s->len)
            return serr(s, FL_EPARSE, s->i, "unexpected end of input: missing '}'");
        return serr(s, FL_EPARSE, s->i, "expected ',' or '}' after matcher, got %s",
                    show(s, s->i, cb, sizeof cb));
    }
}

static fl_err parse(struct sel *s)
{
    char cb[32];
    fl_err e;
    skip_ws(s);
    size_t start = s->i;
    if (s->i >= s->len)
        return serr(s, FL_EPARSE, s->i, "empty selector");
    if (is_alpha_(s->p[s->i]) || s->p[s->i] == ':') {
        if (read_ident(s, &s->name, 1) > FL_LIMIT_NAME_BYTES)
            return serr(s, FL_ELIMIT, start, "metric name longer than %d bytes",
                        FL_LIMIT_NAME_BYTES);
        if (fl_buf_err(&s->name))
            return serr(s, fl_buf_err(&s->name), start, "cannot hold metric name");
        if ((e = set_metric(s, s->name.data, start)) != FL_OK)
            return e;
        skip_ws(s);
    } else if (s->p[s->i] != '{') {
        return serr(s, FL_EPARSE, s->i, "expected metric name or '{', got %s",
                    show(s, s->i, cb, sizeof cb));
    }
    if (s->i < s->len && s->p[s->i] == '{') {
        if ((e = read_braces(s)) != FL_OK)
            return e;
        skip_ws(s);
    }
    if (s->i < s->len) {
        if (s->p[s->i] == '[')
            return serr(s, FL_EPARSE, s->i,
                        "a range ('[...]') is not allowed in a series selector");
        if (s->p[s->i] == '{')
            return serr(s, FL_EPARSE, s->i, "a selector has at most one '{...}' block");
        return serr(s, FL_EPARSE, s->i, "unexpected %s after selector",
                    show(s, s->i, cb, sizeof cb));
    }
    /* Prometheus refuses selectors that would match every series. */
    for (size_t k = 0; k < s->n; k++)
        if (!fl_matcher_match_value(&s->ms[k], ""))
            return FL_OK;
    return serr(s, FL_EPARSE, start,
                "vector selector must contain at least one non-empty matcher");
}

fl_err fl_selector_parse(const char *p, size_t len, struct fl_matcher **out, size_t *n_out,
                         struct fl_diag *d)
{
    struct sel s;
    memset(&s, 0, sizeof s);
    s.p = p ? p : "";
    s.len = p ? len : 0;
    s.d = d;
    fl_buf_init(&s.name, FL_LIMIT_NAME_BYTES + 8);
    fl_buf_init(&s.value, FL_LIMIT_VALUE_BYTES + 8);
    *out = NULL;
    *n_out = 0;
    fl_err e = parse(&s);
    fl_buf_cleanup(&s.name);
    fl_buf_cleanup(&s.value);
    if (e) {
        fl_selector_free(s.ms, s.n);
        return e;
    }
    *out = s.ms;
    *n_out = s.n;
    return FL_OK;
}

void fl_selector_free(struct fl_matcher *ms, size_t n)
{
    if (!ms)
        return;
    for (size_t k = 0; k < n; k++)
        fl_matcher_cleanup(&ms[k]);
    fl_free(ms);
}
