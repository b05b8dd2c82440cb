/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_prom_batch.c: fl_prom_to_batch: series label sets (with __name__, sorted), default and
 * explicit timestamps, target labels and exported_ renaming as Prometheus does with
 * honor_labels: false, empty label values dropped, metadata, exemplars, and the limits.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/record.h"
#include "ingest/prom.h"

/* Render series i of the batch with fl_labels_format (canonical text). */
static char *series_text(const struct fl_batch *b, uint32_t i, char *out, size_t cap)
{
    struct fl_buf buf;
    fl_buf_init(&buf, 1 << 20);
    fl_labels_format(b->series[i].labels, b->series[i].n_labels, &buf);
    snprintf(out, cap, "%s", buf.data ? buf.data : "");
    fl_buf_cleanup(&buf);
    return out;
}

struct fixture {
    struct fl_prom_parser *p;
    struct fl_batch b;
    struct fl_diag d;
};

static void setup(struct fixture *f, const struct fl_limits *lim)
{
    cr_assert_eq(fl_prom_parser_new(lim, &f->p), FL_OK);
    cr_assert_eq(fl_batch_init(&f->b, 0), FL_OK);
    fl_diag_init(&f->d);
}

static void teardown(struct fixture *f)
{
    fl_batch_cleanup(&f->b);
    fl_prom_parser_free(f->p);
}

Test(prom_batch, series_samples_meta)
{
    struct fixture f;
    setup(&f, NULL);
    const char *in = "# HELP up Is it up?\n# TYPE up gauge\nup{b=\"2\",a=\"1\"} 1\n"
                     "up{a=\"1\",b=\"2\"} 0 1234\nother{x=\"\"} 7\n";
    size_t n = 99;
    cr_assert_eq(fl_prom_to_batch(f.p, in, strlen(in), FL_PROM_TEXT, 5000, NULL, 0, &f.b, &n,
                                  &f.d),
                 FL_OK, "%s", f.d.msg);
    cr_assert_eq(n, 3);
    cr_assert_eq(f.b.n_samples, 3);
    cr_assert_eq(f.b.n_series, 2, "label order must not create a new series");
    char s[256];
    cr_assert_str_eq(series_text(&f.b, f.b.samples[0].series, s, sizeof s), "up{a=\"1\",b=\"2\"}");
    cr_assert_eq(f.b.samples[0].series, f.b.samples[1].series);
    cr_assert_eq(f.b.samples[0].ts_ms, 5000);
    cr_assert_eq(f.b.samples[1].ts_ms, 1234);
    cr_assert_eq(f.b.samples[1].value, 0.0);
    /* empty label value = absent */
    cr_assert_str_eq(series_text(&f.b, f.b.samples[2].series, s, sizeof s), "other");
    cr_assert_eq(f.b.n_meta, 1);
    cr_assert_str_eq(f.b.meta[0].family, "up");
    cr_assert_str_eq(f.b.meta[0].type, "gauge");
    cr_assert_str_eq(f.b.meta[0].help, "Is it up?");
    cr_assert_null(f.b.meta[0].unit);
    teardown(&f);
}

Test(prom_batch, exported_renaming)
{
    struct fixture f;
    setup(&f, NULL);
    const struct fl_label extra[] = {{"instance", "host:9100"}, {"job", "node"}};
    const char *in = "a{job=\"exposed\",x=\"1\"} 1\n"
                     "b{job=\"j\",exported_job=\"e\",instance=\"i\"} 2\n"
                     "c{instance=\"\"} 3\n";
    cr_assert_eq(fl_prom_to_batch(f.p, in, strlen(in), FL_PROM_TEXT, 1, extra, 2, &f.b, NULL,
                                  &f.d),
                 FL_OK, "%s", f.d.msg);
    char s[256];
    cr_assert_str_eq(series_text(&f.b, f.b.samples[0].series, s, sizeof s),
                     "a{exported_job=\"exposed\",instance=\"host:9100\",job=\"node\",x=\"1\"}");
    /* exported_job is taken by the exposition, so job becomes exported_exported_job; the
       shorter "job" is resolved before "instance" (Prometheus sorts conflicts by name length) */
    cr_assert_str_eq(series_text(&f.b, f.b.samples[1].series, s, sizeof s),
                     "b{exported_exported_job=\"j\",exported_instance=\"i\",exported_job=\"e\","
                     "instance=\"host:9100\",job=\"node\"}");
    /* an empty exposed value is no conflict */
    cr_assert_str_eq(series_text(&f.b, f.b.samples[2].series, s, sizeof s),
                     "c{instance=\"host:9100\",job=\"node\"}");
    teardown(&f);
}

