/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_routes.c: the route table (src/server/http.c): matching of paths and {name} segments,
 * 404 versus 405 with the Allow list, and that docs/API.md documents every route of the table
 * ("METHOD /path" appears in it), so the docs cannot drift from the code.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"

struct match_case {
    const char *method;
    const char *path;
    enum fl_route_result want;
    const char *pattern; /* FL_ROUTE_FOUND: the route's pattern */
    const char *param;   /* FL_ROUTE_FOUND: the {name} text; FL_ROUTE_BAD_METHOD: Allow */
};

static const struct match_case cases[] = {
    {"POST", "/v1/traces", FL_ROUTE_FOUND, "/v1/traces", ""},
    {"GET", "/v1/traces", FL_ROUTE_BAD_METHOD, NULL, "POST"},
    {"POST", "/v1/inferences", FL_ROUTE_FOUND, "/v1/inferences", ""},
    {"POST", "/v1/outcomes", FL_ROUTE_FOUND, "/v1/outcomes", ""},
    {"GET", "/api/v1/events", FL_ROUTE_FOUND, "/api/v1/events", ""},
    {"POST", "/api/v1/events", FL_ROUTE_FOUND, "/api/v1/events", ""},
    {"DELETE", "/api/v1/events", FL_ROUTE_BAD_METHOD, NULL, "GET, HEAD, POST"},
    {"GET", "/api/v1/traces/0af7651916cd43dd8448eb211c80319c", FL_ROUTE_FOUND,
     "/api/v1/traces/{id}", "0af7651916cd43dd8448eb211c80319c"},
    {"GET", "/api/v1/traces/", FL_ROUTE_NO_PATH, NULL, NULL},
    {"GET", "/api/v1/traces/a/b", FL_ROUTE_NO_PATH, NULL, NULL},
    {"GET", "/api/v1/requests/r-17", FL_ROUTE_FOUND, "/api/v1/requests/{request_id}", "r-17"},
    {"POST", "/api/v1/requests/r-17", FL_ROUTE_BAD_METHOD, NULL, "GET, HEAD"},
    {"GET", "/api/v1/label/job/values", FL_ROUTE_FOUND, "/api/v1/label/{name}/values", "job"},
    {"GET", "/api/v1/label//values", FL_ROUTE_NO_PATH, NULL, NULL},
    {"HEAD", "/healthz", FL_ROUTE_FOUND, "/healthz", ""},
    {"GET", "/healthz/", FL_ROUTE_NO_PATH, NULL, NULL},
    {"GET", "/healthzz", FL_ROUTE_NO_PATH, NULL, NULL},
    {"GET", "/", FL_ROUTE_FOUND, "/", ""},
    {"POST", "/api/v1/query_range", FL_ROUTE_FOUND, "/api/v1/query_range", ""},
    {"PUT", "/metrics", FL_ROUTE_BAD_METHOD, NULL, "GET, HEAD"},
};

Test(routes, match_table)
{
    size_t n;
    const struct fl_route *rt = fl_server_routes(&n);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct match_case *c = &cases[i];
        size_t idx = SIZE_MAX;
        struct fl_str param = {NULL, 0};
        char allow[64] = "";
        enum fl_route_result got =
            fl_server_route_find(c->method, fl_str_c(c->path), &idx, &param, allow, sizeof allow);
        cr_assert_eq(got, c->want, "%s %s: got %d want %d", c->method, c->path, got, c->want);
        if (c->want == FL_ROUTE_FOUND) {
            cr_assert_lt(idx, n);
            cr_assert_str_eq(rt[idx].pattern, c->pattern, "%s %s", c->method, c->path);
            cr_assert_eq(param.len, strlen(c->param));
            cr_assert(memcmp(param.p, c->param, param.len) == 0, "%s: param", c->path);
        } else if (c->want == FL_ROUTE_BAD_METHOD) {
            cr_assert_str_eq(allow, c->param, "%s %s", c->method, c->path);
        }
    }
}

Test(routes, write_routes_need_auth_and_reads_do_not)
{
    size_t n;
    const struct fl_route *rt = fl_server_routes(&n);
    cr_assert_gt(n, 10);
    for (size_t i = 0; i < n; i++) {
        bool write =
            !strcmp(rt[i].pattern, "/v1/traces") || !strcmp(rt[i].pattern, "/v1/inferences") ||
            !strcmp(rt[i].pattern, "/v1/outcomes") || !strcmp(rt[i].pattern, "/api/v1/events") ||
            !strcmp(rt[i].pattern, "/api/v1/import/prometheus") ||
            !strcmp(rt[i].pattern, "/api/v1/alertmanager") ||
            !strcmp(rt[i].pattern, "/api/v1/models") ||
            !strcmp(rt[i].pattern, "/api/v1/investigations") ||
            !strcmp(rt[i].pattern, "/api/v1/investigations/{id}/whys") ||
            !strcmp(rt[i].pattern, "/api/v1/models/{name}/aliases");
        cr_assert_eq(rt[i].needs_auth, write, "%s", rt[i].pattern);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)len + 1);
    cr_assert_not_null(p);
    cr_assert_eq(fread(p, 1, (size_t)len, f), (size_t)len);
    p[len] = '\0';
    fclose(f);
    return p;
}

Test(routes, every_route_is_documented_in_api_md)
{
    char *doc = slurp("docs/API.md");
    size_t n;
    const struct fl_route *rt = fl_server_routes(&n);
    static const struct {
        unsigned bit;
        const char *name;
    } methods[] = {{FL_HTTP_GET, "GET"}, {FL_HTTP_POST, "POST"}};
    for (size_t i = 0; i < n; i++) {
        for (size_t m = 0; m < 2; m++) {
            if (!(rt[i].methods & methods[m].bit))
                continue;
            char want[256];
            snprintf(want, sizeof want, "%s %s", methods[m].name, rt[i].pattern);
            cr_expect_not_null(strstr(doc, want), "docs/API.md does not document \"%s\"", want);
        }
    }
    free(doc);
}
