/* SPDX-License-Identifier: Apache-2.0 */
/*
 * selfmetrics.c: the registry behind GET /metrics (see selfmetrics.h).
 *
 * Output follows the Prometheus text exposition format 0.0.4: one contiguous block per family,
 * HELP and TYPE first, label values escaped (\\, \", \n), histogram buckets cumulative with
 * le="+Inf" equal to _count. The fixed registry keeps rendering allocation-free apart from the
 * output buffer.
 */
#include "selfmetrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/version.h"
#include "../store/store.h"
#include "alert_investigate.h"

static const double bucket_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                       0.25,  0.5,    1,     2.5,  5,     10};
#define N_BUCKETS (sizeof bucket_bounds / sizeof bucket_bounds[0])
#define CODE_SLOTS 24 /* distinct status codes tracked per route; more are folded into code 0 */

static const char *const kind_names[FL_SM_KIND__COUNT] = {
    "sample", "span", "inference", "outcome", "event", "model",
};

struct route_stats {
    char *name;
    int codes[CODE_SLOTS]; /* 0 = free slot */
    uint64_t code_counts[CODE_SLOTS];
    uint64_t buckets[N_BUCKETS]; /* non-cumulative counts per bucket */
    uint64_t count;
    double sum_s;
};

struct fl_selfmetrics {
    _Atomic uint64_t ingested[FL_SM_KIND__COUNT];
    _Atomic uint64_t rejected[FL_SM_KIND__COUNT][FL_ERR__COUNT];
    _Atomic int64_t in_flight;
    double start_time_s;
    pthread_mutex_t mu; /* guards routes[] */
    struct route_stats *routes;
    size_t n_routes; /* including the trailing "other" */
};

const char *fl_selfmetrics_kind_name(enum fl_sm_kind k)
{
    return (unsigned)k < FL_SM_KIND__COUNT ? kind_names[k] : "unknown";
}

const char *fl_selfmetrics_reason(fl_err e)
{
    switch (e) {
    case FL_OK:
        return "none";
    case FL_ENOMEM:
        return "nomem";
    case FL_EINVAL:
        return "invalid";
    case FL_EPARSE:
        return "parse";
    case FL_ELIMIT:
        return "limit";
    case FL_EIO:
        return "io";
    case FL_ESTORE:
        return "store";
    case FL_ENOTFOUND:
        return "notfound";
    case FL_ECONFIG:
        return "config";
    case FL_EAUTH:
        return "auth";
    case FL_EUNSUPPORTED:
        return "unsupported";
    case FL_ETIMEOUT:
        return "timeout";
    case FL_EREMOTE:
        return "remote";
    case FL_ENET:
        return "net";
    case FL_ECONFLICT:
        return "conflict";
    case FL_EBUSY:
        return "busy";
    case FL_ESHUTDOWN:
        return "shutdown";
    default:
        return "other";
    }
}

struct fl_selfmetrics *fl_selfmetrics_new(const char *const *routes, size_t n_routes,
                                          double start_time_s)
{
    struct fl_selfmetrics *m = fl_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->start_time_s = start_time_s;
    m->routes = fl_calloc(n_routes + 1, sizeof *m->routes);
    if (!m->routes) {
        fl_free(m);
        return NULL;
    }
    m->n_routes = n_routes + 1;
    for (size_t i = 0; i <= n_routes; i++) {
        m->routes[i].name = fl_strdup(i < n_routes ? routes[i] : "other");
        if (!m->routes[i].name) {
            m->n_routes = i;
            fl_selfmetrics_free(m);
            return NULL;
        }
    }
    for (size_t k = 0; k < FL_SM_KIND__COUNT; k++) {
        atomic_init(&m->ingested[k], 0);
        for (size_t e = 0; e < FL_ERR__COUNT; e++)
            atomic_init(&m->rejected[k][e], 0);
    }
    atomic_init(&m->in_flight, 0);
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void fl_selfmetrics_free(struct fl_selfmetrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_routes; i++)
        fl_free(m->routes[i].name);
    fl_free(m->routes);
    pthread_mutex_destroy(&m->mu);
    fl_free(m);
}

void fl_selfmetrics_ingested(struct fl_selfmetrics *m, enum fl_sm_kind k, uint64_t n)
{
    if (m && (unsigned)k < FL_SM_KIND__COUNT && n)
        atomic_fetch_add_explicit(&m->ingested[k], n, memory_order_relaxed);
}

void fl_selfmetrics_rejected(struct fl_selfmetrics *m, enum fl_sm_kind k, fl_err reason, uint64_t n)
{
    if (m && (unsigned)k < FL_SM_KIND__COUNT && (unsigned)reason < FL_ERR__COUNT && n)
        atomic_fetch_add_explicit(&m->rejected[k][reason], n, memory_order_relaxed);
}

void fl_selfmetrics_add_in_flight(struct fl_selfmetrics *m, int64_t delta)
{
    if (m)
        atomic_fetch_add_explicit(&m->in_flight, delta, memory_order_relaxed);
}

