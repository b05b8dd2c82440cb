/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_csv.c: wide CSV (src/ingest/csv.c): series naming without a mapping, mappings (rename,
 * labels, skip, unmapped policies), RFC 4180 quoting, CRLF, empty cells, time forms, and errors
 * naming line, column and header.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/csv.h"

static struct fl_batch batch;
static struct fl_diag diag;
static struct fl_csv_mapping *mapping;

static void setup(void)
{
    cr_assert_eq(fl_batch_init(&batch, 0), FL_OK);
    fl_diag_init(&diag);
    mapping = NULL;
}

static void teardown(void)
{
    fl_csv_mapping_free(mapping);
    fl_batch_cleanup(&batch);
}

TestSuite(csv, .init = setup, .fini = teardown);

static fl_err parse(const char *s)
{
    fl_diag_init(&diag);
    return fl_csv_to_batch(s, strlen(s), mapping, NULL, &batch, &diag);
}

static void use_mapping(const char *json)
{
    fl_diag_init(&diag);
    cr_assert_eq(fl_csv_mapping_parse(json, strlen(json), &mapping, &diag), FL_OK, "%s",
                 diag.msg);
}

static const char *label(uint32_t series, const char *name)
{
    const struct fl_series *s = &batch.series[series];
    for (size_t i = 0; i < s->n_labels; i++)
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    return NULL;
}

/* Index of the series named `name` (first match), or -1. */
static int series_named(const char *name)
{
    for (size_t i = 0; i < batch.n_series; i++) {
        const char *n = label((uint32_t)i, "__name__");
        if (n && strcmp(n, name) == 0)
            return (int)i;
    }
    return -1;
}

Test(csv, no_mapping_sanitized_names_and_empty_cells)
{
    const char *in = "time,cpu pct,9lives,mem.used\n"
                     "1700000000,1.5,2,\n"
                     "1700000060000,,3,-4e2\r\n"
                     "\n"
                     "2023-11-14T22:15:00Z,7,,NaN\n";
    cr_assert_eq(parse(in), FL_OK, "%lu: %s", diag.line, diag.msg);
    cr_assert_eq(batch.n_series, 3);
    int cpu = series_named("cpu_pct"), lives = series_named("_9lives"),
        mem = series_named("mem_used");
    cr_assert(cpu >= 0 && lives >= 0 && mem >= 0);
    cr_assert_eq(batch.series[cpu].n_labels, 1, "no labels besides __name__");
    cr_assert_eq(batch.n_samples, 6);
    struct {
        int series;
        int64_t ts;
        double v;
    } want[] = {{cpu, 1700000000000, 1.5},  {lives, 1700000000000, 2},
                {lives, 1700000060000, 3},  {mem, 1700000060000, -400},
                {cpu, 1700000100000, 7},    {mem, 1700000100000, 0}};
    for (size_t i = 0; i < 6; i++) {
        const struct fl_sample *s = &batch.samples[i];
        cr_assert_eq((int)s->series, want[i].series, "sample %zu", i);
        cr_assert_eq(s->ts_ms, want[i].ts, "sample %zu", i);
        if (i == 5)
            cr_assert(s->value != s->value, "NaN kept");
        else
            cr_assert_eq(s->value, want[i].v, "sample %zu", i);
    }
}

Test(csv, quoted_fields_and_crlf)
{
    const char *in = "\"timestamp\",\"latency, p99\",\"say \"\"hi\"\"\"\r\n"
                     "\"1700000000\",\" 12.5 \",\"3\"\r\n"
                     "1700000001,\"1\n\",4\r\n";
    cr_assert_eq(parse(in), FL_OK, "%lu:%lu %s", diag.line, diag.column, diag.msg);
    int lat = series_named("latency__p99"), hi = series_named("say__hi_");
    cr_assert(lat >= 0 && hi >= 0, "series: %zu", batch.n_series);
    cr_assert_eq(batch.n_samples, 4);
    cr_assert_eq(batch.samples[0].value, 12.5);
    cr_assert_eq(batch.samples[1].value, 3.0);
    cr_assert_eq(batch.samples[2].value, 1.0, "newline inside quotes is trimmed whitespace");
    cr_assert_eq(batch.samples[2].ts_ms, 1700000001000);
}

Test(csv, time_column_detected_anywhere)
{
    const char *in = "requests,TS\n5,1700000000\n";
    cr_assert_eq(parse(in), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_series, 1);
    cr_assert_eq(batch.samples[0].ts_ms, 1700000000000);
    cr_assert_eq(batch.samples[0].value, 5.0);
}

