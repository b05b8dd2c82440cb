/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_query.c: `faultline query SELECTOR`: read series over a time range, either from a
 * Prometheus-API server (a remote_sources entry by name with --source, or any base URL with
 * --url; through /api/v1/query_range, chunked past the 11,000-point limit) or, with neither, from
 * the local store in data_dir.
 *
 * Local reads are evaluated like a Prometheus range query of a bare selector (the value at each
 * step is the newest sample within the 5 minute lookback, staleness markers end a series; see
 * src/server/promapi.h), so local and remote output line up; --raw prints the stored samples
 * instead. Output: --format table (one block per series: its labels, then "time value" rows with
 * RFC 3339 times) or --format json (the Prometheus API's matrix answer).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/record.h"
#include "core/str.h"
#include "core/time.h"
#include "ingest/selector.h"
#include "server/promapi.h"
#include "server/promclient.h"
#include "store/store.h"

#define DEFAULT_RANGE_MS (60 * 60 * 1000)
#define DEFAULT_STEP_MS 15000
#define LOCAL_MAX_STEPS 1000000 /* steps evaluated per series for a local query */

struct query_opts {
    const char *source, *url, *start, *end, *step, *format, *data_dir, *selector;
    bool raw;
};

/* One series of the answer: owned copies. */
struct qseries {
    struct fl_label *labels;
    size_t n_labels;
    int64_t *ts;
    double *v;
    size_t n;
};

struct qresult {
    struct qseries *s;
    size_t n, cap;
    int err; /* out of memory while collecting */
    /* local evaluation */
    const struct fl_promapi_range *rg; /* NULL = raw */
    int64_t *eval_ts;
    double *eval_v;
};

static const char usage_text[] =
    "usage: faultline query [--source NAME | --url URL] [--start T] [--end T] [--step D]\n"
    "                       [--format table|json] [--raw] [--data-dir DIR] SELECTOR\n"
    "  T: RFC 3339, unix seconds, now, now-1h (default: end now, start end-1h)\n"
    "  D: duration like 15s or seconds (default 15s, or the source's step)\n";

static const struct fl_cli_cmd cli = {"query", usage_text};

static void qresult_cleanup(struct qresult *r)
{
    for (size_t i = 0; i < r->n; i++) {
        for (size_t k = 0; k < r->s[i].n_labels; k++) {
            fl_free((char *)r->s[i].labels[k].name);
            fl_free((char *)r->s[i].labels[k].value);
        }
        fl_free(r->s[i].labels);
        fl_free(r->s[i].ts);
        fl_free(r->s[i].v);
    }
    fl_free(r->s);
    fl_free(r->eval_ts);
    fl_free(r->eval_v);
}

static int keep_series(struct qresult *r, const struct fl_label *ls, size_t nl, const int64_t *ts,
                       const double *v, size_t n)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct qseries *ns = fl_reallocarray(r->s, cap, sizeof *ns);
        if (!ns)
            return r->err = 1;
        r->s = ns;
        r->cap = cap;
    }
    struct qseries *q = &r->s[r->n];
    memset(q, 0, sizeof *q);
    q->labels = fl_calloc(nl ? nl : 1, sizeof *q->labels);
    q->ts = fl_reallocarray(NULL, n ? n : 1, sizeof *q->ts);
    q->v = fl_reallocarray(NULL, n ? n : 1, sizeof *q->v);
    r->n++; /* counted now so that cleanup frees what was allocated */
    if (!q->labels || !q->ts || !q->v)
        return r->err = 1;
    for (size_t k = 0; k < nl; k++) {
        q->labels[k].name = fl_strdup(ls[k].name);
        q->labels[k].value = fl_strdup(ls[k].value);
        q->n_labels = k + 1;
        if (!q->labels[k].name || !q->labels[k].value)
            return r->err = 1;
    }
    if (n) {
        memcpy(q->ts, ts, n * sizeof *ts);
        memcpy(q->v, v, n * sizeof *v);
    }
    q->n = n;
    return 0;
}

static int collect(const struct fl_label *ls, size_t nl, const int64_t *ts, const double *v,
                   size_t n, void *ud)
{
    return keep_series(ud, ls, nl, ts, v, n);
}

/* Local store rows: evaluate on the step grid (unless raw); drop series left empty. */
static int collect_local(const struct fl_label *ls, size_t nl, const int64_t *ts, const double *v,
                         size_t n, void *ud)
{
    struct qresult *r = ud;
    if (!r->rg)
        return n ? keep_series(r, ls, nl, ts, v, n) : 0;
    size_t m = fl_promapi_eval_range(ts, v, n, r->rg, r->eval_ts, r->eval_v);
    return m ? keep_series(r, ls, nl, r->eval_ts, r->eval_v, m) : 0;
}

static int cmp_qseries(const void *x, const void *y)
{
    const struct qseries *a = x, *b = y;
    for (size_t i = 0; i < a->n_labels && i < b->n_labels; i++) {
        int c = strcmp(a->labels[i].name, b->labels[i].name);
        if (c || (c = strcmp(a->labels[i].value, b->labels[i].value)))
            return c;
    }
    return a->n_labels < b->n_labels ? -1 : a->n_labels > b->n_labels;
}

