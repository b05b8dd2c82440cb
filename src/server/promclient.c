/* SPDX-License-Identifier: Apache-2.0 */
/*
 * promclient.c: the Prometheus HTTP API client (see promclient.h): range chunking on the step
 * grid, the answer parser (a pull parser over the body, so a 10,000-point x many-series answer
 * builds no DOM), the per-series merge, and the libcurl transport.
 *
 * Spec: prometheus docs/querying/api.md (envelope, matrix result, errorType values, POST with a
 * form-encoded body) and web/api/v1/api.go (the 11,000-points-per-series limit).
 */
#include "promclient.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/json.h"
#include "../core/limits.h"
#include "../core/log.h"
#include "../core/map.h"
#include "../core/str.h"
#include "../core/version.h"
#include "promclient_int.h"

#define LABELS_PER_SERIES_MAX 4096
#define FORM_GET_MAX 2048 /* longer parameter strings go in a POST body */
#define DEFAULT_TIMEOUT_MS 30000
/* Timestamps beyond this (about year 287,000) cannot be multiplied without overflow worries. */
#define TS_ABS_MAX (INT64_C(1) << 53)

/* ---- chunk arithmetic ---- */

size_t fl_promclient__n_chunks(int64_t start_ms, int64_t end_ms, int64_t step_ms,
                               size_t max_steps)
{
    if (step_ms <= 0 || end_ms < start_ms || max_steps == 0)
        return 0;
    uint64_t steps = (uint64_t)(end_ms - start_ms) / (uint64_t)step_ms + 1; /* K + 1 */
    return (size_t)((steps + max_steps - 1) / max_steps);
}

void fl_promclient__chunk(int64_t start_ms, int64_t end_ms, int64_t step_ms, size_t max_steps,
                          size_t i, int64_t *chunk_start_ms, int64_t *chunk_end_ms)
{
    uint64_t last = (uint64_t)(end_ms - start_ms) / (uint64_t)step_ms; /* K */
    uint64_t k0 = (uint64_t)i * max_steps;
    uint64_t k1 = k0 + max_steps - 1;
    if (k1 > last)
        k1 = last;
    *chunk_start_ms = start_ms + (int64_t)(k0 * (uint64_t)step_ms);
    *chunk_end_ms = start_ms + (int64_t)(k1 * (uint64_t)step_ms);
}

/* ---- the accumulator ---- */

fl_err fl_promclient__acc_init(struct fl_promclient__acc *a, size_t max_series, size_t max_points)
{
    memset(a, 0, sizeof *a);
    a->max_series = max_series ? max_series : FL_PROMCLIENT_MAX_SERIES;
    a->max_points = max_points ? max_points : FL_PROMCLIENT_MAX_POINTS;
    a->index = fl_map_new(NULL, a->max_series);
    return a->index ? FL_OK : FL_ENOMEM;
}

static void free_labels(struct fl_label *ls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fl_free((char *)ls[i].name);
        fl_free((char *)ls[i].value);
    }
}

void fl_promclient__acc_cleanup(struct fl_promclient__acc *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_series; i++) {
        struct fl_promclient__series *s = &a->series[i];
        free_labels(s->labels, s->n_labels);
        fl_free(s->labels);
        fl_free(s->ts_ms);
        fl_free(s->values);
    }
    fl_free(a->series);
    fl_map_free(a->index);
    memset(a, 0, sizeof *a);
}

static int cmp_labels(const struct fl_label *a, size_t na, const struct fl_label *b, size_t nb)
{
    for (size_t i = 0; i < na && i < nb; i++) {
        int c = strcmp(a[i].name, b[i].name);
        if (c)
            return c;
        if ((c = strcmp(a[i].value, b[i].value)))
            return c;
    }
    return na < nb ? -1 : na > nb;
}

static int cmp_series(const void *x, const void *y)
{
    const struct fl_promclient__series *a = x, *b = y;
    return cmp_labels(a->labels, a->n_labels, b->labels, b->n_labels);
}

