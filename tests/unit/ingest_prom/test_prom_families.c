/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_prom_families.c: which family a sample is attributed to when a family's samples come back
 * after another family's lines (suffixed names like foo_total, foo_count): an OpenMetrics error
 * ("families must not interleave"), a reopened family in text format (Prometheus accepts it there).
 * Also OpenMetrics' per-type value rules (counter totals, stateset and info values), which text
 * format does not have.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/buf.h"
#include "ingest/prom.h"

/* Renders each sample as "name:family/type;" so one string compares a whole parse. */
static fl_err fam_of(const struct fl_prom_sample *s, void *ud)
{
    fl_buf_printf(ud, "%.*s:%.*s/%s;", (int)s->name.len, s->name.p, (int)s->family.len,
                  s->family.p, s->type);
    return FL_OK;
}

struct fam_case {
    enum fl_prom_format fmt;
    const char *in;
    const char *want;       /* rendering of the samples reported */
    unsigned long err_line; /* 0 = must parse */
};

static const struct fam_case fam_cases[] = {
    {FL_PROM_OPENMETRICS,
     "# TYPE a counter\na_total{x=\"1\"} 1\n# TYPE b gauge\nb 1\na_total{x=\"2\"} 1\n# EOF\n",
     "a_total:a/counter;b:b/gauge;", 5},
    {FL_PROM_OPENMETRICS,
     "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nb 1\nh_count 1\n# EOF\n",
     "h_bucket:h/histogram;b:b/unknown;", 4},
    {FL_PROM_OPENMETRICS, "# TYPE i info\ni_info 1\ng 2\ni_info 1\n# EOF\n",
     "i_info:i/info;g:g/unknown;", 4},
    {FL_PROM_TEXT,
     "# TYPE a counter\na_total{x=\"1\"} 1\n# TYPE b gauge\nb 1\na_total{x=\"2\"} 1\n",
     "a_total:a/counter;b:b/gauge;a_total:a/counter;", 0},
    {FL_PROM_TEXT, "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nb 1\nh_count 1\nh_sum 2\n",
     "h_bucket:h/histogram;b:b/untyped;h_count:h/histogram;h_sum:h/histogram;", 0},
    /* Untyped/unknown families take no suffixes: a_total is a family of its own. */
    {FL_PROM_OPENMETRICS, "a 1\nb 1\na_total 1\n# EOF\n",
     "a:a/unknown;b:b/unknown;a_total:a_total/unknown;", 0},
    {FL_PROM_TEXT, "# TYPE g gauge\ng 1\nx 1\ng_total 1\n",
     "g:g/gauge;x:x/untyped;g_total:g_total/untyped;", 0},
};

Test(prom_families, interleaving_and_reopening)
{
    struct fl_prom_parser *p = NULL;
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    for (size_t i = 0; i < sizeof fam_cases / sizeof fam_cases[0]; i++) {
        const struct fam_case *c = &fam_cases[i];
        struct fl_buf b;
        struct fl_diag d;
        fl_buf_init(&b, 1 << 16);
        fl_diag_init(&d);
        fl_err e = fl_prom_parse(p, c->in, strlen(c->in), c->fmt, fam_of, NULL, &b, &d);
        if (c->err_line) {
            cr_assert_eq(e, FL_EPARSE, "case %zu: %s", i, fl_err_name(e));
            cr_assert_eq(d.line, c->err_line, "case %zu: line %lu", i, d.line);
            cr_assert_eq(d.column, 1, "case %zu", i);
            cr_assert(strstr(d.msg, "is not contiguous") != NULL, "case %zu: %s", i, d.msg);
        } else {
            cr_assert_eq(e, FL_OK, "case %zu: %lu:%lu: %s", i, d.line, d.column, d.msg);
        }
        cr_assert_str_eq(b.data ? b.data : "", c->want, "case %zu", i);
        fl_buf_cleanup(&b);
    }
    fl_prom_parser_free(p);
}

struct value_case {
    const char *in;         /* OpenMetrics; also parsed as text after dropping "# EOF" */
    unsigned long err_line; /* OpenMetrics error line, 0 = valid */
    const char *msg;
};

