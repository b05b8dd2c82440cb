// SPDX-License-Identifier: Apache-2.0
/*
 * test_time.c: RFC 3339 parsing (offsets, fractions, leap days, range errors), Prometheus API
 * times ("now-1h", unix seconds), durations and steps, and formatting round trips. Expected
 * epoch values were computed with GNU date (date -u -d ... +%s).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/time.h"

static const struct {
    const char *in;
    fl_err want_e;
    int64_t want_ns;
} rfc_cases[] = {
    {"1970-01-01T00:00:00Z", FL_OK, 0},
    {"2026-11-25T14:05:00Z", FL_OK, 1795615500LL * 1000000000},
    {"2026-11-25T14:05:00.123+01:00", FL_OK, 1795611900LL * 1000000000 + 123000000},
    {"2026-11-25T14:05:00.123456789-05:30", FL_OK, (1795615500LL + 19800) * 1000000000 + 123456789},
    {"2026-11-25t14:05:00z", FL_OK, 1795615500LL * 1000000000},
    {"2026-11-25 14:05:00Z", FL_OK, 1795615500LL * 1000000000},
    {"2024-02-29T00:00:00Z", FL_OK, 1709164800LL * 1000000000},
    {"2000-02-29T00:00:00Z", FL_OK, 951782400LL * 1000000000},
    {"1969-12-31T23:59:59.5Z", FL_OK, -500000000},
    {"2026-01-01T00:00:00.1234567891234Z", FL_OK, 1767225600LL * 1000000000 + 123456789},
    {"2262-04-11T23:47:16Z", FL_OK, 9223372036LL * 1000000000},
    {"1678-01-01T00:00:00Z", FL_OK, -9214560000LL * 1000000000},
    {"2026-02-29T00:00:00Z", FL_EPARSE, 0},
    {"1900-02-29T00:00:00Z", FL_EPARSE, 0},
    {"2026-13-01T00:00:00Z", FL_EPARSE, 0},
    {"2026-00-01T00:00:00Z", FL_EPARSE, 0},
    {"2026-04-31T00:00:00Z", FL_EPARSE, 0},
    {"2026-01-01T24:00:00Z", FL_EPARSE, 0},
    {"2026-01-01T00:60:00Z", FL_EPARSE, 0},
    {"2026-01-01T00:00:60Z", FL_EPARSE, 0},
    {"2026-01-01T00:00:00+24:00", FL_EPARSE, 0},
    {"2026-01-01T00:00:00", FL_EPARSE, 0},
    {"2026-01-01T00:00:00.Z", FL_EPARSE, 0},
    {"2026-01-01T00:00Z", FL_EPARSE, 0},
    {"2026-1-01T00:00:00Z", FL_EPARSE, 0},
    {"2026-01-01T00:00:00+0100", FL_EPARSE, 0},
    {"2026-01-01T00:00:00Zjunk", FL_EPARSE, 0},
    {"2026-01-01", FL_EPARSE, 0},
    {"", FL_EPARSE, 0},
    {"3000-01-01T00:00:00Z", FL_EPARSE, 0},
    {"2262-04-11T23:47:16.854775808Z", FL_EPARSE, 0},
    {"2262-04-11T23:47:16.854775807Z", FL_OK, INT64_MAX},
    {"1600-01-01T00:00:00Z", FL_EPARSE, 0},
};

Test(time, rfc3339_table)
{
    for (size_t i = 0; i < sizeof rfc_cases / sizeof rfc_cases[0]; i++) {
        struct fl_diag d;
        int64_t ns = 777;
        fl_diag_init(&d);
        fl_err e = fl_time_parse_rfc3339(fl_str_c(rfc_cases[i].in), &ns, &d);
        cr_assert_eq(e, rfc_cases[i].want_e, "%s: %s", rfc_cases[i].in, d.msg);
        if (e == FL_OK)
            cr_assert_eq(ns, rfc_cases[i].want_ns, "%s: got %lld", rfc_cases[i].in,
                         (long long)ns);
        else
            cr_assert(d.msg[0] != '\0' && d.code == e, "%s", rfc_cases[i].in);
    }
}

static const struct {
    const char *in;
    fl_err want_e;
    int64_t want_ms;
} any_cases[] = {
    {"now", FL_OK, 1800000000000},
    {"now-1h", FL_OK, 1800000000000 - 3600000},
    {"now+5m", FL_OK, 1800000000000 + 300000},
    {"now-1h30m", FL_OK, 1800000000000 - 5400000},
    {" now ", FL_OK, 1800000000000},
    {"1700000000", FL_OK, 1700000000000},
    {"1700000000.5", FL_OK, 1700000000500},
    {"1700000000.123", FL_OK, 1700000000123},
    {"-1.5", FL_OK, -1500},
    {"1.7e9", FL_OK, 1700000000000},
    {"2026-11-25T14:05:00.123Z", FL_OK, 1795615500123},
    {"1969-12-31T23:59:59.9995Z", FL_OK, -1}, /* floor, not truncation */
    {"now-", FL_EPARSE, 0},
    {"now-x", FL_EPARSE, 0},
    {"nowx", FL_EPARSE, 0},
    {"yesterday", FL_EPARSE, 0},
    {"NaN", FL_EPARSE, 0},
    {"+Inf", FL_EPARSE, 0},
    {"1e300", FL_EPARSE, 0},
    {"", FL_EPARSE, 0},
    {"2026-13-01T00:00:00Z", FL_EPARSE, 0},
};

