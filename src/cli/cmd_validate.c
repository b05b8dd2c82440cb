/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_validate.c: `faultline validate --schema SCHEMA FILE` checks a CSV or JSON Lines batch
 * against a data schema and prints its anomalies as a table, JSON or Markdown
 * (docs/VALIDATION.md). Exit status: 0 when the batch is clean, 1 when it has anomalies, 2 on
 * usage errors and on unreadable or malformed input (the schema or the batch), with the error's
 * file:line:col.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/buf.h"
#include "ingest/table.h"
#include "monitor/schema.h"
#include "monitor/validate.h"

enum out_format { OUT_TABLE, OUT_JSON, OUT_MARKDOWN };

static const char usage_text[] =
    "usage: faultline validate --schema SCHEMA [--format table|json|markdown] "
    "[--input csv|jsonl] FILE\n";

static const struct fl_cli_cmd cli = {"validate", usage_text};

struct vopts {
    const char *schema;
    enum out_format out;
    struct fl_table_opts to;
};

/* One option of those the table leaves to the command (fl_cli_opt_fn); 0 or a usage error (2). */
static int parse_option(void *ud, const char *a, const char *v)
{
    static const enum fl_table_format inputs[] = {FL_TABLE_CSV, FL_TABLE_JSONL};
    struct vopts *o = ud;
    int k;
    if (!strcmp(a, "--format")) {
        k = !strcmp(v, "md") ? 2 : fl_cli_choice(&cli, "--format", v, "table|json|markdown");
        if (k < 0)
            return 2;
        o->out = (enum out_format)k;
    } else if (!strcmp(a, "--input")) {
        if ((k = fl_cli_choice(&cli, "--input", v, "csv|jsonl")) < 0)
            return 2;
        o->to.format = inputs[k];
    } else {
        return fl_cli_usage_error(&cli, "unknown option", a);
    }
    return 0;
}

int fl_cli_validate(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct vopts o = {0};
    const struct fl_cli_opt opts[] = {{"--schema", &o.schema, NULL}};
    struct fl_cli_args p;
    (void)g;
    fl_cli_args_init(&p, &cli, opts, 1, argc, argv, 1);
    p.style = FL_CLI_LEADING;
    int rc = fl_cli_args_each(&p, parse_option, &o);
    if (rc != FL_CLI_GO_ON)
        return rc;
    int i = p.i; /* the first argument after the options */
    if (!o.schema)
        return fl_cli_usage_error(&cli, "--schema is required", NULL);
    if (i + 1 != argc)
        return fl_cli_usage_error(
            &cli, i >= argc ? "no input file given" : "more than one input file", NULL);
    const char *path = argv[i];
    struct fl_diag d;
    struct fl_schema *s = NULL;
    struct fl_table *t = NULL;
    struct fl_validation *r = NULL;
    struct fl_buf out;
    fl_diag_init(&d);
    fl_buf_init(&out, (size_t)1 << 30);
    fl_err e = fl_schema_load(o.schema, &s, &d);
    if (!e)
        e = fl_table_open(path, &o.to, &t, &d);
    if (!e)
        e = fl_validate_table(s, t, &r, &d);
    if (e) {
        fl_cli_print_diag("validate", &d);
        rc = e == FL_ENOMEM ? 1 : 2;
        goto out;
    }
    if (o.out == OUT_JSON)
        fl_validation_write_json(r, path, o.schema, &out);
    else if (o.out == OUT_MARKDOWN)
        fl_validation_write_markdown(r, path, o.schema, &out);
    else
        fl_validation_write_text(r, path, o.schema, &out);
    if (fl_buf_err(&out) || fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
        fprintf(stderr, "faultline validate: cannot write the report\n");
        rc = 1;
        goto out;
    }
    rc = r->n_anomalies ? 1 : 0;
out:
    fl_buf_cleanup(&out);
    fl_validation_free(r);
    fl_table_free(t);
    fl_schema_free(s);
    return rc;
}
