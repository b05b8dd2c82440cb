/* SPDX-License-Identifier: Apache-2.0 */
/*
 * time.c: clocks, RFC 3339 parsing and formatting, Prometheus API times and durations.
 *
 * RFC 3339 section 5.6 (date-time), with 'T', 't' or a space between date and time as its note
 * allows, any number of fraction digits (beyond nanoseconds they are truncated), and "Z" or a
 * numeric offset. Durations follow Prometheus' model.ParseDuration: units y w d h m s ms, each at
 * most once and largest first, "1y" = 365d, and "0" alone. Calendar arithmetic uses the
 * days-from-civil algorithm (H. Hinnant), valid for the proleptic Gregorian calendar.
 */
#include "time.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t fl_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t fl_time_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t fl_time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* Exactly n digits at s.p[*i]; advances *i. */
static bool take_digits(struct fl_str s, size_t *i, size_t n, unsigned *out)
{
    unsigned v = 0;
    if (s.len - *i < n)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = s.p[*i + k];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (unsigned)(c - '0');
    }
    *i += n;
    *out = v;
    return true;
}

static bool take_char(struct fl_str s, size_t *i, char c)
{
    if (*i < s.len && s.p[*i] == c) {
        (*i)++;
        return true;
    }
    return false;
}

fl_err fl_time_parse_rfc3339(struct fl_str s, int64_t *ts_ns, struct fl_diag *d)
{
    size_t i = 0;
    unsigned year, mon, day, hh, mm, ss, oh = 0, om = 0;
    int64_t frac_ns = 0;
    int off_sign = 0;

    if (!take_digits(s, &i, 4, &year) || !take_char(s, &i, '-') || !take_digits(s, &i, 2, &mon) ||
        !take_char(s, &i, '-') || !take_digits(s, &i, 2, &day))
        goto bad;
    if (i >= s.len || (s.p[i] != 'T' && s.p[i] != 't' && s.p[i] != ' '))
        goto bad;
    i++;
    if (!take_digits(s, &i, 2, &hh) || !take_char(s, &i, ':') || !take_digits(s, &i, 2, &mm) ||
        !take_char(s, &i, ':') || !take_digits(s, &i, 2, &ss))
        goto bad;
    if (take_char(s, &i, '.')) {
        size_t nd = 0;
        while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9') {
            if (nd < 9)
                frac_ns = frac_ns * 10 + (s.p[i] - '0');
            nd++;
            i++;
        }
        if (nd == 0)
            goto bad;
        for (size_t k = nd; k < 9; k++)
            frac_ns *= 10;
    }
    if (i < s.len && (s.p[i] == 'Z' || s.p[i] == 'z')) {
        i++;
    } else if (i < s.len && (s.p[i] == '+' || s.p[i] == '-')) {
        off_sign = s.p[i] == '-' ? -1 : 1;
        i++;
        if (!take_digits(s, &i, 2, &oh) || !take_char(s, &i, ':') || !take_digits(s, &i, 2, &om))
            goto bad;
    } else {
        goto bad;
    }
    if (i != s.len)
        goto bad;
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hh > 23 || mm > 59 ||
        ss > 59 || oh > 23 || om > 59)
        return fl_diag_set(d, FL_EPARSE, 0, 0, "time \"%.*s\" has a field out of range",
                           (int)(s.len > 64 ? 64 : s.len), s.p);
    int64_t secs = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
    secs -= off_sign * (int64_t)(oh * 3600 + om * 60);
    /* int64 nanoseconds span 1677-09-21 .. 2262-04-11. */
    if (secs > INT64_MAX / 1000000000 || secs < INT64_MIN / 1000000000 ||
        (secs == INT64_MAX / 1000000000 && frac_ns > INT64_MAX % 1000000000))
        return fl_diag_set(d, FL_EPARSE, 0, 0,
                           "time \"%.*s\" is outside the representable range (1678..2262)",
                           (int)(s.len > 64 ? 64 : s.len), s.p);
    *ts_ns = secs * 1000000000 + frac_ns;
    return FL_OK;
bad:
    return fl_diag_set(d, FL_EPARSE, 0, 0,
                       "expected an RFC 3339 time like 2026-11-25T14:05:00Z, got \"%.*s\"",
                       (int)(s.len > 64 ? 64 : s.len), s.p);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static bool looks_rfc3339(struct fl_str s)
{
    return s.len >= 10 && s.p[4] == '-' && s.p[0] >= '0' && s.p[0] <= '9';
}

fl_err fl_time_parse_any(struct fl_str s, int64_t now_ms, int64_t *ts_ms, struct fl_diag *d)
{
    s = fl_str_trim(s);
    if (fl_str_has_prefix(s, "now")) {
        struct fl_str rest = {s.p + 3, s.len - 3};
        int64_t dur = 0;
        if (rest.len == 0) {
            *ts_ms = now_ms;
            return FL_OK;
        }
        if (rest.p[0] != '-' && rest.p[0] != '+')
            goto bad;
        struct fl_str ds = {rest.p + 1, rest.len - 1};
        if (fl_duration_parse(ds, &dur, NULL) != FL_OK)
            goto bad;
        if (rest.p[0] == '-')
            dur = -dur;
        if ((dur > 0 && now_ms > INT64_MAX - dur) || (dur < 0 && now_ms < INT64_MIN - dur))
            goto bad;
        *ts_ms = now_ms + dur;
        return FL_OK;
    }
    if (looks_rfc3339(s)) {
        int64_t ns;
        fl_err e = fl_time_parse_rfc3339(s, &ns, d);
        if (e)
            return e;
        *ts_ms = floor_div(ns, 1000000);
        return FL_OK;
    }
    double secs;
    if (fl_str_to_double(s, &secs) && isfinite(secs)) {
        double ms = round(secs * 1000.0);
        /* 9.2e15 ms is year ~292000; beyond that int64 arithmetic downstream is unsafe. */
        if (ms > 9.2e15 || ms < -9.2e15)
            return fl_diag_set(d, FL_EPARSE, 0, 0, "time %.*s is out of range",
                               (int)(s.len > 64 ? 64 : s.len), s.p);
        *ts_ms = (int64_t)ms;
        return FL_OK;
    }
bad:
    return fl_diag_set(d, FL_EPARSE, 0, 0,
                       "expected a time as RFC 3339, unix seconds or now-<duration>, got \"%.*s\"",
                       (int)(s.len > 64 ? 64 : s.len), s.p);
}

