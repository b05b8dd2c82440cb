// SPDX-License-Identifier: Apache-2.0
/*
 * test_live.c: live fault trees (src/fta/live.h) on constructed investigations whose evidence is
 * known: the check grammar and its errors, each check kind TRUE / FALSE / UNKNOWN, evaluation of
 * gates and satisfied cut sets, the default trees of the three incidents (fraud latency: the
 * network edge; stale segments: the late pipeline; a broken metric), and the SVG diagrams.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/record.h"
#include "fta/fta.h"
#include "fta/live.h"
#include "rca/investigate.h"
#include "report/diagram.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define ONSET 1764081000000LL

/* ---- a constructed investigation: the fraud latency incident ---- */

static struct fl_inv_evidence ev_verify[] = {
    {.kind = FL_INV_EV_SERIES, .component = "fraud-service", .ref = "latency:fraud-service@P99",
     .text = "symptom changed", .supports = true, .ts_ms = ONSET},
};
static struct fl_inv_evidence ev_trace[] = {
    {.kind = FL_INV_EV_TRACE_KEY, .component = "network fraud-service->feature-store",
     .ref = "edge:fraud-service->feature-store", .text = "edge share 101%", .score = 1.006,
     .supports = true},
    {.kind = FL_INV_EV_TRACE_KEY, .component = "model-server", .ref = "op:model-server/predict",
     .text = "model-server unchanged", .score = -0.005, .supports = false},
};
static struct fl_inv_evidence ev_events[] = {
    {.kind = FL_INV_EV_EVENT, .component = "network fraud-service->feature-store",
     .ref = "ev-netpol", .text = "infrastructure on network ...", .ts_ms = ONSET - 45000,
     .supports = true},
    {.kind = FL_INV_EV_EVENT, .component = "transaction-api", .ref = "ev-deploy",
     .text = "deploy on transaction-api ...", .ts_ms = ONSET - 1200000, .supports = false},
    {.kind = FL_INV_EV_EVENT, .component = "fraud-service", .ref = "am_0123456789abcdef",
     .text = "alert on fraud-service 120 s after the onset (its signals changed) status firing: "
             "FraudP99High: score 0.09",
     .ts_ms = ONSET + 120000, .supports = false},
};
static struct fl_inv_evidence ev_ml[] = {
    {.kind = FL_INV_EV_DRIFT, .component = "model-server", .ref = "fraud/v7/amount",
     .text = "amount drifted", .score = 0.4, .supports = true},
    {.kind = FL_INV_EV_FRESHNESS, .component = "segment-pipeline", .ref = "segment-pipeline",
     .text = "no successful run since the 3rd", .supports = true},
};

static void fraud_inv(struct fl_investigation *inv, struct fl_inv_step *steps)
{
    memset(inv, 0, sizeof *inv);
    steps[0] = (struct fl_inv_step){"verify_symptom", FL_INV_STEP_FOUND, "the symptom changed",
                                    ev_verify, N_OF(ev_verify), 0};
    steps[1] = (struct fl_inv_step){"localize_segments", FL_INV_STEP_SKIPPED, "no segments", NULL,
                                    0, 0};
    steps[2] = (struct fl_inv_step){"rank_metrics", FL_INV_STEP_NOTHING, "no series", NULL, 0, 0};
    steps[3] = (struct fl_inv_step){"ml_evidence", FL_INV_STEP_FOUND, "drift", ev_ml,
                                    N_OF(ev_ml), 0};
    steps[4] = (struct fl_inv_step){"trace_evidence", FL_INV_STEP_FOUND, "1 key", ev_trace,
                                    N_OF(ev_trace), 0};
    steps[5] = (struct fl_inv_step){"change_events", FL_INV_STEP_FOUND, "1 event", ev_events,
                                    N_OF(ev_events), 0};
    inv->steps = steps;
    inv->n_steps = 6;
    inv->onset_ms = ONSET;
    inv->verdict = FL_INV_CAUSES;
    inv->req.kind = FL_INV_LATENCY;
}

