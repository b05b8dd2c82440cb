/* SPDX-License-Identifier: Apache-2.0 */
/*
 * str.c: borrowed slices, strict whole-slice numeric parsing, FNV-1a hashing and round-trip double
 * formatting.
 *
 * fl_str_to_double follows Go's strconv.ParseFloat (what Prometheus uses for sample values):
 * decimal and hex-float forms, "NaN", "Inf", "+Inf", "-Inf", "Infinity" in any case, and a range
 * error (false) when the value overflows; underflow to zero or a subnormal is accepted. Parsing is
 * delegated to strtod after the grammar is validated here, because strtod alone would accept
 * leading spaces, "nan(...)" and other forms that Go rejects.
 */
#include "str.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

struct fl_str fl_str_c(const char *s)
{
    struct fl_str r = {"", 0};
    if (s) {
        r.p = s;
        r.len = strlen(s);
    }
    return r;
}

bool fl_str_eq(struct fl_str a, struct fl_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool fl_str_eq_c(struct fl_str a, const char *s)
{
    return fl_str_eq(a, fl_str_c(s));
}

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

bool fl_str_eq_ci_c(struct fl_str a, const char *s)
{
    struct fl_str b = fl_str_c(s);
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++)
        if (ascii_lower((unsigned char)a.p[i]) != ascii_lower((unsigned char)b.p[i]))
            return false;
    return true;
}

bool fl_str_has_prefix(struct fl_str a, const char *prefix)
{
    size_t n = prefix ? strlen(prefix) : 0;
    return n <= a.len && (n == 0 || memcmp(a.p, prefix, n) == 0);
}

bool fl_str_has_suffix(struct fl_str a, const char *suffix)
{
    size_t n = suffix ? strlen(suffix) : 0;
    return n <= a.len && (n == 0 || memcmp(a.p + a.len - n, suffix, n) == 0);
}

int fl_str_cmp(struct fl_str a, struct fl_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    if (a.len == b.len)
        return 0;
    return a.len < b.len ? -1 : 1;
}

static bool is_trim_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct fl_str fl_str_trim(struct fl_str a)
{
    while (a.len > 0 && is_trim_space(a.p[0])) {
        a.p++;
        a.len--;
    }
    while (a.len > 0 && is_trim_space(a.p[a.len - 1]))
        a.len--;
    return a;
}

bool fl_str_cut(struct fl_str a, char c, struct fl_str *head, struct fl_str *tail)
{
    const char *hit = a.len ? memchr(a.p, c, a.len) : NULL;
    if (!hit) {
        if (head)
            *head = a;
        if (tail)
            *tail = (struct fl_str){a.p + a.len, 0};
        return false;
    }
    size_t at = (size_t)(hit - a.p);
    if (head)
        *head = (struct fl_str){a.p, at};
    if (tail)
        *tail = (struct fl_str){hit + 1, a.len - at - 1};
    return true;
}

/* Digits only, no sign; false on empty, junk or overflow past max. */
static bool parse_digits(const char *p, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)((unsigned char)p[i] - '0');
        if (d > 9)
            return false;
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool fl_str_to_i64(struct fl_str a, int64_t *out)
{
    bool neg = false;
    uint64_t v;
    if (a.len > 0 && (a.p[0] == '-' || a.p[0] == '+')) {
        neg = a.p[0] == '-';
        a.p++;
        a.len--;
    }
    if (!parse_digits(a.p, a.len, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v))
        return false;
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return true;
}

bool fl_str_to_u64(struct fl_str a, uint64_t *out)
{
    if (a.len > 0 && a.p[0] == '+') {
        a.p++;
        a.len--;
    }
    return parse_digits(a.p, a.len, UINT64_MAX, out);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_xdigit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* "inf", "infinity", "nan" (case-insensitive) after an optional sign; Go's special(). */
static bool parse_special(struct fl_str a, double *out)
{
    int sign = 1;
    bool had_sign = false;
    if (a.len > 0 && (a.p[0] == '+' || a.p[0] == '-')) {
        sign = a.p[0] == '-' ? -1 : 1;
        had_sign = true;
        a.p++;
        a.len--;
    }
    if (fl_str_eq_ci_c(a, "inf") || fl_str_eq_ci_c(a, "infinity")) {
        *out = sign * HUGE_VAL;
        return true;
    }
    if (!had_sign && fl_str_eq_ci_c(a, "nan")) {
        *out = NAN;
        return true;
    }
    return false;
}

/* Validate the decimal or hex-float grammar of the whole slice. */
static bool valid_float_syntax(struct fl_str a)
{
    size_t i = 0, nd = 0;
    const char *p = a.p;
    if (i < a.len && (p[i] == '+' || p[i] == '-'))
        i++;
    if (i + 1 < a.len && p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X')) {
        i += 2;
        while (i < a.len && is_xdigit(p[i]))
            i++, nd++;
        if (i < a.len && p[i] == '.') {
            i++;
            while (i < a.len && is_xdigit(p[i]))
                i++, nd++;
        }
        if (nd == 0 || i >= a.len || (p[i] != 'p' && p[i] != 'P'))
            return false; /* Go requires the p exponent for hex floats */
    } else {
        while (i < a.len && is_digit(p[i]))
            i++, nd++;
        if (i < a.len && p[i] == '.') {
            i++;
            while (i < a.len && is_digit(p[i]))
                i++, nd++;
        }
        if (nd == 0)
            return false;
        if (i == a.len)
            return true;
        if (p[i] != 'e' && p[i] != 'E')
            return false;
    }
    i++; /* the e/E/p/P */
    if (i < a.len && (p[i] == '+' || p[i] == '-'))
        i++;
    nd = 0;
    while (i < a.len && is_digit(p[i]))
        i++, nd++;
    return nd > 0 && i == a.len;
}

bool fl_str_to_double(struct fl_str a, double *out)
{
    char stack[128];
    char *tmp = stack;
    double v;
    bool ok = false;

    if (a.len == 0)
        return false;
    if (parse_special(a, out))
        return true;
    if (!valid_float_syntax(a))
        return false;
    if (a.len >= sizeof stack) {
        tmp = fl_malloc(a.len + 1);
        if (!tmp)
            return false;
    }
    memcpy(tmp, a.p, a.len);
    tmp[a.len] = '\0';
    errno = 0;
    char *end = NULL;
    v = strtod(tmp, &end);
    if (end == tmp + a.len && !(errno == ERANGE && isinf(v))) {
        *out = v;
        ok = true;
    }
    if (tmp != stack)
        fl_free(tmp);
    return ok;
}

uint64_t fl_hash_bytes(const void *p, size_t len, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = 14695981039346656037ULL ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

size_t fl_fmt_double(double v, char *out, size_t cap)
{
    char tmp[40];
    int n = 0;
    if (isnan(v)) {
        n = snprintf(tmp, sizeof tmp, "NaN");
    } else if (isinf(v)) {
        n = snprintf(tmp, sizeof tmp, "%s", v > 0 ? "+Inf" : "-Inf");
    } else {
        /* Shortest of 15, 16, 17 significant digits that reads back to the same bits. */
        for (int prec = 15; prec <= 17; prec++) {
            n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
            if (prec == 17 || strtod(tmp, NULL) == v)
                break;
        }
    }
    if (n < 0)
        n = 0;
    if (cap > 0) {
        size_t c = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
        memcpy(out, tmp, c);
        out[c] = '\0';
    }
    return (size_t)n;
}
