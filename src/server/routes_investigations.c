/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_investigations.c: investigations over HTTP (issue 5, item 1; docs/API.md).
 *
 * POST /api/v1/investigations
 *   body {"symptom":"kpi:ctr" | "latency:fraud-api@99" | selector, "onset":T?, "baseline":"S,E"?,
 *   "incident":"S,E"?, "title":"..."?}: runs the investigation (src/rca/investigate.h), stores
 *   it, answers 201 {"status":"success","data":<investigation JSON, docs/rca.md>}
 * GET /api/v1/investigations?limit=&since=
 *   stored investigations, newest first: id, created, symptom, verdict, title, source
 * GET /api/v1/investigations/{id}?format=json|markdown
 *   one stored investigation: its JSON in the envelope, or the Markdown report (text/markdown)
 *
 * Bad input is a 400 whose body names the field ({"error":..,"field":"incident"}). The
 * investigation runs on the request's thread; it is bounded by its arena and its windows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../core/arena.h"
#include "../core/json.h"
#include "../core/record.h"
#include "../core/str.h"
#include "../core/time.h"
#include "../rca/investigate.h"
#include "../report/investigation.h"
#include "../store/store.h"
#include "../trace/render.h"
#include "http_int.h"

#define LIST_DEFAULT 20
#define LIST_MAX 1000
#define INV_ARENA_MAX ((size_t)1 << 30)
#define INV_JSON_MAX ((size_t)64 * 1024 * 1024)
#define TITLE_MAX 1024 /* bytes */

/* ---- POST: the request body ---- */

struct body {
    const char *symptom, *onset, *baseline, *incident, *title; /* in the arena */
};

/* Answer the error in d naming field (when d names none): the body gets "field". */
static void named_error(struct fl_http_req *r, fl_err e, struct fl_diag *d, const char *field)
{
    if (!d->field[0] && field)
        fl_diag_field(d, "%s", field);
    fl_server__diag_error(r, e, d);
}

/* 400 naming the field. Returns false so callers can `return bad(...)`. */
static bool bad(struct fl_http_req *r, const char *field, const char *msg)
{
    struct fl_diag d;
    fl_diag_init(&d);
    fl_diag_set(&d, FL_EINVAL, 0, 0, "%s", msg);
    named_error(r, FL_EINVAL, &d, field);
    return false;
}

/* A member's value: a string, or a number kept as its text (onset as unix time). */
static fl_err member(struct fl_json *j, struct fl_buf *scratch, struct fl_arena *a, bool numeric,
                     const char **out)
{
    struct fl_str v;
    fl_err e;
    if (numeric && fl_json_peek(j) == FL_JSON_NUMBER) {
        double x;
        char tmp[48];
        if ((e = fl_json_get_double(j, &x)) != FL_OK)
            return e;
        snprintf(tmp, sizeof tmp, "%.17g", x);
        *out = fl_arena_strdup(a, tmp);
        return *out ? FL_OK : FL_ENOMEM;
    }
    if (fl_json_peek(j) != FL_JSON_STRING)
        return FL_EINVAL;
    if ((e = fl_json_get_string(j, scratch, &v)) != FL_OK)
        return e;
    *out = fl_arena_strndup(a, v.p, v.len);
    return *out ? FL_OK : FL_ENOMEM;
}

static bool parse_body(struct fl_http_req *r, struct fl_arena *a, struct body *b)
{
    static const char *const names[] = {"symptom", "onset", "baseline", "incident", "title"};
    const char **slots[] = {&b->symptom, &b->onset, &b->baseline, &b->incident, &b->title};
    struct fl_json j;
    struct fl_buf scratch;
    struct fl_diag d;
    struct fl_str key;
    bool more, ok = false;
    fl_err e;
    memset(b, 0, sizeof *b);
    fl_diag_init(&d);
    fl_buf_init(&scratch, r->srv->body_max + 1);
    fl_json_init(&j, r->body.data ? r->body.data : "", r->body.len, &d);
    if ((e = fl_json_enter_object(&j)) != FL_OK) {
        fl_diag_field(&d, "body");
        fl_server__diag_error(r, FL_EPARSE, &d);
        goto out;
    }
    while ((e = fl_json_next_key(&j, &scratch, &key, &more)) == FL_OK && more) {
        size_t k = 0;
        while (k < 5 && !fl_str_eq_c(key, names[k]))
            k++;
        if (k == 5) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(key.len < 48 ? key.len : 48), key.p);
            bad(r, name, "unknown field (expected symptom, onset, baseline, incident, title)");
            goto out;
        }
        if (fl_json_peek(&j) == FL_JSON_NULL) {
            e = fl_json_get_null(&j);
        } else {
            e = member(&j, &scratch, a, k == 1, slots[k]);
            if (e == FL_EINVAL) {
                bad(r, names[k], k == 1 ? "expected a string or a number" : "expected a string");
                goto out;
            }
        }
        if (e != FL_OK)
            break;
    }
    if (e == FL_OK)
        e = fl_json_end(&j);
    if (e != FL_OK) {
        if (e == FL_ENOMEM)
            fl_server__error(r, FL_ENOMEM, "out of memory reading the body");
        else
            fl_server__diag_error(r, e, &d);
        goto out;
    }
    ok = true;
