/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fixtures.h: investigations of constructed incidents, built in code the way the engine
 * (src/rca/) would record them, for the 5 Whys and post-mortem tests:
 *   fx_fraud    a latency SLO breach: network fraud-service -> feature-store explains 97% of the
 *               P99 change; "model-server got slower" and "feature-store got slower" refuted with
 *               numbers; an alert fired 2 min after the onset (source alertmanager)
 *   fx_segments a batch model's segments went wrong: its input feature was stale; the feature
 *               pipeline's runs failed after its last success, no alert fired, and the
 *               configuration has no freshness rule for the pipeline (started by hand from the CLI)
 *   fx_late_job a batch job without a successful run (freshness evidence, no failed run recorded)
 *   fx_kpi_drop a KPI drop concentrated in one segment, no component explains it
 *   fx_single   one cause with one evidence of a given kind (for the action item table)
 */
#ifndef FL_TEST_PM_FIXTURES_H
#define FL_TEST_PM_FIXTURES_H

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "config/config.h"
#include "core/arena.h"
#include "core/record.h"
#include "rca/investigate.h"

#define FX_ONSET 1794830400000LL /* 2026-11-16T12:00:00Z */
#define FX_MIN 60000LL
#define FX_DAY 86400000LL

static inline void *fx_alloc(struct fl_arena *a, size_t n, size_t size)
{
    void *p = fl_arena_calloc(a, n, size);
    cr_assert_not_null(p);
    return p;
}

static inline struct fl_inv_evidence fx_ev(int kind, const char *comp, const char *ref,
                                           const char *text, double b, double i, double s,
                                           int64_t ts, bool supports)
{
    return (struct fl_inv_evidence){kind, comp, ref, text, b, i, s, ts, supports};
}

/* Start an investigation with n_steps steps (names given later) and the usual windows. */
static inline void fx_base(struct fl_investigation *inv, struct fl_arena *a, const char *symptom,
                           size_t n_steps)
{
    memset(inv, 0, sizeof *inv);
    strcpy(inv->id, "inv_00000000000000aa");
    inv->req.kind = FL_INV_SELECTOR;
    inv->req.onset_ms = FL_TS_NONE;
    inv->req.source = "cli";
    inv->symptom = symptom;
    inv->onset_ms = FX_ONSET;
    inv->onset_detected = true;
    inv->baseline_start_ms = FX_ONSET - 120 * FX_MIN;
    inv->baseline_end_ms = FX_ONSET;
    inv->incident_start_ms = FX_ONSET;
    inv->incident_end_ms = FX_ONSET + 30 * FX_MIN;
    inv->created_ms = FX_ONSET + 45 * FX_MIN;
    inv->verdict = FL_INV_CAUSES;
    inv->verdict_text = "ranked causes below";
    inv->steps = fx_alloc(a, n_steps, sizeof *inv->steps);
    inv->n_steps = n_steps;
    inv->elapsed_ms = 120;
}

static inline void fx_step(struct fl_investigation *inv, struct fl_arena *a, size_t i,
                           const char *name, int status, const char *summary,
                           const struct fl_inv_evidence *ev, size_t n)
{
    struct fl_inv_step *s = &inv->steps[i];
    s->name = name;
    s->status = status;
    s->summary = summary;
    s->n_evidence = n;
    s->elapsed_ms = 1;
    if (n) {
        s->evidence = fx_alloc(a, n, sizeof *ev);
        memcpy(s->evidence, ev, n * sizeof *ev);
    }
}

/* Cause with evidence pairs (step, index) given as 2*n sizes. */
static inline void fx_cause(struct fl_investigation *inv, struct fl_arena *a, size_t i,
                            const char *comp, const char *kind, double score, const char *summary,
                            const size_t *pairs, size_t n)
{
    struct fl_inv_cause *c = &inv->causes[i];
    c->component = comp;
    c->component_kind = kind;
    c->score = score;
    c->summary = summary;
    c->n_evidence = n;
    c->evidence = fx_alloc(a, n ? n : 1, sizeof(size_t));
    c->evidence_step = fx_alloc(a, n ? n : 1, sizeof(size_t));
    for (size_t k = 0; k < n; k++) {
        c->evidence_step[k] = pairs[2 * k];
        c->evidence[k] = pairs[2 * k + 1];
    }
}

