/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_alertmanager.c: the Alertmanager webhook parser (src/ingest/alertmanager.c).
 *
 * Oracles: payloads captured from a real Alertmanager 0.25 (Debian) routing a real Prometheus 2.42
 * alert (tests/fuzz/corpus/alertmanager/01 and 02, also the fuzz corpus), whose fingerprint the
 * parser must reproduce when it is left out; ids and fingerprints recomputed independently in
 * Python (FNV-1a as prometheus/common model/signature.go); Grafana's documented payload. Then
 * table-driven cases for the component, message and status rules, tolerance, errors with their
 * field paths and positions, limits, and every allocation failure.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/limits.h"
#include "ingest/alertmanager.h"

#define CORPUS "tests/fuzz/corpus/alertmanager/"

static struct fl_batch batch;
static struct fl_am_result res;
static struct fl_diag diag;

static void setup(void)
{
    cr_assert_eq(fl_batch_init(&batch, 0), FL_OK);
    fl_am_result_init(&res);
    fl_diag_init(&diag);
}

static void teardown(void)
{
    fl_am_result_cleanup(&res);
    fl_batch_cleanup(&batch);
}

TestSuite(alertmanager, .init = setup, .fini = teardown);

/* Parse s into the suite's (reset) batch and result. */
static fl_err parse_opts(const char *s, size_t len, const struct fl_am_opts *o)
{
    fl_batch_reset(&batch);
    fl_am_result_cleanup(&res);
    fl_am_result_init(&res);
    fl_diag_init(&diag);
    return fl_am_webhook_to_batch(s, len, o, &batch, &res, &diag);
}

static fl_err parse(const char *s)
{
    return parse_opts(s, strlen(s), NULL);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static fl_err parse_file(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, CORPUS "%s", name);
    return parse(slurp(path));
}

/* ---- real payloads ---- */

static const char *const real_attrs =
    "{\"labels\":{\"alertname\":\"DemoErrorsHigh\",\"instance\":\"127.0.0.1:19580\","
    "\"job\":\"demo\",\"service\":\"demo-api\",\"severity\":\"page\"},"
    "\"annotations\":{\"description\":\"demo_errors_ratio is 1\","
    "\"summary\":\"demo-api error ratio above 50%\"},"
    "\"fingerprint\":\"ce600e80dcbc7e44\","
    "\"generatorURL\":\"http://vm:19590/graph?g0.expr=demo_errors_ratio+%3E+0.5&g0.tab=1\","
    "\"groupKey\":\"{}:{alertname=\\\"DemoErrorsHigh\\\"}\",\"receiver\":\"faultline\","
    "\"externalURL\":\"http://vm:19593\"}";

Test(alertmanager, real_firing_notification)
{
    cr_assert_eq(parse_file("01_am025_firing.json"), FL_OK, "%s: %s", diag.field, diag.msg);
    cr_assert_eq(batch.n_events, 1);
    const struct fl_event *e = &batch.events[0];
    cr_expect_str_eq(e->id, "am_7faf7d718133221a");
    cr_expect_eq(e->ts_ms, 1795667978310);
    cr_expect_eq(e->end_ms, FL_TS_NONE);
    cr_expect_str_eq(e->kind, "alert");
    cr_expect_str_eq(e->component, "demo-api");
    cr_expect_str_eq(e->status, "firing");
    cr_expect_eq(e->rows, -1);
    cr_expect_str_eq(e->message, "demo-api error ratio above 50%");
    cr_expect_str_eq(e->attrs_json, real_attrs);

    cr_assert_eq(res.n_groups, 1);
    const struct fl_am_group *g = &res.groups[0];
    cr_expect_str_eq(g->receiver, "faultline");
    cr_expect_str_eq(g->status, "firing");
    cr_expect_str_eq(g->group_key, "{}:{alertname=\"DemoErrorsHigh\"}");
    cr_expect_str_eq(g->external_url, "http://vm:19593");
    cr_expect_str_eq(g->version, "4");
    cr_expect_str_eq(g->group_labels_json, "{\"alertname\":\"DemoErrorsHigh\"}");
    cr_expect_str_eq(g->common_annotations_json,
                     "{\"description\":\"demo_errors_ratio is 1\",\"summary\":\"demo-api error "
                     "ratio above 50%\"}");
    cr_expect_eq(g->truncated_alerts, 0);
    cr_expect_eq(g->first_event, 0);
    cr_expect_eq(g->n_alerts, 1);
    cr_expect_eq(g->n_firing, 1);
    cr_expect_eq(g->n_resolved, 0);
    cr_expect_eq(res.n_alerts, 1);
    cr_expect_eq(res.n_firing, 1);
}

