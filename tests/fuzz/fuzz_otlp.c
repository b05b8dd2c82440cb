/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_otlp.c: libFuzzer target for the OTLP/HTTP JSON trace parser (src/ingest/otlp.c) and, on
 * inputs that start with the gzip magic, for bounded inflate (src/ingest/gzip.c) in front of it.
 *
 * Checks beyond "no crash": every accepted span has lowercase hex ids of the right length,
 * end >= start, and JSON texts that start with the right bracket; a failed parse leaves no spans;
 * the response body is always produced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/record.h"
#include "ingest/gzip.h"
#include "ingest/otlp.h"

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
    struct fl_otlp_result res;
    struct fl_diag d;
    struct fl_buf body;
    const char *p = (const char *)data;
    fl_buf_init(&body, 1u << 22);
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        fl_diag_init(&d);
        if (fl_gzip_inflate(p, size, 1u << 22, &body, &d) != FL_OK) {
            fl_buf_cleanup(&body);
            return 0;
        }
        p = body.data;
        size = body.len;
    }
    if (fl_batch_init(&b, 0) != FL_OK) {
        fl_buf_cleanup(&body);
        return 0;
    }
    fl_diag_init(&d);
    fl_err e = fl_otlp_json_to_batch(p, size, &b, &res, &d);
    if (e != FL_OK && b.n_spans != 0)
        abort();
    if (e == FL_OK && res.accepted_spans != b.n_spans)
        abort();
    for (size_t i = 0; i < b.n_spans; i++) {
        const struct fl_span *s = &b.spans[i];
        if (!is_hex_lower(s->trace_id, 32) || !is_hex_lower(s->span_id, 16))
            abort();
        if (s->parent_span_id[0] && !is_hex_lower(s->parent_span_id, 16))
            abort();
        if (s->end_ns < s->start_ns || !s->name || !s->service || !s->scope_name)
            abort();
        if (s->attrs_json[0] != '{' || s->resource_json[0] != '{' || s->events_json[0] != '[' ||
            s->links_json[0] != '[')
            abort();
    }
    struct fl_buf out;
    fl_buf_init(&out, 1u << 16);
    fl_otlp_response_json(&res, &out);
    if (fl_buf_err(&out) != FL_OK || out.len < 2)
        abort();
    fl_buf_cleanup(&out);
    fl_batch_cleanup(&b);
    fl_buf_cleanup(&body);
    return 0;
}
