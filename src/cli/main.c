/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c: the faultline binary's entry point. Parses the global options, then dispatches to one
 * subcommand from the table below (each in cmd_<name>.c). Only main decides the exit status.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/log.h"
#include "core/version.h"

struct subcommand {
    const char *name;
    fl_cli_fn fn;
    const char *usage;
};

static int cmd_version(const struct fl_cli_globals *g, int argc, char **argv);
static int cmd_help(const struct fl_cli_globals *g, int argc, char **argv);

/* The one table of subcommands: `faultline help` and docs/CLI.md are generated from it. */
static const struct subcommand commands[] = {
    {"serve", fl_cli_serve, "serve [--listen ADDR] [--data-dir DIR]   run the telemetry hub"},
    {"import", fl_cli_import,
     "import [--format F] [--mapping M] [--url URL] FILE...   load files into the store"},
    {"query", fl_cli_query,
     "query [--source NAME|--url URL] [--start T] [--end T] [--step D] SELECTOR   read series"},
    {"config", fl_cli_config, "config check FILE | config show [FILE] | config defaults"},
    {"schema", fl_cli_schema, "schema infer [OPTIONS] FILE | schema check SCHEMA   data schemas"},
    {"validate", fl_cli_validate,
     "validate --schema SCHEMA [--format table|json|markdown] FILE   check a data batch"},
    {"skew", fl_cli_skew,
     "skew --offline FILE (--served FILE | --model M) [OPTIONS]   training-serving skew"},
    {"rules", fl_cli_rules,
     "rules export [--for D] [--stale-ratio R] [--job NAME] [--out FILE]   alerting rules"},
    {"models", fl_cli_models, "models list|show|versions|register|stage|alias|traffic   registry"},
    {"freshness", fl_cli_freshness,
     "freshness [--at T] [--format table|json]   batch jobs' freshness (exit 1: alert)"},
    {"profile", fl_cli_profile,
     "profile [--out FILE] [--format table|json] [OPTIONS] FILE...   column profiles"},
    {"drift", fl_cli_drift,
     "drift [--reference REF] [--format table|json|markdown] [OPTIONS] CURRENT   feature drift"},
    {"traces", fl_cli_traces,
     "traces compare|show|search|graph [OPTIONS]   critical paths, latency change, dependencies"},
    {"investigate", fl_cli_investigate,
     "investigate SYMPTOM [--onset T] [--baseline S,E] [--incident S,E] [OPTIONS]   root causes"},
    {"investigations", fl_cli_investigations,
     "investigations [list|show ID] [--format text|json|markdown]   stored investigations"},
    {"export", fl_cli_export, "export grafana [--out FILE]   a Grafana dashboard of the signals"},
    {"rank", fl_cli_rank, "rank --input CSV --onset T [OPTIONS]   changed metrics and components"},
    {"fta", fl_cli_fta, "fta analyze TREE [--max-order N] [--cutoff P] [OPTIONS]   fault trees"},
    {"postmortem", fl_cli_postmortem, "postmortem ID|lint FILE [--format markdown|html|json]"},
    {"whys", fl_cli_whys, "whys show|edit|add|confirm|delete ID [N] [OPTIONS]   5 Whys"},
    {"version", cmd_version, "version   print the version"},
    {"help", cmd_help, "help   this text"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: faultline [-c FILE] [--log-level LEVEL] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].usage);
    fprintf(f, "\nWith no -c, ./faultline.yml is read if present, else built-in defaults apply.\n");
}

static int cmd_version(const struct fl_cli_globals *g, int argc, char **argv)
{
    (void)g;
    (void)argc;
    (void)argv;
    printf("faultline %s\n", FL_VERSION);
    return 0;
}

static int cmd_help(const struct fl_cli_globals *g, int argc, char **argv)
{
    (void)g;
    (void)argc;
    (void)argv;
    usage(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    struct fl_cli_globals g = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
            g.config_path = argv[++i];
        } else if (!strcmp(argv[i], "--log-level") && i + 1 < argc) {
            g.log_level = argv[++i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--version")) {
            return cmd_version(&g, 0, NULL);
        } else {
            fprintf(stderr, "faultline: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (g.log_level) {
        enum fl_log_level lvl;
        if (fl_log_parse_level(g.log_level, &lvl) != FL_OK) {
            fprintf(stderr, "faultline: --log-level: expected debug, info, warn or error\n");
            return 2;
        }
        fl_log_set_level(lvl);
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (!strcmp(argv[i], commands[k].name))
            return commands[k].fn(&g, argc - i, argv + i);
    fprintf(stderr, "faultline: unknown command '%s'\n", argv[i]);
    usage(stderr);
    return 2;
}
