/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_routes_models.c: the registry and freshness routes (src/server/routes_models.c) on a real
 * server bound to a free port on 127.0.0.1, driven with libcurl: bearer auth on the writes, 4xx
 * JSON errors naming the field, register / stage / alias round trips through the read routes,
 * the traffic answer, GET /api/v1/freshness, and the freshness families on /metrics.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"
#include "server/server.h"
#include "unit/store/helpers.h"

static char *dir;
static struct fl_store *store;
static struct fl_config *cfg;
static struct fl_server *srv;
static char base[64];

static void setup(void)
{
    static const char yml[] = "auth: {bearer_token: s3cret}\n"
                              "topology:\n  components:\n"
                              "    - {name: fraud-api, kind: model_server}\n"
                              "    - {name: etl, kind: batch_job}\n"
                              "models: [{name: fraud, component: fraud-api}]\n"
                              "freshness: [{component: etl, every: 1h, grace: 10m}]\n";
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_config_parse(yml, strlen(yml), "t.yml", &cfg, &d), FL_OK, "%s", d.msg);
    fl_free(cfg->listen);
    cfg->listen = fl_strdup("127.0.0.1:0"); /* a free port (the file format wants 1..65535) */
    dir = th_tmpdir();
    store = th_open(dir);
    cr_assert_eq(fl_server_start(cfg, store, &srv, &d), FL_OK, "%s", d.msg);
    snprintf(base, sizeof base, "http://127.0.0.1:%u", fl_server_port(srv));
}

static void teardown(void)
{
    fl_server_stop(srv);
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

/* method "GET" or "POST"; token NULL = no Authorization header. */
static struct resp http(const char *method, const char *path, const char *body, const char *token)
{
    struct resp r = {0};
    char url[512], auth[128];
    struct curl_slist *h = NULL;
    fl_buf_init(&r.body, 1 << 24);
    snprintf(url, sizeof url, "%s%s", base, path);
    CURL *c = curl_easy_init();
    cr_assert_not_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    if (!strcmp(method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        h = curl_slist_append(h, "Content-Type: application/json");
    }
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK, "%s %s", method, path);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    fl_buf_putc(&r.body, '\0');
    r.body.len--;
    return r;
}

#define HAS(r, text) cr_expect_not_null(strstr((r).body.data, text), "%s missing in %s", text, (r).body.data)

Test(routes_models, writes_need_the_token_and_errors_name_the_field, .init = setup,
     .fini = teardown)
{
    struct resp r = http("POST", "/api/v1/models", "{\"model\":\"fraud\",\"version\":\"v3\"}", NULL);
    cr_expect_eq(r.status, 401);
    HAS(r, "\"code\":\"FL_EAUTH\"");
    fl_buf_cleanup(&r.body);
    r = http("POST", "/api/v1/models/fraud/aliases", "{\"alias\":\"a\",\"version\":\"v3\"}",
             "wrong");
    cr_expect_eq(r.status, 401);
    fl_buf_cleanup(&r.body);

    r = http("POST", "/api/v1/models", "{\"model\":\"fraud\",\"version\":\"v3\",\"stage\":7}",
             "s3cret");
    cr_expect_eq(r.status, 400);
    HAS(r, "\"code\":\"FL_EPARSE\"");
    HAS(r, "\"field\":\"stage\"");
    HAS(r, "\"line\":1,\"column\":41");
    fl_buf_cleanup(&r.body);
    r = http("POST", "/api/v1/models/fraud/aliases", "{\"alias\":\"latest\",\"version\":\"v3\"}",
             "s3cret");
    cr_expect_eq(r.status, 400);
    HAS(r, "\"field\":\"alias\"");
    fl_buf_cleanup(&r.body);
    r = http("POST", "/api/v1/models/fraud/aliases", "{\"alias\":\"champion\",\"version\":\"v9\"}",
             "s3cret");
    cr_expect_eq(r.status, 404, "an alias needs a known version");
    HAS(r, "has no version");
    fl_buf_cleanup(&r.body);
    /* reads stay open */
    r = http("GET", "/api/v1/models", NULL, NULL);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.body.data, "{\"status\":\"success\",\"data\":[]}\n");
    fl_buf_cleanup(&r.body);
    r = http("GET", "/api/v1/models/nope", NULL, NULL);
    cr_expect_eq(r.status, 404);
    fl_buf_cleanup(&r.body);
    r = http("POST", "/api/v1/models/fraud", "{}", "s3cret");
    cr_expect_eq(r.status, 405);
    fl_buf_cleanup(&r.body);
}

