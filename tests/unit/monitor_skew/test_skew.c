// SPDX-License-Identifier: Apache-2.0
/*
 * test_skew.c: training-serving skew by request (src/monitor/skew.c): the matching rules of
 * skew.h one by one (tolerance edges, NaN, bools, strings, types, nulls on either side, served
 * statuses, absent features, offline-only columns), the join bookkeeping (unmatched on both
 * sides, duplicate and integer keys) and the statistics of the report.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "monitor/skew.h"

static struct fl_table_data *table(const char *csv)
{
    struct fl_table *t = NULL;
    struct fl_table_data *td = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_table_open_mem(csv, strlen(csv), "offline.csv", NULL, &t, &d), FL_OK, "%s",
                 d.msg);
    cr_assert_eq(fl_table_load_from(t, &td, &d), FL_OK, "%s", d.msg);
    fl_table_free(t);
    return td;
}

#define NUM(n, v) {n, FL_FEAT_PRESENT, FL_VAL_NUMBER, v, NULL}
#define STR(n, v) {n, FL_FEAT_PRESENT, FL_VAL_STRING, 0, v}
#define NUL(n, st) {n, st, FL_VAL_NULL, 0, NULL}

static struct fl_inference rec(const char *rid, const struct fl_feature *f, size_t n)
{
    struct fl_inference r;
    memset(&r, 0, sizeof r);
    r.request_id = rid;
    r.model = "m";
    r.model_version = "v1";
    r.features = f;
    r.n_features = n;
    return r;
}

static const struct fl_skew_feature *feature(const struct fl_skew_report *r, const char *name)
{
    for (size_t i = 0; i < r->n_features; i++)
        if (!strcmp(r->features[i].name, name))
            return &r->features[i];
    cr_assert_fail("no feature %s in the report", name);
    return NULL;
}

Test(skew, numbers_within_and_beyond_tolerance)
{
    /* rtol 1e-6, atol 1e-9: 1000 vs 1000.0009 matches (9e-4 <= 1e-3), 1000.0011 does not */
    struct fl_table_data *td = table("request_id,x\na,1000\nb,1000\nc,0\nd,0\ne,NaN\n");
    struct fl_skew_opts o;
    struct fl_skew *s = NULL;
    fl_skew_opts_default(&o);
    cr_assert_eq(fl_skew_new(&o, td, &s, NULL), FL_OK);
    struct fl_feature fa[] = {NUM("x", 1000.0009)}, fb[] = {NUM("x", 1000.0011)},
                      fc[] = {NUM("x", 1e-9)}, fd[] = {NUM("x", 2e-9)}, fe[] = {NUM("x", NAN)};
    struct fl_inference rs[] = {rec("a", fa, 1), rec("b", fb, 1), rec("c", fc, 1),
                                rec("d", fd, 1), rec("e", fe, 1)};
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(fl_skew_add(s, &rs[i]), FL_OK);
    struct fl_skew_report r;
    cr_assert_eq(fl_skew_report(s, &r), FL_OK);
    const struct fl_skew_feature *x = feature(&r, "x");
    cr_expect_eq(x->joined, 5);
    cr_expect_eq(x->compared, 5);
    cr_expect_eq(x->mismatched, 2, "b and d");
    cr_expect_float_eq(x->mismatch_rate, 0.4, 1e-15);
    cr_expect_float_eq(x->median_abs_diff, (0.0011 + 2e-9) / 2, 1e-12);
    cr_expect_float_eq(x->max_abs_diff, 0.0011, 1e-9);
    cr_expect_eq(x->n_examples, 2);
    cr_expect_str_eq(x->examples[0].request_id, "b");
    cr_expect_str_eq(x->examples[1].request_id, "d");
    fl_skew_report_cleanup(&r);
    fl_skew_free(s);
    fl_table_data_free(td);
}

Test(skew, strings_bools_types_nulls_and_statuses)
{
    struct fl_table_data *td =
        table("request_id,s,b,t,n1,n2,n3,st\n"
              "a,DE,true,7,,5,,1\n"
              "b,de,false,n/a,3,,,1\n");
    struct fl_skew_opts o;
    struct fl_skew *s = NULL;
    fl_skew_opts_default(&o);
    cr_assert_eq(fl_skew_new(&o, td, &s, NULL), FL_OK);
    struct fl_feature fa[] = {STR("s", "DE"),          NUM("b", 1), NUM("t", 7),
                              NUM("n1", 4),            NUL("n2", FL_FEAT_NOT_FOUND),
                              NUL("n3", FL_FEAT_NULL), {"st", FL_FEAT_OUTSIDE_MAX_AGE,
                                                        FL_VAL_NUMBER, 1, NULL}};
    struct fl_feature fb[] = {STR("s", "DE"), {"b", FL_FEAT_PRESENT, FL_VAL_BOOL, 0, NULL},
                              NUM("t", 7), NUL("n1", FL_FEAT_NULL), NUM("n2", 1),
                              NUM("n3", 2)};
    struct fl_inference ra = rec("a", fa, 7), rb = rec("b", fb, 6);
    cr_assert_eq(fl_skew_add(s, &ra), FL_OK);
    cr_assert_eq(fl_skew_add(s, &rb), FL_OK);
    struct fl_skew_report r;
    cr_assert_eq(fl_skew_report(s, &r), FL_OK);
    const struct fl_skew_feature *f = feature(&r, "s");
    cr_expect_eq(f->mismatched, 1, "DE vs de: bytes differ");
    f = feature(&r, "b");
    cr_expect_eq(f->mismatched, 0, "bools compare as 0/1 with numbers");
    f = feature(&r, "t");
    cr_expect_eq(f->type_mismatched, 1, "7 vs \"n/a\"");
    cr_expect_eq(f->mismatched, 1);
    f = feature(&r, "n1");
    cr_expect_eq(f->offline_null, 1, "a: served 4, offline empty");
    cr_expect_eq(f->served_null, 1, "b: served null, offline 3");
    f = feature(&r, "n2");
    cr_expect_eq(f->served_null, 1, "a: not_found vs 5");
    cr_expect_eq(f->not_found, 1);
    cr_expect_eq(f->offline_null, 1, "b: 1 vs empty");
    f = feature(&r, "n3");
    cr_expect_eq(f->served_null + f->offline_null + f->mismatched, 1, "a: both null match");
    cr_expect_float_eq(f->mismatch_rate, 1.0, 1e-15, "only b was judged");
    f = feature(&r, "st");
    cr_expect_eq(f->outside_max_age, 1);
    cr_expect_eq(f->mismatched, 0, "an old value equal offline still matches");
    cr_expect_eq(f->served_absent, 1, "b lacks st");
    cr_expect_eq(f->served_null, 1, "b lacks st but offline has 1");
    fl_skew_report_cleanup(&r);
    fl_skew_free(s);
    fl_table_data_free(td);
}

