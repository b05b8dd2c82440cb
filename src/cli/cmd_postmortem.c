/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_postmortem.c: `faultline postmortem ID` renders the blameless post-mortem of a stored
 * investigation (src/report/postmortem.h), `faultline postmortem lint FILE...` runs the blame lint
 * over files people wrote, and `faultline whys show|edit|add|confirm|delete ID ...` reads and edits
 * the investigation's 5 Whys (src/report/whys.h). Edits go through the same edit documents as the
 * API (POST /api/v1/investigations/{id}/whys), so both behave alike. docs/CLI.md,
 * docs/POSTMORTEMS.md.
 *
 * Link numbers on the command line are 1-based, as `whys show` prints them (the API's "index" is
 * 0-based). Exit status 0 on success (lint: no finding), 1 on a runtime error or lint findings,
 * 2 on usage errors.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/time.h"
#include "report/postmortem.h"
#include "report/whys.h"
#include "store/store.h"

#define PM_ARENA_MAX ((size_t)1 << 30)
#define PM_OUT_MAX ((size_t)256 * 1024 * 1024)

static const char usage_pm[] =
    "usage: faultline postmortem ID [--format markdown|html|json] [--out FILE]\n"
    "                               [--template FILE] [--data-dir DIR]\n"
    "       faultline postmortem lint FILE...\n"
    "  the template is Markdown with {{section}} placeholders (docs/POSTMORTEMS.md)\n"
    "  lint exits 1 when it finds blaming phrasing\n";

static const char usage_whys[] =
    "usage: faultline whys show ID [--format text|markdown|json]\n"
    "       faultline whys edit ID N (--text TEXT | --question TEXT) [--level L] [--by NAME]\n"
    "       faultline whys add ID (--text TEXT | --question TEXT) [--at N] [--level L] [--by "
    "NAME]\n"
    "       faultline whys confirm ID N [--by NAME]\n"
    "       faultline whys delete ID N\n"
    "  common: [--data-dir DIR]; N counts links from 1 as `whys show` prints them\n"
    "  L: symptom, component, upstream, change, systemic, other\n";

struct opts {
    const char *format, *out, *tpl, *data_dir, *text, *question, *level, *by, *at;
    const char *pos[3];
    size_t n_pos;
    char **files; /* lint: the remaining arguments */
    int n_files;
};

static const struct fl_cli_cmd pm_cli = {"postmortem", usage_pm};
static const struct fl_cli_cmd whys_cli = {"whys", usage_whys};

/* FL_CLI_GO_ON, else the exit status (0: help shown). */
static int parse(const struct fl_cli_cmd *c, int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    const struct fl_cli_opt opts[] = {
        {"--format", &o->format, NULL}, {"--out", &o->out, NULL},
        {"--template", &o->tpl, NULL},  {"--data-dir", &o->data_dir, NULL},
        {"--text", &o->text, NULL},     {"--question", &o->question, NULL},
        {"--level", &o->level, NULL},   {"--by", &o->by, NULL},
        {"--at", &o->at, NULL},
    };
    struct fl_cli_args p;
    const char *a;
    int rc;
    fl_cli_args_init(&p, c, opts, sizeof opts / sizeof opts[0], argc, argv, 1);
    p.no_value = "missing value for";
    while ((rc = fl_cli_args_next(&p, &a)) == FL_CLI_ARG) {
        if (a[0] == '-' && a[1])
            return fl_cli_usage_error(c, "unknown option", a);
        if (o->n_pos == 1 && !strcmp(o->pos[0], "lint") && c == &pm_cli) {
            o->files = argv + p.i - 1;
            o->n_files = argc - (p.i - 1);
            return FL_CLI_GO_ON;
        }
        if (o->n_pos == 3)
            return fl_cli_usage_error(c, "unexpected argument", a);
        o->pos[o->n_pos++] = a;
    }
    return rc;
}

/* Write b to path (NULL or "-": stdout); 0 or 1. */
static int emit(const char *cmd, const char *path, const struct fl_buf *b)
{
    if (fl_buf_err(b) != FL_OK) {
        fprintf(stderr, "faultline %s: output too large\n", cmd);
        return 1;
    }
    FILE *f = path && strcmp(path, "-") ? fopen(path, "w") : stdout;
    if (!f) {
        perror(path);
        return 1;
    }
    size_t n = fwrite(b->data ? b->data : "", 1, b->len, f);
    int bad = n != b->len;
    if (f != stdout)
        bad |= fclose(f) != 0;
    if (bad)
        fprintf(stderr, "faultline %s: writing %s failed\n", cmd, path ? path : "stdout");
    return bad;
}

