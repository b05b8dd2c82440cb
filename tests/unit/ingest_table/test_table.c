/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_table.c: the tabular reader (src/ingest/table.c): CSV quoting (commas, quotes and newlines
 * in quoted fields), CRLF, byte order mark, blank lines, cell typing, JSON Lines flattening and
 * late columns, format detection, caps, every error message with its position, streaming from a
 * file across read chunks, the load-all API, and allocation failures.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "ingest/table.h"

static struct fl_table *tab;
static struct fl_diag diag;

static void teardown(void)
{
    fl_table_free(tab);
    tab = NULL;
    fl_alloc_fail_after(-1);
}

TestSuite(table, .fini = teardown);

static fl_err open_mem(const char *s, const char *name, const struct fl_table_opts *o)
{
    fl_diag_init(&diag);
    fl_table_free(tab);
    tab = NULL;
    return fl_table_open_mem(s, strlen(s), name, o, &tab, &diag);
}

static const struct fl_cell *next_row(void)
{
    const struct fl_cell *row = NULL;
    fl_err e = fl_table_next(tab, &row, &diag);
    cr_assert_eq(e, FL_OK, "%lu:%lu: %s", diag.line, diag.column, diag.msg);
    return row;
}

static bool str_is(const struct fl_cell *c, const char *s)
{
    return c->str.len == strlen(s) && memcmp(c->str.p, s, c->str.len) == 0;
}

Test(table, csv_quoting_crlf_bom_and_typing)
{
    const char *in = "\xef\xbb\xbf"
                     "id, amount ,name,flag,empty\r\n"
                     "1,2.5,\"Smith, \"\"J\"\"\",true,\r\n"
                     "\r\n"
                     "  2 ,1e3,\"two\nlines\",FALSE,\"\"\n"
                     "3,-0,\"  padded  \",yes,\"12\"\n";
    cr_assert_eq(open_mem(in, "t.csv", NULL), FL_OK, "%s", diag.msg);
    cr_assert_eq(fl_table_format(tab), FL_TABLE_CSV);
    cr_assert_eq(fl_table_n_columns(tab), 5);
    cr_expect_str_eq(fl_table_column(tab, 1), "amount");
    const struct fl_cell *r = next_row();
    cr_assert_not_null(r);
    cr_expect_eq(fl_table_line(tab), 2);
    cr_expect_eq(r[0].type, FL_CELL_NUMBER);
    cr_expect(r[0].integral);
    cr_expect_eq(r[1].type, FL_CELL_NUMBER);
    cr_expect_not(r[1].integral);
    cr_expect_eq(r[1].num, 2.5);
    cr_expect_eq(r[2].type, FL_CELL_STRING);
    cr_expect(str_is(&r[2], "Smith, \"J\""), "got %.*s", (int)r[2].str.len, r[2].str.p);
    cr_expect_eq(r[3].type, FL_CELL_BOOL);
    cr_expect_eq(r[3].num, 1);
    cr_expect_eq(r[4].type, FL_CELL_NULL);
    r = next_row();
    cr_assert_not_null(r);
    cr_expect_eq(fl_table_line(tab), 4, "the blank CRLF line is skipped");
    cr_expect_eq(r[0].num, 2, "unquoted numbers are trimmed");
    cr_expect(r[1].num == 1000 && !r[1].integral);
    cr_expect(str_is(&r[2], "two\nlines"));
    cr_expect(r[3].type == FL_CELL_BOOL && r[3].num == 0);
    cr_expect_eq(r[4].type, FL_CELL_NULL, "a quoted empty field is null too");
    r = next_row();
    cr_assert_not_null(r);
    cr_expect_eq(fl_table_line(tab), 6, "the quoted newline moved the line count");
    cr_expect(r[1].type == FL_CELL_NUMBER && r[1].integral && r[1].num == 0);
    cr_expect(str_is(&r[2], "  padded  "), "quoted strings keep their blanks");
    cr_expect(r[3].type == FL_CELL_STRING && str_is(&r[3], "yes"));
    cr_expect(r[4].type == FL_CELL_NUMBER && r[4].num == 12, "quoted numbers are numbers");
    cr_expect_null(next_row());
    cr_expect_eq(fl_table_n_rows(tab), 3);
}

