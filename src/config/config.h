/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h: faultline.yml, read with libyaml.
 *
 * Every key is documented in docs/CONFIG.md and shown in faultline.example.yml. Errors name the
 * file, line, column and key path: `faultline.yml:12:7: scrape_configs[0].interval: expected a
 * duration like 15s`. Unknown keys are errors (a typo must not silently drop a setting). With no
 * file at all, fl_config_default gives a configuration under which `faultline serve` is useful:
 * listen on 127.0.0.1:9470, store in ./faultline-data, scrape itself.
 */
#ifndef FL_CONFIG_CONFIG_H
#define FL_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/limits.h"
#include "../core/record.h"

struct fl_scrape_job {
    char *job_name;
    char **targets; /* "host:port" */
    size_t n_targets;
    char *scheme;        /* "http" (default) or "https" */
    char *metrics_path;  /* default "/metrics" */
    int64_t interval_ms; /* default global.scrape_interval (15s) */
    int64_t timeout_ms;  /* default global.scrape_timeout (10s), must be <= interval */
    struct fl_label *labels; /* extra labels added to every sample; owned strings */
    size_t n_labels;
    char *bearer_token; /* optional */
};

/* A Prometheus-API-compatible server to read series from through /api/v1/query_range. */
struct fl_remote_source {
    char *name;
    char *url; /* base URL, e.g. http://prometheus:9090 */
    char **selectors;
    size_t n_selectors;
    int64_t step_ms;    /* default 15s */
    int64_t timeout_ms; /* default 30s */
    char *bearer_token; /* optional */
};

/* Component kinds accepted in topology; keep docs/CONFIG.md in step. */
#define FL_COMPONENT_KIND_LIST(X)                                                                  \
    X(service) X(database) X(feature_store) X(model_server) X(batch_job) X(node) X(network)        \
    X(queue) X(cache) X(gateway) X(external)

struct fl_component {
    char *name;
    char *kind; /* one of FL_COMPONENT_KIND_LIST */
    char **depends_on; /* names of other components (validated to exist) */
    size_t n_depends_on;
    struct fl_label *match; /* metric labels that identify it, e.g. {service="recs"} */
    size_t n_match;
    char *trace_service; /* service.name in traces, default: name */
};

enum { FL_KPI_DIR_DEFAULT = 0, FL_KPI_DIR_UP = 1, FL_KPI_DIR_DOWN = 2, FL_KPI_DIR_BOTH = 3 };

/* A business KPI, e.g. ctr = clicks / impressions by platform, country. */
struct fl_kpi {
    char *name;
    char *numerator;   /* series selector or metric name */
    char *denominator; /* NULL for a plain metric */
    char **dimensions;
    size_t n_dimensions;
    int higher_is_better; /* 1 (default) or 0 */
    int direction;        /* which change degrades it: 0 = from higher_is_better, 1 = up,
                           * 2 = down, 3 = both (a blocked ratio: fewer blocks let fraud through,
                           * more block customers); FL_KPI_DIR_* */
    char *component;      /* optional: component the KPI belongs to */
};

struct fl_model_cfg {
    char *name;
    char *component;      /* model_server or batch_job component serving it */
    char *reference;      /* path to a training reference (JSONL/CSV), optional */
    char **features;      /* expected feature names (optional) */
    size_t n_features;
    char *outcome;        /* outcome name joined to predictions, e.g. "click" (optional) */
};

/*
 * The expected cadence of a batch job or feature pipeline: freshness is judged from its
 * batch_run / feature_pipeline_run events (src/monitor/freshness.h, docs/REGISTRY.md).
 */
struct fl_freshness_cfg {
    char *component;          /* component of the run events; defined in topology */
    int64_t every_ms;         /* expected time between successful runs (required) */
    int64_t grace_ms;         /* allowed lateness on top (default every / 10) */
    int64_t startup_grace_ms; /* a job never seen since watching began is unknown this long,
                                 then alerts (default every + grace) */
    int64_t min_rows, max_rows; /* rows of a successful run must lie within; -1 = unchecked */
    double max_drop;          /* fraction in (0, 1]: a success with fewer rows than
                                 (1 - max_drop) x the median of the previous ones; 0 = unchecked */
    unsigned history;         /* previous successful runs in that median (default 7) */
};

