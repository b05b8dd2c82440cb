/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_live.c: live monitoring (src/monitor/live.c) driven with explicit times: windows closing
 * on the tick, records in and out of order, late records, windows pushed out by newer ones,
 * drift against the reference (detected when shifted, not when identical) and against the
 * previous window, min_rows, the registry's reference and schema taking precedence over the
 * configuration's, the previous window read back from the store after a restart, idle versions
 * forgotten, and the exact /metrics lines.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/record.h"
#include "ingest/inference.h"
#include "monitor/live.h"
#include "monitor/profile.h"
#include "store/store.h"
#include "unit/store/helpers.h"

#define T0 1800000000000LL /* ms; a multiple of the 60 s window */
#define W 60000LL

static char *dir;
static struct fl_store *st;
static struct fl_live *lv;
static char ref_path[600];

/* A reference table: amount = 0 .. n-1, country cycling DE, FR, IT. */
static void write_reference(const char *path, int n, double shift)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "amount,country\n");
    static const char *const c[] = {"DE", "FR", "IT"};
    for (int i = 0; i < n; i++)
        fprintf(f, "%g,%s\n", i + shift, c[i % 3]);
    fclose(f);
}

static void opts(struct fl_live_opts *o)
{
    fl_live_opts_default(o);
    o->window_ms = W;
    o->grace_ms = 5000;
    o->min_rows = 50;
    o->retention_ms = 0;
}

static void setup_with(bool with_store, const struct fl_live_opts *o)
{
    struct fl_diag d;
    fl_diag_init(&d);
    dir = th_tmpdir();
    st = with_store ? th_open(dir) : NULL;
    snprintf(ref_path, sizeof ref_path, "%s/ref.csv", dir);
    write_reference(ref_path, 200, 0);
    cr_assert_eq(fl_live_new(o, st, &lv, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(fl_live_set_reference_file(lv, "m", ref_path, &d), FL_OK, "%s", d.msg);
}

static void setup(void)
{
    struct fl_live_opts o;
    opts(&o);
    setup_with(false, &o);
}

static void setup_store(void)
{
    struct fl_live_opts o;
    opts(&o);
    setup_with(true, &o);
}

static void teardown(void)
{
    fl_live_free(lv);
    fl_store_free(st);
    unlink(ref_path);
    char p[700];
    snprintf(p, sizeof p, "%s/reg.csv", dir);
    unlink(p);
    th_rmdir(dir);
}

/* n records of (model, version) from ts_ms on, 100 ms apart: amount = i + shift, country
 * cycling, score i / n. Parsed by the real inference parser and handed to fl_live_add. */
static fl_err add(const char *model, const char *version, int64_t ts_ms, int n, double shift)
{
    static const char *const c[] = {"DE", "FR", "IT"};
    struct fl_buf t;
    struct fl_batch b;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_buf_init(&t, 1 << 26);
    for (int i = 0; i < n; i++)
        fl_buf_printf(&t,
                      "{\"ts\":%lld,\"request_id\":\"r%d\",\"model\":\"%s\","
                      "\"model_version\":\"%s\",\"features\":{\"amount\":%g,\"country\":\"%s\"},"
                      "\"prediction\":{\"score\":%g}}\n",
                      (long long)(ts_ms + 100LL * i) / 1000, i, model, version, i + shift, c[i % 3],
                      (double)i / n);
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    cr_assert_eq(fl_inference_jsonl_to_batch(t.data, t.len, NULL, &b, &d), FL_OK, "%s", d.msg);
    /* exact milliseconds (the text above has whole seconds) */
    for (size_t i = 0; i < b.n_inferences; i++)
        b.inferences[i].ts_ms = ts_ms + 100LL * (int64_t)i;
    fl_diag_init(&d);
    fl_err e = fl_live_add(lv, b.inferences, b.n_inferences, &d);
    fl_batch_cleanup(&b);
    fl_buf_cleanup(&t);
    return e;
}

static struct fl_live_stats stats(void)
{
    struct fl_live_stats s;
    fl_live_stats(lv, &s);
    return s;
}

static void tick(int64_t now)
{
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_live_tick(lv, now, &d), FL_OK, "%s", d.msg);
}

/* The drift answer of (model, version) as text (the caller frees). */
static char *drift(const char *model, const char *version)
{
    struct fl_buf b;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_buf_init(&b, 1 << 26);
    fl_err e = fl_live_drift_json(lv, model, version, &b, &d);
    cr_assert_eq(e, FL_OK, "%s", d.msg);
    return fl_buf_take(&b);
}

static char *metrics(void)
{
    struct fl_buf b;
    fl_buf_init(&b, 1 << 26);
    fl_live_write_metrics(lv, &b);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    return fl_buf_take(&b);
}

#define HAS(text, want) cr_expect_not_null(strstr(text, want), "missing <%s> in:\n%s", want, text)
#define HASNT(text, want) cr_expect_null(strstr(text, want), "unexpected <%s> in:\n%s", want, text)

/* The value of the sample line that starts with prefix (name{labels}), or NaN when absent. */
static double sample(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, prefix, n) && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return NAN;
}