static inline void fx_fraud(struct fl_investigation *inv, struct fl_arena *a)
{
    fx_base(inv, a, "latency:fraud-service@99", 4);
    inv->req.kind = FL_INV_LATENCY;
    inv->req.service = "fraud-service";
    inv->req.percentile = 99;
    inv->req.source = "alertmanager";
    inv->req.title = "FraudLatencyHigh: P99 of fraud-service above 300 ms";
    inv->created_ms = FX_ONSET + 4 * FX_MIN;
    struct fl_inv_evidence v[] = {
        fx_ev(FL_INV_EV_SERIES, "fraud-service", "latency:fraud-service@99",
              "P99 of fraud-service 120 ms -> 480 ms (KS p 1e-9)", 120, 480, 5.2, FX_ONSET, true)};
    fx_step(inv, a, 0, "verify_symptom", FL_INV_STEP_FOUND, "the symptom is real", v, 1);
    fx_step(inv, a, 1, "rank_metrics", FL_INV_STEP_NOTHING, "no metric changed", NULL, 0);
    struct fl_inv_evidence t[] = {
        fx_ev(FL_INV_EV_TRACE_KEY, "network fraud-service->feature-store",
              "edge:fraud-service->feature-store",
              "edge:fraud-service->feature-store: critical-path time near P99 8 ms -> 360 ms "
              "(+352 ms, 97% of the change)",
              8, 360, 0.97, FL_TS_NONE, true),
        fx_ev(FL_INV_EV_TRACE_KEY, "model-server", "op:model-server/predict",
              "op:model-server/predict: critical-path time near P99 40 ms -> 41 ms (+1 ms, 0% of "
              "the change)",
              40, 41, 0.0, FL_TS_NONE, false)};
    fx_step(inv, a, 2, "trace_evidence", FL_INV_STEP_FOUND, "one edge explains the change", t, 2);
    struct fl_inv_evidence c[] = {
        fx_ev(FL_INV_EV_EVENT, "fraud-service", "ev-alert-1",
              "alert on fraud-service 2026-11-16T12:02:00Z (the symptom's component) status "
              "firing: FraudLatencyHigh: score 0.10",
              NAN, NAN, 0.1, FX_ONSET + 2 * FX_MIN, false)};
    fx_step(inv, a, 3, "change_events", FL_INV_STEP_NOTHING,
            "1 change events, none before the onset on the symptom's path or a changed component",
            c, 1);
    inv->causes = fx_alloc(a, 1, sizeof *inv->causes);
    inv->n_causes = 1;
    size_t pairs[] = {2, 0, 0, 0};
    fx_cause(inv, a, 0, "network fraud-service->feature-store", "network", 0.91,
             "the network time of fraud-service's calls to feature-store rose first", pairs, 2);
    inv->refuted = fx_alloc(a, 2, sizeof *inv->refuted);
    inv->n_refuted = 2;
    inv->refuted[0] = (struct fl_inv_refuted){"model-server got slower",
                                              "model-server/predict: P99 40 ms -> 41 ms, KS p 0.62",
                                              "model-server"};
    inv->refuted[1] = (struct fl_inv_refuted){"feature-store got slower",
                                              "feature-store/get: P99 5 ms -> 5.2 ms, KS p 0.71",
                                              "feature-store"};
}

