/* SPDX-License-Identifier: Apache-2.0 */
/*
 * investigate.h: the investigation engine (issue 5, docs/rca.md "Investigations"): from a
 * symptom to ranked, evidenced root causes and refuted hypotheses.
 *
 * An investigation runs fixed steps, each of which reports what it found, including "nothing
 * changed here", so that nobody jumps to conclusions:
 *   verify_symptom    is the symptom real? scrape gaps, up == 0, sample counts, a ratio's
 *                     numerator and denominator separately, label cardinality; onset confirmed
 *                     or detected (change point on the symptom)
 *   localize_segments is the change uniform across segments? (src/rca/localize.h)
 *   rank_metrics      which components' metrics changed, first (src/rca/rank.h)
 *   ml_evidence       drift, validation, skew, stale features, batch runs, model versions
 *   trace_evidence    which edges and operations explain a latency change (src/trace/)
 *   change_events     deploys, config, model, schema, experiment changes before the onset
 * and then ranks components over the dependency graph (topology merged with traces) from all of
 * the evidence. Data comes through src/store/store.h only.
 *
 * Memory: everything an investigation holds is allocated from the caller's arena; strings point
 * into it. The result is plain data, rendered by src/report/investigation.h and stored as its
 * JSON (schema version FL_INV_SCHEMA_VERSION, docs/rca.md).
 */
#ifndef FL_RCA_INVESTIGATE_H
#define FL_RCA_INVESTIGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

#define FL_INV_SCHEMA_VERSION 1

struct fl_store;
struct fl_config;

/* ---- the question ---- */

enum fl_inv_symptom_kind {
    FL_INV_SELECTOR = 1, /* a series selector, e.g. recs_ctr{service="recs"} */
    FL_INV_KPI = 2,      /* a KPI of the configuration (kpis:), e.g. ctr = clicks / impressions */
    FL_INV_LATENCY = 3,  /* a latency percentile of a traced service (root spans' durations) */
};

struct fl_inv_request {
    int kind;                /* enum fl_inv_symptom_kind */
    const char *selector;    /* FL_INV_SELECTOR */
    const char *kpi;         /* FL_INV_KPI: its name */
    const char *service;     /* FL_INV_LATENCY: service.name (its SERVER spans) */
    const char *operation;   /* FL_INV_LATENCY: span name, NULL = all of the service's */
    double percentile;       /* FL_INV_LATENCY: 0 < p < 100, default 99 */
    int direction;           /* enum fl_rank_direction of the symptom: 0 = from the kind (KPI:
                                higher_is_better; latency: up; selector: both) */
    int64_t onset_ms;        /* FL_TS_NONE: detect it on the symptom */
    /* Windows (ms, [start, end)); 0 = default: incident = onset .. min(onset + 30m, now),
     * baseline = the 4x longer window ending at the onset (as Netdata's metric correlations). */
    int64_t baseline_start_ms, baseline_end_ms;
    int64_t incident_start_ms, incident_end_ms;
    int64_t now_ms;          /* "now" for defaults; 0 = the clock */
    const char *title;       /* free text, e.g. the alert's summary; may be NULL */
    const char *source;      /* who asked: "cli", "api", "alertmanager"; may be NULL */
};

/* Parse a symptom argument: "kpi:NAME", "latency:SERVICE[/OPERATION][@P99]", or a selector.
 * Fills the kind-specific fields of r (pointing into text). FL_EINVAL with a diag. */
fl_err fl_inv_parse_symptom(const char *text, struct fl_inv_request *r,
                            struct fl_diag *d) FL_MUST_CHECK;
/* The same, copying the parts that need their own string (the latency form's service when an
 * operation or percentile follows, and the operation) into a; fl_inv_parse_symptom refuses those
 * forms with FL_EINVAL, since it cannot cut text without writing into it. Other fields point
 * into text. Added by the engine (docs/rca.md "Investigations"). */
fl_err fl_inv_parse_symptom_arena(const char *text, struct fl_arena *a, struct fl_inv_request *r,
                                  struct fl_diag *d) FL_MUST_CHECK;

/* ---- the answer ---- */

enum fl_inv_step_status {
    FL_INV_STEP_FOUND = 1,   /* found something that bears on the cause */
    FL_INV_STEP_NOTHING = 2, /* looked, nothing changed here (said explicitly) */
    FL_INV_STEP_SKIPPED = 3, /* not applicable or no data (summary says why) */
    FL_INV_STEP_FAILED = 4,  /* an error prevented the step (summary says which) */
};

