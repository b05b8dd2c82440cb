/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_validate.c: the validator (src/monitor/validate.c): each anomaly kind with its counts,
 * band, examples and first line; incremental use (columns named between rows, finishing twice);
 * text versus typed input; PSI drift against a hand-computed value; and the three renderings.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "monitor/validate.h"

static const char schema_yml[] =
    "version: 1\n"
    "rows: {min: 3, max: 100}\n"
    "columns:\n"
    "  n: {type: int, min: 0, max: 10, null_rate: 0, null_tolerance: 0.1}\n"
    "  x: {type: float, max_wrong_type: 0.2}\n"
    "  s: {type: string, domain: [a, b]}\n"
    "  b: {type: bool, required: false}\n"
    "  r: {type: int}\n";

static struct fl_schema *schema;

static void setup(void)
{
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_schema_parse(schema_yml, strlen(schema_yml), "v.yml", &schema, &d), FL_OK, "%s",
                 d.msg);
}

static void teardown(void)
{
    fl_schema_free(schema);
}

TestSuite(validate, .init = setup, .fini = teardown);

static struct fl_cell num(double v, const char *text)
{
    struct fl_cell c = {FL_CELL_NUMBER, floor(v) == v, v, fl_str_c(text)};
    return c;
}

static struct fl_cell str(const char *s)
{
    struct fl_cell c = {FL_CELL_STRING, false, 0, fl_str_c(s)};
    return c;
}

static struct fl_cell null_cell(void)
{
    struct fl_cell c = {FL_CELL_NULL, false, 0, {"", 0}};
    return c;
}

static const struct fl_anomaly *find(const struct fl_validation *r, enum fl_anomaly_kind k,
                                     const char *column)
{
    for (size_t i = 0; i < r->n_anomalies; i++)
        if (r->anomalies[i].kind == k &&
            ((!column && !r->anomalies[i].column) ||
             (column && r->anomalies[i].column && !strcmp(column, r->anomalies[i].column))))
            return &r->anomalies[i];
    return NULL;
}

static struct fl_validation *run_csv(const char *csv)
{
    struct fl_table *t = NULL;
    struct fl_validation *r = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_table_open_mem(csv, strlen(csv), "b.csv", NULL, &t, &d), FL_OK);
    cr_assert_eq(fl_validate_table(schema, t, &r, &d), FL_OK, "%s", d.msg);
    fl_table_free(t);
    return r;
}

Test(validate, clean_batch_has_no_anomalies)
{
    struct fl_validation *r = run_csv("n,x,s,r\n1,2.5,a,3\n2,1e9,b,4\n10,,a,0\n");
    cr_expect_eq(r->n_anomalies, 0, "%s", r->n_anomalies ? r->anomalies[0].message : "");
    cr_expect_eq(r->n_rows, 3);
    cr_expect_eq(r->n_columns, 4);
    fl_validation_free(r);
}

Test(validate, every_anomaly_kind)
{
    struct fl_validation *r = run_csv("n,x,s,extra\n"
                                      "1,abc,a,\n"   /* line 2 */
                                      "-4,2,c,1\n"   /* line 3: n below, s out of domain */
                                      ",3,c,\n"      /* line 4: n null */
                                      "11,4,d,\n"    /* line 5: n above */
                                      "2.5,5,b,\n"); /* line 6: n not int */
    const struct fl_anomaly *a;
    cr_expect_null(find(r, FL_ANOMALY_ROW_COUNT, NULL), "5 rows are inside [3, 100]");
    a = find(r, FL_ANOMALY_MISSING_COLUMN, "r");
    cr_expect_not_null(a);
    cr_expect_null(find(r, FL_ANOMALY_MISSING_COLUMN, "b"), "b is not required");
    a = find(r, FL_ANOMALY_NEW_COLUMN, "extra");
    cr_assert_not_null(a);
    cr_expect(a->count == 1 && a->total == 5 && a->first_line == 3);
    a = find(r, FL_ANOMALY_TYPE_CHANGE, "x");
    cr_expect_null(a, "1 of 5 (20%) is within max_wrong_type 0.2");
    a = find(r, FL_ANOMALY_TYPE_CHANGE, "n");
    cr_assert_not_null(a);
    cr_expect(a->count == 1 && a->total == 4 && a->first_line == 6);
    cr_expect(a->n_examples == 1 && !strcmp(a->examples[0].value, "2.5"));
    cr_expect_str_eq(a->message, "1 of 4 values (25%) are not int (allowed: 0%); examples: "
                                 "\"2.5\" (1); first at line 6");
    a = find(r, FL_ANOMALY_NULL_SPIKE, "n");
    cr_assert_not_null(a);
    cr_expect(a->count == 1 && a->total == 5 && a->first_line == 4);
    cr_expect_float_eq(a->observed_hi, 0.2, 1e-15);
    cr_expect_float_eq(a->expected_hi, 0.1, 1e-15);
    a = find(r, FL_ANOMALY_OUT_OF_RANGE, "n");
    cr_assert_not_null(a);
    cr_expect(a->count == 2 && a->n_below == 1 && a->n_above == 1 && a->first_line == 3);
    cr_expect(a->observed_lo == -4 && a->observed_hi == 11);
    cr_expect_str_eq(a->message, "2 of 3 values (66.7%) outside [0, 10]: 1 below (lowest -4), "
                                 "1 above (highest 11); first at line 3");
    a = find(r, FL_ANOMALY_OUT_OF_DOMAIN, "s");
    cr_assert_not_null(a);
    cr_expect(a->count == 3 && a->total == 5 && a->n_distinct == 2);
    cr_expect(!strcmp(a->examples[0].value, "c") && a->examples[0].count == 2);
    cr_expect(!strcmp(a->examples[1].value, "d") && a->examples[1].count == 1);
    cr_expect_null(find(r, FL_ANOMALY_DRIFT, "n"), "no reference: no drift anomaly");
    /* the order: per schema column, then new columns */
    cr_expect_eq(r->anomalies[r->n_anomalies - 1].kind, FL_ANOMALY_NEW_COLUMN);
    cr_expect_eq(r->anomalies[0].kind, FL_ANOMALY_TYPE_CHANGE);
    fl_validation_free(r);
}

