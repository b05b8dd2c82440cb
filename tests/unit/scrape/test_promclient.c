/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_promclient.c: the pure parts of the Prometheus API client (src/server/promclient_int.h):
 * chunking a long range on the step grid under the 11,000-point limit (no step twice, none
 * skipped), parsing query_range and series answers (string values with NaN/+Inf, escaped labels,
 * label order), merging a series across chunks, the API's error envelope surfaced with its
 * errorType, malformed answers rejected with a position, and the series/point caps.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "server/promclient.h"
#include "server/promclient_int.h"

/* ---- chunks ---- */

struct chunk_case {
    const char *name;
    int64_t start, end, step;
    size_t max;
    size_t want_chunks;
};

static const struct chunk_case chunk_cases[] = {
    {"single point", 1000, 1000, 1000, 10000, 1},
    {"short range", 0, 60000, 15000, 10000, 1},
    {"exactly max steps", 0, 9999000, 1000, 10000, 1},
    {"max steps plus one", 0, 10000000, 1000, 10000, 2},
    {"4h at 1s (14,401 points)", 1700000000000, 1700000000000 + 4 * 3600000, 1000, 10000, 2},
    {"end off the grid", 0, 25500, 1000, 10, 3},
    {"negative start", -5000, 5000, 1000, 4, 3},
    {"step larger than range", 0, 999, 1000, 10, 1},
    {"30 days at 15s", 0, 30LL * 86400000, 15000, 10000, 18},
};

Test(promclient, chunks_cover_the_grid_exactly)
{
    for (size_t i = 0; i < sizeof chunk_cases / sizeof chunk_cases[0]; i++) {
        const struct chunk_case *c = &chunk_cases[i];
        size_t n = fl_promclient__n_chunks(c->start, c->end, c->step, c->max);
        cr_assert_eq(n, c->want_chunks, "%s: %zu chunks", c->name, n);
        int64_t last_step = c->start + (c->end - c->start) / c->step * c->step;
        int64_t expect = c->start; /* the next grid point a chunk must start at */
        for (size_t k = 0; k < n; k++) {
            int64_t cs, ce;
            fl_promclient__chunk(c->start, c->end, c->step, c->max, k, &cs, &ce);
            cr_assert_eq(cs, expect, "%s: chunk %zu starts at %lld, want %lld", c->name, k,
                         (long long)cs, (long long)expect);
            cr_assert_geq(ce, cs, "%s: chunk %zu", c->name, k);
            cr_assert_eq((ce - cs) % c->step, 0, "%s: chunk %zu end off the grid", c->name, k);
            int64_t points = (ce - cs) / c->step + 1;
            cr_assert_leq(points, (int64_t)c->max, "%s: chunk %zu has %lld points", c->name, k,
                          (long long)points);
            /* Prometheus' own check: (end - start) / step > 11000 is refused */
            cr_assert_leq((ce - cs) / c->step, 11000, "%s", c->name);
            expect = ce + c->step;
        }
        cr_assert_eq(expect - c->step, last_step, "%s: last chunk ends at %lld, want %lld",
                     c->name, (long long)(expect - c->step), (long long)last_step);
    }
}

Test(promclient, chunks_of_invalid_ranges)
{
    cr_assert_eq(fl_promclient__n_chunks(10, 0, 1, 10), 0);
    cr_assert_eq(fl_promclient__n_chunks(0, 10, 0, 10), 0);
    cr_assert_eq(fl_promclient__n_chunks(0, 10, -5, 10), 0);
    cr_assert_eq(fl_promclient__n_chunks(0, 10, 1, 0), 0);
}

/* ---- parsing ---- */

static const char *const matrix1 =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
    "{\"metric\":{\"job\":\"node\",\"__name__\":\"up\",\"instance\":\"b:9100\"},"
    "\"values\":[[1435781430.781,\"1\"],[1435781445.781,\"0\"]]},"
    "{\"metric\":{\"__name__\":\"x\",\"q\":\"a\\\"b\\\\c\\n\\u00e9\"},"
    "\"values\":[[1435781430,\"NaN\"],[1435781445.5,\"+Inf\"],[1435781460,\"-Inf\"],"
    "[1435781475.001,\"1e3\"],[1435781490,\"-0.25\"]]},"
    "{\"metric\":{\"__name__\":\"up\",\"instance\":\"a:9100\",\"job\":\"node\"},"
    "\"values\":[[1435781430.781,\"1\"]]}"
    "]},\"warnings\":[\"something odd\"]}";