Test(time, parse_any_table)
{
    for (size_t i = 0; i < sizeof any_cases / sizeof any_cases[0]; i++) {
        struct fl_diag d;
        int64_t ms = 777;
        fl_diag_init(&d);
        fl_err e = fl_time_parse_any(fl_str_c(any_cases[i].in), 1800000000000, &ms, &d);
        cr_assert_eq(e, any_cases[i].want_e, "%s: %s", any_cases[i].in, d.msg);
        if (e == FL_OK)
            cr_assert_eq(ms, any_cases[i].want_ms, "%s: got %lld", any_cases[i].in,
                         (long long)ms);
        else
            cr_assert(d.msg[0] != '\0', "%s", any_cases[i].in);
    }
}

static const struct {
    const char *in;
    fl_err want_e;
    int64_t want_ms;
} dur_cases[] = {
    {"15s", FL_OK, 15000},
    {"250ms", FL_OK, 250},
    {"1h30m", FL_OK, 5400000},
    {"2d", FL_OK, 172800000},
    {"1w", FL_OK, 604800000},
    {"1y", FL_OK, 31536000000},
    {"1y2w3d4h5m6s7ms", FL_OK, 31536000000 + 1209600000 + 259200000 + 14400000 + 300000 + 6007},
    {"0", FL_OK, 0},
    {"0s", FL_OK, 0},
    {"90m", FL_OK, 5400000},
    {"1m1h", FL_EPARSE, 0},
    {"1s1s", FL_EPARSE, 0},
    {"15", FL_EPARSE, 0},
    {"1.5h", FL_EPARSE, 0},
    {"-1h", FL_EPARSE, 0},
    {"", FL_EPARSE, 0},
    {"h", FL_EPARSE, 0},
    {"1H", FL_EPARSE, 0},
    {"1 h", FL_EPARSE, 0},
    {"1us", FL_EPARSE, 0},
    {"99999999999999999999s", FL_EPARSE, 0},
    {"300000000y", FL_EPARSE, 0},
};

Test(time, duration_table)
{
    for (size_t i = 0; i < sizeof dur_cases / sizeof dur_cases[0]; i++) {
        struct fl_diag d;
        int64_t ms = 777;
        fl_diag_init(&d);
        fl_err e = fl_duration_parse(fl_str_c(dur_cases[i].in), &ms, &d);
        cr_assert_eq(e, dur_cases[i].want_e, "%s: %s", dur_cases[i].in, d.msg);
        if (e == FL_OK)
            cr_assert_eq(ms, dur_cases[i].want_ms, "%s: got %lld", dur_cases[i].in,
                         (long long)ms);
        else
            cr_assert(strstr(d.msg, "duration") != NULL, "%s: %s", dur_cases[i].in, d.msg);
    }
}

