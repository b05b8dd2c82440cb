/* SPDX-License-Identifier: Apache-2.0 */
/*
 * err.c: the tables behind fl_err (names, messages, HTTP statuses), all generated from the one
 * X-macro list in err.h, and the first-error-wins diagnostic helpers.
 */
#include "err.h"

#include <stdio.h>
#include <string.h>

static const char *const err_names[] = {
#define FL__ERR_NAME(name, http, msg) #name,
    FL_ERR_LIST(FL__ERR_NAME)
#undef FL__ERR_NAME
};

static const char *const err_msgs[] = {
#define FL__ERR_MSG(name, http, msg) msg,
    FL_ERR_LIST(FL__ERR_MSG)
#undef FL__ERR_MSG
};

static const int err_http[] = {
#define FL__ERR_HTTP(name, http, msg) http,
    FL_ERR_LIST(FL__ERR_HTTP)
#undef FL__ERR_HTTP
};

static int err_known(fl_err e)
{
    return (int)e >= 0 && (int)e < (int)FL_ERR__COUNT;
}

const char *fl_err_name(fl_err e)
{
    return err_known(e) ? err_names[e] : "FL_E?";
}

const char *fl_err_str(fl_err e)
{
    return err_known(e) ? err_msgs[e] : "unknown error";
}

int fl_err_http_status(fl_err e)
{
    return err_known(e) ? err_http[e] : 500;
}

void fl_diag_init(struct fl_diag *d)
{
    if (!d)
        return;
    memset(d, 0, sizeof *d);
    d->code = FL_OK;
}

fl_err fl_diag_vset(struct fl_diag *d, fl_err code, unsigned long line, unsigned long col,
                    const char *fmt, va_list ap)
{
    if (!d || d->code != FL_OK || code == FL_OK)
        return code;
    d->code = code;
    d->line = line;
    d->column = col;
    if (fmt)
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    else
        d->msg[0] = '\0';
    return code;
}

fl_err fl_diag_set(struct fl_diag *d, fl_err code, unsigned long line, unsigned long col,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_err e = fl_diag_vset(d, code, line, col, fmt, ap);
    va_end(ap);
    return e;
}

void fl_diag_field(struct fl_diag *d, const char *fmt, ...)
{
    if (!d || d->field[0] != '\0' || !fmt)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->field, sizeof d->field, fmt, ap);
    va_end(ap);
}

void fl_diag_file(struct fl_diag *d, const char *file)
{
    if (!d || d->file[0] != '\0' || !file)
        return;
    snprintf(d->file, sizeof d->file, "%s", file);
}

size_t fl_diag_format(const struct fl_diag *d, char *out, size_t cap)
{
    char tmp[FL_DIAG_FILE_CAP + FL_DIAG_FIELD_CAP + FL_DIAG_MSG_CAP + 64];
    size_t n = 0;
    int w;

    if (!d) {
        w = snprintf(tmp, sizeof tmp, "%s", fl_err_str(FL_OK));
        n = w > 0 ? (size_t)w : 0;
        goto copy;
    }
    /* Location prefix: "file:line:col: ", dropping the parts that are unknown. */
    if (d->file[0]) {
        w = snprintf(tmp + n, sizeof tmp - n, "%s", d->file);
        n += w > 0 ? (size_t)w : 0;
        if (d->line) {
            w = snprintf(tmp + n, sizeof tmp - n, ":%lu", d->line);
            n += w > 0 ? (size_t)w : 0;
            if (d->column) {
                w = snprintf(tmp + n, sizeof tmp - n, ":%lu", d->column);
                n += w > 0 ? (size_t)w : 0;
            }
        }
        w = snprintf(tmp + n, sizeof tmp - n, ": ");
        n += w > 0 ? (size_t)w : 0;
    } else if (d->line) {
        if (d->column)
            w = snprintf(tmp + n, sizeof tmp - n, "line %lu, column %lu: ", d->line, d->column);
        else
            w = snprintf(tmp + n, sizeof tmp - n, "line %lu: ", d->line);
        n += w > 0 ? (size_t)w : 0;
    }
    if (d->field[0]) {
        w = snprintf(tmp + n, sizeof tmp - n, "%s: ", d->field);
        n += w > 0 ? (size_t)w : 0;
    }
    w = snprintf(tmp + n, sizeof tmp - n, "%s", d->msg[0] ? d->msg : fl_err_str(d->code));
    n += w > 0 ? (size_t)w : 0;
copy:
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    if (cap > 0) {
        size_t c = n < cap - 1 ? n : cap - 1;
        memcpy(out, tmp, c);
        out[c] = '\0';
    }
    return n;
}
