/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_expo.c: the exposition writer (src/ingest/expo.c). Exact output for each escaping rule and
 * value form, then round trips: families written with fl_expo_* are parsed back with fl_prom_parse
 * and every name, label, value (bit for bit), timestamp, type and help text compared.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/record.h"
#include "ingest/expo.h"
#include "ingest/prom.h"

struct expo_case {
    const char *name;
    const char *type;
    const char *help;
    struct fl_label labels[3];
    size_t n;
    double v;
    int64_t ts_ms;
    const char *want;
};

static const struct expo_case cases[] = {
    {"up", "gauge", "Whether the target is up.", {{0}}, 0, 1, FL_TS_NONE,
     "# HELP up Whether the target is up.\n# TYPE up gauge\nup 1\n"},
    {"req_total", "counter", NULL, {{"code", "200"}, {"method", "GET"}}, 2, 1027, FL_TS_NONE,
     "# TYPE req_total counter\nreq_total{code=\"200\",method=\"GET\"} 1027\n"},
    {"h", NULL, "back\\slash and\nnewline \"quotes\" kept", {{0}}, 0, 0.1, FL_TS_NONE,
     "# HELP h back\\\\slash and\\nnewline \"quotes\" kept\nh 0.1\n"},
    {"esc", "gauge", NULL, {{"path", "C:\\DIR\\F.TXT"}, {"err", "line1\n\"q\""}}, 2, -2.5,
     FL_TS_NONE,
     "# TYPE esc gauge\nesc{path=\"C:\\\\DIR\\\\F.TXT\",err=\"line1\\n\\\"q\\\"\"} -2.5\n"},
    {"nan", "gauge", NULL, {{0}}, 0, NAN, FL_TS_NONE, "# TYPE nan gauge\nnan NaN\n"},
    {"pinf", "gauge", NULL, {{0}}, 0, INFINITY, FL_TS_NONE, "# TYPE pinf gauge\npinf +Inf\n"},
    {"ninf", "gauge", NULL, {{0}}, 0, -INFINITY, FL_TS_NONE, "# TYPE ninf gauge\nninf -Inf\n"},
    {"tiny", "gauge", NULL, {{0}}, 0, 5e-324, FL_TS_NONE,
     "# TYPE tiny gauge\ntiny 4.94065645841247e-324\n"},
    {"third", "gauge", NULL, {{0}}, 0, 1.0 / 3.0, 1395066363000,
     "# TYPE third gauge\nthird 0.3333333333333333 1395066363000\n"},
    {"big", "untyped", NULL, {{0}}, 0, 1e300, -5, "# TYPE big untyped\nbig 1e+300 -5\n"},
    {"my.metric", "gauge", "dotted", {{"label.x", "v"}}, 1, 7, FL_TS_NONE,
     "# HELP \"my.metric\" dotted\n# TYPE \"my.metric\" gauge\n"
     "{\"my.metric\",\"label.x\"=\"v\"} 7\n"},
    {"u", "gauge", NULL, {{"city", "K\xc3\xb8" "benhavn"}}, 1, 3, FL_TS_NONE,
     "# TYPE u gauge\nu{city=\"K\xc3\xb8" "benhavn\"} 3\n"},
};

static void write_case(struct fl_buf *b, const struct expo_case *c)
{
    fl_expo_family(b, c->name, c->type, c->help);
    if (c->ts_ms == FL_TS_NONE)
        fl_expo_sample(b, c->name, c->labels, c->n, c->v);
    else
        fl_expo_sample_ts(b, c->name, c->labels, c->n, c->v, c->ts_ms);
}

Test(expo, exact_output)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_buf b;
        fl_buf_init(&b, 1 << 16);
        write_case(&b, &cases[i]);
        cr_assert_eq(fl_buf_err(&b), FL_OK);
        cr_assert_str_eq(b.data, cases[i].want, "case %zu (%s)", i, cases[i].name);
        fl_buf_cleanup(&b);
    }
}

struct back {
    const struct expo_case *c;
    int samples, metas;
};

static int same_bits(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int str_is(struct fl_str s, const char *c)
{
    return s.len == strlen(c) && memcmp(s.p, c, s.len) == 0;
}

static fl_err on_sample(const struct fl_prom_sample *s, void *ud)
{
    struct back *bk = ud;
    const struct expo_case *c = bk->c;
    bk->samples++;
    cr_assert(str_is(s->name, c->name), "%s: name %.*s", c->name, (int)s->name.len, s->name.p);
    cr_assert_eq(s->n_labels, c->n, "%s", c->name);
    for (size_t k = 0; k < c->n; k++) {
        cr_assert(str_is(s->label_names[k], c->labels[k].name), "%s: label %zu", c->name, k);
        cr_assert(str_is(s->label_values[k], c->labels[k].value), "%s: value %zu", c->name, k);
    }
    cr_assert(same_bits(s->value, c->v), "%s: %.17g vs %.17g", c->name, s->value, c->v);
    cr_assert_eq(s->ts_ms, c->ts_ms, "%s", c->name);
    cr_assert(str_is(s->family, c->name), "%s: family", c->name);
    cr_assert_str_eq(s->type, c->type ? c->type : "untyped", "%s", c->name);
    return FL_OK;
}

static fl_err on_meta(const struct fl_prom_meta *m, void *ud)
{
    struct back *bk = ud;
    const struct expo_case *c = bk->c;
    bk->metas++;
    cr_assert(str_is(m->family, c->name), "%s: meta family", c->name);
    cr_assert_str_eq(m->type, c->type ? c->type : "untyped", "%s", c->name);
    cr_assert(str_is(m->help, c->help ? c->help : ""), "%s: help \"%.*s\"", c->name,
              (int)m->help.len, m->help.p);
    return FL_OK;
}

Test(expo, round_trip_through_parser)
{
    struct fl_prom_parser *p = NULL;
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_buf b;
        fl_buf_init(&b, 1 << 16);
        write_case(&b, &cases[i]);
        struct back bk = {&cases[i], 0, 0};
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_prom_parse(p, b.data, b.len, FL_PROM_TEXT, on_sample, on_meta, &bk, &d);
        cr_assert_eq(e, FL_OK, "case %zu: %lu:%lu: %s\n%s", i, d.line, d.column, d.msg, b.data);
        cr_assert_eq(bk.samples, 1, "case %zu", i);
        cr_assert_eq(bk.metas, 1, "case %zu", i);
        fl_buf_cleanup(&b);
    }
    fl_prom_parser_free(p);
}