/* ---- postmortem lint FILE... ---- */

static int cmd_lint(const struct opts *o)
{
    if (o->n_files == 0)
        return fl_cli_usage_error(&pm_cli, "lint needs a FILE", NULL);
    struct fl_arena a;
    struct fl_buf b;
    int rc = 0;
    fl_arena_init(&a, 64 * 1024, PM_ARENA_MAX);
    fl_buf_init(&b, FL_PM_LINT_MAX_BYTES);
    for (int i = 0; i < o->n_files && rc != 2; i++) {
        struct fl_diag d;
        struct fl_pm_lint l = {0};
        fl_diag_init(&d);
        fl_buf_reset(&b);
        if (fl_file_read(o->files[i], FL_PM_LINT_MAX_BYTES, &b, &d) != FL_OK) {
            fl_cli_print_diag("postmortem lint", &d);
            rc = 1;
            continue;
        }
        if (fl_postmortem_lint(o->files[i], b.data ? b.data : "", b.len, &a, &l) != FL_OK) {
            fprintf(stderr, "faultline postmortem lint: %s: out of memory\n", o->files[i]);
            rc = 1;
            continue;
        }
        for (size_t k = 0; k < l.n; k++)
            printf("%s:%lu:%lu: %s: \"%s\": %s\n", l.items[k].where, l.items[k].line,
                   l.items[k].column, l.items[k].rule, l.items[k].phrase, l.items[k].message);
        if (l.n)
            rc = 1;
    }
    fl_buf_cleanup(&b);
    fl_arena_cleanup(&a);
    return rc;
}

/* ---- postmortem ID ---- */

int fl_cli_postmortem(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct opts o;
    int rc = parse(&pm_cli, argc, argv, &o);
    if (rc != FL_CLI_GO_ON)
        return rc;
    if (o.n_pos >= 1 && !strcmp(o.pos[0], "lint"))
        return cmd_lint(&o);
    if (o.n_pos != 1)
        return fl_cli_usage_error(&pm_cli, o.n_pos ? "unexpected argument" : "missing ID",
                                  o.n_pos ? o.pos[1] : NULL);
    int fmt = o.format ? fl_pm_format_parse(o.format) : FL_PM_MARKDOWN;
    if (!fmt)
        return fl_cli_usage_error(&pm_cli, "--format: expected markdown, html or json", o.format);
    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    struct fl_arena a;
    struct fl_buf out, tpl;
    struct fl_diag d;
    fl_arena_init(&a, 64 * 1024, PM_ARENA_MAX);
    fl_buf_init(&out, PM_OUT_MAX);
    fl_buf_init(&tpl, FL_PM_TEMPLATE_MAX_BYTES);
    fl_diag_init(&d);
    struct fl_pm_opts po = {.now_ms = fl_time_now_ms()};
    if (o.tpl) {
        if (fl_file_read(o.tpl, FL_PM_TEMPLATE_MAX_BYTES, &tpl, &d) != FL_OK ||
            fl_pm_template_check(o.tpl, tpl.data ? tpl.data : "", tpl.len, &d) != FL_OK) {
            fl_diag_file(&d, o.tpl);
            fl_cli_print_diag("postmortem", &d);
            rc = 2;
            goto out;
        }
        po.template_text = tpl.data ? tpl.data : "";
        po.template_len = tpl.len;
        po.template_name = o.tpl;
    }
    if ((rc = fl_cli_open_store(g, "postmortem", o.data_dir, &cfg, &s)) != 0)
        goto out;
    po.cfg = cfg;
    if (fl_postmortem_stored(s, o.pos[0], &po, fmt, &a, &out, &d) != FL_OK) {
        fl_cli_print_diag("postmortem", &d);
        rc = 1;
        goto out;
    }
    if (fmt == FL_PM_JSON)
        fl_buf_putc(&out, '\n');
    rc = emit("postmortem", o.out, &out);
out:
    fl_buf_cleanup(&tpl);
    fl_buf_cleanup(&out);
    fl_arena_cleanup(&a);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}

/* ---- whys ---- */

/* N (1-based) as a 0-based index; false when it is not a number 1..16. */
static bool link_number(const char *s, size_t *idx)
{
    char *end = NULL;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || v < 1 || v > FL_WHYS_MAX_LINKS + 1)
        return false;
    *idx = (size_t)(v - 1);
    return true;
}

static void member(struct fl_buf *b, const char *key, const char *v)
{
    if (!v)
        return;
    fl_buf_printf(b, ",\"%s\":", key);
    fl_buf_put_json_str(b, v, strlen(v));
}

