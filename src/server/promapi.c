/* SPDX-License-Identifier: Apache-2.0 */
/*
 * promapi.c: parameter checks, lookback evaluation and value/time rendering for the
 * Prometheus-API-compatible routes (see promapi.h). Error texts are Prometheus' own
 * (web/api/v1/api.go) so that clients and people recognise them.
 */
#include "promapi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/str.h"
#include "../core/time.h"

#define STALE_NAN_BITS 0x7ff0000000000002ULL

int fl_promapi_is_stale(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits == STALE_NAN_BITS;
}

static fl_err time_arg(const char *name, const char *s, int64_t now_ms, int64_t *out,
                       struct fl_diag *d)
{
    struct fl_diag ignored;
    fl_diag_init(&ignored);
    if (!s || fl_time_parse_any(fl_str_c(s), now_ms, out, &ignored) != FL_OK) {
        fl_diag_field(d, "%s", name);
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "invalid parameter \"%s\": cannot parse \"%.100s\" to a valid timestamp",
                           name, s ? s : "");
    }
    return FL_OK;
}

static fl_err duration_arg(const char *name, const char *s, int64_t *out, struct fl_diag *d)
{
    struct fl_diag ignored;
    fl_diag_init(&ignored);
    if (!s || fl_duration_parse_step(fl_str_c(s), out, &ignored) != FL_OK) {
        fl_diag_field(d, "%s", name);
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "invalid parameter \"%s\": cannot parse \"%.100s\" to a valid duration",
                           name, s ? s : "");
    }
    return FL_OK;
}

fl_err fl_promapi_range_parse(const char *start, const char *end, const char *step,
                              const char *lookback, int64_t now_ms, struct fl_promapi_range *out,
                              struct fl_diag *d)
{
    fl_err e;
    struct fl_promapi_range rg = {0, 0, 0, FL_PROMAPI_DEFAULT_LOOKBACK_MS};
    if ((e = time_arg("start", start, now_ms, &rg.start_ms, d)) ||
        (e = time_arg("end", end, now_ms, &rg.end_ms, d)))
        return e;
    if (rg.end_ms < rg.start_ms)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "end timestamp must not be before start time");
    if ((e = duration_arg("step", step, &rg.step_ms, d)))
        return e;
    if (rg.step_ms <= 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "zero or negative query resolution step widths are not accepted. "
                           "Try a positive integer");
    /* end - start cannot overflow: both were parsed from sane times, but guard anyway */
    if ((rg.start_ms < 0 && rg.end_ms > INT64_MAX + rg.start_ms) ||
        (rg.end_ms - rg.start_ms) / rg.step_ms > FL_PROMAPI_MAX_POINTS)
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "exceeded maximum resolution of 11,000 points per timeseries. Try "
                           "decreasing the query resolution (?step=XX)");
    if (lookback && *lookback) {
        if ((e = duration_arg("lookback_delta", lookback, &rg.lookback_ms, d)))
            return e;
        if (rg.lookback_ms <= 0)
            rg.lookback_ms = FL_PROMAPI_DEFAULT_LOOKBACK_MS; /* as Prometheus: 0 = default */
    }
    /* start - lookback is computed for every step: keep it representable. */
    if (rg.start_ms < INT64_MIN + rg.lookback_ms)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "start minus lookback_delta is out of range");
    *out = rg;
    return FL_OK;
}

size_t fl_promapi_range_steps(const struct fl_promapi_range *rg)
{
    if (rg->step_ms <= 0 || rg->end_ms < rg->start_ms)
        return 0;
    return (size_t)((rg->end_ms - rg->start_ms) / rg->step_ms) + 1;
}

size_t fl_promapi_eval_range(const int64_t *ts_ms, const double *v, size_t n,
                             const struct fl_promapi_range *rg, int64_t *out_ts, double *out_v)
{
    size_t steps = fl_promapi_range_steps(rg), k = 0, j = 0;
    for (size_t i = 0; i < steps; i++) {
        int64_t t = rg->start_ms + (int64_t)i * rg->step_ms;
        while (j < n && ts_ms[j] <= t)
            j++;
        if (j == 0)
            continue; /* no sample at or before t */
        size_t last = j - 1;
        if (ts_ms[last] <= t - rg->lookback_ms || fl_promapi_is_stale(v[last]))
            continue;
        out_ts[k] = t;
        out_v[k] = v[last];
        k++;
    }
    return k;
}

size_t fl_promapi_fmt_time(int64_t ts_ms, char *out, size_t cap)
{
    char frac[8] = "";
    uint64_t a = ts_ms < 0 ? (uint64_t)0 - (uint64_t)ts_ms : (uint64_t)ts_ms;
    unsigned ms = (unsigned)(a % 1000);
    if (ms) {
        snprintf(frac, sizeof frac, ".%03u", ms);
        size_t l = strlen(frac);
        while (frac[l - 1] == '0')
            frac[--l] = '\0';
    }
    int n =
        snprintf(out, cap, "%s%llu%s", ts_ms < 0 ? "-" : "", (unsigned long long)(a / 1000), frac);
    return n < 0 ? 0 : (size_t)n;
}

size_t fl_promapi_fmt_value(double v, char *out, size_t cap)
{
    char s[64];
    if (cap == 0)
        return 0;
    fl_fmt_double(v, s, sizeof s);
    if (isnan(v) || isinf(v) || !strpbrk(s, "eE")) {
        int n = snprintf(out, cap, "%s", s);
        return n < 0 ? 0 : (size_t)n;
    }
    /* mantissa digits and decimal exponent: s = [-]D[.DDD]e[+-]X */
    char digits[40];
    size_t nd = 0, int_digits = 0;
    bool neg = s[0] == '-', seen_point = false;
    const char *p = s + (neg || s[0] == '+');
    for (; *p && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') {
            seen_point = true;
        } else if (nd < sizeof digits - 1) {
            digits[nd++] = *p;
            if (!seen_point)
                int_digits++;
        }
    }
    long exp = *p ? strtol(p + 1, NULL, 10) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;                            /* trailing zeros of the mantissa carry no information */
    long point = (long)int_digits + exp; /* digits before the decimal point */
    size_t o = 0;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (o + 1 < cap)                                                                           \
            out[o] = (c);                                                                          \
        o++;                                                                                       \
    } while (0)
    if (neg)
        PUT('-');
    if (point <= 0) {
        PUT('0');
        PUT('.');
        for (long i = 0; i < -point; i++)
            PUT('0');
        for (size_t i = 0; i < nd; i++)
            PUT(digits[i]);
    } else {
        for (long i = 0; i < point; i++)
            PUT((size_t)i < nd ? digits[i] : '0');
        if ((size_t)point < nd) {
            PUT('.');
            for (size_t i = (size_t)point; i < nd; i++)
                PUT(digits[i]);
        }
    }
#undef PUT
    out[o < cap ? o : cap - 1] = '\0';
    return o;
}
