/* SPDX-License-Identifier: Apache-2.0 */
/*
 * params.c: application/x-www-form-urlencoded decoding for query strings and POST form bodies
 * (see params.h; WHATWG URL standard, section "application/x-www-form-urlencoded").
 */
#include "params.h"

#include <string.h>

#include "../core/alloc.h"

void fl_http_params_init(struct fl_http_params *ps)
{
    memset(ps, 0, sizeof *ps);
}

void fl_http_params_cleanup(struct fl_http_params *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++) {
        fl_free(ps->v[i].name);
        fl_free(ps->v[i].value);
    }
    fl_free(ps->v);
    memset(ps, 0, sizeof *ps);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode p[0..len) into a new string; base is the offset of p in the whole input (for errors). */
static fl_err decode(const char *p, size_t len, size_t base, char **out, struct fl_diag *d)
{
    char *s = fl_malloc(len + 1);
    if (!s)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory decoding parameters");
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 1 < len ? hexval(p[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(p[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                fl_free(s);
                return fl_diag_set(d, FL_EPARSE, 1, (unsigned long)(base + i + 1),
                                   "malformed %%-escape in query parameters");
            }
            c = (char)(hi * 16 + lo);
            i += 2;
            if (c == '\0') {
                fl_free(s);
                return fl_diag_set(d, FL_EPARSE, 1, (unsigned long)(base + i - 1),
                                   "%%00 is not allowed in query parameters");
            }
        }
        s[o++] = c;
    }
    s[o] = '\0';
    *out = s;
    return FL_OK;
}

static fl_err add_pair(struct fl_http_params *ps, const char *p, size_t len, size_t base,
                       struct fl_diag *d)
{
    if (ps->n >= FL_HTTP_PARAMS_MAX)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "more than %d query parameters", FL_HTTP_PARAMS_MAX);
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 8;
        struct fl_http_param *v = fl_reallocarray(ps->v, cap, sizeof *v);
        if (!v)
            return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory decoding parameters");
        ps->v = v;
        ps->cap = cap;
    }
    const char *eq = memchr(p, '=', len);
    size_t nlen = eq ? (size_t)(eq - p) : len;
    char *name = NULL, *value = NULL;
    fl_err e = decode(p, nlen, base, &name, d);
    if (e)
        return e;
    if (eq)
        e = decode(eq + 1, len - nlen - 1, base + nlen + 1, &value, d);
    else if (!(value = fl_strdup("")))
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory decoding parameters");
    if (e) {
        fl_free(name);
        return e;
    }
    ps->v[ps->n].name = name;
    ps->v[ps->n].value = value;
    ps->n++;
    return FL_OK;
}

fl_err fl_http_params_parse(struct fl_http_params *ps, const char *p, size_t len, struct fl_diag *d)
{
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(p + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - p) : len;
        if (end > i) {
            fl_err e = add_pair(ps, p + i, end - i, i, d);
            if (e)
                return e;
        }
        i = end + 1;
    }
    return FL_OK;
}

const char *fl_http_params_get(const struct fl_http_params *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->v[i].name, name))
            return ps->v[i].value;
    return NULL;
}

size_t fl_http_params_count(const struct fl_http_params *ps, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < ps->n; i++)
        n += !strcmp(ps->v[i].name, name);
    return n;
}
