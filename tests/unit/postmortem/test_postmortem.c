/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_postmortem.c: post-mortems of constructed incidents (src/report/postmortem*.c), checked
 * for content: the systemic action items of each cause kind (and none about a person), the
 * timeline in time order with its sources, detection and time to detect, impact numbers and
 * segments, the 5 Whys with open/confirmed marks, the fault-tree hook, the lint findings of
 * person-written parts, template errors with line and column, the HTML (cmark-gfm tables, inline
 * SVG, print CSS, no external asset, no raw HTML from people) and the JSON schema.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "core/buf.h"
#include "fixtures.h"
#include "report/postmortem.h"

static struct fl_arena A;

static void setup(void)
{
    fl_arena_init(&A, 64 * 1024, (size_t)256 << 20);
}

static void teardown(void)
{
    fl_arena_cleanup(&A);
}

TestSuite(pm, .init = setup, .fini = teardown);

static char *render(const struct fl_investigation *inv, const struct fl_whys *w,
                    const struct fl_pm_opts *o, int fmt)
{
    struct fl_buf b;
    struct fl_diag d;
    fl_buf_init(&b, 16 << 20);
    fl_diag_init(&d);
    fl_err e = fl_postmortem_render(inv, w, o, fmt, &A, &b, &d);
    cr_assert_eq(e, FL_OK, "render: %s %s", fl_err_name(e), d.msg);
    return fl_buf_take(&b);
}

static json_t *render_json(const struct fl_investigation *inv, const struct fl_whys *w,
                           const struct fl_pm_opts *o)
{
    char *s = render(inv, w, o, FL_PM_JSON);
    json_error_t err;
    json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &err);
    cr_assert_not_null(j, "JSON: %s at %d:%d\n%s", err.text, err.line, err.column, s);
    free(s);
    return j;
}

/* The action items' texts joined with newlines. */
static char *actions(json_t *j)
{
    struct fl_buf b;
    size_t i;
    json_t *v;
    fl_buf_init(&b, 1 << 20);
    json_array_foreach(json_object_get(j, "action_items"), i, v)
    {
        fl_buf_puts(&b, json_string_value(json_object_get(v, "text")));
        fl_buf_putc(&b, '\n');
        cr_expect(json_is_null(json_object_get(v, "owner")), "owner is for the team to assign");
    }
    return fl_buf_take(&b);
}

