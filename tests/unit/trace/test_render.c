/* SPDX-License-Identifier: Apache-2.0 */
/* Window arguments and the JSON / text renderings of trace analyses (src/trace/render.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/json.h"
#include "core/record.h"
#include "trace/render.h"
#include "trace/trace.h"

#define NOW_MS 1764079500000LL /* 2025-11-25T14:05:00Z */

Test(render, times_in_every_form)
{
    static const struct {
        const char *text;
        int64_t ns;
    } ok[] = {
        {"2025-11-25T14:05:00Z", 1764079500000000000LL},
        {"2025-11-25T14:05:00.250+01:00", 1764075900250000000LL},
        {"1764079500", 1764079500000000000LL},            /* seconds */
        {"1764079500.5", 1764079500500000000LL},          /* seconds with fraction */
        {"1764079500123", 1764079500123000000LL},         /* ms */
        {"1764079500123456", 1764079500123456000LL},      /* us */
        {"1764079500123456789", 1764079500123456789LL},   /* ns, exact (no double) */
        {"now", NOW_MS * 1000000},
        {"now-1h", (NOW_MS - 3600000) * 1000000},
        {" now-90s ", (NOW_MS - 90000) * 1000000},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t ns = 0;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_trace_parse_time(ok[i].text, "t", NOW_MS, &ns, &d), FL_OK, "%s: %s",
                     ok[i].text, d.msg);
        cr_expect_eq(ns, ok[i].ns, "%s: %lld", ok[i].text, (long long)ns);
    }
    static const char *const bad[] = {"", "yesterday", "now-", "1e400", "99999999999999999999",
                                      "2025-13-01T00:00:00Z", "-", "now+x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ns = 0;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_neq(fl_trace_parse_time(bad[i], "baseline start", NOW_MS, &ns, &d), FL_OK,
                      "%s accepted", bad[i]);
        cr_expect(strstr(d.msg, "baseline start") != NULL, "%s: %s", bad[i], d.msg);
    }
}

Test(render, windows)
{
    int64_t a = 0, b = 0;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_parse_window("now-2h,now-1h", "baseline", NOW_MS, &a, &b, &d), FL_OK);
    cr_expect_eq(a, (NOW_MS - 7200000) * 1000000);
    cr_expect_eq(b, (NOW_MS - 3600000) * 1000000);
    cr_assert_eq(fl_trace_parse_window("1764079500,2025-11-25T14:06:00Z", "incident", NOW_MS, &a,
                                       &b, &d),
                 FL_OK);
    cr_expect_eq(b - a, 60000000000LL);
    static const struct {
        const char *text, *want;
    } bad[] = {{"now-1h", "expected START,END"},
               {"now-1h,now-2h", "END must be after START"},
               {"now,now", "END must be after START"},
               {"x,now", "incident start"},
               {"now-1h,y", "incident end"},
               {NULL, "expected START,END"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fl_diag_init(&d);
        cr_expect_eq(fl_trace_parse_window(bad[i].text, "incident", NOW_MS, &a, &b, &d), FL_EINVAL,
                     "%s", bad[i].text ? bad[i].text : "(null)");
        cr_expect(strstr(d.msg, bad[i].want) != NULL, "%s: %s", bad[i].text ? bad[i].text : "-",
                  d.msg);
    }
}

/* A small trace: root 0..20 ms, a client call 1..6 whose server answered 2..5, an error. */
static void build(struct fl_trace_syms *y, struct fl_arena *a, struct fl_trace *t,
                  struct fl_trace_analysis *an, struct fl_cp_seg **segs, size_t *n_segs)
{
    uint32_t gw, fs, op, get;
    cr_assert_eq(fl_trace_syms_intern(y, "gateway", 7, &gw), FL_OK);
    cr_assert_eq(fl_trace_syms_intern(y, "feature \"store\"", 15, &fs), FL_OK);
    cr_assert_eq(fl_trace_syms_intern(y, "POST /score", 11, &op), FL_OK);
    cr_assert_eq(fl_trace_syms_intern(y, "GET /features", 13, &get), FL_OK);
    const int64_t ms = 1000000, t0 = 1764079500000000000LL;
    struct fl_tspan_in in[3];
    memset(in, 0, sizeof in);
    in[0] = (struct fl_tspan_in){.span_id = 1, .service = gw, .name = op, .kind = FL_SPAN_SERVER,
                                 .start_ns = t0, .end_ns = t0 + 20 * ms};
    in[1] = (struct fl_tspan_in){.span_id = 2, .parent_id = 1, .service = gw, .name = get,
                                 .kind = FL_SPAN_CLIENT, .status = FL_STATUS_ERROR,
                                 .start_ns = t0 + ms, .end_ns = t0 + 6 * ms};
    in[2] = (struct fl_tspan_in){.span_id = 3, .parent_id = 2, .service = fs, .name = get,
                                 .kind = FL_SPAN_SERVER, .start_ns = t0 + 2 * ms,
                                 .end_ns = t0 + 5 * ms};
    cr_assert_eq(fl_trace_assemble("000000000000000000000000000000a1", in, 3, a, t), FL_OK);
    cr_assert_eq(fl_trace_critical_path(t, a, segs, n_segs), FL_OK);
    cr_assert_eq(fl_trace_analyze(t, a, an), FL_OK);
}