#define REF(feature, method)                                                                       \
    "{model=\"m\",version=\"v1\",feature=\"" feature "\",method=\"" method                         \
    "\",baseline=\"reference\"}"
#define PREV(feature, method)                                                                      \
    "{model=\"m\",version=\"v1\",feature=\"" feature "\",method=\"" method                         \
    "\",baseline=\"previous_window\"}"

Test(live, a_window_closes_once_its_end_plus_grace_has_passed, .init = setup, .fini = teardown)
{
    cr_assert_eq(add("m", "v1", T0, 200, 0), FL_OK);
    struct fl_live_stats s = stats();
    cr_expect_eq(s.records, 200);
    cr_expect_eq(s.windows_open, 1);
    cr_expect_eq(s.versions, 1);
    tick(T0 + W + 4999); /* within the grace */
    cr_expect_eq(stats().windows_closed, 0);
    struct fl_buf b;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_buf_init(&b, 1 << 20);
    cr_expect_eq(fl_live_drift_json(lv, "m", NULL, &b, &d), FL_ENOTFOUND);
    HAS(d.msg, "has no closed window yet");
    fl_buf_cleanup(&b);
    tick(T0 + W + 5000);
    s = stats();
    cr_expect_eq(s.windows_closed, 1);
    cr_expect_eq(s.windows_open, 0);
    char *j = drift("m", NULL);
    HAS(j, "\"window_start\":\"2027-01-15T08:00:00Z\",\"window_start_ms\":1800000000000");
    HAS(j, "\"window_end_ms\":1800000060000,\"rows\":200,\"min_rows\":50");
    HAS(j, "{\"baseline\":\"reference\",\"status\":\"ok\",\"message\":null,"
           "\"source\":\"config:");
    HAS(j, "{\"baseline\":\"previous_window\",\"status\":\"no_baseline\",\"message\":\"no earlier "
           "closed window of this version\"");
    fl_free(j);
}

Test(live, identical_data_does_not_drift_and_shifted_data_does, .init = setup, .fini = teardown)
{
    cr_assert_eq(add("m", "v1", T0, 200, 0), FL_OK);        /* the reference's own values */
    cr_assert_eq(add("m", "v1", T0 + W, 200, 1000), FL_OK); /* amount shifted far away */
    tick(T0 + W + 5000);
    char *m = metrics();
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" REF("amount", "ks")), 0);
    cr_expect_eq(sample(m, "faultline_feature_drift_score" REF("amount", "ks")), 1,
                 "KS p of identical samples");
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" REF("country", "chi2")), 0);
    fl_free(m);
    tick(T0 + 2 * W + 5000);
    m = metrics();
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" REF("amount", "ks")), 1);
    cr_expect_lt(sample(m, "faultline_feature_drift_score" REF("amount", "ks")), 1e-20);
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" REF("country", "chi2")), 0);
    /* previous window: amount shifted, country and the predictions the same */
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" PREV("amount", "ks")), 1);
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" PREV("country", "chi2")), 0);
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" PREV("prediction", "ks")), 0);
    cr_expect_eq(sample(m, "faultline_model_drift_share{model=\"m\",version=\"v1\","
                           "baseline=\"reference\"}"),
                 0.5);
    cr_expect_eq(sample(m, "faultline_model_drift_share{model=\"m\",version=\"v1\","
                           "baseline=\"previous_window\"}"),
                 1.0 / 3);
    cr_expect_eq(sample(m, "faultline_inference_window_rows{model=\"m\",version=\"v1\"}"), 200);
    /* the reference has no predictions: no reference series for them */
    HASNT(m, REF("prediction", "ks"));
    fl_free(m);
    char *j = drift("m", "v1");
    HAS(j, "\"baseline_start\":\"2027-01-15T08:00:00Z\"");
    HAS(j, "\"baseline_rows\":200,\"drift\":{\"reference\":\"window 2027-01-15T08:00:00Z\","
           "\"current\":\"window 2027-01-15T08:01:00Z\"");
    HAS(j, "\"feature\":\"prediction\",\"check\":\"new_feature\"");
    fl_free(j);
}

