/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_routes_alertmanager.c: POST /api/v1/alertmanager (src/server/routes_alertmanager.c) on a
 * real server bound to a free port on 127.0.0.1, driven with libcurl: bearer auth as on every
 * write route, the answer's counts, one stored event per alert occurrence across retries and
 * resolution (and a late firing notification not reopening a resolved one), 400 naming the field
 * with nothing stored, and the alert-group hook: called once per firing group after the commit,
 * with the count of new firing alerts, and its failures reported.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "server/routes_alertmanager.h"
#include "server/server.h"
#include "unit/store/helpers.h"

#define CORPUS "tests/fuzz/corpus/alertmanager/"

static char *dir;
static struct fl_store *store;
static struct fl_config *cfg;
static struct fl_server *srv;
static char base[64];

/* What the hook saw (it runs on a server thread). */
static struct {
    pthread_mutex_t mu;
    int calls;
    size_t n_alerts, n_new_firing;
    char group_key[256], status[16], first_id[32], first_status[16];
    int64_t first_ts;
    fl_err answer; /* what the hook returns */
} seen = {.mu = PTHREAD_MUTEX_INITIALIZER};

static fl_err hook(const struct fl_alert_group *g, void *ud)
{
    if (ud != &seen)
        return FL_EINVAL;
    pthread_mutex_lock(&seen.mu);
    seen.calls++;
    seen.n_alerts = g->group->n_alerts;
    seen.n_new_firing = g->n_new_firing;
    snprintf(seen.group_key, sizeof seen.group_key, "%s", g->group->group_key);
    snprintf(seen.status, sizeof seen.status, "%s", g->group->status);
    if (g->group->n_alerts) {
        snprintf(seen.first_id, sizeof seen.first_id, "%s", g->alerts[0].id);
        snprintf(seen.first_status, sizeof seen.first_status, "%s", g->alerts[0].status);
        seen.first_ts = g->alerts[0].ts_ms;
    }
    fl_err e = seen.answer;
    pthread_mutex_unlock(&seen.mu);
    return e;
}

static void setup(void)
{
    static const char yml[] = "auth: {bearer_token: s3cret}\n";
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_config_parse(yml, strlen(yml), "t.yml", &cfg, &d), FL_OK, "%s", d.msg);
    fl_free(cfg->listen);
    cfg->listen = fl_strdup("127.0.0.1:0");
    dir = th_tmpdir();
    store = th_open(dir);
    cr_assert_eq(fl_server_start(cfg, store, &srv, &d), FL_OK, "%s", d.msg);
    snprintf(base, sizeof base, "http://127.0.0.1:%u", fl_server_port(srv));
    pthread_mutex_lock(&seen.mu);
    seen.calls = 0;
    seen.answer = FL_OK;
    pthread_mutex_unlock(&seen.mu);
    fl_server_on_alert_group(hook, &seen);
}

static void teardown(void)
{
    fl_server_on_alert_group(NULL, NULL);
    fl_server_stop(srv);
    fl_store_free(store);
    fl_config_free(cfg);
    th_rmdir(dir);
}

TestSuite(routes_alertmanager, .init = setup, .fini = teardown);

struct resp {
    long status;
    struct fl_buf body;
};

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    fl_buf_append(ud, p, sz * n);
    return sz * n;
}

/* POST body to the webhook route; token NULL = no Authorization header. */
static struct resp post(const char *body, const char *token)
{
    struct resp r = {0};
    char url[128], auth[128];
    struct curl_slist *h = NULL;
    fl_buf_init(&r.body, 1 << 24);
    snprintf(url, sizeof url, "%s/api/v1/alertmanager", base);
    CURL *c = curl_easy_init();
    cr_assert_not_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    h = curl_slist_append(h, "Content-Type: application/json");
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    fl_buf_putc(&r.body, '\0');
    r.body.len--;
    return r;
}

static char *slurp(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, CORPUS "%s", name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
    static char buf[4][1 << 15];
    static int next;
    char *b = buf[next++ % 4];
    size_t n = fread(b, 1, sizeof buf[0] - 1, f);
    fclose(f);
    b[n] = '\0';
    return b;
}

/* The stored alert events, copied. */
struct stored {
    size_t n;
    char id[8][32], status[8][16];
    int64_t ts[8], end[8];
};

