/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_freshness.c: the freshness evaluator (src/monitor/freshness.c) as a table of situations
 * (on time, late, never succeeded, never seen, failure after success, a gap between pushes that
 * is not lateness, runs still going at `at`, row-count checks), the `freshness:` configuration
 * keys and their errors, and the whole path from stored run events and served features to the
 * JSON answer and the /metrics families.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/config_int.h"
#include "core/buf.h"
#include "monitor/freshness.h"
#include "unit/store/helpers.h"

#define H (3600 * 1000LL)
#define NONE FL_TS_NONE
#define MAXR 6

struct run {
    int64_t ts, end;
    int status;
    int64_t rows;
};

struct fcase {
    const char *name;
    int64_t every, grace, startup;
    int64_t min_rows, max_rows;
    double max_drop;
    struct run runs[MAXR]; /* newest first; status -1 ends the list */
    bool truncated;
    int64_t since, at;
    enum fl_fresh_state want;
    uint64_t want_failures;
    int64_t want_deadline; /* NONE: not checked */
    enum fl_rows_check want_rows;
    bool want_alert;
};

#define S FL_RUN_SUCCESS
#define F FL_RUN_FAILURE
#define B FL_RUN_START
#define END {0, 0, -1, 0}

static const struct fcase cases[] = {
    {"on time", 24 * H, 2 * H, 26 * H, -1, -1, 0, {{0, NONE, S, -1}, END}, false, 0, 10 * H,
     FL_FRESH_OK, 0, 26 * H, FL_ROWS_UNCHECKED, false},
    {"at the deadline is still on time", 24 * H, 2 * H, 26 * H, -1, -1, 0,
     {{0, NONE, S, -1}, END}, false, 0, 26 * H, FL_FRESH_OK, 0, 26 * H, FL_ROWS_UNCHECKED, false},
    {"late", 24 * H, 2 * H, 26 * H, -1, -1, 0, {{0, NONE, S, -1}, END}, false, 0, 27 * H,
     FL_FRESH_LATE, 0, 26 * H, FL_ROWS_UNCHECKED, true},
    {"failed, never succeeded", 24 * H, 2 * H, 26 * H, -1, -1, 0, {{0, NONE, F, -1}, END}, false,
     0, 1 * H, FL_FRESH_NEVER_SUCCEEDED, 1, NONE, FL_ROWS_UNCHECKED, true},
    {"started long ago, never succeeded", 24 * H, 2 * H, 26 * H, -1, -1, 0,
     {{0, NONE, B, -1}, END}, false, 0, 27 * H, FL_FRESH_NEVER_SUCCEEDED, 0, 26 * H,
     FL_ROWS_UNCHECKED, true},
    {"first run in progress", 24 * H, 2 * H, 26 * H, -1, -1, 0, {{0, NONE, B, -1}, END}, false,
     0, 1 * H, FL_FRESH_UNKNOWN, 0, 26 * H, FL_ROWS_UNCHECKED, false},
    {"many starts, none succeeded", 24 * H, 2 * H, 26 * H, -1, -1, 0,
     {{2 * H, NONE, B, -1}, {1 * H, NONE, B, -1}, END}, true, 0, 3 * H,
     FL_FRESH_NEVER_SUCCEEDED, 0, NONE, FL_ROWS_UNCHECKED, true},
    {"never seen, within the startup grace", 24 * H, 2 * H, 30 * H, -1, -1, 0, {END}, false,
     5 * H, 34 * H, FL_FRESH_UNKNOWN, 0, 35 * H, FL_ROWS_UNCHECKED, false},
    {"never seen, past the startup grace", 24 * H, 2 * H, 30 * H, -1, -1, 0, {END}, false, 5 * H,
     36 * H, FL_FRESH_NEVER_SUCCEEDED, 0, 35 * H, FL_ROWS_UNCHECKED, true},
    {"failure after success", 24 * H, 2 * H, 26 * H, -1, -1, 0,
     {{24 * H, NONE, F, -1}, {0, NONE, S, -1}, END}, false, 0, 25 * H, FL_FRESH_FAILING, 1,
     26 * H, FL_ROWS_UNCHECKED, false},
    {"failures after success, then late", 24 * H, 2 * H, 26 * H, -1, -1, 0,
     {{25 * H, NONE, F, -1}, {25 * H - 1, NONE, B, -1}, {24 * H, NONE, F, -1}, {0, NONE, S, -1},
      END},
     false, 0, 27 * H, FL_FRESH_LATE, 2, 26 * H, FL_ROWS_UNCHECKED, true},
    {"a gap between pushes is not lateness", 1 * H, H / 2, 2 * H, -1, -1, 0,
     {{1 * H, NONE, S, -1}, {0, NONE, S, -1}, END}, false, 0, 2 * H + H / 3, FL_FRESH_OK, 0,
     2 * H + H / 2, FL_ROWS_UNCHECKED, false},
    {"recovered after a failure", 24 * H, 2 * H, 26 * H, -1, -1, 0,
     {{2 * H, NONE, S, -1}, {1 * H, NONE, F, -1}, {0, NONE, S, -1}, END}, false, 0, 3 * H,
     FL_FRESH_OK, 0, 28 * H, FL_ROWS_UNCHECKED, false},
    {"running after a success", 24 * H, 2 * H, 26 * H, -1, -1, 0,
     {{24 * H, NONE, B, -1}, {0, NONE, S, -1}, END}, false, 0, 25 * H, FL_FRESH_OK, 0, 26 * H,
     FL_ROWS_UNCHECKED, false},
    {"a success that ends after `at` is still running", 24 * H, 2 * H, 26 * H, -1, -1, 0,
     {{0, 5 * H, S, -1}, END}, false, 0, 3 * H, FL_FRESH_UNKNOWN, 0, 26 * H, FL_ROWS_UNCHECKED,
     false},
    {"the finish time starts the clock", 24 * H, 2 * H, 26 * H, -1, -1, 0,
     {{0, 3 * H, S, -1}, END}, false, 0, 28 * H, FL_FRESH_OK, 0, 29 * H, FL_ROWS_UNCHECKED,
     false},
    {"row drop against the median", 24 * H, 2 * H, 26 * H, -1, -1, 0.5,
     {{72 * H, NONE, S, 300}, {48 * H, NONE, S, 900}, {24 * H, NONE, S, 1100},
      {0, NONE, S, 1000}, END},
     false, 0, 73 * H, FL_FRESH_OK, 0, 98 * H, FL_ROWS_DROP, true},
    {"a smaller drop is fine", 24 * H, 2 * H, 26 * H, -1, -1, 0.5,
     {{72 * H, NONE, S, 600}, {48 * H, NONE, S, 900}, {24 * H, NONE, S, 1100},
      {0, NONE, S, 1000}, END},
     false, 0, 73 * H, FL_FRESH_OK, 0, 98 * H, FL_ROWS_OK, false},
    {"below min_rows", 24 * H, 2 * H, 26 * H, 100, -1, 0, {{0, NONE, S, 50}, END}, false, 0,
     1 * H, FL_FRESH_OK, 0, 26 * H, FL_ROWS_BELOW_MIN, true},
    {"above max_rows", 24 * H, 2 * H, 26 * H, 100, 1000, 0, {{0, NONE, S, 5000}, END}, false, 0,
     1 * H, FL_FRESH_OK, 0, 26 * H, FL_ROWS_ABOVE_MAX, true},
    {"within min and max", 24 * H, 2 * H, 26 * H, 100, 1000, 0, {{0, NONE, S, 500}, END}, false,
     0, 1 * H, FL_FRESH_OK, 0, 26 * H, FL_ROWS_OK, false},
    {"a success without rows is not checked", 24 * H, 2 * H, 26 * H, 100, -1, 0.5,
     {{24 * H, NONE, S, -1}, {0, NONE, S, 1000}, END}, false, 0, 25 * H, FL_FRESH_OK, 0, 50 * H,
     FL_ROWS_UNCHECKED, false},
    {"zero rows after a failure, on time", 24 * H, 2 * H, 26 * H, 1, -1, 0,
     {{24 * H, NONE, S, 0}, {23 * H, NONE, F, 0}, END}, false, 0, 25 * H, FL_FRESH_OK, 0, 50 * H,
     FL_ROWS_BELOW_MIN, true},
    {"failures counted up to the runs read", 24 * H, 2 * H, 26 * H, -1, -1, 0,
     {{3 * H, NONE, F, -1}, {2 * H, NONE, F, -1}, {1 * H, NONE, F, -1}, END}, true, 0, 4 * H,
     FL_FRESH_NEVER_SUCCEEDED, 3, NONE, FL_ROWS_UNCHECKED, true},
};

