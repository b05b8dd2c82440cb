/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_rules.c: `faultline rules export [--for D] [--stale-ratio R] [--job NAME] [--group NAME]
 * [--severity S] [--out FILE]`: the Prometheus alerting rules for faultline's exported series
 * (src/monitor/rules.h), on stdout or into FILE, ready for `promtool check rules` and a
 * Prometheus `rule_files:` entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/time.h"
#include "monitor/rules.h"

static const char usage_text[] =
    "usage: faultline rules export [--for D] [--stale-ratio R] [--job NAME] [--group NAME]\n"
    "                              [--severity S] [--out FILE]\n"
    "  --for D          how long a condition holds before an alert fires (default 15m)\n"
    "  --stale-ratio R  share of stale feature lookups that alerts (default 0.05)\n"
    "  --job NAME       job label of faultline in Prometheus (default faultline)\n";

static const struct fl_cli_cmd cli = {"rules", usage_text};

/* --for and --stale-ratio, checked as they come (fl_cli_opt_fn); 0 or a usage error (2). */
static int rules_option(void *ud, const char *a, const char *v)
{
    struct fl_rules_opts *o = ud;
    if (!strcmp(a, "--for")) {
        struct fl_diag d;
        fl_diag_init(&d);
        if (fl_duration_parse(fl_str_c(v), &o->for_ms, &d) != FL_OK)
            return fl_cli_usage_errorf(&cli, "--for: expected a duration like 15m, got \"%s\"", v);
    } else if (!strcmp(a, "--stale-ratio")) {
        char *end = NULL;
        o->stale_ratio = strtod(v, &end);
        if (!end || end == v || *end)
            return fl_cli_usage_errorf(&cli, "--stale-ratio: expected a number, got \"%s\"", v);
    } else {
        return fl_cli_usage_errorf(&cli, "unknown option %s", a);
    }
    return 0;
}

int fl_cli_rules(const struct fl_cli_globals *g, int argc, char **argv)
{
    (void)g;
    struct fl_rules_opts o;
    const char *out_path = NULL;
    fl_rules_opts_default(&o);
    if (argc < 2 || strcmp(argv[1], "export") != 0) {
        if (argc >= 2 && fl_cli_is_help(argv[1])) {
            printf("%s", usage_text);
            return 0;
        }
        return fl_cli_usage_errorf(&cli, "%s",
                                   argc < 2 ? "missing subcommand (export)"
                                            : "unknown subcommand (expected export)");
    }
    const struct fl_cli_opt opts[] = {
        {"--job", &o.job, NULL},
        {"--group", &o.group, NULL},
        {"--severity", &o.severity, NULL},
        {"--out", &out_path, NULL},
    };
    struct fl_cli_args p;
    fl_cli_args_init(&p, &cli, opts, sizeof opts / sizeof opts[0], argc, argv, 2);
    p.style = FL_CLI_PAIRS;
    p.no_value = "unknown option or missing value";
    int rc = fl_cli_args_each(&p, rules_option, &o);
    if (rc != FL_CLI_GO_ON)
        return rc;
    struct fl_buf b;
    struct fl_diag d;
    fl_buf_init(&b, 1u << 20);
    fl_diag_init(&d);
    fl_err e = fl_rules_export(&o, &b, &d);
    if (e != FL_OK) {
        fl_buf_cleanup(&b);
        return fl_cli_usage_errorf(&cli, "%s", d.msg);
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
    rc = ok ? 0 : 1;
    if (!ok)
        fprintf(stderr, "faultline rules: cannot write %s\n", out_path ? out_path : "stdout");
    fl_buf_cleanup(&b);
    return rc;
}
