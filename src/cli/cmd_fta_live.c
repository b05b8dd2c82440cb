/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_fta_live.c: `faultline fta evaluate` and `faultline fta render` (docs/FTA.md "Live fault
 * trees", "Diagrams"), reached from cmd_fta.c:
 *
 *   fta evaluate --investigation ID [TREE...] [--bind EVENT=CHECK]... [--format F] [--out FILE]
 *       evaluate TREE (or, without one, the default tree of the investigation's incident) on a
 *       stored investigation's evidence; F is text (default), json, markdown or svg; the tree's
 *       own `check:` bindings apply, --bind adds or overrides
 *   fta render TREE... [--out FILE]
 *       the tree as an SVG diagram with the standard gate symbols
 *
 * Exit status 0, 1 on a runtime failure, 2 on usage errors and bad trees or bindings.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "fta/fta.h"
#include "fta/live.h"
#include "rca/investigate.h"
#include "report/diagram.h"
#include "report/investigation.h"
#include "report/live_tree.h"
#include "store/store.h"

#define OUT_MAX ((size_t)64 * 1024 * 1024)
#define MAX_FILES 64
#define MAX_BINDS 256

static const char usage_text[] =
    "usage: faultline fta evaluate --investigation ID [TREE...] [--bind EVENT=CHECK]...\n"
    "                              [--format text|json|markdown|svg] [--out FILE]\n"
    "       faultline fta render TREE... [--out FILE]\n"
    "  without TREE, evaluate uses the default tree of the investigation's kind of incident\n"
    "  CHECK: symptom | broken_metric | segment_localized | component_changed C |\n"
    "         edge_share A->B [>= S] | drift [M[/F]] | validation [M[/F]] | late_batch J |\n"
    "         model_change [M] | change_event [C|*] [KIND|*] [within D]   (docs/FTA.md)\n";

static const struct fl_cli_cmd cli = {"fta", usage_text};

static int write_out(const char *path, const struct fl_buf *b)
{
    if (fl_buf_err(b) != FL_OK) {
        fprintf(stderr, "faultline fta: output too large\n");
        return 1;
    }
    FILE *f = path ? fopen(path, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "faultline fta: cannot write %s\n", path);
        return 1;
    }
    size_t n = fwrite(b->data ? b->data : "", 1, b->len, f);
    int bad = n != b->len || (path ? fclose(f) != 0 : fflush(f) != 0);
    if (bad) {
        fprintf(stderr, "faultline fta: cannot write %s\n", path ? path : "standard output");
        return 1;
    }
    return 0;
}

int fl_cli_fta_live(const struct fl_cli_globals *g, int argc, char **argv)
{
    const char *inv_id = NULL, *format = NULL, *out_path = NULL;
    const char *files[MAX_FILES], *binds[MAX_BINDS];
    size_t n_files = 0, n_binds = 0;
    bool render = !strcmp(argv[1], "render");
    const struct fl_cli_opt eval_opts[] = {
        {"--investigation", &inv_id, NULL},
        {"--format", &format, NULL},
        {"--out", &out_path, NULL},
        {"--bind", NULL, NULL}, /* handed back: repeatable */
    };
    const struct fl_cli_opt render_opts[] = {{"--out", &out_path, NULL}};
    struct fl_cli_args p;
    const char *arg;
    int rc;
    if (render)
        fl_cli_args_init(&p, &cli, render_opts, 1, argc, argv, 2);
    else
        fl_cli_args_init(&p, &cli, eval_opts, sizeof eval_opts / sizeof eval_opts[0], argc, argv,
                         2);
    p.style = FL_CLI_VALUED;
    while ((rc = fl_cli_args_next(&p, &arg)) == FL_CLI_ARG || rc == FL_CLI_OPT) {
        if (rc == FL_CLI_ARG) {
            if (n_files == MAX_FILES)
                return fl_cli_usage_error(&cli, "too many tree files", arg);
            files[n_files++] = arg;
        } else if (!strcmp(arg, "--bind") && !render) {
            if (n_binds == MAX_BINDS)
                return fl_cli_usage_error(&cli, "too many --bind", p.value);
            binds[n_binds++] = p.value;
        } else {
            return fl_cli_usage_error(&cli, "unknown option", arg);
        }
    }
    if (rc != FL_CLI_GO_ON)
        return rc;
    enum fl_live_tree_format fmt = FL_LIVE_TREE_TEXT;
    if (format && !fl_live_tree_format_parse(format, &fmt))
        return fl_cli_usage_error(&cli, "--format: expected text, json, markdown or svg", format);
    if (render && n_files == 0)
        return fl_cli_usage_error(&cli, "render needs a TREE", NULL);
    if (!render && !inv_id)
        return fl_cli_usage_error(&cli, "evaluate needs --investigation ID", NULL);
    if (n_binds && n_files == 0)
        return fl_cli_usage_error(&cli, "--bind needs a TREE (the default tree is bound already)",
                                  NULL);

    rc = 2;
    struct fl_diag d;
    struct fl_fta_tree *t = NULL;
    struct fl_fta_bindings b;
    struct fl_buf out;
    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    struct fl_arena a;
    fl_diag_init(&d);
    fl_fta_bindings_init(&b);
    fl_buf_init(&out, OUT_MAX);
    fl_arena_init(&a, 64 * 1024, (size_t)256 * 1024 * 1024);
    if (n_files && fl_fta_load_files(files, n_files, &t, &d) != FL_OK) {
        fl_cli_print_diag("fta", &d);
        goto out;
    }
    if (t && fl_fta_bind_declared(&b, t, &d) != FL_OK) {
        fl_cli_print_diag("fta", &d);
        goto out;
    }
    for (size_t i = 0; i < n_binds; i++) {
        const char *eq = strchr(binds[i], '=');
        if (!eq || eq == binds[i]) {
            rc = fl_cli_usage_error(&cli, "--bind: expected EVENT=CHECK", binds[i]);
            goto out;
        }
        char ev[512];
        size_t l = (size_t)(eq - binds[i]);
        if (l >= sizeof ev) {
            rc = fl_cli_usage_error(&cli, "--bind: event name too long", binds[i]);
            goto out;
        }
        memcpy(ev, binds[i], l);
        ev[l] = 0;
        fl_diag_init(&d);
        if (fl_fta_rebind(&b, t, ev, eq + 1, &d) != FL_OK) {
            fprintf(stderr, "faultline fta: --bind %s: %s\n", binds[i], d.msg);
            goto out;
        }
    }
    if (render) {
        rc = fl_diagram_fault_tree(t, NULL, &out, &d) == FL_OK ? write_out(out_path, &out) : 1;
        if (rc && d.code)
            fl_cli_print_diag("fta", &d);
        goto out;
    }
    rc = 1;
    if (!(cfg = fl_cli_load_config(g)))
        goto out;
    struct fl_store_opts so;
    fl_store_opts_default(&so);
    fl_diag_init(&d);
    if (fl_store_open(cfg->data_dir, &so, &s, &d) != FL_OK) {
        fl_cli_print_diag("fta", &d);
        goto out;
    }
    struct fl_store_investigation row;
    struct fl_investigation inv;
    if (fl_store_investigation_get(s, inv_id, &a, &row, &d) != FL_OK ||
        fl_inv_from_json(row.json, strlen(row.json), &a, &inv, &d) != FL_OK) {
        fl_cli_print_diag("fta", &d);
        goto out;
    }
    if (fl_live_tree_report(cfg, &inv, t, t ? &b : NULL, fmt, &out, &d) != FL_OK) {
        fl_cli_print_diag("fta", &d);
        goto out;
    }
    rc = write_out(out_path, &out);
out:
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);
    fl_buf_cleanup(&out);
    fl_arena_cleanup(&a);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}