void fl_promclient__acc_sort(struct fl_promclient__acc *a)
{
    /* The index maps to positions; after sorting it is stale, so drop it (merging is over). */
    if (a->n_series > 1)
        qsort(a->series, a->n_series, sizeof a->series[0], cmp_series);
    fl_map_free(a->index);
    a->index = NULL;
}

/* ---- parsing an answer ---- */

struct parse_ctx {
    struct fl_json j;
    const char *origin;
    struct fl_promclient__acc *acc;
    struct fl_buf skey, sval, key;
    /* the element being read: owned labels, points */
    struct fl_label *labels;
    size_t n_labels, cap_labels;
    int64_t *ts;
    double *v;
    size_t n_pts, cap_pts;
};

static void ctx_clear_element(struct parse_ctx *c)
{
    free_labels(c->labels, c->n_labels);
    c->n_labels = 0;
    c->n_pts = 0;
}

static int cmp_label_name(const void *x, const void *y)
{
    const struct fl_label *a = x, *b = y;
    return strcmp(a->name, b->name);
}

static fl_err read_labels(struct parse_ctx *c)
{
    fl_err e;
    struct fl_str k, val;
    bool more;
    if ((e = fl_json_enter_object(&c->j)))
        return e;
    while ((e = fl_json_next_key(&c->j, &c->skey, &k, &more)) == FL_OK && more) {
        if (fl_json_peek(&c->j) != FL_JSON_STRING)
            return fl_json_error(&c->j, FL_EPARSE, "label \"%.*s\": expected a string value",
                                 (int)(k.len > 100 ? 100 : k.len), k.p);
        if ((e = fl_json_get_string(&c->j, &c->sval, &val)))
            return e;
        if (c->n_labels == LABELS_PER_SERIES_MAX)
            return fl_json_error(&c->j, FL_ELIMIT, "more than %d labels in one series",
                                 LABELS_PER_SERIES_MAX);
        if (c->n_labels == c->cap_labels) {
            size_t cap = c->cap_labels ? c->cap_labels * 2 : 16;
            struct fl_label *nl = fl_reallocarray(c->labels, cap, sizeof *nl);
            if (!nl)
                return FL_ENOMEM;
            c->labels = nl;
            c->cap_labels = cap;
        }
        char *name = fl_strndup(k.p, k.len), *value = fl_strndup(val.p, val.len);
        if (!name || !value) {
            fl_free(name);
            fl_free(value);
            return FL_ENOMEM;
        }
        c->labels[c->n_labels].name = name;
        c->labels[c->n_labels].value = value;
        c->n_labels++;
    }
    return e;
}

static fl_err push_point(struct parse_ctx *c, int64_t ts, double v)
{
    if (c->n_pts == c->cap_pts) {
        if (c->n_pts >= c->acc->max_points)
            return fl_json_error(&c->j, FL_ELIMIT, "more than %zu points in the answer",
                                 c->acc->max_points);
        size_t cap = c->cap_pts ? c->cap_pts * 2 : 256;
        int64_t *nt = fl_reallocarray(c->ts, cap, sizeof *nt);
        if (!nt)
            return FL_ENOMEM;
        c->ts = nt;
        double *nv = fl_reallocarray(c->v, cap, sizeof *nv);
        if (!nv)
            return FL_ENOMEM;
        c->v = nv;
        c->cap_pts = cap;
    }
    c->ts[c->n_pts] = ts;
    c->v[c->n_pts] = v;
    c->n_pts++;
    return FL_OK;
}

