/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_whys.c: the 5 Whys derived from constructed incidents (src/report/whys.c), checked for
 * content: the links' levels and texts, the evidence each cites (step, index, text and numbers),
 * where the chain stops with an open question and what it asks; then people's edits (edit, add,
 * delete, confirm, replace) with their errors naming the field, and the JSON round trip.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "core/buf.h"
#include "fixtures.h"
#include "report/whys.h"

static struct fl_arena A;

static void setup(void)
{
    fl_arena_init(&A, 64 * 1024, (size_t)256 << 20);
}

static void teardown(void)
{
    fl_arena_cleanup(&A);
}

TestSuite(whys, .init = setup, .fini = teardown);

static void expect_cite(const struct fl_whys_link *l, size_t k, size_t step, size_t idx)
{
    cr_assert_gt(l->n_cites, k, "link has %zu citations", l->n_cites);
    cr_expect_eq(l->cites[k].kind, FL_WHYS_CITE_EVIDENCE);
    cr_expect_eq(l->cites[k].step, step, "citation %zu step %zu", k, l->cites[k].step);
    cr_expect_eq(l->cites[k].index, idx, "citation %zu index %zu", k, l->cites[k].index);
}

Test(whys, fraud_latency_network_chain_stops_at_the_change)
{
    struct fl_investigation inv;
    struct fl_whys w;
    fx_fraud(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET + 5 * FX_MIN, &A, &w), FL_OK);
    cr_assert_eq(w.n_links, 4, "links: %zu", w.n_links);
    /* 1: the symptom, citing verify_symptom's evidence with its numbers. */
    cr_expect_eq(w.links[0].level, FL_WHYS_SYMPTOM);
    cr_expect_not_null(strstr(w.links[0].text, "P99 of fraud-service 120 ms -> 480 ms"));
    expect_cite(&w.links[0], 0, 0, 0);
    cr_expect_eq(w.links[0].cites[0].baseline, 120);
    cr_expect_eq(w.links[0].cites[0].incident, 480);
    cr_expect_str_eq(w.links[0].cites[0].step_name, "verify_symptom");
    /* 2: the network edge, citing the trace key with its share of the change. */
    cr_expect_eq(w.links[1].level, FL_WHYS_COMPONENT);
    cr_expect_not_null(strstr(w.links[1].text, "network fraud-service->feature-store"));
    cr_expect_not_null(strstr(w.links[1].text, "8 ms -> 360 ms"));
    expect_cite(&w.links[1], 0, 2, 0);
    cr_expect_str_eq(w.links[1].cites[0].ev_kind, "trace_key");
    cr_expect_eq(w.links[1].cites[0].score, 0.97);
    /* 3: feature-store's own work refuted with numbers, so the time is on the call. */
    cr_expect_eq(w.links[2].level, FL_WHYS_UPSTREAM);
    cr_expect_eq(w.links[2].cites[0].kind, FL_WHYS_CITE_REFUTED);
    cr_expect_eq(w.links[2].cites[0].index, 1);
    cr_expect_not_null(strstr(w.links[2].text, "feature-store/get: P99 5 ms -> 5.2 ms"));
    cr_expect_not_null(strstr(w.links[2].text, "on the call fraud-service->feature-store"));
    /* 4: no change event on the path: an open question, not an answer. */
    cr_expect(w.links[3].open);
    cr_expect_null(w.links[3].text);
    cr_expect_eq(w.links[3].level, FL_WHYS_CHANGE);
    cr_expect_not_null(strstr(w.links[3].question, "What changed in network "
                                                   "fraud-service->feature-store"));
    cr_expect_not_null(strstr(w.links[3].question, "No change event on its path"));
    for (size_t i = 0; i < 3; i++) {
        cr_expect_eq(w.links[i].source, FL_WHYS_FROM_EVIDENCE);
        cr_expect_str_eq(w.links[i].edited_by, "faultline");
        cr_expect_not(w.links[i].confirmed);
    }
}

