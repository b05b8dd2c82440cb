/* SPDX-License-Identifier: Apache-2.0 */
/*
 * emit.c: the effective configuration as YAML (`faultline config show` / `config defaults`).
 * Strings are always double-quoted with JSON escapes, which YAML reads back unchanged.
 */
#include <inttypes.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "core/buf.h"
#include "core/time.h"

static void q(struct fl_buf *b, const char *s)
{
    fl_buf_put_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

static void dur(struct fl_buf *b, int64_t ms)
{
    char t[32];
    fl_duration_fmt(ms, t, sizeof t);
    fl_buf_puts(b, t);
}

static void strv(struct fl_buf *b, char *const *v, size_t n)
{
    fl_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            fl_buf_puts(b, ", ");
        q(b, v[i]);
    }
    fl_buf_putc(b, ']');
}

static void labels(struct fl_buf *b, const struct fl_label *l, size_t n)
{
    fl_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            fl_buf_puts(b, ", ");
        fl_buf_printf(b, "%s: ", l[i].name);
        q(b, l[i].value);
    }
    fl_buf_putc(b, '}');
}

/* A job with several static_configs is stored as consecutive fl_scrape_job entries with the same
 * job_name (and settings); it is written back as one job with several static_configs. */
static void emit_scrape(const struct fl_config *c, struct fl_buf *b)
{
    fl_buf_puts(b, "scrape_configs:");
    if (!c->n_scrape_jobs)
        fl_buf_puts(b, " []");
    fl_buf_putc(b, '\n');
    for (size_t i = 0; i < c->n_scrape_jobs; i++) {
        const struct fl_scrape_job *j = &c->scrape_jobs[i];
        if (i == 0 || strcmp(j->job_name, c->scrape_jobs[i - 1].job_name)) {
            fl_buf_puts(b, "  - job_name: ");
            q(b, j->job_name);
            fl_buf_printf(b, "\n    scheme: %s\n    metrics_path: ", j->scheme);
            q(b, j->metrics_path);
            fl_buf_puts(b, "\n    scrape_interval: ");
            dur(b, j->interval_ms);
            fl_buf_puts(b, "\n    scrape_timeout: ");
            dur(b, j->timeout_ms);
            if (j->bearer_token)
                fl_buf_puts(b, "\n    bearer_token: \"<secret>\"");
            fl_buf_puts(b, "\n    static_configs:\n");
        }
        fl_buf_puts(b, "      - targets: ");
        strv(b, j->targets, j->n_targets);
        fl_buf_puts(b, "\n        labels: ");
        labels(b, j->labels, j->n_labels);
        fl_buf_putc(b, '\n');
    }
}

/* freshness and feature_staleness are written only when set, so that the output of a
 * configuration without them stays as it was before they existed. */
static void emit_freshness(const struct fl_config *c, struct fl_buf *b)
{
    if (c->n_freshness)
        fl_buf_puts(b, "freshness:\n");
    for (size_t i = 0; i < c->n_freshness; i++) {
        const struct fl_freshness_cfg *f = &c->freshness[i];
        fl_buf_puts(b, "  - component: ");
        q(b, f->component);
        fl_buf_puts(b, "\n    every: ");
        dur(b, f->every_ms);
        fl_buf_puts(b, "\n    grace: ");
        dur(b, f->grace_ms);
        fl_buf_puts(b, "\n    startup_grace: ");
        dur(b, f->startup_grace_ms);
        if (f->min_rows >= 0)
            fl_buf_printf(b, "\n    min_rows: %lld", (long long)f->min_rows);
        if (f->max_rows >= 0)
            fl_buf_printf(b, "\n    max_rows: %lld", (long long)f->max_rows);
        if (f->max_drop > 0) {
            fl_buf_puts(b, "\n    max_drop: ");
            fl_buf_put_double(b, f->max_drop);
        }
        fl_buf_printf(b, "\n    history: %u\n", f->history);
    }
    if (c->stale_window_ms != FL_CONFIG_STALE_WINDOW_MS ||
        c->stale_max_requests != FL_CONFIG_STALE_MAX_REQUESTS) {
        fl_buf_puts(b, "feature_staleness:\n  window: ");
        dur(b, c->stale_window_ms);
        fl_buf_printf(b, "\n  max_requests: %zu\n", c->stale_max_requests);
    }
}