out:
    fl_buf_cleanup(&scratch);
    return ok;
}

/* Fill req from the body; false after answering 400. */
static bool build_request(struct fl_http_req *r, const struct body *b, struct fl_arena *a,
                          struct fl_inv_request *req)
{
    struct fl_diag d;
    int64_t now = fl_time_now_ms(), s_ns, e_ns;
    memset(req, 0, sizeof *req);
    req->onset_ms = FL_TS_NONE;
    fl_diag_init(&d);
    if (!b->symptom || !*b->symptom)
        return bad(r, "symptom", "required: kpi:NAME, latency:SERVICE[/OPERATION][@P], or a "
                                 "series selector");
    if (fl_inv_parse_symptom_arena(b->symptom, a, req, &d) != FL_OK) {
        named_error(r, FL_EINVAL, &d, "symptom");
        return false;
    }
    if (b->onset) {
        if (fl_trace_parse_time(b->onset, "onset", now, &s_ns, &d) != FL_OK) {
            named_error(r, FL_EINVAL, &d, "onset");
            return false;
        }
        req->onset_ms = s_ns / 1000000;
    }
    const char *wv[2] = {b->baseline, b->incident};
    const char *wn[2] = {"baseline", "incident"};
    int64_t *ws[2] = {&req->baseline_start_ms, &req->incident_start_ms};
    int64_t *we[2] = {&req->baseline_end_ms, &req->incident_end_ms};
    for (size_t i = 0; i < 2; i++) {
        if (!wv[i])
            continue;
        if (fl_trace_parse_window(wv[i], wn[i], now, &s_ns, &e_ns, &d) != FL_OK) {
            named_error(r, FL_EINVAL, &d, wn[i]);
            return false;
        }
        *ws[i] = s_ns / 1000000;
        *we[i] = e_ns / 1000000;
    }
    if (b->title && strlen(b->title) > TITLE_MAX)
        return bad(r, "title", "longer than 1024 bytes");
    req->title = b->title;
    req->source = "api";
    req->now_ms = now;
    return true;
}

static void h_post(struct fl_http_req *r)
{
    struct fl_arena a;
    struct fl_buf json, out;
    struct fl_diag d;
    struct body b;
    struct fl_inv_request req;
    struct fl_investigation inv;
    fl_arena_init(&a, 64 * 1024, INV_ARENA_MAX);
    fl_buf_init(&json, INV_JSON_MAX);
    fl_buf_init(&out, INV_JSON_MAX + 64);
    fl_diag_init(&d);
    if (!parse_body(r, &a, &b) || !build_request(r, &b, &a, &req))
        goto out;
    fl_err e = fl_investigate(r->srv->store, r->srv->cfg, &req, &a, &inv, &d);
    if (e == FL_OK)
        e = fl_inv_save(r->srv->store, &inv, &json, &d);
    if (e != FL_OK) {
        named_error(r, e, &d, NULL);
        goto out;
    }
    fl_buf_puts(&out, "{\"status\":\"success\",\"data\":");
    fl_buf_append(&out, json.data, json.len);
    fl_buf_puts(&out, "}");
    if (fl_buf_err(&out) != FL_OK) {
        fl_server__error(r, fl_buf_err(&out), "answer too large");
        goto out;
    }
    fl_server__respond(r, 201, "application/json", &out);
out:
    fl_buf_cleanup(&out);
    fl_buf_cleanup(&json);
    fl_arena_cleanup(&a);
}