Test(live, records_out_of_order_land_in_their_windows, .init = setup, .fini = teardown)
{
    /* the second window's records arrive first, then the first's, interleaved in one call */
    cr_assert_eq(add("m", "v1", T0 + W, 100, 1000), FL_OK);
    cr_assert_eq(add("m", "v1", T0, 100, 0), FL_OK);
    cr_assert_eq(add("m", "v1", T0 + W + 10000, 100, 1000), FL_OK);
    cr_expect_eq(stats().windows_open, 2);
    cr_expect_eq(stats().late, 0);
    tick(T0 + 2 * W + 5000); /* both close, oldest first */
    cr_expect_eq(stats().windows_closed, 2);
    char *j = drift("m", "v1");
    HAS(j, "\"window_start_ms\":1800000060000");
    HAS(j, "\"rows\":200,");
    HAS(j, "\"baseline_start_ms\":1800000000000");
    fl_free(j);
    char *m = metrics();
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" PREV("amount", "ks")), 1);
    fl_free(m);
}

Test(live, records_of_closed_or_pushed_out_windows_are_late, .init = setup, .fini = teardown)
{
    cr_assert_eq(add("m", "v1", T0, 60, 0), FL_OK);
    tick(T0 + W + 5000);
    cr_assert_eq(add("m", "v1", T0 + 1000, 5, 0), FL_OK); /* its window has closed */
    struct fl_live_stats s = stats();
    cr_expect_eq(s.late, 5);
    cr_expect_eq(s.records, 60);
    /* open_windows 3: a fourth, newer window pushes the oldest out; it closes at the next tick
     * although its end + grace has not come yet */
    for (int k = 1; k <= 4; k++)
        cr_assert_eq(add("m", "v1", T0 + k * W, 60, 0), FL_OK);
    s = stats();
    cr_expect_eq(s.windows_open, 4, "three open and one waiting to close");
    cr_assert_eq(add("m", "v1", T0 + W + 30000, 1, 0), FL_OK); /* the pushed-out window */
    cr_expect_eq(stats().late, 6);
    tick(T0 + 2 * W); /* only the pushed-out window is due */
    s = stats();
    cr_expect_eq(s.windows_closed, 2);
    cr_expect_eq(s.windows_open, 3);
    char *j = drift("m", "v1");
    HAS(j, "\"window_start_ms\":1800000060000,");
    fl_free(j);
}

Test(live, min_rows_withholds_the_verdict_and_says_so, .init = setup, .fini = teardown)
{
    cr_assert_eq(add("m", "v1", T0, 200, 0), FL_OK);
    cr_assert_eq(add("m", "v1", T0 + W, 20, 1000), FL_OK);
    tick(T0 + 2 * W + 5000);
    char *j = drift("m", "v1");
    HAS(j, "{\"baseline\":\"reference\",\"status\":\"insufficient_rows\",\"message\":\"the window "
           "has 20 records, fewer than min_rows (50): no verdict\"");
    HAS(j, "{\"baseline\":\"previous_window\",\"status\":\"insufficient_rows\"");
    HAS(j, "\"drift\":null");
    fl_free(j);
    char *m = metrics();
    HASNT(m, "faultline_feature_drift_detected{");
    HASNT(m, "faultline_model_drift_share{");
    cr_expect_eq(sample(m, "faultline_inference_window_rows{model=\"m\",version=\"v1\"}"), 20);
    fl_free(m);
    /* a full window after a thin one: the previous window is too thin to compare with */
    cr_assert_eq(add("m", "v1", T0 + 2 * W, 200, 1000), FL_OK);
    tick(T0 + 3 * W + 5000);
    j = drift("m", "v1");
    HAS(j, "{\"baseline\":\"reference\",\"status\":\"ok\"");
    HAS(j, "\"status\":\"insufficient_rows\",\"message\":\"the previous window has 20 records, "
           "fewer than min_rows (50): no verdict\"");
    fl_free(j);
}