void fl_selfmetrics_observe_http(struct fl_selfmetrics *m, size_t route, int code,
                                 double duration_s)
{
    if (!m)
        return;
    if (route >= m->n_routes - 1)
        route = m->n_routes - 1;
    if (code < 100 || code > 599)
        code = 0;
    if (!(duration_s >= 0))
        duration_s = 0;
    pthread_mutex_lock(&m->mu);
    struct route_stats *r = &m->routes[route];
    size_t slot = CODE_SLOTS - 1;
    for (size_t i = 0; i < CODE_SLOTS; i++) {
        if (r->codes[i] == code || r->codes[i] == 0) {
            slot = i;
            break;
        }
    }
    if (r->codes[slot] != code && r->codes[slot] != 0)
        r->codes[slot] = 0; /* table full: fold into code "0"; never happens with real codes */
    else
        r->codes[slot] = code;
    r->code_counts[slot]++;
    size_t b = 0;
    while (b < N_BUCKETS && duration_s > bucket_bounds[b])
        b++;
    if (b < N_BUCKETS)
        r->buckets[b]++;
    r->count++;
    r->sum_s += duration_s;
    pthread_mutex_unlock(&m->mu);
}

/* ---- rendering ---- */

static void put_label_value(struct fl_buf *out, const char *s)
{
    fl_buf_putc(out, '"');
    for (; s && *s; s++) {
        if (*s == '\\')
            fl_buf_puts(out, "\\\\");
        else if (*s == '"')
            fl_buf_puts(out, "\\\"");
        else if (*s == '\n')
            fl_buf_puts(out, "\\n");
        else
            fl_buf_putc(out, *s);
    }
    fl_buf_putc(out, '"');
}

static void family(struct fl_buf *out, const char *name, const char *type, const char *help)
{
    fl_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_u64_line(struct fl_buf *out, const char *name, uint64_t v)
{
    fl_buf_printf(out, "%s %llu\n", name, (unsigned long long)v);
}

static void render_records(struct fl_selfmetrics *m, struct fl_buf *out)
{
    family(out, "faultline_ingested_records_total", "counter",
           "Records accepted and committed to the store, by kind.");
    for (size_t k = 0; k < FL_SM_KIND__COUNT; k++)
        fl_buf_printf(out, "faultline_ingested_records_total{kind=\"%s\"} %llu\n", kind_names[k],
                      (unsigned long long)atomic_load(&m->ingested[k]));
    family(out, "faultline_rejected_records_total", "counter",
           "Records or requests rejected, by kind and reason (the error code).");
    for (size_t k = 0; k < FL_SM_KIND__COUNT; k++) {
        /* parse and limit always appear so the family is never empty; other reasons once seen */
        for (size_t e = 1; e < FL_ERR__COUNT; e++) {
            uint64_t v = atomic_load(&m->rejected[k][e]);
            if (v == 0 && e != FL_EPARSE && e != FL_ELIMIT)
                continue;
            fl_buf_printf(out, "faultline_rejected_records_total{kind=\"%s\",reason=\"%s\"} %llu\n",
                          kind_names[k], fl_selfmetrics_reason((fl_err)e), (unsigned long long)v);
        }
    }
}

static void render_http(struct fl_selfmetrics *m, struct fl_buf *out)
{
    family(out, "faultline_http_requests_total", "counter",
           "HTTP requests answered, by route pattern and status code.");
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n_routes; i++) {
        const struct route_stats *r = &m->routes[i];
        for (size_t c = 0; c < CODE_SLOTS; c++) {
            if (!r->code_counts[c])
                continue;
            fl_buf_puts(out, "faultline_http_requests_total{route=");
            put_label_value(out, r->name);
            fl_buf_printf(out, ",code=\"%d\"} %llu\n", r->codes[c],
                          (unsigned long long)r->code_counts[c]);
        }
    }
    family(out, "faultline_http_request_duration_seconds", "histogram",
           "Time from the first byte of a request to the end of its handler, by route pattern.");
    char num[40];
    for (size_t i = 0; i < m->n_routes; i++) {
        const struct route_stats *r = &m->routes[i];
        uint64_t cum = 0;
        for (size_t b = 0; b < N_BUCKETS; b++) {
            cum += r->buckets[b];
            snprintf(num, sizeof num, "%g", bucket_bounds[b]); /* exact for these constants */
            fl_buf_puts(out, "faultline_http_request_duration_seconds_bucket{route=");
            put_label_value(out, r->name);
            fl_buf_printf(out, ",le=\"%s\"} %llu\n", num, (unsigned long long)cum);
        }
        fl_buf_puts(out, "faultline_http_request_duration_seconds_bucket{route=");
        put_label_value(out, r->name);
        fl_buf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)r->count);
        fl_buf_puts(out, "faultline_http_request_duration_seconds_sum{route=");
        put_label_value(out, r->name);
        fl_buf_puts(out, "} ");
        fl_buf_put_double(out, r->sum_s);
        fl_buf_puts(out, "\nfaultline_http_request_duration_seconds_count{route=");
        put_label_value(out, r->name);
        fl_buf_printf(out, "} %llu\n", (unsigned long long)r->count);
    }
    pthread_mutex_unlock(&m->mu);
    family(out, "faultline_http_requests_in_flight", "gauge",
           "HTTP requests being handled right now.");
    fl_buf_printf(out, "faultline_http_requests_in_flight %lld\n",
                  (long long)atomic_load(&m->in_flight));
}

