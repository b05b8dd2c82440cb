/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_fta.c: `faultline fta analyze TREE...`: load a fault tree (our YAML format, or Open-PSA MEF
 * XML, possibly split over several files such as a tree and its basic events), analyze its top
 * event and print the exact probability (BDD), the rare-event and min-cut-upper-bound
 * approximations, the minimal cut sets and the importance measures, as text or JSON (schema
 * "faultline.fta/1", docs/FTA.md). Exit status 0 when the analysis ran, 1 on a runtime failure
 * (out of memory, a BDD over its node cap), 2 on usage errors and unreadable or invalid trees
 * (with file:line:col).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/str.h"
#include "fta/fta.h"

static const char usage_text[] =
    "usage: faultline fta analyze TREE [MORE.xml...] [--format text|json] [--max-order N]\n"
    "         [--cutoff P] [--top EVENT] [--limit N]\n"
    "  TREE: .yml/.yaml (faultline format) or .xml (Open-PSA MEF; more files are merged)\n"
    "  --max-order N  keep cut sets of at most N events      --cutoff P  drop those below P\n"
    "  --limit N      cut sets listed (default 20 as text, all as JSON; counts stay exact)\n";

struct fta_args {
    const char *format, *max_order, *cutoff, *top, *limit;
    const char *files[64];
    size_t n_files;
};

static const struct fl_cli_cmd cli = {"fta", usage_text};

/* Parse argv (argv[1] is "analyze"); FL_CLI_GO_ON, else the exit status (0: help shown). */
static int parse_args(int argc, char **argv, struct fta_args *a)
{
    memset(a, 0, sizeof *a);
    if (argc < 2)
        return fl_cli_usage_error(&cli, "missing subcommand", NULL);
    if (fl_cli_is_help(argv[1])) {
        printf("%s", usage_text);
        return 0;
    }
    if (strcmp(argv[1], "analyze"))
        return fl_cli_usage_error(&cli, "unknown subcommand", argv[1]);
    const struct fl_cli_opt opts[] = {
        {"--format", &a->format, NULL}, {"--max-order", &a->max_order, NULL},
        {"--cutoff", &a->cutoff, NULL}, {"--top", &a->top, NULL},
        {"--limit", &a->limit, NULL},
    };
    struct fl_cli_args p;
    const char *arg;
    int rc;
    fl_cli_args_init(&p, &cli, opts, sizeof opts / sizeof opts[0], argc, argv, 2);
    while ((rc = fl_cli_args_next(&p, &arg)) == FL_CLI_ARG) {
        if (arg[0] == '-' && arg[1])
            return fl_cli_usage_error(&cli, "unknown option", arg);
        if (a->n_files == sizeof a->files / sizeof a->files[0])
            return fl_cli_usage_error(&cli, "too many files", arg);
        a->files[a->n_files++] = arg;
    }
    if (rc != FL_CLI_GO_ON)
        return rc;
    if (!a->n_files)
        return fl_cli_usage_error(&cli, "a fault tree file is required", NULL);
    if (a->format && fl_cli_choice(&cli, "--format", a->format, "text|json") < 0)
        return 2;
    return FL_CLI_GO_ON;
}

static int apply_options(const struct fta_args *a, struct fl_fta_opts *o, size_t *limit)
{
    fl_fta_opts_default(o);
    if (a->max_order && !fl_cli_parse_count(a->max_order, &o->max_order))
        return fl_cli_usage_error(&cli, "--max-order: expected a positive integer", a->max_order);
    if (a->cutoff &&
        (!fl_str_to_double(fl_str_c(a->cutoff), &o->cutoff) || !(o->cutoff >= 0 && o->cutoff <= 1)))
        return fl_cli_usage_error(&cli, "--cutoff: expected a probability within [0, 1]",
                                  a->cutoff);
    bool json = a->format && !strcmp(a->format, "json");
    *limit = json ? SIZE_MAX : 20;
    if (a->limit && !fl_cli_parse_count(a->limit, limit))
        return fl_cli_usage_error(&cli, "--limit: expected a positive integer", a->limit);
    return 0;
}

/* ---- output ------------------------------------------------------------------------------ */

