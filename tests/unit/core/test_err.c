// SPDX-License-Identifier: Apache-2.0
/*
 * test_err.c: the fl_err tables, first-error-wins diagnostics and their one-line rendering, and
 * the check that docs/ERRORS.md documents every code of FL_ERR_LIST with the same HTTP status and
 * message (tests run from the repository root).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

static const struct {
    fl_err e;
    const char *name;
    int http;
    const char *msg;
} codes[] = {
#define ROW(name, http, msg) {name, #name, http, msg},
    FL_ERR_LIST(ROW)
#undef ROW
};

Test(err, tables_match_the_list)
{
    cr_assert_eq(sizeof codes / sizeof codes[0], (size_t)FL_ERR__COUNT);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        cr_assert_eq((size_t)codes[i].e, i, "codes are numbered in list order");
        cr_assert_str_eq(fl_err_name(codes[i].e), codes[i].name);
        cr_assert_str_eq(fl_err_str(codes[i].e), codes[i].msg);
        cr_assert_eq(fl_err_http_status(codes[i].e), codes[i].http);
    }
    cr_assert_eq(FL_OK, 0);
    cr_assert_str_eq(fl_err_name((fl_err)9999), "FL_E?");
    cr_assert_str_eq(fl_err_name((fl_err)-1), "FL_E?");
    cr_assert_eq(fl_err_http_status((fl_err)9999), 500);
    cr_assert_str_eq(fl_err_name(FL_EPARSE), "FL_EPARSE");
    cr_assert_eq(fl_err_http_status(FL_ELIMIT), 413);
}

struct fmt_case {
    const char *file, *field, *msg;
    unsigned long line, col;
    fl_err code;
    const char *want;
};

static const struct fmt_case fmt_cases[] = {
    {"faultline.yml", "scrape_configs[0].interval", "expected a duration like 15s", 12, 7,
     FL_ECONFIG, "faultline.yml:12:7: scrape_configs[0].interval: expected a duration like 15s"},
    {"inferences.jsonl", "feature \"age\"", "expected number, got \"abc\"", 17, 23, FL_EPARSE,
     "inferences.jsonl:17:23: feature \"age\": expected number, got \"abc\""},
    {"body", "", "unterminated string", 3, 0, FL_EPARSE, "body:3: unterminated string"},
    {"x.csv", "", "oops", 0, 0, FL_EPARSE, "x.csv: oops"},
    {"", "", "bad thing", 2, 9, FL_EPARSE, "line 2, column 9: bad thing"},
    {"", "", "bad thing", 4, 0, FL_EPARSE, "line 4: bad thing"},
    {"", "limits.body_bytes", "must be positive", 0, 0, FL_ECONFIG,
     "limits.body_bytes: must be positive"},
    {"", "", "", 0, 0, FL_ENOMEM, "out of memory"},
    {"f", "", "", 1, 2, FL_ELIMIT, "f:1:2: input exceeds a configured limit"},
};

Test(err, diag_format_table)
{
    for (size_t i = 0; i < sizeof fmt_cases / sizeof fmt_cases[0]; i++) {
        const struct fmt_case *c = &fmt_cases[i];
        struct fl_diag d;
        char out[1024];
        fl_diag_init(&d);
        if (c->file[0])
            fl_diag_file(&d, c->file);
        if (c->field[0])
            fl_diag_field(&d, "%s", c->field);
        fl_err r = c->msg[0] ? fl_diag_set(&d, c->code, c->line, c->col, "%s", c->msg)
                             : fl_diag_set(&d, c->code, c->line, c->col, NULL);
        cr_assert_eq(r, c->code);
        size_t n = fl_diag_format(&d, out, sizeof out);
        cr_assert_str_eq(out, c->want, "case %zu", i);
        cr_assert_eq(n, strlen(c->want));
    }
}

Test(err, diag_format_truncates_and_reports_wanted_length)
{
    struct fl_diag d;
    char small[8];
    fl_diag_init(&d);
    fl_diag_file(&d, "faultline.yml");
    (void)fl_diag_set(&d, FL_EPARSE, 1, 2, "abc");
    size_t n = fl_diag_format(&d, small, sizeof small);
    cr_assert_eq(n, strlen("faultline.yml:1:2: abc"));
    cr_assert_str_eq(small, "faultli");
    cr_assert_eq(small[7], '\0');
    cr_assert_eq(fl_diag_format(&d, small, 0), n, "cap 0 writes nothing but reports length");
}

Test(err, first_error_wins)
{
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(d.code, FL_OK);
    cr_assert_eq(fl_diag_set(&d, FL_EPARSE, 3, 4, "first %d", 1), FL_EPARSE);
    cr_assert_eq(fl_diag_set(&d, FL_ELIMIT, 9, 9, "second"), FL_ELIMIT, "returns its own code");
    cr_assert_eq(d.code, FL_EPARSE);
    cr_assert_eq(d.line, 3);
    cr_assert_eq(d.column, 4);
    cr_assert_str_eq(d.msg, "first 1");
    fl_diag_field(&d, "a.b");
    fl_diag_field(&d, "c.d");
    cr_assert_str_eq(d.field, "a.b");
    fl_diag_file(&d, "one");
    fl_diag_file(&d, "two");
    cr_assert_str_eq(d.file, "one");
    /* FL_OK never counts as an error. */
    struct fl_diag d2;
    fl_diag_init(&d2);
    cr_assert_eq(fl_diag_set(&d2, FL_OK, 1, 1, "nothing"), FL_OK);
    cr_assert_eq(d2.code, FL_OK);
    cr_assert_str_eq(d2.msg, "");
    /* NULL diag is allowed everywhere. */
    cr_assert_eq(fl_diag_set(NULL, FL_EIO, 0, 0, "x"), FL_EIO);
    fl_diag_field(NULL, "x");
    fl_diag_file(NULL, "x");
    fl_diag_init(NULL);
}

