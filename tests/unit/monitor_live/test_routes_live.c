/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_routes_live.c: live monitoring in a real server on a free port of 127.0.0.1, driven with
 * libcurl: POST /v1/inferences feeds the live monitor after the commit, a tick with an explicit
 * time closes the window, GET /api/v1/drift and /api/v1/profiles answer (and refuse bad
 * parameters with 4xx naming them), and /metrics carries the live families. Also the
 * `monitoring:` configuration keys and fl_live_from_config's errors.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "monitor/live.h"
#include "server/server.h"
#include "unit/store/helpers.h"

#define T0 1800000000000LL
#define W 60000LL

static char *dir;
static struct fl_store *store;
static struct fl_config *cfg;
static struct fl_server *srv;
static struct fl_live *lv;
static char base[64];

static void start(bool with_live)
{
    static const char yml[] = "models: [{name: m}]\n"
                              "monitoring: {window: 1m, grace: 5s, min_rows: 10}\n";
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_config_parse(yml, strlen(yml), "t.yml", &cfg, &d), FL_OK, "%s", d.msg);
    fl_free(cfg->listen);
    cfg->listen = fl_strdup("127.0.0.1:0");
    dir = th_tmpdir();
    store = th_open(dir);
    if (with_live)
        cr_assert_eq(fl_live_from_config(cfg, store, &lv, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(fl_server_start(cfg, store, &srv, &d), FL_OK, "%s", d.msg);
    fl_server_set_live(srv, lv);
    snprintf(base, sizeof base, "http://127.0.0.1:%u", fl_server_port(srv));
}

static void setup(void)
{
    start(true);
}

static void setup_off(void)
{
    start(false);
}

static void teardown(void)
{
    fl_server_set_live(srv, NULL);
    fl_server_stop(srv);
    fl_live_free(lv);
    lv = NULL;
    fl_store_free(store);
    fl_config_free(cfg);
    th_rmdir(dir);
}

struct resp {
    long status;
    struct fl_buf body;
};

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    fl_buf_append(ud, p, sz * n);
    return sz * n;
}

static struct resp http(const char *method, const char *path, const char *body)
{
    struct resp r = {0};
    char url[1024];
    fl_buf_init(&r.body, 1 << 26);
    snprintf(url, sizeof url, "%s%s", base, path);
    CURL *c = curl_easy_init();
    cr_assert_not_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    if (!strcmp(method, "POST"))
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
    cr_assert_eq(curl_easy_perform(c), CURLE_OK, "%s %s", method, path);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    fl_buf_putc(&r.body, '\0');
    r.body.len--;
    return r;
}

#define HAS(r, text)                                                                               \
    cr_expect_not_null(strstr((r).body.data, text), "%s missing in %s", text, (r).body.data)

/* n records of model m version v1 in the window starting at ts_ms; amount = i + shift. */
static void post(int64_t ts_ms, int n, double shift)
{
    struct fl_buf t;
    fl_buf_init(&t, 1 << 24);
    for (int i = 0; i < n; i++)
        fl_buf_printf(&t,
                      "{\"ts\":%lld,\"request_id\":\"q%lld-%d\",\"model\":\"m\","
                      "\"model_version\":\"v1\",\"features\":{\"amount\":%g}}\n",
                      (long long)(ts_ms / 1000 + i % 50), (long long)ts_ms, i, i + shift);
    struct resp r = http("POST", "/v1/inferences", t.data);
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    fl_buf_cleanup(&r.body);
    fl_buf_cleanup(&t);
}

Test(routes_live, committed_inferences_are_monitored_and_served, .init = setup, .fini = teardown)
{
    struct resp r = http("GET", "/api/v1/drift?model=m", NULL);
    cr_expect_eq(r.status, 404);
    HAS(r, "\"error\":\"model \\\"m\\\" has no closed window yet\",\"code\":\"FL_ENOTFOUND\"");
    fl_buf_cleanup(&r.body);
    post(T0, 40, 0);
    post(T0 + W, 40, 1000);
    struct fl_live_stats s;
    fl_live_stats(lv, &s);
    cr_expect_eq(s.records, 80);
    cr_assert_eq(fl_live_tick(lv, T0 + 2 * W + 5000, NULL), FL_OK);

    r = http("GET", "/api/v1/drift?model=m&version=v1", NULL);
    cr_expect_eq(r.status, 200);
    HAS(r, "{\"status\":\"success\",\"data\":{\"model\":\"m\",\"version\":\"v1\","
           "\"window_start\":\"2027-01-15T08:01:00Z\"");
    HAS(r, "\"rows\":40,\"min_rows\":10");
    HAS(r, "{\"baseline\":\"previous_window\",\"status\":\"ok\"");
    HAS(r, "{\"feature\":\"amount\",\"check\":\"distribution\",\"kind\":\"numerical\","
           "\"method\":\"ks\"");
    fl_buf_cleanup(&r.body);

    r = http("GET", "/api/v1/profiles?model=m&version=v1&start=1800000000&end=1800000060", NULL);
    cr_expect_eq(r.status, 200);
    HAS(r, "\"window_start\":\"2027-01-15T08:00:00Z\"");
    HAS(r, "\"window_start\":\"2027-01-15T08:01:00Z\"");
    HAS(r, "\"rows\":40,\"summary\":{");
    fl_buf_cleanup(&r.body);
    r = http("GET", "/api/v1/profiles?model=m&start=1800000060&end=1800000060&limit=1&top=3", NULL);
    cr_expect_eq(r.status, 200);
    cr_expect_null(strstr(r.body.data, "08:00:00Z"), "%s", r.body.data);
    fl_buf_cleanup(&r.body);

    r = http("GET", "/metrics", NULL);
    cr_expect_eq(r.status, 200);
    HAS(r, "\nfaultline_feature_drift_detected{model=\"m\",version=\"v1\",feature=\"amount\","
           "method=\"ks\",baseline=\"previous_window\"} 1\n");
    HAS(r, "\nfaultline_inference_window_rows{model=\"m\",version=\"v1\"} 40\n");
    HAS(r, "\nfaultline_live_late_records_total 0\n");
    HAS(r, "\nfaultline_ingested_records_total{kind=\"inference\"} 80\n");
    fl_buf_cleanup(&r.body);
}