static const char *ev_name(const struct fl_fta_tree *t, size_t i)
{
    return t->events[i].name;
}

static void print_text(const struct fl_fta_tree *t, const struct fl_fta_result *r, size_t limit,
                       const struct fl_fta_opts *o)
{
    printf("fault tree %s: top event %s, %zu basic events, %zu gates, %s\n",
           t->name ? t->name : "-", ev_name(t, t->top), r->n_basic, r->n_gates,
           r->coherent ? "coherent" : "non-coherent (NOT/XOR/NAND/NOR)");
    printf("top-event probability: %.6g exact (BDD, %zu nodes)\n", r->p_exact, r->bdd_nodes);
    printf("  rare-event approximation %.6g, min-cut upper bound %.6g\n", r->p_rare, r->p_mcub);
    printf("minimal cut sets: %llu", (unsigned long long)r->n_cut_sets);
    if (o->max_order || o->cutoff > 0) {
        printf(" (");
        if (o->max_order)
            printf("order <= %zu", o->max_order);
        if (o->cutoff > 0)
            printf("%sprobability >= %g", o->max_order ? ", " : "", o->cutoff);
        printf(")");
    }
    printf("\n");
    for (size_t k = 0; k <= r->max_order_seen && r->by_order; k++)
        if (r->by_order[k])
            printf("  order %zu: %llu\n", k, (unsigned long long)r->by_order[k]);
    size_t n = r->n_listed < limit ? r->n_listed : limit;
    if (n) {
        printf("\n%-6s %-5s %-12s %s\n", "#", "ORDER", "PROBABILITY", "EVENTS");
        for (size_t i = 0; i < n; i++) {
            const struct fl_fta_cut_set *c = &r->cut_sets[i];
            printf("%-6zu %-5zu %-12.6g", i + 1, c->n, c->p);
            for (size_t j = 0; j < c->n; j++)
                printf(" %s", ev_name(t, c->events[j]));
            printf("\n");
        }
        if (n < r->n_cut_sets)
            printf("(%llu more not listed; --limit N lists more)\n",
                   (unsigned long long)(r->n_cut_sets - n));
    }
    if (!r->n_importance)
        return;
    printf("\n%-24s %-11s %-11s %-11s %-11s %-11s %s\n", "EVENT", "P", "BIRNBAUM", "FUSSELL-V",
           "RAW", "RRW", "CUT SETS");
    for (size_t i = 0; i < r->n_importance && i < limit; i++) {
        const struct fl_fta_importance *m = &r->importance[i];
        printf("%-24s %-11.4g %-11.4g %-11.4g %-11.4g %-11.4g %zu\n", ev_name(t, m->event), m->p,
               m->birnbaum, m->fussell_vesely, m->raw, m->rrw, m->n_cut_sets);
    }
}

static void json_num(struct fl_buf *b, double v)
{
    if (isfinite(v))
        fl_buf_put_double(b, v);
    else
        fl_buf_puts(b, "null");
}

static void json_str(struct fl_buf *b, const char *s)
{
    fl_buf_put_json_str(b, s, strlen(s));
}