Test(pm, action_items_by_cause_kind)
{
    struct {
        const char *comp, *kind;
        struct fl_inv_evidence ev;
        const char *cls, *want[2];
    } cases[] = {
        {"network fraud-service->feature-store",
         "network",
         fx_ev(FL_INV_EV_TRACE_KEY, "network fraud-service->feature-store",
               "edge:fraud-service->feature-store", "edge time 8 ms -> 360 ms", 8, 360, 0.97,
               FL_TS_NONE, true),
         "network",
         {"retry budget with jittered exponential backoff, and a circuit breaker",
          "fraud-service->feature-store call"}},
        {"nightly-etl",
         "batch_job",
         fx_ev(FL_INV_EV_FRESHNESS, "nightly-etl", "nightly-etl", "nightly-etl: late", NAN, NAN, 1,
               FX_ONSET - FX_DAY, true),
         "freshness",
         {"Add a freshness alert on nightly-etl", "check its age"}},
        {"segment-model",
         "batch_job",
         fx_ev(FL_INV_EV_FRESHNESS, "segment-model", "segment-model/f", "stale f", NAN, NAN, 0.9,
               FL_TS_NONE, true),
         "stale_features",
         {"freshness alert on the pipeline that produces the features of segment-model",
          "Check feature age at serving time"}},
        {"fraud-model",
         "model_server",
         fx_ev(FL_INV_EV_VALIDATION, "fraud-model", "fraud-model/amount",
               "amount: 31% missing (expected at most 1%)", NAN, NAN, 0.31, FL_TS_NONE, true),
         "validation",
         {"schema gate before fraud-model", "data contract"}},
        {"fraud-model",
         "model_server",
         fx_ev(FL_INV_EV_MODEL, "fraud-model", "fraud-model/v7",
               "model fraud-model version v7 served 0.0% of the baseline's inferences and 100.0% "
               "of the incident's",
               0, 1, 1, FL_TS_NONE, true),
         "model",
         {"canary and a shadow evaluation", "automatic rollback"}},
        {"recs-model",
         "model_server",
         fx_ev(FL_INV_EV_DRIFT, "recs-model", "recs-model/v3/age", "feature age drifted", NAN, NAN,
               0.4, FX_ONSET, true),
         "drift",
         {"input drift of recs-model per feature", "retraining"}},
        {"api",
         "service",
         fx_ev(FL_INV_EV_EVENT, "api", "dep-1", "deploy on api: v2.3: score 0.6", NAN, NAN, 0.6,
               FX_ONSET - FX_MIN, true),
         "change",
         {"progressively (canary) with automatic rollback", "change event"}},
        {"api",
         "service",
         fx_ev(FL_INV_EV_SERIES, "api", "cpu{service=\"api\"}", "cpu 0.3 -> 0.95", 0.3, 0.95, 9,
               FX_ONSET, true),
         "service",
         {"saturation and latency alerts on api", "capacity headroom"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_investigation inv;
        struct fl_pm_opts o = {.now_ms = FX_ONSET + FX_DAY};
        fx_single(&inv, &A, cases[i].comp, cases[i].kind, cases[i].ev);
        json_t *j = render_json(&inv, NULL, &o);
        json_t *c0 = json_array_get(json_object_get(j, "causes"), 0);
        cr_expect_str_eq(json_string_value(json_object_get(c0, "kind")), cases[i].cls, "case %zu",
                         i);
        char *acts = actions(j);
        for (size_t k = 0; k < 2; k++)
            cr_expect_not_null(strstr(acts, cases[i].want[k]), "case %zu (%s): no \"%s\" in\n%s", i,
                               cases[i].cls, cases[i].want[k], acts);
        /* Systemic, never about a person: the lint finds nothing in what we generate. */
        struct fl_pm_lint l = {0};
        cr_assert_eq(fl_postmortem_lint("actions", acts, strlen(acts), &A, &l), FL_OK);
        cr_expect_eq(l.n, 0, "case %zu: generated action items blame: %s", i,
                     l.n ? l.items[0].phrase : "");
        free(acts);
        json_decref(j);
    }
}

Test(pm, broken_metric_and_no_cause_actions)
{
    struct fl_investigation inv;
    struct fl_pm_opts o = {.now_ms = FX_ONSET};
    fx_kpi_drop(&inv, &A);
    json_t *j = render_json(&inv, NULL, &o);
    char *acts = actions(j);
    cr_expect_not_null(strstr(acts, "Instrument the path of kpi:ctr"), "%s", acts);
    free(acts);
    json_decref(j);
    inv.verdict = FL_INV_BROKEN_METRIC;
    inv.verdict_text = "the denominator impressions fell to zero";
    j = render_json(&inv, NULL, &o);
    acts = actions(j);
    cr_expect_not_null(strstr(acts, "Monitor the pipeline of the metric kpi:ctr itself"), "%s",
                       acts);
    free(acts);
    json_decref(j);
}

Test(pm, fraud_detection_timeline_and_sections)
{
    struct fl_investigation inv;
    struct fl_pm_opts o = {.now_ms = FX_ONSET + FX_DAY};
    fx_fraud(&inv, &A);
    json_t *j = render_json(&inv, NULL, &o);
    cr_expect_eq(json_integer_value(json_object_get(j, "postmortem_version")), 1);
    json_t *det = json_object_get(j, "detection");
    cr_expect_str_eq(json_string_value(json_object_get(det, "how")), "alert");
    /* The alert fired 2 min after the onset, before the investigation (4 min). */
    cr_expect_eq(json_integer_value(json_object_get(det, "time_to_detect_ms")), 2 * FX_MIN);
    cr_expect_eq(json_integer_value(json_object_get(det, "detected_ms")), FX_ONSET + 2 * FX_MIN);
    json_t *imp = json_object_get(j, "impact");
    cr_expect_eq(json_number_value(json_object_get(imp, "baseline")), 120);
    cr_expect_eq(json_number_value(json_object_get(imp, "incident")), 480);
    cr_expect_eq(json_integer_value(json_object_get(imp, "duration_ms")), 30 * FX_MIN);
    /* Timeline: non-decreasing times; onset, alert, investigation in that order. */
    json_t *tl = json_object_get(j, "timeline");
    size_t i, at_onset = SIZE_MAX, at_alert = SIZE_MAX, at_inv = SIZE_MAX;
    json_t *v;
    long long prev = INT64_MIN;
    json_array_foreach(tl, i, v)
    {
        long long t = json_integer_value(json_object_get(v, "ts_ms"));
        cr_expect_geq(t, prev, "timeline out of order at %zu", i);
        prev = t;
        const char *src = json_string_value(json_object_get(v, "source"));
        if (!strcmp(src, "onset"))
            at_onset = i;
        if (!strcmp(src, "alert"))
            at_alert = i;
        if (!strcmp(src, "investigation") && at_inv == SIZE_MAX)
            at_inv = i;
    }
    cr_expect_lt(at_onset, at_alert);
    cr_expect_lt(at_alert, at_inv);
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(tl, at_alert), "ts_ms")),
                 FX_ONSET + 2 * FX_MIN);
    /* 6 steps... the fixture has 4: each is on the timeline after "started". */
    cr_expect_eq(json_array_size(tl) - at_inv, 5);
    json_t *ref = json_object_get(j, "refuted");
    cr_expect_eq(json_array_size(ref), 2);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(ref, 0), "text")),
                     "model-server/predict: P99 40 ms -> 41 ms, KS p 0.62");
    json_t *well = json_object_get(j, "went_well");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(well, 0), "text")),
                     "Detected by an alert 2 min after the onset");
    /* The last item of each list is a placeholder for the team, marked as such. */
    json_t *last = json_array_get(well, json_array_size(well) - 1);
    cr_expect(json_is_true(json_object_get(last, "to_fill")));
    cr_expect(json_is_null(json_object_get(last, "text")));
    cr_expect(json_is_null(json_object_get(j, "fault_tree")));
    json_decref(j);

    char *md = render(&inv, NULL, &o, FL_PM_MARKDOWN);
    const char *order[] = {"# Post-mortem: FraudLatencyHigh",
                           "## Summary",
                           "## Impact",
                           "## Detection",
                           "## Timeline",
                           "## Root cause",
                           "## Contributing factors",
                           "## Refuted hypotheses",
                           "## 5 Whys",
                           "## Fault tree",
                           "## What went well",
                           "## What did not go well",
                           "## Action items",
                           "## Blame lint"};
    const char *p = md;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        const char *q = strstr(p, order[k]);
        cr_expect_not_null(q, "section \"%s\" missing or out of order", order[k]);
        if (q)
            p = q;
    }
    cr_expect_not_null(strstr(md, "- **Time to detect:** 2 min"));
    cr_expect_not_null(strstr(md, "baseline 120 -> incident 480 (+360, +300.0%)"));
    cr_expect_not_null(strstr(md, "No fault tree was evaluated for this investigation."));
    cr_expect_not_null(strstr(md, "**OPEN QUESTION** (change)"));
    cr_expect_not_null(strstr(md, "**network fraud-service->feature-store** (network), score "
                                  "0.91, kind network"));
    cr_expect_not_null(strstr(md, "No blaming phrasing found"));
    cr_expect_not_null(strstr(md, "_[to be filled in by the team]_"));
    free(md);
}

