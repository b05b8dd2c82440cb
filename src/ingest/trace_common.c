/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trace_common.c: the out-of-line part of trace_int.h, shared by the OTLP JSON (otlp.c) and Jaeger
 * JSON (jaeger.c) parsers: their per-call buffers, the batch-arena failure diagnostic, and the
 * writers of the event and link objects both store in fl_span.events_json / links_json
 * (their shape: src/core/record.h).
 */
#include "trace_int.h"

void fl_ingest__span_bufs_init(struct fl_ingest__span_bufs *sb)
{
    fl_buf_init(&sb->key, FL_LIMIT_VALUE_BYTES * 8);
    fl_buf_init(&sb->str, FL_LIMIT_BODY_BYTES);
    fl_buf_init(&sb->attrs, FL_LIMIT_BODY_BYTES);
    fl_buf_init(&sb->events, FL_LIMIT_BODY_BYTES);
    fl_buf_init(&sb->links, FL_LIMIT_BODY_BYTES);
    fl_buf_init(&sb->sub, FL_LIMIT_BODY_BYTES);
    fl_buf_init(&sb->name, FL_LIMIT_BODY_BYTES);
}

void fl_ingest__span_bufs_cleanup(struct fl_ingest__span_bufs *sb)
{
    fl_buf_cleanup(&sb->key);
    fl_buf_cleanup(&sb->str);
    fl_buf_cleanup(&sb->attrs);
    fl_buf_cleanup(&sb->events);
    fl_buf_cleanup(&sb->links);
    fl_buf_cleanup(&sb->sub);
    fl_buf_cleanup(&sb->name);
}

fl_err fl_ingest__alloc_fail(struct fl_diag *d, const struct fl_batch *b)
{
    fl_err e = fl_batch_alloc_err(b);
    return fl_diag_set(d, e, 0, 0, e == FL_ELIMIT ? "batch arena limit reached" : "out of memory");
}

void fl_ingest__put_event_head(struct fl_buf *o, bool first, int64_t time_ns,
                               const struct fl_buf *name)
{
    fl_buf_putc(o, first ? '[' : ',');
    fl_buf_puts(o, "{\"time_ns\":\"");
    fl_ingest__put_i64(o, time_ns);
    fl_buf_puts(o, "\",\"name\":");
    if (name->len)
        fl_buf_append(o, name->data, name->len);
    else
        fl_buf_puts(o, "\"\"");
    fl_buf_puts(o, ",\"attrs\":");
}

void fl_ingest__put_link_head(struct fl_buf *o, bool first, const char *trace_id,
                              const char *span_id)
{
    fl_buf_putc(o, first ? '[' : ',');
    fl_buf_puts(o, "{\"trace_id\":\"");
    fl_buf_puts(o, trace_id);
    fl_buf_puts(o, "\",\"span_id\":\"");
    fl_buf_puts(o, span_id);
    fl_buf_puts(o, "\",\"attrs\":");
}