static const struct fl_promclient__series *find(const struct fl_promclient__acc *a,
                                                const char *name, const char *instance)
{
    for (size_t i = 0; i < a->n_series; i++) {
        const struct fl_promclient__series *s = &a->series[i];
        const char *n = NULL, *inst = NULL;
        for (size_t k = 0; k < s->n_labels; k++) {
            if (!strcmp(s->labels[k].name, "__name__"))
                n = s->labels[k].value;
            if (!strcmp(s->labels[k].name, "instance"))
                inst = s->labels[k].value;
        }
        if (n && !strcmp(n, name) && (!instance || (inst && !strcmp(inst, instance))))
            return s;
    }
    return NULL;
}

Test(promclient, parses_matrix)
{
    struct fl_promclient__acc a;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_promclient__acc_init(&a, 0, 0), FL_OK);
    fl_err e = fl_promclient__parse(matrix1, strlen(matrix1), FL_PROMCLIENT__MATRIX, "p", &a, &d);
    cr_assert_eq(e, FL_OK, "%s", d.msg);
    cr_assert_eq(a.n_series, 3);
    cr_assert_eq(a.n_points, 8);

    const struct fl_promclient__series *up = find(&a, "up", "b:9100");
    cr_assert_not_null(up);
    cr_assert_eq(up->n_labels, 3);
    cr_assert_str_eq(up->labels[0].name, "__name__");
    cr_assert_str_eq(up->labels[1].name, "instance");
    cr_assert_str_eq(up->labels[2].name, "job");
    cr_assert_str_eq(up->labels[2].value, "node");
    cr_assert_eq(up->n, 2);
    cr_assert_eq(up->ts_ms[0], 1435781430781);
    cr_assert_eq(up->ts_ms[1], 1435781445781);
    cr_assert_eq(up->values[0], 1.0);
    cr_assert_eq(up->values[1], 0.0);

    const struct fl_promclient__series *x = find(&a, "x", NULL);
    cr_assert_not_null(x);
    cr_assert_str_eq(x->labels[1].name, "q");
    cr_assert_str_eq(x->labels[1].value, "a\"b\\c\n\xc3\xa9");
    cr_assert_eq(x->n, 5);
    cr_assert(isnan(x->values[0]));
    cr_assert(isinf(x->values[1]) && x->values[1] > 0);
    cr_assert(isinf(x->values[2]) && x->values[2] < 0);
    cr_assert_eq(x->values[3], 1000.0);
    cr_assert_eq(x->values[4], -0.25);
    cr_assert_eq(x->ts_ms[1], 1435781445500);
    cr_assert_eq(x->ts_ms[3], 1435781475001);

    /* sorted by label set: up{a:9100} < up{b:9100} < x (by __name__ value first) */
    fl_promclient__acc_sort(&a);
    cr_assert_str_eq(a.series[0].labels[1].value, "a:9100");
    cr_assert_str_eq(a.series[1].labels[1].value, "b:9100");
    cr_assert_str_eq(a.series[2].labels[0].value, "x");
    fl_promclient__acc_cleanup(&a);
}

Test(promclient, merges_chunks)
{
    /* chunk 1: [0..2] s; chunk 2 repeats the boundary point (dropped) and adds a new series */
    static const char *const c1 =
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
        "{\"metric\":{\"__name__\":\"m\",\"k\":\"1\"},"
        "\"values\":[[0,\"1\"],[1,\"2\"],[2,\"3\"]]}]}}";
    static const char *const c2 =
        "{\"data\":{\"result\":[{\"values\":[[2,\"99\"],[3,\"4\"],[4,\"5\"]],"
        "\"metric\":{\"k\":\"1\",\"__name__\":\"m\"}},"
        "{\"metric\":{\"__name__\":\"m\",\"k\":\"0\"},\"values\":[[4,\"7\"]]}],"
        "\"resultType\":\"matrix\"},\"status\":\"success\"}";
    struct fl_promclient__acc a;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_promclient__acc_init(&a, 0, 0), FL_OK);
    cr_assert_eq(fl_promclient__parse(c1, strlen(c1), FL_PROMCLIENT__MATRIX, "p", &a, &d), FL_OK,
                 "%s", d.msg);
    cr_assert_eq(fl_promclient__parse(c2, strlen(c2), FL_PROMCLIENT__MATRIX, "p", &a, &d), FL_OK,
                 "%s", d.msg);
    cr_assert_eq(a.n_series, 2);
    fl_promclient__acc_sort(&a);
    cr_assert_str_eq(a.series[0].labels[1].value, "0");
    const struct fl_promclient__series *s = &a.series[1];
    cr_assert_eq(s->n, 5);
    static const double want[] = {1, 2, 3, 4, 5};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(s->ts_ms[i], (int64_t)i * 1000, "point %zu", i);
        cr_assert_eq(s->values[i], want[i], "point %zu", i);
    }
    cr_assert_eq(a.n_points, 6);
    fl_promclient__acc_cleanup(&a);
}