Test(routes_models, register_stage_alias_and_read_back, .init = setup, .fini = teardown)
{
    struct resp r = http("POST", "/api/v1/models",
                         "{\"model\":\"fraud\",\"version\":\"v3\",\"stage\":\"production\","
                         "\"metrics\":{\"auc\":0.91},\"description\":\"baseline\"}",
                         "s3cret");
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    HAS(r, "{\"created\":true,\"stage_changed\":true,\"from_stage\":\"none\",\"archived\":0,"
           "\"events\":1,\"version\":{\"model\":\"fraud\",\"version\":\"v3\",\"stage\":\"production\"");
    HAS(r, "\"metrics\":{\"auc\":0.91}");
    fl_buf_cleanup(&r.body);
    r = http("POST", "/api/v1/models",
             "{\"model\":\"fraud\",\"version\":\"v4\",\"stage\":\"production\","
             "\"archive_existing_versions\":true}",
             "s3cret");
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    HAS(r, "\"archived\":1,\"events\":2");
    fl_buf_cleanup(&r.body);
    r = http("POST", "/api/v1/models/fraud/aliases", "{\"alias\":\"champion\",\"version\":\"v4\"}",
             "s3cret");
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    cr_expect_str_eq(r.body.data, "{\"model\":\"fraud\",\"alias\":\"champion\",\"version\":\"v4\","
                                  "\"previous\":null,\"changed\":true}\n");
    fl_buf_cleanup(&r.body);

    r = http("GET", "/api/v1/models/fraud", NULL, NULL);
    cr_assert_eq(r.status, 200);
    HAS(r, "\"aliases\":{\"champion\":{\"version\":\"v4\"");
    HAS(r, "\"stages\":{\"none\":[],\"staging\":[],\"production\":[\"v4\"],\"archived\":[\"v3\"]");
    HAS(r, "\"n_versions\":2");
    fl_buf_cleanup(&r.body);
    r = http("GET", "/api/v1/models/fraud/versions", NULL, NULL);
    cr_assert_eq(r.status, 200);
    HAS(r, "\"version\":\"v3\",\"stage\":\"archived\"");
    HAS(r, "\"aliases\":[\"champion\"]");
    fl_buf_cleanup(&r.body);
    r = http("GET", "/api/v1/models?model=fraud", NULL, NULL);
    cr_assert_eq(r.status, 200);
    HAS(r, "\"registered_ms\":"); /* the shape GET /api/v1/models always had */
    HAS(r, "\"n_inferences\":0");
    fl_buf_cleanup(&r.body);

    /* the moves are change events of the model's component */
    r = http("GET", "/api/v1/events?kind=model_version_change", NULL, NULL);
    cr_assert_eq(r.status, 200);
    HAS(r, "\"component\":\"fraud-api\",\"status\":null,\"rows\":null,"
           "\"message\":\"fraud@champion -> v4\"");
    fl_buf_cleanup(&r.body);
    r = http("GET", "/api/v1/models/fraud/versions?artifacts=maybe", NULL, NULL);
    cr_expect_eq(r.status, 400);
    fl_buf_cleanup(&r.body);
}

