/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_alert_investigate.c: Alertmanager firing groups -> investigations
 * (src/server/alert_investigate.h). The plan, table-driven over hand-made groups whose alerts
 * carry the attributes the receiver stores: which groups are new (repeats and alerts joining a
 * firing group open nothing), the symptom's sources in order (faultline_symptom annotation, then
 * label, then generatorURL's first selector, then the labels with __name__), an invalid
 * faultline_symptom falling through, the onset (earliest firing startsAt) and the title. Then the
 * worker on a real store: the hook returns at once, the investigation is stored with source
 * "alertmanager", and a repeat of the group opens no second one.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "server/alert_investigate.h"
#include "server/alert_notify.h"
#include "server/selfmetrics.h"
#include "store/store.h"
#include "unit/store/helpers.h"

#define URL_FRAUD                                                                                  \
    "http://prom:9090/graph?g0.expr=histogram_quantile%280.99%2C+sum+by+%28le%29+%28rate%28"       \
    "http_request_duration_seconds_bucket%7Bservice%3D%22fraud%22%7D%5B5m%5D%29%29%29+%3E+0.5"    \
    "&g0.tab=1"

/* attrs_json as src/ingest/alertmanager.c writes it */
#define ATTRS(labels, anns, url)                                                                   \
    "{\"labels\":" labels ",\"annotations\":" anns ",\"fingerprint\":\"f\",\"generatorURL\":\""   \
    url "\",\"groupKey\":\"{}:{alertname=\\\"A\\\"}\",\"receiver\":\"fl\",\"externalURL\":\"\"}"

struct one_alert {
    const char *status;
    int64_t ts_ms;
    const char *attrs;
};

static const struct {
    const char *name;
    struct one_alert alerts[3];
    size_t n_alerts, n_new;
    fl_err want;
    const char *symptom, *from, *title;
    int64_t onset_ms;
} cases[] = {
    {"generatorURL",
     {{"firing", 2000,
       ATTRS("{\"alertname\":\"FraudSlow\",\"severity\":\"page\"}",
             "{\"summary\":\"fraud P99 above 0.5 s\"}", URL_FRAUD)}},
     1, 1, FL_OK, "http_request_duration_seconds_bucket{service=\"fraud\"}", "generatorURL",
     "fraud P99 above 0.5 s", 2000},
    {"annotation_first",
     {{"firing", 5000,
       ATTRS("{\"alertname\":\"CtrLow\",\"faultline_symptom\":\"latency:fraud@99\"}",
             "{\"faultline_symptom\":\"kpi:ctr\"}", URL_FRAUD)}},
     1, 1, FL_OK, "kpi:ctr", "annotation", "CtrLow", 5000},
    {"label_second",
     {{"firing", 5000,
       ATTRS("{\"alertname\":\"Slow\",\"faultline_symptom\":\"latency:fraud@95\"}", "{}",
             URL_FRAUD)}},
     1, 1, FL_OK, "latency:fraud@95", "label", "Slow", 5000},
    {"bad_annotation_falls_through",
     {{"firing", 5000,
       ATTRS("{\"alertname\":\"X\"}", "{\"faultline_symptom\":\"kpi:\"}", URL_FRAUD)}},
     1, 1, FL_OK, "http_request_duration_seconds_bucket{service=\"fraud\"}", "generatorURL", "X",
     5000},
    {"labels_with_name",
     {{"firing", 7000,
       ATTRS("{\"__name__\":\"recs_ctr\",\"alertname\":\"X\",\"service\":\"re\\\"cs\","
             "\"severity\":\"page\"}",
             "{}", "")}},
     1, 1, FL_OK, "{__name__=\"recs_ctr\",service=\"re\\\"cs\"}", "labels", "X", 7000},
    {"labels_without_name",
     {{"firing", 7000, ATTRS("{\"alertname\":\"X\",\"service\":\"recs\"}", "{}", "")}},
     1, 1, FL_ENOTFOUND, NULL, NULL, NULL, 0},
    {"onset_is_earliest_firing",
     {{"resolved", 100, ATTRS("{\"alertname\":\"A\"}", "{}", URL_FRAUD)},
      {"firing", 9000, ATTRS("{\"alertname\":\"A\"}", "{}", URL_FRAUD)},
      {"firing", 8000, ATTRS("{\"alertname\":\"A\"}", "{}", URL_FRAUD)}},
     3, 2, FL_OK, "http_request_duration_seconds_bucket{service=\"fraud\"}", "generatorURL", "A",
     8000},
    {"repeat_opens_nothing",
     {{"firing", 2000, ATTRS("{\"alertname\":\"A\"}", "{}", URL_FRAUD)}},
     1, 0, FL_ENOTFOUND, NULL, NULL, NULL, 0},
    {"faultlines_own_report_opens_nothing",
     {{"firing", 2000,
       ATTRS("{\"alertname\":\"FaultlineInvestigation\",\"faultline_symptom\":\"kpi:ctr\"}",
             "{}", URL_FRAUD)}},
     1, 1, FL_ENOTFOUND, NULL, NULL, NULL, 0},
    {"joining_a_firing_group_opens_nothing",
     {{"firing", 2000, ATTRS("{\"alertname\":\"A\"}", "{}", URL_FRAUD)},
      {"firing", 3000, ATTRS("{\"alertname\":\"A\"}", "{}", URL_FRAUD)}},
     2, 1, FL_ENOTFOUND, NULL, NULL, NULL, 0},
};