static const struct value_case value_cases[] = {
    {"# TYPE c counter\nc_total 0\nc_total{a=\"1\"} 1.5e300\n# EOF\n", 0, NULL},
    {"# TYPE c counter\nc_total -1\n# EOF\n", 2, "counter total must be a non-negative number"},
    {"# TYPE c counter\nc_total NaN\n# EOF\n", 2, "counter total must be a non-negative number"},
    {"# TYPE c counter\nc_total 1\nc_created -5\n# EOF\n", 0, NULL},
    {"# TYPE s stateset\ns{s=\"a\"} 1\ns{s=\"b\"} 0\n# EOF\n", 0, NULL},
    {"# TYPE s stateset\ns{s=\"a\"} 1\ns{s=\"b\"} 2\n# EOF\n", 3,
     "stateset sample value must be 0 or 1"},
    {"# TYPE s stateset\ns{s=\"a\"} NaN\n# EOF\n", 2, "stateset sample value must be 0 or 1"},
    {"# TYPE i info\ni_info{v=\"1.2\"} 1\n# EOF\n", 0, NULL},
    {"# TYPE i info\ni_info{v=\"1.2\"} 0\n# EOF\n", 2, "info sample value must be 1"},
    {"# TYPE g gauge\ng -1\ng{a=\"1\"} NaN\n# EOF\n", 0, NULL},
    /* a bucket's exemplar value lies in (previous le, le] */
    {"# TYPE h histogram\nh_bucket{le=\"0.5\"} 1 # {trace_id=\"a\"} 0.5\n"
     "h_bucket{le=\"1\"} 2 # {trace_id=\"b\"} 0.75\nh_bucket{le=\"+Inf\"} 3 # {} 9e9\n# EOF\n",
     0, NULL},
    {"# TYPE h histogram\nh_bucket{le=\"0.5\"} 1 # {} -7\nh_bucket{le=\"+Inf\"} 1\n# EOF\n", 0,
     NULL},
    {"# TYPE h histogram\nh_bucket{le=\"0.5\"} 1 # {trace_id=\"a\"} 0.7\n"
     "h_bucket{le=\"+Inf\"} 1\n# EOF\n",
     2, "exemplar value 0.7 is outside its bucket (-Inf, 0.5]"},
    {"# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"1\"} 1 # {} 0.5\n"
     "h_bucket{le=\"+Inf\"} 1\n# EOF\n",
     3, "exemplar value 0.5 is outside its bucket (0.5, 1]"},
    {"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1 # {} NaN\n# EOF\n", 2,
     "exemplar value NaN is outside its bucket (-Inf, +Inf]"},
};

Test(prom_families, openmetrics_value_rules)
{
    struct fl_prom_parser *p = NULL;
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    for (size_t i = 0; i < sizeof value_cases / sizeof value_cases[0]; i++) {
        const struct value_case *c = &value_cases[i];
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_prom_parse(p, c->in, strlen(c->in), FL_PROM_OPENMETRICS, NULL, NULL, NULL,
                                 &d);
        if (c->err_line) {
            cr_assert_eq(e, FL_EPARSE, "case %zu: %s", i, fl_err_name(e));
            cr_assert_eq(d.line, c->err_line, "case %zu: line %lu", i, d.line);
            cr_assert_eq(d.column, 1, "case %zu", i);
            cr_assert_str_eq(d.msg, c->msg, "case %zu", i);
        } else {
            cr_assert_eq(e, FL_OK, "case %zu: %lu:%lu: %s", i, d.line, d.column, d.msg);
        }
        /* Text format has no such rules (and its counters/statesets are just numbers). */
        const char *eof = strstr(c->in, "# EOF\n");
        if (strstr(c->in, "stateset") || strstr(c->in, " info\n") || strstr(c->in, " # {"))
            continue; /* not text-format types; text format has no exemplars */
        fl_diag_init(&d);
        e = fl_prom_parse(p, c->in, (size_t)(eof - c->in), FL_PROM_TEXT, NULL, NULL, NULL, &d);
        cr_assert_eq(e, FL_OK, "case %zu as text: %lu:%lu: %s", i, d.line, d.column, d.msg);
    }
    fl_prom_parser_free(p);
}

