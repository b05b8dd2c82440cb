/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_investigation.c: the renderings of an investigation (src/report/investigation.c) over
 * hand-built investigations: the JSON parses (jansson as the independent reader), carries every
 * field of schema version 1 with the right values, turns NaN and infinities into null, escapes
 * hostile strings; the Markdown and text name the verdict, the causes with their evidence, the
 * refuted hypotheses and every step including "nothing changed here", and escape data.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/record.h"
#include "report/investigation.h"

#define T0 1764079560000LL /* 2025-11-25T14:06:00Z */

static struct fl_inv_evidence ev_verify[2];
static struct fl_inv_evidence ev_trace[2];
static struct fl_inv_step steps[3];
static size_t cause_ev[2], cause_step[2];
static struct fl_inv_cause causes[1];
static struct fl_inv_refuted refuted[1];

/* A latency investigation: gateway -> feature-store got 40 ms slower. */
static void build(struct fl_investigation *inv)
{
    memset(inv, 0, sizeof *inv);
    strcpy(inv->id, "inv_0123456789abcdef");
    inv->created_ms = T0 + 3600000;
    inv->req.kind = FL_INV_LATENCY;
    inv->req.service = "gateway";
    inv->req.percentile = 99;
    inv->req.onset_ms = FL_TS_NONE;
    inv->req.incident_start_ms = T0;
    inv->req.incident_end_ms = T0 + 600000;
    inv->req.baseline_start_ms = T0 - 600000;
    inv->req.baseline_end_ms = T0;
    inv->req.title = "P99 of \"gateway\" up\n<b>";
    inv->req.source = "api";
    inv->symptom = "latency:gateway@99";
    inv->onset_ms = T0 + 1500;
    inv->onset_detected = true;
    inv->baseline_start_ms = T0 - 600000;
    inv->baseline_end_ms = T0;
    inv->incident_start_ms = T0;
    inv->incident_end_ms = T0 + 600000;
    inv->verdict = FL_INV_CAUSES;
    inv->verdict_text = "network time on gateway->feature-store explains the change";

    ev_verify[0] = (struct fl_inv_evidence){FL_INV_EV_SERIES, "gateway", "latency:gateway",
                                            "P99 12 ms -> 52 ms", 12, 52, 4.5, T0 + 1500, true};
    ev_verify[1] = (struct fl_inv_evidence){FL_INV_EV_SERIES, NULL, "up{job=\"gw\"}",
                                            "no scrape gaps", NAN, INFINITY, NAN, FL_TS_NONE,
                                            false};
    ev_trace[0] = (struct fl_inv_evidence){FL_INV_EV_TRACE_KEY, "feature-store",
                                           "edge:gateway->feature-store",
                                           "network time +40 ms | `x` *y*", 1, 41, 0.9,
                                           FL_TS_NONE, true};
    ev_trace[1] = (struct fl_inv_evidence){FL_INV_EV_TRACE, "model-server", "0af7651916cd43dd",
                                           "model inference P99 unchanged: 12 ms -> 13 ms", 12,
                                           13, -0.0, FL_TS_NONE, false};
    steps[0] = (struct fl_inv_step){"verify_symptom", FL_INV_STEP_FOUND,
                                    "the symptom is real", ev_verify, 2, 1.25};
    steps[1] = (struct fl_inv_step){"change_events", FL_INV_STEP_NOTHING,
                                    "no change events in the hour before the onset", NULL, 0,
                                    0.5};
    steps[2] = (struct fl_inv_step){"trace_evidence", FL_INV_STEP_FOUND,
                                    "one edge explains the latency", ev_trace, 2, NAN};
    inv->steps = steps;
    inv->n_steps = 3;
    cause_step[0] = 2, cause_ev[0] = 0;
    cause_step[1] = 0, cause_ev[1] = 0;
    causes[0] = (struct fl_inv_cause){"feature-store", "service", 0.87,
                                      "its inbound network time rose first", cause_ev,
                                      cause_step, 2, "network", "edge share 90%"};
    inv->causes = causes;
    inv->n_causes = 1;
    refuted[0] = (struct fl_inv_refuted){"model-server got slower",
                                         "P99 12 ms -> 13 ms, KS p 0.8", "model-server"};
    inv->refuted = refuted;
    inv->n_refuted = 1;
    inv->elapsed_ms = 42.5;
}

