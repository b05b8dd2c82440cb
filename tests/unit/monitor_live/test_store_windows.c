/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_windows.c: the store side of live monitoring (src/store/profiles.c): window profiles
 * and drift runs written and read back field by field, a window written again replacing the
 * first, ranges, order and limits, retention, the registry artifacts of one version, bad input,
 * and schema migration 6 on a version-5 database.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "unit/store/helpers.h"

static char *dir;
static struct fl_store *st;

static void setup(void)
{
    dir = th_tmpdir();
    st = th_open(dir);
}

static void teardown(void)
{
    fl_store_free(st);
    th_rmdir(dir);
}

static const struct fl_store_drift_row rows_a[] = {
    {"amount", "distribution", "ks", "numerical", "D", 0.5, 1e-9, 1e-9, 0.05, true, true, 200, 180,
     ""},
    {"amount", "null_rate", NULL, "numerical", "null_rate_diff", 0.01, 0.3, 0.01, 0.05, false, true,
     200, 180, "null rate 0% -> 1%"},
    {"country", "new_category", NULL, "categorical", "new_share", 0.2, NAN, 0.2, 0, true, false,
     200, 180, "NL (20%)"},
};

static struct fl_store_drift_run run(const char *baseline, const char *status,
                                     const struct fl_store_drift_row *rows, size_t n)
{
    struct fl_store_drift_run r = {
        .model = "fraud",
        .version = "v3",
        .start_ms = 60000,
        .end_ms = 120000,
        .baseline = baseline,
        .baseline_source = strcmp(baseline, "reference") ? NULL : "config:ref.csv",
        .baseline_start_ms = strcmp(baseline, "reference") ? 0 : FL_TS_NONE,
        .baseline_end_ms = strcmp(baseline, "reference") ? 60000 : FL_TS_NONE,
        .status = status,
        .message = rows ? NULL : "the window has 3 records, fewer than min_rows (100)",
        .ref_rows = 200,
        .cur_rows = 180,
        .n_features = 2,
        .n_drifted = rows ? 2 : 0,
        .share = rows ? 1.0 : NAN,
        .dataset_drift = rows != NULL,
        .rows = rows,
        .n_rows = n,
    };
    return r;
}

struct got {
    int n;
    struct fl_store_window w[4];
    char model[4][32], version[4][32], blob[4][64];
};

static int on_window(const struct fl_store_window *w, void *ud)
{
    struct got *g = ud;
    if (g->n >= 4)
        return 1;
    g->w[g->n] = *w;
    snprintf(g->model[g->n], 32, "%s", w->model);
    snprintf(g->version[g->n], 32, "%s", w->version);
    if (w->profile)
        memcpy(g->blob[g->n], w->profile, w->profile_len < 63 ? w->profile_len : 63);
    g->n++;
    return 0;
}

struct gotruns {
    int n;
    char text[4][512];
};

static int on_run(const struct fl_store_drift_run *r, void *ud)
{
    struct gotruns *g = ud;
    if (g->n >= 4)
        return 1;
    char *t = g->text[g->n++];
    int k = snprintf(t, 512,
                     "%s %s %lld-%lld %s %s %lld %lld %s [%s] %llu/%llu %zu/%zu %g %d:", r->model,
                     r->version, (long long)r->start_ms, (long long)r->end_ms, r->baseline,
                     r->baseline_source ? r->baseline_source : "-", (long long)r->baseline_start_ms,
                     (long long)r->baseline_end_ms, r->status, r->message ? r->message : "-",
                     (unsigned long long)r->ref_rows, (unsigned long long)r->cur_rows, r->n_drifted,
                     r->n_features, r->share, r->dataset_drift);
    for (size_t i = 0; i < r->n_rows && k < 500; i++) {
        const struct fl_store_drift_row *w = &r->rows[i];
        k += snprintf(t + k, 512 - (size_t)k, " %s/%s/%s/%g/%g/%d", w->feature, w->check,
                      w->method ? w->method : "-", w->score, w->pvalue, w->drifted);
    }
    return 0;
}

