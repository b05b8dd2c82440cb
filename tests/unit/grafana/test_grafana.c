// SPDX-License-Identifier: Apache-2.0
/*
 * test_grafana.c: the Grafana dashboard of src/report/grafana.h: valid JSON of Grafana's model
 * with the import input, panels that do not overlap, one row per component with its match labels
 * in every query, histograms as quantiles, counters as rates, the KPI ratio by its dimensions,
 * faultline's own series, and the annotations (change events placed by their own time).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "config/config.h"
#include "core/buf.h"
#include "report/grafana.h"

static const char *yaml =
    "topology:\n"
    "  components:\n"
    "    - {name: recs, kind: service, match: {service: recs, env: \"p\\\"rod\"}}\n"
    "    - {name: model-server, kind: model_server, match: {service: model-server}}\n"
    "kpis:\n"
    "  - {name: ctr, numerator: clicks_total, denominator: impressions_total, "
    "dimensions: [platform, country]}\n";

static json_t *dashboard(const struct fl_grafana_family *f, size_t n, struct fl_config *cfg)
{
    struct fl_buf b;
    fl_buf_init(&b, 1 << 24);
    struct fl_grafana_opts o = {.title = "t", .uid = "u"};
    fl_grafana_dashboard(cfg, f, n, &o, &b);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    json_error_t je;
    json_t *d = json_loads(b.data, 0, &je);
    cr_assert_not_null(d, "line %d: %s", je.line, je.text);
    fl_buf_cleanup(&b);
    return d;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

Test(grafana, dashboard_model)
{
    struct fl_config *cfg;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_config_parse(yaml, strlen(yaml), "t.yml", &cfg, &d), FL_OK, "%s", d.msg);
    struct fl_grafana_family f[] = {
        {"http_request_duration_seconds", FL_GF_HISTOGRAM, "recs", NULL},
        {"http_requests_total", FL_GF_COUNTER, "recs", NULL},
        {"process_resident_memory_bytes", FL_GF_GAUGE, "model-server", NULL},
        {"rpc_latency", FL_GF_SUMMARY, "payments", NULL}, /* met in the data only */
        {"node_load1", FL_GF_GAUGE, NULL, NULL},
    };
    json_t *db = dashboard(f, 5, cfg);
    cr_expect_str_eq(str(db, "title"), "t");
    cr_expect_str_eq(str(db, "uid"), "u");
    cr_expect_eq(json_integer_value(json_object_get(db, "graphTooltip")), 1, "shared crosshair");
    cr_expect_eq(json_integer_value(json_object_get(db, "schemaVersion")), 39);
    json_t *in = json_array_get(json_object_get(db, "__inputs"), 0);
    cr_expect_str_eq(str(in, "name"), "DS_PROMETHEUS");
    cr_expect_str_eq(str(in, "pluginId"), "prometheus");

    json_t *panels = json_object_get(db, "panels");
    size_t n = json_array_size(panels);
    cr_assert_gt(n, 10);
    /* ids unique, grid cells never overlap */
    static unsigned char grid[400][24];
    memset(grid, 0, sizeof grid);
    const char *rows[16];
    size_t n_rows = 0;
    bool hist = false, counter = false, gauge = false, summary = false, kpi = false, drift = false;
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(panels, i);
        cr_expect_eq(json_integer_value(json_object_get(p, "id")), (json_int_t)i + 1);
        json_t *gp = json_object_get(p, "gridPos");
        int x = (int)json_integer_value(json_object_get(gp, "x"));
        int y = (int)json_integer_value(json_object_get(gp, "y"));
        int w = (int)json_integer_value(json_object_get(gp, "w"));
        int h = (int)json_integer_value(json_object_get(gp, "h"));
        cr_assert(x >= 0 && w > 0 && x + w <= 24 && y + h < 400);
        for (int yy = y; yy < y + h; yy++)
            for (int xx = x; xx < x + w; xx++) {
                cr_expect_eq(grid[yy][xx], 0, "panel %zu overlaps at %d,%d", i + 1, xx, yy);
                grid[yy][xx] = 1;
            }
        if (!strcmp(str(p, "type"), "row")) {
            if (n_rows < 16)
                rows[n_rows++] = str(p, "title");
            continue;
        }
        cr_expect_str_eq(str(json_object_get(p, "datasource"), "uid"), "${DS_PROMETHEUS}");
        json_t *t = json_object_get(p, "targets");
        cr_assert_gt(json_array_size(t), 0);
        const char *e = str(json_array_get(t, 0), "expr");
        cr_assert_not_null(e);
        if (strstr(e, "http_request_duration_seconds_bucket")) {
            hist = true;
            cr_expect(strstr(e, "histogram_quantile(0.99, sum by (le) (rate(") == e, "%s", e);
            cr_expect(strstr(e, "{service=\"recs\",env=\"p\\\"rod\"}") != NULL,
                      "match labels, escaped: %s", e);
            cr_expect_eq(json_array_size(t), 2, "P99 and P50");
        }
        if (strstr(e, "http_requests_total")) {
            counter = true;
            cr_expect(strstr(e, "rate(http_requests_total{") != NULL, "%s", e);
        }
        if (strstr(e, "process_resident_memory_bytes")) {
            gauge = true;
            cr_expect_str_eq(e, "process_resident_memory_bytes{service=\"model-server\"}");
            cr_expect_str_eq(str(json_object_get(json_object_get(p, "fieldConfig"), "defaults"),
                                 "unit"),
                             "bytes");
        }
        if (strstr(e, "rpc_latency")) {
            summary = true;
            cr_expect_str_eq(e, "rpc_latency{service=\"payments\"}");
        }
        if (!strcmp(str(p, "title"), "ctr")) {
            kpi = true;
            cr_expect_str_eq(e, "sum by (platform,country) (rate(clicks_total[$__rate_interval])) / "
                                "sum by (platform,country) (rate(impressions_total[$__rate_interval]))");
        }
        drift |= strstr(e, "faultline_feature_drift_score") != NULL;
    }
    cr_expect(hist && counter && gauge && summary && kpi && drift);
    cr_assert_geq(n_rows, 6);
    cr_expect_str_eq(rows[0], "recs (service)");
    cr_expect_str_eq(rows[1], "model-server (model_server)");
    cr_expect_str_eq(rows[2], "payments");
    cr_expect_str_eq(rows[3], "other metrics (no component)");
    cr_expect_str_eq(rows[4], "KPIs");

    json_t *ann = json_object_get(json_object_get(db, "annotations"), "list");
    bool events = false, alerts = false;
    for (size_t i = 0; i < json_array_size(ann); i++) {
        json_t *a = json_array_get(ann, i);
        const char *e = str(a, "expr");
        if (e && strstr(e, "faultline_change_event_timestamp_seconds")) {
            events = true;
            cr_expect(json_is_true(json_object_get(a, "useValueForTime")));
            cr_expect_str_eq(e, "faultline_change_event_timestamp_seconds * 1000");
            cr_expect_str_eq(str(a, "titleFormat"), "{{kind}} on {{component}}");
        }
        alerts |= e && !strcmp(e, "ALERTS{alertstate=\"firing\"}");
    }
    cr_expect(events && alerts);
    json_decref(db);
    fl_config_free(cfg);
}

