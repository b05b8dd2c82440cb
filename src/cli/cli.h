/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h: the subcommands of the faultline binary. Each lives in cmd_<name>.c and gets argv after the
 * subcommand name (argv[0] is the subcommand). Returns the process exit status: 0 ok, 1 runtime
 * failure, 2 usage error. Global options (-c FILE, --log-level) are parsed by main and passed in.
 */
#ifndef FL_CLI_CLI_H
#define FL_CLI_CLI_H

struct fl_cli_globals {
    const char *config_path; /* -c / --config, NULL = ./faultline.yml if present, else defaults */
    const char *log_level;   /* NULL = from config */
};

typedef int (*fl_cli_fn)(const struct fl_cli_globals *g, int argc, char **argv);

int fl_cli_serve(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_import(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_config(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_query(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_rules(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_skew(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_schema(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_validate(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_profile(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_drift(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_models(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_freshness(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_traces(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_rank(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_fta(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_fta_live(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_export(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_investigate(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_investigations(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_postmortem(const struct fl_cli_globals *g, int argc, char **argv);
int fl_cli_whys(const struct fl_cli_globals *g, int argc, char **argv);

/* Print a diagnostic on stderr as "faultline CMD: file:line:col: field: message" (no prefix when
 * cmd is NULL). */
struct fl_diag;
void fl_cli_print_diag(const char *cmd, const struct fl_diag *d);

/* Load the configuration the globals point at (or defaults); prints the error and returns NULL. */
struct fl_config;
struct fl_config *fl_cli_load_config(const struct fl_cli_globals *g);

#endif