Test(promclient, parses_series_answer)
{
    static const char *const body =
        "{\"status\":\"success\",\"data\":[{\"__name__\":\"up\",\"job\":\"prometheus\","
        "\"instance\":\"localhost:9090\"},{\"__name__\":\"up\",\"job\":\"node\","
        "\"instance\":\"localhost:9091\"}]}";
    struct fl_promclient__acc a;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_promclient__acc_init(&a, 0, 0), FL_OK);
    cr_assert_eq(fl_promclient__parse(body, strlen(body), FL_PROMCLIENT__SERIES, "p", &a, &d),
                 FL_OK, "%s", d.msg);
    cr_assert_eq(a.n_series, 2);
    fl_promclient__acc_sort(&a);
    /* label sets compare name by name: instance 9090 < 9091 decides before job */
    cr_assert_str_eq(a.series[0].labels[1].value, "localhost:9090");
    cr_assert_str_eq(a.series[0].labels[2].value, "prometheus");
    cr_assert_eq(a.series[0].n, 0);
    cr_assert_str_eq(a.series[1].labels[2].value, "node");
    fl_promclient__acc_cleanup(&a);
}

Test(promclient, surfaces_api_error)
{
    static const char *const body =
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
        "\\\"query\\\": 1:4: parse error: unexpected \\\"}\\\"\"}";
    struct fl_promclient__acc a;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_promclient__acc_init(&a, 0, 0), FL_OK);
    fl_err e = fl_promclient__parse(body, strlen(body), FL_PROMCLIENT__MATRIX,
                                    "prometheus http://127.0.0.1:9090", &a, &d);
    cr_assert_eq(e, FL_EREMOTE);
    cr_assert_str_eq(d.msg, "prometheus http://127.0.0.1:9090: bad_data: invalid parameter "
                            "\"query\": 1:4: parse error: unexpected \"}\"");
    fl_promclient__acc_cleanup(&a);
}

struct bad_case {
    const char *name;
    const char *body;
    fl_err want;
};

static const struct bad_case bad_cases[] = {
    {"not json", "<html>502 Bad Gateway</html>", FL_EPARSE},
    {"empty", "", FL_EPARSE},
    {"array", "[]", FL_EPARSE},
    {"no status", "{\"data\":{\"resultType\":\"matrix\",\"result\":[]}}", FL_EPARSE},
    {"no data", "{\"status\":\"success\"}", FL_EPARSE},
    {"vector", "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
     FL_EPARSE},
    {"no resultType", "{\"status\":\"success\",\"data\":{\"result\":[]}}", FL_EPARSE},
    {"number value",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
     "\"values\":[[1,1]]}]}}",
     FL_EPARSE},
    {"bad value",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
     "\"values\":[[1,\"abc\"]]}]}}",
     FL_EPARSE},
    {"three-element point",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
     "\"values\":[[1,\"1\",2]]}]}}",
     FL_EPARSE},
    {"string timestamp",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
     "\"values\":[[\"1\",\"1\"]]}]}}",
     FL_EPARSE},
    {"huge timestamp",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
     "\"values\":[[1e300,\"1\"]]}]}}",
     FL_EPARSE},
    {"label not string",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":"
     "{\"a\":1},\"values\":[]}]}}",
     FL_EPARSE},
    {"duplicate label",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":"
     "{\"a\":\"1\",\"a\":\"2\"},\"values\":[]}]}}",
     FL_EPARSE},
    {"no metric",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[]}]}}",
     FL_EPARSE},
    {"trailing junk",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}} x", FL_EPARSE},
    {"truncated",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},",
     FL_EPARSE},
};

Test(promclient, rejects_malformed_answers)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        struct fl_promclient__acc a;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_promclient__acc_init(&a, 0, 0), FL_OK);
        fl_err e = fl_promclient__parse(c->body, strlen(c->body), FL_PROMCLIENT__MATRIX, "p", &a,
                                        &d);
        cr_assert_eq(e, c->want, "%s: got %s (%s)", c->name, fl_err_name(e), d.msg);
        cr_assert_eq(d.code, c->want, "%s: diag code", c->name);
        cr_assert_neq(d.msg[0], '\0', "%s: no message", c->name);
        fl_promclient__acc_cleanup(&a);
    }
}

Test(promclient, empty_result_is_fine)
{
    static const char *const body =
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}";
    struct fl_promclient__acc a;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_promclient__acc_init(&a, 0, 0), FL_OK);
    cr_assert_eq(fl_promclient__parse(body, strlen(body), FL_PROMCLIENT__MATRIX, "p", &a, &d),
                 FL_OK, "%s", d.msg);
    cr_assert_eq(a.n_series, 0);
    fl_promclient__acc_cleanup(&a);
}