Test(validate, row_count_and_nan)
{
    struct fl_validation *r = run_csv("n,x,s,r\nNaN,1,a,1\n");
    const struct fl_anomaly *a = find(r, FL_ANOMALY_ROW_COUNT, NULL);
    cr_assert_not_null(a);
    cr_expect(a->count == 1 && a->expected_lo == 3 && a->expected_hi == 100);
    cr_expect_str_eq(a->message, "the batch has 1 rows; the schema expects 3 to 100");
    a = find(r, FL_ANOMALY_TYPE_CHANGE, "n");
    cr_expect(a && a->count == 1, "NaN is not an int");
    fl_validation_free(r);
    const char yml[] = "version: 1\ncolumns:\n  f: {type: float, min: 0}\n";
    struct fl_schema *s = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_schema_parse(yml, strlen(yml), "f.yml", &s, &d), FL_OK);
    struct fl_validator *v = NULL;
    cr_assert_eq(fl_validator_new(s, NULL, &v), FL_OK);
    cr_assert_eq(fl_validator_add_column(v, "f"), FL_OK);
    struct fl_cell c = num(NAN, "NaN");
    cr_assert_eq(fl_validator_row(v, &c, 1, 7), FL_OK);
    cr_assert_eq(fl_validator_finish(v, &r), FL_OK);
    a = find(r, FL_ANOMALY_OUT_OF_RANGE, "f");
    cr_expect(a && a->count == 1 && a->n_below == 0 && a->n_above == 0 && a->first_line == 7,
              "NaN in a float column with a range is out of range");
    cr_expect_str_eq(a->message, "1 of 1 values (100%) outside [0, +Inf]: 1 NaN; first at line 7");
    fl_validator_free(v);
    fl_schema_free(s);
    fl_validation_free(r);
}