Test(whys, batch_segments_full_chain_to_the_missing_freshness_check)
{
    struct fl_investigation inv;
    struct fl_whys w;
    struct fl_config *cfg = fx_config(FX_TOPO "freshness:\n  - {component: nightly-etl, "
                                              "every: 24h}\n");
    fx_segments(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, cfg, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(w.n_links, 5, "links: %zu", w.n_links);
    for (size_t i = 0; i < 5; i++) {
        cr_expect_not(w.links[i].open, "link %zu is open", i);
        cr_expect_eq(w.links[i].level, (int)i + 1);
    }
    cr_expect_not_null(strstr(w.links[0].text, "median 0.01 -> 0.32"));
    /* stale input features, citing the freshness evidence with its share */
    cr_expect_not_null(strstr(w.links[1].text, "segment-model served stale input features"));
    expect_cite(&w.links[1], 0, 1, 0);
    cr_expect_eq(w.links[1].cites[0].score, 0.96);
    /* the pipeline: no successful run since the 3rd, two failed runs cited */
    cr_expect_not_null(strstr(w.links[2].text, "customer-features produced no successful run "
                                               "since 2026-11-03T12:00:00Z"),
                       "%s", w.links[2].text);
    cr_expect_not_null(strstr(w.links[2].text, "2 recorded runs failed, the first at "
                                               "2026-11-04T12:00:00Z"));
    cr_expect_eq(w.links[2].n_cites, 2);
    expect_cite(&w.links[2], 0, 2, 1);
    expect_cite(&w.links[2], 1, 2, 2);
    /* its failures raised no alert (the change_events step and the failures cited) */
    cr_expect_not_null(strstr(w.links[3].text, "customer-features raised no alert"));
    cr_expect_not_null(strstr(w.links[3].text, "although its runs failed"));
    cr_expect_eq(w.links[3].cites[0].kind, FL_WHYS_CITE_STEP);
    cr_expect_str_eq(w.links[3].cites[0].step_name, "change_events");
    /* no freshness check on that pipeline, from the configuration */
    cr_expect_not_null(strstr(w.links[4].text, "no freshness check is configured for "
                                               "customer-features"));
    cr_expect_eq(w.links[4].cites[0].kind, FL_WHYS_CITE_CONFIG);
    cr_expect_not_null(strstr(w.links[4].cites[0].text, "has no rule for component "
                                                        "customer-features"));
    fl_config_free(cfg);
}

Test(whys, batch_segments_with_a_freshness_rule_asks_instead_of_answering)
{
    struct fl_investigation inv;
    struct fl_whys w;
    struct fl_config *cfg = fx_config(FX_TOPO "freshness:\n  - {component: customer-features, "
                                              "every: 24h}\n");
    fx_segments(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, cfg, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(w.n_links, 5);
    cr_expect(w.links[4].open);
    cr_expect_not_null(strstr(w.links[4].question, "customer-features has a freshness rule "
                                                   "(every 1 d 0 h), yet no alert fired"),
                       "%s", w.links[4].question);
    fl_config_free(cfg);
}

Test(whys, without_config_nothing_is_derived_from_it)
{
    struct fl_investigation inv;
    struct fl_whys w;
    fx_segments(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(w.n_links, 5);
    cr_expect(w.links[4].open, "the systemic link needs the configuration");
    for (size_t i = 0; i < w.n_links; i++)
        for (size_t k = 0; k < w.links[i].n_cites; k++)
            cr_expect_neq(w.links[i].cites[k].kind, FL_WHYS_CITE_CONFIG);
}

Test(whys, stale_features_without_runs_ask_and_cite_the_unwatched_pipeline)
{
    struct fl_investigation inv;
    struct fl_whys w;
    struct fl_config *cfg = fx_config(FX_TOPO);
    fx_segments(&inv, &A);
    inv.steps[2].n_evidence = 0; /* no run events recorded */
    cr_assert_eq(fl_whys_build(&inv, cfg, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(w.n_links, 3);
    cr_expect(w.links[2].open);
    cr_expect_not_null(strstr(w.links[2].question, "Why were the inputs of segment-model stale?"));
    cr_expect_not_null(strstr(w.links[2].question, "(It depends on customer-features, which has "
                                                   "no freshness check configured.)"),
                       "%s", w.links[2].question);
    cr_assert_eq(w.links[2].n_cites, 1);
    cr_expect_eq(w.links[2].cites[0].kind, FL_WHYS_CITE_CONFIG);
    fl_config_free(cfg);
}

Test(whys, late_job_without_failed_runs_asks_why)
{
    struct fl_investigation inv;
    struct fl_whys w;
    fx_late_job(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(w.n_links, 3);
    cr_expect_not_null(strstr(w.links[1].text, "nightly-etl produced no successful run since "
                                               "2026-11-14T12:00:00Z"),
                       "%s", w.links[1].text);
    expect_cite(&w.links[1], 0, 1, 0);
    cr_expect(w.links[2].open);
    cr_expect_eq(w.links[2].level, FL_WHYS_UPSTREAM);
    cr_expect_not_null(strstr(w.links[2].question, "No failed run of it was recorded"));
}

Test(whys, kpi_drop_without_cause_stops_after_the_symptom_with_its_segment)
{
    struct fl_investigation inv;
    struct fl_whys w;
    fx_kpi_drop(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(w.n_links, 2);
    cr_expect_not_null(strstr(w.links[0].text, "concentrated in platform=android"));
    cr_expect_eq(w.links[0].n_cites, 2, "symptom + one segment (not total, not ios)");
    expect_cite(&w.links[0], 1, 1, 1);
    cr_expect(w.links[1].open);
    cr_expect_not_null(strstr(w.links[1].question, "Which component made kpi:ctr change?"));
}

Test(whys, no_evidence_at_all_is_one_open_question)
{
    struct fl_investigation inv;
    struct fl_whys w;
    fx_base(&inv, &A, "kpi:x", 1);
    fx_step(&inv, &A, 0, "verify_symptom", FL_INV_STEP_FAILED, "no data", NULL, 0);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(w.n_links, 1);
    cr_expect(w.links[0].open);
    cr_expect_eq(w.links[0].level, FL_WHYS_SYMPTOM);
}

Test(whys, change_event_before_onset_answers_the_change_level)
{
    struct fl_investigation inv;
    struct fl_whys w;
    fx_single(&inv, &A, "api", "service",
              fx_ev(FL_INV_EV_SERIES, "api", "cpu{service=\"api\"}", "cpu 0.3 -> 0.95", 0.3, 0.95,
                    9, FX_ONSET, true));
    /* A third step: the change events, with a deploy on api 10 min before the onset. */
    struct fl_inv_step *st = fx_alloc(&A, 3, sizeof *st);
    memcpy(st, inv.steps, 2 * sizeof *st);
    inv.steps = st;
    inv.n_steps = 3;
    struct fl_inv_evidence c[] = {
        fx_ev(FL_INV_EV_EVENT, "checkout", "dep-0",
              "deploy on checkout 2026-11-16T11:40:00Z (not on the symptom's path): score 0.05",
              NAN, NAN, 0.05, FX_ONSET - 20 * FX_MIN, false),
        fx_ev(FL_INV_EV_EVENT, "api", "dep-1",
              "deploy on api 2026-11-16T11:50:00Z (the symptom's component): v2.3: score 0.61", NAN,
              NAN, 0.61, FX_ONSET - 10 * FX_MIN, true)};
    fx_step(&inv, &A, 2, "change_events", FL_INV_STEP_FOUND, "2 change events", c, 2);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(w.n_links, 4);
    cr_expect_not_null(strstr(w.links[1].text, "api changed first: cpu 0.3 -> 0.95"));
    /* No upstream level for a service's own metrics: the chain goes on to the change. */
    cr_expect_eq(w.links[2].level, FL_WHYS_CHANGE, "level %d", w.links[2].level);
    cr_expect_not_null(strstr(w.links[2].text, "a deploy on api 10 min before the onset"), "%s",
                       w.links[2].text);
    expect_cite(&w.links[2], 0, 2, 1);
    cr_expect(w.links[3].open);
    cr_expect_eq(w.links[3].level, FL_WHYS_SYSTEMIC);
}

Test(whys, a_change_event_as_the_cause_is_not_repeated)
{
    struct fl_investigation inv;
    struct fl_whys w;
    fx_single(&inv, &A, "api", "service",
              fx_ev(FL_INV_EV_EVENT, "api", "dep-1",
                    "deploy on api 2026-11-16T11:50:00Z (the symptom's component): v2.3: score "
                    "0.61",
                    NAN, NAN, 0.61, FX_ONSET - 10 * FX_MIN, true));
    inv.steps[1].name = "change_events";
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(w.n_links, 3);
    cr_expect_not_null(strstr(w.links[1].text, "api changed before the onset: deploy on api"));
    cr_expect(w.links[2].open);
    cr_expect_not_null(strstr(w.links[2].question, "Why did the change to api reach all of its "
                                                   "traffic without a canary"));
}

/* ---- edits ---- */

static fl_err edit(struct fl_whys *w, const char *body, struct fl_diag *d)
{
    fl_diag_init(d);
    return fl_whys_apply_edit(w, body, strlen(body), "alice", FX_ONSET + FX_DAY, &A, d);
}

Test(whys, edits_answer_add_confirm_delete)
{
    struct fl_investigation inv;
    struct fl_whys w;
    struct fl_diag d;
    fx_fraud(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(edit(&w,
                      "{\"op\":\"edit\",\"index\":3,\"text\":\"a network policy change "
                      "halved the connection pool\",\"by\":\"bob\"}",
                      &d),
                 FL_OK, "%s", d.msg);
    cr_expect_not(w.links[3].open);
    cr_expect_null(w.links[3].question);
    cr_expect_eq(w.links[3].source, FL_WHYS_FROM_PERSON);
    cr_expect_str_eq(w.links[3].edited_by, "bob");
    cr_expect_eq(w.links[3].edited_ms, FX_ONSET + FX_DAY);
    cr_assert_eq(edit(&w,
                      "{\"op\":\"add\",\"question\":\"Why was the pool size not "
                      "checked?\",\"level\":\"systemic\"}",
                      &d),
                 FL_OK, "%s", d.msg);
    cr_assert_eq(w.n_links, 5);
    cr_expect(w.links[4].open);
    cr_expect_eq(w.links[4].level, FL_WHYS_SYSTEMIC);
    cr_expect_str_eq(w.links[4].edited_by, "alice", "the default editor");
    cr_assert_eq(edit(&w, "{\"op\":\"confirm\",\"index\":1}", &d), FL_OK);
    cr_expect(w.links[1].confirmed);
    cr_expect_str_eq(w.links[1].confirmed_by, "alice");
    cr_expect_eq(w.links[1].source, FL_WHYS_FROM_EVIDENCE, "confirming keeps the source");
    cr_assert_eq(edit(&w,
                      "{\"op\":\"add\",\"index\":0,\"text\":\"customers saw declined "
                      "payments\",\"level\":\"symptom\"}",
                      &d),
                 FL_OK);
    cr_expect_eq(w.n_links, 6);
    cr_expect_str_eq(w.links[0].text, "customers saw declined payments");
    cr_expect(w.links[2].confirmed, "the confirmed link moved down by one");
    cr_assert_eq(edit(&w, "{\"op\":\"delete\",\"index\":0}", &d), FL_OK);
    cr_expect_eq(w.n_links, 5);
    cr_expect_not_null(strstr(w.links[0].text, "P99 of fraud-service"));
    /* A new answer to a confirmed link needs confirming again. */
    cr_assert_eq(edit(&w,
                      "{\"op\":\"edit\",\"index\":1,\"text\":\"calls to feature-store "
                      "waited for connections\"}",
                      &d),
                 FL_OK);
    cr_expect_not(w.links[1].confirmed);
}

Test(whys, edit_errors_name_the_field_and_leave_the_chain_unchanged)
{
    struct fl_investigation inv;
    struct fl_whys w;
    struct fl_diag d;
    fx_fraud(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    struct {
        const char *body;
        fl_err e;
        const char *field;
    } cases[] = {
        {"not json", FL_EPARSE, "body"},
        {"[1]", FL_EINVAL, "body"},
        {"{\"index\":1}", FL_EINVAL, "op"},
        {"{\"op\":\"frobnicate\",\"index\":1}", FL_EINVAL, "op"},
        {"{\"op\":\"edit\",\"index\":9,\"text\":\"x\"}", FL_EINVAL, "index"},
        {"{\"op\":\"edit\",\"index\":-1,\"text\":\"x\"}", FL_EINVAL, "index"},
        {"{\"op\":\"edit\",\"index\":\"1\",\"text\":\"x\"}", FL_EINVAL, "index"},
        {"{\"op\":\"edit\",\"index\":1,\"text\":42}", FL_EPARSE, "text"},
        {"{\"op\":\"edit\",\"index\":1,\"text\":\"  \"}", FL_EINVAL, "text"},
        {"{\"op\":\"edit\",\"index\":1,\"txet\":\"x\"}", FL_EINVAL, "txet"},
        {"{\"op\":\"confirm\",\"index\":3}", FL_EINVAL, "index"},
        {"{\"op\":\"confirm\"}", FL_EINVAL, "index"},
        {"{\"op\":\"add\"}", FL_EINVAL, "text"},
        {"{\"op\":\"add\",\"text\":\"x\",\"level\":\"sideways\"}", FL_EINVAL, "level"},
        {"{\"op\":\"replace\"}", FL_EINVAL, "links"},
        {"{\"op\":\"replace\",\"links\":[{\"level\":\"symptom\"}]}", FL_EINVAL, "links[0].text"},
        {"{\"op\":\"replace\",\"links\":[3]}", FL_EINVAL, "links[0]"},
        {"{\"op\":\"edit\",\"index\":1,\"text\":\"x\",\"revision\":7}", FL_ECONFLICT, ""},
        {"{\"op\":\"edit\",\"op\":\"add\"}", FL_EPARSE, "body"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_err e = edit(&w, cases[i].body, &d);
        cr_expect_eq(e, cases[i].e, "%s: %s, want %s (%s)", cases[i].body, fl_err_name(e),
                     fl_err_name(cases[i].e), d.msg);
        cr_expect_str_eq(d.field, cases[i].field, "%s: field \"%s\"", cases[i].body, d.field);
        cr_expect_eq(w.n_links, 4);
        cr_expect(w.links[3].open);
        cr_expect_not(w.links[1].confirmed);
    }
}

Test(whys, replace_keeps_derived_links_that_are_unchanged)
{
    struct fl_investigation inv;
    struct fl_whys w;
    struct fl_diag d;
    struct fl_buf b;
    fx_fraud(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    fl_buf_init(&b, 1 << 20);
    fl_buf_puts(&b, "{\"op\":\"replace\",\"by\":\"carol\",\"links\":[{\"text\":");
    fl_buf_put_json_str(&b, w.links[1].text, strlen(w.links[1].text));
    fl_buf_puts(&b, ",\"confirmed\":true},{\"text\":\"the pool was too small\"}]}");
    cr_assert_eq(edit(&w, b.data, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(w.n_links, 2);
    cr_expect_eq(w.links[0].source, FL_WHYS_FROM_EVIDENCE);
    cr_expect_eq(w.links[0].level, FL_WHYS_COMPONENT);
    cr_expect_eq(w.links[0].n_cites, 1, "citations kept");
    cr_expect_eq(w.links[0].cites[0].step, 2);
    cr_expect(w.links[0].confirmed);
    cr_expect_str_eq(w.links[0].confirmed_by, "carol");
    cr_expect_eq(w.links[1].source, FL_WHYS_FROM_PERSON);
    cr_expect_eq(w.links[1].n_cites, 0);
    cr_expect_eq(w.links[1].level, FL_WHYS_OTHER);
    fl_buf_cleanup(&b);
}

Test(whys, json_round_trip_and_markdown_marks)
{
    struct fl_investigation inv;
    struct fl_whys w, back;
    struct fl_diag d;
    struct fl_buf j1, j2, m;
    fx_fraud(&inv, &A);
    cr_assert_eq(fl_whys_build(&inv, NULL, FX_ONSET, &A, &w), FL_OK);
    cr_assert_eq(edit(&w, "{\"op\":\"confirm\",\"index\":0,\"by\":\"dana\"}", &d), FL_OK);
    w.revision = 3;
    fl_buf_init(&j1, 1 << 20);
    fl_buf_init(&j2, 1 << 20);
    fl_buf_init(&m, 1 << 20);
    fl_whys_json(&w, &j1);
    cr_assert_eq(fl_buf_err(&j1), FL_OK);
    json_error_t err;
    json_t *root = json_loadb(j1.data, j1.len, JSON_REJECT_DUPLICATES, &err);
    cr_assert_not_null(root, "%s", err.text);
    cr_expect_eq(json_integer_value(json_object_get(root, "whys_version")), 1);
    json_t *l1 = json_array_get(json_object_get(root, "links"), 1);
    json_t *c0 = json_array_get(json_object_get(l1, "citations"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(c0, "step_name")), "trace_evidence");
    cr_expect_eq(json_integer_value(json_object_get(c0, "step")), 2);
    cr_expect_eq(json_number_value(json_object_get(c0, "incident")), 360);
    json_decref(root);
    fl_diag_init(&d);
    cr_assert_eq(fl_whys_from_json(j1.data, j1.len, &A, &back, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(back.revision, 3);
    fl_whys_json(&back, &j2);
    cr_expect_str_eq(j2.data, j1.data);
    fl_whys_markdown(&w, &m);
    cr_expect_not_null(strstr(m.data, "**[confirmed by dana]**"));
    cr_expect_not_null(strstr(m.data, "4. **OPEN QUESTION** (change): "));
    cr_expect_not_null(strstr(m.data, "_(for a person to answer)_"));
    cr_expect_not_null(strstr(m.data, "step trace\\_evidence evidence 0 (trace\\_key)"));
    fl_buf_cleanup(&j1);
    fl_buf_cleanup(&j2);
    fl_buf_cleanup(&m);
}

Test(whys, reader_rejects_bad_documents_naming_the_field)
{
    struct fl_whys w;
    struct fl_diag d;
    struct {
        const char *doc;
        fl_err e;
        const char *field;
    } cases[] = {
        {"{\"whys_version\":2,\"links\":[]}", FL_EUNSUPPORTED, ""},
        {"{\"links\":[]}", FL_EPARSE, "whys_version"},
        {"{\"whys_version\":1,\"links\":{}}", FL_EPARSE, "links"},
        {"{\"whys_version\":1,\"links\":[{\"open\":true,\"text\":\"x\"}]}", FL_EPARSE,
         "links[0].text"},
        {"{\"whys_version\":1,\"links\":[{\"text\":\"x\",\"citations\":[{\"kind\":\"gossip\"}]}]}",
         FL_EPARSE, "links[0].citations[0].kind"},
        {"{\"whys_version\":1,\"links\":[{\"text\":\"x\",\"level\":7}]}", FL_EPARSE,
         "links[0].level"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_diag_init(&d);
        fl_err e = fl_whys_from_json(cases[i].doc, strlen(cases[i].doc), &A, &w, &d);
        cr_expect_eq(e, cases[i].e, "%s: %s", cases[i].doc, fl_err_name(e));
        cr_expect_str_eq(d.field, cases[i].field, "%s: field %s", cases[i].doc, d.field);
    }
}