Test(skew, join_bookkeeping_and_keys)
{
    /* integer keys, a duplicate, a row never served, a served record never offline, a feature
     * with no offline column (not compared) */
    struct fl_table_data *td = table("request_id,x\n1,1\n2,2\n2,99\n3,3\n");
    struct fl_skew_opts o;
    struct fl_skew *s = NULL;
    fl_skew_opts_default(&o);
    o.n_examples = 0;
    cr_assert_eq(fl_skew_new(&o, td, &s, NULL), FL_OK);
    struct fl_feature f1[] = {NUM("x", 1), NUM("extra", 5)}, f2[] = {NUM("x", 2)},
                      f9[] = {NUM("x", 9)};
    struct fl_inference r1 = rec("1", f1, 2), r2 = rec("2", f2, 1), r9 = rec("9", f9, 1);
    cr_assert_eq(fl_skew_add(s, &r1), FL_OK);
    cr_assert_eq(fl_skew_add(s, &r2), FL_OK);
    cr_assert_eq(fl_skew_add(s, &r9), FL_OK);
    struct fl_skew_report r;
    cr_assert_eq(fl_skew_report(s, &r), FL_OK);
    cr_expect_eq(r.served, 3);
    cr_expect_eq(r.offline, 4);
    cr_expect_eq(r.joined, 2);
    cr_expect_eq(r.served_unmatched, 1);
    cr_expect_eq(r.dup_offline_keys, 1);
    cr_expect_eq(r.offline_unmatched, 1, "row 3");
    const struct fl_skew_feature *x = feature(&r, "x");
    cr_expect_eq(x->mismatched, 0, "the first row of key 2 is the one kept");
    const struct fl_skew_feature *e = feature(&r, "extra");
    cr_expect_eq(e->joined, 1);
    cr_expect_eq(e->compared, 0);
    cr_expect(isnan(e->mismatch_rate), "not compared is not 0 %% mismatched");
    cr_expect_str_eq(r.features[r.n_features - 1].name, "extra", "NaN rates sort last");
    fl_skew_report_cleanup(&r);
    fl_skew_free(s);
    fl_table_data_free(td);
}

Test(skew, bad_offline_data)
{
    struct fl_skew_opts o;
    struct fl_skew *s = NULL;
    struct fl_diag d;
    fl_skew_opts_default(&o);
    struct fl_table_data *td = table("id,x\na,1\n");
    fl_diag_init(&d);
    cr_expect_eq(fl_skew_new(&o, td, &s, &d), FL_EINVAL);
    cr_expect_str_eq(d.msg, "offline data has no key column \"request_id\"");
    fl_table_data_free(td);
    td = table("request_id,x\na,1\n1.5,2\n");
    fl_diag_init(&d);
    cr_expect_eq(fl_skew_new(&o, td, &s, &d), FL_EINVAL);
    cr_expect_str_eq(d.msg, "offline row 2: key column \"request_id\" must hold a string or an "
                            "integer");
    cr_expect_null(s);
    fl_table_data_free(td);
}

Test(skew, renderings)
{
    struct fl_table_data *td = table("request_id,x,c\na,1,p|q\n");
    struct fl_skew_opts o;
    struct fl_skew *s = NULL;
    fl_skew_opts_default(&o);
    cr_assert_eq(fl_skew_new(&o, td, &s, NULL), FL_OK);
    struct fl_feature f[] = {NUM("x", 2), STR("c", "p|r")};
    struct fl_inference ra = rec("a", f, 2);
    cr_assert_eq(fl_skew_add(s, &ra), FL_OK);
    struct fl_skew_report r;
    cr_assert_eq(fl_skew_report(s, &r), FL_OK);
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    fl_skew_report_json(&r, &b);
    cr_expect(strstr(b.data, "{\"name\":\"c\",\"joined\":1,\"compared\":1,\"mismatched\":1,"));
    cr_expect(strstr(b.data, "\"examples\":[{\"request_id\":\"a\",\"served\":\"2\","
                             "\"offline\":\"1\"}]"));
    fl_buf_reset(&b);
    fl_skew_report_markdown(&r, &b);
    cr_expect(strstr(b.data, "served \"p\\|r\", offline \"p\\|q\""), "%s", b.data);
    fl_buf_cleanup(&b);
    fl_skew_report_cleanup(&r);
    fl_skew_free(s);
    fl_table_data_free(td);
}
