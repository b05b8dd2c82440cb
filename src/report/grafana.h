/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grafana.h: a Grafana dashboard (JSON model, schemaVersion 39, importable with a Prometheus data
 * source chosen at import through the DS_PROMETHEUS input) of the system and model signals that
 * faultline knows about (issue 8, item 6; docs/GRAFANA.md):
 *   - one row per topology component (then per service or job met in the data) with a time-series
 *     panel per metric family: counters as rate(), histograms as P50/P99 histogram_quantile(),
 *     summaries' quantiles, gauges as they are; filtered by the component's match labels;
 *   - a row of KPIs: each kpis: entry as numerator / denominator rates by its dimensions;
 *   - a row of faultline's own model monitoring series (drift score per feature, drift share per
 *     model version, validation anomalies, null ratios, window rows) and one of batch jobs
 *     (late, seconds since the last success, rows of the last run);
 *   - annotations: faultline's change events (faultline_change_event_timestamp_seconds, placed at
 *     the event's own time) and firing Prometheus alerts (ALERTS).
 * All panels share one crosshair and time axis (graphTooltip 1), so system and model metrics line
 * up with the changes. Pure function of its inputs.
 */
#ifndef FL_REPORT_GRAFANA_H
#define FL_REPORT_GRAFANA_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"
#include "../core/err.h"

struct fl_config;

enum fl_grafana_type { FL_GF_GAUGE = 0, FL_GF_COUNTER, FL_GF_HISTOGRAM, FL_GF_SUMMARY };

/* A metric family found in the data, and which component its series belong to. */
struct fl_grafana_family {
    const char *name;      /* family name: for histograms without _bucket, counters with _total */
    int type;              /* enum fl_grafana_type */
    const char *component; /* component name; NULL = none found */
    const char *unit;      /* Grafana unit ("s", "bytes", "percentunit"...) or NULL */
};

struct fl_grafana_opts {
    const char *title; /* NULL = "faultline: system and model signals" */
    const char *uid;   /* NULL = "faultline-overview" */
    size_t max_panels_per_row; /* 0 = 24 */
};

/* Append the dashboard JSON to out (check fl_buf_err). cfg may be NULL (no topology, no KPIs). */
void fl_grafana_dashboard(const struct fl_config *cfg, const struct fl_grafana_family *fams,
                          size_t n_fams, const struct fl_grafana_opts *o, struct fl_buf *out);

/* The family and type of a series name with its label names (le, quantile): "x_bucket" with le
 * -> ("x", histogram); "x_total" -> counter; quantile label -> summary; "x_sum"/"x_count" ->
 * NULL (part of a histogram or summary family, not panels of their own). The family name is
 * written to name (cap bytes). Returns the type, or -1 when the series is not a panel. */
int fl_grafana_family_of(const char *series_name, bool has_le, bool has_quantile, char *name,
                         size_t cap);

#endif
