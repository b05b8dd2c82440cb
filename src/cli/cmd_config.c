/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_config.c: `faultline config check FILE`, `config show [FILE]`, `config defaults`, and the
 * shared fl_cli_load_config used by every subcommand that needs the configuration.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/log.h"

static void print_diag(const char *prefix, const struct fl_diag *d)
{
    char line[FL_DIAG_MSG_CAP + FL_DIAG_FILE_CAP + FL_DIAG_FIELD_CAP + 64];
    fl_diag_format(d, line, sizeof line);
    fprintf(stderr, "%s%s\n", prefix, line);
}

struct fl_config *fl_cli_load_config(const struct fl_cli_globals *g)
{
    struct fl_config *cfg = NULL;
    struct fl_diag d;
    fl_err e;
    fl_diag_init(&d);
    if (g->config_path)
        e = fl_config_load(g->config_path, &cfg, &d);
    else if (access("faultline.yml", F_OK) == 0)
        e = fl_config_load("faultline.yml", &cfg, &d);
    else
        e = fl_config_default(&cfg);
    if (e) {
        if (d.code == FL_OK)
            fl_diag_set(&d, e, 0, 0, "%s", fl_err_str(e));
        print_diag("faultline: ", &d);
        return NULL;
    }
    if (!g->log_level) {
        enum fl_log_level lvl;
        if (fl_log_parse_level(cfg->log_level, &lvl) == FL_OK)
            fl_log_set_level(lvl);
    }
    return cfg;
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
        if (fl_config_load(argv[2], &cfg, &d) != FL_OK) {
            print_diag("", &d);
            return 1;
        }
        printf("%s: ok (%zu scrape jobs, %zu remote sources, %zu components, %zu KPIs, "
               "%zu models)\n",
               argv[2], cfg->n_scrape_jobs, cfg->n_remotes, cfg->n_components, cfg->n_kpis,
               cfg->n_models);
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
