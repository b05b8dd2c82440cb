/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_investigate.c: `faultline investigate SYMPTOM` runs an investigation (src/rca/investigate.h)
 * on the data directory's store, stores it (unless --no-store) and prints it; `faultline
 * investigations list|show ID` reads the stored ones back. The same engine, renderers and stored
 * JSON as the API (src/server/routes_investigations.c), without a running server. docs/CLI.md.
 *
 * Exit status 0 on success, 1 on a runtime error (or an unknown id), 2 on usage errors.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/record.h"
#include "core/time.h"
#include "rca/investigate.h"
#include "report/investigation.h"
#include "store/store.h"
#include "trace/render.h"

#define INV_ARENA_MAX ((size_t)1 << 30)
#define OUT_MAX ((size_t)256 * 1024 * 1024)
#define LIST_DEFAULT 20

static const char usage_inv[] =
    "usage: faultline investigate SYMPTOM [--onset T] [--baseline S,E] [--incident S,E]\n"
    "                             [--title TEXT] [--format text|json|markdown]\n"
    "                             [--data-dir DIR] [--no-store]\n"
    "  SYMPTOM: kpi:NAME | latency:SERVICE[/OPERATION][@P99] | a series selector\n"
    "  T: RFC 3339, now, now-1h, or unix time in s, ms, us or ns (told apart by size)\n"
    "  without --onset the onset is detected on the symptom\n";

static const char usage_list[] =
    "usage: faultline investigations [list] [--limit N] [--since T] [--format text|json]\n"
    "       faultline investigations show ID [--format text|json|markdown]\n"
    "  common: [--data-dir DIR]\n";

enum fmt { FMT_TEXT, FMT_JSON, FMT_MARKDOWN };

static const struct fl_cli_cmd inv_cli = {"investigate", usage_inv};
static const struct fl_cli_cmd list_cli = {"investigations", usage_list};

struct opts {
    const char *symptom, *onset, *baseline, *incident, *title, *format, *data_dir;
    const char *limit, *since, *id, *action;
    bool no_store;
    enum fmt fmt;
};

/* Options after argv[0]; positional arguments fill pos[] in order (n_pos of them). FL_CLI_GO_ON,
 * else the exit status (0 after --help). */
static int parse_opts(const struct fl_cli_cmd *c, int argc, char **argv, struct opts *o,
                      const char **pos[], size_t n_pos)
{
    const struct fl_cli_opt inv_opts[] = {
        {"--no-store", NULL, &o->no_store}, {"--format", &o->format, NULL},
        {"--data-dir", &o->data_dir, NULL}, {"--onset", &o->onset, NULL},
        {"--baseline", &o->baseline, NULL}, {"--incident", &o->incident, NULL},
        {"--title", &o->title, NULL},
    };
    const struct fl_cli_opt list_opts[] = {
        {"--format", &o->format, NULL},
        {"--data-dir", &o->data_dir, NULL},
        {"--limit", &o->limit, NULL},
        {"--since", &o->since, NULL},
    };
    bool inv = c == &inv_cli;
    struct fl_cli_args p;
    const char *a;
    size_t used = 0;
    int rc;
    fl_cli_args_init(&p, c, inv ? inv_opts : list_opts,
                     inv ? sizeof inv_opts / sizeof inv_opts[0]
                         : sizeof list_opts / sizeof list_opts[0],
                     argc, argv, 1);
    while ((rc = fl_cli_args_next(&p, &a)) == FL_CLI_ARG) {
        if (a[0] == '-' || used == n_pos)
            return fl_cli_unexpected(c, a);
        *pos[used++] = a;
    }
    if (rc != FL_CLI_GO_ON)
        return rc;
    o->fmt = FMT_TEXT;
    if (o->format) {
        int k = fl_cli_choice(c, "--format", o->format, "text|json|markdown");
        if (k < 0)
            return 2;
        o->fmt = (enum fmt)k;
    }
    return FL_CLI_GO_ON;
}

/* Print b on stdout; 0, or 1 when it overflowed. */
static int emit(const char *cmd, struct fl_buf *b)
{
    if (fl_buf_err(b) != FL_OK) {
        fprintf(stderr, "faultline %s: answer too large to print\n", cmd);
        return 1;
    }
    fwrite(b->data ? b->data : "", 1, b->len, stdout);
    return 0;
}

static void render(const struct fl_investigation *inv, enum fmt f, struct fl_buf *b)
{
    if (f == FMT_JSON) {
        fl_inv_json(inv, b);
        fl_buf_putc(b, '\n');
    } else if (f == FMT_MARKDOWN) {
        fl_inv_markdown(inv, b);
    } else {
        fl_inv_text(inv, b);
    }
}

static void print_diag(const char *cmd, struct fl_diag *d)
{
    fl_cli_print_diag(cmd, d);
}

/* The request from the options; 0, or 2 after printing a usage error. */
static int build_request(const struct opts *o, struct fl_arena *a, struct fl_inv_request *req)
{
    struct fl_diag d;
    int64_t now = fl_time_now_ms(), s_ns, e_ns;
    memset(req, 0, sizeof *req);
    req->onset_ms = FL_TS_NONE;
    fl_diag_init(&d);
    if (fl_inv_parse_symptom_arena(o->symptom, a, req, &d) != FL_OK) {
        print_diag("investigate", &d);
        return 2;
    }
    if (o->onset) {
        if (fl_trace_parse_time(o->onset, "--onset", now, &s_ns, &d) != FL_OK) {
            fl_cli_print_diag("investigate", &d);
            return 2;
        }
        req->onset_ms = s_ns / 1000000;
    }
    const char *wv[2] = {o->baseline, o->incident};
    const char *wn[2] = {"--baseline", "--incident"};
    int64_t *ws[2] = {&req->baseline_start_ms, &req->incident_start_ms};
    int64_t *we[2] = {&req->baseline_end_ms, &req->incident_end_ms};
    for (size_t i = 0; i < 2; i++) {
        if (!wv[i])
            continue;
        if (fl_trace_parse_window(wv[i], wn[i], now, &s_ns, &e_ns, &d) != FL_OK) {
            fl_cli_print_diag("investigate", &d);
            return 2;
        }
        *ws[i] = s_ns / 1000000;
        *we[i] = e_ns / 1000000;
    }
    req->title = o->title;
    req->source = "cli";
    req->now_ms = now;
    return 0;
}

int fl_cli_investigate(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct opts o;
    memset(&o, 0, sizeof o);
    const char **pos[] = {&o.symptom};
    int rc = parse_opts(&inv_cli, argc, argv, &o, pos, 1);
    if (rc != FL_CLI_GO_ON)
        return rc;
    if (!o.symptom)
        return fl_cli_usage_error(&inv_cli, "missing SYMPTOM", NULL);
    struct fl_inv_request req;
    struct fl_arena a;
    fl_arena_init(&a, 64 * 1024, INV_ARENA_MAX);
    if ((rc = build_request(&o, &a, &req)) != 0) {
        fl_arena_cleanup(&a);
        return rc;
    }

    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    struct fl_buf json, out;
    struct fl_diag d;
    struct fl_investigation inv;
    fl_buf_init(&json, OUT_MAX);
    fl_buf_init(&out, OUT_MAX);
    fl_diag_init(&d);
    if ((rc = fl_cli_open_store(g, "investigate", o.data_dir, &cfg, &s)) != 0)
        goto out;
    rc = 1;
    fl_err e = fl_investigate(s, cfg, &req, &a, &inv, &d);
    if (e == FL_OK && !o.no_store)
        e = fl_inv_save(s, &inv, &json, &d);
    if (e != FL_OK) {
        print_diag("investigate", &d);
        if (e == FL_EINVAL)
            rc = 2;
        goto out;
    }
    render(&inv, o.fmt, &out);
    rc = emit("investigate", &out);
out:
    fl_buf_cleanup(&out);
    fl_buf_cleanup(&json);
    fl_arena_cleanup(&a);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}

/* ---- investigations list | show ---- */

struct list {
    struct fl_buf *b;
    bool json;
    size_t n;
};

static int list_one(const struct fl_store_investigation *inv, void *ud)
{
    struct list *l = ud;
    char t[48];
    fl_time_fmt_rfc3339_ms(inv->created_ms, t, sizeof t);
    if (l->json) {
        fl_buf_puts(l->b, l->n ? ",{\"id\":" : "{\"id\":");
        fl_buf_put_json_str(l->b, inv->id, strlen(inv->id));
        fl_buf_printf(l->b, ",\"created\":\"%s\",\"created_ms\":%lld,\"symptom\":", t,
                      (long long)inv->created_ms);
        fl_buf_put_json_str(l->b, inv->symptom, strlen(inv->symptom));
        fl_buf_puts(l->b, ",\"verdict\":");
        fl_buf_put_json_str(l->b, inv->verdict, strlen(inv->verdict));
        fl_buf_puts(l->b, ",\"title\":");
        if (inv->title)
            fl_buf_put_json_str(l->b, inv->title, strlen(inv->title));
        else
            fl_buf_puts(l->b, "null");
        fl_buf_puts(l->b, ",\"source\":");
        if (inv->source)
            fl_buf_put_json_str(l->b, inv->source, strlen(inv->source));
        else
            fl_buf_puts(l->b, "null");
        fl_buf_putc(l->b, '}');
    } else {
        /* Stored text may hold anything: control characters are shown as '?'. */
        const char *cols[3] = {inv->symptom, inv->verdict, inv->title ? inv->title : ""};
        fl_buf_printf(l->b, "%-20.20s  %-24s", inv->id, t);
        for (size_t c = 0; c < 3; c++) {
            fl_buf_puts(l->b, "  ");
            size_t w = 0;
            for (const char *p = cols[c]; *p; p++, w++)
                fl_buf_putc(l->b, (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
            for (size_t pad = c == 0 ? 28 : c == 1 ? 13 : 0; w < pad; w++)
                fl_buf_putc(l->b, ' ');
        }
        fl_buf_putc(l->b, '\n');
    }
    l->n++;
    return fl_buf_err(l->b) != FL_OK;
}

static int cmd_list(const struct fl_cli_globals *g, const struct opts *o)
{
    size_t limit = LIST_DEFAULT;
    int64_t since = FL_TS_NONE;
    struct fl_diag d;
    fl_diag_init(&d);
    if (o->fmt == FMT_MARKDOWN)
        return fl_cli_usage_error(&list_cli, "--format: list is text or json", "markdown");
    if (o->limit) {
        char *end = NULL;
        long long x = strtoll(o->limit, &end, 10);
        if (!end || *end || end == o->limit || x < 1 || x > 100000)
            return fl_cli_usage_error(&list_cli, "--limit: expected 1..100000", o->limit);
        limit = (size_t)x;
    }
    if (o->since) {
        if (fl_trace_parse_time(o->since, "--since", fl_time_now_ms(), &since, &d) != FL_OK) {
            fl_cli_print_diag("investigations", &d);
            return 2;
        }
        since /= 1000000;
    }
    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    struct fl_buf b;
    struct list l = {&b, o->fmt == FMT_JSON, 0};
    fl_buf_init(&b, OUT_MAX);
    int rc = fl_cli_open_store(g, "investigations", o->data_dir, &cfg, &s);
    if (rc)
        goto out;
    if (l.json)
        fl_buf_putc(&b, '[');
    else
        fl_buf_printf(&b, "%-20s  %-24s  %-28s  %-13s  %s\n", "ID", "CREATED", "SYMPTOM",
                      "VERDICT", "TITLE");
    if (fl_store_investigation_list(s, since, limit, list_one, &l, &d) != FL_OK) {
        fl_cli_print_diag("investigations", &d);
        rc = 1;
        goto out;
    }
    if (l.json)
        fl_buf_puts(&b, "]\n");
    rc = emit("investigations", &b);
out:
    fl_buf_cleanup(&b);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}

static int cmd_show(const struct fl_cli_globals *g, const struct opts *o)
{
    if (!o->id)
        return fl_cli_usage_error(&list_cli, "show needs an ID", NULL);
    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    struct fl_arena a;
    struct fl_buf b;
    struct fl_diag d;
    struct fl_store_investigation row;
    struct fl_investigation inv;
    fl_arena_init(&a, 64 * 1024, INV_ARENA_MAX);
    fl_buf_init(&b, OUT_MAX);
    fl_diag_init(&d);
    int rc = fl_cli_open_store(g, "investigations", o->data_dir, &cfg, &s);
    if (rc)
        goto out;
    rc = 1;
    fl_err e = fl_store_investigation_get(s, o->id, &a, &row, &d);
    if (e == FL_OK && o->fmt != FMT_JSON)
        e = fl_inv_from_json(row.json, strlen(row.json), &a, &inv, &d);
    if (e != FL_OK) {
        fl_cli_print_diag("investigations", &d);
        goto out;
    }
    if (o->fmt == FMT_JSON) {
        fl_buf_puts(&b, row.json); /* exactly what is stored */
        fl_buf_putc(&b, '\n');
    } else {
        render(&inv, o->fmt, &b);
    }
    rc = emit("investigations", &b);
out:
    fl_buf_cleanup(&b);
    fl_arena_cleanup(&a);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}

int fl_cli_investigations(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct opts o;
    memset(&o, 0, sizeof o);
    const char **pos[] = {&o.action, &o.id};
    int rc = parse_opts(&list_cli, argc, argv, &o, pos, 2);
    if (rc != FL_CLI_GO_ON)
        return rc;
    if (!o.action || !strcmp(o.action, "list")) {
        if (o.id)
            return fl_cli_usage_error(&list_cli, "unexpected argument", o.id);
        return cmd_list(g, &o);
    }
    if (!strcmp(o.action, "show"))
        return cmd_show(g, &o);
    return fl_cli_usage_error(&list_cli, "unknown action (expected list or show)", o.action);
}