Test(pm, segments_incident_manual_detection_and_whys_derived_items)
{
    struct fl_investigation inv;
    struct fl_config *cfg = fx_config(FX_TOPO);
    struct fl_pm_opts o = {.cfg = cfg, .now_ms = FX_ONSET + 4 * FX_DAY};
    fx_segments(&inv, &A);
    json_t *j = render_json(&inv, NULL, &o);
    json_t *det = json_object_get(j, "detection");
    cr_expect_str_eq(json_string_value(json_object_get(det, "how")), "manual");
    cr_expect_eq(json_integer_value(json_object_get(det, "time_to_detect_ms")), 3 * FX_DAY);
    char *acts = actions(j);
    cr_expect_not_null(strstr(acts, "Configure a freshness rule for customer-features"), "%s",
                       acts);
    cr_expect_not_null(strstr(acts, "Alert on segment_mismatch_ratio"), "%s", acts);
    free(acts);
    json_t *wrong = json_object_get(j, "went_wrong");
    size_t i;
    json_t *v;
    bool no_alert = false, ttd = false;
    json_array_foreach(wrong, i, v)
    {
        const char *t = json_string_value(json_object_get(v, "text"));
        no_alert |= t && strstr(t, "customer-features raised no alert") != NULL;
        ttd |= t && !strcmp(t, "Time to detect was 3 d 0 h");
    }
    cr_expect(no_alert, "the missing alert is in what did not go well");
    cr_expect(ttd);
    /* The timeline holds the pipeline's runs in time order before the onset. */
    json_t *tl = json_object_get(j, "timeline");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(tl, 0), "source")), "change");
    cr_expect_not_null(strstr(json_string_value(json_object_get(json_array_get(tl, 0), "text")),
                              "status success"));
    json_decref(j);
    fl_config_free(cfg);
}