/*
 * Live ML monitoring inside `faultline serve` (src/monitor/live.h, docs/MONITORING.md): committed
 * inference records are profiled per model version and time window; closed windows are compared
 * with the reference and with the previous window.
 */
struct fl_monitoring_cfg {
    int enabled;                  /* default 1 */
    int64_t window_ms;            /* window length (default 1h) */
    int64_t grace_ms;             /* a window closes this long after its end (default 1m) */
    uint64_t min_rows;            /* fewer rows in a window: no drift verdict (default 100) */
    unsigned open_windows;        /* windows kept open per model version (default 3) */
    char **segment_by;            /* segment dimensions also profiled */
    size_t n_segment_by;
    char *drift_options;          /* drift options file (monitor/drift.h), or NULL */
    int64_t tick_ms;              /* how often windows are checked for closing (default 10s) */
    int64_t reference_refresh_ms; /* registry references re-read this often (default 5m) */
    int64_t forget_after_ms;      /* a version without records this long leaves /metrics (1d) */
};

/* Where investigations opened by Alertmanager are reported back (notify:, docs/ALERTING.md). */
struct fl_notify_cfg {
    char *alertmanager_url; /* post the result as an alert to its /api/v2/alerts; NULL = off */
    char *external_url;     /* how people reach this faultline, for links; NULL = from listen */
    char *bearer_token;     /* sent to Alertmanager; NULL = none */
    int64_t timeout_ms;     /* per request (default 10s) */
};

struct fl_config {
    char *source;   /* file name it was read from, or "(defaults)" */
    char *listen;   /* "127.0.0.1:9470" */
    char *data_dir; /* "./faultline-data" */
    int64_t retention_ms;       /* default 15d */
    char *log_level;            /* "info" */
    char *auth_token;           /* bearer token for write routes, NULL = no auth */
    int64_t scrape_interval_ms; /* global default 15s */
    int64_t scrape_timeout_ms;  /* global default 10s */
    int self_scrape;            /* scrape own /metrics into the store (default 1) */
    unsigned threads;           /* HTTP thread pool size (default 4) */
    struct fl_limits limits;
    struct fl_scrape_job *scrape_jobs;
    size_t n_scrape_jobs;
    struct fl_remote_source *remotes;
    size_t n_remotes;
    struct fl_component *components;
    size_t n_components;
    struct fl_kpi *kpis;
    size_t n_kpis;
    struct fl_model_cfg *models;
    size_t n_models;
    struct fl_freshness_cfg *freshness;
    size_t n_freshness;
    int64_t stale_window_ms;   /* feature_staleness.window (default 15m) */
    size_t stale_max_requests; /* feature_staleness.max_requests (default 100000) */
    struct fl_monitoring_cfg monitoring;
    struct fl_notify_cfg notify;
};

/* The built-in defaults (no file). *out owned by caller; fl_config_free. */
fl_err fl_config_default(struct fl_config **out) FL_MUST_CHECK;
/* Parse YAML text; name is used in diagnostics ("faultline.yml"). Unknown keys are errors. */
fl_err fl_config_parse(const char *p, size_t len, const char *name, struct fl_config **out,
                       struct fl_diag *d) FL_MUST_CHECK;
/* Read and parse a file. */
fl_err fl_config_load(const char *path, struct fl_config **out, struct fl_diag *d) FL_MUST_CHECK;
void fl_config_free(struct fl_config *c);
/* Append the configuration as YAML that fl_config_parse reads back to the same values (secrets
 * shown as "<secret>"). Sticky errors in out. */
struct fl_buf;
void fl_config_write_yaml(const struct fl_config *c, struct fl_buf *out);
/* Find a component by name, NULL if absent. */
const struct fl_component *fl_config_component(const struct fl_config *c, const char *name);

#endif
