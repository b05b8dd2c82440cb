/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_inv_json.c: libFuzzer target for the reader of stored investigations
 * (src/report/investigation_read.c) and, on whatever reads, the three renderings
 * (src/report/investigation.c).
 *
 * Checks beyond "no crash": a rejected input carries a diagnostic with the same code and a
 * message; an accepted one renders to JSON that reads back, and whose second rendering is
 * byte-identical to the first (the renderer's output is a fixed point of read + render); the
 * text rendering holds no control character but newlines; the Markdown none but newlines either.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "report/investigation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_controls(const struct fl_buf *b)
{
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_arena a, a2;
    struct fl_investigation inv, back;
    struct fl_diag d;
    struct fl_buf j1, j2, t;
    fl_arena_init(&a, 4096, (size_t)64 << 20);
    fl_arena_init(&a2, 4096, (size_t)64 << 20);
    fl_buf_init(&j1, (size_t)64 << 20);
    fl_buf_init(&j2, (size_t)64 << 20);
    fl_buf_init(&t, (size_t)64 << 20);
    fl_diag_init(&d);
    fl_err e = fl_inv_from_json((const char *)data, size, &a, &inv, &d);
    if (e != FL_OK) {
        if (d.code != e || !d.msg[0])
            abort();
        goto out;
    }
    fl_inv_json(&inv, &j1);
    if (fl_buf_err(&j1) == FL_OK) {
        fl_diag_init(&d);
        if (fl_inv_from_json(j1.data, j1.len, &a2, &back, &d) != FL_OK)
            abort();
        fl_inv_json(&back, &j2);
        if (fl_buf_err(&j2) != FL_OK || j2.len != j1.len || memcmp(j1.data, j2.data, j1.len))
            abort();
    }
    fl_inv_text(&inv, &t);
    if (fl_buf_err(&t) == FL_OK)
        no_controls(&t);
    fl_buf_reset(&t);
    fl_inv_markdown(&inv, &t);
    if (fl_buf_err(&t) == FL_OK)
        no_controls(&t);
out:
    fl_buf_cleanup(&j1);
    fl_buf_cleanup(&j2);
    fl_buf_cleanup(&t);
    fl_arena_cleanup(&a);
    fl_arena_cleanup(&a2);
    return 0;
}