/* The edit document of an action; 0, or 2 after a usage error. */
static int edit_doc(const char *action, const struct opts *o, struct fl_buf *b)
{
    size_t idx = 0;
    bool needs_n = strcmp(action, "add") != 0;
    if (needs_n && (o->n_pos < 3 || !link_number(o->pos[2], &idx)))
        return fl_cli_usage_error(&whys_cli, "expected a link number N (1..17)",
                                  o->n_pos >= 3 ? o->pos[2] : NULL);
    if (!needs_n && o->n_pos > 2)
        return fl_cli_usage_error(&whys_cli, "unexpected argument (use --at N)", o->pos[2]);
    if (!needs_n && o->at && !link_number(o->at, &idx))
        return fl_cli_usage_error(&whys_cli, "--at: expected a link number", o->at);
    if ((!strcmp(action, "edit") || !strcmp(action, "add")) && !o->text && !o->question &&
        !o->level)
        return fl_cli_usage_error(&whys_cli, "give --text or --question", NULL);
    fl_buf_printf(b, "{\"op\":\"%s\"", action);
    if (needs_n || o->at)
        fl_buf_printf(b, ",\"index\":%zu", idx);
    member(b, "text", o->text);
    member(b, "question", o->question);
    member(b, "level", o->level);
    member(b, "by", o->by);
    fl_buf_putc(b, '}');
    return 0;
}

int fl_cli_whys(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct opts o;
    int rc = parse(&whys_cli, argc, argv, &o);
    if (rc != FL_CLI_GO_ON)
        return rc;
    if (o.n_pos < 2)
        return fl_cli_usage_error(&whys_cli, o.n_pos ? "missing ID" : "missing action", NULL);
    const char *action = o.pos[0];
    bool show = !strcmp(action, "show");
    if (!show && strcmp(action, "edit") && strcmp(action, "add") && strcmp(action, "confirm") &&
        strcmp(action, "delete"))
        return fl_cli_usage_error(
            &whys_cli, "unknown action (expected show, edit, add, confirm or delete)", action);
    const char *f = o.format ? o.format : "text";
    if (fl_cli_choice(&whys_cli, "--format", f, "text|markdown|json") < 0)
        return 2;
    if (show && o.n_pos > 2)
        return fl_cli_usage_error(&whys_cli, "unexpected argument", o.pos[2]);
    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    struct fl_arena a;
    struct fl_buf doc, out;
    struct fl_diag d;
    struct fl_investigation inv;
    struct fl_whys w;
    bool stored = false;
    fl_arena_init(&a, 64 * 1024, PM_ARENA_MAX);
    fl_buf_init(&doc, FL_WHYS_EDIT_MAX_BYTES);
    fl_buf_init(&out, PM_OUT_MAX);
    fl_diag_init(&d);
    if (!show && (rc = edit_doc(action, &o, &doc)) != 0)
        goto out;
    if (!show && fl_buf_err(&doc) != FL_OK) {
        rc = fl_cli_usage_error(&whys_cli, "the edit is too large", NULL);
        goto out;
    }
    if ((rc = fl_cli_open_store(g, "whys", o.data_dir, &cfg, &s)) != 0)
        goto out;
    const char *user = getenv("USER");
    int64_t now = fl_time_now_ms();
    fl_err e = show ? fl_whys_load(s, cfg, o.pos[1], now, &a, &inv, &w, &stored, &d)
                    : fl_whys_edit_stored(s, cfg, o.pos[1], doc.data, doc.len,
                                          user && *user ? user : "cli", now, &a, &inv, &w, &d);
    if (e != FL_OK) {
        fl_cli_print_diag("whys", &d);
        rc = e == FL_EINVAL ? 2 : 1;
        goto out;
    }
    if (!strcmp(f, "json")) {
        fl_whys_json(&w, &out);
        fl_buf_putc(&out, '\n');
    } else {
        fl_buf_printf(&out, "%s5 Whys of %s (revision %llu%s):\n\n",
                      !strcmp(f, "markdown") ? "### " : "", o.pos[1],
                      (unsigned long long)w.revision,
                      show && !stored ? ", derived from the evidence, no edits stored" : "");
        if (!strcmp(f, "markdown"))
            fl_whys_markdown(&w, &out);
        else
            fl_whys_text(&w, &out);
    }
    rc = emit("whys", NULL, &out);
out:
    fl_buf_cleanup(&out);
    fl_buf_cleanup(&doc);
    fl_arena_cleanup(&a);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}
