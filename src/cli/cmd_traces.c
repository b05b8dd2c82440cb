/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_traces.c: `faultline traces compare|show|search|graph`: trace analytics over the spans
 * stored in the data directory (docs/TRACES.md). The same analysis and the same JSON as the API
 * (src/server/routes_traces.c), without a running server.
 *
 *   compare --baseline S,E --incident S,E [--percentile P]   what explains the latency change
 *   show TRACE_ID                                            spans, critical path, calls
 *   search [--service S] [--operation O] [--min-duration D] [--start T] [--end T] [--error]
 *   graph [--start T] [--end T]                              service dependency graph
 *
 * Exit status 0 on success, 1 on a runtime error (or trace not found), 2 on usage errors.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/time.h"
#include "store/store.h"
#include "trace/load.h"
#include "report/diagram.h"
#include "trace/render.h"

static const char usage_text[] =
    "usage: faultline traces compare --baseline START,END --incident START,END [--percentile P]\n"
    "       faultline traces show TRACE_ID\n"
    "       faultline traces search [--service S] [--operation O] [--min-duration D]\n"
    "                               [--start T] [--end T] [--error] [--limit N]\n"
    "       faultline traces graph [--start T] [--end T] [--format table|json|svg]\n"
    "  common: [--format table|json] [--data-dir DIR]\n"
    "  T: RFC 3339, now, now-1h, or unix time in s, ms, us or ns (told apart by size)\n"
    "  P: end-to-end latency percentile to explain, 0 < P < 100 (default 99)\n";

static const struct fl_cli_cmd cli = {"traces", usage_text};

struct opts {
    const char *baseline, *incident, *percentile, *format, *data_dir;
    const char *service, *operation, *min_duration, *start, *end, *limit;
    const char *trace_id;
    bool error_only;
    bool json, svg;
};

static int parse_opts(int argc, char **argv, struct opts *o, bool want_id)
{
    memset(o, 0, sizeof *o);
    const struct fl_cli_opt opts[] = {
        {"--error", NULL, &o->error_only},
        {"--baseline", &o->baseline, NULL},
        {"--incident", &o->incident, NULL},
        {"--percentile", &o->percentile, NULL},
        {"--format", &o->format, NULL},
        {"--data-dir", &o->data_dir, NULL},
        {"--service", &o->service, NULL},
        {"--operation", &o->operation, NULL},
        {"--min-duration", &o->min_duration, NULL},
        {"--start", &o->start, NULL},
        {"--end", &o->end, NULL},
        {"--limit", &o->limit, NULL},
    };
    struct fl_cli_args p;
    const char *a;
    int rc;
    fl_cli_args_init(&p, &cli, opts, sizeof opts / sizeof opts[0], argc, argv, 2);
    while ((rc = fl_cli_args_next(&p, &a)) == FL_CLI_ARG) {
        if (a[0] == '-' || !want_id || o->trace_id)
            return fl_cli_unexpected(&cli, a);
        o->trace_id = a;
    }
    if (rc != FL_CLI_GO_ON)
        return rc;
    o->svg = o->format && !strcmp(o->format, "svg") && !strcmp(argv[1], "graph");
    if (o->format && strcmp(o->format, "table") && strcmp(o->format, "json") && !o->svg)
        return fl_cli_usage_error(&cli, "--format: expected table or json (graph: also svg)",
                                  o->format);
    o->json = o->format && !strcmp(o->format, "json");
    return FL_CLI_GO_ON;
}

/* Print b (text or JSON) on stdout; 0, or 1 when it overflowed. */
static int emit(struct fl_buf *b)
{
    if (fl_buf_err(b) != FL_OK) {
        fprintf(stderr, "faultline traces: answer too large to print\n");
        return 1;
    }
    fwrite(b->data ? b->data : "", 1, b->len, stdout);
    return 0;
}

static int time_opt(const char *v, const char *name, int64_t dflt, int64_t *out)
{
    struct fl_diag d;
    fl_diag_init(&d);
    *out = dflt;
    if (!v)
        return 0;
    if (fl_trace_parse_time(v, name, fl_time_now_ms(), out, &d) != FL_OK) {
        fl_cli_print_diag("traces", &d);
        return 2;
    }
    return 0;
}