static json_t *render_json(const struct fl_investigation *inv)
{
    struct fl_buf b;
    json_error_t err;
    fl_buf_init(&b, 1 << 20);
    fl_inv_json(inv, &b);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    json_t *j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &err);
    cr_assert_not_null(j, "JSON does not parse: %s at %d:%d\n%s", err.text, err.line,
                       err.column, b.data);
    fl_buf_cleanup(&b);
    return j;
}

static char *render(void (*fn)(const struct fl_investigation *, struct fl_buf *),
                    const struct fl_investigation *inv)
{
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    fn(inv, &b);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    return fl_buf_take(&b);
}

static void expect_keys(json_t *o, const char *const *keys, size_t n, const char *what)
{
    cr_assert(json_is_object(o), "%s is not an object", what);
    cr_assert_eq(json_object_size(o), n, "%s has %zu fields, expected %zu", what,
                 json_object_size(o), n);
    for (size_t i = 0; i < n; i++)
        cr_assert_not_null(json_object_get(o, keys[i]), "%s lacks \"%s\"", what, keys[i]);
}

Test(report_investigation, json_has_every_field_of_schema_1)
{
    struct fl_investigation inv;
    build(&inv);
    json_t *j = render_json(&inv);
    static const char *const top[] = {
        "schema_version", "id",        "created",      "created_ms", "symptom",
        "request",        "onset",     "onset_ms",     "onset_detected", "windows",
        "verdict",        "verdict_text", "steps",     "causes",     "refuted",
        "elapsed_ms"};
    expect_keys(j, top, sizeof top / sizeof top[0], "top level");
    static const char *const req[] = {"kind",     "selector", "kpi",      "service",
                                      "operation", "percentile", "direction", "onset",
                                      "onset_ms", "baseline", "incident", "title", "source"};
    expect_keys(json_object_get(j, "request"), req, sizeof req / sizeof req[0], "request");
    static const char *const win[] = {"start", "start_ms", "end", "end_ms"};
    json_t *w = json_object_get(j, "windows");
    expect_keys(json_object_get(w, "baseline"), win, 4, "windows.baseline");
    expect_keys(json_object_get(w, "incident"), win, 4, "windows.incident");
    static const char *const step[] = {"name", "status", "summary", "elapsed_ms", "evidence"};
    static const char *const ev[] = {"kind",     "component", "ref",   "text", "baseline",
                                     "incident", "score",     "ts",    "ts_ms", "supports"};
    json_t *st = json_object_get(j, "steps");
    cr_assert_eq(json_array_size(st), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *s = json_array_get(st, i);
        expect_keys(s, step, 5, "step");
        json_t *e = json_object_get(s, "evidence");
        cr_assert_eq(json_array_size(e), steps[i].n_evidence);
        for (size_t k = 0; k < json_array_size(e); k++)
            expect_keys(json_array_get(e, k), ev, 10, "evidence");
    }
    static const char *const cause[] = {"rank",       "component",          "component_kind",
                                        "score",      "fault_kind",         "fault_kind_evidence",
                                        "summary",    "evidence"};
    expect_keys(json_array_get(json_object_get(j, "causes"), 0), cause, 8, "cause");
    static const char *const ref[] = {"hypothesis", "text", "component"};
    expect_keys(json_array_get(json_object_get(j, "refuted"), 0), ref, 3, "refuted");
    json_decref(j);
}

