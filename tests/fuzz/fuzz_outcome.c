/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_outcome.c: libFuzzer target for outcome JSON Lines (src/ingest/inference.c).
 *
 * Checks beyond "no crash": accepted outcomes have request id, name and an attributes object
 * text; a rejected input carries a diagnostic with a line number.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/record.h"
#include "ingest/inference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_batch b;
    struct fl_diag d;
    if (fl_batch_init(&b, 0) != FL_OK)
        return 0;
    fl_diag_init(&d);
    fl_err e = fl_outcome_jsonl_to_batch((const char *)data, size, NULL, &b, &d);
    if (e == FL_OK) {
        for (size_t i = 0; i < b.n_outcomes; i++) {
            const struct fl_outcome *o = &b.outcomes[i];
            if (!o->request_id || !*o->request_id || !o->name || !*o->name || !o->attrs_json ||
                o->attrs_json[0] != '{' || o->value != o->value)
                abort();
        }
    } else if (d.code != e || (e == FL_EPARSE && d.line == 0) || !d.msg[0]) {
        abort();
    }
    fl_batch_cleanup(&b);
    return 0;
}