static int cmd_compare(const struct fl_cli_globals *g, const struct opts *o)
{
    struct fl_trace_span_ns bw, iw;
    struct fl_diag d;
    fl_diag_init(&d);
    if (!o->baseline || !o->incident)
        return fl_cli_usage_error(&cli, "compare needs --baseline and --incident", NULL);
    int64_t now = fl_time_now_ms();
    if (fl_trace_parse_window(o->baseline, "--baseline", now, &bw.start_ns, &bw.end_ns, &d) !=
            FL_OK ||
        fl_trace_parse_window(o->incident, "--incident", now, &iw.start_ns, &iw.end_ns, &d) !=
            FL_OK) {
        fl_cli_print_diag("traces", &d);
        return 2;
    }
    double pct = 99;
    if (o->percentile) {
        char *end = NULL;
        pct = strtod(o->percentile, &end);
        if (!end || *end || end == o->percentile || !(pct > 0 && pct < 100))
            return fl_cli_usage_error(&cli, "--percentile: expected a number in (0, 100)",
                                      o->percentile);
    }
    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    int rc = fl_cli_open_store(g, "traces", o->data_dir, &cfg, &s);
    struct fl_trace_syms *y = NULL;
    struct fl_trace_window *wb = NULL, *wi = NULL;
    struct fl_arena a;
    struct fl_buf b;
    struct fl_trace_cmp c;
    struct fl_trace_load_opts lo = {0};
    size_t n_spans[2] = {0, 0};
    fl_arena_init(&a, 64 * 1024, (size_t)1 << 30);
    fl_buf_init(&b, (size_t)1 << 30);
    if (rc)
        goto out;
    rc = 1;
    y = fl_trace_syms_new();
    wb = y ? fl_trace_window_new(y, bw.start_ns, bw.end_ns) : NULL;
    wi = y ? fl_trace_window_new(y, iw.start_ns, iw.end_ns) : NULL;
    fl_err e = (y && wb && wi) ? FL_OK : fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory");
    if (e == FL_OK) {
        int64_t starts[2] = {bw.start_ns, iw.start_ns}, ends[2] = {bw.end_ns, iw.end_ns};
        struct fl_trace_window *ws[2] = {wb, wi};
        e = fl_trace_load_windows(s, 2, starts, ends, &lo, ws, n_spans, &d);
    }
    if (e == FL_OK)
        e = fl_trace_compare(wb, wi, pct, &a, &c, &d);
    if (e != FL_OK) {
        fl_cli_print_diag("traces", &d);
        goto out;
    }
    if (o->json) {
        fl_trace_cmp_json(&c, y, bw, iw, &b);
        fl_buf_putc(&b, '\n');
    } else {
        fl_trace_cmp_text(&c, y, bw, iw, &b);
    }
    rc = emit(&b);
out:
    fl_buf_cleanup(&b);
    fl_arena_cleanup(&a);
    fl_trace_window_free(wb);
    fl_trace_window_free(wi);
    fl_trace_syms_free(y);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}

static int cmd_show(const struct fl_cli_globals *g, const struct opts *o)
{
    if (!o->trace_id)
        return fl_cli_usage_error(&cli, "show needs a TRACE_ID", NULL);
    char id[33];
    size_t n = strlen(o->trace_id);
    for (size_t i = 0; i < n && n == 32; i++) {
        char ch = o->trace_id[i];
        if (ch >= 'A' && ch <= 'F')
            ch = (char)(ch + 32);
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            n = 0;
        id[i] = ch;
    }
    if (n != 32)
        return fl_cli_usage_error(&cli, "TRACE_ID: expected 32 hex digits", o->trace_id);
    id[32] = '\0';
    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    struct fl_trace_syms *y = NULL;
    struct fl_arena a;
    struct fl_buf b;
    struct fl_diag d;
    struct fl_trace t;
    struct fl_trace_analysis an;
    struct fl_cp_seg *segs = NULL;
    size_t n_segs = 0;
    fl_arena_init(&a, 64 * 1024, (size_t)1 << 30);
    fl_buf_init(&b, (size_t)1 << 30);
    fl_diag_init(&d);
    int rc = fl_cli_open_store(g, "traces", o->data_dir, &cfg, &s);
    if (rc)
        goto out;
    rc = 1;
    y = fl_trace_syms_new();
    fl_err e = y ? FL_OK : fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory");
    if (e == FL_OK)
        e = fl_trace_load_one(s, id, y, &a, &t, &an, &d);
    if (e == FL_OK && (e = fl_trace_critical_path(&t, &a, &segs, &n_segs)) != FL_OK)
        fl_diag_set(&d, e, 0, 0, "critical path: %s", fl_err_str(e));
    if (e == FL_ENOTFOUND) {
        fprintf(stderr, "faultline traces: trace %s not found\n", id);
        goto out;
    }
    if (e != FL_OK) {
        fl_cli_print_diag("traces", &d);
        goto out;
    }
    if (o->json) {
        fl_trace_detail_json(&t, &an, segs, n_segs, y, &b);
        fl_buf_putc(&b, '\n');
    } else {
        fl_trace_detail_text(&t, &an, segs, n_segs, y, &b);
    }
    rc = emit(&b);
out:
    fl_buf_cleanup(&b);
    fl_arena_cleanup(&a);
    fl_trace_syms_free(y);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}

struct found {
    struct fl_trace_syms *y;
    struct fl_buf *b;
    bool json;
    size_t n;
};

static int found_one(const struct fl_trace *t, const struct fl_trace_analysis *an, void *ud)
{
    struct found *f = ud;
    if (f->json) {
        if (f->n)
            fl_buf_putc(f->b, ',');
        fl_trace_summary_json(t, an, f->y, f->b);
    } else {
        fl_trace_summary_text(t, an, f->y, f->b);
    }
    f->n++;
    return 0;
}