static void run_case(const struct fcase *c, struct fl_fresh_status *out)
{
    struct fl_freshness_cfg rule = {(char *)"job", c->every, c->grace, c->startup,
                                    c->min_rows, c->max_rows, c->max_drop, 7};
    struct fl_fresh_run runs[MAXR], succ[MAXR];
    size_t n = 0, ns = 0;
    for (size_t i = 0; i < MAXR && c->runs[i].status >= 0; i++) {
        runs[n++] = (struct fl_fresh_run){c->runs[i].ts, c->runs[i].end, c->runs[i].status,
                                          c->runs[i].rows};
        if (c->runs[i].status == FL_RUN_SUCCESS)
            succ[ns++] = runs[n - 1];
    }
    struct fl_fresh_input in = {runs, n, c->truncated, succ, ns, c->since};
    fl_freshness_eval(&rule, &in, c->at, out);
}

Test(freshness, evaluator_table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct fcase *c = &cases[i];
        struct fl_fresh_status s;
        run_case(c, &s);
        cr_expect_eq(s.state, c->want, "%s: state %s, want %s", c->name,
                     fl_freshness_state_name(s.state), fl_freshness_state_name(c->want));
        cr_expect_eq(s.consecutive_failures, c->want_failures, "%s: failures %llu", c->name,
                     (unsigned long long)s.consecutive_failures);
        if (c->want_deadline != NONE || c->want == FL_FRESH_NEVER_SUCCEEDED)
            cr_expect_eq(s.deadline_ms, c->want_deadline, "%s: deadline %lld", c->name,
                         (long long)s.deadline_ms);
        cr_expect_eq(s.rows_check, c->want_rows, "%s: rows %s", c->name,
                     fl_freshness_rows_name(s.rows_check));
        cr_expect_eq(fl_freshness_alerting(&s), c->want_alert, "%s: alerting", c->name);
        cr_expect_not_null(s.reason, "%s", c->name);
        if (s.state == FL_FRESH_LATE)
            cr_expect_eq(s.late_by_ms, c->at - s.deadline_ms, "%s", c->name);
        else
            cr_expect_eq(s.late_by_ms, 0, "%s", c->name);
    }
}