static void print_table(const struct qresult *r)
{
    struct fl_buf b;
    fl_buf_init(&b, 1u << 20);
    for (size_t i = 0; i < r->n; i++) {
        const struct qseries *q = &r->s[i];
        fl_buf_reset(&b);
        fl_labels_format(q->labels, q->n_labels, &b);
        printf("%s%s\n", i ? "\n" : "", b.data ? b.data : "{}");
        for (size_t k = 0; k < q->n; k++) {
            char t[64], val[400];
            fl_time_fmt_rfc3339_ms(q->ts[k], t, sizeof t);
            fl_promapi_fmt_value(q->v[k], val, sizeof val);
            printf("  %-24s  %s%s\n", t, val,
                   fl_promapi_is_stale(q->v[k]) ? " (staleness marker)" : "");
        }
    }
    fl_buf_cleanup(&b);
}

static int print_json(const struct qresult *r)
{
    struct fl_buf b;
    fl_buf_init(&b, (size_t)-1 / 2);
    fl_buf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[");
    for (size_t i = 0; i < r->n; i++) {
        const struct qseries *q = &r->s[i];
        fl_buf_puts(&b, i ? ",{\"metric\":{" : "{\"metric\":{");
        for (size_t k = 0; k < q->n_labels; k++) {
            if (k)
                fl_buf_putc(&b, ',');
            fl_buf_put_json_str(&b, q->labels[k].name, strlen(q->labels[k].name));
            fl_buf_putc(&b, ':');
            fl_buf_put_json_str(&b, q->labels[k].value, strlen(q->labels[k].value));
        }
        fl_buf_puts(&b, "},\"values\":[");
        for (size_t k = 0; k < q->n; k++) {
            char t[64], val[400];
            fl_promapi_fmt_time(q->ts[k], t, sizeof t);
            fl_promapi_fmt_value(q->v[k], val, sizeof val);
            fl_buf_printf(&b, "%s[%s,\"%s\"]", k ? "," : "", t, val);
        }
        fl_buf_puts(&b, "]}");
    }
    fl_buf_puts(&b, "]}}\n");
    int ok = fl_buf_err(&b) == FL_OK;
    if (ok)
        fwrite(b.data, 1, b.len, stdout);
    else
        fprintf(stderr, "faultline query: answer too large to render\n");
    fl_buf_cleanup(&b);
    return ok ? 0 : 1;
}

static int parse_args(int argc, char **argv, struct query_opts *o)
{
    static const struct {
        const char *name;
        size_t off;
    } valued[] = {
        {"--source", offsetof(struct query_opts, source)},
        {"--url", offsetof(struct query_opts, url)},
        {"--start", offsetof(struct query_opts, start)},
        {"--end", offsetof(struct query_opts, end)},
        {"--step", offsetof(struct query_opts, step)},
        {"--format", offsetof(struct query_opts, format)},
        {"--data-dir", offsetof(struct query_opts, data_dir)},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (fl_cli_is_help(a)) {
            printf("%s", usage_text);
            return 1;
        }
        if (!strcmp(a, "--raw")) {
            o->raw = true;
            continue;
        }
        if (!strcmp(a, "--") && i + 1 < argc && !o->selector) {
            o->selector = argv[++i];
            continue;
        }
        if (a[0] == '-' && a[1] == '-') {
            size_t k = 0, nlen = strcspn(a, "=");
            for (; k < sizeof valued / sizeof valued[0]; k++)
                if (strlen(valued[k].name) == nlen && !strncmp(a, valued[k].name, nlen))
                    break;
            if (k == sizeof valued / sizeof valued[0])
                return fl_cli_usage_error(&cli, "unknown option", NULL);
            const char *val = a[nlen] == '=' ? a + nlen + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val)
                return fl_cli_usage_error(&cli, "option needs a value", NULL);
            *(const char **)((char *)o + valued[k].off) = val;
            continue;
        }
        if (o->selector)
            return fl_cli_usage_error(&cli, "give one selector", NULL);
        o->selector = a;
    }
    if (!o->selector || !*o->selector)
        return fl_cli_usage_error(&cli, "no selector given", NULL);
    if (o->source && o->url)
        return fl_cli_usage_error(&cli, "--source and --url exclude each other", NULL);
    if (o->format && strcmp(o->format, "table") && strcmp(o->format, "json"))
        return fl_cli_usage_error(&cli, "--format: expected table or json", NULL);
    if (o->raw && (o->source || o->url))
        return fl_cli_usage_error(&cli, "--raw reads the local store only", NULL);
    return 0;
}

