/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_skew.c: `faultline skew --offline FILE (--served FILE | --model M [--version V] [--start T]
 * [--end T] [--data-dir DIR]) [--key COL] [--rtol X] [--atol X] [--examples N]
 * [--max-mismatch-rate R] [--format table|json|markdown]`: training-serving skew, request by
 * request (src/monitor/skew.h). The served side is an inference JSON Lines file or the inference
 * logs in the store; the offline side is a CSV or JSON Lines table with a key column.
 *
 * Exit status: 0 when every feature's mismatch rate is at most --max-mismatch-rate (default 0:
 * any disagreement beyond the tolerance fails, so a pipeline can gate on it), 1 otherwise or on a
 * runtime failure, 2 on usage errors or unreadable input (with file:line:col).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/record.h"
#include "core/str.h"
#include "core/time.h"
#include "ingest/inference.h"
#include "ingest/table.h"
#include "monitor/skew.h"
#include "store/store.h"

#define SERVED_FILE_MAX ((size_t)4 << 30) /* bytes of a --served file */

struct skew_args {
    const char *offline, *served, *model, *version, *start, *end, *data_dir, *format;
    struct fl_skew_opts o;
    double max_rate;
};

static const char usage_text[] =
    "usage: faultline skew --offline FILE (--served FILE | --model M [--version V]\n"
    "                      [--start T] [--end T] [--data-dir DIR]) [--key COL]\n"
    "                      [--rtol X] [--atol X] [--examples N] [--max-mismatch-rate R]\n"
    "                      [--format table|json|markdown]\n"
    "  --offline FILE  CSV or JSON Lines: the key column and the offline feature values\n"
    "  --served FILE   inference JSON Lines; else the store's logs of --model\n"
    "  exit 1 when a feature's mismatch rate exceeds R (default 0)\n";

static const struct fl_cli_cmd cli = {"skew", usage_text};

static int input_error(const struct fl_diag *d)
{
    fl_cli_print_diag("skew", d);
    return 2;
}

static int parse_double(const char *opt, const char *v, double *out)
{
    char *end = NULL;
    *out = strtod(v, &end);
    if (!end || end == v || *end || !(*out >= 0))
        return fl_cli_usage_errorf(&cli, "%s: expected a number >= 0, got \"%s\"", opt, v);
    return 0;
}

/* The options checked as they come (fl_cli_opt_fn); 0 or a usage error (2). */
static int skew_option(void *ud, const char *k, const char *v)
{
    struct skew_args *a = ud;
    if (!strcmp(k, "--rtol"))
        return parse_double(k, v, &a->o.rtol);
    if (!strcmp(k, "--atol"))
        return parse_double(k, v, &a->o.atol);
    if (!strcmp(k, "--max-mismatch-rate"))
        return parse_double(k, v, &a->max_rate);
    if (!strcmp(k, "--examples")) {
        double n;
        int rc = parse_double(k, v, &n);
        if (rc == 0 && (n != floor(n) || n > 100))
            rc = fl_cli_usage_errorf(&cli, "--examples: expected an integer 0-100, got \"%s\"", v);
        if (rc == 0)
            a->o.n_examples = (size_t)n; /* 0..100: no out-of-range conversion */
        return rc;
    }
    return fl_cli_usage_errorf(&cli, "unknown option %s", k);
}

/* FL_CLI_GO_ON, else the exit status (0: help shown). */
static int parse_args(int argc, char **argv, struct skew_args *a)
{
    fl_skew_opts_default(&a->o);
    a->max_rate = 0;
    const struct fl_cli_opt opts[] = {
        {"--offline", &a->offline, NULL},   {"--served", &a->served, NULL},
        {"--model", &a->model, NULL},       {"--version", &a->version, NULL},
        {"--start", &a->start, NULL},       {"--end", &a->end, NULL},
        {"--data-dir", &a->data_dir, NULL}, {"--format", &a->format, NULL},
        {"--key", &a->o.key, NULL},
    };
    struct fl_cli_args p;
    fl_cli_args_init(&p, &cli, opts, sizeof opts / sizeof opts[0], argc, argv, 1);
    p.style = FL_CLI_PAIRS;
    p.no_value = "unknown option or missing value";
    int rc = fl_cli_args_each(&p, skew_option, a);
    if (rc != FL_CLI_GO_ON)
        return rc;
    if (!a->offline)
        return fl_cli_usage_errorf(&cli, "--offline FILE is required");
    if (!a->served == !a->model)
        return fl_cli_usage_errorf(&cli,
                                   "give either --served FILE or --model M (the store's logs)");
    if (a->served && (a->version || a->start || a->end || a->data_dir))
        return fl_cli_usage_errorf(
            &cli, "--version, --start, --end and --data-dir read the store: not with "
                  "--served");
    if (a->format && strcmp(a->format, "table") && strcmp(a->format, "json") &&
        strcmp(a->format, "markdown"))
        return fl_cli_usage_errorf(&cli, "--format: expected table, json or markdown");
    return FL_CLI_GO_ON;
}