/* A whole histogram written with fl_expo_sample_x reads back as one family of 6 samples. */
Test(expo, histogram_round_trip)
{
    static const double bounds[] = {0.005, 0.1, 1, INFINITY};
    static const double counts[] = {3, 10, 12, 15};
    const struct fl_label ls[] = {{"handler", "/v1/predict"}};
    struct fl_buf b;
    fl_buf_init(&b, 1 << 16);
    fl_expo_family(&b, "lat_seconds", "histogram", "Latency.");
    for (int k = 0; k < 4; k++) {
        char le[32];
        fl_expo_bound(le, sizeof le, bounds[k]);
        fl_expo_sample_x(&b, "lat_seconds_bucket", ls, 1, "le", le, counts[k]);
    }
    fl_expo_sample(&b, "lat_seconds_sum", ls, 1, 4.25);
    fl_expo_sample(&b, "lat_seconds_count", ls, 1, 15);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    cr_assert_str_eq(b.data,
                     "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n"
                     "lat_seconds_bucket{handler=\"/v1/predict\",le=\"0.005\"} 3\n"
                     "lat_seconds_bucket{handler=\"/v1/predict\",le=\"0.1\"} 10\n"
                     "lat_seconds_bucket{handler=\"/v1/predict\",le=\"1\"} 12\n"
                     "lat_seconds_bucket{handler=\"/v1/predict\",le=\"+Inf\"} 15\n"
                     "lat_seconds_sum{handler=\"/v1/predict\"} 4.25\n"
                     "lat_seconds_count{handler=\"/v1/predict\"} 15\n");
    struct fl_prom_parser *p = NULL;
    struct fl_batch bt;
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    cr_assert_eq(fl_batch_init(&bt, 0), FL_OK);
    size_t n = 0;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_prom_to_batch(p, b.data, b.len, FL_PROM_TEXT, 42, NULL, 0, &bt, &n, &d),
                 FL_OK, "%s", d.msg);
    cr_assert_eq(n, 6);
    cr_assert_eq(bt.n_series, 6);
    cr_assert_eq(bt.samples[3].value, 15);
    cr_assert_eq(bt.samples[3].ts_ms, 42);
    cr_assert_eq(bt.n_meta, 1);
    cr_assert_str_eq(bt.meta[0].family, "lat_seconds");
    cr_assert_str_eq(bt.meta[0].type, "histogram");
    fl_batch_cleanup(&bt);
    fl_prom_parser_free(p);
    fl_buf_cleanup(&b);
}

Test(expo, sticky_error_on_cap)
{
    struct fl_buf b;
    fl_buf_init(&b, 16);
    fl_expo_family(&b, "a_rather_long_metric_name", "gauge", "help text");
    fl_expo_sample(&b, "x", NULL, 0, 1);
    cr_assert_eq(fl_buf_err(&b), FL_ELIMIT);
    cr_assert_leq(b.len, 16);
    fl_buf_cleanup(&b);
}

static fl_err count_one(const struct fl_prom_sample *s, void *ud)
{
    (void)s;
    (*(int *)ud)++;
    return FL_OK;
}

/*
 * Caps apply to unescaped text: a quoted name of exactly FL_LIMIT_NAME_BYTES bytes that needs
 * escaping (backslashes, quotes) parses, survives a write-and-reparse, and one byte more does not.
 * (Found by fuzz_prom: "\q" kept verbatim on input is written back as "\\q", longer.)
 */
Test(expo, cap_counts_unescaped_bytes)
{
    char name[FL_LIMIT_NAME_BYTES + 2];
    struct fl_prom_parser *p = NULL;
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    for (int over = 0; over <= 1; over++) {
        for (size_t k = 0; k < sizeof name - 1; k++)
            name[k] = k % 3 == 0 ? '\\' : k % 3 == 1 ? '"' : 'q';
        name[FL_LIMIT_NAME_BYTES + over] = '\0';
        struct fl_buf b;
        fl_buf_init(&b, 1 << 16);
        fl_expo_sample(&b, name, NULL, 0, 1);
        cr_assert_eq(fl_buf_err(&b), FL_OK);
        cr_assert_gt(b.len, FL_LIMIT_NAME_BYTES * 3 / 2, "escaping makes the raw name longer");
        int n = 0;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_prom_parse(p, b.data, b.len, FL_PROM_TEXT, count_one, NULL, &n, &d);
        if (!over) {
            cr_assert_eq(e, FL_OK, "%lu:%lu: %s", d.line, d.column, d.msg);
            cr_assert_eq(n, 1);
        } else {
            cr_assert_eq(e, FL_ELIMIT);
            cr_assert_eq(d.column, 2);
            cr_assert_eq(n, 0);
        }
        fl_buf_cleanup(&b);
    }
    fl_prom_parser_free(p);
}