static inline void fx_segments(struct fl_investigation *inv, struct fl_arena *a)
{
    fx_base(inv, a, "segment_mismatch_ratio{job=\"segmentation\"}", 3);
    inv->baseline_start_ms = FX_ONSET - 14 * FX_DAY;
    inv->created_ms = FX_ONSET + 3 * FX_DAY;
    struct fl_inv_evidence v[] = {
        fx_ev(FL_INV_EV_SERIES, "segment-model", "segment_mismatch_ratio{job=\"segmentation\"}",
              "median 0.01 -> 0.32 (deviation 40 spread units)", 0.01, 0.32, 40, FX_ONSET, true)};
    fx_step(inv, a, 0, "verify_symptom", FL_INV_STEP_FOUND, "the symptom is real", v, 1);
    struct fl_inv_evidence m[] = {
        fx_ev(FL_INV_EV_FRESHNESS, "segment-model", "segment-model/days_since_purchase",
              "model segment-model feature days_since_purchase: no fresh value in 96.0% of "
              "requests before the incident's end",
              NAN, NAN, 0.96, FL_TS_NONE, true)};
    fx_step(inv, a, 1, "ml_evidence", FL_INV_STEP_FOUND, "stale features", m, 1);
    int64_t d3 = FX_ONSET - 13 * FX_DAY; /* 2026-11-03T12:00:00Z */
    struct fl_inv_evidence c[] = {
        fx_ev(FL_INV_EV_EVENT, "customer-features", "run-1",
              "feature_pipeline_run on customer-features 2026-11-03T12:00:00Z (upstream of a "
              "changed component) status success: nightly: score 0.00",
              NAN, NAN, 0, d3, false),
        fx_ev(FL_INV_EV_EVENT, "customer-features", "run-2",
              "feature_pipeline_run on customer-features 2026-11-04T12:00:00Z (upstream of a "
              "changed component) status failure: OOMKilled: score 0.00",
              NAN, NAN, 0, d3 + FX_DAY, false),
        fx_ev(FL_INV_EV_EVENT, "customer-features", "run-3",
              "feature_pipeline_run on customer-features 2026-11-05T12:00:00Z (upstream of a "
              "changed component) status failure: OOMKilled: score 0.00",
              NAN, NAN, 0, d3 + 2 * FX_DAY, false),
        fx_ev(FL_INV_EV_EVENT, "checkout", "dep-9",
              "deploy on checkout 2026-11-10T09:00:00Z (not on the symptom's path): score 0.01",
              NAN, NAN, 0.01, FX_ONSET - 6 * FX_DAY - 3 * 3600000LL, false)};
    fx_step(inv, a, 2, "change_events", FL_INV_STEP_NOTHING,
            "4 change events, none before the onset on the symptom's path or a changed component",
            c, 4);
    inv->causes = fx_alloc(a, 1, sizeof *inv->causes);
    inv->n_causes = 1;
    size_t pairs[] = {1, 0};
    fx_cause(inv, a, 0, "segment-model", "batch_job", 0.8, "its input features were stale", pairs,
             1);
}

static inline void fx_late_job(struct fl_investigation *inv, struct fl_arena *a)
{
    fx_base(inv, a, "kpi:conversion", 3);
    inv->req.kind = FL_INV_KPI;
    inv->req.kpi = "conversion";
    struct fl_inv_evidence v[] = {fx_ev(FL_INV_EV_SERIES, "shop", "kpi:conversion",
                                        "conversion 0.031 -> 0.024", 0.031, 0.024, 3, FX_ONSET,
                                        true)};
    fx_step(inv, a, 0, "verify_symptom", FL_INV_STEP_FOUND, "the symptom is real", v, 1);
    struct fl_inv_evidence m[] = {
        fx_ev(FL_INV_EV_FRESHNESS, "nightly-etl", "nightly-etl",
              "nightly-etl: late (no successful run within every + grace), already before the "
              "onset",
              NAN, NAN, 7200000, FX_ONSET - 2 * FX_DAY, true)};
    fx_step(inv, a, 1, "ml_evidence", FL_INV_STEP_FOUND, "a late job", m, 1);
    fx_step(inv, a, 2, "change_events", FL_INV_STEP_NOTHING,
            "no change events recorded in the baseline and incident windows", NULL, 0);
    inv->causes = fx_alloc(a, 1, sizeof *inv->causes);
    inv->n_causes = 1;
    size_t pairs[] = {1, 0};
    fx_cause(inv, a, 0, "nightly-etl", "batch_job", 0.7, "no successful run", pairs, 1);
}

