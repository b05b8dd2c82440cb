/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grafana.c: the Grafana dashboard JSON (grafana.h).
 */
#include "grafana.h"

#include <stdio.h>
#include <string.h>

#include "../config/config.h"

#define DS "{\"type\":\"prometheus\",\"uid\":\"${DS_PROMETHEUS}\"}"

struct gen {
    struct fl_buf *out;
    int id;   /* next panel id */
    int y;    /* next free grid row */
    int col;  /* 0 or 12: the next panel's x */
    bool first;
};

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcmp(s + n - m, suf);
}

int fl_grafana_family_of(const char *series_name, bool has_le, bool has_quantile, char *name,
                         size_t cap)
{
    size_t n = strlen(series_name);
    if (n == 0 || n >= cap)
        return -1;
    memcpy(name, series_name, n + 1);
    if (has_le && ends_with(series_name, "_bucket")) {
        name[n - 7] = 0;
        return FL_GF_HISTOGRAM;
    }
    if (has_quantile)
        return FL_GF_SUMMARY;
    if (ends_with(series_name, "_total") || ends_with(series_name, "_count") ||
        ends_with(series_name, "_sum"))
        return FL_GF_COUNTER;
    return FL_GF_GAUGE;
}

static void js(struct fl_buf *o, const char *s)
{
    fl_buf_put_json_str(o, s ? s : "", s ? strlen(s) : 0);
}

/* A PromQL string literal in double quotes (as it goes inside a JSON string, escaped twice). */
static void promql_str(struct fl_buf *b, const char *s)
{
    fl_buf_putc(b, '"');
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '"')
            fl_buf_putc(b, '\\');
        if (*s == '\n')
            fl_buf_puts(b, "\\n");
        else
            fl_buf_putc(b, *s);
    }
    fl_buf_putc(b, '"');
}

/* {l1="v1",...} of a component's match labels (empty braces when none). */
static void matcher(struct fl_buf *b, const struct fl_component *c, const char *fallback_label,
                    const char *fallback_value)
{
    fl_buf_putc(b, '{');
    if (c && c->n_match) {
        for (size_t i = 0; i < c->n_match; i++) {
            fl_buf_printf(b, "%s%s=", i ? "," : "", c->match[i].name);
            promql_str(b, c->match[i].value);
        }
    } else if (fallback_label && fallback_value) {
        fl_buf_printf(b, "%s=", fallback_label);
        promql_str(b, fallback_value);
    }
    fl_buf_putc(b, '}');
}

static void row(struct gen *g, const char *title)
{
    if (g->col) {
        g->y += 8;
        g->col = 0;
    }
    fl_buf_puts(g->out, g->first ? "" : ",");
    g->first = false;
    fl_buf_printf(g->out, "{\"type\":\"row\",\"id\":%d,\"collapsed\":false,\"panels\":[],"
                          "\"gridPos\":{\"h\":1,\"w\":24,\"x\":0,\"y\":%d},\"title\":",
                  g->id++, g->y);
    js(g->out, title);
    fl_buf_putc(g->out, '}');
    g->y += 1;
}

struct target {
    const char *expr, *legend;
};

static void panel(struct gen *g, const char *title, const char *unit, const struct target *t,
                  size_t n_t, const char *description)
{
    fl_buf_puts(g->out, ",");
    fl_buf_printf(g->out, "{\"type\":\"timeseries\",\"id\":%d,\"datasource\":" DS
                          ",\"gridPos\":{\"h\":8,\"w\":12,\"x\":%d,\"y\":%d},\"title\":",
                  g->id++, g->col, g->y);
    js(g->out, title);
    if (description) {
        fl_buf_puts(g->out, ",\"description\":");
        js(g->out, description);
    }
    fl_buf_puts(g->out, ",\"fieldConfig\":{\"defaults\":{\"unit\":");
    js(g->out, unit ? unit : "short");
    fl_buf_puts(g->out, ",\"custom\":{\"lineWidth\":1,\"fillOpacity\":0,\"spanNulls\":false}},"
                        "\"overrides\":[]},\"options\":{\"legend\":{\"displayMode\":\"list\","
                        "\"placement\":\"bottom\",\"showLegend\":true},\"tooltip\":{\"mode\":"
                        "\"multi\",\"sort\":\"desc\"}},\"targets\":[");
    for (size_t i = 0; i < n_t; i++) {
        fl_buf_printf(g->out, "%s{\"refId\":\"%c\",\"datasource\":" DS ",\"expr\":", i ? "," : "",
                      (char)('A' + i));
        js(g->out, t[i].expr);
        fl_buf_puts(g->out, ",\"legendFormat\":");
        js(g->out, t[i].legend ? t[i].legend : "__auto");
        fl_buf_puts(g->out, ",\"range\":true}");
    }
    fl_buf_puts(g->out, "]}");
    if (g->col) {
        g->col = 0;
        g->y += 8;
    } else {
        g->col = 12;
    }
}

