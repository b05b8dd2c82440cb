/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_prom.c: /api/v1/query_range, /api/v1/series, /api/v1/labels and
 * /api/v1/label/{name}/values in the shapes of the Prometheus HTTP API (docs/querying/api.md), so
 * Grafana's Prometheus data source and faultline's own query client can read faultline's store.
 * query_range evaluates series selectors only (see promapi.h); results are sorted by label set as
 * Prometheus sorts them.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/matcher.h"
#include "../core/time.h"
#include "../store/store.h"
#include "http_int.h"
#include "promapi.h"
#include "../ingest/selector.h"

#define TIME_MIN (-((int64_t)1 << 62))
#define TIME_MAX ((int64_t)1 << 62)
#define MAX_RESULT_SERIES 500000 /* series in one answer; more is a 422 */

/* ---- a list of label sets with JSON fragments, sorted at the end ---- */

struct item {
    struct fl_label *labels; /* owned copies */
    size_t n_labels;
    char *json; /* owned fragment rendered for this item, or NULL */
};

struct items {
    struct item *v;
    size_t n, cap;
    size_t bytes; /* JSON fragments held so far; capped at FL_SERVER_RESPONSE_MAX */
    fl_err err;
};

static void item_cleanup(struct item *x)
{
    for (size_t k = 0; k < x->n_labels; k++) {
        fl_free((char *)x->labels[k].name);
        fl_free((char *)x->labels[k].value);
    }
    fl_free(x->labels);
    fl_free(x->json);
}

static void items_free(struct items *it)
{
    for (size_t i = 0; i < it->n; i++)
        item_cleanup(&it->v[i]);
    fl_free(it->v);
    memset(it, 0, sizeof *it);
}

/* Copy labels into a new item; takes json (may be NULL). Sets it->err on failure. */
static void items_add(struct items *it, const struct fl_label *ls, size_t n, char *json)
{
    if (it->err)
        goto fail;
    if (it->n >= MAX_RESULT_SERIES) {
        it->err = FL_ELIMIT;
        goto fail;
    }
    if (it->n == it->cap) {
        size_t cap = it->cap ? it->cap * 2 : 16;
        struct item *v = fl_reallocarray(it->v, cap, sizeof *v);
        if (!v) {
            it->err = FL_ENOMEM;
            goto fail;
        }
        it->v = v;
        it->cap = cap;
    }
    /* The whole answer must fit the response cap: stop collecting as soon as it cannot,
     * instead of holding every series' fragment in memory first. */
    it->bytes += json ? strlen(json) + 1 : 0;
    if (it->bytes > FL_SERVER_RESPONSE_MAX) {
        it->err = FL_ELIMIT;
        goto fail;
    }
    struct item *x = &it->v[it->n];
    x->labels = fl_calloc(n ? n : 1, sizeof *x->labels);
    x->n_labels = 0;
    x->json = json;
    if (!x->labels) {
        it->err = FL_ENOMEM;
        goto fail;
    }
    it->n++;
    for (size_t k = 0; k < n; k++) {
        char *a = fl_strdup(ls[k].name), *b = fl_strdup(ls[k].value);
        if (!a || !b) {
            fl_free(a);
            fl_free(b);
            it->err = FL_ENOMEM;
            return;
        }
        x->labels[k].name = a;
        x->labels[k].value = b;
        x->n_labels++;
    }
    return;
fail:
    fl_free(json);
}

/* Prometheus labels.Compare: pairwise by name then value; a prefix sorts first. */
static int cmp_labels(const struct item *a, const struct item *b)
{
    size_t n = a->n_labels < b->n_labels ? a->n_labels : b->n_labels;
    for (size_t i = 0; i < n; i++) {
        int c = strcmp(a->labels[i].name, b->labels[i].name);
        if (c)
            return c;
        c = strcmp(a->labels[i].value, b->labels[i].value);
        if (c)
            return c;
    }
    return (a->n_labels > b->n_labels) - (a->n_labels < b->n_labels);
}

static int cmp_items(const void *a, const void *b)
{
    return cmp_labels(a, b);
}

static void put_labels_obj(struct fl_buf *b, const struct fl_label *ls, size_t n)
{
    fl_buf_putc(b, '{');
    for (size_t k = 0; k < n; k++) {
        if (k)
            fl_buf_putc(b, ',');
        fl_server__json_str(b, ls[k].name);
        fl_buf_putc(b, ':');
        fl_server__json_str(b, ls[k].value);
    }
    fl_buf_putc(b, '}');
}