Test(table, csv_trailing_comma_nan_inf_and_no_final_newline)
{
    cr_assert_eq(open_mem("a,b\nNaN,\n+Inf,x", NULL, NULL), FL_OK);
    const struct fl_cell *r = next_row();
    cr_expect(r[0].type == FL_CELL_NUMBER && isnan(r[0].num) && !r[0].integral);
    cr_expect_eq(r[1].type, FL_CELL_NULL, "a trailing comma makes an empty last field");
    r = next_row();
    cr_expect(r[0].type == FL_CELL_NUMBER && isinf(r[0].num));
    cr_expect(str_is(&r[1], "x"));
    cr_expect_null(next_row());
}

Test(table, jsonl_flattening_late_columns_and_types)
{
    const char *in = "{\"id\": 1, \"features\": {\"amount\": 3.0, \"geo\": {\"cc\": \"DE\"}}}\n"
                     "\n"
                     "{\"id\": 2, \"ok\": false, \"n\\u00e4me\": \"a\\nb\", \"features\": {}}\n"
                     "  {\"id\": 18014398509481984, \"ok\": null}\r\n";
    cr_assert_eq(open_mem(in, "x.txt", NULL), FL_OK, "%s", diag.msg);
    cr_assert_eq(fl_table_format(tab), FL_TABLE_JSONL);
    const struct fl_cell *r = next_row();
    cr_assert_eq(fl_table_n_columns(tab), 3);
    cr_expect_str_eq(fl_table_column(tab, 1), "features.amount");
    cr_expect_str_eq(fl_table_column(tab, 2), "features.geo.cc");
    cr_expect(r[1].type == FL_CELL_NUMBER && r[1].num == 3 && !r[1].integral);
    cr_expect(r[0].integral);
    cr_expect(str_is(&r[2], "DE"));
    r = next_row();
    cr_expect_eq(fl_table_line(tab), 3);
    cr_assert_eq(fl_table_n_columns(tab), 5);
    cr_expect_str_eq(fl_table_column(tab, 3), "ok");
    cr_expect_str_eq(fl_table_column(tab, 4), "n\xc3\xa4me");
    cr_expect_eq(r[1].type, FL_CELL_MISSING, "an empty object adds no column");
    cr_expect_eq(r[2].type, FL_CELL_MISSING);
    cr_expect(r[3].type == FL_CELL_BOOL && r[3].num == 0);
    cr_expect(str_is(&r[4], "a\nb"), "escapes are unescaped");
    r = next_row();
    cr_expect_not(r[0].integral, "beyond 2^53 a number is not integral");
    cr_expect_eq(r[3].type, FL_CELL_NULL);
    cr_expect_eq(r[4].type, FL_CELL_MISSING);
    cr_expect_null(next_row());
}

Test(table, format_detection)
{
    struct {
        const char *in, *name;
        enum fl_table_format want;
    } cases[] = {
        {"a,b\n1,2\n", "x.jsonl", FL_TABLE_CSV},      /* content wins over the extension */
        {" \n {\"a\":1}\n", "x.csv", FL_TABLE_JSONL}, /* first non-blank byte '{' */
        {"", "x.JSONL", FL_TABLE_JSONL},              /* empty: the extension decides */
        {"", "x.ndjson", FL_TABLE_JSONL},
        {"", "x.csv", FL_TABLE_CSV},
        {"", NULL, FL_TABLE_CSV},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(open_mem(cases[i].in, cases[i].name, NULL), FL_OK);
        cr_expect_eq(fl_table_format(tab), cases[i].want, "case %zu", i);
    }
    struct fl_table_opts o = {.format = FL_TABLE_CSV};
    cr_assert_eq(open_mem("{a}\n1\n", NULL, &o), FL_OK, "a forced format is kept");
    cr_expect_eq(fl_table_format(tab), FL_TABLE_CSV);
    cr_expect_str_eq(fl_table_column(tab, 0), "{a}");
    cr_assert_eq(open_mem("", "e.csv", NULL), FL_OK);
    cr_expect_eq(fl_table_n_columns(tab), 0, "an empty file has no columns");
    cr_expect_null(next_row());
}