Test(freshness, details_of_a_drop_and_of_the_last_run)
{
    struct fl_fresh_status s;
    run_case(&cases[16], &s); /* row drop against the median */
    cr_assert_eq(s.checked_rows, 300);
    cr_assert_float_eq(s.rows_median, 1000, 0); /* median of 900, 1100, 1000 */
    cr_assert_float_eq(s.rows_drop, 0.7, 1e-12);
    cr_assert_eq(s.last_rows, 300);
    cr_assert_eq(s.last_status, FL_RUN_SUCCESS);
    cr_assert_eq(s.last_success_ms, 72 * H);
    run_case(&cases[10], &s); /* failures after success, then late */
    cr_assert_eq(s.last_status, FL_RUN_FAILURE);
    cr_assert_eq(s.last_run_ms, 25 * H);
    cr_assert_not(s.failures_at_least);
    run_case(&cases[23], &s); /* failures counted up to the runs read */
    cr_assert(s.failures_at_least);
    /* an even number of previous runs: the median is the mean of the middle two */
    struct fl_freshness_cfg rule = {(char *)"j", 24 * H, 0, 24 * H, -1, -1, 0.9, 7};
    struct fl_fresh_run r[3] = {{20 * H, NONE, S, 10}, {10 * H, NONE, S, 300}, {0, NONE, S, 100}};
    struct fl_fresh_input in = {r, 3, false, r, 3, 0};
    fl_freshness_eval(&rule, &in, 21 * H, &s);
    cr_assert_float_eq(s.rows_median, 200, 0);
    cr_assert_eq(s.rows_check, FL_ROWS_DROP);
}

