/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_profile.c: `faultline profile FILE...` summarizes tables (CSV / JSON Lines, every column a
 * feature), inference records or saved profiles into one profile set (monitor/profile.h), and
 * writes it to a .profile file (--out) and/or prints a summary (--format table|json). Saved
 * profiles given as inputs are merged, so profiles of several windows or nodes combine into the
 * profile of the union. Exit status: 0, 1 on a runtime failure (out of memory, cannot write),
 * 2 on usage errors and unreadable or malformed input (file:line:col).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/time.h"
#include "monitor/profile.h"

static const char usage_text[] =
    "usage: faultline profile [--input csv|jsonl|inferences] [--out FILE] [--format table|json]\n"
    "         [--model M] [--model-version V] [--window W] [--window-size DUR] [--segment S]\n"
    "         [--segment-by DIM]... [--chunks N] [--k K] [--top N] FILE...\n";

#define MAX_SEGMENT_BY 64

struct popts {
    const char *out_path;
    int format; /* 0 none, 1 table, 2 json */
    struct fl_profile_file_opts fo;
    struct fl_profile_opts po;
    const char *segment_by[MAX_SEGMENT_BY];
    size_t top;
};

static const struct fl_cli_cmd cli = {"profile", usage_text};

/* One option of those the table leaves to the command (fl_cli_opt_fn); 0 or a usage error (2). */
static int parse_option(void *ud, const char *a, const char *v)
{
    static const enum fl_profile_input inputs[] = {FL_PROFILE_INPUT_CSV, FL_PROFILE_INPUT_JSONL,
                                                   FL_PROFILE_INPUT_INFERENCES};
    struct popts *o = ud;
    uint64_t n;
    int k;
    if (!strcmp(a, "--format")) {
        if ((k = fl_cli_choice(&cli, "--format", v, "table|json")) < 0)
            return 2;
        o->format = k + 1;
    } else if (!strcmp(a, "--input")) {
        if ((k = fl_cli_choice(&cli, "--input", v, "csv|jsonl|inferences")) < 0)
            return 2;
        o->fo.input = inputs[k];
    } else if (!strcmp(a, "--window")) {
        o->fo.table.window = o->fo.inference.window = v;
    } else if (!strcmp(a, "--window-size")) {
        struct fl_diag d;
        int64_t ms;
        fl_diag_init(&d);
        if (fl_duration_parse(fl_str_c(v), &ms, &d) || ms <= 0)
            return fl_cli_usage_error(&cli, "--window-size: expected a duration such as 1h or 15m",
                                      v);
        o->fo.inference.window_ms = ms;
    } else if (!strcmp(a, "--segment-by")) {
        if (o->fo.inference.n_segment_by == MAX_SEGMENT_BY)
            return fl_cli_usage_error(&cli, "--segment-by: at most 64 dimensions", v);
        o->segment_by[o->fo.inference.n_segment_by++] = v;
    } else if (!strcmp(a, "--chunks")) {
        if (!fl_cli_parse_u64(v, 1, 1000, &n))
            return fl_cli_usage_error(&cli, "--chunks: expected a number from 1 to 1000", v);
        o->fo.table.chunks = (uint32_t)n;
    } else if (!strcmp(a, "--k")) {
        if (!fl_cli_parse_u64(v, FL_KLL_MIN_K, FL_LIMIT_KLL_K, &n))
            return fl_cli_usage_error(&cli, "--k: expected a KLL parameter from 8 to 65535", v);
        o->po.kll_k = (unsigned)n;
    } else if (!strcmp(a, "--top")) {
        if (!fl_cli_parse_u64(v, 0, 1000, &n))
            return fl_cli_usage_error(&cli, "--top: expected a number from 0 to 1000", v);
        o->top = (size_t)n;
    } else {
        return fl_cli_usage_error(&cli, "unknown option", a);
    }
    return 0;
}

/* The options before the files; *i is then the first file's index. FL_CLI_GO_ON, else the exit
 * status. */
static int parse_options(int argc, char **argv, int *i, struct popts *o)
{
    const struct fl_cli_opt opts[] = {
        {"--out", &o->out_path, NULL},
        {"--model", &o->fo.table.model, NULL},
        {"--model-version", &o->fo.table.model_version, NULL},
        {"--segment", &o->fo.table.segment, NULL},
    };
    struct fl_cli_args p;
    fl_cli_args_init(&p, &cli, opts, sizeof opts / sizeof opts[0], argc, argv, 1);
    p.style = FL_CLI_LEADING;
    int rc = fl_cli_args_each(&p, parse_option, o);
    *i = p.i;
    o->fo.inference.segment_by = o->segment_by;
    return rc;
}

/* Write b to path through a temporary file renamed into place. 0 or 1 (message printed). */
static int write_file(const char *path, const struct fl_buf *b)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        fprintf(stderr, "faultline profile: --out path too long\n");
        return 1;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "faultline profile: cannot create %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    bool ok = fwrite(b->data, 1, b->len, f) == b->len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "faultline profile: cannot write %s: %s\n", path, strerror(errno));
        remove(tmp);
        return 1;
    }
    return 0;
}

int fl_cli_profile(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct popts o;
    memset(&o, 0, sizeof o);
    fl_profile_opts_default(&o.po);
    o.top = 10;
    int i = 1, rc = parse_options(argc, argv, &i, &o);
    (void)g;
    if (rc != FL_CLI_GO_ON)
        return rc;
    if (i >= argc)
        return fl_cli_usage_error(&cli, "no input file given", NULL);
    if (!o.out_path && !o.format)
        o.format = 1;
    struct fl_diag d;
    struct fl_profile_set *s = NULL;
    struct fl_buf out;
    fl_diag_init(&d);
    fl_buf_init(&out, FL_LIMIT_PROFILE_FILE_BYTES);
    fl_err e = fl_profile_set_new(&o.po, &s);
    for (; i < argc && !e; i++)
        e = fl_profile_set_add_file(s, argv[i], &o.fo, &d);
    if (e) {
        fl_cli_print_diag("profile", &d);
        rc = e == FL_ENOMEM ? 1 : 2;
        goto out;
    }
    if (o.out_path) {
        if ((e = fl_profile_set_serialize(s, &out)) != FL_OK) {
            fprintf(stderr, "faultline profile: cannot serialize the profiles: %s\n",
                    fl_err_str(e));
            rc = 1;
            goto out;
        }
        if ((rc = write_file(o.out_path, &out)) != 0)
            goto out;
        fl_buf_reset(&out);
    }
    if (o.format) {
        e = o.format == 2 ? fl_profile_set_write_json(s, o.top, &out)
                          : fl_profile_set_write_text(s, o.top, &out);
        if (e || fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
            fprintf(stderr, "faultline profile: cannot write the summary\n");
            rc = 1;
            goto out;
        }
    }
    rc = 0;
out:
    fl_buf_cleanup(&out);
    fl_profile_set_free(s);
    return rc;
}