static void print_json(const struct fl_fta_tree *t, const struct fl_fta_result *r, size_t limit,
                       const struct fl_fta_opts *o)
{
    struct fl_buf b;
    fl_buf_init(&b, (size_t)1 << 31);
    fl_buf_puts(&b, "{\"schema\":\"faultline.fta/1\",\"name\":");
    if (t->name)
        json_str(&b, t->name);
    else
        fl_buf_puts(&b, "null");
    fl_buf_puts(&b, ",\"top\":");
    json_str(&b, ev_name(t, t->top));
    fl_buf_printf(&b, ",\"basic_events\":%zu,\"gates\":%zu,\"coherent\":%s,\"bdd_nodes\":%zu",
                  r->n_basic, r->n_gates, r->coherent ? "true" : "false", r->bdd_nodes);
    fl_buf_puts(&b, ",\"probability\":{\"exact\":");
    json_num(&b, r->p_exact);
    fl_buf_puts(&b, ",\"rare_event\":");
    json_num(&b, r->p_rare);
    fl_buf_puts(&b, ",\"mcub\":");
    json_num(&b, r->p_mcub);
    fl_buf_printf(&b, "},\"max_order\":%zu,\"cutoff\":", o->max_order);
    json_num(&b, o->cutoff);
    fl_buf_printf(&b, ",\"cut_set_count\":%llu,\"by_order\":{", (unsigned long long)r->n_cut_sets);
    for (size_t k = 0, first = 1; k <= r->max_order_seen && r->by_order; k++)
        if (r->by_order[k]) {
            fl_buf_printf(&b, "%s\"%zu\":%llu", first ? "" : ",", k,
                          (unsigned long long)r->by_order[k]);
            first = 0;
        }
    fl_buf_puts(&b, "},\"cut_sets\":[");
    size_t n = r->n_listed < limit ? r->n_listed : limit;
    for (size_t i = 0; i < n; i++) {
        const struct fl_fta_cut_set *c = &r->cut_sets[i];
        fl_buf_puts(&b, i ? ",{\"p\":" : "{\"p\":");
        json_num(&b, c->p);
        fl_buf_puts(&b, ",\"events\":[");
        for (size_t j = 0; j < c->n; j++) {
            fl_buf_puts(&b, j ? "," : "");
            json_str(&b, ev_name(t, c->events[j]));
        }
        fl_buf_puts(&b, "]}");
    }
    fl_buf_printf(&b, "],\"cut_sets_listed\":%zu,\"importance\":[", n);
    for (size_t i = 0; i < r->n_importance; i++) {
        const struct fl_fta_importance *m = &r->importance[i];
        fl_buf_puts(&b, i ? ",{\"event\":" : "{\"event\":");
        json_str(&b, ev_name(t, m->event));
        const struct {
            const char *k;
            double v;
        } nums[] = {{"p", m->p},
                    {"birnbaum", m->birnbaum},
                    {"fussell_vesely", m->fussell_vesely},
                    {"raw", m->raw},
                    {"rrw", m->rrw}};
        for (size_t j = 0; j < sizeof nums / sizeof nums[0]; j++) {
            fl_buf_printf(&b, ",\"%s\":", nums[j].k);
            json_num(&b, nums[j].v);
        }
        fl_buf_printf(&b, ",\"cut_sets\":%zu}", m->n_cut_sets);
    }
    fl_buf_puts(&b, "]}\n");
    if (fl_buf_err(&b) == FL_OK)
        fwrite(b.data, 1, b.len, stdout);
    else
        fprintf(stderr, "faultline fta: %s\n", fl_err_str(fl_buf_err(&b)));
    fl_buf_cleanup(&b);
}

/* ---- the command ------------------------------------------------------------------------- */

int fl_cli_fta(const struct fl_cli_globals *g, int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "evaluate") || !strcmp(argv[1], "render")))
        return fl_cli_fta_live(g, argc, argv); /* cmd_fta_live.c */
    struct fta_args a;
    struct fl_fta_opts o;
    struct fl_fta_tree *t = NULL;
    struct fl_fta_result *r = NULL;
    size_t limit = 0;
    int rc = parse_args(argc, argv, &a);
    if (rc != FL_CLI_GO_ON)
        return rc;
    if ((rc = apply_options(&a, &o, &limit)) != 0)
        return rc;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_fta_load_files(a.files, a.n_files, &t, &d);
    if (!e && a.top) {
        e = fl_fta_set_top(t, a.top);
        if (!e)
            e = fl_fta_tree_check(t, &d);
    }
    if (e) {
        fl_cli_print_diag("fta", &d);
        rc = e == FL_ENOMEM ? 1 : 2;
        goto out;
    }
    fl_diag_init(&d);
    if ((e = fl_fta_analyze(t, &o, &r, &d)) != FL_OK) {
        fl_cli_print_diag("fta", &d);
        rc = 1;
        goto out;
    }
    if (a.format && !strcmp(a.format, "json"))
        print_json(t, r, limit, &o);
    else
        print_text(t, r, limit, &o);
out:
    fl_fta_result_free(r);
    fl_fta_tree_free(t);
    return rc;
}