static int query_local(const struct query_opts *o, const char *data_dir,
                       const struct fl_promapi_range *rg, struct qresult *res, struct fl_diag *d)
{
    struct fl_store *store = NULL;
    struct fl_matcher *ms = NULL;
    size_t n_ms = 0;
    struct fl_store_opts so;
    fl_err e;
    fl_store_opts_default(&so);
    so.read_only = true;
    if ((e = fl_selector_parse(o->selector, strlen(o->selector), &ms, &n_ms, d)) != FL_OK) {
        fl_diag_file(d, "selector");
        return e;
    }
    if ((e = fl_store_open(data_dir, &so, &store, d)) == FL_OK) {
        size_t steps = fl_promapi_range_steps(rg);
        if (!o->raw) {
            res->rg = rg;
            res->eval_ts = fl_reallocarray(NULL, steps, sizeof *res->eval_ts);
            res->eval_v = fl_reallocarray(NULL, steps, sizeof *res->eval_v);
            if (!res->eval_ts || !res->eval_v)
                e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        }
        if (e == FL_OK)
            e = fl_store_select(store, ms, n_ms,
                                o->raw ? rg->start_ms : rg->start_ms - rg->lookback_ms, rg->end_ms,
                                true, collect_local, res, d);
        fl_store_free(store);
    }
    fl_selector_free(ms, n_ms);
    return e;
}

static fl_err parse_time(const char *what, const char *s, int64_t now_ms, int64_t *out,
                         struct fl_diag *d)
{
    fl_err e = fl_time_parse_any(fl_str_c(s), now_ms, out, d);
    if (e)
        fl_diag_field(d, "%s", what);
    return e;
}

int fl_cli_query(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct query_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;

    struct fl_config *cfg = NULL;
    struct qresult res;
    struct fl_diag d;
    int status = 1;
    char msg[FL_DIAG_MSG_CAP + 600];
    memset(&res, 0, sizeof res);
    fl_diag_init(&d);

    const struct fl_remote_source *src = NULL;
    if (!o.url && !(o.data_dir && !o.source)) {
        if (!(cfg = fl_cli_load_config(g)))
            return 1;
    }
    if (o.source) {
        for (size_t i = 0; i < cfg->n_remotes; i++)
            if (cfg->remotes[i].name && !strcmp(cfg->remotes[i].name, o.source))
                src = &cfg->remotes[i];
        if (!src) {
            fprintf(stderr, "faultline query: no remote source named \"%s\" in %s\n", o.source,
                    cfg->source ? cfg->source : "the configuration");
            goto out;
        }
    }

    int64_t now = fl_time_now_ms(), start = 0, end = 0;
    int64_t step = src && src->step_ms > 0 ? src->step_ms : DEFAULT_STEP_MS;
    fl_err te = parse_time("--end", o.end ? o.end : "now", now, &end, &d);
    if (te == FL_OK && o.start)
        te = parse_time("--start", o.start, now, &start, &d);
    else if (te == FL_OK)
        start = end - DEFAULT_RANGE_MS;
    if (te == FL_OK && o.step && (te = fl_duration_parse_step(fl_str_c(o.step), &step, &d)))
        fl_diag_field(&d, "--step");
    if (te != FL_OK) {
        fl_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "faultline query: %s\n", msg);
        status = 2;
        goto out;
    }
    if (step <= 0 || end < start) {
        fprintf(stderr, "faultline query: %s\n",
                step <= 0 ? "--step must be positive" : "--end is before --start");
        status = 2;
        goto out;
    }

    fl_err e;
    if (o.url || src) {
        struct fl_promclient_opts po = {
            .url = o.url ? o.url : src->url,
            .bearer_token = src ? src->bearer_token : NULL,
            .timeout_ms = src ? src->timeout_ms : 0,
        };
        e = fl_promclient_query_range(&po, o.selector, start, end, step, collect, &res, &d);
    } else {
        struct fl_promapi_range rg = {start, end, step, FL_PROMAPI_DEFAULT_LOOKBACK_MS};
        if (!o.raw && fl_promapi_range_steps(&rg) > LOCAL_MAX_STEPS) {
            fprintf(stderr, "faultline query: more than %d steps; use a larger --step\n",
                    LOCAL_MAX_STEPS);
            status = 2;
            goto out;
        }
        e = query_local(&o, o.data_dir ? o.data_dir : cfg->data_dir, &rg, &res, &d);
        if (e == FL_OK && res.n > 1)
            qsort(res.s, res.n, sizeof res.s[0], cmp_qseries);
    }
    if (e == FL_OK && res.err)
        e = fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory collecting the answer");
    if (e != FL_OK) {
        fl_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "faultline query: %s\n", msg);
        status = e == FL_EINVAL || e == FL_EPARSE ? 2 : 1;
        if (e == FL_EREMOTE || (e == FL_EPARSE && (o.url || src)))
            status = 1;
        goto out;
    }
    if (o.format && !strcmp(o.format, "json")) {
        status = print_json(&res);
    } else {
        if (res.n == 0)
            fprintf(stderr, "faultline query: no series matched\n");
        print_table(&res);
        status = 0;
    }
out:
    qresult_cleanup(&res);
    fl_config_free(cfg);
    return status;
}