/* [[1435781451.781, "1"], ...] */
static fl_err read_values(struct parse_ctx *c)
{
    fl_err e;
    bool more, more2;
    if ((e = fl_json_enter_array(&c->j)))
        return e;
    while ((e = fl_json_next_elem(&c->j, &more)) == FL_OK && more) {
        double tsf, v;
        struct fl_str s;
        if ((e = fl_json_enter_array(&c->j)) || (e = fl_json_next_elem(&c->j, &more2)))
            return e;
        if (!more2 || fl_json_peek(&c->j) != FL_JSON_NUMBER)
            return fl_json_error(&c->j, FL_EPARSE, "expected [<unix seconds>, \"<value>\"]");
        if ((e = fl_json_get_double(&c->j, &tsf)) || (e = fl_json_next_elem(&c->j, &more2)))
            return e;
        if (!more2 || fl_json_peek(&c->j) != FL_JSON_STRING)
            return fl_json_error(&c->j, FL_EPARSE, "expected [<unix seconds>, \"<value>\"]");
        if ((e = fl_json_get_string(&c->j, &c->sval, &s)))
            return e;
        if (!fl_str_to_double(s, &v))
            return fl_json_error(&c->j, FL_EPARSE, "sample value \"%.*s\" is not a number",
                                 (int)(s.len > 64 ? 64 : s.len), s.p);
        if ((e = fl_json_next_elem(&c->j, &more2)))
            return e;
        if (more2)
            return fl_json_error(&c->j, FL_EPARSE, "expected [<unix seconds>, \"<value>\"]");
        if (!isfinite(tsf) || fabs(tsf) * 1000.0 >= (double)TS_ABS_MAX)
            return fl_json_error(&c->j, FL_EPARSE, "timestamp out of range");
        if ((e = push_point(c, (int64_t)llround(tsf * 1000.0), v)))
            return e;
    }
    return e;
}

/* Merge the element read into c->labels / c->ts / c->v into the accumulator. */
static fl_err merge_element(struct parse_ctx *c)
{
    struct fl_promclient__acc *a = c->acc;
    if (c->n_labels > 1)
        qsort(c->labels, c->n_labels, sizeof c->labels[0], cmp_label_name);
    fl_buf_reset(&c->key);
    for (size_t i = 0; i < c->n_labels; i++) {
        if (i && !strcmp(c->labels[i].name, c->labels[i - 1].name))
            return fl_json_error(&c->j, FL_EPARSE, "label \"%s\" given twice in one series",
                                 c->labels[i].name);
        fl_buf_puts(&c->key, c->labels[i].name);
        fl_buf_putc(&c->key, '\0');
        fl_buf_puts(&c->key, c->labels[i].value);
        fl_buf_putc(&c->key, '\0');
    }
    if (fl_buf_err(&c->key))
        return fl_buf_err(&c->key);
    struct fl_str key = fl_buf_str(&c->key);
    size_t idx = (size_t)(uintptr_t)fl_map_get(a->index, key.p, key.len);
    struct fl_promclient__series *s;
    if (idx == 0) {
        if (a->n_series >= a->max_series)
            return fl_json_error(&c->j, FL_ELIMIT, "more than %zu series", a->max_series);
        if (a->n_series == a->cap_series) {
            size_t cap = a->cap_series ? a->cap_series * 2 : 16;
            struct fl_promclient__series *ns = fl_reallocarray(a->series, cap, sizeof *ns);
            if (!ns)
                return FL_ENOMEM;
            a->series = ns;
            a->cap_series = cap;
        }
        s = &a->series[a->n_series];
        memset(s, 0, sizeof *s);
        if (c->n_labels) {
            if (!(s->labels = fl_reallocarray(NULL, c->n_labels, sizeof *s->labels)))
                return FL_ENOMEM;
            memcpy(s->labels, c->labels, c->n_labels * sizeof *s->labels);
        }
        fl_err e = fl_map_put(a->index, key.p, key.len, (void *)(uintptr_t)(a->n_series + 1));
        if (e) {
            fl_free(s->labels);
            return e;
        }
        s->n_labels = c->n_labels;
        c->n_labels = 0; /* the strings now belong to s */
        a->n_series++;
    } else {
        s = &a->series[idx - 1];
    }
    for (size_t i = 0; i < c->n_pts; i++) {
        if (s->n && c->ts[i] <= s->ts_ms[s->n - 1])
            continue;
        if (a->n_points >= a->max_points)
            return fl_json_error(&c->j, FL_ELIMIT, "more than %zu points", a->max_points);
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : (c->n_pts > 16 ? c->n_pts : 16);
            int64_t *nt = fl_reallocarray(s->ts_ms, cap, sizeof *nt);
            if (!nt)
                return FL_ENOMEM;
            s->ts_ms = nt;
            double *nv = fl_reallocarray(s->values, cap, sizeof *nv);
            if (!nv)
                return FL_ENOMEM;
            s->values = nv;
            s->cap = cap;
        }
        s->ts_ms[s->n] = c->ts[i];
        s->values[s->n] = c->v[i];
        s->n++;
        a->n_points++;
    }
    return FL_OK;
}