static struct fl_fta_check parse_ok(const char *s)
{
    struct fl_fta_check c;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_check_parse(s, &c, &d), FL_OK, "%s: %s", s, d.msg);
    return c;
}

Test(fta_live, check_grammar_round_trips)
{
    static const char *const ok[] = {
        "symptom",
        "broken_metric",
        "segment_localized",
        "component_changed feature-store",
        "component_changed *",
        "edge_share a->b >= 0.3",
        "drift",
        "drift fraud/amount",
        "validation fraud",
        "late_batch segment-pipeline",
        "model_change fraud",
        "change_event feature-store schema within 30m",
        "change_event * deploy",
        "drift fraud >= 0.25",
        "alert",
        "alert fraud-service",
    };
    for (size_t i = 0; i < N_OF(ok); i++) {
        struct fl_fta_check c = parse_ok(ok[i]);
        struct fl_buf b;
        fl_buf_init(&b, 4096);
        fl_fta_check_format(&c, &b);
        struct fl_fta_check c2 = parse_ok(b.data);
        cr_expect_eq(c2.kind, c.kind, "%s", ok[i]);
        cr_expect((c.target == NULL) == (c2.target == NULL) &&
                      (!c.target || !strcmp(c.target, c2.target)),
                  "%s -> %s", ok[i], b.data);
        cr_expect_eq(c2.threshold, c.threshold, "%s", ok[i]);
        cr_expect_eq(c2.within_ms, c.within_ms, "%s", ok[i]);
        fl_fta_check_cleanup(&c);
        fl_fta_check_cleanup(&c2);
        fl_buf_cleanup(&b);
    }
    struct fl_fta_check c = parse_ok("edge_share x->y");
    cr_expect_float_eq(c.threshold, 0.5, 1e-12);
    fl_fta_check_cleanup(&c);
    c = parse_ok("change_event * * within 2h");
    cr_expect_null(c.target);
    cr_expect_null(c.event_kind);
    cr_expect_eq(c.within_ms, 2 * 3600000);
    fl_fta_check_cleanup(&c);
}

Test(fta_live, check_errors_name_the_column)
{
    static const struct {
        const char *text;
        unsigned long col;
        const char *msg;
    } bad[] = {
        {"", 1, "empty"},
        {"dirft x", 1, "unknown kind"},
        {"component_changed", 18, "needs a component"},
        {"edge_share ab", 12, "CALLER->CALLEE"},
        {"edge_share a->b > 0.3", 17, ">= SHARE"},
        {"edge_share a->b >= 2", 20, "from 0 to 1"},
        {"change_event x deploy within soon", 30, "duration"},
        {"symptom now", 9, "unexpected"},
    };
    for (size_t i = 0; i < N_OF(bad); i++) {
        struct fl_fta_check c;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_fta_check_parse(bad[i].text, &c, &d), FL_EINVAL, "%s", bad[i].text);
        cr_expect_eq(d.column, bad[i].col, "%s: column %lu (%s)", bad[i].text,
                     (unsigned long)d.column, d.msg);
        cr_expect(strstr(d.msg, bad[i].msg) != NULL, "%s: %s", bad[i].text, d.msg);
    }
}