static const char *unit_of(const char *name, int type)
{
    char base[256];
    snprintf(base, sizeof base, "%s", name);
    if (type == FL_GF_COUNTER && ends_with(base, "_total"))
        base[strlen(base) - 6] = 0;
    if (ends_with(base, "_seconds"))
        return "s";
    if (ends_with(base, "_bytes"))
        return "bytes";
    if (ends_with(base, "_ratio"))
        return "percentunit";
    return NULL;
}

/* The panels of one family under selector sel ("{...}"). */
static void family_panel(struct gen *g, const struct fl_grafana_family *f, const char *sel)
{
    struct fl_buf e1, e2;
    fl_buf_init(&e1, 64 * 1024);
    fl_buf_init(&e2, 64 * 1024);
    const char *unit = f->unit ? f->unit : unit_of(f->name, f->type);
    switch (f->type) {
    case FL_GF_COUNTER: {
        fl_buf_printf(&e1, "sum by (instance) (rate(%s%s[$__rate_interval]))", f->name, sel);
        struct target t = {e1.data, "{{instance}}"};
        char title[300];
        snprintf(title, sizeof title, "%s (per second)", f->name);
        panel(g, title, unit && !strcmp(unit, "s") ? "s" : "ops", &t, 1, NULL);
        break;
    }
    case FL_GF_HISTOGRAM: {
        fl_buf_printf(&e1, "histogram_quantile(0.99, sum by (le) (rate(%s_bucket%s[$__rate_interval])))",
                      f->name, sel);
        fl_buf_printf(&e2, "histogram_quantile(0.5, sum by (le) (rate(%s_bucket%s[$__rate_interval])))",
                      f->name, sel);
        struct target t[2] = {{e1.data, "P99"}, {e2.data, "P50"}};
        char title[300];
        snprintf(title, sizeof title, "%s P99 / P50", f->name);
        panel(g, title, unit, t, 2, NULL);
        break;
    }
    case FL_GF_SUMMARY: {
        fl_buf_printf(&e1, "%s%s", f->name, sel);
        struct target t = {e1.data, "{{quantile}} {{instance}}"};
        panel(g, f->name, unit, &t, 1, NULL);
        break;
    }
    default: {
        fl_buf_printf(&e1, "%s%s", f->name, sel);
        struct target t = {e1.data, NULL};
        panel(g, f->name, unit, &t, 1, NULL);
        break;
    }
    }
    fl_buf_cleanup(&e1);
    fl_buf_cleanup(&e2);
}

static const struct fl_component *component_of(const struct fl_config *cfg, const char *name)
{
    for (size_t i = 0; cfg && name && i < cfg->n_components; i++)
        if (!strcmp(cfg->components[i].name, name))
            return &cfg->components[i];
    return NULL;
}

