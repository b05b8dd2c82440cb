/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_schema.c: libFuzzer target for the data schema YAML reader and writer
 * (src/monitor/schema.c). Any input gives a schema or an error with a diagnostic, never a crash
 * or a leak; an accepted schema is written as YAML that reads back, and writing that again gives
 * the same text (the writer is a fixed point of read + write).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_schema *s = NULL, *s2 = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_schema_parse((const char *)data, size, "fuzz.yml", &s, &d);
    if (e != FL_OK) {
        if (s || d.code == FL_OK || !d.msg[0])
            abort();
        return 0;
    }
    struct fl_buf a, b;
    fl_buf_init(&a, 1u << 26);
    fl_buf_init(&b, 1u << 26);
    fl_schema_emit(s, &a);
    if (fl_buf_err(&a) == FL_OK) {
        fl_diag_init(&d);
        if (fl_schema_parse(a.data, a.len, "again.yml", &s2, &d) != FL_OK)
            abort();
        fl_schema_emit(s2, &b);
        if (fl_buf_err(&b) == FL_OK && (a.len != b.len || memcmp(a.data, b.data, a.len) != 0))
            abort();
    }
    fl_buf_cleanup(&a);
    fl_buf_cleanup(&b);
    fl_schema_free(s2);
    fl_schema_free(s);
    return 0;
}