/* ---- configuration ---- */

static struct fl_config *parse(const char *y, struct fl_diag *d)
{
    struct fl_config *c = NULL;
    fl_diag_init(d);
    fl_err e = fl_config_parse(y, strlen(y), "f.yml", &c, d);
    return e == FL_OK ? c : NULL;
}

#define TOPO "topology:\n  components:\n    - {name: etl, kind: batch_job}\n" \
             "    - {name: feats, kind: feature_store}\n"

Test(freshness, config_keys_and_defaults)
{
    struct fl_diag d;
    struct fl_config *c = parse(TOPO "freshness:\n"
                                     "  - {component: etl, every: 24h, grace: 2h, min_rows: 10,\n"
                                     "     max_rows: 500, max_drop: 40%, history: 3}\n"
                                     "  - {component: feats, every: 1h}\n"
                                     "feature_staleness: {window: 5m, max_requests: 1000}\n",
                                &d);
    cr_assert_not_null(c, "%s: %s", d.field, d.msg);
    cr_assert_eq(c->n_freshness, 2);
    const struct fl_freshness_cfg *f = &c->freshness[0];
    cr_assert_str_eq(f->component, "etl");
    cr_assert_eq(f->every_ms, 24 * H);
    cr_assert_eq(f->grace_ms, 2 * H);
    cr_assert_eq(f->startup_grace_ms, 26 * H, "default: every + grace");
    cr_assert_eq(f->min_rows, 10);
    cr_assert_eq(f->max_rows, 500);
    cr_assert_float_eq(f->max_drop, 0.4, 1e-15);
    cr_assert_eq(f->history, 3);
    f = &c->freshness[1];
    cr_assert_eq(f->grace_ms, 6 * 60 * 1000, "default grace: a tenth of every");
    cr_assert_eq(f->min_rows, -1);
    cr_assert_eq(f->history, 7);
    cr_assert_eq(c->stale_window_ms, 5 * 60 * 1000);
    cr_assert_eq(c->stale_max_requests, 1000);

    /* config show reads back */
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    fl_config_write_yaml(c, &b);
    struct fl_config *c2 = parse(b.data, &d);
    cr_assert_not_null(c2, "%s\n%s", d.msg, b.data);
    cr_assert_eq(c2->n_freshness, 2);
    cr_assert_float_eq(c2->freshness[0].max_drop, 0.4, 0);
    cr_assert_eq(c2->freshness[1].startup_grace_ms, c->freshness[1].startup_grace_ms);
    cr_assert_eq(c2->stale_window_ms, 5 * 60 * 1000);
    fl_buf_cleanup(&b);
    fl_config_free(c);
    fl_config_free(c2);

    c = parse("listen: 127.0.0.1:1\n", &d);
    cr_assert_eq(c->stale_window_ms, FL_CONFIG_STALE_WINDOW_MS);
    cr_assert_eq(c->stale_max_requests, FL_CONFIG_STALE_MAX_REQUESTS);
    fl_buf_init(&b, 1 << 20);
    fl_config_write_yaml(c, &b);
    cr_assert_null(strstr(b.data, "freshness"), "defaults are not written");
    fl_buf_cleanup(&b);
    fl_config_free(c);
}