static int collect(const struct fl_event *e, void *ud)
{
    struct stored *s = ud;
    if (s->n < 8) {
        snprintf(s->id[s->n], sizeof s->id[0], "%s", e->id);
        snprintf(s->status[s->n], sizeof s->status[0], "%s", e->status ? e->status : "");
        s->ts[s->n] = e->ts_ms;
        s->end[s->n] = e->end_ms;
    }
    s->n++;
    return 0;
}

static struct stored alerts_stored(void)
{
    struct stored s = {0};
    struct fl_event_query q = {
        .start_ms = 0, .end_ms = INT64_MAX, .kind = "alert", .limit = SIZE_MAX};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_events(store, &q, collect, &s, &d), FL_OK, "%s", d.msg);
    return s;
}

#define HAS(r, text)                                                                               \
    cr_expect_not_null(strstr((r).body.data, text), "%s missing in %s", text, (r).body.data)

static int hook_calls(void)
{
    pthread_mutex_lock(&seen.mu);
    int n = seen.calls;
    pthread_mutex_unlock(&seen.mu);
    return n;
}

Test(routes_alertmanager, write_route_needs_the_token)
{
    const char *firing = slurp("01_am025_firing.json");
    struct resp r = post(firing, NULL);
    cr_expect_eq(r.status, 401);
    HAS(r, "\"code\":\"FL_EAUTH\"");
    fl_buf_cleanup(&r.body);
    r = post(firing, "wrong");
    cr_expect_eq(r.status, 401);
    fl_buf_cleanup(&r.body);
    cr_expect_eq(alerts_stored().n, 0);
    cr_expect_eq(hook_calls(), 0);
}

Test(routes_alertmanager, one_event_per_occurrence_through_retry_and_resolution)
{
    const char *firing = slurp("01_am025_firing.json");
    const char *resolved = slurp("02_am025_resolved.json");

    struct resp r = post(firing, "s3cret");
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    cr_expect_str_eq(r.body.data,
                     "{\"status\":\"success\",\"data\":{\"alerts\":1,\"firing\":1,\"resolved\":0,"
                     "\"groups\":[{\"group_key\":\"{}:{alertname=\\\"DemoErrorsHigh\\\"}\","
                     "\"receiver\":\"faultline\",\"status\":\"firing\",\"alerts\":1,\"firing\":1,"
                     "\"resolved\":0,\"new_firing\":1,\"truncated_alerts\":0}],\"hook_calls\":1,"
                     "\"hook_errors\":0}}\n");
    fl_buf_cleanup(&r.body);
    cr_expect_eq(hook_calls(), 1);
    cr_expect_eq(seen.n_alerts, 1);
    cr_expect_eq(seen.n_new_firing, 1);
    cr_expect_str_eq(seen.group_key, "{}:{alertname=\"DemoErrorsHigh\"}");
    cr_expect_str_eq(seen.status, "firing");
    cr_expect_str_eq(seen.first_id, "am_7faf7d718133221a");
    cr_expect_str_eq(seen.first_status, "firing");
    cr_expect_eq(seen.first_ts, 1795667978310);

    /* a retry / repeat notification: stored once, the hook told that nothing is new */
    r = post(firing, "s3cret");
    cr_assert_eq(r.status, 200);
    HAS(r, "\"new_firing\":0");
    fl_buf_cleanup(&r.body);
    cr_expect_eq(hook_calls(), 2);
    cr_expect_eq(seen.n_new_firing, 0);
    struct stored s = alerts_stored();
    cr_assert_eq(s.n, 1);
    cr_expect_str_eq(s.status[0], "firing");
    cr_expect_eq(s.end[0], FL_TS_NONE);

    /* resolution: the same event gains its end; a resolved group is not handed to the hook */
    r = post(resolved, "s3cret");
    cr_assert_eq(r.status, 200);
    HAS(r, "\"status\":\"resolved\",\"alerts\":1,\"firing\":0,\"resolved\":1");
    HAS(r, "\"hook_calls\":0");
    fl_buf_cleanup(&r.body);
    cr_expect_eq(hook_calls(), 2);
    s = alerts_stored();
    cr_assert_eq(s.n, 1);
    cr_expect_str_eq(s.id[0], "am_7faf7d718133221a");
    cr_expect_str_eq(s.status[0], "resolved");
    cr_expect_eq(s.ts[0], 1795667978310);
    cr_expect_eq(s.end[0], 1795667980310);

    /* a late firing notification (HA peer, late retry) does not reopen the occurrence */
    r = post(firing, "s3cret");
    cr_assert_eq(r.status, 200);
    HAS(r, "\"new_firing\":0");
    fl_buf_cleanup(&r.body);
    s = alerts_stored();
    cr_assert_eq(s.n, 1);
    cr_expect_str_eq(s.status[0], "resolved");
    cr_expect_eq(s.end[0], 1795667980310);
}

