/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_config.c: fl_cli_load_config, the one way every subcommand finds its configuration:
 * -c FILE when given, else ./faultline.yml when it exists, else the built-in defaults. A broken
 * file is never silently replaced by defaults: its diagnostic goes to stderr and NULL comes back.
 * fl_cli_open_store adds the store of the data directory (--data-dir, else the configuration's).
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "config/config.h"
#include "core/log.h"
#include "store/store.h"

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
        char line[FL_DIAG_MSG_CAP + FL_DIAG_FILE_CAP + FL_DIAG_FIELD_CAP + 64];
        if (d.code == FL_OK)
            fl_diag_set(&d, e, 0, 0, "%s", fl_err_str(e));
        fl_diag_format(&d, line, sizeof line);
        fprintf(stderr, "faultline: %s\n", line);
        return NULL;
    }
    /* --log-level on the command line wins over the file. */
    if (!g->log_level) {
        enum fl_log_level lvl;
        if (fl_log_parse_level(cfg->log_level, &lvl) == FL_OK)
            fl_log_set_level(lvl);
    }
    return cfg;
}

int fl_cli_open_store(const struct fl_cli_globals *g, const char *cmd, const char *data_dir,
                      struct fl_config **cfg, struct fl_store **s)
{
    struct fl_diag d;
    struct fl_store_opts so;
    fl_diag_init(&d);
    *cfg = fl_cli_load_config(g);
    if (!*cfg)
        return 1;
    fl_store_opts_default(&so);
    if (fl_store_open(data_dir ? data_dir : (*cfg)->data_dir, &so, s, &d) != FL_OK) {
        fl_cli_print_diag(cmd, &d);
        return 1;
    }
    return 0;
}

void fl_cli_print_diag(const char *cmd, const struct fl_diag *d)
{
    char line[FL_DIAG_MSG_CAP + FL_DIAG_FILE_CAP + FL_DIAG_FIELD_CAP + 64];
    fl_diag_format(d, line, sizeof line);
    if (cmd)
        fprintf(stderr, "faultline %s: %s\n", cmd, line);
    else
        fprintf(stderr, "%s\n", line);
}
