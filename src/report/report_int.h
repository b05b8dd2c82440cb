/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_int.h: what the 5 Whys (whys*.c) and the post-mortem (postmortem*.c) share: reading an
 * investigation's evidence by kind, classifying its top cause, and the change events of its
 * change_events step read back from their text; and the members of a stored JSON document read
 * with jansson (investigation_read.c, whys_io.c). Not a public interface.
 */
#ifndef FL_REPORT_REPORT_INT_H
#define FL_REPORT_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../core/err.h"
#include "../rca/investigate.h"

struct fl_config;
struct json_t; /* jansson's json_t */

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

/*
 * Reading the members of a stored document (jansson DOM). Strings are copied into the arena a.
 * The first error wins: it goes into e and the diag d as "<path>.<key>: <what>" (field path
 * "<path>.<key>"), or "<key>: <what>" while path is "". A member that is absent or null reads as
 * "none" (NULL, NAN, FL_TS_NONE, false) without an error. Not thread-safe per reader.
 */
struct fl_report_rd {
    struct fl_arena *a;
    struct fl_diag *d; /* may be NULL */
    fl_err e;          /* first error, FL_OK until one */
    char path[96];     /* the object being read ("links[2].citations[0]"), "" at the top */
};
/* Records the error unless one is recorded already. */
void fl_report__fail(struct fl_report_rd *r, fl_err e, const char *field, const char *what);
/* Member key of o as an arena copy; NULL when absent or null, or on an error: not a string
 * (FL_EPARSE), longer than max bytes (FL_ELIMIT), out of memory (FL_ENOMEM). */
const char *fl_report__get_str(struct fl_report_rd *r, struct json_t *o, const char *key,
                               size_t max);
double fl_report__get_num(struct fl_report_rd *r, struct json_t *o, const char *key); /* NAN */
/* An integer in ms; FL_TS_NONE when absent, null or not an integer (FL_EPARSE). */
int64_t fl_report__get_ts(struct fl_report_rd *r, struct json_t *o, const char *key);
/* true only for JSON true; anything but a boolean or null is an FL_EPARSE error. */
bool fl_report__get_bool(struct fl_report_rd *r, struct json_t *o, const char *key);
/* The i in 1..n for which fn(i) equals s; 0 when none does or s is NULL. */
int fl_report__name_index(const char *s, const char *(*fn)(int), int n);

#endif
