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

static const struct fl_cli_cmd cli = {"schema", usage_text};

/* Exit status for an error: input problems are 2, anything else 1. */
static int status_of(fl_err e)
{
    return e == FL_ENOMEM ? 1 : 2;
}

static int parse_fraction(const char *s, double lo, double hi, double *out)
{
    return fl_str_to_double(fl_str_c(s), out) && *out >= lo && *out <= hi;
}

struct infer_args {
    struct fl_schema_infer_opts o;
    struct fl_table_opts to;
};

/* One option of infer (fl_cli_opt_fn); 0, or a usage error (2). */
static int infer_option(void *ud, const char *a, const char *val)
{
    static const enum fl_table_format inputs[] = {FL_TABLE_CSV, FL_TABLE_JSONL};
    struct fl_schema_infer_opts *o = &((struct infer_args *)ud)->o;
    struct fl_table_opts *to = &((struct infer_args *)ud)->to;
    double v;
    uint64_t u;
    int k;
    if (!strcmp(a, "--input")) {
        if ((k = fl_cli_choice(&cli, "--input", val, "csv|jsonl")) < 0)
            return 2;
        to->format = inputs[k];
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
        return fl_cli_usage_errorf(&cli, "%s: value out of range or malformed: %s", a, val);
    } else {
        return fl_cli_usage_error(&cli, "unknown option", a);
    }
    return 0;
}

static int cmd_infer(int argc, char **argv)
{
    struct infer_args x;
    struct fl_cli_args p;
    memset(&x, 0, sizeof x);
    fl_schema_infer_opts_default(&x.o);
    fl_cli_args_init(&p, &cli, NULL, 0, argc, argv, 1);
    p.style = FL_CLI_LEADING;
    p.no_help = true; /* here -h is an unknown option; `schema -h` is the help */
    int rc = fl_cli_args_each(&p, infer_option, &x);
    if (rc != FL_CLI_GO_ON)
        return rc;
    int i = p.i; /* the first argument after the options */
    if (i + 1 != argc)
        return fl_cli_usage_error(
            &cli, i >= argc ? "no input file given" : "more than one input file", NULL);
    struct fl_diag d;
    struct fl_table *t = NULL;
    struct fl_schema *s = NULL;
    struct fl_buf out;
    fl_diag_init(&d);
    fl_buf_init(&out, (size_t)1 << 30);
    fl_err e = fl_table_open(argv[i], &x.to, &t, &d);
    if (!e)
        e = fl_schema_infer(t, &x.o, &s, &d);
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
        return fl_cli_usage_error(
            &cli, argc < 2 ? "no schema file given" : "more than one schema file", NULL);
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
        return fl_cli_usage_error(&cli, "expected infer or check", NULL);
    if (!strcmp(argv[1], "infer"))
        return cmd_infer(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check"))
        return cmd_check(argc - 1, argv + 1);
    if (fl_cli_is_help(argv[1])) {
        printf("%s", usage_text);
        return 0;
    }
    return fl_cli_usage_error(&cli, "unknown subcommand", argv[1]);
}