static int cmd_search(const struct fl_cli_globals *g, const struct opts *o)
{
    struct fl_span_query q;
    memset(&q, 0, sizeof q);
    q.service = o->service;
    q.operation = o->operation;
    q.error_only = o->error_only;
    int rc;
    if ((rc = time_opt(o->start, "--start", 0, &q.start_ns)) ||
        (rc = time_opt(o->end, "--end", INT64_MAX, &q.end_ns)))
        return rc;
    if (o->min_duration) {
        int64_t ms;
        if (fl_duration_parse_step(fl_str_c(o->min_duration), &ms, NULL) != FL_OK)
            return fl_cli_usage_error(&cli, "--min-duration: expected a duration like 250ms",
                                      o->min_duration);
        q.min_duration_ns = ms * 1000000;
    }
    size_t limit = 20;
    if (o->limit) {
        char *end = NULL;
        long long x = strtoll(o->limit, &end, 10);
        if (!end || *end || x < 1 || x > 100000)
            return fl_cli_usage_error(&cli, "--limit: expected an integer 1..100000", o->limit);
        limit = (size_t)x;
    }
    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    struct fl_trace_syms *y = NULL;
    struct fl_buf b;
    struct fl_diag d;
    fl_buf_init(&b, (size_t)1 << 30);
    fl_diag_init(&d);
    rc = fl_cli_open_store(g, "traces", o->data_dir, &cfg, &s);
    if (rc)
        goto out;
    rc = 1;
    y = fl_trace_syms_new();
    if (o->json)
        fl_buf_putc(&b, '[');
    else
        fl_trace_summary_text_header(&b);
    struct found f = {y, &b, o->json, 0};
    fl_err e = y ? fl_trace_search(s, &q, limit, y, found_one, &f, &d)
                 : fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory");
    if (e != FL_OK) {
        fl_cli_print_diag("traces", &d);
        goto out;
    }
    if (o->json)
        fl_buf_puts(&b, "]\n");
    rc = emit(&b);
out:
    fl_buf_cleanup(&b);
    fl_trace_syms_free(y);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}

static int cmd_graph(const struct fl_cli_globals *g, const struct opts *o)
{
    struct fl_trace_span_ns win;
    int rc;
    if ((rc = time_opt(o->end, "--end", fl_time_now_ns(), &win.end_ns)) ||
        (rc = time_opt(o->start, "--start", win.end_ns - (int64_t)3600 * 1000000000, &win.start_ns)))
        return rc;
    if (win.end_ns <= win.start_ns)
        return fl_cli_usage_error(&cli, "--end must be after --start", NULL);
    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    struct fl_trace_syms *y = NULL;
    struct fl_trace_window *w = NULL;
    struct fl_trace_graph gr;
    struct fl_arena a;
    struct fl_buf b;
    struct fl_diag d;
    fl_arena_init(&a, 64 * 1024, (size_t)1 << 30);
    fl_buf_init(&b, (size_t)1 << 30);
    fl_diag_init(&d);
    rc = fl_cli_open_store(g, "traces", o->data_dir, &cfg, &s);
    if (rc)
        goto out;
    rc = 1;
    y = fl_trace_syms_new();
    w = y ? fl_trace_window_new(y, win.start_ns, win.end_ns) : NULL;
    fl_err e = (y && w) ? fl_trace_graph_stored(s, cfg, win.start_ns, win.end_ns, w, &a, &gr, &d)
                        : fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory");
    if (e != FL_OK) {
        fl_cli_print_diag("traces", &d);
        goto out;
    }
    if (o->svg) {
        if (fl_diagram_trace_graph(&gr, y, &b, &d) != FL_OK) {
            fl_cli_print_diag("traces", &d);
            goto out;
        }
    } else if (o->json) {
        fl_trace_graph_json(&gr, y, win, &b);
        fl_buf_putc(&b, '\n');
    } else {
        fl_trace_graph_text(&gr, y, win, &b);
    }
    rc = emit(&b);
out:
    fl_buf_cleanup(&b);
    fl_arena_cleanup(&a);
    fl_trace_window_free(w);
    fl_trace_syms_free(y);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}

int fl_cli_traces(const struct fl_cli_globals *g, int argc, char **argv)
{
    if (argc < 2)
        return fl_cli_usage_error(&cli, "missing subcommand", NULL);
    const char *sub = argv[1];
    if (fl_cli_is_help(sub) || !strcmp(sub, "help")) {
        printf("%s", usage_text);
        return 0;
    }
    struct opts o;
    int rc = parse_opts(argc, argv, &o, !strcmp(sub, "show"));
    if (rc != FL_CLI_GO_ON)
        return rc;
    if (!strcmp(sub, "compare"))
        return cmd_compare(g, &o);
    if (!strcmp(sub, "show"))
        return cmd_show(g, &o);
    if (!strcmp(sub, "search"))
        return cmd_search(g, &o);
    if (!strcmp(sub, "graph"))
        return cmd_graph(g, &o);
    return fl_cli_usage_error(&cli, "unknown subcommand", sub);
}
