/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prom_num.c: sample values and timestamps of the Prometheus text and OpenMetrics formats.
 *
 * Values follow Go's strconv.ParseFloat as Prometheus uses it (decimal and exponent forms, optional
 * sign, NaN / Inf / Infinity case-insensitively, overflow is an error, underflow rounds to zero),
 * minus hexadecimal floats and digit-separating underscores, which no client library emits.
 *
 * Speed matters here: an exposition is mostly numbers. fl_prom__number_fast converts, in one pass
 * over the bytes, a plain decimal of at most 19 digits whose digits read as an integer m are at
 * most 2^53 and whose power of ten (written exponent minus fraction digits) p has |p| <= 22:
 * m and 10^|p| are then exact doubles, so one IEEE multiplication or division rounds correctly
 * (Clinger's fast path: W. D. Clinger, "How to read floating point numbers accurately", PLDI
 * 1990). The sample-line parser calls it directly on the line, so a value is scanned only once.
 * Everything else (specials, longer mantissas, larger exponents, malformed text) takes
 * parse_general: the grammar check, the same fast path for up to 15 significant digits after
 * leading zeros, then strtod on a NUL-terminated copy. Either way the result is bit-identical to
 * strtod's.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "prom.h"
#include "prom_int.h"

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Case-insensitive comparison of s[0..len) with the lowercase word w. */
static int eq_word_ci(const char *s, size_t len, const char *w)
{
    size_t wl = strlen(w);
    if (len != wl)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return 0;
    }
    return 1;
}

double fl_prom__nan(void)
{
    /* Go's math.NaN(), which is what Prometheus stores for a parsed "NaN" (it differs from the
       staleness marker 0x7ff0000000000002). */
    uint64_t bits = 0x7FF8000000000001ull;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static int special_value(const char *s, size_t len, double *out)
{
    int neg = 0;
    size_t i = 0;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (eq_word_ci(s + i, len - i, "inf") || eq_word_ci(s + i, len - i, "infinity")) {
        *out = neg ? -HUGE_VAL : HUGE_VAL;
        return 1;
    }
    if (i == 0 && eq_word_ci(s, len, "nan")) {
        *out = fl_prom__nan();
        return 1;
    }
    return 0;
}

static int slow_path(const char *s, size_t len, double *out)
{
    char stackbuf[128];
    char *buf = stackbuf;
    if (len >= sizeof stackbuf) {
        buf = fl_malloc(len + 1);
        if (!buf)
            return 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    int ok = end == buf + len && !(errno == ERANGE && isinf(v));
    if (buf != stackbuf)
        fl_free(buf);
    if (ok)
        *out = v;
    return ok;
}

/* 2^53: every integer up to it is an exact double. */
#define EXACT_INT_MAX (UINT64_C(1) << 53)

const char *fl_prom__number_fast(const char *s, const char *e, double *out)
{
    const char *c = s;
    int neg = 0;
    if (c < e && (*c == '+' || *c == '-')) {
        neg = *c == '-';
        c++;
    }
    /* Up to 19 digits fit in a uint64_t; more (or a value above 2^53) go to the general path. */
    uint64_t mant = 0;
    const char *d0 = c;
    while (c < e && (unsigned)(*c - '0') < 10)
        mant = mant * 10 + (uint64_t)(*c++ - '0');
    size_t n_digits = (size_t)(c - d0);
    int exp10 = 0;
    if (c < e && *c == '.') {
        const char *f0 = ++c;
        while (c < e && (unsigned)(*c - '0') < 10)
            mant = mant * 10 + (uint64_t)(*c++ - '0');
        n_digits += (size_t)(c - f0);
        exp10 = -(int)(c - f0);
    }
    if (n_digits == 0 || n_digits > 19)
        return NULL;
    if (c < e && (*c == 'e' || *c == 'E')) {
        c++;
        int eneg = 0;
        if (c < e && (*c == '+' || *c == '-')) {
            eneg = *c == '-';
            c++;
        }
        const char *x0 = c;
        int x = 0;
        while (c < e && (unsigned)(*c - '0') < 10 && c - x0 < 4)
            x = x * 10 + (*c++ - '0');
        if (c == x0 || (c < e && (unsigned)(*c - '0') < 10))
            return NULL; /* no exponent digits, or more than 4: general path */
        exp10 += eneg ? -x : x;
    }
    if (mant == 0) {
        *out = neg ? -0.0 : 0.0;
        return c;
    }
    if (mant > EXACT_INT_MAX || exp10 < -22 || exp10 > 22)
        return NULL;
    double v = (double)mant;
    v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
    *out = neg ? -v : v;
    return c;
}

/* Every form number_fast declines: specials, long mantissas, large exponents, malformed text. */
static int parse_general(const char *s, size_t len, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (len == 0)
        return 0;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    uint64_t mant = 0;
    int sig = 0;         /* significant digits accumulated into mant */
    int dropped = 0;     /* nonzero digits beyond what mant holds */
    int exp10 = 0;
    size_t n_digits = 0; /* all digits of the mantissa */
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (mant == 0 && s[i] == '0') {
            /* leading zero: not significant */
        } else if (sig < 19) {
            mant = mant * 10 + (uint64_t)(s[i] - '0');
            sig++;
        } else {
            exp10++;
            dropped = 1;
        }
        n_digits++;
        i++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (mant == 0 && s[i] == '0') {
                exp10--;
            } else if (sig < 19) {
                mant = mant * 10 + (uint64_t)(s[i] - '0');
                sig++;
                exp10--;
            } else {
                dropped = 1;
            }
            n_digits++;
            i++;
        }
    }
    if (n_digits == 0)
        return special_value(s, len, out);
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i >= len || s[i] < '0' || s[i] > '9')
            return 0;
        int e = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        exp10 += eneg ? -e : e;
    }
    if (i != len)
        return 0;
    if (mant == 0) {
        *out = neg ? -0.0 : 0.0;
        return 1;
    }
    if (!dropped && sig <= 15 && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return 1;
    }
    return slow_path(s, len, out);
}