static inline void fx_kpi_drop(struct fl_investigation *inv, struct fl_arena *a)
{
    fx_base(inv, a, "kpi:ctr", 3);
    inv->req.kind = FL_INV_KPI;
    inv->req.kpi = "ctr";
    inv->verdict = FL_INV_NO_CAUSE;
    inv->verdict_text = "the symptom changed; no component's signals did";
    struct fl_inv_evidence v[] = {fx_ev(FL_INV_EV_SERIES, "recs", "kpi:ctr",
                                        "ctr 0.052 -> 0.041 (-21%)", 0.052, 0.041, 4, FX_ONSET,
                                        true)};
    fx_step(inv, a, 0, "verify_symptom", FL_INV_STEP_FOUND, "the symptom is real", v, 1);
    struct fl_inv_evidence s[] = {
        fx_ev(FL_INV_EV_SEGMENT, "recs", "total", "localized over 12 segments", 0.052, 0.041, -0.21,
              FL_TS_NONE, true),
        fx_ev(FL_INV_EV_SEGMENT, "recs", "platform=android",
              "platform=android: 0.05 -> 0.03 (-40.0% against -1.0% elsewhere), 93% of the change",
              0.05, 0.03, 0.93, FL_TS_NONE, true),
        fx_ev(FL_INV_EV_SEGMENT, "recs", "platform=ios", "platform=ios: 0.055 -> 0.054", 0.055,
              0.054, 0.02, FL_TS_NONE, false)};
    fx_step(inv, a, 1, "localize_segments", FL_INV_STEP_FOUND, "localized to platform=android", s,
            3);
    fx_step(inv, a, 2, "rank_metrics", FL_INV_STEP_NOTHING, "no component's metrics changed", NULL,
            0);
}

/* One cause whose only evidence (besides the symptom) is ev. */
static inline void fx_single(struct fl_investigation *inv, struct fl_arena *a, const char *comp,
                             const char *comp_kind, struct fl_inv_evidence ev)
{
    fx_base(inv, a, "latency:api@99", 2);
    struct fl_inv_evidence v[] = {fx_ev(FL_INV_EV_SERIES, "api", "latency:api@99",
                                        "P99 10 ms -> 50 ms", 10, 50, 4, FX_ONSET, true)};
    fx_step(inv, a, 0, "verify_symptom", FL_INV_STEP_FOUND, "the symptom is real", v, 1);
    fx_step(inv, a, 1, "ml_evidence", FL_INV_STEP_FOUND, "found", &ev, 1);
    inv->causes = fx_alloc(a, 1, sizeof *inv->causes);
    inv->n_causes = 1;
    size_t pairs[] = {1, 0};
    fx_cause(inv, a, 0, comp, comp_kind, 0.8, "changed first", pairs, 1);
}

#define FX_TOPO                                                                                    \
    "topology:\n  components:\n"                                                                   \
    "    - {name: customer-features, kind: batch_job}\n"                                           \
    "    - {name: segment-model, kind: batch_job, depends_on: [customer-features]}\n"              \
    "    - {name: nightly-etl, kind: batch_job}\n"                                                 \
    "    - {name: checkout, kind: service}\n"

static inline struct fl_config *fx_config(const char *yaml)
{
    struct fl_config *c = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_config_parse(yaml, strlen(yaml), "test.yml", &c, &d);
    cr_assert_eq(e, FL_OK, "config: %s", d.msg);
    return c;
}

#endif