Test(prom_batch, exemplars_and_om_meta)
{
    struct fixture f;
    setup(&f, NULL);
    const char *in = "# TYPE rpc counter\n# UNIT rpc \n# HELP rpc Calls.\n"
                     "rpc_total{m=\"x\"} 3 10.5 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\","
                     "user=\"u\"} 1 10.25\n"
                     "# TYPE lat_seconds histogram\n# UNIT lat_seconds seconds\n"
                     "lat_seconds_bucket{le=\"1\"} 1 # {traceID=\"t2\"} 0.5\n"
                     "lat_seconds_bucket{le=\"+Inf\"} 1\n# EOF\n";
    cr_assert_eq(fl_prom_to_batch(f.p, in, strlen(in), FL_PROM_OPENMETRICS, 777, NULL, 0, &f.b,
                                  NULL, &f.d),
                 FL_OK, "%s", f.d.msg);
    cr_assert_eq(f.b.n_exemplars, 2);
    const struct fl_exemplar *x = &f.b.exemplars[0];
    cr_assert_eq(x->series, f.b.samples[0].series);
    cr_assert_eq(x->sample_ts_ms, 10500);
    cr_assert_eq(x->ts_ms, 10250);
    cr_assert_eq(x->value, 1.0);
    cr_assert_eq(x->n_labels, 2);
    cr_assert_str_eq(x->labels[1].name, "user");
    cr_assert_str_eq(x->labels[1].value, "u");
    cr_assert_str_eq(x->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    x = &f.b.exemplars[1];
    cr_assert_eq(x->sample_ts_ms, 777);
    cr_assert_eq(x->ts_ms, FL_TS_NONE);
    cr_assert_str_eq(x->trace_id, "t2");
    cr_assert_eq(f.b.n_meta, 2);
    cr_assert_str_eq(f.b.meta[0].family, "rpc");
    cr_assert_str_eq(f.b.meta[0].help, "Calls.");
    cr_assert_null(f.b.meta[0].unit);
    cr_assert_str_eq(f.b.meta[1].type, "histogram");
    cr_assert_str_eq(f.b.meta[1].unit, "seconds");
    cr_assert_null(f.b.meta[1].help);
    teardown(&f);
}

Test(prom_batch, limits)
{
    struct fixture f;
    struct fl_limits lim;
    fl_limits_default(&lim);
    lim.labels_per_series = 3;
    lim.series_per_target = 2;
    setup(&f, &lim);
    const struct fl_label extra[] = {{"job", "j"}, {"instance", "i"}};
    /* 2 exposed + 2 target labels = 4 > 3 */
    const char *in = "a{x=\"1\",y=\"2\"} 1\n";
    cr_assert_eq(fl_prom_to_batch(f.p, in, strlen(in), FL_PROM_TEXT, 0, extra, 2, &f.b, NULL,
                                  &f.d),
                 FL_ELIMIT);
    cr_assert_str_eq(f.d.msg, "series \"a\" has 4 labels (with target labels), more than the "
                              "limit of 3");
    cr_assert_eq(f.d.line, 1);
    fl_batch_reset(&f.b);
    fl_diag_init(&f.d);
    /* repeated series count once; the third distinct one is over the limit */
    in = "a 1\na 2\nb 1\nc 1\n";
    size_t n = 0;
    cr_assert_eq(fl_prom_to_batch(f.p, in, strlen(in), FL_PROM_TEXT, 0, NULL, 0, &f.b, &n, &f.d),
                 FL_ELIMIT);
    cr_assert_str_eq(f.d.msg, "more than 2 series in one exposition");
    cr_assert_eq(f.d.line, 4);
    cr_assert_eq(n, 3);
    teardown(&f);
}

Test(prom_batch, parse_error_passes_through)
{
    struct fixture f;
    setup(&f, NULL);
    const char *in = "a 1\nb{ 2\n";
    cr_assert_eq(fl_prom_to_batch(f.p, in, strlen(in), FL_PROM_TEXT, 0, NULL, 0, &f.b, NULL,
                                  &f.d),
                 FL_EPARSE);
    cr_assert_eq(f.d.line, 2);
    cr_assert_eq(f.d.column, 4);
    teardown(&f);
}

Test(prom_batch, a_second_exposition_finds_the_same_series)
{
    struct fixture f;
    struct fl_limits lim;
    fl_limits_default(&lim);
    lim.series_per_target = 4;
    setup(&f, &lim);
    const struct fl_label extra[] = {{"job", "j"}};
    const char *in = "# TYPE h histogram\nh_bucket{le=\"1\",x=\"a\"} 1\n"
                     "h_bucket{x=\"a\",le=\"+Inf\"} 2\n"
                     "h_sum{x=\"a\"} 3\nh_count{x=\"a\"} 2\n";
    size_t n = 0;
    cr_assert_eq(fl_prom_to_batch(f.p, in, strlen(in), FL_PROM_TEXT, 10, extra, 1, &f.b, &n, &f.d),
                 FL_OK, "%s", f.d.msg);
    cr_assert_eq(f.b.n_series, 4);
    /* Only new series count against series_per_target: the same four again are no new ones. */
    cr_assert_eq(fl_prom_to_batch(f.p, in, strlen(in), FL_PROM_TEXT, 20, extra, 1, &f.b, &n, &f.d),
                 FL_OK, "%s", f.d.msg);
    cr_assert_eq(n, 4);
    cr_assert_eq(f.b.n_series, 4);
    cr_assert_eq(f.b.n_samples, 8);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(f.b.samples[i].series, i);
        cr_assert_eq(f.b.samples[i + 4].series, i);
        cr_assert_eq(f.b.samples[i + 4].ts_ms, 20);
    }
    char s[256];
    cr_assert_str_eq(series_text(&f.b, 1, s, sizeof s), "h_bucket{job=\"j\",le=\"+Inf\",x=\"a\"}");
    cr_assert_str_eq(series_text(&f.b, 3, s, sizeof s), "h_count{job=\"j\",x=\"a\"}");
    teardown(&f);
}