/* Build the group of case i into storage the caller provides. */
static void make_group(size_t i, struct fl_am_group *grp, struct fl_event *ev,
                       struct fl_alert_group *g)
{
    memset(grp, 0, sizeof *grp);
    grp->status = "firing";
    grp->group_key = "{}:{alertname=\"A\"}";
    grp->n_alerts = cases[i].n_alerts;
    for (size_t k = 0; k < cases[i].n_alerts; k++) {
        memset(&ev[k], 0, sizeof ev[k]);
        ev[k].id = "am_x";
        ev[k].kind = "alert";
        ev[k].component = "c";
        ev[k].status = cases[i].alerts[k].status;
        ev[k].ts_ms = cases[i].alerts[k].ts_ms;
        ev[k].end_ms = FL_TS_NONE;
        ev[k].message = "";
        ev[k].attrs_json = cases[i].alerts[k].attrs;
    }
    g->group = grp;
    g->alerts = ev;
    g->n_new_firing = cases[i].n_new;
}

Test(alert_investigate, plan_table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_am_group grp;
        struct fl_event ev[3];
        struct fl_alert_group g;
        struct fl_alert_inv_plan p;
        struct fl_diag d;
        fl_diag_init(&d);
        make_group(i, &grp, ev, &g);
        fl_err e = fl_alert_inv_plan(&g, &p, &d);
        cr_expect_eq(e, cases[i].want, "%s: got %s (%s)", cases[i].name, fl_err_name(e), d.msg);
        if (e != FL_OK) {
            cr_expect_null(p.symptom, "%s", cases[i].name);
            cr_expect_neq(d.msg[0], '\0', "%s: no reason given", cases[i].name);
            continue;
        }
        cr_expect_str_eq(p.symptom, cases[i].symptom, "%s", cases[i].name);
        cr_expect_str_eq(p.symptom_from, cases[i].from, "%s", cases[i].name);
        cr_expect_str_eq(p.title, cases[i].title, "%s", cases[i].name);
        cr_expect_eq(p.onset_ms, cases[i].onset_ms, "%s", cases[i].name);
        cr_expect_str_eq(p.group_key, "{}:{alertname=\"A\"}", "%s", cases[i].name);
        fl_alert_inv_plan_cleanup(&p);
    }
}

/* ---- the worker on a real store ---- */

static int count_alertmanager(const struct fl_store_investigation *inv, void *ud)
{
    size_t *n = ud;
    if (inv->source && !strcmp(inv->source, "alertmanager"))
        n[0]++;
    if (inv->title && !strcmp(inv->title, "fraud P99 above 0.5 s"))
        n[1]++;
    return 0;
}

