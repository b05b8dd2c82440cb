/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_promapi.c: the Prometheus-API pieces (src/server/promapi.c): lookback evaluation of a
 * selector over a range (left-open window, staleness markers, lookback_delta), query_range
 * parameter checks with Prometheus' own error texts (including the 11,000-point limit), and
 * value/time rendering as Go's strconv.FormatFloat(v, 'f', -1, 64) and Prometheus'
 * MarshalTimestamp produce them.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "server/promapi.h"

static double stale_nan(void)
{
    uint64_t bits = 0x7ff0000000000002ULL;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

struct eval_case {
    const char *name;
    int64_t ts[6];
    double v[6];
    size_t n;
    struct fl_promapi_range rg;
    size_t want_n;
    int64_t want_ts[8];
    double want_v[8];
};

Test(promapi, eval_range_lookback)
{
    const double S = stale_nan();
    const struct eval_case cases[] = {
        {"default lookback holds the last value",
         {10000, 20000, 30000},
         {1, 2, 3},
         3,
         {0, 60000, 10000, 300000},
         6,
         {10000, 20000, 30000, 40000, 50000, 60000},
         {1, 2, 3, 3, 3, 3}},
        {"short lookback drops old samples",
         {10000, 20000, 30000},
         {1, 2, 3},
         3,
         {0, 60000, 10000, 15000},
         4,
         {10000, 20000, 30000, 40000},
         {1, 2, 3, 3}},
        {"window is left-open: sample exactly lookback ago is out",
         {0},
         {7},
         1,
         {9999, 10000, 1, 10000},
         1,
         {9999},
         {7}},
        {"staleness marker hides older samples",
         {10000, 20000, 40000},
         {1, S, 4},
         3,
         {15000, 45000, 10000, 300000},
         2,
         {15000, 45000},
         {1, 4}},
        {"duplicate timestamps: the later sample wins",
         {10000, 10000},
         {1, 2},
         2,
         {10000, 10000, 1000, 300000},
         1,
         {10000},
         {2}},
        {"no samples", {0}, {0}, 0, {0, 100000, 10000, 300000}, 0, {0}, {0}},
        {"samples after the range only", {500000}, {1}, 1, {0, 100000, 10000, 300000}, 0, {0}, {0}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct eval_case *c = &cases[i];
        int64_t ots[16];
        double ov[16];
        cr_assert_leq(fl_promapi_range_steps(&c->rg), 16);
        size_t k = fl_promapi_eval_range(c->ts, c->v, c->n, &c->rg, ots, ov);
        cr_assert_eq(k, c->want_n, "%s: %zu points, want %zu", c->name, k, c->want_n);
        for (size_t j = 0; j < k; j++) {
            cr_assert_eq(ots[j], c->want_ts[j], "%s: point %zu ts", c->name, j);
            cr_assert_eq(ov[j], c->want_v[j], "%s: point %zu value", c->name, j);
        }
    }
}

Test(promapi, range_steps)
{
    struct fl_promapi_range rg = {0, 110000, 10, 300000};
    cr_assert_eq(fl_promapi_range_steps(&rg), 11001);
    rg.end_ms = 5;
    cr_assert_eq(fl_promapi_range_steps(&rg), 1);
}

struct parse_case {
    const char *start, *end, *step, *lookback;
    fl_err want;
    const char *msg; /* expected d.msg (prefix) on error */
    struct fl_promapi_range rg;
};

static const struct parse_case parse_cases[] = {
    {"1700000000",
     "1700000600",
     "15s",
     NULL,
     FL_OK,
     NULL,
     {1700000000000, 1700000600000, 15000, 300000}},
    {"1700000000.5",
     "1700000600",
     "0.25",
     "1m",
     FL_OK,
     NULL,
     {1700000000500, 1700000600000, 250, 60000}},
    {"2023-11-14T22:13:20Z",
     "2023-11-14T22:23:20Z",
     "1m",
     NULL,
     FL_OK,
     NULL,
     {1700000000000, 1700000600000, 60000, 300000}},
    {"1700000600",
     "1700000000",
     "15s",
     NULL,
     FL_EINVAL,
     "end timestamp must not be before start time",
     {0, 0, 0, 0}},
    {"1700000000",
     "1700000600",
     "0",
     NULL,
     FL_EINVAL,
     "zero or negative query resolution step widths are not accepted",
     {0, 0, 0, 0}},
    {"1700000000",
     "1700110010",
     "10s",
     NULL,
     FL_EINVAL,
     "exceeded maximum resolution of 11,000 points per timeseries",
     {0, 0, 0, 0}},
    {"yesterday",
     "1700000600",
     "15s",
     NULL,
     FL_EINVAL,
     "invalid parameter \"start\": cannot parse \"yesterday\" to a valid timestamp",
     {0, 0, 0, 0}},
    {NULL,
     "1700000600",
     "15s",
     NULL,
     FL_EINVAL,
     "invalid parameter \"start\": cannot parse \"\" to a valid timestamp",
     {0, 0, 0, 0}},
    {"1700000000",
     "1700000600",
     "fast",
     NULL,
     FL_EINVAL,
     "invalid parameter \"step\": cannot parse \"fast\" to a valid duration",
     {0, 0, 0, 0}},
};

Test(promapi, range_parse)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const struct parse_case *c = &parse_cases[i];
        struct fl_promapi_range rg = {0};
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e =
            fl_promapi_range_parse(c->start, c->end, c->step, c->lookback, 1700000000000, &rg, &d);
        cr_assert_eq(e, c->want, "case %zu: %s", i, d.msg);
        if (e == FL_OK) {
            cr_assert_eq(rg.start_ms, c->rg.start_ms, "case %zu start", i);
            cr_assert_eq(rg.end_ms, c->rg.end_ms, "case %zu end", i);
            cr_assert_eq(rg.step_ms, c->rg.step_ms, "case %zu step", i);
            cr_assert_eq(rg.lookback_ms, c->rg.lookback_ms, "case %zu lookback", i);
        } else {
            cr_assert(strncmp(d.msg, c->msg, strlen(c->msg)) == 0, "case %zu: got \"%s\"", i,
                      d.msg);
        }
    }
}