/* Rows fed one by one, a column named mid-stream, typed cells, and finishing twice. */
Test(validate, incremental_typed_input)
{
    struct fl_validator *v = NULL;
    struct fl_validation *r = NULL;
    cr_assert_eq(fl_validator_new(schema, NULL, &v), FL_OK);
    cr_assert_eq(fl_validator_add_column(v, "n"), FL_OK);
    cr_assert_eq(fl_validator_add_column(v, "x"), FL_OK);
    cr_expect_eq(fl_validator_add_column(v, "n"), FL_EINVAL, "a name given twice");
    struct fl_cell row1[] = {num(1, "1"), num(2, "2")};
    cr_assert_eq(fl_validator_row(v, row1, 2, 10), FL_OK);
    cr_assert_eq(fl_validator_add_column(v, "s"), FL_OK);
    cr_assert_eq(fl_validator_add_column(v, "r"), FL_OK);
    struct fl_cell row2[] = {num(3, "3"), num(4, "4"), num(7, "7"), num(1, "1")};
    cr_assert_eq(fl_validator_row(v, row2, 4, 11), FL_OK);
    cr_expect_eq(fl_validator_row(v, row2, 5, 12), FL_EINVAL, "more cells than columns");
    struct fl_cell row3[] = {num(5, "5")};
    cr_assert_eq(fl_validator_row(v, row3, 1, 12), FL_OK);
    cr_assert_eq(fl_validator_finish(v, &r), FL_OK);
    cr_expect_eq(r->n_rows, 3);
    const struct fl_anomaly *a = find(r, FL_ANOMALY_TYPE_CHANGE, "s");
    cr_expect(a && a->count == 1 && a->total == 1 && a->first_line == 11,
              "typed input: a number in a string column is a type change");
    cr_expect_null(find(r, FL_ANOMALY_MISSING_COLUMN, "s"), "named late is not missing");
    fl_validation_free(r);
    struct fl_cell row4[] = {null_cell(), num(1, "1"), str("zz")};
    cr_assert_eq(fl_validator_row(v, row4, 3, 13), FL_OK);
    cr_assert_eq(fl_validator_finish(v, &r), FL_OK);
    cr_expect_eq(r->n_rows, 4, "a finished validator takes more rows");
    a = find(r, FL_ANOMALY_NULL_SPIKE, "n");
    cr_expect(a && a->count == 1 && a->first_line == 13);
    a = find(r, FL_ANOMALY_OUT_OF_DOMAIN, "s");
    cr_expect(a && a->count == 1);
    fl_validation_free(r);
    fl_validator_free(v);
    /* text input: the same number is a fine string (and then out of the domain) */
    struct fl_validate_opts o = {.text_input = true};
    cr_assert_eq(fl_validator_new(schema, &o, &v), FL_OK);
    cr_assert_eq(fl_validator_add_column(v, "s"), FL_OK);
    struct fl_cell row5[] = {num(7, "7")};
    cr_assert_eq(fl_validator_row(v, row5, 1, 2), FL_OK);
    cr_assert_eq(fl_validator_finish(v, &r), FL_OK);
    cr_expect_null(find(r, FL_ANOMALY_TYPE_CHANGE, "s"));
    a = find(r, FL_ANOMALY_OUT_OF_DOMAIN, "s");
    cr_expect(a && !strcmp(a->examples[0].value, "7"));
    fl_validation_free(r);
    fl_validator_free(v);
}

Test(validate, allow_new_columns_and_missing_rows_count_as_nulls)
{
    const char yml[] = "version: 1\nallow_new_columns: true\n"
                       "columns:\n  a: {type: int, null_rate: 0.5, null_tolerance: 0}\n";
    struct fl_schema *s = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_schema_parse(yml, strlen(yml), "a.yml", &s, &d), FL_OK);
    const char *in = "{\"z\":1}\n{\"z\":2}\n{\"a\":1}\n";
    struct fl_table *t = NULL;
    struct fl_validation *r = NULL;
    cr_assert_eq(fl_table_open_mem(in, strlen(in), "a.jsonl", NULL, &t, &d), FL_OK);
    cr_assert_eq(fl_validate_table(s, t, &r, &d), FL_OK);
    cr_expect_null(find(r, FL_ANOMALY_NEW_COLUMN, "z"));
    const struct fl_anomaly *a = find(r, FL_ANOMALY_NULL_SPIKE, "a");
    cr_assert_not_null(a, "rows before the key appeared lack it");
    cr_expect(a->count == 2 && a->total == 3);
    fl_validation_free(r);
    fl_table_free(t);
    fl_schema_free(s);
}

/* PSI against a hand computation: ref [0.5, 0.5], batch 80 values below 0 and 20 above. */
Test(validate, drift_psi)
{
    const char yml[] = "version: 1\ncolumns:\n  v:\n    type: float\n    reference:\n"
                       "      psi_threshold: 0.3\n      edges: [-Inf, 0, +Inf]\n"
                       "      proportions: [0.5, 0.5]\n";
    struct fl_schema *s = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_schema_parse(yml, strlen(yml), "d.yml", &s, &d), FL_OK, "%s", d.msg);
    struct fl_validator *v = NULL;
    struct fl_validation *r = NULL;
    cr_assert_eq(fl_validator_new(s, NULL, &v), FL_OK);
    cr_assert_eq(fl_validator_add_column(v, "v"), FL_OK);
    for (int i = 0; i < 1000; i++) { /* more than one internal buffer of 512 */
        struct fl_cell c = num(i % 10 < 8 ? -1 - i : 1 + i, "x");
        cr_assert_eq(fl_validator_row(v, &c, 1, 0), FL_OK);
    }
    cr_assert_eq(fl_validator_finish(v, &r), FL_OK);
    double want = (0.5 - 0.8) * log(0.5 / 0.8) + (0.5 - 0.2) * log(0.5 / 0.2);
    const struct fl_anomaly *a = find(r, FL_ANOMALY_DRIFT, "v");
    cr_assert_not_null(a);
    cr_expect_float_eq(a->observed_hi, want, 1e-12, "PSI %.17g want %.17g", a->observed_hi, want);
    cr_expect_eq(a->expected_hi, 0.3);
    cr_expect_eq(r->drift_checked, 1);
    cr_expect_str_eq(a->message, "PSI 0.416 > 0.3 over 2 reference bins (1000 values); largest "
                                 "shift in [-Inf, 0): 50% of the training values, 80% of the "
                                 "batch");
    fl_validation_free(r);
    fl_validator_free(v);
    /* too few values: not checked, and the note says so */
    cr_assert_eq(fl_validator_new(s, NULL, &v), FL_OK);
    cr_assert_eq(fl_validator_add_column(v, "v"), FL_OK);
    struct fl_cell c = num(-5, "-5");
    cr_assert_eq(fl_validator_row(v, &c, 1, 0), FL_OK);
    cr_assert_eq(fl_validator_finish(v, &r), FL_OK);
    cr_expect_eq(r->n_anomalies, 0);
    cr_expect_eq(r->drift_checked, 0);
    cr_expect_str_eq(r->drift_note, "PSI checked on 0 of 1 columns with a reference distribution; "
                                    "not checked with fewer than 100 values: v (1 values)");
    fl_validation_free(r);
    fl_validator_free(v);
    fl_schema_free(s);
    /* no reference at all */
    r = run_csv("n,x,s,r\n1,1,a,1\n1,1,a,1\n1,1,a,1\n");
    cr_expect_str_eq(r->drift_note, "not checked: no column of the batch has a reference "
                                    "distribution in the schema (schema infer --bins adds them)");
    fl_validation_free(r);
}

