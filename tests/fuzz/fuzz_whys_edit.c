/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_whys_edit.c: libFuzzer target for the parsers of the 5 Whys (src/report/whys_io.c): the
 * edit documents people send (fl_whys_apply_edit) and stored chains (fl_whys_from_json).
 *
 * Checks beyond "no crash": a rejected edit carries a diagnostic with the same code and a message
 * and leaves the chain byte-for-byte unchanged; an accepted one keeps at most FL_WHYS_MAX_LINKS
 * links, and the chain's JSON reads back and renders identically (a fixed point); the Markdown
 * holds no control character but newlines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "fuzz_inv_fixture.h"
#include "report/whys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_controls(const struct fl_buf *b)
{
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            abort();
    }
}

static void fixed_point(const struct fl_whys *w, struct fl_arena *a)
{
    struct fl_buf j1, j2;
    struct fl_whys back;
    struct fl_diag d;
    fl_buf_init(&j1, (size_t)8 << 20);
    fl_buf_init(&j2, (size_t)8 << 20);
    fl_diag_init(&d);
    fl_whys_json(w, &j1);
    if (fl_buf_err(&j1) == FL_OK) {
        if (fl_whys_from_json(j1.data, j1.len, a, &back, &d) != FL_OK)
            abort();
        fl_whys_json(&back, &j2);
        if (j1.len != j2.len || memcmp(j1.data, j2.data, j1.len))
            abort();
    }
    fl_buf_reset(&j2);
    fl_whys_markdown(w, &j2);
    if (fl_buf_err(&j2) == FL_OK)
        no_controls(&j2);
    fl_buf_cleanup(&j1);
    fl_buf_cleanup(&j2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_arena a;
    struct fl_investigation inv;
    struct fl_whys w, r;
    struct fl_diag d;
    struct fl_buf before, after;
    fl_arena_init(&a, 4096, (size_t)64 << 20);
    fl_buf_init(&before, (size_t)8 << 20);
    fl_buf_init(&after, (size_t)8 << 20);
    fz_investigation(&inv);
    if (fl_whys_build(&inv, NULL, inv.created_ms, &a, &w) != FL_OK)
        abort();
    fl_whys_json(&w, &before);
    fl_diag_init(&d);
    fl_err e = fl_whys_apply_edit(&w, (const char *)data, size, "fuzz", 1, &a, &d);
    if (e != FL_OK) {
        if (d.code != e || !d.msg[0])
            abort();
        fl_whys_json(&w, &after);
        if (before.len != after.len || memcmp(before.data, after.data, before.len))
            abort();
    } else {
        if (w.n_links > FL_WHYS_MAX_LINKS)
            abort();
        fixed_point(&w, &a);
    }
    fl_diag_init(&d);
    e = fl_whys_from_json((const char *)data, size, &a, &r, &d);
    if (e != FL_OK) {
        if (d.code != e || !d.msg[0])
            abort();
    } else {
        fixed_point(&r, &a);
    }
    fl_buf_cleanup(&before);
    fl_buf_cleanup(&after);
    fl_arena_cleanup(&a);
    return 0;
}