Test(store_windows, a_window_and_its_runs_round_trip, .init = setup, .fini = teardown)
{
    struct fl_store_window w = {"fraud", "v3", 60000, 120000, 180, "PROFILE-1", 9};
    struct fl_store_drift_run runs[2] = {run("reference", "ok", rows_a, 3),
                                         run("previous_window", "insufficient_rows", NULL, 0)};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_window_put(st, &w, runs, 2, &d), FL_OK, "%s", d.msg);
    struct got g = {0};
    cr_assert_eq(fl_store_windows(st, "fraud", "v3", 0, 60000, true, false, 0, on_window, &g, &d),
                 FL_OK, "%s", d.msg);
    cr_assert_eq(g.n, 1);
    cr_expect_str_eq(g.model[0], "fraud");
    cr_expect_str_eq(g.version[0], "v3");
    cr_expect_eq(g.w[0].start_ms, 60000);
    cr_expect_eq(g.w[0].end_ms, 120000);
    cr_expect_eq(g.w[0].rows, 180);
    cr_expect_eq(g.w[0].profile_len, 9);
    cr_expect_str_eq(g.blob[0], "PROFILE-1");
    struct gotruns r = {0};
    cr_assert_eq(fl_store_drift_runs(st, "fraud", NULL, 0, 60000, 0, on_run, &r, &d), FL_OK);
    cr_assert_eq(r.n, 2);
    cr_expect_str_eq(r.text[0], "fraud v3 60000-120000 previous_window - 0 60000 "
                                "insufficient_rows [the window has 3 records, fewer than "
                                "min_rows (100)] 200/180 0/2 nan 0:");
    cr_expect_str_eq(r.text[1], "fraud v3 60000-120000 reference config:ref.csv "
                                "-9223372036854775808 -9223372036854775808 ok [-] 200/180 2/2 1 "
                                "1: amount/distribution/ks/1e-09/1e-09/1 "
                                "amount/null_rate/-/0.01/0.3/0 country/new_category/-/0.2/nan/1");
    /* without the profile bytes */
    memset(&g, 0, sizeof g);
    cr_assert_eq(fl_store_windows(st, "fraud", NULL, 0, 60000, false, false, 0, on_window, &g, &d),
                 FL_OK);
    cr_assert_eq(g.n, 1);
    cr_expect_null(g.w[0].profile);
}

Test(store_windows, writing_a_window_again_replaces_it, .init = setup, .fini = teardown)
{
    struct fl_store_window w = {"fraud", "v3", 60000, 120000, 180, "OLD", 3};
    struct fl_store_drift_run r1 = run("reference", "ok", rows_a, 3);
    cr_assert_eq(fl_store_window_put(st, &w, &r1, 1, NULL), FL_OK);
    w.rows = 181;
    w.profile = "NEW!";
    w.profile_len = 4;
    r1.n_rows = 1;
    cr_assert_eq(fl_store_window_put(st, &w, &r1, 1, NULL), FL_OK);
    struct got g = {0};
    cr_assert_eq(fl_store_windows(st, "fraud", "v3", INT64_MIN, INT64_MAX, true, false, 0,
                                  on_window, &g, NULL),
                 FL_OK);
    cr_assert_eq(g.n, 1);
    cr_expect_eq(g.w[0].rows, 181);
    cr_expect_str_eq(g.blob[0], "NEW!");
    struct gotruns r = {0};
    cr_assert_eq(fl_store_drift_runs(st, "fraud", "v3", INT64_MIN, INT64_MAX, 0, on_run, &r, NULL),
                 FL_OK);
    cr_assert_eq(r.n, 1);
    cr_expect_not_null(strstr(r.text[0], "1: amount/distribution/ks/1e-09/1e-09/1"));
    cr_expect_null(strstr(r.text[0], "null_rate"), "the old rows are gone: %s", r.text[0]);
}

