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

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "faultline validate: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "",
            usage_text);
    return 2;
}

struct vopts {
    const char *schema;
    enum out_format out;
    struct fl_table_opts to;
};

static int parse_options(int argc, char **argv, int *i, struct vopts *o)
{
    for (; *i < argc && argv[*i][0] == '-' && argv[*i][1] != '\0'; (*i)++) {
        const char *a = argv[*i];
        if (!strcmp(a, "--")) {
            (*i)++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("%s", usage_text);
            return -1;
        }
        if (*i + 1 >= argc)
            return usage_error("option needs a value", a);
        const char *v = argv[++*i];
        if (!strcmp(a, "--schema")) {
            o->schema = v;
        } else if (!strcmp(a, "--format")) {
            if (!strcmp(v, "table"))
                o->out = OUT_TABLE;
            else if (!strcmp(v, "json"))
                o->out = OUT_JSON;
            else if (!strcmp(v, "markdown") || !strcmp(v, "md"))
                o->out = OUT_MARKDOWN;
            else
                return usage_error("--format: expected table, json or markdown", v);
        } else if (!strcmp(a, "--input")) {
            if (!strcmp(v, "csv"))
                o->to.format = FL_TABLE_CSV;
            else if (!strcmp(v, "jsonl"))
                o->to.format = FL_TABLE_JSONL;
            else
                return usage_error("--input: expected csv or jsonl", v);
        } else {
            return usage_error("unknown option", a);
        }
    }
    return 0;
}

int fl_cli_validate(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct vopts o = {0};
    int i = 1, rc = parse_options(argc, argv, &i, &o);
    (void)g;
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.schema)
        return usage_error("--schema is required", NULL);
    if (i + 1 != argc)
        return usage_error(i >= argc ? "no input file given" : "more than one input file", NULL);
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
