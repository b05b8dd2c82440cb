/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_schema.c: data schemas (src/monitor/schema.c): every inference rule (type, required,
 * null rate, wrong-type share, range margin and rounding, domain rule, row band, reference bins),
 * the YAML round trip (including names and values YAML cannot hold plainly), every reader error
 * with its line, column and key path, the reader's caps, and allocation failures.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "monitor/schema.h"

static struct fl_diag diag;

static struct fl_schema *infer(const char *in, const char *name,
                               const struct fl_schema_infer_opts *o)
{
    struct fl_table *t = NULL;
    struct fl_schema *s = NULL;
    fl_diag_init(&diag);
    cr_assert_eq(fl_table_open_mem(in, strlen(in), name, NULL, &t, &diag), FL_OK, "%s", diag.msg);
    fl_err e = fl_schema_infer(t, o, &s, &diag);
    fl_table_free(t);
    cr_assert_eq(e, FL_OK, "%s", diag.msg);
    return s;
}

static const struct fl_schema_column *col(const struct fl_schema *s, const char *name)
{
    long i = fl_schema_find(s, name);
    cr_assert(i >= 0, "no column %s", name);
    return &s->cols[i];
}

static char *emit(const struct fl_schema *s)
{
    struct fl_buf b;
    fl_buf_init(&b, 1u << 24);
    fl_schema_emit(s, &b);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    return fl_buf_take(&b);
}

static struct fl_schema *parse(const char *yml)
{
    struct fl_schema *s = NULL;
    fl_diag_init(&diag);
    cr_assert_eq(fl_schema_parse(yml, strlen(yml), "s.yml", &s, &diag), FL_OK,
                 "%lu:%lu: %s: %s\n%s", diag.line, diag.column, diag.field, diag.msg, yml);
    return s;
}

Test(schema, infer_types_nulls_and_wrong_type_share)
{
    /* 20 rows: n int, x float, s string with 2 values, b bool, m mostly numbers, e always empty */
    char in[4096] = "n,x,s,b,m,e\n";
    for (int i = 0; i < 20; i++) {
        char row[128];
        snprintf(row, sizeof row, "%d,%d.5,%s,%s,%s,\n", i * 10, i, i % 3 ? "red" : "blue",
                 i % 2 ? "true" : "FALSE", i == 4 ? "n/a" : (i == 7 ? "" : "3"));
        strcat(in, row);
    }
    struct fl_schema_infer_opts o;
    fl_schema_infer_opts_default(&o);
    o.range_margin = 0;
    struct fl_schema *s = infer(in, "t.csv", &o);
    cr_expect_eq(s->rows_observed, 20);
    cr_expect(s->has_rows_band && s->rows_min == 10 && s->rows_max == 40);
    cr_expect_str_eq(s->format, "csv");
    cr_expect_eq(col(s, "n")->type, FL_COL_INT);
    cr_expect_eq(col(s, "x")->type, FL_COL_FLOAT);
    cr_expect_eq(col(s, "s")->type, FL_COL_STRING);
    cr_expect_eq(col(s, "b")->type, FL_COL_BOOL);
    const struct fl_schema_column *m = col(s, "m");
    cr_expect_eq(m->type, FL_COL_INT, "the dominant kind wins");
    cr_expect_float_eq(m->null_rate, 0.05, 1e-15);
    cr_expect_float_eq(m->max_wrong_type, 1.0 / 19 + 0.05, 1e-15, "observed share + tolerance");
    cr_expect_eq(col(s, "n")->max_wrong_type, 0);
    const struct fl_schema_column *e = col(s, "e");
    cr_expect_eq(e->type, FL_COL_STRING, "no values: the loosest type");
    cr_expect_eq(e->null_rate, 1);
    cr_expect(col(s, "n")->has_min && col(s, "n")->min == 0 && col(s, "n")->max == 190,
              "margin 0: the exact range");
    cr_expect(col(s, "x")->min == 0.5 && col(s, "x")->max == 19.5);
    cr_expect(col(s, "s")->has_domain && col(s, "s")->n_domain == 2);
    cr_expect_str_eq(col(s, "s")->domain[0], "blue", "sorted");
    cr_expect_eq(col(s, "s")->domain_counts[0], 7);
    cr_expect(col(s, "n")->required && e->required, "CSV columns are required");
    fl_schema_free(s);
}