/* monitoring is written only when it differs from the defaults (as freshness above). */
static void emit_monitoring(const struct fl_config *c, struct fl_buf *b)
{
    const struct fl_monitoring_cfg *m = &c->monitoring;
    struct fl_monitoring_cfg def;
    fl_config__monitoring_default(&def);
    if (m->enabled == def.enabled && m->window_ms == def.window_ms &&
        m->grace_ms == def.grace_ms && m->min_rows == def.min_rows &&
        m->open_windows == def.open_windows && !m->n_segment_by && !m->drift_options &&
        m->tick_ms == def.tick_ms && m->reference_refresh_ms == def.reference_refresh_ms &&
        m->forget_after_ms == def.forget_after_ms)
        return;
    fl_buf_printf(b, "monitoring:\n  enabled: %s\n  window: ", m->enabled ? "true" : "false");
    dur(b, m->window_ms);
    fl_buf_puts(b, "\n  grace: ");
    dur(b, m->grace_ms);
    fl_buf_printf(b, "\n  min_rows: %llu\n  open_windows: %u\n  segment_by: ",
                  (unsigned long long)m->min_rows, m->open_windows);
    strv(b, m->segment_by, m->n_segment_by);
    if (m->drift_options) {
        fl_buf_puts(b, "\n  drift_options: ");
        q(b, m->drift_options);
    }
    fl_buf_puts(b, "\n  tick: ");
    dur(b, m->tick_ms);
    fl_buf_puts(b, "\n  reference_refresh: ");
    dur(b, m->reference_refresh_ms);
    fl_buf_puts(b, "\n  forget_after: ");
    dur(b, m->forget_after_ms);
    fl_buf_putc(b, '\n');
}

static void emit_rest(const struct fl_config *c, struct fl_buf *b)
{
    fl_buf_printf(b, "remote_sources:%s\n", c->n_remotes ? "" : " []");
    for (size_t i = 0; i < c->n_remotes; i++) {
        const struct fl_remote_source *r = &c->remotes[i];
        fl_buf_puts(b, "  - name: ");
        q(b, r->name);
        fl_buf_puts(b, "\n    url: ");
        q(b, r->url);
        fl_buf_puts(b, "\n    selectors: ");
        strv(b, r->selectors, r->n_selectors);
        fl_buf_puts(b, "\n    step: ");
        dur(b, r->step_ms);
        fl_buf_puts(b, "\n    timeout: ");
        dur(b, r->timeout_ms);
        fl_buf_putc(b, '\n');
    }
    fl_buf_printf(b, "topology:\n  components:%s\n", c->n_components ? "" : " []");
    for (size_t i = 0; i < c->n_components; i++) {
        const struct fl_component *m = &c->components[i];
        fl_buf_puts(b, "    - name: ");
        q(b, m->name);
        fl_buf_printf(b, "\n      kind: %s\n      depends_on: ", m->kind);
        strv(b, m->depends_on, m->n_depends_on);
        fl_buf_puts(b, "\n      match: ");
        labels(b, m->match, m->n_match);
        fl_buf_puts(b, "\n      trace_service: ");
        q(b, m->trace_service);
        fl_buf_putc(b, '\n');
    }
    fl_buf_printf(b, "kpis:%s\n", c->n_kpis ? "" : " []");
    for (size_t i = 0; i < c->n_kpis; i++) {
        const struct fl_kpi *k = &c->kpis[i];
        fl_buf_puts(b, "  - name: ");
        q(b, k->name);
        fl_buf_puts(b, "\n    numerator: ");
        q(b, k->numerator);
        if (k->denominator) {
            fl_buf_puts(b, "\n    denominator: ");
            q(b, k->denominator);
        }
        fl_buf_puts(b, "\n    dimensions: ");
        strv(b, k->dimensions, k->n_dimensions);
        fl_buf_printf(b, "\n    higher_is_better: %s\n", k->higher_is_better ? "true" : "false");
        if (k->direction == FL_KPI_DIR_UP || k->direction == FL_KPI_DIR_DOWN ||
            k->direction == FL_KPI_DIR_BOTH)
            fl_buf_printf(b, "    direction: %s\n",
                          k->direction == FL_KPI_DIR_UP     ? "up"
                          : k->direction == FL_KPI_DIR_DOWN ? "down"
                                                            : "both");
        if (k->component) {
            fl_buf_puts(b, "    component: ");
            q(b, k->component);
            fl_buf_putc(b, '\n');
        }
    }
    fl_buf_printf(b, "models:%s\n", c->n_models ? "" : " []");
    for (size_t i = 0; i < c->n_models; i++) {
        const struct fl_model_cfg *m = &c->models[i];
        fl_buf_puts(b, "  - name: ");
        q(b, m->name);
        if (m->component) {
            fl_buf_puts(b, "\n    component: ");
            q(b, m->component);
        }
        if (m->reference) {
            fl_buf_puts(b, "\n    reference: ");
            q(b, m->reference);
        }
        if (m->outcome) {
            fl_buf_puts(b, "\n    outcome: ");
            q(b, m->outcome);
        }
        fl_buf_puts(b, "\n    features: ");
        strv(b, m->features, m->n_features);
        fl_buf_putc(b, '\n');
    }
    emit_freshness(c, b);
    emit_monitoring(c, b);
}