Test(store_windows, ranges_order_limits_and_retention, .init = setup, .fini = teardown)
{
    for (int k = 0; k < 4; k++) {
        struct fl_store_window w = {
            "fraud", k % 2 ? "v4" : "v3", k * 60000LL, (k + 1) * 60000LL, (uint64_t)k, "P", 1};
        struct fl_store_drift_run r = run("reference", "ok", rows_a, 1);
        r.version = w.version;
        r.start_ms = w.start_ms;
        r.end_ms = w.end_ms;
        cr_assert_eq(fl_store_window_put(st, &w, &r, 1, NULL), FL_OK);
    }
    struct fl_store_window other = {"recs", "v1", 0, 60000, 1, "P", 1};
    cr_assert_eq(fl_store_window_put(st, &other, NULL, 0, NULL), FL_OK);
    struct got g = {0};
    cr_assert_eq(
        fl_store_windows(st, "fraud", NULL, 60000, 180000, false, false, 0, on_window, &g, NULL),
        FL_OK);
    cr_assert_eq(g.n, 3);
    cr_expect_eq(g.w[0].start_ms, 60000);
    cr_expect_eq(g.w[2].start_ms, 180000);
    memset(&g, 0, sizeof g);
    cr_assert_eq(fl_store_windows(st, "fraud", "v3", INT64_MIN, INT64_MAX, false, true, 1,
                                  on_window, &g, NULL),
                 FL_OK);
    cr_assert_eq(g.n, 1, "newest first, limit 1");
    cr_expect_eq(g.w[0].start_ms, 120000);
    uint64_t n = 0;
    cr_assert_eq(fl_store_windows_retain(st, 120000, &n, NULL), FL_OK);
    cr_expect_eq(n, 2, "windows that ended before 120000: fraud's first and recs'");
    memset(&g, 0, sizeof g);
    cr_assert_eq(fl_store_windows(st, "fraud", NULL, INT64_MIN, INT64_MAX, false, false, 0,
                                  on_window, &g, NULL),
                 FL_OK);
    cr_expect_eq(g.n, 3);
    struct gotruns r = {0};
    cr_assert_eq(fl_store_drift_runs(st, "fraud", NULL, INT64_MIN, INT64_MAX, 0, on_run, &r, NULL),
                 FL_OK);
    cr_expect_eq(r.n, 3);
}

Test(store_windows, bad_windows_are_refused, .init = setup, .fini = teardown)
{
    struct fl_store_window w = {"fraud", "v3", 60000, 120000, 1, "P", 1};
    struct fl_store_drift_run r = run("reference", "ok", NULL, 0);
    struct fl_diag d;
    r.start_ms = 0;
    fl_diag_init(&d);
    cr_expect_eq(fl_store_window_put(st, &w, &r, 1, &d), FL_EINVAL);
    cr_expect_str_eq(d.msg, "drift run 0 is not of this window");
    r = run("", "ok", NULL, 0);
    fl_diag_init(&d);
    cr_expect_eq(fl_store_window_put(st, &w, &r, 1, &d), FL_EINVAL);
    w.version = "";
    fl_diag_init(&d);
    cr_expect_eq(fl_store_window_put(st, &w, NULL, 0, &d), FL_EINVAL);
    cr_expect_str_eq(d.msg, "a window needs a model and a version");
    struct got g = {0};
    cr_assert_eq(fl_store_windows(st, "fraud", NULL, INT64_MIN, INT64_MAX, false, false, 0,
                                  on_window, &g, NULL),
                 FL_OK);
    cr_expect_eq(g.n, 0, "nothing was stored");
}

struct arts {
    int calls;
    size_t len;
    char profile[16], schema[64];
    bool has_profile, has_schema;
};

static void on_arts(const void *p, size_t len, const char *schema, void *ud)
{
    struct arts *a = ud;
    a->calls++;
    a->has_profile = p != NULL;
    a->has_schema = schema != NULL;
    a->len = len;
    if (p)
        memcpy(a->profile, p, len < 15 ? len : 15);
    if (schema)
        snprintf(a->schema, sizeof a->schema, "%s", schema);
}

