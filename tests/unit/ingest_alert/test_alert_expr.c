/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_alert_expr.c: the first metric selector of an alerting expression and the expression from
 * Prometheus' generatorURL (src/ingest/alert_expr.h), table-driven: what each rule of the scanner
 * skips (functions, aggregations with by/without, keywords, numbers, durations, strings, label
 * lists of vector matching, comments) and its errors.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/buf.h"
#include "ingest/alert_expr.h"

Test(alert_expr, first_selector_table)
{
    static const struct {
        const char *expr;
        fl_err want;
        const char *sel;
    } cases[] = {
        {"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket"
         "{service=\"fraud\"}[5m]))) > 0.5",
         FL_OK, "http_request_duration_seconds_bucket{service=\"fraud\"}"},
        {"up == 0", FL_OK, "up"},
        {"  up  ", FL_OK, "up"},
        {"SUM BY (job) (rate(errors_total[1m])) > 3", FL_OK, "errors_total"},
        {"sum without (instance, le) (x)", FL_OK, "x"},
        {"sum(rate(a_total{job=\"a\"}[5m])) / on(job) group_left(team) b", FL_OK,
         "a_total{job=\"a\"}"},
        {"1e-3 < rate(req_total {path=\"/a{b}\", q=~'x\\'y'} [1m] offset 5m)", FL_OK,
         "req_total{path=\"/a{b}\", q=~'x\\'y'}"},
        {"0x1F > bool 2 or recs:ctr:ratio5m", FL_OK, "recs:ctr:ratio5m"},
        {"{__name__=\"x\", job=\"j\"} > 1", FL_OK, "{__name__=\"x\", job=\"j\"}"},
        {"label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\")", FL_OK, "up"},
        {"absent(up{job=\"x\"} @ start())", FL_OK, "up{job=\"x\"}"},
        {"max_over_time(deriv(q[10m:1m])[1h:]) > Inf", FL_OK, "q"},
        {"# a comment naming up\nprocess_open_fds", FL_OK, "process_open_fds"},
        {"topk(3, `raw{` , m2)", FL_OK, "m2"},
        {"vector(1) > 0", FL_ENOTFOUND, ""},
        {"time() - 5 > NaN", FL_ENOTFOUND, ""},
        {"", FL_ENOTFOUND, ""},
        {"rate(x{a=\"unterminated", FL_EPARSE, ""},
        {"rate(x{a=\"b\"", FL_EPARSE, ""},
        {"count(\"no end)", FL_EPARSE, ""},
    };
    struct fl_buf out;
    fl_buf_init(&out, 4096);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_alert_expr_selector(cases[i].expr, strlen(cases[i].expr), &out, &d);
        cr_expect_eq(e, cases[i].want, "case %zu (%s): got %s (%s)", i, cases[i].expr,
                     fl_err_name(e), d.msg);
        if (e == FL_OK)
            cr_expect_eq(out.len, strlen(cases[i].sel), "case %zu: %.*s", i, (int)out.len,
                         out.data);
        if (e == FL_OK && out.len == strlen(cases[i].sel))
            cr_expect(!memcmp(out.data, cases[i].sel, out.len), "case %zu: got %.*s", i,
                      (int)out.len, out.data);
        if (e != FL_OK)
            cr_expect_neq(d.msg[0], '\0', "case %zu: no message", i);
    }
    fl_buf_cleanup(&out);
}

Test(alert_expr, selector_that_does_not_fit_is_elimit)
{
    struct fl_buf out;
    struct fl_diag d;
    fl_buf_init(&out, 8);
    fl_diag_init(&d);
    cr_expect_eq(fl_alert_expr_selector("a_long_metric{x=\"y\"}", 20, &out, &d), FL_ELIMIT);
    fl_buf_cleanup(&out);
}

Test(alert_expr, url_table)
{
    static const struct {
        const char *url;
        fl_err want;
        const char *expr;
    } cases[] = {
        {"http://prom:9090/graph?g0.expr=histogram_quantile%280.99%2C+sum+by+%28le%29+%28rate%28"
         "h_bucket%7Bservice%3D%22fraud%22%7D%5B5m%5D%29%29%29+%3E+0.5&g0.tab=1",
         FL_OK,
         "histogram_quantile(0.99, sum by (le) (rate(h_bucket{service=\"fraud\"}[5m]))) > 0.5"},
        {"http://p/graph?g0.tab=1&g0.expr=up+%3D%3D+0", FL_OK, "up == 0"},
        {"http://p/graph?g0.expr=up#g0.expr=down", FL_OK, "up"},
        {"http://p/graph?g0.expr=", FL_OK, ""},
        {"http://p/graph?xg0.expr=up", FL_ENOTFOUND, ""},
        {"http://p/graph", FL_ENOTFOUND, ""},
        {"http://p/graph#?g0.expr=up", FL_ENOTFOUND, ""},
        {"", FL_ENOTFOUND, ""},
        {"http://p/graph?g0.expr=up%2", FL_EPARSE, ""},
        {"http://p/graph?g0.expr=%zzup", FL_EPARSE, ""},
    };
    struct fl_buf out;
    fl_buf_init(&out, 4096);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_alert_url_expr(cases[i].url, strlen(cases[i].url), &out, &d);
        cr_expect_eq(e, cases[i].want, "case %zu: got %s (%s)", i, fl_err_name(e), d.msg);
        if (e == FL_OK) {
            cr_expect_eq(out.len, strlen(cases[i].expr), "case %zu", i);
            if (out.len == strlen(cases[i].expr) && out.len)
                cr_expect(!memcmp(out.data, cases[i].expr, out.len), "case %zu: got %.*s", i,
                          (int)out.len, out.data);
        }
    }
    fl_buf_cleanup(&out);
}