/* One element of data.result: {"metric": {...}, "values": [...], ...} */
static fl_err read_matrix_elem(struct parse_ctx *c)
{
    fl_err e;
    struct fl_str k;
    bool more, have_metric = false;
    ctx_clear_element(c);
    if ((e = fl_json_enter_object(&c->j)))
        return e;
    while ((e = fl_json_next_key(&c->j, &c->skey, &k, &more)) == FL_OK && more) {
        if (fl_str_eq_c(k, "metric")) {
            have_metric = true;
            e = read_labels(c);
        } else if (fl_str_eq_c(k, "values")) {
            e = read_values(c);
        } else {
            e = fl_json_skip(&c->j); /* "histograms" (native histograms) are not read */
        }
        if (e)
            return e;
    }
    if (e)
        return e;
    if (!have_metric)
        return fl_json_error(&c->j, FL_EPARSE, "result element without \"metric\"");
    return merge_element(c);
}

static fl_err read_array_of(struct parse_ctx *c, enum fl_promclient__kind kind)
{
    fl_err e;
    bool more;
    if (fl_json_peek(&c->j) != FL_JSON_ARRAY)
        return fl_json_error(&c->j, FL_EPARSE, "expected an array of series");
    if ((e = fl_json_enter_array(&c->j)))
        return e;
    while ((e = fl_json_next_elem(&c->j, &more)) == FL_OK && more) {
        if (kind == FL_PROMCLIENT__MATRIX) {
            e = read_matrix_elem(c);
        } else {
            ctx_clear_element(c);
            if (!(e = read_labels(c)))
                e = merge_element(c);
        }
        if (e)
            return e;
    }
    return e;
}

/* data of a query_range answer: {"resultType": "matrix", "result": [...]} */
static fl_err read_matrix_data(struct parse_ctx *c)
{
    fl_err e;
    struct fl_str k, rt = {0};
    bool more, have_rt = false, have_result = false;
    if (fl_json_peek(&c->j) != FL_JSON_OBJECT)
        return fl_json_error(&c->j, FL_EPARSE, "\"data\": expected an object");
    if ((e = fl_json_enter_object(&c->j)))
        return e;
    while ((e = fl_json_next_key(&c->j, &c->skey, &k, &more)) == FL_OK && more) {
        if (fl_str_eq_c(k, "resultType")) {
            if (fl_json_peek(&c->j) != FL_JSON_STRING)
                return fl_json_error(&c->j, FL_EPARSE, "\"resultType\": expected a string");
            if ((e = fl_json_get_string(&c->j, &c->sval, &rt)))
                return e;
            if (!fl_str_eq_c(rt, "matrix"))
                return fl_json_error(&c->j, FL_EPARSE,
                                     "resultType \"%.*s\": expected \"matrix\" from query_range",
                                     (int)(rt.len > 32 ? 32 : rt.len), rt.p);
            have_rt = true;
        } else if (fl_str_eq_c(k, "result")) {
            if ((e = read_array_of(c, FL_PROMCLIENT__MATRIX)))
                return e;
            have_result = true;
        } else if ((e = fl_json_skip(&c->j))) {
            return e;
        }
    }
    if (e)
        return e;
    if (!have_rt || !have_result)
        return fl_json_error(&c->j, FL_EPARSE, "\"data\" lacks %s",
                             have_rt ? "\"result\"" : "\"resultType\"");
    return FL_OK;
}

