/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_ui.c: serves the browser UI embedded in the binary (issue 8; docs/UI.md).
 *
 * GET / and GET /ui/{path*}: the file from the table that scripts/embed-assets generated at build
 * time (routes_ui.h), with its Content-Type, a strong ETag (If-None-Match answers 304) and
 * Cache-Control: no-cache (the file names carry no hash, so a browser revalidates, which is one
 * cheap 304 per file). Clients that accept gzip get the copy compressed at build time with
 * Content-Encoding: gzip and Vary: Accept-Encoding. Paths of the single-page app's own pages fall
 * back to index.html; a missing file is a 404. No file system access at run time.
 */
#include <microhttpd.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"
#include "routes_ui.h"

/*
 * Scripts only from our own files (no inline script, no eval); the API on the same origin; inline
 * styles allowed because the pages and uPlot position elements with style attributes; the
 * post-mortem's self-contained HTML is shown in a srcdoc frame, which inherits this policy.
 */
#define FL_UI_CSP                                                                                  \
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                    \
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"

static const struct fl_ui_asset *find_exact(const char *p, size_t len)
{
    for (size_t i = 0; i < fl_ui_n_assets; i++) {
        const char *ap = fl_ui_assets[i].path;
        if (strlen(ap) == len && memcmp(ap, p, len) == 0)
            return &fl_ui_assets[i];
    }
    return NULL;
}

const struct fl_ui_asset *fl_server_ui_find(const char *p, size_t len)
{
    static const char ui[] = "/ui/";
    if (!p)
        return NULL;
    if ((len == 1 && p[0] == '/') || (len == 3 && !memcmp(p, "/ui", 3)) ||
        (len == sizeof ui - 1 && !memcmp(p, ui, len)))
        return find_exact(FL_UI_INDEX, strlen(FL_UI_INDEX));
    if (len < sizeof ui - 1 || memcmp(p, ui, sizeof ui - 1) != 0)
        return NULL;
    const struct fl_ui_asset *a = find_exact(p, len);
    if (a)
        return a;
    /* No app route has an empty, "." or ".." segment: do not dress those up as pages. */
    for (size_t i = 0; i + 1 < len; i++)
        if (p[i] == '/' && (p[i + 1] == '/' || p[i + 1] == '.'))
            return NULL;
    /* The last segment: a '.' in it means a file was asked for (404), else an app route. */
    size_t seg = len;
    while (seg > 0 && p[seg - 1] != '/')
        seg--;
    if (memchr(p + seg, '.', len - seg))
        return NULL;
    return find_exact(FL_UI_INDEX, strlen(FL_UI_INDEX));
}

/* Does an Accept-Encoding header accept gzip? ("gzip", "gzip;q=0.5", "*"; not "gzip;q=0") */
static bool accepts_gzip(const char *h)
{
    while (h && *h) {
        while (*h == ' ' || *h == ',')
            h++;
        size_t n = strcspn(h, ",;");
        bool name = (n == 4 && !strncasecmp(h, "gzip", 4)) || (n == 1 && h[0] == '*');
        const char *end = h + strcspn(h, ",");
        if (name) {
            const char *q = strstr(h, "q=");
            bool zero = false;
            if (q && q < end) {
                q += 2;
                zero = q[0] == '0' && strspn(q + 1, ".0") == (size_t)(end - q - 1);
            }
            return !zero;
        }
        h = end;
    }
    return false;
}

/* Does If-None-Match list this ETag (or "*")? Weak comparison, as RFC 9110 13.1.2 asks. */
static bool etag_matches(const char *inm, const char *etag)
{
    size_t el = strlen(etag);
    while (inm && *inm) {
        while (*inm == ' ' || *inm == ',')
            inm++;
        if (!strncmp(inm, "W/", 2))
            inm += 2;
        size_t n = strcspn(inm, ", ");
        if ((n == 1 && inm[0] == '*') || (n == el && !memcmp(inm, etag, el)))
            return true;
        inm += n;
    }
    return false;
}

static void answer(struct fl_http_req *r, const struct fl_ui_asset *a)
{
    bool not_modified = etag_matches(fl_server__header(r, "If-None-Match"), a->etag);
    bool gz = !not_modified && a->gz && accepts_gzip(fl_server__header(r, "Accept-Encoding"));
    const void *data = not_modified ? NULL : gz ? (const void *)a->gz : (const void *)a->data;
    size_t len = not_modified ? 0 : gz ? a->gz_len : a->len;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return; /* out of memory: http.c answers 500, or libmicrohttpd closes the connection */
    if (!not_modified)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
    if (gz)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, a->etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy", FL_UI_CSP);
    int status = not_modified ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
    if (MHD_queue_response(r->conn, (unsigned)status, resp) == MHD_YES) {
        r->queued = true;
        r->status = status;
    }
    MHD_destroy_response(resp);
}

void fl_server__h_ui(struct fl_http_req *r)
{
    size_t len = strcspn(r->uri, "?#");
    const struct fl_ui_asset *a = fl_server_ui_find(r->uri, len);
    if (!a) {
        fl_server__error(r, FL_ENOTFOUND, "no such file in the web UI");
        return;
    }
    answer(r, a);
}