/* ---- selectors ---- */

static fl_err parse_selector(const char *q, struct fl_matcher **ms, size_t *n, struct fl_diag *d)
{
    return fl_selector_parse(q, strlen(q), ms, n, d);
}

static void free_selector(struct fl_matcher *ms, size_t n)
{
    fl_selector_free(ms, n);
}

static bool selector_or_400(struct fl_http_req *r, const char *param, const char *q,
                            struct fl_matcher **ms, size_t *n)
{
    struct fl_diag d;
    fl_diag_init(&d);
    if (!q || !*q) {
        fl_server__prom_error(r, 400, "bad_data", "invalid parameter \"%s\": no selector given",
                              param);
        return false;
    }
    if (parse_selector(q, ms, n, &d) != FL_OK) {
        char msg[FL_DIAG_MSG_CAP + 64];
        fl_diag_format(&d, msg, sizeof msg);
        fl_server__prom_error(r, 400, "bad_data",
                              "invalid parameter \"%s\": %s (faultline evaluates series "
                              "selectors such as up{job=\"api\"}, not full PromQL)",
                              param, msg);
        return false;
    }
    return true;
}

static void store_error(struct fl_http_req *r, fl_err e, const struct fl_diag *d, fl_err lim)
{
    char msg[FL_DIAG_MSG_CAP + 64];
    if (lim) {
        fl_server__prom_error(r, 422, "execution",
                              "result too large (more than %d series or %zu "
                              "bytes); narrow the selector or the range",
                              MAX_RESULT_SERIES, FL_SERVER_RESPONSE_MAX);
        return;
    }
    fl_diag_format(d, msg, sizeof msg);
    if (fl_err_http_status(e) == 400)
        fl_server__prom_error(r, 400, "bad_data", "%s", msg);
    else
        fl_server__prom_error(r, e == FL_EBUSY || e == FL_ENOMEM ? 503 : 500,
                              e == FL_EBUSY || e == FL_ENOMEM ? "unavailable" : "internal", "%s",
                              msg);
}

/* ---- query_range ---- */

struct range_ctx {
    struct fl_promapi_range rg;
    int64_t *ts;
    double *v;
    struct items it;
};

static int range_series(const struct fl_label *ls, size_t n_ls, const int64_t *ts,
                        const double *vals, size_t n, void *ud)
{
    struct range_ctx *c = ud;
    size_t k = fl_promapi_eval_range(ts, vals, n, &c->rg, c->ts, c->v);
    if (k == 0)
        return 0;
    struct fl_buf b;
    char num[400], t[40];
    fl_buf_init(&b, FL_SERVER_RESPONSE_MAX);
    fl_buf_puts(&b, "{\"metric\":");
    put_labels_obj(&b, ls, n_ls);
    fl_buf_puts(&b, ",\"values\":[");
    for (size_t i = 0; i < k; i++) {
        fl_promapi_fmt_time(c->ts[i], t, sizeof t);
        fl_promapi_fmt_value(c->v[i], num, sizeof num);
        fl_buf_printf(&b, "%s[%s,\"%s\"]", i ? "," : "", t, num);
    }
    fl_buf_puts(&b, "]}");
    if (fl_buf_err(&b)) {
        c->it.err = fl_buf_err(&b);
        fl_buf_cleanup(&b);
        return 1;
    }
    items_add(&c->it, ls, n_ls, fl_buf_take(&b));
    return c->it.err != FL_OK;
}

static void render_items(struct fl_http_req *r, struct items *it, const char *prefix,
                         const char *suffix)
{
    struct fl_buf b;
    fl_buf_init(&b, FL_SERVER_RESPONSE_MAX);
    if (it->n > 1)
        qsort(it->v, it->n, sizeof *it->v, cmp_items);
    fl_buf_puts(&b, prefix);
    for (size_t i = 0; i < it->n; i++) {
        if (i)
            fl_buf_putc(&b, ',');
        if (it->v[i].json)
            fl_buf_puts(&b, it->v[i].json);
        else
            put_labels_obj(&b, it->v[i].labels, it->v[i].n_labels);
    }
    fl_buf_puts(&b, suffix);
    if (fl_buf_err(&b)) {
        fl_buf_cleanup(&b);
        store_error(r, FL_ELIMIT, NULL, FL_ELIMIT);
        return;
    }
    fl_server__respond(r, 200, "application/json", &b);
}

