/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ui.c: the web UI's embedded asset table (build/gen/ui_assets.c from scripts/embed-assets)
 * and its lookup (src/server/routes_ui.c): index.html and the JS modules are there with the
 * right Content-Type, the gzip copies inflate to the same bytes, ETags are quoted, app routes
 * under /ui/ fall back to index.html while missing files do not, and the route table sends
 * GET / and GET /ui/... to the UI handler.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <zlib.h>

#include "server/routes_ui.h"
#include "server/server.h"

static const struct fl_ui_asset *find(const char *p)
{
    return fl_server_ui_find(p, strlen(p));
}

struct find_case {
    const char *path;
    const char *want; /* asset path, or NULL for no answer */
    const char *type; /* its Content-Type */
};

static const struct find_case cases[] = {
    {"/", "/ui/index.html", "text/html; charset=utf-8"},
    {"/ui", "/ui/index.html", "text/html; charset=utf-8"},
    {"/ui/", "/ui/index.html", "text/html; charset=utf-8"},
    {"/ui/index.html", "/ui/index.html", "text/html; charset=utf-8"},
    {"/ui/js/app.js", "/ui/js/app.js", "text/javascript; charset=utf-8"},
    {"/ui/js/timeline.js", "/ui/js/timeline.js", "text/javascript; charset=utf-8"},
    {"/ui/app.css", "/ui/app.css", "text/css; charset=utf-8"},
    {"/ui/favicon.svg", "/ui/favicon.svg", "image/svg+xml"},
    {"/ui/vendor/uPlot.iife.min.js", "/ui/vendor/uPlot.iife.min.js",
     "text/javascript; charset=utf-8"},
    {"/ui/vendor/uPlot.min.css", "/ui/vendor/uPlot.min.css", "text/css; charset=utf-8"},
    /* the app's own pages fall back to the index */
    {"/ui/timeline", "/ui/index.html", "text/html; charset=utf-8"},
    {"/ui/investigations/inv_0123456789abcdef", "/ui/index.html", "text/html; charset=utf-8"},
    {"/ui/traces/9cc627c7360e29a012d581c2efa086f8", "/ui/index.html", "text/html; charset=utf-8"},
    {"/ui/a/b/c/", "/ui/index.html", "text/html; charset=utf-8"},
    /* missing files and paths outside /ui/ do not */
    {"/ui/js/missing.js", NULL, NULL},
    {"/ui/nope.css", NULL, NULL},
    {"/ui/../etc/passwd", NULL, NULL},
    {"/uix", NULL, NULL},
    {"/index.html", NULL, NULL},
    {"", NULL, NULL},
};

Test(ui_assets, lookup_table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct find_case *c = &cases[i];
        const struct fl_ui_asset *a = find(c->path);
        if (!c->want) {
            cr_assert_null(a, "%s: want no asset, got %s", c->path, a ? a->path : "");
            continue;
        }
        cr_assert_not_null(a, "%s: no asset", c->path);
        cr_assert_str_eq(a->path, c->want, "%s", c->path);
        cr_assert_str_eq(a->content_type, c->type, "%s", c->path);
    }
}

Test(ui_assets, slices_need_no_nul)
{
    const char *p = "/ui/js/app.jsXYZ";
    const struct fl_ui_asset *a = fl_server_ui_find(p, strlen("/ui/js/app.js"));
    cr_assert_not_null(a);
    cr_assert_str_eq(a->path, "/ui/js/app.js");
    cr_assert_null(fl_server_ui_find(NULL, 0));
}

