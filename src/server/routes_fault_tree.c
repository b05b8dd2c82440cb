/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_fault_tree.c: GET /api/v1/investigations/{id}/fault_tree?format=json|svg|markdown|text
 * (docs/API.md): the default fault tree of a stored investigation's kind of incident, evaluated on
 * its evidence (src/report/live_tree.h, docs/FTA.md "Default trees"), as the engine's JSON
 * (schema faultline.fta_live/1, in the {"status","data"} envelope), an SVG diagram with the
 * evaluated branches highlighted, Markdown or text.
 */
#include <string.h>

#include "../core/arena.h"
#include "../report/investigation.h"
#include "../report/live_tree.h"
#include "../store/store.h"
#include "http_int.h"

#define FT_ARENA_MAX ((size_t)256 * 1024 * 1024)

void fl_server__h_fault_tree(struct fl_http_req *r)
{
    const char *fmt = fl_http_params_get(&r->params, "format");
    enum fl_live_tree_format f = FL_LIVE_TREE_JSON;
    struct fl_diag d;
    fl_diag_init(&d);
    if (fmt && *fmt && !fl_live_tree_format_parse(fmt, &f)) {
        fl_diag_set(&d, FL_EINVAL, 0, 0, "expected json, svg, markdown or text");
        fl_diag_field(&d, "format");
        fl_server__diag_error(r, FL_EINVAL, &d);
        return;
    }
    struct fl_arena a;
    struct fl_buf b;
    struct fl_store_investigation row;
    struct fl_investigation inv;
    fl_arena_init(&a, 64 * 1024, FT_ARENA_MAX);
    fl_buf_init(&b, FL_SERVER_RESPONSE_MAX);
    fl_err e = fl_store_investigation_get(r->srv->store, r->param, &a, &row, &d);
    if (e == FL_OK)
        e = fl_inv_from_json(row.json, strlen(row.json), &a, &inv, &d);
    if (e == FL_OK && f == FL_LIVE_TREE_JSON)
        fl_buf_puts(&b, "{\"status\":\"success\",\"data\":");
    if (e == FL_OK)
        e = fl_live_tree_report(r->srv->cfg, &inv, NULL, NULL, f, &b, &d);
    if (e != FL_OK) {
        fl_server__diag_error(r, e, &d);
        goto out;
    }
    if (f == FL_LIVE_TREE_JSON) {
        fl_buf_puts(&b, "}\n");
        fl_server__answer_json(r, FL_OK, &b, NULL);
        goto out;
    }
    if (fl_buf_err(&b) != FL_OK) {
        fl_server__error(r, fl_buf_err(&b), "answer too large");
        goto out;
    }
    fl_server__respond(r, 200,
                       f == FL_LIVE_TREE_SVG        ? "image/svg+xml"
                       : f == FL_LIVE_TREE_MARKDOWN ? "text/markdown; charset=utf-8"
                                                    : "text/plain; charset=utf-8",
                       &b);
out:
    fl_buf_cleanup(&b);
    fl_arena_cleanup(&a);
}
