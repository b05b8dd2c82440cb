/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h: the subcommands of the faultline binary. Each lives in cmd_<name>.c and gets argv after the
 * subcommand name (argv[0] is the subcommand). Returns the process exit status: 0 ok, 1 runtime
 * failure, 2 usage error. Global options (-c FILE, --log-level) are parsed by main and passed in.
 */
#ifndef FL_CLI_CLI_H
#define FL_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

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

/* Load the configuration (fl_cli_load_config) and open the store in data_dir, or in the
 * configuration's data_dir when data_dir is NULL. Returns 0, or 1 after printing the error as
 * "faultline CMD: ...". The caller frees *cfg and *s in either case (what was not made is NULL). */
struct fl_store;
int fl_cli_open_store(const struct fl_cli_globals *g, const char *cmd, const char *data_dir,
                      struct fl_config **cfg, struct fl_store **s);

/* ---- options and usage errors (cli_opts.c) -------------------------------------------------- */

/* A subcommand as its messages name it. */
struct fl_cli_cmd {
    const char *name;  /* "fta": messages read "faultline fta: ..." */
    const char *usage; /* its usage text, ending in a newline: on stdout for -h and --help, on
                        * stderr after every usage error */
};

/* Print "faultline NAME: MSG: ARG" (": ARG" only when arg is not NULL) and the usage on stderr.
 * Returns 2, the exit status of a usage error. */
int fl_cli_usage_error(const struct fl_cli_cmd *c, const char *msg, const char *arg);

/* The same with a printf-style message: "faultline NAME: " MESSAGE, then the usage. Returns 2. */
int fl_cli_usage_errorf(const struct fl_cli_cmd *c, const char *fmt, ...) FL_PRINTF(2, 3);

/* The usage error for an argument nothing takes: "unknown option: ARG" when it starts with '-',
 * else "unexpected argument: ARG". Returns 2. */
int fl_cli_unexpected(const struct fl_cli_cmd *c, const char *arg);

/* True for -h and --help. */
bool fl_cli_is_help(const char *arg);

/* Which of the '|'-separated words of choices ("table|json|markdown") v is, counted from 0; -1
 * after the usage error "OPT: expected table, json or markdown: V". */
int fl_cli_choice(const struct fl_cli_cmd *c, const char *opt, const char *v, const char *choices);

/* An unsigned decimal integer within [lo, hi] (digits after an optional '+', as fl_str_to_u64
 * reads them). False when s is anything else; *out is then unspecified. */
bool fl_cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* A count option ("--top 5"): an integer from 1 to 2^40, read as fl_cli_parse_u64 does. False, and
 * *out untouched, when s is anything else. */
bool fl_cli_parse_count(const char *s, size_t *out);

/* One row of a command's option table. Exactly one of value and flag is set, or neither: */
struct fl_cli_opt {
    const char *name;   /* "--format" */
    const char **value; /* an option with a value: stored here, the last one given wins */
    bool *flag;         /* a flag: set to true */
    /* neither: the option and its value are handed back (FL_CLI_OPT), each time it is given */
};

/* Where options may stand and which of them take a value. */
enum fl_cli_style {
    /* Options and arguments in any order. An argument the table does not name, whatever it looks
     * like, is handed back (FL_CLI_ARG) for the command to take or refuse. */
    FL_CLI_MIXED,
    /* In any order too, but every "-x" (a '-' and more) is an option that takes a value, unless
     * the table makes it a flag: its value is checked for before its name, and one the table has
     * no slot for is handed back with it (FL_CLI_OPT). Other arguments: FL_CLI_ARG. */
    FL_CLI_VALUED,
    /* FL_CLI_VALUED, with the options first: "--" (skipped) or the first argument that is not
     * an option ends them, and argv from i on is the command's. */
    FL_CLI_LEADING,
    /* Options only: every argument, whatever it looks like, is an option name (FL_CLI_VALUED's
     * rules) followed by its value. */
    FL_CLI_PAIRS,
};

/* A walk over argv with an option table: fl_cli_args_init, then fl_cli_args_next until it
 * returns anything but FL_CLI_ARG or FL_CLI_OPT. Borrows everything; owns nothing. */
struct fl_cli_args {
    const struct fl_cli_cmd *cmd; /* names the messages; its usage is the help */
    const struct fl_cli_opt *opts;
    size_t n_opts;
    enum fl_cli_style style; /* FL_CLI_MIXED after init */
    bool no_help;            /* -h and --help are ordinary arguments (false after init) */
    const char *no_value;    /* the message for an option given last without its value; NULL:
                              * "option needs a value" */
    int argc;
    char **argv;
    int i;             /* the next argument to look at */
    const char *value; /* after FL_CLI_OPT: the option's value */
};

#define FL_CLI_GO_ON (-1) /* the arguments are read: run the command */
#define FL_CLI_ARG (-2)   /* fl_cli_args_next: an argument for the command to take or refuse */
#define FL_CLI_OPT (-3)   /* fl_cli_args_next: an option for the command, its value in ->value */

/* Walk argv from argv[first], over the n_opts rows of opts, in style FL_CLI_MIXED. */
void fl_cli_args_init(struct fl_cli_args *p, const struct fl_cli_cmd *cmd,
                      const struct fl_cli_opt *opts, size_t n_opts, int argc, char **argv,
                      int first);

/* What a command does with an option fl_cli_args_next hands back: 0 to go on, else the exit
 * status to stop with (after printing why). */
typedef int (*fl_cli_opt_fn)(void *ud, const char *opt, const char *value);

/* Read arguments, storing the table's values and flags, up to the next one for the command:
 *   FL_CLI_ARG  *arg is an argument (see the styles) at argv[p->i - 1];
 *   FL_CLI_OPT  *arg is an option's name, p->value its value;
 *   FL_CLI_GO_ON  no argument left (FL_CLI_LEADING: no option left, the rest from argv[p->i]);
 *   0  -h or --help: the usage is printed on stdout;
 *   2  an option without its value: the usage error is printed. */
int fl_cli_args_next(struct fl_cli_args *p, const char **arg);

/* For a command that takes only the options of its table, from argv[first] on (FL_CLI_MIXED):
 * FL_CLI_GO_ON, else the exit status (0 after -h; 2 after a usage error, also for any argument
 * the table does not name, see fl_cli_unexpected). */
int fl_cli_parse_options(const struct fl_cli_cmd *cmd, const struct fl_cli_opt *opts, size_t n_opts,
                         int argc, char **argv, int first);

/* fl_cli_args_next over every option it hands back, each passed to fn: the loop of a command
 * whose options all come first (FL_CLI_LEADING). Returns fn's exit status when it stops, else
 * what fl_cli_args_next returned last: FL_CLI_GO_ON (the arguments are from argv[p->i] on), 0,
 * 2, or in the other styles FL_CLI_ARG (that argument at argv[p->i - 1]). */
int fl_cli_args_each(struct fl_cli_args *p, fl_cli_opt_fn fn, void *ud);

#endif