/* The served side from an inference JSON Lines file. */
static int served_from_file(const char *path, struct fl_skew *s)
{
    struct fl_buf text;
    struct fl_batch b;
    struct fl_diag d;
    int rc = 0;
    fl_buf_init(&text, SERVED_FILE_MAX);
    fl_diag_init(&d);
    if (fl_batch_init(&b, 0) != FL_OK) {
        fl_buf_cleanup(&text);
        fprintf(stderr, "faultline skew: out of memory\n");
        return 1;
    }
    fl_err e = fl_file_read(path, text.max, &text, &d);
    if (e == FL_OK) {
        e = fl_inference_jsonl_to_batch(text.data, text.len, NULL, &b, &d);
        fl_diag_file(&d, path);
    }
    if (e != FL_OK) {
        rc = input_error(&d);
    } else {
        for (size_t i = 0; i < b.n_inferences && e == FL_OK; i++)
            e = fl_skew_add(s, &b.inferences[i]);
        if (e != FL_OK) {
            fprintf(stderr, "faultline skew: %s\n", fl_err_str(e));
            rc = 1;
        }
    }
    fl_batch_cleanup(&b);
    fl_buf_cleanup(&text);
    return rc;
}

struct store_add {
    struct fl_skew *s;
    fl_err e;
};

static int add_one(const struct fl_inference *r, void *ud)
{
    struct store_add *x = ud;
    x->e = fl_skew_add(x->s, r);
    return x->e != FL_OK;
}

/* The served side from the store's inference logs of a model (version), in a time range. */
static int served_from_store(const struct fl_cli_globals *g, const struct skew_args *a,
                             struct fl_skew *s)
{
    struct fl_config *cfg = NULL;
    struct fl_store *store = NULL;
    struct fl_store_opts so;
    struct fl_diag d;
    int64_t now = fl_time_now_ms();
    struct fl_inference_query q = {a->model, a->version, INT64_MIN, INT64_MAX, 0};
    fl_diag_init(&d);
    if ((a->start && fl_time_parse_any(fl_str_c(a->start), now, &q.start_ms, &d) != FL_OK) ||
        (a->end && fl_time_parse_any(fl_str_c(a->end), now, &q.end_ms, &d) != FL_OK))
        return fl_cli_usage_errorf(&cli, "--start/--end: %s", d.msg);
    const char *dir = a->data_dir;
    if (!dir) {
        if (!(cfg = fl_cli_load_config(g)))
            return 2;
        dir = cfg->data_dir;
    }
    fl_store_opts_default(&so);
    so.read_only = true;
    fl_err e = fl_store_open(dir, &so, &store, &d);
    struct store_add x = {s, FL_OK};
    if (e == FL_OK)
        e = fl_store_inferences(store, &q, add_one, &x, &d);
    if (e == FL_OK && x.e != FL_OK)
        e = fl_diag_set(&d, x.e, 0, 0, "%s", fl_err_str(x.e));
    fl_store_free(store);
    fl_config_free(cfg);
    if (e != FL_OK) {
        fprintf(stderr, "faultline skew: %s: %s\n", dir, d.msg);
        return 1;
    }
    return 0;
}

int fl_cli_skew(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct skew_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc != FL_CLI_GO_ON)
        return rc;
    struct fl_table_data *td = NULL;
    struct fl_skew *s = NULL;
    struct fl_skew_report rep;
    struct fl_diag d;
    memset(&rep, 0, sizeof rep);
    fl_diag_init(&d);
    if (fl_table_load(a.offline, NULL, &td, &d) != FL_OK)
        return input_error(&d);
    if (fl_skew_new(&a.o, td, &s, &d) != FL_OK) {
        fl_diag_file(&d, a.offline);
        rc = input_error(&d);
        goto out;
    }
    rc = a.served ? served_from_file(a.served, s) : served_from_store(g, &a, s);
    if (rc)
        goto out;
    if (fl_skew_report(s, &rep) != FL_OK) {
        fprintf(stderr, "faultline skew: out of memory\n");
        rc = 1;
        goto out;
    }
    struct fl_buf b;
    fl_buf_init(&b, (size_t)1 << 30);
    if (a.format && !strcmp(a.format, "json"))
        fl_skew_report_json(&rep, &b);
    else if (a.format && !strcmp(a.format, "markdown"))
        fl_skew_report_markdown(&rep, &b);
    else
        fl_skew_report_table(&rep, &b);
    if (fl_buf_err(&b) != FL_OK) {
        fprintf(stderr, "faultline skew: %s\n", fl_err_str(fl_buf_err(&b)));
        rc = 1;
    } else {
        fputs(b.data ? b.data : "", stdout);
        for (size_t i = 0; i < rep.n_features; i++)
            if (rep.features[i].mismatch_rate > a.max_rate)
                rc = 1;
    }
    fl_buf_cleanup(&b);
out:
    fl_skew_report_cleanup(&rep);
    fl_skew_free(s);
    fl_table_data_free(td);
    return rc;
}
