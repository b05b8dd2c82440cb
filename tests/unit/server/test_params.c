/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_params.c: query-string / form-body decoding (src/server/params.c): '+' and %XX, repeated
 * names in order, empty pieces, names without '=', malformed escapes with their column, %00, and
 * the parameter-count cap.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "server/params.h"

struct pcase {
    const char *in;
    size_t n;
    const char *pairs[6][2];
};

static const struct pcase ok_cases[] = {
    {"", 0, {{0}}},
    {"a=1", 1, {{"a", "1"}}},
    {"query=up%7Bjob%3D%22api%22%7D&start=1", 2, {{"query", "up{job=\"api\"}"}, {"start", "1"}}},
    {"q=a+b%20c", 1, {{"q", "a b c"}}},
    {"match%5B%5D=x&match[]=y", 2, {{"match[]", "x"}, {"match[]", "y"}}},
    {"a=1&&b=&c", 3, {{"a", "1"}, {"b", ""}, {"c", ""}}},
    {"k=v=w", 1, {{"k", "v=w"}}},
    {"%C3%A9=%e2%82%ac", 1, {{"\xc3\xa9", "\xe2\x82\xac"}}},
};

Test(params, decodes)
{
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
        const struct pcase *c = &ok_cases[i];
        struct fl_http_params ps;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_http_params_init(&ps);
        cr_assert_eq(fl_http_params_parse(&ps, c->in, strlen(c->in), &d), FL_OK, "%s: %s", c->in,
                     d.msg);
        cr_assert_eq(ps.n, c->n, "%s: %zu params", c->in, ps.n);
        for (size_t k = 0; k < c->n; k++) {
            cr_assert_str_eq(ps.v[k].name, c->pairs[k][0], "%s #%zu", c->in, k);
            cr_assert_str_eq(ps.v[k].value, c->pairs[k][1], "%s #%zu", c->in, k);
        }
        fl_http_params_cleanup(&ps);
    }
}

Test(params, get_and_count)
{
    struct fl_http_params ps;
    fl_http_params_init(&ps);
    const char *q = "match[]=a&start=5&match[]=b&start=6";
    cr_assert_eq(fl_http_params_parse(&ps, q, strlen(q), NULL), FL_OK);
    cr_assert_str_eq(fl_http_params_get(&ps, "start"), "5");
    cr_assert_null(fl_http_params_get(&ps, "end"));
    cr_assert_eq(fl_http_params_count(&ps, "match[]"), 2);
    cr_assert_eq(fl_http_params_count(&ps, "nope"), 0);
    fl_http_params_cleanup(&ps);
}

struct bad_case {
    const char *in;
    fl_err code;
    unsigned long column;
};

static const struct bad_case bad_cases[] = {
    {"a=%", FL_EPARSE, 3},         {"a=%4", FL_EPARSE, 3},    {"a=%zz", FL_EPARSE, 3},
    {"ok=1&b%g1=2", FL_EPARSE, 7}, {"a=x%00y", FL_EPARSE, 4},
};

Test(params, rejects_malformed_escapes)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        struct fl_http_params ps;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_http_params_init(&ps);
        cr_assert_eq(fl_http_params_parse(&ps, c->in, strlen(c->in), &d), c->code, "%s", c->in);
        cr_assert_eq(d.code, c->code);
        cr_assert_eq(d.column, c->column, "%s: column %lu", c->in, d.column);
        fl_http_params_cleanup(&ps);
    }
}

Test(params, caps_the_number_of_parameters)
{
    size_t n = FL_HTTP_PARAMS_MAX + 1;
    char *q = malloc(n * 4 + 1);
    cr_assert_not_null(q);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(q + o, "%sa=", i ? "&" : "");
    struct fl_http_params ps;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_http_params_init(&ps);
    cr_assert_eq(fl_http_params_parse(&ps, q, o, &d), FL_ELIMIT);
    cr_assert_eq(ps.n, FL_HTTP_PARAMS_MAX);
    fl_http_params_cleanup(&ps);
    free(q);
}