Test(pm, kpi_impact_names_the_segment)
{
    struct fl_investigation inv;
    struct fl_pm_opts o = {.now_ms = FX_ONSET};
    fx_kpi_drop(&inv, &A);
    json_t *j = render_json(&inv, NULL, &o);
    json_t *imp = json_object_get(j, "impact");
    cr_expect_str_eq(json_string_value(json_object_get(imp, "kpi")), "ctr");
    json_t *segs = json_object_get(imp, "segments");
    cr_assert_eq(json_array_size(segs), 1);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(segs, 0), "ref")),
                     "platform=android");
    json_decref(j);
    char *md = render(&inv, NULL, &o, FL_PM_MARKDOWN);
    cr_expect_not_null(strstr(md, "- **Affected:** KPI ctr"));
    cr_expect_not_null(strstr(md, "platform=android: 0.05 -> 0.03"));
    free(md);
}

Test(pm, person_written_parts_are_linted_with_positions)
{
    struct fl_investigation inv;
    struct fl_whys w;
    struct fl_diag d;
    struct fl_pm_opts o = {.now_ms = FX_ONSET};
    fx_fraud(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    const char *e1 = "{\"op\":\"edit\",\"index\":3,\"text\":\"It was Bob's fault: he forgot "
                     "the pool size\"}";
    fl_diag_init(&d);
    cr_assert_eq(fl_whys_apply_edit(&w, e1, strlen(e1), "x", FX_ONSET, &A, &d), FL_OK);
    const char tpl[] = "# PM {{title}}\n\n{{whys}}\n\nThe on-call engineer should have "
                       "noticed.\n{{lint}}\n";
    o.template_text = tpl;
    o.template_len = strlen(tpl);
    o.template_name = "team.md";
    json_t *j = render_json(&inv, &w, &o);
    json_t *lint = json_object_get(j, "lint");
    struct {
        const char *where, *rule;
        long line, col;
    } want[] = {{"whys link 4", "possessive-fault", 1, 8},
                {"whys link 4", "forgot", 1, 24},
                {"team.md", "should-have", 5, 22}};
    cr_assert_eq(json_array_size(lint), 3, "%zu findings", json_array_size(lint));
    for (size_t k = 0; k < 3; k++) {
        json_t *f = json_array_get(lint, k);
        cr_expect_str_eq(json_string_value(json_object_get(f, "where")), want[k].where);
        cr_expect_str_eq(json_string_value(json_object_get(f, "rule")), want[k].rule);
        cr_expect_eq(json_integer_value(json_object_get(f, "line")), want[k].line, "finding %zu",
                     k);
        cr_expect_eq(json_integer_value(json_object_get(f, "column")), want[k].col,
                     "finding %zu column %lld", k,
                     json_integer_value(json_object_get(f, "column")));
    }
    json_decref(j);
    char *md = render(&inv, &w, &o, FL_PM_MARKDOWN);
    cr_expect_not_null(strstr(md, "- team.md:5:22: **should-have** \"should have\""), "%s", md);
    cr_expect_eq(strncmp(md, "# PM FraudLatencyHigh", 21), 0);
    cr_expect_null(strstr(md, "## Impact"), "a custom template replaces the default");
    free(md);
}

Test(pm, template_errors_give_line_and_column)
{
    struct {
        const char *tpl;
        fl_err e;
        unsigned long line, col;
        const char *field;
    } cases[] = {
        {"# {{title}}\n\n{{summry}}\n", FL_EINVAL, 3, 1, "summry"},
        {"ok {{ impact }} and {{nope }}", FL_EINVAL, 1, 21, "nope"},
        {"line one\n  {{title\n}}", FL_EPARSE, 2, 3, ""},
        {"{{", FL_EPARSE, 1, 1, ""},
        {"{{{{ literal braces }} {{title}}", FL_OK, 0, 0, ""},
        {"no placeholders at all", FL_OK, 0, 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_pm_template_check("t.md", cases[i].tpl, strlen(cases[i].tpl), &d);
        cr_expect_eq(e, cases[i].e, "case %zu: %s (%s)", i, fl_err_name(e), d.msg);
        cr_expect_eq(d.line, cases[i].line, "case %zu line %lu", i, d.line);
        cr_expect_eq(d.column, cases[i].col, "case %zu column %lu", i, d.column);
        cr_expect_str_eq(d.field, cases[i].field, "case %zu", i);
    }
    /* Rendering refuses a bad template before anything is written. */
    struct fl_investigation inv;
    struct fl_buf b;
    struct fl_diag d;
    struct fl_pm_opts o = {
        .template_text = "{{whys}}\n{{timelime}}", .template_len = 21, .template_name = "pm.md"};
    fx_fraud(&inv, &A);
    fl_buf_init(&b, 1 << 20);
    fl_diag_init(&d);
    cr_expect_eq(fl_postmortem_render(&inv, NULL, &o, FL_PM_MARKDOWN, &A, &b, &d), FL_EINVAL);
    cr_expect_eq(d.line, 2);
    cr_expect_str_eq(d.file, "pm.md");
    cr_expect_not_null(strstr(d.msg, "unknown placeholder \"{{timelime}}\""));
    cr_expect_eq(b.len, 0);
    /* A literal "{{" survives. */
    o.template_text = "{{{{x}} {{title}}";
    o.template_len = strlen(o.template_text);
    char *md = render(&inv, NULL, &o, FL_PM_MARKDOWN);
    cr_expect_str_eq(md, "{{x}} FraudLatencyHigh: P99 of fraud-service above 300 ms");
    free(md);
    fl_buf_cleanup(&b);
}

Test(pm, html_is_self_contained_with_tables_svg_and_print_css)
{
    struct fl_investigation inv;
    struct fl_whys w;
    struct fl_diag d;
    struct fl_pm_opts o = {.now_ms = FX_ONSET};
    fx_fraud(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    const char *e1 = "{\"op\":\"edit\",\"index\":3,\"text\":\"<script>alert(1)</script> pool "
                     "limits\"}";
    fl_diag_init(&d);
    cr_assert_eq(fl_whys_apply_edit(&w, e1, strlen(e1), "x", FX_ONSET, &A, &d), FL_OK);
    char *h = render(&inv, &w, &o, FL_PM_HTML);
    cr_expect_eq(strncmp(h, "<!DOCTYPE html>", 15), 0);
    cr_expect_not_null(strstr(h, "@media print"));
    cr_expect_not_null(strstr(h, "<table>"), "GFM tables rendered");
    cr_expect_not_null(strstr(h, "<th>Hypothesis</th>"));
    cr_expect_not_null(strstr(h, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    cr_expect_not_null(strstr(h, "baseline 120</text>"));
    cr_expect_not_null(strstr(h, "incident 480</text>"));
    cr_expect_not_null(strstr(h, "network fraud-service-&gt;feature-store"));
    const char *imp = strstr(h, "<h2>Impact</h2>");
    const char *fig = strstr(h, "<figure class=\"charts\">");
    cr_expect(imp && fig && fig > imp, "the charts follow the Impact heading");
    cr_expect_null(strstr(h, "<script"), "people's text cannot inject markup");
    cr_expect_null(strstr(h, "src=\"http"));
    cr_expect_null(strstr(h, "href=\"http"));
    cr_expect_null(strstr(h, "<link"));
    free(h);
}

Test(pm, fault_tree_hook_lists_the_evaluation)
{
    struct fl_investigation inv;
    const char *stored = "{\"schema_version\":1,\"fault_tree\":{\"tree\":\"latency-slo\","
                         "\"top\":\"fraud P99 over SLO\",\"top_holds\":true,\"holding_events\":"
                         "[\"edge latency share\",\"no circuit breaker\"],\"satisfied_cut_sets\":"
                         "[[\"edge latency share\",\"no circuit breaker\"]]}}";
    const char *ft = NULL;
    size_t ft_len = 0;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_pm_fault_tree_member(stored, strlen(stored), &A, &ft, &ft_len, &d), FL_OK);
    cr_assert_not_null(ft);
    struct fl_pm_opts o = {.now_ms = FX_ONSET, .fault_tree_json = ft, .fault_tree_len = ft_len};
    fx_fraud(&inv, &A);
    char *md = render(&inv, NULL, &o, FL_PM_MARKDOWN);
    cr_expect_not_null(strstr(md, "- **Top event:** fraud P99 over SLO (holds on the evidence)"));
    cr_expect_not_null(strstr(md, "- **Satisfied minimal cut sets:** {edge latency share, no "
                                  "circuit breaker}"),
                       "%s", md);
    free(md);
    json_t *j = render_json(&inv, NULL, &o);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "fault_tree"), "top")),
                     "fraud P99 over SLO");
    json_decref(j);
    /* The fault tree engine's own JSON (faultline.fta_live/1, src/report/live_tree.c). */
    const char *live = "{\"schema\":\"faultline.fta_live/1\",\"tree\":\"latency\",\"top\":"
                       "\"slo_breach\",\"top_value\":\"true\",\"events\":[{\"name\":\"slo_breach\","
                       "\"kind\":\"or\",\"value\":\"true\"},{\"name\":\"edge_share\",\"kind\":"
                       "\"basic\",\"value\":\"true\",\"evidence\":\"edge share 0.97\"},{\"name\":"
                       "\"deploy\",\"kind\":\"basic\",\"value\":\"false\",\"evidence\":null}],"
                       "\"cut_sets\":[{\"events\":[\"edge_share\"],\"satisfied\":true},"
                       "{\"events\":[\"deploy\"],\"satisfied\":false}]}";
    o.fault_tree_json = live;
    o.fault_tree_len = strlen(live);
    md = render(&inv, NULL, &o, FL_PM_MARKDOWN);
    cr_expect_not_null(strstr(md, "- **Top event:** slo\\_breach (on the evidence: true)"), "%s",
                       md);
    cr_expect_not_null(strstr(md, "- **Basic events that held:**\n  - edge\\_share: edge share "
                                  "0.97\n- **Satisfied minimal cut sets:** {edge\\_share}\n"));
    cr_expect_null(strstr(md, "deploy"), "events that did not hold are not listed");
    free(md);
    cr_assert_eq(fl_pm_fault_tree_member("{\"schema_version\":1}", 20, &A, &ft, &ft_len, &d),
                 FL_OK);
    cr_expect_null(ft);
}