Test(ui_assets, gzip_copies_inflate_to_the_bytes)
{
    cr_assert_gt(fl_ui_n_assets, 8, "only %zu assets", fl_ui_n_assets);
    for (size_t i = 0; i < fl_ui_n_assets; i++) {
        const struct fl_ui_asset *a = &fl_ui_assets[i];
        cr_assert_gt(a->len, 0, "%s is empty", a->path);
        cr_assert_lt(a->gz_len, a->len + 64, "%s", a->path);
        unsigned char *out = malloc(a->len + 1);
        cr_assert_not_null(out);
        z_stream z;
        memset(&z, 0, sizeof z);
        cr_assert_eq(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
        z.next_in = (unsigned char *)a->gz;
        z.avail_in = (uInt)a->gz_len;
        z.next_out = out;
        z.avail_out = (uInt)a->len + 1;
        cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END, "%s: gzip copy", a->path);
        cr_assert_eq(z.total_out, a->len, "%s: %lu bytes inflated, want %zu", a->path, z.total_out,
                     a->len);
        cr_assert(memcmp(out, a->data, a->len) == 0, "%s: gzip copy differs", a->path);
        inflateEnd(&z);
        free(out);
        size_t el = strlen(a->etag);
        cr_assert(el == 22 && a->etag[0] == '"' && a->etag[el - 1] == '"', "%s: etag %s", a->path,
                  a->etag);
    }
}

/* Every /ui/ file that index.html names is in the table (no dangling script or stylesheet). */
Test(ui_assets, index_references_exist)
{
    const struct fl_ui_asset *ix = find("/ui/index.html");
    cr_assert_not_null(ix);
    char *html = strndup((const char *)ix->data, ix->len);
    cr_assert_not_null(html);
    size_t refs = 0;
    for (char *p = strstr(html, "\"/ui/"); p; p = strstr(p + 1, "\"/ui/")) {
        char *end = strchr(p + 1, '"');
        cr_assert_not_null(end);
        const struct fl_ui_asset *a = fl_server_ui_find(p + 1, (size_t)(end - p - 1));
        cr_assert_not_null(a, "index.html names %.*s", (int)(end - p - 1), p + 1);
        refs++;
    }
    cr_assert_geq(refs, 5, "index.html names %zu files", refs);
    cr_assert_not_null(strstr(html, "/ui/vendor/uPlot.iife.min.js"));
    free(html);
}

Test(ui_assets, routes_reach_the_ui)
{
    static const struct {
        const char *method, *path;
        enum fl_route_result want;
        const char *pattern, *param;
    } rc[] = {
        {"GET", "/", FL_ROUTE_FOUND, "/", ""},
        {"HEAD", "/", FL_ROUTE_FOUND, "/", ""},
        {"GET", "/ui", FL_ROUTE_FOUND, "/ui", ""},
        {"GET", "/ui/", FL_ROUTE_FOUND, "/ui/{path*}", ""},
        {"GET", "/ui/js/app.js", FL_ROUTE_FOUND, "/ui/{path*}", "js/app.js"},
        {"GET", "/ui/investigations/inv_1", FL_ROUTE_FOUND, "/ui/{path*}", "investigations/inv_1"},
        {"POST", "/ui/x", FL_ROUTE_BAD_METHOD, NULL, NULL},
        {"GET", "/api/v1/traces/a/b", FL_ROUTE_NO_PATH, NULL, NULL},
    };
    size_t n;
    const struct fl_route *rt = fl_server_routes(&n);
    for (size_t i = 0; i < sizeof rc / sizeof rc[0]; i++) {
        size_t idx = SIZE_MAX;
        struct fl_str param = {NULL, 0};
        enum fl_route_result got =
            fl_server_route_find(rc[i].method, fl_str_c(rc[i].path), &idx, &param, NULL, 0);
        cr_assert_eq(got, rc[i].want, "%s %s: %d", rc[i].method, rc[i].path, got);
        if (got != FL_ROUTE_FOUND)
            continue;
        cr_assert_str_eq(rt[idx].pattern, rc[i].pattern, "%s", rc[i].path);
        cr_assert_eq(rt[idx].handler, fl_server__h_ui, "%s", rc[i].path);
        cr_assert_eq(param.len, strlen(rc[i].param), "%s", rc[i].path);
        cr_assert(memcmp(param.p, rc[i].param, param.len) == 0, "%s", rc[i].path);
    }
}