/* A small tree: top = OR(AND(net, symptom), AND(drift, stale)), each bound. */
static struct fl_fta_tree *small_tree(struct fl_fta_bindings *b, const char *const *checks)
{
    struct fl_fta_tree *t;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_new("t", &t), FL_OK);
    size_t g;
    cr_assert_eq(fl_fta_add_gate(t, "top", FL_FTA_OR, 0, &g, &d), FL_OK);
    cr_assert_eq(fl_fta_gate_arg(t, g, "g1"), FL_OK);
    cr_assert_eq(fl_fta_gate_arg(t, g, "g2"), FL_OK);
    cr_assert_eq(fl_fta_add_gate(t, "g1", FL_FTA_AND, 0, &g, &d), FL_OK);
    cr_assert_eq(fl_fta_gate_arg(t, g, "net"), FL_OK);
    cr_assert_eq(fl_fta_gate_arg(t, g, "sym"), FL_OK);
    cr_assert_eq(fl_fta_add_gate(t, "g2", FL_FTA_AND, 0, &g, &d), FL_OK);
    cr_assert_eq(fl_fta_gate_arg(t, g, "drift"), FL_OK);
    cr_assert_eq(fl_fta_gate_arg(t, g, "stale"), FL_OK);
    const char *names[] = {"net", "sym", "drift", "stale"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(fl_fta_add_basic(t, names[i], 0.1, NULL, &d), FL_OK);
    cr_assert_eq(fl_fta_set_top(t, "top"), FL_OK);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_OK, "%s", d.msg);
    fl_fta_bindings_init(b);
    for (size_t i = 0; i < 4; i++)
        if (checks[i])
            cr_assert_eq(fl_fta_bind(b, t, names[i], checks[i], &d), FL_OK, "%s", d.msg);
    return t;
}

static int value_of(const struct fl_fta_tree *t, const struct fl_fta_live *l, const char *name)
{
    size_t i;
    cr_assert(fl_fta_find(t, name, &i), "%s", name);
    return l->values[i];
}

Test(fta_live, evaluation_on_evidence)
{
    struct fl_investigation inv;
    struct fl_inv_step steps[6];
    fraud_inv(&inv, steps);
    const char *checks[] = {"edge_share fraud-service->feature-store", "symptom", "drift fraud",
                            "late_batch other-job"};
    struct fl_fta_bindings b;
    struct fl_fta_tree *t = small_tree(&b, checks);
    struct fl_fta_live *l;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(value_of(t, l, "net"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "sym"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "drift"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "stale"), FL_FTA_UNKNOWN); /* no freshness for that job */
    cr_expect_eq(value_of(t, l, "g1"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "g2"), FL_FTA_UNKNOWN);
    cr_expect_eq(value_of(t, l, "top"), FL_FTA_TRUE);
    cr_expect_eq(l->n_bound, 4);
    cr_expect_eq(l->n_true, 3);
    cr_expect_eq(l->n_unknown, 1);
    size_t net;
    cr_assert(fl_fta_find(t, "net", &net));
    cr_expect_str_eq(l->why[net], "edge share 101%");
    /* the two minimal cut sets {net, sym} and {drift, stale}: only the first is satisfied */
    cr_assert_eq(l->analysis->n_listed, 2);
    cr_expect_eq(l->n_satisfied, 1);
    for (size_t i = 0; i < l->analysis->n_listed; i++) {
        const struct fl_fta_cut_set *cs = &l->analysis->cut_sets[i];
        bool has_net = false;
        for (size_t k = 0; k < cs->n; k++)
            has_net |= cs->events[k] == net;
        cr_expect_eq(l->satisfied[i], has_net);
    }
    fl_fta_live_free(l);
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);
}