Test(report_investigation, json_values)
{
    struct fl_investigation inv;
    build(&inv);
    json_t *j = render_json(&inv);
    cr_assert_eq(json_integer_value(json_object_get(j, "schema_version")), 1);
    cr_assert_str_eq(json_string_value(json_object_get(j, "id")), "inv_0123456789abcdef");
    cr_assert_str_eq(json_string_value(json_object_get(j, "created")), "2025-11-25T15:06:00Z");
    cr_assert_eq(json_integer_value(json_object_get(j, "created_ms")), T0 + 3600000);
    cr_assert_str_eq(json_string_value(json_object_get(j, "onset")), "2025-11-25T14:06:01.500Z");
    cr_assert(json_is_true(json_object_get(j, "onset_detected")));
    cr_assert_str_eq(json_string_value(json_object_get(j, "verdict")), "causes");
    json_t *req = json_object_get(j, "request");
    cr_assert_str_eq(json_string_value(json_object_get(req, "kind")), "latency");
    cr_assert_str_eq(json_string_value(json_object_get(req, "service")), "gateway");
    cr_assert(json_is_null(json_object_get(req, "selector")));
    cr_assert_eq(json_number_value(json_object_get(req, "percentile")), 99.0);
    cr_assert_str_eq(json_string_value(json_object_get(req, "direction")), "default");
    cr_assert(json_is_null(json_object_get(req, "onset")), "onset to detect is null");
    cr_assert_str_eq(json_string_value(json_object_get(req, "title")),
                     "P99 of \"gateway\" up\n<b>");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(req, "incident"),
                                                    "end_ms")),
                 T0 + 600000);
    json_t *st = json_object_get(j, "steps");
    json_t *s1 = json_array_get(st, 1);
    cr_assert_str_eq(json_string_value(json_object_get(s1, "status")), "nothing");
    cr_assert_eq(json_array_size(json_object_get(s1, "evidence")), 0);
    json_t *e0 = json_array_get(json_object_get(json_array_get(st, 0), "evidence"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(e0, "kind")), "series");
    cr_assert_eq(json_number_value(json_object_get(e0, "incident")), 52.0);
    cr_assert_eq(json_number_value(json_object_get(e0, "score")), 4.5);
    cr_assert_str_eq(json_string_value(json_object_get(e0, "ts")), "2025-11-25T14:06:01.500Z");
    cr_assert(json_is_true(json_object_get(e0, "supports")));
    json_t *c = json_array_get(json_object_get(j, "causes"), 0);
    cr_assert_eq(json_integer_value(json_object_get(c, "rank")), 1);
    cr_assert_eq(json_real_value(json_object_get(c, "score")), 0.87);
    json_t *ce = json_object_get(c, "evidence");
    cr_assert_eq(json_array_size(ce), 2);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(ce, 0), "step")), 2);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(ce, 0), "index")), 0);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(ce, 1), "step")), 0);
    cr_assert_eq(json_real_value(json_object_get(j, "elapsed_ms")), 42.5);
    json_decref(j);
}

Test(report_investigation, json_nan_and_inf_are_null)
{
    struct fl_investigation inv;
    build(&inv);
    inv.elapsed_ms = NAN;
    causes[0].score = -INFINITY;
    json_t *j = render_json(&inv);
    json_t *e1 = json_array_get(json_object_get(json_array_get(json_object_get(j, "steps"), 0),
                                                "evidence"),
                                1);
    cr_assert(json_is_null(json_object_get(e1, "baseline")));
    cr_assert(json_is_null(json_object_get(e1, "incident")), "+Inf is null");
    cr_assert(json_is_null(json_object_get(e1, "score")));
    cr_assert(json_is_null(json_object_get(e1, "ts")));
    cr_assert(json_is_null(json_object_get(e1, "ts_ms")));
    cr_assert(json_is_null(json_object_get(e1, "component")));
    cr_assert(json_is_false(json_object_get(e1, "supports")));
    cr_assert(json_is_null(json_object_get(json_array_get(json_object_get(j, "steps"), 2),
                                           "elapsed_ms")));
    cr_assert(json_is_null(json_object_get(j, "elapsed_ms")));
    cr_assert(json_is_null(
        json_object_get(json_array_get(json_object_get(j, "causes"), 0), "score")));
    json_decref(j);
}

