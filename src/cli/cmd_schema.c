/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_schema.c: `faultline schema infer FILE` writes the data schema inferred from a CSV or JSON
 * Lines file (commented YAML, docs/VALIDATION.md) to standard output; `faultline schema check
 * FILE` reads a schema and reports its first error with file:line:col. Exit status 0 on success,
 * 2 on usage errors and unreadable or malformed input, 1 on other failures (out of memory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/str.h"
#include "ingest/table.h"
#include "monitor/schema.h"

static const char usage_text[] =
    "usage: faultline schema infer [--input csv|jsonl] [--tolerance F] [--range-margin F]\n"
    "                              [--max-domain N] [--domain-ratio F] [--rows-min-factor F]\n"
    "                              [--rows-max-factor F] [--batch-rows N] [--bins N]\n"
    "                              [--psi-threshold F] FILE\n"
    "       faultline schema check SCHEMA\n";

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "faultline schema: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "",
            usage_text);
    return 2;
}

/* Exit status for an error: input problems are 2, anything else 1. */
static int status_of(fl_err e)
{
    return e == FL_ENOMEM ? 1 : 2;
}

static int parse_fraction(const char *s, double lo, double hi, double *out)
{
    return fl_str_to_double(fl_str_c(s), out) && *out >= lo && *out <= hi;
}

/* Options of infer; returns 0 on success, else the exit status. */
static int infer_options(int argc, char **argv, int *i, struct fl_schema_infer_opts *o,
                         struct fl_table_opts *to)
{
    for (; *i < argc && argv[*i][0] == '-' && argv[*i][1] != '\0'; (*i)++) {
        const char *a = argv[*i];
        double v;
        uint64_t u;
        if (!strcmp(a, "--")) {
            (*i)++;
            break;
        }
        if (*i + 1 >= argc)
            return usage_error("option needs a value", a);
        const char *val = argv[++*i];
        if (!strcmp(a, "--input")) {
            if (!strcmp(val, "csv"))
                to->format = FL_TABLE_CSV;
            else if (!strcmp(val, "jsonl"))
                to->format = FL_TABLE_JSONL;
            else
                return usage_error("--input: expected csv or jsonl", val);
        } else if (!strcmp(a, "--tolerance") && parse_fraction(val, 0, 1, &v)) {
            o->tolerance = v;
        } else if (!strcmp(a, "--range-margin") && parse_fraction(val, 0, 100, &v)) {
            o->range_margin = v;
        } else if (!strcmp(a, "--domain-ratio") && parse_fraction(val, 0, 1, &v)) {
            o->domain_ratio = v;
        } else if (!strcmp(a, "--rows-min-factor") && parse_fraction(val, 0, 1, &v)) {
            o->rows_min_factor = v;
        } else if (!strcmp(a, "--rows-max-factor") && parse_fraction(val, 1, 1e6, &v)) {
            o->rows_max_factor = v;
        } else if (!strcmp(a, "--max-domain") && fl_str_to_u64(fl_str_c(val), &u) &&
                   u <= FL_LIMIT_DOMAIN_VALUES) {
            o->max_domain = (size_t)u;
        } else if (!strcmp(a, "--batch-rows") && fl_str_to_u64(fl_str_c(val), &u) && u > 0) {
            o->batch_rows = u;
        } else if (!strcmp(a, "--bins") && fl_str_to_u64(fl_str_c(val), &u) &&
                   (u == 0 || (u >= 2 && u <= FL_SCHEMA_MAX_BINS))) {
            o->bins = (size_t)u;
        } else if (!strcmp(a, "--psi-threshold") && parse_fraction(val, 0, 1e6, &v) && v > 0) {
            o->psi_threshold = v;
        } else if (!strcmp(a, "--tolerance") || !strcmp(a, "--range-margin") ||
                   !strcmp(a, "--domain-ratio") || !strcmp(a, "--rows-min-factor") ||
                   !strcmp(a, "--rows-max-factor") || !strcmp(a, "--max-domain") ||
                   !strcmp(a, "--batch-rows") || !strcmp(a, "--bins") ||
                   !strcmp(a, "--psi-threshold")) {
            fprintf(stderr, "faultline schema: %s: value out of range or malformed: %s\n", a, val);
            fprintf(stderr, "%s", usage_text);
            return 2;
        } else {
            return usage_error("unknown option", a);
        }
    }
    return 0;
}

static int cmd_infer(int argc, char **argv)
{
    struct fl_schema_infer_opts o;
    struct fl_table_opts to = {0};
    int i = 1, rc;
    fl_schema_infer_opts_default(&o);
    if ((rc = infer_options(argc, argv, &i, &o, &to)) != 0)
        return rc;
    if (i + 1 != argc)
        return usage_error(i >= argc ? "no input file given" : "more than one input file", NULL);
    struct fl_diag d;
    struct fl_table *t = NULL;
    struct fl_schema *s = NULL;
    struct fl_buf out;
    fl_diag_init(&d);
    fl_buf_init(&out, (size_t)1 << 30);
    fl_err e = fl_table_open(argv[i], &to, &t, &d);
    if (!e)
        e = fl_schema_infer(t, &o, &s, &d);
    if (e) {
        fl_diag_file(&d, argv[i]);
        fl_cli_print_diag("schema", &d);
        rc = status_of(e);
        goto out;
    }
    fl_schema_emit(s, &out);
    if (fl_buf_err(&out) || fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
        fprintf(stderr, "faultline schema: cannot write the schema\n");
        rc = 1;
        goto out;
    }
    rc = 0;
out:
    fl_buf_cleanup(&out);
    fl_schema_free(s);
    fl_table_free(t);
    return rc;
}

static int cmd_check(int argc, char **argv)
{
    if (argc != 2)
        return usage_error(argc < 2 ? "no schema file given" : "more than one schema file", NULL);
    struct fl_diag d;
    struct fl_schema *s = NULL;
    fl_diag_init(&d);
    fl_err e = fl_schema_load(argv[1], &s, &d);
    if (e) {
        fl_cli_print_diag("schema", &d);
        return status_of(e);
    }
    size_t domains = 0, ranges = 0;
    for (size_t k = 0; k < s->n_cols; k++) {
        domains += s->cols[k].has_domain;
        ranges += s->cols[k].has_min || s->cols[k].has_max;
    }
    printf("%s: ok: %zu columns (%zu with a range, %zu with a domain)\n", argv[1], s->n_cols,
           ranges, domains);
    fl_schema_free(s);
    return 0;
}

int fl_cli_schema(const struct fl_cli_globals *g, int argc, char **argv)
{
    (void)g;
    if (argc < 2)
        return usage_error("expected infer or check", NULL);
    if (!strcmp(argv[1], "infer"))
        return cmd_infer(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        printf("%s", usage_text);
        return 0;
    }
    return usage_error("unknown subcommand", argv[1]);
}