void fl_server__h_query_range(struct fl_http_req *r)
{
    struct range_ctx c;
    struct fl_matcher *ms = NULL;
    size_t n_ms = 0;
    struct fl_diag d;
    memset(&c, 0, sizeof c);
    fl_diag_init(&d);
    const struct fl_http_params *p = &r->params;
    if (fl_promapi_range_parse(fl_http_params_get(p, "start"), fl_http_params_get(p, "end"),
                               fl_http_params_get(p, "step"),
                               fl_http_params_get(p, "lookback_delta"), fl_time_now_ms(), &c.rg,
                               &d) != FL_OK) {
        fl_server__prom_error(r, 400, "bad_data", "%s", d.msg);
        return;
    }
    if (!selector_or_400(r, "query", fl_http_params_get(p, "query"), &ms, &n_ms))
        return;
    size_t steps = fl_promapi_range_steps(&c.rg);
    c.ts = fl_calloc(steps, sizeof *c.ts);
    c.v = fl_calloc(steps, sizeof *c.v);
    if (!c.ts || !c.v) {
        fl_server__prom_error(r, 503, "unavailable", "out of memory");
        goto out;
    }
    fl_err e = fl_store_select(r->srv->store, ms, n_ms, c.rg.start_ms - c.rg.lookback_ms + 1,
                               c.rg.end_ms, true, range_series, &c, &d);
    if (e || c.it.err) {
        store_error(r, e, &d, c.it.err);
        goto out;
    }
    render_items(r, &c.it,
                 "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[",
                 "]}}\n");
out:
    items_free(&c.it);
    fl_free(c.ts);
    fl_free(c.v);
    free_selector(ms, n_ms);
}

/* ---- series, labels, label values ---- */

struct set_ctx {
    struct items it;
    const char *only_label; /* label values: collect this label's values */
};

static int set_series(const struct fl_label *ls, size_t n_ls, const int64_t *ts, const double *vals,
                      size_t n, void *ud)
{
    (void)ts;
    (void)vals;
    (void)n;
    struct set_ctx *c = ud;
    items_add(&c->it, ls, n_ls, NULL);
    return c->it.err != FL_OK;
}

/* Remove adjacent duplicates of a sorted list (equal label sets). */
static void items_unique(struct items *it)
{
    size_t o = 0;
    for (size_t i = 0; i < it->n; i++) {
        if (o > 0 && cmp_labels(&it->v[o - 1], &it->v[i]) == 0) {
            item_cleanup(&it->v[i]);
            continue;
        }
        it->v[o++] = it->v[i];
    }
    it->n = o;
}

/*
 * Select every series matched by any match[] (or, with none and allow_all, every series) in
 * [start, end] into c->it, sorted and deduplicated. Answers the error itself and returns false.
 */
static bool collect_series(struct fl_http_req *r, struct set_ctx *c, bool allow_all,
                           const char *extra_label)
{
    int64_t start, end;
    struct fl_diag d;
    fl_diag_init(&d);
    const char *s = fl_http_params_get(&r->params, "start");
    const char *e_ = fl_http_params_get(&r->params, "end");
    int64_t now = fl_time_now_ms();
    if ((s && *s && fl_time_parse_any(fl_str_c(s), now, &start, &d) != FL_OK)) {
        fl_server__prom_error(r, 400, "bad_data",
                              "invalid parameter \"start\": cannot parse \"%.100s\" to a valid "
                              "timestamp",
                              s);
        return false;
    }
    if ((e_ && *e_ && fl_time_parse_any(fl_str_c(e_), now, &end, &d) != FL_OK)) {
        fl_server__prom_error(r, 400, "bad_data",
                              "invalid parameter \"end\": cannot parse \"%.100s\" to a valid "
                              "timestamp",
                              e_);
        return false;
    }
    if (!(s && *s))
        start = TIME_MIN;
    if (!(e_ && *e_))
        end = TIME_MAX;
    size_t n_match = fl_http_params_count(&r->params, "match[]");
    if (n_match == 0 && !allow_all) {
        fl_server__prom_error(r, 400, "bad_data", "no match[] parameter provided");
        return false;
    }
    if (n_match == 0) {
        struct fl_matcher m;
        fl_err e =
            fl_matcher_init(&m, extra_label ? extra_label : "__name__", FL_MATCH_RE, ".+", &d);
        if (e) {
            fl_server__prom_error(r, 400, "bad_data", "invalid label name \"%.100s\"",
                                  extra_label ? extra_label : "__name__");
            return false;
        }
        e = fl_store_select(r->srv->store, &m, 1, start, end, false, set_series, c, &d);
        fl_matcher_cleanup(&m);
        if (e || c->it.err) {
            store_error(r, e, &d, c->it.err);
            return false;
        }
    }
    for (size_t i = 0; i < r->params.n; i++) {
        if (strcmp(r->params.v[i].name, "match[]") != 0)
            continue;
        struct fl_matcher *ms = NULL;
        size_t n_ms = 0;
        if (!selector_or_400(r, "match[]", r->params.v[i].value, &ms, &n_ms))
            return false;
        fl_err e = fl_store_select(r->srv->store, ms, n_ms, start, end, false, set_series, c, &d);
        free_selector(ms, n_ms);
        if (e || c->it.err) {
            store_error(r, e, &d, c->it.err);
            return false;
        }
    }
    if (c->it.n > 1)
        qsort(c->it.v, c->it.n, sizeof *c->it.v, cmp_items);
    items_unique(&c->it);
    return true;
}