Test(live, a_model_without_reference_has_no_reference_verdict, .init = setup, .fini = teardown)
{
    cr_assert_eq(add("other", "v1", T0, 100, 0), FL_OK);
    tick(T0 + W + 5000);
    char *j = drift("other", NULL);
    HAS(j, "{\"baseline\":\"reference\",\"status\":\"no_baseline\",\"message\":\"no reference: "
           "give models[].reference in the configuration or register a reference profile for "
           "the version\",\"source\":null");
    fl_free(j);
    char *m = metrics();
    /* null ratios and rows are there, no drift series */
    cr_expect_eq(sample(m, "faultline_feature_window_null_ratio{model=\"other\",version=\"v1\","
                           "feature=\"amount\"}"),
                 0);
    HASNT(m, "faultline_feature_drift_score{model=\"other\"");
    fl_free(m);
}

Test(live, metrics_lines_are_exact_and_escaped, .init = setup, .fini = teardown)
{
    /* hand-built records: a model name needing escapes, a null and a missing feature */
    struct fl_feature f[2][2] = {
        {{"a", FL_FEAT_PRESENT, FL_VAL_NUMBER, 1, NULL}, {"b", FL_FEAT_NULL, FL_VAL_NULL, 0, NULL}},
        {{"a", FL_FEAT_PRESENT, FL_VAL_NUMBER, 2, NULL},
         {"b", FL_FEAT_NOT_FOUND, FL_VAL_NULL, 0, NULL}},
    };
    struct fl_inference r[4];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 4; i++) {
        r[i].ts_ms = T0 + i;
        r[i].request_id = "x";
        r[i].model = "we\"ird\\na\nme";
        r[i].model_version = "7";
        r[i].features = f[i % 2];
        r[i].n_features = i < 3 ? 2 : 1; /* the last lacks b altogether */
        r[i].pred_kind = FL_PRED_NONE;
        r[i].score = NAN;
        r[i].latency_ms = NAN;
    }
    cr_assert_eq(fl_live_add(lv, r, 4, NULL), FL_OK);
    tick(T0 + W + 5000);
    char *m = metrics();
    static const char want[] =
        "# HELP faultline_feature_window_null_ratio Share of null, missing or NaN values of the "
        "feature in the last closed window.\n"
        "# TYPE faultline_feature_window_null_ratio gauge\n"
        "faultline_feature_window_null_ratio{model=\"we\\\"ird\\\\na\\nme\",version=\"7\","
        "feature=\"a\"} 0\n"
        "faultline_feature_window_null_ratio{model=\"we\\\"ird\\\\na\\nme\",version=\"7\","
        "feature=\"b\"} 1\n"
        "faultline_feature_window_null_ratio{model=\"we\\\"ird\\\\na\\nme\",version=\"7\","
        "feature=\"prediction\"} 1\n"
        "# HELP faultline_inference_window_rows Inference records profiled in the model "
        "version's last closed window.\n"
        "# TYPE faultline_inference_window_rows gauge\n"
        "faultline_inference_window_rows{model=\"we\\\"ird\\\\na\\nme\",version=\"7\"} 4\n"
        "# HELP faultline_live_late_records_total Inference records older than every open "
        "window of their model version, not profiled.\n"
        "# TYPE faultline_live_late_records_total counter\n"
        "faultline_live_late_records_total 0\n"
        "# HELP faultline_live_failed_records_total Inference records live monitoring could "
        "not profile (limits, out of memory).\n"
        "# TYPE faultline_live_failed_records_total counter\n"
        "faultline_live_failed_records_total 0\n";
    cr_expect_str_eq(m, want);
    fl_free(m);
}

Test(live, idle_versions_are_forgotten, .init = setup, .fini = teardown)
{
    cr_assert_eq(add("m", "v1", T0, 60, 0), FL_OK);
    tick(T0 + W + 5000);
    cr_expect_eq(stats().versions, 1);
    tick(T0 + W + 24 * 3600 * 1000LL - 1);
    cr_expect_eq(stats().versions, 1);
    tick(T0 + W + 24 * 3600 * 1000LL);
    cr_expect_eq(stats().versions, 0);
    char *m = metrics();
    HASNT(m, "faultline_inference_window_rows");
    fl_free(m);
}

/* ---- with a store: persistence, registry, restart ---- */

struct wins {
    int n;
    int64_t start[8];
    uint64_t rows[8];
    size_t len[8];
};