Test(time, step_accepts_float_seconds)
{
    static const struct {
        const char *in;
        fl_err e;
        int64_t ms;
    } cases[] = {
        {"15", FL_OK, 15000}, {"0.5", FL_OK, 500}, {"15s", FL_OK, 15000},
        {"1m", FL_OK, 60000}, {"1e3", FL_OK, 1000000}, {"NaN", FL_EPARSE, 0},
        {"Inf", FL_EPARSE, 0}, {"abc", FL_EPARSE, 0}, {"1e300", FL_EPARSE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms = 0;
        fl_err e = fl_duration_parse_step(fl_str_c(cases[i].in), &ms, NULL);
        cr_assert_eq(e, cases[i].e, "%s", cases[i].in);
        if (e == FL_OK)
            cr_assert_eq(ms, cases[i].ms, "%s", cases[i].in);
    }
}

Test(time, duration_format_table)
{
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {0, "0s"},
        {250, "250ms"},
        {15000, "15s"},
        {5400000, "1h30m"},
        {86400000, "1d"},
        {604800000, "1w"},
        {31536000000, "1y"},
        {90LL * 86400000, "90d"},
        {31536000000 + 1000, "365d1s"},
        {3723004, "1h2m3s4ms"},
        {-60000, "-1m"},
        {INT64_MIN, "-15250284y"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        size_t n = fl_duration_fmt(cases[i].ms, out, sizeof out);
        if (cases[i].ms == INT64_MIN) {
            cr_assert_eq(out[0], '-');
            cr_assert_eq(n, strlen(out));
            continue;
        }
        cr_assert_str_eq(out, cases[i].want);
        cr_assert_eq(n, strlen(out));
        /* Round trip through the parser for non-negative values. */
        if (cases[i].ms >= 0) {
            int64_t back;
            cr_assert_eq(fl_duration_parse(fl_str_c(out), &back, NULL), FL_OK, "%s", out);
            cr_assert_eq(back, cases[i].ms);
        }
    }
}

Test(time, rfc3339_format_round_trips)
{
    static const int64_t cases[] = {0,           1,          999,           1000,
                                    -1,          -1000,      1795615500123, 1795615500000,
                                    951782400000, -62135596800000 /* year 1 */};
    static const char *const want[] = {
        "1970-01-01T00:00:00Z",     "1970-01-01T00:00:00.001Z", "1970-01-01T00:00:00.999Z",
        "1970-01-01T00:00:01Z",     "1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59Z",
        "2026-11-25T14:05:00.123Z", "2026-11-25T14:05:00Z",     "2000-02-29T00:00:00Z",
        "0001-01-01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[40];
        size_t n = fl_time_fmt_rfc3339_ms(cases[i], out, sizeof out);
        cr_assert_str_eq(out, want[i]);
        cr_assert_eq(n, strlen(out));
        int64_t ms;
        fl_err e = fl_time_parse_any(fl_str_c(out), 0, &ms, NULL);
        if (cases[i] < -9223372036000LL) {
            cr_assert_eq(e, FL_EPARSE, "%s is outside the int64 nanosecond range", out);
            continue;
        }
        cr_assert_eq(e, FL_OK, "%s", out);
        cr_assert_eq(ms, cases[i], "%s", out);
    }
    /* Every day over 1600 years formats and parses back (calendar arithmetic). */
    for (int64_t day = -100000; day < 100000; day += 37) {
        char out[40];
        int64_t ms = day * 86400000 + 12345;
        fl_time_fmt_rfc3339_ms(ms, out, sizeof out);
        int64_t ns;
        cr_assert_eq(fl_time_parse_rfc3339(fl_str_c(out), &ns, NULL), FL_OK, "%s", out);
        cr_assert_eq(ns, ms * 1000000, "%s", out);
    }
}

Test(time, clocks_move)
{
    int64_t a = fl_time_mono_ns(), b = fl_time_mono_ns();
    cr_assert_geq(b, a);
    int64_t now = fl_time_now_ms();
    cr_assert_gt(now, 1700000000000, "wall clock after 2023");
    int64_t ns = fl_time_now_ns();
    cr_assert_lt(ns / 1000000 - now, 1000);
}