Test(alertmanager, real_resolved_notification_is_the_same_event_with_its_end)
{
    cr_assert_eq(parse_file("02_am025_resolved.json"), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_events, 1);
    const struct fl_event *e = &batch.events[0];
    cr_expect_str_eq(e->id, "am_7faf7d718133221a"); /* the firing notification's id */
    cr_expect_eq(e->ts_ms, 1795667978310);
    cr_expect_eq(e->end_ms, 1795667980310);
    cr_expect_str_eq(e->status, "resolved");
    cr_expect_str_eq(res.groups[0].status, "resolved");
    cr_expect_eq(res.n_resolved, 1);
    cr_expect_eq(res.n_firing, 0);
}

Test(alertmanager, missing_fingerprint_is_computed_as_alertmanager_does)
{
    cr_assert_eq(parse_file("08_no_fingerprint.json"), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_events, 1);
    /* Alertmanager 0.25 sent ce600e80dcbc7e44 for these labels (01_am025_firing.json). */
    cr_expect_not_null(strstr(batch.events[0].attrs_json, "\"fingerprint\":\"ce600e80dcbc7e44\""),
                       "%s", batch.events[0].attrs_json);
    cr_expect_str_eq(batch.events[0].id, "am_7faf7d718133221a");

    char fp[17];
    fl_am_fingerprint(NULL, 0, fp, sizeof fp);
    cr_expect_str_eq(fp, "cbf29ce484222325"); /* model.emptyLabelSignature: the FNV-1a basis */
    const struct fl_label ls[] = {{"alertname", "DemoErrorsHigh"},
                                  {"instance", "127.0.0.1:19580"},
                                  {"job", "demo"},
                                  {"service", "demo-api"},
                                  {"severity", "page"}};
    fl_am_fingerprint(ls, 5, fp, sizeof fp);
    cr_expect_str_eq(fp, "ce600e80dcbc7e44");
}