static void copy_slice(char *dst, size_t cap, struct fl_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static fl_err read_warnings(struct parse_ctx *c)
{
    fl_err e;
    bool more;
    struct fl_str w;
    if (fl_json_peek(&c->j) != FL_JSON_ARRAY)
        return fl_json_skip(&c->j);
    if ((e = fl_json_enter_array(&c->j)))
        return e;
    while ((e = fl_json_next_elem(&c->j, &more)) == FL_OK && more) {
        if (fl_json_peek(&c->j) != FL_JSON_STRING) {
            if ((e = fl_json_skip(&c->j)))
                return e;
            continue;
        }
        if ((e = fl_json_get_string(&c->j, &c->sval, &w)))
            return e;
        FL_LOG_W("query warning from %s: %.*s", c->origin, (int)(w.len > 300 ? 300 : w.len),
                 w.p);
    }
    return e;
}

static fl_err parse_envelope(struct parse_ctx *c, enum fl_promclient__kind kind,
                             struct fl_diag *d)
{
    fl_err e;
    struct fl_str k, s;
    bool more, have_data = false;
    char status[16] = "", etype[64] = "", emsg[FL_DIAG_MSG_CAP] = "";
    if (fl_json_peek(&c->j) != FL_JSON_OBJECT)
        return fl_json_error(&c->j, FL_EPARSE, "expected a JSON object (Prometheus API answer)");
    if ((e = fl_json_enter_object(&c->j)))
        return e;
    while ((e = fl_json_next_key(&c->j, &c->skey, &k, &more)) == FL_OK && more) {
        bool is_status = fl_str_eq_c(k, "status"), is_etype = fl_str_eq_c(k, "errorType"),
             is_error = fl_str_eq_c(k, "error");
        if (is_status || is_etype || is_error) {
            if (fl_json_peek(&c->j) != FL_JSON_STRING)
                return fl_json_error(&c->j, FL_EPARSE, "expected a string");
            if ((e = fl_json_get_string(&c->j, &c->sval, &s)))
                return e;
            if (is_status)
                copy_slice(status, sizeof status, s);
            else if (is_etype)
                copy_slice(etype, sizeof etype, s);
            else
                copy_slice(emsg, sizeof emsg, s);
        } else if (fl_str_eq_c(k, "data") && fl_json_peek(&c->j) != FL_JSON_NULL) {
            /* An error answer may carry data too; it is read only to be validated. */
            e = kind == FL_PROMCLIENT__MATRIX ? read_matrix_data(c) : read_array_of(c, kind);
            if (e)
                return e;
            have_data = true;
        } else if (fl_str_eq_c(k, "warnings")) {
            if ((e = read_warnings(c)))
                return e;
        } else if ((e = fl_json_skip(&c->j))) {
            return e;
        }
    }
    if (e || (e = fl_json_end(&c->j)))
        return e;
    if (!strcmp(status, "error"))
        return fl_diag_set(d, FL_EREMOTE, 0, 0, "%s: %s: %s", c->origin,
                           etype[0] ? etype : "error", emsg[0] ? emsg : "(no message)");
    if (strcmp(status, "success"))
        return fl_json_error(&c->j, FL_EPARSE, "\"status\" is \"%s\", expected \"success\"",
                             status);
    if (!have_data)
        return fl_json_error(&c->j, FL_EPARSE, "answer without \"data\"");
    return FL_OK;
}

fl_err fl_promclient__parse(const char *p, size_t len, enum fl_promclient__kind kind,
                            const char *origin, struct fl_promclient__acc *a, struct fl_diag *d)
{
    struct parse_ctx c;
    memset(&c, 0, sizeof c);
    c.origin = origin ? origin : "prometheus";
    c.acc = a;
    fl_buf_init(&c.skey, FL_LIMIT_NAME_BYTES * 4);
    fl_buf_init(&c.sval, FL_LIMIT_VALUE_BYTES * 4);
    fl_buf_init(&c.key, (size_t)LABELS_PER_SERIES_MAX * (FL_LIMIT_VALUE_BYTES + 64));
    fl_json_init(&c.j, p, len, d);
    fl_err e = parse_envelope(&c, kind, d);
    if (e && d && d->code == FL_OK)
        fl_diag_set(d, e, 0, 0, "%s: %s", c.origin, fl_err_str(e));
    ctx_clear_element(&c);
    fl_free(c.labels);
    fl_free(c.ts);
    fl_free(c.v);
    fl_buf_cleanup(&c.skey);
    fl_buf_cleanup(&c.sval);
    fl_buf_cleanup(&c.key);
    return e;
}

/* ---- transport ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sink {
    struct fl_buf *body;
    int too_big;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;
    if (s->body->len + n > s->body->max) {
        s->too_big = 1;
        return 0; /* makes libcurl fail with CURLE_WRITE_ERROR */
    }
    fl_buf_append(s->body, ptr, n);
    return fl_buf_err(s->body) ? 0 : n;
}