Test(schema, infer_range_margin_rounds_outward)
{
    struct {
        const char *values;
        double margin, min, max;
    } cases[] = {
        {"0.5 1200", 0.1, 0, 1320},           /* margin 119.95 -> step 10; min clamped at 0 */
        {"-3.25 7.5", 0.1, -4.4, 8.6},        /* margin 1.075 -> step 0.1 */
        {"100 100", 0.1, 90, 110},            /* constant: margin is 10% of the value */
        {"-1000 -10", 0.5, -1500, 490},       /* negative minimum: no clamp */
        {"0.001 0.002", 0.1, 0.0009, 0.0021}, /* margin 0.0001 -> step 0.00001 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char in[128];
        double a, b;
        sscanf(cases[i].values, "%lf %lf", &a, &b);
        snprintf(in, sizeof in, "v\n%.17g\n%.17g\n", a, b);
        struct fl_schema_infer_opts o;
        fl_schema_infer_opts_default(&o);
        o.range_margin = cases[i].margin;
        struct fl_schema *s = infer(in, "r.csv", &o);
        cr_expect_eq(s->cols[0].min, cases[i].min, "case %zu: min %.17g", i, s->cols[0].min);
        cr_expect_eq(s->cols[0].max, cases[i].max, "case %zu: max %.17g", i, s->cols[0].max);
        cr_expect_eq(s->cols[0].observed_min, a);
        fl_schema_free(s);
    }
    /* int columns round to whole numbers */
    struct fl_schema *s = infer("v\n1\n3\n", "i.csv", NULL);
    cr_expect(s->cols[0].type == FL_COL_INT && s->cols[0].min == 0 && s->cols[0].max == 4);
    fl_schema_free(s);
}

Test(schema, infer_domain_rule)
{
    struct fl_schema_infer_opts o;
    fl_schema_infer_opts_default(&o);
    /* 50 rows; c3 has 3 values (3 <= 0.2 * 50), c20 has 20 (> 10), c60 none (> max_domain 5) */
    char in[8192] = "c3,c20\n";
    for (int i = 0; i < 50; i++) {
        char row[64];
        snprintf(row, sizeof row, "v%d,w%d\n", i % 3, i % 20);
        strcat(in, row);
    }
    struct fl_schema *s = infer(in, "d.csv", &o);
    cr_expect(col(s, "c3")->has_domain && col(s, "c3")->n_domain == 3);
    cr_expect_not(col(s, "c20")->has_domain, "20 distinct values in 50 rows is not a domain");
    fl_schema_free(s);
    o.domain_ratio = 0.5;
    s = infer(in, "d.csv", &o);
    cr_expect(col(s, "c20")->has_domain, "with a looser ratio it is");
    fl_schema_free(s);
    o.max_domain = 2;
    s = infer(in, "d.csv", &o);
    cr_expect_not(col(s, "c3")->has_domain, "3 values > max_domain 2");
    fl_schema_free(s);
    /* CSV numbers in a string column are domain values; JSON numbers there are wrong types */
    s = infer("{\"k\":\"a\"}\n{\"k\":\"a\"}\n{\"k\":\"b\"}\n{\"k\":\"b\"}\n{\"k\":\"a\"}\n"
              "{\"k\":\"b\"}\n{\"k\":\"a\"}\n{\"k\":\"a\"}\n{\"k\":\"a\"}\n{\"k\":\"a\"}\n"
              "{\"k\":1}\n",
              "k.jsonl", NULL);
    cr_expect_eq(col(s, "k")->n_domain, 2);
    cr_expect_float_eq(col(s, "k")->max_wrong_type, 1.0 / 11 + 0.05, 1e-15);
    fl_schema_free(s);
}

Test(schema, infer_jsonl_required_and_row_band)
{
    struct fl_schema_infer_opts o;
    fl_schema_infer_opts_default(&o);
    o.batch_rows = 1000;
    o.rows_min_factor = 0.25;
    o.rows_max_factor = 3;
    struct fl_schema *s =
        infer("{\"a\":1}\n{\"a\":2,\"late\":\"x\"}\n{\"a\":null}\n{\"a\":4}\n", "j.jsonl", &o);
    cr_expect(col(s, "a")->required);
    cr_expect_eq(col(s, "a")->null_rate, 0.25);
    cr_expect_not(col(s, "late")->required, "absent in more than half the rows");
    cr_expect_eq(col(s, "late")->null_rate, 0.75);
    cr_expect(s->rows_min == 250 && s->rows_max == 3000, "band from batch_rows");
    fl_schema_free(s);
}

Test(schema, infer_reference_bins)
{
    char in[65536] = "u,k\n";
    for (int i = 0; i < 1000; i++) {
        char row[64];
        snprintf(row, sizeof row, "%d,%d\n", i, i % 2);
        strcat(in, row);
    }
    struct fl_schema *s = infer(in, "u.csv", NULL);
    const struct fl_schema_column *u = col(s, "u");
    cr_assert(u->has_reference);
    cr_expect_eq(u->n_ref_edges, 11, "deciles");
    cr_expect(isinf(u->ref_edges[0]) && u->ref_edges[0] < 0 && isinf(u->ref_edges[10]));
    cr_expect_float_eq(u->ref_edges[5], 499.5, 1e-12, "the median");
    for (size_t i = 0; i < 10; i++)
        cr_expect_float_eq(u->ref_props[i], 0.1, 1e-12);
    cr_expect_eq(u->psi_threshold, 0.2);
    const struct fl_schema_column *k = col(s, "k");
    cr_expect(k->has_reference && k->n_ref_edges == 3, "two values: ties collapse to 2 bins");
    cr_expect_eq(k->ref_props[0] + k->ref_props[1], 1);
    fl_schema_free(s);
    struct fl_schema_infer_opts o;
    fl_schema_infer_opts_default(&o);
    o.bins = 0;
    s = infer(in, "u.csv", &o);
    cr_expect_not(col(s, "u")->has_reference);
    fl_schema_free(s);
    s = infer("c\n5\n5\n5\n", "c.csv", NULL);
    cr_expect_not(s->cols[0].has_reference, "a constant column has one bin: no reference");
    fl_schema_free(s);
}

Test(schema, infer_errors)
{
    struct fl_table *t = NULL;
    struct fl_schema *s = NULL;
    const char *cases[] = {"", "a,b\n", "a,b\n1,\"x\n"};
    const char *msgs[] = {"no columns to infer a schema from", "no rows to infer a schema from",
                          "column \"b\": unterminated quoted field"};
    for (size_t i = 0; i < 3; i++) {
        fl_diag_init(&diag);
        cr_assert_eq(fl_table_open_mem(cases[i], strlen(cases[i]), "e.csv", NULL, &t, &diag),
                     FL_OK);
        cr_expect_neq(fl_schema_infer(t, NULL, &s, &diag), FL_OK);
        cr_expect_null(s);
        cr_expect_str_eq(diag.msg, msgs[i]);
        cr_expect_str_eq(diag.file, "e.csv");
        fl_table_free(t);
    }
    const char bad[] = "\xff\xfe,b\n1,2\n";
    fl_diag_init(&diag);
    cr_assert_eq(fl_table_open_mem(bad, strlen(bad), "u.csv", NULL, &t, &diag), FL_OK);
    cr_expect_eq(fl_schema_infer(t, NULL, &s, &diag), FL_EINVAL);
    cr_expect_str_eq(diag.msg, "column 1: name is not valid UTF-8 (a schema is YAML text)");
    fl_table_free(t);
}

/* Semantic equality of two schemas (comments-only fields excepted). */
static void expect_same(const struct fl_schema *a, const struct fl_schema *b)
{
    cr_assert_eq(a->n_cols, b->n_cols);
    cr_expect(a->rows_observed == b->rows_observed && a->rows_min == b->rows_min &&
              a->rows_max == b->rows_max && a->has_rows_band == b->has_rows_band);
    cr_expect_eq(a->allow_new_columns, b->allow_new_columns);
    for (size_t i = 0; i < a->n_cols; i++) {
        const struct fl_schema_column *x = &a->cols[i], *y = &b->cols[i];
        cr_expect_str_eq(x->name, y->name);
        cr_expect(x->type == y->type && x->required == y->required, "%s", x->name);
        cr_expect((isnan(x->null_rate) && isnan(y->null_rate)) || x->null_rate == y->null_rate);
        cr_expect(x->null_tolerance == y->null_tolerance && x->max_wrong_type == y->max_wrong_type);
        cr_expect(x->has_min == y->has_min && x->has_max == y->has_max);
        cr_expect(!x->has_min || x->min == y->min, "%s min %.17g %.17g", x->name, x->min, y->min);
        cr_expect(!x->has_max || x->max == y->max);
        cr_expect(x->has_domain == y->has_domain && x->n_domain == y->n_domain, "%s", x->name);
        for (size_t k = 0; k < x->n_domain && k < y->n_domain; k++)
            cr_expect(x->domain_len[k] == y->domain_len[k] &&
                          memcmp(x->domain[k], y->domain[k], x->domain_len[k]) == 0,
                      "%s domain %zu", x->name, k);
        cr_expect(x->has_reference == y->has_reference && x->n_ref_edges == y->n_ref_edges);
        for (size_t k = 0; x->has_reference && k < x->n_ref_edges; k++)
            cr_expect(x->ref_edges[k] == y->ref_edges[k] &&
                      (k + 1 == x->n_ref_edges || x->ref_props[k] == y->ref_props[k]));
        cr_expect_eq(x->psi_threshold, y->psi_threshold);
    }
}

Test(schema, yaml_round_trip_of_inferred_schema)
{
    char in[65536] = "id,amount,country,\"odd name: #1\",flag\n";
    const char *cc[] = {"DE", "true", "123", "a b", "null", "\xc3\xa9t\xc3\xa9"};
    for (int i = 0; i < 300; i++) {
        char row[128];
        snprintf(row, sizeof row, "%d,%.3f,\"%s\",%d,%s\n", i, i * 1.37 - 50, cc[i % 6], i % 4,
                 i % 5 ? "true" : "false");
        strcat(in, row);
    }
    struct fl_schema *s = infer(in, "train data.csv", NULL);
    char *y1 = emit(s);
    struct fl_schema *p = parse(y1);
    expect_same(s, p);
    cr_expect_str_eq(p->source, "train data.csv");
    char *y2 = emit(p);
    struct fl_schema *q = parse(y2);
    char *y3 = emit(q);
    cr_expect_str_eq(y2, y3, "emit(parse(x)) is a fixed point");
    cr_expect(strstr(y1, "  \"odd name: #1\":\n") != NULL, "names YAML would misread are quoted");
    cr_expect(strstr(y1, "      - \"123\"") && strstr(y1, "      - \"true\"") &&
                  strstr(y1, "      - \"null\"") && strstr(y1, "      - \"\xc3\xa9t\xc3\xa9\""),
              "%s", y1);
    fl_free(y1);
    fl_free(y2);
    fl_free(y3);
    fl_schema_free(s);
    fl_schema_free(p);
    fl_schema_free(q);
}

Test(schema, yaml_round_trip_of_unprintable_values)
{
    struct fl_schema *s = fl_schema_new();
    cr_assert_not_null(s);
    s->n_cols = 1;
    s->cols = fl_calloc(1, sizeof *s->cols);
    struct fl_schema_column *c = &s->cols[0];
    c->name = fl_strdup("tab\there \"q\" \\ \xc2\x85 \xe2\x80\xa8 \xef\xbb\xbf \xf0\x9f\x98\x80");
    c->type = FL_COL_STRING;
    c->required = false;
    c->null_rate = NAN;
    c->observed_min = c->observed_max = NAN;
    c->has_domain = true;
    const char *vals[] = {"", "nul\0in", "\x01\x7f", "line\nbreak", "-", "~", "0x1F", "Yes"};
    size_t lens[] = {0, 6, 2, 10, 1, 1, 4, 3};
    c->n_domain = 8;
    c->domain = fl_calloc(8, sizeof *c->domain);
    c->domain_len = fl_calloc(8, sizeof *c->domain_len);
    for (size_t i = 0; i < 8; i++) {
        c->domain[i] = fl_strndup(vals[i], lens[i]);
        c->domain_len[i] = lens[i];
    }
    char *y = emit(s);
    struct fl_schema *p = parse(y);
    cr_assert_eq(p->n_cols, 1);
    cr_expect_str_eq(p->cols[0].name, c->name);
    cr_expect(isnan(p->cols[0].null_rate), "no null_rate written: nulls unchecked");
    cr_expect_not(p->cols[0].required);
    cr_assert_eq(p->cols[0].n_domain, 8);
    for (size_t i = 0; i < 8; i++)
        cr_expect(fl_schema_in_domain(&p->cols[0], vals[i], lens[i]), "value %zu", i);
    cr_expect_not(fl_schema_in_domain(&p->cols[0], "nul", 3));
    fl_free(y);
    fl_schema_free(s);
    fl_schema_free(p);
}

/* YAML caps implicit keys at 1024 characters; a longer (escaped) name becomes an explicit key. */
Test(schema, yaml_round_trip_of_a_long_name)
{
    char name[701];
    memset(name, '\x01', 700);
    name[700] = '\0';
    struct fl_schema *s = fl_schema_new();
    cr_assert_not_null(s);
    s->n_cols = 1;
    s->cols = fl_calloc(1, sizeof *s->cols);
    s->cols[0].name = fl_strdup(name);
    s->cols[0].type = FL_COL_BOOL;
    s->cols[0].null_rate = NAN;
    s->cols[0].observed_min = s->cols[0].observed_max = NAN;
    char *y = emit(s);
    cr_expect(strstr(y, "\n  ? \"\\u0001") != NULL, "an explicit key");
    struct fl_schema *p = parse(y);
    cr_assert_eq(p->n_cols, 1);
    cr_expect_str_eq(p->cols[0].name, name);
    cr_expect_eq(p->cols[0].type, FL_COL_BOOL);
    fl_free(y);
    fl_schema_free(s);
    fl_schema_free(p);
}

Test(schema, hand_written_defaults_and_dedup)
{
    struct fl_schema *s = parse("version: 1\n"
                                "columns:\n"
                                "  a: {type: float, max: 10}\n"
                                "  b:\n"
                                "    type: string\n"
                                "    domain: [y, x, y]\n");
    cr_expect_not(s->has_rows_band);
    cr_expect_not(s->allow_new_columns);
    const struct fl_schema_column *a = col(s, "a");
    cr_expect(a->required && isnan(a->null_rate) && a->max_wrong_type == 0);
    cr_expect(!a->has_min && a->has_max && a->max == 10);
    cr_expect_eq(col(s, "b")->n_domain, 2, "duplicates are merged");
    cr_expect_str_eq(col(s, "b")->domain[0], "x");
    fl_schema_free(s);
}

/* Every reader error: document, code, line, column, field, message. */
Test(schema, reader_errors)
{
    struct {
        const char *yml;
        fl_err code;
        unsigned long line, col;
        const char *field, *msg;
    } cases[] = {
        {"", FL_ECONFIG, 1, 1, "", "empty document: expected a schema"},
        {"version: 1\n", FL_ECONFIG, 1, 1, "", "missing key \"columns\""},
        {"columns: {}\n", FL_ECONFIG, 1, 1, "", "missing key \"version\" (version: 1)"},
        {"version: 2\ncolumns: {}\n", FL_ECONFIG, 1, 10, "version",
         "unsupported schema version 2 (this faultline reads version 1)"},
        {"version: 1\ncolumns: {}\ncolums: 3\n", FL_ECONFIG, 3, 1, "",
         "unknown key \"colums\" (expected one of: version, source, format, rows, "
         "allow_new_columns, columns)"},
        {"version: 1\nversion: 1\ncolumns: {}\n", FL_ECONFIG, 2, 1, "version", "duplicate key"},
        {"version: 1\ncolumns:\n  a:\n    type: flaot\n", FL_ECONFIG, 4, 11, "columns.a.type",
         "expected int, float, string or bool, got \"flaot\""},
        {"version: 1\ncolumns:\n  a: {required: true}\n", FL_ECONFIG, 3, 6, "columns.a",
         "missing key \"type\" (int, float, string or bool)"},
        {"version: 1\ncolumns:\n  a: {type: int, null_rate: 1.5}\n", FL_ECONFIG, 3, 29,
         "columns.a.null_rate", "expected a number from 0 to 1, got 1.5"},
        {"version: 1\ncolumns:\n  a: {type: int, min: abc}\n", FL_ECONFIG, 3, 23, "columns.a.min",
         "expected a number, got \"abc\""},
        {"version: 1\ncolumns:\n  a: {type: int, min: 3, max: 1}\n", FL_ECONFIG, 3, 6, "columns.a",
         "min 3 is greater than max 1"},
        {"version: 1\ncolumns:\n  a: {type: string, min: 3}\n", FL_ECONFIG, 3, 6, "columns.a",
         "min and max apply to int and float columns, not string"},
        {"version: 1\ncolumns:\n  a: {type: int, domain: [1]}\n", FL_ECONFIG, 3, 6, "columns.a",
         "a domain applies to string columns, not int"},
        {"version: 1\ncolumns:\n  a: {type: string, domain: x}\n", FL_ECONFIG, 3, 29,
         "columns.a.domain", "expected a list of values, got a scalar"},
        {"version: 1\ncolumns:\n  a: {type: bool, required: maybe}\n", FL_ECONFIG, 3, 29,
         "columns.a.required", "expected true or false, got \"maybe\""},
        {"version: 1\ncolumns:\n  a: {type: int}\n  a: {type: int}\n", FL_ECONFIG, 4, 3, "columns",
         "column \"a\" is listed twice"},
        {"version: 1\ncolumns: [a]\n", FL_ECONFIG, 2, 10, "columns",
         "expected a mapping of column name -> column, got a list"},
        {"version: 1\nrows: {min: 5, max: 2}\ncolumns: {}\n", FL_ECONFIG, 2, 7, "rows",
         "min 5 is greater than max 2"},
        {"version: 1\nformat: xls\ncolumns: {}\n", FL_ECONFIG, 2, 9, "format",
         "expected csv or jsonl, got \"xls\""},
        {"version: 1\ncolumns:\n  a:\n    type: float\n    reference: {edges: [0, 1]}\n",
         FL_ECONFIG, 5, 16, "columns.a.reference", "a reference needs edges and proportions"},
        {"version: 1\ncolumns:\n  a:\n    type: float\n"
         "    reference: {edges: [0, 1, 2], proportions: [1]}\n",
         FL_ECONFIG, 5, 16, "columns.a.reference",
         "3 edges make 2 bins, but there are 1 proportions"},
        {"version: 1\ncolumns:\n  a:\n    type: float\n"
         "    reference: {edges: [0, 0], proportions: [1]}\n",
         FL_ECONFIG, 5, 24, "columns.a.reference.edges",
         "edges must be strictly increasing (edge 2 is not)"},
        {"version: 1\ncolumns:\n  a:\n    type: float\n"
         "    reference: {edges: [0, 1, 2], proportions: [0.5, 0.6]}\n",
         FL_ECONFIG, 5, 48, "columns.a.reference.proportions", "proportions sum to 1.1, not 1"},
        {"version: 1\ncolumns:\n  a:\n    type: string\n"
         "    reference: {edges: [0, 1], proportions: [1]}\n",
         FL_ECONFIG, 4, 5, "columns.a",
         "a reference distribution applies to int and float columns, not string"},
        {"version: 1\ncolumns: {a: {type: int\n", FL_ECONFIG, 3, 1, "", NULL},
        {"version: 1\ncolumns: {}\n---\nversion: 1\n", FL_ECONFIG, 3, 1, "",
         "a second YAML document: a schema is one document"},
        {"version: 1\ncolumns:\n  \"\": {type: int}\n", FL_ECONFIG, 3, 3, "columns",
         "a column name must be non-empty text without NUL bytes"},
        {"version: 1\ncolumns:\n  \"a\\0b\": {type: int}\n", FL_ECONFIG, 3, 3, "columns",
         "a column name must be non-empty text without NUL bytes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_schema *s = NULL;
        fl_diag_init(&diag);
        fl_err e = fl_schema_parse(cases[i].yml, strlen(cases[i].yml), "s.yml", &s, &diag);
        cr_expect_eq(e, cases[i].code, "case %zu: %s", i, fl_err_name(e));
        cr_expect_null(s, "case %zu", i);
        cr_expect_str_eq(diag.file, "s.yml", "case %zu", i);
        cr_expect_eq(diag.line, cases[i].line, "case %zu: line %lu (%s)", i, diag.line, diag.msg);
        cr_expect_eq(diag.column, cases[i].col, "case %zu: column %lu (%s)", i, diag.column,
                     diag.msg);
        cr_expect_str_eq(diag.field, cases[i].field, "case %zu", i);
        if (cases[i].msg)
            cr_expect_str_eq(diag.msg, cases[i].msg, "case %zu", i);
        else
            cr_expect(strncmp(diag.msg, "YAML syntax: ", 13) == 0, "case %zu: %s", i, diag.msg);
        fl_schema_free(s);
    }
}

Test(schema, reader_caps)
{
    /* nested aliases: each level doubles the visits */
    char yml[4096] = "version: 1\nx0: &a0 [1, 2]\n";
    for (int i = 1; i < 30; i++) {
        char l[128];
        snprintf(l, sizeof l, "x%d: &a%d [*a%d, *a%d]\n", i, i, i - 1, i - 1);
        strcat(yml, l);
    }
    struct fl_schema *s = NULL;
    fl_diag_init(&diag);
    cr_expect_eq(fl_schema_parse(yml, strlen(yml), NULL, &s, &diag), FL_ECONFIG);
    cr_expect_str_eq(diag.file, "schema.yml");
    /* a domain over the cap */
    struct fl_buf b;
    fl_buf_init(&b, 1u << 24);
    fl_buf_puts(&b, "version: 1\ncolumns:\n  a:\n    type: string\n    domain: [");
    for (int i = 0; i <= 10000; i++)
        fl_buf_printf(&b, "%sv%d", i ? ", " : "", i);
    fl_buf_puts(&b, "]\n");
    fl_diag_init(&diag);
    cr_expect_eq(fl_schema_parse(b.data, b.len, "big.yml", &s, &diag), FL_ELIMIT);
    cr_expect_str_eq(diag.msg, "more than 10000 values");
    cr_expect_str_eq(diag.field, "columns.a.domain");
    /* too many nodes, refused by the first pass */
    fl_buf_reset(&b);
    fl_buf_puts(&b, "version: 1\ncolumns: {}\nx: [");
    for (int i = 0; i < 1000001; i++)
        fl_buf_puts(&b, "1,");
    fl_buf_puts(&b, "1]\n");
    fl_diag_init(&diag);
    cr_expect_eq(fl_schema_parse(b.data, b.len, "n.yml", &s, &diag), FL_ELIMIT);
    cr_expect_str_eq(diag.msg, "more than 1000000 YAML nodes");
    fl_buf_cleanup(&b);
    cr_expect_null(s);
    fl_diag_init(&diag);
    cr_expect_eq(fl_schema_load("/nonexistent/s.yml", &s, &diag), FL_EIO);
}

Test(schema, allocation_failures)
{
    const char *in = "a,b\n1,x\n2,y\n3,x\n4,x\n5,y\n6,x\n7,x\n8,x\n9,x\n10,y\n";
    int saw_ok = 0, saw_nomem = 0;
    for (long k = 0; k < 400; k++) {
        struct fl_table *t = NULL;
        struct fl_schema *s = NULL, *p = NULL;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_alloc_fail_after(k);
        fl_err e = fl_table_open_mem(in, strlen(in), "a.csv", NULL, &t, &d);
        if (!e)
            e = fl_schema_infer(t, NULL, &s, &d);
        if (!e) {
            struct fl_buf b;
            fl_buf_init(&b, 1u << 20);
            fl_schema_emit(s, &b);
            e = fl_buf_err(&b);
            if (!e)
                e = fl_schema_parse(b.data, b.len, "a.yml", &p, &d);
            fl_buf_cleanup(&b);
        }
        fl_alloc_fail_after(-1);
        cr_expect(e == FL_OK || e == FL_ENOMEM, "k=%ld: %s %s", k, fl_err_name(e), d.msg);
        saw_ok += e == FL_OK;
        saw_nomem += e == FL_ENOMEM;
        fl_schema_free(p);
        fl_schema_free(s);
        fl_table_free(t);
    }
    cr_expect(saw_ok > 0 && saw_nomem > 0);
}