/* Every error: input, options, code, line, column, message. */
Test(table, errors_name_position_and_column)
{
    struct fl_table_opts small = {.record_bytes = 16, .max_columns = 3, .max_rows = 2};
    struct {
        const char *in, *name;
        const struct fl_table_opts *o;
        fl_err code;
        unsigned long line, col;
        const char *msg;
    } cases[] = {
        {"a,b\n1,x\"y\n", "t.csv", NULL, FL_EPARSE, 2, 4,
         "column \"b\": quote inside an unquoted field (quote the whole field and double the "
         "quote)"},
        {"a,b\n1,\"x\"y\n", "t.csv", NULL, FL_EPARSE, 2, 6,
         "column \"b\": unexpected character after a closing quote"},
        {"a,b\n1,2\n3,\"open\n\n", "t.csv", NULL, FL_EPARSE, 3, 3,
         "column \"b\": unterminated quoted field"},
        {"a,b\n1,2,3\n", "t.csv", NULL, FL_EPARSE, 2, 5, "row has 3 fields, the header has 2"},
        {"a,b,c\n1,2\n", "t.csv", NULL, FL_EPARSE, 2, 4,
         "column \"c\": missing (row has 2 fields, the header has 3)"},
        {"a,,c\n", "t.csv", NULL, FL_EPARSE, 1, 3, "column 2: empty header"},
        {"a,b,a\n", "t.csv", NULL, FL_EPARSE, 1, 5, "column \"a\": appears twice in the header"},
        {"a,\"b\nc\"\n", "t.csv", NULL, FL_EPARSE, 1, 0, NULL}, /* a newline in a name is fine */
        {"\xc3\xa4,b\n\xc3\xa4\xc3\xa4,x\"y\n", "t.csv", NULL, FL_EPARSE, 2, 5,
         "column \"b\": quote inside an unquoted field (quote the whole field and double the "
         "quote)"}, /* columns count characters */
        {"a,\"x\ny\",z\"q\n", "t.csv", NULL, FL_EPARSE, 2, 5,
         "column 3: quote inside an unquoted field (quote the whole field and double the quote)"},
        {"a,b,c,d\n", "t.csv", &small, FL_ELIMIT, 1, 7, "column \"d\": more than 3 columns"},
        {"a\n1\n2\n3\n", "t.csv", &small, FL_ELIMIT, 4, 0, "more than 2 rows"},
        {"a\n12345678901234567\n", "t.csv", &small, FL_ELIMIT, 2, 0,
         "record is 17 bytes, longer than the limit of 16 bytes"},
        {"{\"a\":1}\n[1]\n", "t.jsonl", NULL, FL_EPARSE, 2, 1,
         "expected a JSON object per line, got an array"},
        {"{\"a\":1}\n{\"a\":[1]}\n", "t.jsonl", NULL, FL_EPARSE, 2, 6,
         "column \"a\": arrays are not supported (one flat object per line; nested objects are "
         "flattened)"},
        {"{\"a\":{\"b\":1},\"a.b\":2}\n", "t.jsonl", NULL, FL_EPARSE, 1, 20,
         "column \"a.b\": appears twice in this row"},
        {"{\"a\":{\"\":1}}\n", "t.jsonl", NULL, FL_EPARSE, 1, 10, "column \"a.\": empty key"},
        {"{\"a\":1,}\n", "t.jsonl", NULL, FL_EPARSE, 1, 8, NULL},
        {"{\"a\": tru}\n", "t.jsonl", NULL, FL_EPARSE, 1, 7, NULL},
        {"{\"a\":1} x\n", "t.jsonl", NULL, FL_EPARSE, 1, 9, NULL},
        {"{\"a\":1,\"b\":2,\"c\":3,\"d\":4}\n", "t.jsonl", &small, FL_ELIMIT, 0, 0, NULL},
        {"{\"a\":\"0123456789abcdef\"}\n", "t.jsonl", &small, FL_ELIMIT, 1, 0,
         "record is 24 bytes, longer than the limit of 16 bytes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_err e = open_mem(cases[i].in, cases[i].name, cases[i].o);
        const struct fl_cell *row = NULL;
        while (e == FL_OK && (e = fl_table_next(tab, &row, &diag)) == FL_OK && row)
            ;
        if (!cases[i].msg && cases[i].line == 1 && cases[i].col == 0) {
            cr_expect_eq(e, FL_OK, "case %zu: %s", i, diag.msg);
            continue;
        }
        cr_expect_eq(e, cases[i].code, "case %zu: got %s (%s)", i, fl_err_name(e), diag.msg);
        cr_expect_eq(diag.code, cases[i].code, "case %zu", i);
        cr_expect_str_eq(diag.file, cases[i].name, "case %zu", i);
        if (cases[i].line)
            cr_expect_eq(diag.line, cases[i].line, "case %zu: line %lu", i, diag.line);
        if (cases[i].col)
            cr_expect_eq(diag.column, cases[i].col, "case %zu: column %lu", i, diag.column);
        if (cases[i].msg)
            cr_expect_str_eq(diag.msg, cases[i].msg, "case %zu", i);
        else
            cr_expect_neq(diag.msg[0], '\0', "case %zu has a message", i);
    }
}

Test(table, an_error_is_sticky)
{
    cr_assert_eq(open_mem("a\n\"x\ny\"z\n1\n", "s.csv", NULL), FL_OK);
    const struct fl_cell *row;
    cr_assert_eq(fl_table_next(tab, &row, &diag), FL_EPARSE);
    char first[FL_DIAG_MSG_CAP];
    snprintf(first, sizeof first, "%s", diag.msg);
    fl_diag_init(&diag);
    cr_expect_eq(fl_table_next(tab, &row, &diag), FL_EPARSE);
    cr_expect_null(row);
    cr_expect_str_eq(diag.msg, first);
    cr_expect_eq(diag.line, 3);
}

Test(table, long_names_are_refused)
{
    char in[1200];
    memset(in, 'k', 1100);
    memcpy(in + 1100, "\n1\n", 4);
    cr_expect_eq(open_mem(in, "n.csv", NULL), FL_ELIMIT);
    cr_expect(strstr(diag.msg, "name longer than 1024 bytes") != NULL, "%s", diag.msg);
    char j[1300] = "{\"a\":{\"";
    memset(j + 7, 'k', 1100);
    strcpy(j + 1107, "\":1}}\n");
    cr_assert_eq(open_mem(j, "n.jsonl", NULL), FL_OK);
    const struct fl_cell *row;
    cr_expect_eq(fl_table_next(tab, &row, &diag), FL_ELIMIT);
    cr_expect(strstr(diag.msg, "name longer than 1024 bytes") != NULL, "%s", diag.msg);
}

/* A file read in 64 KiB chunks gives the same rows as the same bytes in memory. */
Test(table, streaming_file_matches_memory)
{
    char path[] = "/tmp/fl_table_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "k,text,v\r\n");
    for (int i = 0; i < 20000; i++)
        fprintf(f, "%d,\"line %d\nsecond, \"\"part\"\"\",%d.5\r\n", i, i, i);
    fclose(f);
    struct fl_table *ft = NULL;
    fl_diag_init(&diag);
    cr_assert_eq(fl_table_open(path, NULL, &ft, &diag), FL_OK, "%s", diag.msg);
    const struct fl_cell *row;
    int n = 0;
    bool ok = true;
    while (fl_table_next(ft, &row, &diag) == FL_OK && row) {
        char want[64];
        snprintf(want, sizeof want, "line %d\nsecond, \"part\"", n);
        ok &= row[0].num == n && str_is(&row[1], want) && row[2].num == n + 0.5;
        ok &= fl_table_line(ft) == (unsigned long)(2 + 2 * n);
        n++;
    }
    cr_expect_eq(diag.code, FL_OK, "%s", diag.msg);
    cr_expect_eq(n, 20000);
    cr_expect(ok, "every row and line number matches");
    fl_table_free(ft);
    /* A record longer than the cap, found while streaming. */
    struct fl_table_opts o = {.record_bytes = 100000};
    f = fopen(path, "w");
    fprintf(f, "a\n\"");
    for (int i = 0; i < 30000; i++)
        fputs("abcdefgh", f);
    fprintf(f, "\"\n");
    fclose(f);
    cr_assert_eq(fl_table_open(path, &o, &ft, &diag), FL_OK);
    cr_expect_eq(fl_table_next(ft, &row, &diag), FL_ELIMIT);
    cr_expect_str_eq(diag.msg, "record longer than the limit of 100000 bytes");
    cr_expect_eq(diag.line, 2);
    fl_table_free(ft);
    unlink(path);
    fl_diag_init(&diag);
    cr_expect_eq(fl_table_open("/nonexistent/x.csv", NULL, &ft, &diag), FL_EIO);
    cr_expect_null(ft);
    cr_expect(strstr(diag.msg, "cannot open") != NULL);
}

Test(table, load_all_into_columns)
{
    const char *in = "{\"a\": 1}\n{\"a\": 2.5, \"b\": \"x\"}\n{\"b\": null, \"a\": \"s\"}\n";
    cr_assert_eq(open_mem(in, "l.jsonl", NULL), FL_OK);
    struct fl_table_data *td = NULL;
    cr_assert_eq(fl_table_load_from(tab, &td, &diag), FL_OK, "%s", diag.msg);
    cr_assert_eq(td->n_cols, 2);
    cr_assert_eq(td->n_rows, 3);
    cr_expect_eq(fl_table_data_find(td, "b"), 1);
    cr_expect_eq(fl_table_data_find(td, "zz"), -1);
    cr_expect_eq(td->cols[1].cells[0].type, FL_CELL_MISSING, "b before it appeared");
    cr_expect(td->cols[1].cells[1].type == FL_CELL_STRING &&
              strcmp(td->cols[1].cells[1].str.p, "x") == 0);
    cr_expect_eq(td->cols[1].cells[2].type, FL_CELL_NULL);
    double *v;
    size_t n;
    cr_assert_eq(fl_table_data_numbers(td, 0, &v, &n), FL_OK);
    cr_expect(n == 2 && v[0] == 1 && v[1] == 2.5);
    fl_free(v);
    cr_expect_eq(fl_table_data_numbers(td, 5, &v, &n), FL_EINVAL);
    fl_table_data_free(td);
}

/* Every allocation failure gives FL_ENOMEM (or success), never a crash; ASan checks leaks. */
Test(table, allocation_failures)
{
    const char *in = "{\"a\": 1, \"b\": {\"c\": \"q\\\"x\"}}\n{\"d\": true}\n";
    const char *csv = "a,\"b\"\"\"\n1,\"x,y\"\n";
    for (int which = 0; which < 2; which++) {
        int saw_ok = 0, saw_nomem = 0;
        for (long k = 0; k < 200; k++) {
            fl_alloc_fail_after(k);
            struct fl_table *t = NULL;
            struct fl_table_data *td = NULL;
            struct fl_diag d;
            fl_diag_init(&d);
            const char *s = which ? csv : in;
            fl_err e = fl_table_open_mem(s, strlen(s), which ? "a.csv" : "a.jsonl", NULL, &t, &d);
            if (!e)
                e = fl_table_load_from(t, &td, &d);
            fl_alloc_fail_after(-1);
            cr_expect(e == FL_OK || e == FL_ENOMEM, "k=%ld: %s %s", k, fl_err_name(e), d.msg);
            saw_ok += e == FL_OK;
            saw_nomem += e == FL_ENOMEM;
            fl_table_data_free(td);
            fl_table_free(t);
        }
        cr_expect(saw_ok > 0 && saw_nomem > 0);
    }
}