Test(report_investigation, json_escapes_hostile_strings)
{
    struct fl_investigation inv;
    build(&inv);
    static const char hostile[] = "a\"b\\c\x01\td\xff\xc3\xa9</script>";
    inv.symptom = hostile;
    steps[0].summary = hostile;
    json_t *j = render_json(&inv);
    /* Invalid UTF-8 (0xff) becomes U+FFFD; everything else reads back unchanged. */
    cr_assert_str_eq(json_string_value(json_object_get(j, "symptom")),
                     "a\"b\\c\x01\td\xef\xbf\xbd\xc3\xa9</script>");
    cr_assert_str_eq(json_string_value(
                         json_object_get(json_array_get(json_object_get(j, "steps"), 0),
                                         "summary")),
                     "a\"b\\c\x01\td\xef\xbf\xbd\xc3\xa9</script>");
    json_decref(j);
}

Test(report_investigation, json_minimal_investigation)
{
    /* Nothing but zeros and NULLs: still valid JSON with every field, and unknown enums. */
    struct fl_investigation inv;
    memset(&inv, 0, sizeof inv);
    inv.onset_ms = FL_TS_NONE;
    inv.verdict = 99;
    json_t *j = render_json(&inv);
    cr_assert(json_is_null(json_object_get(j, "id")));
    cr_assert(json_is_null(json_object_get(j, "symptom")));
    cr_assert(json_is_null(json_object_get(j, "onset")));
    cr_assert_str_eq(json_string_value(json_object_get(j, "verdict")), "unknown");
    cr_assert(json_is_null(json_object_get(json_object_get(j, "request"), "kind")));
    cr_assert(json_is_null(json_object_get(json_object_get(j, "request"), "baseline")));
    cr_assert_eq(json_array_size(json_object_get(j, "steps")), 0);
    cr_assert_eq(json_array_size(json_object_get(j, "causes")), 0);
    json_decref(j);
}

Test(report_investigation, cause_references_out_of_range_are_skipped)
{
    struct fl_investigation inv;
    build(&inv);
    cause_step[1] = 7; /* no such step */
    json_t *j = render_json(&inv);
    json_t *ce = json_object_get(json_array_get(json_object_get(j, "causes"), 0), "evidence");
    cr_assert_eq(json_array_size(ce), 1);
    json_decref(j);
    char *md = render(fl_inv_markdown, &inv);
    cr_assert_not_null(strstr(md, "network time"));
    free(md);
}

Test(report_investigation, json_buffer_overflow_is_sticky)
{
    struct fl_investigation inv;
    struct fl_buf b;
    build(&inv);
    fl_buf_init(&b, 100);
    fl_inv_json(&inv, &b);
    cr_assert_eq(fl_buf_err(&b), FL_ELIMIT);
    fl_buf_cleanup(&b);
}

Test(report_investigation, markdown_tells_the_story_in_order)
{
    struct fl_investigation inv;
    build(&inv);
    char *md = render(fl_inv_markdown, &inv);
    /* The title's "<b>" is escaped and its newline flattened. */
    static const char *const order[] = {"## Investigation: P99 of \"gateway\" up \\<b>",
                           "**Verdict:** **causes**",
                           "### Ranked causes",
                           "1. **feature-store** (service), score 0.87",
                           "edge:gateway->feature-store",
                           "### Refuted hypotheses",
                           "- model-server got slower: P99 12 ms -> 13 ms, KS p 0.8",
                           "### Steps",
                           "#### 1. `verify_symptom`: FOUND",
                           "#### 2. `change_events`: nothing changed here",
                           "no change events in the hour before the onset",
                           "#### 3. `trace_evidence`: FOUND"};
    const char *at = md;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(at, order[i]);
        cr_assert_not_null(p, "missing or out of order: %s\n---\n%s", order[i], md);
        at = p + strlen(order[i]);
    }
    /* Data is escaped: the pipe and backticks of the evidence text cannot break the report. */
    cr_assert_not_null(strstr(md, "network time +40 ms \\| \\`x\\` \\*y\\*"), "%s", md);
    cr_assert_not_null(strstr(md, "(1 -> 41, score 0.9)"), "%s", md);
    cr_assert_not_null(strstr(md, "(unchanged) [trace]"), "%s", md);
    free(md);
}

