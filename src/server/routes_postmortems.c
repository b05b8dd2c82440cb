/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_postmortems.c: the 5 Whys and the post-mortem of a stored investigation over HTTP
 * (issue 6, items 1 and 6; docs/API.md, docs/POSTMORTEMS.md).
 *
 * GET  /api/v1/investigations/{id}/whys[?format=json|markdown]
 *   {"status":"success","data":{"investigation_id":..,"stored":bool,"whys":<chain>}}: the stored
 *   chain when people edited it, else the one derived from the evidence now (stored false)
 * POST /api/v1/investigations/{id}/whys   (bearer token when configured)
 *   body: one edit document ({"op":"edit"|"add"|"delete"|"confirm"|"replace",...}, whys.h);
 *   applies it and stores the chain with the investigation; answers as GET with stored true.
 *   Bad edits are a 400 naming the field ({"error":..,"field":"index"}), an unknown id 404, a
 *   stale "revision" 409, a body over 64 KiB 413.
 * GET  /api/v1/investigations/{id}/postmortem[?format=markdown|html|json]
 *   the post-mortem: text/markdown (default), text/html (self-contained), or the JSON document in
 *   the usual envelope.
 */
#include <string.h>

#include "../core/arena.h"
#include "../core/time.h"
#include "../report/postmortem.h"
#include "../report/whys.h"
#include "http_int.h"

#define PM_ARENA_MAX ((size_t)1 << 30)

static void answer_whys(struct fl_http_req *r, const struct fl_whys *w, bool stored, bool md)
{
    struct fl_buf b;
    fl_buf_init(&b, FL_SERVER_RESPONSE_MAX);
    if (md) {
        fl_whys_markdown(w, &b);
        if (fl_buf_err(&b) != FL_OK)
            fl_server__error(r, fl_buf_err(&b), "answer too large");
        else
            fl_server__respond(r, 200, "text/markdown; charset=utf-8", &b);
        fl_buf_cleanup(&b);
        return;
    }
    fl_buf_puts(&b, "{\"status\":\"success\",\"data\":{\"investigation_id\":");
    fl_server__json_str(&b, r->param);
    fl_buf_printf(&b, ",\"stored\":%s,\"whys\":", stored ? "true" : "false");
    fl_whys_json(w, &b);
    fl_buf_puts(&b, "}}");
    fl_server__answer_json(r, FL_OK, &b, NULL);
    fl_buf_cleanup(&b);
}

void fl_server__h_whys(struct fl_http_req *r)
{
    const char *fmt = fl_http_params_get(&r->params, "format");
    bool md = fmt && !strcmp(fmt, "markdown");
    if (fmt && *fmt && !md && strcmp(fmt, "json")) {
        struct fl_diag d;
        fl_diag_init(&d);
        fl_diag_set(&d, FL_EINVAL, 0, 0, "expected json or markdown");
        fl_diag_field(&d, "format");
        fl_server__diag_error(r, FL_EINVAL, &d);
        return;
    }
    struct fl_arena a;
    struct fl_diag d;
    struct fl_investigation inv;
    struct fl_whys w;
    bool stored = true;
    fl_err e;
    fl_arena_init(&a, 64 * 1024, PM_ARENA_MAX);
    fl_diag_init(&d);
    if (!strcmp(r->method, "POST")) {
        if (r->body.len > FL_WHYS_EDIT_MAX_BYTES) {
            fl_server__error(r, FL_ELIMIT, "an edit is at most %d bytes", FL_WHYS_EDIT_MAX_BYTES);
            goto out;
        }
        e = fl_whys_edit_stored(r->srv->store, r->srv->cfg, r->param,
                                r->body.data ? r->body.data : "", r->body.len, "api",
                                fl_time_now_ms(), &a, &inv, &w, &d);
    } else {
        e = fl_whys_load(r->srv->store, r->srv->cfg, r->param, fl_time_now_ms(), &a, &inv, &w,
                         &stored, &d);
    }
    if (e != FL_OK) {
        fl_server__diag_error(r, e, &d);
        goto out;
    }
    answer_whys(r, &w, stored, md);
out:
    fl_arena_cleanup(&a);
}

void fl_server__h_postmortem(struct fl_http_req *r)
{
    const char *fmt = fl_http_params_get(&r->params, "format");
    int f = fmt && *fmt ? fl_pm_format_parse(fmt) : FL_PM_MARKDOWN;
    struct fl_diag d;
    fl_diag_init(&d);
    if (!f) {
        fl_diag_set(&d, FL_EINVAL, 0, 0, "expected markdown, html or json");
        fl_diag_field(&d, "format");
        fl_server__diag_error(r, FL_EINVAL, &d);
        return;
    }
    struct fl_arena a;
    struct fl_buf b;
    struct fl_pm_opts o = {.cfg = r->srv->cfg, .now_ms = fl_time_now_ms()};
    fl_arena_init(&a, 64 * 1024, PM_ARENA_MAX);
    fl_buf_init(&b, FL_SERVER_RESPONSE_MAX);
    if (f == FL_PM_JSON)
        fl_buf_puts(&b, "{\"status\":\"success\",\"data\":");
    fl_err e = fl_postmortem_stored(r->srv->store, r->param, &o, f, &a, &b, &d);
    if (e != FL_OK) {
        fl_server__diag_error(r, e, &d);
        goto out;
    }
    if (f == FL_PM_JSON) {
        fl_buf_putc(&b, '}');
        fl_server__answer_json(r, FL_OK, &b, NULL);
        goto out;
    }
    if (fl_buf_err(&b) != FL_OK) {
        fl_server__error(r, fl_buf_err(&b), "answer too large");
        goto out;
    }
    fl_server__respond(
        r, 200, f == FL_PM_HTML ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8", &b);
out:
    fl_buf_cleanup(&b);
    fl_arena_cleanup(&a);
}
