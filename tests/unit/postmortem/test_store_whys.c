/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_whys.c: the 5 Whys stored with their investigation (fl_store_investigation_set_whys
 * and fl_whys_edit_stored / fl_whys_load over a temporary store): an investigation without edits
 * yields the derived chain (revision 0, not stored); an edit stores revision 1 inside the
 * investigation's JSON, which still reads back as the same investigation; a second edit builds on
 * the first; a stale revision is a conflict; an unknown id is not found; the store survives a
 * reopen.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "../store/helpers.h"
#include "fixtures.h"
#include "report/investigation.h"
#include "report/whys.h"

#define DEL "{\"op\":\"delete\",\"index\":0,\"revision\":1}"
#define CONF0 "{\"op\":\"confirm\",\"index\":0}"
#define CONF3 "{\"op\":\"confirm\",\"index\":3}"

static struct fl_arena A;
static char *dir;

static void setup(void)
{
    fl_arena_init(&A, 64 * 1024, (size_t)256 << 20);
    dir = th_tmpdir();
}

static void teardown(void)
{
    fl_arena_cleanup(&A);
    th_rmdir(dir);
}

TestSuite(store_whys, .init = setup, .fini = teardown);

static void save(struct fl_store *s, struct fl_investigation *inv)
{
    struct fl_buf json;
    struct fl_diag d;
    fl_buf_init(&json, 1 << 24);
    fl_diag_init(&d);
    cr_assert_eq(fl_inv_save(s, inv, &json, &d), FL_OK, "%s", d.msg);
    fl_buf_cleanup(&json);
}

Test(store_whys, edits_are_stored_with_the_investigation)
{
    struct fl_store *s = th_open(dir);
    struct fl_investigation inv, got;
    struct fl_whys w;
    struct fl_diag d;
    bool stored = true;
    fx_fraud(&inv, &A);
    save(s, &inv);
    fl_diag_init(&d);
    cr_assert_eq(fl_whys_load(s, NULL, inv.id, FX_ONSET, &A, &got, &w, &stored, &d), FL_OK, "%s",
                 d.msg);
    cr_expect_not(stored);
    cr_expect_eq(w.revision, 0);
    cr_expect_eq(w.n_links, 4, "derived from the stored investigation's evidence");
    cr_expect(w.links[3].open);

    const char *e1 = "{\"op\":\"edit\",\"index\":3,\"text\":\"the connection pool limit was "
                     "lowered by a config change\",\"by\":\"bob\"}";
    cr_assert_eq(fl_whys_edit_stored(s, NULL, inv.id, e1, strlen(e1), "cli", FX_ONSET + FX_DAY, &A,
                                     &got, &w, &d),
                 FL_OK, "%s", d.msg);
    cr_expect_eq(w.revision, 1);
    const char *e2 = "{\"op\":\"confirm\",\"index\":3,\"revision\":1}";
    cr_assert_eq(fl_whys_edit_stored(s, NULL, inv.id, e2, strlen(e2), "carol", FX_ONSET + FX_DAY,
                                     &A, &got, &w, &d),
                 FL_OK, "%s", d.msg);
    cr_expect_eq(w.revision, 2);
    /* A client that read revision 1 loses: conflict, nothing written. */
    fl_diag_init(&d);
    cr_expect_eq(
        fl_whys_edit_stored(s, NULL, inv.id, DEL, strlen(DEL), "x", FX_ONSET, &A, &got, &w, &d),
        FL_ECONFLICT);
    fl_store_free(s);

    s = th_open(dir);
    fl_diag_init(&d);
    cr_assert_eq(fl_whys_load(s, NULL, inv.id, FX_ONSET, &A, &got, &w, &stored, &d), FL_OK);
    cr_expect(stored);
    cr_expect_eq(w.revision, 2);
    cr_assert_eq(w.n_links, 4);
    cr_expect_not(w.links[3].open);
    cr_expect_str_eq(w.links[3].text, "the connection pool limit was lowered by a config change");
    cr_expect_eq(w.links[3].source, FL_WHYS_FROM_PERSON);
    cr_expect_str_eq(w.links[3].edited_by, "bob");
    cr_expect(w.links[3].confirmed);
    cr_expect_str_eq(w.links[3].confirmed_by, "carol");
    cr_expect_eq(w.links[1].cites[0].step, 2, "derived citations survive the round trip");
    cr_expect_str_eq(w.links[1].cites[0].ref, "edge:fraud-service->feature-store");
    /* The stored JSON is still the investigation (schema 1) with a "whys" member. */
    struct fl_store_investigation row;
    cr_assert_eq(fl_store_investigation_get(s, inv.id, &A, &row, &d), FL_OK);
    cr_expect_str_eq(got.causes[0].component, "network fraud-service->feature-store");
    json_error_t err;
    json_t *j = json_loads(row.json, 0, &err);
    cr_assert_not_null(j);
    cr_expect_eq(json_integer_value(json_object_get(j, "schema_version")), 1);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "whys"), "revision")), 2);
    json_decref(j);
    fl_store_free(s);
}

Test(store_whys, unknown_id_and_bad_edit)
{
    struct fl_store *s = th_open(dir);
    struct fl_investigation inv, got;
    struct fl_whys w;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_whys_edit_stored(s, NULL, "inv_ffffffffffffffff", CONF0, strlen(CONF0), "x", 0,
                                     &A, &got, &w, &d),
                 FL_ENOTFOUND);
    cr_expect_eq(fl_store_investigation_set_whys(s, "inv_ffffffffffffffff", "{}", 0, &d),
                 FL_ENOTFOUND);
    fx_fraud(&inv, &A);
    save(s, &inv);
    fl_diag_init(&d);
    cr_expect_eq(
        fl_whys_edit_stored(s, NULL, inv.id, CONF3, strlen(CONF3), "x", 0, &A, &got, &w, &d),
        FL_EINVAL);
    cr_expect_str_eq(d.field, "index");
    bool stored = true;
    cr_assert_eq(fl_whys_load(s, NULL, inv.id, 0, &A, &got, &w, &stored, &d), FL_OK);
    cr_expect_not(stored, "a refused edit stores nothing");
    fl_store_free(s);
}