Test(alert_investigate, worker_stores_one_investigation_per_new_group)
{
    struct fl_config *cfg = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_config_parse("{}\n", 3, "t.yml", &cfg, &d), FL_OK, "%s", d.msg);
    char *dir = th_tmpdir();
    struct fl_store *store = th_open(dir);
    struct fl_alert_inv *ai = NULL;
    cr_assert_eq(fl_alert_inv_start(store, cfg, &ai, &d), FL_OK, "%s", d.msg);

    struct fl_alert_inv_stats before, after;
    fl_alert_inv_totals(&before);
    struct fl_am_group grp;
    struct fl_event ev[3];
    struct fl_alert_group g;
    make_group(0, &grp, ev, &g); /* new, symptom from generatorURL */
    cr_assert_eq(fl_alert_inv_hook(&g, ai), FL_OK);
    g.n_new_firing = 0; /* Alertmanager's repeat of the same group */
    cr_assert_eq(fl_alert_inv_hook(&g, ai), FL_OK);
    make_group(5, &grp, ev, &g); /* no usable symptom: skipped, still FL_OK for the receiver */
    cr_assert_eq(fl_alert_inv_hook(&g, ai), FL_OK);
    cr_assert(fl_alert_inv_wait_idle(ai, 60000), "worker still busy after 60 s");

    struct fl_alert_inv_stats st;
    fl_alert_inv_get_stats(ai, &st);
    cr_expect_eq(st.opened, 1);
    cr_expect_eq(st.failed, 0);
    cr_expect_eq(st.skipped, 2);
    cr_expect_eq(st.dropped, 0);
    fl_alert_inv_totals(&after); /* process-wide: this test's worker is the only one running */
    cr_expect_eq(after.opened - before.opened, 1);
    cr_expect_eq(after.skipped - before.skipped, 2);
    cr_expect_eq(after.failed - before.failed, 0);

    /* ... and faultline's own /metrics shows them */
    struct fl_selfmetrics *m = fl_selfmetrics_new(NULL, 0, 0);
    cr_assert_not_null(m);
    struct fl_buf text;
    fl_buf_init(&text, 1 << 20);
    fl_selfmetrics_render(m, NULL, NULL, 0, &text);
    fl_buf_putc(&text, '\0');
    char line[128];
    snprintf(line, sizeof line, "\nfaultline_alert_investigations_total{outcome=\"opened\"} %llu\n",
             (unsigned long long)after.opened);
    cr_expect_not_null(strstr(text.data, line), "no line %s in\n%s", line, text.data);
    cr_expect_not_null(strstr(text.data, "# TYPE faultline_alert_investigations_total counter\n"));
    fl_buf_cleanup(&text);
    fl_selfmetrics_free(m);
    size_t n[2] = {0, 0};
    cr_assert_eq(fl_store_investigation_list(store, FL_TS_NONE, 0, count_alertmanager, n, &d),
                 FL_OK, "%s", d.msg);
    cr_expect_eq(n[0], 1, "investigations with source alertmanager: %zu", n[0]);
    cr_expect_eq(n[1], 1, "with the alert's summary as title: %zu", n[1]);

    fl_alert_inv_stop(ai);
    fl_store_free(store);
    fl_config_free(cfg);
    th_rmdir(dir);
}

Test(alert_investigate, run_reports_a_bad_symptom)
{
    struct fl_config *cfg = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_config_parse("{}\n", 3, "t.yml", &cfg, &d), FL_OK, "%s", d.msg);
    char *dir = th_tmpdir();
    struct fl_store *store = th_open(dir);
    struct fl_alert_inv_plan p = {.symptom = "kpi:", .symptom_from = "annotation",
                                  .group_key = "k", .onset_ms = 1000};
    char id[40] = "unset";
    fl_diag_init(&d);
    cr_expect_eq(fl_alert_inv_run(store, cfg, &p, id, sizeof id, &d), FL_EINVAL);
    cr_expect_str_eq(id, "unset");
    cr_expect_neq(d.msg[0], '\0');
    fl_store_free(store);
    fl_config_free(cfg);
    th_rmdir(dir);
}

/* ---- reporting back (alert_notify.h) ---- */

