/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_inv_symptom.c: libFuzzer target for the investigation symptom parser
 * (fl_inv_parse_symptom_arena, src/rca/investigate.c): "kpi:NAME",
 * "latency:SERVICE[/OPERATION][@P99]" or a selector.
 *
 * Checks beyond "no crash": an accepted symptom has its kind's field set and non-empty, a latency
 * percentile in (0, 100); a rejected one is FL_EINVAL with the field "symptom" and a message.
 * The input is made NUL-terminated first (the parser takes C strings).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "rca/investigate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct fl_arena a;
    fl_arena_init(&a, 4096, 1 << 20);
    struct fl_inv_request r;
    memset(&r, 0, sizeof r);
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_inv_parse_symptom_arena(text, &a, &r, &d);
    if (e == FL_OK) {
        const char *f = r.kind == FL_INV_KPI ? r.kpi
                        : r.kind == FL_INV_LATENCY ? r.service
                        : r.kind == FL_INV_SELECTOR ? r.selector
                                                    : NULL;
        if (!f || !f[0])
            abort();
        if (r.kind == FL_INV_LATENCY && !(r.percentile > 0 && r.percentile < 100))
            abort();
        if (r.operation && !r.operation[0])
            abort();
    } else if (e != FL_EINVAL || strcmp(d.field, "symptom") != 0 || !d.msg[0]) {
        abort();
    }
    fl_arena_cleanup(&a);
    free(text);
    return 0;
}