/* Investigations opened from Alertmanager's alert groups (alert_investigate.h). */
static void render_alert_inv(struct fl_buf *out)
{
    struct fl_alert_inv_stats t;
    fl_alert_inv_totals(&t);
    family(out, "faultline_alert_investigations_total", "counter",
           "Firing Alertmanager groups by what became of them: investigation opened, failed, "
           "skipped (not new or no symptom), dropped (queue full or shutting down); and "
           "investigations reported back to Alertmanager, or whose report failed.");
    const char *names[6] = {"opened", "failed", "skipped", "dropped", "notified", "notify_failed"};
    uint64_t v[6] = {t.opened, t.failed, t.skipped, t.dropped, t.notified, t.notify_failed};
    for (size_t i = 0; i < 6; i++)
        fl_buf_printf(out, "faultline_alert_investigations_total{outcome=\"%s\"} %llu\n", names[i],
                      (unsigned long long)v[i]);
}

static void render_store(const struct fl_store_stats *st, struct fl_buf *out)
{
    static const struct {
        const char *name, *help;
        size_t off;
    } gauges[] = {
        {"faultline_store_bytes", "Size of the store's database and WAL files in bytes.",
         offsetof(struct fl_store_stats, bytes)},
        {"faultline_store_series", "Metric series in the store.",
         offsetof(struct fl_store_stats, n_series)},
        {"faultline_store_samples", "Metric samples in the store (head and chunks).",
         offsetof(struct fl_store_stats, n_samples)},
        {"faultline_store_spans", "Trace spans in the store.",
         offsetof(struct fl_store_stats, n_spans)},
        {"faultline_store_inferences", "Inference records in the store.",
         offsetof(struct fl_store_stats, n_inferences)},
        {"faultline_store_outcomes", "Outcome records in the store.",
         offsetof(struct fl_store_stats, n_outcomes)},
        {"faultline_store_events", "Change events in the store.",
         offsetof(struct fl_store_stats, n_events)},
        {"faultline_store_models", "Model versions in the registry.",
         offsetof(struct fl_store_stats, n_models)},
    };
    for (size_t i = 0; i < sizeof gauges / sizeof gauges[0]; i++) {
        uint64_t v;
        memcpy(&v, (const char *)st + gauges[i].off, sizeof v);
        family(out, gauges[i].name, "gauge", gauges[i].help);
        put_u64_line(out, gauges[i].name, v);
    }
}

static void target_labels(struct fl_buf *out, const char *name,
                          const struct fl_selfmetrics_target *t)
{
    fl_buf_printf(out, "%s{job=", name);
    put_label_value(out, t->job);
    fl_buf_puts(out, ",instance=");
    put_label_value(out, t->instance);
    fl_buf_puts(out, "} ");
}

static void render_targets(const struct fl_selfmetrics_target *ts, size_t n, struct fl_buf *out)
{
    if (n == 0)
        return;
    family(out, "faultline_scrape_target_up", "gauge",
           "1 if the last scrape of the target succeeded, else 0.");
    for (size_t i = 0; i < n; i++) {
        target_labels(out, "faultline_scrape_target_up", &ts[i]);
        fl_buf_printf(out, "%d\n", ts[i].up ? 1 : 0);
    }
    family(out, "faultline_scrape_duration_seconds", "gauge",
           "Duration of the last scrape of the target.");
    for (size_t i = 0; i < n; i++) {
        target_labels(out, "faultline_scrape_duration_seconds", &ts[i]);
        fl_buf_put_double(out, ts[i].duration_s);
        fl_buf_putc(out, '\n');
    }
    family(out, "faultline_scrape_samples_scraped", "gauge",
           "Samples exposed by the target in its last scrape.");
    for (size_t i = 0; i < n; i++) {
        target_labels(out, "faultline_scrape_samples_scraped", &ts[i]);
        fl_buf_printf(out, "%llu\n", (unsigned long long)ts[i].samples);
    }
}

void fl_selfmetrics_render(struct fl_selfmetrics *m, const struct fl_store_stats *st,
                           const struct fl_selfmetrics_target *targets, size_t n_targets,
                           struct fl_buf *out)
{
    family(out, "faultline_build_info", "gauge",
           "Always 1; the version label names the faultline build.");
    fl_buf_puts(out, "faultline_build_info{version=");
    put_label_value(out, FL_VERSION);
    fl_buf_puts(out, "} 1\n");
    family(out, "process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.");
    fl_buf_puts(out, "process_start_time_seconds ");
    fl_buf_put_double(out, m->start_time_s);
    fl_buf_putc(out, '\n');
    render_records(m, out);
    render_http(m, out);
    render_alert_inv(out);
    if (st)
        render_store(st, out);
    render_targets(targets, n_targets, out);
}
