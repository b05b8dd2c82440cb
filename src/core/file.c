/* SPDX-License-Identifier: Apache-2.0 */
/* file.c: whole-file reads with a cap; see file.h. */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

fl_err fl_file_read(const char *path, size_t max, struct fl_buf *out, struct fl_diag *d)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    fl_err e = FL_OK;
    if (!f) {
        fl_diag_file(d, path);
        return fl_diag_set(d, FL_EIO, 0, 0, "cannot open: %s", strerror(errno));
    }
    size_t start = out->len;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len - start + n > max) {
            fl_diag_file(d, path);
            e = fl_diag_set(d, FL_ELIMIT, 0, 0, "file is larger than the limit of %zu bytes", max);
            goto out;
        }
        fl_buf_append(out, chunk, n);
        if ((e = fl_buf_err(out)) != FL_OK) {
            fl_diag_file(d, path);
            fl_diag_set(d, e, 0, 0, "cannot hold the file in memory");
            goto out;
        }
    }
    if (ferror(f)) {
        fl_diag_file(d, path);
        e = fl_diag_set(d, FL_EIO, 0, 0, "read error: %s", strerror(errno));
    }
out:
    if (!is_stdin)
        fclose(f);
    return e;
}