Test(alert_investigate, report_body_carries_the_finding)
{
    struct fl_inv_cause causes[2] = {
        {.component = "network fraud-service->feature-store", .score = 0.49,
         .summary = "its trace time changed"},
        {.component = "fraud-service", .score = 0.27, .summary = "inherited"},
    };
    struct fl_inv_refuted ref[1] = {
        {.hypothesis = "model-server got slower", .text = "P99 20 ms -> 19.1 ms, KS p 0.81"}};
    struct fl_investigation inv = {.symptom = "latency:fraud-service@P99",
                                   .onset_ms = 1764081000000,
                                   .verdict = FL_INV_CAUSES,
                                   .verdict_text = "2 candidate causes",
                                   .causes = causes,
                                   .n_causes = 2,
                                   .refuted = ref,
                                   .n_refuted = 1};
    snprintf(inv.id, sizeof inv.id, "inv_00000000000000ab");
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    cr_assert_eq(fl_alert_notify_body("{\"alertname\":\"FraudSlow\",\"service\":\"fraud\","
                                      "\"severity\":\"page\",\"n\":3}",
                                      "http://fl:9470/", &inv, 1764081060000, &b),
                 FL_OK);
    json_error_t je;
    json_t *a = json_loads(b.data, 0, &je);
    cr_assert(json_is_array(a) && json_array_size(a) == 1, "%s: %s", je.text, b.data);
    json_t *al = json_array_get(a, 0), *l = json_object_get(al, "labels"),
           *an = json_object_get(al, "annotations");
    cr_expect_str_eq(json_string_value(json_object_get(l, "alertname")), "FaultlineInvestigation");
    cr_expect_str_eq(json_string_value(json_object_get(l, "source_alertname")), "FraudSlow");
    cr_expect_str_eq(json_string_value(json_object_get(l, "service")), "fraud");
    cr_expect_str_eq(json_string_value(json_object_get(l, "severity")), "page");
    cr_expect_null(json_object_get(l, "n"), "non-string labels are skipped");
    cr_expect_str_eq(json_string_value(json_object_get(l, "faultline_verdict")), "causes");
    cr_expect_str_eq(json_string_value(json_object_get(l, "faultline_cause")),
                     "network fraud-service->feature-store");
    cr_expect_str_eq(json_string_value(json_object_get(an, "summary")),
                     "faultline: 2 candidate causes");
    const char *desc = json_string_value(json_object_get(an, "description"));
    cr_assert_not_null(desc);
    cr_expect(strstr(desc, "Symptom latency:fraud-service@P99, onset 2025-11-25T14:30:00") != NULL,
              "%s", desc);
    cr_expect(strstr(desc, "1. network fraud-service->feature-store (score 0.49)") != NULL, "%s",
              desc);
    cr_expect(strstr(desc, "2. fraud-service (score 0.27)") != NULL, "%s", desc);
    cr_expect(strstr(desc, "Refuted: model-server got slower: P99 20 ms -> 19.1 ms") != NULL, "%s",
              desc);
    cr_expect_str_eq(json_string_value(json_object_get(an, "faultline_investigation")),
                     "inv_00000000000000ab");
    cr_expect_str_eq(json_string_value(json_object_get(an, "faultline_url")),
                     "http://fl:9470/api/v1/investigations/inv_00000000000000ab?format=markdown");
    cr_expect_str_eq(json_string_value(json_object_get(al, "generatorURL")),
                     "http://fl:9470/api/v1/investigations/inv_00000000000000ab");
    cr_expect_str_eq(json_string_value(json_object_get(al, "startsAt")),
                     "2025-11-25T14:31:00Z");
    cr_expect_null(json_object_get(al, "endsAt"));
    json_decref(a);

    /* no causes: no faultline_cause label; a bad commonLabels text is refused */
    inv.verdict = FL_INV_NO_SYMPTOM;
    inv.n_causes = 0;
    fl_buf_reset(&b);
    cr_assert_eq(fl_alert_notify_body("{}", "http://fl", &inv, 0, &b), FL_OK);
    cr_expect(strstr(b.data, "faultline_cause") == NULL, "%s", b.data);
    cr_expect(strstr(b.data, "\"faultline_verdict\":\"no_symptom\"") != NULL, "%s", b.data);
    fl_buf_reset(&b);
    cr_expect_eq(fl_alert_notify_body("[1]", "http://fl", &inv, 0, &b), FL_EPARSE);
    fl_buf_cleanup(&b);
}