Test(promapi, exactly_11000_steps_is_allowed)
{
    struct fl_promapi_range rg;
    cr_assert_eq(fl_promapi_range_parse("0", "110", "0.01", NULL, 0, &rg, NULL), FL_OK);
    cr_assert_eq(fl_promapi_range_steps(&rg), 11001);
}

Test(promapi, fmt_value_like_go)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {1, "1"},
        {-2.5, "-2.5"},
        {0.1, "0.1"},
        {1e21, "1000000000000000000000"},
        {1.5e-7, "0.00000015"},
        {123456789, "123456789"},
        {1e-5, "0.00001"},
        {0.30000000000000004, "0.30000000000000004"},
        {-0.0, "-0"},
    };
    char out[400];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_promapi_fmt_value(cases[i].v, out, sizeof out);
        cr_assert_str_eq(out, cases[i].want, "%.17g", cases[i].v);
    }
    fl_promapi_fmt_value(NAN, out, sizeof out);
    cr_assert_str_eq(out, "NaN");
    fl_promapi_fmt_value(INFINITY, out, sizeof out);
    cr_assert_str_eq(out, "+Inf");
    fl_promapi_fmt_value(-INFINITY, out, sizeof out);
    cr_assert_str_eq(out, "-Inf");
}

Test(promapi, fmt_time_like_prometheus)
{
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {1435781451781, "1435781451.781"},
        {1435781451000, "1435781451"},
        {1435781451100, "1435781451.1"},
        {1435781451010, "1435781451.01"},
        {0, "0"},
        {-1500, "-1.5"},
    };
    char out[40];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_promapi_fmt_time(cases[i].ms, out, sizeof out);
        cr_assert_str_eq(out, cases[i].want);
    }
}

Test(promapi, lookback_below_the_int64_range_is_refused)
{
    /* start - lookback_delta is evaluated for every step; it must not overflow int64. */
    struct fl_promapi_range rg;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_promapi_range_parse("now-9000000000000000ms", "now-9000000000000000ms", "1",
                                      "9223000000000000000ms", 0, &rg, &d);
    cr_assert_eq(e, FL_EINVAL, "%s", d.msg);
    cr_assert_str_eq(d.msg, "start minus lookback_delta is out of range");
    cr_assert_eq(fl_promapi_range_parse("now-9000000000000000ms", "now-9000000000000000ms", "1",
                                        "1y", 0, &rg, NULL),
                 FL_OK);
}