Test(routes_alertmanager, bad_payload_is_400_naming_the_field_and_stores_nothing)
{
    struct resp r = post(slurp("06_odd_type_label_number.json"), "s3cret");
    cr_expect_eq(r.status, 400);
    HAS(r, "\"code\":\"FL_EPARSE\"");
    HAS(r, "\"field\":\"alerts[0].labels.code\"");
    HAS(r, "\"line\":1,\"column\":");
    fl_buf_cleanup(&r.body);
    r = post("", "s3cret");
    cr_expect_eq(r.status, 400);
    HAS(r, "empty body");
    fl_buf_cleanup(&r.body);
    /* the second payload of an array is bad: the first is not stored either */
    r = post("[{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\"}]},{\"alerts\":5}]", "s3cret");
    cr_expect_eq(r.status, 400);
    HAS(r, "\"field\":\"[1].alerts\"");
    fl_buf_cleanup(&r.body);
    cr_expect_eq(alerts_stored().n, 0);
    cr_expect_eq(hook_calls(), 0);
}

Test(routes_alertmanager, several_groups_and_hook_failures)
{
    pthread_mutex_lock(&seen.mu);
    seen.answer = FL_EBUSY;
    pthread_mutex_unlock(&seen.mu);
    struct resp r = post(slurp("09_array_of_payloads.json"), "s3cret");
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    HAS(r, "\"alerts\":2,\"firing\":1,\"resolved\":1,\"groups\":[{\"group_key\":\"ka\"");
    HAS(r, "{\"group_key\":\"kb\",\"receiver\":\"b\",\"status\":\"resolved\"");
    HAS(r, "\"hook_calls\":1,\"hook_errors\":1");
    fl_buf_cleanup(&r.body);
    cr_expect_eq(hook_calls(), 1, "only the firing group");
    cr_expect_str_eq(seen.group_key, "ka");
    cr_expect_eq(alerts_stored().n, 2, "a failing hook does not undo the commit");

    /* no hook installed: alerts are stored, nothing is called */
    fl_server_on_alert_group(NULL, NULL);
    r = post(slurp("03_truncated_max_alerts.json"), "s3cret");
    cr_assert_eq(r.status, 200);
    HAS(r, "\"truncated_alerts\":5");
    HAS(r, "\"hook_calls\":0,\"hook_errors\":0");
    fl_buf_cleanup(&r.body);
    cr_expect_eq(hook_calls(), 1);
    cr_expect_eq(alerts_stored().n, 4);
}

Test(routes_alertmanager, many_alerts_of_one_evaluation_are_recognised_on_repeat)
{
    /* 1,500 instances of one rule fire at the same evaluation: same start, same component. The
     * repeat notification must find every one of them stored (more than any default page). */
    struct fl_buf in;
    fl_buf_init(&in, 1 << 24);
    fl_buf_puts(&in, "{\"status\":\"firing\",\"groupKey\":\"g\",\"alerts\":[");
    for (int i = 0; i < 1500; i++)
        fl_buf_printf(&in,
                      "%s{\"labels\":{\"alertname\":\"Down\",\"job\":\"api\",\"instance\":\"i%d\"},"
                      "\"startsAt\":\"2026-11-25T14:05:00Z\"}",
                      i ? "," : "", i);
    fl_buf_puts(&in, "]}");
    cr_assert_eq(fl_buf_err(&in), FL_OK);
    struct resp r = post(in.data, "s3cret");
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    HAS(r, "\"firing\":1500,\"resolved\":0,\"new_firing\":1500");
    fl_buf_cleanup(&r.body);
    r = post(in.data, "s3cret");
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    HAS(r, "\"new_firing\":0");
    fl_buf_cleanup(&r.body);
    cr_expect_eq(alerts_stored().n, 1500);
    cr_expect_eq(seen.n_new_firing, 0);
    cr_expect_eq(seen.n_alerts, 1500);
    fl_buf_cleanup(&in);
}
