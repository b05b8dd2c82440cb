/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_investigations.c: stored investigations (src/store/investigations.c, schema migration 7):
 * put / get / list round trips, newest first with limit and since, a duplicate id refused, the
 * required fields, and an upgrade from a version-6 database that keeps its data.
 */
#include <sqlite3.h>
#include <stdint.h>

#include "core/arena.h"
#include "helpers.h"
#include "store/store_int.h"

TH_STORE_FIXTURE()

static void put(const char *id, int64_t created, const char *title, const char *json)
{
    struct fl_store_investigation inv = {id, created, "latency:gateway@99", "causes", "api",
                                         title, json};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_investigation_put(st, &inv, &d), FL_OK, "%s", d.msg);
}

struct seen {
    char ids[16][32];
    char titles[16][32];
    int64_t created[16];
    size_t n, stop_after;
};

static int on_inv(const struct fl_store_investigation *inv, void *ud)
{
    struct seen *s = ud;
    cr_assert_lt(s->n, 16);
    cr_assert_null(inv->json, "a list does not read the JSON");
    snprintf(s->ids[s->n], sizeof s->ids[0], "%s", inv->id);
    snprintf(s->titles[s->n], sizeof s->titles[0], "%s", inv->title ? inv->title : "(null)");
    s->created[s->n] = inv->created_ms;
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

Test(store_investigations, put_get_round_trip, .init = setup, .fini = teardown)
{
    static const char json[] = "{\"schema_version\":1,\"id\":\"inv_00000000000000a1\","
                               "\"text\":\"caf\xc3\xa9 \\\"quoted\\\"\"}";
    put("inv_00000000000000a1", 1764079560000, "P99 up", json);
    struct fl_arena a;
    struct fl_store_investigation got;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_arena_init(&a, 4096, 1 << 20);
    cr_assert_eq(fl_store_investigation_get(st, "inv_00000000000000a1", &a, &got, &d), FL_OK,
                 "%s", d.msg);
    cr_assert_str_eq(got.id, "inv_00000000000000a1");
    cr_assert_eq(got.created_ms, 1764079560000);
    cr_assert_str_eq(got.symptom, "latency:gateway@99");
    cr_assert_str_eq(got.verdict, "causes");
    cr_assert_str_eq(got.source, "api");
    cr_assert_str_eq(got.title, "P99 up");
    cr_assert_str_eq(got.json, json);
    fl_arena_cleanup(&a);
}

Test(store_investigations, get_unknown_is_not_found, .init = setup, .fini = teardown)
{
    struct fl_arena a;
    struct fl_store_investigation got;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_arena_init(&a, 4096, 1 << 20);
    cr_assert_eq(fl_store_investigation_get(st, "inv_ffffffffffffffff", &a, &got, &d),
                 FL_ENOTFOUND);
    cr_assert_not_null(strstr(d.msg, "inv_ffffffffffffffff"), "%s", d.msg);
    cr_assert_null(got.json);
    fl_arena_cleanup(&a);
}

Test(store_investigations, null_source_and_title, .init = setup, .fini = teardown)
{
    struct fl_store_investigation inv = {"inv_1", 5, "kpi:ctr", "no_symptom", NULL, NULL, "{}"};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_investigation_put(st, &inv, &d), FL_OK, "%s", d.msg);
    struct fl_arena a;
    struct fl_store_investigation got;
    fl_arena_init(&a, 4096, 1 << 20);
    cr_assert_eq(fl_store_investigation_get(st, "inv_1", &a, &got, &d), FL_OK, "%s", d.msg);
    cr_assert_null(got.source);
    cr_assert_null(got.title);
    cr_assert_str_eq(got.verdict, "no_symptom");
    fl_arena_cleanup(&a);
}

Test(store_investigations, duplicate_id_conflicts, .init = setup, .fini = teardown)
{
    put("inv_dup", 10, NULL, "{\"a\":1}");
    struct fl_store_investigation inv = {"inv_dup", 11, "kpi:ctr", "causes", NULL, NULL, "{}"};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_investigation_put(st, &inv, &d), FL_ECONFLICT);
    cr_assert_not_null(strstr(d.msg, "inv_dup"), "%s", d.msg);
    /* The first one is untouched, and the store still takes writes. */
    struct fl_arena a;
    struct fl_store_investigation got;
    fl_arena_init(&a, 4096, 1 << 20);
    fl_diag_init(&d);
    cr_assert_eq(fl_store_investigation_get(st, "inv_dup", &a, &got, &d), FL_OK, "%s", d.msg);
    cr_assert_str_eq(got.json, "{\"a\":1}");
    cr_assert_eq(got.created_ms, 10);
    put("inv_next", 12, NULL, "{}");
    fl_arena_cleanup(&a);
}