Test(freshness, config_errors_name_the_key)
{
    static const struct {
        const char *yaml, *field, *msg;
    } bad[] = {
        {"freshness:\n  - {component: etl, every: 1h}\n", "freshness[0].component",
         "unknown component \"etl\""},
        {TOPO "freshness:\n  - {component: etl}\n", "freshness[0]", "every is required"},
        {TOPO "freshness:\n  - {every: 1h}\n", "freshness[0]", "component is required"},
        {TOPO "freshness:\n  - {component: etl, every: 1h, min_rows: 5, max_rows: 4}\n",
         "freshness[0]", "min_rows (5) exceeds max_rows (4)"},
        {TOPO "freshness:\n  - {component: etl, every: 1h, max_drop: 150%}\n",
         "freshness[0].max_drop", "expected a fraction"},
        {TOPO "freshness:\n  - {component: etl, every: 1h, max_drop: 0}\n",
         "freshness[0].max_drop", "expected a fraction"},
        {TOPO "freshness:\n  - {component: etl, every: soon}\n", "freshness[0].every",
         "expected a duration"},
        {TOPO "freshness:\n  - {component: etl, every: 1h}\n  - {component: etl, every: 2h}\n",
         "freshness[1]", "two freshness entries"},
        {TOPO "freshness:\n  - {component: etl, every: 1h, cadence: 2h}\n",
         "freshness[0].cadence", "unknown key"},
        {"feature_staleness: {window: 0s}\n", "feature_staleness.window", "expected a duration"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fl_diag d;
        struct fl_config *c = parse(bad[i].yaml, &d);
        cr_expect_null(c, "case %zu parsed", i);
        fl_config_free(c);
        cr_expect_str_eq(d.field, bad[i].field, "case %zu: %s", i, d.msg);
        cr_expect_not_null(strstr(d.msg, bad[i].msg), "case %zu: %s", i, d.msg);
        cr_expect_gt(d.line, 0, "case %zu has a line", i);
    }
}

/* ---- from the store to JSON and /metrics ---- */

Test(freshness, evaluate_from_the_store)
{
    char *dir = th_tmpdir();
    struct fl_store *s = th_open(dir);
    struct fl_diag d;
    struct fl_config *c = parse(TOPO "freshness:\n"
                                     "  - {component: etl, every: 24h, grace: 2h, max_drop: 0.5}\n"
                                     "  - {component: feats, every: 1h, startup_grace: 3h}\n",
                                &d);
    cr_assert_not_null(c, "%s", d.msg);
    int64_t t0 = 1764000000000LL;
    struct fl_event ev[] = {
        {"a", t0, NONE, "batch_run", "etl", "success", 1000, "", "{}"},
        {"b", t0 + 24 * H, t0 + 25 * H, "batch_run", "etl", "success", 200, "", "{}"},
        {"c", t0 + 26 * H, NONE, "batch_run", "etl", "failure", -1, "", "{}"},
    };
    static struct fl_feature f1[] = {{"age", FL_FEAT_PRESENT, FL_VAL_NUMBER, 3, NULL},
                                      {"zip", FL_FEAT_OUTSIDE_MAX_AGE, FL_VAL_STRING, 0, "x\"y"}};
    static struct fl_feature f2[] = {{"age", FL_FEAT_NOT_FOUND, FL_VAL_NULL, 0, NULL},
                                      {"zip", FL_FEAT_NULL, FL_VAL_NULL, 0, NULL}};
    struct fl_inference inf[4];
    memset(inf, 0, sizeof inf);
    for (int i = 0; i < 4; i++) {
        inf[i].ts_ms = t0 + 26 * H + i * 1000;
        inf[i].request_id = "r";
        inf[i].model = "m\"1";
        inf[i].model_version = "1";
        inf[i].features = i == 3 ? f2 : f1;
        inf[i].n_features = 2;
        inf[i].score = NAN;
        inf[i].latency_ms = NAN;
    }
    struct fl_batch b;
    th_batch(&b);
    b.events = ev;
    b.n_events = 3;
    b.inferences = inf;
    b.n_inferences = 4;
    cr_assert_eq(fl_store_write(s, &b, NULL), FL_OK);

    struct fl_fresh_report r;
    fl_diag_init(&d);
    int64_t now = t0 + 26 * H + 10000;
    cr_assert_eq(fl_freshness_evaluate(s, c, now, now, &r, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(r.n_jobs, 2);
    cr_assert_eq(r.jobs[0].st.state, FL_FRESH_FAILING);
    cr_assert_eq(r.jobs[0].st.last_success_ms, t0 + 25 * H, "the finish of run b");
    cr_assert_eq(r.jobs[0].st.rows_check, FL_ROWS_DROP);
    cr_assert_eq(r.jobs[1].st.state, FL_FRESH_UNKNOWN);
    cr_assert_eq(r.jobs[1].watch_since_ms, now);
    cr_assert_eq(fl_freshness_n_alerting(&r), 1);
    cr_assert_eq(r.requests, 4);
    cr_assert_eq(r.n_features, 2);
    cr_assert_str_eq(r.features[0].feature, "age");
    cr_assert_eq(r.features[0].n[FL_FEAT_NOT_FOUND], 1);
    cr_assert_float_eq(fl_freshness_stale_ratio(&r.features[0]), 0.25, 0);
    cr_assert_float_eq(fl_freshness_stale_ratio(&r.features[1]), 0.75, 0);

    struct fl_buf j;
    fl_buf_init(&j, 1 << 20);
    fl_freshness_json(&r, &j);
    cr_assert_not_null(strstr(j.data, "\"component\":\"etl\",\"state\":\"failing\""), "%s", j.data);
    cr_assert_not_null(strstr(j.data, "\"rows_check\":\"drop\""));
    cr_assert_not_null(strstr(j.data, "\"model\":\"m\\\"1\",\"feature\":\"zip\",\"requests\":4,"
                                      "\"present\":0,\"null\":1,\"not_found\":0,"
                                      "\"outside_max_age\":3,\"stale_ratio\":0.75,"
                                      "\"null_ratio\":0.25"),
                      "%s", j.data);
    fl_buf_cleanup(&j);

    struct fl_buf p;
    fl_buf_init(&p, 1 << 20);
    fl_freshness_prometheus(&r, &p);
    static const char *const want[] = {
        "# TYPE faultline_batch_last_success_timestamp_seconds gauge\n",
        "faultline_batch_last_success_timestamp_seconds{component=\"etl\"} 1764090000\n",
        "faultline_batch_late{component=\"etl\"} 0\n",
        "faultline_batch_late{component=\"feats\"} 0\n",
        "faultline_batch_state{component=\"etl\",state=\"failing\"} 1\n",
        "faultline_batch_state{component=\"feats\",state=\"unknown\"} 1\n",
        "faultline_batch_last_run_status{component=\"etl\",status=\"failure\"} 1\n",
        "faultline_batch_consecutive_failures{component=\"etl\"} 1\n",
        "faultline_batch_rows_last_run{component=\"etl\"} 200\n",
        "faultline_batch_rows_anomaly{component=\"etl\"} 1\n",
        "faultline_feature_stale_ratio{model=\"m\\\"1\",feature=\"zip\"} 0.75\n",
        "faultline_feature_null_ratio{model=\"m\\\"1\",feature=\"age\"} 0\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect_not_null(strstr(p.data, want[i]), "missing %s in\n%s", want[i], p.data);
    cr_expect_null(strstr(p.data, "faultline_batch_last_success_timestamp_seconds{component="
                                  "\"feats\"}"),
                   "no sample for a job that never succeeded");
    fl_buf_cleanup(&p);
    fl_freshness_report_cleanup(&r);

    /* later: the never-seen job passes its startup grace; etl turns late */
    int64_t later = now + 30 * H;
    cr_assert_eq(fl_freshness_evaluate(s, c, later, later, &r, &d), FL_OK);
    cr_assert_eq(r.jobs[1].watch_since_ms, now, "watching began at the first evaluation");
    cr_assert_eq(r.jobs[1].st.state, FL_FRESH_NEVER_SUCCEEDED);
    cr_assert_eq(r.jobs[0].st.state, FL_FRESH_LATE);
    cr_assert_eq(fl_freshness_n_alerting(&r), 2);
    fl_freshness_report_cleanup(&r);
    fl_config_free(c);
    fl_store_free(s);
    th_rmdir(dir);
}