Test(fta_live, each_check_true_false_unknown)
{
    struct fl_investigation inv;
    struct fl_inv_step steps[6];
    fraud_inv(&inv, steps);
    static const struct {
        const char *check;
        int want;
    } cases[] = {
        {"symptom", FL_FTA_TRUE},
        {"broken_metric", FL_FTA_FALSE},
        {"segment_localized", FL_FTA_UNKNOWN}, /* the step was skipped */
        {"component_changed network fraud-service->feature-store", FL_FTA_TRUE}, /* a trace key */
        {"component_changed model-server", FL_FTA_FALSE},
        {"component_changed *", FL_FTA_TRUE},
        {"edge_share fraud-service->feature-store >= 0.9", FL_FTA_TRUE},
        {"edge_share fraud-service->model-server", FL_FTA_FALSE},
        {"drift fraud/amount", FL_FTA_TRUE},
        {"drift fraud/age", FL_FTA_FALSE},
        {"drift other", FL_FTA_FALSE},
        {"validation", FL_FTA_FALSE},
        {"late_batch segment-pipeline", FL_FTA_TRUE},
        {"late_batch nightly", FL_FTA_UNKNOWN},
        {"model_change fraud", FL_FTA_FALSE},
        {"change_event * infrastructure within 5m", FL_FTA_TRUE},
        {"change_event transaction-api deploy within 10m", FL_FTA_FALSE}, /* 20 min before */
        {"change_event transaction-api deploy within 30m", FL_FTA_TRUE},
        {"change_event * schema", FL_FTA_FALSE},
        {"drift fraud/amount >= 0.3", FL_FTA_TRUE}, /* its score is 0.4 */
        {"drift fraud/amount >= 0.5", FL_FTA_FALSE},
        {"alert fraud-service", FL_FTA_TRUE},
        {"alert *", FL_FTA_TRUE},
        {"alert fraud-model-server", FL_FTA_FALSE},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct fl_fta_tree *t;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_fta_tree_new("t", &t), FL_OK);
        size_t g;
        cr_assert_eq(fl_fta_add_gate(t, "top", FL_FTA_OR, 0, &g, &d), FL_OK);
        cr_assert_eq(fl_fta_gate_arg(t, g, "e"), FL_OK);
        cr_assert_eq(fl_fta_add_basic(t, "e", 0.1, NULL, &d), FL_OK);
        cr_assert_eq(fl_fta_tree_check(t, &d), FL_OK, "%s", d.msg);
        struct fl_fta_bindings b;
        fl_fta_bindings_init(&b);
        cr_assert_eq(fl_fta_bind(&b, t, "e", cases[i].check, &d), FL_OK, "%s", d.msg);
        struct fl_fta_live *l;
        cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, &d), FL_OK, "%s", d.msg);
        cr_expect_eq(value_of(t, l, "e"), cases[i].want, "%s: got %d", cases[i].check,
                     value_of(t, l, "e"));
        fl_fta_live_free(l);
        fl_fta_bindings_cleanup(&b);
        fl_fta_tree_free(t);
    }
    /* the symptom check follows the verdict */
    inv.verdict = FL_INV_BROKEN_METRIC;
    struct fl_fta_bindings b;
    const char *c2[] = {"broken_metric", "symptom", NULL, NULL};
    struct fl_fta_tree *t = small_tree(&b, c2);
    struct fl_fta_live *l;
    cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, NULL), FL_OK);
    cr_expect_eq(value_of(t, l, "net"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "sym"), FL_FTA_UNKNOWN);
    fl_fta_live_free(l);
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);
}

Test(fta_live, binding_errors)
{
    const char *none[] = {NULL, NULL, NULL, NULL};
    struct fl_fta_bindings b;
    struct fl_fta_tree *t = small_tree(&b, none);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_fta_bind(&b, t, "nope", "symptom", &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "no event") != NULL, "%s", d.msg);
    fl_diag_init(&d);
    cr_expect_eq(fl_fta_bind(&b, t, "g1", "symptom", &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "not a basic event") != NULL, "%s", d.msg);
    cr_expect_eq(fl_fta_bind(&b, t, "net", "symptom", &d), FL_OK);
    fl_diag_init(&d);
    cr_expect_eq(fl_fta_bind(&b, t, "net", "symptom", &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "twice") != NULL, "%s", d.msg);
    cr_expect_eq(fl_fta_bind(&b, t, "sym", "symptoms", &d), FL_EINVAL);
    cr_expect_eq(b.n, 1);
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);
}

/* ---- default trees ---- */

static const char *topo =
    "topology:\n"
    "  components:\n"
    "    - {name: fraud-service, kind: service, depends_on: [feature-store, model-server]}\n"
    "    - {name: feature-store, kind: feature_store}\n"
    "    - {name: model-server, kind: model_server}\n"
    "    - {name: segment-pipeline, kind: batch_job}\n"
    "    - {name: node-1, kind: node}\n"
    "models:\n"
    "  - {name: fraud, component: model-server}\n"
    "freshness:\n"
    "  - {component: segment-pipeline, every: 24h, grace: 2h}\n";