Test(store_windows, registry_artifacts_of_one_version, .init = setup, .fini = teardown)
{
    struct arts a = {0};
    cr_assert_eq(fl_store_reg_artifacts(st, "fraud", "v3", on_arts, &a, NULL), FL_OK);
    cr_expect_eq(a.calls, 1);
    cr_expect(!a.has_profile && !a.has_schema, "not registered");
    struct fl_store_reg_put p;
    memset(&p, 0, sizeof p);
    p.model = "fraud";
    p.version = "v3";
    p.train_from_ms = p.train_to_ms = FL_TS_NONE;
    p.now_ms = 1000;
    cr_assert_eq(fl_store_registry_put(st, &p, NULL, NULL), FL_OK);
    memset(&a, 0, sizeof a);
    cr_assert_eq(fl_store_reg_artifacts(st, "fraud", "v3", on_arts, &a, NULL), FL_OK);
    cr_expect(!a.has_profile && !a.has_schema, "registered without artifacts");
    p.set_profile = true;
    p.profile = "FLPS-bytes";
    p.profile_len = 10;
    p.schema = "version: 1\n";
    cr_assert_eq(fl_store_registry_put(st, &p, NULL, NULL), FL_OK);
    memset(&a, 0, sizeof a);
    cr_assert_eq(fl_store_reg_artifacts(st, "fraud", "v3", on_arts, &a, NULL), FL_OK);
    cr_expect(a.has_profile && a.has_schema);
    cr_expect_eq(a.len, 10);
    cr_expect_str_eq(a.profile, "FLPS-bytes");
    cr_expect_str_eq(a.schema, "version: 1\n");
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg ? msg : "");
}

Test(store_windows, migration_6_from_version_5)
{
    char *d0 = th_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/faultline.db", d0);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store__migrate_to(db, 0, 5, &d), FL_OK, "%s", d.msg);
    cr_assert_neq(sqlite3_exec(db, "SELECT 1 FROM window_profiles", NULL, NULL, NULL), SQLITE_OK,
                  "a version-5 database has no window profiles");
    exec_ok(db, "INSERT INTO model_versions(model, version, stage, ts_ms, created_ms, "
                "schema_text) VALUES ('fraud', 'v3', 'production', 1000, 1000, 'version: 1\n')");
    sqlite3_close(db);

    struct fl_store *s = th_open(d0); /* runs migration 6 and the later ones */
    struct fl_store_window w = {"fraud", "v3", 0, 60000, 5, "P", 1};
    struct fl_store_drift_run r = run("reference", "ok", rows_a, 3);
    r.start_ms = 0;
    r.end_ms = 60000;
    cr_assert_eq(fl_store_window_put(s, &w, &r, 1, &d), FL_OK, "%s", d.msg);
    struct arts a = {0};
    cr_assert_eq(fl_store_reg_artifacts(s, "fraud", "v3", on_arts, &a, NULL), FL_OK);
    cr_expect_str_eq(a.schema, "version: 1\n", "version 5 data kept");
    cr_expect_eq(th_stats(s).n_models, 1);
    fl_store_free(s);

    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(q, 0), FL_STORE_SCHEMA_VERSION); /* 6 and every later one */
    sqlite3_finalize(q);
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM drift_rows", -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(q, 0), 3);
    sqlite3_finalize(q);
    sqlite3_close(db);

    /* read-only opening of the migrated store works */
    struct fl_store_opts o;
    fl_store_opts_default(&o);
    o.read_only = true;
    cr_assert_eq(fl_store_open(d0, &o, &s, &d), FL_OK, "%s", d.msg);
    fl_diag_init(&d);
    cr_expect_eq(fl_store_window_put(s, &w, NULL, 0, &d), FL_EINVAL);
    cr_expect_str_eq(d.msg, "store opened read-only");
    struct got g = {0};
    cr_assert_eq(fl_store_windows(s, "fraud", "v3", INT64_MIN, INT64_MAX, true, false, 0, on_window,
                                  &g, NULL),
                 FL_OK);
    cr_expect_eq(g.n, 1);
    fl_store_free(s);
    th_rmdir(d0);
}