/* Parse b as JSON and return the number at member path "k1.k2" of the top object (one level of
 * nesting is enough here), NAN when absent. */
static double json_num(const char *text, const char *k1, const char *k2)
{
    struct fl_json j;
    struct fl_buf scratch;
    struct fl_str key;
    bool more = false;
    double out = NAN;
    fl_buf_init(&scratch, 4096);
    fl_json_init(&j, text, strlen(text), NULL);
    if (fl_json_enter_object(&j) != FL_OK)
        goto out;
    while (fl_json_next_key(&j, &scratch, &key, &more) == FL_OK && more) {
        if (key.len == strlen(k1) && !memcmp(key.p, k1, key.len)) {
            if (!k2) {
                if (fl_json_get_double(&j, &out) != FL_OK)
                    out = NAN;
                goto out;
            }
            if (fl_json_enter_object(&j) != FL_OK)
                goto out;
            while (fl_json_next_key(&j, &scratch, &key, &more) == FL_OK && more) {
                if (key.len == strlen(k2) && !memcmp(key.p, k2, key.len)) {
                    if (fl_json_get_double(&j, &out) != FL_OK)
                        out = NAN;
                    goto out;
                }
                if (fl_json_skip(&j) != FL_OK)
                    goto out;
            }
            goto out;
        }
        if (fl_json_skip(&j) != FL_OK)
            goto out;
    }
out:
    fl_buf_cleanup(&scratch);
    return out;
}

/* The whole text is one valid JSON value. */
static void cr_json_valid(const char *text)
{
    struct fl_json j;
    fl_json_init(&j, text, strlen(text), NULL);
    cr_assert_eq(fl_json_skip(&j), FL_OK, "not JSON: %.300s", text);
    cr_assert_eq(fl_json_end(&j), FL_OK, "trailing text: %.300s", text);
}

Test(render, detail_json_and_text)
{
    struct fl_trace_syms *y = fl_trace_syms_new();
    struct fl_arena a;
    struct fl_trace t;
    struct fl_trace_analysis an;
    struct fl_cp_seg *segs;
    size_t n_segs;
    struct fl_buf b;
    cr_assert_not_null(y);
    fl_arena_init(&a, 4096, 1 << 20);
    fl_buf_init(&b, 1 << 20);
    build(y, &a, &t, &an, &segs, &n_segs);
    fl_trace_detail_json(&t, &an, segs, n_segs, y, &b);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    fl_buf_putc(&b, '\0');
    cr_json_valid(b.data);
    cr_expect_float_eq(json_num(b.data, "duration_ms", NULL), 20.0, 1e-9);
    cr_expect_float_eq(json_num(b.data, "errors", NULL), 1.0, 1e-9);
    cr_expect(strstr(b.data, "\"feature \\\"store\\\"\"") != NULL, "escaped name: %s", b.data);
    cr_expect(strstr(b.data, "\"network_ms\":2") != NULL, "%s", b.data);
    cr_expect(strstr(b.data, "\"flags\":[\"error\"]") != NULL, "%s", b.data);
    /* The segments' durations add up to the trace's. */
    double sum = 0;
    for (size_t i = 0; i < n_segs; i++)
        sum += (double)(segs[i].end_ns - segs[i].start_ns);
    cr_expect_float_eq(sum, 20e6, 1e-6);

    fl_buf_reset(&b);
    fl_trace_detail_text(&t, &an, segs, n_segs, y, &b);
    fl_buf_putc(&b, '\0');
    cr_expect(strstr(b.data, "20.000 ms") != NULL, "%s", b.data);
    cr_expect(strstr(b.data, "gateway -> feature \"store\"") != NULL, "%s", b.data);

    fl_buf_reset(&b);
    fl_trace_summary_json(&t, &an, y, &b);
    fl_buf_putc(&b, '\0');
    cr_json_valid(b.data);
    cr_expect(strstr(b.data, "\"services\":[\"gateway\",\"feature \\\"store\\\"\"]") != NULL,
              "%s", b.data);
    fl_buf_cleanup(&b);
    fl_arena_cleanup(&a);
    fl_trace_syms_free(y);
}