Test(report_investigation, markdown_without_causes_names_no_culprit)
{
    struct fl_investigation inv;
    build(&inv);
    inv.verdict = FL_INV_NO_SYMPTOM;
    inv.verdict_text = "the symptom did not change significantly";
    inv.n_causes = 0;
    inv.n_refuted = 0;
    char *md = render(fl_inv_markdown, &inv);
    cr_assert_not_null(strstr(md, "**Verdict:** **no_symptom**: the symptom did not change"),
                       "%s", md);
    cr_assert_not_null(strstr(md, "No culprit is named"));
    cr_assert_not_null(strstr(md, "None recorded."));
    free(md);
}

Test(report_investigation, text_rendering)
{
    struct fl_investigation inv;
    build(&inv);
    steps[0].summary = "bell\x07 and \x1b[31mred";
    char *t = render(fl_inv_text, &inv);
    const char *order[] = {"Investigation inv_0123456789abcdef",
                           "symptom:  latency:gateway@99",
                           "onset:    2025-11-25T14:06:01.500Z (detected)",
                           "VERDICT: causes: network time",
                           "Ranked causes:",
                           "1. feature-store (service)  score 0.87",
                           "- [trace_key] feature-store: network time +40 ms | `x` *y* (1 -> 41, "
                           "score 0.9) [edge:gateway->feature-store]",
                           "Refuted hypotheses:",
                           "Steps:",
                           "1. verify_symptom [FOUND, 1.25 ms]",
                           "2. change_events [nothing changed here, 0.5 ms]",
                           "3. trace_evidence [FOUND, - ms]"};
    const char *at = t;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(at, order[i]);
        cr_assert_not_null(p, "missing or out of order: %s\n---\n%s", order[i], t);
        at = p + strlen(order[i]);
    }
    cr_assert_null(strchr(t, '\x1b'), "control characters are stripped");
    cr_assert_null(strchr(t, '\x07'));
    cr_assert_not_null(strstr(t, "bell  and  [31mred"));
    free(t);
}

/* ---- reading the JSON back ---- */

Test(report_investigation, json_round_trip_is_exact)
{
    struct fl_investigation inv, back;
    struct fl_buf j1, j2;
    struct fl_arena a;
    struct fl_diag d;
    build(&inv);
    fl_buf_init(&j1, 1 << 20);
    fl_buf_init(&j2, 1 << 20);
    fl_arena_init(&a, 4096, 1 << 20);
    fl_diag_init(&d);
    fl_inv_json(&inv, &j1);
    cr_assert_eq(fl_inv_from_json(j1.data, j1.len, &a, &back, &d), FL_OK, "%s", d.msg);
    fl_inv_json(&back, &j2);
    size_t at = 0;
    while (j1.data[at] && j1.data[at] == j2.data[at])
        at++;
    cr_assert_eq(j1.data[at], j2.data[at], "differs at %zu: ...%.60s vs ...%.60s", at,
                 j1.data + (at > 30 ? at - 30 : 0), j2.data + (at > 30 ? at - 30 : 0));
    char *m1 = render(fl_inv_markdown, &inv), *m2 = render(fl_inv_markdown, &back);
    cr_assert_str_eq(m2, m1);
    cr_assert_eq(back.n_steps, 3);
    cr_assert_eq(back.causes[0].evidence_step[0], 2);
    cr_assert(isnan(back.steps[0].evidence[1].baseline));
    cr_assert_eq(back.steps[0].evidence[1].ts_ms, FL_TS_NONE);
    free(m1);
    free(m2);
    fl_buf_cleanup(&j1);
    fl_buf_cleanup(&j2);
    fl_arena_cleanup(&a);
}

