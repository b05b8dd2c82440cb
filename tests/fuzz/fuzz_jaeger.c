/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_jaeger.c: libFuzzer target for the Jaeger JSON trace parser (src/ingest/jaeger.c),
 * including its /api/v3 delegation to the OTLP parser.
 *
 * Checks beyond "no crash": all or nothing (an error leaves no spans), ids are lowercase hex of
 * the right length, every span has a resolved service and resource, end >= start.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/record.h"
#include "ingest/jaeger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_hex_lower(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_batch b;
    struct fl_diag d;
    if (fl_batch_init(&b, 0) != FL_OK)
        return 0;
    fl_diag_init(&d);
    fl_err e = fl_jaeger_json_to_batch((const char *)data, size, &b, &d);
    if (e != FL_OK && (b.n_spans != 0 || d.code == FL_OK))
        abort();
    for (size_t i = 0; i < b.n_spans; i++) {
        const struct fl_span *s = &b.spans[i];
        if (!is_hex_lower(s->trace_id, 32) || !is_hex_lower(s->span_id, 16))
            abort();
        if (s->parent_span_id[0] && !is_hex_lower(s->parent_span_id, 16))
            abort();
        if (s->end_ns < s->start_ns || !s->name || !s->service || !s->resource_json)
            abort();
        if (s->attrs_json[0] != '{' || s->events_json[0] != '[' || s->links_json[0] != '[')
            abort();
    }
    fl_batch_cleanup(&b);
    return 0;
}