/* OpenMetrics' ABNF is strict about metadata lines and histogram points; text format is not. */
struct strict_case {
    const char *in;
    unsigned long line, col; /* OpenMetrics error position, 0 = valid */
    const char *msg;
};

static const struct strict_case strict_cases[] = {
    {"# HELP a\n# EOF\n", 1, 9,
     "expected exactly one space after the metric name in HELP, got end of line"},
    {"# TYPE  a gauge\n# EOF\n", 1, 7, "expected exactly one space after TYPE"},
    {"# TYPE a  gauge\n# EOF\n", 1, 9,
     "expected exactly one space after the metric name in TYPE, got ' '"},
    {"# TYPE a gauge \n# EOF\n", 1, 15, "unexpected text after metric type"},
    {"# UNIT a_s\n# EOF\n", 1, 11,
     "expected exactly one space after the metric name in UNIT, got end of line"},
    {"# UNIT a_s \n# EOF\n", 0, 0, NULL}, /* empty unit */
    {"# HELP a  two  spaces\n# EOF\n", 0, 0, NULL},
    {"# TYPE h histogram\nh_count 1\nh_sum 1\n# EOF\n", 2, 1,
     "histogram \"h\" has a count but no buckets (le=\"+Inf\" is required)"},
    {"# TYPE g gaugehistogram\ng_gcount 1\n# EOF\n", 2, 1,
     "histogram \"g\" has a count but no buckets (le=\"+Inf\" is required)"},
    {"# TYPE h histogram\nh_sum 1\n# EOF\n", 0, 0, NULL},
};

static fl_err help_of(const struct fl_prom_meta *m, void *ud)
{
    fl_buf_printf(ud, "[%.*s]", (int)m->help.len, m->help.p);
    return FL_OK;
}

Test(prom_families, openmetrics_strict_lines)
{
    struct fl_prom_parser *p = NULL;
    cr_assert_eq(fl_prom_parser_new(NULL, &p), FL_OK);
    for (size_t i = 0; i < sizeof strict_cases / sizeof strict_cases[0]; i++) {
        const struct strict_case *c = &strict_cases[i];
        struct fl_diag d;
        struct fl_buf b;
        fl_buf_init(&b, 4096);
        fl_diag_init(&d);
        fl_err e = fl_prom_parse(p, c->in, strlen(c->in), FL_PROM_OPENMETRICS, NULL, help_of, &b,
                                 &d);
        if (c->line) {
            cr_assert_eq(e, FL_EPARSE, "case %zu: %s", i, fl_err_name(e));
            cr_assert_eq(d.line, c->line, "case %zu: line %lu", i, d.line);
            cr_assert_eq(d.column, c->col, "case %zu: column %lu", i, d.column);
            cr_assert_str_eq(d.msg, c->msg, "case %zu", i);
        } else {
            cr_assert_eq(e, FL_OK, "case %zu: %lu:%lu: %s", i, d.line, d.column, d.msg);
        }
        fl_buf_cleanup(&b);
        /* The same lines (without # EOF, UNIT and OM-only types) are fine as text. */
        if (strstr(c->in, "UNIT") || strstr(c->in, "gaugehistogram"))
            continue;
        const char *eof = strstr(c->in, "# EOF\n");
        fl_diag_init(&d);
        e = fl_prom_parse(p, c->in, (size_t)(eof - c->in), FL_PROM_TEXT, NULL, NULL, NULL, &d);
        cr_assert_eq(e, FL_OK, "case %zu as text: %lu:%lu: %s", i, d.line, d.column, d.msg);
    }
    /* OpenMetrics keeps the HELP text after the one separating space verbatim. */
    static const char two[] = "# HELP a  two  spaces\n# EOF\n";
    struct fl_buf b;
    fl_buf_init(&b, 4096);
    cr_assert_eq(fl_prom_parse(p, two, sizeof two - 1, FL_PROM_OPENMETRICS, NULL, help_of, &b,
                               NULL),
                 FL_OK);
    cr_assert_str_eq(b.data, "[ two  spaces]");
    fl_buf_cleanup(&b);
    fl_prom_parser_free(p);
}