Test(alertmanager, event_ids)
{
    /* Expected values from an independent Python implementation of the documented rule. */
    static const struct {
        const char *fp;
        int64_t ms;
        const char *want;
    } cases[] = {
        {"ce600e80dcbc7e44", 1795667978310, "am_7faf7d718133221a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[32];
        fl_am_event_id(cases[i].fp, cases[i].ms, id, sizeof id);
        cr_expect_str_eq(id, cases[i].want);
    }
    char a[32], b[32];
    fl_am_event_id("ce600e80dcbc7e44", 1795667978311, a, sizeof a);
    fl_am_event_id("ce600e80dcbc7e45", 1795667978310, b, sizeof b);
    cr_expect_str_neq(a, "am_7faf7d718133221a", "another start is another occurrence");
    cr_expect_str_neq(b, "am_7faf7d718133221a", "another fingerprint is another alert");
}

/* ---- rules ---- */

#define ALERT(labels, anns)                                                                        \
    "{\"alerts\":[{\"labels\":" labels ",\"annotations\":" anns                                    \
    ",\"startsAt\":\"2026-11-25T14:05:00Z\"}]}"

Test(alertmanager, component_rule)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {ALERT("{\"alertname\":\"A\",\"job\":\"j\",\"service\":\"s\",\"component\":\"c\"}", "{}"),
         "c"},
        {ALERT("{\"alertname\":\"A\",\"job\":\"j\",\"service\":\"s\"}", "{}"), "s"},
        {ALERT("{\"alertname\":\"A\",\"job\":\"j\"}", "{}"), "j"},
        {ALERT("{\"alertname\":\"A\",\"job\":\"j\",\"service\":\"\",\"component\":\"\"}", "{}"),
         "j"},
        {ALERT("{\"alertname\":\"A\"}", "{}"), "A"},
        {ALERT("{\"severity\":\"page\"}", "{}"), "unknown"},
        {ALERT("{}", "{}"), "unknown"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\"}]}", "unknown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(parse(cases[i].in), FL_OK, "case %zu: %s", i, diag.msg);
        cr_expect_str_eq(batch.events[0].component, cases[i].want, "case %zu", i);
    }
    static const char *const mine[] = {"team", "job"};
    struct fl_am_opts o = {mine, 2};
    const char *in = ALERT("{\"alertname\":\"A\",\"job\":\"j\",\"team\":\"ml\"}", "{}");
    cr_assert_eq(parse_opts(in, strlen(in), &o), FL_OK);
    cr_expect_str_eq(batch.events[0].component, "ml");
    in = ALERT("{\"alertname\":\"A\"}", "{}");
    cr_assert_eq(parse_opts(in, strlen(in), &o), FL_OK);
    cr_expect_str_eq(batch.events[0].component, "unknown", "alertname is not in this list");
}

Test(alertmanager, message_rule)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {ALERT("{\"alertname\":\"A\"}", "{\"summary\":\"S\",\"description\":\"D\"}"), "S"},
        {ALERT("{\"alertname\":\"A\"}", "{\"summary\":\"\",\"description\":\"D\"}"), "D"},
        {ALERT("{\"alertname\":\"A\"}", "{\"runbook_url\":\"u\"}"), "A"},
        {ALERT("{\"job\":\"x\"}", "null"), ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(parse(cases[i].in), FL_OK, "case %zu: %s", i, diag.msg);
        cr_expect_str_eq(batch.events[0].message, cases[i].want, "case %zu", i);
    }
}

Test(alertmanager, status_and_end)
{
    static const struct {
        const char *alert; /* members after startsAt 2026-11-25T14:05:00Z */
        const char *status;
        int64_t end_ms;
    } cases[] = {
        {"\"status\":\"firing\",\"endsAt\":\"0001-01-01T00:00:00Z\"", "firing", FL_TS_NONE},
        /* a firing alert's end is not exposed even when a sender fills it in */
        {"\"status\":\"firing\",\"endsAt\":\"2026-11-25T14:10:00Z\"", "firing", FL_TS_NONE},
        {"\"status\":\"resolved\",\"endsAt\":\"2026-11-25T14:10:00Z\"", "resolved", 1795615800000},
        {"\"status\":\"resolved\",\"endsAt\":\"0001-01-01T00:00:00Z\"", "resolved", FL_TS_NONE},
        {"\"status\":\"resolved\",\"endsAt\":null", "resolved", FL_TS_NONE},
        /* an end before the start is clamped to the start */
        {"\"status\":\"resolved\",\"endsAt\":\"2026-11-25T14:00:00Z\"", "resolved", 1795615500000},
        /* no status: an exposed end means resolved (Alertmanager zeroes it while firing) */
        {"\"endsAt\":\"2026-11-25T14:10:00Z\"", "resolved", 1795615800000},
        {"\"endsAt\":\"0001-01-01T00:00:00+00:00\"", "firing", FL_TS_NONE},
        {"\"endsAt\":\"1969-12-31T23:59:59Z\"", "firing", FL_TS_NONE},
        {"\"status\":null", "firing", FL_TS_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char in[512];
        snprintf(in, sizeof in, "{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",%s}]}",
                 cases[i].alert);
        cr_assert_eq(parse(in), FL_OK, "case %zu: %s", i, diag.msg);
        cr_expect_eq(batch.events[0].ts_ms, 1795615500000, "case %zu", i);
        cr_expect_str_eq(batch.events[0].status, cases[i].status, "case %zu", i);
        cr_expect_eq(batch.events[0].end_ms, cases[i].end_ms, "case %zu", i);
        /* the group status follows its alerts when absent */
        cr_expect_str_eq(res.groups[0].status, cases[i].status, "case %zu", i);
    }
}