Test(routes_models, traffic_freshness_and_metrics, .init = setup, .fini = teardown)
{
    int64_t now = fl_time_now_ms();
    char body[4096];
    size_t n = 0;
    for (int i = 0; i < 6; i++)
        n += (size_t)snprintf(body + n, sizeof body - n,
                              "{\"ts\":%lld,\"request_id\":\"r%d\",\"model\":\"fraud\","
                              "\"model_version\":\"%s\",\"features\":{\"age\":{\"value\":3,"
                              "\"status\":\"%s\"}},\"prediction\":0.5}\n",
                              (long long)(now - 50000 + i * 5000) / 1000, i, i < 2 ? "v3" : "v4",
                              i == 0 ? "outside_max_age" : "present");
    struct resp r = http("POST", "/v1/inferences", body, "s3cret");
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    fl_buf_cleanup(&r.body);
    snprintf(body, sizeof body,
             "{\"ts\":%lld,\"kind\":\"batch_run\",\"component\":\"etl\",\"status\":\"success\","
             "\"rows\":42}",
             (long long)(now - 2 * 3600 * 1000) / 1000);
    r = http("POST", "/api/v1/events", body, "s3cret");
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    fl_buf_cleanup(&r.body);

    r = http("GET", "/api/v1/models/fraud/traffic?from=now-2m&step=2m", NULL, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    HAS(r, "\"total\":6,");
    HAS(r, "{\"version\":\"v3\",\"total\":2,");
    HAS(r, "{\"version\":\"v4\",\"total\":4,");
    fl_buf_cleanup(&r.body);
    r = http("GET", "/api/v1/models/fraud/traffic?from=now-1d&step=1s", NULL, NULL);
    cr_expect_eq(r.status, 413, "too many steps");
    HAS(r, "\"field\":\"step\"");
    fl_buf_cleanup(&r.body);
    r = http("GET", "/api/v1/models/fraud/traffic?from=soon", NULL, NULL);
    cr_expect_eq(r.status, 400);
    HAS(r, "\"field\":\"from\"");
    fl_buf_cleanup(&r.body);

    r = http("GET", "/api/v1/freshness", NULL, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    HAS(r, "\"alerting\":1,\"jobs\":[{\"component\":\"etl\",\"state\":\"late\",\"alerting\":true");
    HAS(r, "\"model\":\"fraud\",\"feature\":\"age\",\"requests\":6,");
    fl_buf_cleanup(&r.body);
    r = http("GET", "/api/v1/freshness?at=now-110m", NULL, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    HAS(r, "\"state\":\"ok\"");
    fl_buf_cleanup(&r.body);

    r = http("GET", "/metrics", NULL, NULL);
    cr_assert_eq(r.status, 200);
    HAS(r, "\nfaultline_batch_late{component=\"etl\"} 1\n");
    HAS(r, "\nfaultline_batch_rows_last_run{component=\"etl\"} 42\n");
    HAS(r, "\nfaultline_feature_stale_ratio{model=\"fraud\",feature=\"age\"} 0.16666666666666666\n");
    HAS(r, "\nfaultline_store_models "); /* the families before it are still there */
    /* promtool's lint must stay silent with every freshness family present (the integration
     * test test_promtool_metrics.sh runs without a freshness configuration) */
    if (access("/usr/bin/promtool", X_OK) == 0) {
        char path[600], cmd[1400];
        snprintf(path, sizeof path, "%s/metrics.txt", dir);
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(r.body.data, 1, r.body.len, f), r.body.len);
        fclose(f);
        snprintf(cmd, sizeof cmd, "/usr/bin/promtool check metrics < %s > %s.out 2>&1", path,
                 path);
        int rc = system(cmd);
        snprintf(cmd, sizeof cmd, "%s.out", path);
        f = fopen(cmd, "r");
        char out[512] = "";
        size_t n_out = f ? fread(out, 1, sizeof out - 1, f) : 0;
        out[n_out] = '\0';
        if (f)
            fclose(f);
        unlink(cmd);
        unlink(path);
        cr_expect_eq(rc, 0, "promtool check metrics failed: %s", out);
        cr_expect_eq(n_out, 0, "promtool complained: %s", out);
    }
    fl_buf_cleanup(&r.body);
}