Test(grafana, no_configuration_still_gives_faultline_rows)
{
    json_t *db = dashboard(NULL, 0, NULL);
    json_t *panels = json_object_get(db, "panels");
    cr_expect_str_eq(str(json_array_get(panels, 0), "title"), "Models (faultline monitoring)");
    cr_expect_str_eq(str(db, "title"), "t");
    json_decref(db);
}

Test(grafana, family_of_series_names)
{
    static const struct {
        const char *name;
        bool le, q;
        int type;
        const char *family;
    } c[] = {
        {"http_request_duration_seconds_bucket", true, false, FL_GF_HISTOGRAM,
         "http_request_duration_seconds"},
        {"http_request_duration_seconds_bucket", false, false, FL_GF_GAUGE,
         "http_request_duration_seconds_bucket"},
        {"rpc_latency", false, true, FL_GF_SUMMARY, "rpc_latency"},
        {"requests_total", false, false, FL_GF_COUNTER, "requests_total"},
        {"x_count", false, false, FL_GF_COUNTER, "x_count"},
        {"temperature", false, false, FL_GF_GAUGE, "temperature"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char fam[128];
        cr_expect_eq(fl_grafana_family_of(c[i].name, c[i].le, c[i].q, fam, sizeof fam), c[i].type,
                     "%s", c[i].name);
        cr_expect_str_eq(fam, c[i].family);
    }
    char tiny[4];
    cr_expect_eq(fl_grafana_family_of("toolong", false, false, tiny, sizeof tiny), -1);
    cr_expect_eq(fl_grafana_family_of("", false, false, tiny, sizeof tiny), -1);
}