Test(prom_batch, many_labels_and_many_target_labels)
{
    struct fixture f;
    struct fl_limits lim;
    fl_limits_default(&lim);
    lim.labels_per_series = 200;
    setup(&f, &lim);
    /* 80 exposed labels (more than fit the on-stack array) and 20 target labels, two of which
       collide with exposed ones. */
    struct fl_buf in;
    fl_buf_init(&in, 1 << 20);
    fl_buf_puts(&in, "m{");
    for (int i = 0; i < 80; i++)
        fl_buf_printf(&in, "%sl%02d=\"v%d\"", i ? "," : "", 79 - i, i);
    fl_buf_puts(&in, "} 1\n");
    struct fl_label extra[20];
    char names[20][8], values[20][8];
    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof names[i], "t%02d", i);
        snprintf(values[i], sizeof values[i], "x%d", i);
        extra[i] = (struct fl_label){names[i], values[i]};
    }
    extra[5].name = "l03";
    extra[6].name = "l10";
    cr_assert_eq(fl_prom_to_batch(f.p, in.data, in.len, FL_PROM_TEXT, 0, extra, 20, &f.b, NULL,
                                  &f.d),
                 FL_OK, "%s", f.d.msg);
    cr_assert_eq(f.b.n_series, 1);
    const struct fl_series *s = &f.b.series[0];
    cr_assert_eq(s->n_labels, 101);
    cr_assert_str_eq(s->labels[0].name, "__name__");
    cr_assert_str_eq(s->labels[1].name, "exported_l03");
    cr_assert_str_eq(s->labels[1].value, "v76");
    cr_assert_str_eq(s->labels[2].name, "exported_l10");
    cr_assert_str_eq(s->labels[2].value, "v69");
    cr_assert_str_eq(s->labels[3].name, "l00");
    cr_assert_str_eq(s->labels[3].value, "v79");
    cr_assert_str_eq(s->labels[6].name, "l03");
    cr_assert_str_eq(s->labels[6].value, "x5");
    cr_assert_str_eq(s->labels[100].name, "t19");
    cr_assert_eq(s->hash, fl_labels_hash(s->labels, s->n_labels));
    fl_buf_cleanup(&in);
    teardown(&f);
}