static void component_rows(struct gen *g, const struct fl_config *cfg,
                           const struct fl_grafana_family *fams, size_t n, size_t max_panels)
{
    /* components in topology order, then the others in order of first appearance */
    const char *done[512];
    size_t n_done = 0;
    for (size_t pass = 0; pass < 2; pass++) {
        size_t nc = pass == 0 ? (cfg ? cfg->n_components : 0) : n;
        for (size_t i = 0; i < nc; i++) {
            const char *comp = pass == 0 ? cfg->components[i].name : fams[i].component;
            if (!comp)
                continue;
            bool seen = false;
            for (size_t k = 0; k < n_done && !seen; k++)
                seen = !strcmp(done[k], comp);
            if (seen || n_done == sizeof done / sizeof *done)
                continue;
            size_t count = 0;
            for (size_t f = 0; f < n; f++)
                count += fams[f].component && !strcmp(fams[f].component, comp);
            if (!count)
                continue;
            done[n_done++] = comp;
            const struct fl_component *c = component_of(cfg, comp);
            char title[300];
            snprintf(title, sizeof title, "%s%s%s%s", comp, c && c->kind ? " (" : "",
                     c && c->kind ? c->kind : "", c && c->kind ? ")" : "");
            row(g, title);
            struct fl_buf sel;
            fl_buf_init(&sel, 16 * 1024);
            matcher(&sel, c, "service", comp);
            size_t shown = 0;
            for (size_t f = 0; f < n && shown < max_panels; f++)
                if (fams[f].component && !strcmp(fams[f].component, comp)) {
                    family_panel(g, &fams[f], sel.data);
                    shown++;
                }
            fl_buf_cleanup(&sel);
        }
    }
}

/* Families whose series name no component: one row, unfiltered. */
static void other_row(struct gen *g, const struct fl_grafana_family *fams, size_t n,
                      size_t max_panels)
{
    size_t shown = 0;
    for (size_t f = 0; f < n && shown < max_panels; f++) {
        if (fams[f].component)
            continue;
        if (!shown)
            row(g, "other metrics (no component)");
        family_panel(g, &fams[f], "{}");
        shown++;
    }
}

static void kpi_rows(struct gen *g, const struct fl_config *cfg)
{
    if (!cfg || !cfg->n_kpis)
        return;
    row(g, "KPIs");
    for (size_t i = 0; i < cfg->n_kpis; i++) {
        const struct fl_kpi *k = &cfg->kpis[i];
        struct fl_buf by, e;
        fl_buf_init(&by, 4096);
        fl_buf_init(&e, 64 * 1024);
        for (size_t d = 0; d < k->n_dimensions; d++)
            fl_buf_printf(&by, "%s%s", d ? "," : "", k->dimensions[d]);
        const char *grp = by.data ? by.data : "";
        if (k->denominator)
            fl_buf_printf(&e,
                          "sum by (%s) (rate(%s[$__rate_interval])) / sum by (%s) "
                          "(rate(%s[$__rate_interval]))",
                          grp, k->numerator, grp, k->denominator);
        else
            fl_buf_printf(&e, "sum by (%s) (%s)", grp, k->numerator);
        struct fl_buf legend;
        fl_buf_init(&legend, 4096);
        for (size_t d = 0; d < k->n_dimensions; d++)
            fl_buf_printf(&legend, "%s{{%s}}", d ? " " : "", k->dimensions[d]);
        struct target t = {e.data, legend.data ? legend.data : k->name};
        char desc[600];
        snprintf(desc, sizeof desc, "%s = %s%s%s by its dimensions (faultline.yml kpis)", k->name,
                 k->numerator, k->denominator ? " / " : "", k->denominator ? k->denominator : "");
        panel(g, k->name, k->denominator ? "percentunit" : NULL, &t, 1, desc);
        fl_buf_cleanup(&by);
        fl_buf_cleanup(&e);
        fl_buf_cleanup(&legend);
    }
}

static void faultline_rows(struct gen *g)
{
    row(g, "Models (faultline monitoring)");
    struct target drift = {"max by (model, version, feature) (faultline_feature_drift_score)",
                           "{{model}} {{version}} {{feature}}"};
    panel(g, "feature drift score", NULL, &drift, 1,
          "faultline's drift score per feature of each model version, window against reference "
          "(docs/MONITORING.md)");
    struct target share = {"faultline_model_drift_share", "{{model}} {{version}}"};
    panel(g, "share of drifted features", "percentunit", &share, 1, NULL);
    struct target val = {"sum by (model, version) (rate(faultline_validation_anomalies_total"
                         "[$__rate_interval]))",
                         "{{model}} {{version}}"};
    panel(g, "validation anomalies (per second)", "ops", &val, 1, NULL);
    struct target nulls = {"max by (model, version, feature) (faultline_feature_window_null_ratio)",
                           "{{model}} {{feature}}"};
    panel(g, "null ratio of served features", "percentunit", &nulls, 1, NULL);
    struct target rows = {"faultline_inference_window_rows", "{{model}} {{version}}"};
    panel(g, "inferences per window (traffic by version)", NULL, &rows, 1, NULL);
    row(g, "Batch jobs and pipelines (faultline freshness)");
    struct target late = {"faultline_batch_late", "{{component}}"};
    panel(g, "late (1) or on time (0)", NULL, &late, 1,
          "freshness: no successful run within every + grace (docs/REGISTRY.md)");
    struct target since = {"time() - faultline_batch_last_success_timestamp_seconds",
                           "{{component}}"};
    panel(g, "time since the last successful run", "s", &since, 1, NULL);
    struct target rowsl = {"faultline_batch_rows_last_run", "{{component}}"};
    panel(g, "rows of the last run", NULL, &rowsl, 1, NULL);
}