void fl_config_write_yaml(const struct fl_config *c, struct fl_buf *b)
{
    fl_buf_printf(b, "# effective configuration from %s\nlisten: ", c->source);
    q(b, c->listen);
    fl_buf_puts(b, "\ndata_dir: ");
    q(b, c->data_dir);
    fl_buf_puts(b, "\nretention: ");
    dur(b, c->retention_ms);
    fl_buf_printf(b, "\nlog_level: %s\nthreads: %u\nself_scrape: %s\n", c->log_level, c->threads,
                  c->self_scrape ? "true" : "false");
    if (c->auth_token)
        fl_buf_puts(b, "auth:\n  bearer_token: \"<secret>\"\n");
    const struct fl_limits *l = &c->limits;
    fl_buf_printf(b,
                  "limits:\n  body_bytes: %zu\n  line_bytes: %zu\n  labels_per_series: %zu\n"
                  "  series_per_target: %zu\n  scrape_bytes: %zu\n  records_per_batch: %zu\n",
                  l->body_bytes, l->line_bytes, l->labels_per_series, l->series_per_target,
                  l->scrape_bytes, l->records_per_batch);
    fl_buf_puts(b, "global:\n  scrape_interval: ");
    dur(b, c->scrape_interval_ms);
    fl_buf_puts(b, "\n  scrape_timeout: ");
    dur(b, c->scrape_timeout_ms);
    fl_buf_putc(b, '\n');
    emit_scrape(c, b);
    emit_rest(c, b);
    const struct fl_notify_cfg *n = &c->notify;
    fl_buf_puts(b, "notify:");
    if (n->alertmanager_url) {
        fl_buf_puts(b, "\n  alertmanager_url: ");
        q(b, n->alertmanager_url);
    }
    if (n->external_url) {
        fl_buf_puts(b, "\n  external_url: ");
        q(b, n->external_url);
    }
    if (n->bearer_token)
        fl_buf_puts(b, "\n  bearer_token: \"<secret>\"");
    fl_buf_puts(b, "\n  timeout: ");
    dur(b, n->timeout_ms);
    fl_buf_putc(b, '\n');
}