Test(prom_batch, allocation_failures_are_clean)
{
    const char *in = "# HELP a x\n# TYPE a gauge\na{x=\"1\",job=\"exposed\"} 1\n"
                     "# TYPE c counter\nc_total{q=\"2\"} 2 # {trace_id=\"t\"} 1\n"
                     "c_total{q=\"3\"} 3\n# EOF\n";
    const struct fl_label extra[] = {{"job", "j"}, {"instance", "i"}};
    int saw_enomem = 0, saw_ok = 0;
    for (long n = 0; n < 200 && !saw_ok; n++) {
        struct fl_prom_parser *p = NULL;
        struct fl_batch b;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_batch_init(&b, 0);
        cr_assert_eq(e, FL_OK);
        cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
        fl_alloc_fail_after(n);
        e = fl_prom_to_batch(p, in, strlen(in), FL_PROM_OPENMETRICS, 0, extra, 2, &b, NULL, &d);
        fl_alloc_fail_after(-1);
        cr_assert(e == FL_OK || e == FL_ENOMEM, "n=%ld: %s %s", n, fl_err_name(e), d.msg);
        saw_enomem |= e == FL_ENOMEM;
        if (e == FL_OK) {
            saw_ok = 1;
            cr_assert_eq(b.n_series, 3);
            cr_assert_eq(b.n_samples, 3);
            cr_assert_eq(b.n_exemplars, 1);
            char s[256];
            cr_assert_str_eq(series_text(&b, 0, s, sizeof s),
                             "a{exported_job=\"exposed\",instance=\"i\",job=\"j\",x=\"1\"}");
        }
        fl_batch_cleanup(&b);
        fl_prom_parser_free(p);
    }
    cr_assert(saw_enomem);
    cr_assert(saw_ok);
}

Test(prom_batch, a_limit_wins_over_a_parse_error_on_the_next_line)
{
    /* The series of a sample is looked up once the next line is parsed; its error must still be
       the one reported, as if the parse had stopped there. */
    static const struct {
        const char *in;
        size_t series_per_target, max_records;
        fl_err want;
        unsigned long line;
        const char *msg;
        size_t n_samples;
    } cases[] = {
        {"a 1\nb 1\nc 1\nd{ 2\n", 2, 0, FL_ELIMIT, 3, "more than 2 series in one exposition", 2},
        {"a 1\nb 1\nc 1\n", 2, 0, FL_ELIMIT, 3, "more than 2 series in one exposition", 2},
        {"a 1\nb 1\nc 1\nd{ 2\n", 9, 2, FL_ELIMIT, 3,
         "sample: input exceeds a configured limit", 2},
        {"a 1\nb 1\nc{ 1\n", 2, 0, FL_EPARSE, 3, NULL, 2},
        {"# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\nc 1\n", 1, 0, FL_ELIMIT, 4,
         "more than 1 series in one exposition", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fixture f;
        struct fl_limits lim;
        fl_limits_default(&lim);
        lim.series_per_target = cases[i].series_per_target;
        cr_assert_eq(fl_prom_parser_new(&lim, &f.p), FL_OK);
        cr_assert_eq(fl_batch_init(&f.b, cases[i].max_records), FL_OK);
        fl_diag_init(&f.d);
        size_t n = 99;
        fl_err e = fl_prom_to_batch(f.p, cases[i].in, strlen(cases[i].in), FL_PROM_TEXT, 0, NULL,
                                    0, &f.b, &n, &f.d);
        cr_assert_eq(e, cases[i].want, "case %zu: %s %s", i, fl_err_name(e), f.d.msg);
        cr_assert_eq(f.d.code, cases[i].want, "case %zu", i);
        cr_assert_eq(f.d.line, cases[i].line, "case %zu", i);
        if (cases[i].msg)
            cr_assert_str_eq(f.d.msg, cases[i].msg, "case %zu", i);
        cr_assert_eq(n, cases[i].n_samples, "case %zu", i);
        cr_assert_eq(f.b.n_samples, cases[i].n_samples, "case %zu", i);
        teardown(&f);
    }
}