static struct fl_config *config(void)
{
    struct fl_config *cfg;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_config_parse(topo, strlen(topo), "t.yml", &cfg, &d), FL_OK, "%s", d.msg);
    return cfg;
}

Test(fta_live, default_tree_explains_the_fraud_latency_incident)
{
    struct fl_investigation inv;
    struct fl_inv_step steps[6];
    fraud_inv(&inv, steps);
    ev_ml[1].supports = false; /* the pipeline is fine in this incident */
    struct fl_config *cfg = config();
    struct fl_fta_tree *t;
    struct fl_fta_bindings b;
    fl_fta_bindings_init(&b);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_default_tree(cfg, &inv, &t, &b, &d), FL_OK, "%s", d.msg);
    cr_expect_str_eq(t->events[t->top].label, "latency SLO breach on a model-serving path");
    /* every branch present, each basic event bound */
    static const char *const branches[] = {"measurement", "data", "feature_pipeline", "model",
                                           "serving", "infrastructure_network", "business_logic"};
    for (size_t i = 0; i < N_OF(branches); i++) {
        size_t k;
        cr_expect(fl_fta_find(t, branches[i], &k), "branch %s", branches[i]);
    }
    size_t n_basic = 0;
    for (size_t i = 0; i < t->n_events; i++)
        n_basic += t->events[i].kind == FL_FTA_BASIC;
    cr_expect_eq(b.n, n_basic, "every basic event is bound");
    size_t k;
    cr_expect(fl_fta_find(t, "network:fraud-service->feature-store", &k), "edge from topology");
    cr_expect(fl_fta_find(t, "late:segment-pipeline", &k));
    cr_expect(fl_fta_find(t, "drift:fraud", &k));
    cr_expect(fl_fta_find(t, "changed:model-server", &k));
    struct fl_fta_live *l;
    cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(value_of(t, l, "incident"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "network:fraud-service->feature-store"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "infrastructure_network"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "changed:model-server"), FL_FTA_FALSE);
    cr_expect_eq(value_of(t, l, "late:segment-pipeline"), FL_FTA_FALSE);
    cr_expect_eq(value_of(t, l, "metric_broken"), FL_FTA_FALSE);
    cr_expect_eq(value_of(t, l, "measurement"), FL_FTA_FALSE);
    /* the satisfied minimal cut sets include {network edge, symptom observed} */
    size_t net, sym;
    cr_assert(fl_fta_find(t, "network:fraud-service->feature-store", &net));
    cr_assert(fl_fta_find(t, "symptom_observed", &sym));
    bool found = false;
    for (size_t i = 0; i < l->analysis->n_listed; i++) {
        const struct fl_fta_cut_set *cs = &l->analysis->cut_sets[i];
        if (cs->n == 2 && ((cs->events[0] == net && cs->events[1] == sym) ||
                           (cs->events[0] == sym && cs->events[1] == net)))
            found = l->satisfied[i];
    }
    cr_expect(found, "the cut set {network edge, symptom observed} is satisfied");
    /* the diagram highlights it */
    struct fl_buf svg;
    fl_buf_init(&svg, 8 << 20);
    cr_assert_eq(fl_diagram_fault_tree(t, l->values, &svg, &d), FL_OK, "%s", d.msg);
    cr_expect(strncmp(svg.data, "<svg ", 5) == 0);
    cr_expect(strstr(svg.data, "<title>network:fraud-service-&gt;feature-store: the call "
                               "fraud-service -&gt; feature-store got slow (network) (p = 0.01) "
                               "[true]</title>") != NULL,
              "the edge event is drawn, escaped and marked true");
    cr_expect(strstr(svg.data, "stroke=\"#c0392b\"") != NULL, "true events in red");
    cr_expect(strstr(svg.data, "red = true") != NULL, "legend");
    fl_buf_cleanup(&svg);
    fl_fta_live_free(l);
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);
    fl_config_free(cfg);
    ev_ml[1].supports = true;
}