static int on_win(const struct fl_store_window *w, void *ud)
{
    struct wins *x = ud;
    if (x->n < 8) {
        x->start[x->n] = w->start_ms;
        x->rows[x->n] = w->rows;
        x->len[x->n] = w->profile_len;
        x->n++;
    }
    return 0;
}

struct runs {
    int n;
    char baseline[8][32], status[8][32];
    size_t n_rows[8];
    bool amount_drifted[8];
};

static int on_run(const struct fl_store_drift_run *r, void *ud)
{
    struct runs *x = ud;
    if (x->n >= 8)
        return 1;
    snprintf(x->baseline[x->n], 32, "%s", r->baseline);
    snprintf(x->status[x->n], 32, "%s", r->status);
    x->n_rows[x->n] = r->n_rows;
    for (size_t i = 0; i < r->n_rows; i++)
        if (!strcmp(r->rows[i].feature, "amount") && !strcmp(r->rows[i].check, "distribution"))
            x->amount_drifted[x->n] = r->rows[i].drifted;
    x->n++;
    return 0;
}

Test(live, closed_windows_and_their_drift_are_stored, .init = setup_store, .fini = teardown)
{
    cr_assert_eq(add("m", "v1", T0, 200, 0), FL_OK);
    cr_assert_eq(add("m", "v1", T0 + W, 200, 1000), FL_OK);
    tick(T0 + 2 * W + 5000);
    struct wins w = {0};
    cr_assert_eq(
        fl_store_windows(st, "m", NULL, INT64_MIN, INT64_MAX, true, false, 0, on_win, &w, NULL),
        FL_OK);
    cr_assert_eq(w.n, 2);
    cr_expect_eq(w.start[0], T0);
    cr_expect_eq(w.start[1], T0 + W);
    cr_expect_eq(w.rows[1], 200);
    cr_expect_gt(w.len[0], 100);
    struct runs r = {0};
    cr_assert_eq(fl_store_drift_runs(st, "m", "v1", T0 + W, T0 + W, 0, on_run, &r, NULL), FL_OK);
    cr_assert_eq(r.n, 2);
    cr_expect_str_eq(r.baseline[0], "previous_window");
    cr_expect_str_eq(r.baseline[1], "reference");
    cr_expect_str_eq(r.status[0], "ok");
    cr_expect(r.amount_drifted[0] && r.amount_drifted[1]);
    cr_expect_gt(r.n_rows[1], 2);
    /* the stored profiles summarised for GET /api/v1/profiles */
    struct fl_buf b;
    fl_buf_init(&b, 1 << 26);
    cr_assert_eq(fl_live_profiles_json(st, "m", "v1", T0, T0, 5, 10, &b, NULL), FL_OK);
    HAS(b.data,
        "{\"status\":\"success\",\"data\":{\"model\":\"m\",\"version\":\"v1\",\"windows\":[\n"
        "{\"version\":\"v1\",\"window_start\":\"2027-01-15T08:00:00Z\"");
    HAS(b.data, "\"rows\":200,\"summary\":{");
    HAS(b.data, "\"feature\":\"amount\"");
    HASNT(b.data, "08:01:00Z\",\"window_start_ms\"");
    fl_buf_cleanup(&b);
}

Test(live, the_previous_window_survives_a_restart, .init = setup_store, .fini = teardown)
{
    cr_assert_eq(add("m", "v1", T0, 200, 0), FL_OK);
    tick(T0 + W + 5000);
    fl_live_free(lv);
    struct fl_live_opts o;
    opts(&o);
    cr_assert_eq(fl_live_new(&o, st, &lv, NULL), FL_OK);
    /* a record of the window closed before the restart is late: the stored window stays whole */
    cr_assert_eq(add("m", "v1", T0 + 30000, 1, 0), FL_OK);
    cr_expect_eq(stats().late, 1);
    cr_assert_eq(add("m", "v1", T0 + W, 200, 1000), FL_OK);
    tick(T0 + 2 * W + 5000);
    char *j = drift("m", "v1");
    HAS(j, "{\"baseline\":\"previous_window\",\"status\":\"ok\"");
    HAS(j, "\"baseline_start_ms\":1800000000000");
    HAS(j, "\"baseline_rows\":200,");
    fl_free(j);
}