/* ---- tolerance ---- */

Test(alertmanager, grafana_payload_with_extra_fields)
{
    cr_assert_eq(parse_file("04_grafana_extra_fields.json"), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_events, 1);
    const struct fl_event *e = &batch.events[0];
    cr_expect_eq(e->ts_ms, 1634025063157); /* +02:00 offset applied, microseconds truncated */
    cr_expect_str_eq(e->component, "High memory usage");
    cr_expect_str_eq(e->message, "This alert was triggered for zone us-1");
    cr_expect_null(strstr(e->attrs_json, "silenceURL"), "unknown fields are not stored");
    cr_expect_null(strstr(e->attrs_json, "44.23"));
    cr_expect_str_eq(res.groups[0].version, "1");
    cr_expect_str_eq(res.groups[0].group_labels_json, "{}");
}

Test(alertmanager, unknown_fields_nulls_bom_and_escapes)
{
    cr_assert_eq(parse_file("05_future_fields_nested.json"), FL_OK, "%s", diag.msg);
    cr_expect_str_eq(batch.events[0].component, "ranker-serving");
    cr_expect_eq(batch.events[0].ts_ms, 1795615500500);
    cr_expect_null(strstr(batch.events[0].attrs_json, "receivedAt"));

    cr_assert_eq(parse_file("07_nulls.json"), FL_OK, "%s", diag.msg);
    const struct fl_event *e = &batch.events[0];
    cr_expect_str_eq(e->component, "Nulls", "a null label value reads as \"\" (as Go decodes)");
    cr_expect_str_eq(e->status, "firing");
    cr_expect_not_null(strstr(e->attrs_json, "\"labels\":{\"alertname\":\"Nulls\",\"job\":\"\"}"),
                       "%s", e->attrs_json);
    cr_expect_not_null(strstr(e->attrs_json, "\"annotations\":{},\"fingerprint\":"));
    cr_expect_str_eq(res.groups[0].receiver, "");
    cr_expect_str_eq(res.groups[0].common_labels_json, "{}");

    cr_assert_eq(parse_file("17_bom_no_alerts.json"), FL_OK, "%s", diag.msg);
    cr_expect_eq(batch.n_events, 0);
    cr_expect_eq(res.n_groups, 1);
    cr_expect_str_eq(res.groups[0].status, "resolved", "no alert fires");

    cr_assert_eq(parse_file("13_escapes_unicode.json"), FL_OK, "%s", diag.msg);
    e = &batch.events[0];
    cr_expect_str_eq(e->component, "Caf\u00e9Down");
    cr_expect_str_eq(e->message, "line1\nline2 \xe2\x80\x94 \"quoted\"");
    cr_expect_eq(e->ts_ms, 1795611900000);
    cr_expect_not_null(strstr(e->attrs_json, "\"emoji\":\"\xf0\x9f\x94\xa5\""), "%s",
                       e->attrs_json);
    cr_expect_not_null(strstr(e->attrs_json, "\"inst\\\"ance\":\"a\\\\b\""), "%s", e->attrs_json);
    cr_expect_not_null(strstr(e->attrs_json, "\"tab\":\"a\\tb\""), "%s", e->attrs_json);
}