struct client {
    CURL *h;
    struct curl_slist *headers;
    char base[2048]; /* URL without trailing slashes */
    char origin[2100];
    char errbuf[CURL_ERROR_SIZE];
    struct fl_buf body;
    struct sink sink;
    long timeout_ms;
};

static void client_cleanup(struct client *c)
{
    if (c->h)
        curl_easy_cleanup(c->h);
    curl_slist_free_all(c->headers);
    fl_buf_cleanup(&c->body);
}

static fl_err client_init(struct client *c, const struct fl_promclient_opts *o, struct fl_diag *d)
{
    memset(c, 0, sizeof *c);
    fl_buf_init(&c->body, o && o->max_response_bytes ? o->max_response_bytes
                                                      : FL_PROMCLIENT_RESPONSE_BYTES);
    if (!o || !o->url || !*o->url)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "prometheus client: no URL given");
    size_t n = strlen(o->url);
    while (n > 0 && o->url[n - 1] == '/')
        n--;
    if (n >= sizeof c->base)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "prometheus client: URL longer than %zu bytes",
                           sizeof c->base - 1);
    memcpy(c->base, o->url, n);
    c->base[n] = '\0';
    snprintf(c->origin, sizeof c->origin, "prometheus %s", c->base);
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return fl_diag_set(d, FL_ENET, 0, 0, "%s: libcurl init failed: %s", c->origin,
                           curl_easy_strerror(curl_init_rc));
    if (!(c->h = curl_easy_init()))
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "%s: libcurl: out of memory", c->origin);
    c->headers = curl_slist_append(NULL, "Accept: application/json");
    if (c->headers && o->bearer_token && *o->bearer_token) {
        char auth[4096];
        int k = snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->bearer_token);
        if (k < 0 || (size_t)k >= sizeof auth)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "%s: bearer token too long", c->origin);
        struct curl_slist *h2 = curl_slist_append(c->headers, auth);
        if (!h2)
            return FL_ENOMEM;
        c->headers = h2;
    }
    if (!c->headers)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "%s: out of memory", c->origin);
    c->timeout_ms = o->timeout_ms > 0 ? (long)o->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->sink.body = &c->body;
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->h, CURLOPT_USERAGENT, "faultline/" FL_VERSION);
    curl_easy_setopt(c->h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->sink);
    curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "http,https");
    return FL_OK;
}

/* Append "&name=<escaped value>" (no '&' when form is empty). */
static fl_err form_add(struct client *c, struct fl_buf *form, const char *name, const char *value)
{
    char *esc = curl_easy_escape(c->h, value, (int)strlen(value));
    if (!esc)
        return FL_ENOMEM;
    if (form->len)
        fl_buf_putc(form, '&');
    fl_buf_printf(form, "%s=%s", name, esc);
    curl_free(esc);
    return fl_buf_err(form);
}