/* ---- GET: the list ---- */

struct list {
    struct fl_buf *b;
    size_t n;
};

static int list_one(const struct fl_store_investigation *inv, void *ud)
{
    struct list *l = ud;
    char t[48];
    fl_time_fmt_rfc3339_ms(inv->created_ms, t, sizeof t);
    fl_buf_puts(l->b, l->n++ ? ",{\"id\":" : "{\"id\":");
    fl_server__json_str(l->b, inv->id);
    fl_buf_puts(l->b, ",\"created\":");
    fl_server__json_str(l->b, t);
    fl_buf_printf(l->b, ",\"created_ms\":%lld,\"symptom\":", (long long)inv->created_ms);
    fl_server__json_str(l->b, inv->symptom);
    fl_buf_puts(l->b, ",\"verdict\":");
    fl_server__json_str(l->b, inv->verdict);
    fl_buf_puts(l->b, ",\"title\":");
    fl_server__json_str(l->b, inv->title);
    fl_buf_puts(l->b, ",\"source\":");
    fl_server__json_str(l->b, inv->source);
    fl_buf_putc(l->b, '}');
    return fl_buf_err(l->b) != FL_OK;
}

static void h_list(struct fl_http_req *r)
{
    size_t limit = LIST_DEFAULT;
    int64_t since = FL_TS_NONE;
    const char *lv = fl_http_params_get(&r->params, "limit");
    if (lv && *lv) {
        char *end = NULL;
        long long x = strtoll(lv, &end, 10);
        if (!end || *end || x < 1 || x > LIST_MAX) {
            fl_server__error(r, FL_EINVAL, "limit: expected an integer 1..%d, got \"%.64s\"",
                             LIST_MAX, lv);
            return;
        }
        limit = (size_t)x;
    }
    if (!fl_server__time_param(r, "since", NULL, FL_TS_NONE, &since))
        return;
    struct fl_buf b;
    struct fl_diag d;
    struct list l = {&b, 0};
    fl_server__answer_begin(&b, &d);
    fl_buf_puts(&b, "{\"status\":\"success\",\"data\":[");
    fl_err e = fl_store_investigation_list(r->srv->store, since, limit, list_one, &l, &d);
    fl_buf_puts(&b, "]}");
    fl_server__answer_json(r, e, &b, &d);
}

/* ---- GET: one ---- */

static void h_get(struct fl_http_req *r)
{
    const char *fmt = fl_http_params_get(&r->params, "format");
    bool md = false;
    if (fmt && *fmt) {
        if (!strcmp(fmt, "markdown"))
            md = true;
        else if (strcmp(fmt, "json")) {
            bad(r, "format", "expected json or markdown");
            return;
        }
    }
    struct fl_arena a;
    struct fl_buf b;
    struct fl_diag d;
    struct fl_store_investigation row;
    struct fl_investigation inv;
    fl_arena_init(&a, 64 * 1024, INV_ARENA_MAX);
    fl_server__answer_begin(&b, &d);
    fl_err e = fl_store_investigation_get(r->srv->store, r->param, &a, &row, &d);
    if (e == FL_OK && md)
        e = fl_inv_from_json(row.json, strlen(row.json), &a, &inv, &d);
    if (e != FL_OK) {
        fl_server__diag_error(r, e, &d);
        goto out;
    }
    if (md) {
        fl_inv_markdown(&inv, &b);
        if (fl_buf_err(&b) != FL_OK)
            fl_server__error(r, fl_buf_err(&b), "answer too large");
        else
            fl_server__respond(r, 200, "text/markdown; charset=utf-8", &b);
        goto out;
    }
    fl_buf_puts(&b, "{\"status\":\"success\",\"data\":");
    fl_buf_puts(&b, row.json);
    fl_buf_putc(&b, '}');
    fl_server__answer_json(r, FL_OK, &b, &d);
out:
    fl_buf_cleanup(&b);
    fl_arena_cleanup(&a);
}

void fl_server__h_investigations(struct fl_http_req *r)
{
    if (!strcmp(r->method, "POST"))
        h_post(r);
    else
        h_list(r);
}

void fl_server__h_investigation_get(struct fl_http_req *r)
{
    h_get(r);
}
