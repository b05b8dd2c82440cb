/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_config.c: `faultline config check FILE` (validate, print a one-line summary or the
 * diagnostic, exit 0 or 1), `config show [FILE]` (the effective configuration after defaults, as
 * YAML that reads back to the same values) and `config defaults` (the built-in configuration).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/buf.h"

/* "3 scrape jobs" / "1 scrape job". */
static void count(const char *sep, size_t n, const char *one, const char *many)
{
    printf("%s%zu %s", sep, n, n == 1 ? one : many);
}

/* One line: "FILE: ok (2 scrape jobs, 5 targets, 1 remote source, 13 components, 1 KPI, 3 models)".
 * A job with several static_configs is several fl_scrape_job entries; count each name once. */
static void summary(const char *file, const struct fl_config *c)
{
    size_t jobs = 0, targets = 0;
    for (size_t i = 0; i < c->n_scrape_jobs; i++) {
        targets += c->scrape_jobs[i].n_targets;
        size_t k = 0;
        while (k < i && strcmp(c->scrape_jobs[k].job_name, c->scrape_jobs[i].job_name))
            k++;
        jobs += k == i;
    }
    printf("%s: ok (", file);
    count("", jobs, "scrape job", "scrape jobs");
    count(", ", targets, "target", "targets");
    count(", ", c->n_remotes, "remote source", "remote sources");
    count(", ", c->n_components, "component", "components");
    count(", ", c->n_kpis, "KPI", "KPIs");
    count(", ", c->n_models, "model", "models");
    printf(")\n");
}

static int show(const struct fl_config *cfg)
{
    struct fl_buf b;
    fl_buf_init(&b, 16u << 20);
    fl_config_write_yaml(cfg, &b);
    int rc = fl_buf_err(&b) == FL_OK ? 0 : 1;
    if (!rc)
        fputs(b.data, stdout);
    fl_buf_cleanup(&b);
    return rc;
}

int fl_cli_config(const struct fl_cli_globals *g, int argc, char **argv)
{
    const char *usage = "usage: faultline config check FILE | config show [FILE] | config defaults";
    if (argc < 2) {
        fprintf(stderr, "%s\n", usage);
        return 2;
    }
    struct fl_config *cfg = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    if (!strcmp(argv[1], "defaults") && argc == 2) {
        if (fl_config_default(&cfg) != FL_OK)
            return 1;
        int rc = show(cfg);
        fl_config_free(cfg);
        return rc;
    }
    if (!strcmp(argv[1], "check") && argc == 3) {
        fl_err e = fl_config_load(argv[2], &cfg, &d);
        if (e != FL_OK) {
            if (d.code == FL_OK)
                fl_diag_set(&d, e, 0, 0, "%s", fl_err_str(e));
            fl_cli_print_diag(NULL, &d);
            return 1;
        }
        summary(argv[2], cfg);
        fl_config_free(cfg);
        return 0;
    }
    if (!strcmp(argv[1], "show") && argc <= 3) {
        struct fl_cli_globals g2 = *g;
        if (argc == 3)
            g2.config_path = argv[2];
        if (!(cfg = fl_cli_load_config(&g2)))
            return 1;
        int rc = show(cfg);
        fl_config_free(cfg);
        return rc;
    }
    fprintf(stderr, "%s\n", usage);
    return 2;
}