/* Unix seconds with milliseconds, as the API takes them ("1435781451.781", "-0.5"). */
static void fmt_seconds(int64_t ms, char *out, size_t cap)
{
    uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    snprintf(out, cap, "%s%llu.%03llu", ms < 0 ? "-" : "", (unsigned long long)(a / 1000),
             (unsigned long long)(a % 1000));
}

/*
 * Send one request to base + path with the form parameters (GET query string when short, else a
 * POST body) and parse the answer into acc.
 */
static fl_err client_call(struct client *c, const char *path, const struct fl_buf *form,
                          enum fl_promclient__kind kind, struct fl_promclient__acc *acc,
                          struct fl_diag *d)
{
    struct fl_buf url;
    fl_err e;
    fl_buf_init(&url, 64u * 1024 * 1024);
    fl_buf_printf(&url, "%s%s", c->base, path);
    bool post = form->len > FORM_GET_MAX;
    if (!post)
        fl_buf_printf(&url, "?%s", form->data ? form->data : "");
    if ((e = fl_buf_err(&url)))
        goto out;
    fl_buf_reset(&c->body);
    c->sink.too_big = 0;
    c->errbuf[0] = '\0';
    curl_easy_setopt(c->h, CURLOPT_URL, url.data);
    if (post) {
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, form->data);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form->len);
    } else {
        curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
    }
    CURLcode rc = curl_easy_perform(c->h);
    if (c->sink.too_big) {
        e = fl_diag_set(d, FL_ELIMIT, 0, 0, "%s: answer larger than %zu bytes", c->origin,
                        c->body.max);
        goto out;
    }
    if (rc != CURLE_OK) {
        e = fl_diag_set(d, rc == CURLE_OPERATION_TIMEDOUT ? FL_ETIMEOUT : FL_ENET, 0, 0,
                        "%s: %s", c->origin, c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
        goto out;
    }
    if ((e = fl_buf_err(&c->body))) {
        e = fl_diag_set(d, e, 0, 0, "%s: cannot hold the answer", c->origin);
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    struct fl_diag pd;
    fl_diag_init(&pd);
    e = fl_promclient__parse(c->body.data ? c->body.data : "", c->body.len, kind, c->origin, acc,
                             &pd);
    if (status >= 200 && status < 300) {
        if (e) {
            if (e == FL_EPARSE && pd.line) {
                fl_diag_set(d, e, pd.line, pd.column, "%s: answer: %s", c->origin, pd.msg);
            } else {
                fl_diag_set(d, e, pd.line, pd.column, "%s", pd.msg);
            }
        }
        goto out;
    }
    if (e == FL_EREMOTE) { /* HTTP 400/422/503 with the API's own error: the best message */
        fl_diag_set(d, e, 0, 0, "%s", pd.msg);
        goto out;
    }
    {
        struct fl_str b = fl_str_trim(fl_buf_str(&c->body));
        e = fl_diag_set(d, FL_EREMOTE, 0, 0, "%s: HTTP %ld%s%.*s", c->origin, status,
                        b.len ? ": " : "", (int)(b.len > 200 ? 200 : b.len), b.p ? b.p : "");
    }
out:
    fl_buf_cleanup(&url);
    return e;
}

static fl_err check_range(const struct client *c, int64_t start_ms, int64_t end_ms,
                          struct fl_diag *d)
{
    if (start_ms <= -TS_ABS_MAX || end_ms >= TS_ABS_MAX || start_ms >= TS_ABS_MAX ||
        end_ms <= -TS_ABS_MAX)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "%s: time range out of bounds", c->origin);
    if (end_ms < start_ms)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "%s: end time is before start time", c->origin);
    return FL_OK;
}

static void emit(struct fl_promclient__acc *acc, fl_store_series_fn fn, void *ud)
{
    fl_promclient__acc_sort(acc);
    for (size_t i = 0; i < acc->n_series; i++) {
        const struct fl_promclient__series *s = &acc->series[i];
        if (fn(s->labels, s->n_labels, s->ts_ms, s->values, s->n, ud))
            break;
    }
}