static const struct {
    const char *unit;
    int64_t ms;
} dur_units[] = {
    {"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000}, {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},            {"m", 60LL * 1000},            {"s", 1000},
    {"ms", 1},
};
#define N_DUR_UNITS (sizeof dur_units / sizeof dur_units[0])

fl_err fl_duration_parse(struct fl_str s, int64_t *ms, struct fl_diag *d)
{
    size_t i = 0, next_unit = 0;
    int64_t total = 0;

    if (fl_str_eq_c(s, "0")) {
        *ms = 0;
        return FL_OK;
    }
    if (s.len == 0)
        goto bad;
    while (i < s.len) {
        int64_t v = 0;
        size_t start = i;
        while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                goto range;
            v = v * 10 + (s.p[i] - '0');
            i++;
        }
        if (i == start || i == s.len)
            goto bad;
        /* The unit: "ms" must be tried before "m". */
        size_t ulen = (s.p[i] == 'm' && i + 1 < s.len && s.p[i + 1] == 's') ? 2 : 1;
        size_t u;
        for (u = next_unit; u < N_DUR_UNITS; u++)
            if (strlen(dur_units[u].unit) == ulen && memcmp(dur_units[u].unit, s.p + i, ulen) == 0)
                break;
        if (u == N_DUR_UNITS)
            goto bad;
        i += ulen;
        next_unit = u + 1;
        if (v > INT64_MAX / dur_units[u].ms || total > INT64_MAX - v * dur_units[u].ms)
            goto range;
        total += v * dur_units[u].ms;
    }
    *ms = total;
    return FL_OK;
range:
    return fl_diag_set(d, FL_EPARSE, 0, 0, "duration \"%.*s\" is too large",
                       (int)(s.len > 64 ? 64 : s.len), s.p);
bad:
    return fl_diag_set(d, FL_EPARSE, 0, 0,
                       "expected a duration like 15s, 1h30m or 250ms, got \"%.*s\"",
                       (int)(s.len > 64 ? 64 : s.len), s.p);
}

fl_err fl_duration_parse_step(struct fl_str s, int64_t *ms, struct fl_diag *d)
{
    double secs;
    s = fl_str_trim(s);
    if (fl_str_to_double(s, &secs)) {
        if (!isfinite(secs) || fabs(secs * 1000.0) > 9.2e18)
            return fl_diag_set(d, FL_EPARSE, 0, 0, "step \"%.*s\" is not a usable number of seconds",
                               (int)(s.len > 64 ? 64 : s.len), s.p);
        *ms = (int64_t)round(secs * 1000.0);
        return FL_OK;
    }
    return fl_duration_parse(s, ms, d);
}

size_t fl_time_fmt_rfc3339_ms(int64_t ts_ms, char *out, size_t cap)
{
    char tmp[64];
    int64_t days = floor_div(ts_ms, 86400000);
    int64_t rem = ts_ms - days * 86400000; /* 0 .. 86399999 */
    int64_t y;
    unsigned m, dd;
    civil_from_days(days, &y, &m, &dd);
    unsigned msec = (unsigned)(rem % 1000);
    unsigned sec = (unsigned)(rem / 1000);
    int n;
    if (msec)
        n = snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m, dd,
                     sec / 3600, sec / 60 % 60, sec % 60, msec);
    else
        n = snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, dd,
                     sec / 3600, sec / 60 % 60, sec % 60);
    if (n < 0)
        n = 0;
    if (cap > 0) {
        size_t c = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
        memcpy(out, tmp, c);
        out[c] = '\0';
    }
    return (size_t)n;
}

size_t fl_duration_fmt(int64_t ms, char *out, size_t cap)
{
    char tmp[96];
    size_t n = 0;
    uint64_t v;

    if (ms == 0) {
        memcpy(tmp, "0s", 3);
        n = 2;
        goto copy;
    }
    if (ms < 0) {
        tmp[n++] = '-';
        v = (uint64_t)0 - (uint64_t)ms;
    } else {
        v = (uint64_t)ms;
    }
    /* As Prometheus' model.Duration: years and weeks only when they divide exactly. */
    for (size_t u = 0; u < N_DUR_UNITS; u++) {
        uint64_t um = (uint64_t)dur_units[u].ms;
        if (u < 2 && v % um != 0)
            continue;
        uint64_t q = v / um;
        if (q > 0) {
            int w = snprintf(tmp + n, sizeof tmp - n, "%llu%s", (unsigned long long)q,
                             dur_units[u].unit);
            n += w > 0 ? (size_t)w : 0;
            v -= q * um;
        }
    }
copy:
    if (cap > 0) {
        size_t c = n < cap - 1 ? n : cap - 1;
        memcpy(out, tmp, c);
        out[c] = '\0';
    }
    return n;
}