int fl_prom_parse_double(const char *s, size_t len, double *out)
{
    if (fl_prom__number_fast(s, s + len, out) == s + len)
        return 1;
    return parse_general(s, len, out);
}

int fl_prom__parse_i64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (len == 0)
        return 0;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return 0;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        unsigned dgt = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - dgt) / 10)
            return 0;
        v = v * 10 + dgt;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return 0;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return 0;
        *out = (int64_t)v;
    }
    return 1;
}

int fl_prom__parse_om_ts(const char *s, size_t len, int64_t *out_ms)
{
    /* Plain decimal seconds convert exactly: integer seconds * 1000 plus the first three
       fractional digits, rounded half away from zero on the fourth and later digits. */
    size_t i = 0;
    int neg = 0;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    size_t start = i;
    int exact = 1;
    uint64_t secs = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (secs > UINT64_MAX / 10 - 1)
            exact = 0;
        else
            secs = secs * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    size_t int_digits = i - start;
    uint64_t ms = 0;
    int round_up = 0;
    size_t frac_digits = 0;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (frac_digits < 3)
                ms = ms * 10 + (uint64_t)(s[i] - '0');
            else if (frac_digits == 3)
                round_up = s[i] >= '5';
            frac_digits++;
            i++;
        }
    }
    if (i == len && exact && int_digits + frac_digits > 0) {
        for (size_t k = frac_digits; k < 3; k++)
            ms *= 10;
        if (secs > (uint64_t)(INT64_MAX / 1000 - 1))
            return 0;
        uint64_t total = secs * 1000 + ms + (uint64_t)round_up;
        *out_ms = neg ? -(int64_t)total : (int64_t)total;
        return 1;
    }
    double v;
    if (!fl_prom_parse_double(s, len, &v) || !isfinite(v))
        return 0;
    double msd = round(v * 1000.0);
    if (!(msd > -9.2e18 && msd < 9.2e18))
        return 0;
    *out_ms = (int64_t)msd;
    return 1;
}