Test(alertmanager, groups_truncation_and_arrays)
{
    cr_assert_eq(parse_file("03_truncated_max_alerts.json"), FL_OK, "%s", diag.msg);
    cr_expect_eq(batch.n_events, 2);
    cr_expect_eq(res.groups[0].truncated_alerts, 5);
    cr_expect_str_eq(batch.events[0].component, "node");
    cr_expect_str_neq(batch.events[0].id, batch.events[1].id);

    cr_assert_eq(parse_file("10_mixed_firing_resolved.json"), FL_OK, "%s", diag.msg);
    cr_expect_eq(res.groups[0].n_firing, 1);
    cr_expect_eq(res.groups[0].n_resolved, 1);
    cr_expect_str_eq(res.groups[0].status, "firing");
    cr_expect_eq(batch.events[1].end_ms, 1795615440000);

    cr_assert_eq(parse_file("09_array_of_payloads.json"), FL_OK, "%s", diag.msg);
    cr_assert_eq(res.n_groups, 2);
    cr_expect_eq(res.n_alerts, 2);
    cr_expect_str_eq(res.groups[0].group_key, "ka");
    cr_expect_str_eq(res.groups[1].group_key, "kb");
    cr_expect_eq(res.groups[1].first_event, 1);
    cr_expect_str_eq(res.groups[1].status, "resolved");
    cr_expect_str_eq(batch.events[0].message, "checkout 5xx");
    cr_expect_not_null(strstr(batch.events[1].attrs_json, "\"receiver\":\"b\""));
}

/* ---- errors ---- */