Test(fta_live, default_tree_for_stale_segments_and_without_topology)
{
    struct fl_investigation inv;
    struct fl_inv_step steps[6];
    fraud_inv(&inv, steps);
    inv.req.kind = FL_INV_KPI;
    steps[4].n_evidence = 0; /* no traces */
    steps[4].status = FL_INV_STEP_SKIPPED;
    struct fl_config *cfg = config();
    struct fl_fta_tree *t;
    struct fl_fta_bindings b;
    fl_fta_bindings_init(&b);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_default_tree(cfg, &inv, &t, &b, &d), FL_OK, "%s", d.msg);
    cr_expect_str_eq(t->events[t->top].label, "silently wrong output of a batch model");
    struct fl_fta_live *l;
    cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(value_of(t, l, "late:segment-pipeline"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "feature_pipeline"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "incident"), FL_FTA_TRUE);
    fl_fta_live_free(l);
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);
    fl_config_free(cfg);

    /* no configuration at all: generic events, still a valid, fully bound tree */
    ev_ml[1].kind = FL_INV_EV_DRIFT; /* hide the freshness row: a KPI drop */
    cr_assert_eq(fl_fta_default_tree(NULL, &inv, &t, &b, &d), FL_OK, "%s", d.msg);
    cr_expect_str_eq(t->events[t->top].label, "KPI drop in an ML-served product");
    size_t k;
    cr_expect(fl_fta_find(t, "drift:any", &k));
    cr_expect(fl_fta_find(t, "config_change", &k));
    cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(value_of(t, l, "drift:any"), FL_FTA_TRUE);
    fl_fta_live_free(l);
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);
    ev_ml[1].kind = FL_INV_EV_FRESHNESS;
}

Test(fta_live, broken_metric_is_the_measurement_branch)
{
    struct fl_investigation inv;
    struct fl_inv_step steps[6];
    fraud_inv(&inv, steps);
    inv.verdict = FL_INV_BROKEN_METRIC;
    struct fl_fta_tree *t;
    struct fl_fta_bindings b;
    fl_fta_bindings_init(&b);
    cr_assert_eq(fl_fta_default_tree(NULL, &inv, &t, &b, NULL), FL_OK);
    struct fl_fta_live *l;
    cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, NULL), FL_OK);
    cr_expect_eq(value_of(t, l, "measurement"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "symptom_observed"), FL_FTA_UNKNOWN);
    cr_expect_eq(value_of(t, l, "incident"), FL_FTA_TRUE);
    fl_fta_live_free(l);
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);
}

/* ---- diagrams ---- */

