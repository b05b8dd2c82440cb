/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_registry_json.c: the registry's rules and request parsing (src/monitor/registry.c): stage,
 * alias and name checks, POST bodies with every field and every kind of error (each naming its
 * field, line and column), the base64 profile round trip through the JSON answer, and the traffic
 * answer's shares.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "config/config.h"
#include "core/arena.h"
#include "monitor/registry.h"
#include "unit/store/helpers.h"

Test(registry_rules, stages_aliases_and_names)
{
    static const char *const ok_stages[] = {"none", "staging", "production", "archived", "shadow"};
    for (size_t i = 0; i < 5; i++)
        cr_expect(fl_registry_stage_valid(ok_stages[i]), "%s", ok_stages[i]);
    cr_expect_not(fl_registry_stage_valid("Production"));
    cr_expect_not(fl_registry_stage_valid(""));
    cr_expect_not(fl_registry_stage_valid(NULL));

    static const struct {
        const char *alias;
        bool ok;
    } aliases[] = {
        {"champion", true},  {"production", true}, {"canary-2", true}, {"a_b", true},
        {"v", true},         {"v2x", true},        {"latest", false},  {"v3", false},
        {"V12", false},      {"2fast", false},     {"", false},        {"has space", false},
        {"ünï", false},      {"-x", false},
        {"a1234567890123456789012345678901234567890123456789012345678901234", false},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        cr_expect_eq(fl_registry_alias_check(aliases[i].alias) == NULL, aliases[i].ok, "%s: %s",
                     aliases[i].alias, fl_registry_alias_check(aliases[i].alias));

    cr_expect_null(fl_registry_name_check("fraud/eu v3"));
    cr_expect_not_null(fl_registry_name_check(""));
    cr_expect_not_null(fl_registry_name_check("a\nb"));
    char longname[1100];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    cr_expect_not_null(fl_registry_name_check(longname));

    struct fl_model_cfg models[] = {{(char *)"fraud", (char *)"fraud-api", NULL, NULL, 0, NULL},
                                    {(char *)"recs", NULL, NULL, NULL, 0, NULL}};
    struct fl_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.models = models;
    cfg.n_models = 2;
    cr_expect_str_eq(fl_registry_component(&cfg, "fraud"), "fraud-api");
    cr_expect_str_eq(fl_registry_component(&cfg, "recs"), "recs");
    cr_expect_str_eq(fl_registry_component(&cfg, "other"), "other");
    cr_expect_str_eq(fl_registry_component(NULL, "other"), "other");
}

Test(registry_parse, a_full_body)
{
    const char *body =
        "{\"model\":\"fraud\",\"version\":7,\"stage\":\"staging\",\"description\":\"d\\u00e9j\\u00e0\","
        "\"train_from\":\"2026-01-01T00:00:00Z\",\"train_to\":1767312000,"
        "\"metrics\":{\"auc\":0.91,\"log\\nloss\":-1e-3},\"reference_profile\":\"AAH/eA==\","
        "\"schema\":\"columns: {}\",\"archive_existing_versions\":true}";
    struct fl_arena a;
    struct fl_store_reg_put p;
    struct fl_diag d;
    fl_arena_init(&a, 4096, 1 << 20);
    fl_diag_init(&d);
    cr_assert_eq(fl_registry_parse_put(body, strlen(body), &a, &p, &d), FL_OK, "%s", d.msg);
    cr_assert_str_eq(p.model, "fraud");
    cr_assert_str_eq(p.version, "7", "numbers read as their text");
    cr_assert_str_eq(p.stage, "staging");
    cr_assert_str_eq(p.description, "d\xc3\xa9j\xc3\xa0");
    cr_assert_eq(p.train_from_ms, 1767225600000LL);
    cr_assert_eq(p.train_to_ms, 1767312000000LL);
    cr_assert_eq(p.n_metrics, 2);
    cr_assert_str_eq(p.metrics[1].name, "log\nloss");
    cr_assert_eq(p.metrics[1].value, -1e-3);
    cr_assert(p.set_profile);
    cr_assert_eq(p.profile_len, 4);
    cr_assert(memcmp(p.profile, "\x00\x01\xff\x78", 4) == 0);
    cr_assert_str_eq(p.schema, "columns: {}");
    cr_assert(p.archive_others);
    /* null and absent mean "keep" */
    const char *minimal = "{\"model\":\"m\",\"version\":\"1\",\"stage\":null,\"metrics\":{}}";
    cr_assert_eq(fl_registry_parse_put(minimal, strlen(minimal), &a, &p, &d), FL_OK);
    cr_assert_null(p.stage);
    cr_assert_null(p.description);
    cr_assert_eq(p.train_from_ms, FL_TS_NONE);
    cr_assert_not(p.set_profile);
    fl_arena_cleanup(&a);
}

Test(registry_parse, errors_name_field_line_and_column)
{
    static const struct {
        const char *body;
        fl_err code;
        const char *field;
        unsigned long line, col;
        const char *msg;
    } bad[] = {
        {"{\"version\":\"1\"}", FL_EPARSE, "model", 0, 0, "missing required field \"model\""},
        {"{\"model\":\"m\"}", FL_EPARSE, "version", 0, 0, "missing required field \"version\""},
        {"{\"model\":\"m\",\n\"version\":\"1\",\"stage\":\"prod\"}", FL_EPARSE, "stage", 2, 23,
         "unknown stage \"prod\""},
        {"{\"model\":3,\"version\":\"1\"}", FL_EPARSE, "model", 1, 10,
         "expected a string, got a number"},
        {"{\"model\":\"\",\"version\":\"1\"}", FL_EPARSE, "model", 1, 10, "must not be empty"},
        {"{\"model\":\"m\",\"version\":\"1\",\"metrics\":{\"auc\":\"high\"}}", FL_EPARSE,
         "metrics.auc", 1, 45, "expected a number, got a string"},
        {"{\"model\":\"m\",\"version\":\"1\",\"metrics\":[1]}", FL_EPARSE, "metrics", 1, 38,
         "expected an object"},
        {"{\"model\":\"m\",\"version\":\"1\",\"train_from\":\"yesterday\"}", FL_EPARSE,
         "train_from", 1, 41, "expected an RFC 3339 time"},
        {"{\"model\":\"m\",\"version\":\"1\",\"train_from\":10,\"train_to\":5}", FL_EPARSE,
         "train_to", 0, 0, "before train_from"},
        {"{\"model\":\"m\",\"version\":\"1\",\"reference_profile\":\"abc\"}", FL_EPARSE,
         "reference_profile", 1, 48, "base64"},
        {"{\"model\":\"m\",\"version\":\"1\",\"reference_profile\":\"ab=c\"}", FL_EPARSE,
         "reference_profile", 1, 48, "base64"},
        {"{\"model\":\"m\",\"version\":\"1\",\"colour\":\"red\"}", FL_EPARSE, "colour", 1, 37,
         "unknown field \"colour\""},
        {"{\"model\":\"m\",\"model\":\"n\",\"version\":\"1\"}", FL_EPARSE, "model", 1, 22,
         "given twice"},
        {"{\"model\":\"m\",\"version\":\"1\",\"archive_existing_versions\":true}", FL_EPARSE,
         "archive_existing_versions", 0, 0, "needs a stage"},
        {"{\"model\":\"m\",\"version\":\"1\"", FL_EPARSE, "", 1, 27, ""},
        {"[1]", FL_EPARSE, "", 1, 1, "expected a JSON object, got an array"},
        {"", FL_EPARSE, "", 1, 1, "expected a JSON object, got nothing"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fl_arena a;
        struct fl_store_reg_put p;
        struct fl_diag d;
        fl_arena_init(&a, 4096, 1 << 20);
        fl_diag_init(&d);
        fl_err e = fl_registry_parse_put(bad[i].body, strlen(bad[i].body), &a, &p, &d);
        cr_expect_eq(e, bad[i].code, "case %zu: %d", i, e);
        cr_expect_str_eq(d.field, bad[i].field, "case %zu: field %s (%s)", i, d.field, d.msg);
        if (bad[i].line)
            cr_expect_eq(d.line, bad[i].line, "case %zu: line %lu", i, d.line);
        if (bad[i].col)
            cr_expect_eq(d.column, bad[i].col, "case %zu: column %lu (%s)", i, d.column, d.msg);
        cr_expect_not_null(strstr(d.msg, bad[i].msg), "case %zu: %s", i, d.msg);
        fl_arena_cleanup(&a);
    }
}

Test(registry_parse, alias_bodies)
{
    struct fl_arena a;
    struct fl_diag d;
    const char *alias, *version;
    fl_arena_init(&a, 4096, 1 << 20);
    const char *ok = "{\"alias\":\"champion\",\"version\":4}";
    fl_diag_init(&d);
    cr_assert_eq(fl_registry_parse_alias(ok, strlen(ok), &a, &alias, &version, &d), FL_OK);
    cr_assert_str_eq(alias, "champion");
    cr_assert_str_eq(version, "4");
    const char *del = "{\"version\":null,\"alias\":\"champion\"}";
    cr_assert_eq(fl_registry_parse_alias(del, strlen(del), &a, &alias, &version, &d), FL_OK);
    cr_assert_null(version, "null removes");
    static const struct {
        const char *body, *field, *msg;
    } bad[] = {
        {"{\"alias\":\"champion\"}", "version", "null removes the alias"},
        {"{\"version\":\"1\"}", "alias", "missing required field \"alias\""},
        {"{\"alias\":\"latest\",\"version\":\"1\"}", "alias", "reserved"},
        {"{\"alias\":\"v7\",\"version\":\"1\"}", "alias", "reads like a version"},
        {"{\"alias\":\"a b\",\"version\":\"1\"}", "alias", "only letters"},
        {"{\"alias\":\"a\",\"version\":\"1\",\"x\":1}", "x", "unknown field"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fl_diag_init(&d);
        cr_expect_eq(fl_registry_parse_alias(bad[i].body, strlen(bad[i].body), &a, &alias,
                                             &version, &d),
                     FL_EPARSE, "case %zu", i);
        cr_expect_str_eq(d.field, bad[i].field, "case %zu: %s", i, d.msg);
        cr_expect_not_null(strstr(d.msg, bad[i].msg), "case %zu: %s", i, d.msg);
    }
    fl_arena_cleanup(&a);
}

/* ---- JSON answers ---- */

static char *answer_of(struct fl_store *s, const char *model, bool artifacts)
{
    struct fl_buf b;
    struct fl_diag d;
    fl_buf_init(&b, 1 << 24);
    fl_diag_init(&d);
    cr_assert_eq(fl_registry_versions_json(s, model, artifacts, &b, &d), FL_OK, "%s", d.msg);
    return fl_buf_take(&b);
}

Test(registry_json, profile_round_trips_through_base64)
{
    char *dir = th_tmpdir();
    struct fl_store *s = th_open(dir);
    /* every byte value, and lengths 0..2 mod 3 for the padding */
    for (size_t len = 254; len <= 256; len++) {
        unsigned char prof[256];
        for (size_t i = 0; i < len; i++)
            prof[i] = (unsigned char)(255 - i);
        struct fl_store_reg_put p;
        memset(&p, 0, sizeof p);
        p.model = "m";
        p.version = "1";
        p.train_from_ms = p.train_to_ms = FL_TS_NONE;
        p.set_profile = true;
        p.profile = prof;
        p.profile_len = len;
        p.schema = "a: \"b\"\n";
        cr_assert_eq(fl_store_registry_put(s, &p, NULL, NULL), FL_OK);
        char *j = answer_of(s, "m", true);
        const char *b64 = strstr(j, "\"base64\":\"");
        cr_assert_not_null(b64, "%s", j);
        b64 += 10;
        size_t blen = strcspn(b64, "\"");
        /* feed the text back through the parser */
        char body[1024];
        snprintf(body, sizeof body, "{\"model\":\"m\",\"version\":\"1\",\"reference_profile\":\"%.*s\"}",
                 (int)blen, b64);
        struct fl_arena a;
        struct fl_store_reg_put q;
        fl_arena_init(&a, 4096, 1 << 20);
        cr_assert_eq(fl_registry_parse_put(body, strlen(body), &a, &q, NULL), FL_OK, "%s", body);
        cr_assert_eq(q.profile_len, len);
        cr_assert(memcmp(q.profile, prof, len) == 0, "len %zu", len);
        cr_assert_eq(blen, (len + 2) / 3 * 4);
        char want[64];
        snprintf(want, sizeof want, "\"reference_profile\":{\"bytes\":%zu,", len);
        cr_assert_not_null(strstr(j, want), "%s", j);
        cr_assert_not_null(strstr(j, "\"schema\":{\"bytes\":7,\"text\":\"a: \\\"b\\\"\\n\"}"), "%s", j);
        fl_arena_cleanup(&a);
        free(j);
        char *summary = answer_of(s, "m", false);
        cr_assert_null(strstr(summary, "base64"), "only with artifacts");
        free(summary);
    }
    struct fl_buf b;
    struct fl_diag d;
    fl_buf_init(&b, 1 << 20);
    fl_diag_init(&d);
    cr_assert_eq(fl_registry_versions_json(s, "nope", false, &b, &d), FL_ENOTFOUND);
    fl_buf_reset(&b);
    cr_assert_eq(fl_registry_model_json(s, "nope", &b, &d), FL_ENOTFOUND);
    fl_buf_cleanup(&b);
    fl_store_free(s);
    th_rmdir(dir);
}

Test(registry_json, traffic_shares_and_limits)
{
    char *dir = th_tmpdir();
    struct fl_store *s = th_open(dir);
    struct fl_inference inf[6];
    static const char *const ver[6] = {"b", "b", "a", "b", "a", "a"};
    static const int64_t ts[6] = {0, 10, 15, 25, 29, 30};
    memset(inf, 0, sizeof inf);
    for (int i = 0; i < 6; i++) {
        inf[i].ts_ms = 1000000 + ts[i] * 1000;
        inf[i].request_id = "r";
        inf[i].model = "m";
        inf[i].model_version = ver[i];
        inf[i].score = NAN;
        inf[i].latency_ms = NAN;
    }
    struct fl_batch b;
    th_batch(&b);
    b.inferences = inf;
    b.n_inferences = 6;
    cr_assert_eq(fl_store_write(s, &b, NULL), FL_OK);
    cr_assert_eq(fl_store_registry_alias(s, "m", "prod", "a", NULL, 1012000, NULL, NULL), FL_OK);

    struct fl_registry_traffic t;
    struct fl_diag d;
    fl_diag_init(&d);
    /* [0s, 30s] by 10s: 3 steps, the last one holding 30s itself */
    cr_assert_eq(fl_registry_traffic(s, "m", 1000000, 1030000, 10000, &t, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(t.n_buckets, 3);
    cr_assert_eq(t.n_versions, 2);
    cr_assert_str_eq(t.versions[0], "b", "first to serve comes first");
    cr_assert_eq(t.counts[0 * 3 + 0], 1);
    cr_assert_eq(t.counts[0 * 3 + 1], 1);
    cr_assert_eq(t.counts[0 * 3 + 2], 1);
    cr_assert_eq(t.counts[1 * 3 + 2], 2);
    cr_assert_eq(t.totals[2], 3);
    cr_assert_float_eq(fl_registry_traffic_share(&t, 1, 1), 0.5, 0);
    /* the alias move, and each version's first request (the store's first-served events) */
    cr_assert_eq(t.n_changes, 3);
    cr_assert_str_eq(t.changes[0].message, "m b served its first request");
    cr_assert_str_eq(t.changes[1].message, "m@prod -> a");
    cr_assert_str_eq(t.changes[2].message, "m a served its first request");
    struct fl_buf j;
    fl_buf_init(&j, 1 << 20);
    fl_registry_traffic_json(&t, "m", &j);
    cr_assert_not_null(strstr(j.data, "\"timestamps_ms\":[1000000,1010000,1020000],"
                                      "\"totals\":[1,2,3],\"versions\":[{\"version\":\"b\","
                                      "\"total\":3,\"share\":0.5,\"counts\":[1,1,1],"
                                      "\"shares\":[1,0.5,0.3333333333333333]}"),
                      "%s", j.data);
    fl_buf_cleanup(&j);
    fl_registry_traffic_cleanup(&t);

    /* an empty step has no shares */
    cr_assert_eq(fl_registry_traffic(s, "m", 990000, 1030000, 10000, &t, &d), FL_OK);
    cr_assert(isnan(fl_registry_traffic_share(&t, 0, 0)));
    fl_registry_traffic_cleanup(&t);

    fl_diag_init(&d);
    cr_assert_eq(fl_registry_traffic(s, "m", 0, 11001000, 1000, &t, &d), FL_ELIMIT);
    cr_assert_not_null(strstr(d.msg, "use a larger step"), "%s", d.msg);
    fl_registry_traffic_cleanup(&t);
    cr_assert_eq(fl_registry_traffic(s, "m", 0, 11000000, 1000, &t, &d), FL_OK, "11000 steps");
    fl_registry_traffic_cleanup(&t);
    cr_assert_eq(fl_registry_traffic(s, "m", 10, 5, 1000, &t, &d), FL_EINVAL);
    fl_registry_traffic_cleanup(&t);
    fl_store_free(s);
    th_rmdir(dir);
}

/* ---- allocation failures ---- */

#include "core/alloc.h"

/* Every allocation of parsing a full body may fail: FL_ENOMEM, never a crash or a half result
 * reported as success. */
Test(registry_parse, allocation_failures_are_clean)
{
    const char *body = "{\"model\":\"fraud\",\"version\":\"v7\",\"stage\":\"staging\","
                       "\"description\":\"with \\\"escapes\\\"\",\"metrics\":{\"a\":1,\"b\":2,"
                       "\"c\\u00e9\":3},\"reference_profile\":\"AAH/eA==\",\"schema\":\"x\"}";
    long n;
    int failures = 0;
    for (n = 0; n < 200; n++) {
        struct fl_arena a;
        struct fl_store_reg_put p;
        struct fl_diag d;
        fl_arena_init(&a, 16, 1 << 20); /* tiny blocks: many allocations */
        fl_diag_init(&d);
        fl_alloc_fail_after(n);
        fl_err e = fl_registry_parse_put(body, strlen(body), &a, &p, &d);
        fl_alloc_fail_after(-1);
        fl_arena_cleanup(&a);
        if (e == FL_OK)
            break;
        cr_assert_eq(e, FL_ENOMEM, "n=%ld: %s (%s)", n, fl_err_name(e), d.msg);
        failures++;
    }
    cr_assert_lt(n, 200);
    cr_assert_gt(failures, 5, "only %d allocations", failures);
}

Test(registry_json, traffic_survives_allocation_failures)
{
    char *dir = th_tmpdir();
    struct fl_store *s = th_open(dir);
    struct fl_inference inf[20];
    static const char *const ver[4] = {"a", "b", "c", "d"};
    memset(inf, 0, sizeof inf);
    for (int i = 0; i < 20; i++) {
        inf[i].ts_ms = 1000 * i;
        inf[i].request_id = "r";
        inf[i].model = "m";
        inf[i].model_version = ver[i % 4];
        inf[i].score = NAN;
        inf[i].latency_ms = NAN;
    }
    struct fl_batch b;
    th_batch(&b);
    b.inferences = inf;
    b.n_inferences = 20;
    cr_assert_eq(fl_store_write(s, &b, NULL), FL_OK);
    cr_assert_eq(fl_store_registry_alias(s, "m", "prod", "a", NULL, 5000, NULL, NULL), FL_OK);
    long n;
    int failures = 0;
    for (n = 0; n < 500; n++) {
        struct fl_registry_traffic t;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_alloc_fail_after(n);
        fl_err e = fl_registry_traffic(s, "m", 0, 19000, 1000, &t, &d);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_assert_eq(t.n_versions, 4);
            cr_assert_eq(t.n_changes, 5, "the alias move and four first-served events");
            fl_registry_traffic_cleanup(&t);
            break;
        }
        cr_assert(e == FL_ENOMEM || e == FL_ESTORE, "n=%ld: %s (%s)", n, fl_err_name(e), d.msg);
        fl_registry_traffic_cleanup(&t);
        failures++;
    }
    cr_assert_lt(n, 500);
    cr_assert_gt(failures, 5);
    fl_store_free(s);
    th_rmdir(dir);
}
