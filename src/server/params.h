/* SPDX-License-Identifier: Apache-2.0 */
/*
 * params.h: query strings and application/x-www-form-urlencoded bodies (WHATWG URL standard,
 * "application/x-www-form-urlencoded parsing"): name=value pairs split at '&', '+' is a space,
 * %XX escapes decoded. Names may repeat (match[]=a&match[]=b), so parameters are kept as a list
 * in arrival order.
 */
#ifndef FL_SERVER_PARAMS_H
#define FL_SERVER_PARAMS_H

#include <stddef.h>

#include "../core/err.h"

#define FL_HTTP_PARAMS_MAX 1000 /* parameters in one request (query string plus form body) */

struct fl_http_param {
    char *name;  /* owned, decoded, NUL-terminated */
    char *value; /* owned, decoded; "" for "name" without '=' */
};

struct fl_http_params {
    struct fl_http_param *v;
    size_t n, cap;
};

/* Caller storage; empty list. */
void fl_http_params_init(struct fl_http_params *ps);
void fl_http_params_cleanup(struct fl_http_params *ps);

/*
 * Decode p[0..len) (no leading '?') and append its pairs to ps. Empty pieces ("a=1&&b=2") are
 * skipped. Errors: FL_EPARSE for a malformed %-escape or a decoded NUL byte (column = 1-based
 * byte offset), FL_ELIMIT beyond FL_HTTP_PARAMS_MAX parameters, FL_ENOMEM. On error ps keeps the
 * pairs appended before it.
 */
fl_err fl_http_params_parse(struct fl_http_params *ps, const char *p, size_t len,
                            struct fl_diag *d) FL_MUST_CHECK;

/* Value of the first parameter called name, or NULL. */
const char *fl_http_params_get(const struct fl_http_params *ps, const char *name);
/* Number of parameters called name. */
size_t fl_http_params_count(const struct fl_http_params *ps, const char *name);

#endif