Test(fta_live, gate_symbols_and_escaping)
{
    struct fl_fta_tree *t;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_new("a <tree> & more", &t), FL_OK);
    static const enum fl_fta_gate_type types[] = {FL_FTA_AND, FL_FTA_OR, FL_FTA_XOR,
                                                  FL_FTA_NOT, FL_FTA_INHIBIT, FL_FTA_NOR};
    size_t top;
    cr_assert_eq(fl_fta_add_gate(t, "top", FL_FTA_ATLEAST, 2, &top, &d), FL_OK);
    for (size_t i = 0; i < N_OF(types); i++) {
        char g[16], e1[16], e2[16];
        snprintf(g, sizeof g, "g%zu", i);
        snprintf(e1, sizeof e1, "a%zu", i);
        snprintf(e2, sizeof e2, "b%zu", i);
        size_t gi;
        cr_assert_eq(fl_fta_gate_arg(t, top, g), FL_OK);
        cr_assert_eq(fl_fta_add_gate(t, g, types[i], 0, &gi, &d), FL_OK);
        cr_assert_eq(fl_fta_gate_arg(t, gi, e1), FL_OK);
        cr_assert_eq(fl_fta_add_basic(t, e1, 0.1, NULL, &d), FL_OK);
        if (types[i] != FL_FTA_NOT) {
            cr_assert_eq(fl_fta_gate_arg(t, gi, e2), FL_OK);
            cr_assert_eq(fl_fta_add_basic(t, e2, 0.2, NULL, &d), FL_OK);
        }
    }
    size_t h;
    cr_assert_eq(fl_fta_gate_arg(t, top, "house\"<x>"), FL_OK);
    cr_assert_eq(fl_fta_add_house(t, "house\"<x>", true, &h, &d), FL_OK);
    cr_assert_eq(fl_fta_set_top(t, "top"), FL_OK);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_OK, "%s", d.msg);
    struct fl_buf svg;
    fl_buf_init(&svg, 8 << 20);
    cr_assert_eq(fl_diagram_fault_tree(t, NULL, &svg, &d), FL_OK, "%s", d.msg);
    cr_expect(strstr(svg.data, "<title>a &lt;tree&gt; &amp; more</title>") != NULL);
    cr_expect(strstr(svg.data, "house&quot;&lt;x&gt;") != NULL);
    cr_expect(strstr(svg.data, ">2/7</text>") != NULL, "k/n of the top gate: %.300s", svg.data);
    cr_expect(strstr(svg.data, ">inhibit</text>") != NULL);
    cr_expect(strstr(svg.data, "<circle") != NULL, "basic events are circles");
    cr_expect(strstr(svg.data, "red = true") == NULL, "no legend without evaluation");
    /* every event drawn once */
    size_t groups = 0;
    for (const char *p = svg.data; (p = strstr(p, "<g class=\"event\">")); p++)
        groups++;
    cr_expect_eq(groups, t->n_events);
    fl_buf_cleanup(&svg);
    fl_fta_tree_free(t);
}

Test(fta_live, dependency_graph_marks_changed_edges)
{
    struct fl_diagram_node nodes[] = {
        {"fraud-service", "service", true, "inherited"},
        {"feature-store", "feature_store", false, NULL},
        {"model-server", "model_server", false, NULL},
    };
    struct fl_diagram_edge edges[] = {
        {"fraud-service", "feature-store", true, "+500 ms"},
        {"fraud-service", "model-server", false, NULL},
        {"fraud-service", "nowhere", false, NULL},
    };
    struct fl_buf svg;
    fl_buf_init(&svg, 1 << 20);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_diagram_graph(nodes, 3, edges, 3, &svg, &d), FL_OK, "%s", d.msg);
    cr_expect(strstr(svg.data, "<title>fraud-service -&gt; feature-store: +500 ms</title>") != NULL);
    const char *e1 = strstr(svg.data, "fraud-service -&gt; feature-store");
    const char *e2 = strstr(svg.data, "fraud-service -&gt; model-server");
    cr_assert(e1 && e2);
    cr_expect(strstr(e1, "stroke=\"#c0392b\"") < e2, "the changed edge is red");
    cr_expect(strstr(svg.data, "nowhere") == NULL, "edges to unknown nodes are skipped");
    size_t n = 0;
    for (const char *p = svg.data; (p = strstr(p, "<g class=\"node\">")); p++)
        n++;
    cr_expect_eq(n, 3);
    fl_buf_cleanup(&svg);
}