Test(routes_live, bad_parameters_are_4xx_naming_them, .init = setup, .fini = teardown)
{
    static const struct {
        const char *path;
        long status;
        const char *want;
    } cases[] = {
        {"/api/v1/drift", 400, "\"error\":\"model: required (?model=NAME)\""},
        {"/api/v1/drift?model=", 400, "model: required"},
        {"/api/v1/drift?model=m&version=%01", 400, "\"error\":\"version: "},
        {"/api/v1/drift?model=m&version=v9", 404, "version \\\"v9\\\" has no closed window"},
        {"/api/v1/profiles", 400, "model: required"},
        {"/api/v1/profiles?model=m&start=yesterday", 400, "\"field\":\"start\""},
        {"/api/v1/profiles?model=m&start=100&end=50", 400, "end: must not be before start"},
        {"/api/v1/profiles?model=m&limit=0", 400, "limit: expected a whole number from 1 to 1000"},
        {"/api/v1/profiles?model=m&top=x", 400, "top: expected a whole number"},
        {"/api/v1/profiles?model=m", 200, "\"windows\":[]}}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct resp r = http("GET", cases[i].path, NULL);
        cr_expect_eq(r.status, cases[i].status, "%s: %ld %s", cases[i].path, r.status, r.body.data);
        cr_expect_not_null(strstr(r.body.data, cases[i].want), "%s: %s", cases[i].path,
                           r.body.data);
        fl_buf_cleanup(&r.body);
    }
    struct resp r = http("POST", "/api/v1/drift?model=m", "");
    cr_expect_eq(r.status, 405);
    fl_buf_cleanup(&r.body);
}

Test(routes_live, without_live_monitoring_drift_is_404, .init = setup_off, .fini = teardown)
{
    post(T0, 5, 0); /* ingest works without it */
    struct resp r = http("GET", "/api/v1/drift?model=m", NULL);
    cr_expect_eq(r.status, 404);
    HAS(r, "live monitoring is off");
    fl_buf_cleanup(&r.body);
    r = http("GET", "/metrics", NULL);
    cr_expect_null(strstr(r.body.data, "faultline_live_late_records_total"));
    fl_buf_cleanup(&r.body);
}

/* ---- configuration ---- */

static struct fl_config *parse(const char *y, struct fl_diag *d)
{
    struct fl_config *c = NULL;
    fl_diag_init(d);
    if (fl_config_parse(y, strlen(y), "faultline.yml", &c, d) != FL_OK)
        return NULL;
    return c;
}

Test(live_config, defaults_keys_and_round_trip)
{
    struct fl_diag d;
    struct fl_config *c = parse("listen: 127.0.0.1:1\n", &d);
    cr_assert_not_null(c, "%s", d.msg);
    cr_expect_eq(c->monitoring.enabled, 1);
    cr_expect_eq(c->monitoring.window_ms, 3600000);
    cr_expect_eq(c->monitoring.grace_ms, 60000);
    cr_expect_eq(c->monitoring.min_rows, 100);
    cr_expect_eq(c->monitoring.open_windows, 3);
    cr_expect_eq(c->monitoring.tick_ms, 10000);
    cr_expect_eq(c->monitoring.reference_refresh_ms, 300000);
    cr_expect_eq(c->monitoring.forget_after_ms, 86400000);
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    fl_config_write_yaml(c, &b);
    cr_expect_null(strstr(b.data, "monitoring:"), "defaults are not written");
    fl_buf_cleanup(&b);
    fl_config_free(c);

    c = parse("monitoring:\n  enabled: false\n  window: 15m\n  grace: 0s\n  min_rows: 7\n"
              "  open_windows: 2\n  segment_by: [country, \"plat form\"]\n"
              "  drift_options: drift.yml\n  tick: 250ms\n  reference_refresh: 1m\n"
              "  forget_after: 2d\n",
              &d);
    cr_assert_not_null(c, "%s", d.msg);
    cr_expect_eq(c->monitoring.enabled, 0);
    cr_expect_eq(c->monitoring.window_ms, 900000);
    cr_expect_eq(c->monitoring.grace_ms, 0);
    cr_expect_eq(c->monitoring.min_rows, 7);
    cr_expect_eq(c->monitoring.open_windows, 2);
    cr_assert_eq(c->monitoring.n_segment_by, 2);
    cr_expect_str_eq(c->monitoring.segment_by[1], "plat form");
    cr_expect_str_eq(c->monitoring.drift_options, "drift.yml");
    cr_expect_eq(c->monitoring.tick_ms, 250);
    cr_expect_eq(c->monitoring.forget_after_ms, 2 * 86400000LL);
    fl_buf_init(&b, 1 << 20);
    fl_config_write_yaml(c, &b);
    struct fl_config *c2 = parse(b.data, &d);
    cr_assert_not_null(c2, "%s\n%s", d.msg, b.data);
    cr_expect_eq(c2->monitoring.enabled, 0);
    cr_expect_eq(c2->monitoring.window_ms, 900000);
    cr_expect_eq(c2->monitoring.grace_ms, 0);
    cr_expect_eq(c2->monitoring.min_rows, 7);
    cr_expect_eq(c2->monitoring.open_windows, 2);
    cr_expect_eq(c2->monitoring.n_segment_by, 2);
    cr_expect_str_eq(c2->monitoring.drift_options, "drift.yml");
    cr_expect_eq(c2->monitoring.tick_ms, 250);
    cr_expect_eq(c2->monitoring.reference_refresh_ms, 60000);
    cr_expect_eq(c2->monitoring.forget_after_ms, 2 * 86400000LL);
    fl_buf_cleanup(&b);
    fl_config_free(c);
    fl_config_free(c2);
}

Test(live_config, bad_values_name_the_key)
{
    static const struct {
        const char *yml, *want;
    } cases[] = {
        {"monitoring: {window: 500ms}\n",
         "faultline.yml:1:22: monitoring.window: must be at least 1s"},
        {"monitoring: {grace: -1m}\n",
         "faultline.yml:1:21: monitoring.grace: expected a duration like 1m or 0s, got \"-1m\""},
        {"monitoring: {open_windows: 0}\n", "monitoring.open_windows: "},
        {"monitoring: {min_rows: 0}\n", "monitoring.min_rows: "},
        {"monitoring: {tick: 10ms}\n", "monitoring.tick: must be at least 100ms"},
        {"monitoring: {windo: 1h}\n", "monitoring.windo: unknown key (did you mean \"window\"?)"},
        {"monitoring: {segment_by: country}\n", "monitoring.segment_by: expected a list"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_diag d;
        struct fl_config *c = parse(cases[i].yml, &d);
        cr_expect_null(c, "%s", cases[i].yml);
        fl_config_free(c);
        char m[1024];
        fl_diag_format(&d, m, sizeof m);
        cr_expect_not_null(strstr(m, cases[i].want), "%s -> %s", cases[i].yml, m);
    }
}

Test(live_config, from_config_errors_name_the_key)
{
    struct fl_diag d;
    char m[1024];
    struct fl_live *l = NULL;
    struct fl_config *c =
        parse("models: [{name: a}, {name: b, reference: /nonexistent/ref.csv}]\n", &d);
    cr_assert_not_null(c, "%s", d.msg);
    fl_diag_init(&d);
    cr_expect_eq(fl_live_from_config(c, NULL, &l, &d), FL_EIO);
    cr_expect_null(l);
    fl_diag_format(&d, m, sizeof m);
    cr_expect_not_null(strstr(m, "models[1].reference"), "%s", m);
    cr_expect_not_null(strstr(m, "/nonexistent/ref.csv"), "%s", m);
    fl_config_free(c);

    char *tmp = th_tmpdir();
    char path[600];
    snprintf(path, sizeof path, "%s/drift.yml", tmp);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("bins: 1\n", f);
    fclose(f);
    char y[800];
    snprintf(y, sizeof y, "monitoring: {drift_options: %s}\n", path);
    c = parse(y, &d);
    cr_assert_not_null(c, "%s", d.msg);
    fl_diag_init(&d);
    cr_expect_neq(fl_live_from_config(c, NULL, &l, &d), FL_OK);
    cr_expect_null(l);
    fl_diag_format(&d, m, sizeof m);
    cr_expect_not_null(strstr(m, "bins"), "%s", m);
    fl_config_free(c);
    unlink(path);
    th_rmdir(tmp);
}