fl_err fl_promclient_query_range(const struct fl_promclient_opts *o, const char *query,
                                 int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                 fl_store_series_fn fn, void *ud, struct fl_diag *d)
{
    struct client c;
    struct fl_promclient__acc acc;
    struct fl_buf form;
    fl_err e;
    memset(&acc, 0, sizeof acc);
    fl_buf_init(&form, 64u * 1024 * 1024);
    if ((e = client_init(&c, o, d)))
        goto out;
    if (!query || !*query) {
        e = fl_diag_set(d, FL_EINVAL, 0, 0, "%s: empty query", c.origin);
        goto out;
    }
    if (step_ms <= 0) {
        e = fl_diag_set(d, FL_EINVAL, 0, 0, "%s: step must be positive", c.origin);
        goto out;
    }
    if ((e = check_range(&c, start_ms, end_ms, d)))
        goto out;
    if ((e = fl_promclient__acc_init(&acc, 0, 0)))
        goto out;
    char step[40];
    fmt_seconds(step_ms, step, sizeof step);
    size_t n = fl_promclient__n_chunks(start_ms, end_ms, step_ms, FL_PROMCLIENT_CHUNK_STEPS);
    for (size_t i = 0; i < n; i++) {
        int64_t cs, ce;
        char s1[40], s2[40];
        fl_promclient__chunk(start_ms, end_ms, step_ms, FL_PROMCLIENT_CHUNK_STEPS, i, &cs, &ce);
        fmt_seconds(cs, s1, sizeof s1);
        fmt_seconds(ce, s2, sizeof s2);
        fl_buf_reset(&form);
        if ((e = form_add(&c, &form, "query", query)) || (e = form_add(&c, &form, "start", s1)) ||
            (e = form_add(&c, &form, "end", s2)) || (e = form_add(&c, &form, "step", step)))
            goto out;
        if ((e = client_call(&c, "/api/v1/query_range", &form, FL_PROMCLIENT__MATRIX, &acc, d)))
            goto out;
    }
    emit(&acc, fn, ud);
out:
    if (e && d && d->code == FL_OK)
        fl_diag_set(d, e, 0, 0, "prometheus client: %s", fl_err_str(e));
    fl_promclient__acc_cleanup(&acc);
    fl_buf_cleanup(&form);
    client_cleanup(&c);
    return e;
}

fl_err fl_promclient_series(const struct fl_promclient_opts *o, const char *match,
                            int64_t start_ms, int64_t end_ms, fl_store_series_fn fn, void *ud,
                            struct fl_diag *d)
{
    struct client c;
    struct fl_promclient__acc acc;
    struct fl_buf form;
    fl_err e;
    char s1[40], s2[40];
    memset(&acc, 0, sizeof acc);
    fl_buf_init(&form, 64u * 1024 * 1024);
    if ((e = client_init(&c, o, d)))
        goto out;
    if (!match || !*match) {
        e = fl_diag_set(d, FL_EINVAL, 0, 0, "%s: empty selector", c.origin);
        goto out;
    }
    if ((e = check_range(&c, start_ms, end_ms, d)) || (e = fl_promclient__acc_init(&acc, 0, 0)))
        goto out;
    fmt_seconds(start_ms, s1, sizeof s1);
    fmt_seconds(end_ms, s2, sizeof s2);
    if ((e = form_add(&c, &form, "match[]", match)) || (e = form_add(&c, &form, "start", s1)) ||
        (e = form_add(&c, &form, "end", s2)))
        goto out;
    if ((e = client_call(&c, "/api/v1/series", &form, FL_PROMCLIENT__SERIES, &acc, d)))
        goto out;
    emit(&acc, fn, ud);
out:
    if (e && d && d->code == FL_OK)
        fl_diag_set(d, e, 0, 0, "prometheus client: %s", fl_err_str(e));
    fl_promclient__acc_cleanup(&acc);
    fl_buf_cleanup(&form);
    client_cleanup(&c);
    return e;
}
