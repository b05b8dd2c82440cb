/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_alert_expr.c: libFuzzer target for the alert expression scanner (src/ingest/alert_expr.h):
 * the input is read both as a generatorURL (fl_alert_url_expr, then the scanner on the decoded
 * g0.expr) and as a PromQL expression directly.
 *
 * Checks beyond "no crash": a found selector is non-empty, starts with an identifier character or
 * '{', ends with an identifier character or '}', and is no longer than its input; a decoded
 * expression is no longer than the URL; errors are the documented codes with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "ingest/alert_expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == ':';
}

static void check_selector(const char *p, size_t len)
{
    struct fl_buf out;
    struct fl_diag d;
    fl_buf_init(&out, 1 << 20);
    fl_diag_init(&d);
    fl_err e = fl_alert_expr_selector(p, len, &out, &d);
    if (e == FL_OK) {
        if (out.len == 0 || out.len > len)
            abort();
        char first = out.data[0], last = out.data[out.len - 1];
        if (!(first == '{' || ident_char(first)) || !(last == '}' || ident_char(last)))
            abort();
        if (first >= '0' && first <= '9')
            abort();
    } else if (!((e == FL_ENOTFOUND || e == FL_EPARSE || e == FL_ELIMIT) && d.msg[0])) {
        abort();
    }
    fl_buf_cleanup(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct fl_buf expr;
    struct fl_diag d;
    fl_buf_init(&expr, 1 << 20);
    fl_diag_init(&d);
    fl_err e = fl_alert_url_expr(p, size, &expr, &d);
    if (e == FL_OK) {
        if (expr.len > size)
            abort();
        check_selector(expr.data ? expr.data : "", expr.len);
    } else if (!((e == FL_ENOTFOUND || e == FL_EPARSE || e == FL_ELIMIT) && d.msg[0])) {
        abort();
    }
    fl_buf_cleanup(&expr);
    check_selector(p, size);
    return 0;
}