Test(validate, renderings)
{
    struct fl_validation *r = run_csv("n,x,s,r\n-1,1,a|b,1\n");
    struct fl_buf b;
    fl_buf_init(&b, 1u << 20);
    fl_validation_write_json(r, "in.csv", "v.yml", &b);
    json_error_t je;
    json_t *j = json_loads(b.data, 0, &je);
    cr_assert_not_null(j, "valid JSON: %s\n%s", je.text, b.data);
    cr_expect_str_eq(json_string_value(json_object_get(j, "input")), "in.csv");
    cr_expect_eq(json_integer_value(json_object_get(j, "rows")), 1);
    cr_expect(json_is_false(json_object_get(j, "ok")));
    json_t *an = json_object_get(j, "anomalies");
    cr_assert_eq(json_array_size(an), r->n_anomalies);
    json_t *first = json_array_get(an, 0);
    cr_expect_str_eq(json_string_value(json_object_get(first, "kind")), "row_count");
    cr_expect(json_is_null(json_object_get(first, "column")));
    json_t *rng = json_array_get(an, 1);
    cr_expect_str_eq(json_string_value(json_object_get(rng, "kind")), "out_of_range");
    cr_expect_eq(json_real_value(json_object_get(rng, "expected_max")) +
                     (double)json_integer_value(json_object_get(rng, "expected_max")),
                 10);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(rng, "examples"), 0), "value")),
                     "-1");
    json_decref(j);
    fl_buf_reset(&b);
    fl_validation_write_markdown(r, "in.csv", "v.yml", &b);
    cr_expect(strstr(b.data, "| out_of_domain | s | 1 of 1 values (100%) outside the domain of 2 "
                             "values (1 distinct); examples: \"a\\|b\" (1); first at line 2 |"),
              "%s", b.data);
    fl_buf_reset(&b);
    fl_validation_write_text(r, "in.csv", "v.yml", &b);
    cr_expect(strncmp(b.data, "in.csv against v.yml: 1 rows, 4 columns, 3 anomalies\nKIND", 56) ==
                  0,
              "%s", b.data);
    cr_expect(strstr(b.data, "\nout_of_range    n      1 of 1 values") != NULL, "%s", b.data);
    fl_buf_cleanup(&b);
    fl_validation_free(r);
}

Test(validate, allocation_failures)
{
    const char *in = "n,x,s,new\n-1,q,z,1\n,2,a,\n";
    int saw_ok = 0, saw_nomem = 0;
    for (long k = 0; k < 300; k++) {
        struct fl_table *t = NULL;
        struct fl_validation *r = NULL;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_alloc_fail_after(k);
        fl_err e = fl_table_open_mem(in, strlen(in), "a.csv", NULL, &t, &d);
        if (!e)
            e = fl_validate_table(schema, t, &r, &d);
        fl_alloc_fail_after(-1);
        cr_expect(e == FL_OK || e == FL_ENOMEM, "k=%ld: %s", k, fl_err_name(e));
        if (e == FL_OK)
            cr_expect_eq(r->n_anomalies, 7);
        saw_ok += e == FL_OK;
        saw_nomem += e == FL_ENOMEM;
        fl_validation_free(r);
        fl_table_free(t);
    }
    cr_expect(saw_ok > 0 && saw_nomem > 0);
}