Test(alertmanager, errors_name_the_field)
{
    static const struct {
        const char *in;
        fl_err code;
        const char *field; /* "" = none */
        unsigned long line, col;
        const char *msg; /* substring */
    } cases[] = {
        {"", FL_EPARSE, "", 1, 1, "empty body"},
        {" \n\t", FL_EPARSE, "", 1, 1, "empty body"},
        {"\"hello\"", FL_EPARSE, "", 1, 1, "expected an Alertmanager webhook payload"},
        {"{\"receiver\":\"x\"}", FL_EPARSE, "alerts", 1, 1, "missing field \"alerts\""},
        {"{\"alerts\":{}}", FL_EPARSE, "alerts", 1, 11, "expected array, got object"},
        {"{\"alerts\":[],\"alerts\":[]}", FL_EPARSE, "alerts", 1, 14, "given twice"},
        {"{\"alerts\":[7]}", FL_EPARSE, "alerts[0]", 1, 12, "expected object, got number"},
        {"{\"alerts\":[{\"labels\":{\"a\":\"b\"}}]}", FL_EPARSE, "alerts[0].startsAt", 1, 12,
         "missing startsAt"},
        {"{\"alerts\":[{\"startsAt\":\"0001-01-01T00:00:00Z\"}]}", FL_EPARSE, "alerts[0].startsAt",
         1, 12, "missing startsAt"},
        {"{\"alerts\":[{\"startsAt\":1764079500}]}", FL_EPARSE, "alerts[0].startsAt", 1, 24,
         "expected string, got number"},
        {"{\"alerts\":[{\"startsAt\":\"yesterday\"}]}", FL_EPARSE, "alerts[0].startsAt", 1, 24,
         "invalid RFC 3339 timestamp \"yesterday\""},
        {"{\"alerts\":[{\"startsAt\":\"1960-01-01T00:00:00Z\"}]}", FL_EPARSE, "alerts[0].startsAt",
         1, 12, "before 1970"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"endsAt\":5}]}", FL_EPARSE,
         "alerts[0].endsAt", 1, 56, "expected string, got number"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"labels\":{\"code\":500}}]}",
         FL_EPARSE, "alerts[0].labels.code", 1, 64, "expected string, got number"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"labels\":[]}]}", FL_EPARSE,
         "alerts[0].labels", 1, 56, "expected object of strings, got array"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"labels\":{\"\":\"x\"}}]}",
         FL_EPARSE, "alerts[0].labels.", 1, 57, "empty name"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"labels\":{\"a\":\"1\",\"a\":\"2\"}}"
         "]}",
         FL_EPARSE, "alerts[0].labels.a", 1, 56, "given twice"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"labels\":{\"a\":\"x\\u0000y\"}}]}",
         FL_EPARSE, "alerts[0].labels.a", 1, 61, "NUL"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"annotations\":{\"s\":{}}}]}",
         FL_EPARSE, "alerts[0].annotations.s", 1, 66, "expected string, got object"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"status\":\"pending\"}]}", FL_EPARSE,
         "alerts[0].status", 1, 56, "unknown status \"pending\""},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"fingerprint\":12}]}", FL_EPARSE,
         "alerts[0].fingerprint", 1, 61, "expected string, got number"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"generatorURL\":true}]}", FL_EPARSE,
         "alerts[0].generatorURL", 1, 62, "expected string, got bool"},
        {"{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"status\":\"firing\","
         "\"status\":\"firing\"}]}",
         FL_EPARSE, "alerts[0].status", 1, 65, "given twice"},
        {"{\"status\":\"pending\",\"alerts\":[]}", FL_EPARSE, "status", 1, 11, "unknown status"},
        {"{\"alerts\":[],\"version\":4}", FL_EPARSE, "version", 1, 24,
         "expected string, got number"},
        {"{\"alerts\":[],\"truncatedAlerts\":\"3\"}", FL_EPARSE, "truncatedAlerts", 1, 32,
         "expected integer, got string"},
        {"{\"alerts\":[],\"truncatedAlerts\":-1}", FL_EPARSE, "truncatedAlerts", 1, 32,
         "integer >= 0"},
        {"{\"alerts\":[],\"truncatedAlerts\":1.5}", FL_EPARSE, "truncatedAlerts", 1, 32,
         "integer >= 0"},
        {"{\"alerts\":[],\"commonLabels\":[]}", FL_EPARSE, "commonLabels", 1, 29,
         "expected object of strings, got array"},
        {"{\"alerts\":[],\"groupLabels\":{\"a\":1}}", FL_EPARSE, "groupLabels.a", 1, 33,
         "expected string"},
        {"{\"alerts\":[],\"groupKey\":{}}", FL_EPARSE, "groupKey", 1, 25,
         "expected string, got object"},
        {"{\"alerts\":[],\"receiver\":[]}", FL_EPARSE, "receiver", 1, 25,
         "expected string, got array"},
        {"[{\"alerts\":[]},{\"alerts\":[{\"startsAt\":1}]}]", FL_EPARSE, "[1].alerts[0].startsAt",
         1, 39, "expected string"},
        {"[{\"alerts\":[]},5]", FL_EPARSE, "[1]", 1, 16, "expected an Alertmanager"},
        {"{\"alerts\":[]} x", FL_EPARSE, "", 1, 15, ""},
        {"{\"alerts\":[{\"startsAt\":", FL_EPARSE, "", 0, 0, ""},
        {"{\"alerts\":[],\"x\":[1,}", FL_EPARSE, "", 1, 0, ""},
        {"{\"alerts\":[],\n\"receiver\":\n  7}", FL_EPARSE, "receiver", 3, 3, "expected string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_err e = parse(cases[i].in);
        cr_expect_eq(e, cases[i].code, "case %zu (%s): got %s (%s)", i, cases[i].in, fl_err_name(e),
                     diag.msg);
        cr_expect_eq(diag.code, e, "case %zu: the diagnostic carries the code", i);
        cr_expect_str_eq(diag.field, cases[i].field, "case %zu: %s", i, diag.msg);
        if (cases[i].line)
            cr_expect_eq(diag.line, cases[i].line, "case %zu: line %lu", i, diag.line);
        if (cases[i].col)
            cr_expect_eq(diag.column, cases[i].col, "case %zu: column %lu (%s)", i, diag.column,
                         diag.msg);
        cr_expect(diag.msg[0] != '\0', "case %zu: empty message", i);
        cr_expect_not_null(strstr(diag.msg, cases[i].msg), "case %zu: \"%s\" lacks \"%s\"", i,
                           diag.msg, cases[i].msg);
    }
}

