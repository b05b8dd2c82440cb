/* SPDX-License-Identifier: Apache-2.0 */
/*
 * records.c: spans as OTLP/JSON resourceSpans entries (opentelemetry-proto's JSON encoding: hex
 * ids, nanosecond times as decimal strings, integer enums) and change events in the shape of
 * docs/formats/records.md. The sink holds them until a file is written or an HTTP request sent.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define SINK_MAX ((size_t)1 << 31)

void sim_sink_init(struct sim_sink *s)
{
    memset(s, 0, sizeof(*s));
    fl_buf_init(&s->spans, SINK_MAX);
    fl_buf_init(&s->inferences, SINK_MAX);
    fl_buf_init(&s->outcomes, SINK_MAX);
    fl_buf_init(&s->events, SINK_MAX);
}

void sim_sink_reset(struct sim_sink *s)
{
    fl_buf_reset(&s->spans);
    fl_buf_reset(&s->inferences);
    fl_buf_reset(&s->outcomes);
    fl_buf_reset(&s->events);
    s->n_spans = s->n_inferences = s->n_outcomes = s->n_events = 0;
}

void sim_sink_cleanup(struct sim_sink *s)
{
    fl_buf_cleanup(&s->spans);
    fl_buf_cleanup(&s->inferences);
    fl_buf_cleanup(&s->outcomes);
    fl_buf_cleanup(&s->events);
}

fl_err sim_sink_err(const struct sim_sink *s)
{
    fl_err e = fl_buf_err(&s->spans);
    if (!e)
        e = fl_buf_err(&s->inferences);
    if (!e)
        e = fl_buf_err(&s->outcomes);
    if (!e)
        e = fl_buf_err(&s->events);
    return e;
}

void sim_trace_id_hex(const uint8_t id[16], char out[33])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hx[id[i] >> 4];
        out[2 * i + 1] = hx[id[i] & 15];
    }
    out[32] = 0;
}

void sim_span_emit(struct sim_sink *s, const struct sim_span *sp)
{
    struct fl_buf *b = &s->spans;
    char tid[33];
    sim_trace_id_hex(sp->trace_id, tid);
    if (s->n_spans)
        fl_buf_putc(b, ',');
    fl_buf_puts(b, "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":");
    fl_buf_put_json_str(b, sp->service, strlen(sp->service));
    fl_buf_puts(b, "}}");
    if (sp->node) {
        fl_buf_puts(b, ",{\"key\":\"k8s.node.name\",\"value\":{\"stringValue\":");
        fl_buf_put_json_str(b, sp->node, strlen(sp->node));
        fl_buf_puts(b, "}}");
    }
    fl_buf_puts(b, "]},\"scopeSpans\":[{\"scope\":{\"name\":\"faultline-sim\"},\"spans\":[{");
    fl_buf_printf(b, "\"traceId\":\"%s\",\"spanId\":\"%016llx\"", tid,
                  (unsigned long long)sp->span_id);
    if (sp->parent_id)
        fl_buf_printf(b, ",\"parentSpanId\":\"%016llx\"", (unsigned long long)sp->parent_id);
    fl_buf_puts(b, ",\"name\":");
    fl_buf_put_json_str(b, sp->name, strlen(sp->name));
    fl_buf_printf(b, ",\"kind\":%d,\"startTimeUnixNano\":\"%lld\",\"endTimeUnixNano\":\"%lld\"",
                  sp->kind, (long long)sp->start_ns, (long long)sp->end_ns);
    fl_buf_puts(b, ",\"attributes\":[");
    for (size_t i = 0; i < sp->n_attrs; i++) {
        const struct sim_attr *a = &sp->attrs[i];
        if (i)
            fl_buf_putc(b, ',');
        fl_buf_puts(b, "{\"key\":");
        fl_buf_put_json_str(b, a->key, strlen(a->key));
        if (a->s) {
            fl_buf_puts(b, ",\"value\":{\"stringValue\":");
            fl_buf_put_json_str(b, a->s, strlen(a->s));
            fl_buf_puts(b, "}}");
        } else {
            fl_buf_printf(b, ",\"value\":{\"intValue\":\"%lld\"}}", (long long)a->i);
        }
    }
    fl_buf_puts(b, "],\"status\":{");
    if (sp->status) {
        fl_buf_printf(b, "\"code\":%d", sp->status);
        if (sp->status_msg) {
            fl_buf_puts(b, ",\"message\":");
            fl_buf_put_json_str(b, sp->status_msg, strlen(sp->status_msg));
        }
    }
    fl_buf_puts(b, "}");
    if (sp->status == 2 && sp->status_msg) {
        fl_buf_printf(b, ",\"events\":[{\"timeUnixNano\":\"%lld\",\"name\":\"exception\","
                         "\"attributes\":[{\"key\":\"exception.message\",\"value\":{\"stringValue\":",
                      (long long)sp->end_ns);
        fl_buf_put_json_str(b, sp->status_msg, strlen(sp->status_msg));
        fl_buf_puts(b, "}}]}]");
    }
    fl_buf_puts(b, "}]}]}");
    s->n_spans++;
}

void sim_event_emit(struct sim_sink *s, const char *id, int64_t ts_ms, int64_t end_ms,
                    const char *kind, const char *component, const char *status, int64_t rows,
                    const char *message, const char *attrs_json)
{
    if (s->n_events)
        fl_buf_puts(&s->events, ",\n");
    sim_event_json(&s->events, id, ts_ms, end_ms, kind, component, status, rows, message,
                   attrs_json);
    s->n_events++;
}

void sim_sink_add_event(struct sim_sink *s, const char *json)
{
    if (s->n_events)
        fl_buf_puts(&s->events, ",\n");
    fl_buf_puts(&s->events, json);
    s->n_events++;
}

void sim_event_json(struct fl_buf *b, const char *id, int64_t ts_ms, int64_t end_ms,
                    const char *kind, const char *component, const char *status, int64_t rows,
                    const char *message, const char *attrs_json)
{
    fl_buf_puts(b, "{\"id\":");
    fl_buf_put_json_str(b, id, strlen(id));
    fl_buf_printf(b, ",\"ts\":%lld", (long long)ts_ms);
    if (end_ms > 0)
        fl_buf_printf(b, ",\"end\":%lld", (long long)end_ms);
    fl_buf_puts(b, ",\"kind\":");
    fl_buf_put_json_str(b, kind, strlen(kind));
    fl_buf_puts(b, ",\"component\":");
    fl_buf_put_json_str(b, component, strlen(component));
    if (status) {
        fl_buf_puts(b, ",\"status\":");
        fl_buf_put_json_str(b, status, strlen(status));
    }
    if (rows >= 0)
        fl_buf_printf(b, ",\"rows\":%lld", (long long)rows);
    if (message) {
        fl_buf_puts(b, ",\"message\":");
        fl_buf_put_json_str(b, message, strlen(message));
    }
    if (attrs_json)
        fl_buf_printf(b, ",\"attributes\":%s", attrs_json);
    fl_buf_putc(b, '}');
}
