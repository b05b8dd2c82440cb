/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_int.h: what the 5 Whys (whys*.c) and the post-mortem (postmortem*.c) share: reading an
 * investigation's evidence by kind, classifying its top cause, and the change events of its
 * change_events step read back from their text. Not a public interface.
 */
#ifndef FL_REPORT_REPORT_INT_H
#define FL_REPORT_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../rca/investigate.h"

struct fl_config;

/* What kind of cause a ranked cause is, from its component kind and its evidence. */
enum fl_report_class {
    FL_RC_NONE = 0,       /* no cause */
    FL_RC_NETWORK = 1,    /* time on a call between two services (trace key edge) */
    FL_RC_FRESHNESS = 2,  /* a batch job / pipeline without a successful run */
    FL_RC_STALE = 3,      /* stale input features of a model */
    FL_RC_VALIDATION = 4, /* schema / validation anomaly */
    FL_RC_MODEL = 5,      /* a model version change or traffic shift */
    FL_RC_DRIFT = 6,      /* input drift */
    FL_RC_CHANGE = 7,     /* a deploy / config / infrastructure change event */
    FL_RC_METRIC = 8,     /* the symptom's own measurement is broken */
    FL_RC_SERVICE = 9,    /* a component's metrics or own latency changed */
};
const char *fl_report__class_name(int c); /* "network", "freshness", ... "none" */

/* The evidence a (step, index) pair names, NULL when out of range. */
const struct fl_inv_evidence *fl_report__ev(const struct fl_investigation *inv, size_t step,
                                            size_t idx);
/* Index of the step with this name, or inv->n_steps when absent. */
size_t fl_report__step(const struct fl_investigation *inv, const char *name);

/* The cause's primary evidence (the one that says most about the mechanism), outside
 * verify_symptom; false when it has none. */
bool fl_report__primary(const struct fl_investigation *inv, const struct fl_inv_cause *c,
                        size_t *step, size_t *idx);
/* The class of causes[i] (FL_RC_METRIC for a broken-metric verdict, FL_RC_NONE without causes). */
int fl_report__classify(const struct fl_investigation *inv, size_t i);

/* A change event as the change_events step recorded it: kind and status read from its text
 * ("<kind> on <component> <time> (...) status <status>: ..."). */
struct fl_report_event {
    size_t step, idx;
    const struct fl_inv_evidence *ev;
    char kind[32];   /* "deploy", "alert", "batch_run", ... ; "" when unreadable */
    char status[16]; /* "failure", "firing", ... ; "" when none */
};
/* The events of the change_events step, in their order; *n of them (arena; NULL when none). */
struct fl_report_event *fl_report__events(const struct fl_investigation *inv, struct fl_arena *a,
                                          size_t *n);
bool fl_report__is_run_kind(const char *kind); /* batch_run, feature_pipeline_run */

/* Does the configuration give component down a dependency (direct or not) on up? */
bool fl_report__depends(const struct fl_config *cfg, const char *down, const char *up);
/* The configured freshness rule of a component, or NULL (also when cfg is NULL). */
const struct fl_freshness_cfg *fl_report__fresh_rule(const struct fl_config *cfg,
                                                     const char *component);

/* "2026-11-03T04:00:00Z" into out (cap >= 32); "-" for FL_TS_NONE. */
const char *fl_report__time(int64_t ts_ms, char *out, size_t cap);
/* "3 h 12 min", "45 s", "2 d 4 h" for a duration in ms (>= 0). */
const char *fl_report__dur(int64_t ms, char *out, size_t cap);

#endif