Test(report_investigation, json_reader_rejects_bad_documents)
{
    static const struct {
        const char *doc;
        fl_err want;
        const char *in_msg;
    } cases[] = {
        {"", FL_EPARSE, ""},
        {"[]", FL_EPARSE, "object"},
        {"{\"schema_version\":2}", FL_EUNSUPPORTED, "schema_version"},
        {"{\"id\":\"x\"}", FL_EUNSUPPORTED, "schema_version"},
        {"{\"schema_version\":1,\"symptom\":5}", FL_EPARSE, "symptom"},
        {"{\"schema_version\":1,\"steps\":{}}", FL_EPARSE, "steps"},
        {"{\"schema_version\":1,\"steps\":[1]}", FL_EPARSE, "steps"},
        {"{\"schema_version\":1,\"steps\":[{\"evidence\":[{\"score\":\"x\"}]}]}", FL_EPARSE,
         "score"},
        {"{\"schema_version\":1,\"causes\":[{\"evidence\":[{\"step\":-1,\"index\":0}]}]}",
         FL_EPARSE, "step"},
        {"{\"schema_version\":1,\"created_ms\":1.5}", FL_EPARSE, "created_ms"},
        {"{\"schema_version\":1,\"onset_detected\":\"yes\"}", FL_EPARSE, "onset_detected"},
        {"{\"schema_version\":1,\"schema_version\":1}", FL_EPARSE, "duplicate"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_investigation back;
        struct fl_arena a;
        struct fl_diag d;
        fl_arena_init(&a, 4096, 1 << 20);
        fl_diag_init(&d);
        cr_assert_eq(fl_inv_from_json(cases[i].doc, strlen(cases[i].doc), &a, &back, &d),
                     cases[i].want, "case %zu: %s", i, cases[i].doc);
        cr_assert_not_null(strstr(d.msg, cases[i].in_msg), "case %zu: %s", i, d.msg);
        cr_assert_eq(back.n_steps, 0);
        fl_arena_cleanup(&a);
    }
}

Test(report_investigation, json_reader_is_tolerant_of_missing_fields)
{
    static const char doc[] = "{\"schema_version\":1,\"verdict\":\"no_cause\"}";
    struct fl_investigation back;
    struct fl_arena a;
    struct fl_diag d;
    fl_arena_init(&a, 4096, 1 << 20);
    fl_diag_init(&d);
    cr_assert_eq(fl_inv_from_json(doc, strlen(doc), &a, &back, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(back.verdict, FL_INV_NO_CAUSE);
    cr_assert_null(back.symptom);
    cr_assert_eq(back.onset_ms, FL_TS_NONE);
    cr_assert(isnan(back.elapsed_ms));
    char *md = render(fl_inv_markdown, &back);
    cr_assert_not_null(strstr(md, "**no_cause**"), "%s", md);
    free(md);
    fl_arena_cleanup(&a);
}

Test(report_investigation, assigned_ids_differ)
{
    struct fl_investigation a, b;
    build(&a);
    build(&b);
    fl_inv_assign_id(&a);
    fl_inv_assign_id(&b);
    cr_assert_eq(strlen(a.id), 20);
    cr_assert_eq(strncmp(a.id, "inv_", 4), 0);
    cr_assert_eq(strspn(a.id + 4, "0123456789abcdef"), 16);
    cr_assert_str_neq(a.id, b.id, "same symptom and time, different counter");
}

Test(report_investigation, schema_names_agree_with_the_engine)
{
    /* The renderer owns the schema's names; the engine's own name functions must agree. */
    for (int i = 1; i <= 4; i++) {
        cr_assert_str_eq(fl_inv_report_status_name(i), fl_inv_step_status_name(i), "status %d", i);
        cr_assert_str_eq(fl_inv_report_verdict_name(i), fl_inv_verdict_name(i), "verdict %d", i);
    }
    for (int i = 1; i <= 9; i++)
        cr_assert_str_eq(fl_inv_report_kind_name(i), fl_inv_evidence_kind_name(i), "kind %d", i);
    cr_assert_str_eq(fl_inv_report_status_name(0), "unknown");
    cr_assert_str_eq(fl_inv_report_kind_name(10), "unknown");
}