Test(promclient, caps)
{
    struct fl_promclient__acc a;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_promclient__acc_init(&a, 2, 0), FL_OK);
    fl_err e = fl_promclient__parse(matrix1, strlen(matrix1), FL_PROMCLIENT__MATRIX, "p", &a, &d);
    cr_assert_eq(e, FL_ELIMIT, "series cap: %s", fl_err_name(e));
    fl_promclient__acc_cleanup(&a);

    fl_diag_init(&d);
    cr_assert_eq(fl_promclient__acc_init(&a, 0, 4), FL_OK);
    e = fl_promclient__parse(matrix1, strlen(matrix1), FL_PROMCLIENT__MATRIX, "p", &a, &d);
    cr_assert_eq(e, FL_ELIMIT, "point cap: %s", fl_err_name(e));
    cr_assert_leq(a.n_points, 4);
    fl_promclient__acc_cleanup(&a);
}

Test(promclient, argument_errors_without_network)
{
    struct fl_promclient_opts o = {.url = "http://127.0.0.1:1", .timeout_ms = 1000};
    struct fl_promclient_opts nourl = {.url = "", .timeout_ms = 1000};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_promclient_query_range(&o, "up", 10, 0, 1000, NULL, NULL, &d), FL_EINVAL);
    fl_diag_init(&d);
    cr_assert_eq(fl_promclient_query_range(&o, "up", 0, 10, 0, NULL, NULL, &d), FL_EINVAL);
    fl_diag_init(&d);
    cr_assert_eq(fl_promclient_query_range(&o, "", 0, 10, 1, NULL, NULL, &d), FL_EINVAL);
    fl_diag_init(&d);
    cr_assert_eq(fl_promclient_query_range(&nourl, "up", 0, 10, 1, NULL, NULL, &d), FL_EINVAL);
}

static int never(const struct fl_label *l, size_t nl, const int64_t *t, const double *v, size_t n,
                 void *ud)
{
    (void)l;
    (void)nl;
    (void)t;
    (void)v;
    (void)n;
    *(int *)ud = 1;
    return 0;
}

Test(promclient, connection_refused_is_enet)
{
    /* port 1 on loopback: nothing listens there on a test machine */
    struct fl_promclient_opts o = {.url = "http://127.0.0.1:1/", .timeout_ms = 2000};
    struct fl_diag d;
    int called = 0;
    fl_diag_init(&d);
    fl_err e = fl_promclient_query_range(&o, "up", 0, 10000, 1000, never, &called, &d);
    cr_assert_eq(e, FL_ENET, "%s: %s", fl_err_name(e), d.msg);
    cr_assert_eq(called, 0);
    cr_assert(strstr(d.msg, "prometheus http://127.0.0.1:1: ") == d.msg, "%s", d.msg);
}

/* Hostile answers: every truncation and a single-byte mutation at every offset of a valid answer
 * must give FL_OK or a clean error with a message, never a crash (ASan/valgrind watch leaks). */
Test(promclient, survives_truncation_and_mutation)
{
    size_t len = strlen(matrix1), n_ok = 0, n_err = 0;
    static const char subst[] = {'"', '{', ']', '\\', '0', ',', 'x', '\0'};
    char *buf = malloc(len + 1);
    cr_assert_not_null(buf);
    fl_log_set_level(FL_LOG_OFF); /* the answer's warning would be logged once per variant */
    for (size_t cut = 0; cut <= len; cut++) {
        for (size_t m = 0; m <= sizeof subst; m++) {
            memcpy(buf, matrix1, len);
            size_t n = cut;
            if (m < sizeof subst) { /* mutate byte `cut` of the full answer */
                if (cut == len)
                    continue;
                buf[cut] = subst[m];
                n = len;
            }
            struct fl_promclient__acc a;
            struct fl_diag d;
            fl_diag_init(&d);
            cr_assert_eq(fl_promclient__acc_init(&a, 0, 0), FL_OK);
            fl_err e = fl_promclient__parse(buf, n, FL_PROMCLIENT__MATRIX, "p", &a, &d);
            if (e == FL_OK) {
                n_ok++;
            } else {
                n_err++;
                cr_assert_neq(d.msg[0], '\0', "cut %zu subst %zu: %s without message", cut, m,
                              fl_err_name(e));
            }
            fl_promclient__acc_cleanup(&a);
        }
    }
    free(buf);
    cr_assert_gt(n_err, len, "truncations must fail");
    cr_assert_gt(n_ok, 0, "some mutations (inside strings) stay valid");
}