Test(csv, mapping_rename_labels_skip)
{
    use_mapping("{\"time_column\":\"when\",\"labels\":{\"job\":\"etl\",\"env\":\"prod\"},"
                "\"columns\":{\"cpu\":{\"name\":\"node_cpu_ratio\",\"labels\":{\"host\":\"a\","
                "\"env\":\"staging\"}},\"mem\":\"node_mem_bytes\",\"notes\":null}}");
    const char *in = "cpu,when,mem,notes,other\n0.5,1700000000,1024,hello,9\n";
    cr_assert_eq(parse(in), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_series, 3);
    int cpu = series_named("node_cpu_ratio"), mem = series_named("node_mem_bytes"),
        other = series_named("other");
    cr_assert(cpu >= 0 && mem >= 0 && other >= 0);
    cr_assert_str_eq(label((uint32_t)cpu, "host"), "a");
    cr_assert_str_eq(label((uint32_t)cpu, "env"), "staging", "column label wins");
    cr_assert_str_eq(label((uint32_t)cpu, "job"), "etl");
    cr_assert_eq(batch.series[cpu].n_labels, 4);
    cr_assert_str_eq(label((uint32_t)mem, "env"), "prod");
    cr_assert_str_eq(label((uint32_t)other, "job"), "etl");
    cr_assert_eq(batch.n_samples, 3, "notes skipped: its text is never parsed");
}

Test(csv, mapping_unmapped_policies)
{
    use_mapping("{\"columns\":{\"a\":\"x\"},\"unmapped\":\"skip\"}");
    cr_assert_eq(parse("time,a,b\n1,2,oops\n"), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_series, 1);
    cr_assert(series_named("x") >= 0);
    fl_csv_mapping_free(mapping);
    mapping = NULL;
    use_mapping("{\"columns\":{\"a\":\"x\"},\"unmapped\":\"error\"}");
    cr_assert_eq(parse("time,a,b\n1,2,3\n"), FL_EINVAL);
    cr_assert_str_eq(diag.msg, "column \"b\" has no entry in the mapping (\"unmapped\": \"error\")");
    cr_assert_str_eq(diag.field, "b");
    cr_assert_eq(diag.line, 1);
    cr_assert_eq(diag.column, 8);
}

Test(csv, mapping_errors_against_header)
{
    use_mapping("{\"columns\":{\"cpu\":\"x\",\"typo\":\"y\"}}");
    cr_assert_eq(parse("time,cpu\n1,2\n"), FL_EINVAL);
    cr_assert_str_eq(diag.msg, "the mapping names column \"typo\", which is not in the header");
    fl_csv_mapping_free(mapping);
    mapping = NULL;
    use_mapping("{\"time_column\":\"t\"}");
    cr_assert_eq(parse("time,cpu\n1,2\n"), FL_EINVAL);
    cr_assert_str_eq(diag.msg, "time column \"t\" named by the mapping is not in the header");
    fl_csv_mapping_free(mapping);
    mapping = NULL;
    use_mapping("{\"columns\":{\"a\":\"same\",\"b\":\"same\"}}");
    cr_assert_eq(parse("time,a,b\n1,2,3\n"), FL_EINVAL);
    cr_assert_str_eq(diag.msg, "columns \"a\" and \"b\" map to the same series");
    cr_assert_eq(diag.line, 2);
    cr_assert_eq(diag.column, 5);
}

struct map_bad {
    const char *json;
    const char *field;
    const char *msg; /* NULL: jansson's text, only line/column checked */
    unsigned long line, column;
};

Test(csv, mapping_parse_errors)
{
    static const struct map_bad cases[] = {
        {"{\"colums\":{}}", "colums",
         "unknown key \"colums\" (expected time_column, labels, columns or unmapped)", 0, 0},
        {"{\"labels\":{\"__x\":\"a\"}}", "labels.__x",
         "invalid label name \"__x\" (expected [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)", 0,
         0},
        {"{\"labels\":{\"job\":1}}", "labels.job", "label \"job\": expected a string value", 0,
         0},
        {"{\"columns\":{\"a\":{\"name\":\"1bad\"}}}", "columns.a.name",
         "column \"a\": name must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", 0, 0},
        {"{\"columns\":{\"a\":{\"nme\":\"x\"}}}", "columns.a.nme",
         "unknown key \"nme\" (expected name or labels)", 0, 0},
        {"{\"columns\":{\"a\":true}}", "columns.a",
         "column \"a\": expected an object {name, labels}, a metric name, or null to skip", 0, 0},
        {"{\"unmapped\":\"drop\"}", "unmapped", "unmapped: expected \"auto\", \"skip\" or \"error\"",
         0, 0},
        {"[]", NULL, "mapping: expected a JSON object", 0, 0},
        {"{\n  \"columns\": {,}\n}", NULL, NULL, 2, 15},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_csv_mapping *m = NULL;
        fl_diag_init(&diag);
        cr_assert_eq(fl_csv_mapping_parse(cases[i].json, strlen(cases[i].json), &m, &diag),
                     FL_ECONFIG, "case %zu", i);
        cr_assert_null(m);
        if (cases[i].field)
            cr_assert_str_eq(diag.field, cases[i].field, "case %zu", i);
        if (cases[i].msg)
            cr_assert_str_eq(diag.msg, cases[i].msg, "case %zu", i);
        else
            cr_assert_neq(diag.msg[0], '\0');
        cr_assert_eq(diag.line, cases[i].line, "case %zu", i);
        cr_assert_eq(diag.column, cases[i].column, "case %zu: %lu", i, diag.column);
    }
}

