/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_ui.h: the browser UI's files, compiled into the binary (issue 8; docs/UI.md).
 *
 * scripts/embed-assets turns web/ (and uPlot's dist files from web/node_modules) into
 * $(BUILD)/gen/ui_assets.c at build time: one table entry per file, with its bytes, a gzip copy
 * made at build time, its Content-Type and a strong ETag. routes_ui.c answers GET / and
 * GET /ui/... from that table. Everything here is read-only and thread-safe.
 */
#ifndef FL_SERVER_ROUTES_UI_H
#define FL_SERVER_ROUTES_UI_H

#include <stddef.h>

struct fl_http_req;

/* One embedded file. All members point into static storage of the generated source. */
struct fl_ui_asset {
    const char *path;         /* URL path, e.g. "/ui/js/app.js" */
    const char *content_type; /* e.g. "text/javascript; charset=utf-8" */
    const unsigned char *data;
    size_t len; /* bytes of data */
    const unsigned char *gz;
    size_t gz_len;    /* bytes of gz (the same file, gzip -9 at build time) */
    const char *etag; /* quoted strong validator: "\"<sha256 prefix>\"" */
};

/* The generated table (build/gen/ui_assets.c) and its length. */
extern const struct fl_ui_asset fl_ui_assets[];
extern const size_t fl_ui_n_assets;

/* Path of the page every UI route falls back to. */
#define FL_UI_INDEX "/ui/index.html"

/*
 * The asset that answers URL path (p, len), query string excluded: "/" and "/ui/" are the index
 * page; an exact /ui/ path is that file; any other /ui/ path whose last segment has no '.' is the
 * index page too (the single-page app's own routes, like /ui/investigations/inv_0123); anything
 * else (a missing /ui/x.js, a segment that is empty or starts with '.', a path outside /ui/) is
 * NULL. Never reads past len.
 */
const struct fl_ui_asset *fl_server_ui_find(const char *p, size_t len);

/* Route handler for GET / and GET /ui/{path*} (the route table in http.c names it). */
void fl_server__h_ui(struct fl_http_req *r);

#endif
