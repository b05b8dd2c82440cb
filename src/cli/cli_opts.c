/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_opts.c: what the subcommands share to read their arguments: the walk over argv with an
 * option table (fl_cli_args_next), the usage errors every command prints the same way
 * ("faultline CMD: MESSAGE: ARGUMENT" and the usage), and the value checks that recur (counts, a
 * word out of a list). Each command keeps its own table, messages and rules for what follows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/str.h"

int fl_cli_usage_errorf(const struct fl_cli_cmd *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "faultline %s: ", c->name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", c->usage);
    return 2;
}

int fl_cli_usage_error(const struct fl_cli_cmd *c, const char *msg, const char *arg)
{
    return fl_cli_usage_errorf(c, "%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
}

int fl_cli_unexpected(const struct fl_cli_cmd *c, const char *arg)
{
    return fl_cli_usage_error(c, arg[0] == '-' ? "unknown option" : "unexpected argument", arg);
}

bool fl_cli_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int fl_cli_choice(const struct fl_cli_cmd *c, const char *opt, const char *v, const char *choices)
{
    size_t n_words = 1, v_len = strlen(v);
    const char *w = choices;
    for (int k = 0;; k++) {
        size_t n = strcspn(w, "|");
        if (n == v_len && !strncmp(w, v, n))
            return k;
        if (!w[n])
            break;
        w += n + 1;
        n_words++;
    }
    /* "OPT: expected a, b or c"; the options and words are the program's own, so it fits. */
    char msg[256];
    size_t len = (size_t)snprintf(msg, sizeof msg, "%s: expected ", opt);
    w = choices;
    for (size_t i = 0; i < n_words && len < sizeof msg; i++) {
        size_t n = strcspn(w, "|");
        const char *sep = i == 0 ? "" : i + 1 == n_words ? " or " : ", ";
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%.*s", sep, (int)n, w);
        w += n + (w[n] == '|');
    }
    fl_cli_usage_error(c, msg, v);
    return -1;
}

bool fl_cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    return fl_str_to_u64(fl_str_c(s), out) && *out >= lo && *out <= hi;
}

bool fl_cli_parse_count(const char *s, size_t *out)
{
    uint64_t v;
    if (!fl_cli_parse_u64(s, 1, (uint64_t)1 << 40, &v))
        return false;
    *out = (size_t)v;
    return true;
}

void fl_cli_args_init(struct fl_cli_args *p, const struct fl_cli_cmd *cmd,
                      const struct fl_cli_opt *opts, size_t n_opts, int argc, char **argv,
                      int first)
{
    *p = (struct fl_cli_args){.cmd = cmd,
                              .opts = opts,
                              .n_opts = n_opts,
                              .style = FL_CLI_MIXED,
                              .argc = argc,
                              .argv = argv,
                              .i = first};
}

static const struct fl_cli_opt *find(const struct fl_cli_args *p, const char *name)
{
    for (size_t k = 0; k < p->n_opts; k++)
        if (!strcmp(name, p->opts[k].name))
            return &p->opts[k];
    return NULL;
}

int fl_cli_args_next(struct fl_cli_args *p, const char **arg)
{
    while (p->i < p->argc) {
        const char *a = p->argv[p->i];
        bool dash = a[0] == '-' && a[1] != '\0';
        if (p->style == FL_CLI_LEADING && (!dash || !strcmp(a, "--"))) {
            p->i += dash; /* past "--" */
            return FL_CLI_GO_ON;
        }
        p->i++;
        if (!p->no_help && fl_cli_is_help(a)) {
            printf("%s", p->cmd->usage);
            return 0;
        }
        const struct fl_cli_opt *o = find(p, a);
        if (o && o->flag) {
            *o->flag = true;
            continue;
        }
        if (!o && (p->style == FL_CLI_MIXED || (!dash && p->style != FL_CLI_PAIRS))) {
            *arg = a;
            return FL_CLI_ARG;
        }
        if (p->i >= p->argc)
            return fl_cli_usage_error(p->cmd, p->no_value ? p->no_value : "option needs a value",
                                      a);
        p->value = p->argv[p->i++];
        if (o && o->value) {
            *o->value = p->value;
            continue;
        }
        *arg = a;
        return FL_CLI_OPT;
    }
    return FL_CLI_GO_ON;
}

int fl_cli_args_each(struct fl_cli_args *p, fl_cli_opt_fn fn, void *ud)
{
    const char *opt;
    int rc;
    while ((rc = fl_cli_args_next(p, &opt)) == FL_CLI_OPT)
        if ((rc = fn(ud, opt, p->value)) != 0)
            return rc;
    return rc;
}

int fl_cli_parse_options(const struct fl_cli_cmd *cmd, const struct fl_cli_opt *opts, size_t n_opts,
                         int argc, char **argv, int first)
{
    struct fl_cli_args p;
    const char *arg;
    fl_cli_args_init(&p, cmd, opts, n_opts, argc, argv, first);
    int rc = fl_cli_args_next(&p, &arg);
    return rc == FL_CLI_ARG ? fl_cli_unexpected(cmd, arg) : rc;
}