enum fl_inv_evidence_kind {
    FL_INV_EV_SERIES = 1,     /* ref: selector; numbers: baseline, incident, score */
    FL_INV_EV_SEGMENT = 2,    /* ref: "dim=value[&dim=value]"; numbers: baseline, incident */
    FL_INV_EV_TRACE_KEY = 3,  /* ref: "edge:caller->callee" or "op:service/operation" */
    FL_INV_EV_TRACE = 4,      /* ref: a trace id (an example trace) */
    FL_INV_EV_EVENT = 5,      /* ref: the change event's id; ts_ms its time */
    FL_INV_EV_DRIFT = 6,      /* ref: "model/version/feature"; score: the drift score */
    FL_INV_EV_VALIDATION = 7, /* ref: "model/feature"; text: the anomaly */
    FL_INV_EV_FRESHNESS = 8,  /* ref: the job; text: its state */
    FL_INV_EV_MODEL = 9,      /* ref: "model/version"; text: what changed (version, traffic) */
};

struct fl_inv_evidence {
    int kind;               /* enum fl_inv_evidence_kind */
    const char *component;  /* the component it is about, NULL when none */
    const char *ref;        /* what to open: see the kinds */
    const char *text;       /* one line a person reads, with the numbers */
    double baseline, incident, score; /* NaN when not meaningful */
    int64_t ts_ms;          /* when it happened / started; FL_TS_NONE when not meaningful */
    bool supports;          /* true: points at a cause; false: shows something did NOT change */
};

struct fl_inv_step {
    const char *name;       /* "verify_symptom", "localize_segments", ... (see above) */
    int status;             /* enum fl_inv_step_status */
    const char *summary;    /* one or two sentences, always set */
    struct fl_inv_evidence *evidence;
    size_t n_evidence;
    double elapsed_ms;
};

struct fl_inv_cause {
    const char *component;
    const char *component_kind; /* topology kind, NULL when not configured */
    double score;               /* in [0, 1], higher = more likely */
    const char *summary;        /* why, in one sentence */
    size_t *evidence;           /* indexes into the flattened evidence (step, index) pairs: */
    size_t *evidence_step;      /*   evidence i is steps[evidence_step[i]].evidence[evidence[i]] */
    size_t n_evidence;
    const char *fault_kind;     /* what kind of fault its evidence points at (docs/rca.md "Fault
                                   kinds"): network, stale_data, data_quality, ...; NULL in
                                   investigations stored before it existed */
    const char *fault_kind_why; /* the evidence text that decided it */
};

struct fl_inv_refuted {
    const char *hypothesis;     /* "model-server got slower" */
    const char *text;           /* the numbers that refute it: "P99 12 ms -> 13 ms, KS p 0.8" */
    const char *component;
};

enum fl_inv_verdict {
    FL_INV_CAUSES = 1,          /* ranked causes below */
    FL_INV_NO_SYMPTOM = 2,      /* the symptom did not change significantly: nothing to explain */
    FL_INV_NO_CAUSE = 3,        /* the symptom changed; no component's signals did */
    FL_INV_BROKEN_METRIC = 4,   /* the symptom's own measurement is broken (verify_symptom) */
};

struct fl_investigation {
    char id[40];                /* "inv_" + 16 hex; assigned when stored, else derived */
    int64_t created_ms;
    struct fl_inv_request req;  /* strings copied into the arena */
    const char *symptom;        /* normalized text of the symptom */
    int64_t onset_ms;
    bool onset_detected;
    int64_t baseline_start_ms, baseline_end_ms, incident_start_ms, incident_end_ms;
    int verdict;                /* enum fl_inv_verdict */
    const char *verdict_text;
    struct fl_inv_step *steps;
    size_t n_steps;
    struct fl_inv_cause *causes; /* best first */
    size_t n_causes;
    struct fl_inv_refuted *refuted;
    size_t n_refuted;
    double elapsed_ms;
};

/* Run an investigation. cfg gives the topology, KPIs, models (may be a default config). Steps
 * that fail are recorded as FL_INV_STEP_FAILED and the others still run; an error is returned
 * only for a bad request (FL_EINVAL with a diag naming the field) or FL_ENOMEM / FL_ELIMIT. */
fl_err fl_investigate(struct fl_store *s, const struct fl_config *cfg,
                      const struct fl_inv_request *req, struct fl_arena *a,
                      struct fl_investigation *out, struct fl_diag *d) FL_MUST_CHECK;

const char *fl_inv_step_status_name(int status);     /* "found", "nothing", "skipped", "failed" */
const char *fl_inv_evidence_kind_name(int kind);     /* "series", "segment", ... */
const char *fl_inv_verdict_name(int verdict);        /* "causes", "no_symptom", ... */

#endif
