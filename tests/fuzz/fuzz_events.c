/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_events.c: libFuzzer target for change events (src/ingest/events.c): one object, arrays and
 * JSON Lines.
 *
 * Checks beyond "no crash": accepted events have an id, a known kind, a component, a status where
 * the kind needs one, end >= ts, an attributes object text; every model_version_change produced a
 * model version record; a rejected input carries a diagnostic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/record.h"
#include "ingest/events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_batch b;
    struct fl_diag d;
    if (fl_batch_init(&b, 0) != FL_OK)
        return 0;
    fl_diag_init(&d);
    fl_err e = fl_events_json_to_batch((const char *)data, size, NULL, &b, &d);
    if (e == FL_OK) {
        size_t n_mvc = 0;
        for (size_t i = 0; i < b.n_events; i++) {
            const struct fl_event *ev = &b.events[i];
            if (!ev->id || !*ev->id || !ev->kind || !fl_event_kind_valid(ev->kind) ||
                !ev->component || !*ev->component || !ev->message || !ev->attrs_json ||
                ev->attrs_json[0] != '{')
                abort();
            if ((!strcmp(ev->kind, "batch_run") || !strcmp(ev->kind, "feature_pipeline_run")) &&
                !ev->status)
                abort();
            if (ev->end_ms != FL_TS_NONE && ev->end_ms < ev->ts_ms)
                abort();
            n_mvc += strcmp(ev->kind, "model_version_change") == 0;
        }
        if (n_mvc != b.n_models)
            abort();
        for (size_t i = 0; i < b.n_models; i++)
            if (!b.models[i].model || !*b.models[i].model || !b.models[i].version ||
                !*b.models[i].version)
                abort();
    } else if (d.code != e || !d.msg[0]) {
        abort();
    }
    fl_batch_cleanup(&b);
    return 0;
}