Test(fta_live, an_inherited_cause_is_not_a_changed_component)
{
    struct fl_investigation inv;
    struct fl_inv_step steps[6];
    fraud_inv(&inv, steps);
    struct fl_inv_cause causes[2] = {
        {.component = "network fraud-service->feature-store", .score = 0.5,
         .summary = "its trace time changed"},
        {.component = "fraud-service", .score = 0.4,
         .summary = "fraud-service: its metrics changed, but a change of network "
                    "fraud-service->feature-store, which it depends on, accounts for it "
                    "(inherited)"},
    };
    inv.causes = causes;
    inv.n_causes = 2;
    const char *checks[] = {"component_changed fraud-service",
                            "component_changed network fraud-service->feature-store", NULL, NULL};
    struct fl_fta_bindings b;
    struct fl_fta_tree *t = small_tree(&b, checks);
    struct fl_fta_live *l;
    cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, NULL), FL_OK);
    size_t net;
    cr_assert(fl_fta_find(t, "net", &net));
    cr_expect_eq(value_of(t, l, "net"), FL_FTA_FALSE, "inherited: %s", l->why[net]);
    cr_expect(strstr(l->why[net], "(inherited)") != NULL);
    cr_expect_eq(value_of(t, l, "sym"), FL_FTA_TRUE);
    fl_fta_live_free(l);
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);
}

/* Checks declared in our YAML format (`check:` on a basic event): bound by fl_fta_bind_declared,
 * overridden by fl_fta_rebind; a check that does not parse is refused with its line and column. */
Test(fta_live, checks_declared_in_yaml)
{
    static const char yml[] =
        "top: top\n"
        "gates:\n"
        "  top: {type: and, inputs: [net, sym]}\n"
        "basic_events:\n"
        "  net: {probability: 0.1, check: \"edge_share fraud-service->feature-store\"}\n"
        "  sym: {probability: 0.5, check: symptom}\n";
    struct fl_fta_tree *t;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_new(NULL, &t), FL_OK);
    cr_assert_eq(fl_fta_load_yaml(t, yml, sizeof yml - 1, "live.yml", &d), FL_OK, "%s", d.msg);
    struct fl_fta_bindings b;
    fl_fta_bindings_init(&b);
    cr_assert_eq(fl_fta_bind_declared(&b, t, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(b.n, 2);
    struct fl_investigation inv;
    struct fl_inv_step steps[6];
    fraud_inv(&inv, steps);
    struct fl_fta_live *l;
    cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(value_of(t, l, "top"), FL_FTA_TRUE);
    fl_fta_live_free(l);
    /* --bind overrides the declared check */
    cr_assert_eq(fl_fta_rebind(&b, t, "net", "component_changed model-server", &d), FL_OK);
    cr_expect_eq(b.n, 2);
    cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(value_of(t, l, "net"), FL_FTA_FALSE);
    cr_expect_eq(value_of(t, l, "top"), FL_FTA_FALSE);
    fl_fta_live_free(l);
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);

    static const char bad[] = "top: top\n"
                              "gates:\n"
                              "  top: {type: or, inputs: [a]}\n"
                              "basic_events:\n"
                              "  a: {probability: 0.1, check: \"dirft model\"}\n";
    cr_assert_eq(fl_fta_tree_new(NULL, &t), FL_OK);
    fl_diag_init(&d);
    cr_expect_eq(fl_fta_load_yaml(t, bad, sizeof bad - 1, "bad.yml", &d), FL_EINVAL);
    cr_expect_eq(d.line, 5);
    cr_expect_eq(d.column, 32);
    cr_expect(strstr(d.msg, "unknown kind") != NULL, "%s", d.msg);
    fl_fta_tree_free(t);
    /* the example tree loads and binds every basic event */
    const char *paths[] = {"examples/fta/fraud_latency_live.yml"};
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_load_files(paths, 1, &t, &d), FL_OK, "%s", d.msg);
    fl_fta_bindings_init(&b);
    cr_assert_eq(fl_fta_bind_declared(&b, t, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(b.n, 5);
    cr_assert_eq(fl_fta_live_evaluate(t, &b, &inv, NULL, &l, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(value_of(t, l, "network_degraded"), FL_FTA_TRUE);
    cr_expect_eq(value_of(t, l, "p99_breach"), FL_FTA_TRUE);
    fl_fta_live_free(l);
    fl_fta_bindings_cleanup(&b);
    fl_fta_tree_free(t);
}
