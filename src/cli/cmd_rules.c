/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_rules.c: `faultline rules export [--for D] [--stale-ratio R] [--job NAME] [--group NAME]
 * [--severity S] [--out FILE]`: the Prometheus alerting rules for faultline's exported series
 * (src/monitor/rules.h), on stdout or into FILE, ready for `promtool check rules` and a
 * Prometheus `rule_files:` entry.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/time.h"
#include "monitor/rules.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: faultline rules export [--for D] [--stale-ratio R] [--job NAME] "
               "[--group NAME]\n"
               "                              [--severity S] [--out FILE]\n"
               "  --for D          how long a condition holds before an alert fires (default 15m)\n"
               "  --stale-ratio R  share of stale feature lookups that alerts (default 0.05)\n"
               "  --job NAME       job label of faultline in Prometheus (default faultline)\n");
}

static int usage_error(const char *fmt, ...) FL_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "faultline rules: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage(stderr);
    return 2;
}

int fl_cli_rules(const struct fl_cli_globals *g, int argc, char **argv)
{
    (void)g;
    struct fl_rules_opts o;
    const char *out_path = NULL;
    fl_rules_opts_default(&o);
    if (argc < 2 || strcmp(argv[1], "export") != 0) {
        if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
            usage(stdout);
            return 0;
        }
        return usage_error("%s", argc < 2 ? "missing subcommand (export)"
                                          : "unknown subcommand (expected export)");
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc)
            return usage_error("unknown option or missing value: %s", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--for")) {
            struct fl_diag d;
            fl_diag_init(&d);
            if (fl_duration_parse(fl_str_c(v), &o.for_ms, &d) != FL_OK)
                return usage_error("--for: expected a duration like 15m, got \"%s\"", v);
        } else if (!strcmp(a, "--stale-ratio")) {
            char *end = NULL;
            o.stale_ratio = strtod(v, &end);
            if (!end || end == v || *end)
                return usage_error("--stale-ratio: expected a number, got \"%s\"", v);
        } else if (!strcmp(a, "--job")) {
            o.job = v;
        } else if (!strcmp(a, "--group")) {
            o.group = v;
        } else if (!strcmp(a, "--severity")) {
            o.severity = v;
        } else if (!strcmp(a, "--out")) {
            out_path = v;
        } else {
            return usage_error("unknown option %s", a);
        }
    }
    struct fl_buf b;
    struct fl_diag d;
    fl_buf_init(&b, 1u << 20);
    fl_diag_init(&d);
    fl_err e = fl_rules_export(&o, &b, &d);
    if (e != FL_OK) {
        fl_buf_cleanup(&b);
        return usage_error("%s", d.msg);
    }
    if ((e = fl_buf_err(&b)) != FL_OK) {
        fprintf(stderr, "faultline rules: %s\n", fl_err_str(e));
        fl_buf_cleanup(&b);
        return 1;
    }
    FILE *f = out_path ? fopen(out_path, "w") : stdout;
    int ok = f && fwrite(b.data, 1, b.len, f) == b.len;
    if (out_path && f && fclose(f) != 0)
        ok = 0;
    int rc = ok ? 0 : 1;
    if (!ok)
        fprintf(stderr, "faultline rules: cannot write %s\n", out_path ? out_path : "stdout");
    fl_buf_cleanup(&b);
    return rc;
}