Test(err, long_message_is_truncated_not_overflowed)
{
    struct fl_diag d;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    fl_diag_init(&d);
    (void)fl_diag_set(&d, FL_EPARSE, 1, 1, "%s", big);
    fl_diag_field(&d, "%s", big);
    fl_diag_file(&d, big);
    cr_assert_eq(strlen(d.msg), FL_DIAG_MSG_CAP - 1);
    cr_assert_eq(strlen(d.field), FL_DIAG_FIELD_CAP - 1);
    cr_assert_eq(strlen(d.file), FL_DIAG_FILE_CAP - 1);
    char out[4096];
    size_t n = fl_diag_format(&d, out, sizeof out);
    cr_assert_eq(n, strlen(out));
    cr_assert_gt(n, (size_t)FL_DIAG_MSG_CAP);
}

/* Read docs/ERRORS.md and find the table row of a code: "| `NAME` | http | message | ...". */
static char *read_errors_md(void)
{
    FILE *f = fopen("docs/ERRORS.md", "rb");
    cr_assert_not_null(f, "docs/ERRORS.md must exist (run tests from the repository root)");
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

Test(err, every_code_is_documented)
{
    const char *text = read_errors_md();
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char want[256];
        snprintf(want, sizeof want, "| `%s` | %d | %s |", codes[i].name, codes[i].http,
                 codes[i].msg);
        const char *row = strstr(text, want);
        cr_assert_not_null(row, "docs/ERRORS.md lacks the row starting: %s", want);
        /* The "when it happens" column must say something. */
        const char *when = row + strlen(want);
        while (*when == ' ')
            when++;
        cr_assert(*when != '|' && *when != '\n' && *when != '\0',
                  "docs/ERRORS.md: %s has an empty explanation", codes[i].name);
    }
}

Test(err, no_undocumented_extra_codes_in_doc)
{
    const char *text = read_errors_md();
    size_t rows = 0;
    for (const char *p = strstr(text, "| `FL_"); p; p = strstr(p + 1, "| `FL_")) {
        char name[64];
        if (sscanf(p, "| `%63[A-Z_]`", name) != 1)
            continue;
        rows++;
        int known = 0;
        for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
            known |= strcmp(codes[i].name, name) == 0;
        cr_assert(known, "docs/ERRORS.md documents %s, which is not in FL_ERR_LIST", name);
    }
    cr_assert_eq(rows, (size_t)FL_ERR__COUNT);
}