Test(render, compare_json_nan_is_null)
{
    struct fl_trace_syms *y = fl_trace_syms_new();
    uint32_t gw, fs;
    cr_assert_eq(fl_trace_syms_intern(y, "gateway", 7, &gw), FL_OK);
    cr_assert_eq(fl_trace_syms_intern(y, "feature-store", 13, &fs), FL_OK);
    double edges[] = {1.5, 8, 41.5};
    uint64_t hb[] = {100, 0}, hi[] = {3, 97};
    struct fl_trace_cmp_row rows[2] = {
        {.kind = FL_TRACE_KEY_EDGE, .a = gw, .b = fs, .base_ms = 1, .inc_ms = 41, .delta_ms = 40,
         .share = 0.95, .base_own_ms = 1.5, .inc_own_ms = 41.5, .n_base = 100, .n_inc = 100,
         .ks_d = 1, .ks_p = 1e-30, .changed = true, .hist_edges_ms = edges, .hist_base = hb,
         .hist_inc = hi, .n_hist = 2},
        {.kind = FL_TRACE_KEY_OPERATION, .a = 0, .b = 0, .base_own_ms = NAN, .inc_own_ms = NAN,
         .ks_d = NAN, .ks_p = NAN, .base_error_rate = NAN, .inc_error_rate = NAN}};
    struct fl_trace_cmp c = {.percentile = 99, .n_base = 100, .n_inc = 100, .base_ms = 10,
                             .inc_ms = 52, .rows = rows, .n_rows = 2,
                             .base_timeout_share = NAN, .inc_timeout_share = NAN,
                             .base_retry_share = NAN, .inc_retry_share = NAN};
    struct fl_trace_span_ns bw = {1764079500000000000LL, 1764079560000000000LL};
    struct fl_trace_span_ns iw = {1764079560000000000LL, 1764079620000000000LL};
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    fl_trace_cmp_json(&c, y, bw, iw, &b);
    fl_buf_putc(&b, '\0');
    cr_json_valid(b.data);
    cr_expect_float_eq(json_num(b.data, "change_ms", NULL), 42.0, 1e-9);
    cr_expect_float_eq(json_num(b.data, "baseline", "latency_ms"), 10.0, 1e-9);
    cr_expect(strstr(b.data, "\"timeout_share\":null") != NULL, "%s", b.data);
    cr_expect(strstr(b.data, "\"ks_p\":null") != NULL, "%s", b.data);
    cr_expect(strstr(b.data, "\"synthetic_root\":true") != NULL, "%s", b.data);
    cr_expect(strstr(b.data, "\"start_ns\":\"1764079500000000000\"") != NULL, "%s", b.data);
    /* The edge's histogram in full; the row without samples has none. */
    cr_expect(strstr(b.data, "\"changed\":true,\"histogram\":{\"edges_ms\":[1.5,8,41.5],"
                             "\"baseline\":[100,0],\"incident\":[3,97]}}") != NULL,
              "%s", b.data);
    cr_expect(strstr(b.data, "\"changed\":false,\"histogram\":null}") != NULL, "%s", b.data);
    fl_buf_reset(&b);
    fl_trace_cmp_text(&c, y, bw, iw, &b);
    fl_buf_putc(&b, '\0');
    cr_expect(strstr(b.data, "gateway -> feature-store") != NULL, "%s", b.data);
    cr_expect(strstr(b.data, "+40.000") != NULL, "%s", b.data);
    cr_expect(strstr(b.data, "(synthetic root") != NULL, "%s", b.data);
    fl_buf_cleanup(&b);
    fl_trace_syms_free(y);
}