/* Register (model, version) with a reference profile of the table at path and/or a schema. */
static void register_version(const char *model, const char *version, const char *path,
                             const char *schema, int64_t now)
{
    struct fl_store_reg_put p;
    struct fl_buf blob;
    struct fl_profile_set *s = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    memset(&p, 0, sizeof p);
    p.model = model;
    p.version = version;
    p.train_from_ms = p.train_to_ms = FL_TS_NONE;
    p.now_ms = now;
    p.schema = schema;
    fl_buf_init(&blob, 1 << 26);
    if (path) {
        cr_assert_eq(fl_profile_set_new(NULL, &s), FL_OK);
        cr_assert_eq(fl_profile_set_add_file(s, path, NULL, &d), FL_OK, "%s", d.msg);
        cr_assert_eq(fl_profile_set_serialize(s, &blob), FL_OK);
        p.set_profile = true;
        p.profile = blob.data;
        p.profile_len = blob.len;
    }
    cr_assert_eq(fl_store_registry_put(st, &p, NULL, &d), FL_OK, "%s", d.msg);
    fl_profile_set_free(s);
    fl_buf_cleanup(&blob);
}

Test(live, the_registry_reference_takes_precedence_and_is_refreshed, .init = setup_store,
     .fini = teardown)
{
    char reg[700];
    snprintf(reg, sizeof reg, "%s/reg.csv", dir);
    write_reference(reg, 200, 1000); /* the registry's reference is the shifted data */
    register_version("m", "v2", reg, NULL, T0);
    cr_assert_eq(add("m", "v1", T0, 200, 1000), FL_OK);
    cr_assert_eq(add("m", "v2", T0, 200, 1000), FL_OK);
    tick(T0 + W + 5000);
    char *m = metrics();
    /* v1 against the configuration's reference: drifted; v2 against its registry's: not */
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" REF("amount", "ks")), 1);
    cr_expect_eq(sample(m, "faultline_feature_drift_detected{model=\"m\",version=\"v2\","
                           "feature=\"amount\",method=\"ks\",baseline=\"reference\"}"),
                 0);
    fl_free(m);
    char *j = drift("m", "v2");
    HAS(j, "\"source\":\"registry\"");
    fl_free(j);
    /* v1 gets a registry reference later: used after the refresh period */
    register_version("m", "v1", reg, NULL, T0 + W);
    cr_assert_eq(add("m", "v1", T0 + W, 200, 1000), FL_OK);
    tick(T0 + 2 * W + 5000); /* the first refresh is due 5 min after the first tick */
    m = metrics();
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" REF("amount", "ks")), 1);
    fl_free(m);
    cr_assert_eq(add("m", "v1", T0 + 6 * W, 200, 1000), FL_OK);
    tick(T0 + 7 * W + 5000);
    m = metrics();
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" REF("amount", "ks")), 0);
    fl_free(m);
    j = drift("m", "v1");
    HAS(j, "\"source\":\"registry\"");
    fl_free(j);
}

Test(live, a_registry_schema_validates_every_window, .init = setup_store, .fini = teardown)
{
    static const char schema[] = "version: 1\n"
                                 "allow_new_columns: false\n"
                                 "columns:\n"
                                 "  amount:\n"
                                 "    type: float\n"
                                 "    min: 0\n"
                                 "    max: 100\n"
                                 "  country:\n"
                                 "    type: string\n"
                                 "    domain: [DE, FR]\n";
    register_version("m", "v1", NULL, schema, T0);
    cr_assert_eq(add("m", "v1", T0, 200, 0), FL_OK); /* amount up to 199, IT not in the domain */
    cr_assert_eq(add("m", "v2", T0, 200, 0), FL_OK); /* no schema: not validated */
    tick(T0 + W + 5000);
    char *m = metrics();
    HAS(m, "# TYPE faultline_validation_anomalies_total counter\n");
    cr_expect_eq(
        sample(m, "faultline_validation_anomalies_total{model=\"m\",kind=\"out_of_range\"}"), 1);
    cr_expect_eq(
        sample(m, "faultline_validation_anomalies_total{model=\"m\",kind=\"out_of_domain\"}"), 1);
    cr_expect_eq(sample(m, "faultline_validation_anomalies_total{model=\"m\",kind=\"null_spike\"}"),
                 0);
    cr_expect_eq(sample(m, "faultline_validation_anomalies_total{model=\"m\",kind=\"row_count\"}"),
                 0);
    fl_free(m);
    /* a second window adds to the counters */
    cr_assert_eq(add("m", "v1", T0 + W, 200, 0), FL_OK);
    tick(T0 + 2 * W + 5000);
    m = metrics();
    cr_expect_eq(
        sample(m, "faultline_validation_anomalies_total{model=\"m\",kind=\"out_of_range\"}"), 2);
    fl_free(m);
}