Test(pm, unknown_format_is_an_error)
{
    struct fl_investigation inv;
    struct fl_buf b;
    struct fl_diag d;
    struct fl_pm_opts o = {0};
    fx_fraud(&inv, &A);
    fl_buf_init(&b, 1 << 20);
    fl_diag_init(&d);
    cr_expect_eq(fl_postmortem_render(&inv, NULL, &o, 9, &A, &b, &d), FL_EINVAL);
    cr_expect_eq(fl_pm_format_parse("html"), FL_PM_HTML);
    cr_expect_eq(fl_pm_format_parse("pdf"), 0);
    fl_buf_cleanup(&b);
}

Test(pm, generated_documents_are_blameless)
{
    void (*fx[])(struct fl_investigation *, struct fl_arena *) = {fx_fraud, fx_segments,
                                                                  fx_late_job, fx_kpi_drop};
    struct fl_config *cfg = fx_config(FX_TOPO);
    for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
        struct fl_investigation inv;
        struct fl_pm_opts o = {.cfg = cfg, .now_ms = FX_ONSET};
        struct fl_pm_lint l = {0};
        fx[i](&inv, &A);
        char *md = render(&inv, NULL, &o, FL_PM_MARKDOWN);
        cr_assert_eq(fl_postmortem_lint("pm", md, strlen(md), &A, &l), FL_OK);
        cr_expect_eq(l.n, 0, "fixture %zu: %s:%lu:%lu \"%s\"", i, l.n ? l.items[0].rule : "",
                     l.n ? l.items[0].line : 0, l.n ? l.items[0].column : 0,
                     l.n ? l.items[0].phrase : "");
        free(md);
    }
    fl_config_free(cfg);
}