void fl_grafana_dashboard(const struct fl_config *cfg, const struct fl_grafana_family *fams,
                          size_t n_fams, const struct fl_grafana_opts *o, struct fl_buf *out)
{
    struct fl_grafana_opts def = {0};
    if (!o)
        o = &def;
    struct gen g = {.out = out, .id = 1, .first = true};
    fl_buf_puts(out,
                "{\"__inputs\":[{\"name\":\"DS_PROMETHEUS\",\"label\":\"Prometheus\","
                "\"description\":\"the Prometheus that scrapes your services and faultline's "
                "/metrics\",\"type\":\"datasource\",\"pluginId\":\"prometheus\","
                "\"pluginName\":\"Prometheus\"}],"
                "\"__requires\":[{\"type\":\"grafana\",\"id\":\"grafana\",\"name\":\"Grafana\","
                "\"version\":\"10.0.0\"},{\"type\":\"datasource\",\"id\":\"prometheus\","
                "\"name\":\"Prometheus\",\"version\":\"1.0.0\"},{\"type\":\"panel\",\"id\":"
                "\"timeseries\",\"name\":\"Time series\",\"version\":\"\"}],"
                "\"annotations\":{\"list\":["
                "{\"builtIn\":1,\"datasource\":{\"type\":\"grafana\",\"uid\":\"-- Grafana --\"},"
                "\"enable\":true,\"hide\":true,\"iconColor\":\"rgba(0, 211, 255, 1)\",\"name\":"
                "\"Annotations & Alerts\",\"type\":\"dashboard\"},"
                "{\"name\":\"change events (faultline)\",\"datasource\":" DS ",\"enable\":true,"
                "\"iconColor\":\"#F2495C\",\"expr\":\"faultline_change_event_timestamp_seconds * "
                "1000\",\"useValueForTime\":true,\"step\":\"60s\",\"titleFormat\":\"{{kind}} on "
                "{{component}}\",\"textFormat\":\"{{message}} ({{id}})\",\"tagKeys\":\"kind,"
                "component\"},"
                "{\"name\":\"firing alerts\",\"datasource\":" DS ",\"enable\":true,"
                "\"iconColor\":\"#FF9830\",\"expr\":\"ALERTS{alertstate=\\\"firing\\\"}\","
                "\"step\":\"60s\",\"titleFormat\":\"{{alertname}}\",\"tagKeys\":\"alertname,"
                "severity\"}]},"
                "\"description\":\"System and model signals on one time axis, with change events "
                "and alerts as annotations. Generated by faultline export grafana.\","
                "\"editable\":true,\"fiscalYearStartMonth\":0,\"graphTooltip\":1,\"links\":[],"
                "\"liveNow\":false,\"panels\":[");
    size_t maxp = o->max_panels_per_row ? o->max_panels_per_row : 24;
    component_rows(&g, cfg, fams, n_fams, maxp);
    other_row(&g, fams, n_fams, maxp);
    kpi_rows(&g, cfg);
    faultline_rows(&g);
    fl_buf_puts(out, "],\"refresh\":\"1m\",\"schemaVersion\":39,\"tags\":[\"faultline\"],"
                     "\"templating\":{\"list\":[]},\"time\":{\"from\":\"now-6h\",\"to\":\"now\"},"
                     "\"timepicker\":{},\"timezone\":\"browser\",\"title\":");
    js(out, o->title ? o->title : "faultline: system and model signals");
    fl_buf_puts(out, ",\"uid\":");
    js(out, o->uid ? o->uid : "faultline-overview");
    fl_buf_puts(out, ",\"version\":1,\"weekStart\":\"\"}\n");
}