void fl_server__h_series(struct fl_http_req *r)
{
    struct set_ctx c;
    memset(&c, 0, sizeof c);
    if (collect_series(r, &c, false, NULL))
        render_items(r, &c.it, "{\"status\":\"success\",\"data\":[", "]}\n");
    items_free(&c.it);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Answer a sorted, deduplicated list of strings (borrowed). */
static void render_strings(struct fl_http_req *r, const char **v, size_t n)
{
    struct fl_buf b;
    fl_buf_init(&b, FL_SERVER_RESPONSE_MAX);
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_str);
    fl_buf_puts(&b, "{\"status\":\"success\",\"data\":[");
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !strcmp(v[i], v[i - 1]))
            continue;
        if (w++)
            fl_buf_putc(&b, ',');
        fl_server__json_str(&b, v[i]);
    }
    fl_buf_puts(&b, "]}\n");
    if (fl_buf_err(&b)) {
        fl_buf_cleanup(&b);
        store_error(r, FL_ELIMIT, NULL, FL_ELIMIT);
        return;
    }
    fl_server__respond(r, 200, "application/json", &b);
}

void fl_server__h_labels(struct fl_http_req *r)
{
    struct set_ctx c;
    memset(&c, 0, sizeof c);
    const char **names = NULL;
    if (!collect_series(r, &c, true, NULL))
        goto out;
    size_t total = 0, k = 0;
    for (size_t i = 0; i < c.it.n; i++)
        total += c.it.v[i].n_labels;
    names = fl_calloc(total ? total : 1, sizeof *names);
    if (!names) {
        fl_server__prom_error(r, 503, "unavailable", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c.it.n; i++)
        for (size_t j = 0; j < c.it.v[i].n_labels; j++)
            names[k++] = c.it.v[i].labels[j].name;
    render_strings(r, names, k);
out:
    fl_free(names);
    items_free(&c.it);
}

static bool valid_label_name(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                  (p != s && ch >= '0' && ch <= '9');
        if (!ok)
            return false;
    }
    return true;
}

void fl_server__h_label_values(struct fl_http_req *r)
{
    struct set_ctx c;
    memset(&c, 0, sizeof c);
    const char **vals = NULL;
    if (!valid_label_name(r->param)) {
        fl_server__prom_error(r, 400, "bad_data", "invalid label name: \"%.100s\"", r->param);
        return;
    }
    if (!collect_series(r, &c, true, r->param))
        goto out;
    size_t k = 0;
    vals = fl_calloc(c.it.n ? c.it.n : 1, sizeof *vals);
    if (!vals) {
        fl_server__prom_error(r, 503, "unavailable", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c.it.n; i++)
        for (size_t j = 0; j < c.it.v[i].n_labels; j++)
            if (!strcmp(c.it.v[i].labels[j].name, r->param) && *c.it.v[i].labels[j].value)
                vals[k++] = c.it.v[i].labels[j].value;
    render_strings(r, vals, k);
out:
    fl_free(vals);
    items_free(&c.it);
}
