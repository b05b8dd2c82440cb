/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event_metrics.c: the change events of the last day as a gauge on faultline's /metrics, so that
 * a Prometheus scraping faultline can draw them as Grafana annotations (docs/GRAFANA.md):
 *
 *   faultline_change_event_timestamp_seconds{id, kind, component, message} = the event's time
 *
 * One series per change event that started in the last FL_EVENT_METRICS_WINDOW_MS (at most
 * FL_EVENT_METRICS_MAX, the earliest first; alerts are left out: Prometheus has ALERTS). The value
 * is the event's own time, so Grafana's "Series value as timestamp" annotation option places it
 * exactly, whenever it was scraped. The message is cut to FL_EVENT_METRICS_MESSAGE bytes.
 */
#include <string.h>

#include "../core/record.h"
#include "../core/time.h"
#include "../store/store.h"
#include "../core/log.h"
#include "http_int.h"

#define FL_EVENT_METRICS_WINDOW_MS ((int64_t)24 * 3600 * 1000)
#define FL_EVENT_METRICS_MAX 1000
#define FL_EVENT_METRICS_MESSAGE 200

static void label_value(struct fl_buf *out, const char *s, size_t max)
{
    fl_buf_putc(out, '"');
    size_t n = 0;
    for (; s && *s && n < max; s++, n++) {
        if (*s == '\\')
            fl_buf_puts(out, "\\\\");
        else if (*s == '"')
            fl_buf_puts(out, "\\\"");
        else if (*s == '\n' || *s == '\r')
            fl_buf_puts(out, "\\n");
        else
            fl_buf_putc(out, *s);
    }
    fl_buf_putc(out, '"');
}

static int one_event(const struct fl_event *e, void *ud)
{
    struct fl_buf *out = ud;
    if (e->kind && !strcmp(e->kind, "alert"))
        return 0;
    fl_buf_puts(out, "faultline_change_event_timestamp_seconds{id=");
    label_value(out, e->id, 256);
    fl_buf_puts(out, ",kind=");
    label_value(out, e->kind, 64);
    fl_buf_puts(out, ",component=");
    label_value(out, e->component, 256);
    fl_buf_puts(out, ",message=");
    /* cut at a byte limit without splitting a UTF-8 sequence */
    size_t n = e->message ? strlen(e->message) : 0;
    if (n > FL_EVENT_METRICS_MESSAGE) {
        n = FL_EVENT_METRICS_MESSAGE;
        while (n > 0 && ((unsigned char)e->message[n] & 0xC0) == 0x80)
            n--;
    }
    label_value(out, e->message, n);
    fl_buf_printf(out, "} %lld.%03lld\n", (long long)(e->ts_ms / 1000),
                  (long long)(e->ts_ms % 1000 < 0 ? -(e->ts_ms % 1000) : e->ts_ms % 1000));
    return 0;
}

void fl_server__event_metrics(struct fl_server *s, struct fl_buf *out)
{
    if (!s->store)
        return;
    int64_t now = fl_time_now_ms();
    struct fl_event_query q = {.start_ms = now - FL_EVENT_METRICS_WINDOW_MS,
                               .end_ms = now,
                               .limit = FL_EVENT_METRICS_MAX};
    fl_buf_puts(out, "# HELP faultline_change_event_timestamp_seconds Change events of the last "
                     "24 hours (deploys, config, model, schema, infrastructure): the value is the "
                     "event's time, for Grafana annotations.\n"
                     "# TYPE faultline_change_event_timestamp_seconds gauge\n");
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_store_events(s->store, &q, one_event, out, &d) != FL_OK)
        FL_LOG_W("metrics: change events not listed: %s", d.msg);
}
