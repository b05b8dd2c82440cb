/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_inv_fixture.h: one small investigation (a network edge explains a latency change, one
 * refuted hypothesis, one alert event) for the fuzz targets of the 5 Whys and the post-mortem.
 */
#ifndef FL_FUZZ_INV_FIXTURE_H
#define FL_FUZZ_INV_FIXTURE_H

#include <math.h>
#include <string.h>

#include "core/record.h"
#include "rca/investigate.h"

static struct fl_inv_evidence fz_ev[3];
static struct fl_inv_step fz_steps[3];
static size_t fz_cev[2] = {0, 0}, fz_cstep[2] = {1, 0};
static struct fl_inv_cause fz_cause;
static struct fl_inv_refuted fz_ref;

static void fz_investigation(struct fl_investigation *inv)
{
    const int64_t t0 = 1794830400000LL;
    memset(inv, 0, sizeof *inv);
    strcpy(inv->id, "inv_00000000000000ff");
    inv->req.kind = FL_INV_LATENCY;
    inv->req.service = "api";
    inv->req.source = "alertmanager";
    inv->req.title = "API latency";
    inv->symptom = "latency:api@99";
    inv->onset_ms = t0;
    inv->created_ms = t0 + 300000;
    inv->baseline_start_ms = t0 - 3600000;
    inv->baseline_end_ms = inv->incident_start_ms = t0;
    inv->incident_end_ms = t0 + 1800000;
    inv->verdict = FL_INV_CAUSES;
    fz_ev[0] = (struct fl_inv_evidence){
        FL_INV_EV_SERIES, "api", "latency:api@99", "P99 10 ms -> 50 ms", 10, 50, 4, t0, true};
    fz_ev[1] = (struct fl_inv_evidence){FL_INV_EV_TRACE_KEY,
                                        "network api->db",
                                        "edge:api->db",
                                        "edge:api->db: 2 ms -> 40 ms",
                                        2,
                                        40,
                                        0.95,
                                        FL_TS_NONE,
                                        true};
    fz_ev[2] = (struct fl_inv_evidence){FL_INV_EV_EVENT,
                                        "api",
                                        "a1",
                                        "alert on api 2026-11-16T12:01:00Z (x) status firing: y",
                                        NAN,
                                        NAN,
                                        0.1,
                                        t0 + 60000,
                                        false};
    fz_steps[0] =
        (struct fl_inv_step){"verify_symptom", FL_INV_STEP_FOUND, "real", &fz_ev[0], 1, 1};
    fz_steps[1] =
        (struct fl_inv_step){"trace_evidence", FL_INV_STEP_FOUND, "edge", &fz_ev[1], 1, 1};
    fz_steps[2] =
        (struct fl_inv_step){"change_events", FL_INV_STEP_NOTHING, "none", &fz_ev[2], 1, 1};
    inv->steps = fz_steps;
    inv->n_steps = 3;
    fz_cause =
        (struct fl_inv_cause){"network api->db", "network", 0.9, "edge", fz_cev, fz_cstep, 2,
                              "network", "edge"};
    inv->causes = &fz_cause;
    inv->n_causes = 1;
    fz_ref = (struct fl_inv_refuted){"db got slower", "db/query: P99 2 ms -> 2 ms", "db"};
    inv->refuted = &fz_ref;
    inv->n_refuted = 1;
}

#endif