Test(live, an_unreadable_registry_profile_falls_back_to_the_configuration, .init = setup_store,
     .fini = teardown)
{
    struct fl_store_reg_put p;
    memset(&p, 0, sizeof p);
    p.model = "m";
    p.version = "v1";
    p.train_from_ms = p.train_to_ms = FL_TS_NONE;
    p.now_ms = T0;
    p.set_profile = true;
    p.profile = "FLPS garbage";
    p.profile_len = 12;
    cr_assert_eq(fl_store_registry_put(st, &p, NULL, NULL), FL_OK);
    cr_assert_eq(add("m", "v1", T0, 200, 0), FL_OK);
    tick(T0 + W + 5000);
    char *j = drift("m", "v1");
    HAS(j, "{\"baseline\":\"reference\",\"status\":\"ok\",\"message\":\"the registry's reference "
           "profile is not usable: ");
    HAS(j, "\"source\":\"config:");
    fl_free(j);
}

Test(live, drift_options_choose_the_method, .init = setup, .fini = teardown)
{
    char path[700];
    snprintf(path, sizeof path, "%s/drift.yml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("features:\n  amount: {method: psi, threshold: 0.3}\n  country: {skip: true}\n", f);
    fclose(f);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_live_load_drift_opts(lv, path, &d), FL_OK, "%s", d.msg);
    unlink(path);
    cr_assert_eq(add("m", "v1", T0, 200, 1000), FL_OK);
    tick(T0 + W + 5000);
    char *m = metrics();
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" REF("amount", "psi")), 1);
    HASNT(m, "feature=\"country\",method=\"chi2\",baseline=\"reference\"");
    cr_expect_eq(sample(m, "faultline_model_drift_share{model=\"m\",version=\"v1\","
                           "baseline=\"reference\"}"),
                 1, "one feature compared, one drifted");
    fl_free(m);
    /* a bad options file leaves the options as they were */
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("bins: 1\n", f);
    fclose(f);
    fl_diag_init(&d);
    cr_expect_neq(fl_live_load_drift_opts(lv, path, &d), FL_OK);
    unlink(path);
    cr_assert_eq(add("m", "v1", T0 + W, 200, 1000), FL_OK);
    tick(T0 + 2 * W + 5000);
    m = metrics();
    cr_expect_eq(sample(m, "faultline_feature_drift_detected" REF("amount", "psi")), 1);
    fl_free(m);
}

Test(live, segments_are_profiled_and_stored_with_the_window, .init = setup_store, .fini = teardown)
{
    fl_live_free(lv);
    static const char *const seg[] = {"country"};
    struct fl_live_opts o;
    opts(&o);
    o.segment_by = seg;
    o.n_segment_by = 1;
    cr_assert_eq(fl_live_new(&o, st, &lv, NULL), FL_OK);
    static const char body[] =
        "{\"ts\":1800000000,\"request_id\":\"a\",\"model\":\"m\",\"model_version\":\"v1\","
        "\"features\":{\"amount\":1},\"segments\":{\"country\":\"DE\",\"platform\":\"ios\"}}\n"
        "{\"ts\":1800000001,\"request_id\":\"b\",\"model\":\"m\",\"model_version\":\"v1\","
        "\"features\":{\"amount\":2},\"segments\":{\"country\":\"FR\"}}\n";
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    cr_assert_eq(fl_inference_jsonl_to_batch(body, strlen(body), NULL, &b, NULL), FL_OK);
    cr_assert_eq(fl_live_add(lv, b.inferences, b.n_inferences, NULL), FL_OK);
    fl_batch_cleanup(&b);
    tick(T0 + W + 5000);
    struct fl_buf j;
    fl_buf_init(&j, 1 << 24);
    cr_assert_eq(fl_live_profiles_json(st, "m", NULL, T0, T0, 10, 10, &j, NULL), FL_OK);
    HAS(j.data, "\"segment\":\"country=DE\"");
    HAS(j.data, "\"segment\":\"country=FR\"");
    HASNT(j.data, "platform=");
    fl_buf_cleanup(&j);
    char *m = metrics();
    cr_expect_eq(sample(m, "faultline_inference_window_rows{model=\"m\",version=\"v1\"}"), 2);
    fl_free(m);
}