struct bad_case {
    const char *input;
    fl_err code;
    unsigned long line, column;
    const char *field;
    const char *msg;
};

Test(csv, invalid_inputs_exact_diagnostics)
{
    static const struct bad_case cases[] = {
        {"time,cpu\n1700000000,abc\n", FL_EPARSE, 2, 12, "cpu",
         "column \"cpu\": expected a number, got \"abc\""},
        {"time,cpu,mem\n1,2,3\n4,5\n", FL_EPARSE, 3, 0, NULL, "row has 2 fields, header has 3"},
        {"time,cpu\n1,2,3\n", FL_EPARSE, 2, 0, NULL, "row has 3 fields, header has 2"},
        {"time,cpu\nyesterday,1\n", FL_EPARSE, 2, 1, "time",
         "column \"time\": invalid time \"yesterday\" (expected unix seconds, milliseconds or RFC "
         "3339)"},
        {"time,cpu\n,1\n", FL_EPARSE, 2, 1, "time", "column \"time\": empty time"},
        {"time,cpu\n-1,1\n", FL_EPARSE, 2, 1, "time",
         "column \"time\": time -1 out of range (expected unix seconds or milliseconds, 1970 to "
         "9999)"},
        {"time,cpu\n1,\"2\n", FL_EPARSE, 2, 3, NULL, "unterminated quoted field"},
        {"time,cpu\n1,\"2\"x\n", FL_EPARSE, 2, 6, NULL,
         "unexpected character after a closing quote"},
        {"time,cpu\n1,2\"\n", FL_EPARSE, 2, 4, NULL,
         "quote inside an unquoted field (quote the whole field and double the quote)"},
        {"time,,cpu\n", FL_EPARSE, 1, 6, NULL, "column 2 has an empty header"},
        {"time,cpu,cpu\n", FL_EPARSE, 1, 10, "cpu", "column \"cpu\" appears twice in the header"},
        {"time,a\n1,\"x\ny\"\n2,\"multi\nline\",zz\n", FL_EPARSE, 2, 3, "a",
         "column \"a\": expected a number, got \"x?y\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad_case *c = &cases[i];
        fl_batch_reset(&batch);
        fl_err e = parse(c->input);
        cr_assert_eq(e, c->code, "case %zu: %s (%s)", i, fl_err_name(e), diag.msg);
        cr_assert_eq(diag.line, c->line, "case %zu: line %lu", i, diag.line);
        cr_assert_eq(diag.column, c->column, "case %zu: column %lu", i, diag.column);
        if (c->field)
            cr_assert_str_eq(diag.field, c->field, "case %zu", i);
        cr_assert_str_eq(diag.msg, c->msg, "case %zu", i);
    }
}

Test(csv, later_line_numbers_count_quoted_newlines)
{
    const char *in = "time,a\n1,\"5\n\"\n2,bad\n";
    cr_assert_eq(parse(in), FL_EPARSE);
    cr_assert_eq(diag.line, 4, "the quoted newline occupies line 3");
    cr_assert_eq(diag.column, 3);
    cr_assert_str_eq(diag.field, "a");
}

Test(csv, limits)
{
    struct fl_limits lim;
    fl_limits_default(&lim);
    lim.line_bytes = 16;
    const char *in = "time,cpu\n1700000000,1.25\n1700000000,12345678.5\n";
    cr_assert_eq(fl_csv_to_batch(in, strlen(in), NULL, &lim, &batch, &diag), FL_ELIMIT);
    cr_assert_eq(diag.line, 3);
    cr_assert_str_eq(diag.msg, "record is 21 bytes, longer than the limit of 16 bytes");
}

Test(csv, header_only_and_empty)
{
    cr_assert_eq(parse(""), FL_OK);
    cr_assert_eq(parse("time,cpu\n"), FL_OK);
    cr_assert_eq(batch.n_series, 0);
    cr_assert_eq(batch.n_samples, 0);
    cr_assert(fl_csv_is_time_header(" Timestamp ", 11));
    cr_assert(!fl_csv_is_time_header("times", 5));
}