/* ---- limits ---- */

Test(alertmanager, limits)
{
    struct fl_buf in;
    fl_buf_init(&in, 1 << 24);
    fl_buf_puts(&in, "{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"labels\":{");
    for (int i = 0; i <= FL_LIMIT_AM_PAIRS; i++)
        fl_buf_printf(&in, "%s\"l%d\":\"v\"", i ? "," : "", i);
    fl_buf_puts(&in, "}}]}");
    cr_assert_eq(fl_buf_err(&in), FL_OK);
    cr_expect_eq(parse_opts(in.data, in.len, NULL), FL_ELIMIT);
    cr_expect_str_eq(diag.field, "alerts[0].labels.l1024");
    cr_expect_not_null(strstr(diag.msg, "more than 1024 entries"), "%s", diag.msg);

    fl_buf_reset(&in);
    fl_buf_puts(&in, "{\"alerts\":[{\"startsAt\":\"2026-11-25T14:05:00Z\",\"labels\":{\"a\":\"");
    for (size_t i = 0; i <= FL_LIMIT_VALUE_BYTES; i++)
        fl_buf_putc(&in, 'x');
    fl_buf_puts(&in, "\"}}]}");
    cr_expect_eq(parse_opts(in.data, in.len, NULL), FL_ELIMIT);
    cr_expect_str_eq(diag.field, "alerts[0].labels.a");
    fl_buf_cleanup(&in);

    /* the batch's record cap (limits.records_per_batch) */
    struct fl_batch small;
    struct fl_am_result r;
    struct fl_diag d;
    cr_assert_eq(fl_batch_init(&small, 1), FL_OK);
    fl_am_result_init(&r);
    fl_diag_init(&d);
    const char *two = slurp(CORPUS "03_truncated_max_alerts.json");
    cr_expect_eq(fl_am_webhook_to_batch(two, strlen(two), NULL, &small, &r, &d), FL_ELIMIT);
    cr_expect_not_null(strstr(d.msg, "limit of 1 records"), "%s", d.msg);
    fl_am_result_cleanup(&r);
    fl_batch_cleanup(&small);
}

/* ---- allocation failures ---- */

Test(alertmanager, every_allocation_failure)
{
    const char *in = slurp(CORPUS "09_array_of_payloads.json");
    char *copy = strdup(in);
    size_t len = strlen(copy);
    int failures = 0;
    for (long k = 0; k < 100000; k++) {
        struct fl_batch b;
        struct fl_am_result r;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_am_result_init(&r);
        fl_alloc_fail_after(k);
        fl_err e = fl_batch_init(&b, 0);
        if (e == FL_OK) {
            e = fl_am_webhook_to_batch(copy, len, NULL, &b, &r, &d);
            fl_batch_cleanup(&b);
            cr_assert(e == FL_OK || (d.code == e && d.msg[0]),
                      "fail_after %ld: %s without a diagnostic", k, fl_err_name(e));
        }
        fl_alloc_fail_after(-1);
        size_t n_alerts = r.n_alerts;
        fl_am_result_cleanup(&r);
        if (e == FL_OK) {
            cr_expect_eq(n_alerts, 2, "fail_after %ld: success must be complete", k);
            cr_expect_gt(failures, 0, "no allocation was ever made to fail");
            free(copy);
            return;
        }
        cr_assert_eq(e, FL_ENOMEM, "fail_after %ld: %s (%s)", k, fl_err_name(e), d.msg);
        failures++;
    }
    free(copy);
    cr_assert_fail("never succeeded");
}
