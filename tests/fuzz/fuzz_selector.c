/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_selector.c: libFuzzer target for the PromQL series selector parser (src/ingest/selector.c).
 *
 * Checks beyond "no crash": an accepted selector has at least one matcher, each with a name and a
 * value, and at least one that does not match the empty string (Prometheus' rule); a rejected one
 * has no matchers and a diagnostic with a column.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/matcher.h"
#include "ingest/selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_matcher *ms = NULL;
    size_t n = 0;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_selector_parse((const char *)data, size, &ms, &n, &d);
    if (e != FL_OK) {
        if (ms || n || d.code != e || !d.msg[0] || (e == FL_EPARSE && d.column == 0))
            abort();
        return 0;
    }
    if (!ms || n == 0)
        abort();
    int non_empty = 0;
    for (size_t k = 0; k < n; k++) {
        if (!ms[k].name || !ms[k].value || !ms[k].name[0])
            abort();
        non_empty |= !fl_matcher_match_value(&ms[k], "");
    }
    if (!non_empty)
        abort();
    fl_selector_free(ms, n);
    return 0;
}