Test(store_investigations, required_fields, .init = setup, .fini = teardown)
{
    static const struct fl_store_investigation bad[] = {
        {NULL, 1, "s", "v", NULL, NULL, "{}"}, {"", 1, "s", "v", NULL, NULL, "{}"},
        {"i", 1, NULL, "v", NULL, NULL, "{}"}, {"i", 1, "s", "", NULL, NULL, "{}"},
        {"i", 1, "s", "v", NULL, NULL, NULL},  {"i", 1, "s", "v", NULL, NULL, ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_store_investigation_put(st, &bad[i], &d), FL_EINVAL, "case %zu", i);
    }
    struct seen s = {0};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_investigation_list(st, FL_TS_NONE, 0, on_inv, &s, &d), FL_OK);
    cr_assert_eq(s.n, 0, "nothing was stored");
}

Test(store_investigations, list_newest_first_limit_since, .init = setup, .fini = teardown)
{
    put("inv_b", 2000, "two", "{}");
    put("inv_a", 1000, "one", "{}");
    put("inv_d", 3000, NULL, "{}");
    put("inv_c", 3000, "three-c", "{}");
    struct fl_diag d;
    fl_diag_init(&d);
    struct seen s = {0};
    cr_assert_eq(fl_store_investigation_list(st, FL_TS_NONE, 0, on_inv, &s, &d), FL_OK, "%s",
                 d.msg);
    static const char *const want[] = {"inv_d", "inv_c", "inv_b", "inv_a"};
    cr_assert_eq(s.n, 4);
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(s.ids[i], want[i], "position %zu", i);
    cr_assert_str_eq(s.titles[0], "(null)");
    cr_assert_str_eq(s.titles[1], "three-c");
    cr_assert_eq(s.created[2], 2000);

    memset(&s, 0, sizeof s);
    cr_assert_eq(fl_store_investigation_list(st, FL_TS_NONE, 2, on_inv, &s, &d), FL_OK);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.ids[1], "inv_c");

    memset(&s, 0, sizeof s);
    cr_assert_eq(fl_store_investigation_list(st, 2000, 0, on_inv, &s, &d), FL_OK);
    cr_assert_eq(s.n, 3, "since is inclusive");
    cr_assert_str_eq(s.ids[2], "inv_b");

    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    cr_assert_eq(fl_store_investigation_list(st, FL_TS_NONE, 0, on_inv, &s, &d), FL_OK);
    cr_assert_eq(s.n, 1, "the callback stops the list");
}

Test(store_investigations, survives_reopen, .init = setup, .fini = teardown)
{
    put("inv_keep", 77, "kept", "{\"k\":true}");
    fl_store_free(st);
    st = th_open(dir);
    struct seen s = {0};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_investigation_list(st, FL_TS_NONE, 0, on_inv, &s, &d), FL_OK);
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.ids[0], "inv_keep");
}

/* ---- upgrade from schema version 6 ---- */

static int64_t db_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK, "%s", sql);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "%s", sql);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

Test(store_investigations, upgrade_from_version_6_keeps_data)
{
    dir = th_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/faultline.db", dir);
    sqlite3 *db = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(fl_store__migrate_to(db, 0, 6, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(db_int(db, "PRAGMA user_version"), 6);
    cr_assert_eq(sqlite3_exec(db, "SELECT 1 FROM investigations", NULL, NULL, NULL), SQLITE_ERROR,
                 "a version-6 database has no investigations");
    /* Version-6 rows: a window profile and an event, as version-6 code wrote them. */
    cr_assert_eq(sqlite3_exec(db,
                              "INSERT INTO window_profiles(model, version, start_ms, end_ms, rows, "
                              "profile) VALUES ('fraud', 'v1', 1000, 2000, 5, x'0102')",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);

    st = th_open(dir); /* migrates to 7 and on */
    cr_assert_eq(db_int(st->w.db, "PRAGMA user_version"), FL_STORE_SCHEMA_VERSION);
    cr_assert_geq(FL_STORE_SCHEMA_VERSION, 7);
    cr_assert_eq(db_int(st->w.db, "SELECT count(*) FROM window_profiles WHERE model = 'fraud' "
                                  "AND rows = 5"),
                 1, "version-6 data is kept");
    cr_assert_eq(db_int(st->w.db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                                  "name = 'investigations_created'"),
                 1);
    put("inv_after_upgrade", 42, NULL, "{}");
    struct seen s = {0};
    cr_assert_eq(fl_store_investigation_list(st, FL_TS_NONE, 0, on_inv, &s, &d), FL_OK);
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.ids[0], "inv_after_upgrade");
    fl_store_free(st);
    st = NULL;
    th_rmdir(dir);
}
